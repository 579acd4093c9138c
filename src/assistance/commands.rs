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
//! Repeating an acknowledgement, cancellation, confirmation or note that already took
//! effect is an idempotent retry: it answers with the current request and writes nothing.

use std::sync::Arc;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::model::*;
use super::store as records;
use super::validate::{self, Checker, RawContent};
use crate::deadlines::{CaseKind, CaseRef, Deadlines, Event, Facts};
use crate::directory::{Directory, OrgId, Organization};
use crate::error::{Error, FieldViolation};
use crate::feed::Feeds;
use crate::store::Txn;

/// What every command needs besides the transaction.
#[derive(Clone)]
pub struct Ctx {
    /// The deadline engine.
    pub deadlines: Arc<Deadlines>,
    /// Feed watermarks.
    pub feeds: Feeds,
}

fn digest(s: &Submission) -> [u8; 32] {
    let bytes = rmp_serde::to_vec_named(s).unwrap_or_default();
    let mut out = [0u8; 32];
    out.copy_from_slice(&Sha256::digest(&bytes));
    out
}

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

fn not_found(id: &str) -> Error {
    Error::NotFound {
        what: "assistance request",
        id: id.to_string(),
    }
}

/// Loads a request the caller may see (its centre or its police unit); anyone else gets
/// NOT_FOUND, exactly as for an id that does not exist.
pub fn load_visible(txn: &Txn<'_>, caller: &OrgId, id: &str) -> Result<AssistanceRecord, Error> {
    match records::get_in(txn, id)? {
        Some(r) if &r.centre == caller || &r.police_unit == caller => Ok(r),
        _ => Err(not_found(id)),
    }
}

fn only_centre(r: &AssistanceRecord, caller: &OrgId, what: &str) -> Result<(), Error> {
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

fn before_visit(r: &AssistanceRecord, now: Timestamp, what: &str) -> Result<(), Error> {
    if now < r.content.planned_start {
        Ok(())
    } else {
        Err(Error::FailedPrecondition(format!(
            "request {} cannot be {what}: the visit has started",
            r.request_id
        )))
    }
}

fn illegal(r: &AssistanceRecord, what: &str) -> Error {
    Error::FailedPrecondition(format!(
        "request {} is {}; it cannot be {what}",
        r.request_id,
        r.state.as_str()
    ))
}

fn record_history(r: &mut AssistanceRecord, by: &OrgId, action: Action, now: Timestamp) {
    r.updated_at = now;
    r.history.push(HistoryEntry {
        at: now,
        by: by.clone(),
        action,
        version: r.version,
    });
}

fn deadline_event(
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

fn publish(
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
    };
    ctx.feeds.append(
        txn,
        &records::feed_prefix(&r.police_unit),
        crate::store::codec::encode(&event),
    )?;
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
    let d = digest(&sub);
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
    records::put_new(txn, &r);
    publish(ctx, txn, &r, EventKind::New, now)?;
    deadline_event(ctx, txn, &r, Event::AssistanceSubmitted, now)?;
    Ok(r)
}

/// The parts of a request an amendment may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Planned start and end.
    PlannedTime,
    /// Address (and so, possibly, the police unit... which must stay the same).
    Address,
    /// Social workers.
    SocialWorkers,
    /// Expected behaviour.
    ExpectedBehaviour,
}

impl Part {
    /// Parses a name from `AmendAssistanceRequestRequest.fields`.
    pub fn parse(s: &str) -> Option<Part> {
        match s {
            "planned_time" => Some(Part::PlannedTime),
            "address" => Some(Part::Address),
            "social_workers" => Some(Part::SocialWorkers),
            "expected_behaviour" => Some(Part::ExpectedBehaviour),
            _ => None,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Part::PlannedTime => "planned_time",
            Part::Address => "address",
            Part::SocialWorkers => "social_workers",
            Part::ExpectedBehaviour => "expected_behaviour",
        }
    }
}

fn raw_of(c: &Content) -> RawContent {
    RawContent {
        planned_start: Some(c.planned_start),
        planned_end: Some(c.planned_end),
        address: Some(validate::RawAddress {
            street: c.address.street.clone(),
            building_number: c.address.building_number.clone(),
            apartment_number: c.address.apartment_number.clone(),
            postal_code: c.address.postal_code.clone(),
            city: c.address.city.clone(),
            gmina_teryt: c.address.gmina.to_string(),
            notes: c.address.notes.clone(),
        }),
        client: Some(c.client.clone()),
        expected_behaviour: c.expected_behaviour.clone(),
        social_workers: c.social_workers.clone(),
        activity: Some(match c.activity {
            Activity::CommunityInterview => validate::RawActivity::CommunityInterview,
            Activity::SocialWork => validate::RawActivity::SocialWork,
            Activity::Other(_) => validate::RawActivity::Other,
        }),
        activity_other: match &c.activity {
            Activity::Other(t) => t.clone(),
            _ => String::new(),
        },
        signed_by: Some(c.signed_by.clone()),
    }
}

/// An amendment as decoded from the wire.
pub struct Amendment {
    /// Request id.
    pub request_id: String,
    /// Optimistic concurrency (0: current).
    pub expected_version: u32,
    /// Parts to change.
    pub parts: Vec<Part>,
    /// New values.
    pub content: RawContent,
    /// Decoding problems found by the API layer.
    pub pre: Vec<FieldViolation>,
}

/// AmendAssistanceRequest.
pub fn amend(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    centre: &Organization,
    directory: &Directory,
    a: Amendment,
    now: Timestamp,
) -> Result<AssistanceRecord, Error> {
    let mut r = load_visible(txn, &centre.id, &a.request_id)?;
    only_centre(&r, &centre.id, "amend")?;
    if !matches!(
        r.state,
        State::Submitted | State::Received | State::Accepted
    ) {
        return Err(illegal(&r, "amended"));
    }
    before_visit(&r, now, "amended")?;
    if a.expected_version != 0 && a.expected_version != r.version {
        return Err(Error::FailedPrecondition(format!(
            "request {} is at version {}, not {}; read it again before amending",
            r.request_id, r.version, a.expected_version
        )));
    }
    let mut c = Checker::new(a.pre);
    if a.parts.is_empty() {
        c.add("fields", "name at least one part to change");
    }
    let mut merged = raw_of(&r.content);
    for p in &a.parts {
        match p {
            Part::PlannedTime => {
                merged.planned_start = a.content.planned_start;
                merged.planned_end = a.content.planned_end;
            }
            Part::Address => merged.address = a.content.address.clone(),
            Part::SocialWorkers => merged.social_workers = a.content.social_workers.clone(),
            Part::ExpectedBehaviour => {
                merged.expected_behaviour = a.content.expected_behaviour.clone()
            }
        }
    }
    if let Some(s) = merged.planned_start {
        if a.parts.contains(&Part::PlannedTime) && s <= now {
            c.add("content.planned_start", "must be in the future");
        }
    }
    let routed = validate::content(&mut c, "content", &merged, centre, directory);
    if let Some((_, police)) = &routed {
        if police != &r.police_unit {
            c.add(
                "content.address.gmina_teryt",
                "the new address is served by another police unit; cancel and submit a new request",
            );
        }
    }
    c.finish()?;
    let Some((content, _)) = routed else {
        return Err(Error::invalid("content", "incomplete"));
    };
    if content == r.content {
        return Ok(r); // a retry of an amendment that already took effect
    }
    let mut changed = Vec::new();
    let old = r.content.clone();
    if old.planned_start != content.planned_start || old.planned_end != content.planned_end {
        changed.push(Part::PlannedTime.name().to_string());
    }
    if old.address != content.address {
        changed.push(Part::Address.name().to_string());
    }
    if old.social_workers != content.social_workers {
        changed.push(Part::SocialWorkers.name().to_string());
    }
    if old.expected_behaviour != content.expected_behaviour {
        changed.push(Part::ExpectedBehaviour.name().to_string());
    }
    let rescheduled = old.planned_start != content.planned_start;
    records::move_index(txn, &r, content.planned_start);
    r.content = content;
    r.version += 1;
    r.state = State::Submitted;
    r.received_at = None;
    r.decision = None;
    record_history(
        &mut r,
        &centre.id,
        Action::Amended {
            changed,
            previous: Box::new(old),
        },
        now,
    );
    records::put(txn, &r);
    publish(ctx, txn, &r, EventKind::Amended, now)?;
    deadline_event(ctx, txn, &r, Event::AssistanceAmended, now)?;
    if rescheduled {
        deadline_event(ctx, txn, &r, Event::AssistanceRescheduled, now)?;
    }
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
    records::put(txn, &r);
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
    records::put(txn, &r);
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
    records::put(txn, &r);
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
    records::put(txn, &r);
    deadline_event(ctx, txn, &r, Event::AssistanceServiceNote, now)?;
    Ok(r)
}
