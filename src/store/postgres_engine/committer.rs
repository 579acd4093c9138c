//! The committer: the one connection of the active node that writes, holding the node lock
//! (`election`), which commits what flushes send it and, between commits, proves its session
//! alive; when the session ends it tells the engine once, so the node steps down at once.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError};

use postgres::Client;

use super::CommitJob;
use super::election::{self, HEARTBEAT, heartbeat};
use super::sql::{CommitStatements, commit};
use crate::store::StoreError;

/// Called once when the engine learns, outside any call, that it can write no more.
pub type LostHook = Box<dyn Fn(StoreError) + Send + Sync>;

/// The committer's side of the engine: the hook to call when its session ends.
#[derive(Default)]
pub(super) struct Committer {
    pub(super) lost: Mutex<Option<LostHook>>,
}

impl Committer {
    /// Commits what it is sent, and between commits proves the session alive every
    /// [`HEARTBEAT`]; a failed heartbeat is reported once (the node steps down).
    pub(super) fn run(&self, mut c: Client, jobs: &Receiver<CommitJob>) {
        // One round trip measured at once, so the gauge has a value from the start.
        let started = std::time::Instant::now();
        if heartbeat(&mut c).is_ok() {
            election::confirmed(Some(started.elapsed()));
        }
        let mut lost = false;
        let mut statements = None;
        loop {
            match jobs.recv_timeout(HEARTBEAT) {
                Ok((flush, answer)) => {
                    let r = match &statements {
                        Some(st) => commit(&mut c, st, &flush),
                        None => CommitStatements::prepare(&mut c).and_then(|st| {
                            let r = commit(&mut c, &st, &flush);
                            statements = Some(st);
                            r
                        }),
                    };
                    if r.is_ok() {
                        election::confirmed(None);
                    }
                    let _ = answer.send(r);
                }
                Err(RecvTimeoutError::Timeout) if !lost => {
                    let started = std::time::Instant::now();
                    match heartbeat(&mut c) {
                        Ok(()) => election::confirmed(Some(started.elapsed())),
                        Err(e) => {
                            lost = true;
                            let e = StoreError::SessionEnded(e.to_string());
                            if let Some(hook) =
                                &*self.lost.lock().unwrap_or_else(|p| p.into_inner())
                            {
                                hook(e);
                            }
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}
