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

/// Breaches of one rule: supervisors read the rule together with its legal basis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    /// The rule id.
    pub rule_id: String,
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

/// Counts per rule, in rule-id order (stable, so two reports compare line by line).
pub fn by_rule(breaches: &[BreachRecord]) -> Vec<RuleCount> {
    let mut map: BTreeMap<&str, RuleCount> = BTreeMap::new();
    for b in breaches {
        let entry = map.entry(&b.rule_id).or_insert_with(|| RuleCount {
            rule_id: b.rule_id.clone(),
            legal_basis: String::new(),
            tally: Tally::default(),
        });
        entry.legal_basis.clone_from(&b.legal_basis);
        entry.tally.add(b);
    }
    map.into_values().collect()
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
mod tests {
    use super::*;
    use jiff::civil::date;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn rec(id: &str, rule: &str, org: &str, due: &str, resolved: Option<&str>) -> BreachRecord {
        BreachRecord {
            breach_id: id.into(),
            rule_id: rule.into(),
            legal_basis: format!("basis of {rule}"),
            case_kind: "assistance_request",
            case_id: format!("case-{id}"),
            gmina: "0463011".into(),
            responsible_org_id: org.into(),
            due: t(due),
            recorded: t(due),
            resolved: resolved.map(t),
        }
    }

    fn sample() -> Vec<BreachRecord> {
        vec![
            rec("1", "r.b", "kmp", "2026-03-02T09:30:00Z", None),
            rec(
                "2",
                "r.a",
                "kmp",
                "2026-03-02T10:00:00Z",
                Some("2026-03-02T11:00:00Z"),
            ),
            rec(
                "3",
                "r.b",
                "zi",
                "2026-03-04T23:00:00Z",
                Some("2026-03-05T02:00:00Z"),
            ),
            rec("4", "r.b", "mopr", "2026-03-17T12:00:00Z", None),
        ]
    }

    #[test]
    fn counts_by_rule_in_rule_order_with_the_latest_legal_basis() {
        let mut v = sample();
        v[3].legal_basis = "reworded".into();
        let c = by_rule(&v);
        assert_eq!(
            c.iter()
                .map(|r| (r.rule_id.as_str(), r.legal_basis.as_str(), r.tally))
                .collect::<Vec<_>>(),
            vec![
                (
                    "r.a",
                    "basis of r.a",
                    Tally {
                        total: 1,
                        open: 0,
                        resolved: 1
                    }
                ),
                (
                    "r.b",
                    "reworded",
                    Tally {
                        total: 3,
                        open: 2,
                        resolved: 1
                    }
                ),
            ]
        );
        assert!(by_rule(&[]).is_empty());
    }

    #[test]
    fn counts_by_organisation_most_first_then_by_id() {
        let c = by_org(&sample());
        let got: Vec<(&str, usize, usize)> = c
            .iter()
            .map(|o| (o.org_id.as_str(), o.tally.total, o.tally.open))
            .collect();
        assert_eq!(got, vec![("kmp", 2, 1), ("mopr", 1, 1), ("zi", 1, 0)]);
        assert_eq!(
            totals(&sample()),
            Tally {
                total: 4,
                open: 2,
                resolved: 2
            }
        );
    }

    #[test]
    fn lateness_runs_to_resolution_or_to_the_report_time() {
        let now = t("2026-03-18T12:00:00Z");
        let v = sample();
        assert_eq!(
            lateness(&v[0], now),
            SignedDuration::from_mins(16 * 1440 + 150)
        );
        assert_eq!(lateness(&v[1], now), SignedDuration::from_hours(1));
        assert_eq!(lateness(&v[2], now), SignedDuration::from_hours(3));
        assert_eq!(lateness(&v[3], now), SignedDuration::from_hours(24));
        // A report clock behind the deadline never yields negative lateness.
        assert_eq!(
            lateness(&v[3], t("2026-03-01T00:00:00Z")),
            SignedDuration::ZERO
        );
    }

    #[test]
    fn medians_over_all_and_over_resolved_breaches() {
        let h = SignedDuration::from_hours;
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![h(5)]), Some(h(5)));
        assert_eq!(median(vec![h(9), h(1), h(5)]), Some(h(5)));
        assert_eq!(median(vec![h(4), h(1), h(2), h(9)]), Some(h(3)));
        assert_eq!(
            median(vec![
                SignedDuration::from_secs(1),
                SignedDuration::from_secs(2)
            ]),
            Some(SignedDuration::from_millis(1500))
        );
        let now = t("2026-03-18T12:00:00Z");
        let m = median_lateness(&sample(), now);
        // All: 1 h, 3 h, 24 h, 16 d 2.5 h -> (3 h + 24 h) / 2.
        assert_eq!(m.all, Some(SignedDuration::from_mins(13 * 60 + 30)));
        assert_eq!(m.resolved, Some(h(2)));
        let open_only: Vec<BreachRecord> = sample().into_iter().filter(|b| b.is_open()).collect();
        assert_eq!(median_lateness(&open_only, now).resolved, None);
        assert_eq!(median_lateness(&[], now), Medians::default());
    }

    #[test]
    fn weeks_are_iso_weeks_in_warsaw_and_all_present() {
        // Sun 1 Mar .. Wed 18 Mar 2026: weeks of 23 Feb, 2 Mar, 9 Mar, 16 Mar.
        let range = DateRange::new(date(2026, 3, 1), date(2026, 3, 18)).unwrap();
        let mut v = sample();
        // 23:30 UTC on Sunday 8 Mar is 00:30 on Monday 9 Mar in Warsaw.
        v.push(rec("5", "r.a", "kmp", "2026-03-08T23:30:00Z", None));
        // 22:30 UTC on Sunday 1 Mar is still Sunday in Warsaw (week of 23 Feb).
        v.push(rec("6", "r.a", "kmp", "2026-03-01T22:30:00Z", None));
        let w = weekly(&v, range);
        let got: Vec<(String, Date, usize)> =
            w.iter().map(|w| (w.label(), w.monday, w.count)).collect();
        assert_eq!(
            got,
            vec![
                ("2026-W09".into(), date(2026, 2, 23), 1),
                ("2026-W10".into(), date(2026, 3, 2), 3),
                ("2026-W11".into(), date(2026, 3, 9), 1),
                ("2026-W12".into(), date(2026, 3, 16), 1),
            ]
        );
        // A range within one day still has its week; no breaches, zero.
        let one = DateRange::new(date(2026, 3, 4), date(2026, 3, 4)).unwrap();
        let w = weekly(&[], one);
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].monday, w[0].count), (date(2026, 3, 2), 0));
    }

    #[test]
    fn weeks_across_new_year_carry_the_iso_year() {
        let range = DateRange::new(date(2026, 12, 28), date(2027, 1, 11)).unwrap();
        let labels: Vec<String> = weekly(&[], range).iter().map(Week::label).collect();
        assert_eq!(labels, vec!["2026-W53", "2027-W01", "2027-W02"]);
        // 2027-01-01 (Friday) belongs to the last week of 2026.
        assert_eq!(week_monday(date(2027, 1, 1)), date(2026, 12, 28));
        // A breach due outside the range is not counted in any week.
        let v = vec![rec("9", "r.a", "kmp", "2027-01-12T12:00:00Z", None)];
        assert!(weekly(&v, range).iter().all(|w| w.count == 0));
    }

    #[test]
    fn durations_for_people_and_spreadsheets() {
        assert_eq!(human(SignedDuration::from_secs(59)), "0 min");
        assert_eq!(human(SignedDuration::from_mins(45)), "45 min");
        assert_eq!(human(SignedDuration::from_mins(200)), "3 h 20 min");
        assert_eq!(human(SignedDuration::from_hours(51)), "2 d 3 h");
        assert_eq!(hours(SignedDuration::from_mins(90)), "1.50");
        assert_eq!(hours(SignedDuration::ZERO), "0.00");
    }
}
