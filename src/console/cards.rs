//! Blue Cards in the console (Rozp. RM 2011; 2023 wording where the profile is 2023): a
//! team's incoming Blue Cards A newest first and live, an initiator's own cards, the card
//! page with every field, **"Potwierdź odbiór"** and the forwarding to the team's members
//! or group (§ 8 ust. 1), and the procedure's page. Reads and actions go through
//! `bluecard::service` and `bluecard::inbox`, so the rules are the API's.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use serde::Deserialize;

use super::ConsoleState;
use super::call::audited;
use super::error::{self, ConsoleError};
use super::form::FormView;
use super::page::Frame;
use super::requests::PAGE;
use super::viewer::{Role, Viewer};
use super::words::short;
use super::{receipts, words};
use crate::app::App;
use crate::bluecard::commands::ForwardingInput;
use crate::bluecard::model::{CardRecord, ForwardedTo};
use crate::bluecard::service::{self, DetailedCard};
use crate::deadlines::ClockRecord;
use crate::validation::Checker;

/// One card in a list: ids, times and states; no names.
pub(crate) struct CardRow {
    /// The full id (the link).
    pub id: String,
    /// Its first 8 characters.
    pub short: String,
    /// The other party's name (the initiator for a team, the team for an initiator).
    pub other: String,
    /// When it was delivered.
    pub submitted: String,
    /// Where it stands.
    pub state: &'static str,
    /// A later card in an open procedure (§ 9).
    pub repeat: bool,
    /// The next deadline that runs.
    pub deadline: Option<(String, &'static str)>,
    /// A deadline was missed.
    pub late: bool,
}

impl CardRow {
    /// The row of `c` as a team (`for_team`) or its initiator sees it.
    pub fn of(app: &App, for_team: bool, c: &CardRecord) -> CardRow {
        let (deadline, late) = super::requests::deadlines_of(app, &c.card_id);
        let other = if for_team { &c.initiator } else { &c.team };
        CardRow {
            id: c.card_id.clone(),
            short: short(&c.card_id),
            other: app
                .directory
                .get(other)
                .map_or_else(|| other.to_string(), |o| o.name.clone()),
            submitted: words::date(c.submitted_at),
            state: card_state(c),
            repeat: c.repeat,
            deadline,
            late,
        }
    }
}

fn card_state(c: &CardRecord) -> &'static str {
    match (c.acknowledged_at, &c.forwarding) {
        (None, _) => "przekazana — czeka na potwierdzenie odbioru",
        (Some(_), None) => "odebrana przez przewodniczącego",
        (Some(_), Some(_)) => "przekazana członkom zespołu lub grupie",
    }
}

#[derive(Template)]
#[template(path = "card_row.html")]
pub(crate) struct CardRowTemplate<'a> {
    pub row: &'a CardRow,
}

#[derive(Template)]
#[template(path = "cards.html")]
struct ListPage {
    frame: Frame,
    team: bool,
    rows: Vec<CardRow>,
    next: Option<String>,
}

/// The list's query: a page position only.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct ListQuery {
    strona: Option<String>,
}

/// `GET /karty`: a team's incoming cards (newest first, live) or an initiator's own.
pub(crate) async fn list(
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, ConsoleError> {
    let app = viewer.app.clone();
    let strona = q.strona.unwrap_or_default();
    if viewer.role == Role::Team {
        let before = match strona.as_str() {
            "" => None,
            s => Some(
                s.parse::<u64>()
                    .map_err(|_| ConsoleError::BadRequest("Nieprawidłowy numer strony.".into()))?,
            ),
        };
        let (cards, next, end) =
            crate::bluecard::inbox::recent(&app, &viewer.org, before, PAGE).await?;
        let mut frame = viewer.frame("Niebieskie Karty A — przychodzące", "/karty");
        if before.is_none() {
            frame = frame.live(&crate::feed::cursor(&app.store, end));
        }
        return error::html(&ListPage {
            frame,
            team: true,
            rows: cards.iter().map(|c| CardRow::of(&app, true, c)).collect(),
            next: next.map(|n| n.to_string()),
        });
    }
    viewer.org.require(
        crate::directory::Actor::BlueCardInitiator,
        "list Blue Cards",
    )?;
    let (cards, next) = service::list(&app, &viewer.org.id, |_| true, (None, None), &strona, PAGE)?;
    error::html(&ListPage {
        frame: viewer.frame("Niebieskie Karty przekazane przez nas", "/karty"),
        team: false,
        rows: cards
            .iter()
            .map(|(c, _)| CardRow::of(&app, false, c))
            .collect(),
        next: (!next.is_empty()).then_some(next),
    })
}

#[derive(Template)]
#[template(path = "card.html")]
struct CardPage {
    frame: Frame,
    d: DetailedCard,
    initiator: String,
    team_name: String,
    receipts: Vec<receipts::ReceiptLink>,
    acknowledge: Option<String>,
    forward: Option<FormView>,
    profile_2023: bool,
}

impl CardPage {
    fn date(&self, t: &jiff::Timestamp) -> String {
        words::date(*t)
    }
    fn state(&self) -> &'static str {
        card_state(&self.d.card)
    }
    fn rule(&self, c: &ClockRecord) -> &'static str {
        words::rule(&c.rule)
    }
    fn clock_state(&self, c: &ClockRecord) -> &'static str {
        words::clock_state(&c.state)
    }
    fn forwarded_to(&self, t: &ForwardedTo) -> &'static str {
        match t {
            ForwardedTo::TeamMembers => "członkowie zespołu interdyscyplinarnego",
            ForwardedTo::WorkingGroup => "grupa robocza",
            ForwardedTo::DiagnosticSupportGroup => "grupa diagnostyczno-pomocowa",
        }
    }
}

/// Notices after an action: fixed words only.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Done {
    wykonano: Option<String>,
    zlozono: Option<String>,
}

fn purpose(action: &str, id: &str) -> String {
    format!("bluecard.{action} {id}")
}

/// `GET /karty/{id}`: the card's page (404 when the viewer is not a party).
pub(crate) async fn show(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, ConsoleError> {
    let app = viewer.app.clone();
    let d = audited(&viewer, "GetBlueCard", &id, async {
        service::card(&app, &viewer.org.id, &id)
    })
    .await?;
    render_card(&state, &viewer, d, None, done, StatusCode::OK).await
}

async fn render_card(
    state: &ConsoleState,
    viewer: &Viewer,
    d: DetailedCard,
    forward_form: Option<FormView>,
    done: Done,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    let app = &viewer.app;
    let team = d.card.team == viewer.org.id;
    let id = d.card.card_id.clone();
    let name = |o: &crate::directory::OrgId| {
        app.directory
            .get(o)
            .map_or_else(|| o.to_string(), |o| o.name.clone())
    };
    let acknowledge = (team && d.card.acknowledged_at.is_none() && !d.closed).then(|| {
        state
            .forms
            .token(&viewer.certificate, &purpose("odbior", &id))
    });
    let forward =
        (team && d.card.acknowledged_at.is_some() && d.card.forwarding.is_none() && !d.closed)
            .then(|| {
                forward_form.unwrap_or_else(|| {
                    FormView::fresh(
                        id.clone(),
                        state
                            .forms
                            .token(&viewer.certificate, &purpose("przekazanie", &id)),
                    )
                })
            });
    let notice = if done.zlozono.is_some() {
        Some("Karta przekazana przewodniczącemu zespołu. Podpisane potwierdzenie możesz pobrać niżej.".to_string())
    } else {
        done.wykonano.map(|_| {
            "Zapisano. Podpisane potwierdzenie tej czynności możesz pobrać niżej.".to_string()
        })
    };
    let page = CardPage {
        frame: viewer
            .frame(format!("Niebieska Karta A {}", short(&id)), "/karty")
            .with_notice(notice),
        initiator: name(&d.card.initiator),
        team_name: name(&d.card.team),
        receipts: receipts::of_case(viewer, &id).await?,
        acknowledge,
        forward,
        profile_2023: app.deadlines.rules().profile().to_string() == "2023",
        d,
    };
    error::with_status(status, &page)
}

/// `POST /karty/{id}/{action}`: "Potwierdź odbiór" (`odbior`) or the forwarding
/// (`przekazanie`, § 8 ust. 1).
pub(crate) async fn act(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let mut form = super::security::action_form(
        &state.forms,
        &viewer.certificate,
        &id,
        &purpose(&action, &id),
        pairs,
    )?;
    if !matches!(action.as_str(), "odbior" | "przekazanie") {
        return Err(ConsoleError::NoPage);
    }
    let app = viewer.app.clone();
    let org = viewer.org.id.clone();
    let result = if action == "odbior" {
        audited(
            &viewer,
            "AcknowledgeBlueCard",
            &id,
            service::acknowledge(&app, &org, id.clone()),
        )
        .await
    } else {
        let mut pre = Vec::new();
        let to = match form.value("forwarded_to") {
            "team_members" => Some(ForwardedTo::TeamMembers),
            "working_group" => Some(ForwardedTo::WorkingGroup),
            "diagnostic_support_group" => Some(ForwardedTo::DiagnosticSupportGroup),
            _ => None,
        };
        // Empty: now (a minute-precise default could fall before the card's arrival).
        let at = match form.value("forwarded_time").trim() {
            "" => Some(app.clock.now()),
            _ => super::request_form::time(&form, "forwarded_time", &mut pre),
        };
        let input = ForwardingInput {
            to,
            recipients: form.value("recipients").to_string(),
            at,
            check: Checker::new(pre),
        };
        audited(
            &viewer,
            "RecordForwarding",
            &id,
            service::forward(&app, &org, id.clone(), input),
        )
        .await
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/karty/{id}?wykonano=1")).into_response()),
        Err(e @ crate::error::Error::InvalidArgument(_)) if action == "przekazanie" => {
            form.absorb(e)?;
            let d = service::card(&app, &org, &id)?;
            render_card(
                &state,
                &viewer,
                d,
                Some(form),
                Done::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
