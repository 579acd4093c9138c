//! The audit side of every call: handlers mark the cases they read or change; a change that
//! succeeds writes its audit entry inside its own command (one atomic batch); everything
//! else (reads, refusals) is written by [`finish`] before the answer leaves. A read whose
//! audit entry cannot be written is not answered.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;

use crate::app::App;
use crate::audit::{self, Record};
use crate::error::Error;
use crate::store::{StoreError, Txn};

tokio::task_local! {
    /// The audit scope of the call being handled.
    pub static SCOPE: Arc<AuditScope>;
}

/// What a call has touched so far.
#[derive(Debug)]
pub struct AuditScope {
    org: String,
    rpc: &'static str,
    cases: Mutex<Vec<String>>,
    audited: AtomicBool,
}

impl AuditScope {
    /// A scope for one call.
    pub fn new(org: String, rpc: &'static str) -> Arc<AuditScope> {
        Arc::new(AuditScope {
            org,
            rpc,
            cases: Mutex::new(Vec::new()),
            audited: AtomicBool::new(false),
        })
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
    ) -> Result<(), StoreError> {
        for id in case_ids {
            self.add(id);
        }
        audit::append(
            txn,
            Record {
                at,
                org: self.org.clone(),
                rpc: self.rpc.to_string(),
                case_ids: self.cases(),
                outcome: "OK".into(),
            },
        )?;
        Ok(())
    }

    /// Marks the call as audited (its command committed the entry).
    pub fn mark_audited(&self) {
        self.audited.store(true, Ordering::Release);
    }
}

/// Runs a change on the store's writer with the current call's audit entry in the same
/// atomic batch (the entry names the case ids `ids` returns), so a change is never on disk
/// without its entry. Every change-making handler goes through here.
pub async fn execute_audited<T, F, I>(app: &App, command: F, ids: I) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(&crate::assistance::commands::Ctx, &mut Txn<'_>, Timestamp) -> Result<T, Error>
        + Send
        + 'static,
    I: FnOnce(&T) -> Vec<String> + Send + 'static,
{
    let ctx = crate::assistance::commands::Ctx {
        deadlines: app.deadlines.clone(),
        feeds: app.feeds.clone(),
    };
    let clock = app.clock.clone();
    let scope = current();
    let audit = scope.clone();
    let out = app
        .store
        .execute(move |txn| {
            let now = clock.now();
            let out = command(&ctx, txn, now)?;
            if let Some(s) = &audit {
                s.write_ok(txn, now, &ids(&out))?;
            }
            Ok::<_, Error>(out)
        })
        .await?;
    if let Some(s) = scope {
        s.mark_audited();
    }
    Ok(out)
}

/// Marks a case as touched by the current call (no-op outside a call).
pub fn touched(id: &str) {
    let _ = SCOPE.try_with(|s| s.add(id));
}

/// The current call's scope (for commands that write their own entry).
pub fn current() -> Option<Arc<AuditScope>> {
    SCOPE.try_with(|s| s.clone()).ok()
}

/// Writes the entry of a call that touched cases and was not audited inside a command.
pub async fn finish<T>(app: &App, scope: &AuditScope, out: Result<T, Error>) -> Result<T, Error> {
    if scope.audited.load(Ordering::Acquire) {
        return out;
    }
    let cases = scope.cases();
    if cases.is_empty() {
        return out;
    }
    let outcome = match &out {
        Ok(_) => "OK",
        Err(e) => e.code().as_str(),
    };
    let record = Record {
        at: app.clock.now(),
        org: scope.org.clone(),
        rpc: scope.rpc.to_string(),
        case_ids: cases,
        outcome: outcome.into(),
    };
    match audit::append_now(&app.store, record).await {
        Ok(_) => out,
        Err(e) => {
            tracing::error!(error = %e, "audit entry could not be written; the call is refused");
            Err(Error::Store(e))
        }
    }
}
