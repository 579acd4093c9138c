//! Every other action of the console, end to end in the browser against gRPC: the police
//! unit accepts and files the service note, the centre amends, confirms in writing,
//! withdraws and downloads the note and a receipt; a double-sent form makes one request; a
//! school files a Blue Card A; the chair forwards it, records a step and closes the
//! procedure; the supervisor downloads the CSV and the report. axe-core on every page.

use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use serde_json::json;

use super::Browser;
use crate::support::TestServer;
use crate::support::fixtures::*;
use crate::support::rpc::{get_request, submit_card, submit_request};

fn local(t: Timestamp) -> String {
    let z = t.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Warsaw").unwrap());
    z.strftime("%Y-%m-%dT%H:%M").to_string()
}

/// Clicks `selector` (a link or a button that navigates); the status of the new page.
async fn click(b: &mut Browser, ctx: &str, selector: &str) -> u64 {
    let r = b
        .cmd(json!({"op": "click", "ctx": ctx, "selector": selector}))
        .await;
    let status = r["status"].as_u64().unwrap_or(0);
    if status >= 400 {
        // What the page said, for the failure message of the assertion that follows.
        eprintln!("{selector} -> {status}: {}", b.text(ctx, "main").await);
    }
    status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_from_acceptance_to_service_note_and_the_centres_changes() {
    let now = t("2026-12-07T09:00:00+01:00");
    let server = TestServer::simulated(now).await;
    let start = now + SignedDuration::from_hours(24 * 7);
    let mut centre = server.assistance("mopr-torun").await;
    let id = new_id();
    submit_request(&mut centre, normal(&id, start)).await;
    let mut b = Browser::start(&server).await;

    // The centre changes the expected behaviour.
    assert_eq!(
        b.open("centre", "mopr-torun", &format!("/wnioski/{id}"))
            .await,
        200
    );
    b.assert_accessible("centre", "the centre's case page")
        .await;
    assert_eq!(
        click(&mut b, "centre", "a:has-text('Zmień wniosek')").await,
        200
    );
    b.assert_accessible("centre", "the amendment form").await;
    // Nothing changed: refused with the form kept.
    assert_eq!(click(&mut b, "centre", "button[type=submit]").await, 422);
    let summary = b.text("centre", "#bledy").await;
    assert!(
        summary.contains("Zmień co najmniej jedną część"),
        "{summary}"
    );
    b.cmd(json!({"op": "fill", "ctx": "centre", "fields": {"content.expected_behaviour": "spokojne"}}))
        .await;
    assert_eq!(click(&mut b, "centre", "button[type=submit]").await, 200);
    let seen = get_request(&mut centre, &id).await.unwrap();
    assert_eq!(seen.content.unwrap().expected_behaviour, "spokojne");
    assert_eq!(seen.version, 2);

    // Accepting before receipt is confirmed is refused, in Polish, with the rule.
    let accept = format!("/wnioski/{id}/przyjecie");
    assert_eq!(b.open("police", "kmp-torun", &accept).await, 200);
    assert_eq!(click(&mut b, "police", "button[type=submit]").await, 409);
    let refused = b.text("police", "main").await;
    assert!(
        refused.contains("Sprawa jest teraz w stanie") && refused.contains("RECEIVED"),
        "{refused}"
    );
    b.assert_accessible("police", "a refusal page").await;
    // The police unit confirms receipt, then accepts with an officer.
    assert_eq!(
        b.open("police", "kmp-torun", &format!("/wnioski/{id}"))
            .await,
        200
    );
    assert_eq!(
        click(&mut b, "police", "button:has-text('Potwierdź odbiór')").await,
        200
    );
    assert_eq!(click(&mut b, "police", "a:has-text('Przyjmij')").await, 200);
    b.assert_accessible("police", "the acceptance form").await;
    let officer = json!({"officers[0].first_name": "Jan", "officers[0].last_name": "Kowalski", "officers[0].badge_number": "12345"});
    b.cmd(json!({"op": "fill", "ctx": "police", "fields": officer}))
        .await;
    assert_eq!(click(&mut b, "police", "button[type=submit]").await, 200);
    assert_eq!(
        get_request(&mut centre, &id).await.unwrap().state,
        pb::AssistanceRequestState::Accepted as i32
    );

    // After the visit, the service note; a note without its course is refused first.
    server
        .set_clock(start + SignedDuration::from_hours(3))
        .await;
    assert_eq!(
        b.open("police", "kmp-torun", &format!("/wnioski/{id}/notatka"))
            .await,
        200
    );
    b.assert_accessible("police", "the service note form").await;
    let note = json!({"note.officers[0].first_name": "Jan", "note.officers[0].last_name": "Kowalski", "note.officers[0].badge_number": "12345", "note.stayed_until_finished": "tak"});
    b.cmd(json!({"op": "fill", "ctx": "police", "fields": note}))
        .await;
    assert_eq!(click(&mut b, "police", "button[type=submit]").await, 422);
    let kept = b
        .cmd(json!({"op": "value", "ctx": "police", "name": "note.officers[0].badge_number"}))
        .await;
    assert_eq!(kept["value"], "12345");
    b.assert_accessible("police", "the note form with errors")
        .await;
    b.cmd(json!({"op": "fill", "ctx": "police", "fields": {"note.course": "Wywiad przebiegł spokojnie."}}))
        .await;
    assert_eq!(click(&mut b, "police", "button[type=submit]").await, 200);
    let seen = get_request(&mut centre, &id).await.unwrap();
    assert_eq!(seen.state, pb::AssistanceRequestState::Completed as i32);

    // The centre reads and downloads the note, and a signed receipt.
    assert_eq!(
        b.open("centre", "mopr-torun", &format!("/wnioski/{id}"))
            .await,
        200
    );
    let page = b.text("centre", "main").await;
    assert!(page.contains("Wywiad przebiegł spokojnie."), "{page}");
    let note = b
        .cmd(json!({"op": "get", "ctx": "centre", "path": format!("/wnioski/{id}/notatka.txt")}))
        .await;
    assert_eq!(note["status"], 200);
    assert!(note["body"].as_str().unwrap().contains("NOTATKA SŁUŻBOWA"));
    let html = b.cmd(json!({"op": "html", "ctx": "centre"})).await;
    let html = html["html"].as_str().unwrap();
    let href = html
        .split("href=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .find(|h| h.starts_with("/potwierdzenia/"))
        .expect("a receipt to download")
        .to_string();
    let receipt = b
        .cmd(json!({"op": "get", "ctx": "centre", "path": href}))
        .await;
    assert_eq!(receipt["status"], 200, "{receipt}");
    assert_eq!(receipt["headers"]["content-type"], "application/jose");
    let jws = receipt["body"].as_str().unwrap();
    let verified =
        lacznik::receipt::verify::verify(jws, server.ca_pem().as_bytes()).expect("a valid receipt");
    assert_eq!(verified.payload.case_id, id);

    // An urgent oral request: the written confirmation, then a second one withdrawn.
    let urgent_id = new_id();
    let later = start + SignedDuration::from_hours(3);
    let soon = later + SignedDuration::from_hours(5);
    submit_request(
        &mut centre,
        urgent(&urgent_id, soon, later - SignedDuration::from_mins(10)),
    )
    .await;
    assert_eq!(
        b.open(
            "centre",
            "mopr-torun",
            &format!("/wnioski/{urgent_id}/potwierdzenie")
        )
        .await,
        200
    );
    b.assert_accessible("centre", "the written confirmation form")
        .await;
    b.cmd(json!({"op": "fill", "ctx": "centre", "fields": {"signed_by.first_name": "Maria", "signed_by.last_name": "Kierownik"}}))
        .await;
    assert_eq!(click(&mut b, "centre", "button[type=submit]").await, 200);
    assert!(
        get_request(&mut centre, &urgent_id)
            .await
            .unwrap()
            .written_confirmation
            .is_some()
    );
    assert_eq!(
        b.open(
            "centre",
            "mopr-torun",
            &format!("/wnioski/{urgent_id}/wycofanie")
        )
        .await,
        200
    );
    b.cmd(json!({"op": "fill", "ctx": "centre", "fields": {"reason": "klient wyjechał"}}))
        .await;
    assert_eq!(click(&mut b, "centre", "button[type=submit]").await, 200);
    assert_eq!(
        get_request(&mut centre, &urgent_id).await.unwrap().state,
        pb::AssistanceRequestState::Cancelled as i32
    );
    assert_eq!(
        b.open("centre", "mopr-torun", "/wnioski?od=2026-12-01")
            .await,
        200
    );
    b.assert_accessible("centre", "the centre's list").await;
    let list = b.text("centre", "#na-zywo").await;
    assert!(
        list.contains(&id[..8]) && list.contains(&urgent_id[..8]),
        "{list}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_sent_twice_makes_one_request() {
    let server = TestServer::start().await;
    let mut b = Browser::start(&server).await;
    assert_eq!(b.open("centre", "mopr-torun", "/wnioski/nowy").await, 200);
    let form_id = b
        .cmd(json!({"op": "value", "ctx": "centre", "name": "form_id"}))
        .await["value"]
        .clone();
    let token = b
        .cmd(json!({"op": "value", "ctx": "centre", "name": "token"}))
        .await["value"]
        .clone();
    let start = Timestamp::now() + SignedDuration::from_hours(24 * 10);
    let form = json!({
        "form_id": form_id, "token": token, "urgency": "normal",
        "content.planned_start": local(start),
        "content.planned_end": local(start + SignedDuration::from_hours(1)),
        "content.address.street": "ul. Szeroka", "content.address.building_number": "1",
        "content.address.postal_code": "87-100", "content.address.city": "Toruń",
        "content.address.gmina_teryt": "0463011",
        "content.client.first_name": "Anna", "content.client.last_name": "Nowak",
        "content.expected_behaviour": "spokojne", "content.activity": "social_work",
        "content.social_workers[0].first_name": "Ewa", "content.social_workers[0].last_name": "Nowak",
        "content.social_workers[0].id_card_number": "PS/1",
        "content.signed_by.first_name": "Maria", "content.signed_by.last_name": "Kierownik",
    });
    let origin = format!("https://127.0.0.1:{}", server.console_addr.port());
    let mut locations = Vec::new();
    for _ in 0..2 {
        let r = b
            .cmd(json!({"op": "post", "ctx": "centre", "path": "/wnioski/nowy", "headers": {"Origin": origin}, "form": form}))
            .await;
        assert_eq!(r["status"], 303, "{r}");
        locations.push(form_id.as_str().unwrap().to_string());
    }
    let mut police = server.assistance("kmp-torun").await;
    let list = police
        .list_assistance_requests(pb::ListAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.requests.len(), 1, "one request for a form sent twice");
    assert_eq!(list.requests[0].request_id, locations[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_files_a_blue_card_and_the_chair_forwards_steps_and_closes() {
    let server = TestServer::start().await;
    let mut b = Browser::start(&server).await;
    assert_eq!(b.open("school", "sp-torun", "/karty/nowa").await, 200);
    b.assert_accessible("school", "the Blue Card A form").await;
    b.cmd(json!({"op": "screenshot", "ctx": "school", "path": super::shot("inicjator.png")}))
        .await;
    let started = Timestamp::now() - SignedDuration::from_hours(2);
    let fields = json!({
        "content.started_time": local(started),
        "content.place": "szkoła",
        "content.persons_experiencing[0].first_name": "Ola",
        "content.persons_experiencing[0].last_name": "Przybysz",
        "content.persons_experiencing[0].birth_year": "2015",
        "content.persons_experiencing[0].minor": "tak",
        "content.persons_suspected[0].first_name": "Tomasz",
        "content.persons_suspected[0].last_name": "Przybysz",
        "content.persons_suspected[0].relationship": "ojciec",
        "content.violence_forms": "psychological",
        "content.description": "Uczennica opowiedziała o sytuacji w domu.",
        "content.intervention_actions": "Rozmowa z pedagogiem.",
        "content.filled_by.first_name": "Irena",
    });
    b.cmd(json!({"op": "fill", "ctx": "school", "fields": fields}))
        .await;
    assert_eq!(click(&mut b, "school", "button[type=submit]").await, 422);
    let summary = b.text("school", "#bledy").await;
    assert!(summary.contains("Wypełniający: nazwisko"), "{summary}");
    b.assert_accessible("school", "the card form with errors")
        .await;
    b.cmd(json!({"op": "fill", "ctx": "school", "fields": {"content.filled_by.last_name": "Pedagog"}}))
        .await;
    let r = b
        .cmd(json!({"op": "click", "ctx": "school", "selector": "button[type=submit]"}))
        .await;
    assert_eq!(r["status"], 200);
    let url = r["url"].as_str().unwrap();
    let card_id = url
        .split("/karty/")
        .nth(1)
        .and_then(|s| s.split('?').next())
        .unwrap()
        .to_string();
    let mut team = server.blue_card("zi-torun").await;
    let card = team
        .get_blue_card(pb::GetBlueCardRequest {
            card_id: card_id.clone(),
        })
        .await
        .expect("gRPC sees the card")
        .into_inner()
        .card
        .unwrap();
    assert_eq!(card.initiator_org_id, "sp-torun");
    assert_eq!(b.open("school", "sp-torun", "/karty").await, 200);
    b.assert_accessible("school", "the initiator's cards").await;

    // The chair: receipt, forwarding (§ 8 ust. 1), a step, the closure (§ 18).
    assert_eq!(
        b.open("chair", "zi-torun", &format!("/karty/{card_id}"))
            .await,
        200
    );
    assert_eq!(
        click(&mut b, "chair", "button:has-text('Potwierdź odbiór')").await,
        200
    );
    b.cmd(json!({"op": "fill", "ctx": "chair", "fields": {"forwarded_to": "team_members", "recipients": "członkowie ZI"}}))
        .await;
    assert_eq!(
        click(&mut b, "chair", "button:has-text('Zapisz przekazanie')").await,
        200
    );
    let card = team
        .get_blue_card(pb::GetBlueCardRequest {
            card_id: card_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .card
        .unwrap();
    assert!(card.forwarding.is_some(), "gRPC sees the forwarding");
    assert_eq!(click(&mut b, "chair", "a[href^='/procedury/']").await, 200);
    b.assert_accessible("chair", "the procedure page").await;
    b.cmd(json!({"op": "fill", "ctx": "chair", "fields": {"kind": "form_c"}}))
        .await;
    assert_eq!(
        click(&mut b, "chair", "button:has-text('Zapisz czynność')").await,
        200
    );
    let close = json!({
        "reason": "no_grounds",
        "protocol.persons": "Ola Przybysz",
        "protocol.start_time": local(started),
        "protocol.end_time": local(Timestamp::now() - SignedDuration::from_mins(5)),
        "protocol.actions": "Rozmowy, diagnoza.",
        "protocol.signed_by.first_name": "Piotr",
        "protocol.signed_by.last_name": "Przewodniczący",
    });
    b.cmd(json!({"op": "fill", "ctx": "chair", "fields": close}))
        .await;
    assert_eq!(
        click(&mut b, "chair", "button:has-text('Zakończ procedurę')").await,
        200
    );
    let page = b.text("chair", "main").await;
    assert!(
        page.contains("zakończona") && page.contains("formularz „Niebieska Karta – C”"),
        "{page}"
    );
    let procedure = team
        .get_procedure(pb::GetProcedureRequest {
            procedure_id: card.procedure_id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .procedure
        .unwrap();
    assert!(procedure.closure.is_some(), "gRPC sees the closure");
    assert_eq!(procedure.steps.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_downloads_the_csv_and_the_report() {
    let now = t("2026-12-07T09:00:00+01:00");
    let server = TestServer::simulated(now).await;
    let id = new_id();
    let mut centre = server.assistance("mopr-torun").await;
    submit_request(
        &mut centre,
        normal(&id, now + SignedDuration::from_hours(24 * 7)),
    )
    .await;
    let mut lazy = server.blue_card("kp-lazy").await;
    submit_card(
        &mut lazy,
        card(&new_id(), now - SignedDuration::from_hours(1)),
    )
    .await;
    server
        .advance_clock(SignedDuration::from_hours(24 * 3))
        .await;
    let mut b = Browser::start(&server).await;
    // Filters: by rule; another area's breaches are not the supervisor's.
    let path = "/naruszenia?rule=assistance.receipt&od=2026-12-01&do_=2026-12-31&stan=otwarte";
    assert_eq!(b.open("supervisor", "kpuw-bydgoszcz", path).await, 200);
    let page = b.text("supervisor", "main").await;
    assert!(page.contains(&id[..8]), "{page}");
    b.assert_accessible("supervisor", "the filtered breaches")
        .await;
    let csv = b.cmd(json!({"op": "get", "ctx": "supervisor", "path": "/naruszenia.csv?rule=assistance.receipt"})).await;
    assert_eq!(csv["status"], 200);
    let body = csv["body"].as_str().unwrap();
    assert!(body.starts_with("breach_id,rule_id"), "{body}");
    assert!(body.contains(&id) && !body.contains("bluecard."), "{body}");
    let report = b.cmd(json!({"op": "get", "ctx": "supervisor", "path": "/naruszenia/raport.html?od=2026-12-01&do_=2026-12-31"})).await;
    assert_eq!(report["status"], 200);
    assert!(
        report["headers"]["content-disposition"]
            .as_str()
            .unwrap()
            .contains("attachment")
    );
    assert!(
        report["body"].as_str().unwrap().contains("<svg"),
        "the weekly chart"
    );
    // The organisation filter keeps only its cases.
    assert_eq!(
        b.open(
            "supervisor",
            "kpuw-bydgoszcz",
            "/naruszenia?org=kmp-lazy-none"
        )
        .await,
        200
    );
    let none = b.text("supervisor", "tbody").await;
    assert!(none.contains("Brak naruszeń"), "{none}");
}
