//! Receipts from the command line, offline: `certs init` makes the signing-only receipt
//! certificate (key 0600), a receipt signed with it verifies with `lacznik receipt verify`
//! against the CA alone and prints its payload; an altered one fails with the reason and
//! exit code 1; `certs issue --receipts` renews the key and old receipts still verify.
//! Receipts of police-assistance events here; of the Blue Card procedure in [`blue_card`],
//! of breaches in [`breaches`]; what the CLI client keeps and `receipt verify --content`
//! checks in [`client`].

mod blue_card;
mod breaches;
mod client;

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
            simulated_clock: false,
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

/// 10:00 (Warsaw) on a Wednesday one to two weeks ahead: a simulated "now" for receipt tests.
/// Receipts are checked against the signing certificate's validity at their event time,
/// and the test CA's certificates start an hour before the real now, so a simulated clock
/// must not run behind it.
pub(crate) fn a_wednesday_ahead() -> jiff::Timestamp {
    let ahead = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 7);
    let mut day = lacznik::calendar::local_date(ahead);
    while day.weekday() != jiff::civil::Weekday::Wednesday {
        day = day.tomorrow().expect("a date");
    }
    lacznik::calendar::start_of_day(day) + jiff::SignedDuration::from_hours(10)
}

/// The payload of a compact JWS, unverified (for looking at what a client holds).
/// The payloads of receipts, what two copies of one receipt share: an ES256 receipt is
/// signed afresh each time it is read, so the JWS text differs from copy to copy.
pub(crate) fn payloads<S: AsRef<str>>(receipts: &[S]) -> Vec<String> {
    receipts.iter().map(|r| payload_text(r.as_ref())).collect()
}

pub(crate) fn payload_text(jws: &str) -> String {
    use base64::Engine as _;
    let part = jws.split('.').nth(1).expect("a compact JWS");
    String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .expect("base64url"),
    )
    .expect("utf-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_assistance_event_returns_a_receipt_that_verifies_and_lists() {
    use crate::support::TestServer;
    use crate::support::fixtures::*;
    use jiff::{SignedDuration, Timestamp};
    use lacznik::api::pb;
    use prost::Message;
    use sha2::Digest;

    let server = TestServer::start().await;
    let ca = server.ca_pem();
    let mut centre = server.assistance("mopr-torun").await;
    let mut police = server.assistance("kmp-torun").await;
    let visit = Timestamp::now() + SignedDuration::from_hours(24 * 30);
    let req = normal(&new_id(), visit);
    let id = req.request_id.clone();
    let submitted = centre
        .submit_assistance_request(req.clone())
        .await
        .expect("submit")
        .into_inner()
        .receipt;
    let v = lacznik::receipt::verify(&submitted, ca.as_bytes()).expect("the receipt verifies");
    let p = &v.payload;
    assert_eq!(p.event_kind, "assistance_request.submitted");
    assert_eq!(
        (p.case_kind.as_str(), p.case_id.as_str()),
        ("assistance_request", id.as_str())
    );
    assert_eq!(p.actor, "mopr-torun");
    assert_eq!(p.counterparty.as_deref(), Some("kmp-torun"));
    assert_eq!(p.record_version, 1);
    assert!(p.audit_seq > 0 && p.audit_hash.len() == 64, "{p:?}");
    assert!(!p.simulated_clock, "the real clock");
    assert!(!payload_text(&submitted).contains("simulated_clock"));
    // The content hash, recomputed from what the centre sent.
    let sent = req.content.as_ref().unwrap().encode_to_vec();
    assert_eq!(p.content_sha256, hex::encode(sha2::Sha256::digest(&sent)));
    // No personal data: names, street and ID number of the content are not in it.
    let text = payload_text(&submitted);
    for secret in ["Wiśniewska", "Szeroka", "PS/123/2026", "Nowak", "agresja"] {
        assert!(!text.contains(secret), "{secret} in the receipt: {text}");
    }

    // The police stream delivers the event with the same receipt.
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
            after_cursor: String::new(),
        })
        .await
        .expect("stream")
        .into_inner();
    let event = tokio::time::timeout(std::time::Duration::from_secs(10), stream.message())
        .await
        .expect("an event")
        .expect("stream")
        .expect("event");
    assert_eq!(
        payload_text(&event.receipt),
        payload_text(&submitted),
        "the stream carries the event's receipt"
    );
    drop(stream);

    // A retry that changes nothing gets the first receipt back.
    let again = centre
        .submit_assistance_request(req.clone())
        .await
        .expect("retry")
        .into_inner()
        .receipt;
    assert_eq!(payload_text(&again), payload_text(&submitted));

    let received = police
        .acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
            request_id: id.clone(),
            acknowledgement: pb::AssistanceRequestState::Received as i32,
            ..Default::default()
        })
        .await
        .expect("received")
        .into_inner()
        .receipt;
    let r = lacznik::receipt::verify(&received, ca.as_bytes()).expect("verifies");
    assert_eq!(r.payload.event_kind, "assistance_request.received");
    assert_eq!(r.payload.actor, "kmp-torun");
    assert_eq!(r.payload.counterparty.as_deref(), Some("mopr-torun"));
    assert!(r.payload.audit_seq > p.audit_seq);

    // Both parties list both receipts; anyone else is told the case does not exist.
    for org in ["mopr-torun", "kmp-torun"] {
        let mut c =
            pb::receipt_service_client::ReceiptServiceClient::new(server.channel(org).await);
        let listed = c
            .list_receipts(pb::ListReceiptsRequest {
                case_id: id.clone(),
                ..Default::default()
            })
            .await
            .expect("list")
            .into_inner();
        assert_eq!(
            payloads(&listed.receipts),
            payloads(&[submitted.clone(), received.clone()]),
            "{org}"
        );
    }
    let mut other =
        pb::receipt_service_client::ReceiptServiceClient::new(server.channel("kmp-gorzow").await);
    let refused = other
        .list_receipts(pb::ListReceiptsRequest {
            case_id: id.clone(),
            ..Default::default()
        })
        .await
        .expect_err("not a party");
    assert_eq!(refused.code(), tonic::Code::NotFound, "{refused:?}");
}

/// What an auditor does with what the parties hold: receipts from responses and the
/// server's latest checkpoint (signed at shutdown), checked offline against the data
/// directory by `lacznik audit verify --receipts --checkpoint`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_receipts_and_a_checkpoint_prove_the_log_offline() {
    use crate::support::TestServer;
    use crate::support::fixtures::*;
    use crate::support::offline::lacznik_on;
    use jiff::{SignedDuration, Timestamp};
    use lacznik::api::pb;

    let server = TestServer::start().await;
    let mut centre = server.assistance("mopr-torun").await;
    let visit = Timestamp::now() + SignedDuration::from_hours(24 * 30);
    let held = tempfile::tempdir().unwrap();
    for i in 0..3 {
        let receipt = centre
            .submit_assistance_request(normal(&new_id(), visit))
            .await
            .expect("submit")
            .into_inner()
            .receipt;
        std::fs::write(held.path().join(format!("{i}.jws")), receipt).unwrap();
    }
    // Shutdown signs a checkpoint of everything written; the next start serves it.
    let server = server.restart().await;
    let checkpoint =
        pb::receipt_service_client::ReceiptServiceClient::new(server.channel("kmp-gorzow").await)
            .get_audit_checkpoint(pb::GetAuditCheckpointRequest {})
            .await
            .expect("any organisation gets it")
            .into_inner()
            .checkpoint;
    assert!(!checkpoint.is_empty(), "a checkpoint after the shutdown");
    let cp_dir = tempfile::tempdir().unwrap();
    std::fs::write(cp_dir.path().join("checkpoint.jws"), &checkpoint).unwrap();
    let (dir, certs, _, _) = server.stop().await;
    let receipts = held.path().display().to_string();
    let cp = cp_dir.path().join("checkpoint.jws").display().to_string();
    let ca = certs.join("ca.pem").display().to_string();
    let (code, out) = tokio::task::spawn_blocking(move || {
        lacznik_on(
            dir.path(),
            &[
                "audit",
                "verify",
                "--receipts",
                &receipts,
                "--checkpoint",
                &cp,
                "--ca",
                &ca,
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("evidence consistent: 3 receipt(s)"), "{out}");
}
