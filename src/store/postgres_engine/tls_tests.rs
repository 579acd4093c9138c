//! TLS to a real throwaway cluster serving a certificate made here: lacznik's connections
//! use it and verify it; a database whose certificate another CA issued is refused, and a
//! URL asking for TLS without a CA to check it against is a clear error.

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

use super::PgSettings;
use crate::store::StoreError;

/// A CA (PEM) and a server certificate and key for 127.0.0.1 issued by it.
fn ca_and_server() -> (String, String, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    (ca_pem, server.pem(), key.serialize_pem())
}

fn with_ca(pg: &lacznik_testkit::PgCluster, ca_pem: &str, dir: &std::path::Path) -> PgSettings {
    let ca = dir.join("db-ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let mut s = PgSettings::new(pg.url());
    s.tls = Some(crate::tls::database_client_config(&ca).unwrap());
    s
}

#[test]
fn connections_use_tls_and_verify_the_database_certificate() {
    let mut pg = lacznik_testkit::PgCluster::start().expect("a throwaway PostgreSQL cluster");
    let (ca, cert, key) = ca_and_server();
    pg.enable_tls(&cert, &key).expect("TLS on");
    let dir = tempfile::tempdir().unwrap();

    let mut c = with_ca(&pg, &ca, dir.path())
        .connect()
        .expect("a TLS connection");
    let ssl: bool = c
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(ssl, "the session is not encrypted");

    let (other_ca, _, _) = ca_and_server();
    let err = with_ca(&pg, &other_ca, dir.path())
        .connect()
        .map(|_| ())
        .expect_err("a certificate of another CA is refused");
    assert!(err.to_string().contains("connect"), "{err}");

    let mut plain = PgSettings::new(format!("{}?sslmode=require", pg.url()));
    plain.tls = None;
    match plain.connect() {
        Err(StoreError::Engine(m)) => assert!(m.contains("store.postgres.ca_file"), "{m}"),
        other => panic!("{:?}", other.map(|_| ())),
    }
}
