//! The life of a request: every state transition (and the illegal ones), amendments and
//! cancellation, each reaching the police stream.

use super::*;
use tokio_stream::StreamExt;

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
