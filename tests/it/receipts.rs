//! Receipts from the command line, offline: `certs init` makes the signing-only receipt
//! certificate (key 0600), a receipt signed with it verifies with `lacznik receipt verify`
//! against the CA alone and prints its payload; an altered one fails with the reason and
//! exit code 1; `certs issue --receipts` renews the key and old receipts still verify.

use crate::support::offline::lacznik;

fn sign_with(certs: &std::path::Path) -> String {
    let signer =
        lacznik::receipt::Signer::load(&certs.join("receipts.pem"), &certs.join("receipts.key"))
            .expect("receipt signer");
    signer
        .sign(&lacznik::receipt::Payload {
            receipt_id: "4f1c2a0e-5b7d-4e0b-9a51-7c3e2f1d0b9a".into(),
            format_version: 1,
            event_kind: "assistance_request.submitted".into(),
            case_kind: "assistance_request".into(),
            case_id: "0c9e8a55-8d1f-4a57-b0f4-1f5a7f0d2c11".into(),
            record_version: 1,
            actor: "mopr-torun".into(),
            counterparty: Some("kmp-torun".into()),
            event_time: jiff::Timestamp::now().to_string(),
            content_sha256: "ab".repeat(32),
            audit_seq: 3,
            audit_hash: "cd".repeat(32),
        })
        .expect("sign")
}

#[test]
fn receipts_verify_offline_with_the_ca_and_survive_a_key_rotation() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out) = lacznik(tmp.path(), &["certs", "init", "--dir", "certs"]);
    assert_eq!(code, 0, "{out}");
    let certs = tmp.path().join("certs");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(certs.join("receipts.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "receipts.key is private");
    }
    let old = tmp.path().join("old.jws");
    std::fs::write(&old, sign_with(&certs)).unwrap();
    let (code, out) = lacznik(
        tmp.path(),
        &["receipt", "verify", "old.jws", "--ca", "certs/ca.pem"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("old.jws: OK"), "{out}");
    assert!(out.contains("assistance_request.submitted"), "{out}");

    // Altered: one character of the payload changed.
    let text = std::fs::read_to_string(&old).unwrap();
    let mut parts: Vec<String> = text.split('.').map(str::to_string).collect();
    let flipped = if parts[1].ends_with('A') { 'B' } else { 'A' };
    parts[1].pop();
    parts[1].push(flipped);
    std::fs::write(tmp.path().join("bad.jws"), parts.join(".")).unwrap();
    let (code, out) = lacznik(
        tmp.path(),
        &[
            "receipt",
            "verify",
            "old.jws",
            "bad.jws",
            "--ca",
            "certs/ca.pem",
            "--json",
        ],
    );
    assert_eq!(code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).expect(&out);
    assert_eq!(json[0]["ok"], true, "{out}");
    assert_eq!(json[1]["ok"], false, "{out}");
    assert!(
        json[1]["error"].as_str().unwrap().contains("signature"),
        "{out}"
    );

    // Rotation: a new key signs new receipts; the old receipt carries its own chain.
    let before = std::fs::read_to_string(certs.join("receipts.pem")).unwrap();
    let (code, out) = lacznik(
        tmp.path(),
        &["certs", "issue", "--receipts", "--dir", "certs"],
    );
    assert_eq!(code, 0, "{out}");
    assert_ne!(
        before,
        std::fs::read_to_string(certs.join("receipts.pem")).unwrap()
    );
    std::fs::write(tmp.path().join("new.jws"), sign_with(&certs)).unwrap();
    let (code, out) = lacznik(
        tmp.path(),
        &[
            "receipt",
            "verify",
            "old.jws",
            "new.jws",
            "--ca",
            "certs/ca.pem",
        ],
    );
    assert_eq!(code, 0, "{out}");
}
