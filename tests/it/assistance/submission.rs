//! Submission: routing to the police unit of the gmina, idempotent retry, every bad field
//! at once, and who may submit for which area.

use super::*;

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
    // The answer's clocks come from the command that wrote them, not a read after it:
    // they are the stored ones.
    assert_eq!(seen.deadlines, r.deadlines);
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
    let lazy = normal_in_lazy(&id, t(VISIT));
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
