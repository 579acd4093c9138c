//! The Blue Card operations as the API offers them, each whole: who may call it (by
//! organisation kind and by each record's `visible_to`), validation, the command on the
//! writer and the view the caller gets back. The gRPC handlers only decode and encode.

use jiff::Timestamp;

use super::commands::{self, ClosureInput, ForwardingInput, StepInput};
use super::model::{CardRecord, ClosureReason, ProcedureRecord, Protocol, StepKind};
use super::receipts::{self, CardEvent, ProcedureEvent};
use super::store as records;
use super::validate::{self, RawCardContent};
use crate::app::App;
use crate::command;
use crate::deadlines::view::Known;
use crate::deadlines::{self, Breach, ClockRecord};
use crate::directory::{Actor, OrgId, Organization};
use crate::error::{Error, FieldViolation};
use crate::people::Signatory;
use crate::validation::Checker;

/// A card with its deadline clocks and breaches, as a party sees it.
#[derive(Debug, Clone)]
pub struct DetailedCard {
    /// The card.
    pub card: CardRecord,
    /// Its procedure was closed (§ 18).
    pub closed: bool,
    /// Its deadline clocks.
    pub clocks: Vec<ClockRecord>,
    /// Its breaches.
    pub breaches: Vec<Breach>,
    /// The signed receipt of the call's event (none for reads).
    pub receipt: Option<String>,
}

/// A procedure as one caller may see it: the team all of it, an initiator its own cards.
#[derive(Debug, Clone)]
pub struct ProcedureView {
    /// The procedure.
    pub procedure: ProcedureRecord,
    /// The cards the caller may see, in order.
    pub cards: Vec<DetailedCard>,
    /// The breaches of those cards.
    pub breaches: Vec<Breach>,
    /// The caller is the team conducting it.
    pub for_team: bool,
    /// The signed receipt of the call's event (none for reads).
    pub receipt: Option<String>,
}

/// Whether the procedure `id` is closed.
pub fn is_closed(app: &App, procedure_id: &str) -> Result<bool, Error> {
    Ok(records::procedure(&app.store, procedure_id)?.is_some_and(|p| p.closure.is_some()))
}

fn detailed(app: &App, card: CardRecord) -> Result<DetailedCard, Error> {
    detailed_known(app, card, (Known::default(), None))
}

/// [`detailed`], with what the command that just changed the card knows: of its deadlines
/// (the clocks it wrote; a new card's breaches) and whether its procedure is closed (when
/// it wrote the procedure), so that is not read back.
fn detailed_known(
    app: &App,
    card: CardRecord,
    (known, closed): (Known, Option<bool>),
) -> Result<DetailedCard, Error> {
    let (clocks, breaches) = deadlines::view::of_case(&app.store, &card.card_id, known)?;
    let closed = match closed {
        Some(c) => c,
        None => is_closed(app, &card.procedure_id)?,
    };
    Ok(DetailedCard {
        closed,
        card,
        clocks,
        breaches,
        receipt: None,
    })
}

fn view(app: &App, caller: &OrgId, procedure: ProcedureRecord) -> Result<ProcedureView, Error> {
    let mut cards = Vec::new();
    let mut breaches = Vec::new();
    for id in &procedure.cards {
        match records::card(&app.store, id)? {
            Some(c) if c.visible_to(caller) => {
                crate::audit::scope::touched(&c.card_id);
                let d = detailed(app, c)?;
                breaches.extend(d.breaches.iter().cloned());
                cards.push(d);
            }
            _ => {}
        }
    }
    Ok(ProcedureView {
        for_team: procedure.conducted_by(caller),
        procedure,
        cards,
        breaches,
        receipt: None,
    })
}

/// Runs a card command by `actor` with the receipt of `event` when it changed the card (a
/// repeated call changes nothing and gets the receipt of the call that did), then reads
/// the card's view. With the event comes the form's hash when the caller knows it before
/// the command (a submission), so the single writer does not compute it. A submission's
/// card, when the command wrote it, is a new one: its breaches are those the command
/// recorded, and its view is made without a scan for them.
async fn run_card<F>(
    app: &App,
    actor: OrgId,
    (event, form_sha256): (CardEvent, Option<String>),
    f: F,
) -> Result<DetailedCard, Error>
where
    F: FnOnce(&command::Ctx, &mut crate::store::Txn<'_>, Timestamp) -> Result<CardRecord, Error>
        + Send
        + 'static,
{
    let submission = event == CardEvent::Submitted;
    let f = move |c: &command::Ctx, txn: &mut crate::store::Txn<'_>, now| {
        let card = f(c, txn, now)?;
        let created = submission && txn.has_written(&crate::store::keys::card(&card.card_id)?);
        let known = Known::after(txn, &card.card_id, created);
        let closed = records::kept_procedure(txn, &card.procedure_id).map(|p| p.closure.is_some());
        Ok::<_, Error>((card, (known, closed)))
    };
    type Made = (CardRecord, (Known, Option<bool>));
    let ((card, known), receipt) = command::execute_receipted(
        app,
        f,
        |(c, _): &Made| vec![c.card_id.clone(), c.procedure_id.clone()],
        (|(c, _): &Made| c.card_id.clone(), crate::store::keys::card),
        (event.kind(), move |(c, _): &Made| {
            Some(receipts::card_event(
                event,
                c,
                &actor,
                form_sha256.as_deref(),
            ))
        }),
    )
    .await?;
    let mut d = detailed_known(app, card, known)?;
    d.receipt = receipt;
    Ok(d)
}

/// A procedure command by the team, with its receipt as for [`run_card`].
async fn run_procedure<F>(
    app: &App,
    caller: &OrgId,
    event: ProcedureEvent,
    f: F,
) -> Result<ProcedureView, Error>
where
    F: FnOnce(
            &command::Ctx,
            &mut crate::store::Txn<'_>,
            Timestamp,
        ) -> Result<ProcedureRecord, Error>
        + Send
        + 'static,
{
    let (p, receipt) = command::execute_receipted(
        app,
        f,
        |p: &ProcedureRecord| vec![p.procedure_id.clone()],
        (
            |p: &ProcedureRecord| p.procedure_id.clone(),
            crate::store::keys::procedure,
        ),
        (event.kind(), move |p: &ProcedureRecord| {
            receipts::procedure_event(event, p)
        }),
    )
    .await?;
    let mut v = view(app, caller, p)?;
    v.receipt = receipt;
    Ok(v)
}

/// SubmitBlueCardA: an initiating service's card, routed to the team of its gmina (§ 7).
pub async fn submit(
    app: &App,
    caller: &Organization,
    card_id: &str,
    procedure_id: &str,
    raw: Option<&RawCardContent>,
    pre: Vec<FieldViolation>,
) -> Result<DetailedCard, Error> {
    caller.require(Actor::BlueCardInitiator, "submit Blue Cards")?;
    let (sub, team) = validate::submission_under(
        app.deadlines.rules().profile(),
        card_id,
        procedure_id,
        raw,
        pre,
        app.clock.now(),
        &app.directory,
    )?;
    let initiator = caller.id.clone();
    let form = crate::receipt::ContentDigest::content_sha256(&sub.content);
    app.store
        .prefetch(records::submission_reads(
            &sub.card_id,
            sub.procedure_id.as_deref(),
        ))
        .await;
    run_card(
        app,
        caller.id.clone(),
        (CardEvent::Submitted, Some(form)),
        move |c, txn, now| commands::submit(c, txn, &initiator, sub, team, now),
    )
    .await
}

/// GetBlueCard.
pub fn card(app: &App, caller: &OrgId, id: &str) -> Result<DetailedCard, Error> {
    match records::card(&app.store, id)? {
        Some(c) if c.visible_to(caller) => detailed(app, c),
        _ => Err(commands::card_not_found(id)),
    }
}

/// ListBlueCards: the caller's own cards (as initiator or team) that `keep` accepts, with
/// whether each one's procedure is closed; the index holds only the caller's cards.
pub fn list(
    app: &App,
    caller: &OrgId,
    keep: impl Fn(&CardRecord) -> bool,
    range: (Option<Timestamp>, Option<Timestamp>),
    page_token: &str,
    size: usize,
) -> Result<(Vec<(CardRecord, bool)>, String), Error> {
    let (cards, next) =
        records::list(&app.store, caller, keep, range.0, range.1, page_token, size)?;
    let mut out = Vec::with_capacity(cards.len());
    for c in cards {
        let closed = is_closed(app, &c.procedure_id)?;
        out.push((c, closed));
    }
    Ok((out, next))
}

/// AcknowledgeBlueCard: the chair confirms receipt.
pub async fn acknowledge(app: &App, caller: &OrgId, id: String) -> Result<DetailedCard, Error> {
    let team = caller.clone();
    run_card(
        app,
        caller.clone(),
        (CardEvent::Acknowledged, None),
        move |c, txn, now| commands::acknowledge(c, txn, &team, &id, now),
    )
    .await
}

/// RecordForwarding (§ 8 ust. 1).
pub async fn forward(
    app: &App,
    caller: &OrgId,
    id: String,
    input: ForwardingInput,
) -> Result<DetailedCard, Error> {
    let team = caller.clone();
    run_card(
        app,
        caller.clone(),
        (CardEvent::Forwarded, None),
        move |c, txn, now| commands::forward(c, txn, &team, &id, input, now),
    )
    .await
}

/// RecordProcedureStep.
pub async fn step(
    app: &App,
    caller: &OrgId,
    id: String,
    kind: Option<StepKind>,
    at: Option<Timestamp>,
    check: Checker,
) -> Result<ProcedureView, Error> {
    let team = caller.clone();
    let input = StepInput { kind, at, check };
    run_procedure(app, caller, ProcedureEvent::Step, move |c, txn, now| {
        commands::step(c, txn, &team, &id, input, now)
    })
    .await
}

/// The closure protocol of § 18 ust. 2 as the client sent it; [`close`] checks it.
#[derive(Debug, Clone, Default)]
pub struct RawProtocol {
    /// Persons concerned.
    pub persons: Vec<String>,
    /// Start of the procedure's activities (required).
    pub start: Option<Timestamp>,
    /// End of them (required).
    pub end: Option<Timestamp>,
    /// Actions taken.
    pub actions: String,
    /// The chair who signs.
    pub signed_by: Signatory,
}

/// The protocol from what the client sent: both dates are required (reported once, not
/// again when the decoder already refused the field); the record never holds a made-up
/// date, because a missing one fails the command before anything is written.
fn protocol(raw: RawProtocol, c: &mut Checker, now: Timestamp) -> Protocol {
    if raw.start.is_none() {
        c.add("protocol.start_time", "required");
    }
    if raw.end.is_none() {
        c.add("protocol.end_time", "required");
    }
    Protocol {
        persons: raw.persons.iter().map(|s| s.trim().to_string()).collect(),
        start: raw.start.unwrap_or(now),
        end: raw.end.or(raw.start).unwrap_or(now),
        actions: raw.actions.trim().into(),
        signed_by: raw.signed_by,
    }
}

/// CloseProcedure (§ 18).
pub async fn close(
    app: &App,
    caller: &OrgId,
    id: String,
    reason: Option<ClosureReason>,
    raw: Option<RawProtocol>,
    pre: Vec<FieldViolation>,
) -> Result<ProcedureView, Error> {
    let mut check = Checker::new(pre);
    let protocol = raw.map(|r| protocol(r, &mut check, app.clock.now()));
    let input = ClosureInput {
        reason,
        protocol,
        check,
    };
    let team = caller.clone();
    run_procedure(app, caller, ProcedureEvent::Closed, move |c, txn, now| {
        commands::close(c, txn, &team, &id, input, now)
    })
    .await
}

/// GetProcedure.
pub fn procedure(app: &App, caller: &OrgId, id: &str) -> Result<ProcedureView, Error> {
    match records::procedure(&app.store, id)? {
        Some(p) if p.visible_to(caller) => view(app, caller, p),
        _ => Err(commands::procedure_not_found(id)),
    }
}
