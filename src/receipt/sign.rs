//! The server's receipt signer: the Ed25519 key of `receipts.key` and the chain of
//! `receipts.pem`, which every receipt carries in its `x5c` header so that it stays
//! verifiable after the key is rotated. The root CA of that file is left out of `x5c`: a
//! verifier trusts the CA it holds, never one a receipt brings, so the root would only make
//! every receipt ~0.8 KB longer (intermediates, if any, stay).

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::signature::Ed25519KeyPair;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use serde::Serialize;

use super::{Payload, ReceiptError};

/// The protected header of every receipt.
#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    typ: &'static str,
    cty: &'static str,
    x5c: &'a [String],
}

/// `cty` of a receipt: what the payload is.
pub const CONTENT_TYPE: &str = "application/vnd.lacznik.receipt+json";

/// Signs receipts; cheap to share (`Arc`), signing is deterministic (Ed25519).
pub struct Signer {
    key: Ed25519KeyPair,
    /// The chain, leaf first, as `x5c` wants it (standard base64 of each DER certificate),
    /// without the root.
    x5c: Vec<String>,
    /// The protected header, base64url-encoded once (it is the same for every payload).
    header_b64: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("chain_len", &self.x5c.len())
            .field("header_len", &self.header_b64.len())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer from the certificate chain (PEM, leaf first) and the PKCS#8 key (PEM).
    pub fn from_pem(chain_pem: &[u8], key_pem: &[u8]) -> Result<Signer, ReceiptError> {
        let chain = CertificateDer::pem_slice_iter(chain_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ReceiptError::Key(format!("certificate chain: {e}")))?;
        if chain.is_empty() {
            return Err(ReceiptError::Key("no certificate in the chain file".into()));
        }
        let key = PrivatePkcs8KeyDer::from_pem_slice(key_pem)
            .map_err(|e| ReceiptError::Key(format!("key: {e}")))?;
        let key = Ed25519KeyPair::from_pkcs8_maybe_unchecked(key.secret_pkcs8_der())
            .map_err(|e| ReceiptError::Key(format!("not an Ed25519 PKCS#8 key: {e}")))?;
        let x5c: Vec<String> = chain
            .iter()
            .enumerate()
            .filter(|(i, c)| *i == 0 || !super::verify::self_issued(c))
            .map(|(_, c)| STANDARD.encode(c.as_ref()))
            .collect();
        let header = serde_json::to_vec(&Header {
            alg: "EdDSA",
            typ: "JOSE",
            cty: CONTENT_TYPE,
            x5c: &x5c,
        })
        .map_err(|e| ReceiptError::Key(e.to_string()))?;
        Ok(Signer {
            key,
            header_b64: URL_SAFE_NO_PAD.encode(header),
            x5c,
        })
    }

    /// Loads `receipts.pem` and `receipts.key` (or the configured paths).
    pub fn load(cert: &Path, key: &Path) -> Result<Signer, ReceiptError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| ReceiptError::Key(format!("{}: {e}", p.display())))
        };
        Signer::from_pem(&read(cert)?, &read(key)?)
    }

    /// The compact JWS of a receipt.
    pub fn sign(&self, payload: &Payload) -> Result<String, ReceiptError> {
        self.sign_json(payload)
    }

    /// The compact JWS of any JSON payload signed with the receipt key (receipts, audit
    /// checkpoints).
    pub fn sign_json<T: Serialize>(&self, payload: &T) -> Result<String, ReceiptError> {
        let body =
            serde_json::to_vec(payload).map_err(|e| ReceiptError::Malformed(e.to_string()))?;
        let input = format!("{}.{}", self.header_b64, URL_SAFE_NO_PAD.encode(body));
        let signature = self.key.sign(input.as_bytes());
        Ok(format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        ))
    }
}
