//! The server on the PostgreSQL engine (`store.engine = "postgres"`), against a real,
//! throwaway cluster started by the test (`lacznik-testkit`): what a client acknowledged is
//! in the database, survives a restart of the node, streams from its cursor without a gap
//! or a duplicate, and nothing of it is on the node's disk.

use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use lacznik::store::EngineKind;
use lacznik_testkit::PgCluster;

use crate::support::fixtures::*;
use crate::support::{Options, TestServer};

async fn on_postgres(pg: &PgCluster) -> TestServer {
    let url = pg.url();
    TestServer::start_with(Options {
        tweak: Some(Box::new(move |c| {
            c.store.engine = EngineKind::Postgres;
            c.store.postgres.url = Some(url);
        })),
        ..Options::default()
    })
    .await
}

async fn first_event(server: &TestServer, after: &str) -> pb::StreamAssistanceRequestsResponse {
    let mut police = server.assistance("kmp-torun").await;
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
            after_cursor: after.into(),
        })
        .await
        .expect("stream")
        .into_inner();
    tokio::time::timeout(std::time::Duration::from_secs(10), stream.message())
        .await
        .expect("an event within 10 s")
        .expect("stream")
        .expect("event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_on_postgres_keeps_and_streams_what_it_acknowledged_across_a_restart() {
    let pg = tokio::task::spawn_blocking(PgCluster::start)
        .await
        .unwrap()
        .expect("a throwaway PostgreSQL cluster");
    let server = on_postgres(&pg).await;
    let visit = Timestamp::now() + SignedDuration::from_hours(24 * 30);
    let mut centre = server.assistance("mopr-torun").await;
    let first = normal(&new_id(), visit);
    centre
        .submit_assistance_request(first.clone())
        .await
        .expect("submit");
    let event = first_event(&server, "").await;
    assert_eq!(event.request.as_ref().unwrap().request_id, first.request_id);

    // The node's directory holds no engine files: the data is in the database.
    let data = server.config().data_dir.clone();
    for engine in ["fjall", "sled"] {
        assert!(
            !data.join(engine).exists(),
            "{engine}/ in {}",
            data.display()
        );
    }

    let server = server.restart().await;
    let mut centre = server.assistance("mopr-torun").await;
    let got = centre
        .get_assistance_request(pb::GetAssistanceRequestRequest {
            request_id: first.request_id.clone(),
        })
        .await
        .expect("still there after the restart")
        .into_inner()
        .request
        .unwrap();
    assert_eq!(got.content, first.content);
    // From the saved cursor, the next event is the next submission: no gap, no repeat.
    let second = normal(&new_id(), visit);
    centre
        .submit_assistance_request(second.clone())
        .await
        .expect("submit");
    let next = first_event(&server, &event.cursor).await;
    assert_eq!(next.request.as_ref().unwrap().request_id, second.request_id);
    assert_eq!(
        next.cursor.split(':').next(),
        event.cursor.split(':').next(),
        "the same store across the restart"
    );
}

/// The database going away under a serving node: the write that cannot commit is
/// UNAVAILABLE (never OK), health turns NOT_SERVING, the node exits with 75 for its service
/// manager; a start while the database is down says so and exits with 75 too; once the
/// database is back the node serves every acknowledged request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_fails_loudly_and_a_restart_after_it_loses_nothing() {
    use crate::support::node::{EXIT_STORE_FAILED, Node, read, wait_exit};
    use tonic_health::pb::health_check_response::ServingStatus;

    let mut pg = tokio::task::spawn_blocking(PgCluster::start_durable)
        .await
        .unwrap()
        .expect("a throwaway PostgreSQL cluster");
    let tmp = tempfile::tempdir().unwrap();
    let mut node = Node::new(tmp.path(), tmp.path().join("data"), "mopr-torun");
    node.env = vec![
        ("LACZNIK_STORE__ENGINE".into(), "postgres".into()),
        ("LACZNIK_STORE__POSTGRES__URL".into(), pg.url()),
    ];
    let clock = Timestamp::from_second(1_796_112_000).unwrap(); // 2026-12-01
    let visit = clock + SignedDuration::from_hours(24 * 30);
    let (mut server, log) = node.spawn(clock);
    node.wait_serving(&mut server, &log).await;
    let mut centre = node.client().await;
    let mut acknowledged = Vec::new();
    for _ in 0..5 {
        let req = normal(&new_id(), visit);
        centre
            .submit_assistance_request(req.clone())
            .await
            .expect("database up");
        acknowledged.push(req);
    }

    pg.kill().expect("kill the database");
    let refused = centre
        .submit_assistance_request(normal(&new_id(), visit))
        .await
        .expect_err("no OK without a commit");
    assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
    assert_eq!(node.health().await, Ok(ServingStatus::NotServing as i32));
    let code = wait_exit(&mut server, std::time::Duration::from_secs(30), &log);
    assert_eq!(code, EXIT_STORE_FAILED, "{}", read(&log));

    // Down still: the start says so and exits with the same code.
    let (mut again, log2) = node.spawn(clock);
    let code = wait_exit(&mut again, std::time::Duration::from_secs(30), &log2);
    let text = read(&log2);
    assert_eq!(code, EXIT_STORE_FAILED, "{text}");
    assert!(text.contains("database is unreachable"), "{text}");

    pg.restart().expect("the database is back");
    let (mut last, log3) = node.spawn(clock);
    node.wait_serving(&mut last, &log3).await;
    let mut centre = node.client().await;
    for req in &acknowledged {
        let got = centre
            .get_assistance_request(pb::GetAssistanceRequestRequest {
                request_id: req.request_id.clone(),
            })
            .await
            .unwrap_or_else(|s| panic!("acknowledged {} lost: {s:?}", req.request_id))
            .into_inner()
            .request
            .unwrap();
        assert_eq!(got.content, req.content);
    }
    centre
        .submit_assistance_request(normal(&new_id(), visit))
        .await
        .expect("writes again");
    let _ = last.kill();
    let _ = last.wait();
}

/// Moving data between engines is backup + restore: a fjall store's backup restored into
/// an empty PostgreSQL database serves every request there; the running postgres node's
/// online backup restores back into a fjall directory, identical. A database that already
/// holds data is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_and_restore_move_a_store_from_fjall_to_postgres_and_back() {
    use crate::support::offline::{backup, lacznik_with, restore};

    let pg = tokio::task::spawn_blocking(PgCluster::start)
        .await
        .unwrap()
        .expect("a throwaway PostgreSQL cluster");
    let visit = Timestamp::now() + SignedDuration::from_hours(24 * 30);
    let embedded = TestServer::start().await;
    let mut centre = embedded.assistance("mopr-torun").await;
    let mut sent = Vec::new();
    for _ in 0..12 {
        let req = normal(&new_id(), visit);
        centre.submit_assistance_request(req.clone()).await.unwrap();
        sent.push(req);
    }
    let key = embedded.config().crypto.key_file.clone();
    let (dir, ..) = embedded.stop().await;
    let file = dir.path().join("fjall.backup");
    let data = dir.path().join("data");
    let (code, text) = backup(dir.path(), &data, &file);
    assert_eq!(code, 0, "{text}");

    let url = pg.url();
    let env = [
        ("LACZNIK_STORE__ENGINE", "postgres".as_ref()),
        (
            "LACZNIK_STORE__POSTGRES__URL",
            std::ffi::OsStr::new(url.as_str()),
        ),
    ];
    let into_postgres_restore = |cwd: &std::path::Path| {
        lacznik_with(
            cwd,
            &[
                "restore",
                "--from",
                file.to_str().unwrap(),
                "--into-postgres",
            ],
            &env,
        )
    };
    let entries = |text: &str| -> u64 {
        let n = text
            .split("restored ")
            .nth(1)
            .and_then(|r| r.split(' ').next());
        n.and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count in {text}"))
    };
    let (code, text) = into_postgres_restore(dir.path());
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("into the PostgreSQL database"), "{text}");
    let into_postgres = entries(&text);
    let (code, text) = into_postgres_restore(dir.path());
    assert_ne!(code, 0, "a second restore over the data: {text}");
    assert!(text.contains("already holds lacznik data"), "{text}");

    // A node on postgres with the same data key serves what the fjall store held.
    let (url2, key2) = (pg.url(), key.clone());
    let node = TestServer::start_with(Options {
        tweak: Some(Box::new(move |c| {
            c.store.engine = EngineKind::Postgres;
            c.store.postgres.url = Some(url2);
            c.crypto.key_file = key2;
            c.crypto.generate_key = false;
        })),
        ..Options::default()
    })
    .await;
    let mut police = node.assistance("kmp-torun").await;
    for req in &sent {
        let got = police
            .get_assistance_request(pb::GetAssistanceRequestRequest {
                request_id: req.request_id.clone(),
            })
            .await
            .unwrap_or_else(|s| panic!("{} not on postgres: {s:?}", req.request_id))
            .into_inner()
            .request
            .unwrap();
        assert_eq!(got.content, req.content);
    }

    // And back: the running postgres node's online backup, restored into a fjall directory.
    let back = dir.path().join("postgres.backup");
    let node_data = node.config().data_dir.clone();
    let (cwd, b) = (node.dir.path().to_path_buf(), back.clone());
    let (code, text) = tokio::task::spawn_blocking(move || backup(&cwd, &node_data, &b))
        .await
        .unwrap();
    assert_eq!(code, 0, "online backup of the postgres node: {text}");
    drop(node);
    let again = dir.path().join("fjall-again");
    let (code, text) = restore(dir.path(), &back, &again, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        again.join("fjall").exists(),
        "a fjall store in {}",
        again.display()
    );
    // Everything that went in came back, plus the postgres node's own audit entries.
    assert!(
        entries(&text) > into_postgres,
        "{text} after {into_postgres}"
    );
}
