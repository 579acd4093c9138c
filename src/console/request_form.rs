//! "Nowy wniosek": the welfare centre's form for a police-assistance request, every field
//! of `SubmitAssistanceRequest` (procedure 2016, pkt 1: date and address, the client, the
//! expected behaviour, the social workers with their ID card numbers, the head of the
//! centre who signs). The form carries its request id, so a double click or a form sent
//! again makes one request (the API's idempotency); its field names are the API's paths,
//! so the one validator's violations are shown next to their fields.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use http::StatusCode;

use super::ConsoleState;
use super::call::audited;
use super::error::{self, ConsoleError};
use super::form::FormView;
use super::page::Frame;
use super::viewer::Viewer;
use super::words;
use crate::assistance::model::{Client, SocialWorker, Urgency};
use crate::assistance::service;
use crate::assistance::validate::{RawActivity, RawAddress, RawContent, RawSubmission};
use crate::directory::Actor;
use crate::error::FieldViolation;
use crate::people::Signatory;

/// Rows for social workers on the form (the API takes up to 20; a visit has one or two).
const WORKER_ROWS: usize = 3;

/// What a form's token is bound to besides the certificate.
fn purpose(id: &str) -> String {
    format!("assistance.submit {id}")
}

/// The field names of one social worker's row.
pub(crate) struct WorkerRow {
    /// Its number on screen, from 1.
    pub n: usize,
    /// The first name's field.
    pub first_name: String,
    /// The surname's field.
    pub last_name: String,
    /// The ID card number's field.
    pub id_card_number: String,
}

/// The rows of social workers the form offers.
pub(crate) fn worker_rows() -> Vec<WorkerRow> {
    (0..WORKER_ROWS)
        .map(|i| {
            let f = |part: &str| format!("content.social_workers[{i}].{part}");
            WorkerRow {
                n: i + 1,
                first_name: f("first_name"),
                last_name: f("last_name"),
                id_card_number: f("id_card_number"),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "request_new.html")]
struct NewRequestPage {
    frame: Frame,
    form: FormView,
    workers: Vec<WorkerRow>,
}

fn render(viewer: &Viewer, form: FormView, status: StatusCode) -> Result<Response, ConsoleError> {
    let page = NewRequestPage {
        frame: viewer.frame("Nowy wniosek o udzielenie asysty Policji", "/wnioski/nowy"),
        form,
        workers: worker_rows(),
    };
    error::with_status(status, &page)
}

/// `GET /wnioski/nowy`: an empty form with a fresh request id.
pub(crate) async fn new(
    State(state): State<ConsoleState>,
    viewer: Viewer,
) -> Result<Response, ConsoleError> {
    viewer
        .org
        .require(Actor::WelfareCentre, "submit assistance requests")?;
    let id = uuid::Uuid::new_v4().to_string();
    let token = state.forms.token(&viewer.certificate, &purpose(&id));
    let mut form = FormView::fresh(id, token);
    if let Some(g) = viewer.org.gminas.first() {
        form.set("content.address.gmina_teryt", g.to_string());
    }
    form.set("urgency", "normal");
    form.set("content.activity", "community_interview");
    render(&viewer, form, StatusCode::OK)
}

/// `POST /wnioski/nowy`: submits through `assistance::service::submit`; on success the
/// request's page, on refusal the form again with every value and the errors.
pub(crate) async fn submit(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ConsoleError> {
    let mut form =
        match super::security::new_case_form(&state.forms, &viewer.certificate, purpose, pairs) {
            Ok(form) => form,
            Err(again) => return render(&viewer, again, StatusCode::UNPROCESSABLE_ENTITY),
        };
    let mut pre = Vec::new();
    let raw = raw_submission(&form, &mut pre);
    let result = audited(
        &viewer,
        "SubmitAssistanceRequest",
        &form.form_id,
        Box::pin(service::submit(&viewer.app, &viewer.org, &raw, pre)),
    )
    .await;
    match result {
        Ok(d) => Ok(
            Redirect::to(&format!("/wnioski/{}?zlozono=1", d.record.request_id)).into_response(),
        ),
        Err(e) => {
            form.absorb(e)?;
            render(&viewer, form, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// A time field of the form: `None` (and a violation) when it is not a date and time.
pub(crate) fn time(
    form: &FormView,
    name: &str,
    pre: &mut Vec<FieldViolation>,
) -> Option<jiff::Timestamp> {
    let v = form.value(name).trim();
    if v.is_empty() {
        return None;
    }
    let t = words::parse_input_date(v);
    if t.is_none() {
        pre.push(FieldViolation::new(name, "not a valid timestamp"));
    }
    t
}

/// The submission as the API's decoder would make it from the same fields.
fn raw_submission(form: &FormView, pre: &mut Vec<FieldViolation>) -> RawSubmission {
    let v = |n: &str| form.value(n).to_string();
    let urgency = match form.value("urgency") {
        "normal" => Some(Urgency::Normal),
        "urgent_oral" => Some(Urgency::UrgentOral),
        _ => None,
    };
    let oral_request = (urgency == Some(Urgency::UrgentOral)).then(|| {
        (
            time(form, "oral_request.requested_time", pre),
            v("oral_request.officer_name"),
        )
    });
    RawSubmission {
        request_id: form.form_id.clone(),
        urgency,
        oral_request,
        content: Some(raw_content(form, pre)),
    }
}

/// The request's content from the form's fields (also the amendment's, which shows the
/// same fields).
pub(crate) fn raw_content(form: &FormView, pre: &mut Vec<FieldViolation>) -> RawContent {
    let v = |n: &str| form.value(n).to_string();
    let activity = match form.value("content.activity") {
        "community_interview" => Some(RawActivity::CommunityInterview),
        "social_work" => Some(RawActivity::SocialWork),
        "other" => Some(RawActivity::Other),
        _ => None,
    };
    let social_workers = (0..WORKER_ROWS)
        .map(|i| {
            let f = |part: &str| {
                v(&format!("content.social_workers[{i}].{part}"))
                    .trim()
                    .to_string()
            };
            SocialWorker {
                first_name: f("first_name"),
                last_name: f("last_name"),
                id_card_number: f("id_card_number"),
            }
        })
        // A row left empty is no worker; a row begun is checked whole.
        .filter(|w| {
            !(w.first_name.is_empty() && w.last_name.is_empty() && w.id_card_number.is_empty())
        })
        .collect();
    RawContent {
        planned_start: time(form, "content.planned_start", pre),
        planned_end: time(form, "content.planned_end", pre),
        address: Some(RawAddress {
            street: v("content.address.street"),
            building_number: v("content.address.building_number"),
            apartment_number: v("content.address.apartment_number"),
            postal_code: v("content.address.postal_code"),
            city: v("content.address.city"),
            gmina_teryt: v("content.address.gmina_teryt"),
            notes: v("content.address.notes"),
        }),
        client: Some(Client {
            first_name: v("content.client.first_name").trim().into(),
            last_name: v("content.client.last_name").trim().into(),
            other_data: v("content.client.other_data").trim().into(),
        }),
        expected_behaviour: v("content.expected_behaviour"),
        social_workers,
        activity,
        activity_other: v("content.activity_other"),
        signed_by: Some(Signatory {
            first_name: v("content.signed_by.first_name").trim().into(),
            last_name: v("content.signed_by.last_name").trim().into(),
            position: v("content.signed_by.position").trim().into(),
        }),
    }
}
