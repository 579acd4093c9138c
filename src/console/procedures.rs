//! A Blue Card procedure in the console (§ 9: the procedure a card started or joined):
//! its cards and steps for every party that may see it, and for the team that conducts it
//! the steps as the API has them (forms C and D, the help plan, the group's meeting) and
//! the closure with its protocol (§ 18). The rules are `bluecard::service`'s.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;
use serde::Deserialize;

use super::ConsoleState;
use super::call::audited;
use super::error::{self, ConsoleError};
use super::form::FormView;
use super::page::Frame;
use super::request_form::time;
use super::viewer::Viewer;
use super::words::{self, short};
use crate::bluecard::model::{ClosureReason, StepKind};
use crate::bluecard::service::{self, ProcedureView, RawProtocol};
use crate::error::Error;
use crate::people::Signatory;
use crate::validation::Checker;

#[derive(Template)]
#[template(path = "procedure.html")]
struct ProcedurePage {
    frame: Frame,
    v: ProcedureView,
    /// The team's forms (none for initiators or a closed procedure).
    step: Option<FormView>,
    close: Option<FormView>,
    profile_2023: bool,
}

impl ProcedurePage {
    fn date(&self, t: &jiff::Timestamp) -> String {
        words::date(*t)
    }
    fn step_name(&self, k: &StepKind) -> &'static str {
        match k {
            StepKind::FormC => "formularz „Niebieska Karta – C” (§ 15)",
            StepKind::FormD => "formularz „Niebieska Karta – D” (§ 16)",
            StepKind::HelpPlanAdopted => "przyjęcie indywidualnego planu pomocy",
            StepKind::HelpPlanChanged => "zmiana indywidualnego planu pomocy",
            StepKind::GroupMeetingHeld => "posiedzenie grupy diagnostyczno-pomocowej",
        }
    }
    fn reason(&self, r: &ClosureReason) -> &'static str {
        match r {
            ClosureReason::ViolenceStopped => {
                "ustanie przemocy i zrealizowanie indywidualnego planu pomocy (§ 18 ust. 1 pkt 1)"
            }
            ClosureReason::NoGrounds => {
                "rozstrzygnięcie o braku zasadności podejmowania działań (§ 18 ust. 1 pkt 2)"
            }
        }
    }
}

fn purpose(action: &str, id: &str) -> String {
    format!("procedure.{action} {id}")
}

/// Notices after an action: fixed words only.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Done {
    wykonano: Option<String>,
}

fn render(
    state: &ConsoleState,
    viewer: &Viewer,
    v: ProcedureView,
    failed: Option<(&str, FormView)>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    let id = v.procedure.procedure_id.clone();
    let open = v.for_team && v.procedure.closure.is_none();
    let fresh = |action: &str| {
        let mut f = FormView::fresh(
            id.clone(),
            state
                .forms
                .token(&viewer.certificate, &purpose(action, &id)),
        );
        f.set("step_time", words::input_date(viewer.app.clock.now()));
        f
    };
    let (mut step, mut close) = (None, None);
    if open {
        step = Some(fresh("czynnosc"));
        close = Some(fresh("zakonczenie"));
        match failed {
            Some(("czynnosc", f)) => step = Some(f),
            Some((_, f)) => close = Some(f),
            None => {}
        }
    }
    let page = ProcedurePage {
        frame: viewer
            .frame(format!("Procedura {}", short(&id)), "/karty")
            .with_notice(notice),
        profile_2023: viewer.app.deadlines.rules().profile().to_string() == "2023",
        v,
        step,
        close,
    };
    error::with_status(status, &page)
}

/// `GET /procedury/{id}`: the procedure as the viewer may see it (404 otherwise).
pub(crate) async fn show(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, ConsoleError> {
    let app = viewer.app.clone();
    let v = audited(&viewer, "GetProcedure", &id, async {
        service::procedure(&app, &viewer.org.id, &id)
    })
    .await?;
    let notice = done
        .wykonano
        .map(|_| "Zapisano. Podpisane potwierdzenie jest w potwierdzeniach sprawy.".to_string());
    render(&state, &viewer, v, None, notice, StatusCode::OK)
}

/// `POST /procedury/{id}/{action}`: a step (`czynnosc`) or the closure (`zakonczenie`).
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
    if !matches!(action.as_str(), "czynnosc" | "zakonczenie") {
        return Err(ConsoleError::NoPage);
    }
    let app = viewer.app.clone();
    let org = viewer.org.id.clone();
    let mut pre = Vec::new();
    let result = if action == "czynnosc" {
        let kind = match form.value("kind") {
            "form_c" => Some(StepKind::FormC),
            "form_d" => Some(StepKind::FormD),
            "help_plan_adopted" => Some(StepKind::HelpPlanAdopted),
            "help_plan_changed" => Some(StepKind::HelpPlanChanged),
            "group_meeting_held" => Some(StepKind::GroupMeetingHeld),
            _ => None,
        };
        let at = match form.value("step_time").trim() {
            "" => Some(app.clock.now()),
            _ => time(&form, "step_time", &mut pre),
        };
        let check = Checker::new(pre);
        audited(
            &viewer,
            "RecordProcedureStep",
            &id,
            service::step(&app, &org, id.clone(), kind, at, check),
        )
        .await
    } else {
        let reason = match form.value("reason") {
            "violence_stopped" => Some(ClosureReason::ViolenceStopped),
            "no_grounds" => Some(ClosureReason::NoGrounds),
            _ => None,
        };
        let protocol = RawProtocol {
            persons: form
                .value("protocol.persons")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
            start: time(&form, "protocol.start_time", &mut pre),
            end: time(&form, "protocol.end_time", &mut pre),
            actions: form.value("protocol.actions").to_string(),
            signed_by: Signatory {
                first_name: form.value("protocol.signed_by.first_name").trim().into(),
                last_name: form.value("protocol.signed_by.last_name").trim().into(),
                position: form.value("protocol.signed_by.position").trim().into(),
            },
        };
        audited(
            &viewer,
            "CloseProcedure",
            &id,
            service::close(&app, &org, id.clone(), reason, Some(protocol), pre),
        )
        .await
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/procedury/{id}?wykonano=1")).into_response()),
        Err(e @ Error::InvalidArgument(_)) => {
            form.absorb(e)?;
            let v = service::procedure(&app, &org, &id)?;
            render(
                &state,
                &viewer,
                v,
                Some((&action, form)),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e.into()),
    }
}
