//! A perfect forgery of the audit log (one old entry changed and every later hash and the
//! head recomputed, so the chain verifies) is caught by a receipt a party holds, and by
//! the signed checkpoint; without them it would not be.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::{Finding, check};
use crate::audit::{self, AuditEntry, Record, Verdict};
use crate::pki::{DevCa, Validity};
use crate::receipt::{Event, Issuer, Signer, checkpoint, verify};
use crate::store::memory::MemoryEngine;
use crate::store::{Engine, Store, WriteBatch, codec, keys};

fn record(case: &str) -> Record {
    Record {
        at: jiff::Timestamp::now(),
        org: "mopr-torun".into(),
        rpc: "SubmitAssistanceRequest".into(),
        case_ids: vec![case.into()],
        outcome: "OK".into(),
        via: crate::audit::Via::server(),
    }
}

/// Rewrites entry `target` with another outcome and recomputes the chain after it.
fn forge(engine: &MemoryEngine, store: &Store, target: u64, entries: u64) {
    let mut prev = [0u8; 32];
    let mut batch = WriteBatch::default();
    for seq in 1..=entries {
        let key = keys::audit(seq);
        let mut e: AuditEntry = codec::decode(&key, &store.get(&key).unwrap().unwrap()).unwrap();
        if seq == target {
            e.outcome = "NOT_FOUND".into();
        }
        e.prev_hash = prev;
        let bytes = codec::encode(&key, &e).unwrap();
        prev = Sha256::digest(&bytes).into();
        batch.put(key, bytes);
    }
    // The head, as `audit::append` writes it.
    let head_key = keys::AUDIT_HEAD.to_vec();
    let head = crate::audit::Head {
        seq: entries,
        hash: prev,
    };
    batch.put(head_key.clone(), codec::encode(&head_key, &head).unwrap());
    engine.apply(batch).unwrap();
}

#[tokio::test]
async fn a_rewritten_log_contradicts_a_held_receipt_and_the_checkpoint() {
    let engine = Arc::new(MemoryEngine::default());
    let store = Store::start(engine.clone(), Arc::new(crate::crypto::KeyRing::generate())).unwrap();
    let ca = DevCa::generate("test CA").unwrap();
    let issued = ca.issue_receipts(Validity::days(30)).unwrap();
    let signer =
        Arc::new(Signer::from_pem(issued.cert_pem.as_bytes(), issued.key_pem.as_bytes()).unwrap());
    let issuer = Issuer::new(signer.clone());
    let mut held = Vec::new();
    for i in 0..4 {
        let issuer = issuer.clone();
        let case = format!("case-{i}");
        let signing = issuer.clone();
        let payload = store
            .execute(move |txn| {
                let pos = audit::append(txn, record(&case))?;
                let event = Event {
                    kind: "assistance_request.submitted",
                    case_kind: "assistance_request",
                    case_id: case.clone(),
                    record_version: 1,
                    actor: "mopr-torun".into(),
                    counterparty: Some("kmp-torun".into()),
                    content_sha256: "00".repeat(32),
                    kept_with: None,
                };
                issuer.issue(txn, &event, 0, jiff::Timestamp::now(), Some(pos))
            })
            .await
            .unwrap();
        let jws = signing.sign(&payload).unwrap();
        let v = verify(&jws, ca.cert_pem().as_bytes()).unwrap();
        held.push((format!("receipt-{i}.jws"), v.payload));
    }
    let cp = checkpoint::make(&store, signer, jiff::Timestamp::now())
        .await
        .unwrap()
        .expect("a checkpoint");
    let cp = checkpoint::verify(&cp, ca.cert_pem().as_bytes()).unwrap();
    assert_eq!(cp.entries, 4);
    assert_eq!(
        check(&store, &held, &cp).unwrap(),
        Finding::Consistent {
            receipts: 4,
            entries: 4
        }
    );

    forge(&engine, &store, 2, 4);
    // The chain alone cannot tell: the forgery is perfect.
    assert_eq!(
        audit::verify(&store).unwrap(),
        Verdict::Intact { entries: 4 }
    );
    // The receipt of entry 2 can.
    match check(&store, &held, &cp).unwrap() {
        Finding::Contradicted(why) => {
            assert!(why.contains("receipt-1.jws"), "{why}");
            assert!(why.contains("audit entry 2"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    // And with no receipt at all, the checkpoint alone still does.
    match check(&store, &[], &cp).unwrap() {
        Finding::Contradicted(why) => assert!(why.contains("rewritten"), "{why}"),
        other => panic!("{other:?}"),
    }
}
