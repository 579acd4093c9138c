//! Who is calling: the organisation named by the client certificate.
//!
//! Convention (documented in README and `certs/README.md`): a client certificate carries
//! exactly one URI subject alternative name of the form `urn:lacznik:org:<org-id>`. The TLS
//! layer has already verified the chain, validity and revocation; this module only reads
//! the name, once per connection. Resolving it against the directory (unknown or suspended
//! organisations) happens per call in the API layer, so a directory change needs no
//! reconnect.

use crate::directory::OrgId;

/// The URI SAN prefix that names an organisation.
pub const ORG_URI_PREFIX: &str = "urn:lacznik:org:";

/// What the TLS layer learnt about a connection, attached to every request on it.
#[derive(Debug, Clone)]
pub struct Peer {
    /// The remote socket address (logged on handshake problems; never personal data).
    pub addr: std::net::SocketAddr,
    /// The organisation the client certificate names, or why it names none.
    pub org: Result<OrgId, IdentityError>,
    /// The SHA-256 fingerprint (lower-case hex) of the client certificate: where an
    /// organisation has one certificate per staff member, the audit names the one that
    /// acted by it (the same value `openssl x509 -fingerprint -sha256` prints, without the
    /// colons). Empty when no certificate was presented.
    pub certificate: String,
}

/// The SHA-256 fingerprint of a DER certificate, lower-case hex, as [`Peer::certificate`]
/// and the audit log name it.
pub fn fingerprint(der: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(der))
}

/// Why a verified certificate still names no organisation.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    /// The connection carried no client certificate (cannot happen with the mandatory
    /// verifier, kept for completeness).
    #[error("no client certificate was presented")]
    NoCertificate,
    /// The certificate could not be parsed.
    #[error("the client certificate cannot be parsed")]
    Unparseable,
    /// No `urn:lacznik:org:` URI SAN.
    #[error("the client certificate carries no urn:lacznik:org:<id> URI SAN")]
    NoOrgUri,
    /// More than one organisation URI: ambiguous, refused.
    #[error("the client certificate carries more than one urn:lacznik:org: URI SAN")]
    SeveralOrgUris,
    /// The URI's id is not a valid organisation id.
    #[error("the client certificate's organisation id is malformed")]
    BadOrgId,
}

/// Reads the organisation id from a DER client certificate.
pub fn org_from_cert(der: &[u8]) -> Result<OrgId, IdentityError> {
    let (_, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|_| IdentityError::Unparseable)?;
    let san = cert
        .subject_alternative_name()
        .map_err(|_| IdentityError::Unparseable)?;
    let mut found = None;
    if let Some(san) = san {
        for name in &san.value.general_names {
            if let x509_parser::extensions::GeneralName::URI(uri) = name {
                if let Some(id) = uri.strip_prefix(ORG_URI_PREFIX) {
                    if found.is_some() {
                        return Err(IdentityError::SeveralOrgUris);
                    }
                    found = Some(id.to_string());
                }
            }
        }
    }
    let id = found.ok_or(IdentityError::NoOrgUri)?;
    id.parse::<OrgId>().map_err(|_| IdentityError::BadOrgId)
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
