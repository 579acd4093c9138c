//! The recipients' state in a real scrape, through a real police stream and a real Blue
//! Card pull on a simulated clock (exact ages, no sleeps): listening, seconds since last
//! seen, undelivered and unacknowledged items with the oldest's age; the last client
//! certificate each organisation presented; ids and counts only.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use jiff::SignedDuration;
use lacznik::api::pb;

use super::{free_addr, scrape_text, value};
use crate::support::fixtures::*;
use crate::support::rpc::submit_request;
use crate::support::{Options, TestServer};

/// The six recipient gauges of `org` (kind `kind`) in one scrape.
#[derive(Debug, PartialEq)]
struct Row {
    listening: f64,
    last_seen: f64,
    undelivered: f64,
    undelivered_oldest: f64,
    unacknowledged: f64,
    unacknowledged_oldest: f64,
}

async fn row(addr: SocketAddr, org: &str, kind: &str) -> Row {
    let text = scrape_text(addr).await;
    let get = |name: &str| {
        let series = format!("lacznik_recipient_{name}{{recipient=\"{org}\",kind=\"{kind}\"}}");
        value(&text, &series).unwrap_or_else(|| panic!("{series} missing in\n{text}"))
    };
    Row {
        listening: get("listening"),
        last_seen: get("last_seen_seconds"),
        undelivered: get("undelivered"),
        undelivered_oldest: get("undelivered_oldest_seconds"),
        unacknowledged: get("unacknowledged"),
        unacknowledged_oldest: get("unacknowledged_oldest_seconds"),
    }
}

/// Scrapes until `check` holds (the server notes a delivery just after sending): 5 s at
/// most.
async fn until(addr: SocketAddr, org: &str, kind: &str, check: impl Fn(&Row) -> bool) -> Row {
    let began = Instant::now();
    loop {
        let r = row(addr, org, kind).await;
        if check(&r) {
            return r;
        }
        if began.elapsed() > Duration::from_secs(5) {
            let text = scrape_text(addr).await;
            panic!(
                "{org}: {r:?}; police streams {:?}",
                value(&text, "lacznik_police_streams")
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn r(listening: f64, last_seen: f64, undelivered: (f64, f64), unack: (f64, f64)) -> Row {
    Row {
        listening,
        last_seen,
        undelivered: undelivered.0,
        undelivered_oldest: undelivered.1,
        unacknowledged: unack.0,
        unacknowledged_oldest: unack.1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_police_unit_and_a_team_as_the_on_call_person_sees_them() {
    // The metrics port installs the process-wide Prometheus recorder: a process of its own.
    if !crate::support::alone::own_process(
        module_path!(),
        "a_police_unit_and_a_team_as_the_on_call_person_sees_them",
    ) {
        return;
    }
    let metrics = free_addr();
    let s = TestServer::start_with(Options {
        simulated_clock: Some(t("2026-12-01T08:00:00Z")),
        tweak: Some(Box::new(move |c| {
            c.metrics.enabled = true;
            c.metrics.listen = metrics;
        })),
        ..Options::default()
    })
    .await;
    let police_kind = "assistance_request";
    let mut centre = s.assistance("mopr-torun").await;
    let r1 = submit_request(&mut centre, normal(&new_id(), t("2027-01-11T09:00:00Z"))).await;
    s.advance_clock(SignedDuration::from_mins(10)).await;
    let r2 = submit_request(&mut centre, normal(&new_id(), t("2027-01-12T09:00:00Z"))).await;
    s.advance_clock(SignedDuration::from_mins(10)).await;

    // Nobody listened since the start 20 minutes ago: both requests wait, undelivered.
    assert_eq!(
        row(metrics, "kmp-torun", police_kind).await,
        r(0.0, 1200.0, (2.0, 1200.0), (2.0, 1200.0))
    );
    assert_eq!(
        row(metrics, "kp-lazy", police_kind).await,
        r(0.0, 1200.0, (0.0, 0.0), (0.0, 0.0))
    );

    // The unit's stream delivers both: listening, nothing undelivered, both unreceived.
    let mut police = s.assistance("kmp-torun").await;
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    stream.message().await.unwrap().unwrap();
    let now = until(metrics, "kmp-torun", police_kind, |r| r.undelivered == 0.0).await;
    assert_eq!(now, r(1.0, 0.0, (0.0, 0.0), (2.0, 1200.0)));
    // RECEIVED takes the first out; the oldest waiting is now the second (10 minutes).
    crate::support::rpc::acknowledge_request(
        &mut police,
        &r1.request_id,
        pb::AssistanceRequestState::Received,
    )
    .await
    .unwrap();
    assert_eq!(
        row(metrics, "kmp-torun", police_kind).await,
        r(1.0, 0.0, (0.0, 0.0), (1.0, 600.0))
    );

    // The stream closes; 16 minutes later a third request arrives, 5 minutes after that
    // it is still undelivered (the second was delivered, not received).
    drop(stream);
    until(metrics, "kmp-torun", police_kind, |r| r.listening == 0.0).await;
    s.advance_clock(SignedDuration::from_mins(16)).await;
    let r3 = submit_request(&mut centre, normal(&new_id(), t("2027-01-13T09:00:00Z"))).await;
    s.advance_clock(SignedDuration::from_mins(5)).await;
    assert_eq!(
        row(metrics, "kmp-torun", police_kind).await,
        r(0.0, 1260.0, (1.0, 300.0), (2.0, 1860.0))
    );
    // Resuming from the first event's cursor delivers the rest (the second again, then
    // the third): nothing undelivered.
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
            after_cursor: first.cursor.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let ids = [
        stream.message().await.unwrap().unwrap(),
        stream.message().await.unwrap().unwrap(),
    ]
    .map(|e| e.request.unwrap().request_id);
    assert_eq!(ids, [r2.request_id.clone(), r3.request_id.clone()]);
    until(metrics, "kmp-torun", police_kind, |r| r.undelivered == 0.0).await;
    drop(stream);

    // A card for Łazy waits for the team zi-lazy until its chair's system pulls it.
    s.blue_card("kp-lazy")
        .await
        .submit_blue_card_a(card(&new_id(), t("2026-12-01T07:00:00Z")))
        .await
        .unwrap();
    s.advance_clock(SignedDuration::from_mins(3)).await;
    let before = row(metrics, "zi-lazy", "blue_card").await;
    assert_eq!(
        (
            before.listening,
            before.undelivered,
            before.undelivered_oldest
        ),
        (0.0, 1.0, 180.0)
    );
    let pulled = s
        .blue_card("zi-lazy")
        .await
        .pull_blue_cards(pb::PullBlueCardsRequest {
            after_cursor: String::new(),
            max_cards: 10,
            wait_seconds: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(pulled.cards.len(), 1);
    assert_eq!(
        row(metrics, "zi-lazy", "blue_card").await,
        r(1.0, 0.0, (0.0, 0.0), (1.0, 180.0))
    );

    // Certificates of the organisations that connected, by org id; ids only anywhere.
    let text = scrape_text(metrics).await;
    for org in ["kmp-torun", "mopr-torun", "zi-lazy"] {
        let series = format!("lacznik_client_cert_expiry_timestamp_seconds{{org=\"{org}\"}}");
        assert!(value(&text, &series).unwrap() > 1.7e9, "{series}");
    }
    assert!(!text.contains("org=\"kpp-zawiercie\""), "never connected");
    for personal in ["Wiśniewska", "Szeroka", "Zawadzka", "Nowak", "Toruń"] {
        assert!(!text.contains(personal), "{personal} in the scrape");
    }
    s.stop().await;
}
