//! Cursors name their store: a cursor saved against one data directory is refused by
//! another (FAILED_PRECONDITION, saying to start from an empty cursor) instead of silently
//! skipping that store's first events; one past the end of this store's feed (a restore
//! from an older backup) is OUT_OF_RANGE; garbage is INVALID_ARGUMENT. Tried the way a new
//! user met it: the CLI's cursor file left from an earlier data directory.

use crate::support::TestServer;
use crate::support::fixtures::*;
use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use tonic::Code;

/// A cursor minted by `server`'s store: the first event of Toruń police's stream.
async fn a_cursor_of(server: &TestServer) -> String {
    let mut centre = server.assistance("mopr-torun").await;
    let visit = Timestamp::now() + SignedDuration::from_hours(24 * 30);
    centre
        .submit_assistance_request(normal(&new_id(), visit))
        .await
        .expect("submit");
    let mut police = server.assistance("kmp-torun").await;
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .expect("stream")
        .into_inner();
    stream
        .message()
        .await
        .expect("event")
        .expect("event")
        .cursor
}

async fn stream_from(server: &TestServer, cursor: &str) -> Result<(), tonic::Status> {
    let mut police = server.assistance("kmp-torun").await;
    police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
            after_cursor: cursor.into(),
        })
        .await
        .map(|_| ())
}

fn assert_refused(r: Result<(), tonic::Status>, code: Code, says: &[&str]) {
    let s = r.expect_err("refused");
    assert_eq!(s.code(), code, "{s:?}");
    for word in says {
        assert!(
            s.message().contains(word),
            "{:?} should say {word:?}",
            s.message()
        );
    }
}

#[tokio::test]
async fn a_cursor_of_another_store_is_refused_on_every_feed_with_what_to_do() {
    let old = TestServer::start().await;
    let cursor = a_cursor_of(&old).await;
    let new = TestServer::start().await;
    // The new store has an event of its own, which a silent skip would lose.
    let mine = a_cursor_of(&new).await;
    assert_ne!(
        cursor.split(':').next(),
        mine.split(':').next(),
        "stores differ"
    );

    let says = ["another lacznik store", "empty"];
    assert_refused(
        stream_from(&new, &cursor).await,
        Code::FailedPrecondition,
        &says,
    );

    let mut chair = new.blue_card("zi-lazy").await;
    let pulled = chair
        .pull_blue_cards(pb::PullBlueCardsRequest {
            after_cursor: cursor.clone(),
            ..Default::default()
        })
        .await
        .map(|_| ());
    assert_refused(pulled, Code::FailedPrecondition, &says);

    let mut watcher = new.breaches("mopr-torun").await;
    let watched = watcher
        .watch_breaches(pb::WatchBreachesRequest {
            after_cursor: cursor.clone(),
        })
        .await
        .map(|_| ());
    assert_refused(watched, Code::FailedPrecondition, &says);

    // The store's own cursor still works, and an empty one replays from the start.
    stream_from(&new, &mine).await.expect("own cursor");
    stream_from(&new, "").await.expect("empty cursor");
}

#[tokio::test]
async fn bare_past_the_end_and_garbage_cursors_are_told_apart() {
    let server = TestServer::start().await;
    let cursor = a_cursor_of(&server).await;
    let (store, _) = cursor.split_once(':').expect("<store id>:<seq>");
    // A bare sequence number (an older lacznik's cursor) names no store; this store was
    // created after cursors named their store, so it cannot be its own.
    assert_refused(
        stream_from(&server, "1").await,
        Code::FailedPrecondition,
        &["names no store", "empty"],
    );
    // This store's id, but past the end of the feed: a restore from an older backup.
    assert_refused(
        stream_from(&server, &format!("{store}:99")).await,
        Code::OutOfRange,
        &["past the end", "backup"],
    );
    for garbage in ["abc", "x:y", &format!("{store}:-1")] {
        assert_refused(
            stream_from(&server, garbage).await,
            Code::InvalidArgument,
            &[],
        );
    }
}

#[tokio::test]
async fn the_cli_refuses_a_cursor_file_left_from_an_earlier_data_directory() {
    let old = TestServer::start().await;
    let stale = a_cursor_of(&old).await;
    let new = TestServer::start().await;
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("assistance.cursor");
    std::fs::write(&file, &stale).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lacznik"));
    cmd.args([
        "client",
        "--addr",
        &new.addr.to_string(),
        "--org",
        "kmp-torun",
        "--certs",
    ])
    .arg(&new.certs)
    .args(["assistance", "watch", "--count", "1", "--cursor-file"])
    .arg(&file)
    .env_remove("RUST_LOG");
    // Off the runtime thread: the server under test runs on it.
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run lacznik client"))
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAILED_PRECONDITION") || text.contains("FailedPrecondition"),
        "{text}"
    );
    assert!(text.contains("another lacznik store"), "{text}");
}
