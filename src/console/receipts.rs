//! Signed receipts in the console: every event of a case has one (README, "Receipts and
//! evidence"), listed on the case's page for download as the party got it over gRPC
//! (`ListReceipts`, with the same rule of who may see which), a JWS file the office keeps
//! and can check offline with `lacznik receipt verify`.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use http::header;

use super::call::audited;
use super::error::ConsoleError;
use super::viewer::Viewer;
use super::words;
use crate::error::Error;

/// Most receipts listed for one case (a case has a handful of events).
const MOST: usize = 200;

/// One receipt to download.
pub(crate) struct ReceiptLink {
    /// Its address.
    pub href: String,
    /// What event it proves, in Polish.
    pub what: &'static str,
    /// When the event happened, local time.
    pub when: String,
}

/// The receipts of case `id` the viewer may have (the case page has already checked and
/// audited the read of the case itself).
pub(crate) async fn of_case(viewer: &Viewer, id: &str) -> Result<Vec<ReceiptLink>, Error> {
    let (page, _) = crate::case_receipts::list(&viewer.app, &viewer.org, id, 0, MOST)?;
    Ok(page
        .iter()
        .map(|(n, jws)| {
            let (kind, time) = event_of(jws);
            ReceiptLink {
                href: format!("/potwierdzenia/{id}/{n}"),
                what: event_name(&kind),
                when: time.map_or_else(|| "—".to_string(), words::date),
            }
        })
        .collect())
}

/// The event kind and time a receipt's payload names (read, not verified: the page only
/// labels the link; the file is what the office verifies).
fn event_of(jws: &str) -> (String, Option<jiff::Timestamp>) {
    let payload = jws
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<crate::receipt::Payload>(&b).ok());
    match payload {
        Some(p) => (p.event_kind, p.event_time.parse().ok()),
        None => (String::new(), None),
    }
}

fn event_name(kind: &str) -> &'static str {
    match kind {
        "assistance_request.submitted" => "złożenie wniosku",
        "assistance_request.amended" => "zmiana wniosku",
        "assistance_request.received" => "potwierdzenie odbioru",
        "assistance_request.accepted" => "przyjęcie wniosku",
        "assistance_request.declined" => "odmowa asysty",
        "assistance_request.cancelled" => "wycofanie wniosku",
        "assistance_request.written_confirmation" => "pisemny wniosek po czynnościach",
        "assistance_request.service_note" => "notatka służbowa",
        "blue_card.submitted" => "przekazanie „Niebieskiej Karty – A”",
        "blue_card.acknowledged" => "potwierdzenie odbioru karty",
        "blue_card.forwarded" => "przekazanie karty członkom zespołu lub grupy",
        "procedure.step" => "czynność w procedurze",
        "procedure.closed" => "zakończenie procedury",
        "breach.recorded" => "przekroczenie terminu",
        "breach.resolved" => "spełnienie po terminie",
        _ => "zdarzenie w sprawie",
    }
}

/// `GET /potwierdzenia/{case}/{n}`: receipt `n` of the case as a `.jws` file (404 when
/// the case is not the viewer's or there is no such receipt).
pub(crate) async fn download(
    viewer: Viewer,
    Path((case, n)): Path<(String, u64)>,
) -> Result<Response, ConsoleError> {
    let app = viewer.app.clone();
    let org = viewer.org.clone();
    let page = audited(&viewer, "ListReceipts", &case, async {
        crate::case_receipts::list(&app, &org, &case, n.saturating_sub(1), 1)
    })
    .await?;
    let Some((_, jws)) = page.0.into_iter().find(|(at, _)| *at == n) else {
        return Err(ConsoleError::NoPage);
    };
    let short: String = case.chars().take(8).collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/jose".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"potwierdzenie-{short}-{n}.jws\""),
            ),
        ],
        jws,
    )
        .into_response())
}
