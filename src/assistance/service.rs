//! The assistance operations as the API offers them, each whole: who may call it (by
//! organisation kind and by the record's `visible_to`), validation, the command on the
//! writer and the view the caller gets back. The gRPC handlers only decode and encode.

use jiff::Timestamp;

use super::amend::{self, Amendment};
use super::commands::{self, Ack};
use super::model::{AssistanceRecord, ServiceNote, WrittenConfirmation};
use super::store::{self as records, ListFilter};
use super::validate::{self, RawSubmission};
use crate::app::App;
use crate::command;
use crate::deadlines::view::Known;
use crate::deadlines::{self, Breach, ClockRecord};
use crate::directory::{Actor, OrgId, Organization};
use crate::error::{Error, FieldViolation};
use crate::feed::{self, Follower};
use crate::people::Signatory;

/// A request with its deadline clocks and breaches: what a party sees of one case, and
/// the receipt of the event the call made (none for reads and repeated calls).
#[derive(Debug, Clone)]
pub struct Detailed {
    /// The request.
    pub record: AssistanceRecord,
    /// Its deadline clocks.
    pub clocks: Vec<ClockRecord>,
    /// Its breaches.
    pub breaches: Vec<Breach>,
    /// The signed receipt of this call's event (README, "Receipts and evidence").
    pub receipt: Option<String>,
}

/// The detailed view of a request the caller may see.
pub fn detailed(app: &App, record: AssistanceRecord) -> Result<Detailed, Error> {
    detailed_known(app, record, Known::default())
}

/// [`detailed`], with what the command that just changed the request knows of its
/// deadlines (the clocks it wrote; a new case's breaches), so that is not read back.
fn detailed_known(app: &App, record: AssistanceRecord, known: Known) -> Result<Detailed, Error> {
    let (clocks, breaches) = deadlines::view::of_case(&app.store, &record.request_id, known)?;
    Ok(Detailed {
        record,
        clocks,
        breaches,
        receipt: None,
    })
}

/// Runs a command by `actor` (audited in its own batch) with a receipt of `event` when the
/// command changed the record (a repeated call gets the first one's), then reads its view.
/// `content_sha256` is the content hash when the caller knows the content before the
/// command (a submission), so the single writer does not compute it.
async fn run<F>(
    app: &App,
    actor: OrgId,
    event: (&'static str, Option<String>),
    command: F,
) -> Result<Detailed, Error>
where
    F: FnOnce(
            &command::Ctx,
            &mut crate::store::Txn<'_>,
            Timestamp,
        ) -> Result<AssistanceRecord, Error>
        + Send
        + 'static,
{
    let (kind, content_sha256) = event;
    let command = move |c: &command::Ctx, txn: &mut crate::store::Txn<'_>, now| {
        let r = command(c, txn, now)?;
        // Every change appends to the history: one entry, and written now, is a creation.
        let created =
            r.history.len() == 1 && txn.has_written(&crate::store::keys::request(&r.request_id)?);
        let known = Known::after(txn, &r.request_id, created);
        Ok::<_, Error>((r, known))
    };
    type Made = (AssistanceRecord, Known);
    let ((r, known), receipt) = command::execute_receipted(
        app,
        command,
        |(r, _): &Made| vec![r.request_id.clone()],
        (
            |(r, _): &Made| r.request_id.clone(),
            crate::store::keys::request,
        ),
        (kind, move |(r, _): &Made| {
            let counterparty = if actor == r.centre {
                &r.police_unit
            } else {
                &r.centre
            };
            Some(crate::receipt::Event {
                kind,
                case_kind: "assistance_request",
                case_id: r.request_id.clone(),
                record_version: r.history.len() as u64,
                actor: actor.to_string(),
                counterparty: Some(counterparty.to_string()),
                content_sha256: content_sha256
                    .unwrap_or_else(|| crate::receipt::ContentDigest::content_sha256(&r.content)),
                kept_with: None,
            })
        }),
    )
    .await?;
    let mut d = detailed_known(app, r, known)?;
    d.receipt = receipt;
    Ok(d)
}

/// SubmitAssistanceRequest: a welfare centre's new request, routed to the police unit of
/// the visit's gmina. `pre` holds what the decoder already found wrong.
pub async fn submit(
    app: &App,
    caller: &Organization,
    raw: &RawSubmission,
    pre: Vec<FieldViolation>,
) -> Result<Detailed, Error> {
    caller.require(Actor::WelfareCentre, "submit assistance requests")?;
    let (submission, police) =
        validate::submission(raw, pre, app.clock.now(), caller, &app.directory)?;
    let centre = caller.id.clone();
    let hash = crate::receipt::ContentDigest::content_sha256(&submission.content);
    app.store
        .prefetch(records::submission_reads(&submission.request_id))
        .await;
    run(
        app,
        centre.clone(),
        ("assistance_request.submitted", Some(hash)),
        move |c, txn, now| commands::submit(c, txn, &centre, submission, police, now),
    )
    .await
}

/// GetAssistanceRequest: the request if the caller may see it, else NOT_FOUND.
pub fn get(app: &App, caller: &OrgId, id: &str) -> Result<Detailed, Error> {
    match records::get(&app.store, id)? {
        Some(r) if r.visible_to(caller) => detailed(app, r),
        _ => Err(commands::not_found(id)),
    }
}

/// ListAssistanceRequests: the caller's own requests (as centre or police unit), a page
/// at a time; the index holds only the caller's, so visibility is by construction.
pub fn list(
    app: &App,
    caller: &OrgId,
    filter: &ListFilter,
    page_token: &str,
    size: usize,
) -> Result<(Vec<AssistanceRecord>, String), Error> {
    records::list(&app.store, caller, filter, page_token, size)
}

/// AmendAssistanceRequest.
pub async fn amend(app: &App, caller: &Organization, a: Amendment) -> Result<Detailed, Error> {
    let centre = caller.clone();
    let directory = app.directory.clone();
    run(
        app,
        caller.id.clone(),
        ("assistance_request.amended", None),
        move |c, txn, now| amend::amend(c, txn, &centre, &directory, a, now),
    )
    .await
}

/// CancelAssistanceRequest.
pub async fn cancel(
    app: &App,
    caller: &OrgId,
    id: String,
    reason: String,
) -> Result<Detailed, Error> {
    let centre = caller.clone();
    run(
        app,
        caller.clone(),
        ("assistance_request.cancelled", None),
        move |c, txn, now| commands::cancel(c, txn, &centre, &id, &reason, now),
    )
    .await
}

/// SubmitWrittenConfirmation: the written application after an urgent oral one.
pub async fn confirm(
    app: &App,
    caller: &OrgId,
    id: String,
    signed_by: Signatory,
    remarks: &str,
) -> Result<Detailed, Error> {
    let centre = caller.clone();
    let confirmation = WrittenConfirmation {
        at: app.clock.now(),
        signed_by,
        remarks: remarks.trim().to_string(),
    };
    run(
        app,
        caller.clone(),
        ("assistance_request.written_confirmation", None),
        move |c, txn, now| commands::confirm(c, txn, &centre, &id, confirmation, now),
    )
    .await
}

/// AcknowledgeAssistanceRequest: the police unit's RECEIVED, ACCEPTED or DECLINED.
pub async fn acknowledge(
    app: &App,
    caller: &OrgId,
    id: String,
    ack: Ack,
) -> Result<Detailed, Error> {
    let police = caller.clone();
    let event = match ack {
        Ack::Received => "assistance_request.received",
        Ack::Accepted(_) => "assistance_request.accepted",
        Ack::Declined(_) => "assistance_request.declined",
    };
    run(app, caller.clone(), (event, None), move |c, txn, now| {
        commands::acknowledge(c, txn, &police, &id, ack, now)
    })
    .await
}

/// FileServiceNote: the officer's note after the visit.
pub async fn file_note(
    app: &App,
    caller: &OrgId,
    id: String,
    note: ServiceNote,
    pre: Vec<FieldViolation>,
) -> Result<Detailed, Error> {
    let police = caller.clone();
    run(
        app,
        caller.clone(),
        ("assistance_request.service_note", None),
        move |c, txn, now| commands::file_note(c, txn, &police, &id, note, pre, now),
    )
    .await
}

/// StreamAssistanceRequests: a follower of the police unit's own feed from the client's
/// cursor (`after_cursor`, checked to belong to this store).
pub async fn follow(app: &App, caller: &Organization, cursor: &str) -> Result<Follower, Error> {
    caller.require(Actor::PoliceUnit, "stream assistance requests")?;
    let prefix = records::feed_prefix(&caller.id);
    let prefix = prefix?;
    let mark = app.feeds.watch(&app.store, &prefix).await?;
    let after = feed::parse_cursor(&app.store, "after_cursor", cursor, *mark.borrow())?;
    Ok(Follower::new(
        app.store.clone(),
        prefix,
        after,
        mark,
        app.shutdown.clone(),
    ))
}

/// A page of a police unit's incoming requests, newest first.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The requests, newest submission first.
    pub requests: Vec<AssistanceRecord>,
    /// Where the next page starts (the feed position of the last one shown), if there is
    /// more.
    pub next: Option<u64>,
    /// The feed's durable end when the page was read: a follower from here misses
    /// nothing the page does not show.
    pub end: u64,
}

/// The police unit's incoming requests, newest first (what a dispatcher reads): its own
/// feed, the same one `StreamAssistanceRequests` follows, read backwards from `before`
/// (exclusive; `None`: the durable end), one row per request at its submission, at most
/// `size`. The feed holds only the unit's own requests, so visibility is by construction;
/// each record's `visible_to` is checked all the same.
pub async fn incoming(
    app: &App,
    caller: &Organization,
    before: Option<u64>,
    size: usize,
) -> Result<Incoming, Error> {
    caller.require(Actor::PoliceUnit, "list incoming assistance requests")?;
    let prefix = records::feed_prefix(&caller.id)?;
    let end = *app.feeds.watch(&app.store, &prefix).await?.borrow();
    let mut requests = Vec::new();
    let next = feed::walk_back(&app.store, &prefix, before, end, |seq, bytes| {
        let event = records::decode_event(seq, bytes)?;
        if event.kind != super::model::EventKind::New {
            return Ok::<_, Error>(true);
        }
        if requests.len() == size {
            return Ok(false);
        }
        // A request purged under the retention policy is no longer listed.
        if let Some(r) = records::get(&app.store, &event.request_id)? {
            if r.visible_to(&caller.id) {
                requests.push(r);
            }
        }
        Ok(true)
    })?;
    Ok(Incoming {
        requests,
        next,
        end,
    })
}
