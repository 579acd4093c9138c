//! The payload of a receipt: what happened to which case, when, by whom, with what content
//! (as a hash), and where in the audit log. JSON with fixed field names, documented field by
//! field in the README ("Receipts and evidence") and in the proto.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The payload format this build writes (`format_version`); verifiers refuse newer ones.
pub const FORMAT_VERSION: u32 = 1;

/// A receipt's payload; ids, kinds, times and hashes only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// Unique id of this receipt (UUID).
    pub receipt_id: String,
    /// [`FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// What happened, e.g. `assistance_request.submitted` (README lists them all).
    pub event_kind: String,
    /// `assistance_request`, `blue_card`, `procedure` or `breach`.
    pub case_kind: String,
    /// The case's id (request, card, procedure or breach id).
    pub case_id: String,
    /// The record's version after the event (1 for a new record).
    pub record_version: u64,
    /// The organisation that acted (directory id; `lacznik` for the server's own acts).
    pub actor: String,
    /// The other party of the case (directory id), if there is one.
    pub counterparty: Option<String>,
    /// The server's time of the event (RFC 3339, UTC).
    pub event_time: String,
    /// SHA-256 (hex) of the record's content at that version in the canonical encoding
    /// ([`content_sha256`]).
    pub content_sha256: String,
    /// Position of the event's entry in the audit log (from 1).
    pub audit_seq: u64,
    /// The audit chain's hash (hex) after that entry: SHA-256 of the entry's stored bytes.
    pub audit_hash: String,
    /// Present (and true) only when the server ran on a simulated clock (training): the
    /// `event_time` is then not a real time, and the receipt proves no real event.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub simulated_clock: bool,
}

/// The canonical content hash: SHA-256 over the content message in protobuf binary with
/// deterministic serialization (fields in field-number order, proto3 defaults omitted), as
/// Python's `SerializeToString(deterministic=True)` and Go's `proto.MarshalOptions{
/// Deterministic: true}` write it, so a party can recompute it from what it sent or got.
pub fn content_sha256(canonical_protobuf: &[u8]) -> String {
    hex::encode(Sha256::digest(canonical_protobuf))
}

/// A case's content that receipts hash: implemented where the wire encoding is known (the
/// `api` layer), so the domain asks for the hash without knowing protobuf.
pub trait ContentDigest {
    /// [`content_sha256`] of this content's canonical protobuf encoding.
    fn content_sha256(&self) -> String;
}
