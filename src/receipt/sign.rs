//! The server's receipt signer: the key of `receipts.key` and the chain of `receipts.pem`,
//! which every receipt carries in its `x5c` header so that it stays verifiable after the
//! key is rotated. The key decides the algorithm: a P-256 key signs ES256 (what `certs
//! init` makes since 2026-12-01: the JOSE algorithm every library has, and on the
//! benchmark's CPU a signature costs 26 µs against Ed25519's 45 µs), an Ed25519 key EdDSA
//! (the receipt keys made before, which keep working until they are renewed). The root CA
//! of that file is left out of `x5c`: a
//! verifier trusts the CA it holds, never one a receipt brings, so the root would only make
//! every receipt ~0.8 KB longer (intermediates, if any, stay).

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
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

/// The receipt key, of either algorithm a receipt may carry.
enum Key {
    /// ES256 (RFC 7518 § 3.4): ECDSA over P-256 with SHA-256, the signature as R || S.
    /// Randomized: a payload signed twice gives two different signatures, both valid.
    P256(EcdsaKeyPair, SystemRandom),
    /// EdDSA over Ed25519 (RFC 8037); deterministic.
    Ed25519(Ed25519KeyPair),
}

impl Key {
    fn from_pkcs8(der: &[u8]) -> Result<Key, ReceiptError> {
        let rng = SystemRandom::new();
        if let Ok(k) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng) {
            return Ok(Key::P256(k, rng));
        }
        Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
            .map(Key::Ed25519)
            .map_err(|e| {
                ReceiptError::Key(format!("neither a P-256 nor an Ed25519 PKCS#8 key: {e}"))
            })
    }

    /// The JWS `alg` of this key's signatures.
    fn alg(&self) -> &'static str {
        match self {
            Key::P256(..) => "ES256",
            Key::Ed25519(_) => "EdDSA",
        }
    }

    fn sign(&self, input: &[u8]) -> Result<Vec<u8>, ReceiptError> {
        match self {
            Key::P256(k, rng) => k
                .sign(rng, input)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| ReceiptError::Key("ECDSA signing failed".into())),
            Key::Ed25519(k) => Ok(k.sign(input).as_ref().to_vec()),
        }
    }
}

/// Signs receipts; cheap to share (`Arc`).
pub struct Signer {
    key: Key,
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
        let key = Key::from_pkcs8(key.secret_pkcs8_der())?;
        // A key that is not the certificate's would sign receipts nobody can verify: refuse
        // it here, at start, with the same check a verifier makes.
        super::verify::signature_check(&chain[0], key.alg())?
            .verify(b"lacznik key check", &key.sign(b"lacznik key check")?)
            .map_err(|_| {
                ReceiptError::Key("the key is not the one of the first certificate".into())
            })?;
        let x5c: Vec<String> = chain
            .iter()
            .enumerate()
            .filter(|(i, c)| *i == 0 || !super::verify::self_issued(c))
            .map(|(_, c)| STANDARD.encode(c.as_ref()))
            .collect();
        let header = serde_json::to_vec(&Header {
            alg: key.alg(),
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

    /// The JWS `alg` this signer's receipts carry (`ES256` or `EdDSA`).
    pub fn alg(&self) -> &'static str {
        self.key.alg()
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
        self.sign_encoded(&body)
    }

    /// The compact JWS of a payload already encoded as JSON: what a command's receipt is
    /// signed from, the bytes its batch stored, so the payload is encoded once per receipt.
    pub fn sign_encoded(&self, json: &[u8]) -> Result<String, ReceiptError> {
        // One buffer for header, payload and signature (base64url: 4 chars per 3 bytes).
        let mut out = String::with_capacity(self.header_b64.len() + json.len() * 4 / 3 + 96);
        out.push_str(&self.header_b64);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(json, &mut out);
        let signature = self.key.sign(out.as_bytes())?;
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut out);
        Ok(out)
    }
}
