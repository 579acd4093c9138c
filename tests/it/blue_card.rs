//! Blue Card A end to end through real mutual-TLS clients: routing to the team, idempotent
//! retry, validation (all bad fields, § 2, § 6), § 9 repeat cards, pulls and long polls,
//! acknowledgement, forwarding, steps, closure (§ 18) and visibility.

use std::time::{Duration, Instant};

use crate::support::fixtures::*;
use crate::support::{BlueCardClient, TestServer};
use jiff::SignedDuration;
use lacznik::api::pb;
use tonic::Code;

/// Wednesday 18 Nov 2026, 10:00 in Łazy.
const NOW: &str = "2026-11-18T09:00:00Z";

async fn server() -> TestServer {
    TestServer::simulated(t(NOW)).await
}

async fn submit(c: &mut BlueCardClient, req: pb::SubmitBlueCardARequest) -> pb::BlueCard {
    c.submit_blue_card_a(req)
        .await
        .unwrap()
        .into_inner()
        .card
        .unwrap()
}

async fn pull(c: &mut BlueCardClient, after: &str, wait: u32) -> pb::PullBlueCardsResponse {
    c.pull_blue_cards(pb::PullBlueCardsRequest {
        after_cursor: after.into(),
        max_cards: 10,
        wait_seconds: wait,
    })
    .await
    .unwrap()
    .into_inner()
}

async fn ack(c: &mut BlueCardClient, id: &str) -> Result<pb::BlueCard, tonic::Status> {
    c.acknowledge_blue_card(pb::AcknowledgeBlueCardRequest { card_id: id.into() })
        .await
        .map(|r| r.into_inner().card.unwrap())
}

async fn close(c: &mut BlueCardClient, procedure: &str) -> Result<pb::Procedure, tonic::Status> {
    c.close_procedure(pb::CloseProcedureRequest {
        procedure_id: procedure.into(),
        reason: pb::ClosureReason::NoGrounds as i32,
        protocol: Some(protocol(t(NOW) - SignedDuration::from_hours(2), t(NOW))),
    })
    .await
    .map(|r| r.into_inner().procedure.unwrap())
}

fn started() -> jiff::Timestamp {
    t(NOW) - SignedDuration::from_hours(2)
}

#[tokio::test]
async fn a_card_reaches_the_team_of_the_gmina_and_a_retry_is_idempotent() {
    let s = server().await;
    let mut police = s.blue_card("kp-lazy").await;
    let id = new_id();
    let c = submit(&mut police, card(&id, started())).await;
    assert_eq!(c.team_org_id, "zi-lazy");
    assert_eq!(c.initiator_org_id, "kp-lazy");
    assert_eq!(c.state, pb::BlueCardState::Available as i32);
    assert!(!c.repeat);
    assert_eq!(c.content, Some(card_content(started())));
    let rules: Vec<&str> = c.deadlines.iter().map(|d| d.rule_id.as_str()).collect();
    assert_eq!(rules, vec!["bluecard.to_chair", "bluecard.receipt"]);

    let again = submit(&mut police, card(&id, started())).await;
    assert_eq!(again.procedure_id, c.procedure_id);
    assert_eq!(again.submitted_time, c.submitted_time);
    let mut changed = card(&id, started());
    changed.content.as_mut().unwrap().description = "inny opis".into();
    assert_eq!(
        police.submit_blue_card_a(changed).await.unwrap_err().code(),
        Code::AlreadyExists
    );

    let mut team = s.blue_card("zi-lazy").await;
    let pulled = pull(&mut team, "", 0).await;
    assert_eq!(pulled.cards.len(), 1, "one card, not two");
    assert_eq!(pulled.cards[0].card.as_ref().unwrap().card_id, id);
    // § 7 ust. 2: the initiator keeps reading its copy.
    let copy = police
        .get_blue_card(pb::GetBlueCardRequest {
            card_id: id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .card
        .unwrap();
    assert_eq!(copy.content, c.content);
}

#[tokio::test]
async fn only_initiating_services_submit() {
    let s = server().await;
    for org in [
        "mgops-lazy",
        "gkrpa-lazy",
        "kp-lazy",
        "sp-torun",
        "szpital-torun",
        "zw-warszawa",
    ] {
        let mut c = s.blue_card(org).await;
        submit(&mut c, card(&new_id(), started())).await;
    }
    for org in ["zi-lazy", "suw-katowice", "lacznik-admin"] {
        let mut c = s.blue_card(org).await;
        let e = c
            .submit_blue_card_a(card(&new_id(), started()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{org}");
    }
}

#[tokio::test]
async fn every_bad_field_is_reported_and_card_b_never_goes_to_a_suspected_person() {
    let s = server().await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut bad = card("x", t(NOW) + SignedDuration::from_hours(5));
    {
        let c = bad.content.as_mut().unwrap();
        c.person_present = false;
        c.persons_suspected[0].relationship = String::new();
        c.violence_forms = vec![pb::ViolenceForm::Other as i32, 77];
        c.description = String::new();
        c.intervention_actions = String::new();
        c.card_b.as_mut().unwrap().recipient_first_name = "Tomasz".into();
        c.card_b.as_mut().unwrap().recipient_last_name = "przybysz".into();
        c.filled_by = None;
        c.gmina_teryt = "2416054".into();
    }
    let e = police.submit_blue_card_a(bad).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let mut fields = violated_fields(&e);
    fields.sort();
    let mut expected = vec![
        "card_id",
        "content.started_time",
        "content.absence_reason",
        "content.persons_suspected[0].relationship",
        "content.violence_forms[1]",
        "content.violence_other",
        "content.description",
        "content.intervention_actions",
        "content.card_b",
        "content.filled_by",
        "content.gmina_teryt",
    ];
    expected.sort();
    assert_eq!(fields, expected);
    let details = tonic_types::StatusExt::get_details_bad_request(&e).unwrap();
    let card_b = details
        .field_violations
        .iter()
        .find(|v| v.field == "content.card_b")
        .unwrap();
    assert!(
        card_b.description.contains("§ 6 ust. 4"),
        "{}",
        card_b.description
    );
    assert!(
        details
            .field_violations
            .iter()
            .all(|v| !v.description.contains("Przybysz")),
        "no value echoed"
    );
    assert!(!e.message().contains("Przybysz"));

    // § 6 ust. 3: for a child, not to the child itself.
    let mut child = card(&new_id(), started());
    {
        let c = child.content.as_mut().unwrap();
        c.persons_experiencing = vec![c.children[0].clone()];
        c.card_b.as_mut().unwrap().recipient_first_name = "Ola".into();
        c.card_b.as_mut().unwrap().recipient_last_name = "Przybysz".into();
    }
    let e = police.submit_blue_card_a(child.clone()).await.unwrap_err();
    assert_eq!(violated_fields(&e), vec!["content.card_b.recipient"]);
    child
        .content
        .as_mut()
        .unwrap()
        .card_b
        .as_mut()
        .unwrap()
        .recipient = pb::CardBRecipient::ReportingPerson as i32;
    child
        .content
        .as_mut()
        .unwrap()
        .card_b
        .as_mut()
        .unwrap()
        .recipient_first_name = "Halina".into();
    submit(&mut police, child).await;

    // § 2 ust. 4: without the person, with the reason.
    let mut absent = card(&new_id(), started());
    absent.content.as_mut().unwrap().person_present = false;
    absent.content.as_mut().unwrap().absence_reason = pb::AbsenceReason::ContactImpossible as i32;
    absent.content.as_mut().unwrap().card_b = Some(pb::BlueCardB::default());
    let c = submit(&mut police, absent).await;
    assert_eq!(
        c.content.unwrap().absence_reason,
        pb::AbsenceReason::ContactImpossible as i32
    );
}

#[tokio::test]
async fn a_repeat_card_joins_the_running_procedure_and_the_chair_is_told() {
    let s = server().await;
    let mut police = s.blue_card("kp-lazy").await;
    let first = submit(&mut police, card(&new_id(), started())).await;
    let mut team = s.blue_card("zi-lazy").await;
    let p1 = pull(&mut team, "", 0).await;
    let cursor = p1.next_cursor.clone();

    let mut commission = s.blue_card("gkrpa-lazy").await;
    let mut repeat = card(&new_id(), t(NOW) - SignedDuration::from_hours(1));
    repeat.procedure_id = first.procedure_id.clone();
    let second = submit(&mut commission, repeat).await;
    assert!(second.repeat);
    assert_eq!(second.procedure_id, first.procedure_id);
    let p2 = pull(&mut team, &cursor, 0).await;
    assert_eq!(p2.cards.len(), 1);
    let told = p2.cards[0].card.as_ref().unwrap();
    assert!(told.repeat);
    assert_eq!(told.procedure_id, first.procedure_id);

    let procedure = team
        .get_procedure(pb::GetProcedureRequest {
            procedure_id: first.procedure_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .procedure
        .unwrap();
    assert_eq!(procedure.cards.len(), 2);

    // A procedure of another team cannot be joined (and is not revealed).
    let mut torun = card(&new_id(), started());
    torun.procedure_id = first.procedure_id.clone();
    torun.content.as_mut().unwrap().gmina_teryt = "0463011".into();
    let e = police.submit_blue_card_a(torun).await.unwrap_err();
    assert_eq!(violated_fields(&e), vec!["procedure_id"]);
    let mut unknown = card(&new_id(), started());
    unknown.procedure_id = new_id();
    let e2 = police.submit_blue_card_a(unknown).await.unwrap_err();
    assert_eq!(e.message(), e2.message());
}

#[tokio::test]
async fn pull_skips_acknowledged_cards_and_a_long_poll_wakes_on_a_new_card() {
    let _timing = crate::support::serial::timing();
    let s = server().await;
    let mut team = s.blue_card("zi-lazy").await;
    let empty = pull(&mut team, "", 0).await;
    assert!(empty.cards.is_empty());
    assert_eq!(empty.next_cursor, "");

    // Nothing arrives: the long poll waits about as long as asked.
    let started_at = Instant::now();
    let waited = pull(&mut team, "", 1).await;
    assert!(waited.cards.is_empty());
    assert!(started_at.elapsed() >= Duration::from_millis(900));

    let mut long = s.blue_card("zi-lazy").await;
    let poll = tokio::spawn(async move { pull(&mut long, "", 20).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut police = s.blue_card("kp-lazy").await;
    let id = new_id();
    let sent = Instant::now();
    submit(&mut police, card(&id, started())).await;
    let got = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .unwrap()
        .unwrap();
    assert!(sent.elapsed() < Duration::from_secs(2));
    assert_eq!(got.cards[0].card.as_ref().unwrap().card_id, id);

    // Still available until acknowledged, also from the start.
    assert_eq!(pull(&mut team, "", 0).await.cards.len(), 1);
    let acked = ack(&mut team, &id).await.unwrap();
    assert_eq!(acked.state, pb::BlueCardState::Acknowledged as i32);
    assert!(pull(&mut team, "", 0).await.cards.is_empty());
    assert_eq!(
        ack(&mut team, &id).await.unwrap().acknowledged_time,
        acked.acknowledged_time,
        "retry"
    );

    let e = team
        .pull_blue_cards(pb::PullBlueCardsRequest {
            after_cursor: String::new(),
            max_cards: 1000,
            wait_seconds: 61,
        })
        .await
        .unwrap_err();
    let mut f = violated_fields(&e);
    f.sort();
    assert_eq!(f, vec!["max_cards", "wait_seconds"]);
    let e = police
        .pull_blue_cards(pb::PullBlueCardsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
}

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
    let card_view = police
        .get_blue_card(pb::GetBlueCardRequest {
            card_id: c.card_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .card
        .unwrap();
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

#[tokio::test]
async fn nobody_else_learns_anything_and_supervisors_see_breaches_only() {
    let s = server().await;
    let mut police = s.blue_card("kp-lazy").await;
    let c = submit(
        &mut police,
        card(&new_id(), t(NOW) - SignedDuration::from_hours(24 * 10)),
    )
    .await;
    for org in [
        "mopr-torun",
        "zi-torun",
        "mgops-lazy",
        "gkrpa-lazy",
        "suw-katowice",
        "lacznik-admin",
    ] {
        let mut other = s.blue_card(org).await;
        let e = other
            .get_blue_card(pb::GetBlueCardRequest {
                card_id: c.card_id.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let e = other
            .get_procedure(pb::GetProcedureRequest {
                procedure_id: c.procedure_id.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let e = ack(&mut other, &c.card_id).await.unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let listed = other
            .list_blue_cards(pb::ListBlueCardsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .cards;
        assert!(listed.iter().all(|x| x.card_id != c.card_id), "{org}");
    }
    // The card came 10 days after the procedure started: § 7 ust. 1 breach, visible to the
    // supervisor of Łazy, without any card content.
    let mut supervisor = s.breaches("suw-katowice").await;
    let b = supervisor
        .list_breaches(pb::ListBreachesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .breaches;
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].rule_id, "bluecard.to_chair");
    assert_eq!(b[0].legal_basis, "Rozp. RM 2011 § 7 ust. 1");
    assert_eq!(b[0].case_id, c.card_id);
    let mut other_supervisor = s.breaches("kpuw-bydgoszcz").await;
    assert!(
        other_supervisor
            .list_breaches(pb::ListBreachesRequest::default())
            .await
            .unwrap()
            .into_inner()
            .breaches
            .is_empty()
    );
}

#[tokio::test]
async fn list_shows_an_initiator_its_own_cards_and_a_team_its_inbox() {
    let s = server().await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut welfare = s.blue_card("mgops-lazy").await;
    let a = submit(&mut police, card(&new_id(), started())).await;
    let b = submit(&mut welfare, card(&new_id(), started())).await;
    let mine = police
        .list_blue_cards(pb::ListBlueCardsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .cards;
    assert_eq!(
        mine.iter().map(|c| c.card_id.clone()).collect::<Vec<_>>(),
        vec![a.card_id.clone()]
    );
    let mut team = s.blue_card("zi-lazy").await;
    ack(&mut team, &a.card_id).await.unwrap();
    let inbox = team
        .list_blue_cards(pb::ListBlueCardsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .cards;
    assert_eq!(inbox.len(), 2);
    let available = team
        .list_blue_cards(pb::ListBlueCardsRequest {
            state: pb::BlueCardState::Available as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .cards;
    assert_eq!(
        available
            .iter()
            .map(|c| c.card_id.clone())
            .collect::<Vec<_>>(),
        vec![b.card_id.clone()]
    );
    let by_procedure = team
        .list_blue_cards(pb::ListBlueCardsRequest {
            procedure_id: a.procedure_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .cards;
    assert_eq!(by_procedure.len(), 1);
}
