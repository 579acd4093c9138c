//! `lacznik.v1.BlueCardService`: Blue Card A, initiators -> chair of the team.

use std::sync::Arc;
use std::time::Duration;

use tonic::{Request, Response, Status};

use super::assistance_map::signatory;
use super::blue_card_map::{CardDecoder, card_pb, card_state, procedure_pb};
use super::convert::{cursor, page_size, ts_from_pb};
use super::{Caller, call, pb, record_id};
use crate::app::App;
use crate::assistance::commands::Ctx;
use crate::bluecard::commands;
use crate::bluecard::model::*;
use crate::bluecard::store as records;
use crate::bluecard::validate;
use crate::deadlines::{self, Deadlines};
use crate::directory::OrgKind;
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

fn norm(id: &str) -> String {
    id.trim().to_lowercase()
}

fn is_closed(app: &App, procedure_id: &str) -> Result<bool, Error> {
    Ok(records::procedure(&app.store, procedure_id)?.is_some_and(|p| p.closure.is_some()))
}

/// A card with its deadlines and breaches.
fn detailed(app: &App, c: &CardRecord) -> Result<pb::BlueCard, Error> {
    let clocks = Deadlines::clocks_of(&app.store, &c.card_id)?;
    let breaches = deadlines::breach::of_case(&app.store, &c.card_id)?;
    Ok(card_pb(
        c,
        is_closed(app, &c.procedure_id)?,
        Some((&clocks, &breaches)),
    ))
}

/// A procedure as `caller` may see it: the team everything, an initiator its own cards.
fn procedure_view(app: &App, caller: &Caller, p: &ProcedureRecord) -> Result<pb::Procedure, Error> {
    let for_team = p.team == caller.org.id;
    let mut cards = Vec::new();
    let mut breaches = Vec::new();
    for id in &p.cards {
        let Some(c) = records::card(&app.store, id)? else {
            continue;
        };
        if for_team || c.initiator == caller.org.id {
            super::audit_scope::touched(&c.card_id);
            cards.push(detailed(app, &c)?);
            breaches.extend(deadlines::breach::of_case(&app.store, id)?);
        }
    }
    Ok(procedure_pb(p, cards, &breaches, for_team))
}

async fn run_card<F>(app: &Arc<App>, f: F) -> Result<pb::BlueCard, Error>
where
    F: FnOnce(&Ctx, &mut crate::store::Txn<'_>, jiff::Timestamp) -> Result<CardRecord, Error>
        + Send
        + 'static,
{
    let card = super::audit_scope::execute_audited(app, f, |c: &CardRecord| {
        vec![c.card_id.clone(), c.procedure_id.clone()]
    })
    .await?;
    detailed(app, &card)
}

async fn run_procedure<F>(app: &Arc<App>, caller: &Caller, f: F) -> Result<pb::Procedure, Error>
where
    F: FnOnce(&Ctx, &mut crate::store::Txn<'_>, jiff::Timestamp) -> Result<ProcedureRecord, Error>
        + Send
        + 'static,
{
    let p = super::audit_scope::execute_audited(app, f, |p: &ProcedureRecord| {
        vec![p.procedure_id.clone()]
    })
    .await?;
    procedure_view(app, caller, &p)
}

fn require_initiator(caller: &Caller) -> Result<(), Error> {
    if caller.org.kind.is_blue_card_initiator() {
        Ok(())
    } else {
        Err(Error::PermissionDenied(format!(
            "only initiating services (art. 9d ust. 2) submit Blue Cards; {} is a {}",
            caller.org.id,
            caller.org.kind.as_str()
        )))
    }
}

fn require_team(caller: &Caller) -> Result<(), Error> {
    if caller.org.kind == OrgKind::Team {
        Ok(())
    } else {
        Err(Error::PermissionDenied(format!(
            "only an interdisciplinary team pulls Blue Cards; {} is a {}",
            caller.org.id,
            caller.org.kind.as_str()
        )))
    }
}

#[tonic::async_trait]
impl pb::blue_card_service_server::BlueCardService for BlueCardApi {
    async fn submit_blue_card_a(
        &self,
        request: Request<pb::SubmitBlueCardARequest>,
    ) -> Result<Response<pb::SubmitBlueCardAResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "SubmitBlueCardA",
            request,
            |caller, req| async move {
                record_id(&req.card_id);
                require_initiator(&caller)?;
                let mut d = CardDecoder::default();
                let raw = d.content(req.content.as_ref());
                let (sub, team) = validate::submission(
                    &req.card_id,
                    &req.procedure_id,
                    raw.as_ref(),
                    d.violations,
                    app.clock.now(),
                    &app.directory,
                )?;
                let initiator = caller.org.id.clone();
                let card = run_card(&app, move |c, txn, now| {
                    commands::submit(c, txn, &initiator, sub, team, now)
                })
                .await?;
                Ok(pb::SubmitBlueCardAResponse { card: Some(card) })
            },
        )
        .await
    }

    async fn get_blue_card(
        &self,
        request: Request<pb::GetBlueCardRequest>,
    ) -> Result<Response<pb::GetBlueCardResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "GetBlueCard",
            request,
            |caller, req| async move {
                record_id(&req.card_id);
                let id = norm(&req.card_id);
                let c = records::card(&app.store, &id)?
                    .filter(|c| c.initiator == caller.org.id || c.team == caller.org.id)
                    .ok_or(Error::NotFound {
                        what: "Blue Card",
                        id,
                    })?;
                Ok(pb::GetBlueCardResponse {
                    card: Some(detailed(&app, &c)?),
                })
            },
        )
        .await
    }

    async fn list_blue_cards(
        &self,
        request: Request<pb::ListBlueCardsRequest>,
    ) -> Result<Response<pb::ListBlueCardsResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "ListBlueCards",
            request,
            |caller, req| async move {
                let mut v = Vec::new();
                let state = match pb::BlueCardState::try_from(req.state) {
                    Ok(pb::BlueCardState::Unspecified) => None,
                    Ok(s) => Some(s),
                    Err(_) => {
                        v.push(FieldViolation::new("state", "unknown state"));
                        None
                    }
                };
                let from = ts_from_pb("submitted_from", req.submitted_from.as_ref())
                    .unwrap_or_else(|e| {
                        v.push(e);
                        None
                    });
                let to =
                    ts_from_pb("submitted_to", req.submitted_to.as_ref()).unwrap_or_else(|e| {
                        v.push(e);
                        None
                    });
                let size = page_size("page_size", req.page_size, 50, 500).unwrap_or_else(|e| {
                    v.push(e);
                    50
                });
                if !v.is_empty() {
                    return Err(Error::InvalidArgument(v));
                }
                let procedure = norm(&req.procedure_id);
                let keep = |c: &CardRecord| {
                    state.is_none_or(|s| card_state(c) == s)
                        && (procedure.is_empty() || c.procedure_id == procedure)
                };
                let (cards, next) = records::list(
                    &app.store,
                    &caller.org.id,
                    keep,
                    from,
                    to,
                    &req.page_token,
                    size,
                )?;
                let mut out = Vec::with_capacity(cards.len());
                for c in &cards {
                    out.push(card_pb(c, is_closed(&app, &c.procedure_id)?, None));
                }
                Ok(pb::ListBlueCardsResponse {
                    cards: out,
                    next_page_token: next,
                })
            },
        )
        .await
    }

    async fn pull_blue_cards(
        &self,
        request: Request<pb::PullBlueCardsRequest>,
    ) -> Result<Response<pb::PullBlueCardsResponse>, Status> {
        let app = self.app.clone();
        call(&self.app, "PullBlueCards", request, |caller, req| async move {
            require_team(&caller)?;
            let mut v = Vec::new();
            let after = cursor("after_cursor", &req.after_cursor).unwrap_or_else(|e| {
                v.push(e);
                0
            });
            let max = page_size("max_cards", req.max_cards, 10, 100).unwrap_or_else(|e| {
                v.push(e);
                10
            });
            if req.wait_seconds > 60 {
                v.push(FieldViolation::new("wait_seconds", "at most 60"));
            }
            if !v.is_empty() {
                return Err(Error::InvalidArgument(v));
            }
            let prefix = records::inbox_prefix(&caller.org.id);
            let mut mark = app.feeds.watch(&app.store, &prefix).await?;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(req.wait_seconds));
            let mut stop = app.shutdown.clone();
            loop {
                let up_to = *mark.borrow_and_update();
                let pending = records::pending(&app.store, &caller.org.id, after, up_to, max)?;
                if !pending.is_empty() || tokio::time::Instant::now() >= deadline {
                    let mut cards = Vec::new();
                    let mut next = after;
                    for (seq, id) in pending {
                        next = seq;
                        if let Some(c) = records::card(&app.store, &id)? {
                            super::audit_scope::touched(&c.card_id);
                            cards.push(pb::PulledCard {
                                cursor: seq.to_string(),
                                card: Some(card_pb(&c, is_closed(&app, &c.procedure_id)?, None)),
                            });
                        }
                    }
                    return Ok(pb::PullBlueCardsResponse {
                        cards,
                        next_cursor: if next == 0 { req.after_cursor.clone() } else { next.to_string() },
                    });
                }
                tokio::select! {
                    r = mark.changed() => if r.is_err() { return Err(Error::Store(crate::store::StoreError::Closed)) },
                    _ = tokio::time::sleep_until(deadline) => {}
                    _ = stop.recv() => {
                        return Ok(pb::PullBlueCardsResponse { cards: vec![], next_cursor: req.after_cursor.clone() });
                    }
                }
            }
        })
        .await
    }

    async fn acknowledge_blue_card(
        &self,
        request: Request<pb::AcknowledgeBlueCardRequest>,
    ) -> Result<Response<pb::AcknowledgeBlueCardResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "AcknowledgeBlueCard",
            request,
            |caller, req| async move {
                record_id(&req.card_id);
                let id = norm(&req.card_id);
                let team = caller.org.id.clone();
                let card = run_card(&app, move |c, txn, now| {
                    commands::acknowledge(c, txn, &team, &id, now)
                })
                .await?;
                Ok(pb::AcknowledgeBlueCardResponse { card: Some(card) })
            },
        )
        .await
    }

    async fn record_forwarding(
        &self,
        request: Request<pb::RecordForwardingRequest>,
    ) -> Result<Response<pb::RecordForwardingResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "RecordForwarding",
            request,
            |caller, req| async move {
                record_id(&req.card_id);
                let mut d = CardDecoder::default();
                let to = match pb::ForwardedTo::try_from(req.forwarded_to) {
                    Ok(pb::ForwardedTo::TeamMembers) => Some(ForwardedTo::TeamMembers),
                    Ok(pb::ForwardedTo::WorkingGroup) => Some(ForwardedTo::WorkingGroup),
                    Ok(pb::ForwardedTo::Unspecified) => None,
                    Err(_) => {
                        d.violations
                            .push(FieldViolation::new("forwarded_to", "unknown value"));
                        None
                    }
                };
                let at = d.ts("forwarded_time", req.forwarded_time.as_ref());
                let input = commands::ForwardingInput {
                    to,
                    recipients: req.recipients.clone(),
                    at,
                    check: Checker::new(d.violations),
                };
                let id = norm(&req.card_id);
                let team = caller.org.id.clone();
                let card = run_card(&app, move |c, txn, now| {
                    commands::forward(c, txn, &team, &id, input, now)
                })
                .await?;
                Ok(pb::RecordForwardingResponse { card: Some(card) })
            },
        )
        .await
    }

    async fn record_procedure_step(
        &self,
        request: Request<pb::RecordProcedureStepRequest>,
    ) -> Result<Response<pb::RecordProcedureStepResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "RecordProcedureStep",
            request,
            |caller, req| async move {
                record_id(&req.procedure_id);
                let mut d = CardDecoder::default();
                let kind = match pb::ProcedureStepKind::try_from(req.kind) {
                    Ok(pb::ProcedureStepKind::FormC) => Some(StepKind::FormC),
                    Ok(pb::ProcedureStepKind::FormD) => Some(StepKind::FormD),
                    Ok(pb::ProcedureStepKind::HelpPlanAdopted) => Some(StepKind::HelpPlanAdopted),
                    Ok(pb::ProcedureStepKind::HelpPlanChanged) => Some(StepKind::HelpPlanChanged),
                    Ok(pb::ProcedureStepKind::Unspecified) => None,
                    Err(_) => {
                        d.violations
                            .push(FieldViolation::new("kind", "unknown step"));
                        None
                    }
                };
                let at = d.ts("step_time", req.step_time.as_ref());
                let check = Checker::new(d.violations);
                let id = norm(&req.procedure_id);
                let team = caller.org.id.clone();
                let procedure = run_procedure(&app, &caller, move |_c, txn, now| {
                    commands::step(txn, &team, &id, kind, at, check, now)
                })
                .await?;
                Ok(pb::RecordProcedureStepResponse {
                    procedure: Some(procedure),
                })
            },
        )
        .await
    }

    async fn close_procedure(
        &self,
        request: Request<pb::CloseProcedureRequest>,
    ) -> Result<Response<pb::CloseProcedureResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "CloseProcedure",
            request,
            |caller, req| async move {
                record_id(&req.procedure_id);
                let mut d = CardDecoder::default();
                let reason = match pb::ClosureReason::try_from(req.reason) {
                    Ok(pb::ClosureReason::ViolenceStopped) => Some(ClosureReason::ViolenceStopped),
                    Ok(pb::ClosureReason::NoGrounds) => Some(ClosureReason::NoGrounds),
                    Ok(pb::ClosureReason::Unspecified) => None,
                    Err(_) => {
                        d.violations
                            .push(FieldViolation::new("reason", "unknown reason"));
                        None
                    }
                };
                let protocol = req.protocol.as_ref().map(|p| {
                    let start = d.ts("protocol.start_time", p.start_time.as_ref());
                    let end = d.ts("protocol.end_time", p.end_time.as_ref());
                    if start.is_none()
                        && !d
                            .violations
                            .iter()
                            .any(|v| v.field == "protocol.start_time")
                    {
                        d.violations
                            .push(FieldViolation::new("protocol.start_time", "required"));
                    }
                    if end.is_none() && !d.violations.iter().any(|v| v.field == "protocol.end_time")
                    {
                        d.violations
                            .push(FieldViolation::new("protocol.end_time", "required"));
                    }
                    let now = app.clock.now();
                    Protocol {
                        persons: p.persons.iter().map(|s| s.trim().to_string()).collect(),
                        start: start.unwrap_or(now),
                        end: end.or(start).unwrap_or(now),
                        actions: p.actions.trim().into(),
                        signed_by: p.signed_by.as_ref().map(signatory).unwrap_or_default(),
                    }
                });
                let input = commands::ClosureInput {
                    reason,
                    protocol,
                    check: Checker::new(d.violations),
                };
                let id = norm(&req.procedure_id);
                let team = caller.org.id.clone();
                let procedure = run_procedure(&app, &caller, move |c, txn, now| {
                    commands::close(c, txn, &team, &id, input, now)
                })
                .await?;
                Ok(pb::CloseProcedureResponse {
                    procedure: Some(procedure),
                })
            },
        )
        .await
    }

    async fn get_procedure(
        &self,
        request: Request<pb::GetProcedureRequest>,
    ) -> Result<Response<pb::GetProcedureResponse>, Status> {
        let app = self.app.clone();
        call(
            &self.app,
            "GetProcedure",
            request,
            |caller, req| async move {
                record_id(&req.procedure_id);
                let id = norm(&req.procedure_id);
                let p = records::procedure(&app.store, &id)?
                    .filter(|p| p.team == caller.org.id || p.initiators.contains(&caller.org.id))
                    .ok_or(Error::NotFound {
                        what: "procedure",
                        id,
                    })?;
                Ok(pb::GetProcedureResponse {
                    procedure: Some(procedure_view(&app, &caller, &p)?),
                })
            },
        )
        .await
    }
}
