//! The police unit's stream (`StreamAssistanceRequests`): the unit's feed, followed from
//! the client's cursor by `feed::Follower`, encoded here; each delivered event is audited.

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
use crate::feed::{self, Follower};

type Tx = mpsc::Sender<Result<pb::StreamAssistanceRequestsResponse, Status>>;

/// Feeds one open stream until the client goes away or the server stops.
pub(super) async fn pump(
    app: Arc<App>,
    org: String,
    via: crate::audit::Via,
    follower: Follower,
    tx: Tx,
) {
    metrics::gauge!("lacznik_police_streams").increment(1.0);
    pump_events(&app, &org, &via, follower, &tx).await;
    metrics::gauge!("lacznik_police_streams").decrement(1.0);
}

async fn pump_events(
    app: &App,
    org: &str,
    via: &crate::audit::Via,
    mut follower: Follower,
    tx: &Tx,
) {
    let mut stop = app.shutdown.clone();
    // Who is listening (the recipients' metrics): open now, and how far delivered.
    let listening = org.parse().ok().map(|id| {
        app.recipients
            .listen(&id, follower.position(), app.clock.clone())
    });
    loop {
        let next = tokio::select! {
            n = follower.next() => n,
            _ = tx.closed() => return,
        };
        let (seq, bytes) = match next {
            None => return,
            Some(Ok(entry)) => entry,
            Some(Err(e)) => {
                let _ = tx.send(Err(Status::from(Error::from(e)))).await;
                return;
            }
        };
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
        if let Some(l) = &listening {
            l.delivered(seq);
        }
        // Delivered: log who received which case (after the send, so delivery latency
        // does not wait for the audit flush).
        let record = crate::audit::Record {
            at: app.clock.now(),
            org: org.to_string(),
            rpc: "StreamAssistanceRequests".into(),
            case_ids: vec![case_id],
            outcome: "OK".into(),
            via: via.clone(),
        };
        let store = app.store.clone();
        tokio::spawn(async move {
            if let Err(e) = crate::audit::append_now(&store, record).await {
                tracing::error!(error = %e, "audit entry for a delivered event could not be written");
            }
        });
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
        cursor: feed::cursor(&app.store, seq),
        kind: match event.kind {
            EventKind::New => pb::AssistanceEventKind::New,
            EventKind::Amended => pb::AssistanceEventKind::Amended,
            EventKind::Cancelled => pb::AssistanceEventKind::Cancelled,
            EventKind::WrittenConfirmation => pb::AssistanceEventKind::WrittenConfirmation,
        } as i32,
        occurred_time: Some(ts_to_pb(event.at)),
        version: event.version,
        receipt: app
            .receipts
            .of_version(&app.store, &event.request_id, event.record_version)?
            .unwrap_or_default(),
        request: Some(record_pb(&record, None)),
    }))
}
