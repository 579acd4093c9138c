//! proto <-> domain mapping for the Blue Card service. As for assistance, undecodable
//! values become field violations so every bad field is reported at once.

use super::assistance_map::{deadlines_pb, signatory};
use super::breach::breach_to_pb;
use super::convert::{ts_from_pb, ts_to_pb};
use super::pb;
use crate::bluecard::model::*;
use crate::bluecard::service::{DetailedCard, ProcedureView};
use crate::bluecard::validate::{RawCardB, RawCardContent};
use crate::deadlines::{Breach, ClockRecord};
use crate::error::FieldViolation;

/// Collects decoding violations.
#[derive(Default)]
pub struct CardDecoder {
    /// What could not be decoded.
    pub violations: Vec<FieldViolation>,
}

fn person(p: &pb::CardPerson) -> CardPerson {
    CardPerson {
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        birth_year: p.birth_year,
        minor: p.minor,
        relationship: p.relationship.clone(),
    }
}

fn person_pb(p: &CardPerson) -> pb::CardPerson {
    pb::CardPerson {
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        birth_year: p.birth_year,
        minor: p.minor,
        relationship: p.relationship.clone(),
    }
}

impl CardDecoder {
    /// A wire timestamp, recording a violation when it is not valid.
    pub fn ts(
        &mut self,
        field: &str,
        t: Option<&prost_types::Timestamp>,
    ) -> Option<jiff::Timestamp> {
        ts_from_pb(field, t).unwrap_or_else(|v| {
            self.violations.push(v);
            None
        })
    }

    /// Decodes the form.
    pub fn content(&mut self, c: Option<&pb::BlueCardAContent>) -> Option<RawCardContent> {
        let c = c?;
        let absence = match pb::AbsenceReason::try_from(c.absence_reason) {
            Ok(pb::AbsenceReason::Unspecified) => None,
            Ok(pb::AbsenceReason::Absent) => Some(AbsenceReason::Absent),
            Ok(pb::AbsenceReason::Health) => Some(AbsenceReason::Health),
            Ok(pb::AbsenceReason::Danger) => Some(AbsenceReason::Danger),
            Ok(pb::AbsenceReason::ContactImpossible) => Some(AbsenceReason::ContactImpossible),
            Err(_) => {
                self.violations.push(FieldViolation::new(
                    "content.absence_reason",
                    "unknown reason",
                ));
                None
            }
        };
        let mut forms = Vec::new();
        for (i, f) in c.violence_forms.iter().enumerate() {
            match pb::ViolenceForm::try_from(*f) {
                Ok(pb::ViolenceForm::Physical) => forms.push(ViolenceForm::Physical),
                Ok(pb::ViolenceForm::Psychological) => forms.push(ViolenceForm::Psychological),
                Ok(pb::ViolenceForm::Sexual) => forms.push(ViolenceForm::Sexual),
                Ok(pb::ViolenceForm::Economic) => forms.push(ViolenceForm::Economic),
                Ok(pb::ViolenceForm::ElectronicCommunication) => {
                    forms.push(ViolenceForm::ElectronicCommunication)
                }
                Ok(pb::ViolenceForm::Other) => forms.push(ViolenceForm::Other),
                Ok(pb::ViolenceForm::Unspecified) | Err(_) => {
                    self.violations.push(FieldViolation::new(
                        format!("content.violence_forms[{i}]"),
                        "unknown form of violence",
                    ))
                }
            }
        }
        let card_b = c.card_b.as_ref().map(|b| RawCardB {
            handed_over: b.handed_over,
            recipient: match pb::CardBRecipient::try_from(b.recipient) {
                Ok(pb::CardBRecipient::Unspecified) => None,
                Ok(pb::CardBRecipient::PersonExperiencing) => {
                    Some(CardBRecipient::PersonExperiencing)
                }
                Ok(pb::CardBRecipient::ParentOrGuardian) => Some(CardBRecipient::ParentOrGuardian),
                Ok(pb::CardBRecipient::ReportingPerson) => Some(CardBRecipient::ReportingPerson),
                Err(_) => {
                    self.violations.push(FieldViolation::new(
                        "content.card_b.recipient",
                        "unknown recipient",
                    ));
                    None
                }
            },
            first_name: b.recipient_first_name.clone(),
            last_name: b.recipient_last_name.clone(),
        });
        Some(RawCardContent {
            started_at: self.ts("content.started_time", c.started_time.as_ref()),
            place: c.place.clone(),
            person_present: c.person_present,
            absence,
            persons_experiencing: c.persons_experiencing.iter().map(person).collect(),
            persons_suspected: c.persons_suspected.iter().map(person).collect(),
            children: c.children.iter().map(person).collect(),
            witnesses: c.witnesses.iter().map(person).collect(),
            violence_forms: forms,
            violence_other: c.violence_other.clone(),
            injuries: c.injuries.clone(),
            alcohol: c.alcohol,
            other_substances: c.other_substances,
            firearms: c.firearms,
            description: c.description.clone(),
            intervention_actions: c.intervention_actions.clone(),
            card_b,
            crime_suspected: c.crime_suspected,
            filled_by: c.filled_by.as_ref().map(signatory),
            gmina_teryt: c.gmina_teryt.clone(),
        })
    }
}

fn signatory_pb(s: &Signatory) -> pb::Signatory {
    pb::Signatory {
        first_name: s.first_name.clone(),
        last_name: s.last_name.clone(),
        position: s.position.clone(),
    }
}

/// The form to wire.
pub fn content_pb(c: &CardContent) -> pb::BlueCardAContent {
    pb::BlueCardAContent {
        started_time: Some(ts_to_pb(c.started_at)),
        place: c.place.clone(),
        person_present: c.absence.is_none(),
        absence_reason: match c.absence {
            None => pb::AbsenceReason::Unspecified,
            Some(AbsenceReason::Absent) => pb::AbsenceReason::Absent,
            Some(AbsenceReason::Health) => pb::AbsenceReason::Health,
            Some(AbsenceReason::Danger) => pb::AbsenceReason::Danger,
            Some(AbsenceReason::ContactImpossible) => pb::AbsenceReason::ContactImpossible,
        } as i32,
        persons_experiencing: c.persons_experiencing.iter().map(person_pb).collect(),
        persons_suspected: c.persons_suspected.iter().map(person_pb).collect(),
        children: c.children.iter().map(person_pb).collect(),
        witnesses: c.witnesses.iter().map(person_pb).collect(),
        violence_forms: c
            .violence_forms
            .iter()
            .map(|f| {
                (match f {
                    ViolenceForm::Physical => pb::ViolenceForm::Physical,
                    ViolenceForm::Psychological => pb::ViolenceForm::Psychological,
                    ViolenceForm::Sexual => pb::ViolenceForm::Sexual,
                    ViolenceForm::Economic => pb::ViolenceForm::Economic,
                    ViolenceForm::ElectronicCommunication => {
                        pb::ViolenceForm::ElectronicCommunication
                    }
                    ViolenceForm::Other => pb::ViolenceForm::Other,
                }) as i32
            })
            .collect(),
        violence_other: c.violence_other.clone(),
        injuries: c.injuries.clone(),
        alcohol: c.alcohol,
        other_substances: c.other_substances,
        firearms: c.firearms,
        description: c.description.clone(),
        intervention_actions: c.intervention_actions.clone(),
        card_b: Some(match &c.card_b {
            None => pb::BlueCardB::default(),
            Some(b) => pb::BlueCardB {
                handed_over: true,
                recipient: match b.recipient {
                    CardBRecipient::PersonExperiencing => pb::CardBRecipient::PersonExperiencing,
                    CardBRecipient::ParentOrGuardian => pb::CardBRecipient::ParentOrGuardian,
                    CardBRecipient::ReportingPerson => pb::CardBRecipient::ReportingPerson,
                } as i32,
                recipient_first_name: b.first_name.clone(),
                recipient_last_name: b.last_name.clone(),
            },
        }),
        crime_suspected: c.crime_suspected,
        filled_by: Some(signatory_pb(&c.filled_by)),
        gmina_teryt: c.gmina.to_string(),
    }
}

/// The card's state.
pub fn card_state(c: &CardRecord) -> pb::BlueCardState {
    if c.forwarding.is_some() {
        pb::BlueCardState::Forwarded
    } else if c.acknowledged_at.is_some() {
        pb::BlueCardState::Acknowledged
    } else {
        pb::BlueCardState::Available
    }
}

/// A forwarding record to wire.
pub fn forwarding_pb(f: &Forwarding) -> pb::Forwarding {
    pb::Forwarding {
        forwarded_to: match f.to {
            ForwardedTo::TeamMembers => pb::ForwardedTo::TeamMembers,
            ForwardedTo::WorkingGroup => pb::ForwardedTo::WorkingGroup,
            ForwardedTo::DiagnosticSupportGroup => pb::ForwardedTo::DiagnosticSupportGroup,
        } as i32,
        recipients: f.recipients.clone(),
        forwarded_time: Some(ts_to_pb(f.at)),
        recorded_time: Some(ts_to_pb(f.recorded_at)),
    }
}

/// A procedure step to wire.
pub fn step_pb(s: &Step) -> pb::ProcedureStep {
    pb::ProcedureStep {
        kind: match s.kind {
            StepKind::FormC => pb::ProcedureStepKind::FormC,
            StepKind::FormD => pb::ProcedureStepKind::FormD,
            StepKind::HelpPlanAdopted => pb::ProcedureStepKind::HelpPlanAdopted,
            StepKind::HelpPlanChanged => pb::ProcedureStepKind::HelpPlanChanged,
            StepKind::GroupMeetingHeld => pb::ProcedureStepKind::GroupMeetingHeld,
        } as i32,
        step_time: Some(ts_to_pb(s.at)),
        recorded_time: Some(ts_to_pb(s.recorded_at)),
    }
}

/// A closure to wire; the protocol (with the persons concerned) only for the team.
pub fn closure_pb(c: &Closure, for_team: bool) -> pb::Closure {
    pb::Closure {
        reason: match c.reason {
            ClosureReason::ViolenceStopped => pb::ClosureReason::ViolenceStopped,
            ClosureReason::NoGrounds => pb::ClosureReason::NoGrounds,
        } as i32,
        closed_time: Some(ts_to_pb(c.at)),
        protocol: for_team.then(|| pb::ClosureProtocol {
            persons: c.protocol.persons.clone(),
            start_time: Some(ts_to_pb(c.protocol.start)),
            end_time: Some(ts_to_pb(c.protocol.end)),
            actions: c.protocol.actions.clone(),
            signed_by: Some(signatory_pb(&c.protocol.signed_by)),
        }),
    }
}

fn digest(m: &impl prost::Message) -> String {
    crate::receipt::payload::content_sha256(&m.encode_to_vec())
}

/// Receipts of `blue_card.submitted` / `.acknowledged`: the card's content as submitted.
impl crate::receipt::ContentDigest for CardContent {
    fn content_sha256(&self) -> String {
        digest(&content_pb(self))
    }
}

/// Receipts of `blue_card.forwarded`: the forwarding recorded.
impl crate::receipt::ContentDigest for Forwarding {
    fn content_sha256(&self) -> String {
        digest(&forwarding_pb(self))
    }
}

/// Receipts of `procedure.step`: the step recorded.
impl crate::receipt::ContentDigest for Step {
    fn content_sha256(&self) -> String {
        digest(&step_pb(self))
    }
}

/// Receipts of `procedure.closed`: the closure with its protocol, as the team sees it.
impl crate::receipt::ContentDigest for Closure {
    fn content_sha256(&self) -> String {
        digest(&closure_pb(self, true))
    }
}

/// A card to wire; `details` adds deadlines and breaches.
pub fn card_pb(
    c: &CardRecord,
    closed: bool,
    details: Option<(&[ClockRecord], &[Breach])>,
) -> pb::BlueCard {
    pb::BlueCard {
        card_id: c.card_id.clone(),
        procedure_id: c.procedure_id.clone(),
        repeat: c.repeat,
        initiator_org_id: c.initiator.to_string(),
        team_org_id: c.team.to_string(),
        state: card_state(c) as i32,
        content: Some(content_pb(&c.content)),
        submitted_time: Some(ts_to_pb(c.submitted_at)),
        acknowledged_time: c.acknowledged_at.map(ts_to_pb),
        forwarding: c.forwarding.as_ref().map(forwarding_pb),
        deadlines: details.map(|(c, _)| deadlines_pb(c)).unwrap_or_default(),
        breaches: details
            .map(|(_, b)| b.iter().map(breach_to_pb).collect())
            .unwrap_or_default(),
        procedure_state: if closed {
            pb::ProcedureState::Closed
        } else {
            pb::ProcedureState::Open
        } as i32,
    }
}

/// A procedure to wire. `cards` are the ones the caller may see; the protocol only for
/// the team.
pub fn procedure_pb(
    p: &ProcedureRecord,
    cards: Vec<pb::BlueCard>,
    breaches: &[Breach],
    for_team: bool,
) -> pb::Procedure {
    pb::Procedure {
        procedure_id: p.procedure_id.clone(),
        team_org_id: p.team.to_string(),
        gmina: p.gmina.to_string(),
        state: if p.closure.is_some() {
            pb::ProcedureState::Closed
        } else {
            pb::ProcedureState::Open
        } as i32,
        started_time: Some(ts_to_pb(p.started_at)),
        cards,
        steps: p.steps.iter().map(step_pb).collect(),
        closure: p.closure.as_ref().map(|c| closure_pb(c, for_team)),
        breaches: breaches.iter().map(breach_to_pb).collect(),
    }
}

/// A card with its deadlines and breaches on the wire.
pub fn detailed_card_pb(d: &DetailedCard) -> pb::BlueCard {
    card_pb(&d.card, d.closed, Some((&d.clocks, &d.breaches)))
}

/// A procedure as the caller may see it, on the wire.
pub fn view_pb(v: &ProcedureView) -> pb::Procedure {
    let cards = v.cards.iter().map(detailed_card_pb).collect();
    procedure_pb(&v.procedure, cards, &v.breaches, v.for_team)
}
