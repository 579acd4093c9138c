//! **"Naruszenia"**: the breaches of deadlines the viewer may see (`Breach::visible_to`,
//! the rule `ListBreaches` applies: the parties and the supervisors of the case's area),
//! filtered by organisation, rule and period, and exported as CSV with the columns of
//! `lacznik report --format csv`. Filters travel in the URL, and they are ids, rule ids
//! and dates only: nothing personal.

use askama::Template;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use http::header;
use serde::Deserialize;

use super::call::audited;
use super::error::{self, ConsoleError};
use super::page::Frame;
use super::viewer::Viewer;
use super::words;
use super::words::short;
use crate::deadlines::{Breach, BreachFilter};
use crate::directory::OrgId;

/// Most breaches on the page (the CSV holds all that match).
const PAGE_MOST: usize = 500;

/// The filters, as the form sends them.
#[derive(Debug, Deserialize, Default, Clone)]
pub(crate) struct Filters {
    /// An organisation id (party to the case or responsible).
    #[serde(default)]
    org: String,
    /// A rule id.
    #[serde(default)]
    rule: String,
    /// Deadline from this day (`YYYY-MM-DD`).
    #[serde(default)]
    od: String,
    /// Deadline up to and including this day.
    #[serde(default)]
    do_: String,
    /// `otwarte`, `zamkniete` or empty.
    #[serde(default)]
    stan: String,
}

impl Filters {
    fn domain(&self) -> Result<BreachFilter, ConsoleError> {
        let day = |s: &str, what: &str| -> Result<Option<jiff::Timestamp>, ConsoleError> {
            if s.trim().is_empty() {
                return Ok(None);
            }
            words::parse_input_date(s).map(Some).ok_or_else(|| {
                ConsoleError::BadRequest(format!("Data „{what}” w postaci RRRR-MM-DD."))
            })
        };
        let party = match self.org.trim() {
            "" => None,
            o => Some(o.parse::<OrgId>().map_err(|_| {
                ConsoleError::BadRequest("Nieprawidłowy identyfikator organizacji.".into())
            })?),
        };
        Ok(BreachFilter {
            rule: (!self.rule.is_empty()).then(|| self.rule.clone()),
            case_id: None,
            open: match self.stan.as_str() {
                "otwarte" => Some(true),
                "zamkniete" => Some(false),
                _ => None,
            },
            due_from: day(&self.od, "od")?,
            due_to: day(&self.do_, "do")?.map(|t| t + jiff::SignedDuration::from_hours(24)),
            party,
        })
    }

    /// The same filters as a query string, for the CSV link (ids and dates only).
    fn query(&self) -> String {
        let pairs = [
            ("org", &self.org),
            ("rule", &self.rule),
            ("od", &self.od),
            ("do_", &self.do_),
            ("stan", &self.stan),
        ];
        serde_urlencoded_pairs(&pairs)
    }
}

fn serde_urlencoded_pairs(pairs: &[(&str, &String)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if v.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        for b in v.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// One breach as a row.
struct Row {
    id: u64,
    rule: &'static str,
    legal_basis: String,
    case_href: String,
    case_short: String,
    responsible: String,
    due: String,
    resolved: Option<String>,
}

#[derive(Template)]
#[template(path = "breaches.html")]
struct BreachesPage {
    frame: Frame,
    filters: Filters,
    rules: Vec<(String, &'static str)>,
    orgs: Vec<(String, String)>,
    rows: Vec<Row>,
    more: bool,
    csv: String,
    report: String,
}

async fn fetch(
    viewer: &Viewer,
    filters: &Filters,
    most: usize,
) -> Result<(Vec<Breach>, bool), ConsoleError> {
    let filter = filters.domain()?;
    let app = viewer.app.clone();
    let org = viewer.org.clone();
    Ok(audited(viewer, "ListBreaches", "", async {
        Ok(crate::deadlines::breach::list(
            &app.store, &org, &filter, 0, most,
        )?)
    })
    .await?)
}

/// `GET /naruszenia`: the breaches the viewer may see, with the filters.
pub(crate) async fn page(
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, ConsoleError> {
    let (breaches, more) = fetch(&viewer, &filters, PAGE_MOST).await?;
    let app = &viewer.app;
    let name = |o: &OrgId| {
        app.directory
            .get(o)
            .map_or_else(|| o.to_string(), |o| o.name.clone())
    };
    let rows = breaches
        .iter()
        .rev()
        .map(|b| Row {
            id: b.id,
            rule: words::rule(&b.rule),
            legal_basis: words::legal_basis(&b.legal_basis),
            case_href: match b.case.kind {
                crate::deadlines::CaseKind::Assistance => format!("/wnioski/{}", b.case.id),
                crate::deadlines::CaseKind::BlueCard => format!("/karty/{}", b.case.id),
            },
            case_short: short(&b.case.id),
            responsible: name(&b.responsible),
            due: words::date(b.due),
            resolved: b.resolved_at.map(words::date),
        })
        .collect();
    let rules = app
        .deadlines
        .rules()
        .iter()
        .map(|r| (r.id.clone(), words::rule(&r.id)))
        .collect();
    let orgs = app
        .directory
        .iter()
        .map(|o| (o.id.to_string(), o.name.clone()))
        .collect();
    error::html(&BreachesPage {
        frame: viewer.frame("Naruszenia — przekroczenia terminów", "/naruszenia"),
        csv: format!("/naruszenia.csv?{}", filters.query()),
        report: format!("/naruszenia/raport.html?{}", filters.query()),
        filters,
        rules,
        orgs,
        rows,
        more,
    })
}

/// `GET /naruszenia.csv`: every breach that matches, one row each, with the columns of
/// `lacznik report --format csv` (RFC 4180 quoting).
pub(crate) async fn csv(
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, ConsoleError> {
    let (breaches, _) = fetch(&viewer, &filters, usize::MAX).await?;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let fail = |e: ::csv::Error| ConsoleError::BadRequest(e.to_string());
    w.write_record(crate::report::csv::HEADER).map_err(fail)?;
    for b in &breaches {
        let lateness = b
            .lateness()
            .map(|d| format!("{:.1}", d.as_secs_f64() / 3600.0))
            .unwrap_or_default();
        w.write_record([
            b.id.to_string(),
            b.rule.clone(),
            b.legal_basis.clone(),
            match b.case.kind {
                crate::deadlines::CaseKind::Assistance => "assistance".to_string(),
                crate::deadlines::CaseKind::BlueCard => "blue_card".to_string(),
            },
            b.case.id.clone(),
            b.case.gmina.to_string(),
            b.responsible.to_string(),
            b.due.to_string(),
            b.recorded_at.to_string(),
            b.resolved_at.map(|t| t.to_string()).unwrap_or_default(),
            if b.resolved_at.is_some() {
                "resolved".into()
            } else {
                "open".into()
            },
            lateness,
            b.profile.to_string(),
            b.deadline_state().to_string(),
        ])
        .map_err(fail)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ConsoleError::BadRequest(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"naruszenia.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET /naruszenia/raport.html?od=&do_=`: the breach report that `lacznik report
/// breaches` makes (counts by rule and by organisation, median lateness, the weekly chart,
/// the open breaches), for the days given (default: the last 30), as a file to keep: it
/// is a self-contained page with its own styles, so it is downloaded, not shown under the
/// console's policy.
pub(crate) async fn report(
    viewer: Viewer,
    Query(filters): Query<Filters>,
) -> Result<Response, ConsoleError> {
    let app = viewer.app.clone();
    let today = crate::calendar::local_date(app.clock.now());
    let day = |s: &str, default: jiff::civil::Date| -> Result<jiff::civil::Date, ConsoleError> {
        match s.trim() {
            "" => Ok(default),
            s => crate::report::parse_date(s).map_err(ConsoleError::BadRequest),
        }
    };
    let to = day(&filters.do_, today)?;
    let from = day(&filters.od, to.saturating_sub(jiff::Span::new().days(29)))?;
    let range = crate::report::DateRange::new(from, to)
        .map_err(|e| ConsoleError::BadRequest(e.to_string()))?;
    let period = Filters {
        od: from.to_string(),
        do_: to.to_string(),
        ..filters.clone()
    };
    let (breaches, _) = fetch(&viewer, &period, usize::MAX).await?;
    let records = breaches
        .into_iter()
        .map(|b| crate::report::gather::record_from_pb(crate::api::breach::breach_to_pb(&b)))
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(|e| ConsoleError::BadRequest(e.to_string()))?;
    let report = crate::report::Report {
        range,
        gminas: Vec::new(),
        caller: crate::report::Caller {
            id: viewer.org.id.to_string(),
            name: viewer.org.name.clone(),
            gminas: viewer.org.gminas.iter().map(|g| g.to_string()).collect(),
        },
        generated: app.clock.now(),
        breaches: records,
        org_names: app
            .directory
            .iter()
            .map(|o| (o.id.to_string(), o.name.clone()))
            .collect(),
    };
    let html = crate::report::html::render(&report)
        .map_err(|e| ConsoleError::BadRequest(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"raport-naruszen-{from}-{to}.html\""),
            ),
        ],
        html,
    )
        .into_response())
}
