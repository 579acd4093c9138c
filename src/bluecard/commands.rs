//! The commands of the Blue Card procedure, one atomic batch each (records, indexes, inbox
//! and deadlines together).
//!
//! A card is AVAILABLE when it reaches lacznik (§ 7 ust. 1: that is when it reaches the
//! chair), ACKNOWLEDGED when the chair confirms receipt, FORWARDED when the chair records
//! passing it to the team members or a working group (§ 8 ust. 1). A procedure is OPEN
//! until CloseProcedure (§ 18); a closed procedure accepts no card (§ 9 repeats go to a
//! running procedure only) and no step.

use jiff::{SignedDuration, Timestamp};

use super::model::*;
use super::store as records;
use crate::command::Ctx;
use crate::deadlines::{CaseKind, CaseRef, Event, Facts};
use crate::directory::OrgId;
use crate::error::Error;
use crate::store::Txn;
use crate::validation::{Checker, MAX_TEXT};

/// The deadline engine's view of a card.
pub fn case_ref(c: &CardRecord) -> CaseRef {
    CaseRef {
        kind: CaseKind::BlueCard,
        id: c.card_id.clone(),
        parent: Some(c.procedure_id.clone()),
        gmina: c.content.gmina,
        sender: c.initiator.clone(),
        recipient: c.team.clone(),
    }
}

fn facts(c: &CardRecord) -> Facts {
    Facts {
        procedure_started: Some(c.content.started_at),
        ..Facts::default()
    }
}

fn event(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    c: &CardRecord,
    e: Event,
    now: Timestamp,
) -> Result<(), Error> {
    ctx.deadlines
        .on_event(txn, &case_ref(c), e, now, &facts(c))?;
    Ok(())
}

pub(super) fn card_not_found(id: &str) -> Error {
    Error::NotFound {
        what: "Blue Card",
        id: id.to_string(),
    }
}

pub(super) fn procedure_not_found(id: &str) -> Error {
    Error::NotFound {
        what: "procedure",
        id: id.to_string(),
    }
}

/// A card the caller may see (its initiator or its team); NOT_FOUND for anyone else.
pub fn visible_card(txn: &Txn<'_>, caller: &OrgId, id: &str) -> Result<CardRecord, Error> {
    match records::card_in(txn, id)? {
        Some(c) if c.visible_to(caller) => Ok(c),
        _ => Err(card_not_found(id)),
    }
}

/// A procedure the caller may see (its team or an initiator of one of its cards).
pub fn visible_procedure(
    txn: &Txn<'_>,
    caller: &OrgId,
    id: &str,
) -> Result<ProcedureRecord, Error> {
    match records::procedure_in(txn, id)? {
        Some(p) if p.visible_to(caller) => Ok(p),
        _ => Err(procedure_not_found(id)),
    }
}

fn team_only(team: &OrgId, caller: &OrgId, what: &str) -> Result<(), Error> {
    if team == caller {
        Ok(())
    } else {
        Err(Error::PermissionDenied(format!(
            "only the team's chair may {what}"
        )))
    }
}

fn closed(p: &ProcedureRecord) -> Error {
    Error::FailedPrecondition(format!(
        "procedure {} is closed (§ 18); to report new violence, start a new procedure with a new Blue Card A",
        p.procedure_id
    ))
}

/// SubmitBlueCardA: stores a validated card routed to `team`; a new procedure unless the
/// card names a running one (§ 9).
pub fn submit(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    initiator: &OrgId,
    sub: CardSubmission,
    team: OrgId,
    now: Timestamp,
) -> Result<CardRecord, Error> {
    let d = crate::store::codec::digest("submission", &sub)?;
    if let Some(existing) = records::card_in(txn, &sub.card_id)? {
        if &existing.initiator == initiator && existing.submission_digest == d {
            return Ok(existing);
        }
        return Err(Error::AlreadyExists(format!(
            "card_id {} is already used for a different card; choose a new UUID",
            sub.card_id
        )));
    }
    let (mut procedure, repeat) = match &sub.procedure_id {
        Some(pid) => {
            let p = records::procedure_in(txn, pid)?
                .filter(|p| p.team == team)
                .ok_or_else(|| {
                    Error::invalid(
                        "procedure_id",
                        "no procedure with this id is conducted by the team of this gmina",
                    )
                })?;
            if p.closure.is_some() {
                if !p.visible_to(initiator) {
                    // Not a party: answer as for an unknown id, so a closed procedure's
                    // existence is not revealed.
                    return Err(Error::invalid(
                        "procedure_id",
                        "no procedure with this id is conducted by the team of this gmina",
                    ));
                }
                return Err(closed(&p));
            }
            (p, true)
        }
        None => (
            ProcedureRecord {
                procedure_id: uuid::Uuid::new_v4().to_string(),
                team: team.clone(),
                gmina: sub.content.gmina,
                started_at: sub.content.started_at,
                cards: Vec::new(),
                initiators: Vec::new(),
                steps: Vec::new(),
                closure: None,
            },
            false,
        ),
    };
    let seq = ctx.feeds.append(
        txn,
        &records::inbox_prefix(&team)?,
        &records::inbox_event(&sub.card_id, now),
    )?;
    let card = CardRecord {
        card_id: sub.card_id,
        submission_digest: d,
        procedure_id: procedure.procedure_id.clone(),
        repeat,
        initiator: initiator.clone(),
        team,
        content: sub.content,
        submitted_at: now,
        acknowledged_at: None,
        forwarding: None,
        inbox_seq: seq,
    };
    procedure.cards.push(card.card_id.clone());
    if !procedure.initiators.contains(initiator) {
        procedure.initiators.push(initiator.clone());
    }
    records::put_procedure(txn, &procedure)?;
    records::put_card(txn, &card)?;
    records::index_new(txn, &card)?;
    event(ctx, txn, &card, Event::BlueCardSubmitted, now)?;
    Ok(card)
}

/// AcknowledgeBlueCard.
pub fn acknowledge(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    caller: &OrgId,
    id: &str,
    now: Timestamp,
) -> Result<CardRecord, Error> {
    let mut c = visible_card(txn, caller, id)?;
    team_only(&c.team, caller, "acknowledge a card")?;
    if c.acknowledged_at.is_some() {
        return Ok(c);
    }
    c.acknowledged_at = Some(now);
    records::unpend(txn, &c)?;
    records::put_card(txn, &c)?;
    event(ctx, txn, &c, Event::BlueCardAcknowledged, now)?;
    Ok(c)
}

/// RecordForwarding as decoded from the wire (`None`: absent or already reported).
pub struct ForwardingInput {
    /// Team members or working group.
    pub to: Option<ForwardedTo>,
    /// Who received it.
    pub recipients: String,
    /// When.
    pub at: Option<Timestamp>,
    /// Violations found while decoding.
    pub check: Checker,
}

/// RecordForwarding (§ 8 ust. 1).
pub fn forward(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    caller: &OrgId,
    id: &str,
    input: ForwardingInput,
    now: Timestamp,
) -> Result<CardRecord, Error> {
    let ForwardingInput {
        to,
        recipients,
        at,
        mut check,
    } = input;
    let recipients = recipients.as_str();
    let mut c = visible_card(txn, caller, id)?;
    team_only(&c.team, caller, "record forwarding")?;
    if c.forwarding.is_some() {
        return Ok(c);
    }
    check.required("forwarded_to", &to);
    check.text("recipients", recipients, true, MAX_TEXT, true);
    check.required("forwarded_time", &at);
    let profile = ctx.deadlines.profile_of(txn, &c.card_id, FORWARD_RULE)?;
    if let Some(to) = to.filter(|t| t.profile() != profile) {
        check.add(
            "forwarded_to",
            format!(
                "{:?} is a target of the {} rules profile; this card's forwarding follows the \
                 {profile} profile: {}",
                to,
                to.profile(),
                ForwardedTo::of_profile(profile)
            ),
        );
    }
    if let Some(at) = at {
        if at > now + SignedDuration::from_mins(5) {
            check.add("forwarded_time", "must not be in the future");
        } else if at < c.submitted_at {
            check.add("forwarded_time", "must not be before the card arrived");
        }
    }
    check.finish()?;
    let Some(acknowledged) = c.acknowledged_at else {
        return Err(Error::FailedPrecondition(format!(
            "card {} must be acknowledged before its forwarding is recorded",
            c.card_id
        )));
    };
    let (Some(to), Some(at)) = (to, at) else {
        return Err(Error::invalid("forwarded_to", "required"));
    };
    let _ = acknowledged;
    c.forwarding = Some(Forwarding {
        to,
        recipients: recipients.trim().into(),
        at,
        recorded_at: now,
    });
    records::put_card(txn, &c)?;
    event(ctx, txn, &c, Event::BlueCardForwarded, now)?;
    Ok(c)
}

/// RecordProcedureStep as decoded from the wire (`None`: absent or unknown).
pub struct StepInput {
    /// What.
    pub kind: Option<StepKind>,
    /// When (reported).
    pub at: Option<Timestamp>,
    /// Violations found while decoding.
    pub check: Checker,
}

/// The rule whose profile decides the forwarding targets of a card.
const FORWARD_RULE: &str = "bluecard.forward";

/// RecordProcedureStep. The group's meeting is told to the deadlines of every card of the
/// procedure (it meets `bluecard.group_meeting` of the 2023 profile for the cards waiting
/// for it).
pub fn step(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    caller: &OrgId,
    procedure_id: &str,
    input: StepInput,
    now: Timestamp,
) -> Result<ProcedureRecord, Error> {
    let StepInput {
        kind,
        at,
        mut check,
    } = input;
    let mut p = visible_procedure(txn, caller, procedure_id)?;
    team_only(&p.team, caller, "record procedure steps")?;
    check.required("kind", &kind);
    check.required("step_time", &at);
    if let Some(at) = at {
        if at > now + SignedDuration::from_mins(5) {
            check.add("step_time", "must not be in the future");
        } else if at < p.started_at - SignedDuration::from_hours(24) {
            check.add("step_time", "must not be before the procedure started");
        }
    }
    check.finish()?;
    if p.closure.is_some() {
        return Err(closed(&p));
    }
    let (Some(kind), Some(at)) = (kind, at) else {
        return Err(Error::invalid("kind", "required"));
    };
    if p.steps.iter().any(|s| s.kind == kind && s.at == at) {
        return Ok(p); // a retry
    }
    p.steps.push(Step {
        kind,
        at,
        recorded_at: now,
    });
    records::put_procedure(txn, &p)?;
    if kind == StepKind::GroupMeetingHeld {
        for id in &p.cards {
            if let Some(c) = records::card_in(txn, id)? {
                event(ctx, txn, &c, Event::BlueCardGroupMeetingHeld, now)?;
            }
        }
    }
    Ok(p)
}

/// CloseProcedure as decoded from the wire.
pub struct ClosureInput {
    /// § 18 ust. 1 reason.
    pub reason: Option<ClosureReason>,
    /// § 18 ust. 2 protocol.
    pub protocol: Option<Protocol>,
    /// Violations found while decoding.
    pub check: Checker,
}

/// CloseProcedure (§ 18).
pub fn close(
    ctx: &Ctx,
    txn: &mut Txn<'_>,
    caller: &OrgId,
    procedure_id: &str,
    input: ClosureInput,
    now: Timestamp,
) -> Result<ProcedureRecord, Error> {
    let ClosureInput {
        reason,
        protocol,
        mut check,
    } = input;
    let mut p = visible_procedure(txn, caller, procedure_id)?;
    team_only(&p.team, caller, "close the procedure")?;
    check.required("reason", &reason);
    match &protocol {
        None => check.add("protocol", "required (§ 18 ust. 2)"),
        Some(pr) => super::validate::protocol(&mut check, pr, p.started_at, now),
    }
    check.finish()?;
    let (Some(reason), Some(protocol)) = (reason, protocol) else {
        return Err(Error::invalid("reason", "required"));
    };
    if let Some(c) = &p.closure {
        if c.reason == reason {
            return Ok(p); // a retry
        }
        return Err(closed(&p));
    }
    let mut cards = Vec::new();
    for id in &p.cards {
        if let Some(c) = records::card_in(txn, id)? {
            cards.push(c);
        }
    }
    if let Some(c) = cards.iter().find(|c| c.acknowledged_at.is_none()) {
        return Err(Error::FailedPrecondition(format!(
            "card {} of procedure {} is not acknowledged yet; acknowledge every card before closing",
            c.card_id, p.procedure_id
        )));
    }
    p.closure = Some(Closure {
        reason,
        at: now,
        protocol,
    });
    records::put_procedure(txn, &p)?;
    for c in &cards {
        event(ctx, txn, c, Event::BlueCardProcedureClosed, now)?;
    }
    Ok(p)
}
