//! The sweep: is a tick's cost the number of due clocks, not the number of open ones?
//!
//! Uses the library directly on a store of its own (a directory of the run's engine, or a
//! database of its own with `--engine postgres`): open deadlines are made by the
//! deadline engine itself (`Deadlines::on_event` for synthetic assistance requests, 2,000
//! cases per store command; each NORMAL request opens two clocks, `assistance.receipt` and
//! `assistance.response`), spread over the next year. Then, in each round, 100 requests
//! submitted an hour ago are added (their receipt deadline passed 30 minutes ago) and one
//! sweeper tick is timed: `anything_due` plus one writer command running
//! `Deadlines::sweep(txn, now, 512)`, exactly what `sweeper::sweep_now` does, including
//! the flush that makes the breaches durable.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, ensure};
use jiff::{SignedDuration, Timestamp};
use lacznik::crypto::KeyRing;
use lacznik::deadlines::{CaseKind, CaseRef, Deadlines, Event, Facts, RuleSet, SweepOutcome};
use lacznik::feed::Feeds;
use lacznik::store::{Store, StoreError};

/// Due items per measured tick.
pub const DUE: usize = 100;

/// One store's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SweepStore {
    /// Open deadlines (index entries) before the first round, counted with `count_open`.
    pub open: usize,
    /// Seconds to create them.
    pub build_secs: f64,
    /// Seconds one full scan of the due index takes (`count_open`): what the sweep avoids.
    pub full_index_scan_ms: f64,
    /// An idle tick (nothing due: one `anything_due` range read), median, ms.
    pub idle_tick_ms: f64,
    /// A tick with 100 due items, median over the rounds: whole tick (check + command +
    /// flush), ms.
    pub tick_ms: f64,
    /// The same, the sweep itself inside the writer (no flush), ms.
    pub sweep_in_writer_ms: f64,
    /// Index entries the tick read (the work), each round.
    pub scanned: Vec<usize>,
    /// Breaches recorded, each round.
    pub breaches: Vec<usize>,
    /// Per round: whole tick, ms.
    pub tick_ms_rounds: Vec<f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

fn case(id: String) -> CaseRef {
    CaseRef {
        kind: CaseKind::Assistance,
        id,
        parent: None,
        gmina: "0463011".parse().expect("gmina"),
        sender: "mopr-torun".parse().expect("org"),
        recipient: "kmp-torun".parse().expect("org"),
    }
}

fn facts(at: Timestamp) -> Facts {
    let start = at + SignedDuration::from_hours(30 * 24);
    Facts {
        urgent_oral: false,
        planned_start: Some(start),
        planned_end: Some(start + SignedDuration::from_hours(2)),
        procedure_started: None,
    }
}

/// Submits `n` synthetic cases, event time `at(i)`, in commands of `per_command`, with a
/// few commands in flight so the writer never waits for a flush.
async fn add_cases(
    store: &Store,
    deadlines: &Arc<Deadlines>,
    n: usize,
    per_command: usize,
    at: impl Fn(usize) -> Timestamp + Send + Sync + Clone + 'static,
) -> Result<()> {
    let mut inflight = tokio::task::JoinSet::new();
    let mut lo = 0;
    while lo < n {
        let hi = (lo + per_command).min(n);
        let d = deadlines.clone();
        let s = store.clone();
        let at = at.clone();
        inflight.spawn(async move {
            s.execute(move |txn| {
                for i in lo..hi {
                    let t = at(i);
                    d.on_event(
                        txn,
                        &case(uuid::Uuid::new_v4().to_string()),
                        Event::AssistanceSubmitted,
                        t,
                        &facts(t),
                    )?;
                }
                Ok::<(), StoreError>(())
            })
            .await
        });
        if inflight.len() >= 4 {
            inflight.join_next().await.expect("task")??;
        }
        lo = hi;
    }
    while let Some(r) = inflight.join_next().await {
        r??;
    }
    Ok(())
}

/// A fresh, empty store for the sweep measurement with `open` deadlines: under `dir` with
/// the run's embedded engine, or on a database of its own (`bench_sweep_<open>`) when the
/// run has a PostgreSQL cluster (`--engine postgres`).
pub fn open_store(
    dir: &Path,
    open: usize,
    cache_bytes: u64,
    pg: Option<&crate::pg::Postgres>,
) -> Result<Store> {
    let keys = Arc::new(KeyRing::generate());
    match pg {
        Some(pg) => pg.open_store(&format!("sweep_{open}"), keys),
        None => Ok(lacznik::store::open(
            dir,
            crate::env::engine(),
            cache_bytes,
            keys,
        )?),
    }
}

/// Builds about `open` open deadlines in `store` (fresh, from [`open_store`]), then
/// measures `rounds` ticks with 100 due items each; closes the store at the end.
pub async fn measure(
    store: Store,
    open: usize,
    rounds: usize,
    settle: Duration,
) -> Result<SweepStore> {
    let deadlines = Arc::new(Deadlines::new(RuleSet::builtin(), Feeds::default()));
    let built = Instant::now();
    // Clocks per case, from one case (2 for a NORMAL request under the built-in rules).
    let now = Timestamp::now();
    let future = now + SignedDuration::from_hours(24);
    add_cases(&store, &deadlines, 1, 1, move |_| future).await?;
    let per_case = Deadlines::count_open(&store)?.max(1);
    let cases = open.div_ceil(per_case).saturating_sub(1);
    // Spread over the next year, starting tomorrow.
    let step = (365 * 24 * 3600 * 1000 / cases.max(1)) as i64;
    add_cases(&store, &deadlines, cases, 2000, move |i| {
        future + SignedDuration::from_millis(i as i64 * step)
    })
    .await?;
    let build_secs = built.elapsed().as_secs_f64();
    // Let the engine's background work (sled's flusher, fjall's compactions) catch up with
    // the build before anything is timed.
    store.execute(|_| Ok::<(), StoreError>(())).await?;
    tokio::time::sleep(settle).await;
    let t = Instant::now();
    let open_now = Deadlines::count_open(&store)?;
    let full_index_scan_ms = t.elapsed().as_secs_f64() * 1000.0;

    let mut idle = Vec::new();
    for _ in 0..1000 {
        let t = Instant::now();
        let due = Deadlines::anything_due(&store, Timestamp::now())?;
        idle.push(t.elapsed().as_secs_f64() * 1000.0);
        ensure!(!due, "sweep: something is due in the idle store");
    }

    let mut out = SweepStore {
        open: open_now,
        build_secs,
        full_index_scan_ms,
        idle_tick_ms: median(idle),
        tick_ms: 0.0,
        sweep_in_writer_ms: 0.0,
        scanned: Vec::new(),
        breaches: Vec::new(),
        tick_ms_rounds: Vec::new(),
    };
    let mut inside = Vec::new();
    for _ in 0..rounds {
        let an_hour_ago = Timestamp::now() - SignedDuration::from_hours(1);
        add_cases(&store, &deadlines, DUE, DUE, move |_| an_hour_ago).await?;
        let t = Instant::now();
        let now = Timestamp::now();
        ensure!(Deadlines::anything_due(&store, now)?, "sweep: nothing due");
        let d = deadlines.clone();
        let (o, in_writer): (SweepOutcome, Duration) = store
            .execute(move |txn| {
                let t = Instant::now();
                let o = d.sweep(txn, now, 512)?;
                Ok::<_, StoreError>((o, t.elapsed()))
            })
            .await?;
        out.tick_ms_rounds.push(t.elapsed().as_secs_f64() * 1000.0);
        inside.push(in_writer.as_secs_f64() * 1000.0);
        out.scanned.push(o.scanned);
        out.breaches.push(o.breaches);
    }
    out.tick_ms = median(out.tick_ms_rounds.clone());
    out.sweep_in_writer_ms = median(inside);
    store.close().await?;
    drop(store);
    Ok(out)
}
