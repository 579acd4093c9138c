//! What a party does to a request from its page: the police unit's **"Potwierdź
//! odbiór"**, acceptance or refusal and the service note (procedure 2016, pkt 3); the
//! centre's written request after an urgent oral one (pkt 1) and its withdrawal. Each is
//! the gRPC twin's domain operation (`assistance::service`), with its audit entry and its
//! receipt; the console only decides which buttons to show, the domain what is allowed.
//! A form refused for its fields is shown again on its own page with what was typed.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;

use super::ConsoleState;
use super::call::audited;
use super::error::{self, ConsoleError};
use super::form::FormView;
use super::page::Frame;
use super::request_form::time;
use super::viewer::{Role, Viewer};
use super::words::short;
use crate::assistance::commands::Ack;
use crate::assistance::model::{AssistanceRecord, Officer, ServiceNote, State as S, Urgency};
use crate::assistance::service;
use crate::error::{Error, FieldViolation};
use crate::people::Signatory;

/// Officer rows on the acceptance and note forms.
const OFFICER_ROWS: usize = 2;

/// The actions the page offers, each with its form token (`None`: not offered).
pub(crate) struct Actions {
    /// "Potwierdź odbiór" (police, not yet received).
    pub acknowledge: Option<String>,
    /// Accept or decline (police, before a decision).
    pub decide: bool,
    /// The service note (police, accepted).
    pub note: bool,
    /// The written request after an urgent oral one (centre).
    pub confirm: bool,
    /// Withdraw the request (centre, still open).
    pub cancel: bool,
    /// Change it (centre, before a decision is final: submitted, received or accepted).
    pub amend: bool,
}

impl Actions {
    /// What `viewer` may be offered on `r` as it stands.
    pub fn of(state: &ConsoleState, viewer: &Viewer, r: &AssistanceRecord) -> Actions {
        let police = viewer.role == Role::Police && r.police_unit == viewer.org.id;
        let centre = viewer.role == Role::Centre && r.centre == viewer.org.id;
        Actions {
            acknowledge: (police && r.state == S::Submitted).then(|| {
                state
                    .forms
                    .token(&viewer.certificate, &purpose("odbior", &r.request_id))
            }),
            // The API takes a decision only after RECEIVED.
            decide: police && r.state == S::Received,
            note: police && r.state == S::Accepted,
            confirm: centre
                && r.urgency == Urgency::UrgentOral
                && r.written_confirmation.is_none()
                && !matches!(r.state, S::Cancelled),
            cancel: centre && open(r),
            amend: centre && matches!(r.state, S::Submitted | S::Received | S::Accepted),
        }
    }
}

fn purpose(action: &str, id: &str) -> String {
    format!("assistance.{action} {id}")
}

/// The actions that have a form of their own, with the page's title.
fn title(action: &str) -> Option<&'static str> {
    Some(match action {
        "przyjecie" => "Przyjęcie wniosku — asysta będzie udzielona",
        "odmowa" => "Odmowa udzielenia asysty",
        "notatka" => "Notatka służbowa z przebiegu asysty",
        "potwierdzenie" => "Pisemny wniosek po zakończeniu czynności",
        "wycofanie" => "Wycofanie wniosku",
        _ => return None,
    })
}

/// Field names of one officer row under `prefix` (`officers`, `note.officers`).
struct OfficerRow {
    n: usize,
    first_name: String,
    last_name: String,
    badge_number: String,
}

fn officer_rows(prefix: &str) -> Vec<OfficerRow> {
    (0..OFFICER_ROWS)
        .map(|i| OfficerRow {
            n: i + 1,
            first_name: format!("{prefix}[{i}].first_name"),
            last_name: format!("{prefix}[{i}].last_name"),
            badge_number: format!("{prefix}[{i}].badge_number"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "request_action.html")]
struct ActionPage {
    frame: Frame,
    id: String,
    short: String,
    action: String,
    form: FormView,
    officers: Vec<OfficerRow>,
}

impl ActionPage {
    fn officers_group(&self) -> &'static str {
        if self.action == "notatka" {
            "note.officers"
        } else {
            "officers"
        }
    }
}

fn render(
    viewer: &Viewer,
    id: &str,
    action: &str,
    form: FormView,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    let title = title(action).ok_or(ConsoleError::NoPage)?;
    let prefix = if action == "notatka" {
        "note.officers"
    } else {
        "officers"
    };
    error::with_status(
        status,
        &ActionPage {
            frame: viewer.frame(format!("{title} ({})", short(id)), "/wnioski"),
            id: id.to_string(),
            short: short(id),
            action: action.to_string(),
            form,
            officers: officer_rows(prefix),
        },
    )
}

/// `GET /wnioski/{id}/{action}`: the form of an action (404 for a case that is not the
/// viewer's, exactly as its page).
pub(crate) async fn form(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    title(&action).ok_or(ConsoleError::NoPage)?;
    let d = super::call::read_request(&viewer, &id).await?;
    let id = d.record.request_id;
    let token = state
        .forms
        .token(&viewer.certificate, &purpose(&action, &id));
    let mut form = FormView::fresh(id.clone(), token);
    if action == "notatka" {
        form.set(
            "note.arrival_time",
            super::words::input_date(d.record.content.planned_start),
        );
        form.set(
            "note.departure_time",
            super::words::input_date(d.record.content.planned_end),
        );
    }
    render(&viewer, &id, &action, form, StatusCode::OK)
}

/// `POST /wnioski/{id}/{action}`: runs the action; on success back to the case page with
/// a notice, on refused fields the action's form again.
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
    let known = action == "odbior" || title(&action).is_some();
    if !known {
        return Err(ConsoleError::NoPage);
    }
    let app = viewer.app.clone();
    let org = viewer.org.id.clone();
    let mut pre = Vec::new();
    let result = match action.as_str() {
        "odbior" => {
            audited(
                &viewer,
                "AcknowledgeAssistanceRequest",
                &id,
                service::acknowledge(&app, &org, id.clone(), Ack::Received),
            )
            .await
        }
        "przyjecie" => {
            let officers = officers(&form, "officers");
            audited(
                &viewer,
                "AcknowledgeAssistanceRequest",
                &id,
                service::acknowledge(&app, &org, id.clone(), Ack::Accepted(officers)),
            )
            .await
        }
        "odmowa" => {
            let reason = form.value("reason").to_string();
            audited(
                &viewer,
                "AcknowledgeAssistanceRequest",
                &id,
                service::acknowledge(&app, &org, id.clone(), Ack::Declined(reason)),
            )
            .await
        }
        "notatka" => {
            let note = note(&form, &mut pre, app.clock.now());
            audited(
                &viewer,
                "FileServiceNote",
                &id,
                service::file_note(&app, &org, id.clone(), note, pre),
            )
            .await
        }
        "potwierdzenie" => {
            let signed = Signatory {
                first_name: form.value("signed_by.first_name").trim().into(),
                last_name: form.value("signed_by.last_name").trim().into(),
                position: form.value("signed_by.position").trim().into(),
            };
            let remarks = form.value("remarks").to_string();
            audited(
                &viewer,
                "SubmitWrittenConfirmation",
                &id,
                service::confirm(&app, &org, id.clone(), signed, &remarks),
            )
            .await
        }
        _ => {
            let reason = form.value("reason").to_string();
            audited(
                &viewer,
                "CancelAssistanceRequest",
                &id,
                service::cancel(&app, &org, id.clone(), reason),
            )
            .await
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/wnioski/{id}?wykonano=1")).into_response()),
        Err(Error::InvalidArgument(v)) if action != "odbior" => {
            form.absorb(Error::InvalidArgument(v))?;
            render(
                &viewer,
                &id,
                &action,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e.into()),
    }
}

fn officers(form: &FormView, prefix: &str) -> Vec<Officer> {
    (0..OFFICER_ROWS)
        .map(|i| {
            let f = |p: &str| form.value(&format!("{prefix}[{i}].{p}")).trim().to_string();
            Officer {
                first_name: f("first_name"),
                last_name: f("last_name"),
                badge_number: f("badge_number"),
            }
        })
        .filter(|o| {
            !(o.first_name.is_empty() && o.last_name.is_empty() && o.badge_number.is_empty())
        })
        .collect()
}

fn note(form: &FormView, pre: &mut Vec<FieldViolation>, now: jiff::Timestamp) -> ServiceNote {
    let arrival = time(form, "note.arrival_time", pre);
    let departure = time(form, "note.departure_time", pre);
    for (name, value) in [
        ("note.arrival_time", arrival),
        ("note.departure_time", departure),
    ] {
        if value.is_none() && !pre.iter().any(|v| v.field == name) {
            pre.push(FieldViolation::new(name, "required"));
        }
    }
    ServiceNote {
        officers: officers(form, "note.officers"),
        arrival: arrival.unwrap_or(now),
        departure: departure.or(arrival).unwrap_or(now),
        course: form.value("note.course").trim().into(),
        stayed_until_finished: form.checked("note.stayed_until_finished", "tak"),
        coercion_used: form.checked("note.coercion_used", "tak"),
        coercion_measures: form
            .value("note.coercion_measures")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        prohibited_act: form.checked("note.prohibited_act", "tak"),
        police_case_reference: form.value("note.police_case_reference").trim().into(),
        filed_at: now,
    }
}

/// Whether a request is still open for its parties (not cancelled, declined or done).
pub(crate) fn open(r: &AssistanceRecord) -> bool {
    !matches!(r.state, S::Cancelled | S::Declined | S::Completed)
}
