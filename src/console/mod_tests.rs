//! The console's router without a network: what a standby node answers, and the headers
//! every answer carries (the browser tests cover the rest over real mutual TLS).

use std::sync::Arc;

use http::{Request, StatusCode};
use tokio::sync::watch;
use tower::ServiceExt;

use super::{ConsoleState, router, security};
use crate::identity::Peer;

fn standby_router() -> axum::Router {
    let (_tx, rx) = watch::channel(None);
    // The sender is dropped: the receiver keeps the last value (no application).
    let state = ConsoleState {
        app: rx,
        forms: Arc::new(security::FormKey::random()),
        limiter: Arc::new(crate::api::limits::OrgLimiter::new(4)),
        deliveries: Arc::default(),
    };
    router(state, 1024)
}

fn peer() -> Peer {
    Peer {
        addr: "127.0.0.1:1".parse().unwrap(),
        org: Ok("kmp-torun".parse().unwrap()),
        certificate: "ab".repeat(32),
    }
}

#[tokio::test]
async fn a_standby_answers_503_naming_no_case_with_every_security_header() {
    let mut request = Request::get("/wnioski/3f1c2d4e-0000-4000-8000-000000000001")
        .body(axum::body::Body::empty())
        .unwrap();
    request.extensions_mut().insert(peer());
    let response = standby_router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let h = response.headers();
    for name in [
        "content-security-policy",
        "cache-control",
        "strict-transport-security",
        "x-content-type-options",
        "referrer-policy",
    ] {
        assert!(h.contains_key(name), "{name} missing");
    }
    assert_eq!(h["cache-control"], "no-store");
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.contains("węzłem rezerwowym"), "{text}");
    assert!(!text.contains("3f1c2d4e"), "{text}");
}

#[tokio::test]
async fn a_post_from_elsewhere_is_refused_before_anything_runs() {
    let mut request = Request::post("/wnioski/nowy")
        .header("origin", "https://evil.example")
        .header("host", "127.0.0.1:8443")
        .body(axum::body::Body::empty())
        .unwrap();
    request.extensions_mut().insert(peer());
    let response = standby_router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[test]
fn a_form_token_is_bound_to_the_certificate_and_the_form() {
    let key = security::FormKey::random();
    let t = key.token("cert-a", "assistance.odbior 1");
    assert!(key.verify("cert-a", "assistance.odbior 1", &t));
    assert!(!key.verify("cert-b", "assistance.odbior 1", &t));
    assert!(!key.verify("cert-a", "assistance.odbior 2", &t));
    assert!(!security::FormKey::random().verify("cert-a", "assistance.odbior 1", &t));
    assert!(!key.verify("cert-a", "assistance.odbior 1", "not base64!"));
}

#[test]
fn an_event_is_made_once_per_organisation_and_an_error_is_not_kept() {
    let d = super::delivery::Deliveries::default();
    let mut made = 0;
    for _ in 0..3 {
        let m = d
            .get_or_make("kmp-torun", "s:1", || {
                made += 1;
                Ok(Some(super::delivery::Made { data: "x".into() }))
            })
            .unwrap();
        assert_eq!(m.unwrap().data, "x");
    }
    assert_eq!(made, 1, "made once, shared by every open page");
    // Another organisation's page makes (and audits) its own.
    d.get_or_make("kp-lazy", "s:1", || Ok(None)).unwrap();
    let failed = d.get_or_make("kmp-torun", "s:2", || {
        Err(super::error::ConsoleError::NoPage)
    });
    assert!(failed.is_err());
    let again = d
        .get_or_make("kmp-torun", "s:2", || {
            Ok(Some(super::delivery::Made { data: "y".into() }))
        })
        .unwrap();
    assert_eq!(
        again.unwrap().data,
        "y",
        "an error is tried again by the next page"
    );
}
