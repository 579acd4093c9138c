//! The CSV form of the breach report: one flat row per breach (a spreadsheet sorts and
//! pivots it better than any sectioned file), plus the short summary printed on stdout.
//! Instants are RFC 3339 in UTC, as on the wire, so rows join with other exports.

use std::fmt::Write as _;

use super::Report;
use super::stats;

/// The header row, in column order (columns added later are appended, so a spreadsheet
/// built on an older report keeps its column letters).
pub const HEADER: [&str; 14] = [
    "breach_id",
    "rule_id",
    "legal_basis",
    "case_kind",
    "case_id",
    "gmina",
    "responsible_org_id",
    "due_time",
    "recorded_time",
    "resolved_time",
    "state",
    "lateness_hours",
    "rules_profile",
    "deadline_state",
];

/// The CSV bytes: the header, then every breach in recording order, quoted by the `csv`
/// crate's rules (RFC 4180) so commas or quotes in a legal basis cannot shift columns.
pub fn render(report: &Report) -> anyhow::Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for b in &report.breaches {
        let resolved = b.resolved.map(|t| t.to_string()).unwrap_or_default();
        w.write_record([
            b.breach_id.as_str(),
            &b.rule_id,
            &b.legal_basis,
            b.case_kind,
            &b.case_id,
            &b.gmina,
            &b.responsible_org_id,
            &b.due.to_string(),
            &b.recorded.to_string(),
            &resolved,
            b.state(),
            &stats::hours(stats::lateness(b, report.generated)),
            &b.rules_profile,
            b.deadline_state(),
        ])?;
    }
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot finish the CSV: {}", e.error()))
}

/// The summary printed when writing CSV: range, totals, medians, counts by rule and by
/// organisation, as aligned text.
pub fn summary_text(report: &Report) -> String {
    let total = stats::totals(&report.breaches);
    let med = stats::median_lateness(&report.breaches, report.generated);
    let show = |d: Option<jiff::SignedDuration>| d.map(stats::human).unwrap_or_else(|| "-".into());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "breaches due {} to {} (Europe/Warsaw), {}",
        report.range.from(),
        report.range.to(),
        report.gmina_label()
    );
    let _ = writeln!(
        out,
        "total {}, open {}, resolved {}; median lateness {} (all), {} (resolved)",
        total.total,
        total.open,
        total.resolved,
        show(med.all),
        show(med.resolved)
    );
    let profiles = stats::by_profile(&report.breaches);
    if !profiles.is_empty() {
        let list: Vec<String> = profiles
            .iter()
            .map(|(p, t)| format!("{p} ({} breach(es), {} met late)", t.total, t.resolved))
            .collect();
        let _ = writeln!(out, "rules profiles: {}", list.join(", "));
    }
    let rules = stats::by_rule(&report.breaches);
    if !rules.is_empty() {
        let w = rules
            .iter()
            .map(|r| r.rule_id.len())
            .max()
            .unwrap_or(0)
            .max(4);
        let _ = writeln!(
            out,
            "\n{:<w$}  {:<7}  {:>5}  {:>5}  {:>8}  legal basis",
            "rule", "profile", "total", "open", "resolved"
        );
        for r in &rules {
            let _ = writeln!(
                out,
                "{:<w$}  {:<7}  {:>5}  {:>5}  {:>8}  {}",
                r.rule_id, r.profile, r.tally.total, r.tally.open, r.tally.resolved, r.legal_basis
            );
        }
    }
    let orgs = stats::by_org(&report.breaches);
    if !orgs.is_empty() {
        let w = orgs
            .iter()
            .map(|o| o.org_id.len())
            .max()
            .unwrap_or(0)
            .max(12);
        let _ = writeln!(
            out,
            "\n{:<w$}  {:>5}  {:>5}  {:>8}",
            "organisation", "total", "open", "resolved"
        );
        for o in &orgs {
            let _ = writeln!(
                out,
                "{:<w$}  {:>5}  {:>5}  {:>8}",
                o.org_id, o.tally.total, o.tally.open, o.tally.resolved
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests_support::report;

    #[test]
    fn one_quoted_row_per_breach_under_the_header() {
        let mut r = report();
        r.breaches[0].legal_basis = "Rozp. RM 2011 § 7 ust. 1, \"cytat\"".into();
        let text = String::from_utf8(render(&r).unwrap()).unwrap();
        let mut rd = ::csv::Reader::from_reader(text.as_bytes());
        assert_eq!(rd.headers().unwrap().iter().collect::<Vec<_>>(), HEADER);
        let rows: Vec<::csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), r.breaches.len());
        assert_eq!(&rows[0][2], "Rozp. RM 2011 § 7 ust. 1, \"cytat\"");
        assert_eq!(&rows[0][7], "2026-03-02T09:30:00Z");
        assert_eq!(&rows[0][9], "");
        assert_eq!(&rows[0][10], "open");
        assert_eq!(&rows[1][10], "resolved");
        assert_eq!(&rows[1][11], "1.00");
        assert_eq!((&rows[0][12], &rows[0][13]), ("2011", "breached"));
        assert_eq!((&rows[1][12], &rows[1][13]), ("2011", "met_late"));
    }

    #[test]
    fn the_summary_names_the_range_totals_and_groups() {
        let s = summary_text(&report());
        assert!(s.contains("2026-03-01 to 2026-03-18"), "{s}");
        assert!(s.contains("total 2, open 1, resolved 1"), "{s}");
        assert!(s.contains("assistance.receipt"), "{s}");
        assert!(s.contains("kmp-torun"), "{s}");
        assert!(
            s.contains("rules profiles: 2011 (2 breach(es), 1 met late)"),
            "{s}"
        );
    }
}
