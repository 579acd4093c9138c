//! The commands of the assistance workflow. Each runs inside one store command (one atomic
//! batch): the record, its index entries, the police unit's feed event and the deadline
//! changes are written together or not at all.
//!
//! State machine (illegal transitions are FAILED_PRECONDITION):
//! ```text
//! SUBMITTED --RECEIVED--> RECEIVED --ACCEPTED--> ACCEPTED --service note--> COMPLETED
//!                                   \--DECLINED--> DECLINED
//! SUBMITTED / RECEIVED / ACCEPTED --amend (before the visit)--> SUBMITTED (decide again)
//! SUBMITTED / RECEIVED / ACCEPTED --cancel (before the visit)--> CANCELLED
//! ```
//! Amendments are in [`super::amend`].
//! Repeating an acknowledgement, cancellation, confirmation or note that already took
//! effect is an idempotent retry: it answers with the current request and writes nothing.

use jiff::Timestamp;

use super::model::*;
use super::store as records;
use super::validate::{self, Checker};
use crate::command::Ctx;
use crate::deadlines::{CaseKind, CaseRef, Event, Facts};
use crate::directory::OrgId;
use crate::error::{Error, FieldViolation};
use crate::store::Txn;

/// The deadline engine's view of a request.
pub fn case_ref(r: &AssistanceRecord) -> CaseRef {
    CaseRef {
        kind: CaseKind::Assistance,
        id: r.request_id.clone(),
        parent: None,
        gmina: r.content.address.gmina,
        sender: r.centre.clone(),
        recipient: r.police_unit.clone(),
    }
}

fn facts(r: &AssistanceRecord) -> Facts {
    Facts {
        urgent_oral: r.urgency == Urgency::UrgentOral,
        planned_start: Some(r.content.planned_start),
        planned_end: Some(r.content.planned_end),
        procedure_started: None,
    }
}

pub(super) fn not_found(id: &str) -> Error {
    Error::NotFound {
        what: "assistance request",
        id: id.to_string(),
    }
}

/// Loads a request the caller may see (its centre or its police unit); anyone else gets
/// NOT_FOUND, exactly as for an id that does not exist.
pub fn load_visible(txn: &Txn<'_>, caller: &OrgId, id: &str) -> Result<AssistanceRecord, Error> {
    match records::get_in(txn, id)? {
        Some(r) if r.visible_to(caller) => Ok(r),
        _ => Err(not_found(id)),
    }
}

pub(super) fn only_centre(r: &AssistanceRecord, caller: &OrgId, what: &str) -> Result<(), Error> {
    if &r.centre == caller {
        Ok(())
    } else {
        Err(Error::PermissionDenied(format!(
            "only the requesting centre may {what} request {}",
            r.request_id
        )))
    }
}

fn only_police(r: &AssistanceRecord, caller: &OrgId, what: &str) -> Result<(), Error> {
    if &r.police_unit == caller {
        Ok(())
    } else {
        Err(Error::PermissionDenied(format!(
            "only the police unit may {what} request {}",
            r.request_id
        )))
    }
}

pub(super) fn before_visit(r: &AssistanceRecord, now: Timestamp, what: &str) -> Result<(), Error> {
    if now < r.content.planned_start {
        Ok(())
    } else {
        Err(Error::FailedPrecondition(format!(
            "request {} cannot be {what}: the visit has started",
            r.request_id
        )))
    }
}

pub(super) fn illegal(r: &AssistanceRecord, what: &str) -> Error {
    Error::FailedPrecondition(format!(
        "request {} is {}; it cannot be {what}",
        r.request_id,
        r.state.as_str()
    ))
}

pub(super) fn record_history(r: &mut AssistanceRecord, by: &OrgId, action: Action, now: Timestamp) {
    r.updated_at = now;
    r.history.push(HistoryEntry {
        at: now,
        by: by.clone(),
        action,
        version: r.version,
    });
}

pub(super) fn deadline_event(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    r: &AssistanceRecord,
    e: Event,
    now: Timestamp,
) -> Result<(), Error> {
    ctx.deadlines
        .on_event(txn, &case_ref(r), e, now, &facts(r))?;
    Ok(())
}

pub(super) fn publish(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    r: &AssistanceRecord,
    kind: EventKind,
    now: Timestamp,
) -> Result<(), Error> {
    let event = FeedEvent {
        kind,
        request_id: r.request_id.clone(),
        version: r.version,
        at: now,
        record_version: r.history.len() as u64,
    };
    ctx.feeds
        .append(txn, &records::feed_prefix(&r.police_unit)?, &event)?;
    Ok(())
}

/// SubmitAssistanceRequest: stores a validated submission routed to `police`.
pub fn submit(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    centre: &OrgId,
    sub: Submission,
    police: OrgId,
    now: Timestamp,
) -> Result<AssistanceRecord, Error> {
    let d = crate::store::codec::digest("submission", &sub)?;
    if let Some(existing) = records::get_in(txn, &sub.request_id)? {
        if &existing.centre == centre && existing.submission_digest == d {
            return Ok(existing);
        }
        return Err(Error::AlreadyExists(format!(
            "request_id {} is already used for a different request; choose a new UUID",
            sub.request_id
        )));
    }
    let mut r = AssistanceRecord {
        request_id: sub.request_id,
        submission_digest: d,
        centre: centre.clone(),
        police_unit: police,
        state: State::Submitted,
        urgency: sub.urgency,
        oral_request: sub.oral_request,
        content: sub.content,
        version: 1,
        submitted_at: now,
        updated_at: now,
        received_at: None,
        decision: None,
        written_confirmation: None,
        service_note: None,
        cancellation: None,
        history: Vec::new(),
    };
    record_history(&mut r, centre, Action::Submitted, now);
    records::put_new(txn, &r)?;
    publish(ctx, txn, &r, EventKind::New, now)?;
    deadline_event(ctx, txn, &r, Event::AssistanceSubmitted, now)?;
    Ok(r)
}

/// CancelAssistanceRequest.
pub fn cancel(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    centre: &OrgId,
    id: &str,
    reason: &str,
    now: Timestamp,
) -> Result<AssistanceRecord, Error> {
    let mut r = load_visible(txn, centre, id)?;
    only_centre(&r, centre, "cancel")?;
    if r.state == State::Cancelled {
        return Ok(r);
    }
    let mut c = Checker::default();
    c.text("reason", reason, true, validate::MAX_TEXT, true);
    c.finish()?;
    if !matches!(
        r.state,
        State::Submitted | State::Received | State::Accepted
    ) {
        return Err(illegal(&r, "cancelled"));
    }
    before_visit(&r, now, "cancelled")?;
    r.state = State::Cancelled;
    r.cancellation = Some((now, reason.trim().to_string()));
    record_history(&mut r, centre, Action::Cancelled, now);
    records::put(txn, &r)?;
    publish(ctx, txn, &r, EventKind::Cancelled, now)?;
    deadline_event(ctx, txn, &r, Event::AssistanceCancelled, now)?;
    Ok(r)
}

/// SubmitWrittenConfirmation.
pub fn confirm(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    centre: &OrgId,
    id: &str,
    confirmation: WrittenConfirmation,
    now: Timestamp,
) -> Result<AssistanceRecord, Error> {
    let mut r = load_visible(txn, centre, id)?;
    only_centre(&r, centre, "confirm")?;
    if r.urgency != Urgency::UrgentOral {
        return Err(Error::FailedPrecondition(format!(
            "request {} was submitted in writing (NORMAL); only URGENT_ORAL requests take a written confirmation",
            r.request_id
        )));
    }
    if r.written_confirmation.is_some() {
        return Ok(r);
    }
    if r.state == State::Cancelled {
        return Err(illegal(&r, "confirmed"));
    }
    let mut c = Checker::default();
    c.text(
        "signed_by.first_name",
        &confirmation.signed_by.first_name,
        true,
        validate::MAX_NAME,
        false,
    );
    c.text(
        "signed_by.last_name",
        &confirmation.signed_by.last_name,
        true,
        validate::MAX_NAME,
        false,
    );
    c.text(
        "signed_by.position",
        &confirmation.signed_by.position,
        false,
        validate::MAX_NAME,
        false,
    );
    c.text(
        "remarks",
        &confirmation.remarks,
        false,
        validate::MAX_TEXT,
        true,
    );
    c.finish()?;
    r.written_confirmation = Some(WrittenConfirmation {
        at: now,
        ..confirmation
    });
    record_history(&mut r, centre, Action::WrittenConfirmation, now);
    records::put(txn, &r)?;
    publish(ctx, txn, &r, EventKind::WrittenConfirmation, now)?;
    deadline_event(ctx, txn, &r, Event::AssistanceWrittenConfirmation, now)?;
    Ok(r)
}

/// The three acknowledgements a police unit sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ack {
    /// The dispatch system has it.
    Received,
    /// Will assist, optionally with the assigned officers.
    Accepted(Vec<Officer>),
    /// Will not assist, with a reason.
    Declined(String),
}

/// AcknowledgeAssistanceRequest.
pub fn acknowledge(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    police: &OrgId,
    id: &str,
    ack: Ack,
    now: Timestamp,
) -> Result<AssistanceRecord, Error> {
    let mut r = load_visible(txn, police, id)?;
    only_police(&r, police, "acknowledge")?;
    let mut c = Checker::default();
    match &ack {
        Ack::Accepted(officers) => validate::officers(&mut c, "officers", officers, false),
        Ack::Declined(reason) => c.text("reason", reason, true, validate::MAX_TEXT, true),
        Ack::Received => {}
    }
    c.finish()?;
    let (action, event) = match (&ack, r.state) {
        (Ack::Received, State::Submitted) => {
            r.state = State::Received;
            r.received_at = Some(now);
            (Action::Received, Event::AssistanceReceived)
        }
        (Ack::Received, State::Received | State::Accepted | State::Declined | State::Completed) => {
            return Ok(r);
        }
        (Ack::Accepted(_), State::Accepted | State::Completed) => return Ok(r),
        (Ack::Declined(_), State::Declined) => return Ok(r),
        (Ack::Accepted(officers), State::Received) => {
            r.state = State::Accepted;
            r.decision = Some(Decision {
                accepted: true,
                at: now,
                officers: officers.clone(),
                reason: String::new(),
            });
            (Action::Accepted, Event::AssistanceAccepted)
        }
        (Ack::Declined(reason), State::Received) => {
            r.state = State::Declined;
            r.decision = Some(Decision {
                accepted: false,
                at: now,
                officers: Vec::new(),
                reason: reason.trim().to_string(),
            });
            (Action::Declined, Event::AssistanceDeclined)
        }
        (Ack::Accepted(_) | Ack::Declined(_), State::Submitted) => {
            return Err(Error::FailedPrecondition(format!(
                "request {} must be acknowledged RECEIVED before it is accepted or declined",
                r.request_id
            )));
        }
        (Ack::Received, _) => return Err(illegal(&r, "received")),
        (Ack::Accepted(_), _) => return Err(illegal(&r, "accepted")),
        (Ack::Declined(_), _) => return Err(illegal(&r, "declined")),
    };
    record_history(&mut r, police, action, now);
    records::put(txn, &r)?;
    deadline_event(ctx, txn, &r, event, now)?;
    Ok(r)
}

/// FileServiceNote.
pub fn file_note(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    police: &OrgId,
    id: &str,
    note: ServiceNote,
    pre: Vec<FieldViolation>,
    now: Timestamp,
) -> Result<AssistanceRecord, Error> {
    let mut r = load_visible(txn, police, id)?;
    only_police(&r, police, "file a service note for")?;
    if r.state == State::Completed {
        return Ok(r);
    }
    let mut c = Checker::new(pre);
    validate::service_note(&mut c, &note);
    c.finish()?;
    if r.state != State::Accepted {
        return Err(illegal(
            &r,
            "completed with a service note (it must be ACCEPTED)",
        ));
    }
    if now < r.content.planned_start {
        return Err(Error::FailedPrecondition(format!(
            "request {}: the service note is filed after the visit, which has not started",
            r.request_id
        )));
    }
    r.state = State::Completed;
    r.service_note = Some(ServiceNote {
        filed_at: now,
        ..note
    });
    record_history(&mut r, police, Action::ServiceNote, now);
    records::put(txn, &r)?;
    deadline_event(ctx, txn, &r, Event::AssistanceServiceNote, now)?;
    Ok(r)
}
