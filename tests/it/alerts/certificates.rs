//! Certificate expiry through the real binary: `lacznik certs status` on a directory
//! made by `lacznik certs init`, `lacznik config check` listing every certificate with
//! its days left, and a `lacznik serve` process warning in its log 7 days before the
//! receipt certificate runs out and 30 days before a client certificate does (noted at
//! the organisation's handshake), once each, by ids only.

use std::time::{Duration, Instant};

use crate::support::fixtures::t;
use crate::support::node::{Node, read};
use crate::support::offline::{lacznik, lacznik_with};

#[test]
fn certs_status_and_config_check_list_days_left() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = lacznik(dir.path(), &["certs", "init", "--dir", "certs"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = lacznik(
        dir.path(),
        &["certs", "issue", "--org", "kp-lazy", "--days", "10"],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = lacznik(dir.path(), &["certs", "status", "--dir", "certs"]);
    assert_eq!(code, 0, "{out}");
    for line in [
        "server ",
        "ca ",
        "receipts ",
        "client mopr-torun ",
        "client kp-lazy ",
    ] {
        assert!(out.contains(&format!("  {line}")), "{line} in\n{out}");
    }
    let lazy = out.lines().find(|l| l.contains("client kp-lazy")).unwrap();
    assert!(
        lazy.contains("10 day(s) left") || lazy.contains("9 day(s) left"),
        "{lazy}"
    );

    let (code, out) = lacznik_with(
        dir.path(),
        &["config", "check"],
        &[("LACZNIK_TLS__DEV_PKI", "false".as_ref())],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("certificates (days left"), "{out}");
    for line in ["server ", "ca ", "receipts "] {
        assert!(out.contains(&format!("  {line}")), "{line} in\n{out}");
    }
    // `certs init` makes a P-256 receipt key: receipts are ES256.
    assert!(out.contains("receipts     ES256 ("), "{out}");

    // An expired certificate makes `certs status` fail (for a cron job or a check).
    std::fs::write(
        dir.path().join("certs/old.pem"),
        expired_client_pem(&dir.path().join("certs")),
    )
    .unwrap();
    let (code, out) = lacznik(dir.path(), &["certs", "status", "--dir", "certs"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("EXPIRED"), "{out}");
    assert!(out.contains("have run out"), "{out}");
}

/// The log without its colour codes.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn expired_client_pem(certs: &std::path::Path) -> String {
    let ca = lacznik::pki::load_ca(certs).unwrap();
    let now = time::OffsetDateTime::now_utc();
    ca.issue_client(
        &"sp-torun".parse().unwrap(),
        lacznik::pki::Validity {
            not_before: now - time::Duration::days(10),
            not_after: now - time::Duration::days(2),
        },
    )
    .unwrap()
    .cert_pem
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_warns_in_its_log_before_certificates_run_out() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let directory = lacznik::config::Config::default().load_directory().unwrap();
    lacznik::pki::init(&certs, &directory).unwrap();
    // The receipt certificate runs out in 5 days, kmp-torun's client certificate in 20.
    lacznik::pki::issue_receipts(&certs, 5).unwrap();
    lacznik::pki::issue(&certs, &"kmp-torun".parse().unwrap(), 20).unwrap();
    let mut node = Node::new(dir.path(), dir.path().join("data"), "kmp-torun");
    let (mut child, log) = node.spawn(t("2026-12-01T08:00:00Z"));
    // The health checks while waiting are kmp-torun's handshakes: its certificate is seen.
    node.wait_serving(&mut child, &log).await;
    let is_client = |l: &&str| l.contains("client certificate expires") && l.contains("kmp-torun");
    let began = Instant::now();
    let text = loop {
        let text = plain(&read(&log));
        if text.lines().any(|l| is_client(&l)) || began.elapsed() > Duration::from_secs(10) {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let receipts: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("cert=\"receipts\"") || l.contains("cert=receipts"))
        .collect();
    assert_eq!(receipts.len(), 1, "one receipts warning in\n{text}");
    assert!(receipts[0].contains("WARN"), "{}", receipts[0]);
    assert!(
        receipts[0].contains("a certificate expires within 7 day(s)"),
        "{}",
        receipts[0]
    );
    let client: Vec<&str> = text.lines().filter(is_client).collect();
    assert_eq!(client.len(), 1, "one client warning in\n{text}");
    assert!(
        client[0].contains("an organisation's client certificate expires within 30 day(s)"),
        "{}",
        client[0]
    );
    // The server certificate (825 days) and the CA (10 years) are far from expiry.
    assert!(
        !text.contains("cert=\"server\"") && !text.contains("cert=server"),
        "{text}"
    );
    assert!(
        !text.contains("cert=\"ca\"") && !text.contains("cert=ca "),
        "{text}"
    );
    let _ = child.kill();
}
