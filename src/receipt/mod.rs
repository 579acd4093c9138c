//! Receipts: signed statements by the server that an event of a case happened, which the
//! parties keep and anyone can check offline with standard libraries (README, "Receipts
//! and evidence"). A receipt is a JWS (RFC 7515) in compact serialization, signed with
//! ES256 (ECDSA P-256, RFC 7518) or, by a receipt key made before 2026-12-01, EdDSA over
//! Ed25519 (RFC 8037), with the signing certificate (and any intermediate) in the `x5c`
//! header, and a JSON payload of ids, kinds, times and hashes only
//! ([`Payload`]: no personal data).
//!
//! - [`issue`]: receipts made and stored inside the command of their event;
//! - [`checkpoint`]: signed checkpoints of the audit log's head;
//! - [`payload`]: the fields, their JSON names and the content hash;
//! - [`sign`]: the server's signer, loaded from `receipts.pem` / `receipts.key`;
//! - [`verify`]: what `lacznik receipt verify` and any party checks: the algorithm, the
//!   chain to a CA it trusts, the certificate's signing-only usage, the signature.

pub mod checkpoint;
pub mod evidence;
pub mod issue;
pub mod payload;
pub mod sign;
pub mod verify;

pub use issue::{Event, Issuer, Recorded};
pub use payload::{ContentDigest, Payload};
pub use sign::Signer;
pub use verify::{Verified, verify};

/// Why a receipt could not be made or is not valid; each says precisely what failed.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// Not a compact JWS, or a part that is not what it must be.
    #[error("malformed receipt: {0}")]
    Malformed(String),
    /// An algorithm other than ES256 or EdDSA (`none` included), one that does not fit the
    /// certificate's key, or a critical header we do not know.
    #[error("refused algorithm or header: {0}")]
    Algorithm(String),
    /// The certificate chain does not lead to the trusted CA, or is not valid now.
    #[error("certificate chain: {0}")]
    Chain(String),
    /// The certificate is not one for signing receipts (key usage, extended key usage).
    #[error("certificate usage: {0}")]
    Usage(String),
    /// The signature does not match the header and payload.
    #[error("signature does not verify: the receipt was altered or signed by another key")]
    Signature,
    /// The signing key or certificate files cannot be used.
    #[error("receipt signing key: {0}")]
    Key(String),
}

#[cfg(test)]
#[path = "receipt_tests.rs"]
mod tests;
