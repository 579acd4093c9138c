//! What makes the console as safe as the API, beyond the handshake: the response headers
//! of a public-sector web service on every answer, the refusal of any change that does not
//! come from the console's own pages (the `Origin` / `Sec-Fetch-Site` check here, and a
//! per-form token bound to the client certificate and the form), so a page elsewhere
//! cannot make a browser that holds the certificate act (CSRF).

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use http::{HeaderValue, Method, header};
use ring::hmac;

use super::error::ConsoleError;
use super::form::FormView;

/// `Content-Security-Policy`: nothing inline, nothing from elsewhere, never in a frame.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// Adds the security headers to every answer (pages, assets, errors, the event stream).
pub(crate) async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in set {
        h.insert(name, HeaderValue::from_static(value));
    }
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    response
}

/// Refuses a request that changes something (any method but GET and HEAD) unless the
/// browser says it comes from the console's own origin: `Sec-Fetch-Site: same-origin`
/// where the browser sends it, else an `Origin` equal to `https://<Host>`. A request with
/// neither is refused too: every browser the console supports sends one of them with a
/// form.
pub(crate) async fn same_origin(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    match check_origin(&request) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

fn check_origin(request: &Request) -> Result<(), ConsoleError> {
    let h = request.headers();
    let text = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return if site == "same-origin" {
            Ok(())
        } else {
            Err(ConsoleError::CrossSite(
                "Formularz wysłano z innej strony niż konsola — czynność odrzucono.",
            ))
        };
    }
    let host = text("host")
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    match (text("origin"), host) {
        (Some(origin), Some(host)) if origin == format!("https://{host}") => Ok(()),
        _ => Err(ConsoleError::CrossSite(
            "Brak nagłówka Origin zgodnego z adresem konsoli — czynność odrzucono.",
        )),
    }
}

/// The key of the forms' tokens, random per process: a form opened before a restart is
/// refused once and shown again with what was typed (nothing is lost).
pub(crate) struct FormKey(hmac::Key);

impl FormKey {
    /// A fresh random key.
    pub fn random() -> FormKey {
        let bytes: [u8; 32] = rand::random();
        FormKey(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
    }

    /// The token of form `form` (its case or request id and purpose) for the holder of
    /// `certificate`.
    pub fn token(&self, certificate: &str, form: &str) -> String {
        let tag = hmac::sign(&self.0, format!("{certificate}\n{form}").as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag.as_ref())
    }

    /// Whether `token` is this key's token of `form` for `certificate`.
    pub fn verify(&self, certificate: &str, form: &str, token: &str) -> bool {
        let Ok(tag) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token) else {
            return false;
        };
        hmac::verify(&self.0, format!("{certificate}\n{form}").as_bytes(), &tag).is_ok()
    }
}

/// Holds one of the organisation's in-flight permits while the request is handled (the
/// gRPC endpoint's per-organisation limit, its own count): a flooding browser or script
/// gets 429 at once instead of starving the others. A live stream holds it only while it
/// opens. A connection whose certificate names no organisation passes: the page refuses
/// it.
pub(crate) async fn in_flight(
    axum::extract::State(state): axum::extract::State<super::ConsoleState>,
    request: Request,
    next: Next,
) -> Response {
    let org = request
        .extensions()
        .get::<crate::identity::Peer>()
        .and_then(|p| p.org.as_ref().ok())
        .map(|o| o.to_string());
    let Some(org) = org else {
        return next.run(request).await;
    };
    match state.limiter.acquire(&org) {
        Ok(_permit) => next.run(request).await,
        Err(e) => ConsoleError::Domain(e).into_response(),
    }
}

/// The posted form of an action on case `id`: refused (403, nothing done) unless it names
/// that case and carries the token of `purpose` for this certificate, i.e. came from the
/// case's own page in this browser.
pub(crate) fn action_form(
    key: &FormKey,
    certificate: &str,
    id: &str,
    purpose: &str,
    pairs: Vec<(String, String)>,
) -> Result<FormView, ConsoleError> {
    let form = FormView::posted(pairs);
    if form.form_id != id || !key.verify(certificate, purpose, &form.token) {
        return Err(ConsoleError::CrossSite(
            "Formularz wygasł lub nie pochodzi z konsoli — otwórz stronę sprawy ponownie \
             i wykonaj czynność jeszcze raz.",
        ));
    }
    Ok(form)
}

/// The posted form of a new case (its id chosen when the form was opened): `Ok` when it
/// carries the token of `purpose(id)` for this certificate; otherwise `Err` with the form
/// to show again, with a fresh token and the reason, everything typed kept and nothing
/// submitted (a form from before a restart, or not from the console).
pub(crate) fn new_case_form(
    key: &FormKey,
    certificate: &str,
    purpose: impl Fn(&str) -> String,
    pairs: Vec<(String, String)>,
) -> Result<FormView, FormView> {
    let mut form = FormView::posted(pairs);
    if key.verify(certificate, &purpose(&form.form_id), &form.token) {
        return Ok(form);
    }
    form.token = key.token(certificate, &purpose(&form.form_id));
    form.add_error(
        "form",
        "Formularz wygasł lub nie pochodzi z konsoli. Sprawdź dane i wyślij go ponownie.",
    );
    Err(form)
}
