//! Whether the store still takes writes, and why not. A store fails once and for all: after
//! a failed write or flush nothing it acknowledges could be trusted to be on disk (the
//! engine's journal may end in a torn record that only a restart's recovery removes), and after its
//! writer or flusher thread ended nobody would answer. The server watches this (health
//! turns NOT_SERVING at once) and exits with a distinct code so the service manager
//! restarts it on a clean state (docs/OPERATIONS.md, "Exit codes").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

/// Why the store stopped taking writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A write or flush failed because the disk holding the data directory is full.
    DiskFull,
    /// A write or flush failed for another reason (an I/O error of the disk or engine).
    IoFailed,
    /// The database of the PostgreSQL engine stopped answering a commit.
    DatabaseUnreachable,
    /// The database ended the active node's session (see `postgres_engine::election`).
    SessionEnded,
    /// The named thread (`lacznik-writer`, `lacznik-flusher`) ended while the store was open.
    ThreadEnded(&'static str),
}

impl Failure {
    /// The failure an engine error stands for.
    pub fn of(e: &super::StoreError) -> Failure {
        match e {
            super::StoreError::DiskFull(_) => Failure::DiskFull,
            super::StoreError::Unreachable(_) => Failure::DatabaseUnreachable,
            super::StoreError::SessionEnded(_) => Failure::SessionEnded,
            _ => Failure::IoFailed,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::DiskFull => {
                f.write_str("a write failed: the disk holding the data directory is full")
            }
            Failure::IoFailed => {
                f.write_str("a write or flush failed (an I/O error of the disk or the engine)")
            }
            Failure::DatabaseUnreachable => {
                f.write_str("a commit failed: the database is unreachable")
            }
            Failure::SessionEnded => f.write_str(
                "the database ended this node's session (unreachable, restarted, or the node \
                 was silent too long); another node may be active now",
            ),
            Failure::ThreadEnded(t) => write!(f, "the store's {t} thread ended unexpectedly"),
        }
    }
}

/// The shared health flag: cheap to read on every write, and a watch for whoever must
/// react the moment it changes.
#[derive(Debug)]
pub struct Health {
    failed: AtomicBool,
    tx: watch::Sender<Option<Failure>>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            failed: AtomicBool::new(false),
            tx: watch::channel(None).0,
        }
    }
}

impl Health {
    /// Records the first failure (later ones add nothing: the first says what happened).
    pub fn fail(&self, failure: Failure) {
        if !self.failed.swap(true, Ordering::AcqRel) {
            tracing::error!(%failure, "the store refuses every further write");
            self.tx.send_replace(Some(failure));
        }
    }

    /// True until the first failure.
    pub fn is_healthy(&self) -> bool {
        !self.failed.load(Ordering::Acquire)
    }

    /// The failure, if any.
    pub fn failure(&self) -> Option<Failure> {
        *self.tx.borrow()
    }

    /// Completes with the failure as soon as there is one.
    pub async fn failed(&self) -> Failure {
        let mut rx = self.tx.subscribe();
        loop {
            if let Some(f) = *rx.borrow_and_update() {
                return f;
            }
            if rx.changed().await.is_err() {
                // The sender lives as long as `self`; unreachable in practice, and waiting
                // forever is the honest answer to "has it failed?" if it ever happened.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Marks the store failed if the thread holding it ends before [`Sentinel::done`], which
/// also covers a panic unwinding out of the thread's loop.
pub(super) struct Sentinel {
    health: Arc<Health>,
    thread: &'static str,
    done: bool,
}

impl Sentinel {
    pub(super) fn new(health: Arc<Health>, thread: &'static str) -> Sentinel {
        Sentinel {
            health,
            thread,
            done: false,
        }
    }

    /// The thread ends on purpose (the store is closing).
    pub(super) fn done(mut self) {
        self.done = true;
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        if !self.done {
            self.health.fail(Failure::ThreadEnded(self.thread));
        }
    }
}

/// The engine as the store uses it: an engine error that says the database is unreachable
/// (from a read as much as from a commit) fails the store at once, so health turns
/// NOT_SERVING and the node restarts instead of answering reads with errors and writes
/// with a refusal while claiming to serve.
pub(super) struct Watched {
    pub(super) inner: Arc<dyn super::Engine>,
    pub(super) health: Arc<Health>,
}

impl Watched {
    fn watch<T>(&self, r: Result<T, super::StoreError>) -> Result<T, super::StoreError> {
        if let Err(e @ (super::StoreError::Unreachable(_) | super::StoreError::SessionEnded(_))) =
            &r
        {
            self.health.fail(Failure::of(e));
        }
        r
    }
}

impl super::Engine for Watched {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, super::StoreError> {
        self.watch(self.inner.get(key))
    }
    fn scan(&self, s: &[u8], e: &[u8], n: usize) -> Result<Vec<super::Entry>, super::StoreError> {
        self.watch(self.inner.scan(s, e, n))
    }
    fn last(&self, s: &[u8], e: &[u8]) -> Result<Option<super::Entry>, super::StoreError> {
        self.watch(self.inner.last(s, e))
    }
    fn apply(&self, batch: super::WriteBatch) -> Result<(), super::StoreError> {
        self.watch(self.inner.apply(batch))
    }
    fn flush(&self) -> Result<(), super::StoreError> {
        self.watch(self.inner.flush())
    }
    fn size_on_disk(&self) -> Result<u64, super::StoreError> {
        self.watch(self.inner.size_on_disk())
    }
    fn compact(&self) -> Result<(), super::StoreError> {
        self.watch(self.inner.compact())
    }
    fn prefetch(&self, keys: Vec<Vec<u8>>, done: Box<dyn FnOnce() + Send>) {
        self.inner.prefetch(keys, done);
    }
}
