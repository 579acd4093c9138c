//! `lacznik.v1.BreachService`: breaches visible to the caller, listed and watched.

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::convert::{cursor, page_size, ts_from_pb, ts_to_pb};
use super::{call, pb};
use crate::app::App;
use crate::deadlines::{self, Breach, BreachEventKind, BreachFilter, BreachLogEntry, CaseKind};
use crate::directory::Organization;
use crate::error::Error;
use crate::feed::Feeds;
use crate::store::{codec, keys};

/// The service implementation.
pub struct BreachApi {
    app: Arc<App>,
}

impl BreachApi {
    /// Wraps the application state.
    pub fn new(app: Arc<App>) -> Self {
        BreachApi { app }
    }
}

/// A breach on the wire.
pub fn breach_to_pb(b: &Breach) -> pb::Breach {
    pb::Breach {
        breach_id: b.id.to_string(),
        rule_id: b.rule.clone(),
        legal_basis: b.legal_basis.clone(),
        case_kind: match b.case.kind {
            CaseKind::Assistance => pb::CaseKind::AssistanceRequest,
            CaseKind::BlueCard => pb::CaseKind::BlueCard,
        } as i32,
        case_id: b.case.id.clone(),
        occurrence: b.occurrence,
        gmina: b.case.gmina.to_string(),
        due_time: Some(ts_to_pb(b.due)),
        recorded_time: Some(ts_to_pb(b.recorded_at)),
        resolved_time: b.resolved_at.map(ts_to_pb),
        responsible_org_id: b.responsible.to_string(),
        party_org_ids: vec![b.case.sender.to_string(), b.case.recipient.to_string()],
    }
}

/// Server stream of breach events.
pub type BreachStream =
    Pin<Box<dyn Stream<Item = Result<pb::WatchBreachesResponse, Status>> + Send>>;

fn filter_from_pb(req: &pb::ListBreachesRequest) -> Result<BreachFilter, Error> {
    let mut violations = Vec::new();
    let mut take = |r: Result<Option<jiff::Timestamp>, crate::error::FieldViolation>| match r {
        Ok(t) => t,
        Err(v) => {
            violations.push(v);
            None
        }
    };
    let due_from = take(ts_from_pb("due_from", req.due_from.as_ref()));
    let due_to = take(ts_from_pb("due_to", req.due_to.as_ref()));
    let open = match pb::BreachState::try_from(req.state) {
        Ok(pb::BreachState::Unspecified) => None,
        Ok(pb::BreachState::Open) => Some(true),
        Ok(pb::BreachState::Resolved) => Some(false),
        Err(_) => {
            violations.push(crate::error::FieldViolation::new(
                "state",
                "unknown breach state",
            ));
            None
        }
    };
    if !violations.is_empty() {
        return Err(Error::InvalidArgument(violations));
    }
    Ok(BreachFilter {
        rule: (!req.rule_id.is_empty()).then(|| req.rule_id.clone()),
        case_id: (!req.case_id.is_empty()).then(|| req.case_id.clone()),
        open,
        due_from,
        due_to,
    })
}

#[tonic::async_trait]
impl pb::breach_service_server::BreachService for BreachApi {
    async fn list_breaches(
        &self,
        request: Request<pb::ListBreachesRequest>,
    ) -> Result<Response<pb::ListBreachesResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "ListBreaches",
            request,
            |caller, req| async move {
                let filter = filter_from_pb(&req)?;
                let size = page_size("page_size", req.page_size, 100, 1000)
                    .map_err(|v| Error::InvalidArgument(vec![v]))?;
                let after = cursor("page_token", &req.page_token)
                    .map_err(|v| Error::InvalidArgument(vec![v]))?;
                let (breaches, more) =
                    deadlines::breach::list(&app.store, &caller.org, &filter, after, size)?;
                let next_page_token = match (more, breaches.last()) {
                    (true, Some(b)) => b.id.to_string(),
                    _ => String::new(),
                };
                Ok(pb::ListBreachesResponse {
                    breaches: breaches.iter().map(breach_to_pb).collect(),
                    next_page_token,
                })
            },
        )
        .await
    }

    type WatchBreachesStream = BreachStream;

    async fn watch_breaches(
        &self,
        request: Request<pb::WatchBreachesRequest>,
    ) -> Result<Response<BreachStream>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "WatchBreaches",
            request,
            |caller, req| async move {
                let after = cursor("after_cursor", &req.after_cursor)
                    .map_err(|v| Error::InvalidArgument(vec![v]))?;
                let mark = app.feeds.watch(&app.store, &[keys::BREACH_LOG]).await?;
                let (tx, rx) = mpsc::channel(64);
                tokio::spawn(pump(app, caller.org, after, mark, tx));
                Ok(Box::pin(ReceiverStream::new(rx)) as BreachStream)
            },
        )
        .await
    }
}

/// Feeds one watcher: replays the log after its cursor, then follows the durable
/// watermark; ends when the client goes away or the server shuts down.
async fn pump(
    app: Arc<App>,
    org: Organization,
    mut after: u64,
    mut mark: tokio::sync::watch::Receiver<u64>,
    tx: mpsc::Sender<Result<pb::WatchBreachesResponse, Status>>,
) {
    let mut stop = app.shutdown.clone();
    loop {
        let up_to = *mark.borrow_and_update();
        let batch = match Feeds::read(&app.store, &[keys::BREACH_LOG], after, up_to, 256) {
            Ok(b) => b,
            Err(e) => {
                let _ = tx.send(Err(Status::from(Error::from(e)))).await;
                return;
            }
        };
        let full = batch.len() == 256;
        for (seq, bytes) in batch {
            after = seq;
            let entry: BreachLogEntry = match codec::decode(&seq.to_be_bytes(), &bytes) {
                Ok(e) => e,
                Err(e) => {
                    let _ = tx.send(Err(Status::from(Error::from(e)))).await;
                    return;
                }
            };
            if !entry.breach.visible_to(&org) {
                continue;
            }
            let msg = pb::WatchBreachesResponse {
                cursor: seq.to_string(),
                kind: match entry.kind {
                    BreachEventKind::Recorded => pb::BreachEventKind::Recorded,
                    BreachEventKind::Resolved => pb::BreachEventKind::Resolved,
                } as i32,
                breach: Some(breach_to_pb(&entry.breach)),
            };
            tokio::select! {
                r = tx.send(Ok(msg)) => if r.is_err() { return },
                _ = stop.recv() => return,
            }
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
