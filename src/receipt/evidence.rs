//! Receipts and a checkpoint held by the parties, checked against a data directory's audit
//! log: every receipt's audit position must still hold the hash the receipt cites, and the
//! chain must lead from there to the checkpoint's head. A log rewritten after a receipt was
//! issued, even with every hash recomputed so that the chain itself is intact, contradicts
//! the first receipt that cites a rewritten entry (or the checkpoint).

use std::collections::BTreeMap;

use super::checkpoint::Checkpoint;
use super::{Payload, ReceiptError};
use crate::audit::{self, Verdict};
use crate::store::{Store, StoreError};

/// Why the evidence check could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// A receipt or the checkpoint did not verify (named).
    #[error("{what}: {cause}")]
    Invalid {
        /// The file.
        what: String,
        /// Why.
        cause: ReceiptError,
    },
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the log says about the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Every receipt and the checkpoint agree with the log.
    Consistent {
        /// Receipts checked.
        receipts: usize,
        /// Entries up to the checkpoint.
        entries: u64,
    },
    /// The first contradiction, in log order.
    Contradicted(String),
}

/// Checks `receipts` (name, verified payload) and `checkpoint` against `store`'s log.
pub fn check(
    store: &Store,
    receipts: &[(String, Payload)],
    checkpoint: &Checkpoint,
) -> Result<Finding, EvidenceError> {
    let mut by_seq: BTreeMap<u64, Vec<&(String, Payload)>> = BTreeMap::new();
    for r in receipts {
        if r.1.audit_seq > checkpoint.entries {
            return Ok(Finding::Contradicted(format!(
                "{} cites audit entry {}, after the checkpoint's {} entries: use a later checkpoint",
                r.0, r.1.audit_seq, checkpoint.entries
            )));
        }
        by_seq.entry(r.1.audit_seq).or_default().push(r);
    }
    let mut hashes: BTreeMap<u64, String> = BTreeMap::new();
    let walked = audit::walk_hashes(store, checkpoint.entries, &mut |seq, hash| {
        if by_seq.contains_key(&seq) {
            hashes.insert(seq, hex::encode(hash));
        }
    })?;
    // The first receipt whose entry no longer holds what it cites.
    for (seq, rs) in &by_seq {
        let now = hashes.get(seq);
        for (name, p) in rs {
            if now != Some(&p.audit_hash) {
                return Ok(Finding::Contradicted(format!(
                    "{name} ({} of {} {}) contradicts the log: audit entry {seq} {}",
                    p.event_kind,
                    p.case_kind,
                    p.case_id,
                    match now {
                        Some(_) =>
                            "no longer has the hash the receipt cites: the log was rewritten at or before it",
                        None => "is missing",
                    }
                )));
            }
        }
    }
    match walked {
        Err(Verdict::Broken { seq, reason }) => Ok(Finding::Contradicted(format!(
            "the chain itself is broken at entry {seq}: {reason}"
        ))),
        Err(Verdict::Intact { .. }) => Ok(Finding::Contradicted("unexpected verdict".into())),
        Ok((entries, _)) if entries < checkpoint.entries => Ok(Finding::Contradicted(format!(
            "the checkpoint names {} entries, the log holds {entries}",
            checkpoint.entries
        ))),
        Ok((_, last_hash)) if hex::encode(last_hash) != checkpoint.audit_hash => {
            Ok(Finding::Contradicted(format!(
                "the checkpoint's head (entry {}) no longer has the hash it was signed with: the log was rewritten",
                checkpoint.entries
            )))
        }
        Ok(_) => Ok(Finding::Consistent {
            receipts: receipts.len(),
            entries: checkpoint.entries,
        }),
    }
}

#[cfg(test)]
#[path = "evidence_tests.rs"]
mod tests;
