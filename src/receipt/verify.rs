//! Checking a receipt as any party would, with nothing but the CA certificate it trusts:
//! ES256 or EdDSA, and only the one the signing certificate's key is for (never `none`,
//! never an algorithm the header picks for a key of another kind), no unknown
//! critical headers, a chain to the CA that was valid at the receipt's event time, a
//! certificate for signing receipts only, and the signature over header and payload.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, UnixTime};
use webpki::{EndEntityCert, KeyUsage};

use super::payload::FORMAT_VERSION;
use super::{Payload, ReceiptError};

/// id-kp-documentSigning (1.3.6.1.5.5.7.3.36) as DER content bytes, for webpki.
const DOCUMENT_SIGNING_DER: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x24];

/// A receipt that verified: its payload and who signed it.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The signed payload.
    pub payload: Payload,
    /// The signing certificate's subject (e.g. `CN=lacznik receipts`).
    pub signer: String,
    /// The signing certificate's serial number (hex).
    pub signer_serial: String,
}

fn part(text: &str, what: &str) -> Result<Vec<u8>, ReceiptError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| ReceiptError::Malformed(format!("the {what} is not base64url: {e}")))
}

/// Verifies the receipt `jws` (compact JWS) against the CA certificates in
/// `trusted_ca_pem`.
pub fn verify(jws: &str, trusted_ca_pem: &[u8]) -> Result<Verified, ReceiptError> {
    // A receipt of a training server's simulated clock has a fictional event time, at
    // which its (real) certificate need not have been valid: its chain is checked now.
    let (payload, signer, signer_serial) = verify_signed::<Payload>(jws, trusted_ca_pem, |p| {
        (
            p.format_version,
            (!p.simulated_clock).then_some(p.event_time.as_str()),
        )
    })?;
    Ok(Verified {
        payload,
        signer,
        signer_serial,
    })
}

/// Verifies any JWS signed with a receipt key and returns its payload as `T`, with the
/// signer's subject and serial; `meta` gives the payload's format version and the time
/// (RFC 3339) at which the chain must have been valid (`None`: now).
pub fn verify_signed<T: serde::de::DeserializeOwned>(
    jws: &str,
    trusted_ca_pem: &[u8],
    meta: impl Fn(&T) -> (u32, Option<&str>),
) -> Result<(T, String, String), ReceiptError> {
    let jws = jws.trim();
    let parts: Vec<&str> = jws.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts.as_slice() else {
        return Err(ReceiptError::Malformed(format!(
            "a compact JWS has three dot-separated parts, this has {}",
            parts.len()
        )));
    };
    let header: serde_json::Value = serde_json::from_slice(&part(header_b64, "header")?)
        .map_err(|e| ReceiptError::Malformed(format!("the header is not JSON: {e}")))?;
    let alg = match header.get("alg").and_then(|a| a.as_str()) {
        Some(a @ ("ES256" | "EdDSA")) => a.to_string(),
        Some("none") => {
            return Err(ReceiptError::Algorithm(
                "alg \"none\" (an unsigned receipt) is never accepted".into(),
            ));
        }
        Some(other) => {
            return Err(ReceiptError::Algorithm(format!(
                "alg {other:?}: receipts are signed with ES256 or EdDSA only"
            )));
        }
        None => return Err(ReceiptError::Algorithm("the header names no alg".into())),
    };
    if header.get("crit").is_some() {
        return Err(ReceiptError::Algorithm(
            "critical header parameters (crit) are not understood".into(),
        ));
    }
    let chain: Vec<CertificateDer<'static>> = header
        .get("x5c")
        .and_then(|c| c.as_array())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ReceiptError::Malformed("the header has no x5c certificate chain".into()))?
        .iter()
        .map(|c| {
            c.as_str()
                .and_then(|s| STANDARD.decode(s).ok())
                .map(CertificateDer::from)
                .ok_or_else(|| ReceiptError::Malformed("an x5c entry is not base64 DER".into()))
        })
        .collect::<Result<_, _>>()?;
    let signature = part(signature_b64, "signature")?;
    if signature.is_empty() {
        return Err(ReceiptError::Malformed("the signature is empty".into()));
    }
    let leaf = EndEntityCert::try_from(&chain[0])
        .map_err(|e| ReceiptError::Malformed(format!("the signing certificate: {e}")))?;
    // The signature first, with the certificate's own key: only a payload that verifies
    // may say at what time the chain must have been valid.
    let input = format!("{header_b64}.{payload_b64}");
    signature_check(&chain[0], &alg)?
        .verify(input.as_bytes(), &signature)
        .map_err(|_| ReceiptError::Signature)?;
    let payload: T = serde_json::from_slice(&part(payload_b64, "payload")?)
        .map_err(|e| ReceiptError::Malformed(format!("the payload: {e}")))?;
    let (format, time) = meta(&payload);
    if format > FORMAT_VERSION {
        return Err(ReceiptError::Malformed(format!(
            "payload format {format} is newer than this verifier ({FORMAT_VERSION})"
        )));
    }
    let at: jiff::Timestamp = match time {
        Some(t) => t
            .parse()
            .map_err(|e| ReceiptError::Malformed(format!("the payload's time: {e}")))?,
        None => jiff::Timestamp::now(),
    };
    let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(at.as_second()).unwrap_or(0),
    ));
    // A root in the chain (self-issued) is for the reader's information: trust comes from
    // the CA file alone, and offering it as an intermediate would only blur the error.
    let intermediates: Vec<CertificateDer<'static>> = chain[1..]
        .iter()
        .filter(|c| !self_issued(c))
        .cloned()
        .collect();
    check_chain(&leaf, &intermediates, trusted_ca_pem, at)?;
    let (signer, signer_serial) = check_usage(&chain[0])?;
    Ok((payload, signer, signer_serial))
}

/// id-ecPublicKey with the named curve prime256v1, and id-Ed25519 (RFC 8410).
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const PRIME256V1: &str = "1.2.840.10045.3.1.7";
const ED25519_KEY: &str = "1.3.101.112";

/// The check of a signature by the leaf certificate's key under `alg`, refused when the
/// key is not of the kind `alg` names (an ES256 header on an Ed25519 certificate, say).
/// JWS signatures are R || S for ES256 (RFC 7518 § 3.4), not X.509's DER, so ring checks
/// them directly with the certificate's public key.
pub(super) fn signature_check(
    leaf: &CertificateDer<'_>,
    alg: &str,
) -> Result<ring::signature::UnparsedPublicKey<Vec<u8>>, ReceiptError> {
    let (_, cert) = x509_parser::parse_x509_certificate(leaf)
        .map_err(|e| ReceiptError::Malformed(format!("the signing certificate: {e}")))?;
    let spki = cert.public_key();
    let key_alg = spki.algorithm.algorithm.to_id_string();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let verification: &'static dyn ring::signature::VerificationAlgorithm =
        match (alg, key_alg.as_str(), curve.as_deref()) {
            ("ES256", EC_PUBLIC_KEY, Some(PRIME256V1)) => &ring::signature::ECDSA_P256_SHA256_FIXED,
            ("EdDSA", ED25519_KEY, _) => &ring::signature::ED25519,
            _ => {
                return Err(ReceiptError::Algorithm(format!(
                    "alg {alg:?} does not fit the signing certificate's key ({key_alg})"
                )));
            }
        };
    Ok(ring::signature::UnparsedPublicKey::new(
        verification,
        spki.subject_public_key.data.to_vec(),
    ))
}

fn check_chain(
    leaf: &EndEntityCert<'_>,
    intermediates: &[CertificateDer<'static>],
    trusted_ca_pem: &[u8],
    at: UnixTime,
) -> Result<(), ReceiptError> {
    let cas = CertificateDer::pem_slice_iter(trusted_ca_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ReceiptError::Chain(format!("the trusted CA file: {e}")))?;
    let anchors = cas
        .iter()
        .map(|c| webpki::anchor_from_trusted_cert(c).map(|a| a.to_owned()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ReceiptError::Chain(format!("the trusted CA file: {e}")))?;
    if anchors.is_empty() {
        return Err(ReceiptError::Chain(
            "the trusted CA file holds no certificate".into(),
        ));
    }
    let algs = [
        webpki::ring::ED25519,
        webpki::ring::ECDSA_P256_SHA256,
        webpki::ring::ECDSA_P256_SHA384,
        webpki::ring::ECDSA_P384_SHA256,
        webpki::ring::ECDSA_P384_SHA384,
    ];
    leaf.verify_for_usage(
        &algs,
        &anchors,
        intermediates,
        at,
        KeyUsage::required(DOCUMENT_SIGNING_DER),
        None,
        None,
    )
    .map(|_| ())
    .map_err(|e| match e {
        webpki::Error::CertExpired { .. } => ReceiptError::Chain(
            "the signing certificate had expired when the receipt was signed".into(),
        ),
        webpki::Error::CertNotValidYet { .. } => ReceiptError::Chain(
            "the signing certificate was not yet valid when the receipt was signed".into(),
        ),
        webpki::Error::UnknownIssuer => {
            ReceiptError::Chain("the signing certificate was not issued by the trusted CA".into())
        }
        webpki::Error::RequiredEkuNotFoundContext(_) => ReceiptError::Usage(
            "the certificate is not one for signing receipts (no id-kp-documentSigning)".into(),
        ),
        other => ReceiptError::Chain(other.to_string()),
    })
}

/// A root (issuer = subject): trusted from the CA file, never from a receipt.
pub(super) fn self_issued(der: &CertificateDer<'_>) -> bool {
    x509_parser::parse_x509_certificate(der)
        .map(|(_, c)| c.subject() == c.issuer())
        .unwrap_or(false)
}

/// The key usage must allow signatures and nothing a CA does; returns subject and serial.
fn check_usage(der: &CertificateDer<'_>) -> Result<(String, String), ReceiptError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| ReceiptError::Malformed(format!("the signing certificate: {e}")))?;
    let usage = cert
        .key_usage()
        .ok()
        .flatten()
        .ok_or_else(|| ReceiptError::Usage("the certificate has no key usage".into()))?;
    if !usage.value.digital_signature() || usage.value.key_cert_sign() {
        return Err(ReceiptError::Usage(
            "the certificate's key usage is not digitalSignature for documents".into(),
        ));
    }
    Ok((cert.subject().to_string(), hex::encode(cert.raw_serial())))
}
