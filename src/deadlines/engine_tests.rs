//! Engine behaviour on an in-memory engine with an explicit "now": boundaries, exactly
//! once, resolution, recomputation, cancellation, and a sweep that reads only what is due.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::deadlines::breach;
use crate::deadlines::rules::{CaseKind, Event, RuleOverride, RuleSet, Unit};
use crate::store::Store;
use crate::store::memory::MemoryEngine;

pub(super) fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub(super) fn case(id: &str) -> CaseRef {
    CaseRef {
        kind: CaseKind::Assistance,
        id: id.into(),
        parent: None,
        gmina: "0463011".parse().unwrap(),
        sender: "mopr-torun".parse().unwrap(),
        recipient: "kmp-torun".parse().unwrap(),
    }
}

pub(super) fn setup(rules: RuleSet) -> (Store, Arc<Deadlines>) {
    let store = Store::start(
        Arc::new(MemoryEngine::default()),
        Arc::new(crate::crypto::KeyRing::generate()),
    )
    .unwrap();
    let d = Arc::new(Deadlines::new(rules, crate::feed::Feeds::default()));
    (store, d)
}

pub(super) async fn event(
    store: &Store,
    d: &Arc<Deadlines>,
    c: &CaseRef,
    e: Event,
    at: Timestamp,
    f: Facts,
) -> Vec<u64> {
    let (d, c) = (d.clone(), c.clone());
    store
        .execute(move |txn| d.on_event(txn, &c, e, at, &f))
        .await
        .unwrap()
}

/// The request's submission at `at`: the event most tests start from.
pub(super) async fn on_submission(
    store: &Store,
    d: &Arc<Deadlines>,
    c: &CaseRef,
    at: Timestamp,
    f: &Facts,
) -> Vec<u64> {
    event(store, d, c, Event::AssistanceSubmitted, at, f.clone()).await
}

pub(super) async fn sweep(store: &Store, d: &Arc<Deadlines>, now: Timestamp) -> SweepOutcome {
    let d = d.clone();
    store
        .execute(move |txn| d.sweep(txn, now, 512))
        .await
        .unwrap()
}

pub(super) fn all_breaches(store: &Store) -> Vec<breach::Breach> {
    store
        .scan(
            &[crate::store::keys::BREACH],
            &[crate::store::keys::BREACH + 1],
            10_000,
        )
        .unwrap()
        .into_iter()
        .map(|(k, v)| crate::store::codec::decode(&k, &v).unwrap())
        .collect()
}

/// A NORMAL request for a visit far ahead: only receipt and response clocks matter.
pub(super) fn normal_facts(start: &str) -> Facts {
    Facts {
        urgent_oral: false,
        planned_start: Some(t(start)),
        planned_end: Some(t(start) + SignedDuration::from_hours(2)),
        procedure_started: None,
    }
}

#[tokio::test]
async fn receipt_rule_boundary_one_second_before_at_and_after() {
    let (store, d) = setup(RuleSet::builtin());
    let c = case("req-1");
    let submitted = t("2026-03-02T09:00:00Z");
    let facts = normal_facts("2026-03-16T09:00:00Z");
    assert!(
        on_submission(&store, &d, &c, submitted, &facts)
            .await
            .is_empty()
    );
    let due = submitted + SignedDuration::from_mins(30);

    assert_eq!(
        sweep(&store, &d, due - SignedDuration::from_secs(1))
            .await
            .breaches,
        0
    );
    assert!(all_breaches(&store).is_empty());
    assert_eq!(sweep(&store, &d, due).await.breaches, 1);
    assert_eq!(
        sweep(&store, &d, due + SignedDuration::from_secs(1))
            .await
            .breaches,
        0
    );
    let b = all_breaches(&store);
    assert_eq!(b.len(), 1, "exactly once");
    assert_eq!(b[0].rule, "assistance.receipt");
    assert_eq!(b[0].due, due);
    assert_eq!(b[0].recorded_at, due);
    assert_eq!(b[0].responsible.as_str(), "kmp-torun");
    assert_eq!(b[0].resolved_at, None);
}

#[tokio::test]
async fn an_act_one_second_before_the_deadline_is_in_time_and_at_it_is_late() {
    for (offset, late) in [(-1i64, false), (0, true)] {
        let (store, d) = setup(RuleSet::builtin());
        let c = case("req-2");
        let submitted = t("2026-03-02T09:00:00Z");
        let facts = normal_facts("2026-03-16T09:00:00Z");
        on_submission(&store, &d, &c, submitted, &facts).await;
        let due = submitted + SignedDuration::from_mins(30);
        let act = due + SignedDuration::from_secs(offset);
        let ids = event(&store, &d, &c, Event::AssistanceReceived, act, facts).await;
        assert_eq!(ids.len(), usize::from(late), "offset {offset}");
        // Nothing left for the sweep either way.
        assert_eq!(
            sweep(&store, &d, due + SignedDuration::from_hours(1))
                .await
                .breaches,
            0
        );
        let b = all_breaches(&store);
        assert_eq!(b.len(), usize::from(late));
        if late {
            assert_eq!(b[0].resolved_at, Some(act), "a late act resolves at once");
        }
    }
}

#[tokio::test]
async fn a_late_act_after_the_breach_resolves_it_without_rewriting_it() {
    let (store, d) = setup(RuleSet::builtin());
    let c = case("req-3");
    let submitted = t("2026-03-02T09:00:00Z");
    let facts = normal_facts("2026-03-16T09:00:00Z");
    on_submission(&store, &d, &c, submitted, &facts).await;
    sweep(&store, &d, t("2026-03-02T10:00:00Z")).await;
    let late = t("2026-03-02T11:00:00Z");
    assert!(
        event(&store, &d, &c, Event::AssistanceReceived, late, facts)
            .await
            .is_empty()
    );
    let b = all_breaches(&store);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].resolved_at, Some(late));
    assert_eq!(b[0].recorded_at, t("2026-03-02T10:00:00Z"));
    // The log has both events, in order.
    let log = crate::feed::Feeds::read(&store, &[crate::store::keys::BREACH_LOG], 0, u64::MAX, 10)
        .unwrap();
    let kinds: Vec<_> = log
        .iter()
        .map(|(s, v)| {
            crate::store::codec::decode::<BreachLogEntry>(&s.to_be_bytes(), v)
                .unwrap()
                .kind
        })
        .collect();
    assert_eq!(
        kinds,
        vec![BreachEventKind::Recorded, BreachEventKind::Resolved]
    );
}

#[tokio::test]
async fn notice_rule_checks_three_working_days_before_across_the_christmas_run() {
    // Visit on Monday 28 Dec 2026. Working days before: 23 Dec (Wed), 22 Dec (Tue),
    // 21 Dec (Mon): 24, 25, 26 Dec are holidays. Deadline: end of 21 Dec (23:00 UTC).
    let (store, d) = setup(RuleSet::builtin());
    let facts = normal_facts("2026-12-28T08:00:00Z");
    let in_time = t("2026-12-21T22:59:59Z");
    assert!(
        on_submission(&store, &d, &case("a"), in_time, &facts)
            .await
            .is_empty()
    );
    let late = t("2026-12-21T23:00:00Z");
    let ids = on_submission(&store, &d, &case("b"), late, &facts).await;
    assert_eq!(ids.len(), 1);
    let b = all_breaches(&store);
    assert_eq!(b[0].rule, "assistance.notice");
    assert_eq!(b[0].due, t("2026-12-21T23:00:00Z"));
    assert_eq!(b[0].case.id, "b");
    assert_eq!(b[0].resolved_at, Some(late), "the request did arrive, late");
}

#[tokio::test]
async fn rescheduling_moves_the_open_deadlines_and_leaves_no_stale_entry() {
    let (store, d) = setup(RuleSet::builtin());
    let c = case("req-4");
    let submitted = t("2026-03-02T09:00:00Z");
    on_submission(
        &store,
        &d,
        &c,
        submitted,
        &normal_facts("2026-03-16T09:00:00Z"),
    )
    .await;
    event(
        &store,
        &d,
        &c,
        Event::AssistanceReceived,
        submitted + SignedDuration::from_mins(5),
        normal_facts("2026-03-16T09:00:00Z"),
    )
    .await;
    // Response due: end of Fri 13 Mar (local) = 2026-03-13T23:00Z. Move the visit a week on.
    event(
        &store,
        &d,
        &c,
        Event::AssistanceRescheduled,
        t("2026-03-03T09:00:00Z"),
        normal_facts("2026-03-23T09:00:00Z"),
    )
    .await;
    assert_eq!(
        sweep(&store, &d, t("2026-03-14T00:00:00Z")).await.breaches,
        0,
        "old deadline gone"
    );
    assert_eq!(
        sweep(&store, &d, t("2026-03-20T22:59:59Z")).await.breaches,
        0
    );
    assert_eq!(
        sweep(&store, &d, t("2026-03-20T23:00:00Z")).await.breaches,
        1,
        "new deadline"
    );
    assert_eq!(all_breaches(&store)[0].rule, "assistance.response");
}

#[tokio::test]
async fn a_sweep_reads_only_what_is_due() {
    let (store, d) = setup(RuleSet::builtin());
    for i in 0..2000 {
        let c = case(&format!("far-{i}"));
        on_submission(
            &store,
            &d,
            &c,
            t("2026-06-01T09:00:00Z"),
            &normal_facts("2026-07-01T09:00:00Z"),
        )
        .await;
    }
    for i in 0..3 {
        let c = case(&format!("soon-{i}"));
        on_submission(
            &store,
            &d,
            &c,
            t("2026-05-01T09:00:00Z"),
            &normal_facts("2026-07-01T09:00:00Z"),
        )
        .await;
    }
    let o = sweep(&store, &d, t("2026-05-01T09:30:00Z")).await;
    assert_eq!(
        o,
        SweepOutcome {
            scanned: 3,
            breaches: 3
        }
    );
    let o = sweep(&store, &d, t("2026-05-01T09:45:00Z")).await;
    assert_eq!(
        o,
        SweepOutcome {
            scanned: 0,
            breaches: 0
        }
    );
}

#[tokio::test]
async fn overrides_change_length_and_unit_and_can_disable_a_rule() {
    let mut o = BTreeMap::new();
    o.insert(
        "bluecard.forward".to_string(),
        RuleOverride {
            length: Some(3),
            unit: Some(Unit::WorkingDays),
            ..Default::default()
        },
    );
    o.insert(
        "assistance.receipt".to_string(),
        RuleOverride {
            enabled: Some(false),
            ..Default::default()
        },
    );
    let rules = RuleSet::with_overrides(&o).unwrap();
    assert_eq!(
        rules.get("bluecard.forward").unwrap().unit,
        Unit::WorkingDays
    );
    // Received Thu 24 Dec 2026 10:00 local: 3 working days = 28, 29, 30 Dec.
    let due = rules
        .get("bluecard.forward")
        .unwrap()
        .due(t("2026-12-24T09:00:00Z"));
    assert_eq!(due, t("2026-12-30T23:00:00Z"));

    let (store, d) = setup(rules);
    on_submission(
        &store,
        &d,
        &case("x"),
        t("2026-03-02T09:00:00Z"),
        &normal_facts("2026-03-16T09:00:00Z"),
    )
    .await;
    assert_eq!(
        sweep(&store, &d, t("2026-03-02T12:00:00Z")).await.breaches,
        0,
        "receipt disabled"
    );

    let mut bad = BTreeMap::new();
    bad.insert("no.such".to_string(), RuleOverride::default());
    assert!(RuleSet::with_overrides(&bad).is_err());
}

#[tokio::test]
async fn blue_card_rules_follow_the_2011_regulation() {
    let rules = RuleSet::builtin();
    // § 7 ust. 1: 7 days from starting the procedure (calendar days, no roll).
    let to_chair = rules.get("bluecard.to_chair").unwrap();
    assert_eq!(
        to_chair.due(t("2026-12-18T15:00:00Z")),
        t("2026-12-25T23:00:00Z")
    );
    // § 8 ust. 1: 3 days from receipt.
    let forward = rules.get("bluecard.forward").unwrap();
    assert_eq!(
        forward.due(t("2026-10-23T10:00:00Z")),
        t("2026-10-26T23:00:00Z")
    );
}
