//! `lacznik.v1.AssistanceService`: police-assistance requests, welfare centre -> police
//! unit. Each handler decodes, calls `assistance::service`, encodes; the call layer has
//! already resolved the caller and opened the span and the audit scope.

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::assistance_map::{Decoder, detailed_pb, officer, record_pb, signatory, state_pb};
use super::convert::{page_size, ts_from_pb};
use super::{pb, record_id, split};
use crate::app::App;
use crate::assistance::amend::{Amendment, Part};
use crate::assistance::commands::Ack;
use crate::assistance::model::State;
use crate::assistance::service;
use crate::assistance::store::ListFilter;
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

/// Server stream of police events.
pub type EventStream =
    Pin<Box<dyn Stream<Item = Result<pb::StreamAssistanceRequestsResponse, Status>> + Send>>;

fn one(r: service::Detailed) -> Option<pb::AssistanceRequest> {
    Some(detailed_pb(&r))
}

#[tonic::async_trait]
impl pb::assistance_service_server::AssistanceService for AssistanceApi {
    async fn submit_assistance_request(
        &self,
        request: Request<pb::SubmitAssistanceRequestRequest>,
    ) -> Result<Response<pb::SubmitAssistanceRequestResponse>, Status> {
        let (caller, req) = split(request)?;
        record_id(&req.request_id);
        let mut d = Decoder::default();
        let raw = d.submission(&req);
        let r = service::submit(&self.app, &caller.org, &raw, d.violations).await?;
        Ok(Response::new(pb::SubmitAssistanceRequestResponse {
            receipt: r.receipt.clone().unwrap_or_default(),
            request: one(r),
        }))
    }

    async fn get_assistance_request(
        &self,
        request: Request<pb::GetAssistanceRequestRequest>,
    ) -> Result<Response<pb::GetAssistanceRequestResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.request_id);
        let r = service::get(&self.app, &caller.org.id, &id)?;
        Ok(Response::new(pb::GetAssistanceRequestResponse {
            request: one(r),
        }))
    }

    async fn list_assistance_requests(
        &self,
        request: Request<pb::ListAssistanceRequestsRequest>,
    ) -> Result<Response<pb::ListAssistanceRequestsResponse>, Status> {
        let (caller, req) = split(request)?;
        let (filter, size) = list_filter(&req)?;
        let (records, next) =
            service::list(&self.app, &caller.org.id, &filter, &req.page_token, size)?;
        Ok(Response::new(pb::ListAssistanceRequestsResponse {
            requests: records.iter().map(|r| record_pb(r, None)).collect(),
            next_page_token: next,
        }))
    }

    async fn amend_assistance_request(
        &self,
        request: Request<pb::AmendAssistanceRequestRequest>,
    ) -> Result<Response<pb::AmendAssistanceRequestResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.request_id);
        let amendment = amendment(id, &req);
        let r = service::amend(&self.app, &caller.org, amendment).await?;
        Ok(Response::new(pb::AmendAssistanceRequestResponse {
            receipt: r.receipt.clone().unwrap_or_default(),
            request: one(r),
        }))
    }

    async fn cancel_assistance_request(
        &self,
        request: Request<pb::CancelAssistanceRequestRequest>,
    ) -> Result<Response<pb::CancelAssistanceRequestResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.request_id);
        let r = service::cancel(&self.app, &caller.org.id, id, req.reason).await?;
        Ok(Response::new(pb::CancelAssistanceRequestResponse {
            receipt: r.receipt.clone().unwrap_or_default(),
            request: one(r),
        }))
    }

    async fn submit_written_confirmation(
        &self,
        request: Request<pb::SubmitWrittenConfirmationRequest>,
    ) -> Result<Response<pb::SubmitWrittenConfirmationResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.request_id);
        let signed_by = req.signed_by.as_ref().map(signatory).unwrap_or_default();
        let r = service::confirm(&self.app, &caller.org.id, id, signed_by, &req.remarks).await?;
        Ok(Response::new(pb::SubmitWrittenConfirmationResponse {
            receipt: r.receipt.clone().unwrap_or_default(),
            request: one(r),
        }))
    }

    type StreamAssistanceRequestsStream = EventStream;

    async fn stream_assistance_requests(
        &self,
        request: Request<pb::StreamAssistanceRequestsRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let (caller, req) = split(request)?;
        let follower = service::follow(&self.app, &caller.org, &req.after_cursor).await?;
        let (tx, rx) = mpsc::channel(64);
        let org = caller.org.id.to_string();
        let via = crate::audit::Via::call("grpc", &caller.certificate);
        tokio::spawn(super::assistance_stream::pump(
            self.app.clone(),
            org,
            via,
            follower,
            tx,
        ));
        Ok(Response::new(
            Box::pin(ReceiverStream::new(rx)) as EventStream
        ))
    }

    async fn acknowledge_assistance_request(
        &self,
        request: Request<pb::AcknowledgeAssistanceRequestRequest>,
    ) -> Result<Response<pb::AcknowledgeAssistanceRequestResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.request_id);
        let ack = match pb::AssistanceRequestState::try_from(req.acknowledgement) {
            Ok(pb::AssistanceRequestState::Received) => Ack::Received,
            Ok(pb::AssistanceRequestState::Accepted) => {
                Ack::Accepted(req.officers.iter().map(officer).collect())
            }
            Ok(pb::AssistanceRequestState::Declined) => Ack::Declined(req.reason.clone()),
            _ => {
                let e = Error::invalid("acknowledgement", "one of RECEIVED, ACCEPTED, DECLINED");
                return Err(e.into());
            }
        };
        let r = service::acknowledge(&self.app, &caller.org.id, id, ack).await?;
        Ok(Response::new(pb::AcknowledgeAssistanceRequestResponse {
            receipt: r.receipt.clone().unwrap_or_default(),
            request: one(r),
        }))
    }

    async fn file_service_note(
        &self,
        request: Request<pb::FileServiceNoteRequest>,
    ) -> Result<Response<pb::FileServiceNoteResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.request_id);
        let mut d = Decoder::default();
        if req.note.is_none() {
            d.violations.push(FieldViolation::new("note", "required"));
        }
        let note = d.note(req.note.as_ref(), self.app.clock.now());
        let r = service::file_note(&self.app, &caller.org.id, id, note, d.violations).await?;
        Ok(Response::new(pb::FileServiceNoteResponse {
            receipt: r.receipt.clone().unwrap_or_default(),
            request: one(r),
        }))
    }
}

/// The filter and page size of ListAssistanceRequests, every bad field at once.
fn list_filter(req: &pb::ListAssistanceRequestsRequest) -> Result<(ListFilter, usize), Error> {
    let mut violations = Vec::new();
    let state = match pb::AssistanceRequestState::try_from(req.state) {
        Ok(pb::AssistanceRequestState::Unspecified) => None,
        Ok(s) => State::ALL.into_iter().find(|d| state_pb(*d) == s),
        Err(_) => {
            violations.push(FieldViolation::new("state", "unknown state"));
            None
        }
    };
    let mut ts = |field: &str, t: Option<&prost_types::Timestamp>| {
        ts_from_pb(field, t).unwrap_or_else(|v| {
            violations.push(v);
            None
        })
    };
    let from = ts("planned_from", req.planned_from.as_ref());
    let to = ts("planned_to", req.planned_to.as_ref());
    let size = page_size("page_size", req.page_size, 50, 500).unwrap_or_else(|v| {
        violations.push(v);
        50
    });
    if !violations.is_empty() {
        return Err(Error::InvalidArgument(violations));
    }
    Ok((ListFilter { state, from, to }, size))
}

/// The amendment of AmendAssistanceRequest, with what the decoder found wrong.
fn amendment(request_id: String, req: &pb::AmendAssistanceRequestRequest) -> Amendment {
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
    Amendment {
        request_id,
        expected_version: req.expected_version,
        parts,
        content,
        pre: d.violations,
    }
}
