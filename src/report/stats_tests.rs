//! The report's statistics on hand-made records: counts by rule (and profile) and by
//! organisation, lateness, medians, ISO weeks in Warsaw, durations for people.

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
        rules_profile: "2011".into(),
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
fn a_report_spanning_a_profile_change_counts_each_profiles_rule_apart() {
    let mut v = vec![
        rec(
            "1",
            "bluecard.forward",
            "zi",
            "2026-03-02T09:30:00Z",
            Some("2026-03-03T09:30:00Z"),
        ),
        rec("2", "bluecard.forward", "zi", "2026-03-09T09:30:00Z", None),
        rec(
            "3",
            "bluecard.group_meeting",
            "zi",
            "2026-03-10T09:30:00Z",
            None,
        ),
    ];
    v[1].rules_profile = "2023".into();
    v[2].rules_profile = "2023".into();
    let c = by_rule(&v);
    let got: Vec<(&str, &str, usize)> = c
        .iter()
        .map(|r| (r.rule_id.as_str(), r.profile.as_str(), r.tally.total))
        .collect();
    assert_eq!(
        got,
        vec![
            ("bluecard.forward", "2011", 1),
            ("bluecard.forward", "2023", 1),
            ("bluecard.group_meeting", "2023", 1),
        ]
    );
    assert!(
        c[0].rule_text.contains("grupa robocza"),
        "{}",
        c[0].rule_text
    );
    assert!(c[1].rule_text.contains("grupa diagnostyczno-pomocowa"));
    let p = by_profile(&v);
    assert_eq!(p.len(), 2);
    assert_eq!((p[0].0.as_str(), p[0].1.resolved), ("2011", 1));
    assert_eq!((p[1].0.as_str(), p[1].1.open), ("2023", 2));
    assert_eq!(v[0].deadline_state(), "met_late");
    assert_eq!(v[1].deadline_state(), "breached");
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
