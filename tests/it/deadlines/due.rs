//! When a breach is recorded: at its deadline on the simulated clock and only then, exactly
//! once across a restart, caught up after downtime, and within a second on the real clock.

use super::*;

#[tokio::test]
async fn a_breach_falls_due_on_the_simulated_clock_at_its_deadline_and_only_then() {
    let server = seeded(vec![torun_case("req-a")]).await;

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
async fn exactly_once_across_a_restart_and_catch_up_after_downtime() {
    let server = seeded(vec![torun_case("req-r")]).await;
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
