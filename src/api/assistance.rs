//! `lacznik.v1.AssistanceService`: police-assistance requests, welfare centre -> police unit.

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::assistance_map::{Decoder, officer, record_pb, signatory, state_pb};
use super::convert::{cursor, page_size, ts_from_pb};
use super::{Caller, call, pb, record_id};
use crate::app::App;
use crate::assistance::amend::{self, Amendment, Part};
use crate::assistance::commands::{self, Ack, Ctx};
use crate::assistance::model::{AssistanceRecord, State, WrittenConfirmation};
use crate::assistance::store::{self as records, ListFilter};
use crate::assistance::validate;
use crate::deadlines::{self, Deadlines};
use crate::directory::OrgKind;
use crate::error::{Error, FieldViolation};

/// The service implementation.
pub struct AssistanceApi {
    app: Arc<App>,
}

impl AssistanceApi {
    /// Wraps the application state.
    pub fn new(app: Arc<App>) -> Self {
        AssistanceApi { app }
    }
}

fn require(caller: &Caller, kind: OrgKind, what: &str) -> Result<(), Error> {
    if caller.org.kind == kind {
        Ok(())
    } else {
        Err(Error::PermissionDenied(format!(
            "only a {} may {what}; {} is a {}",
            kind.as_str(),
            caller.org.id,
            caller.org.kind.as_str()
        )))
    }
}

/// The full view: record, deadlines and breaches.
fn detailed(app: &App, r: &AssistanceRecord) -> Result<pb::AssistanceRequest, Error> {
    let clocks = Deadlines::clocks_of(&app.store, &r.request_id)?;
    let breaches = deadlines::breach::of_case(&app.store, &r.request_id)?;
    Ok(record_pb(r, Some((&clocks, &breaches))))
}

/// Runs a command (audited in its own batch) and returns the detailed view of the record.
async fn run<F>(app: &Arc<App>, command: F) -> Result<pb::AssistanceRequest, Error>
where
    F: FnOnce(&Ctx, &mut crate::store::Txn<'_>, jiff::Timestamp) -> Result<AssistanceRecord, Error>
        + Send
        + 'static,
{
    let r = super::audit_scope::execute_audited(app, command, |r: &AssistanceRecord| {
        vec![r.request_id.clone()]
    })
    .await?;
    detailed(app, &r)
}

fn invalid(v: FieldViolation) -> Error {
    Error::InvalidArgument(vec![v])
}

/// Server stream of police events.
pub type EventStream =
    Pin<Box<dyn Stream<Item = Result<pb::StreamAssistanceRequestsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl pb::assistance_service_server::AssistanceService for AssistanceApi {
    async fn submit_assistance_request(
        &self,
        request: Request<pb::SubmitAssistanceRequestRequest>,
    ) -> Result<Response<pb::SubmitAssistanceRequestResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "SubmitAssistanceRequest",
            request,
            |caller, req| async move {
                record_id(&req.request_id);
                require(
                    &caller,
                    OrgKind::WelfareCentre,
                    "submit assistance requests",
                )?;
                let mut d = Decoder::default();
                let raw = d.submission(&req);
                let now = app.clock.now();
                let (submission, police) =
                    validate::submission(&raw, d.violations, now, &caller.org, &app.directory)?;
                let centre = caller.org.id.clone();
                let request = run(&app, move |c, txn, now| {
                    commands::submit(c, txn, &centre, submission, police, now)
                })
                .await?;
                Ok(pb::SubmitAssistanceRequestResponse {
                    request: Some(request),
                })
            },
        )
        .await
    }

    async fn get_assistance_request(
        &self,
        request: Request<pb::GetAssistanceRequestRequest>,
    ) -> Result<Response<pb::GetAssistanceRequestResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "GetAssistanceRequest",
            request,
            |caller, req| async move {
                record_id(&req.request_id);
                let id = req.request_id.trim().to_lowercase();
                let r = match records::get(&app.store, &id)? {
                    Some(r) if r.centre == caller.org.id || r.police_unit == caller.org.id => r,
                    _ => {
                        return Err(Error::NotFound {
                            what: "assistance request",
                            id,
                        });
                    }
                };
                Ok(pb::GetAssistanceRequestResponse {
                    request: Some(detailed(&app, &r)?),
                })
            },
        )
        .await
    }

    async fn list_assistance_requests(
        &self,
        request: Request<pb::ListAssistanceRequestsRequest>,
    ) -> Result<Response<pb::ListAssistanceRequestsResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "ListAssistanceRequests",
            request,
            |caller, req| async move {
                let mut violations = Vec::new();
                let state = match pb::AssistanceRequestState::try_from(req.state) {
                    Ok(pb::AssistanceRequestState::Unspecified) => None,
                    Ok(s) => [
                        State::Submitted,
                        State::Received,
                        State::Accepted,
                        State::Declined,
                        State::Cancelled,
                        State::Completed,
                    ]
                    .into_iter()
                    .find(|d| state_pb(*d) == s),
                    Err(_) => {
                        violations.push(FieldViolation::new("state", "unknown state"));
                        None
                    }
                };
                let from =
                    ts_from_pb("planned_from", req.planned_from.as_ref()).unwrap_or_else(|v| {
                        violations.push(v);
                        None
                    });
                let to = ts_from_pb("planned_to", req.planned_to.as_ref()).unwrap_or_else(|v| {
                    violations.push(v);
                    None
                });
                let size = page_size("page_size", req.page_size, 50, 500).unwrap_or_else(|v| {
                    violations.push(v);
                    50
                });
                if !violations.is_empty() {
                    return Err(Error::InvalidArgument(violations));
                }
                let filter = ListFilter { state, from, to };
                let (records, next) =
                    records::list(&app.store, &caller.org.id, &filter, &req.page_token, size)?;
                Ok(pb::ListAssistanceRequestsResponse {
                    requests: records.iter().map(|r| record_pb(r, None)).collect(),
                    next_page_token: next,
                })
            },
        )
        .await
    }

    async fn amend_assistance_request(
        &self,
        request: Request<pb::AmendAssistanceRequestRequest>,
    ) -> Result<Response<pb::AmendAssistanceRequestResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "AmendAssistanceRequest",
            request,
            |caller, req| async move {
                record_id(&req.request_id);
                let mut d = Decoder::default();
                let mut parts = Vec::new();
                for (i, f) in req.fields.iter().enumerate() {
                    match Part::parse(f) {
                        Some(p) => parts.push(p),
                        None => d.violations.push(FieldViolation::new(
                            format!("fields[{i}]"),
                            "one of planned_time, address, social_workers, expected_behaviour",
                        )),
                    }
                }
                let content = d
                    .content("content", req.content.as_ref())
                    .unwrap_or_default();
                let amendment = Amendment {
                    request_id: req.request_id.trim().to_lowercase(),
                    expected_version: req.expected_version,
                    parts,
                    content,
                    pre: d.violations,
                };
                let centre = caller.org.clone();
                let directory = app.directory.clone();
                let request = run(&app, move |c, txn, now| {
                    amend::amend(c, txn, &centre, &directory, amendment, now)
                })
                .await?;
                Ok(pb::AmendAssistanceRequestResponse {
                    request: Some(request),
                })
            },
        )
        .await
    }

    async fn cancel_assistance_request(
        &self,
        request: Request<pb::CancelAssistanceRequestRequest>,
    ) -> Result<Response<pb::CancelAssistanceRequestResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "CancelAssistanceRequest",
            request,
            |caller, req| async move {
                record_id(&req.request_id);
                let id = req.request_id.trim().to_lowercase();
                let centre = caller.org.id.clone();
                let request = run(&app, move |c, txn, now| {
                    commands::cancel(c, txn, &centre, &id, &req.reason, now)
                })
                .await?;
                Ok(pb::CancelAssistanceRequestResponse {
                    request: Some(request),
                })
            },
        )
        .await
    }

    async fn submit_written_confirmation(
        &self,
        request: Request<pb::SubmitWrittenConfirmationRequest>,
    ) -> Result<Response<pb::SubmitWrittenConfirmationResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "SubmitWrittenConfirmation",
            request,
            |caller, req| async move {
                record_id(&req.request_id);
                let id = req.request_id.trim().to_lowercase();
                let signed_by = req.signed_by.as_ref().map(signatory).unwrap_or_default();
                let centre = caller.org.id.clone();
                let confirmation = WrittenConfirmation {
                    at: app.clock.now(),
                    signed_by,
                    remarks: req.remarks.trim().to_string(),
                };
                let request = run(&app, move |c, txn, now| {
                    commands::confirm(c, txn, &centre, &id, confirmation, now)
                })
                .await?;
                Ok(pb::SubmitWrittenConfirmationResponse {
                    request: Some(request),
                })
            },
        )
        .await
    }

    type StreamAssistanceRequestsStream = EventStream;

    async fn stream_assistance_requests(
        &self,
        request: Request<pb::StreamAssistanceRequestsRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "StreamAssistanceRequests",
            request,
            |caller, req| async move {
                require(&caller, OrgKind::PoliceUnit, "stream assistance requests")?;
                let after = cursor("after_cursor", &req.after_cursor).map_err(invalid)?;
                let prefix = records::feed_prefix(&caller.org.id);
                let mark = app.feeds.watch(&app.store, &prefix).await?;
                let (tx, rx) = mpsc::channel(64);
                tokio::spawn(super::assistance_stream::pump(
                    app,
                    caller.org.id.to_string(),
                    prefix,
                    after,
                    mark,
                    tx,
                ));
                Ok(Box::pin(ReceiverStream::new(rx)) as EventStream)
            },
        )
        .await
    }

    async fn acknowledge_assistance_request(
        &self,
        request: Request<pb::AcknowledgeAssistanceRequestRequest>,
    ) -> Result<Response<pb::AcknowledgeAssistanceRequestResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "AcknowledgeAssistanceRequest",
            request,
            |caller, req| async move {
                record_id(&req.request_id);
                let ack = match pb::AssistanceRequestState::try_from(req.acknowledgement) {
                    Ok(pb::AssistanceRequestState::Received) => Ack::Received,
                    Ok(pb::AssistanceRequestState::Accepted) => {
                        Ack::Accepted(req.officers.iter().map(officer).collect())
                    }
                    Ok(pb::AssistanceRequestState::Declined) => Ack::Declined(req.reason.clone()),
                    _ => {
                        return Err(Error::invalid(
                            "acknowledgement",
                            "one of RECEIVED, ACCEPTED, DECLINED",
                        ));
                    }
                };
                let id = req.request_id.trim().to_lowercase();
                let police = caller.org.id.clone();
                let request = run(&app, move |c, txn, now| {
                    commands::acknowledge(c, txn, &police, &id, ack, now)
                })
                .await?;
                Ok(pb::AcknowledgeAssistanceRequestResponse {
                    request: Some(request),
                })
            },
        )
        .await
    }

    async fn file_service_note(
        &self,
        request: Request<pb::FileServiceNoteRequest>,
    ) -> Result<Response<pb::FileServiceNoteResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "FileServiceNote",
            request,
            |caller, req| async move {
                record_id(&req.request_id);
                let id = req.request_id.trim().to_lowercase();
                let mut d = Decoder::default();
                if req.note.is_none() {
                    d.violations.push(FieldViolation::new("note", "required"));
                }
                let note = d.note(req.note.as_ref(), app.clock.now());
                let pre = d.violations;
                let police = caller.org.id.clone();
                let request = run(&app, move |c, txn, now| {
                    commands::file_note(c, txn, &police, &id, note, pre, now)
                })
                .await?;
                Ok(pb::FileServiceNoteResponse {
                    request: Some(request),
                })
            },
        )
        .await
    }
}
