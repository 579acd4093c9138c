//! The console's static files, embedded in the binary at compile time: no CDN, nothing
//! fetched at run time, and the script the Content-Security-Policy allows is exactly this
//! one.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use http::header;

use super::error::ConsoleError;

const CSS: &str = include_str!("assets/lacznik.css");
const JS: &str = include_str!("assets/lacznik.js");

/// `GET /zasoby/{name}`: the stylesheet or the script.
pub(crate) async fn asset(Path(name): Path<String>) -> Result<Response, ConsoleError> {
    let (body, kind) = match name.as_str() {
        "lacznik.css" => (CSS, "text/css; charset=utf-8"),
        "lacznik.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return Err(ConsoleError::NoPage),
    };
    Ok(([(header::CONTENT_TYPE, kind)], body).into_response())
}
