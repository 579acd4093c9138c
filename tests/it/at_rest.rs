//! Data at rest: personal data never reaches the disk in clear, the audit chain records who
//! touched a case and detects an edited entry, and key rotation re-encrypts everything
//! while the data stays readable. The CLI parts run the real binary as a process.

use std::path::Path;

use crate::support::TestServer;
use crate::support::fixtures::*;
use crate::support::offline::{files_containing, lacznik_on as lacznik};
use lacznik::api::pb;

const NOW: &str = "2026-12-01T08:00:00Z";

/// The engine under the store, opened directly (whichever engine made the directory), to
/// read and tamper with stored bytes as an attacker with disk access could.
fn raw_engine(data: &Path) -> std::sync::Arc<dyn lacznik::store::Engine> {
    let kind = lacznik::store::EngineKind::detect(data)
        .unwrap()
        .expect("a store");
    lacznik::store::open_engine(data, kind, 8 << 20, std::time::Duration::from_secs(5)).unwrap()
}

async fn seed(server: &TestServer) -> (String, String) {
    let mut centre = server.assistance("mopr-torun").await;
    let id = new_id();
    centre
        .submit_assistance_request(normal(&id, t("2027-01-11T09:00:00Z")))
        .await
        .unwrap();
    let mut police = server.assistance("kmp-torun").await;
    police
        .get_assistance_request(pb::GetAssistanceRequestRequest {
            request_id: id.clone(),
        })
        .await
        .unwrap();
    let mut cards = server.blue_card("kp-lazy").await;
    let card_id = new_id();
    cards
        .submit_blue_card_a(card(&card_id, t(NOW)))
        .await
        .unwrap();
    (id, card_id)
}

#[tokio::test]
async fn personal_data_is_never_on_disk_in_clear() {
    let server = TestServer::simulated(t(NOW)).await;
    let (id, _) = seed(&server).await;
    let data = server.config().data_dir.clone();
    let (dir, ..) = server.stop().await;
    // Positive control: the (clear) request id is found, so the search sees the data.
    assert!(
        !files_containing(&data, id.as_bytes()).is_empty(),
        "control: ids are stored in clear"
    );
    for needle in [
        "Wiśniewska-Zaborowska",
        "PS/123/2026",
        "Zawadzka-Przybysz",
        "Szeroka",
        "agresja słowna",
    ] {
        let hits = files_containing(&data, needle.as_bytes());
        assert!(hits.is_empty(), "{needle:?} found in clear in {hits:?}");
    }
    // The key is not in the data directory.
    assert!(!dir.path().join("keys/data.key").starts_with(&data));
    assert!(dir.path().join("keys/data.key").exists());
}

#[tokio::test]
async fn the_audit_chain_shows_who_touched_a_case_and_an_edited_entry_breaks_it() {
    let server = TestServer::simulated(t(NOW)).await;
    let (id, _) = seed(&server).await;
    // A third organisation tries: refused, and logged.
    let mut stranger = server.assistance("mgops-lazy").await;
    stranger
        .get_assistance_request(pb::GetAssistanceRequestRequest {
            request_id: id.clone(),
        })
        .await
        .unwrap_err();
    let (dir, ..) = server.stop().await;

    let (code, text) = lacznik(dir.path(), &["audit", "verify"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("audit chain intact"), "{text}");
    let (code, text) = lacznik(dir.path(), &["audit", "show", "--case", &id]);
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("Assistance")).collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].contains("mopr-torun")
            && lines[0].contains("SubmitAssistanceRequest")
            && lines[0].ends_with("OK")
    );
    assert!(
        lines[1].contains("kmp-torun")
            && lines[1].contains("GetAssistanceRequest")
            && lines[1].ends_with("OK")
    );
    assert!(
        lines[2].contains("mgops-lazy") && lines[2].ends_with("NOT_FOUND"),
        "{}",
        lines[2]
    );
    assert!(!text.contains("Zaborowska"));

    // Edit entry 2 in place (same length: the organisation id changes one letter).
    {
        let db = raw_engine(&dir.path().join("data"));
        let mut key = vec![0x50u8];
        key.extend_from_slice(&2u64.to_be_bytes());
        let mut value = db.get(&key).unwrap().unwrap();
        let pos = value
            .windows(9)
            .position(|w| w == b"kmp-torun")
            .expect("entry 2 names kmp-torun");
        value[pos] = b'x';
        let mut batch = lacznik::store::WriteBatch::default();
        batch.put(key, value);
        db.apply(batch).unwrap();
        db.flush().unwrap();
    }
    let (code, text) = lacznik(dir.path(), &["audit", "verify"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("BROKEN at entry 2"), "{text}");
}

#[tokio::test]
async fn key_rotation_re_encrypts_and_the_data_stays_readable() {
    let server = TestServer::simulated(t(NOW)).await;
    let (id, card_id) = seed(&server).await;
    let (dir, certs, ca, config) = server.stop().await;
    let key_file = dir.path().join("keys/data.key");
    let before = std::fs::read_to_string(&key_file).unwrap();

    let (code, text) = lacznik(dir.path(), &["keys", "rotate"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("key 2 is active; 3 record(s) re-encrypted"),
        "{text}"
    );
    let ring = lacznik::crypto::KeyRing::load(&key_file).unwrap();
    assert_eq!(ring.key_ids(), vec![1, 2]);
    // Every sealed value now uses key 2.
    {
        let db = raw_engine(&dir.path().join("data"));
        for space in [0x30u8, 0x40, 0x42] {
            for (_, v) in db.scan(&[space], &[space + 1], usize::MAX).unwrap() {
                assert_eq!(lacznik::crypto::KeyRing::key_of(&v), Some(2));
            }
        }
    }
    let (code, text) = lacznik(dir.path(), &["keys", "rotate", "--retire-old"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        lacznik::crypto::KeyRing::load(&key_file).unwrap().key_ids(),
        vec![3]
    );
    assert_ne!(before, std::fs::read_to_string(&key_file).unwrap());

    // The server reads everything with the new key only.
    let server = TestServer::relaunch(dir, certs, ca, config, Some(t(NOW))).await;
    let mut police = server.assistance("kmp-torun").await;
    let r = police
        .get_assistance_request(pb::GetAssistanceRequestRequest { request_id: id })
        .await
        .unwrap()
        .into_inner()
        .request
        .unwrap();
    assert_eq!(r.content, Some(content(t("2027-01-11T09:00:00Z"))));
    let mut team = server.blue_card("zi-lazy").await;
    let c = team
        .get_blue_card(pb::GetBlueCardRequest { card_id })
        .await
        .unwrap()
        .into_inner()
        .card
        .unwrap();
    assert_eq!(c.content, Some(card_content(t(NOW))));

    // A running server holds the directory: rotation refuses.
    let (code, text) = lacznik(server.dir.path(), &["keys", "rotate"]);
    assert_ne!(code, 0);
    assert!(text.contains("in use"), "{text}");
}

/// The audit log records, for every call, the status code its client received: refusals of
/// several kinds are answered and audited alike (one `Error::code()`, taken by the call
/// layer from the answer itself).
#[tokio::test]
async fn each_refusal_is_audited_with_the_code_its_client_received() {
    let server = TestServer::simulated(t(NOW)).await;
    let (id, _) = seed(&server).await;
    let mut police = server.assistance("kmp-torun").await;
    let mut centre = server.assistance("mopr-torun").await;
    let mut received = Vec::new();
    // The police unit may not cancel the centre's request: PERMISSION_DENIED.
    let s = police
        .cancel_assistance_request(pb::CancelAssistanceRequestRequest {
            request_id: id.clone(),
            reason: "x".into(),
        })
        .await
        .unwrap_err();
    received.push(("kmp-torun", s.code()));
    // No acknowledgement named: INVALID_ARGUMENT.
    let s = police
        .acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
            request_id: id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    received.push(("kmp-torun", s.code()));
    // An amendment against a stale version: refused with whatever the domain says.
    let s = centre
        .amend_assistance_request(pb::AmendAssistanceRequestRequest {
            request_id: id.clone(),
            expected_version: 99,
            ..Default::default()
        })
        .await
        .unwrap_err();
    received.push(("mopr-torun", s.code()));
    let (dir, ..) = server.stop().await;

    let (code, text) = lacznik(dir.path(), &["audit", "show", "--case", &id]);
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("Assistance")).collect();
    let refusals = &lines[lines.len() - received.len()..];
    for (line, (org, got)) in refusals.iter().zip(&received) {
        let name = lacznik::api::status::code_name(*got);
        assert!(
            line.contains(org) && line.ends_with(name),
            "audited {line:?}, the client got {name}"
        );
    }
}
