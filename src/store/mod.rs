//! The storage seam: everything lacznik persists goes through [`Store`], which sits on a
//! small [`Engine`] trait so the embedded engine (sled 0.34 today) can be replaced without
//! touching the domain.
//!
//! Layout of this module:
//! - [`engine`]: the [`Engine`] trait (ordered byte keys, atomic batches, explicit flush);
//! - [`sled_engine`]: the sled implementation;
//! - [`memory`]: an in-memory engine for unit tests of the domain (never used by a server);
//! - [`commit`]: the single writer and the group commit (one flush shared by many commands);
//! - [`codec`]: versioned record encoding;
//! - [`keys`]: the key prefixes (one byte per keyspace) and big-endian key helpers.
//!
//! The rule every command follows (see `docs/ARCHITECTURE.md`): one command, one atomic
//! batch; a client is answered only after that batch is flushed to disk.

pub mod codec;
pub mod commit;
pub mod engine;
pub mod keys;
pub mod memory;
pub mod sled_engine;

use std::path::Path;
use std::sync::Arc;

pub use commit::{Store, Txn};
pub use engine::{Engine, Entry, WriteBatch};

/// Errors of the storage layer. They never carry record contents, only what failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The engine reported an I/O or corruption problem.
    #[error("storage engine error: {0}")]
    Engine(String),
    /// A stored value could not be decoded (corruption or a newer schema).
    #[error("cannot decode stored value under key {key}: {reason}")]
    Codec {
        /// The key, hex-encoded (keys hold ids and times, never personal data).
        key: String,
        /// What was wrong.
        reason: String,
    },
    /// The data directory was written by a newer lacznik.
    #[error("data directory has format version {found}, this build understands up to {supported}")]
    UnsupportedFormat {
        /// The version found on disk.
        found: u32,
        /// The newest version this build understands.
        supported: u32,
    },
    /// A flush failed earlier; the store refuses further writes rather than acknowledge
    /// something that may not be on disk.
    #[error("store is unavailable after a failed flush; restart the server")]
    Poisoned,
    /// The store is shutting down.
    #[error("store is closed")]
    Closed,
}

/// Opens the sled engine under `dir` and starts the writer, the form the server uses.
pub fn open_sled(
    dir: &Path,
    cache_bytes: u64,
    keys: Arc<crate::crypto::KeyRing>,
) -> Result<Store, StoreError> {
    let engine = sled_engine::SledEngine::open(dir, cache_bytes)?;
    Store::start(Arc::new(engine), keys)
}
