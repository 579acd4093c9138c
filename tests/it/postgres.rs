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
