//! Deadline rules as data: what starts a clock, what stops it, how long it runs, and on
//! what legal basis. Two built-in profiles hold the rules of the source documents
//! ([`Profile`]: the 2011 Blue Card regulation, the default, or the 2023 one; both with the
//! 2016 police-assistance procedure and lacznik's documented defaults where the documents
//! set no period); `rules.profile` picks one and `[rules.<id>]` in the configuration can
//! change a rule's length, unit, rolling and notification, or disable it, on top of it.
//!
//! This module holds the rule types, the deadline arithmetic and the overrides; the
//! built-in profiles with their legal citations are in `builtin`, the profiles and their
//! names in [`profile`], the `[rules]` configuration table in [`section`] and the
//! `lacznik rules` table in `table`.

mod builtin;
pub mod profile;
pub mod section;
mod table;

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::calendar;

pub use profile::{Profile, Terms, UnknownProfile};
pub use section::RulesSection;

/// A domain event that can start, satisfy or cancel a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Event {
    /// A police-assistance request was submitted (reached the police unit's feed).
    AssistanceSubmitted,
    /// The centre amended a request (the police unit must receive and decide again).
    AssistanceAmended,
    /// The planned time of a request changed (a new notice to the police).
    AssistanceRescheduled,
    /// The police unit's system confirmed it has the request.
    AssistanceReceived,
    /// The police unit accepted the request.
    AssistanceAccepted,
    /// The police unit declined the request.
    AssistanceDeclined,
    /// The welfare centre cancelled the request.
    AssistanceCancelled,
    /// The written confirmation of an urgent oral request arrived.
    AssistanceWrittenConfirmation,
    /// The officer's service note (notatka służbowa) was filed.
    AssistanceServiceNote,
    /// A Blue Card A reached the chair of the team (became available in lacznik).
    BlueCardSubmitted,
    /// The chair acknowledged receipt of a card.
    BlueCardAcknowledged,
    /// The card was forwarded to the team members or the working group.
    BlueCardForwarded,
    /// The procedure was closed (§ 18).
    BlueCardProcedureClosed,
    /// The team recorded the first meeting of the group working on the case (the grupa
    /// diagnostyczno-pomocowa of the 2023 profile).
    BlueCardGroupMeetingHeld,
}

/// The instant a rule counts from (or back from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Anchor {
    /// The time of the starting event.
    EventTime,
    /// The planned start of the assisted visit.
    PlannedStart,
    /// The planned end of the assisted visit.
    PlannedEnd,
    /// The time the Blue Card procedure was started (form A filled in).
    ProcedureStarted,
}

/// Whether the deadline lies after or before its anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// "within N ... of": the deadline follows the anchor.
    After,
    /// "at least N ... before": the act must come before the deadline that precedes the anchor.
    Before,
}

/// Unit of a rule's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Elapsed minutes.
    Minutes,
    /// Elapsed hours.
    Hours,
    /// Calendar days (KPA art. 57 § 1: the day of the event is not counted; the period
    /// ends at local midnight).
    CalendarDays,
    /// Working days (Monday-Friday except statutory holidays).
    WorkingDays,
}

/// Which cases a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Every case of the rule's kind.
    Always,
    /// Only police-assistance requests of urgency NORMAL.
    NormalOnly,
    /// Only police-assistance requests made orally first (URGENT_ORAL).
    UrgentOralOnly,
}

/// A party of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The organisation that sent the case (welfare centre, initiator of a Blue Card).
    Sender,
    /// The organisation that received it (police unit, team).
    Recipient,
    /// Supervisors of the case's gmina.
    Supervisor,
}

/// The kind of case a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A police-assistance request.
    Assistance,
    /// A Blue Card procedure.
    BlueCard,
}

/// One deadline rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Stable id, e.g. `bluecard.forward`.
    pub id: String,
    /// The profile the rule belongs to; stored with every clock and breach it produces.
    pub profile: Profile,
    /// Where the rule comes from, quoted in breach records and reports.
    pub legal_basis: String,
    /// One line for people reading `lacznik rules`.
    pub description: String,
    /// The kind of case it applies to.
    pub case_kind: CaseKind,
    /// Events that start a (new occurrence of the) clock.
    pub starts: Vec<Event>,
    /// Further condition on the case.
    pub condition: Condition,
    /// The instant the length is counted from.
    pub anchor: Anchor,
    /// After or before the anchor.
    pub direction: Direction,
    /// The length, in `unit`s.
    pub length: u32,
    /// The unit of `length`.
    pub unit: Unit,
    /// KPA art. 57 § 4: a deadline on a Saturday or holiday moves to the next working day
    /// (for `Before` rules: back to the previous one). Calendar-day rules only.
    pub roll: bool,
    /// Events that satisfy the clock. A rule whose starting event also satisfies it is a
    /// check made at that moment (e.g. "at least 3 working days before").
    pub satisfied_by: Vec<Event>,
    /// Events that end the clock without an act (the case was cancelled or closed).
    pub cancelled_by: Vec<Event>,
    /// Who has to act.
    pub responsible: Role,
    /// Who is told of a breach (sees it in ListBreaches / WatchBreaches).
    pub notify: Vec<Role>,
    /// False when the configuration disabled the rule.
    pub enabled: bool,
}

impl Rule {
    /// Computes the deadline from the anchor instant.
    pub fn due(&self, anchor: Timestamp) -> Timestamp {
        let n = self.length;
        match (self.direction, self.unit) {
            (Direction::After, Unit::Minutes) => anchor
                .checked_add(SignedDuration::from_mins(i64::from(n)))
                .unwrap_or(Timestamp::MAX),
            (Direction::After, Unit::Hours) => calendar::hours_after(anchor, n),
            (Direction::After, Unit::CalendarDays) => {
                calendar::calendar_days_after(anchor, n, self.roll)
            }
            (Direction::After, Unit::WorkingDays) => calendar::working_days_after(anchor, n),
            (Direction::Before, Unit::Minutes) => anchor
                .checked_sub(SignedDuration::from_mins(i64::from(n)))
                .unwrap_or(Timestamp::MIN),
            (Direction::Before, Unit::Hours) => anchor
                .checked_sub(SignedDuration::from_hours(i64::from(n)))
                .unwrap_or(Timestamp::MIN),
            (Direction::Before, Unit::CalendarDays) => {
                let mut day = calendar::local_date(anchor)
                    .checked_sub(i64::from(n).days())
                    .unwrap_or(jiff::civil::Date::MIN);
                if self.roll {
                    // Rolling a "before" deadline moves it earlier: the last working day
                    // on or before the computed day.
                    let mut guard = 0;
                    while !calendar::is_working_day(day) && guard < 32 {
                        day = day.yesterday().unwrap_or(day);
                        guard += 1;
                    }
                }
                calendar::end_of_day(day)
            }
            (Direction::Before, Unit::WorkingDays) => calendar::working_days_before(anchor, n),
        }
    }

    /// True when the rule starts on `event` for a case with these facts.
    pub fn starts_on(&self, event: Event, urgent_oral: bool) -> bool {
        self.enabled
            && self.starts.contains(&event)
            && match self.condition {
                Condition::Always => true,
                Condition::NormalOnly => !urgent_oral,
                Condition::UrgentOralOnly => urgent_oral,
            }
    }

    /// Human-readable length, e.g. "3 working days before planned start".
    pub fn describe_period(&self) -> String {
        let unit = match (self.unit, self.length) {
            (Unit::Minutes, 1) => "minute",
            (Unit::Minutes, _) => "minutes",
            (Unit::Hours, 1) => "hour",
            (Unit::Hours, _) => "hours",
            (Unit::CalendarDays, 1) => "calendar day",
            (Unit::CalendarDays, _) => "calendar days",
            (Unit::WorkingDays, 1) => "working day",
            (Unit::WorkingDays, _) => "working days",
        };
        let dir = match self.direction {
            Direction::After => "after",
            Direction::Before => "before",
        };
        let anchor = match self.anchor {
            Anchor::EventTime => "the starting event",
            Anchor::PlannedStart => "the planned start",
            Anchor::PlannedEnd => "the planned end",
            Anchor::ProcedureStarted => "the start of the procedure",
        };
        let roll = if self.roll {
            ", rolled to a working day"
        } else {
            ""
        };
        format!("{} {unit} {dir} {anchor}{roll}", self.length)
    }
}

/// A configuration override of one rule (`[rules."<id>"]` in `lacznik.toml`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    /// New length.
    pub length: Option<u32>,
    /// New unit.
    pub unit: Option<Unit>,
    /// Roll a deadline on a Saturday or holiday to a working day.
    pub roll: Option<bool>,
    /// Disable (false) or re-enable the rule.
    pub enabled: Option<bool>,
    /// Who is told of a breach.
    pub notify: Option<Vec<Role>>,
}

/// Errors applying overrides.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RuleError {
    /// The configuration names a rule that does not exist.
    #[error("unknown deadline rule {0:?} in [rules] (see `lacznik rules` for the ids)")]
    Unknown(String),
    /// The configuration names a rule of another profile than the one in force.
    #[error(
        "deadline rule {id:?} in [rules] is not part of the {profile} rules profile (it is in \
         {belongs}; see `lacznik rules`)"
    )]
    NotInProfile {
        /// The rule id.
        id: String,
        /// The profile in force.
        profile: Profile,
        /// The profile that has the rule.
        belongs: Profile,
    },
    /// A length of zero for an elapsed-time unit makes every act late.
    #[error("rule {0}: length 0 is only meaningful in working or calendar days")]
    ZeroLength(String),
}

/// The rules in force: one profile's built-in rules with the configuration's overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    profile: Profile,
    rules: Vec<Rule>,
    /// The overrides applied, kept so the other profiles' rules (for clocks started under
    /// them) get the same notification and lengths where they have the rule.
    overrides: BTreeMap<String, RuleOverride>,
}

impl RuleSet {
    /// The 2011 profile with configuration overrides applied (what `rules.profile` unset
    /// means).
    pub fn with_overrides(
        overrides: &BTreeMap<String, RuleOverride>,
    ) -> Result<RuleSet, RuleError> {
        RuleSet::for_profile(Profile::Y2011, overrides)
    }

    /// The built-in rules of `profile` with configuration overrides applied; an override
    /// naming a rule the profile does not have is an error.
    pub fn for_profile(
        profile: Profile,
        overrides: &BTreeMap<String, RuleOverride>,
    ) -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::builtin_profile(profile);
        for (id, o) in overrides {
            let Some(rule) = set.rules.iter_mut().find(|r| &r.id == id) else {
                let belongs = Profile::ALL
                    .into_iter()
                    .find(|p| RuleSet::builtin_profile(*p).get(id).is_some());
                return Err(match belongs {
                    Some(belongs) => RuleError::NotInProfile {
                        id: id.clone(),
                        profile,
                        belongs,
                    },
                    None => RuleError::Unknown(id.clone()),
                });
            };
            apply(rule, o)?;
        }
        set.overrides = overrides.clone();
        Ok(set)
    }

    /// The rules of another profile with this set's overrides applied where that profile
    /// has the rule (for clocks started while it was in force); never fails: an override
    /// that does not fit is left out.
    pub fn sibling(&self, profile: Profile) -> RuleSet {
        let mut set = RuleSet::builtin_profile(profile);
        for (id, o) in &self.overrides {
            if let Some(rule) = set.rules.iter_mut().find(|r| &r.id == id) {
                let before = rule.clone();
                if apply(rule, o).is_err() {
                    *rule = before;
                }
            }
        }
        set.overrides = self.overrides.clone();
        set
    }

    /// The profile of these rules.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The overrides applied, by rule id.
    pub fn overrides(&self) -> &BTreeMap<String, RuleOverride> {
        &self.overrides
    }

    /// All rules, enabled or not, in profile order.
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    /// One rule by id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Applies one override to its rule.
fn apply(rule: &mut Rule, o: &RuleOverride) -> Result<(), RuleError> {
    if let Some(l) = o.length {
        rule.length = l;
    }
    if let Some(u) = o.unit {
        rule.unit = u;
    }
    if let Some(r) = o.roll {
        rule.roll = r;
    }
    if let Some(e) = o.enabled {
        rule.enabled = e;
    }
    if let Some(n) = &o.notify {
        rule.notify = n.clone();
    }
    if rule.length == 0 && matches!(rule.unit, Unit::Minutes | Unit::Hours) {
        return Err(RuleError::ZeroLength(rule.id.clone()));
    }
    Ok(())
}

#[cfg(test)]
#[path = "profile_tests.rs"]
mod tests;
