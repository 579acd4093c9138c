//! Retention: closed cases older than the configured period are deleted, with a tombstone
//! in the audit chain, so that an office keeps personal data about violence victims no
//! longer than its records schedule says (RODO art. 5 ust. 1 lit. e, storage limitation).
//!
//! What "closed" means, and since when:
//! - an assistance request that is `completed` (service note filed), `cancelled` or
//!   `declined`, counted from its last change (`updated_at`);
//! - a Blue Card procedure closed under § 18 (with its protocol), counted from the closure;
//!   the procedure goes with all its cards.
//!
//! A case with a running deadline clock is never purged. Breach records (ids and times
//! only) and the audit log stay, the case's index of its breaches goes (so a case made
//! later under the same id starts with none); feed events (ids only) stay and readers
//! skip them. Each purged case is one store command: the record, its indexes, its clocks
//! and the tombstone go together or not at all. The engine is then nudged to compact
//! (fjall writes its memtable out, without waiting; sled cannot be asked); the offline
//! `lacznik purge` also rewrites the store so the deleted ciphertext leaves the data
//! directory at once (README, "Retention").

use jiff::{SignedDuration, Timestamp};

use crate::assistance::model::{AssistanceRecord, State};
use crate::bluecard::model::ProcedureRecord;
use crate::deadlines::Deadlines;
use crate::store::{Store, StoreError, keys};

/// Who purged, as written in the audit tombstone.
pub const PURGE_ACTOR: &str = "lacznik";
/// The audit "RPC" of a tombstone.
pub const PURGE_ACTION: &str = "RetentionPurge";

/// What a purge did (counts only: never what the cases were about).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PurgeOutcome {
    /// Assistance requests deleted.
    pub requests: usize,
    /// Blue Card procedures deleted.
    pub procedures: usize,
    /// Blue Cards deleted with them.
    pub cards: usize,
    /// Closed and old enough, but left alone because a deadline clock still runs.
    pub kept_open_clock: usize,
}

/// When a request closed, if it has.
fn request_closed_at(r: &AssistanceRecord) -> Option<Timestamp> {
    matches!(
        r.state,
        State::Completed | State::Cancelled | State::Declined
    )
    .then_some(r.updated_at)
}

/// When a procedure closed, if it has.
fn procedure_closed_at(p: &ProcedureRecord) -> Option<Timestamp> {
    p.closure.as_ref().map(|c| c.at)
}

/// Deletes every case closed before `now - keep`. With `dry_run`, only counts.
pub async fn purge(
    store: &Store,
    now: Timestamp,
    keep: SignedDuration,
    dry_run: bool,
) -> Result<PurgeOutcome, StoreError> {
    let cutoff = now - keep;
    let mut out = PurgeOutcome::default();
    let requests = closed_before(store, keys::REQUEST, cutoff, |r: AssistanceRecord| {
        let at = request_closed_at(&r)?;
        Some((r.request_id, 0, at))
    })?;
    for (id, _) in requests {
        if dry_run {
            out.requests += 1;
            continue;
        }
        match purge_request(store, id, cutoff, now).await? {
            Some(true) => out.requests += 1,
            Some(false) => out.kept_open_clock += 1,
            None => {}
        }
    }
    let procedures = closed_before(store, keys::PROCEDURE, cutoff, |p: ProcedureRecord| {
        let at = procedure_closed_at(&p)?;
        Some((p.procedure_id, p.cards.len(), at))
    })?;
    for (id, cards) in procedures {
        if dry_run {
            out.procedures += 1;
            out.cards += cards;
            continue;
        }
        match purge_procedure(store, id, cutoff, now).await? {
            Some((true, cards)) => {
                out.procedures += 1;
                out.cards += cards;
            }
            Some((false, _)) => out.kept_open_clock += 1,
            None => {}
        }
    }
    if !dry_run && out.requests + out.procedures > 0 {
        store.compact().await?;
    }
    if out != PurgeOutcome::default() {
        tracing::info!(
            requests = out.requests,
            procedures = out.procedures,
            cards = out.cards,
            kept_open_clock = out.kept_open_clock,
            dry_run,
            "retention purge"
        );
    }
    Ok(out)
}

/// Ids (and card counts) of the sealed records of one keyspace that closed before `cutoff`,
/// read in pages, each record once; only ids are kept, so a large store is not held in
/// memory. Each case is checked again inside its purge command.
fn closed_before<T: crate::store::codec::Versioned>(
    store: &Store,
    space: u8,
    cutoff: Timestamp,
    closed: impl Fn(T) -> Option<(String, usize, Timestamp)>,
) -> Result<Vec<(String, usize)>, StoreError> {
    let mut found = Vec::new();
    let (mut start, end) = keys::keyspace(space);
    loop {
        let page = store.scan(&start, &end, 256)?;
        let Some((last, _)) = page.last() else {
            return Ok(found);
        };
        start = last.clone();
        start.push(0);
        for (k, v) in &page {
            if let Some((id, cards, at)) = closed(store.open_sealed(k, v)?) {
                if at < cutoff {
                    found.push((id, cards));
                }
            }
        }
    }
}

fn tombstone(now: Timestamp, case_ids: Vec<String>) -> crate::audit::Record {
    crate::audit::Record {
        at: now,
        org: PURGE_ACTOR.into(),
        rpc: PURGE_ACTION.into(),
        case_ids,
        outcome: "OK".into(),
        via: crate::audit::Via::server(),
    }
}

/// One request in one command. `None`: gone or no longer eligible meanwhile;
/// `Some(false)`: kept for a running clock.
async fn purge_request(
    store: &Store,
    id: String,
    cutoff: Timestamp,
    now: Timestamp,
) -> Result<Option<bool>, StoreError> {
    store
        .execute(move |txn| {
            let Some(r) = crate::assistance::store::get_in(txn, &id)? else {
                return Ok(None);
            };
            if request_closed_at(&r).is_none_or(|at| at >= cutoff) {
                return Ok(None);
            }
            if !Deadlines::forget_case(txn, &id)? {
                return Ok(Some(false));
            }
            crate::assistance::store::remove(txn, &r)?;
            crate::audit::append(txn, tombstone(now, vec![id]))?;
            Ok(Some(true))
        })
        .await
}

/// One procedure with all its cards in one command; returns (purged, cards).
async fn purge_procedure(
    store: &Store,
    id: String,
    cutoff: Timestamp,
    now: Timestamp,
) -> Result<Option<(bool, usize)>, StoreError> {
    use crate::bluecard::store as cards;
    store
        .execute(move |txn| {
            let Some(p) = cards::procedure_in(txn, &id)? else {
                return Ok(None);
            };
            if procedure_closed_at(&p).is_none_or(|at| at >= cutoff) {
                return Ok(None);
            }
            // All clocks first: a running one anywhere keeps the whole procedure, and a
            // failed command writes nothing, so abort by returning before any delete.
            for case in p.cards.iter().chain(std::iter::once(&p.procedure_id)) {
                if !Deadlines::forget_case(txn, case)? {
                    return Err(PurgeAbort::KeepOpen);
                }
            }
            let mut removed = 0;
            for card_id in &p.cards {
                if let Some(c) = cards::card_in(txn, card_id)? {
                    cards::remove_card(txn, &c)?;
                    removed += 1;
                }
            }
            cards::remove_procedure(txn, &id)?;
            let mut ids = vec![id.clone()];
            ids.extend(p.cards.iter().cloned());
            crate::audit::append(txn, tombstone(now, ids))?;
            Ok(Some((true, removed)))
        })
        .await
        .or_else(|e: PurgeAbort| match e {
            PurgeAbort::KeepOpen => Ok(Some((false, 0))),
            PurgeAbort::Store(e) => Err(e),
        })
}

/// Why a procedure's purge command stopped without writing.
enum PurgeAbort {
    /// A clock of the procedure still runs.
    KeepOpen,
    /// The store failed.
    Store(StoreError),
}

impl From<StoreError> for PurgeAbort {
    fn from(e: StoreError) -> Self {
        PurgeAbort::Store(e)
    }
}

/// The server's own purge: once at start (after the catch-up sweep) and then every
/// `purge_every_hours`, at the server's clock (a simulated clock in tests). Does nothing
/// unless both retention settings are present (checked when the configuration loads).
pub async fn run_schedule(
    store: Store,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    policy: crate::config::RetentionSection,
    mut stop: crate::shutdown::Shutdown,
) {
    let (Some(days), Some(hours)) = (policy.keep_closed_days, policy.purge_every_hours) else {
        return;
    };
    let keep = SignedDuration::from_hours(i64::from(days) * 24);
    let every = std::time::Duration::from_secs(u64::from(hours) * 3600);
    loop {
        if let Err(e) = purge(&store, clock.now(), keep, false).await {
            tracing::error!(error = %e, "retention purge failed; next attempt at the next interval");
        }
        tokio::select! {
            _ = stop.recv() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// `lacznik purge`: the offline purge of a stopped server's data directory.
#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    /// Data directory (default: the configured one).
    #[arg(long)]
    pub data: Option<std::path::PathBuf>,
    /// Keep closed cases this many days (default: `retention.keep_closed_days`).
    #[arg(long)]
    pub keep_days: Option<u32>,
    /// Count what would be purged; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs `lacznik purge`; the server must be stopped (a running server purges on its own
/// schedule, `retention.purge_every_hours`).
pub fn run_cli(config: &crate::config::Config, args: PurgeArgs) -> anyhow::Result<()> {
    let Some(days) = args.keep_days.or(config.retention.keep_closed_days) else {
        anyhow::bail!(
            "no retention period: set retention.keep_closed_days in the configuration or pass \
             --keep-days (nothing is ever purged by default)"
        );
    };
    let dir = args.data.unwrap_or_else(|| config.data_dir.clone());
    let ring = crate::crypto::KeyRing::load(&config.crypto.key_file).map_err(|e| {
        anyhow::anyhow!("{e} (purging reads the records, so it needs the data key)")
    })?;
    let rt = tokio::runtime::Runtime::new()?;
    let outcome = rt.block_on(async {
        let store = crate::offline::open(&dir, std::sync::Arc::new(ring))?;
        let keep = SignedDuration::from_hours(i64::from(days) * 24);
        let out = purge(&store, Timestamp::now(), keep, args.dry_run).await;
        store.close().await?;
        anyhow::Ok(out?)
    })?;
    if !args.dry_run && outcome.requests + outcome.procedures > 0 {
        // The purged values may still sit in old journal or segment bytes: copy what is
        // live into fresh files so they leave the directory now.
        let kind = crate::store::EngineKind::detect(&dir)?
            .ok_or_else(|| anyhow::anyhow!("no store in {}", dir.display()))?;
        let kept = crate::store::rewrite::rewrite(&dir, kind, 64 << 20)?;
        println!("store rewritten: {kept} live entries copied into fresh files");
    }
    println!(
        "{}{} assistance request(s), {} Blue Card procedure(s) with {} card(s) closed more than {days} day(s) ago{}",
        if args.dry_run {
            "would purge "
        } else {
            "purged "
        },
        outcome.requests,
        outcome.procedures,
        outcome.cards,
        if outcome.kept_open_clock > 0 {
            format!(
                "; {} kept because a deadline still runs",
                outcome.kept_open_clock
            )
        } else {
            String::new()
        }
    );
    Ok(())
}
