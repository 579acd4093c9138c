//! The warnings of certificate expiry: 30, 7 and 1 days before, once each, a renewed
//! certificate afresh; and the gauges rendered from real files and a handshake's
//! certificate.

use std::sync::Arc;

use super::{CertWatch, ClientCerts, threshold};
use crate::monitoring::exposition::Exposition;
use crate::pki::expiry::{DAY, Item, Sources};
use crate::pki::{self, Validity};

fn watch(dir: &std::path::Path) -> (Arc<CertWatch>, Arc<ClientCerts>) {
    let clients = Arc::new(ClientCerts::default());
    let sources = Sources {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        crl: Some(dir.join("crl.pem")),
        receipts: dir.join("receipts.pem"),
    };
    (CertWatch::new(sources, clients.clone()), clients)
}

#[test]
fn thresholds_are_30_7_and_1_days() {
    assert_eq!(threshold(31 * DAY), None);
    assert_eq!(threshold(30 * DAY), Some(30));
    assert_eq!(threshold(8 * DAY), Some(30));
    assert_eq!(threshold(7 * DAY), Some(7));
    assert_eq!(threshold(DAY + 1), Some(7));
    assert_eq!(threshold(DAY), Some(1));
    assert_eq!(threshold(-5 * DAY), Some(1));
}

#[test]
fn each_threshold_warns_once_and_a_renewal_starts_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let directory = crate::config::Config::default().load_directory().unwrap();
    pki::init(dir.path(), &directory).unwrap();
    let (watch, clients) = watch(dir.path());
    let server = crate::pki::expiry::leaf(&dir.path().join("server.pem"), Item::Server).unwrap();
    let at = |days_left: i64| server.not_after - days_left * DAY;
    // Far from expiry: nothing (the CA, receipts and CRL are later still or as late).
    assert!(watch.due(at(100)).is_empty());
    let due = |now| {
        watch
            .due(now)
            .into_iter()
            .filter(|(e, _)| e.item == Item::Server)
            .map(|(_, d)| d)
            .collect::<Vec<_>>()
    };
    assert_eq!(due(at(29)), vec![30]);
    assert_eq!(due(at(20)), Vec::<i64>::new(), "30 days warned once");
    assert_eq!(due(at(6)), vec![7]);
    assert_eq!(due(at(5)), Vec::<i64>::new());
    assert_eq!(due(at(0)), vec![1]);
    assert_eq!(
        due(at(-3)),
        Vec::<i64>::new(),
        "expired: the 1-day warning was given"
    );

    // A client certificate seen at a handshake, 5 days left: its 7-day warning, by org id.
    let ca = pki::load_ca(dir.path()).unwrap();
    let org = "kmp-torun".parse().unwrap();
    let issued = ca.issue_client(&org, Validity::days(5)).unwrap();
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(issued.cert_pem.as_bytes())
        .map(|d: rustls_pki_types::CertificateDer<'static>| d.to_vec())
        .unwrap();
    clients.presented(&org, &der);
    let now = crate::pki::expiry::now_unix();
    let client: Vec<_> = watch
        .due(now)
        .into_iter()
        .filter(|(e, _)| e.item == Item::Client(org.clone()))
        .map(|(_, d)| d)
        .collect();
    assert_eq!(client, vec![7]);
    // Renewed (a new serial): warned again only when the new one runs short.
    let renewed = ca.issue_client(&org, Validity::days(400)).unwrap();
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(renewed.cert_pem.as_bytes())
        .map(|d: rustls_pki_types::CertificateDer<'static>| d.to_vec())
        .unwrap();
    clients.presented(&org, &der);
    assert!(
        !watch
            .due(now)
            .iter()
            .any(|(e, _)| e.item == Item::Client(org.clone()))
    );
}

#[test]
fn gauges_name_each_certificate_by_kind_serial_and_org() {
    let dir = tempfile::tempdir().unwrap();
    let directory = crate::config::Config::default().load_directory().unwrap();
    pki::init(dir.path(), &directory).unwrap();
    pki::revoke(dir.path(), &"kp-lazy".parse().unwrap()).unwrap();
    let (watch, clients) = watch(dir.path());
    let (cert, _) = pki::org_paths(dir.path(), &"zi-lazy".parse().unwrap());
    let pem = std::fs::read(cert).unwrap();
    let der: rustls_pki_types::CertificateDer<'static> =
        rustls_pki_types::pem::PemObject::from_pem_slice(&pem).unwrap();
    clients.presented(&"zi-lazy".parse().unwrap(), &der);
    let mut out = Exposition::default();
    watch.render(&mut out);
    let text = out.finish();
    for needle in [
        "lacznik_cert_expiry_timestamp_seconds{cert=\"server\",serial=\"",
        "lacznik_cert_expiry_timestamp_seconds{cert=\"ca\",serial=\"",
        "lacznik_cert_expiry_timestamp_seconds{cert=\"receipts\",serial=\"",
        "lacznik_crl_next_update_timestamp_seconds ",
        "lacznik_client_cert_expiry_timestamp_seconds{org=\"zi-lazy\"} ",
        "lacznik_cert_unreadable_files 0",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
}
