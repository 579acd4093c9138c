//! The Blue Card deadline rules at their boundaries through real RPCs on a simulated clock:
//! § 7 ust. 1 (7 days from starting the procedure), receipt (1 working day), § 8 ust. 1
//! (3 days from receipt; calendar days, no rolling by default).

use super::*;
use crate::support::Options;
use jiff::Timestamp;

/// The breaches of card `id` as (rule, due, resolved).
async fn breaches(c: &mut BlueCardClient, id: &str) -> Vec<(String, Timestamp, bool)> {
    breach_rows(&get_card(c, id).await.unwrap().breaches)
}

/// Procedure started Wed 18 Nov 2026, 10:00 local; 7 days end with Wed 25 Nov (local).
const STARTED: &str = "2026-11-18T09:00:00Z";
const TO_CHAIR_DUE: &str = "2026-11-25T23:00:00Z";

#[tokio::test]
async fn a_card_must_reach_the_chair_within_7_days_of_starting_the_procedure() {
    let s = TestServer::simulated(t("2026-11-25T22:59:59Z")).await;
    let mut police = s.blue_card("kp-lazy").await;
    let in_time = new_id();
    submit(&mut police, card(&in_time, t(STARTED))).await;
    assert!(
        breaches(&mut police, &in_time).await.is_empty(),
        "one second before"
    );
    s.set_clock(t(TO_CHAIR_DUE)).await;
    let late = new_id();
    submit(&mut police, card(&late, t(STARTED))).await;
    assert_eq!(
        breaches(&mut police, &late).await,
        vec![("bluecard.to_chair".to_string(), t(TO_CHAIR_DUE), true)],
        "at the deadline: accepted, breach recorded at once"
    );
}

#[tokio::test]
async fn the_chair_acknowledges_within_one_working_day() {
    // Submitted Friday 20 Nov 12:00 local; one working day: end of Monday 23 Nov.
    let s = TestServer::simulated(t("2026-11-20T11:00:00Z")).await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;
    let id = new_id();
    submit(&mut police, card(&id, t("2026-11-20T10:00:00Z"))).await;
    let due = t("2026-11-23T23:00:00Z");
    s.set_clock(due - SignedDuration::from_secs(1)).await;
    assert!(breaches(&mut team, &id).await.is_empty());
    s.set_clock(due).await;
    assert_eq!(
        breaches(&mut team, &id).await,
        vec![("bluecard.receipt".into(), due, false)]
    );
    ack(&mut team, &id).await.unwrap();
    assert_eq!(
        breaches(&mut team, &id).await,
        vec![("bluecard.receipt".into(), due, true)]
    );
}

#[tokio::test]
async fn the_chair_forwards_within_3_days_of_receipt_even_over_a_weekend() {
    // Acknowledged Thursday 19 Nov 15:00 local; 3 calendar days: end of Sunday 22 Nov
    // (§ 8 ust. 1; the 2011 regulation counts calendar days, no rolling to Monday).
    let s = TestServer::simulated(t("2026-11-19T14:00:00Z")).await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;
    let id = new_id();
    submit(&mut police, card(&id, t("2026-11-19T10:00:00Z"))).await;
    ack(&mut team, &id).await.unwrap();
    let due = t("2026-11-22T23:00:00Z");
    s.set_clock(due - SignedDuration::from_secs(1)).await;
    assert!(breaches(&mut team, &id).await.is_empty());
    s.set_clock(due).await;
    assert_eq!(
        breaches(&mut team, &id).await,
        vec![("bluecard.forward".into(), due, false)]
    );
    s.set_clock(due + SignedDuration::from_hours(10)).await;
    team.record_forwarding(pb::RecordForwardingRequest {
        card_id: id.clone(),
        forwarded_to: pb::ForwardedTo::TeamMembers as i32,
        recipients: "członkowie zespołu".into(),
        forwarded_time: Some(pbts(due + SignedDuration::from_hours(9))),
    })
    .await
    .unwrap();
    assert_eq!(
        breaches(&mut team, &id).await,
        vec![("bluecard.forward".into(), due, true)]
    );
}

#[tokio::test]
async fn with_the_2023_working_day_override_the_forward_deadline_skips_the_weekend() {
    let s = TestServer::start_with(Options {
        simulated_clock: Some(t("2026-11-19T14:00:00Z")),
        tweak: Some(Box::new(|c| {
            c.rules.overrides.insert(
                "bluecard.forward".into(),
                lacznik::deadlines::RuleOverride {
                    unit: Some(lacznik::deadlines::rules::Unit::WorkingDays),
                    ..Default::default()
                },
            );
        })),
        ..Options::default()
    })
    .await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;
    let id = new_id();
    submit(&mut police, card(&id, t("2026-11-19T10:00:00Z"))).await;
    let acked = ack(&mut team, &id).await.unwrap();
    let forward_due: Vec<Timestamp> = acked
        .deadlines
        .iter()
        .filter(|d| d.rule_id == "bluecard.forward")
        .map(|d| ts(&d.due_time))
        .collect();
    // Fri 20, Mon 23, Tue 24 Nov: end of Tuesday.
    assert_eq!(forward_due, vec![t("2026-11-24T23:00:00Z")]);
}
