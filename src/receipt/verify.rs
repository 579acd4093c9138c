//! Checking a receipt as any party would, with nothing but the CA certificate it trusts:
//! only EdDSA (never `none`, never an algorithm the header picks from a list), no unknown
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
    let (payload, signer, signer_serial) =
        verify_signed::<Payload>(jws, trusted_ca_pem, |p| (p.format_version, &p.event_time))?;
    Ok(Verified {
        payload,
        signer,
        signer_serial,
    })
}

/// Verifies any JWS signed with a receipt key and returns its payload as `T`, with the
/// signer's subject and serial; `meta` gives the payload's format version and the time
/// (RFC 3339) at which the chain must have been valid.
pub fn verify_signed<T: serde::de::DeserializeOwned>(
    jws: &str,
    trusted_ca_pem: &[u8],
    meta: impl Fn(&T) -> (u32, &str),
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
    match header.get("alg").and_then(|a| a.as_str()) {
        Some("EdDSA") => {}
        Some("none") => {
            return Err(ReceiptError::Algorithm(
                "alg \"none\" (an unsigned receipt) is never accepted".into(),
            ));
        }
        Some(other) => {
            return Err(ReceiptError::Algorithm(format!(
                "alg {other:?}: receipts are signed with EdDSA only"
            )));
        }
        None => return Err(ReceiptError::Algorithm("the header names no alg".into())),
    }
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
    leaf.verify_signature(webpki::ring::ED25519, input.as_bytes(), &signature)
        .map_err(|_| ReceiptError::Signature)?;
    let payload: T = serde_json::from_slice(&part(payload_b64, "payload")?)
        .map_err(|e| ReceiptError::Malformed(format!("the payload: {e}")))?;
    let (format, time) = meta(&payload);
    if format > FORMAT_VERSION {
        return Err(ReceiptError::Malformed(format!(
            "payload format {format} is newer than this verifier ({FORMAT_VERSION})"
        )));
    }
    let at: jiff::Timestamp = time
        .parse()
        .map_err(|e| ReceiptError::Malformed(format!("the payload's time: {e}")))?;
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
