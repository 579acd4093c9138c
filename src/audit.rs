//! The audit log: every call that reads or changes a case appends an entry (time,
//! organisation, RPC, case ids, outcome; never personal data) to an append-only log whose
//! entries are hash-chained: each entry carries the SHA-256 of the previous entry's stored
//! bytes, and a head record carries the hash of the last one. Editing, removing or
//! reordering any entry breaks the chain at that entry; `lacznik audit verify` finds it.
//!
//! A successful change writes its entry in the same atomic batch as the change itself;
//! reads and refused calls write theirs right after the call, before the answer is sent.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::codec::{self, Versioned};
use crate::store::{Store, StoreError, Txn, keys};

pub mod scope;

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// When (server clock).
    pub at: Timestamp,
    /// The calling organisation (or `lacznik` for the server's own acts, e.g. a purge).
    pub org: String,
    /// The RPC or action.
    pub rpc: String,
    /// The cases the call read or changed (request, card or procedure ids).
    pub case_ids: Vec<String>,
    /// The status code name (`OK`, `NOT_FOUND`, ...).
    pub outcome: String,
    /// SHA-256 of the previous entry's stored bytes (zeros for the first).
    pub prev_hash: [u8; 32],
    /// Where the call came in: `grpc`, `console` (the web console), or empty for the
    /// server's own acts and entries written before channels were recorded.
    #[serde(default)]
    pub channel: String,
    /// The SHA-256 fingerprint of the client certificate that acted (an organisation may
    /// hold one certificate per staff member); empty for the server's own acts and older
    /// entries.
    #[serde(default)]
    pub certificate: String,
}

impl Versioned for AuditEntry {
    const SCHEMA_VERSION: u8 = 1;
}

/// The chain head: the last entry's sequence and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Head {
    pub(crate) seq: u64,
    pub(crate) hash: [u8; 32],
}

impl Versioned for Head {
    const SCHEMA_VERSION: u8 = 1;
}

fn entry_key(seq: u64) -> Vec<u8> {
    keys::audit(seq)
}

/// What the caller knows when appending.
#[derive(Debug, Clone)]
pub struct Record {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub org: String,
    /// What.
    pub rpc: String,
    /// Which cases.
    pub case_ids: Vec<String>,
    /// Outcome code name.
    pub outcome: String,
    /// The channel and certificate of the call ([`Via::server`] for the server's own acts).
    pub via: Via,
}

/// Where an audited call came from: the channel and the client certificate that acted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Via {
    /// `grpc`, `console`, or empty for the server's own acts.
    pub channel: &'static str,
    /// The client certificate's SHA-256 fingerprint (hex), empty when there is none.
    pub certificate: String,
}

impl Via {
    /// The server acting by itself (a purge, a breach the sweeper records).
    pub fn server() -> Via {
        Via::default()
    }

    /// A call over `channel` by the holder of the certificate with `fingerprint`.
    pub fn call(channel: &'static str, fingerprint: &str) -> Via {
        Via {
            channel,
            certificate: fingerprint.to_string(),
        }
    }
}

/// Where an appended entry sits: what a receipt cites so that a later rewrite of the log
/// contradicts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The entry's sequence number.
    pub seq: u64,
    /// The chain's hash after it (SHA-256 of the entry's stored bytes).
    pub hash: [u8; 32],
}

/// Appends an entry inside a command (so it shares the command's atomic batch).
pub fn append(txn: &mut Txn<'_>, r: Record) -> Result<Position, StoreError> {
    let head = txn.get_record::<Head>(keys::AUDIT_HEAD)?.unwrap_or(Head {
        seq: 0,
        hash: [0; 32],
    });
    let entry = AuditEntry {
        seq: head.seq + 1,
        at: r.at,
        org: r.org,
        rpc: r.rpc,
        case_ids: r.case_ids,
        outcome: r.outcome,
        prev_hash: head.hash,
        channel: r.via.channel.to_string(),
        certificate: r.via.certificate,
    };
    let key = entry_key(entry.seq);
    let bytes = codec::encode(&key, &entry)?;
    let hash: [u8; 32] = Sha256::digest(&bytes).into();
    // Numbered past the chain's head: no entry is there yet.
    txn.insert(key, bytes);
    txn.put_record(
        keys::AUDIT_HEAD.to_vec(),
        &Head {
            seq: entry.seq,
            hash,
        },
    )?;
    Ok(Position {
        seq: entry.seq,
        hash,
    })
}

/// Appends an entry as a command of its own.
pub async fn append_now(store: &Store, r: Record) -> Result<u64, StoreError> {
    store
        .execute(move |txn| append(txn, r).map(|p| p.seq))
        .await
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry chains to the previous one and the head matches the last.
    Intact {
        /// Number of entries.
        entries: u64,
    },
    /// The first entry that does not chain.
    Broken {
        /// Its sequence number.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
}

/// Recomputes the chain from the first entry (offline: nothing is appended meanwhile, so
/// every stored entry must be covered by the head).
pub fn verify(store: &Store) -> Result<Verdict, StoreError> {
    let (entries, last_hash) = match walk(store, None)? {
        Ok(end) => end,
        Err(broken) => return Ok(broken),
    };
    match store.get_record::<Head>(keys::AUDIT_HEAD)? {
        None if entries == 0 => Ok(Verdict::Intact { entries }),
        Some(h) if h.seq == entries && h.hash == last_hash => Ok(Verdict::Intact { entries }),
        Some(h) if h.seq != entries => Ok(Verdict::Broken {
            seq: entries.min(h.seq) + 1,
            reason: format!("the head records {} entries, {entries} are stored", h.seq),
        }),
        _ => Ok(Verdict::Broken {
            seq: entries,
            reason: format!("entry {entries} no longer matches the hash recorded in the head"),
        }),
    }
}

/// [`verify`] on a running server: the head is read first and the chain checked up to
/// the entry it names, so entries appended while the check runs are neither blamed nor
/// checked (the next run covers them).
pub fn verify_live(store: &Store) -> Result<Verdict, StoreError> {
    let head = store.get_record::<Head>(keys::AUDIT_HEAD)?.unwrap_or(Head {
        seq: 0,
        hash: [0; 32],
    });
    let (entries, last_hash) = match walk(store, Some(head.seq))? {
        Ok(end) => end,
        Err(broken) => return Ok(broken),
    };
    Ok(if entries != head.seq {
        Verdict::Broken {
            seq: entries + 1,
            reason: format!(
                "the head records {} entries, {entries} are stored",
                head.seq
            ),
        }
    } else if entries > 0 && last_hash != head.hash {
        Verdict::Broken {
            seq: entries,
            reason: format!("entry {entries} no longer matches the hash recorded in the head"),
        }
    } else {
        Verdict::Intact { entries }
    })
}

/// Walks the chain from entry 1 up to `upto`, telling `seen` each entry's sequence and
/// chain hash: what a holder of receipts and a checkpoint checks them against. The number
/// of entries walked and the last hash, or the first break of the chain itself.
pub fn walk_hashes(
    store: &Store,
    upto: u64,
    seen: &mut dyn FnMut(u64, &[u8; 32]),
) -> Result<Result<(u64, [u8; 32]), Verdict>, StoreError> {
    walk_with(store, Some(upto), seen)
}

/// Walks the chain from entry 1 (up to `upto` if given): the number of entries and the
/// last one's hash, or the first break.
fn walk(store: &Store, upto: Option<u64>) -> Result<Result<(u64, [u8; 32]), Verdict>, StoreError> {
    walk_with(store, upto, &mut |_, _| {})
}

fn walk_with(
    store: &Store,
    upto: Option<u64>,
    seen: &mut dyn FnMut(u64, &[u8; 32]),
) -> Result<Result<(u64, [u8; 32]), Verdict>, StoreError> {
    let mut expected = 1u64;
    let mut prev_hash = [0u8; 32];
    let (mut start, end) = match upto {
        Some(n) => (
            keys::audit_from(1).0,
            keys::audit_from(n.saturating_add(1)).0,
        ),
        None => keys::audit_from(1),
    };
    loop {
        let batch = store.scan(&start, &end, 1024)?;
        let Some((last_key, _)) = batch.last() else {
            break;
        };
        start = last_key.clone();
        start.push(0);
        for (k, bytes) in batch {
            let seq = keys::trailing_u64(&k).unwrap_or(0);
            if seq != expected {
                return Ok(Err(Verdict::Broken {
                    seq: expected,
                    reason: format!("entry {expected} is missing (next stored entry is {seq})"),
                }));
            }
            let entry: AuditEntry = match codec::decode(&k, &bytes) {
                Ok(e) => e,
                Err(e) => {
                    return Ok(Err(Verdict::Broken {
                        seq,
                        reason: format!("entry cannot be decoded: {e}"),
                    }));
                }
            };
            if entry.seq != seq {
                return Ok(Err(Verdict::Broken {
                    seq,
                    reason: format!("entry says it is {} but is stored as {seq}", entry.seq),
                }));
            }
            if entry.prev_hash != prev_hash {
                let culprit = seq.saturating_sub(1).max(1);
                return Ok(Err(Verdict::Broken {
                    seq: culprit,
                    reason: format!(
                        "entry {culprit} no longer matches the hash that entry {seq} recorded for it"
                    ),
                }));
            }
            prev_hash = Sha256::digest(&bytes).into();
            seen(seq, &prev_hash);
            expected += 1;
        }
    }
    Ok(Ok((expected - 1, prev_hash)))
}

/// Every entry that names `case_id`, oldest first.
pub fn of_case(store: &Store, case_id: &str) -> Result<Vec<AuditEntry>, StoreError> {
    let mut out = Vec::new();
    let (mut start, end) = keys::audit_from(1);
    loop {
        let batch = store.scan(&start, &end, 1024)?;
        let Some((last_key, _)) = batch.last() else {
            return Ok(out);
        };
        start = last_key.clone();
        start.push(0);
        for (k, bytes) in batch {
            let e: AuditEntry = codec::decode(&k, &bytes)?;
            if e.case_ids.iter().any(|c| c == case_id) {
                out.push(e);
            }
        }
    }
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;

/// The chain's head as a command sees it: (entries, hash of the last), zeros when empty.
pub fn head_in(txn: &Txn<'_>) -> Result<Position, StoreError> {
    Ok(txn.get_record::<Head>(keys::AUDIT_HEAD)?.map_or(
        Position {
            seq: 0,
            hash: [0; 32],
        },
        |h| Position {
            seq: h.seq,
            hash: h.hash,
        },
    ))
}
