//! Deadlines through the real server: breaches falling due on a simulated clock, exactly
//! once across a restart, catch-up after downtime and the real clock within a second
//! ([`due`]); who sees a breach, the breach stream and the list's filters ([`visibility`]);
//! the clock-control RPCs ([`clock`]). Cases are seeded through the deadline engine on the
//! real store (the default engine) before the server starts (the assistance and Blue Card
//! RPCs drive the same engine).

mod clock;
mod due;
mod visibility;

use std::path::Path;
use std::sync::Arc;

use crate::support::fixtures::{t, ts};
use crate::support::{Options, TestServer};
use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb::{self, ListBreachesRequest, WatchBreachesRequest};
use lacznik::deadlines::{CaseKind, CaseRef, Deadlines, Event, Facts, RuleSet};
use tonic::Code;

fn torun_case(id: &str) -> CaseRef {
    CaseRef {
        kind: CaseKind::Assistance,
        id: id.into(),
        parent: None,
        gmina: "0463011".parse().unwrap(),
        sender: "mopr-torun".parse().unwrap(),
        recipient: "kmp-torun".parse().unwrap(),
    }
}

/// Opens the real store (the default engine) in `data`, submits assistance cases at `at` (visit two weeks
/// later), and closes the store again.
async fn seed(data: &Path, cases: Vec<CaseRef>, at: Timestamp) {
    // Breach records and clocks hold no personal data: no key is needed to seed them.
    let keys = Arc::new(lacznik::crypto::KeyRing::generate());
    let engine = lacznik::config::Config::default().store.engine;
    let store = lacznik::store::open(data, engine, 8 << 20, keys).unwrap();
    let deadlines = Arc::new(Deadlines::new(
        RuleSet::builtin(),
        lacznik::feed::Feeds::default(),
    ));
    let start = at + SignedDuration::from_hours(24 * 14);
    let facts = Facts {
        urgent_oral: false,
        planned_start: Some(start),
        planned_end: Some(start + SignedDuration::from_hours(2)),
        procedure_started: None,
    };
    store
        .execute(move |txn| {
            for c in &cases {
                deadlines.on_event(txn, c, Event::AssistanceSubmitted, at, &facts)?;
            }
            Ok::<_, lacznik::store::StoreError>(())
        })
        .await
        .unwrap();
    store.close().await.unwrap();
}

/// A server on a simulated clock at [`SUBMITTED`], its store seeded with `cases` submitted
/// then.
async fn seeded(cases: Vec<CaseRef>) -> TestServer {
    let prepared = TestServer::prepare(Options {
        simulated_clock: Some(t(SUBMITTED)),
        ..Options::default()
    })
    .await;
    seed(&prepared.data_dir(), cases, t(SUBMITTED)).await;
    prepared.start().await
}

async fn breaches(server: &TestServer, org: &str) -> Vec<pb::Breach> {
    server
        .breaches(org)
        .await
        .list_breaches(ListBreachesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .breaches
}

const SUBMITTED: &str = "2026-03-02T09:00:00Z";
