//! Interop from a second ecosystem: the JavaScript police-dispatch follower in
//! `examples/node/` (`@grpc/grpc-js` and `@grpc/proto-loader`, pinned in its
//! `package-lock.json`, installed with `npm ci` by `scripts/test`) runs with the real
//! `node` against a real server over mutual TLS with kmp-torun's certificate: it streams
//! the unit's requests, acknowledges each as RECEIVED and saves its cursor; a second run
//! resumes after it with no duplicate. `node` (or `LACZNIK_NODE`) and the example's
//! `node_modules` are required: missing is a failure, not a skip.

use std::path::PathBuf;
use std::process::Command;

use lacznik::api::pb;

use crate::support::TestServer;
use crate::support::fixtures::*;
use crate::support::rpc::{get_request, submit_request};

fn example_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/node")
}

/// The `node` binary; the example's dependencies must be installed.
fn node() -> PathBuf {
    let modules = example_dir().join("node_modules/@grpc/grpc-js");
    assert!(
        modules.exists(),
        "{} is missing: run `scripts/test` (it runs `npm ci` in examples/node) or \
         `cd examples/node && npm ci`",
        modules.display()
    );
    if let Some(p) = std::env::var_os("LACZNIK_NODE") {
        return PathBuf::from(p);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("node"))
                .find(|p| p.is_file())
        })
        .expect("`node` is not on PATH: install Node.js (apt-get install -y nodejs) or set LACZNIK_NODE")
}

/// Runs the follower as kmp-torun for `once` events; its stdout.
fn follow(server: &TestServer, cursor_file: &std::path::Path, once: usize) -> String {
    let out = Command::new(node())
        .arg("police_dispatch.js")
        .args(["--target", &server.addr.to_string()])
        .args(["--certs", &server.certs.display().to_string()])
        .args(["--org", "kmp-torun", "--once", &once.to_string()])
        .arg("--cursor-file")
        .arg(cursor_file)
        .current_dir(example_dir())
        .output()
        .expect("start node");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "police_dispatch.js failed ({})\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The request ids of the event lines (`<cursor> <kind> <id>`).
fn event_ids(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| {
            l.split_whitespace()
                .nth(2)
                .expect("cursor kind id")
                .to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_follower_acknowledges_and_resumes_from_its_saved_cursor() {
    let server = TestServer::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let cursor_file = scratch.path().join("dispatch.cursor");
    let mut centre = server.assistance("mopr-torun").await;
    let start = t("2027-01-11T09:00:00Z");
    let a = submit_request(&mut centre, normal(&new_id(), start)).await;
    let b = submit_request(&mut centre, normal(&new_id(), start)).await;

    let first = tokio::task::block_in_place(|| follow(&server, &cursor_file, 2));
    println!("--- first run\n{first}");
    assert_eq!(
        event_ids(&first),
        [a.request_id.clone(), b.request_id.clone()]
    );
    assert_eq!(
        first.matches("ASSISTANCE_EVENT_KIND_NEW").count(),
        2,
        "{first}"
    );
    assert_eq!(
        first
            .matches("  -> ASSISTANCE_REQUEST_STATE_RECEIVED")
            .count(),
        2,
        "{first}"
    );
    // The server agrees: both RECEIVED, as the centre sees them.
    for id in [&a.request_id, &b.request_id] {
        let r = get_request(&mut centre, id).await.unwrap();
        assert_eq!(r.state, pb::AssistanceRequestState::Received as i32, "{id}");
    }
    // The saved cursor is the second event's (`<store id>:2`).
    let saved = std::fs::read_to_string(&cursor_file).unwrap();
    assert!(saved.ends_with(":2"), "{saved}");
    assert!(first.contains(saved.trim()), "{first}");

    // A third request; the second run resumes after the saved cursor: only the third.
    let c = submit_request(&mut centre, normal(&new_id(), start)).await;
    let second = tokio::task::block_in_place(|| follow(&server, &cursor_file, 1));
    println!("--- second run\n{second}");
    assert_eq!(event_ids(&second), std::slice::from_ref(&c.request_id));
    assert!(
        second.contains("  -> ASSISTANCE_REQUEST_STATE_RECEIVED"),
        "{second}"
    );
    assert!(!second.contains(&a.request_id) && !second.contains(&b.request_id));
    assert!(
        std::fs::read_to_string(&cursor_file)
            .unwrap()
            .ends_with(":3")
    );
    let r = get_request(&mut centre, &c.request_id).await.unwrap();
    assert_eq!(r.state, pb::AssistanceRequestState::Received as i32);
    // Ids and states only: nothing personal printed.
    for personal in ["Wiśniewska", "Szeroka", "Nowak"] {
        assert!(!first.contains(personal) && !second.contains(personal));
    }
}
