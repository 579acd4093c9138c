//! Receipts made inside the command whose event they prove: built from what the domain
//! says happened ([`Event`]), the command's time and the audit position of its entry,
//! signed on the writer and stored in the same atomic batch, so a crash never leaves an
//! event without its receipt, nor a receipt without its event.

use std::sync::Arc;

use jiff::Timestamp;

use super::payload::FORMAT_VERSION;
use super::{Payload, Signer};
use crate::audit::Position;
use crate::store::{Store, StoreError, Txn, keys};

/// What happened, as the domain says it: kinds and ids only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event kind, e.g. `assistance_request.submitted` (README lists them).
    pub kind: &'static str,
    /// `assistance_request`, `blue_card`, `procedure` or `breach`.
    pub case_kind: &'static str,
    /// The case id.
    pub case_id: String,
    /// The record's version after the event.
    pub record_version: u64,
    /// The organisation that acted.
    pub actor: String,
    /// The other party, if any.
    pub counterparty: Option<String>,
    /// SHA-256 (hex) of the record's content at that version (`payload::content_sha256`).
    pub content_sha256: String,
}

/// Issues receipts with the server's signer.
#[derive(Debug, Clone)]
pub struct Issuer {
    signer: Arc<Signer>,
}

impl Issuer {
    /// An issuer signing with `signer`.
    pub fn new(signer: Arc<Signer>) -> Issuer {
        Issuer { signer }
    }

    /// The signer, for checkpoints.
    pub fn signer(&self) -> Arc<Signer> {
        self.signer.clone()
    }

    /// Signs the receipt of `event` at `at`, citing the audit entry at `audit` (none when
    /// the call is not audited, e.g. in unit tests of the domain), stores it with the
    /// command's batch and returns it.
    pub fn issue(
        &self,
        txn: &mut Txn<'_>,
        event: &Event,
        at: Timestamp,
        audit: Option<Position>,
    ) -> Result<String, StoreError> {
        let payload = Payload {
            receipt_id: uuid::Uuid::new_v4().to_string(),
            format_version: FORMAT_VERSION,
            event_kind: event.kind.to_string(),
            case_kind: event.case_kind.to_string(),
            case_id: event.case_id.clone(),
            record_version: event.record_version,
            actor: event.actor.clone(),
            counterparty: event.counterparty.clone(),
            event_time: at.to_string(),
            content_sha256: event.content_sha256.clone(),
            audit_seq: audit.map_or(0, |p| p.seq),
            audit_hash: audit.map_or_else(String::new, |p| hex::encode(p.hash)),
        };
        let jws = self
            .signer
            .sign(&payload)
            .map_err(|e| StoreError::Engine(format!("signing a receipt: {e}")))?;
        let prefix = keys::receipts_of(&event.case_id)?;
        let n = txn.next_seq(&prefix)?;
        txn.put(keys::seq_entry(&prefix, n), jws.clone().into_bytes());
        Ok(jws)
    }
}

/// A case's receipts after position `after`, at most `limit`, oldest first, with their
/// positions (the page token of `ListReceipts`).
pub fn of_case(
    store: &Store,
    case_id: &str,
    after: u64,
    limit: usize,
) -> Result<Vec<(u64, String)>, StoreError> {
    let prefix = keys::receipts_of(case_id)?;
    let (start, end) = keys::seq_range(&prefix, after, u64::MAX);
    store
        .scan(&start, &end, limit)?
        .into_iter()
        .map(|(k, v)| {
            let n = keys::trailing_u64(&k).unwrap_or(0);
            String::from_utf8(v)
                .map(|jws| (n, jws))
                .map_err(|_| StoreError::Codec {
                    key: hex::encode(&k),
                    reason: "a stored receipt is not text".into(),
                })
        })
        .collect()
}

/// The newest stored receipt of `case_id` for an event of `kind`: what a retried call
/// that changed nothing gets back (the receipt of the call that did).
pub fn latest_of_kind(
    store: &Store,
    case_id: &str,
    kind: &str,
) -> Result<Option<String>, StoreError> {
    newest(store, case_id, |p| p.event_kind == kind)
}

/// The receipt of the event that made version `record_version` of `case_id` (what a
/// stream delivering that event carries); `None` for version 0 (events from before).
pub fn of_version(
    store: &Store,
    case_id: &str,
    record_version: u64,
) -> Result<Option<String>, StoreError> {
    if record_version == 0 {
        return Ok(None);
    }
    newest(store, case_id, |p| p.record_version == record_version)
}

/// The newest of a case's receipts whose payload satisfies `wanted` (our own store: read,
/// not verified).
fn newest(
    store: &Store,
    case_id: &str,
    wanted: impl Fn(&Payload) -> bool,
) -> Result<Option<String>, StoreError> {
    use base64::Engine as _;
    let mut found = None;
    let mut after = 0;
    loop {
        let page = of_case(store, case_id, after, 256)?;
        let Some((last, _)) = page.last() else {
            return Ok(found);
        };
        after = *last;
        for (_, jws) in page {
            let payload = jws
                .split('.')
                .nth(1)
                .and_then(|p| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(p)
                        .ok()
                })
                .and_then(|p| serde_json::from_slice::<Payload>(&p).ok());
            if payload.is_some_and(|p| wanted(&p)) {
                found = Some(jws);
            }
        }
    }
}
