//! AmendAssistanceRequest: the centre changes planned time, address, workers or expected
//! behaviour before the visit; the police unit must receive and decide again, the deadlines
//! move, and the history keeps the content as it was.

use jiff::Timestamp;

use super::commands::{
    before_visit, deadline_event, illegal, load_visible, only_centre, publish, record_history,
};
use super::model::*;
use super::store as records;
use super::validate::{self, Checker, RawContent};
use crate::command::Ctx;
use crate::deadlines::Event;
use crate::directory::{Directory, Organization};
use crate::error::{Error, FieldViolation};
use crate::store::Txn;

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
    records::move_index(txn, &r, content.planned_start)?;
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
    records::put(txn, &r)?;
    publish(ctx, txn, &r, EventKind::Amended, now)?;
    deadline_event(ctx, txn, &r, Event::AssistanceAmended, now)?;
    if rescheduled {
        deadline_event(ctx, txn, &r, Event::AssistanceRescheduled, now)?;
    }
    Ok(r)
}
