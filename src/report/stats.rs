//! The numbers of the breach report, as pure functions of the breach records (and, for
//! lateness, of the report's own time), so each can be tested on hand-made data.
//!
//! Definitions (also in README "Breach report" and docs/OPERATIONS.md):
//! - **lateness** of a resolved breach is `resolved - due`; of an open breach
//!   `report time - due` (the server's time when the report was made), i.e. how late the act
//!   is so far. Never negative.
//! - **median lateness** is given twice: over all breaches of the report, and over the
//!   resolved ones only (open breaches keep growing, resolved ones are final). With an even
//!   count it is the mean of the two middle values.
//! - **weeks** are ISO weeks (Monday to Sunday) in Europe/Warsaw; a breach belongs to the
//!   week its deadline fell in. Every week that touches the range is listed, also with zero
//!   breaches, so a quiet week is visible as such.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::{BreachRecord, DateRange};
use crate::calendar;

/// Open / resolved / total counts of one group, so every table shows the same three.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// All breaches of the group.
    pub total: usize,
    /// Not yet resolved.
    pub open: usize,
    /// Resolved by a late act.
    pub resolved: usize,
}

impl Tally {
    fn add(&mut self, b: &BreachRecord) {
        self.total += 1;
        if b.is_open() {
            self.open += 1;
        } else {
            self.resolved += 1;
        }
    }
}

/// Breaches of one rule of one rules profile: supervisors read the rule together with its
/// legal basis, and a report spanning a change of profile lists each profile's rule apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    /// The rule id.
    pub rule_id: String,
    /// The rules profile (`2011`, `2023`).
    pub profile: String,
    /// What the rule asks, in the words of its profile.
    pub rule_text: String,
    /// Its legal basis as recorded on the most recent of its breaches (a configuration
    /// change may have reworded it).
    pub legal_basis: String,
    /// The counts.
    pub tally: Tally,
}

/// Breaches one organisation was responsible for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgCount {
    /// The responsible organisation's id.
    pub org_id: String,
    /// The counts.
    pub tally: Tally,
}

/// One ISO week of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    /// The Monday that starts it (Europe/Warsaw).
    pub monday: Date,
    /// ISO week-numbering year (differs from the calendar year around New Year).
    pub iso_year: i16,
    /// ISO week number, 1-53.
    pub iso_week: i8,
    /// Breaches whose deadline fell in this week.
    pub count: usize,
}

impl Week {
    /// `2026-W10`, the label used in tables and the chart.
    pub fn label(&self) -> String {
        format!("{}-W{:02}", self.iso_year, self.iso_week)
    }
}

/// The two medians of [`median_lateness`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Medians {
    /// Over every breach (open ones up to the report time); `None` without breaches.
    pub all: Option<SignedDuration>,
    /// Over resolved breaches only; `None` when none is resolved.
    pub resolved: Option<SignedDuration>,
}

/// Totals of the whole report.
pub fn totals(breaches: &[BreachRecord]) -> Tally {
    let mut t = Tally::default();
    breaches.iter().for_each(|b| t.add(b));
    t
}

/// Counts per rule and profile, in rule-id then profile order (stable, so two reports
/// compare line by line).
pub fn by_rule(breaches: &[BreachRecord]) -> Vec<RuleCount> {
    let mut map: BTreeMap<(&str, &str), RuleCount> = BTreeMap::new();
    for b in breaches {
        let key = (b.rule_id.as_str(), b.rules_profile.as_str());
        let entry = map.entry(key).or_insert_with(|| RuleCount {
            rule_id: b.rule_id.clone(),
            profile: b.rules_profile.clone(),
            rule_text: b.rule_text(),
            legal_basis: String::new(),
            tally: Tally::default(),
        });
        entry.legal_basis.clone_from(&b.legal_basis);
        entry.tally.add(b);
    }
    map.into_values().collect()
}

/// Counts per rules profile, in profile order: which rules the report's breaches were
/// judged by (more than one entry: the range spans a change of `rules.profile`).
pub fn by_profile(breaches: &[BreachRecord]) -> Vec<(String, Tally)> {
    let mut map: BTreeMap<&str, Tally> = BTreeMap::new();
    for b in breaches {
        map.entry(&b.rules_profile).or_default().add(b);
    }
    map.into_iter().map(|(p, t)| (p.to_string(), t)).collect()
}

/// Counts per responsible organisation, most breaches first (ties by id), so the
/// organisations needing attention head the table.
pub fn by_org(breaches: &[BreachRecord]) -> Vec<OrgCount> {
    let mut map: BTreeMap<&str, Tally> = BTreeMap::new();
    for b in breaches {
        map.entry(&b.responsible_org_id).or_default().add(b);
    }
    let mut v: Vec<OrgCount> = map
        .into_iter()
        .map(|(id, tally)| OrgCount {
            org_id: id.to_string(),
            tally,
        })
        .collect();
    v.sort_by(|a, b| {
        b.tally
            .total
            .cmp(&a.tally.total)
            .then_with(|| a.org_id.cmp(&b.org_id))
    });
    v
}

/// How late the act is: `resolved - due`, or `now - due` while open; zero if the clock
/// says the deadline is still ahead (it cannot be for a recorded breach, but a report must
/// not print negative lateness).
pub fn lateness(b: &BreachRecord, now: Timestamp) -> SignedDuration {
    let end = b.resolved.unwrap_or(now);
    end.duration_since(b.due).max(SignedDuration::ZERO)
}

/// The median of `values` (mean of the two middle ones for an even count); `None` for none.
pub fn median(mut values: Vec<SignedDuration>) -> Option<SignedDuration> {
    values.sort_unstable();
    let n = values.len();
    if n == 0 {
        return None;
    }
    let upper = values[n / 2];
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = values[n / 2 - 1];
    // lower + (upper - lower) / 2 cannot overflow for sorted, non-negative values.
    upper
        .checked_sub(lower)
        .and_then(|d| d.checked_div(2))
        .and_then(|h| lower.checked_add(h))
}

/// Median lateness over all breaches and over resolved ones (see the module docs).
pub fn median_lateness(breaches: &[BreachRecord], now: Timestamp) -> Medians {
    Medians {
        all: median(breaches.iter().map(|b| lateness(b, now)).collect()),
        resolved: median(
            breaches
                .iter()
                .filter(|b| !b.is_open())
                .map(|b| lateness(b, now))
                .collect(),
        ),
    }
}

/// The Monday of `date`'s ISO week.
pub fn week_monday(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.saturating_sub(back.days())
}

/// Breaches per ISO week for every week touching `range` (zeros included), in order.
/// Breaches due outside the range are not counted (the server does not send them).
pub fn weekly(breaches: &[BreachRecord], range: DateRange) -> Vec<Week> {
    let mut weeks = Vec::new();
    let mut monday = week_monday(range.from());
    let last = week_monday(range.to());
    while monday <= last {
        let iso = monday.iso_week_date();
        weeks.push(Week {
            monday,
            iso_year: iso.year(),
            iso_week: iso.week(),
            count: 0,
        });
        let next = monday.saturating_add(7.days());
        if next <= monday {
            break; // the end of the calendar: never loop
        }
        monday = next;
    }
    for b in breaches {
        let day = calendar::local_date(b.due);
        if day < range.from() || day > range.to() {
            continue;
        }
        let monday = week_monday(day);
        if let Ok(i) = weeks.binary_search_by(|w| w.monday.cmp(&monday)) {
            weeks[i].count += 1;
        }
    }
    weeks
}

/// A duration for people: `2 d 3 h`, `3 h 20 min`, `45 min`, `0 min` (minutes are
/// the finest grain a supervisor needs).
pub fn human(d: SignedDuration) -> String {
    let mins = d.as_secs().max(0) / 60;
    let (days, hours, mins) = (mins / 1440, mins / 60 % 24, mins % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, h) => format!("{h} h {mins} min"),
        (d, h) => format!("{d} d {h} h"),
    }
}

/// A duration in hours with two decimals, for spreadsheets (`1.50`).
pub fn hours(d: SignedDuration) -> String {
    format!("{:.2}", d.as_secs_f64() / 3600.0)
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
