//! Receipts signed with certificates of a real development CA, and every way a receipt
//! must be refused: altered payload or signature, foreign CA, expired or non-signing
//! certificate, truncated text, `alg: none`, an `alg` that does not fit the key; and the
//! older Ed25519 receipt keys, which still sign EdDSA.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rcgen::{CertificateParams, ExtendedKeyUsagePurpose, Issuer, KeyPair, KeyUsagePurpose};
use time::{Duration, OffsetDateTime};

use super::{Payload, ReceiptError, Signer, verify};
use crate::pki::{DevCa, Validity};

fn payload() -> Payload {
    Payload {
        receipt_id: "4f1c2a0e-5b7d-4e0b-9a51-7c3e2f1d0b9a".into(),
        format_version: 1,
        event_kind: "assistance_request.submitted".into(),
        case_kind: "assistance_request".into(),
        case_id: "0c9e8a55-8d1f-4a57-b0f4-1f5a7f0d2c11".into(),
        record_version: 1,
        actor: "mopr-torun".into(),
        counterparty: Some("kmp-torun".into()),
        event_time: jiff::Timestamp::now().to_string(),
        content_sha256: super::payload::content_sha256(b"content"),
        audit_seq: 7,
        audit_hash: "00".repeat(32),
        simulated_clock: false,
    }
}

fn signer(ca: &DevCa, validity: Validity) -> Signer {
    let issued = ca.issue_receipts(validity).unwrap();
    Signer::from_pem(issued.cert_pem.as_bytes(), issued.key_pem.as_bytes()).unwrap()
}

fn flip(jws: &str, part: usize) -> String {
    let mut parts: Vec<String> = jws.split('.').map(str::to_string).collect();
    let mut bytes = URL_SAFE_NO_PAD.decode(&parts[part]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    parts[part] = URL_SAFE_NO_PAD.encode(bytes);
    parts.join(".")
}

#[test]
fn a_receipt_verifies_against_its_ca_and_returns_its_payload() {
    let ca = DevCa::generate("test CA").unwrap();
    let jws = signer(&ca, Validity::days(30)).sign(&payload()).unwrap();
    let v = verify(&jws, ca.cert_pem().as_bytes()).expect("verifies");
    assert_eq!(v.payload, payload_with_time(&v.payload));
    assert!(v.signer.contains("lacznik receipts"), "{}", v.signer);
    // A trailing newline (a saved file) does not matter.
    verify(&format!("{jws}\n"), ca.cert_pem().as_bytes()).expect("verifies");
}

fn payload_with_time(got: &Payload) -> Payload {
    Payload {
        event_time: got.event_time.clone(),
        ..payload()
    }
}

#[test]
fn an_altered_payload_or_signature_is_refused() {
    let ca = DevCa::generate("test CA").unwrap();
    let jws = signer(&ca, Validity::days(30)).sign(&payload()).unwrap();
    for part in [1, 2] {
        match verify(&flip(&jws, part), ca.cert_pem().as_bytes()) {
            Err(ReceiptError::Signature) => {}
            other => panic!("part {part}: {other:?}"),
        }
    }
}

#[test]
fn a_receipt_of_another_ca_is_refused() {
    let ours = DevCa::generate("ours").unwrap();
    let theirs = DevCa::generate("theirs").unwrap();
    let jws = signer(&theirs, Validity::days(30))
        .sign(&payload())
        .unwrap();
    match verify(&jws, ours.cert_pem().as_bytes()) {
        Err(ReceiptError::Chain(m)) => assert!(m.contains("not issued by the trusted CA"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_simulated_clocks_receipt_has_its_chain_checked_now_not_at_its_fictional_time() {
    // A training server on a simulated clock years ahead (the README's walk-through runs in
    // 2030) signs with a real certificate valid today.
    let ca = DevCa::generate("test CA").unwrap();
    let s = signer(&ca, Validity::days(30));
    let ahead = Payload {
        event_time: "2040-05-27T08:00:00Z".into(),
        simulated_clock: true,
        ..payload()
    };
    let v = verify(&s.sign(&ahead).unwrap(), ca.cert_pem().as_bytes()).expect("verifies");
    assert!(v.payload.simulated_clock);
    // The same time on a real clock is a certificate long expired.
    let real = Payload {
        simulated_clock: false,
        ..ahead
    };
    match verify(&s.sign(&real).unwrap(), ca.cert_pem().as_bytes()) {
        Err(ReceiptError::Chain(m)) => assert!(m.contains("expired"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_receipt_signed_with_an_expired_certificate_is_refused() {
    let ca = DevCa::generate("test CA").unwrap();
    let now = OffsetDateTime::now_utc();
    let expired = Validity {
        not_before: now - Duration::days(10),
        not_after: now - Duration::days(1),
    };
    let jws = signer(&ca, expired).sign(&payload()).unwrap();
    match verify(&jws, ca.cert_pem().as_bytes()) {
        Err(ReceiptError::Chain(m)) => assert!(m.contains("expired"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_receipt_signed_with_a_certificate_not_for_signing_is_refused() {
    let ca = DevCa::generate("test CA").unwrap();
    let issuer =
        Issuer::from_ca_cert_pem(ca.cert_pem(), KeyPair::from_pem(ca.key_pem()).unwrap()).unwrap();
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut params = CertificateParams::default();
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &issuer).unwrap();
    let tls_signer =
        Signer::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    let jws = tls_signer.sign(&payload()).unwrap();
    match verify(&jws, ca.cert_pem().as_bytes()) {
        Err(ReceiptError::Usage(m)) => assert!(m.contains("documentSigning"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_text_and_alg_none_are_refused_without_a_panic() {
    let ca = DevCa::generate("test CA").unwrap();
    let jws = signer(&ca, Validity::days(30)).sign(&payload()).unwrap();
    for cut in [0, 1, 10, jws.len() / 2, jws.len() - 1] {
        assert!(
            verify(&jws[..cut], ca.cert_pem().as_bytes()).is_err(),
            "truncated at {cut} verified"
        );
    }
    let body = jws.split('.').nth(1).unwrap();
    let none = format!("{}.{body}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#));
    match verify(&none, ca.cert_pem().as_bytes()) {
        Err(ReceiptError::Algorithm(m)) => assert!(m.contains("none"), "{m}"),
        other => panic!("{other:?}"),
    }
    match verify("not a receipt at all", ca.cert_pem().as_bytes()) {
        Err(ReceiptError::Malformed(_)) => {}
        other => panic!("{other:?}"),
    }
}

/// A receipt certificate as `certs issue --receipts` made them before 2026-12-01: Ed25519.
fn ed25519_signer(ca: &DevCa) -> Signer {
    let issued = ca
        .issue_receipts_for(&rcgen::PKCS_ED25519, Validity::days(30))
        .unwrap();
    Signer::from_pem(issued.cert_pem.as_bytes(), issued.key_pem.as_bytes()).unwrap()
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused_at_load() {
    let ca = DevCa::generate("test CA").unwrap();
    let one = ca.issue_receipts(Validity::days(30)).unwrap();
    let another = ca.issue_receipts(Validity::days(30)).unwrap();
    match Signer::from_pem(one.cert_pem.as_bytes(), another.key_pem.as_bytes()) {
        Err(ReceiptError::Key(m)) => assert!(m.contains("not the one"), "{m}"),
        other => panic!("another P-256 key was accepted: {other:?}"),
    }
    let ed = ca
        .issue_receipts_for(&rcgen::PKCS_ED25519, Validity::days(30))
        .unwrap();
    match Signer::from_pem(one.cert_pem.as_bytes(), ed.key_pem.as_bytes()) {
        Err(ReceiptError::Algorithm(m)) => assert!(m.contains("does not fit"), "{m}"),
        other => panic!("an Ed25519 key was accepted for a P-256 certificate: {other:?}"),
    }
}

fn header_of(jws: &str) -> serde_json::Value {
    let h = URL_SAFE_NO_PAD
        .decode(jws.split('.').next().unwrap())
        .unwrap();
    serde_json::from_slice(&h).unwrap()
}

#[test]
fn new_receipt_keys_sign_es256_and_older_ed25519_keys_still_sign_eddsa() {
    let ca = DevCa::generate("test CA").unwrap();
    let es = signer(&ca, Validity::days(30));
    assert_eq!(es.alg(), "ES256");
    let jws = es.sign(&payload()).unwrap();
    assert_eq!(header_of(&jws)["alg"], "ES256");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(jws.split('.').nth(2).unwrap())
            .unwrap()
            .len(),
        64
    );
    verify(&jws, ca.cert_pem().as_bytes()).expect("ES256 verifies");

    let ed = ed25519_signer(&ca);
    assert_eq!(ed.alg(), "EdDSA");
    let old = ed.sign(&payload()).unwrap();
    assert_eq!(header_of(&old)["alg"], "EdDSA");
    let v = verify(&old, ca.cert_pem().as_bytes()).expect("EdDSA verifies");
    assert_eq!(v.payload.case_id, payload().case_id);
}

#[test]
fn an_alg_that_does_not_fit_the_certificates_key_is_refused() {
    let ca = DevCa::generate("test CA").unwrap();
    for (jws, claimed) in [
        (
            signer(&ca, Validity::days(30)).sign(&payload()).unwrap(),
            "EdDSA",
        ),
        (ed25519_signer(&ca).sign(&payload()).unwrap(), "ES256"),
    ] {
        let mut header = header_of(&jws);
        header["alg"] = serde_json::Value::from(claimed);
        let mut parts: Vec<String> = jws.split('.').map(str::to_string).collect();
        parts[0] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
        match verify(&parts.join("."), ca.cert_pem().as_bytes()) {
            Err(ReceiptError::Algorithm(m)) => assert!(m.contains("does not fit"), "{m}"),
            other => panic!("{claimed}: {other:?}"),
        }
    }
}
