//! Development PKI: a CA, a server certificate and one client certificate per organisation,
//! generated with rcgen so that a fresh checkout (and every test) runs over real mutual TLS
//! without a system package or a committed private key.
//!
//! Layout of a certificate directory (see `certs/README.md`):
//! `ca.pem`, `ca.key` (the dev CA and its key), `server.pem`, `server.key`,
//! `<org-id>.pem`, `<org-id>.key` (one pair per organisation), `<org-id>.p12` (the same
//! pair with the CA as a PKCS#12 bundle for browsers, [`p12`]), `crl.pem` (revocations),
//! `receipts.pem`, `receipts.key` (the receipt-signing certificate, [`receipts`]).
//!
//! Identity convention: a client certificate names its organisation with exactly one URI
//! subject alternative name `urn:lacznik:org:<org-id>` (see [`crate::identity`]).
//! A real deployment uses its own CA and only needs to follow that convention.

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SanType, SerialNumber,
};
use rustls_pki_types::pem::PemObject;
use time::{Duration, OffsetDateTime};

use crate::directory::{Directory, OrgId};
use crate::identity::ORG_URI_PREFIX;

pub mod expiry;
pub mod p12;
mod receipts;
pub use receipts::{DOCUMENT_SIGNING_OID, issue_receipts, receipts_paths};

/// Errors while generating or reading development certificates.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// rcgen refused to build or sign something.
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// A file exists but is not what it should be.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// A PEM certificate and its PEM private key.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The certificate (PEM).
    pub cert_pem: String,
    /// The private key (PKCS#8 PEM). Never logged.
    pub key_pem: String,
    /// The serial number, as needed to revoke it.
    pub serial: Vec<u8>,
}

/// Validity period of an issued certificate; tests use past periods to get expired ones.
#[derive(Clone, Copy, Debug)]
pub struct Validity {
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// From one hour ago (clock skew) for `days` days.
    pub fn days(days: i64) -> Validity {
        let now = OffsetDateTime::now_utc();
        Validity {
            not_before: now - Duration::hours(1),
            not_after: now + Duration::days(days),
        }
    }
}

/// A certificate authority that can issue and revoke, loaded from or written to PEM.
pub struct DevCa {
    cert_pem: String,
    key_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn random_serial() -> Vec<u8> {
    let mut bytes: [u8; 16] = rand::random();
    // Positive and non-zero leading byte, as RFC 5280 wants.
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    bytes.to_vec()
}

fn dn(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "lacznik development PKI");
    dn.push(DnType::CommonName, common_name);
    dn
}

impl DevCa {
    /// Generates a fresh CA valid for ten years.
    pub fn generate(common_name: &str) -> Result<DevCa, PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        let v = Validity::days(3650);
        params.not_before = v.not_before;
        params.not_after = v.not_after;
        params.serial_number = Some(SerialNumber::from_slice(&random_serial()));
        params.distinguished_name = dn(common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.key_identifier_method = KeyIdMethod::Sha256;
        let cert = params.self_signed(&key)?;
        let key_pem = key.serialize_pem();
        Ok(DevCa {
            cert_pem: cert.pem(),
            key_pem,
            issuer: Issuer::new(params, key),
        })
    }

    /// Loads a CA from its certificate and key PEM text.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<DevCa, PkiError> {
        let key = KeyPair::from_pem(key_pem)?;
        let issuer = Issuer::from_ca_cert_pem(cert_pem, key)?;
        Ok(DevCa {
            cert_pem: cert_pem.to_string(),
            key_pem: key_pem.to_string(),
            issuer,
        })
    }

    /// The CA certificate (PEM), the trust anchor for both sides.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA key (PEM); written next to the CA so `certs issue` works later.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// Issues a server certificate for the given DNS names and IP addresses.
    pub fn issue_server(&self, names: &[&str]) -> Result<Issued, PkiError> {
        let mut sans = Vec::new();
        for n in names {
            match n.parse::<std::net::IpAddr>() {
                Ok(ip) => sans.push(SanType::IpAddress(ip)),
                Err(_) => sans.push(SanType::DnsName((*n).try_into()?)),
            }
        }
        self.issue(
            "lacznik server",
            sans,
            ExtendedKeyUsagePurpose::ServerAuth,
            Validity::days(825),
        )
    }

    /// Issues a client certificate for an organisation (URI SAN `urn:lacznik:org:<id>`).
    pub fn issue_client(&self, org: &OrgId, validity: Validity) -> Result<Issued, PkiError> {
        let uri = format!("{ORG_URI_PREFIX}{org}");
        self.issue_client_with_uris(org.as_str(), &[uri], validity)
    }

    /// Issues a client certificate with arbitrary URI SANs; tests use it for certificates
    /// that name no organisation, or two.
    pub fn issue_client_with_uris(
        &self,
        common_name: &str,
        uris: &[String],
        validity: Validity,
    ) -> Result<Issued, PkiError> {
        let mut sans = Vec::new();
        for u in uris {
            sans.push(SanType::URI(u.as_str().try_into()?));
        }
        self.issue(
            common_name,
            sans,
            ExtendedKeyUsagePurpose::ClientAuth,
            validity,
        )
    }

    fn issue(
        &self,
        common_name: &str,
        sans: Vec<SanType>,
        usage: ExtendedKeyUsagePurpose,
        validity: Validity,
    ) -> Result<Issued, PkiError> {
        let key = KeyPair::generate()?;
        let serial = random_serial();
        let mut params = CertificateParams::default();
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.distinguished_name = dn(common_name);
        params.subject_alt_names = sans;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![usage];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            serial,
        })
    }

    /// Signs a CRL listing `revoked` serial numbers, valid for a year.
    pub fn crl(&self, revoked: &[Vec<u8>], number: u64) -> Result<String, PkiError> {
        let now = OffsetDateTime::now_utc();
        let params = CertificateRevocationListParams {
            this_update: now - Duration::minutes(5),
            next_update: now + Duration::days(365),
            crl_number: SerialNumber::from_slice(&number.to_be_bytes()),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(s),
                    revocation_time: now - Duration::minutes(1),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        Ok(params.signed_by(&self.issuer)?.pem()?)
    }
}

/// What `certs init` did, so the CLI can say it.
#[derive(Debug, Default)]
pub struct InitReport {
    /// Files written.
    pub created: Vec<PathBuf>,
    /// Files that already existed and were kept.
    pub kept: Vec<PathBuf>,
}

fn read(path: &Path) -> Result<String, PkiError> {
    fs::read_to_string(path).map_err(|source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, contents: impl AsRef<[u8]>, private: bool) -> Result<(), PkiError> {
    let io = |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    };
    fs::write(path, contents).map_err(io)?;
    if private {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
    }
    Ok(())
}

/// Loads the CA of a certificate directory, creating it if absent.
fn load_or_create_ca(dir: &Path, report: &mut InitReport) -> Result<DevCa, PkiError> {
    let (cert, key) = (dir.join("ca.pem"), dir.join("ca.key"));
    if cert.exists() && key.exists() {
        report.kept.push(cert.clone());
        return DevCa::from_pem(&read(&cert)?, &read(&key)?);
    }
    if cert.exists() {
        return Err(PkiError::Invalid {
            path: key,
            reason: "ca.pem exists without its key; cannot issue with it (remove ca.pem or \
                     restore ca.key)"
                .into(),
        });
    }
    let ca = DevCa::generate("lacznik development CA")?;
    write(&cert, ca.cert_pem(), false)?;
    write(&key, ca.key_pem(), true)?;
    report.created.push(cert);
    report.created.push(key);
    Ok(ca)
}

/// Loads the CA of an existing certificate directory (for `certs issue` / `certs revoke`).
pub fn load_ca(dir: &Path) -> Result<DevCa, PkiError> {
    DevCa::from_pem(&read(&dir.join("ca.pem"))?, &read(&dir.join("ca.key"))?)
}

/// `lacznik certs init`: creates whatever of the layout is missing (CA, server certificate,
/// receipt certificate, one client certificate per organisation of `directory`, with its
/// `.p12` bundle) and keeps what exists, so it is safe to run again after adding an
/// organisation.
pub fn init(dir: &Path, directory: &Directory) -> Result<InitReport, PkiError> {
    fs::create_dir_all(dir).map_err(|source| PkiError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut report = InitReport::default();
    let ca = load_or_create_ca(dir, &mut report)?;
    let (sc, sk) = (dir.join("server.pem"), dir.join("server.key"));
    if sc.exists() && sk.exists() {
        report.kept.push(sc);
    } else {
        let s = ca.issue_server(&["localhost", "127.0.0.1", "::1"])?;
        write(&sc, &s.cert_pem, false)?;
        write(&sk, &s.key_pem, true)?;
        report.created.push(sc);
        report.created.push(sk);
    }
    let (rc, rk) = receipts_paths(dir);
    if rc.exists() && rk.exists() {
        report.kept.push(rc);
    } else {
        let r = ca.issue_receipts(Validity::days(825))?;
        write(&rc, &r.cert_pem, false)?;
        write(&rk, &r.key_pem, true)?;
        report.created.push(rc);
        report.created.push(rk);
    }
    for org in directory.iter() {
        let (c, k) = org_paths(dir, &org.id);
        if c.exists() && k.exists() {
            report.kept.push(c);
            continue;
        }
        let issued = ca.issue_client(&org.id, Validity::days(825))?;
        write(&c, &issued.cert_pem, false)?;
        write(&k, &issued.key_pem, true)?;
        report.created.push(c);
        report.created.push(k);
        report.created.push(p12::write_p12(dir, &org.id)?);
    }
    Ok(report)
}

/// Paths of an organisation's certificate and key in the dev layout.
pub fn org_paths(dir: &Path, org: &OrgId) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{org}.pem")),
        dir.join(format!("{org}.key")),
    )
}

/// `lacznik certs issue --org ID`: (re)issues one organisation's certificate and key, and
/// its browser bundle (`<org-id>.p12`, [`p12::p12_path`]); returns the certificate's path.
pub fn issue(dir: &Path, org: &OrgId, days: i64) -> Result<PathBuf, PkiError> {
    let ca = load_ca(dir)?;
    let issued = ca.issue_client(org, Validity::days(days))?;
    let (c, k) = org_paths(dir, org);
    write(&c, &issued.cert_pem, false)?;
    write(&k, &issued.key_pem, true)?;
    p12::write_p12(dir, org)?;
    Ok(c)
}

/// Serial number of the certificate in a PEM file.
pub fn serial_of(path: &Path) -> Result<Vec<u8>, PkiError> {
    let pem_text = read(path)?;
    let invalid = |reason: String| PkiError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let der = rustls_pki_types::CertificateDer::from_pem_slice(pem_text.as_bytes())
        .map_err(|e| invalid(format!("not a PEM certificate: {e}")))?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| invalid(format!("not an X.509 certificate: {e}")))?;
    Ok(cert.tbs_certificate.raw_serial().to_vec())
}

/// Serial numbers and CRL number of an existing CRL file (empty if there is none).
fn existing_crl(path: &Path) -> Result<(Vec<Vec<u8>>, u64), PkiError> {
    if !path.exists() {
        return Ok((Vec::new(), 0));
    }
    let pem_text = read(path)?;
    let invalid = |reason: String| PkiError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let der = rustls_pki_types::CertificateRevocationListDer::from_pem_slice(pem_text.as_bytes())
        .map_err(|e| invalid(format!("not a PEM CRL: {e}")))?;
    let (_, crl) =
        x509_parser::parse_x509_crl(&der).map_err(|e| invalid(format!("not an X.509 CRL: {e}")))?;
    let serials = crl
        .iter_revoked_certificates()
        .map(|r| r.raw_serial().to_vec())
        .collect();
    let number = crl
        .crl_number()
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0);
    Ok((serials, number))
}

/// `lacznik certs revoke --org ID`: adds the organisation's current certificate to
/// `crl.pem` (keeping earlier revocations) and returns the CRL path.
pub fn revoke(dir: &Path, org: &OrgId) -> Result<PathBuf, PkiError> {
    let ca = load_ca(dir)?;
    let serial = serial_of(&org_paths(dir, org).0)?;
    let crl_path = dir.join("crl.pem");
    let (mut serials, number) = existing_crl(&crl_path)?;
    if !serials.contains(&serial) {
        serials.push(serial);
    }
    let crl = ca.crl(&serials, number + 1)?;
    write(&crl_path, &crl, false)?;
    Ok(crl_path)
}
