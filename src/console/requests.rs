//! Police-assistance requests in the console: the list (a police unit's incoming
//! requests newest first, live; a centre's own by planned start), the case page with every
//! field, its deadlines, breaches and receipts, and the service note as a text file. Reads
//! go through `assistance::service`, so another organisation's case is 404, as NOT_FOUND
//! is on gRPC.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::header;
use serde::Deserialize;

use super::ConsoleState;
use super::error::{self, ConsoleError};
use super::page::Frame;
use super::viewer::{Role, Viewer};
use super::words::short;
use super::{receipts, words};
use crate::app::App;
use crate::assistance::model::{AssistanceRecord, Urgency};
use crate::assistance::service::{self, Detailed};
use crate::assistance::store::ListFilter;
use crate::deadlines::{ClockRecord, ClockState};
use crate::directory::Actor;

/// Rows on one page of a list.
pub(crate) const PAGE: usize = 50;

/// `GET /`: the first page of the viewer's role.
pub(crate) async fn home(viewer: Viewer) -> Redirect {
    Redirect::to(match viewer.role {
        Role::Police | Role::Centre => "/wnioski",
        Role::Team | Role::Initiator => "/karty",
        Role::Supervisor | Role::Admin => "/naruszenia",
    })
}

/// One request in a list: ids, times and states; no name, no street.
pub(crate) struct RequestRow {
    /// The full id (the link).
    pub id: String,
    /// Its first 8 characters, as people quote it.
    pub short: String,
    /// An urgent oral request.
    pub urgent: bool,
    /// Planned start, local time.
    pub planned: String,
    /// The locality of the visit.
    pub city: String,
    /// The other party's name.
    pub other: String,
    /// Where it stands.
    pub state: &'static str,
    /// The next deadline that runs: what and when.
    pub deadline: Option<(String, &'static str)>,
    /// A deadline of the case was missed.
    pub late: bool,
}

impl RequestRow {
    /// The row of `r` as `viewer` sees it (the other party named).
    pub fn of(app: &App, viewer_is_police: bool, r: &AssistanceRecord) -> RequestRow {
        let (deadline, late) = deadlines_of(app, &r.request_id);
        let other = if viewer_is_police {
            &r.centre
        } else {
            &r.police_unit
        };
        RequestRow {
            id: r.request_id.clone(),
            short: short(&r.request_id),
            urgent: r.urgency == Urgency::UrgentOral,
            planned: words::date(r.content.planned_start),
            city: r.content.address.city.clone(),
            other: app
                .directory
                .get(other)
                .map_or_else(|| other.to_string(), |o| o.name.clone()),
            state: words::request_state(r.state),
            deadline,
            late,
        }
    }
}

/// What a list row says of a case's deadlines: the next one that runs (when, what), and
/// whether one was missed. A case whose clocks cannot be read shows none (the case page
/// says why).
pub(crate) fn deadlines_of(app: &App, case_id: &str) -> (Option<(String, &'static str)>, bool) {
    let clocks = crate::deadlines::view::of_case(&app.store, case_id, Default::default())
        .map(|(c, _)| c)
        .unwrap_or_default();
    let next = clocks
        .iter()
        .filter(|c| c.state == ClockState::Open)
        .min_by_key(|c| c.due)
        .map(|c| (words::date(c.due), words::rule(&c.rule)));
    let late = clocks
        .iter()
        .any(|c| matches!(c.state, ClockState::Breached { .. }));
    (next, late)
}

#[derive(Template)]
#[template(path = "request_row.html")]
pub(crate) struct RowTemplate<'a> {
    pub row: &'a RequestRow,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct ListPage {
    frame: Frame,
    police: bool,
    rows: Vec<RequestRow>,
    next: Option<String>,
    from: String,
}

/// The list's query: non-personal values only (a page position, a date).
#[derive(Debug, Deserialize, Default)]
pub(crate) struct ListQuery {
    /// Where the page starts (a feed position or a page token).
    strona: Option<String>,
    /// Planned start from this day (a centre's list), `YYYY-MM-DD`.
    od: Option<String>,
}

/// `GET /wnioski`: the incoming requests of a police unit (newest first, live) or the
/// requests of a welfare centre (by planned start, from `od`).
pub(crate) async fn list(
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, ConsoleError> {
    let app = viewer.app.clone();
    if viewer.role == Role::Police {
        let before = match q.strona.as_deref() {
            None | Some("") => None,
            Some(s) => Some(
                s.parse::<u64>()
                    .map_err(|_| ConsoleError::BadRequest("Nieprawidłowy numer strony.".into()))?,
            ),
        };
        let page = service::incoming(&app, &viewer.org, before, PAGE).await?;
        let rows = page
            .requests
            .iter()
            .map(|r| RequestRow::of(&app, true, r))
            .collect();
        let mut frame = viewer.frame("Wnioski o asystę — przychodzące", "/wnioski");
        if before.is_none() {
            frame = frame.live(&crate::feed::cursor(&app.store, page.end));
        }
        return error::html(&ListPage {
            frame,
            police: true,
            rows,
            next: page.next.map(|n| n.to_string()),
            from: String::new(),
        });
    }
    viewer
        .org
        .require(Actor::WelfareCentre, "list assistance requests")?;
    let from_day = q.od.clone().unwrap_or_else(|| {
        let week_ago = app.clock.now() - jiff::SignedDuration::from_hours(24 * 7);
        words::input_date(week_ago)[..10].to_string()
    });
    let from = words::parse_input_date(&from_day)
        .ok_or_else(|| ConsoleError::BadRequest("Data „od” w postaci RRRR-MM-DD.".into()))?;
    let filter = ListFilter {
        from: Some(from),
        ..ListFilter::default()
    };
    let token = q.strona.unwrap_or_default();
    let (records, next) = service::list(&app, &viewer.org.id, &filter, &token, PAGE)?;
    let rows = records
        .iter()
        .map(|r| RequestRow::of(&app, false, r))
        .collect();
    error::html(&ListPage {
        frame: viewer.frame("Wnioski o asystę ośrodka", "/wnioski"),
        police: false,
        rows,
        next: (!next.is_empty()).then_some(next),
        from: from_day,
    })
}

#[derive(Template)]
#[template(path = "request.html")]
struct CasePage {
    frame: Frame,
    d: Detailed,
    centre: String,
    police_unit: String,
    receipts: Vec<receipts::ReceiptLink>,
    actions: super::request_actions::Actions,
}

impl CasePage {
    fn date(&self, t: &jiff::Timestamp) -> String {
        words::date(*t)
    }
    fn state(&self) -> &'static str {
        words::request_state(self.d.record.state)
    }
    fn urgency(&self) -> &'static str {
        words::urgency(self.d.record.urgency)
    }
    fn activity(&self) -> String {
        words::activity(&self.d.record.content.activity)
    }
    fn rule(&self, c: &ClockRecord) -> &'static str {
        words::rule(&c.rule)
    }
    fn clock_state(&self, c: &ClockRecord) -> &'static str {
        words::clock_state(&c.state)
    }
    fn action(&self, name: &str) -> &'static str {
        match name {
            "submitted" => "złożenie wniosku",
            "amended" => "zmiana wniosku",
            "received" => "potwierdzenie odbioru",
            "accepted" => "przyjęcie — asysta będzie udzielona",
            "declined" => "odmowa udzielenia asysty",
            "cancelled" => "wycofanie wniosku",
            "written_confirmation" => "pisemny wniosek po czynnościach",
            "service_note" => "notatka służbowa",
            _ => "zdarzenie",
        }
    }
    fn who(&self, id: &crate::directory::OrgId) -> String {
        if *id == self.d.record.centre {
            self.centre.clone()
        } else {
            self.police_unit.clone()
        }
    }
}

/// Notices shown once after an action (`?zlozono=1` and the like): fixed words, never
/// anything from the query itself.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Done {
    zlozono: Option<String>,
    wykonano: Option<String>,
}

impl Done {
    fn notice(&self) -> Option<String> {
        if self.zlozono.is_some() {
            Some("Wniosek złożony. Podpisane potwierdzenie złożenia możesz pobrać niżej.".into())
        } else {
            self.wykonano.as_ref().map(|_| {
                "Zapisano. Podpisane potwierdzenie tej czynności możesz pobrać niżej.".into()
            })
        }
    }
}

/// `GET /wnioski/{id}`: the case page (404 when the viewer is not a party).
pub(crate) async fn show(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, ConsoleError> {
    let d = super::call::read_request(&viewer, &id).await?;
    let app = &viewer.app;
    let receipts = receipts::of_case(&viewer, &d.record.request_id).await?;
    let name = |o: &crate::directory::OrgId| {
        app.directory
            .get(o)
            .map_or_else(|| o.to_string(), |o| o.name.clone())
    };
    let short_id = short(&d.record.request_id);
    let actions = super::request_actions::Actions::of(&state, &viewer, &d.record);
    let page = CasePage {
        frame: viewer
            .frame(format!("Wniosek o asystę {short_id}"), "/wnioski")
            .with_notice(done.notice()),
        centre: name(&d.record.centre),
        police_unit: name(&d.record.police_unit),
        receipts,
        actions,
        d,
    };
    error::html(&page)
}

/// `GET /wnioski/{id}/notatka.txt`: the service note as a plain-text file to keep or
/// print (404 when there is none or the viewer is not a party).
pub(crate) async fn note_text(
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let d = super::call::read_request(&viewer, &id).await?;
    let app = &viewer.app;
    let r = &d.record;
    let Some(n) = &r.service_note else {
        return Err(ConsoleError::NoPage);
    };
    let officers: Vec<String> = n
        .officers
        .iter()
        .map(|o| {
            format!(
                "  - {} {} (nr {})",
                o.first_name, o.last_name, o.badge_number
            )
        })
        .collect();
    let yes = |b: bool| if b { "tak" } else { "nie" };
    let text = format!(
        "NOTATKA SŁUŻBOWA Z PRZEBIEGU ASYSTY\r\n\r\nWniosek: {}\r\nJednostka Policji: {}\r\nOśrodek: {}\r\nZłożona: {}\r\n\r\nFunkcjonariusze:\r\n{}\r\nPrzybycie: {}\r\nOdjazd: {}\r\nPozostali do zakończenia czynności: {}\r\nUżyto środków przymusu bezpośredniego: {}{}\r\nPopełniono czyn zabroniony: {}\r\nSygnatura sprawy Policji: {}\r\n\r\nPrzebieg asysty:\r\n{}\r\n",
        r.request_id,
        app.directory
            .get(&r.police_unit)
            .map_or(r.police_unit.as_str(), |o| o.name.as_str()),
        app.directory
            .get(&r.centre)
            .map_or(r.centre.as_str(), |o| o.name.as_str()),
        words::date(n.filed_at),
        officers.join("\r\n"),
        words::date(n.arrival),
        words::date(n.departure),
        yes(n.stayed_until_finished),
        yes(n.coercion_used),
        if n.coercion_measures.is_empty() {
            String::new()
        } else {
            format!(" ({})", n.coercion_measures.join(", "))
        },
        yes(n.prohibited_act),
        if n.police_case_reference.is_empty() {
            "—"
        } else {
            &n.police_case_reference
        },
        n.course,
    );
    let file = format!(
        "attachment; filename=\"notatka-{}.txt\"",
        short(&r.request_id)
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (header::CONTENT_DISPOSITION, file),
        ],
        text,
    )
        .into_response())
}
