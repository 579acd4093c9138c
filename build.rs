//! Compiles the `lacznik.v1` contract. protoc comes from `protoc-bin-vendored`, so a fresh
//! machine needs no system package; the descriptor set is kept for gRPC reflection.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/lacznik/v1/common.proto",
        "proto/lacznik/v1/organization.proto",
        "proto/lacznik/v1/admin.proto",
        "proto/lacznik/v1/assistance.proto",
        "proto/lacznik/v1/blue_card.proto",
        "proto/lacznik/v1/breach.proto",
        "proto/lacznik/v1/receipt.proto",
    ];
    for proto in &protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let include = protoc_bin_vendored::include_path()?;
    // The vendored protoc is handed to prost-build directly (no PROTOC environment
    // variable to set, so no `unsafe` here either).
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    tonic_prost_build::configure()
        .file_descriptor_set_path(out_dir.join("lacznik_descriptor.bin"))
        .compile_with_config(
            config,
            &protos.map(PathBuf::from),
            &[PathBuf::from("proto"), include],
        )?;
    Ok(())
}
