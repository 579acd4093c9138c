//! Interop: the Python `grpcio` client in `tests/python/` talks to a real server. The
//! Python environment is prepared by `scripts/test` (a venv in `.venv` with
//! `tests/python/requirements.txt`); set `LACZNIK_PYTHON` to use another interpreter.

use std::path::PathBuf;
use std::process::Command;

use crate::support::TestServer;

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
async fn python_verifies_a_receipt_with_jwcrypto_and_cryptography() {
    let server = TestServer::start().await;
    let args = vec![server.addr.to_string(), server.certs.display().to_string()];
    tokio::task::spawn_blocking(move || run_script("test_receipts.py", &args))
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

fn run_example(args: &[String]) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/python");
    let output = Command::new(python())
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("start python");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{args:?} failed\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_integrations_work_end_to_end() {
    let server = TestServer::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let conn = |org: &str| {
        vec![
            "--target".to_string(),
            server.addr.to_string(),
            "--certs".to_string(),
            server.certs.display().to_string(),
            "--org".to_string(),
            org.to_string(),
        ]
    };
    let mut submit = vec!["centre_submit.py".to_string()];
    submit.extend(conn("mopr-torun"));
    submit.push("--urgent".into());
    let mut dispatch = vec!["police_dispatch.py".to_string()];
    dispatch.extend(conn("kmp-torun"));
    dispatch.extend([
        "--once".into(),
        "1".into(),
        "--note".into(),
        "--cursor-file".into(),
    ]);
    dispatch.push(scratch.path().join("dispatch.cursor").display().to_string());
    let out = tokio::task::spawn_blocking(move || {
        let submitted = run_example(&submit);
        assert!(
            submitted.contains("ASSISTANCE_REQUEST_STATE_SUBMITTED -> kmp-torun"),
            "{submitted}"
        );
        run_example(&dispatch)
    })
    .await
    .unwrap();
    assert!(out.contains("ASSISTANCE_EVENT_KIND_NEW"), "{out}");
    assert!(
        out.contains("-> ASSISTANCE_REQUEST_STATE_ACCEPTED"),
        "{out}"
    );
    assert!(
        out.contains("-> ASSISTANCE_REQUEST_STATE_COMPLETED"),
        "{out}"
    );
    // The saved cursor names this store and the first event (`<store id>:1`).
    let saved = std::fs::read_to_string(scratch.path().join("dispatch.cursor")).unwrap();
    let (store, seq) = saved.trim().split_once(':').expect("<store id>:<seq>");
    assert_eq!((store.len(), seq), (16, "1"), "{saved}");

    // A card for Łazy, then the chair's inbox script.
    let mut cards = server.blue_card("kp-lazy").await;
    let started = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    cards
        .submit_blue_card_a(crate::support::fixtures::card(
            &crate::support::fixtures::new_id(),
            started,
        ))
        .await
        .unwrap();
    let mut inbox = vec!["chair_inbox.py".to_string()];
    inbox.extend(conn("zi-lazy"));
    // The chair's system knows two nodes; the first does not answer: it moves on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    inbox[2] = format!("{dead},{}", server.addr);
    inbox.extend([
        "--once".into(),
        "1".into(),
        "--wait".into(),
        "5".into(),
        "--cursor-file".into(),
    ]);
    inbox.push(scratch.path().join("inbox.cursor").display().to_string());
    let out = tokio::task::spawn_blocking(move || run_example(&inbox))
        .await
        .unwrap();
    assert!(out.contains("new -> BLUE_CARD_STATE_FORWARDED"), "{out}");
}

/// Under the 2023 rules profile the chair's script reads the profile of the card's
/// forwarding deadline and forwards to the grupa diagnostyczno-pomocowa (the 2023 enum
/// value, learnt through reflection like every other).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chair_script_forwards_to_the_2023_group_under_the_2023_profile() {
    let server = TestServer::start_with(crate::support::Options {
        tweak: Some(Box::new(|c| {
            c.rules.profile = lacznik::deadlines::Profile::Y2023;
        })),
        ..Default::default()
    })
    .await;
    let scratch = tempfile::tempdir().unwrap();
    let id = crate::support::fixtures::new_id();
    server
        .blue_card("kp-lazy")
        .await
        .submit_blue_card_a(crate::support::fixtures::card(
            &id,
            jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1),
        ))
        .await
        .unwrap();
    let inbox: Vec<String> = [
        "chair_inbox.py",
        "--target",
        &server.addr.to_string(),
        "--certs",
        &server.certs.display().to_string(),
        "--org",
        "zi-lazy",
        "--once",
        "1",
        "--wait",
        "5",
        "--cursor-file",
        &scratch.path().join("inbox.cursor").display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = tokio::task::spawn_blocking(move || run_example(&inbox))
        .await
        .unwrap();
    assert!(out.contains("new -> BLUE_CARD_STATE_FORWARDED"), "{out}");
    let card = crate::support::rpc::get_card(&mut server.blue_card("zi-lazy").await, &id)
        .await
        .unwrap();
    assert_eq!(
        card.forwarding.unwrap().forwarded_to,
        lacznik::api::pb::ForwardedTo::DiagnosticSupportGroup as i32
    );
}
