//! The storage seam: everything lacznik persists goes through [`Store`], which sits on a
//! small [`Engine`] trait so the engine can be replaced without touching the domain. Three
//! exist, chosen by `store.engine`: fjall 3 (the default; README, "Storage", has the
//! measurements behind it), sled 0.34 (the user's original choice) and PostgreSQL (for data
//! that must survive the loss of a machine).
//!
//! Layout of this module:
//! - [`engine`]: the [`Engine`] trait (ordered byte keys, atomic batches, explicit flush);
//! - [`sled_engine`], [`fjall_engine`], [`postgres_engine`]: the implementations,
//!   [`EngineKind`] picks one;
//! - [`memory`]: an in-memory engine for unit tests of the domain (never used by a server);
//! - [`rewrite`]: copying a stopped store into fresh files (after a retention purge);
//! - [`commit`]: the single writer and the group commit (one flush shared by many commands);
//! - [`txn`]: what a command sees and writes; [`health`]: failed for good, and why;
//! - [`meta`]: format version and the store's identity (cursors name it);
//! - [`codec`]: versioned record encoding;
//! - [`keys`]: the key layout, the only place keys are encoded and decoded.
//!
//! The rule every command follows (see `docs/ARCHITECTURE.md`): one command, one atomic
//! batch; a client is answered only after that batch is flushed to disk.

pub mod codec;
pub mod commit;
pub mod engine;
pub mod fjall_engine;
pub mod health;
pub mod keys;
pub mod memory;
pub mod meta;
pub mod postgres_engine;
pub mod rewrite;
pub mod sled_engine;
pub mod txn;

use std::path::Path;
use std::sync::Arc;

pub use commit::Store;
pub use engine::{Engine, Entry, WriteBatch};
pub use health::Failure;
pub use txn::Txn;

/// Errors of the storage layer. They never carry record contents, only what failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The engine reported an I/O or corruption problem.
    #[error("storage engine error: {0}")]
    Engine(String),
    /// Another process (a running server) holds the data directory.
    #[error("could not acquire the lock on {0}: another process uses this data directory")]
    Locked(String),
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
    /// The database of the PostgreSQL engine cannot be reached (refused, gone, restarting):
    /// a temporary failure, like a full disk.
    #[error("the database is unreachable ({0}); retry shortly")]
    Unreachable(String),
    /// The database ended the active node's session (it was unreachable, restarted, or
    /// this node was silent too long, e.g. paused): the node can write nothing more and
    /// steps down; another node may be active now.
    #[error("the database ended this node's session ({0}); stepping down")]
    SessionEnded(String),
    /// The disk holding the data directory is full (ENOSPC or a quota).
    #[error(
        "the disk holding the data directory is full ({0}); free space, then start the server again"
    )]
    DiskFull(String),
    /// A flush failed earlier (or a store thread ended); the store refuses further writes
    /// rather than acknowledge something that may not be on disk, and the server restarts
    /// (embedded engines) or steps down to standby (PostgreSQL).
    #[error("the store refuses writes after a failure (see the log); retry shortly")]
    Poisoned,
    /// A key component is longer than the 255 bytes its length prefix can say (ids are
    /// UUIDs or directory ids, far shorter): refused, never cut.
    #[error("a key component of {0} bytes is longer than 255")]
    KeyPart(usize),
    /// The command panicked on the writer; nothing of it was applied.
    #[error("a command failed unexpectedly and was not applied")]
    Panicked,
    /// The store is shutting down.
    #[error("store is closed")]
    Closed,
}

impl StoreError {
    /// A failure that passes by itself or with a restart (store failed or closing, disk
    /// full, database unreachable): clients are told UNAVAILABLE, retry later.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            StoreError::Poisoned
                | StoreError::Closed
                | StoreError::DiskFull(_)
                | StoreError::Unreachable(_)
                | StoreError::SessionEnded(_)
        )
    }

    /// An engine's error, as [`StoreError::DiskFull`] when an I/O error anywhere in its
    /// source chain says the disk is full (ENOSPC, EDQUOT), else [`StoreError::Engine`].
    pub fn from_engine(e: &(dyn std::error::Error + 'static)) -> StoreError {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(c) = cause {
            if let Some(io) = c.downcast_ref::<std::io::Error>() {
                if is_disk_full(io) {
                    return StoreError::DiskFull(io.to_string());
                }
            }
            cause = c.source();
        }
        let text = e.to_string();
        // sled copies I/O errors into new ones with the original only in the message.
        if text.contains("No space left on device") || text.contains("StorageFull") {
            return StoreError::DiskFull(text);
        }
        StoreError::Engine(text)
    }
}

/// ENOSPC (28) and EDQUOT (122 on Linux) mean "no room", whatever the kind says.
pub fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    ) || matches!(e.raw_os_error(), Some(28 | 122))
}

/// Which embedded engine holds a data directory. Each keeps its files in its own
/// subdirectory (`sled/` or `fjall/`), so the kind of an existing directory is visible and
/// a server never opens one engine's data with the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// sled 0.34: pages rewritten in place; unmaintained upstream.
    Sled,
    /// fjall 3: journal + LSM tree.
    Fjall,
    /// PostgreSQL (`store.postgres`): the data lives in the database, not the directory.
    Postgres,
}

impl EngineKind {
    fn subdir(self) -> &'static str {
        match self {
            EngineKind::Sled => "sled",
            EngineKind::Fjall => fjall_engine::SUBDIR,
            EngineKind::Postgres => "postgres",
        }
    }

    /// The engine whose files are in `dir`, if any (both present is an error).
    pub fn detect(dir: &Path) -> Result<Option<EngineKind>, StoreError> {
        let found: Vec<EngineKind> = [EngineKind::Sled, EngineKind::Fjall]
            .into_iter()
            .filter(|k| dir.join(k.subdir()).exists())
            .collect();
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(StoreError::Engine(format!(
                "{} holds both a sled/ and a fjall/ store; keep one",
                dir.display()
            ))),
        }
    }
}

impl std::fmt::Display for EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.subdir())
    }
}

impl std::str::FromStr for EngineKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sled" => Ok(EngineKind::Sled),
            "fjall" => Ok(EngineKind::Fjall),
            "postgres" => Ok(EngineKind::Postgres),
            other => Err(format!(
                "unknown storage engine {other:?} (expected fjall, sled or postgres)"
            )),
        }
    }
}

/// Opens the engine `kind` under `dir` (created if absent), waiting at most `wait` for a
/// previous handle's lock. A directory that already holds the other engine's data is
/// refused with a message that says how to migrate, never silently started empty.
pub fn open_engine(
    dir: &Path,
    kind: EngineKind,
    cache_bytes: u64,
    wait: std::time::Duration,
) -> Result<Arc<dyn Engine>, StoreError> {
    rewrite::recover(dir)?;
    if let Some(found) = EngineKind::detect(dir)? {
        if found != kind {
            return Err(StoreError::Engine(format!(
                "{} holds a {found} store but store.engine = {kind}; set store.engine = \"{found}\", \
                 or migrate: `lacznik backup` with the old engine, then `lacznik restore` into an \
                 empty directory with the new one",
                dir.display()
            )));
        }
    }
    Ok(match kind {
        EngineKind::Sled => Arc::new(sled_engine::SledEngine::open_waiting(
            dir,
            cache_bytes,
            wait,
        )?),
        EngineKind::Fjall => Arc::new(fjall_engine::FjallEngine::open(dir, cache_bytes, wait)?),
        EngineKind::Postgres => {
            return Err(StoreError::Engine(
                "the postgres engine is not a data directory: this command works on fjall and \
                 sled directories; move data with `lacznik backup` / `lacznik restore`"
                    .into(),
            ));
        }
    })
}

/// Room a server needs on the data directory's disk to start: written, synced and removed
/// before the engine opens. A tiny write can still fit in a file's last page on a full
/// disk, so the probe is large enough to need fresh blocks.
pub const START_PROBE_BYTES: usize = 1 << 20;

/// Proves at start that the data directory's disk takes writes (room, not read-only, no
/// quota hit), so a server on a full disk says so and exits instead of failing at the
/// first client's request.
pub fn probe_space(dir: &Path) -> Result<(), StoreError> {
    use std::io::Write;
    let io = |e: std::io::Error| {
        if is_disk_full(&e) {
            StoreError::DiskFull(format!(
                "{}: {e}; lacznik needs at least {} MiB free to start",
                dir.display(),
                START_PROBE_BYTES >> 20
            ))
        } else {
            StoreError::Engine(format!("{} does not take writes: {e}", dir.display()))
        }
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let path = dir.join(".space-probe");
    let written = std::fs::File::create(&path).and_then(|mut f| {
        f.write_all(&vec![0u8; START_PROBE_BYTES])?;
        f.sync_all()
    });
    let removed = std::fs::remove_file(&path);
    written.map_err(io)?;
    removed.map_err(io)
}

/// Opens the PostgreSQL engine and starts the writer (`store.engine = "postgres"`).
pub fn open_postgres(
    settings: &postgres_engine::PgSettings,
    keys: Arc<crate::crypto::KeyRing>,
) -> Result<Store, StoreError> {
    let engine = Arc::new(postgres_engine::PgEngine::open(settings)?);
    Store::start(engine, keys)
}

/// Waits as a standby for this node's turn on PostgreSQL, then opens the store as at a
/// start (everything recovered from the database); blocks, so run it on a thread of its
/// own. [`StoreError::Closed`] when the candidacy was cancelled.
pub fn open_postgres_when_active(
    settings: &postgres_engine::PgSettings,
    candidacy: &postgres_engine::Candidacy,
    keys: Arc<crate::crypto::KeyRing>,
) -> Result<Store, StoreError> {
    let engine = Arc::new(postgres_engine::PgEngine::open_when_active(
        settings, candidacy,
    )?);
    Store::start(engine, keys)
}

/// Opens the engine under `dir` and starts the writer, the form the server uses.
pub fn open(
    dir: &Path,
    kind: EngineKind,
    cache_bytes: u64,
    keys: Arc<crate::crypto::KeyRing>,
) -> Result<Store, StoreError> {
    probe_space(dir)?;
    let engine = open_engine(dir, kind, cache_bytes, std::time::Duration::from_secs(5))?;
    Store::start(engine, keys)
}
