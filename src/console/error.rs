//! The console's one error type and its one mapping to an HTTP answer: the domain's codes
//! become statuses exactly as `api::status` makes them gRPC codes (NOT_FOUND stays 404 for
//! a case of another organisation, so its existence is not revealed), rendered as a page
//! in Polish. Messages carry ids and field names, never personal data.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;

use super::page;
use crate::error::{Code, Error};

/// Why a console request was not answered with its page.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConsoleError {
    /// The domain refused or failed.
    #[error(transparent)]
    Domain(#[from] Error),
    /// This node is a standby: the active node serves the console.
    #[error("this node is a standby")]
    Standby,
    /// The request itself is malformed (not a form field: those are shown on the form).
    #[error("{0}")]
    BadRequest(String),
    /// A POST that did not come from one of the console's own pages.
    #[error("{0}")]
    CrossSite(&'static str),
    /// No such page.
    #[error("no such page")]
    NoPage,
    /// A template failed to render (a bug).
    #[error("template: {0}")]
    Render(#[from] askama::Error),
}

impl ConsoleError {
    fn status(&self) -> StatusCode {
        match self {
            ConsoleError::Domain(e) => match e.code() {
                Code::Ok => StatusCode::OK,
                Code::Unauthenticated => StatusCode::UNAUTHORIZED,
                Code::PermissionDenied => StatusCode::FORBIDDEN,
                Code::NotFound => StatusCode::NOT_FOUND,
                Code::InvalidArgument | Code::OutOfRange => StatusCode::UNPROCESSABLE_ENTITY,
                Code::AlreadyExists | Code::FailedPrecondition => StatusCode::CONFLICT,
                Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
                Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ConsoleError::Standby => StatusCode::SERVICE_UNAVAILABLE,
            ConsoleError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ConsoleError::CrossSite(_) => StatusCode::FORBIDDEN,
            ConsoleError::NoPage => StatusCode::NOT_FOUND,
            ConsoleError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The headline a person reads, in Polish.
    fn headline(&self) -> &'static str {
        match self.status() {
            StatusCode::NOT_FOUND => "Nie znaleziono",
            StatusCode::UNAUTHORIZED => "Certyfikat nie wskazuje organizacji z katalogu",
            StatusCode::FORBIDDEN => "Brak uprawnień do tej czynności",
            StatusCode::CONFLICT => "Tej czynności nie można teraz wykonać",
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => "Nieprawidłowe żądanie",
            StatusCode::TOO_MANY_REQUESTS => "Zbyt wiele żądań naraz — spróbuj za chwilę",
            StatusCode::SERVICE_UNAVAILABLE => "Usługa chwilowo niedostępna",
            _ => "Błąd serwera",
        }
    }

    /// What the page says beneath the headline, in Polish, and the domain's own message
    /// for an administrator where it adds something (ids and rules only; a server fault
    /// says nothing of itself).
    fn detail(&self) -> (String, Option<String>) {
        let plain = |s: &str| (s.to_string(), None);
        match self {
            ConsoleError::Domain(Error::NotFound { .. }) | ConsoleError::NoPage => plain(
                "Nie ma takiej strony ani sprawy albo nie jest ona sprawą Twojej organizacji.",
            ),
            ConsoleError::Domain(Error::Store(_)) | ConsoleError::Render(_) => plain(
                "Spróbuj ponownie za chwilę. Jeśli błąd się powtarza, zgłoś go administratorowi.",
            ),
            ConsoleError::Domain(e @ (Error::FailedPrecondition(_) | Error::AlreadyExists(_))) => (
                "Sprawa jest teraz w stanie, który na to nie pozwala — na przykład ktoś \
                 właśnie ją zmienił albo czynność została już wykonana. Otwórz stronę sprawy \
                 ponownie i sprawdź jej stan."
                    .into(),
                Some(e.to_string()),
            ),
            ConsoleError::Domain(e @ Error::PermissionDenied(_)) => (
                "Twoja organizacja nie wykonuje tej czynności (albo jest zawieszona w katalogu)."
                    .into(),
                Some(e.to_string()),
            ),
            ConsoleError::Domain(e @ Error::Unauthenticated(_)) => (
                "Certyfikat, którym się logujesz, nie wskazuje organizacji z katalogu łącznika. \
                 Zgłoś to administratorowi."
                    .into(),
                Some(e.to_string()),
            ),
            ConsoleError::Domain(e @ Error::ResourceExhausted(_)) => (
                "Twoja organizacja wysłała naraz zbyt wiele żądań. Spróbuj za chwilę.".into(),
                Some(e.to_string()),
            ),
            ConsoleError::Domain(e) => ("Żądania nie przyjęto.".into(), Some(e.to_string())),
            ConsoleError::Standby => plain(
                "Ten węzeł jest węzłem rezerwowym. Konsolę obsługuje węzeł aktywny; spróbuj \
                 ponownie za chwilę.",
            ),
            ConsoleError::BadRequest(m) => (m.clone(), None),
            ConsoleError::CrossSite(m) => plain(m),
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(error = %self, status = status.as_u16(), "console request failed");
        }
        let (detail, technical) = self.detail();
        page::error_page(status, self.headline(), &detail, technical.as_deref())
    }
}

/// The answer for a path the console does not have.
pub(crate) async fn not_found() -> ConsoleError {
    ConsoleError::NoPage
}

/// A rendered page, 200.
pub(crate) fn html<T: Template>(page: &T) -> Result<Response, ConsoleError> {
    with_status(StatusCode::OK, page)
}

/// A rendered page with `status` (422 for a form shown again with its errors).
pub(crate) fn with_status<T: Template>(
    status: StatusCode,
    page: &T,
) -> Result<Response, ConsoleError> {
    Ok((status, Html(page.render()?)).into_response())
}
