//! Validation of Blue Card A: every bad field at once, no value echoed, and the rules of
//! the regulation that a form can break: § 2 ust. 3-4 (why the person was absent), § 6
//! (Blue Card B never to a suspected person; for a child to a parent, guardian or the
//! reporting person). The messages use the names and paragraphs of the rules profile in
//! force (2023: the names of Dz.U. 2023 poz. 1870 and its § 2 ust. 5-6; no paragraph is
//! cited for card B, whose 2023 wording was not available).

use jiff::{SignedDuration, Timestamp};

use super::model::*;
use crate::deadlines::Profile;
use crate::directory::{Directory, OrgId};
use crate::error::{Error, FieldViolation};
use crate::teryt::GminaCode;
use crate::validation::{Checker, MAX_NAME, MAX_TEXT, signatory};

/// Most persons in one list of the form.
pub const MAX_PERSONS: usize = 50;

/// Raw Blue Card B as decoded.
#[derive(Debug, Clone, Default)]
pub struct RawCardB {
    /// Handed over.
    pub handed_over: bool,
    /// Recipient role (None: unspecified or undecodable).
    pub recipient: Option<CardBRecipient>,
    /// First name.
    pub first_name: String,
    /// Surname.
    pub last_name: String,
}

/// Raw content as decoded from the wire.
#[derive(Debug, Clone, Default)]
pub struct RawCardContent {
    /// Start.
    pub started_at: Option<Timestamp>,
    /// Place.
    pub place: String,
    /// Present.
    pub person_present: bool,
    /// Absence reason.
    pub absence: Option<AbsenceReason>,
    /// Persons experiencing violence.
    pub persons_experiencing: Vec<CardPerson>,
    /// Suspected.
    pub persons_suspected: Vec<CardPerson>,
    /// Children.
    pub children: Vec<CardPerson>,
    /// Witnesses.
    pub witnesses: Vec<CardPerson>,
    /// Forms (undecodable ones already reported).
    pub violence_forms: Vec<ViolenceForm>,
    /// Other.
    pub violence_other: String,
    /// Injuries.
    pub injuries: String,
    /// Alcohol.
    pub alcohol: bool,
    /// Substances.
    pub other_substances: bool,
    /// Firearms.
    pub firearms: bool,
    /// Description.
    pub description: String,
    /// § 3.
    pub intervention_actions: String,
    /// § 6.
    pub card_b: Option<RawCardB>,
    /// § 10.
    pub crime_suspected: bool,
    /// Filled by.
    pub filled_by: Option<Signatory>,
    /// TERYT text.
    pub gmina_teryt: String,
}

fn persons(
    c: &mut Checker,
    field: &str,
    list: &[CardPerson],
    at_least_one: bool,
    relationship_required: bool,
) {
    if at_least_one && list.is_empty() {
        c.add(field, "at least one person");
        return;
    }
    if list.len() > MAX_PERSONS {
        c.add(field, format!("at most {MAX_PERSONS} persons"));
        return;
    }
    for (i, p) in list.iter().enumerate() {
        c.text(
            &format!("{field}[{i}].first_name"),
            &p.first_name,
            true,
            MAX_NAME,
            false,
        );
        c.text(
            &format!("{field}[{i}].last_name"),
            &p.last_name,
            true,
            MAX_NAME,
            false,
        );
        c.text(
            &format!("{field}[{i}].relationship"),
            &p.relationship,
            relationship_required,
            MAX_NAME,
            false,
        );
        if p.birth_year != 0 && !(1900..=2100).contains(&p.birth_year) {
            c.add(
                format!("{field}[{i}].birth_year"),
                "a year between 1900 and 2100, or 0",
            );
        }
    }
}

fn same_person(a_first: &str, a_last: &str, p: &CardPerson) -> bool {
    let norm = |s: &str| s.trim().to_lowercase();
    norm(a_first) == norm(&p.first_name) && norm(a_last) == norm(&p.last_name)
}

/// The form's rules as a message says them under each profile.
struct Wording {
    absence: &'static str,
    card_b_suspected: &'static str,
    card_b_child: &'static str,
}

fn wording(profile: Profile) -> Wording {
    match profile {
        Profile::Y2011 => Wording {
            absence: "required when the person was not present (§ 2 ust. 3-4)",
            card_b_suspected: "§ 6 ust. 4: Blue Card B is never handed to a person suspected of violence",
            card_b_child: "§ 6 ust. 3: for a child, to a parent, guardian or the reporting person",
        },
        Profile::Y2023 => Wording {
            absence: "required when the person was not present (Dz.U. 2023 poz. 1870 § 2 ust. 5-6)",
            card_b_suspected: "Blue Card B is never handed to an osoba stosująca przemoc domową (a person using domestic violence)",
            card_b_child: "for a child, to a parent, guardian or the reporting person",
        },
    }
}

/// Validates a card at `now` with the messages of the 2011 profile (the validators' tests
/// and the fuzz target); see [`submission_under`].
pub fn submission(
    card_id: &str,
    procedure_id: &str,
    raw: Option<&RawCardContent>,
    pre: Vec<FieldViolation>,
    now: Timestamp,
    directory: &Directory,
) -> Result<(CardSubmission, OrgId), Error> {
    submission_under(
        Profile::Y2011,
        card_id,
        procedure_id,
        raw,
        pre,
        now,
        directory,
    )
}

/// Validates a card at `now`, its messages in the words of `profile`; returns the
/// submission and the team it routes to.
pub fn submission_under(
    profile: Profile,
    card_id: &str,
    procedure_id: &str,
    raw: Option<&RawCardContent>,
    pre: Vec<FieldViolation>,
    now: Timestamp,
    directory: &Directory,
) -> Result<(CardSubmission, OrgId), Error> {
    let words = wording(profile);
    let mut c = Checker::new(pre);
    let card_id = crate::validation::case_id(&mut c, "card_id", card_id);
    let procedure_id = if procedure_id.trim().is_empty() {
        None
    } else {
        crate::validation::case_id(&mut c, "procedure_id", procedure_id)
    };
    let Some(raw) = raw else {
        c.add("content", "required");
        c.finish()?;
        return Err(Error::invalid("content", "required"));
    };
    let f = |n: &str| format!("content.{n}");
    c.required(&f("started_time"), &raw.started_at);
    if let Some(t) = raw.started_at {
        if t > now + SignedDuration::from_mins(5) {
            c.add(f("started_time"), "must not be in the future");
        }
    }
    c.text(&f("place"), &raw.place, true, MAX_NAME * 2, false);
    match (raw.person_present, raw.absence) {
        (false, None) => c.add(f("absence_reason"), words.absence),
        (true, Some(_)) => c.add(f("absence_reason"), "only when the person was not present"),
        _ => {}
    }
    persons(
        &mut c,
        &f("persons_experiencing"),
        &raw.persons_experiencing,
        true,
        false,
    );
    persons(
        &mut c,
        &f("persons_suspected"),
        &raw.persons_suspected,
        true,
        true,
    );
    persons(&mut c, &f("children"), &raw.children, false, false);
    persons(&mut c, &f("witnesses"), &raw.witnesses, false, false);
    let mut unique = raw.violence_forms.clone();
    unique.sort_by_key(|f| *f as u8);
    unique.dedup();
    if raw.violence_forms.is_empty() {
        if !c.reported_under(&f("violence_forms")) {
            c.add(f("violence_forms"), "at least one form of violence");
        }
    } else if unique.len() != raw.violence_forms.len() {
        c.add(f("violence_forms"), "each form at most once");
    }
    if raw.violence_forms.contains(&ViolenceForm::Other) {
        c.text(
            &f("violence_other"),
            &raw.violence_other,
            true,
            MAX_TEXT,
            true,
        );
    } else if !raw.violence_other.trim().is_empty() {
        c.add(f("violence_other"), "only with the form OTHER");
    }
    c.text(&f("injuries"), &raw.injuries, false, MAX_TEXT, true);
    c.text(&f("description"), &raw.description, true, MAX_TEXT, true);
    c.text(
        &f("intervention_actions"),
        &raw.intervention_actions,
        true,
        MAX_TEXT,
        true,
    );
    let card_b = match &raw.card_b {
        Some(b) if b.handed_over => {
            c.required(&f("card_b.recipient"), &b.recipient);
            c.text(
                &f("card_b.recipient_first_name"),
                &b.first_name,
                true,
                MAX_NAME,
                false,
            );
            c.text(
                &f("card_b.recipient_last_name"),
                &b.last_name,
                true,
                MAX_NAME,
                false,
            );
            if raw
                .persons_suspected
                .iter()
                .any(|p| same_person(&b.first_name, &b.last_name, p))
            {
                c.add(f("card_b"), words.card_b_suspected);
            }
            let all_minors = !raw.persons_experiencing.is_empty()
                && raw.persons_experiencing.iter().all(|p| p.minor);
            if all_minors && b.recipient == Some(CardBRecipient::PersonExperiencing) {
                c.add(f("card_b.recipient"), words.card_b_child);
            }
            b.recipient.map(|r| CardB {
                recipient: r,
                first_name: b.first_name.trim().into(),
                last_name: b.last_name.trim().into(),
            })
        }
        Some(b) => {
            if b.recipient.is_some()
                || !b.first_name.trim().is_empty()
                || !b.last_name.trim().is_empty()
            {
                c.add(f("card_b"), "recipient only when handed_over");
            }
            None
        }
        None => None,
    };
    signatory(&mut c, &f("filled_by"), &raw.filled_by);
    let mut routed = None;
    match raw.gmina_teryt.trim().parse::<GminaCode>() {
        Err(e) => c.add(
            f("gmina_teryt"),
            format!("not a valid TERYT gmina code: {e}"),
        ),
        Ok(g) => match directory.team_for(g) {
            Some(team) => routed = Some((g, team.id.clone())),
            None => c.add(
                f("gmina_teryt"),
                "no interdisciplinary team serves this gmina",
            ),
        },
    }
    c.finish()?;
    let (Some(card_id), Some(started_at), Some(filled_by), Some((gmina, team))) =
        (card_id, raw.started_at, raw.filled_by.clone(), routed)
    else {
        return Err(Error::invalid("content", "incomplete"));
    };
    let trim_all = |list: &[CardPerson]| {
        list.iter()
            .map(|p| CardPerson {
                first_name: p.first_name.trim().into(),
                last_name: p.last_name.trim().into(),
                birth_year: p.birth_year,
                minor: p.minor,
                relationship: p.relationship.trim().into(),
            })
            .collect::<Vec<_>>()
    };
    Ok((
        CardSubmission {
            card_id,
            procedure_id,
            content: CardContent {
                started_at,
                place: raw.place.trim().into(),
                absence: if raw.person_present {
                    None
                } else {
                    raw.absence
                },
                persons_experiencing: trim_all(&raw.persons_experiencing),
                persons_suspected: trim_all(&raw.persons_suspected),
                children: trim_all(&raw.children),
                witnesses: trim_all(&raw.witnesses),
                violence_forms: raw.violence_forms.clone(),
                violence_other: raw.violence_other.trim().into(),
                injuries: raw.injuries.trim().into(),
                alcohol: raw.alcohol,
                other_substances: raw.other_substances,
                firearms: raw.firearms,
                description: raw.description.trim().into(),
                intervention_actions: raw.intervention_actions.trim().into(),
                card_b,
                crime_suspected: raw.crime_suspected,
                filled_by,
                gmina,
            },
        },
        team,
    ))
}

/// Validates a closing protocol.
pub fn protocol(c: &mut Checker, p: &Protocol, procedure_start: Timestamp, now: Timestamp) {
    if p.persons.is_empty() {
        c.add("protocol.persons", "at least one person");
    } else if p.persons.len() > MAX_PERSONS {
        c.add("protocol.persons", format!("at most {MAX_PERSONS}"));
    } else {
        for (i, name) in p.persons.iter().enumerate() {
            c.text(
                &format!("protocol.persons[{i}]"),
                name,
                true,
                MAX_NAME * 2,
                false,
            );
        }
    }
    if p.end < p.start {
        c.add("protocol.end_time", "must not be before start_time");
    }
    if p.start > now + SignedDuration::from_mins(5)
        || p.start < procedure_start - SignedDuration::from_hours(24)
    {
        c.add("protocol.start_time", "the date the procedure started");
    }
    if p.end > now + SignedDuration::from_mins(5) {
        c.add("protocol.end_time", "must not be in the future");
    }
    c.text("protocol.actions", &p.actions, true, MAX_TEXT, true);
    signatory(c, "protocol.signed_by", &Some(p.signed_by.clone()));
}
