//! The 2023 profile's Blue Card periods through real RPCs on a simulated clock, each at its
//! boundary (an act one second before the deadline is in time, at it and after it late):
//! form A to the chair within 5 working days of starting the procedure, the chair's 3
//! working days to pass it to the grupa diagnostyczno-pomocowa and the group's first
//! meeting within 5 working days of receipt, across the 1 and 3 May holidays and across the
//! changes to and from summer time. Also the forwarding targets of each profile and a
//! meeting meeting the deadline of every card of its procedure.

use super::*;
use crate::support::rpc::{acknowledge_card as ack, get_card, submit_card as submit};
use tonic::Code;

/// The descriptions of an INVALID_ARGUMENT status's violations, joined.
fn violation_text(e: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    e.get_details_bad_request()
        .map(|b| {
            b.field_violations
                .into_iter()
                .map(|v| v.description)
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_card_started_the_thursday_before_the_may_weekend_is_late_exactly_after_the_fifth_working_day()
 {
    // Thu 30 Apr 2026, 10:00 in Łazy; Fri 1 May and Sun 3 May are holidays: working days
    // 4, 5, 6, 7 and 8 May, so the period ends at the midnight ending Fri 8 May (CEST).
    let started = t("2026-04-30T08:00:00Z");
    let due = t("2026-05-08T22:00:00Z");
    let s = server(Profile::Y2023, due - S1).await;
    let mut police = s.blue_card("kp-lazy").await;
    for (at, late) in [(due - S1, None), (due, Some(0)), (due + S1, Some(1))] {
        if at > due - S1 {
            s.set_clock(at).await;
        }
        let c = submit(&mut police, card(&new_id(), started)).await;
        let d = deadline(&c, "bluecard.to_chair");
        assert_eq!(ts(&d.due_time), due);
        assert_eq!(d.rules_profile, "2023");
        let breaches: Vec<&pb::Breach> = c
            .breaches
            .iter()
            .filter(|b| b.rule_id == "bluecard.to_chair")
            .collect();
        match late {
            None => {
                assert_eq!((d.state.as_str(), secs(&d.lateness)), ("met", None));
                assert!(breaches.is_empty(), "one second before: in time");
            }
            Some(n) => {
                assert_eq!((d.state.as_str(), secs(&d.lateness)), ("met_late", Some(n)));
                assert_eq!(breaches.len(), 1, "{at}");
                let b = breaches[0];
                assert_eq!(
                    (b.rules_profile.as_str(), b.deadline_state.as_str()),
                    ("2023", "met_late")
                );
                assert!(
                    b.legal_basis.contains("Dz.U. 2023 poz. 1870"),
                    "{}",
                    b.legal_basis
                );
                assert_eq!(ts(&b.due_time), due);
                assert_eq!(secs(&b.lateness), Some(n));
            }
        }
    }
}

/// Three cards acknowledged at `acked`, each in a procedure of its own; the act `rule`
/// asks for is recorded one second before `due`, at it and one second after it.
async fn at_the_boundary(rule: &str, acked: Timestamp, due: Timestamp) {
    let s = server(Profile::Y2023, acked).await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;
    let mut cards = Vec::new();
    for _ in 0..3 {
        let id = new_id();
        submit(
            &mut police,
            card(&id, acked - SignedDuration::from_hours(1)),
        )
        .await;
        let c = ack(&mut team, &id).await.unwrap();
        assert_eq!(ts(&deadline(&c, rule).due_time), due, "{rule}");
        cards.push((id, c.procedure_id));
    }
    let acts = [(due - S1, None), (due, Some(0)), (due + S1, Some(1))];
    for ((id, procedure), (at, late)) in cards.iter().zip(acts) {
        s.set_clock(at).await;
        let c = if rule == "bluecard.forward" {
            forward(&mut team, id, pb::ForwardedTo::DiagnosticSupportGroup, at)
                .await
                .unwrap()
        } else {
            meeting(&mut team, procedure, at).await;
            get_card(&mut team, id).await.unwrap()
        };
        let d = deadline(&c, rule);
        let b: Vec<&pb::Breach> = c.breaches.iter().filter(|b| b.rule_id == rule).collect();
        match late {
            None => {
                assert_eq!(
                    (d.state.as_str(), secs(&d.lateness)),
                    ("met", None),
                    "{rule}"
                );
                assert!(b.is_empty(), "{rule}: one second before is in time");
            }
            Some(n) => {
                assert_eq!(
                    (d.state.as_str(), secs(&d.lateness)),
                    ("met_late", Some(n)),
                    "{rule} at {at}"
                );
                assert_eq!(b.len(), 1, "{rule} at {at}: exactly one breach");
                assert_eq!(ts(&b[0].due_time), due);
                assert_eq!(b[0].deadline_state, "met_late");
                assert_eq!(secs(&b[0].lateness), Some(n));
                assert_eq!(b[0].rules_profile, "2023");
            }
        }
        assert_eq!(
            ts(&d.met_time),
            at,
            "the act counts when lacznik records it"
        );
    }
}

#[tokio::test]
async fn the_chair_passes_the_card_on_within_3_working_days_across_the_may_holidays() {
    // Received Thu 30 Apr 2026 12:00 local: 4, 5, 6 May; end of Wed 6 May (CEST).
    at_the_boundary(
        "bluecard.forward",
        t("2026-04-30T10:00:00Z"),
        t("2026-05-06T22:00:00Z"),
    )
    .await;
}

#[tokio::test]
async fn the_chair_passes_the_card_on_within_3_working_days_across_the_autumn_dst_change() {
    // Received Thu 22 Oct 2026 (CEST); summer time ends Sun 25 Oct: 23, 26, 27 Oct, ending
    // at the midnight ending Tue 27 Oct in CET (23:00 UTC).
    at_the_boundary(
        "bluecard.forward",
        t("2026-10-22T10:00:00Z"),
        t("2026-10-27T23:00:00Z"),
    )
    .await;
}

#[tokio::test]
async fn the_groups_first_meeting_within_5_working_days_across_the_may_holidays() {
    // Received Thu 30 Apr 2026: 4, 5, 6, 7, 8 May.
    at_the_boundary(
        "bluecard.group_meeting",
        t("2026-04-30T10:00:00Z"),
        t("2026-05-08T22:00:00Z"),
    )
    .await;
}

#[tokio::test]
async fn the_groups_first_meeting_within_5_working_days_across_the_spring_dst_change() {
    // Received Thu 26 Mar 2026 (CET); summer time starts Sun 29 Mar: 27, 30, 31 Mar, 1 and
    // 2 Apr, ending at the midnight ending Thu 2 Apr in CEST (22:00 UTC).
    at_the_boundary(
        "bluecard.group_meeting",
        t("2026-03-26T10:00:00Z"),
        t("2026-04-02T22:00:00Z"),
    )
    .await;
}

// Multi-threaded: the client CLI runs as a blocking child process beside the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_profile_forwards_to_its_own_group_and_one_meeting_serves_every_card() {
    let now = t("2026-04-30T10:00:00Z");
    let s = server(Profile::Y2023, now).await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;
    let first = new_id();
    let c = submit(
        &mut police,
        card(&first, now - SignedDuration::from_hours(1)),
    )
    .await;
    let procedure = c.procedure_id.clone();
    // A § 9 repeat card in the same procedure.
    let repeat = new_id();
    let mut again = card(&repeat, now - SignedDuration::from_mins(30));
    again.procedure_id = procedure.clone();
    submit(&mut police, again).await;
    for id in [&first, &repeat] {
        ack(&mut team, id).await.unwrap();
    }
    // The 2011 targets are not the 2023 profile's.
    for old in [pb::ForwardedTo::WorkingGroup, pb::ForwardedTo::TeamMembers] {
        let e = forward(&mut team, &first, old, now).await.unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert_eq!(violated_fields(&e), vec!["forwarded_to"]);
        let why = violation_text(&e);
        assert!(why.contains("grupa diagnostyczno-pomocowa"), "{why}");
        assert!(why.contains("2023 profile"), "{why}");
    }
    let c = forward(
        &mut team,
        &first,
        pb::ForwardedTo::DiagnosticSupportGroup,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        c.forwarding.unwrap().forwarded_to,
        pb::ForwardedTo::DiagnosticSupportGroup as i32
    );
    // One recorded meeting meets the meeting deadline of both cards.
    let p = meeting(&mut team, &procedure, now).await;
    assert_eq!(
        p.steps.last().unwrap().kind,
        pb::ProcedureStepKind::GroupMeetingHeld as i32
    );
    for id in [&first, &repeat] {
        let c = get_card(&mut team, id).await.unwrap();
        assert_eq!(deadline(&c, "bluecard.group_meeting").state, "met", "{id}");
    }

    // Under 2011 the group is the grupa robocza: the 2023 target is refused there.
    let s = server(Profile::Y2011, now).await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;
    let id = new_id();
    submit(&mut police, card(&id, now - SignedDuration::from_hours(1))).await;
    let c = ack(&mut team, &id).await.unwrap();
    assert!(
        c.deadlines
            .iter()
            .all(|d| d.rule_id != "bluecard.group_meeting")
    );
    assert!(c.deadlines.iter().all(|d| d.rules_profile == "2011"));
    let e = forward(&mut team, &id, pb::ForwardedTo::DiagnosticSupportGroup, now)
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), vec!["forwarded_to"]);
    forward(&mut team, &id, pb::ForwardedTo::WorkingGroup, now)
        .await
        .unwrap();
    // The meeting is a step like any other under 2011, also from the client CLI.
    let p = meeting(&mut team, &c.procedure_id, now).await;
    assert_eq!(p.steps.len(), 1);
    // (An hour later: the same kind at the same instant would be a retry of the first.)
    s.advance_clock(SignedDuration::from_hours(1)).await;
    let text = client(
        &s,
        "zi-lazy",
        &[
            "bluecard",
            "step",
            &c.procedure_id,
            "--kind",
            "group-meeting-held",
        ],
    );
    assert!(
        text.contains("steps[1].kind: PROCEDURE_STEP_KIND_GROUP_MEETING_HELD"),
        "{text}"
    );
}
