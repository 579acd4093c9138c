//! The live part of the console: `GET /zdarzenia`, Server-Sent Events fed by the same
//! feeds as gRPC (a police unit's by `assistance::service::follow`, the feed of
//! `StreamAssistanceRequests`; a team's inbox by `bluecard::inbox::follow`, the feed of
//! `PullBlueCards`), with the same cursors: each event's `id` is the feed cursor, so a
//! browser that lost the connection resumes with `Last-Event-ID` and misses nothing. An
//! event carries the list's row (ids, times, states; no name, no street), rendered by the
//! list's own template; each delivered case is audited as the gRPC stream audits it.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::Query;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use http::HeaderMap;
use serde::Deserialize;

use super::cards::{CardRow, CardRowTemplate};
use super::delivery::{Deliveries, Made};
use super::error::ConsoleError;
use super::requests::{RequestRow, RowTemplate};
use super::viewer::{Role, Viewer};
use crate::audit::{Record, Via};
use crate::feed::Follower;

/// Where the stream starts when the browser has no `Last-Event-ID` yet: the position the
/// page was rendered at.
#[derive(Debug, Deserialize)]
pub(crate) struct Start {
    od: Option<String>,
}

/// `GET /zdarzenia`: the viewer's live events (police units and teams; 404 for others).
pub(crate) async fn events(
    axum::extract::State(state): axum::extract::State<super::ConsoleState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(from): Query<Start>,
) -> Result<Response, ConsoleError> {
    let cursor = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(from.od)
        .unwrap_or_default();
    let app = viewer.app.clone();
    let (follower, rpc) = match viewer.role {
        Role::Police => (
            crate::assistance::service::follow(&app, &viewer.org, &cursor).await?,
            "StreamAssistanceRequests",
        ),
        Role::Team => (
            crate::bluecard::inbox::follow(&app, &viewer.org, &cursor).await?,
            "PullBlueCards",
        ),
        _ => return Err(ConsoleError::NoPage),
    };
    metrics::gauge!("lacznik_console_live_connections").increment(1.0);
    let stream = events_of(viewer, state.deliveries.clone(), follower, rpc);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

/// Decrements the live-connection gauge when the stream is dropped (the browser left).
struct Open;

impl Drop for Open {
    fn drop(&mut self) {
        metrics::gauge!("lacznik_console_live_connections").decrement(1.0);
    }
}

fn events_of(
    viewer: Viewer,
    deliveries: Arc<Deliveries>,
    follower: Follower,
    rpc: &'static str,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(
        (viewer, follower, Open),
        move |(viewer, mut follower, open)| {
            let deliveries = deliveries.clone();
            async move {
                loop {
                    let (seq, bytes) = match follower.next().await {
                        Some(Ok(entry)) => entry,
                        // The node stops or the store failed: the browser reconnects (to the
                        // next active node) from its last event.
                        Some(Err(e)) => {
                            tracing::warn!(error = %e, "console live stream ended");
                            return None;
                        }
                        None => return None,
                    };
                    match event(&viewer, &deliveries, rpc, seq, &bytes) {
                        Ok(Some(ev)) => return Some((Ok(ev), (viewer, follower, open))),
                        Ok(None) => continue,
                        Err(e) => {
                            tracing::warn!(error = %e, "console live event could not be made");
                            return None;
                        }
                    }
                }
            }
        },
    )
}

/// The SSE event of feed entry `seq`: made once for the organisation (the row rendered,
/// the delivery audited, `delivery`), then the same for each of its open pages; `None`
/// for an entry with nothing to show (a purged case).
fn event(
    viewer: &Viewer,
    deliveries: &Deliveries,
    rpc: &'static str,
    seq: u64,
    bytes: &[u8],
) -> Result<Option<Event>, ConsoleError> {
    let cursor = crate::feed::cursor(&viewer.app.store, seq);
    let made = deliveries.get_or_make(viewer.org.id.as_str(), &cursor, || {
        make(viewer, rpc, seq, bytes)
    })?;
    Ok(made.map(|m| Event::default().event("row").id(cursor).data(&m.data)))
}

/// Renders the row of feed entry `seq` and audits its delivery to the organisation, as
/// the gRPC stream audits each event it delivers.
fn make(
    viewer: &Viewer,
    rpc: &'static str,
    seq: u64,
    bytes: &[u8],
) -> Result<Option<Made>, ConsoleError> {
    let app = &viewer.app;
    let (case_id, html, announce) = if rpc == "PullBlueCards" {
        let Some(card) = crate::bluecard::inbox::card_of_entry(app, &viewer.org, seq, bytes)?
        else {
            return Ok(None);
        };
        let row = CardRow::of(app, true, &card);
        let html = CardRowTemplate { row: &row }.render()?;
        (card.card_id, html, "Nowa Niebieska Karta A na liście.")
    } else {
        let e = crate::assistance::store::decode_event(seq, bytes)
            .map_err(crate::error::Error::from)?;
        let Some(r) = crate::assistance::store::get(&app.store, &e.request_id)
            .map_err(crate::error::Error::from)?
            .filter(|r| r.visible_to(&viewer.org.id))
        else {
            return Ok(None);
        };
        let row = RequestRow::of(app, true, &r);
        let html = RowTemplate { row: &row }.render()?;
        let announce = match e.kind {
            crate::assistance::model::EventKind::New => "Nowy wniosek o asystę na liście.",
            _ => "Wniosek na liście został zmieniony.",
        };
        (r.request_id, html, announce)
    };
    // Delivered: logged as the gRPC stream logs it, after the event is made.
    let record = Record {
        at: app.clock.now(),
        org: viewer.org.id.to_string(),
        rpc: rpc.into(),
        case_ids: vec![case_id],
        outcome: "OK".into(),
        via: Via::call("console", &viewer.certificate),
    };
    let store = app.store.clone();
    tokio::spawn(async move {
        if let Err(e) = crate::audit::append_now(&store, record).await {
            tracing::error!(error = %e, "audit entry for a delivered console event could not be written");
        }
    });
    let data = serde_json::json!({ "html": html, "announce": announce }).to_string();
    Ok(Some(Made { data }))
}
