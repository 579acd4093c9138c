//! Every event of the Blue Card procedure returns a receipt that verifies against the CA,
//! names the right parties, version and content hash (recomputed from what was sent or
//! returned), carries no personal data, comes back unchanged for a retry, travels with the
//! card in the team's pull, and lists for the case's parties only.

use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use lacznik::receipt::Payload;
use prost::Message;
use sha2::Digest;

use crate::support::TestServer;
use crate::support::fixtures::*;

fn sha(m: &impl Message) -> String {
    hex::encode(sha2::Sha256::digest(m.encode_to_vec()))
}

fn verified(jws: &str, ca: &str) -> Payload {
    lacznik::receipt::verify(jws, ca.as_bytes())
        .unwrap_or_else(|e| panic!("the receipt verifies: {e}"))
        .payload
}

async fn listed(s: &TestServer, org: &str, case: &str) -> Result<Vec<String>, tonic::Status> {
    pb::receipt_service_client::ReceiptServiceClient::new(s.channel(org).await)
        .list_receipts(pb::ListReceiptsRequest {
            case_id: case.into(),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner().receipts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_blue_card_event_returns_a_receipt_that_verifies_and_lists() {
    let now: Timestamp = super::a_wednesday_ahead();
    let s = TestServer::simulated(now).await;
    let ca = s.ca_pem();
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;
    let req = card(&new_id(), now - SignedDuration::from_hours(2));
    let resp = police
        .submit_blue_card_a(req.clone())
        .await
        .unwrap()
        .into_inner();
    let c = resp.card.unwrap();
    let submitted = verified(&resp.receipt, &ca);
    assert_eq!(submitted.event_kind, "blue_card.submitted");
    assert_eq!(
        (submitted.case_kind.as_str(), submitted.case_id.as_str()),
        ("blue_card", c.card_id.as_str())
    );
    assert_eq!(submitted.actor, "kp-lazy");
    assert_eq!(submitted.counterparty.as_deref(), Some("zi-lazy"));
    assert_eq!(submitted.record_version, 1);
    assert_eq!(submitted.event_time, now.to_string());
    assert!(
        submitted.simulated_clock,
        "a training server's receipts say so"
    );
    assert_eq!(
        submitted.content_sha256,
        sha(req.content.as_ref().unwrap()),
        "the hash of the form the police sent"
    );
    let text = super::payload_text(&resp.receipt);
    for secret in [
        "Zawadzka",
        "Przybysz",
        "Polnej",
        "zasinienie",
        "Dzielnicowy",
    ] {
        assert!(!text.contains(secret), "{secret} in the receipt: {text}");
    }
    let again = police
        .submit_blue_card_a(req.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        super::payload_text(&again.receipt),
        super::payload_text(&resp.receipt),
        "a retry gets the first receipt"
    );

    let pulled = team
        .pull_blue_cards(pb::PullBlueCardsRequest {
            after_cursor: String::new(),
            max_cards: 10,
            wait_seconds: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(pulled.cards.len(), 1);
    // The same receipt (payload); ES256 signs it afresh each time it is read.
    assert_eq!(
        super::payload_text(&pulled.cards[0].receipt),
        super::payload_text(&resp.receipt),
        "the pull carries it"
    );

    let acked = team
        .acknowledge_blue_card(pb::AcknowledgeBlueCardRequest {
            card_id: c.card_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let a = verified(&acked.receipt, &ca);
    assert_eq!(a.event_kind, "blue_card.acknowledged");
    assert_eq!(
        (a.actor.as_str(), a.counterparty.as_deref()),
        ("zi-lazy", Some("kp-lazy"))
    );
    assert_eq!(a.record_version, 2);
    assert_eq!(a.content_sha256, submitted.content_sha256, "the same form");
    assert!(a.audit_seq > submitted.audit_seq);

    let forwarded = team
        .record_forwarding(pb::RecordForwardingRequest {
            card_id: c.card_id.clone(),
            forwarded_to: pb::ForwardedTo::WorkingGroup as i32,
            recipients: "grupa robocza nr 3/2026".into(),
            forwarded_time: Some(pbts(now)),
        })
        .await
        .unwrap()
        .into_inner();
    let f = verified(&forwarded.receipt, &ca);
    assert_eq!(f.event_kind, "blue_card.forwarded");
    assert_eq!(f.record_version, 3);
    let forwarding = forwarded.card.unwrap().forwarding.unwrap();
    assert_eq!(
        f.content_sha256,
        sha(&forwarding),
        "the hash of the forwarding"
    );

    let stepped = team
        .record_procedure_step(pb::RecordProcedureStepRequest {
            procedure_id: c.procedure_id.clone(),
            kind: pb::ProcedureStepKind::FormC as i32,
            step_time: Some(pbts(now)),
        })
        .await
        .unwrap()
        .into_inner();
    let st = verified(&stepped.receipt, &ca);
    assert_eq!(st.event_kind, "procedure.step");
    assert_eq!(
        (st.case_kind.as_str(), st.case_id.as_str()),
        ("procedure", c.procedure_id.as_str())
    );
    assert_eq!(
        (st.actor.as_str(), st.counterparty.as_deref()),
        ("zi-lazy", None)
    );
    assert_eq!(st.record_version, 2, "one card and one step");
    let step = stepped.procedure.unwrap().steps.pop().unwrap();
    assert_eq!(st.content_sha256, sha(&step));

    let closed = team
        .close_procedure(pb::CloseProcedureRequest {
            procedure_id: c.procedure_id.clone(),
            reason: pb::ClosureReason::NoGrounds as i32,
            protocol: Some(protocol(now - SignedDuration::from_hours(2), now)),
        })
        .await
        .unwrap()
        .into_inner();
    let cl = verified(&closed.receipt, &ca);
    assert_eq!(cl.event_kind, "procedure.closed");
    assert_eq!(cl.record_version, 3);
    let closure = closed.procedure.unwrap().closure.unwrap();
    assert_eq!(
        cl.content_sha256,
        sha(&closure),
        "the closure with its protocol"
    );
    assert!(!super::payload_text(&closed.receipt).contains("Zawadzka"));

    // The parties list each case's receipts; a stranger is told the case does not exist.
    let card_receipts = vec![resp.receipt.clone(), acked.receipt, forwarded.receipt];
    for org in ["kp-lazy", "zi-lazy"] {
        assert_eq!(
            super::payloads(&listed(&s, org, &c.card_id).await.unwrap()),
            super::payloads(&card_receipts),
            "{org}"
        );
    }
    assert_eq!(
        super::payloads(&listed(&s, "zi-lazy", &c.procedure_id).await.unwrap()),
        super::payloads(&[stepped.receipt, closed.receipt])
    );
    for case in [&c.card_id, &c.procedure_id] {
        let refused = listed(&s, "mopr-torun", case).await.unwrap_err();
        assert_eq!(refused.code(), tonic::Code::NotFound, "{refused:?}");
    }
}
