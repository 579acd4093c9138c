//! The client's connection and output flags are global: `--json`, `--org`, `--addr`,
//! `--certs`, ... are accepted after the subcommand as well as before it
//! (`lacznik client --org X assistance watch --json`). Runs the binary as a process, so it
//! needs nothing of the other integration tests' helpers.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use clap::CommandFactory;

fn lacznik(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lacznik"))
        .args(args)
        .current_dir(cwd)
        .env_remove("LACZNIK_CONFIG")
        .env_remove("LACZNIK_CLIENT_ADDR")
        .stdin(Stdio::null())
        .output()
        .expect("run lacznik")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A loopback address nothing listens on (bound, then released).
fn dead_addr() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("local addr");
    drop(l);
    addr.to_string()
}

/// Development certificates for the sample directory, in `dir/certs`.
fn dev_certs(dir: &Path) {
    let out = lacznik(dir, &["certs", "init", "--dir", "certs"]);
    assert!(out.status.success(), "{}", text(&out));
}

/// The client got past argument parsing and failed on connecting.
fn assert_connect_error(out: &Output, addr: &str) {
    let all = text(out);
    assert!(!out.status.success(), "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("unexpected argument") && !stderr.contains("Usage:"),
        "refused as an argument error: {all}"
    );
    assert!(
        stderr.contains(&format!("cannot connect to {addr}")),
        "not a connection error: {all}"
    );
}

#[test]
fn the_command_line_definition_is_consistent() {
    lacznik::cli::Cli::command().debug_assert();
}

#[test]
fn json_and_connection_flags_are_accepted_after_the_subcommand() {
    let dir = tempfile::tempdir().expect("tempdir");
    dev_certs(dir.path());
    let addr = dead_addr();
    // Before the subcommand, as always.
    let out = lacznik(
        dir.path(),
        &[
            "client",
            "--json",
            "--org",
            "kmp-torun",
            "--addr",
            &addr,
            "assistance",
            "watch",
        ],
    );
    assert_connect_error(&out, &addr);
    // The command line: --json after the subcommand.
    let out = lacznik(
        dir.path(),
        &[
            "client",
            "--org",
            "kmp-torun",
            "--addr",
            &addr,
            "assistance",
            "watch",
            "--json",
        ],
    );
    assert_connect_error(&out, &addr);
    // Every connection flag after the subcommand, mixed with the subcommand's own.
    let out = lacznik(
        dir.path(),
        &[
            "client",
            "breaches",
            "list",
            "--open",
            "--addr",
            &addr,
            "--certs",
            "certs",
            "--org",
            "mopr-torun",
            "--tls-name",
            "localhost",
            "--json",
        ],
    );
    assert_connect_error(&out, &addr);
    let out = lacznik(
        dir.path(),
        &[
            "client",
            "whoami",
            "--addr",
            &addr,
            "--cert",
            "certs/mopr-torun.pem",
            "--key",
            "certs/mopr-torun.key",
            "--ca",
            "certs/ca.pem",
            "--json",
        ],
    );
    assert_connect_error(&out, &addr);
    // `lacznik report breaches` shares the connection flags.
    let out = lacznik(
        dir.path(),
        &[
            "report",
            "breaches",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
            "--out",
            "r.html",
            "--org",
            "kpuw-bydgoszcz",
            "--addr",
            &addr,
        ],
    );
    assert_connect_error(&out, &addr);
}

#[test]
fn an_unknown_flag_after_the_subcommand_is_still_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = lacznik(
        dir.path(),
        &["client", "--org", "kmp-torun", "whoami", "--jsn"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unexpected argument '--jsn'"),
        "{}",
        text(&out)
    );
}

/// A `lacznik serve` in dev mode in its own directory, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let addr: SocketAddr = dead_addr().parse().expect("address");
    let listen = addr.to_string();
    let child = Command::new(env!("CARGO_BIN_EXE_lacznik"))
        .args(["serve", "--listen", &listen])
        .current_dir(dir)
        .env_remove("LACZNIK_CONFIG")
        // Tests run side by side: the console on a port of its own, not 8443.
        .env("LACZNIK_CONSOLE__LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start lacznik serve");
    let server = Server { child, addr };
    let start = Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "server not listening on {addr} after 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

#[test]
fn json_after_the_subcommand_prints_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path());
    let addr = server.addr.to_string();
    let out = lacznik(
        dir.path(),
        &[
            "client",
            "--addr",
            &addr,
            "whoami",
            "--org",
            "mopr-torun",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
    assert!(
        v.to_string().contains("mopr-torun"),
        "whoami names the caller: {v}"
    );
    // Without --json the same call prints a record, not JSON.
    let out = lacznik(
        dir.path(),
        &["client", "--addr", &addr, "whoami", "--org", "mopr-torun"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(serde_json::from_slice::<serde_json::Value>(&out.stdout).is_err());
}

/// `--addr` takes the nodes of a deployment, comma-separated: the client uses the first
/// that connects and serves, and says why none did when none does.
#[test]
fn the_client_moves_to_the_node_that_serves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path());
    let (down, up) = (dead_addr(), server.addr.to_string());
    let both = format!("{down},{up}");
    let out = lacznik(
        dir.path(),
        &["client", "--addr", &both, "--org", "mopr-torun", "whoami"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("mopr-torun"),
        "{}",
        text(&out)
    );
    let (other, down2) = (dead_addr(), dead_addr());
    let none = format!("{other},{down2}");
    let out = lacznik(
        dir.path(),
        &["client", "--addr", &none, "--org", "mopr-torun", "whoami"],
    );
    assert!(!out.status.success());
    let t = text(&out);
    assert!(
        t.contains("no node serves") && t.contains(&other) && t.contains(&down2),
        "{t}"
    );
}
