//! The `lacznik` binary: parse the command line and hand over to the library.

/// mimalloc instead of glibc malloc for the server: the request path allocates many small
/// buffers (protobuf, TLS records, MessagePack, store keys), and glibc's malloc/free took
/// about a tenth of all CPU in the benchmark's profile (README, "Benchmark").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    lacznik::cli::main()
}
