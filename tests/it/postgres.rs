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

/// The database going away under load: writes that cannot commit are UNAVAILABLE (never
/// OK), health turns NOT_SERVING, and the node serves again by itself within 10 s of the
/// database being back, every acknowledged request there once. A node started while the
/// database is down waits as standby and serves once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_under_load_loses_nothing_and_the_node_recovers_by_itself() {
    use crate::failover::load::{Seen, submitter};
    use crate::support::node::{Node, read};
    use tonic_health::pb::health_check_response::ServingStatus;

    let _heavy = crate::support::serial::heavy();
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
    let health_within = |want: ServingStatus, secs: u64| {
        let node = &node;
        let log = log.clone();
        async move {
            let began = std::time::Instant::now();
            while began.elapsed() < std::time::Duration::from_secs(secs) {
                if node.health().await == Ok(want as i32) {
                    return began.elapsed();
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("not {want:?} within {secs} s:\n{}", read(&log));
        }
    };

    let seen = std::sync::Arc::new(Seen::default());
    let clients: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn(submitter(
                vec![node.addr()],
                node.tls_as("mopr-torun"),
                visit,
                seen.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(!seen.acknowledged.lock().unwrap().is_empty(), "load ran");

    pg.kill().expect("kill the database");
    health_within(ServingStatus::NotServing, 10).await;
    // Answers to commits that made it before the kill may still be on their way.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before = seen.acknowledged.lock().unwrap().len();
    let refused = node
        .client()
        .await
        .submit_assistance_request(normal(&new_id(), visit))
        .await
        .expect_err("no OK without a commit");
    assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        seen.acknowledged.lock().unwrap().len(),
        before,
        "acknowledged while the database was down"
    );

    pg.restart().expect("the database is back");
    let back = health_within(ServingStatus::Serving, 10).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    seen.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for c in clients {
        tokio::time::timeout(std::time::Duration::from_secs(60), c)
            .await
            .expect("clients finish their retries")
            .unwrap();
    }
    assert!(
        matches!(server.try_wait(), Ok(None)),
        "the node stayed up:\n{}",
        read(&log)
    );
    let acknowledged = seen.acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > before, "writes resumed");
    assert_eq!(*seen.anomalies.lock().unwrap(), Vec::<String>::new());
    let mut centre = node.client().await;
    for id in &acknowledged {
        centre
            .get_assistance_request(pb::GetAssistanceRequestRequest {
                request_id: id.clone(),
            })
            .await
            .unwrap_or_else(|s| panic!("acknowledged {id} lost: {s:?}"));
    }
    let mut listed = Vec::new();
    let mut token = String::new();
    loop {
        let page = centre
            .list_assistance_requests(pb::ListAssistanceRequestsRequest {
                page_size: 500,
                page_token: token,
                ..Default::default()
            })
            .await
            .expect("list")
            .into_inner();
        listed.extend(page.requests);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let mut ids: Vec<_> = listed.iter().map(|r| r.request_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), listed.len(), "a request stored twice");
    eprintln!(
        "database restart under load: serving again {:.2} s after the database was back; {} acknowledged ({} before), 0 lost",
        back.as_secs_f64(),
        acknowledged.len(),
        before
    );

    // A start while the database is down: standby (NOT_SERVING), serving once it is back.
    let _ = server.kill();
    let _ = server.wait();
    pg.kill().expect("kill the database");
    let (mut again, log2) = node.spawn(clock);
    let began = std::time::Instant::now();
    while node.health().await != Ok(ServingStatus::NotServing as i32) {
        assert!(
            began.elapsed() < std::time::Duration::from_secs(30),
            "{}",
            read(&log2)
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        read(&log2).contains("database is unreachable"),
        "{}",
        read(&log2)
    );
    pg.restart().expect("the database is back");
    node.wait_serving(&mut again, &log2).await;
    node.client()
        .await
        .submit_assistance_request(normal(&new_id(), visit))
        .await
        .expect("writes again");
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
