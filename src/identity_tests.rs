//! Unit tests of `identity`.

use super::*;
use crate::pki::{DevCa, Validity};
use rustls_pki_types::pem::PemObject;

fn der(pem: &str) -> Vec<u8> {
    rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}

#[test]
fn reads_the_org_uri_and_refuses_ambiguity() {
    let ca = DevCa::generate("test").unwrap();
    let org: OrgId = "kmp-torun".parse().unwrap();
    let c = ca.issue_client(&org, Validity::days(1)).unwrap();
    assert_eq!(org_from_cert(&der(&c.cert_pem)), Ok(org));

    let none = ca
        .issue_client_with_uris("x", &["https://example.org".into()], Validity::days(1))
        .unwrap();
    assert_eq!(
        org_from_cert(&der(&none.cert_pem)),
        Err(IdentityError::NoOrgUri)
    );
    let two = ca
        .issue_client_with_uris(
            "x",
            &["urn:lacznik:org:a".into(), "urn:lacznik:org:b".into()],
            Validity::days(1),
        )
        .unwrap();
    assert_eq!(
        org_from_cert(&der(&two.cert_pem)),
        Err(IdentityError::SeveralOrgUris)
    );
    let bad = ca
        .issue_client_with_uris("x", &["urn:lacznik:org:Bad_Id".into()], Validity::days(1))
        .unwrap();
    assert_eq!(
        org_from_cert(&der(&bad.cert_pem)),
        Err(IdentityError::BadOrgId)
    );
    assert_eq!(org_from_cert(b"garbage"), Err(IdentityError::Unparseable));
}
