//! A breach is the server's own act: its recording and its resolution each get an audit
//! entry and a receipt (`actor` lacznik, `counterparty` the organisation that had to act,
//! content hash over the breach as delivered), carried by WatchBreaches and listed with the
//! breached case for its parties, in the order of the audit log.

use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use prost::Message;
use sha2::Digest;

use crate::support::TestServer;
use crate::support::fixtures::*;

async fn next(
    stream: &mut tonic::Streaming<pb::WatchBreachesResponse>,
) -> pb::WatchBreachesResponse {
    tokio::time::timeout(std::time::Duration::from_secs(10), stream.message())
        .await
        .expect("a breach event within 10 s")
        .expect("stream")
        .expect("an event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breach_and_its_resolution_carry_receipts_to_the_parties() {
    let now: Timestamp = super::a_wednesday_ahead();
    let s = TestServer::simulated(now).await;
    let ca = s.ca_pem();
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;
    let resp = police
        .submit_blue_card_a(card(&new_id(), now - SignedDuration::from_hours(2)))
        .await
        .unwrap()
        .into_inner();
    let c = resp.card.unwrap();
    let mut watch = s
        .breaches("zi-lazy")
        .await
        .watch_breaches(pb::WatchBreachesRequest {
            after_cursor: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    // The chair's acknowledgement (1 working day) is late a week later, holidays or not.
    s.advance_clock(SignedDuration::from_hours(24 * 7)).await;
    let recorded = next(&mut watch).await;
    assert_eq!(recorded.kind, pb::BreachEventKind::Recorded as i32);
    let breach = recorded.breach.clone().unwrap();
    assert_eq!(breach.rule_id, "bluecard.receipt");
    let r = lacznik::receipt::verify(&recorded.receipt, ca.as_bytes())
        .expect("the breach receipt verifies")
        .payload;
    assert_eq!(r.event_kind, "breach.recorded");
    assert_eq!(
        (r.case_kind.as_str(), r.case_id.as_str()),
        ("breach", breach.breach_id.as_str())
    );
    assert_eq!(
        (r.actor.as_str(), r.counterparty.as_deref()),
        ("lacznik", Some("zi-lazy"))
    );
    assert_eq!(r.record_version, 1);
    assert!(r.simulated_clock, "made on the test's simulated clock");
    assert_eq!(
        r.content_sha256,
        hex::encode(sha2::Sha256::digest(breach.encode_to_vec()))
    );
    assert!(r.audit_seq > 0);

    let acked = team
        .acknowledge_blue_card(pb::AcknowledgeBlueCardRequest {
            card_id: c.card_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let resolved = next(&mut watch).await;
    assert_eq!(resolved.kind, pb::BreachEventKind::Resolved as i32);
    let rr = lacznik::receipt::verify(&resolved.receipt, ca.as_bytes())
        .expect("verifies")
        .payload;
    assert_eq!(rr.event_kind, "breach.resolved");
    assert_eq!(rr.record_version, 2);
    assert_eq!(
        rr.content_sha256,
        hex::encode(sha2::Sha256::digest(
            resolved.breach.unwrap().encode_to_vec()
        ))
    );
    assert!(rr.audit_seq > r.audit_seq);

    // Listed with the card, in audit order: the breach resolved inside the late
    // acknowledgement's command, just before the acknowledgement's own entry.
    let mut receipts =
        pb::receipt_service_client::ReceiptServiceClient::new(s.channel("kp-lazy").await);
    let listed = receipts
        .list_receipts(pb::ListReceiptsRequest {
            case_id: c.card_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .receipts;
    assert_eq!(
        super::payloads(&listed),
        super::payloads(&[
            resp.receipt,
            recorded.receipt,
            resolved.receipt,
            acked.receipt
        ])
    );
}
