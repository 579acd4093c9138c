//! Submission: the card reaches the team of the gmina, a retry is idempotent, only the
//! initiating services submit, every bad field is reported (§ 2, § 6), and a § 9 repeat card
//! joins the running procedure.

use super::*;

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
    // The first answer's clocks came from its command, the retry's (which wrote nothing)
    // from the store: the same.
    assert_eq!(again.deadlines, c.deadlines);
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
    let copy = get_card(&mut police, &id).await.unwrap();
    assert_eq!(copy.content, c.content);
    assert_eq!(copy.deadlines, c.deadlines);
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
