//! Unit tests of `audit`.

use super::*;
use std::sync::Arc;

fn record(case: &str) -> Record {
    Record {
        at: "2026-12-01T08:00:00Z".parse().unwrap(),
        org: "mopr-torun".into(),
        rpc: "GetAssistanceRequest".into(),
        case_ids: vec![case.into()],
        outcome: "OK".into(),
        via: crate::audit::Via::server(),
    }
}

#[tokio::test]
async fn the_chain_verifies_and_an_edited_entry_is_found() {
    let engine = Arc::new(crate::store::memory::MemoryEngine::default());
    let store = Store::start(engine.clone(), Arc::new(crate::crypto::KeyRing::generate())).unwrap();
    assert_eq!(verify(&store).unwrap(), Verdict::Intact { entries: 0 });
    for i in 0..5 {
        append_now(&store, record(&format!("c{i}"))).await.unwrap();
    }
    assert_eq!(verify(&store).unwrap(), Verdict::Intact { entries: 5 });
    assert_eq!(of_case(&store, "c3").unwrap().len(), 1);

    // Edit entry 3 (a different outcome, re-encoded cleanly).
    let key = entry_key(3);
    let mut e: AuditEntry = codec::decode(&key, &store.get(&key).unwrap().unwrap()).unwrap();
    e.outcome = "NOT_FOUND".into();
    let mut b = crate::store::WriteBatch::default();
    b.put(key.clone(), codec::encode(&key, &e).unwrap());
    crate::store::Engine::apply(engine.as_ref(), b).unwrap();
    match verify(&store).unwrap() {
        Verdict::Broken { seq, .. } => assert_eq!(seq, 3),
        v => panic!("{v:?}"),
    }
    // The running server's check finds the same edit.
    match super::verify_live(&store).unwrap() {
        Verdict::Broken { seq, .. } => assert_eq!(seq, 3),
        v => panic!("{v:?}"),
    }
}

#[tokio::test]
async fn the_live_check_ignores_entries_past_the_head_it_read_first() {
    let engine = Arc::new(crate::store::memory::MemoryEngine::default());
    let store = Store::start(engine.clone(), Arc::new(crate::crypto::KeyRing::generate())).unwrap();
    for i in 0..3 {
        append_now(&store, record(&format!("c{i}"))).await.unwrap();
    }
    assert_eq!(
        super::verify_live(&store).unwrap(),
        Verdict::Intact { entries: 3 }
    );
    // An entry stored past the head (as if appended after the head was read) is left for
    // the next check rather than blamed; offline it would be.
    let key = entry_key(4);
    let mut e: AuditEntry =
        codec::decode(&entry_key(3), &store.get(&entry_key(3)).unwrap().unwrap()).unwrap();
    e.seq = 4;
    let mut b = crate::store::WriteBatch::default();
    b.put(key.clone(), codec::encode(&key, &e).unwrap());
    crate::store::Engine::apply(engine.as_ref(), b).unwrap();
    assert_eq!(
        super::verify_live(&store).unwrap(),
        Verdict::Intact { entries: 3 }
    );
    assert!(matches!(verify(&store).unwrap(), Verdict::Broken { .. }));
}
