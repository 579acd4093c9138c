//! `.p12` bundles read back with p12-keystore: the leaf, the key and the CA inside, the
//! password needed, modern encryption, written by `init` and `issue`, and errors that name
//! the file at fault.

use std::path::Path;

use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};

use super::{DEV_P12_PASSWORD, friendly_name, p12_path, write_p12};
use crate::directory::OrgId;
use crate::pki::{self, DevCa, PkiError, org_paths};

fn org() -> OrgId {
    "kmp-torun".parse().unwrap()
}

/// A certificate directory with a CA and one organisation's pair (and bundle).
fn dev_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ca = DevCa::generate("lacznik development CA").unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.cert_pem()).unwrap();
    std::fs::write(dir.path().join("ca.key"), ca.key_pem()).unwrap();
    pki::issue(dir.path(), &org(), 30).unwrap();
    dir
}

fn cert_der(path: &Path) -> Vec<u8> {
    CertificateDer::from_pem_file(path).unwrap().to_vec()
}

fn open(path: &Path, password: &str) -> p12_keystore::Result<KeyStore> {
    KeyStore::from_pkcs12(
        &std::fs::read(path).unwrap(),
        password,
        Pkcs12ImportPolicy::Strict,
    )
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_bundle_holds_the_certificate_its_key_and_the_ca() {
    let dir = dev_dir();
    let path = p12_path(dir.path(), &org());
    std::fs::remove_file(&path).unwrap();
    assert_eq!(write_p12(dir.path(), &org()).unwrap(), path);
    assert_eq!(path, dir.path().join("kmp-torun.p12"));

    let store = open(&path, DEV_P12_PASSWORD).unwrap();
    let (cert_path, key_path) = org_paths(dir.path(), &org());
    let Some(KeyStoreEntry::PrivateKeyChain(chain)) = store.entry(&friendly_name(&org())) else {
        panic!("no key under \"lacznik kmp-torun\": {store:?}");
    };
    assert_eq!(friendly_name(&org()), "lacznik kmp-torun");
    let certs = chain.certs();
    assert_eq!(certs.len(), 2, "{certs:?}");
    assert_eq!(certs[0].as_der(), cert_der(&cert_path).as_slice());
    assert_eq!(
        certs[1].as_der(),
        cert_der(&dir.path().join("ca.pem")).as_slice()
    );
    let key = PrivatePkcs8KeyDer::from_pem_file(&key_path).unwrap();
    assert_eq!(chain.key().as_der(), key.secret_pkcs8_der());
}

#[test]
fn a_wrong_password_is_refused() {
    let dir = dev_dir();
    let path = p12_path(dir.path(), &org());
    assert!(open(&path, DEV_P12_PASSWORD).is_ok());
    assert!(open(&path, "wrong").is_err());
    assert!(open(&path, "").is_err());
}

#[test]
fn the_encryption_is_pbes2_aes_256_with_an_hmac_sha256_mac() {
    let dir = dev_dir();
    let der = std::fs::read(p12_path(dir.path(), &org())).unwrap();
    // DER object identifiers (tag, length, value).
    let pbes2 = [6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
    let aes256_cbc = [6, 9, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a];
    let hmac_sha256 = [6, 8, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09];
    let sha256 = [6, 9, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    // pbeWithSHAAnd3-KeyTripleDES-CBC and pbeWithSHAAnd40BitRC2-CBC: the legacy ones.
    let des3 = [
        6, 10, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x03,
    ];
    let rc2 = [
        6, 10, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x06,
    ];
    for (name, oid) in [
        ("PBES2", &pbes2[..]),
        ("AES-256-CBC", &aes256_cbc),
        ("hmacWithSHA256", &hmac_sha256),
        ("SHA-256 (MAC)", &sha256),
    ] {
        assert!(contains(&der, oid), "no {name}");
    }
    assert!(!contains(&der, &des3) && !contains(&der, &rc2));
}

#[cfg(unix)]
#[test]
fn the_bundle_is_private_like_the_key() {
    use std::os::unix::fs::PermissionsExt;
    let dir = dev_dir();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let bundle = p12_path(dir.path(), &org());
    assert_eq!(mode(&bundle), 0o600);
    assert_eq!(mode(&bundle), mode(&org_paths(dir.path(), &org()).1));
}

#[test]
fn init_and_issue_write_a_bundle_per_organisation() {
    let dir = tempfile::tempdir().unwrap();
    let directory = crate::config::Config::default()
        .load_directory()
        .expect("the built-in sample");
    let report = pki::init(dir.path(), &directory).unwrap();
    for o in directory.iter() {
        let path = p12_path(dir.path(), &o.id);
        assert!(report.created.contains(&path), "{}", path.display());
        let store = open(&path, DEV_P12_PASSWORD).unwrap();
        let (alias, chain) = store.private_key_chain().unwrap();
        assert_eq!(alias, friendly_name(&o.id));
        assert_eq!(
            chain.certs()[0].as_der(),
            cert_der(&org_paths(dir.path(), &o.id).0).as_slice()
        );
    }
    // Reissuing replaces the bundle along with the pair.
    let path = p12_path(dir.path(), &org());
    let before = std::fs::read(&path).unwrap();
    pki::issue(dir.path(), &org(), 5).unwrap();
    assert_ne!(std::fs::read(&path).unwrap(), before);
    let store = open(&path, DEV_P12_PASSWORD).unwrap();
    assert_eq!(
        store.private_key_chain().unwrap().1.certs()[0].as_der(),
        cert_der(&org_paths(dir.path(), &org()).0).as_slice()
    );
}

fn error_of(dir: &Path) -> String {
    let e = write_p12(dir, &org()).unwrap_err();
    assert!(
        matches!(e, PkiError::Io { .. } | PkiError::Invalid { .. }),
        "{e:?}"
    );
    e.to_string()
}

#[test]
fn a_missing_file_is_named() {
    for missing in ["kmp-torun.pem", "kmp-torun.key", "ca.pem"] {
        let dir = dev_dir();
        std::fs::remove_file(dir.path().join(missing)).unwrap();
        let e = error_of(dir.path());
        assert!(e.contains(missing), "{missing}: {e}");
    }
}

#[test]
fn a_key_of_another_certificate_or_a_replaced_ca_is_refused() {
    let dir = dev_dir();
    let (_, key_path) = org_paths(dir.path(), &org());
    let other = pki::load_ca(dir.path())
        .unwrap()
        .issue_client(&"mopr-torun".parse().unwrap(), pki::Validity::days(1))
        .unwrap();
    std::fs::write(&key_path, &other.key_pem).unwrap();
    let e = error_of(dir.path());
    assert!(
        e.contains("kmp-torun.key") && e.contains("not the key"),
        "{e}"
    );

    let dir = dev_dir();
    let ca = DevCa::generate("lacznik development CA").unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca.cert_pem()).unwrap();
    let e = error_of(dir.path());
    assert!(e.contains("ca.pem") && e.contains("issued"), "{e}");
}
