//! Police-assistance requests end to end through real mutual-TLS clients: submission and
//! routing, idempotent retry, validation, visibility, every state transition (and illegal
//! ones), amendments, cancellation and stream replay.

use crate::support::fixtures::*;
use crate::support::{AssistanceClient, TestServer};
use jiff::SignedDuration;
use lacznik::api::pb;
use tokio_stream::StreamExt;
use tonic::Code;

/// Monday 21 Dec 2026, 09:00 in Toruń.
const NOW: &str = "2026-12-21T08:00:00Z";
/// A visit far enough ahead for every NORMAL deadline: Mon 11 Jan 2027, 10:00 local.
const VISIT: &str = "2027-01-11T09:00:00Z";

async fn server() -> TestServer {
    TestServer::simulated(t(NOW)).await
}

async fn submit(
    c: &mut AssistanceClient,
    req: pb::SubmitAssistanceRequestRequest,
) -> pb::AssistanceRequest {
    c.submit_assistance_request(req)
        .await
        .unwrap()
        .into_inner()
        .request
        .unwrap()
}

async fn ack(
    c: &mut AssistanceClient,
    id: &str,
    state: pb::AssistanceRequestState,
) -> Result<pb::AssistanceRequest, tonic::Status> {
    c.acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
        request_id: id.into(),
        acknowledgement: state as i32,
        officers: if state == pb::AssistanceRequestState::Accepted {
            vec![officer()]
        } else {
            vec![]
        },
        reason: if state == pb::AssistanceRequestState::Declined {
            "brak sił".into()
        } else {
            String::new()
        },
    })
    .await
    .map(|r| r.into_inner().request.unwrap())
}

async fn get(c: &mut AssistanceClient, id: &str) -> Result<pb::AssistanceRequest, tonic::Status> {
    c.get_assistance_request(pb::GetAssistanceRequestRequest {
        request_id: id.into(),
    })
    .await
    .map(|r| r.into_inner().request.unwrap())
}

use pb::AssistanceRequestState as S;

#[tokio::test]
async fn a_submitted_request_is_routed_to_the_police_unit_of_the_gmina() {
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let id = new_id();
    let r = submit(&mut centre, normal(&id, t(VISIT))).await;
    assert_eq!(r.request_id, id);
    assert_eq!(r.centre_org_id, "mopr-torun");
    assert_eq!(r.police_unit_org_id, "kmp-torun");
    assert_eq!(r.state, S::Submitted as i32);
    assert_eq!(r.version, 1);
    assert_eq!(ts(&r.submitted_time), t(NOW));
    assert_eq!(r.content, Some(content(t(VISIT))));
    let rules: Vec<&str> = r.deadlines.iter().map(|d| d.rule_id.as_str()).collect();
    assert_eq!(
        rules,
        vec![
            "assistance.notice",
            "assistance.receipt",
            "assistance.response"
        ]
    );
    assert!(r.breaches.is_empty());

    let mut police = s.assistance("kmp-torun").await;
    let seen = get(&mut police, &id).await.unwrap();
    assert_eq!(seen.content, r.content);
    assert_eq!(seen.history.len(), 1);
    assert_eq!(seen.history[0].action, "submitted");
}

#[tokio::test]
async fn a_retry_with_the_same_id_is_idempotent_and_different_content_is_already_exists() {
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let id = new_id();
    let first = submit(&mut centre, normal(&id, t(VISIT))).await;
    s.advance_clock(SignedDuration::from_mins(1)).await;
    let again = submit(&mut centre, normal(&id, t(VISIT))).await;
    assert_eq!(again.submitted_time, first.submitted_time);
    assert_eq!(again.version, 1);
    // Upper-case spelling of the same UUID is the same id.
    let upper = submit(&mut centre, normal(&id.to_uppercase(), t(VISIT))).await;
    assert_eq!(upper.request_id, id);

    let mut changed = normal(&id, t(VISIT));
    changed.content.as_mut().unwrap().expected_behaviour = "spokojne".into();
    let e = centre.submit_assistance_request(changed).await.unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists);

    // Another centre cannot reuse the id either (and learns nothing else).
    let mut other = s.assistance("mgops-lazy").await;
    let mut lazy = normal(&id, t(VISIT));
    lazy.content
        .as_mut()
        .unwrap()
        .address
        .as_mut()
        .unwrap()
        .gmina_teryt = "2416053".into();
    let e = other.submit_assistance_request(lazy).await.unwrap_err();
    assert_eq!(e.code(), Code::AlreadyExists);
    assert!(!e.message().contains("mopr"), "{}", e.message());

    // Exactly one record: the police unit lists it once.
    let mut police = s.assistance("kmp-torun").await;
    let list = police
        .list_assistance_requests(pb::ListAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .requests;
    assert_eq!(list.len(), 1);
}

#[tokio::test]
async fn invalid_input_reports_every_bad_field_at_once() {
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut req = normal("not-a-uuid", t(NOW) - SignedDuration::from_hours(1));
    {
        let c = req.content.as_mut().unwrap();
        c.planned_end = c.planned_start;
        let a = c.address.as_mut().unwrap();
        a.postal_code = "87100".into();
        a.gmina_teryt = "0463019".into();
        c.client.as_mut().unwrap().last_name = String::new();
        c.expected_behaviour = " ".into();
        c.social_workers.push(pb::SocialWorker {
            first_name: "Jan".into(),
            last_name: "Kowal".into(),
            id_card_number: String::new(),
        });
        c.activity = 42;
        c.signed_by = None;
    }
    let e = centre.submit_assistance_request(req).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let fields = violated_fields(&e);
    for f in [
        "request_id",
        "content.planned_start",
        "content.planned_end",
        "content.address.postal_code",
        "content.address.gmina_teryt",
        "content.client.last_name",
        "content.expected_behaviour",
        "content.social_workers[1].id_card_number",
        "content.activity",
        "content.signed_by",
    ] {
        assert!(
            fields.contains(&f.to_string()),
            "{f} missing from {fields:?}"
        );
    }
    assert_eq!(fields.len(), 10, "{fields:?}");
    // No value is echoed back.
    assert!(!format!("{e:?}").contains("Wiśniewska"));

    let mut many = normal(&new_id(), t(VISIT));
    let w = many.content.as_ref().unwrap().social_workers[0].clone();
    many.content.as_mut().unwrap().social_workers = vec![w; 10_000];
    let e = centre.submit_assistance_request(many).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&e), vec!["content.social_workers"]);

    let mut missing = normal(&new_id(), t(VISIT));
    missing.urgency = 0;
    missing.content = None;
    let e = centre.submit_assistance_request(missing).await.unwrap_err();
    assert_eq!(violated_fields(&e), vec!["urgency", "content"]);

    // URGENT_ORAL: planned start in the past is fine, but the oral request is required.
    let past = t(NOW) - SignedDuration::from_hours(1);
    submit(&mut centre, urgent(&new_id(), past, past)).await;
    let mut no_oral = urgent(&new_id(), past, past);
    no_oral.oral_request = None;
    let e = centre.submit_assistance_request(no_oral).await.unwrap_err();
    assert_eq!(violated_fields(&e), vec!["oral_request"]);
}

#[tokio::test]
async fn only_a_welfare_centre_submits_and_only_for_its_own_area() {
    let s = server().await;
    let mut police = s.assistance("kmp-torun").await;
    let e = police
        .submit_assistance_request(normal(&new_id(), t(VISIT)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);

    let mut lazy = s.assistance("mgops-lazy").await;
    let e = lazy
        .submit_assistance_request(normal(&new_id(), t(VISIT)))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&e), vec!["content.address.gmina_teryt"]);
}

#[tokio::test]
async fn a_third_organisation_learns_nothing_not_even_that_the_id_exists() {
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let id = new_id();
    submit(&mut centre, normal(&id, t(VISIT))).await;
    let unknown = new_id();
    for org in [
        "mgops-lazy",
        "kp-lazy",
        "zi-torun",
        "kpuw-bydgoszcz",
        "lacznik-admin",
        "mkrpa-torun",
    ] {
        let mut c = s.assistance(org).await;
        let e = get(&mut c, &id).await.unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let e2 = get(&mut c, &unknown).await.unwrap_err();
        assert_eq!(e2.code(), Code::NotFound);
        assert_eq!(
            e.message().replace(&id, "X"),
            e2.message().replace(&unknown, "X"),
            "same answer for {org}"
        );
        let e = ack(&mut c, &id, S::Received).await.unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let e = c
            .cancel_assistance_request(pb::CancelAssistanceRequestRequest {
                request_id: id.clone(),
                reason: "x".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let listed = c
            .list_assistance_requests(pb::ListAssistanceRequestsRequest::default())
            .await
            .map(|r| r.into_inner().requests)
            .unwrap_or_default();
        assert!(listed.iter().all(|r| r.request_id != id), "{org} listed it");
    }
}

#[tokio::test]
async fn the_full_lifecycle_and_every_illegal_transition() {
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut police = s.assistance("kmp-torun").await;
    let id = new_id();
    submit(&mut centre, normal(&id, t(VISIT))).await;

    // Accept before receipt, centre acknowledging, note before acceptance: refused.
    assert_eq!(
        ack(&mut police, &id, S::Accepted).await.unwrap_err().code(),
        Code::FailedPrecondition
    );
    assert_eq!(
        ack(&mut centre, &id, S::Received).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    let e = police
        .acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
            request_id: id.clone(),
            acknowledgement: S::Completed as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);

    assert_eq!(
        ack(&mut police, &id, S::Received).await.unwrap().state,
        S::Received as i32
    );
    assert_eq!(
        ack(&mut police, &id, S::Received).await.unwrap().state,
        S::Received as i32,
        "retry"
    );
    let e = police
        .acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
            request_id: id.clone(),
            acknowledgement: S::Declined as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), vec!["reason"]);
    let accepted = ack(&mut police, &id, S::Accepted).await.unwrap();
    assert_eq!(accepted.state, S::Accepted as i32);
    assert_eq!(
        accepted.decision.as_ref().unwrap().officers,
        vec![officer()]
    );
    assert_eq!(
        ack(&mut police, &id, S::Declined).await.unwrap_err().code(),
        Code::FailedPrecondition
    );

    // The note comes after the visit.
    let note_req = pb::FileServiceNoteRequest {
        request_id: id.clone(),
        note: Some(note(t(VISIT))),
    };
    assert_eq!(
        police
            .file_service_note(note_req.clone())
            .await
            .unwrap_err()
            .code(),
        Code::FailedPrecondition
    );
    let e = centre
        .submit_written_confirmation(pb::SubmitWrittenConfirmationRequest {
            request_id: id.clone(),
            signed_by: Some(pb::Signatory {
                first_name: "M".into(),
                last_name: "K".into(),
                position: String::new(),
            }),
            remarks: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Code::FailedPrecondition,
        "NORMAL requests take no written confirmation"
    );

    s.advance_clock(t(VISIT).duration_since(t(NOW)) + SignedDuration::from_hours(3))
        .await;
    let e = centre
        .amend_assistance_request(pb::AmendAssistanceRequestRequest {
            request_id: id.clone(),
            fields: vec!["expected_behaviour".into()],
            content: Some(content(t(VISIT))),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Code::FailedPrecondition,
        "amend after the visit started"
    );
    let mut bad_note = note(t(VISIT));
    bad_note.coercion_used = true;
    bad_note.prohibited_act = true;
    bad_note.departure_time = Some(pbts(t(VISIT) - SignedDuration::from_hours(1)));
    let e = police
        .file_service_note(pb::FileServiceNoteRequest {
            request_id: id.clone(),
            note: Some(bad_note),
        })
        .await
        .unwrap_err();
    let mut fields = violated_fields(&e);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "note.coercion_measures",
            "note.departure_time",
            "note.police_case_reference"
        ]
    );
    assert_eq!(
        ack(&mut centre, &id, S::Accepted).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    let done = police
        .file_service_note(note_req.clone())
        .await
        .unwrap()
        .into_inner()
        .request
        .unwrap();
    assert_eq!(done.state, S::Completed as i32);
    assert_eq!(
        done.service_note.as_ref().unwrap().course,
        "Asysta przebiegła spokojnie."
    );
    assert_eq!(
        police
            .file_service_note(note_req)
            .await
            .unwrap()
            .into_inner()
            .request
            .unwrap()
            .state,
        S::Completed as i32,
        "retry"
    );
    let e = centre
        .cancel_assistance_request(pb::CancelAssistanceRequestRequest {
            request_id: id.clone(),
            reason: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    let history: Vec<String> = get(&mut centre, &id)
        .await
        .unwrap()
        .history
        .into_iter()
        .map(|h| h.action)
        .collect();
    assert_eq!(
        history,
        vec!["submitted", "received", "accepted", "service_note"]
    );
}

#[tokio::test]
async fn an_amendment_moves_the_visit_resets_the_decision_and_reaches_the_police_stream() {
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut police = s.assistance("kmp-torun").await;
    let id = new_id();
    submit(&mut centre, normal(&id, t(VISIT))).await;
    ack(&mut police, &id, S::Received).await.unwrap();
    ack(&mut police, &id, S::Accepted).await.unwrap();

    let later = t(VISIT) + SignedDuration::from_hours(24 * 7);
    let mut new_content = content(later);
    new_content.expected_behaviour = "spokojne".into(); // not named in fields: ignored
    let amended = centre
        .amend_assistance_request(pb::AmendAssistanceRequestRequest {
            request_id: id.clone(),
            expected_version: 1,
            fields: vec!["planned_time".into()],
            content: Some(new_content.clone()),
        })
        .await
        .unwrap()
        .into_inner()
        .request
        .unwrap();
    assert_eq!(amended.version, 2);
    assert_eq!(
        amended.state,
        S::Submitted as i32,
        "the police unit decides again"
    );
    assert!(amended.decision.is_none());
    let c = amended.content.as_ref().unwrap();
    assert_eq!(ts(&c.planned_start), later);
    assert_ne!(c.expected_behaviour, "spokojne");
    let last = amended.history.last().unwrap();
    assert_eq!(last.action, "amended");
    assert_eq!(last.changed_fields, vec!["planned_time"]);
    assert_eq!(
        ts(&last.previous_content.as_ref().unwrap().planned_start),
        t(VISIT)
    );
    // The open response deadline moved to the working day before the new visit.
    let response = amended
        .deadlines
        .iter()
        .filter(|d| d.rule_id == "assistance.response" && d.state == "open")
        .map(|d| ts(&d.due_time))
        .collect::<Vec<_>>();
    assert_eq!(response, vec![t("2027-01-15T23:00:00Z")]);

    // A stale version is refused; the same amendment again is a no-op retry.
    let stale = centre
        .amend_assistance_request(pb::AmendAssistanceRequestRequest {
            request_id: id.clone(),
            expected_version: 1,
            fields: vec!["expected_behaviour".into()],
            content: Some(new_content.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::FailedPrecondition);
    let retry = centre
        .amend_assistance_request(pb::AmendAssistanceRequestRequest {
            request_id: id.clone(),
            expected_version: 0,
            fields: vec!["planned_time".into()],
            content: Some(new_content),
        })
        .await
        .unwrap()
        .into_inner()
        .request
        .unwrap();
    assert_eq!(retry.version, 2);

    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let kinds: Vec<i32> = vec![
        stream.next().await.unwrap().unwrap().kind,
        stream.next().await.unwrap().unwrap().kind,
    ];
    assert_eq!(
        kinds,
        vec![
            pb::AssistanceEventKind::New as i32,
            pb::AssistanceEventKind::Amended as i32
        ]
    );
}

#[tokio::test]
async fn cancelling_reaches_the_stream_and_closes_the_deadlines() {
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let id = new_id();
    submit(&mut centre, normal(&id, t(VISIT))).await;
    let e = centre
        .cancel_assistance_request(pb::CancelAssistanceRequestRequest {
            request_id: id.clone(),
            reason: " ".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&e), vec!["reason"]);
    let cancelled = centre
        .cancel_assistance_request(pb::CancelAssistanceRequestRequest {
            request_id: id.clone(),
            reason: "klient wyjechał".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .request
        .unwrap();
    assert_eq!(cancelled.state, S::Cancelled as i32);
    assert!(
        cancelled.deadlines.iter().all(|d| d.state != "open"),
        "{:?}",
        cancelled.deadlines
    );
    let mut police = s.assistance("kmp-torun").await;
    assert_eq!(
        ack(&mut police, &id, S::Received).await.unwrap_err().code(),
        Code::FailedPrecondition
    );
    s.advance_clock(SignedDuration::from_hours(24 * 30)).await;
    assert!(get(&mut centre, &id).await.unwrap().breaches.is_empty());
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    stream.next().await.unwrap().unwrap();
    let e = stream.next().await.unwrap().unwrap();
    assert_eq!(e.kind, pb::AssistanceEventKind::Cancelled as i32);
    assert_eq!(
        e.request.unwrap().cancellation.unwrap().reason,
        "klient wyjechał"
    );
}

#[tokio::test]
async fn the_police_stream_delivers_live_and_replays_after_reconnects_and_restarts() {
    let _timing = crate::support::serial::timing();
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut police = s.assistance("kmp-torun").await;
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut ids = Vec::new();
    let mut cursors = Vec::new();
    for _ in 0..3 {
        let id = new_id();
        submit(&mut centre, normal(&id, t(VISIT))).await;
        let started = std::time::Instant::now();
        let e = stream.next().await.unwrap().unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(e.request.as_ref().unwrap().request_id, id);
        ids.push(id);
        cursors.push(e.cursor);
    }
    drop(stream);
    // While disconnected: two more.
    for _ in 0..2 {
        let id = new_id();
        submit(&mut centre, normal(&id, t(VISIT))).await;
        ids.push(id);
    }
    let mut resumed = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
            after_cursor: cursors[2].clone(),
        })
        .await
        .unwrap()
        .into_inner();
    for id in &ids[3..] {
        let e = resumed.next().await.unwrap().unwrap();
        assert_eq!(&e.request.as_ref().unwrap().request_id, id);
        cursors.push(e.cursor);
    }
    drop(resumed);

    // Restart the server; resume from the middle: no gap, no reordering.
    let s = s
        .restart_at(Some(t(NOW) + SignedDuration::from_mins(5)))
        .await;
    let mut police = s.assistance("kmp-torun").await;
    let mut again = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
            after_cursor: cursors[1].clone(),
        })
        .await
        .unwrap()
        .into_inner();
    for id in &ids[2..] {
        let e = again.next().await.unwrap().unwrap();
        assert_eq!(&e.request.as_ref().unwrap().request_id, id);
    }
    // And live again after the restart.
    let mut centre = s.assistance("mopr-torun").await;
    let id = new_id();
    submit(&mut centre, normal(&id, t(VISIT))).await;
    let e = tokio::time::timeout(std::time::Duration::from_secs(5), again.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(e.request.unwrap().request_id, id);

    // Another police unit's stream carries none of these.
    let mut other = s.assistance("kp-lazy").await;
    let mut lazy = other
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), lazy.next())
            .await
            .is_err()
    );
    // A centre may not open a police stream.
    let e = centre
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn list_pages_by_planned_start_and_filters_by_state_and_range() {
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut ids = Vec::new();
    for day in [5, 1, 3, 2, 4] {
        let id = new_id();
        submit(
            &mut centre,
            normal(&id, t(VISIT) + SignedDuration::from_hours(24 * day)),
        )
        .await;
        ids.push((day, id));
    }
    ids.sort();
    let mut police = s.assistance("kmp-torun").await;
    ack(&mut police, &ids[0].1, S::Received).await.unwrap();
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = centre
            .list_assistance_requests(pb::ListAssistanceRequestsRequest {
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.requests.into_iter().map(|r| r.request_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(
        seen,
        ids.iter().map(|(_, id)| id.clone()).collect::<Vec<_>>()
    );
    let received = police
        .list_assistance_requests(pb::ListAssistanceRequestsRequest {
            state: S::Received as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .requests;
    assert_eq!(received.len(), 1);
    let window = centre
        .list_assistance_requests(pb::ListAssistanceRequestsRequest {
            planned_from: Some(pbts(t(VISIT) + SignedDuration::from_hours(24 * 2))),
            planned_to: Some(pbts(t(VISIT) + SignedDuration::from_hours(24 * 4))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .requests;
    assert_eq!(window.len(), 2);
    let e = centre
        .list_assistance_requests(pb::ListAssistanceRequestsRequest {
            page_token: "zz".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
}
