//! Retention: `lacznik purge` deletes closed cases older than the period (and only those),
//! writes audit tombstones, and the purged records' bytes leave the data directory; the
//! server's own schedule purges at start. Real binary, real store, real mTLS clients.

use std::path::Path;

use crate::support::TestServer;
use crate::support::fixtures::*;
use crate::support::offline::{files_containing, lacznik_on as lacznik};
use crate::support::rpc::{self, acknowledge_card, submit_card};
use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use lacznik::store::keys;
use tonic::Code;

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

/// Submits a request (visit two weeks after `at`) as the Toruń centre; cancels it if asked.
async fn request(server: &TestServer, at: Timestamp, cancel: bool) -> String {
    let mut centre = server.assistance("mopr-torun").await;
    let id = new_id();
    centre
        .submit_assistance_request(normal(&id, at + days(14)))
        .await
        .unwrap();
    if cancel {
        centre
            .cancel_assistance_request(pb::CancelAssistanceRequestRequest {
                request_id: id.clone(),
                reason: "rodzina wyjechała".into(),
            })
            .await
            .unwrap();
    }
    id
}

/// A card from the Łazy police, acknowledged by the team and its procedure closed.
async fn closed_procedure(server: &TestServer, at: Timestamp) -> (String, String) {
    let mut police = server.blue_card("kp-lazy").await;
    let card_id = new_id();
    let c = submit_card(
        &mut police,
        card(&card_id, at - SignedDuration::from_hours(2)),
    )
    .await;
    let mut team = server.blue_card("zi-lazy").await;
    acknowledge_card(&mut team, &card_id).await.unwrap();
    team.close_procedure(pb::CloseProcedureRequest {
        procedure_id: c.procedure_id.clone(),
        reason: pb::ClosureReason::NoGrounds as i32,
        protocol: Some(protocol(at - SignedDuration::from_hours(2), at)),
    })
    .await
    .unwrap();
    (c.procedure_id, card_id)
}

/// 32 bytes from the middle of a record's stored (sealed) value: unique to this write,
/// so finding them anywhere in the data directory means the record is still on disk.
async fn stored_fingerprint(data: &Path, key: Vec<u8>) -> Vec<u8> {
    let store = lacznik::offline::open(
        data,
        std::sync::Arc::new(lacznik::crypto::KeyRing::generate()),
    )
    .unwrap();
    let value = store.get(&key).unwrap().expect("record stored");
    store.close().await.unwrap();
    let mid = value.len() / 2;
    value[mid - 16..mid + 16].to_vec()
}

fn request_key(id: &str) -> Vec<u8> {
    keys::request(id).expect("a request id fits a key")
}

fn card_key(id: &str) -> Vec<u8> {
    keys::card(id).expect("a card id fits a key")
}

async fn get_request(server: &TestServer, id: &str) -> Result<pb::AssistanceRequest, Code> {
    rpc::get_request(&mut server.assistance("mopr-torun").await, id)
        .await
        .map_err(|s| s.code())
}

async fn get_card(server: &TestServer, id: &str) -> Code {
    match rpc::get_card(&mut server.blue_card("kp-lazy").await, id).await {
        Ok(_) => Code::Ok,
        Err(s) => s.code(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn purge_deletes_only_old_closed_cases_and_their_bytes_leave_the_data_dir() {
    // The purge counts from the real clock; the cases are made on a simulated one.
    let long_ago = Timestamp::now() - days(100);
    let server = TestServer::simulated(long_ago).await;
    let old_cancelled = request(&server, long_ago, true).await;
    let still_open = request(&server, long_ago, false).await;
    let (procedure, card_id) = closed_procedure(&server, long_ago).await;
    // A case closed yesterday: inside the period, kept.
    let server = server.restart_at(Some(Timestamp::now() - days(1))).await;
    let recent_cancelled = request(&server, Timestamp::now() - days(1), true).await;
    let (dir, certs, ca, config) = server.stop().await;
    let data = dir.path().join("data");

    let request_bytes = stored_fingerprint(&data, request_key(&old_cancelled)).await;
    let card_bytes = stored_fingerprint(&data, card_key(&card_id)).await;
    // Positive control: the search sees the stored records before the purge.
    assert!(!files_containing(&data, &request_bytes).is_empty());
    assert!(!files_containing(&data, &card_bytes).is_empty());

    // No period configured: refused, nothing deleted.
    let (code, text) = lacznik(dir.path(), &["purge"]);
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("retention.keep_closed_days"), "{text}");

    let (code, text) = lacznik(dir.path(), &["purge", "--keep-days", "30", "--dry-run"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "would purge 1 assistance request(s), 1 Blue Card procedure(s) with 1 card(s)"
        ),
        "{text}"
    );
    assert!(!files_containing(&data, &request_bytes).is_empty());

    let (code, text) = lacznik(dir.path(), &["purge", "--keep-days", "30"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("purged 1 assistance request(s), 1 Blue Card procedure(s) with 1 card(s)"),
        "{text}"
    );
    for (what, needle) in [("request", &request_bytes), ("card", &card_bytes)] {
        let hits = files_containing(&data, needle);
        assert!(hits.is_empty(), "purged {what} still on disk in {hits:?}");
    }

    // Tombstones in an intact chain.
    let (code, text) = lacznik(dir.path(), &["audit", "verify"]);
    assert_eq!(code, 0, "{text}");
    let (_, text) = lacznik(dir.path(), &["audit", "show", "--case", &old_cancelled]);
    assert!(
        text.lines()
            .any(|l| l.contains("RetentionPurge") && l.contains("lacznik")),
        "{text}"
    );
    let (_, text) = lacznik(dir.path(), &["audit", "show", "--case", &procedure]);
    assert!(text.contains("RetentionPurge"), "{text}");

    // A second purge finds nothing more.
    let (code, text) = lacznik(dir.path(), &["purge", "--keep-days", "30"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("purged 0 assistance request(s), 0 Blue Card"),
        "{text}"
    );

    // The server starts on the purged directory: the old closed cases are gone for
    // everyone, the others intact, and the police stream replays without the purged one.
    let server = TestServer::relaunch(dir, certs, ca, config, Some(Timestamp::now())).await;
    assert_eq!(
        get_request(&server, &old_cancelled).await.unwrap_err(),
        Code::NotFound
    );
    assert_eq!(get_card(&server, &card_id).await, Code::NotFound);
    assert_eq!(
        get_request(&server, &still_open).await.unwrap().request_id,
        still_open
    );
    assert_eq!(
        get_request(&server, &recent_cancelled)
            .await
            .unwrap()
            .request_id,
        recent_cancelled
    );
    let mut police = server.assistance("kmp-torun").await;
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
            after_cursor: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let mut seen = Vec::new();
    while let Ok(Ok(Some(m))) =
        tokio::time::timeout(std::time::Duration::from_millis(500), stream.message()).await
    {
        seen.push(m.request.unwrap().request_id);
    }
    assert!(!seen.contains(&old_cancelled), "{seen:?}");
    assert!(
        seen.contains(&still_open) && seen.contains(&recent_cancelled),
        "{seen:?}"
    );
}

#[tokio::test]
async fn the_server_purges_on_its_own_schedule_when_configured() {
    let long_ago = Timestamp::now() - days(100);
    let server = TestServer::simulated(long_ago).await;
    let old = request(&server, long_ago, true).await;
    let open = request(&server, long_ago, false).await;
    let (dir, certs, ca, mut config) = server.stop().await;
    config.retention.keep_closed_days = Some(30);
    config.retention.purge_every_hours = Some(24);
    let server = TestServer::relaunch(dir, certs, ca, config, Some(Timestamp::now())).await;
    // The first purge runs right after start; give it a moment.
    let mut code = Code::Ok;
    for _ in 0..50 {
        code = match get_request(&server, &old).await {
            Ok(_) => Code::Ok,
            Err(c) => c,
        };
        if code == Code::NotFound {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(code, Code::NotFound, "the scheduled purge did not run");
    assert!(get_request(&server, &open).await.is_ok());
}

#[test]
fn a_schedule_without_a_period_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lacznik.toml"),
        "[retention]\npurge_every_hours = 24\n",
    )
    .unwrap();
    let (code, text) = lacznik(dir.path(), &["config", "check"]);
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains("retention.purge_every_hours needs retention.keep_closed_days"),
        "{text}"
    );
}
