//! The Prometheus endpoint, scraped over plain HTTP and parsed: request counters by RPC and
//! code, latency histograms, open deadlines by rule, pending items per recipient, connected
//! police streams, store size and flush latency.

use std::collections::HashMap;

use crate::support::fixtures::*;
use crate::support::{Options, TestServer};
use lacznik::api::pb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub(crate) async fn scrape(addr: std::net::SocketAddr) -> HashMap<String, f64> {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    tcp.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let body = text.split("\r\n\r\n").nth(1).unwrap();
    let mut out = HashMap::new();
    for line in body
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (name, value) = line.rsplit_once(' ').unwrap();
        out.insert(name.to_string(), value.parse::<f64>().unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_scraped_and_parsed() {
    // The Prometheus recorder is process-wide: this test counts exactly, so it runs in a
    // process of its own (and its 200 ms wait for the gauges is a timing assumption).
    let _timing = crate::support::serial::timing();
    if !crate::support::alone::own_process(module_path!(), "metrics_are_scraped_and_parsed") {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let s = TestServer::start_with(Options {
        simulated_clock: Some(t("2026-12-01T08:00:00Z")),
        tweak: Some(Box::new(move |c| {
            c.metrics.enabled = true;
            c.metrics.listen = port;
        })),
        ..Options::default()
    })
    .await;
    let mut centre = s.assistance("mopr-torun").await;
    let id = new_id();
    centre
        .submit_assistance_request(normal(&id, t("2027-01-11T09:00:00Z")))
        .await
        .unwrap();
    let e = centre
        .get_assistance_request(pb::GetAssistanceRequestRequest {
            request_id: new_id(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::NotFound);
    let mut police = s.assistance("kmp-torun").await;
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    stream.message().await.unwrap().unwrap();
    let mut cards = s.blue_card("kp-lazy").await;
    cards
        .submit_blue_card_a(card(&new_id(), t("2026-12-01T07:00:00Z")))
        .await
        .unwrap();

    let m = scrape(port).await;
    let get = |k: &str| {
        *m.get(k)
            .unwrap_or_else(|| panic!("{k} missing; have {:?}", m.keys().collect::<Vec<_>>()))
    };
    assert_eq!(
        get(r#"lacznik_rpc_requests_total{rpc="SubmitAssistanceRequest",code="Ok"}"#),
        1.0
    );
    assert_eq!(
        get(r#"lacznik_rpc_requests_total{rpc="GetAssistanceRequest",code="NotFound"}"#),
        1.0
    );
    assert_eq!(
        get(r#"lacznik_rpc_duration_seconds_count{rpc="SubmitAssistanceRequest"}"#),
        1.0
    );
    assert!(m.keys().any(|k| k.starts_with(
        r#"lacznik_rpc_duration_seconds_bucket{rpc="SubmitAssistanceRequest",le="0.02"}"#
    )));
    assert_eq!(
        get(r#"lacznik_open_deadlines{rule="assistance.receipt"}"#),
        1.0
    );
    assert_eq!(
        get(r#"lacznik_open_deadlines{rule="bluecard.receipt"}"#),
        1.0
    );
    assert_eq!(
        get(r#"lacznik_pending_items{recipient="kmp-torun",kind="assistance_request"}"#),
        1.0
    );
    assert_eq!(
        get(r#"lacznik_pending_items{recipient="kp-lazy",kind="assistance_request"}"#),
        0.0
    );
    assert_eq!(
        get(r#"lacznik_pending_items{recipient="zi-lazy",kind="blue_card"}"#),
        1.0
    );
    assert_eq!(get("lacznik_police_streams"), 1.0);
    assert!(get("lacznik_store_size_bytes") > 0.0);
    assert!(get("lacznik_flush_duration_seconds_count") >= 2.0);

    // Receipt takes the request out of the pending count.
    police
        .acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
            request_id: id,
            acknowledgement: pb::AssistanceRequestState::Received as i32,
            ..Default::default()
        })
        .await
        .unwrap();
    drop(stream);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let m = scrape(port).await;
    assert_eq!(
        m[r#"lacznik_pending_items{recipient="kmp-torun",kind="assistance_request"}"#],
        0.0
    );
    assert_eq!(
        m[r#"lacznik_open_deadlines{rule="assistance.receipt"}"#],
        0.0
    );
    assert_eq!(m["lacznik_police_streams"], 0.0);
}
