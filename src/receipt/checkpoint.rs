//! Signed checkpoints of the audit log: every `audit.checkpoint_minutes` (and at shutdown)
//! the server signs the chain's head (entry count, hash, time) with the receipt key, in the
//! same JWS form as receipts. Whoever holds a checkpoint and receipts can later prove that
//! the log still says what it said ([`super::evidence`]): rewriting history, even with a
//! perfectly recomputed hash chain, contradicts them.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{ReceiptError, Signer};
use crate::shutdown::Shutdown;
use crate::store::{Store, StoreError, keys};

/// `kind` of a checkpoint payload.
pub const KIND: &str = "audit_checkpoint";

/// A checkpoint's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Always [`KIND`], so a checkpoint is never mistaken for a receipt.
    pub kind: String,
    /// Payload format (as receipts').
    pub format_version: u32,
    /// Entries in the log at the checkpoint.
    pub entries: u64,
    /// The chain hash (hex) after the last of them.
    pub audit_hash: String,
    /// When the server signed it (RFC 3339, UTC).
    pub signed_time: String,
}

/// Signs the head as it is now and stores it as the latest checkpoint; `None` when the log
/// is empty or unchanged since the latest checkpoint.
pub async fn make(
    store: &Store,
    signer: Arc<Signer>,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    store
        .execute(move |txn| {
            let head = crate::audit::head_in(txn)?;
            if head.seq == 0 {
                return Ok(None);
            }
            if let Some(latest) = txn.get(keys::AUDIT_CHECKPOINT)? {
                let same = String::from_utf8(latest)
                    .ok()
                    .and_then(|j| payload_of(&j))
                    .is_some_and(|c| c.entries == head.seq);
                if same {
                    return Ok(None);
                }
            }
            let checkpoint = Checkpoint {
                kind: KIND.into(),
                format_version: super::payload::FORMAT_VERSION,
                entries: head.seq,
                audit_hash: hex::encode(head.hash),
                signed_time: now.to_string(),
            };
            let jws = signer
                .sign_json(&checkpoint)
                .map_err(|e| StoreError::Engine(format!("signing a checkpoint: {e}")))?;
            txn.put(keys::AUDIT_CHECKPOINT.to_vec(), jws.clone().into_bytes());
            Ok(Some(jws))
        })
        .await
}

/// The latest stored checkpoint, if any.
pub fn latest(store: &Store) -> Result<Option<String>, StoreError> {
    Ok(store
        .get(keys::AUDIT_CHECKPOINT)?
        .and_then(|b| String::from_utf8(b).ok()))
}

fn payload_of(jws: &str) -> Option<Checkpoint> {
    use base64::Engine as _;
    let part = jws.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Verifies a checkpoint against the CA, as a receipt is verified.
pub fn verify(jws: &str, trusted_ca_pem: &[u8]) -> Result<Checkpoint, ReceiptError> {
    let (c, _, _) = super::verify::verify_signed::<Checkpoint>(jws, trusted_ca_pem, |c| {
        (c.format_version, Some(c.signed_time.as_str()))
    })?;
    if c.kind != KIND {
        return Err(ReceiptError::Malformed(format!(
            "not an audit checkpoint (kind {:?})",
            c.kind
        )));
    }
    Ok(c)
}

/// Makes a checkpoint every `every` until `stop`, then one last at shutdown.
pub async fn run(store: Store, signer: Arc<Signer>, every: Duration, mut stop: Shutdown) {
    loop {
        let stopping = tokio::select! {
            _ = stop.recv() => true,
            _ = tokio::time::sleep(every) => false,
        };
        // The real time even on a training server's simulated clock: a checkpoint says
        // when it was signed, and its certificate must have been valid then.
        match make(&store, signer.clone(), Timestamp::now()).await {
            Ok(Some(_)) => tracing::info!("signed an audit checkpoint"),
            Ok(None) => {}
            Err(e) if stopping => tracing::warn!(error = %e, "no audit checkpoint at shutdown"),
            Err(e) => {
                tracing::error!(error = %e, "audit checkpoint failed; retrying at the next interval")
            }
        }
        if stopping {
            return;
        }
    }
}
