//! Mandatory mutual TLS. The rustls server configuration is built here rather than through
//! tonic's `ServerTlsConfig` because lacznik needs what tonic does not offer: certificate
//! revocation lists, a handshake deadline, and the caller's identity read once per
//! connection.
//!
//! A client is refused at the handshake when it presents no certificate, one from another
//! CA, an expired one, or one listed in the configured CRL. TLS 1.3 is preferred and 1.2
//! allowed; ALPN offers only `h2` on the gRPC endpoint (the web console adds `http/1.1`).
//! There is no plaintext listener.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

/// Errors building the TLS configuration; each names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or parsed.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// rustls refused the combination (e.g. key does not match the certificate).
    #[error("TLS configuration rejected: {0}")]
    Rustls(String),
}

/// Where the server's TLS material lives.
#[derive(Debug, Clone)]
pub struct TlsPaths {
    /// CA bundle that client certificates must chain to (PEM, one or more certificates).
    pub ca: PathBuf,
    /// Server certificate chain (PEM).
    pub cert: PathBuf,
    /// Server private key (PEM).
    pub key: PathBuf,
    /// Optional CRL file (PEM, one or more CRLs); a missing file means no revocations.
    pub crl: Option<PathBuf>,
}

fn file_err(path: &Path, reason: impl std::fmt::Display) -> TlsError {
    TlsError::File {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let list = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_err(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_err(path, e))?;
    if list.is_empty() {
        return Err(file_err(path, "contains no PEM certificate"));
    }
    Ok(list)
}

fn crls(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    CertificateRevocationListDer::pem_file_iter(path)
        .map_err(|e| file_err(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_err(path, e))
}

/// The client side of TLS to the PostgreSQL database (`store.postgres.ca_file`): the
/// database's certificate must chain to `ca` and name the host lacznik connects to, as
/// libpq's `sslmode=verify-full` checks.
pub fn database_client_config(ca: &Path) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in certs(ca)? {
        roots.add(cert).map_err(|e| file_err(ca, e))?;
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Rustls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The crypto provider used everywhere (ring: builds with a C compiler only).
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the gRPC endpoint's configuration: client certificates required, verified
/// against `ca` and the CRL (end-entity certificates; an issuer with no CRL is treated as
/// "no revocations" so that intermediate CAs without CRLs keep working); ALPN `h2` only.
pub fn server_config(paths: &TlsPaths) -> Result<Arc<ServerConfig>, TlsError> {
    build(paths, vec![b"h2".to_vec()])
}

/// The web console's configuration: the same files and the same mandatory client
/// certificate as [`server_config`], so one certificate is the login on both; ALPN offers
/// `http/1.1` beside `h2`, since browsers and their proxies may speak either.
pub fn console_config(paths: &TlsPaths) -> Result<Arc<ServerConfig>, TlsError> {
    build(paths, vec![b"h2".to_vec(), b"http/1.1".to_vec()])
}

fn build(paths: &TlsPaths, alpn: Vec<Vec<u8>>) -> Result<Arc<ServerConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    for c in certs(&paths.ca)? {
        roots
            .add(c)
            .map_err(|e| file_err(&paths.ca, format!("bad CA certificate: {e}")))?;
    }
    let provider = provider();
    let mut verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    if let Some(crl_path) = paths.crl.as_deref().filter(|p| p.exists()) {
        verifier = verifier
            .with_crls(crls(crl_path)?)
            .only_check_end_entity_revocation()
            .allow_unknown_revocation_status();
    }
    let verifier = verifier
        .build()
        .map_err(|e| TlsError::Rustls(format!("client verifier: {e}")))?;
    let chain = certs(&paths.cert)?;
    let key = PrivateKeyDer::from_pem_file(&paths.key).map_err(|e| file_err(&paths.key, e))?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Rustls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    config.alpn_protocols = alpn;
    Ok(Arc::new(config))
}

/// Modification times of the TLS files, to notice a replaced CRL or certificate.
pub fn fingerprint(paths: &TlsPaths) -> Vec<Option<std::time::SystemTime>> {
    let mut files = vec![&paths.ca, &paths.cert, &paths.key];
    if let Some(crl) = &paths.crl {
        files.push(crl);
    }
    files
        .into_iter()
        .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .collect()
}
