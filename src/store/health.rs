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
    /// The named thread (`lacznik-writer`, `lacznik-flusher`) ended while the store was open.
    ThreadEnded(&'static str),
}

impl Failure {
    /// The failure an engine error stands for.
    pub fn of(e: &super::StoreError) -> Failure {
        match e {
            super::StoreError::DiskFull(_) => Failure::DiskFull,
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
