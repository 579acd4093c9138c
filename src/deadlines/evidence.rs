//! The evidence of a breach event: a breach is the server's own act, so each of its events
//! (recorded, resolved) gets an audit entry of its own (`org = lacznik`, `rpc =
//! BreachRecorded` / `BreachResolved`, the case ids) and a receipt citing that entry, both
//! in the batch that records the event. The receipt is kept with the breached case, so the
//! case's parties find it in `ListReceipts` of the case, and WatchBreaches carries it with
//! the event; its content hash is over the breach as the API shows it after the event.

use super::breach::{Breach, BreachEventKind};
use crate::audit;
use crate::receipt::{self, ContentDigest};
use crate::store::{StoreError, Txn};

/// Who acted, in the audit entry and the receipt: the server itself.
pub const SERVER: &str = "lacznik";

/// The audit action and receipt event kind of a breach event.
pub fn names(kind: BreachEventKind) -> (&'static str, &'static str) {
    match kind {
        BreachEventKind::Recorded => ("BreachRecorded", "breach.recorded"),
        BreachEventKind::Resolved => ("BreachResolved", "breach.resolved"),
    }
}

/// Writes the audit entry and stores the receipt payload of `kind` happening to `breach`
/// (as it is after the event), in the current batch; `simulated_clock`: the server runs on
/// a simulated clock (the receipt says so).
pub fn record(
    txn: &mut Txn<'_>,
    kind: BreachEventKind,
    breach: &Breach,
    simulated_clock: bool,
) -> Result<(), StoreError> {
    let (action, event_kind) = names(kind);
    let at = match kind {
        BreachEventKind::Recorded => breach.recorded_at,
        BreachEventKind::Resolved => breach.resolved_at.unwrap_or(breach.recorded_at),
    };
    let mut case_ids = vec![breach.case.id.clone()];
    case_ids.extend(breach.case.parent.iter().cloned());
    let position = audit::append(
        txn,
        audit::Record {
            at,
            org: SERVER.into(),
            rpc: action.into(),
            case_ids,
            outcome: "OK".into(),
            via: crate::audit::Via::server(),
        },
    )?;
    let event = receipt::Event {
        kind: event_kind,
        case_kind: "breach",
        case_id: breach.id.to_string(),
        record_version: match kind {
            BreachEventKind::Recorded => 1,
            BreachEventKind::Resolved => 2,
        },
        actor: SERVER.into(),
        counterparty: Some(breach.responsible.to_string()),
        content_sha256: breach.content_sha256(),
        kept_with: Some(breach.case.id.clone()),
    };
    receipt::issue::record(txn, &event, 0, (at, simulated_clock), Some(position)).map(|_| ())
}
