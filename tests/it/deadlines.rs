//! Deadlines through the real server: breaches on a simulated clock, exactly once across a
//! restart, catch-up after downtime, the real clock within a second, visibility, and the
//! clock-control RPCs. Cases are seeded through the deadline engine on the real sled store
//! before the server starts (the assistance and Blue Card RPCs drive the same engine).

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

#[tokio::test]
async fn a_breach_falls_due_on_the_simulated_clock_at_its_deadline_and_only_then() {
    let prepared = TestServer::prepare(Options {
        simulated_clock: Some(t(SUBMITTED)),
        ..Options::default()
    })
    .await;
    seed(
        &prepared.data_dir(),
        vec![torun_case("req-a")],
        t(SUBMITTED),
    )
    .await;
    let server = prepared.start().await;

    server
        .advance_clock(SignedDuration::from_secs(30 * 60 - 1))
        .await;
    assert!(
        breaches(&server, "kmp-torun").await.is_empty(),
        "one second before"
    );
    server.advance_clock(SignedDuration::from_secs(1)).await;
    let list = breaches(&server, "kmp-torun").await;
    assert_eq!(list.len(), 1, "at the deadline");
    let b = &list[0];
    assert_eq!(b.rule_id, "assistance.receipt");
    assert_eq!(b.case_id, "req-a");
    assert_eq!(b.responsible_org_id, "kmp-torun");
    assert_eq!(ts(&b.due_time), t("2026-03-02T09:30:00Z"));
    assert_eq!(ts(&b.recorded_time), t("2026-03-02T09:30:00Z"));
    assert!(b.resolved_time.is_none());
    server.advance_clock(SignedDuration::from_secs(1)).await;
    assert_eq!(
        breaches(&server, "kmp-torun").await.len(),
        1,
        "and only once"
    );
}

#[tokio::test]
async fn breaches_are_visible_to_the_parties_and_the_supervisor_of_the_gmina_only() {
    let prepared = TestServer::prepare(Options {
        simulated_clock: Some(t(SUBMITTED)),
        ..Options::default()
    })
    .await;
    seed(
        &prepared.data_dir(),
        vec![torun_case("req-v")],
        t(SUBMITTED),
    )
    .await;
    let server = prepared.start().await;
    server.advance_clock(SignedDuration::from_hours(1)).await;
    for org in ["mopr-torun", "kmp-torun", "kpuw-bydgoszcz"] {
        assert_eq!(breaches(&server, org).await.len(), 1, "{org} must see it");
    }
    for org in [
        "mgops-lazy",
        "kp-lazy",
        "zi-torun",
        "suw-katowice",
        "lacznik-admin",
        "sp-torun",
    ] {
        assert!(
            breaches(&server, org).await.is_empty(),
            "{org} must not see it"
        );
    }
}

#[tokio::test]
async fn exactly_once_across_a_restart_and_catch_up_after_downtime() {
    let prepared = TestServer::prepare(Options {
        simulated_clock: Some(t(SUBMITTED)),
        ..Options::default()
    })
    .await;
    seed(
        &prepared.data_dir(),
        vec![torun_case("req-r")],
        t(SUBMITTED),
    )
    .await;
    let server = prepared.start().await;
    server.advance_clock(SignedDuration::from_hours(1)).await;
    assert_eq!(breaches(&server, "kmp-torun").await.len(), 1);

    // Down for two weeks: the response deadline (end of the working day before the visit,
    // Fri 13 Mar, 23:00 UTC) passes while nobody runs.
    let later = t("2026-03-16T12:00:00Z");
    let server = server.restart_at(Some(later)).await;
    let list = breaches(&server, "kmp-torun").await;
    let rules: Vec<&str> = list.iter().map(|b| b.rule_id.as_str()).collect();
    assert_eq!(
        rules,
        vec!["assistance.receipt", "assistance.response"],
        "no duplicate, one caught up"
    );
    let caught_up = &list[1];
    assert_eq!(
        ts(&caught_up.due_time),
        t("2026-03-13T23:00:00Z"),
        "real due time"
    );
    assert_eq!(ts(&caught_up.recorded_time), later, "recorded at start-up");

    let server = server
        .restart_at(Some(later + SignedDuration::from_hours(1)))
        .await;
    assert_eq!(
        breaches(&server, "kmp-torun").await.len(),
        2,
        "still exactly once"
    );
}

#[tokio::test]
async fn on_the_real_clock_a_breach_is_recorded_within_a_second_of_its_deadline() {
    let _timing = crate::support::serial::timing();
    let prepared = TestServer::prepare(Options::default()).await;
    // Submitted 30 minutes minus 2 s ago: due in 2 s, after the server has started.
    let at = Timestamp::now() - SignedDuration::from_mins(30) + SignedDuration::from_secs(2);
    seed(&prepared.data_dir(), vec![torun_case("req-rt")], at).await;
    let server = prepared.start().await;
    let mut found = Vec::new();
    for _ in 0..60 {
        found = breaches(&server, "kmp-torun").await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "breach not recorded within 6 s");
    let lateness = ts(&found[0].recorded_time) - ts(&found[0].due_time);
    assert!(
        lateness >= SignedDuration::ZERO && lateness < SignedDuration::from_secs(1),
        "{lateness:?}"
    );
}

#[tokio::test]
async fn watch_breaches_replays_from_a_cursor_and_then_streams_live() {
    let prepared = TestServer::prepare(Options {
        simulated_clock: Some(t(SUBMITTED)),
        ..Options::default()
    })
    .await;
    seed(
        &prepared.data_dir(),
        vec![torun_case("w-1"), torun_case("w-2")],
        t(SUBMITTED),
    )
    .await;
    let server = prepared.start().await;
    server.advance_clock(SignedDuration::from_hours(1)).await;

    let mut client = server.breaches("kpuw-bydgoszcz").await;
    let mut stream = client
        .watch_breaches(WatchBreachesRequest::default())
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    let second = stream.message().await.unwrap().unwrap();
    assert_eq!(first.kind, pb::BreachEventKind::Recorded as i32);
    let cases: Vec<String> = [&first, &second]
        .iter()
        .map(|e| e.breach.as_ref().unwrap().case_id.clone())
        .collect();
    assert_eq!(cases, vec!["w-1", "w-2"]);

    // Live: the response deadlines fall due while the stream is open.
    server
        .advance_clock(SignedDuration::from_hours(24 * 12))
        .await;
    let third = tokio::time::timeout(std::time::Duration::from_secs(5), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        third.breach.as_ref().unwrap().rule_id,
        "assistance.response"
    );

    // Resume after the first: the second comes again, nothing before it.
    let mut resumed = client
        .watch_breaches(WatchBreachesRequest {
            after_cursor: first.cursor.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let again = resumed.message().await.unwrap().unwrap();
    assert_eq!(again.cursor, second.cursor);

    // A party of another gmina sees nothing: its stream stays silent.
    let mut other = server
        .breaches("suw-katowice")
        .await
        .watch_breaches(WatchBreachesRequest::default())
        .await
        .unwrap()
        .into_inner();
    let silent = tokio::time::timeout(std::time::Duration::from_millis(300), other.message()).await;
    assert!(
        silent.is_err(),
        "supervisor of another gmina received {silent:?}"
    );

    let bad = client
        .watch_breaches(WatchBreachesRequest {
            after_cursor: "not-a-cursor".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn clock_control_is_for_admins_on_a_simulated_clock_only() {
    let sim = TestServer::simulated(t(SUBMITTED)).await;
    let mut centre = sim.admin("mopr-torun").await;
    let now = centre.now(pb::NowRequest {}).await.unwrap().into_inner();
    assert!(now.simulated);
    assert_eq!(ts(&now.now), t(SUBMITTED));
    let denied = centre
        .advance_clock(pb::AdvanceClockRequest {
            by: Some(prost_types::Duration {
                seconds: 60,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    let mut admin = sim.admin("lacznik-admin").await;
    let set = admin
        .set_clock(pb::SetClockRequest {
            to: Some(prost_types::Timestamp {
                seconds: t("2026-03-03T00:00:00Z").as_second(),
                nanos: 0,
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ts(&set.now), t("2026-03-03T00:00:00Z"));
    let back = admin
        .set_clock(pb::SetClockRequest {
            to: Some(prost_types::Timestamp {
                seconds: t(SUBMITTED).as_second(),
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(back.code(), Code::InvalidArgument);
    let negative = admin
        .advance_clock(pb::AdvanceClockRequest {
            by: Some(prost_types::Duration {
                seconds: -5,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(negative.code(), Code::InvalidArgument);

    let real = TestServer::start().await;
    let mut admin = real.admin("lacznik-admin").await;
    let now = admin.now(pb::NowRequest {}).await.unwrap().into_inner();
    assert!(!now.simulated);
    assert!((ts(&now.now) - Timestamp::now()).abs() < SignedDuration::from_secs(5));
    let refused = admin
        .advance_clock(pb::AdvanceClockRequest {
            by: Some(prost_types::Duration {
                seconds: 60,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    let mut centre = real.admin("mopr-torun").await;
    let denied = centre
        .advance_clock(pb::AdvanceClockRequest {
            by: Some(prost_types::Duration {
                seconds: 60,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn list_breaches_filters_and_pages() {
    let prepared = TestServer::prepare(Options {
        simulated_clock: Some(t(SUBMITTED)),
        ..Options::default()
    })
    .await;
    let cases = (0..5).map(|i| torun_case(&format!("p-{i}"))).collect();
    seed(&prepared.data_dir(), cases, t(SUBMITTED)).await;
    let server = prepared.start().await;
    server
        .advance_clock(SignedDuration::from_hours(24 * 14))
        .await;
    let mut client = server.breaches("kmp-torun").await;
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_breaches(ListBreachesRequest {
                rule_id: "assistance.receipt".into(),
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.breaches.into_iter().map(|b| b.case_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, vec!["p-0", "p-1", "p-2", "p-3", "p-4"]);
    let one = client
        .list_breaches(ListBreachesRequest {
            case_id: "p-3".into(),
            state: pb::BreachState::Open as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .breaches;
    assert_eq!(one.len(), 2, "receipt and response of p-3");
    let resolved = client
        .list_breaches(ListBreachesRequest {
            state: pb::BreachState::Resolved as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .breaches;
    assert!(resolved.is_empty());
    let window = client
        .list_breaches(ListBreachesRequest {
            due_from: Some(prost_types::Timestamp {
                seconds: t("2026-03-10T00:00:00Z").as_second(),
                nanos: 0,
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .breaches;
    assert!(window.iter().all(|b| b.rule_id == "assistance.response"));
    assert_eq!(window.len(), 5);
}
