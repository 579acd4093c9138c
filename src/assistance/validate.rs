//! Validation of what a centre or a police unit sends: every bad field is reported, not
//! just the first, and no message echoes a value (values are personal data).

use jiff::{SignedDuration, Timestamp};

use super::model::*;
use crate::directory::{Directory, OrgId, Organization};
use crate::error::{Error, FieldViolation};
use crate::teryt::GminaCode;
pub use crate::validation::Checker;
use crate::validation::signatory;
pub use crate::validation::{MAX_NAME, MAX_TEXT};

/// Most social workers on one request.
pub const MAX_WORKERS: usize = 20;
/// Most officers on one note or decision.
pub const MAX_OFFICERS: usize = 20;
/// Longest visit.
pub const MAX_VISIT: SignedDuration = SignedDuration::from_hours(24);

/// Raw address as decoded from the wire.
#[derive(Debug, Clone, Default)]
pub struct RawAddress {
    /// Street.
    pub street: String,
    /// Building.
    pub building_number: String,
    /// Apartment.
    pub apartment_number: String,
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// TERYT code text.
    pub gmina_teryt: String,
    /// Notes.
    pub notes: String,
}

/// Raw activity as decoded from the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawActivity {
    /// Community interview.
    CommunityInterview,
    /// Social work.
    SocialWork,
    /// Other (text in `activity_other`).
    Other,
}

/// Raw content as decoded from the wire (absent or undecodable values are `None`).
#[derive(Debug, Clone, Default)]
pub struct RawContent {
    /// Planned start.
    pub planned_start: Option<Timestamp>,
    /// Planned end.
    pub planned_end: Option<Timestamp>,
    /// Address.
    pub address: Option<RawAddress>,
    /// Client.
    pub client: Option<Client>,
    /// Expected behaviour.
    pub expected_behaviour: String,
    /// Workers.
    pub social_workers: Vec<SocialWorker>,
    /// Activity.
    pub activity: Option<RawActivity>,
    /// Activity text.
    pub activity_other: String,
    /// Signatory.
    pub signed_by: Option<Signatory>,
}

/// Raw submission as decoded from the wire.
#[derive(Debug, Clone, Default)]
pub struct RawSubmission {
    /// Request id text.
    pub request_id: String,
    /// Urgency.
    pub urgency: Option<Urgency>,
    /// Oral request.
    pub oral_request: Option<(Option<Timestamp>, String)>,
    /// Content.
    pub content: Option<RawContent>,
}

/// Checks officers (decision, note).
pub fn officers(c: &mut Checker, field: &str, list: &[Officer], at_least_one: bool) {
    if at_least_one && list.is_empty() {
        c.add(field, "at least one officer");
    }
    if list.len() > MAX_OFFICERS {
        c.add(field, format!("at most {MAX_OFFICERS} officers"));
        return;
    }
    for (i, o) in list.iter().enumerate() {
        c.text(
            &format!("{field}[{i}].first_name"),
            &o.first_name,
            true,
            MAX_NAME,
            false,
        );
        c.text(
            &format!("{field}[{i}].last_name"),
            &o.last_name,
            true,
            MAX_NAME,
            false,
        );
        c.text(
            &format!("{field}[{i}].badge_number"),
            &o.badge_number,
            true,
            32,
            false,
        );
    }
}

fn id_card_ok(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.len() <= 32
        && s.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '/' || ch == '-' || ch == ' ')
}

fn postal_code_ok(s: &str) -> bool {
    let b = s.trim().as_bytes();
    b.len() == 6
        && b[2] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, ch)| i == 2 || ch.is_ascii_digit())
}

/// Validates content against the centre's area and the directory; returns the content and
/// the police unit it routes to. `prefix` names the content field ("content").
pub fn content(
    c: &mut Checker,
    prefix: &str,
    raw: &RawContent,
    centre: &Organization,
    directory: &Directory,
) -> Option<(Content, OrgId)> {
    let f = |name: &str| format!("{prefix}.{name}");
    c.required(&f("planned_start"), &raw.planned_start);
    c.required(&f("planned_end"), &raw.planned_end);
    if let (Some(s), Some(e)) = (raw.planned_start, raw.planned_end) {
        if e <= s {
            c.add(f("planned_end"), "must be after planned_start");
        } else if e.duration_since(s) > MAX_VISIT {
            c.add(f("planned_end"), "a visit lasts at most 24 hours");
        }
    }
    let mut gmina: Option<GminaCode> = None;
    let mut police: Option<OrgId> = None;
    match &raw.address {
        None => c.add(f("address"), "required"),
        Some(a) => {
            c.text(&f("address.street"), &a.street, true, MAX_NAME, false);
            c.text(
                &f("address.building_number"),
                &a.building_number,
                true,
                16,
                false,
            );
            c.text(
                &f("address.apartment_number"),
                &a.apartment_number,
                false,
                16,
                false,
            );
            if !postal_code_ok(&a.postal_code) {
                c.add(f("address.postal_code"), "must be NN-NNN");
            }
            c.text(&f("address.city"), &a.city, true, MAX_NAME, false);
            c.text(&f("address.notes"), &a.notes, false, MAX_TEXT, true);
            match a.gmina_teryt.trim().parse::<GminaCode>() {
                Err(e) => c.add(
                    f("address.gmina_teryt"),
                    format!("not a valid TERYT gmina code: {e}"),
                ),
                Ok(g) => {
                    gmina = Some(g);
                    if !centre.gminas.contains(&g) {
                        c.add(
                            f("address.gmina_teryt"),
                            "outside the area of the requesting centre",
                        );
                    } else {
                        match directory.police_unit_for(g) {
                            Some(p) => police = Some(p.id.clone()),
                            None => {
                                c.add(f("address.gmina_teryt"), "no police unit serves this gmina")
                            }
                        }
                    }
                }
            }
        }
    }
    match &raw.client {
        None => c.add(f("client"), "required"),
        Some(cl) => {
            c.text(
                &f("client.first_name"),
                &cl.first_name,
                true,
                MAX_NAME,
                false,
            );
            c.text(&f("client.last_name"), &cl.last_name, true, MAX_NAME, false);
            c.text(
                &f("client.other_data"),
                &cl.other_data,
                false,
                MAX_TEXT,
                true,
            );
        }
    }
    c.text(
        &f("expected_behaviour"),
        &raw.expected_behaviour,
        true,
        MAX_TEXT,
        true,
    );
    if raw.social_workers.is_empty() {
        c.add(f("social_workers"), "at least one social worker");
    } else if raw.social_workers.len() > MAX_WORKERS {
        c.add(
            f("social_workers"),
            format!("at most {MAX_WORKERS} social workers"),
        );
    } else {
        for (i, w) in raw.social_workers.iter().enumerate() {
            c.text(
                &f(&format!("social_workers[{i}].first_name")),
                &w.first_name,
                true,
                MAX_NAME,
                false,
            );
            c.text(
                &f(&format!("social_workers[{i}].last_name")),
                &w.last_name,
                true,
                MAX_NAME,
                false,
            );
            if !id_card_ok(&w.id_card_number) {
                c.add(
                    f(&format!("social_workers[{i}].id_card_number")),
                    "required: 1-32 letters, digits, '/', '-' or spaces",
                );
            }
        }
    }
    let activity = match raw.activity {
        None => {
            c.add(f("activity"), "required");
            None
        }
        Some(RawActivity::Other) => {
            c.text(
                &f("activity_other"),
                &raw.activity_other,
                true,
                MAX_TEXT,
                true,
            );
            Some(Activity::Other(raw.activity_other.trim().to_string()))
        }
        Some(a) => {
            if !raw.activity_other.trim().is_empty() {
                c.add(f("activity_other"), "only for activity OTHER");
            }
            Some(match a {
                RawActivity::CommunityInterview => Activity::CommunityInterview,
                _ => Activity::SocialWork,
            })
        }
    };
    signatory(c, &f("signed_by"), &raw.signed_by);
    if !c.is_clean() {
        return None;
    }
    let (Some(start), Some(end), Some(a), Some(cl), Some(act), Some(signed), Some(g), Some(p)) = (
        raw.planned_start,
        raw.planned_end,
        raw.address.clone(),
        raw.client.clone(),
        activity,
        raw.signed_by.clone(),
        gmina,
        police,
    ) else {
        return None;
    };
    Some((
        Content {
            planned_start: start,
            planned_end: end,
            address: Address {
                street: a.street.trim().into(),
                building_number: a.building_number.trim().into(),
                apartment_number: a.apartment_number.trim().into(),
                postal_code: a.postal_code.trim().into(),
                city: a.city.trim().into(),
                gmina: g,
                notes: a.notes.trim().into(),
            },
            client: cl,
            expected_behaviour: raw.expected_behaviour.trim().into(),
            social_workers: raw.social_workers.clone(),
            activity: act,
            signed_by: signed,
        },
        p,
    ))
}

/// Validates a submission at `now`; returns it with the police unit it routes to.
pub fn submission(
    raw: &RawSubmission,
    pre: Vec<FieldViolation>,
    now: Timestamp,
    centre: &Organization,
    directory: &Directory,
) -> Result<(Submission, OrgId), Error> {
    let mut c = Checker::new(pre);
    let id = crate::validation::case_id(&mut c, "request_id", &raw.request_id);
    c.required("urgency", &raw.urgency);
    let mut oral = None;
    match (raw.urgency, &raw.oral_request) {
        (Some(Urgency::UrgentOral), None) => c.add("oral_request", "required for URGENT_ORAL"),
        (Some(Urgency::UrgentOral), Some((at, officer))) => {
            c.required("oral_request.requested_time", at);
            if let Some(at) = at {
                if *at > now + SignedDuration::from_mins(5) {
                    c.add("oral_request.requested_time", "must not be in the future");
                }
            }
            c.text("oral_request.officer_name", officer, true, MAX_NAME, false);
            oral = at.map(|at| OralRequest {
                requested_at: at,
                officer_name: officer.trim().to_string(),
            });
        }
        (Some(Urgency::Normal), Some(_)) => c.add("oral_request", "only for URGENT_ORAL"),
        _ => {}
    }
    let routed = match &raw.content {
        None => {
            c.add("content", "required");
            None
        }
        Some(rc) => {
            if raw.urgency == Some(Urgency::Normal) {
                if let Some(s) = rc.planned_start {
                    if s <= now {
                        c.add(
                            "content.planned_start",
                            "must be in the future for a NORMAL request",
                        );
                    }
                }
            }
            content(&mut c, "content", rc, centre, directory)
        }
    };
    c.finish()?;
    match (id, raw.urgency, routed) {
        (Some(request_id), Some(urgency), Some((content, police))) => Ok((
            Submission {
                request_id,
                urgency,
                oral_request: oral,
                content,
            },
            police,
        )),
        _ => Err(Error::invalid("request", "incomplete")),
    }
}

/// Validates a service note at `now` against the request.
pub fn service_note(c: &mut Checker, note: &ServiceNote) {
    officers(c, "note.officers", &note.officers, true);
    if note.departure < note.arrival {
        c.add("note.departure_time", "must not be before arrival_time");
    }
    c.text("note.course", &note.course, true, MAX_TEXT, true);
    if note.coercion_used {
        if note.coercion_measures.is_empty() {
            c.add("note.coercion_measures", "required when coercion_used");
        }
    } else if !note.coercion_measures.is_empty() {
        c.add("note.coercion_measures", "only when coercion_used");
    }
    if note.coercion_measures.len() > 20 {
        c.add("note.coercion_measures", "at most 20 measures");
    } else {
        for (i, m) in note.coercion_measures.iter().enumerate() {
            c.text(
                &format!("note.coercion_measures[{i}]"),
                m,
                true,
                MAX_NAME,
                false,
            );
        }
    }
    if note.prohibited_act {
        c.text(
            "note.police_case_reference",
            &note.police_case_reference,
            true,
            64,
            false,
        );
    } else if !note.police_case_reference.trim().is_empty() {
        c.add("note.police_case_reference", "only when prohibited_act");
    }
}
