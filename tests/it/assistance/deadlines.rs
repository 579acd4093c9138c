//! The assistance deadline rules at their boundaries, through real RPCs on a simulated
//! clock: one second before, at, and after each deadline, around the 24-28 December 2026
//! holiday run (24, 25, 26 December are holidays, 27 is a Sunday).

use super::*;
use jiff::Timestamp;

/// The breaches of request `id` as (rule, due, resolved).
async fn breaches(c: &mut AssistanceClient, id: &str) -> Vec<(String, Timestamp, bool)> {
    breach_rows(&get(c, id).await.unwrap().breaches)
}

/// Visit on Monday 28 December 2026, 10:00 local.
const VISIT: &str = "2026-12-28T09:00:00Z";

/// End of Monday 21 December, local: the last instant for 3 working days' notice.
const NOTICE_DUE: &str = "2026-12-21T23:00:00Z";

#[tokio::test]
async fn notice_of_three_working_days_before_a_visit_after_the_christmas_run() {
    let s = TestServer::simulated(t("2026-12-21T22:59:59Z")).await;
    let mut centre = s.assistance("mopr-torun").await;
    let in_time = submit(&mut centre, normal(&new_id(), t(VISIT)))
        .await
        .request_id;
    assert!(
        breaches(&mut centre, &in_time).await.is_empty(),
        "one second before"
    );

    s.set_clock(t(NOTICE_DUE)).await;
    let answer = submit(&mut centre, normal(&new_id(), t(VISIT))).await;
    let at = answer.request_id;
    assert_eq!(
        breaches(&mut centre, &at).await,
        vec![("assistance.notice".to_string(), t(NOTICE_DUE), true)],
        "at the deadline: late, accepted, breach recorded (and resolved: the request did arrive)"
    );
    assert_eq!(
        breach_rows(&answer.breaches),
        breaches(&mut centre, &at).await,
        "the submission's own answer shows the breach it recorded"
    );

    s.set_clock(t("2026-12-23T10:00:00Z")).await;
    let after = submit(&mut centre, normal(&new_id(), t(VISIT)))
        .await
        .request_id;
    let b = breaches(&mut centre, &after).await;
    assert_eq!(b[0].0, "assistance.notice");
}

#[tokio::test]
async fn receipt_within_thirty_minutes() {
    let start = "2026-12-21T08:00:00Z";
    let s = TestServer::simulated(t(start)).await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut police = s.assistance("kmp-torun").await;
    let id = submit(&mut centre, normal(&new_id(), t("2027-01-11T09:00:00Z")))
        .await
        .request_id;
    let due = t(start) + SignedDuration::from_mins(30);
    s.set_clock(due - SignedDuration::from_secs(1)).await;
    assert!(breaches(&mut police, &id).await.is_empty());
    s.set_clock(due).await;
    assert_eq!(
        breaches(&mut police, &id).await,
        vec![("assistance.receipt".into(), due, false)]
    );
    s.set_clock(due + SignedDuration::from_secs(1)).await;
    assert_eq!(breaches(&mut police, &id).await.len(), 1);
    ack(&mut police, &id, S::Received).await.unwrap();
    assert_eq!(
        breaches(&mut police, &id).await,
        vec![("assistance.receipt".into(), due, true)],
        "resolved by the late receipt"
    );
}

#[tokio::test]
async fn response_by_the_end_of_the_working_day_before_the_visit() {
    let s = TestServer::simulated(t("2026-12-18T08:00:00Z")).await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut police = s.assistance("kmp-torun").await;
    let id = submit(&mut centre, normal(&new_id(), t(VISIT)))
        .await
        .request_id;
    ack(&mut police, &id, S::Received).await.unwrap();
    // The working day before Monday 28 Dec is Wednesday 23 Dec (24-27 are not working days).
    let due = t("2026-12-23T23:00:00Z");
    s.set_clock(due - SignedDuration::from_secs(1)).await;
    assert!(breaches(&mut police, &id).await.is_empty());
    s.set_clock(due).await;
    assert_eq!(
        breaches(&mut police, &id).await,
        vec![("assistance.response".into(), due, false)]
    );
}

#[tokio::test]
async fn urgent_oral_response_within_an_hour_and_written_confirmation_one_working_day_after_the_visit()
 {
    // Wednesday 23 Dec, 14:00 local: an urgent visit from 13:00 to 15:00, asked for orally at 12:45.
    let now = t("2026-12-23T13:00:00Z");
    let s = TestServer::simulated(t("2026-12-23T13:00:00Z")).await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut police = s.assistance("kmp-torun").await;
    let start = now - SignedDuration::from_hours(1);
    let id = submit(
        &mut centre,
        urgent(&new_id(), start, start - SignedDuration::from_mins(15)),
    )
    .await
    .request_id;
    ack(&mut police, &id, S::Received).await.unwrap();
    let due = now + SignedDuration::from_hours(1);
    s.set_clock(due - SignedDuration::from_secs(1)).await;
    assert!(breaches(&mut police, &id).await.is_empty());
    s.set_clock(due).await;
    assert_eq!(
        breaches(&mut police, &id).await,
        vec![("assistance.response_urgent".into(), due, false)]
    );

    // Planned end Wed 23 Dec 15:00 local; next working day is Mon 28 Dec: due its end.
    let written_due = t("2026-12-28T23:00:00Z");
    s.set_clock(written_due - SignedDuration::from_secs(1))
        .await;
    assert_eq!(breaches(&mut centre, &id).await.len(), 1);
    s.set_clock(written_due).await;
    let b = breaches(&mut centre, &id).await;
    assert_eq!(
        b[1],
        (
            "assistance.written_confirmation".to_string(),
            written_due,
            false
        )
    );
    centre
        .submit_written_confirmation(pb::SubmitWrittenConfirmationRequest {
            request_id: id.clone(),
            signed_by: Some(pb::Signatory {
                first_name: "Maria".into(),
                last_name: "Kierownik".into(),
                position: String::new(),
            }),
            remarks: String::new(),
        })
        .await
        .unwrap();
    assert!(
        breaches(&mut centre, &id).await[1].2,
        "resolved by the late confirmation"
    );
}

#[tokio::test]
async fn service_note_within_one_working_day_after_the_visit() {
    let s = TestServer::simulated(t("2026-12-18T08:00:00Z")).await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut police = s.assistance("kmp-torun").await;
    let id = submit(&mut centre, normal(&new_id(), t(VISIT)))
        .await
        .request_id;
    ack(&mut police, &id, S::Received).await.unwrap();
    ack(&mut police, &id, S::Accepted).await.unwrap();
    // Visit ends Mon 28 Dec 12:00 local; one working day after: end of Tue 29 Dec.
    let due = t("2026-12-29T23:00:00Z");
    s.set_clock(due - SignedDuration::from_secs(1)).await;
    assert!(breaches(&mut police, &id).await.is_empty());
    police
        .file_service_note(pb::FileServiceNoteRequest {
            request_id: id.clone(),
            note: Some(note(t(VISIT))),
        })
        .await
        .unwrap();
    s.set_clock(due + SignedDuration::from_hours(1)).await;
    assert!(
        breaches(&mut police, &id).await.is_empty(),
        "filed one second before: in time"
    );
}
