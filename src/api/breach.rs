//! `lacznik.v1.BreachService`: breaches visible to the caller, listed and watched.

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::convert::{page_size, page_token, ts_from_pb, ts_to_pb};
use super::{pb, split};
use crate::app::App;
use crate::deadlines::{self, Breach, BreachEventKind, BreachFilter, BreachLogEntry, CaseKind};
use crate::directory::Organization;
use crate::error::Error;
use crate::feed::{self, Follower};
use crate::store::codec;

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
        rules_profile: b.profile.to_string(),
        deadline_state: b.deadline_state().into(),
        lateness: b.lateness().map(super::convert::duration_to_pb),
    }
}

impl crate::receipt::ContentDigest for Breach {
    fn content_sha256(&self) -> String {
        crate::receipt::payload::content_sha256(&prost::Message::encode_to_vec(&breach_to_pb(self)))
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
        party: None,
    })
}

#[tonic::async_trait]
impl pb::breach_service_server::BreachService for BreachApi {
    async fn list_breaches(
        &self,
        request: Request<pb::ListBreachesRequest>,
    ) -> Result<Response<pb::ListBreachesResponse>, Status> {
        let (caller, req) = split(request)?;
        let filter = filter_from_pb(&req)?;
        let size = page_size("page_size", req.page_size, 100, 1000)
            .map_err(|v| Error::InvalidArgument(vec![v]))?;
        let after = page_token("page_token", &req.page_token)
            .map_err(|v| Error::InvalidArgument(vec![v]))?;
        let (breaches, more) =
            deadlines::breach::list(&self.app.store, &caller.org, &filter, after, size)
                .map_err(Error::from)?;
        let next_page_token = match (more, breaches.last()) {
            (true, Some(b)) => b.id.to_string(),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListBreachesResponse {
            breaches: breaches.iter().map(breach_to_pb).collect(),
            next_page_token,
        }))
    }

    type WatchBreachesStream = BreachStream;

    async fn watch_breaches(
        &self,
        request: Request<pb::WatchBreachesRequest>,
    ) -> Result<Response<BreachStream>, Status> {
        let (caller, req) = split(request)?;
        let app = &self.app;
        let prefix = deadlines::breach::log_prefix();
        let mark = app
            .feeds
            .watch(&app.store, &prefix)
            .await
            .map_err(Error::from)?;
        let after = feed::parse_cursor(
            &app.store,
            "after_cursor",
            &req.after_cursor,
            *mark.borrow(),
        )?;
        let follower = Follower::new(app.store.clone(), prefix, after, mark, app.shutdown.clone());
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(pump(app.clone(), caller.org, follower, tx));
        Ok(Response::new(
            Box::pin(ReceiverStream::new(rx)) as BreachStream
        ))
    }
}

/// Feeds one watcher with the breach events visible to `org`, until the client goes away
/// or the server stops.
async fn pump(
    app: Arc<App>,
    org: Organization,
    mut follower: Follower,
    tx: mpsc::Sender<Result<pb::WatchBreachesResponse, Status>>,
) {
    let mut stop = app.shutdown.clone();
    loop {
        let next = tokio::select! {
            n = follower.next() => n,
            _ = tx.closed() => return,
        };
        let entry = match next.map(|r| {
            r.and_then(|(seq, bytes)| {
                Ok((
                    seq,
                    codec::decode::<BreachLogEntry>(&seq.to_be_bytes(), &bytes)?,
                ))
            })
        }) {
            None => return,
            Some(Ok(entry)) => entry,
            Some(Err(e)) => {
                let _ = tx.send(Err(Status::from(Error::from(e)))).await;
                return;
            }
        };
        let (seq, entry) = entry;
        if !entry.breach.visible_to(&org) {
            continue;
        }
        let msg = pb::WatchBreachesResponse {
            cursor: feed::cursor(&app.store, seq),
            kind: match entry.kind {
                BreachEventKind::Recorded => pb::BreachEventKind::Recorded,
                BreachEventKind::Resolved => pb::BreachEventKind::Resolved,
            } as i32,
            breach: Some(breach_to_pb(&entry.breach)),
            receipt: match app.receipts.of_breach_event(
                &app.store,
                &entry.breach.case.id,
                entry.breach.id,
                deadlines::evidence::names(entry.kind).1,
            ) {
                Ok(r) => r.unwrap_or_default(),
                Err(e) => {
                    let _ = tx.send(Err(Status::from(Error::from(e)))).await;
                    return;
                }
            },
        };
        tokio::select! {
            r = tx.send(Ok(msg)) => if r.is_err() { return },
            _ = stop.recv() => return,
        }
    }
}
