//! The web console: lacznik's own HTTPS pages for the offices that have no software that
//! speaks gRPC (docs/CONSOLE.md). It is another door to the same rooms, not a second
//! house: the same mutual-TLS handshake names the organisation (`server::accept`), the
//! same caller resolution (`api::caller::resolve`), the same domain operations with their
//! `require` and `visible_to` rules, the same audit chain (channel `console`). It has no
//! authorization, no passwords and no sessions of its own: the client certificate is the
//! login.
//!
//! Pages are rendered on the server from compile-time checked templates (askama) and
//! work without JavaScript (forms POST, pages reload); one small script adds the live
//! updates (Server-Sent Events from the same feeds as `StreamAssistanceRequests` and
//! `PullBlueCards`). Assets are embedded in the binary.
//!
//! Layout: `viewer` (who is looking, resolved per request), `call` (a domain call inside
//! its audit scope), `security` (headers, same-origin and form tokens), `error` (the one
//! mapping to HTTP), `page` and `words` (the frame and the Polish words), then one module
//! per part of the console: `requests`, `request_form`, `request_actions` and `request_amend` (police-assistance requests),
//! `cards`, `card_form` and `procedures` (Blue Cards and their procedures), `breaches` (the supervisor's view), `live` (the
//! event stream), `receipts` (signed receipts to download).

mod assets;
mod breaches;
mod call;
mod card_form;
mod cards;
mod delivery;
mod error;
mod form;
mod live;
mod page;
mod procedures;
mod receipts;
mod request_actions;
mod request_amend;
mod request_form;
mod requests;
mod security;
mod viewer;
mod words;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use futures::{Stream, StreamExt};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tokio::sync::watch;

use crate::app::App;
use crate::identity::Peer;
use crate::shutdown::Shutdown;

/// What every handler shares: the active term's application (none on a standby), the
/// body limit, and the key of the forms' tokens.
#[derive(Clone)]
pub(crate) struct ConsoleState {
    app: watch::Receiver<Option<Arc<App>>>,
    forms: Arc<security::FormKey>,
    limiter: Arc<crate::api::limits::OrgLimiter>,
    deliveries: Arc<delivery::Deliveries>,
}

/// The limits the console shares with the gRPC endpoint (`[limits]`, `max_message_bytes`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest body accepted (a larger one gets 413).
    pub max_body: usize,
    /// Requests one organisation may have in flight at once (a live stream counts while
    /// it opens); more get 429 at once.
    pub per_org_in_flight: usize,
}

/// Serves the console on the connections that passed the mutual-TLS handshake (each with
/// what the handshake proved of its peer: `server::accept`'s), from the
/// application the current term publishes in `app`, until `stop`, within the gRPC
/// endpoint's `limits`: a form is refused beyond what a call may carry, and an
/// organisation gets as many requests in flight here as calls there.
pub async fn serve<C>(
    conns: impl Stream<Item = (C, Peer)> + Send + 'static,
    app: watch::Receiver<Option<Arc<App>>>,
    limits: Limits,
    stop: Shutdown,
) where
    C: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let state = ConsoleState {
        app,
        forms: Arc::new(security::FormKey::random()),
        limiter: Arc::new(crate::api::limits::OrgLimiter::new(
            limits.per_org_in_flight,
        )),
        deliveries: Arc::default(),
    };
    let router = router(state, limits.max_body);
    let mut conns = std::pin::pin!(conns);
    let mut stopping = stop.clone();
    loop {
        let (conn, peer) = tokio::select! {
            _ = stopping.recv() => return,
            c = conns.next() => match c {
                Some(c) => c,
                None => return,
            },
        };
        let service = tower::Layer::layer(&axum::Extension(peer), router.clone());
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let serving = builder.serve_connection_with_upgrades(
                TokioIo::new(conn),
                TowerToHyperService::new(service),
            );
            tokio::select! {
                r = serving => if let Err(e) = r {
                    tracing::debug!(error = %e, "console connection ended");
                },
                // Live pages keep their connection open: they end with the node.
                _ = stop.recv() => {}
            }
        });
    }
}

/// Every page and action of the console, behind the security layer.
fn router(state: ConsoleState, max_body: usize) -> Router {
    Router::new()
        .route("/", get(requests::home))
        .route("/wnioski", get(requests::list))
        .route(
            "/wnioski/nowy",
            get(request_form::new).post(request_form::submit),
        )
        .route("/wnioski/{id}", get(requests::show))
        .route(
            "/wnioski/{id}/zmiana",
            get(request_amend::form).post(request_amend::act),
        )
        .route(
            "/wnioski/{id}/{action}",
            get(request_actions::form).post(request_actions::act),
        )
        .route("/wnioski/{id}/notatka.txt", get(requests::note_text))
        .route("/karty", get(cards::list))
        .route("/karty/nowa", get(card_form::new).post(card_form::submit))
        .route("/karty/{id}", get(cards::show))
        .route("/karty/{id}/{action}", post(cards::act))
        .route("/procedury/{id}", get(procedures::show))
        .route("/procedury/{id}/{action}", post(procedures::act))
        .route("/naruszenia", get(breaches::page))
        .route("/naruszenia.csv", get(breaches::csv))
        .route("/naruszenia/raport.html", get(breaches::report))
        .route("/potwierdzenia/{case}/{n}", get(receipts::download))
        .route("/zdarzenia", get(live::events))
        .route("/zasoby/{name}", get(assets::asset))
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::in_flight,
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn(security::same_origin))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .with_state(state)
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
