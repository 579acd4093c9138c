//! Receipts made inside the command whose event they prove. The writer builds the
//! receipt's payload from what the domain says happened ([`Event`]), the command's time and
//! the audit position of its entry, and stores it in the same atomic batch as the event, so
//! a crash never leaves an event without its receipt, nor a receipt without its event. The
//! signature is made after, on the caller's task, so signing costs the single writer
//! nothing. What is stored is the payload: a receipt read again (ListReceipts, a stream)
//! is signed again, so with an ES256 key it carries a new signature over the same payload
//! (ECDSA is randomized; both verify), with an older Ed25519 key the same JWS.

use std::sync::Arc;

use jiff::Timestamp;

use super::payload::FORMAT_VERSION;
use super::{Payload, ReceiptError, Signer};
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
    /// The case whose receipts this one is kept with, when not `case_id` itself: a breach's
    /// receipts are kept with the breached case, so its parties list them with the case's.
    pub kept_with: Option<String>,
}

impl Event {
    /// The case id the receipt is stored under (and listed with).
    pub fn stored_under(&self) -> &str {
        self.kept_with.as_deref().unwrap_or(&self.case_id)
    }
}

/// Receipts one command may make (their positions under a case are the audit entry's
/// sequence times this, plus the receipt's index).
pub const RECEIPTS_PER_ENTRY: u64 = 16;

/// A receipt as its command's batch stored it: the payload's JSON, signed once the batch is
/// durable ([`Issuer::sign`]) from these very bytes, so it is encoded once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded(Vec<u8>);

/// Issues receipts with the server's signer.
#[derive(Debug, Clone)]
pub struct Issuer {
    signer: Arc<Signer>,
    making: bool,
    simulated_clock: bool,
}

impl Issuer {
    /// An issuer signing with `signer`.
    pub fn new(signer: Arc<Signer>) -> Issuer {
        Issuer {
            signer,
            making: true,
            simulated_clock: false,
        }
    }

    /// An issuer that makes no receipts of commands: what `lacznik-bench` measures the
    /// receipts' cost against (`Config::receipts_off_for_measurement`); never in service.
    pub fn off_for_measurement(self) -> Issuer {
        Issuer {
            making: false,
            ..self
        }
    }

    /// Whether commands get receipts (always, except in the benchmark's comparison).
    pub fn making(&self) -> bool {
        self.making
    }

    /// The signer, for checkpoints.
    pub fn signer(&self) -> Arc<Signer> {
        self.signer.clone()
    }

    /// Records the receipt of `event` (the command's `index`th) at `at`, citing the audit
    /// entry at `audit` (none when the call is not audited, e.g. in unit tests of the
    /// domain), in the command's batch; returns it, to be [`Issuer::sign`]ed once the
    /// batch is durable.
    pub fn issue(
        &self,
        txn: &mut Txn<'_>,
        event: &Event,
        index: u64,
        at: Timestamp,
        audit: Option<Position>,
    ) -> Result<Recorded, StoreError> {
        record(txn, event, index, (at, self.simulated_clock), audit)
    }

    /// An issuer whose receipts say they were made on a simulated clock (training).
    pub fn on_simulated_clock(self, simulated: bool) -> Issuer {
        Issuer {
            simulated_clock: simulated,
            ..self
        }
    }

    /// The compact JWS of a receipt its command recorded.
    pub fn sign(&self, recorded: &Recorded) -> Result<String, ReceiptError> {
        self.signer.sign_encoded(&recorded.0)
    }

    /// A case's receipts after position `after` that `keep` accepts, at most `limit`,
    /// oldest first, signed, with their positions (the page token of `ListReceipts`).
    pub fn of_case(
        &self,
        store: &Store,
        case_id: &str,
        mut after: u64,
        limit: usize,
        keep: impl Fn(&Payload) -> bool,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let mut out = Vec::new();
        while out.len() < limit {
            let page = stored(store, case_id, after, limit.max(16))?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = *last;
            for (n, p) in page {
                if out.len() < limit && keep(&p) {
                    out.push((n, self.signed(&p)?));
                }
            }
        }
        Ok(out)
    }

    /// The receipt of breach `breach_id`'s event `kind` (`breach.recorded` or
    /// `breach.resolved`), kept with the breached case `case_id`: what WatchBreaches
    /// carries with the event.
    pub fn of_breach_event(
        &self,
        store: &Store,
        case_id: &str,
        breach_id: u64,
        kind: &str,
    ) -> Result<Option<String>, StoreError> {
        let id = breach_id.to_string();
        self.newest(store, case_id, |p| {
            p.case_kind == "breach" && p.case_id == id && p.event_kind == kind
        })
    }

    /// The newest receipt of `case_id` for an event of `kind`: what a retried call that
    /// changed nothing gets back (the receipt of the call that did).
    pub fn latest_of_kind(
        &self,
        store: &Store,
        case_id: &str,
        kind: &str,
    ) -> Result<Option<String>, StoreError> {
        self.newest(store, case_id, |p| {
            p.event_kind == kind && p.case_id == case_id
        })
    }

    /// The receipt of the event that made version `record_version` of `case_id` (what a
    /// stream delivering that event carries); `None` for version 0 (events from before).
    pub fn of_version(
        &self,
        store: &Store,
        case_id: &str,
        record_version: u64,
    ) -> Result<Option<String>, StoreError> {
        if record_version == 0 {
            return Ok(None);
        }
        self.newest(store, case_id, |p| {
            p.record_version == record_version && p.case_id == case_id
        })
    }

    fn newest(
        &self,
        store: &Store,
        case_id: &str,
        wanted: impl Fn(&Payload) -> bool,
    ) -> Result<Option<String>, StoreError> {
        let mut found = None;
        let mut after = 0;
        loop {
            let page = stored(store, case_id, after, 256)?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = *last;
            found = page.into_iter().rev().find(|(_, p)| wanted(p)).or(found);
        }
        found.map(|(_, p)| self.signed(&p)).transpose()
    }

    fn signed(&self, p: &Payload) -> Result<String, StoreError> {
        self.signer
            .sign(p)
            .map_err(|e| StoreError::Engine(format!("signing a receipt: {e}")))
    }
}

/// Stores the receipt payload of `event` (the command's `index`th) under the receipts of
/// `event.stored_under()` at `at` (and whether that is a simulated clock's time), citing
/// the audit entry at `audit`, in the command's batch:
/// what [`Issuer::issue`] does, and what the deadline engine calls for breaches (it needs
/// no signer, only the batch). Returns what was stored, signed once the batch is durable.
pub fn record(
    txn: &mut Txn<'_>,
    event: &Event,
    index: u64,
    (at, simulated_clock): (Timestamp, bool),
    audit: Option<Position>,
) -> Result<Recorded, StoreError> {
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
        simulated_clock,
    };
    let bytes = serde_json::to_vec(&payload)
        .map_err(|e| StoreError::Engine(format!("encoding a receipt: {e}")))?;
    let prefix = keys::receipts_of(event.stored_under())?;
    // Positioned by the audit entry (unique and increasing; a command's several receipts
    // share it, told apart by `index`), so the writer needs no read to find the next
    // number; unaudited commands (domain unit tests) count instead.
    let n = match audit {
        Some(p) => p.seq.saturating_mul(RECEIPTS_PER_ENTRY) + index.min(RECEIPTS_PER_ENTRY - 1),
        None => txn.next_seq(&prefix)?,
    };
    // Past every receipt so far (the audit position only grows; or the sequence's next).
    txn.insert(keys::seq_entry(&prefix, n), bytes.clone());
    Ok(Recorded(bytes))
}

/// A case's stored receipt payloads after position `after`, at most `limit`.
fn stored(
    store: &Store,
    case_id: &str,
    after: u64,
    limit: usize,
) -> Result<Vec<(u64, Payload)>, StoreError> {
    let prefix = keys::receipts_of(case_id)?;
    let (start, end) = keys::seq_range(&prefix, after, u64::MAX);
    store
        .scan(&start, &end, limit)?
        .into_iter()
        .map(|(k, v)| {
            let n = keys::trailing_u64(&k).unwrap_or(0);
            serde_json::from_slice(&v)
                .map(|p| (n, p))
                .map_err(|e| StoreError::Codec {
                    key: hex::encode(&k),
                    reason: format!("a stored receipt: {e}"),
                })
        })
        .collect()
}
