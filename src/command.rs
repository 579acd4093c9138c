//! How a change runs: on the store's single writer, as one atomic batch that also holds
//! the current call's audit entry (so a change is never on disk without its entry), with
//! the context every command of every case kind needs ([`Ctx`]). Assistance requests,
//! Blue Cards and procedures all go through [`execute`].

use std::sync::Arc;

use jiff::Timestamp;

use crate::app::App;
use crate::deadlines::Deadlines;
use crate::error::Error;
use crate::feed::Feeds;
use crate::store::{StoreError, Txn};

/// What a command needs beside its transaction and the time: the deadline engine (clocks
/// start and stop with the case's events) and the feeds (events for streams and pulls).
#[derive(Clone)]
pub struct Ctx {
    /// The deadline engine and the rules in force.
    pub deadlines: Arc<Deadlines>,
    /// Feed watermarks.
    pub feeds: Feeds,
}

/// Runs `command` on the writer at the clock's current instant, with the current call's
/// audit entry (naming the case ids `ids` returns) in the same atomic batch; answers once
/// the batch is durable. Every change-making operation goes through here (or through
/// [`execute_with_receipts`]).
pub async fn execute<T, F, I>(app: &App, command: F, ids: I) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(&Ctx, &mut Txn<'_>, Timestamp) -> Result<T, Error> + Send + 'static,
    I: FnOnce(&T) -> Vec<String> + Send + 'static,
{
    let (out, _) = execute_with_receipts(app, command, ids, |_: &T| Vec::new()).await?;
    Ok(out)
}

/// [`execute`], and a signed receipt for each event `events` names, made after the audit
/// entry (whose position it cites) and stored in the same batch; returns them with the
/// command's result.
pub async fn execute_with_receipts<T, F, I, E>(
    app: &App,
    command: F,
    ids: I,
    events: E,
) -> Result<(T, Vec<String>), Error>
where
    T: Send + 'static,
    F: FnOnce(&Ctx, &mut Txn<'_>, Timestamp) -> Result<T, Error> + Send + 'static,
    I: FnOnce(&T) -> Vec<String> + Send + 'static,
    E: FnOnce(&T) -> Vec<crate::receipt::Event> + Send + 'static,
{
    let ctx = Ctx {
        deadlines: app.deadlines.clone(),
        feeds: app.feeds.clone(),
    };
    let clock = app.clock.clone();
    let issuer = app.receipts.clone();
    let scope = crate::audit::scope::current();
    let audit = scope.clone();
    let out = app
        .store
        .execute(move |txn| {
            let now = clock.now();
            let out = command(&ctx, txn, now)?;
            let position = match &audit {
                Some(s) => Some(s.write_ok(txn, now, &ids(&out))?),
                None => None,
            };
            let mut receipts = Vec::new();
            let events = if issuer.making() {
                events(&out)
            } else {
                Vec::new()
            };
            for (i, event) in events.iter().enumerate() {
                receipts.push(issuer.issue(txn, event, i as u64, now, position)?);
            }
            Ok::<_, Error>((out, receipts))
        })
        .await?;
    if let Some(s) = scope {
        s.mark_audited();
    }
    // Durable now; signing happens here, on the caller's task, not on the writer.
    let (out, recorded) = out;
    let receipts = recorded
        .iter()
        .map(|p| app.receipts.sign(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::Store(crate::store::StoreError::Engine(format!(
                "signing a receipt: {e}"
            )))
        })?;
    Ok((out, receipts))
}

/// How [`execute_receipted`] finds the record a command is about: its case id, and the
/// store key the command writes when it changes the record.
pub type RecordOf<T> = (fn(&T) -> String, fn(&str) -> Result<Vec<u8>, StoreError>);

/// [`execute_with_receipts`] for a command on one record with one receipt of `kind`: the
/// receipt `event` describes is made only when the command wrote the record (`record`), so
/// a repeated call that changed nothing makes none and gets back the newest receipt of
/// `kind` of the case (the one of the call that did). Every case kind's change goes through
/// here, so that rule lives once.
pub async fn execute_receipted<T, F, I, E>(
    app: &App,
    command: F,
    ids: I,
    record: RecordOf<T>,
    (kind, event): (&'static str, E),
) -> Result<(T, Option<String>), Error>
where
    T: Send + 'static,
    F: FnOnce(&Ctx, &mut Txn<'_>, Timestamp) -> Result<T, Error> + Send + 'static,
    I: FnOnce(&T) -> Vec<String> + Send + 'static,
    E: FnOnce(&T) -> Option<crate::receipt::Event> + Send + 'static,
{
    let (case_of, key_of) = record;
    let ((out, _), receipts) = execute_with_receipts(
        app,
        move |c, txn, now| {
            let out = command(c, txn, now)?;
            let changed = txn.has_written(&key_of(&case_of(&out))?);
            Ok((out, changed))
        },
        move |(out, _): &(T, bool)| ids(out),
        move |(out, changed): &(T, bool)| match changed {
            true => event(out).into_iter().collect(),
            false => Vec::new(),
        },
    )
    .await?;
    // A server making no receipts (the benchmark's comparison) has none to look up.
    let receipt = match receipts.into_iter().next() {
        Some(r) => Some(r),
        None if app.receipts.making() => {
            app.receipts
                .latest_of_kind(&app.store, &case_of(&out), kind)?
        }
        None => None,
    };
    Ok((out, receipt))
}
