//! `lacznik report breaches`: the breach report for supervisors (issue 8, item 3).
//!
//! The report is a client of the running server, not a reader of the data directory: it
//! connects over mutual TLS exactly like `lacznik client` (the same [`ConnectArgs`]), so
//! what it shows is what `BreachService.ListBreaches` lets the certificate's organisation
//! see. A supervisor gets the breaches of its gminas, a party those of its cases; the
//! server stays the only place that decides visibility.
//!
//! The work is split so that the numbers can be tested without a server:
//! - [`gather`] pages through the RPCs and turns wire breaches into [`BreachRecord`]s;
//! - [`stats`] holds the statistics as pure functions over those records;
//! - [`csv`], [`html`] and [`chart`] render them.
//!
//! Breaches carry ids, codes and times only; nothing here adds personal data to a report.

pub mod chart;
pub mod csv;
pub mod gather;
pub mod html;
pub mod stats;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use jiff::Timestamp;
use jiff::civil::Date;

use crate::calendar;
use crate::client::ConnectArgs;
use crate::deadlines::{Profile, RuleSet};
use crate::teryt::GminaCode;

/// `lacznik report ...`: reports built from a running server.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Deadline breaches of a date range: counts by rule and by organisation, median
    /// lateness, a weekly chart and the open breaches, as HTML or CSV (by --out's extension).
    Breaches(BreachesArgs),
}

/// Options of `lacznik report breaches`; kept in one struct so the CLI glue stays one line.
#[derive(Debug, Args)]
pub struct BreachesArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    /// First day (YYYY-MM-DD, Europe/Warsaw): breaches due at or after its local midnight.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Date,
    /// Last day (YYYY-MM-DD, Europe/Warsaw), inclusive: breaches due before the end of it.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: Date,
    /// Only breaches of this gmina (7-digit TERYT code); repeat for several. Default: every
    /// gmina the caller may see.
    #[arg(long = "gmina", value_name = "TERYT")]
    gminas: Vec<GminaCode>,
    /// The report file: `.html` (self-contained page) or `.csv` (one row per breach; the
    /// summary is printed).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// One breach as the report sees it: the wire record reduced to what a supervisor reads,
/// with real instants, so the statistics never deal with protobuf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachRecord {
    /// Server-assigned id.
    pub breach_id: String,
    /// The rule that was breached.
    pub rule_id: String,
    /// Legal basis of the rule, shown next to the rule id.
    pub legal_basis: String,
    /// `assistance_request` or `blue_card`.
    pub case_kind: &'static str,
    /// The request id or the card id.
    pub case_id: String,
    /// TERYT code of the case's gmina.
    pub gmina: String,
    /// The organisation that had to act.
    pub responsible_org_id: String,
    /// The deadline that was missed.
    pub due: Timestamp,
    /// When lacznik recorded the breach.
    pub recorded: Timestamp,
    /// When the late act happened; `None` while the breach is open.
    pub resolved: Option<Timestamp>,
    /// The rules profile the breached rule came from (`2011` or `2023`), so a report
    /// spanning a change of `rules.profile` says which rules applied.
    pub rules_profile: String,
}

impl BreachRecord {
    /// True until a late act resolves the breach.
    pub fn is_open(&self) -> bool {
        self.resolved.is_none()
    }

    /// `open` or `resolved`, the words the CSV and the HTML use.
    pub fn state(&self) -> &'static str {
        if self.is_open() { "open" } else { "resolved" }
    }

    /// The breached deadline's state in the words of the API's `Deadline.state`:
    /// `breached` until the act comes, then `met_late`.
    pub fn deadline_state(&self) -> &'static str {
        if self.is_open() {
            "breached"
        } else {
            "met_late"
        }
    }

    /// The profile as a value, when it is one lacznik knows.
    pub fn profile(&self) -> Option<Profile> {
        Profile::parse(&self.rules_profile).ok()
    }

    /// What the rule asks, in the words of its profile (the built-in text; empty for a
    /// rule this version does not know).
    pub fn rule_text(&self) -> String {
        self.profile()
            .and_then(|p| {
                RuleSet::builtin_profile(p)
                    .get(&self.rule_id)
                    .map(|r| r.description.clone())
            })
            .unwrap_or_default()
    }
}

/// The days a report covers, both inclusive, in Europe/Warsaw; valid by construction
/// (`from <= to`), so no renderer has to think about an empty or inverted range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    from: Date,
    to: Date,
}

impl DateRange {
    /// The range `from..=to`; an error naming both dates when `from` is after `to`.
    pub fn new(from: Date, to: Date) -> anyhow::Result<DateRange> {
        if from > to {
            anyhow::bail!("--from {from} is after --to {to}: the range would be empty");
        }
        Ok(DateRange { from, to })
    }

    /// The first day.
    pub fn from(&self) -> Date {
        self.from
    }

    /// The last day (inclusive).
    pub fn to(&self) -> Date {
        self.to
    }

    /// The first instant of the range: local midnight starting `from` (the `due_from` sent
    /// to the server, which includes it).
    pub fn start(&self) -> Timestamp {
        calendar::start_of_day(self.from)
    }

    /// The first instant after the range: local midnight ending `to` (the `due_to` sent to
    /// the server, which excludes it), so `--to` includes its whole day.
    pub fn end(&self) -> Timestamp {
        calendar::end_of_day(self.to)
    }
}

/// Parses a `--from`/`--to` day strictly as `YYYY-MM-DD` within the calendar's supported
/// years, so a typo (or a full timestamp) is refused instead of silently reinterpreted.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let shape_ok = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let bad = || format!("expected a date YYYY-MM-DD (Europe/Warsaw), got '{s}'");
    if !shape_ok {
        return Err(bad());
    }
    let date: Date = s.parse().map_err(|_| bad())?;
    if !calendar::SUPPORTED_YEARS.contains(&date.year()) {
        return Err(format!(
            "{s}: years {}-{} only",
            calendar::SUPPORTED_YEARS.start(),
            calendar::SUPPORTED_YEARS.end()
        ));
    }
    Ok(date)
}

/// The kinds of report file, chosen by the `--out` extension so one flag says both where
/// and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// A flat CSV, one row per breach.
    Csv,
    /// A self-contained HTML page.
    Html,
}

impl OutputFormat {
    /// The format named by `path`'s extension (case-insensitive); an error listing the
    /// allowed extensions otherwise.
    pub fn from_path(path: &Path) -> anyhow::Result<OutputFormat> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(OutputFormat::Csv),
            Some("html") | Some("htm") => Ok(OutputFormat::Html),
            _ => anyhow::bail!(
                "--out {}: unknown report format; use a file name ending in .html or .csv",
                path.display()
            ),
        }
    }
}

/// The organisation that asked for the report, as the directory knows it, for the title.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caller {
    /// Organisation id.
    pub id: String,
    /// Official name.
    pub name: String,
    /// The gminas it serves or oversees.
    pub gminas: Vec<String>,
}

/// Everything a renderer needs, gathered once: renderers are then pure functions of it.
#[derive(Debug, Clone)]
pub struct Report {
    /// The days covered.
    pub range: DateRange,
    /// The `--gmina` filter; empty means every gmina the caller may see.
    pub gminas: Vec<GminaCode>,
    /// Who asked (visibility is theirs).
    pub caller: Caller,
    /// The server's time when the report was made: the end of an open breach's lateness
    /// (the server may run on a simulated clock, so the local clock would be wrong).
    pub generated: Timestamp,
    /// The breaches, in recording order.
    pub breaches: Vec<BreachRecord>,
    /// Organisation names by id, from the directory.
    pub org_names: BTreeMap<String, String>,
}

impl Report {
    /// "0463011, 2416053", or what "all" means for this caller, for titles and summaries.
    pub fn gmina_label(&self) -> String {
        if !self.gminas.is_empty() {
            let g: Vec<&str> = self.gminas.iter().map(GminaCode::as_str).collect();
            return g.join(", ");
        }
        if self.caller.gminas.is_empty() {
            format!("all gminas visible to {}", self.caller.id)
        } else {
            format!(
                "all gminas visible to {} ({})",
                self.caller.id,
                self.caller.gminas.join(", ")
            )
        }
    }
}

/// Formats an instant in Europe/Warsaw for people (`2026-03-02 10:30 CET`).
pub fn local_time(t: Timestamp) -> String {
    t.to_zoned_datetime(calendar::warsaw().clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// Runs `lacznik report ...`.
pub fn run(command: ReportCommand) -> anyhow::Result<()> {
    match command {
        ReportCommand::Breaches(args) => breaches(args),
    }
}

fn breaches(args: BreachesArgs) -> anyhow::Result<()> {
    // Everything that can be judged locally is judged before connecting.
    let range = DateRange::new(args.from, args.to)?;
    let format = OutputFormat::from_path(&args.out)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(gather::gather(&args.connect, range, &args.gminas))?;
    let bytes = match format {
        OutputFormat::Csv => csv::render(&report)?,
        OutputFormat::Html => html::render(&report)?.into_bytes(),
    };
    std::fs::write(&args.out, bytes)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    if format == OutputFormat::Csv {
        print!("{}", csv::summary_text(&report));
    }
    let open = report.breaches.iter().filter(|b| b.is_open()).count();
    println!(
        "report written to {}: {} breach(es), {open} open",
        args.out.display(),
        report.breaches.len()
    );
    Ok(())
}

/// A small hand-made report for the renderers' unit tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// Two breaches of Toruń (one open, one resolved after an hour), names with markup.
    pub fn report() -> Report {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let rec = |id: &str, due: &str, resolved: Option<&str>| BreachRecord {
            breach_id: id.into(),
            rule_id: "assistance.receipt".into(),
            legal_basis: "lacznik default".into(),
            case_kind: "assistance_request",
            case_id: format!("req-{id}"),
            gmina: "0463011".into(),
            responsible_org_id: "kmp-torun".into(),
            due: t(due),
            recorded: t(due),
            resolved: resolved.map(t),
            rules_profile: "2011".into(),
        };
        Report {
            range: DateRange {
                from: jiff::civil::date(2026, 3, 1),
                to: jiff::civil::date(2026, 3, 18),
            },
            gminas: vec![],
            caller: Caller {
                id: "kpuw-bydgoszcz".into(),
                name: "Urząd <Wojewódzki> & \"Spółka\"".into(),
                gminas: vec!["0463011".into()],
            },
            generated: t("2026-03-18T12:00:00Z"),
            breaches: vec![
                rec("1", "2026-03-02T09:30:00Z", None),
                rec("2", "2026-03-02T10:00:00Z", Some("2026-03-02T11:00:00Z")),
            ],
            org_names: [("kmp-torun".to_string(), "Komenda <Miejska>".to_string())]
                .into_iter()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict_days() {
        assert_eq!(
            parse_date("2026-03-02").unwrap(),
            jiff::civil::date(2026, 3, 2)
        );
        for bad in [
            "2026-3-2",
            "02.03.2026",
            "2026-03-02T10:00",
            "2026-02-30",
            "",
            "abcd-ef-gh",
        ] {
            let e = parse_date(bad).unwrap_err();
            assert!(e.contains("YYYY-MM-DD"), "{bad}: {e}");
        }
        assert!(parse_date("1999-12-31").unwrap_err().contains("2000-2100"));
    }

    #[test]
    fn the_range_covers_whole_local_days_and_refuses_inversion() {
        let r =
            DateRange::new(jiff::civil::date(2026, 3, 2), jiff::civil::date(2026, 3, 2)).unwrap();
        // Winter: CET, UTC+1.
        assert_eq!(r.start(), "2026-03-01T23:00:00Z".parse().unwrap());
        assert_eq!(r.end(), "2026-03-02T23:00:00Z".parse().unwrap());
        let e = DateRange::new(jiff::civil::date(2026, 3, 3), jiff::civil::date(2026, 3, 2))
            .unwrap_err()
            .to_string();
        assert!(e.contains("after"), "{e}");
    }

    #[test]
    fn the_format_follows_the_extension() {
        assert_eq!(
            OutputFormat::from_path(Path::new("r.CSV")).unwrap(),
            OutputFormat::Csv
        );
        assert_eq!(
            OutputFormat::from_path(Path::new("dir/r.html")).unwrap(),
            OutputFormat::Html
        );
        for bad in ["r.pdf", "r", "-"] {
            let e = OutputFormat::from_path(Path::new(bad))
                .unwrap_err()
                .to_string();
            assert!(e.contains(".html") && e.contains(".csv"), "{e}");
        }
    }
}
