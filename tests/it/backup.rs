//! Backup while the server runs (through its control socket, while submissions continue),
//! restore into a new data directory, and compare: every record acknowledged before the
//! backup is there, identical, and the restored audit chain is intact. The CLI runs as a
//! process.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::support::fixtures::*;
use crate::support::offline::{backup, lacznik, restore};
use crate::support::{Options, TestServer};
use lacznik::api::pb;

const NOW: &str = "2026-12-01T08:00:00Z";
const VISIT: &str = "2027-01-11T09:00:00Z";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_backup_restores_to_an_identical_consistent_store() {
    let server = TestServer::simulated(t(NOW)).await;
    let mut centre = server.assistance("mopr-torun").await;
    let mut police = server.assistance("kmp-torun").await;
    let mut before = Vec::new();
    for i in 0..40 {
        let id = new_id();
        centre
            .submit_assistance_request(normal(&id, t(VISIT)))
            .await
            .unwrap();
        if i % 3 == 0 {
            police
                .acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
                    request_id: id.clone(),
                    acknowledgement: pb::AssistanceRequestState::Received as i32,
                    ..Default::default()
                })
                .await
                .unwrap();
        }
        before.push(id);
    }
    // Writes keep coming while the backup runs.
    let running = Arc::new(AtomicBool::new(true));
    let writer = {
        let running = running.clone();
        let mut c = centre.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while running.load(Ordering::Relaxed) {
                c.submit_assistance_request(normal(&new_id(), t(VISIT)))
                    .await
                    .unwrap();
                n += 1;
            }
            n
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let data = server.config().data_dir.clone();
    let file = server.dir.path().join("online.backup");
    let (code, text) = tokio::task::spawn_blocking({
        let (cwd, data, file) = (server.dir.path().to_path_buf(), data.clone(), file.clone());
        move || backup(&cwd, &data, &file)
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("backup written"), "{text}");
    running.store(false, Ordering::Relaxed);
    let during = writer.await.unwrap();
    assert!(during > 0);

    let mut originals = HashMap::new();
    for id in &before {
        let r = police
            .get_assistance_request(pb::GetAssistanceRequestRequest {
                request_id: id.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .request
            .unwrap();
        originals.insert(id.clone(), r);
    }
    let (dir, certs, ca, mut config) = server.stop().await;

    // A damaged copy is refused before anything is written.
    let damaged = dir.path().join("damaged.backup");
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&damaged, bytes).unwrap();
    let (code, text) = restore(dir.path(), &damaged, &dir.path().join("broken"), &[]);
    assert_ne!(code, 0);
    assert!(
        text.contains("damaged") || text.contains("truncated"),
        "{text}"
    );
    // Restoring over existing data is refused.
    let (code, text) = restore(dir.path(), &file, &data, &[]);
    assert_ne!(code, 0);
    assert!(text.contains("not empty"), "{text}");

    let restored = dir.path().join("restored");
    let (code, text) = restore(dir.path(), &file, &restored, &[]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = lacznik(
        dir.path(),
        &["audit", "verify", "--data", restored.to_str().unwrap()],
    );
    assert_eq!(code, 0, "restored chain must be intact: {text}");

    config.data_dir = restored;
    let server = TestServer::relaunch(dir, certs, ca, config, Some(t(NOW))).await;
    let mut police = server.assistance("kmp-torun").await;
    for (id, original) in &originals {
        let r = police
            .get_assistance_request(pb::GetAssistanceRequestRequest {
                request_id: id.clone(),
            })
            .await
            .unwrap()
            .into_inner()
            .request
            .unwrap();
        assert_eq!(&r, original, "request {id} differs after restore");
    }
    // And the restored server keeps working: new submissions, the stream replays in order.
    let mut centre = server.assistance("mopr-torun").await;
    centre
        .submit_assistance_request(normal(&new_id(), t(VISIT)))
        .await
        .unwrap();
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    // The restored store is the same store (its cursors stay valid): replay starts at 1.
    assert!(first.cursor.ends_with(":1"), "{}", first.cursor);
    assert_eq!(first.request.unwrap().request_id, before[0]);
}

#[tokio::test]
async fn a_stopped_server_is_backed_up_directly() {
    let server = TestServer::simulated(t(NOW)).await;
    let mut centre = server.assistance("mopr-torun").await;
    centre
        .submit_assistance_request(normal(&new_id(), t(VISIT)))
        .await
        .unwrap();
    let data = server.config().data_dir.clone();
    let (dir, ..) = server.stop().await;
    let file = dir.path().join("offline.backup");
    let (code, text) = backup(dir.path(), &data, &file);
    assert_eq!(code, 0, "{text}");
    assert!(lacznik::backup::verify(&file).unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sled_store_moves_to_fjall_through_backup_and_restore() {
    let server = TestServer::start_with(Options {
        simulated_clock: Some(t(NOW)),
        tweak: Some(Box::new(|c| {
            c.store.engine = lacznik::store::EngineKind::Sled
        })),
        ..Options::default()
    })
    .await;
    let mut centre = server.assistance("mopr-torun").await;
    let id = new_id();
    let stored = centre
        .submit_assistance_request(normal(&id, t(VISIT)))
        .await
        .unwrap()
        .into_inner()
        .request
        .unwrap();
    let (dir, certs, ca, mut config) = server.stop().await;
    let old = config.data_dir.clone();
    assert!(old.join("sled").exists());

    // The fjall server refuses the sled directory and says how to migrate.
    config.store.engine = lacznik::store::EngineKind::Fjall;
    let refused = lacznik::server::serve_with_clock(
        config.clone(),
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        std::sync::Arc::new(lacznik::clock::SystemClock),
        std::future::pending::<()>(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("holds a sled store but store.engine = fjall"),
        "{refused}"
    );

    let file = dir.path().join("move.backup");
    let new = dir.path().join("moved");
    let (code, text) = backup(dir.path(), &old, &file);
    assert_eq!(code, 0, "{text}");
    let key = config.crypto.key_file.clone();
    let (code, text) = restore(
        dir.path(),
        &file,
        &new,
        &[
            ("LACZNIK_STORE__ENGINE", "fjall".as_ref()),
            ("LACZNIK_CRYPTO__KEY_FILE", key.as_os_str()),
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("(fjall engine)"), "{text}");
    assert!(new.join("fjall").exists() && !new.join("sled").exists());

    config.data_dir = new;
    let server = TestServer::relaunch(dir, certs, ca, config, Some(t(NOW))).await;
    let mut centre = server.assistance("mopr-torun").await;
    let read = centre
        .get_assistance_request(pb::GetAssistanceRequestRequest { request_id: id })
        .await
        .unwrap()
        .into_inner()
        .request
        .unwrap();
    assert_eq!(read.request_id, stored.request_id);
    assert_eq!(
        read.content, stored.content,
        "the sealed content reads back intact"
    );
}
