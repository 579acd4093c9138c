//! `lacznik audit verify` and `audit show --case` against a running server, through its
//! control socket: an auditor's question no longer means stopping the service. The server
//! keeps taking writes while the chain is checked.

use jiff::{SignedDuration, Timestamp};

use crate::support::TestServer;
use crate::support::fixtures::*;
use crate::support::offline::lacznik;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_and_show_ask_the_running_server() {
    let server = TestServer::start().await;
    let mut centre = server.assistance("mopr-torun").await;
    let visit = Timestamp::now() + SignedDuration::from_hours(24 * 30);
    let req = normal(&new_id(), visit);
    centre
        .submit_assistance_request(req.clone())
        .await
        .expect("submit");
    let data = server.config().data_dir.clone();
    let cwd = data.parent().unwrap().to_path_buf();
    let data_arg = data.display().to_string();

    // Writes go on while the server checks its chain.
    let writer = tokio::spawn(async move {
        for _ in 0..20 {
            centre
                .submit_assistance_request(normal(&new_id(), visit))
                .await
                .expect("submit during the audit");
        }
    });
    let (code, out) = {
        let (cwd, data_arg) = (cwd.clone(), data_arg.clone());
        tokio::task::spawn_blocking(move || {
            lacznik(&cwd, &["audit", "verify", "--data", &data_arg])
        })
        .await
        .unwrap()
    };
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit chain intact"), "{out}");
    assert!(out.contains("checked by the running server"), "{out}");
    writer.await.unwrap();

    let id = req.request_id.clone();
    let (code, out) = tokio::task::spawn_blocking(move || {
        lacznik(&cwd, &["audit", "show", "--case", &id, "--data", &data_arg])
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("SubmitAssistanceRequest"), "{out}");
    assert!(out.contains("mopr-torun"), "{out}");
    assert!(out.contains("1 entry for"), "{out}");
}
