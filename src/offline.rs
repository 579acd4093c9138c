//! Offline operations on a data directory: audit verification, key rotation, backups of a
//! stopped server. The engines' file locks guarantee no server runs on the directory meanwhile.

use std::path::Path;
use std::sync::Arc;

use crate::crypto::KeyRing;
use crate::store::{self, Store, StoreError, keys};

/// Why an offline operation could not start.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    /// The data directory does not exist.
    #[error("no data directory at {0}")]
    Missing(String),
    /// A server holds the directory.
    #[error("the data directory {0} is in use (is a server running on it?); stop it first")]
    InUse(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Opens an existing data directory for an offline operation, with whichever engine
/// created it.
pub fn open(data_dir: &Path, keys: Arc<KeyRing>) -> Result<Store, OfflineError> {
    let Some(kind) = store::EngineKind::detect(data_dir)? else {
        return Err(OfflineError::Missing(data_dir.display().to_string()));
    };
    let in_use = |e: StoreError| match e {
        StoreError::Locked(_) => OfflineError::InUse(data_dir.display().to_string()),
        other => OfflineError::Store(other),
    };
    // A server that just stopped may hold the lock for a moment longer.
    let engine = store::open_engine(data_dir, kind, 64 << 20, std::time::Duration::from_secs(2))
        .map_err(in_use)?;
    Ok(Store::start(engine, keys)?)
}

/// Keyspaces whose values are sealed.
pub const SEALED_KEYSPACES: [u8; 3] = [keys::REQUEST, keys::CARD, keys::PROCEDURE];

/// Re-seals every sealed record under the active key; returns how many were rewritten.
pub async fn reseal_all(store: &Store) -> Result<usize, StoreError> {
    let mut total = 0;
    for space in SEALED_KEYSPACES {
        let mut start = vec![space];
        let end = vec![space + 1];
        loop {
            let batch = store.scan(&start, &end, 256)?;
            let Some((last, _)) = batch.last() else {
                break;
            };
            start = last.clone();
            start.push(0);
            total += store
                .execute(move |txn| {
                    let mut n = 0;
                    for (k, v) in &batch {
                        if txn.reseal(k, v)? {
                            n += 1;
                        }
                    }
                    Ok::<_, StoreError>(n)
                })
                .await?;
        }
    }
    Ok(total)
}
