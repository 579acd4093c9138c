//! The end of a case for the deadline engine: cancelling closes its clocks, and a case
//! forgotten by the retention purge leaves its breach records but not its index of them.
//! Helpers shared with `engine_tests.rs`.

use jiff::SignedDuration;

use super::Deadlines;
use super::tests::{all_breaches, case, event, normal_facts, on_submission, setup, sweep, t};
use crate::deadlines::breach;
use crate::deadlines::rules::{Event, RuleSet};

#[tokio::test]
async fn cancelling_closes_the_clocks() {
    let (store, d) = setup(RuleSet::builtin());
    let c = case("req-5");
    let facts = normal_facts("2026-03-16T09:00:00Z");
    on_submission(&store, &d, &c, t("2026-03-02T09:00:00Z"), &facts).await;
    event(
        &store,
        &d,
        &c,
        Event::AssistanceCancelled,
        t("2026-03-02T09:10:00Z"),
        facts,
    )
    .await;
    assert_eq!(
        sweep(&store, &d, t("2027-01-01T00:00:00Z")).await.scanned,
        0
    );
    assert!(all_breaches(&store).is_empty());
}

#[tokio::test]
async fn a_forgotten_case_leaves_its_breach_records_but_not_its_index_of_them() {
    let (store, d) = setup(RuleSet::builtin());
    let c = case("req-6");
    let facts = normal_facts("2026-03-16T09:00:00Z");
    let at = t("2026-03-02T09:00:00Z");
    on_submission(&store, &d, &c, at, &facts).await;
    assert_eq!(
        sweep(&store, &d, at + SignedDuration::from_hours(1))
            .await
            .breaches,
        1
    );
    let cancelled = at + SignedDuration::from_hours(2);
    event(&store, &d, &c, Event::AssistanceCancelled, cancelled, facts).await;
    assert_eq!(breach::of_case(&store, "req-6").unwrap().len(), 1);
    let forgot = store
        .execute(|txn| Deadlines::forget_case(txn, "req-6"))
        .await
        .unwrap();
    assert!(forgot);
    // A case made later under the same id starts with no breaches (what a submission's
    // answer assumes, `breach::recorded_in`); the record itself stays for supervisors.
    assert!(breach::of_case(&store, "req-6").unwrap().is_empty());
    assert_eq!(all_breaches(&store).len(), 1);
}
