//! PKCS#12 bundles (`<org-id>.p12`) of the development client certificates, for browsers:
//! the web console asks for a client certificate in the TLS handshake, and Chromium and
//! Firefox import one only as a PKCS#12 file, not as a PEM pair.
//!
//! A bundle holds the organisation's certificate, its private key (PKCS#8) and the CA
//! certificate that issued it (the chain), under the friendly name `lacznik <org-id>`,
//! encrypted with [`DEV_P12_PASSWORD`]: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) and an
//! HMAC-SHA256 MAC, which current NSS (Chromium on Linux, Firefox), macOS and Windows read.
//! It is written next to `<org-id>.pem` / `<org-id>.key` by [`super::init`] and
//! [`super::issue`], and by [`write_p12`] (`lacznik certs p12 --org ID`) for a pair made
//! before bundles existed.

use std::path::{Path, PathBuf};

use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};

use super::{PkiError, org_paths, read, write};
use crate::directory::OrgId;

/// The password of every development `.p12` file.
///
/// A fixed, published password is acceptable because these bundles only ever hold the
/// development PKI's throwaway certificates (a real deployment issues its own), and the
/// import dialogs of Chromium and Firefox ask for a password anyway (some refuse an empty
/// one). It protects nothing; keep the `.p12` files as private as the `.key` files.
pub const DEV_P12_PASSWORD: &str = "lacznik";

/// Key-derivation iterations for the encryption (PBKDF2) and the MAC. The password is
/// published, so stretching it protects nothing, and every test server's `init` writes
/// one bundle per organisation of the sample directory (25): with the usual 10 000 that
/// costs seconds per server in a debug build, where SHA-256 is unoptimised. Every reader
/// (NSS, OpenSSL, Windows, macOS, Java) accepts any count from 1 up.
const ITERATIONS: u32 = 100;

/// Path of an organisation's PKCS#12 bundle in the dev layout, next to its PEM pair.
pub fn p12_path(dir: &Path, org: &OrgId) -> PathBuf {
    dir.join(format!("{org}.p12"))
}

/// The friendly name (alias) of an organisation's key in its bundle, which browsers show
/// in their certificate lists and pickers.
pub fn friendly_name(org: &OrgId) -> String {
    format!("lacznik {org}")
}

/// `lacznik certs p12 --org ID` (and [`super::init`] / [`super::issue`] after writing a
/// pair): reads `<dir>/<org>.pem`, `<dir>/<org>.key` and `<dir>/ca.pem` and writes
/// `<dir>/<org>.p12` (mode 0600 on unix, like the keys), encrypted with
/// [`DEV_P12_PASSWORD`]; returns its path. An error names the file that is missing or
/// wrong.
pub fn write_p12(dir: &Path, org: &OrgId) -> Result<PathBuf, PkiError> {
    let (cert_path, key_path) = org_paths(dir, org);
    let ca_path = dir.join("ca.pem");
    let bytes = p12_bytes(
        org,
        (&cert_path, &read(&cert_path)?),
        (&key_path, &read(&key_path)?),
        (&ca_path, &read(&ca_path)?),
        DEV_P12_PASSWORD,
    )?;
    let path = p12_path(dir, org);
    write(&path, bytes, true)?;
    Ok(path)
}

fn invalid(path: &Path, reason: impl Into<String>) -> PkiError {
    PkiError::Invalid {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Builds the PKCS#12 bytes from the PEM texts of a client certificate, its key and the
/// CA file, each given with the path it came from (for the errors).
fn p12_bytes(
    org: &OrgId,
    (cert_path, cert_pem): (&Path, &str),
    (key_path, key_pem): (&Path, &str),
    (ca_path, ca_pem): (&Path, &str),
    password: &str,
) -> Result<Vec<u8>, PkiError> {
    let leaf = CertificateDer::from_pem_slice(cert_pem.as_bytes())
        .map_err(|e| invalid(cert_path, format!("not a PEM certificate: {e}")))?;
    let key = PrivatePkcs8KeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| invalid(key_path, format!("not a PKCS#8 PEM private key: {e}")))?;
    check_key_matches(&leaf, cert_path, key_pem, key_path)?;
    let cas = CertificateDer::pem_slice_iter(ca_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(ca_path, format!("not PEM certificates: {e}")))?;
    let mut certs = vec![to_p12_cert(&leaf, cert_path)?];
    for ca in chain(&leaf, cert_path, &cas, ca_path)? {
        certs.push(to_p12_cert(ca, ca_path)?);
    }
    let key = PrivateKey::from_der(key.secret_pkcs8_der())
        .map_err(|e| invalid(key_path, format!("not a PKCS#8 private key: {e}")))?;
    // The local key id ties the key bag to the leaf's certificate bag; any unique value
    // does, and the leaf's serial number is one.
    let local_key_id = serial(&leaf, cert_path)?;
    let mut store = KeyStore::new();
    store.add_entry(
        &friendly_name(org),
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)),
    );
    store
        .writer(password)
        .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
        .encryption_iterations(ITERATIONS)
        .mac_algorithm(MacAlgorithm::HmacSha256)
        .mac_iterations(ITERATIONS)
        .write()
        .map_err(|e| invalid(cert_path, format!("cannot encode it as PKCS#12: {e}")))
}

fn to_p12_cert(der: &CertificateDer<'_>, path: &Path) -> Result<Certificate, PkiError> {
    Certificate::from_der(der).map_err(|e| invalid(path, format!("not an X.509 certificate: {e}")))
}

fn parse<'a>(
    der: &'a CertificateDer<'_>,
    path: &Path,
) -> Result<x509_parser::certificate::X509Certificate<'a>, PkiError> {
    x509_parser::parse_x509_certificate(der)
        .map(|(_, cert)| cert)
        .map_err(|e| invalid(path, format!("not an X.509 certificate: {e}")))
}

fn serial(der: &CertificateDer<'_>, path: &Path) -> Result<Vec<u8>, PkiError> {
    Ok(parse(der, path)?.tbs_certificate.raw_serial().to_vec())
}

/// Refuses a key that is not the one of the certificate (e.g. a `.key` left over from an
/// earlier issue), which a browser would import and then fail to use.
fn check_key_matches(
    leaf: &CertificateDer<'_>,
    cert_path: &Path,
    key_pem: &str,
    key_path: &Path,
) -> Result<(), PkiError> {
    let key = rcgen::KeyPair::from_pem(key_pem)
        .map_err(|e| invalid(key_path, format!("not a usable private key: {e}")))?;
    let cert = parse(leaf, cert_path)?;
    if cert
        .tbs_certificate
        .subject_pki
        .subject_public_key
        .data
        .as_ref()
        != key.public_key_raw()
    {
        return Err(invalid(
            key_path,
            format!("is not the key of {}", cert_path.display()),
        ));
    }
    Ok(())
}

/// Whether `ca` issued `child`: its subject is the child's issuer, and, when both carry
/// key identifiers, the child's authority key identifier is the CA's subject key
/// identifier (a regenerated development CA has the same name but another key).
fn issued_by(
    child: &x509_parser::certificate::X509Certificate<'_>,
    ca: &x509_parser::certificate::X509Certificate<'_>,
) -> bool {
    use x509_parser::extensions::ParsedExtension;
    let authority = child
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => a.key_identifier.as_ref().map(|k| k.0),
            _ => None,
        });
    let subject = ca
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0),
            _ => None,
        });
    child.issuer().as_raw() == ca.subject().as_raw()
        && match (authority, subject) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
}

/// The certificates of `cas` from the leaf's issuer up to a self-signed one (or as far as
/// the file goes); the leaf's issuer must be there.
fn chain<'c>(
    leaf: &CertificateDer<'_>,
    cert_path: &Path,
    cas: &'c [CertificateDer<'static>],
    ca_path: &Path,
) -> Result<Vec<&'c CertificateDer<'static>>, PkiError> {
    let parsed = cas
        .iter()
        .map(|der| parse(der, ca_path))
        .collect::<Result<Vec<_>, _>>()?;
    let mut child = parse(leaf, cert_path)?;
    let mut out: Vec<usize> = Vec::new();
    while let Some(i) = parsed.iter().position(|ca| issued_by(&child, ca)) {
        if out.contains(&i) {
            break;
        }
        out.push(i);
        if issued_by(&parsed[i], &parsed[i]) {
            break;
        }
        child = parsed[i].clone();
    }
    if out.is_empty() {
        return Err(invalid(
            ca_path,
            format!(
                "holds no certificate that issued {} (was the CA replaced? reissue with \
                 `lacznik certs issue --org ...`)",
                cert_path.display()
            ),
        ));
    }
    Ok(out.into_iter().map(|i| &cas[i]).collect())
}

#[cfg(test)]
#[path = "p12_tests.rs"]
mod tests;
