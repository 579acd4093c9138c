//! The procedure after the card: acknowledgement, forwarding and steps (§ 8), closure with
//! a protocol (§ 18), and what a closed procedure refuses.

use super::*;

#[tokio::test]
async fn forwarding_steps_and_closure_follow_section_8_and_18() {
    let s = server().await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;
    let c = submit(&mut police, card(&new_id(), started())).await;
    let forward = pb::RecordForwardingRequest {
        card_id: c.card_id.clone(),
        forwarded_to: pb::ForwardedTo::WorkingGroup as i32,
        recipients: "grupa robocza nr 3/2026".into(),
        forwarded_time: Some(pbts(t(NOW))),
    };
    assert_eq!(
        team.record_forwarding(forward.clone())
            .await
            .unwrap_err()
            .code(),
        Code::FailedPrecondition,
        "not acknowledged"
    );
    assert_eq!(
        police
            .acknowledge_blue_card(pb::AcknowledgeBlueCardRequest {
                card_id: c.card_id.clone()
            })
            .await
            .unwrap_err()
            .code(),
        Code::PermissionDenied
    );
    // Closing with an unacknowledged card is refused.
    assert_eq!(
        close(&mut team, &c.procedure_id).await.unwrap_err().code(),
        Code::FailedPrecondition
    );
    ack(&mut team, &c.card_id).await.unwrap();
    let mut bad = forward.clone();
    bad.forwarded_to = 0;
    bad.recipients = String::new();
    bad.forwarded_time = Some(pbts(t(NOW) + SignedDuration::from_hours(1)));
    let mut f = violated_fields(&team.record_forwarding(bad).await.unwrap_err());
    f.sort();
    assert_eq!(f, vec!["forwarded_time", "forwarded_to", "recipients"]);
    let fwd = team
        .record_forwarding(forward)
        .await
        .unwrap()
        .into_inner()
        .card
        .unwrap();
    assert_eq!(fwd.state, pb::BlueCardState::Forwarded as i32);
    assert_eq!(
        fwd.forwarding.unwrap().recipients,
        "grupa robocza nr 3/2026"
    );

    let step = team
        .record_procedure_step(pb::RecordProcedureStepRequest {
            procedure_id: c.procedure_id.clone(),
            kind: pb::ProcedureStepKind::FormC as i32,
            step_time: Some(pbts(t(NOW))),
        })
        .await
        .unwrap()
        .into_inner()
        .procedure
        .unwrap();
    assert_eq!(step.steps.len(), 1);

    let e = team
        .close_procedure(pb::CloseProcedureRequest {
            procedure_id: c.procedure_id.clone(),
            reason: 0,
            protocol: None,
        })
        .await
        .unwrap_err();
    let mut f = violated_fields(&e);
    f.sort();
    assert_eq!(f, vec!["protocol", "reason"]);
    let closed = close(&mut team, &c.procedure_id).await.unwrap();
    assert_eq!(closed.state, pb::ProcedureState::Closed as i32);
    assert!(
        closed.closure.as_ref().unwrap().protocol.is_some(),
        "the team sees the protocol"
    );
    assert_eq!(
        close(&mut team, &c.procedure_id).await.unwrap().state,
        pb::ProcedureState::Closed as i32,
        "retry"
    );

    // § 18 ust. 3: the initiator sees the closure (reason and time, not the protocol).
    let seen = police
        .get_procedure(pb::GetProcedureRequest {
            procedure_id: c.procedure_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .procedure
        .unwrap();
    assert_eq!(seen.state, pb::ProcedureState::Closed as i32);
    assert_eq!(
        seen.closure.as_ref().unwrap().reason,
        pb::ClosureReason::NoGrounds as i32
    );
    assert!(seen.closure.unwrap().protocol.is_none());
    let card_view = get_card(&mut police, &c.card_id).await.unwrap();
    assert_eq!(card_view.procedure_state, pb::ProcedureState::Closed as i32);

    // A closed procedure takes no card and no step.
    let mut repeat = card(&new_id(), started());
    repeat.procedure_id = c.procedure_id.clone();
    let e = police.submit_blue_card_a(repeat).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    assert!(e.message().contains("new procedure"), "{}", e.message());
    let e = team
        .record_procedure_step(pb::RecordProcedureStepRequest {
            procedure_id: c.procedure_id.clone(),
            kind: pb::ProcedureStepKind::FormD as i32,
            step_time: Some(pbts(t(NOW))),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
}
