//! What the receipts of the Blue Card procedure say (README, "Receipts and evidence"): one
//! per event that changes a card (`blue_card.submitted`, `.acknowledged`, `.forwarded`)
//! or a procedure (`procedure.step`, `procedure.closed`). The content each one hashes is
//! what the acting party sent and got back: the card's form for a submission and its
//! acknowledgement, the forwarding for a forwarding, the step for a step, the closure with
//! its protocol for a closure. Versions count the events that changed the record.

use super::model::{CardRecord, ProcedureRecord};
use crate::directory::OrgId;
use crate::receipt::{ContentDigest, Event};

/// An event of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardEvent {
    /// SubmitBlueCardA (§ 7 ust. 1 of 2011; 5 working days under the 2023 profile).
    Submitted,
    /// AcknowledgeBlueCard: the chair confirms receipt.
    Acknowledged,
    /// RecordForwarding (§ 8 ust. 1 of 2011).
    Forwarded,
}

impl CardEvent {
    /// The receipt's `event_kind`.
    pub fn kind(self) -> &'static str {
        match self {
            CardEvent::Submitted => "blue_card.submitted",
            CardEvent::Acknowledged => "blue_card.acknowledged",
            CardEvent::Forwarded => "blue_card.forwarded",
        }
    }
}

/// The card's version after its events: 1 when submitted, one more for the chair's
/// acknowledgement and one for the forwarding.
pub fn card_version(c: &CardRecord) -> u64 {
    1 + u64::from(c.acknowledged_at.is_some()) + u64::from(c.forwarding.is_some())
}

/// The procedure's version after its events: one for each card that joined it, each step
/// and the closure.
pub fn procedure_version(p: &ProcedureRecord) -> u64 {
    (p.cards.len() + p.steps.len() + usize::from(p.closure.is_some())) as u64
}

/// The receipt event of `event` on `card` (as it is after it), by `actor`; `form_sha256`
/// is the form's hash when the caller computed it before the command (a submission), so
/// the single writer does not.
pub fn card_event(
    event: CardEvent,
    card: &CardRecord,
    actor: &OrgId,
    form_sha256: Option<&str>,
) -> Event {
    let counterparty = if *actor == card.initiator {
        &card.team
    } else {
        &card.initiator
    };
    let content_sha256 = match (event, &card.forwarding) {
        (CardEvent::Forwarded, Some(f)) => f.content_sha256(),
        _ => form_sha256.map_or_else(|| card.content.content_sha256(), str::to_string),
    };
    Event {
        kind: event.kind(),
        case_kind: "blue_card",
        case_id: card.card_id.clone(),
        record_version: card_version(card),
        actor: actor.to_string(),
        counterparty: Some(counterparty.to_string()),
        content_sha256,
        kept_with: None,
    }
}

/// An event of a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcedureEvent {
    /// RecordProcedureStep.
    Step,
    /// CloseProcedure (§ 18).
    Closed,
}

impl ProcedureEvent {
    /// The receipt's `event_kind`.
    pub fn kind(self) -> &'static str {
        match self {
            ProcedureEvent::Step => "procedure.step",
            ProcedureEvent::Closed => "procedure.closed",
        }
    }
}

/// The receipt event of `event` on `procedure` (as it is after it), by the team; `None`
/// when the procedure holds nothing the event could have made (never after a change).
/// A procedure is the team's own: it has no counterparty (its initiators are many).
pub fn procedure_event(event: ProcedureEvent, p: &ProcedureRecord) -> Option<Event> {
    let content_sha256 = match event {
        ProcedureEvent::Step => p.steps.last()?.content_sha256(),
        ProcedureEvent::Closed => p.closure.as_ref()?.content_sha256(),
    };
    Some(Event {
        kind: event.kind(),
        case_kind: "procedure",
        case_id: p.procedure_id.clone(),
        record_version: procedure_version(p),
        actor: p.team.to_string(),
        counterparty: None,
        content_sha256,
        kept_with: None,
    })
}
