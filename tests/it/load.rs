//! Load isolation: a flooding organisation is shed (RESOURCE_EXHAUSTED) while a
//! well-behaved one is still served, and a client that opens a stream and never reads
//! neither hurts others nor blocks a graceful shutdown.

use std::time::{Duration, Instant};

use crate::support::fixtures::*;
use crate::support::{Options, TestServer};
use lacznik::api::pb;
use lacznik::api::pb::assistance_service_client::AssistanceServiceClient;
use tonic::Code;

const NOW: &str = "2026-12-01T08:00:00Z";
const VISIT: &str = "2027-01-11T09:00:00Z";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_organisation_is_shed_while_another_is_served() {
    let _alone = crate::support::serial::alone();
    let s = TestServer::start_with(Options {
        simulated_clock: Some(t(NOW)),
        tweak: Some(Box::new(|c| c.limits.per_org_in_flight = 8)),
        ..Options::default()
    })
    .await;
    // The flooder: 400 concurrent submissions over 4 connections.
    let mut flood = Vec::new();
    for _ in 0..4 {
        let ch = s.channel("mopr-torun").await;
        for _ in 0..100 {
            let mut c = AssistanceServiceClient::new(ch.clone());
            flood.push(tokio::spawn(async move {
                c.submit_assistance_request(normal(&new_id(), t(VISIT)))
                    .await
                    .map(|_| ())
                    .map_err(|e| e.code())
            }));
        }
    }
    // Meanwhile a well-behaved centre of another gmina submits one at a time.
    let mut polite = s.assistance("mgops-lazy").await;
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let req = normal_in_lazy(&new_id(), t(VISIT));
        let started = Instant::now();
        polite
            .submit_assistance_request(req)
            .await
            .expect("the polite client is served");
        worst = worst.max(started.elapsed());
    }
    let mut ok = 0;
    let mut shed = 0;
    for f in flood {
        match f.await.unwrap() {
            Ok(()) => ok += 1,
            Err(Code::ResourceExhausted) => shed += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert!(shed > 0, "the flood was never shed ({ok} ok)");
    assert!(ok > 0, "the flooder is throttled, not locked out");
    assert!(
        worst < Duration::from_secs(2),
        "polite client waited {worst:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_is_never_read_neither_hurts_others_nor_blocks_shutdown() {
    let _timing = crate::support::serial::timing();
    let s = TestServer::start_with(Options {
        simulated_clock: Some(t(NOW)),
        tweak: Some(Box::new(|c| c.limits.shutdown_grace_secs = 1)),
        ..Options::default()
    })
    .await;
    let mut police = s.assistance("kmp-torun").await;
    // Opened, then never polled again.
    let _stuck = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut centre = s.assistance("mopr-torun").await;
    let mut worst = Duration::ZERO;
    for _ in 0..300 {
        let started = Instant::now();
        centre
            .submit_assistance_request(normal(&new_id(), t(VISIT)))
            .await
            .unwrap();
        worst = worst.max(started.elapsed());
    }
    assert!(
        worst < Duration::from_secs(2),
        "submissions slowed to {worst:?}"
    );
    // Another police unit's stream still works.
    let mut other = s.assistance("kp-lazy").await;
    other
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap();

    let started = Instant::now();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.stop())
        .await
        .expect("shutdown finished");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "shutdown took {:?}",
        started.elapsed()
    );
}
