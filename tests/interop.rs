//! Interop: the Python `grpcio` client in `tests/python/` talks to a real server. The
//! Python environment is prepared by `scripts/test` (a venv in `.venv` with
//! `tests/python/requirements.txt`); set `LACZNIK_PYTHON` to use another interpreter.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::TestServer;

/// The interpreter with grpcio installed. Missing is a failure, not a skip: CI must run it.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("LACZNIK_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        venv.exists(),
        "no Python venv at {}: run `scripts/test` (it creates the venv with \
         tests/python/requirements.txt) or set LACZNIK_PYTHON",
        venv.display()
    );
    venv
}

fn run_script(script: &str, args: &[String]) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python");
    let output = Command::new(python())
        .arg(dir.join(script))
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("start python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_health_who_am_i_and_refusal() {
    let server = TestServer::start().await;
    let args = vec![server.addr.to_string(), server.certs.display().to_string()];
    tokio::task::spawn_blocking(move || run_script("test_foundation.py", &args))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_walks_a_request_from_submission_to_service_note() {
    let server = TestServer::start().await;
    let args = vec![server.addr.to_string(), server.certs.display().to_string()];
    tokio::task::spawn_blocking(move || run_script("test_assistance.py", &args))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_walks_a_blue_card_from_submission_to_closure() {
    let server = TestServer::start().await;
    let args = vec![server.addr.to_string(), server.certs.display().to_string()];
    tokio::task::spawn_blocking(move || run_script("test_blue_card.py", &args))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_client_bad_input_gets_clear_statuses() {
    let server = TestServer::start().await;
    let args = vec![server.addr.to_string(), server.certs.display().to_string()];
    tokio::task::spawn_blocking(move || run_script("test_bad_input.py", &args))
        .await
        .unwrap();
}
