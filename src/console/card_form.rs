//! "Nowa Niebieska Karta": the initiating service's form „Niebieska Karta – A" (Rozp. RM
//! 2011 § 2, § 3, § 6, § 10; the 2023 profile's names where it is in force), every field
//! of `SubmitBlueCardA`. As for a request, the form carries its card id (one card however
//! often it is sent) and its field names are the API's paths, so the one validator's
//! violations are shown next to their fields.

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
use super::request_form::time;
use super::viewer::Viewer;
use crate::bluecard::model::{AbsenceReason, CardBRecipient, CardPerson, ViolenceForm};
use crate::bluecard::service;
use crate::bluecard::validate::{RawCardB, RawCardContent};
use crate::directory::Actor;
use crate::error::FieldViolation;
use crate::people::Signatory;

/// The lists of persons on the form, with the rows each offers.
const LISTS: [(&str, usize); 4] = [
    ("persons_experiencing", 2),
    ("persons_suspected", 2),
    ("children", 3),
    ("witnesses", 2),
];

fn purpose(id: &str) -> String {
    format!("bluecard.submit {id}")
}

/// The field names of one person's row.
struct PersonRow {
    legend: String,
    first_name: String,
    last_name: String,
    birth_year: String,
    minor: String,
    relationship: String,
}

/// One list of persons on the form.
struct PersonList {
    field: String,
    title: &'static str,
    rows: Vec<PersonRow>,
}

#[derive(Template)]
#[template(path = "card_new.html")]
struct NewCardPage {
    frame: Frame,
    form: FormView,
    lists: Vec<PersonList>,
    profile_2023: bool,
}

fn lists(profile_2023: bool) -> Vec<PersonList> {
    LISTS
        .iter()
        .map(|&(list, rows)| {
            let (title, one) = match (list, profile_2023) {
                ("persons_experiencing", false) => (
                    "Osoby, co do których istnieje podejrzenie, że są dotknięte przemocą w rodzinie (co najmniej jedna)",
                    "Osoba",
                ),
                ("persons_experiencing", true) => ("Osoby doznające przemocy domowej (co najmniej jedna)", "Osoba"),
                ("persons_suspected", false) => (
                    "Osoby, wobec których istnieje podejrzenie, że stosują przemoc w rodzinie (co najmniej jedna)",
                    "Osoba",
                ),
                ("persons_suspected", true) => ("Osoby stosujące przemoc domową (co najmniej jedna)", "Osoba"),
                ("children", _) => ("Dzieci we wspólnym gospodarstwie domowym", "Dziecko"),
                _ => ("Świadkowie", "Świadek"),
            };
            PersonList {
                field: format!("content.{list}"),
                title,
                rows: (0..rows)
                    .map(|i| {
                        let f = |p: &str| format!("content.{list}[{i}].{p}");
                        PersonRow {
                            legend: format!("{one} {}", i + 1),
                            first_name: f("first_name"),
                            last_name: f("last_name"),
                            birth_year: f("birth_year"),
                            minor: f("minor"),
                            relationship: f("relationship"),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

fn render(viewer: &Viewer, form: FormView, status: StatusCode) -> Result<Response, ConsoleError> {
    let profile_2023 = viewer.app.deadlines.rules().profile().to_string() == "2023";
    error::with_status(
        status,
        &NewCardPage {
            frame: viewer.frame(
                "Nowa Niebieska Karta — formularz „Niebieska Karta – A”",
                "/karty/nowa",
            ),
            form,
            lists: lists(profile_2023),
            profile_2023,
        },
    )
}

/// `GET /karty/nowa`: an empty form with a fresh card id.
pub(crate) async fn new(
    State(state): State<ConsoleState>,
    viewer: Viewer,
) -> Result<Response, ConsoleError> {
    viewer
        .org
        .require(Actor::BlueCardInitiator, "submit Blue Cards")?;
    let id = uuid::Uuid::new_v4().to_string();
    let token = state.forms.token(&viewer.certificate, &purpose(&id));
    let mut form = FormView::fresh(id, token);
    if let Some(g) = viewer.org.gminas.first() {
        form.set("content.gmina_teryt", g.to_string());
    }
    form.set("content.person_present", "tak");
    form.set(
        "content.started_time",
        super::words::input_date(viewer.app.clock.now()),
    );
    render(&viewer, form, StatusCode::OK)
}

/// `POST /karty/nowa`: submits through `bluecard::service::submit`; on success the
/// card's page, on refusal the form again with every value and the errors.
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
    let raw = raw_content(&form, &mut pre);
    let procedure = form.value("procedure_id").trim().to_lowercase();
    let result = audited(
        &viewer,
        "SubmitBlueCardA",
        &form.form_id,
        // Boxed: the submission's future is large (clippy::large_futures).
        Box::pin(service::submit(
            &viewer.app,
            &viewer.org,
            &form.form_id,
            &procedure,
            Some(&raw),
            pre,
        )),
    )
    .await;
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/karty/{}?zlozono=1", d.card.card_id)).into_response()),
        Err(e) => {
            form.absorb(e)?;
            render(&viewer, form, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

fn persons(
    form: &FormView,
    list: &str,
    rows: usize,
    pre: &mut Vec<FieldViolation>,
) -> Vec<CardPerson> {
    let mut out = Vec::new();
    for i in 0..rows {
        let name = |p: &str| format!("content.{list}[{i}].{p}");
        let v = |p: &str| form.value(&name(p)).trim().to_string();
        let (first_name, last_name, year, relationship) = (
            v("first_name"),
            v("last_name"),
            v("birth_year"),
            v("relationship"),
        );
        if first_name.is_empty()
            && last_name.is_empty()
            && year.is_empty()
            && relationship.is_empty()
        {
            continue;
        }
        let birth_year = match year.as_str() {
            "" => 0,
            y => y.parse::<u32>().unwrap_or_else(|_| {
                pre.push(FieldViolation::new(name("birth_year"), "not a year"));
                0
            }),
        };
        out.push(CardPerson {
            first_name,
            last_name,
            birth_year,
            minor: form.checked(&name("minor"), "tak"),
            relationship,
        });
    }
    out
}

/// The form's content as the API's decoder would make it from the same fields.
fn raw_content(form: &FormView, pre: &mut Vec<FieldViolation>) -> RawCardContent {
    let v = |n: &str| form.value(n).to_string();
    let yes = |n: &str| form.checked(n, "tak");
    let absence = match form.value("content.absence_reason") {
        "absent" => Some(AbsenceReason::Absent),
        "health" => Some(AbsenceReason::Health),
        "danger" => Some(AbsenceReason::Danger),
        "contact_impossible" => Some(AbsenceReason::ContactImpossible),
        _ => None,
    };
    let violence_forms = [
        ("physical", ViolenceForm::Physical),
        ("psychological", ViolenceForm::Psychological),
        ("sexual", ViolenceForm::Sexual),
        ("economic", ViolenceForm::Economic),
        (
            "electronic_communication",
            ViolenceForm::ElectronicCommunication,
        ),
        ("other", ViolenceForm::Other),
    ]
    .into_iter()
    .filter(|(value, _)| form.checked("content.violence_forms", value))
    .map(|(_, f)| f)
    .collect();
    let handed_over = yes("content.card_b.handed_over");
    let [experiencing, suspected, children, witnesses] =
        LISTS.map(|(list, rows)| persons(form, list, rows, pre));
    RawCardContent {
        started_at: time(form, "content.started_time", pre),
        place: v("content.place"),
        person_present: yes("content.person_present"),
        absence,
        persons_experiencing: experiencing,
        persons_suspected: suspected,
        children,
        witnesses,
        violence_forms,
        violence_other: v("content.violence_other"),
        injuries: v("content.injuries"),
        alcohol: yes("content.alcohol"),
        other_substances: yes("content.other_substances"),
        firearms: yes("content.firearms"),
        description: v("content.description"),
        intervention_actions: v("content.intervention_actions"),
        card_b: Some(RawCardB {
            handed_over,
            recipient: match form.value("content.card_b.recipient") {
                "person_experiencing" => Some(CardBRecipient::PersonExperiencing),
                "parent_or_guardian" => Some(CardBRecipient::ParentOrGuardian),
                "reporting_person" => Some(CardBRecipient::ReportingPerson),
                _ => None,
            },
            first_name: v("content.card_b.recipient_first_name"),
            last_name: v("content.card_b.recipient_last_name"),
        }),
        crime_suspected: yes("content.crime_suspected"),
        filled_by: Some(Signatory {
            first_name: v("content.filled_by.first_name").trim().into(),
            last_name: v("content.filled_by.last_name").trim().into(),
            position: v("content.filled_by.position").trim().into(),
        }),
        gmina_teryt: v("content.gmina_teryt"),
    }
}
