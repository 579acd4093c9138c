//! The police unit's stream (`StreamAssistanceRequests`): replays the unit's feed after the
//! client's cursor, then follows its durable watermark; each delivered event is audited.

use std::sync::Arc;

use tokio::sync::mpsc;
use tonic::Status;

use super::assistance_map::record_pb;
use super::convert::ts_to_pb;
use super::pb;
use crate::app::App;
use crate::assistance::model::EventKind;
use crate::assistance::store as records;
use crate::error::Error;
use crate::feed::Feeds;

/// Feeds one police stream: replays after the cursor, then follows the durable watermark;
/// ends when the client goes away or the server shuts down.
/// Feeds one open stream until the client goes away or the server stops.
pub(super) async fn pump(
    app: Arc<App>,
    org: String,
    prefix: Vec<u8>,
    after: u64,
    mut mark: tokio::sync::watch::Receiver<u64>,
    tx: mpsc::Sender<Result<pb::StreamAssistanceRequestsResponse, Status>>,
) {
    metrics::gauge!("lacznik_police_streams").increment(1.0);
    pump_events(&app, &org, &prefix, after, &mut mark, &tx).await;
    metrics::gauge!("lacznik_police_streams").decrement(1.0);
}

async fn pump_events(
    app: &Arc<App>,
    org: &str,
    prefix: &[u8],
    mut after: u64,
    mark: &mut tokio::sync::watch::Receiver<u64>,
    tx: &mpsc::Sender<Result<pb::StreamAssistanceRequestsResponse, Status>>,
) {
    let mut stop = app.shutdown.clone();
    loop {
        let up_to = *mark.borrow_and_update();
        let batch = match Feeds::read(&app.store, prefix, after, up_to, 256) {
            Ok(b) => b,
            Err(e) => {
                let _ = tx.send(Err(Status::from(Error::from(e)))).await;
                return;
            }
        };
        let full = batch.len() == 256;
        for (seq, bytes) in batch {
            after = seq;
            let msg = match event_pb(app, seq, &bytes) {
                Ok(Some(m)) => m,
                // The request was purged under the retention policy: nothing to deliver.
                Ok(None) => continue,
                Err(e) => {
                    let _ = tx.send(Err(Status::from(e))).await;
                    return;
                }
            };
            let case_id = msg
                .request
                .as_ref()
                .map(|r| r.request_id.clone())
                .unwrap_or_default();
            tokio::select! {
                r = tx.send(Ok(msg)) => if r.is_err() { return },
                _ = stop.recv() => return,
            }
            // Delivered: log who received which case (after the send, so delivery latency
            // does not wait for the audit flush).
            let record = crate::audit::Record {
                at: app.clock.now(),
                org: org.to_string(),
                rpc: "StreamAssistanceRequests".into(),
                case_ids: vec![case_id],
                outcome: "OK".into(),
            };
            let store = app.store.clone();
            tokio::spawn(async move {
                if let Err(e) = crate::audit::append_now(&store, record).await {
                    tracing::error!(error = %e, "audit entry for a delivered event could not be written");
                }
            });
        }
        if full {
            continue;
        }
        tokio::select! {
            r = mark.changed() => if r.is_err() { return },
            _ = tx.closed() => return,
            _ = stop.recv() => return,
        }
    }
}

/// The stream message of a feed event; `None` when its request no longer exists (purged).
fn event_pb(
    app: &App,
    seq: u64,
    bytes: &[u8],
) -> Result<Option<pb::StreamAssistanceRequestsResponse>, Error> {
    let event = records::decode_event(seq, bytes)?;
    let Some(record) = records::get(&app.store, &event.request_id)? else {
        return Ok(None);
    };
    Ok(Some(pb::StreamAssistanceRequestsResponse {
        cursor: seq.to_string(),
        kind: match event.kind {
            EventKind::New => pb::AssistanceEventKind::New,
            EventKind::Amended => pb::AssistanceEventKind::Amended,
            EventKind::Cancelled => pb::AssistanceEventKind::Cancelled,
            EventKind::WrittenConfirmation => pb::AssistanceEventKind::WrittenConfirmation,
        } as i32,
        occurred_time: Some(ts_to_pb(event.at)),
        version: event.version,
        request: Some(record_pb(&record, None)),
    }))
}
