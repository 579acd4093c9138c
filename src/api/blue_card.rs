//! `lacznik.v1.BlueCardService`: Blue Card A, initiators -> chair of the team. Each
//! handler decodes, calls `bluecard::service` (or `bluecard::inbox` for the long poll),
//! encodes; the call layer has already resolved the caller, opened the span and the audit
//! scope.

use std::sync::Arc;
use std::time::Duration;

use tonic::{Request, Response, Status};

use super::assistance_map::signatory;
use super::blue_card_map::{CardDecoder, card_pb, card_state, detailed_card_pb, view_pb};
use super::convert::{page_size, ts_from_pb};
use super::{pb, record_id, split};
use crate::app::App;
use crate::bluecard::commands::ForwardingInput;
use crate::bluecard::model::{CardRecord, ClosureReason, ForwardedTo, StepKind};
use crate::bluecard::service::{self, RawProtocol};
use crate::bluecard::{inbox, validate};
use crate::error::{Error, FieldViolation};
use crate::validation::Checker;

/// The service implementation.
pub struct BlueCardApi {
    app: Arc<App>,
}

impl BlueCardApi {
    /// Wraps the application state.
    pub fn new(app: Arc<App>) -> Self {
        BlueCardApi { app }
    }
}

/// A wire enum that is unset (`None`), known (`Some`) or unknown (a violation of `field`).
fn enum_or<T>(
    d: &mut CardDecoder,
    field: &str,
    v: Result<Option<T>, prost::UnknownEnumValue>,
    what: &str,
) -> Option<T> {
    v.unwrap_or_else(|_| {
        d.violations.push(FieldViolation::new(field, what));
        None
    })
}

#[tonic::async_trait]
impl pb::blue_card_service_server::BlueCardService for BlueCardApi {
    async fn submit_blue_card_a(
        &self,
        request: Request<pb::SubmitBlueCardARequest>,
    ) -> Result<Response<pb::SubmitBlueCardAResponse>, Status> {
        let (caller, req) = split(request)?;
        record_id(&req.card_id);
        let mut d = CardDecoder::default();
        let raw: Option<validate::RawCardContent> = d.content(req.content.as_ref());
        let c = service::submit(
            &self.app,
            &caller.org,
            &req.card_id,
            &req.procedure_id,
            raw.as_ref(),
            d.violations,
        )
        .await?;
        Ok(Response::new(pb::SubmitBlueCardAResponse {
            card: Some(detailed_card_pb(&c)),
            receipt: c.receipt.unwrap_or_default(),
        }))
    }

    async fn get_blue_card(
        &self,
        request: Request<pb::GetBlueCardRequest>,
    ) -> Result<Response<pb::GetBlueCardResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.card_id);
        let c = service::card(&self.app, &caller.org.id, &id)?;
        Ok(Response::new(pb::GetBlueCardResponse {
            card: Some(detailed_card_pb(&c)),
        }))
    }

    async fn list_blue_cards(
        &self,
        request: Request<pb::ListBlueCardsRequest>,
    ) -> Result<Response<pb::ListBlueCardsResponse>, Status> {
        let (caller, req) = split(request)?;
        let (state, range, size) = list_query(&req)?;
        let procedure = crate::validation::normalise_id(&req.procedure_id);
        let keep = |c: &CardRecord| {
            state.is_none_or(|s| card_state(c) == s)
                && (procedure.is_empty() || c.procedure_id == procedure)
        };
        let (cards, next) = service::list(
            &self.app,
            &caller.org.id,
            keep,
            range,
            &req.page_token,
            size,
        )?;
        Ok(Response::new(pb::ListBlueCardsResponse {
            cards: cards
                .iter()
                .map(|(c, closed)| card_pb(c, *closed, None))
                .collect(),
            next_page_token: next,
        }))
    }

    async fn pull_blue_cards(
        &self,
        request: Request<pb::PullBlueCardsRequest>,
    ) -> Result<Response<pb::PullBlueCardsResponse>, Status> {
        let (caller, req) = split(request)?;
        let mut v = Vec::new();
        let max = page_size("max_cards", req.max_cards, 10, 100).unwrap_or_else(|e| {
            v.push(e);
            10
        });
        let wait = Duration::from_secs(u64::from(req.wait_seconds));
        if wait > inbox::MAX_WAIT {
            v.push(FieldViolation::new("wait_seconds", "at most 60"));
        }
        let (pulled, next) =
            inbox::pull(&self.app, &caller.org, &req.after_cursor, max, wait, v).await?;
        Ok(Response::new(pb::PullBlueCardsResponse {
            cards: pulled
                .iter()
                .map(|p| pb::PulledCard {
                    cursor: p.cursor.clone(),
                    card: Some(card_pb(&p.card, p.closed, None)),
                    receipt: p.receipt.clone().unwrap_or_default(),
                })
                .collect(),
            next_cursor: next.unwrap_or(req.after_cursor),
        }))
    }

    async fn acknowledge_blue_card(
        &self,
        request: Request<pb::AcknowledgeBlueCardRequest>,
    ) -> Result<Response<pb::AcknowledgeBlueCardResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.card_id);
        let c = service::acknowledge(&self.app, &caller.org.id, id).await?;
        Ok(Response::new(pb::AcknowledgeBlueCardResponse {
            card: Some(detailed_card_pb(&c)),
            receipt: c.receipt.unwrap_or_default(),
        }))
    }

    async fn record_forwarding(
        &self,
        request: Request<pb::RecordForwardingRequest>,
    ) -> Result<Response<pb::RecordForwardingResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.card_id);
        let mut d = CardDecoder::default();
        let to = pb::ForwardedTo::try_from(req.forwarded_to).map(|t| match t {
            pb::ForwardedTo::TeamMembers => Some(ForwardedTo::TeamMembers),
            pb::ForwardedTo::WorkingGroup => Some(ForwardedTo::WorkingGroup),
            pb::ForwardedTo::DiagnosticSupportGroup => Some(ForwardedTo::DiagnosticSupportGroup),
            pb::ForwardedTo::Unspecified => None,
        });
        let to = enum_or(&mut d, "forwarded_to", to, "unknown value");
        let at = d.ts("forwarded_time", req.forwarded_time.as_ref());
        let input = ForwardingInput {
            to,
            recipients: req.recipients,
            at,
            check: Checker::new(d.violations),
        };
        let c = service::forward(&self.app, &caller.org.id, id, input).await?;
        Ok(Response::new(pb::RecordForwardingResponse {
            card: Some(detailed_card_pb(&c)),
            receipt: c.receipt.unwrap_or_default(),
        }))
    }

    async fn record_procedure_step(
        &self,
        request: Request<pb::RecordProcedureStepRequest>,
    ) -> Result<Response<pb::RecordProcedureStepResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.procedure_id);
        let mut d = CardDecoder::default();
        let kind = pb::ProcedureStepKind::try_from(req.kind).map(|k| match k {
            pb::ProcedureStepKind::FormC => Some(StepKind::FormC),
            pb::ProcedureStepKind::FormD => Some(StepKind::FormD),
            pb::ProcedureStepKind::HelpPlanAdopted => Some(StepKind::HelpPlanAdopted),
            pb::ProcedureStepKind::HelpPlanChanged => Some(StepKind::HelpPlanChanged),
            pb::ProcedureStepKind::GroupMeetingHeld => Some(StepKind::GroupMeetingHeld),
            pb::ProcedureStepKind::Unspecified => None,
        });
        let kind = enum_or(&mut d, "kind", kind, "unknown step");
        let at = d.ts("step_time", req.step_time.as_ref());
        let check = Checker::new(d.violations);
        let p = service::step(&self.app, &caller.org.id, id, kind, at, check).await?;
        Ok(Response::new(pb::RecordProcedureStepResponse {
            procedure: Some(view_pb(&p)),
            receipt: p.receipt.unwrap_or_default(),
        }))
    }

    async fn close_procedure(
        &self,
        request: Request<pb::CloseProcedureRequest>,
    ) -> Result<Response<pb::CloseProcedureResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.procedure_id);
        let mut d = CardDecoder::default();
        let reason = pb::ClosureReason::try_from(req.reason).map(|r| match r {
            pb::ClosureReason::ViolenceStopped => Some(ClosureReason::ViolenceStopped),
            pb::ClosureReason::NoGrounds => Some(ClosureReason::NoGrounds),
            pb::ClosureReason::Unspecified => None,
        });
        let reason = enum_or(&mut d, "reason", reason, "unknown reason");
        let protocol = req.protocol.as_ref().map(|p| RawProtocol {
            persons: p.persons.clone(),
            start: d.ts("protocol.start_time", p.start_time.as_ref()),
            end: d.ts("protocol.end_time", p.end_time.as_ref()),
            actions: p.actions.clone(),
            signed_by: p.signed_by.as_ref().map(signatory).unwrap_or_default(),
        });
        let p = service::close(
            &self.app,
            &caller.org.id,
            id,
            reason,
            protocol,
            d.violations,
        )
        .await?;
        Ok(Response::new(pb::CloseProcedureResponse {
            procedure: Some(view_pb(&p)),
            receipt: p.receipt.unwrap_or_default(),
        }))
    }

    async fn get_procedure(
        &self,
        request: Request<pb::GetProcedureRequest>,
    ) -> Result<Response<pb::GetProcedureResponse>, Status> {
        let (caller, req) = split(request)?;
        let id = record_id(&req.procedure_id);
        let p = service::procedure(&self.app, &caller.org.id, &id)?;
        Ok(Response::new(pb::GetProcedureResponse {
            procedure: Some(view_pb(&p)),
        }))
    }
}

type Range = (Option<jiff::Timestamp>, Option<jiff::Timestamp>);

/// State filter, submission-time range and page size of ListBlueCards, every bad field at
/// once.
fn list_query(
    req: &pb::ListBlueCardsRequest,
) -> Result<(Option<pb::BlueCardState>, Range, usize), Error> {
    let mut v = Vec::new();
    let state = match pb::BlueCardState::try_from(req.state) {
        Ok(pb::BlueCardState::Unspecified) => None,
        Ok(s) => Some(s),
        Err(_) => {
            v.push(FieldViolation::new("state", "unknown state"));
            None
        }
    };
    let mut ts = |field: &str, t: Option<&prost_types::Timestamp>| {
        ts_from_pb(field, t).unwrap_or_else(|e| {
            v.push(e);
            None
        })
    };
    let range = (
        ts("submitted_from", req.submitted_from.as_ref()),
        ts("submitted_to", req.submitted_to.as_ref()),
    );
    let size = page_size("page_size", req.page_size, 50, 500).unwrap_or_else(|e| {
        v.push(e);
        50
    });
    if !v.is_empty() {
        return Err(Error::InvalidArgument(v));
    }
    Ok((state, range, size))
}
