//! Each role's main path in the browser: the police unit sees a request arrive live and
//! confirms it, the chair the same with a Blue Card, the welfare centre files a request
//! through the form (an error keeps what was typed), the supervisor sees a breach.

use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use rustls_pki_types::pem::PemObject;
use serde_json::json;

use super::{Browser, shot};
use crate::support::TestServer;
use crate::support::fixtures::*;
use crate::support::rpc::{get_request, submit_card, submit_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn police_sees_a_request_arrive_live_and_confirms_receipt() {
    let server = TestServer::start().await;
    let mut b = Browser::start(&server).await;
    assert_eq!(b.open("police", "kmp-torun", "/").await, 200);
    let who = b.text("police", "#organizacja").await;
    assert!(who.contains("Komenda Miejska Policji w Toruniu"), "{who}");
    // The page follows the live stream before the request exists.
    b.cmd(
        json!({"op": "wait", "ctx": "police", "selector": "#stan-polaczenia:has-text('Na żywo')"}),
    )
    .await;
    let id = new_id();
    let start = Timestamp::now() + SignedDuration::from_hours(24 * 8);
    let mut centre = server.assistance("mopr-torun").await;
    submit_request(&mut centre, normal(&id, start)).await;
    // Within 10 s, without a reload.
    b.cmd(json!({"op": "wait", "ctx": "police", "selector": format!("#w-{id}"), "timeout": 10000}))
        .await;
    let row = b.text("police", &format!("#w-{id}")).await;
    assert!(row.contains(&id[..8]) && row.contains("Toruń"), "{row}");
    b.assert_accessible("police", "the police list").await;
    b.cmd(json!({"op": "screenshot", "ctx": "police", "path": shot("policja.png")}))
        .await;

    b.cmd(json!({"op": "click", "ctx": "police", "selector": format!("#w-{id} a")}))
        .await;
    let page = b.text("police", "main").await;
    assert!(
        page.contains("ul. Szeroka") && page.contains("87-100"),
        "the case shows the address: {page}"
    );
    b.assert_accessible("police", "the case page").await;
    b.cmd(
        json!({"op": "click", "ctx": "police", "selector": "button:has-text('Potwierdź odbiór')"}),
    )
    .await;
    let after = b.text("police", "main").await;
    assert!(after.contains("Zapisano"), "{after}");
    let seen = get_request(&mut centre, &id).await.unwrap();
    assert_eq!(seen.state, pb::AssistanceRequestState::Received as i32);
    // A second duty officer of the same unit, with a certificate of their own.
    let staff = server.issue("kmp-torun");
    std::fs::write(server.certs.join("staff-2.pem"), &staff.cert_pem).unwrap();
    std::fs::write(server.certs.join("staff-2.key"), &staff.key_pem).unwrap();
    assert_eq!(
        b.open("officer2", "staff-2", &format!("/wnioski/{id}"))
            .await,
        200
    );
    let staff_der =
        rustls_pki_types::CertificateDer::from_pem_slice(staff.cert_pem.as_bytes()).unwrap();
    let staff_fingerprint = lacznik::identity::fingerprint(&staff_der);
    // Audited as its gRPC twin, with the channel and the certificate that acted.
    let data = server.config().data_dir.display().to_string();
    let (code, text) = crate::support::offline::lacznik(
        server.dir.path(),
        &["audit", "show", "--case", &id, "--data", &data],
    );
    assert_eq!(code, 0, "{text}");
    // The certificate that acted, by its SHA-256 fingerprint (first 16 hex digits shown).
    let pem = std::fs::read(server.certs.join("kmp-torun.pem")).unwrap();
    let der = rustls_pki_types::CertificateDer::from_pem_slice(&pem).unwrap();
    let fingerprint = lacznik::identity::fingerprint(&der);
    assert!(
        text.lines().any(|l| l.contains("kmp-torun")
            && l.contains("AcknowledgeAssistanceRequest")
            && l.contains("console")
            && l.contains(&fingerprint[..16])
            && l.ends_with("OK")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("SubmitAssistanceRequest") && l.contains("grpc")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.contains("GetAssistanceRequest")
            && l.contains("console")
            && l.contains(&staff_fingerprint[..16])),
        "the audit names the second officer's certificate: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chair_sees_a_blue_card_arrive_live_and_confirms_receipt() {
    let server = TestServer::start().await;
    let mut b = Browser::start(&server).await;
    assert_eq!(b.open("chair", "zi-lazy", "/karty").await, 200);
    b.cmd(
        json!({"op": "wait", "ctx": "chair", "selector": "#stan-polaczenia:has-text('Na żywo')"}),
    )
    .await;
    let id = new_id();
    let mut police = server.blue_card("kp-lazy").await;
    submit_card(
        &mut police,
        card(&id, Timestamp::now() - SignedDuration::from_hours(1)),
    )
    .await;
    b.cmd(json!({"op": "wait", "ctx": "chair", "selector": format!("#k-{id}"), "timeout": 10000}))
        .await;
    b.assert_accessible("chair", "the chair's list").await;
    b.cmd(json!({"op": "screenshot", "ctx": "chair", "path": shot("zespol.png")}))
        .await;
    b.cmd(json!({"op": "click", "ctx": "chair", "selector": format!("#k-{id} a")}))
        .await;
    let page = b.text("chair", "main").await;
    assert!(page.contains("mieszkanie przy ul. Polnej"), "{page}");
    b.assert_accessible("chair", "the card page").await;
    b.cmd(
        json!({"op": "click", "ctx": "chair", "selector": "button:has-text('Potwierdź odbiór')"}),
    )
    .await;
    let mut team = server.blue_card("zi-lazy").await;
    let card = team
        .get_blue_card(pb::GetBlueCardRequest {
            card_id: id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .card
        .unwrap();
    assert!(
        card.acknowledged_time.is_some(),
        "gRPC sees the acknowledgement"
    );
    // The forwarding form is offered next (§ 8 ust. 1).
    b.assert_accessible("chair", "the card page with the forwarding form")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_centre_files_a_request_through_the_form_and_an_error_keeps_the_input() {
    let server = TestServer::start().await;
    let mut b = Browser::start(&server).await;
    assert_eq!(b.open("centre", "mopr-torun", "/wnioski/nowy").await, 200);
    b.assert_accessible("centre", "the new request form").await;
    b.cmd(json!({"op": "screenshot", "ctx": "centre", "path": shot("osrodek.png")}))
        .await;
    let start = Timestamp::now() + SignedDuration::from_hours(24 * 10);
    let local = |t: Timestamp| {
        let z = t.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Warsaw").unwrap());
        z.strftime("%Y-%m-%dT%H:%M").to_string()
    };
    let mut fields = json!({
        "content.planned_start": local(start),
        "content.planned_end": local(start + SignedDuration::from_hours(2)),
        "content.address.street": "ul. Szeroka",
        "content.address.building_number": "12",
        "content.address.postal_code": "87100",
        "content.address.city": "Toruń",
        "content.client.first_name": "Anna",
        "content.client.last_name": "Wiśniewska",
        "content.expected_behaviour": "agresja słowna",
        "content.social_workers[0].first_name": "Ewa",
        "content.social_workers[0].last_name": "Nowak",
        "content.social_workers[0].id_card_number": "PS/1/2026",
        "content.signed_by.first_name": "Maria",
    });
    b.cmd(json!({"op": "fill", "ctx": "centre", "fields": fields}))
        .await;
    let r = b
        .cmd(json!({"op": "click", "ctx": "centre", "selector": "button[type=submit]"}))
        .await;
    assert_eq!(r["status"], 422, "refused with its errors");
    let summary = b.text("centre", "#bledy").await;
    assert!(
        summary.contains("Kod pocztowy") && summary.contains("Kierownik ośrodka: nazwisko"),
        "{summary}"
    );
    let kept = b
        .cmd(json!({"op": "value", "ctx": "centre", "name": "content.expected_behaviour"}))
        .await;
    assert_eq!(kept["value"], "agresja słowna", "what was typed is kept");
    let kept = b
        .cmd(json!({"op": "value", "ctx": "centre", "name": "content.address.postal_code"}))
        .await;
    assert_eq!(kept["value"], "87100");
    b.assert_accessible("centre", "the form with errors").await;
    b.cmd(json!({"op": "screenshot", "ctx": "centre", "path": shot("osrodek-bledy.png")}))
        .await;

    fields = json!({"content.address.postal_code": "87-100", "content.signed_by.last_name": "Kierownik"});
    b.cmd(json!({"op": "fill", "ctx": "centre", "fields": fields}))
        .await;
    let r = b
        .cmd(json!({"op": "click", "ctx": "centre", "selector": "button[type=submit]"}))
        .await;
    assert_eq!(r["status"], 200);
    let url = r["url"].as_str().unwrap().to_string();
    let id = url
        .split("/wnioski/")
        .nth(1)
        .and_then(|s| s.split('?').next())
        .expect("the request's page")
        .to_string();
    let page = b.text("centre", "main").await;
    assert!(
        page.contains("Wniosek złożony") && page.contains("Pobierz potwierdzenie"),
        "{page}"
    );
    let mut police = server.assistance("kmp-torun").await;
    let seen = get_request(&mut police, &id)
        .await
        .expect("gRPC sees the request");
    assert_eq!(seen.state, pb::AssistanceRequestState::Submitted as i32);
    assert_eq!(seen.centre_org_id, "mopr-torun");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_sees_a_breach_made_with_the_simulated_clock() {
    let now = t("2026-12-07T09:00:00+01:00");
    let server = TestServer::simulated(now).await;
    let id = new_id();
    let mut centre = server.assistance("mopr-torun").await;
    submit_request(
        &mut centre,
        normal(&id, now + SignedDuration::from_hours(24 * 7)),
    )
    .await;
    // Nobody confirms receipt: the 30-minute rule is breached.
    server.advance_clock(SignedDuration::from_hours(1)).await;
    let mut b = Browser::start(&server).await;
    assert_eq!(b.open("supervisor", "kpuw-bydgoszcz", "/").await, 200);
    b.cmd(json!({"op": "wait", "ctx": "supervisor", "selector": format!("a[href='/wnioski/{id}']"), "timeout": 10000}))
        .await;
    let page = b.text("supervisor", "main").await;
    assert!(
        page.contains("potwierdzenie odbioru wniosku przez Policję"),
        "{page}"
    );
    b.assert_accessible("supervisor", "the breaches page").await;
    b.cmd(json!({"op": "screenshot", "ctx": "supervisor", "path": shot("nadzor.png")}))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pkcs12_file_of_the_dev_pki_logs_a_browser_in() {
    let server = TestServer::start().await;
    let mut b = Browser::start(&server).await;
    let r = b
        .cmd(json!({"op": "open", "ctx": "p12", "org": "zi-torun", "path": "/", "p12": true}))
        .await;
    assert_eq!(r["status"], 200, "{r}");
    let who = b.text("p12", "#organizacja").await;
    assert!(who.contains("Zespół Interdyscyplinarny w Toruniu"), "{who}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_resumes_after_the_last_event_id_it_was_given() {
    let server = TestServer::start().await;
    let mut centre = server.assistance("mopr-torun").await;
    let start = Timestamp::now() + SignedDuration::from_hours(24 * 8);
    let (first, second) = (new_id(), new_id());
    submit_request(&mut centre, normal(&first, start)).await;
    submit_request(&mut centre, normal(&second, start)).await;
    let mut b = Browser::start(&server).await;
    assert_eq!(b.open("police", "kmp-torun", "/wnioski").await, 200);
    // From the start of the feed: the first request, with its cursor as the event id.
    let from_start = b
        .cmd(json!({"op": "sse", "ctx": "police", "path": "/zdarzenia?od="}))
        .await;
    let text = from_start["text"].as_str().unwrap();
    assert!(text.contains(&first), "{text}");
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .expect("an event id")
        .to_string();
    // A browser reconnecting with Last-Event-ID gets what followed it, not that again.
    let resumed = b
        .cmd(json!({"op": "sse", "ctx": "police", "path": "/zdarzenia?od=", "lastEventId": id}))
        .await;
    let text = resumed["text"].as_str().unwrap();
    assert!(text.contains(&second) && !text.contains(&first), "{text}");
    // A cursor of another store is refused, not silently replayed from the start.
    let bad = b
        .try_cmd(json!({"op": "sse", "ctx": "police", "path": "/zdarzenia?od=", "lastEventId": "0123456789abcdef:1"}))
        .await;
    let text = bad.expect("the refusal is an answer, not a broken stream")["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.contains("HTTP: 409") && !text.contains("event: row"),
        "a cursor of another store is FAILED_PRECONDITION: {text}"
    );
}
