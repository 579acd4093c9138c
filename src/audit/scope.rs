//! The audit side of every call, kept beside the log it writes to: the call layer opens a
//! scope per call; domain code marks the cases it reads or changes ([`touched`]); a change
//! that succeeds writes its entry inside its own command, in the same atomic batch
//! ([`AuditScope::write_ok`], used by `command::execute`); every other call that touched a
//! case (a read, a refusal) gets its entry from [`finish`], with the status the client
//! receives, before the answer leaves. A read whose entry cannot be written is not answered.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;

use super::Record;
use crate::store::{Store, StoreError, Txn};

tokio::task_local! {
    /// The audit scope of the call being handled.
    static SCOPE: Arc<AuditScope>;
}

/// What a call has touched so far.
#[derive(Debug)]
pub struct AuditScope {
    org: String,
    rpc: &'static str,
    via: super::Via,
    cases: Mutex<Vec<String>>,
    audited: AtomicBool,
}

impl AuditScope {
    /// A scope for one call of `org` to `rpc`, made over the channel and with the
    /// certificate `via` names.
    pub fn new(org: String, rpc: &'static str, via: super::Via) -> Arc<AuditScope> {
        Arc::new(AuditScope {
            org,
            rpc,
            via,
            cases: Mutex::new(Vec::new()),
            audited: AtomicBool::new(false),
        })
    }

    /// Runs `f` with this scope as the current call's.
    pub async fn run<F: std::future::Future>(self: &Arc<Self>, f: F) -> F::Output {
        SCOPE.scope(self.clone(), f).await
    }

    fn cases(&self) -> Vec<String> {
        self.cases.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn add(&self, id: &str) {
        let mut cases = self.cases.lock().unwrap_or_else(|p| p.into_inner());
        if !id.is_empty() && !cases.iter().any(|c| c == id) {
            cases.push(id.to_string());
        }
    }

    /// The entry for a successful change, written inside the change's command.
    pub fn write_ok(
        &self,
        txn: &mut Txn<'_>,
        at: Timestamp,
        case_ids: &[String],
    ) -> Result<super::Position, StoreError> {
        for id in case_ids {
            self.add(id);
        }
        super::append(
            txn,
            Record {
                at,
                org: self.org.clone(),
                rpc: self.rpc.to_string(),
                case_ids: self.cases(),
                outcome: "OK".into(),
                via: self.via.clone(),
            },
        )
    }

    /// Marks the call as audited (its command committed the entry).
    pub fn mark_audited(&self) {
        self.audited.store(true, Ordering::Release);
    }
}

/// Marks a case as touched by the current call (no-op outside a call).
pub fn touched(id: &str) {
    let _ = SCOPE.try_with(|s| s.add(id));
}

/// The current call's scope (for commands that write their own entry).
pub fn current() -> Option<Arc<AuditScope>> {
    SCOPE.try_with(|s| s.clone()).ok()
}

/// Writes the entry of a call that touched cases and was not audited inside a command;
/// `outcome` is the status name the client receives (`OK`, `NOT_FOUND`, ...).
pub async fn finish(
    store: &Store,
    at: Timestamp,
    scope: &AuditScope,
    outcome: &str,
) -> Result<(), StoreError> {
    if scope.audited.load(Ordering::Acquire) {
        return Ok(());
    }
    let cases = scope.cases();
    if cases.is_empty() {
        return Ok(());
    }
    let record = Record {
        at,
        org: scope.org.clone(),
        rpc: scope.rpc.to_string(),
        case_ids: cases,
        outcome: outcome.into(),
        via: scope.via.clone(),
    };
    super::append_now(store, record).await.map(|_| ())
}
