//! The centre's change of a request before the visit ("Zmień wniosek", the API's
//! `AmendAssistanceRequest`): the form shows the parts the API lets a centre change
//! (planned time, address, social workers, expected behaviour) filled with the request as
//! it is; what differs when it is sent is the amendment. It carries the version it was
//! read at, so a change made meanwhile by another person is refused (409), never
//! overwritten. The police unit must receive and decide again; the domain says so.

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
use super::request_form::{WorkerRow, raw_content, worker_rows};
use super::viewer::Viewer;
use super::words::{input_date, short};
use crate::assistance::amend::{Amendment, Part};
use crate::assistance::model::AssistanceRecord;
use crate::assistance::service;

fn purpose(id: &str) -> String {
    format!("assistance.zmiana {id}")
}

#[derive(Template)]
#[template(path = "request_amend.html")]
struct AmendPage {
    frame: Frame,
    id: String,
    short: String,
    form: FormView,
    workers: Vec<WorkerRow>,
}

fn render(
    viewer: &Viewer,
    id: &str,
    form: FormView,
    status: StatusCode,
) -> Result<Response, ConsoleError> {
    error::with_status(
        status,
        &AmendPage {
            frame: viewer.frame(format!("Zmiana wniosku {}", short(id)), "/wnioski"),
            id: id.to_string(),
            short: short(id),
            form,
            workers: worker_rows(),
        },
    )
}

/// The form filled with the request as it is.
fn filled(form: &mut FormView, r: &AssistanceRecord) {
    let c = &r.content;
    form.set("version", r.version.to_string());
    form.set("content.planned_start", input_date(c.planned_start));
    form.set("content.planned_end", input_date(c.planned_end));
    let a = &c.address;
    for (k, v) in [
        ("street", &a.street),
        ("building_number", &a.building_number),
        ("apartment_number", &a.apartment_number),
        ("postal_code", &a.postal_code),
        ("city", &a.city),
        ("notes", &a.notes),
    ] {
        form.set(&format!("content.address.{k}"), v.clone());
    }
    form.set("content.address.gmina_teryt", a.gmina.to_string());
    form.set("content.expected_behaviour", c.expected_behaviour.clone());
    for (i, w) in c.social_workers.iter().enumerate() {
        let f = |p: &str| format!("content.social_workers[{i}].{p}");
        form.set(&f("first_name"), w.first_name.clone());
        form.set(&f("last_name"), w.last_name.clone());
        form.set(&f("id_card_number"), w.id_card_number.clone());
    }
}

/// `GET /wnioski/{id}/zmiana`: the request's changeable parts, as they are.
pub(crate) async fn form(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let d = super::call::read_request(&viewer, &id).await?;
    let id = d.record.request_id.clone();
    let mut f = FormView::fresh(
        id.clone(),
        state.forms.token(&viewer.certificate, &purpose(&id)),
    );
    filled(&mut f, &d.record);
    render(&viewer, &id, f, StatusCode::OK)
}

/// `POST /wnioski/{id}/zmiana`: the parts that differ from the request as it is.
pub(crate) async fn act(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let mut form =
        super::security::action_form(&state.forms, &viewer.certificate, &id, &purpose(&id), pairs)?;
    let expected_version = form.value("version").parse::<u32>().map_err(|_| {
        ConsoleError::BadRequest(
            "Formularz zmiany nie ma wersji wniosku — otwórz go ponownie.".into(),
        )
    })?;
    let app = viewer.app.clone();
    let mut pre = Vec::new();
    let content = raw_content(&form, &mut pre);
    // One call, audited once as the amendment: the request as it stands decides which
    // parts the form changes; the version it was read at keeps a change made meanwhile
    // from being overwritten.
    let result = audited(
        &viewer,
        "AmendAssistanceRequest",
        &id,
        Box::pin(async {
            let now = service::get(&app, &viewer.org.id, &id)?;
            let amendment = Amendment {
                request_id: id.clone(),
                expected_version,
                parts: changed_parts(&form, &now.record),
                content,
                pre,
            };
            service::amend(&app, &viewer.org, amendment).await
        }),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/wnioski/{id}?wykonano=1")).into_response()),
        Err(e @ crate::error::Error::InvalidArgument(_)) => {
            form.absorb(e)?;
            render(&viewer, &id, form, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

/// The parts of the request the form changes: those whose fields differ from the request
/// as it stands.
fn changed_parts(form: &FormView, r: &AssistanceRecord) -> Vec<Part> {
    let mut current = FormView::default();
    filled(&mut current, r);
    let differs = |names: &[String]| {
        names
            .iter()
            .any(|n| form.value(n).trim() != current.value(n).trim())
    };
    let address: Vec<String> = [
        "street",
        "building_number",
        "apartment_number",
        "postal_code",
        "city",
        "gmina_teryt",
        "notes",
    ]
    .iter()
    .map(|k| format!("content.address.{k}"))
    .collect();
    let workers: Vec<String> = worker_rows()
        .into_iter()
        .flat_map(|w| [w.first_name, w.last_name, w.id_card_number])
        .collect();
    let time = ["content.planned_start", "content.planned_end"].map(String::from);
    let behaviour = ["content.expected_behaviour".to_string()];
    [
        (Part::PlannedTime, &time[..]),
        (Part::Address, &address[..]),
        (Part::SocialWorkers, &workers[..]),
        (Part::ExpectedBehaviour, &behaviour[..]),
    ]
    .into_iter()
    .filter(|(_, names)| differs(names))
    .map(|(part, _)| part)
    .collect()
}
