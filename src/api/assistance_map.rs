//! proto <-> domain mapping for the assistance service. Decoding never fails outright:
//! undecodable values (bad timestamps, unknown enum numbers) become field violations so the
//! domain can report every bad field at once.

use super::convert::{duration_to_pb, ts_from_pb, ts_to_pb};
use super::pb;
use crate::assistance::model::*;
use crate::assistance::validate::{RawActivity, RawAddress, RawContent, RawSubmission};
use crate::deadlines::{Breach, ClockRecord};
use crate::error::FieldViolation;

/// Collects decoding violations.
#[derive(Default)]
pub struct Decoder {
    /// What could not be decoded.
    pub violations: Vec<FieldViolation>,
}

impl Decoder {
    fn ts(&mut self, field: &str, t: Option<&prost_types::Timestamp>) -> Option<jiff::Timestamp> {
        match ts_from_pb(field, t) {
            Ok(t) => t,
            Err(v) => {
                self.violations.push(v);
                None
            }
        }
    }

    /// Decodes content; `None` when absent.
    pub fn content(
        &mut self,
        prefix: &str,
        c: Option<&pb::AssistanceRequestContent>,
    ) -> Option<RawContent> {
        let c = c?;
        let activity = match pb::Activity::try_from(c.activity) {
            Ok(pb::Activity::Unspecified) => None,
            Ok(pb::Activity::CommunityInterview) => Some(RawActivity::CommunityInterview),
            Ok(pb::Activity::SocialWork) => Some(RawActivity::SocialWork),
            Ok(pb::Activity::Other) => Some(RawActivity::Other),
            Err(_) => {
                self.violations.push(FieldViolation::new(
                    format!("{prefix}.activity"),
                    "unknown activity",
                ));
                None
            }
        };
        Some(RawContent {
            planned_start: self.ts(&format!("{prefix}.planned_start"), c.planned_start.as_ref()),
            planned_end: self.ts(&format!("{prefix}.planned_end"), c.planned_end.as_ref()),
            address: c.address.as_ref().map(|a| RawAddress {
                street: a.street.clone(),
                building_number: a.building_number.clone(),
                apartment_number: a.apartment_number.clone(),
                postal_code: a.postal_code.clone(),
                city: a.city.clone(),
                gmina_teryt: a.gmina_teryt.clone(),
                notes: a.notes.clone(),
            }),
            client: c.client.as_ref().map(|cl| Client {
                first_name: cl.first_name.trim().into(),
                last_name: cl.last_name.trim().into(),
                other_data: cl.other_data.trim().into(),
            }),
            expected_behaviour: c.expected_behaviour.clone(),
            social_workers: c
                .social_workers
                .iter()
                .map(|w| SocialWorker {
                    first_name: w.first_name.trim().into(),
                    last_name: w.last_name.trim().into(),
                    id_card_number: w.id_card_number.trim().into(),
                })
                .collect(),
            activity,
            activity_other: c.activity_other.clone(),
            signed_by: c.signed_by.as_ref().map(signatory),
        })
    }

    /// Decodes a submission.
    pub fn submission(&mut self, r: &pb::SubmitAssistanceRequestRequest) -> RawSubmission {
        let urgency = match pb::Urgency::try_from(r.urgency) {
            Ok(pb::Urgency::Unspecified) => None,
            Ok(pb::Urgency::Normal) => Some(Urgency::Normal),
            Ok(pb::Urgency::UrgentOral) => Some(Urgency::UrgentOral),
            Err(_) => {
                self.violations
                    .push(FieldViolation::new("urgency", "unknown urgency"));
                None
            }
        };
        let oral_request = r.oral_request.as_ref().map(|o| {
            (
                self.ts("oral_request.requested_time", o.requested_time.as_ref()),
                o.officer_name.clone(),
            )
        });
        RawSubmission {
            request_id: r.request_id.clone(),
            urgency,
            oral_request,
            content: self.content("content", r.content.as_ref()),
        }
    }

    /// Decodes a service note.
    pub fn note(&mut self, n: Option<&pb::ServiceNote>, now: jiff::Timestamp) -> ServiceNote {
        let n = n.cloned().unwrap_or_default();
        let arrival = self.ts("note.arrival_time", n.arrival_time.as_ref());
        let departure = self.ts("note.departure_time", n.departure_time.as_ref());
        if arrival.is_none()
            && !self
                .violations
                .iter()
                .any(|v| v.field == "note.arrival_time")
        {
            self.violations
                .push(FieldViolation::new("note.arrival_time", "required"));
        }
        if departure.is_none()
            && !self
                .violations
                .iter()
                .any(|v| v.field == "note.departure_time")
        {
            self.violations
                .push(FieldViolation::new("note.departure_time", "required"));
        }
        ServiceNote {
            officers: n.officers.iter().map(officer).collect(),
            arrival: arrival.unwrap_or(now),
            departure: departure.or(arrival).unwrap_or(now),
            course: n.course.trim().into(),
            stayed_until_finished: n.stayed_until_finished,
            coercion_used: n.coercion_used,
            coercion_measures: n
                .coercion_measures
                .iter()
                .map(|m| m.trim().to_string())
                .collect(),
            prohibited_act: n.prohibited_act,
            police_case_reference: n.police_case_reference.trim().into(),
            filed_at: now,
        }
    }
}

/// Decodes a signatory.
pub fn signatory(s: &pb::Signatory) -> Signatory {
    Signatory {
        first_name: s.first_name.trim().into(),
        last_name: s.last_name.trim().into(),
        position: s.position.trim().into(),
    }
}

/// Decodes an officer.
pub fn officer(o: &pb::Officer) -> Officer {
    Officer {
        first_name: o.first_name.trim().into(),
        last_name: o.last_name.trim().into(),
        badge_number: o.badge_number.trim().into(),
    }
}

fn signatory_pb(s: &Signatory) -> pb::Signatory {
    pb::Signatory {
        first_name: s.first_name.clone(),
        last_name: s.last_name.clone(),
        position: s.position.clone(),
    }
}

fn officer_pb(o: &Officer) -> pb::Officer {
    pb::Officer {
        first_name: o.first_name.clone(),
        last_name: o.last_name.clone(),
        badge_number: o.badge_number.clone(),
    }
}

/// Domain state to wire.
pub fn state_pb(s: State) -> pb::AssistanceRequestState {
    match s {
        State::Submitted => pb::AssistanceRequestState::Submitted,
        State::Received => pb::AssistanceRequestState::Received,
        State::Accepted => pb::AssistanceRequestState::Accepted,
        State::Declined => pb::AssistanceRequestState::Declined,
        State::Cancelled => pb::AssistanceRequestState::Cancelled,
        State::Completed => pb::AssistanceRequestState::Completed,
    }
}

/// The receipts' content hash of a request: its content as the API returns it, encoded
/// deterministically (prost writes fields in field-number order).
impl crate::receipt::ContentDigest for Content {
    fn content_sha256(&self) -> String {
        crate::receipt::payload::content_sha256(&prost::Message::encode_to_vec(&content_pb(self)))
    }
}

/// Content to wire.
pub fn content_pb(c: &Content) -> pb::AssistanceRequestContent {
    let (activity, other) = match &c.activity {
        Activity::CommunityInterview => (pb::Activity::CommunityInterview, String::new()),
        Activity::SocialWork => (pb::Activity::SocialWork, String::new()),
        Activity::Other(t) => (pb::Activity::Other, t.clone()),
    };
    pb::AssistanceRequestContent {
        planned_start: Some(ts_to_pb(c.planned_start)),
        planned_end: Some(ts_to_pb(c.planned_end)),
        address: Some(pb::Address {
            street: c.address.street.clone(),
            building_number: c.address.building_number.clone(),
            apartment_number: c.address.apartment_number.clone(),
            postal_code: c.address.postal_code.clone(),
            city: c.address.city.clone(),
            gmina_teryt: c.address.gmina.to_string(),
            notes: c.address.notes.clone(),
        }),
        client: Some(pb::Client {
            first_name: c.client.first_name.clone(),
            last_name: c.client.last_name.clone(),
            other_data: c.client.other_data.clone(),
        }),
        expected_behaviour: c.expected_behaviour.clone(),
        social_workers: c
            .social_workers
            .iter()
            .map(|w| pb::SocialWorker {
                first_name: w.first_name.clone(),
                last_name: w.last_name.clone(),
                id_card_number: w.id_card_number.clone(),
            })
            .collect(),
        activity: activity as i32,
        activity_other: other,
        signed_by: Some(signatory_pb(&c.signed_by)),
    }
}

/// Deadlines to wire: the state says `met_late` (with the lateness) for an act that came
/// at or after the deadline, and each deadline names the rules profile it runs under.
pub fn deadlines_pb(clocks: &[ClockRecord]) -> Vec<pb::Deadline> {
    clocks
        .iter()
        .map(|c| pb::Deadline {
            rule_id: c.rule.clone(),
            occurrence: c.occurrence,
            due_time: Some(ts_to_pb(c.due)),
            state: c.state_name().into(),
            met_time: c.met_at().map(ts_to_pb),
            lateness: c.lateness().map(duration_to_pb),
            rules_profile: c.profile.to_string(),
        })
        .collect()
}

/// The detailed view (record, deadlines, breaches) on the wire.
pub fn detailed_pb(d: &crate::assistance::service::Detailed) -> pb::AssistanceRequest {
    record_pb(&d.record, Some((&d.clocks, &d.breaches)))
}

/// A record to wire; `details` adds history, deadlines and breaches (Get) or not (List).
pub fn record_pb(
    r: &AssistanceRecord,
    details: Option<(&[ClockRecord], &[Breach])>,
) -> pb::AssistanceRequest {
    let mut out = pb::AssistanceRequest {
        request_id: r.request_id.clone(),
        centre_org_id: r.centre.to_string(),
        police_unit_org_id: r.police_unit.to_string(),
        state: state_pb(r.state) as i32,
        urgency: match r.urgency {
            Urgency::Normal => pb::Urgency::Normal,
            Urgency::UrgentOral => pb::Urgency::UrgentOral,
        } as i32,
        oral_request: r.oral_request.as_ref().map(|o| pb::OralRequest {
            requested_time: Some(ts_to_pb(o.requested_at)),
            officer_name: o.officer_name.clone(),
        }),
        content: Some(content_pb(&r.content)),
        version: r.version,
        submitted_time: Some(ts_to_pb(r.submitted_at)),
        updated_time: Some(ts_to_pb(r.updated_at)),
        received_time: r.received_at.map(ts_to_pb),
        decision: r.decision.as_ref().map(|d| pb::Decision {
            outcome: if d.accepted {
                pb::AssistanceRequestState::Accepted
            } else {
                pb::AssistanceRequestState::Declined
            } as i32,
            decided_time: Some(ts_to_pb(d.at)),
            officers: d.officers.iter().map(officer_pb).collect(),
            reason: d.reason.clone(),
        }),
        written_confirmation: r
            .written_confirmation
            .as_ref()
            .map(|w| pb::WrittenConfirmation {
                confirmed_time: Some(ts_to_pb(w.at)),
                signed_by: Some(signatory_pb(&w.signed_by)),
                remarks: w.remarks.clone(),
            }),
        service_note: r.service_note.as_ref().map(|n| pb::ServiceNote {
            officers: n.officers.iter().map(officer_pb).collect(),
            arrival_time: Some(ts_to_pb(n.arrival)),
            departure_time: Some(ts_to_pb(n.departure)),
            course: n.course.clone(),
            stayed_until_finished: n.stayed_until_finished,
            coercion_used: n.coercion_used,
            coercion_measures: n.coercion_measures.clone(),
            prohibited_act: n.prohibited_act,
            police_case_reference: n.police_case_reference.clone(),
            filed_time: Some(ts_to_pb(n.filed_at)),
        }),
        cancellation: r
            .cancellation
            .as_ref()
            .map(|(at, reason)| pb::Cancellation {
                cancelled_time: Some(ts_to_pb(*at)),
                reason: reason.clone(),
            }),
        history: Vec::new(),
        deadlines: Vec::new(),
        breaches: Vec::new(),
    };
    if let Some((clocks, breaches)) = details {
        out.history = r
            .history
            .iter()
            .map(|h| {
                let (changed, previous) = match &h.action {
                    Action::Amended { changed, previous } => {
                        (changed.clone(), Some(content_pb(previous)))
                    }
                    _ => (Vec::new(), None),
                };
                pb::HistoryEntry {
                    time: Some(ts_to_pb(h.at)),
                    org_id: h.by.to_string(),
                    action: h.action.name().into(),
                    version: h.version,
                    changed_fields: changed,
                    previous_content: previous,
                }
            })
            .collect();
        out.deadlines = deadlines_pb(clocks);
        out.breaches = breaches.iter().map(super::breach::breach_to_pb).collect();
    }
    out
}
