//! `lacznik-bench`: starts the real server (own temp data dir and certificates) and drives
//! it over real mutual-TLS connections, then prints a table and writes the same figures as
//! JSON. See the README, section "Benchmark".
//!
//! ```sh
//! cargo run --release -p lacznik-bench -- --json bench.json
//! cargo run --release -p lacznik-bench -- --smoke          # a few seconds, for CI
//! cargo run --release -p lacznik-bench -- --engine postgres # own throwaway PostgreSQL
//! cargo run --release -p lacznik-bench -- --only console    # the web console's figures
//! ```

mod console;
mod console_report;
mod delivery;
mod env;
mod host;
mod https;
mod limit;
mod live_clients;
mod load;
mod pg;
mod print;
mod receipts_cost;
mod report;
mod requests;
mod scale;
mod sweep;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use prost::Message;

use env::{Endpoint, Server};
use lacznik::store::EngineKind;
use load::{Measured, Rpc};
use report::{MIB, Report, Row};

/// Benchmark of lacznik: real server, real mutual-TLS clients, durable writes.
#[derive(Parser, Debug)]
#[command(name = "lacznik-bench", version)]
struct Args {
    /// Measured seconds per load phase (after a warm-up of 1 s).
    #[arg(long, default_value_t = 10)]
    duration_secs: u64,
    /// Tiny run for CI: ~1 s per phase, 10,000 instead of 1,000,000 for sweep and scale.
    #[arg(long)]
    smoke: bool,
    /// Open deadlines of the large sweep store and requests of the scale store (the small
    /// sweep store has a tenth). Default 1,000,000 (10,000 with --smoke).
    #[arg(long)]
    scale: Option<usize>,
    /// Also write the figures to this JSON file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Skip the scale phase (building the large store and starting a server on it).
    #[arg(long)]
    skip_scale: bool,
    /// Keep the scale store in this directory and reuse it in later runs (building
    /// 1,000,000 requests takes minutes); without it the store lives in the temp dir.
    #[arg(long)]
    scale_dir: Option<PathBuf>,
    /// Run only these parts (for working on one of them): `load` (baseline, delivery,
    /// submissions, receipts' cost, the echo limits), `sweep`, `scale`, `receipts` (only
    /// receipts' cost, part of `load`), `console` (the web console: list page, live
    /// latency, open live connections). The JSON then lacks the others.
    #[arg(long, value_delimiter = ',')]
    only: Vec<Part>,
    /// Pairs of windows in the receipts' cost comparison (on/off, then off/on, ...): more
    /// pairs, less noise on a shared machine.
    #[arg(long, default_value_t = 2)]
    receipts_rounds: usize,
    /// Submissions per second during the delivery phase.
    #[arg(long, default_value_t = 200.0)]
    delivery_rate: f64,
    /// Write the servers' logs (RUST_LOG, default info, as `lacznik serve` logs) here
    /// instead of a file in the temp dir that is removed at the end.
    #[arg(long)]
    server_log: Option<PathBuf>,
    /// The storage engine of every store in the run (`fjall`, `sled` or `postgres`);
    /// default: the server's default (`store.engine`). With `postgres` the run starts its
    /// own durable throwaway PostgreSQL cluster (fsync on), one database per store, and
    /// skips the scale phase.
    #[arg(long)]
    engine: Option<lacznik::store::EngineKind>,
    /// Requests in the console part's store (a tenth open for kmp-torun). Default 100,000
    /// (10,000 with --smoke).
    #[arg(long)]
    console_store: Option<usize>,
    /// Live console connections held open at once in the console part.
    #[arg(long, default_value_t = 500)]
    console_connections: usize,
    /// Submissions timed to their row on an open console page. Default 200 (20 with
    /// --smoke).
    #[arg(long)]
    console_requests: Option<usize>,
    /// Rounds of the console's submit windows (none, idle streams, receiving streams, then
    /// backwards): more rounds, less noise on a shared machine. Default 1 (with --smoke,
    /// half a round: the three windows once).
    #[arg(long)]
    console_rounds: Option<usize>,
    /// Internal: build the scale store under this root and print its figures as JSON.
    #[arg(long, hide = true)]
    build_scale_store: Option<PathBuf>,
    /// Internal: which requests `--build-scale-store` writes.
    #[arg(long, hide = true, value_enum, default_value_t = scale::Mix::Torun)]
    build_mix: scale::Mix,
    /// Internal: hold `--console-connections` live streams on the console at this address
    /// (`live_clients.rs`).
    #[arg(long, hide = true)]
    console_clients: Option<std::net::SocketAddr>,
    /// Internal: the certificates of `--console-clients`.
    #[arg(long, hide = true)]
    console_certs: Option<PathBuf>,
    /// Internal: the organisation of `--console-clients`.
    #[arg(long, hide = true, default_value = "kmp-torun")]
    console_org: String,
}

/// The parts of a run.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Load,
    Sweep,
    Scale,
    Receipts,
    Console,
}

/// mimalloc instead of glibc malloc for the benchmark (it runs the server in-process, so it must use the server's allocator): the request path allocates many small
/// buffers (protobuf, TLS records, MessagePack, store keys), and glibc's malloc/free took
/// about a tenth of all CPU in the benchmark's profile (README, "Benchmark").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lacznik-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<()> {
    if let Some(kind) = args.engine {
        env::set_engine(kind);
    }
    let scale_n = args
        .scale
        .unwrap_or(if args.smoke { 10_000 } else { 1_000_000 });
    if let Some(root) = &args.build_scale_store {
        let rt = tokio::runtime::Runtime::new()?;
        let built = rt.block_on(scale::build(root, scale_n, args.build_mix))?;
        println!("{}", serde_json::to_string(&built)?);
        return Ok(());
    }
    if let (Some(addr), Some(certs)) = (args.console_clients, &args.console_certs) {
        let rt = tokio::runtime::Runtime::new()?;
        let (n, org) = (args.console_connections, &args.console_org);
        return rt.block_on(live_clients::hold(addr, certs, n, org));
    }
    let total = Instant::now();
    let window = if args.smoke {
        Duration::from_secs(1)
    } else {
        Duration::from_secs(args.duration_secs.max(1))
    };
    let warmup = if args.smoke {
        Duration::from_millis(200)
    } else {
        Duration::from_secs(1)
    };
    let client = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("bench-client")
        .build()?;
    // Removed at the end (TMPDIR decides where it lives).
    let root = tempfile::Builder::new()
        .prefix("lacznik-bench-")
        .tempdir()
        .context("create the temp root")?;
    let log = args
        .server_log
        .clone()
        .unwrap_or_else(|| root.path().join("server.log"));
    env::init_server_log(&log)?;
    env::prepare_root(root.path())?;
    // Kept for the whole run, stopped at its end (and by its Drop on an error).
    let pg = if env::engine() == EngineKind::Postgres {
        eprintln!("postgres: starting a durable throwaway cluster...");
        let pg = pg::Postgres::start(args.smoke)?;
        if let Some(pid) = pg.pid() {
            host::watch_database(pid);
        }
        Some(pg)
    } else {
        None
    };

    let mut machine = host::machine();
    if let (Some(pg), Some(m)) = (&pg, machine.as_object_mut()) {
        m.insert("postgres".into(), pg.info().clone());
    }
    let mut r = Report::new(machine, args.smoke, window, warmup, scale_n);
    r.request_bytes = requests::normal(&requests::new_id(), jiff::Timestamp::now()).encoded_len();
    r.card_bytes = requests::card(&requests::new_id(), jiff::Timestamp::now()).encoded_len();
    print::header(&r);

    let runs = |p: Part| args.only.is_empty() || args.only.contains(&p);
    // Scale first, while this process is small: its resident memory is the figure.
    if pg.is_some() {
        r.scale_skipped = Some(pg::SCALE_SKIPPED);
        if !args.skip_scale && runs(Part::Scale) {
            eprintln!("scale: skipped ({})", pg::SCALE_SKIPPED);
        }
    } else if args.skip_scale || !runs(Part::Scale) {
        eprintln!("scale: skipped (--skip-scale)");
    } else {
        let s = scale::measure(
            &client,
            root.path(),
            args.scale_dir.as_deref(),
            scale_n,
            warmup,
            window,
        )?;
        eprintln!(
            "scale: built in {:.1} s, start-up {:.3} s, {:.0} MiB resident under load",
            s.build_wall_secs,
            s.startup.as_secs_f64(),
            s.rss_load_max_mib
        );
        r.scale = Some(s);
        let _ = std::fs::remove_dir_all(root.path().join("scale"));
    }

    // The console: its memory figure is a difference, so after scale's absolute ones.
    if runs(Part::Console) && pg.is_some() {
        eprintln!("console: skipped on postgres (its store is built by a child process)");
    } else if runs(Part::Console) {
        let (store, live) = (args.console_store, args.console_requests);
        let n = args.console_connections;
        let mut s = console::Settings::of(args.smoke, store, n, live, (warmup, window));
        if let Some(rounds) = args.console_rounds {
            s.windows = 6 * rounds.max(1);
        }
        let c = console::measure(&client, root.path(), &s)?;
        r.rows.extend(c.rows());
        r.console = Some(c);
    }

    // The main server: transport baseline, delivery, submissions.
    if runs(Part::Load) {
        load_phases(
            &client,
            root.path(),
            pg.as_ref(),
            &args,
            warmup,
            window,
            &mut r,
        )?;
    } else if runs(Part::Receipts) {
        let (on, off, rounds) = receipts_cost::measure(
            &client,
            root.path(),
            pg.as_ref(),
            (warmup, window),
            args.receipts_rounds,
        )?;
        r.receipts_rounds = rounds;
        push_receipts_rows(&mut r, &on, &off, None);
    }

    // Sweep: the library on stores of its own.
    let rounds = if args.smoke { 3 } else { 7 };
    let cache = env::config(root.path(), root.path().into()).store.cache_mib * 1024 * 1024;
    let mut sweeps = Vec::new();
    let sizes: &[usize] = if runs(Part::Sweep) {
        &[scale_n / 10, scale_n]
    } else {
        &[]
    };
    for &open in sizes {
        eprintln!("sweep: store with {open} open deadlines...");
        let dir = root.path().join(format!("sweep-{open}"));
        let settle = if args.smoke {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(1)
        };
        let store = sweep::open_store(&dir, open, cache, pg.as_ref())?;
        let s = client.block_on(sweep::measure(store, open, rounds, settle))?;
        eprintln!(
            "sweep: {} open, built in {:.1} s, tick {:.3} ms (in writer {:.3} ms), scanned {:?}",
            s.open, s.build_secs, s.tick_ms, s.sweep_in_writer_ms, s.scanned
        );
        sweeps.push(s);
        let _ = std::fs::remove_dir_all(&dir);
    }
    r.sweep = sweeps;
    if let Some(s) = &r.scale {
        let b = r
            .rows
            .iter()
            .find(|row| row.section == "baseline" && row.concurrency == 64)
            .map(|row| row.throughput);
        r.rows.push(Row::phase(
            "scale",
            &format!("submit, store of {} requests", s.built.requests),
            64,
            &s.load,
            b,
        ));
    }
    if let Some(pg) = pg {
        let wal = pg.wal_since_warmup()?;
        if let Some(m) = r.machine["postgres"].as_object_mut() {
            m.insert(
                "wal_during_run_mib".into(),
                serde_json::json!(wal as f64 / MIB),
            );
        }
        pg.stop()?;
    }
    r.total = total.elapsed();
    r.loadavg_end = host::loadavg();
    r.evaluate();
    print::print(&r);
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&r.json())?)
            .with_context(|| path.display().to_string())?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Baseline, delivery, submissions and Blue Cards on one fresh server (on postgres: on a
/// fresh database of the run's cluster, `bench_main`), submissions without receipts on
/// another, then the echo and durable echo limits (`limit.rs`).
fn load_phases(
    client: &tokio::runtime::Runtime,
    root: &Path,
    pg: Option<&pg::Postgres>,
    args: &Args,
    warmup: Duration,
    window: Duration,
    r: &mut Report,
) -> Result<()> {
    let mut config = env::config(root, root.join("main").join("data"));
    if let Some(pg) = pg {
        config.store.postgres.url = Some(pg.database("main")?);
    }
    let server = Server::start(config)?;
    let ep = Endpoint::new(root, server.addr)?;
    client.block_on(env::first_health_ok(&ep, server.started))?;
    client.block_on(load::check_once(&ep, Rpc::Submit))?;
    client.block_on(load::check_once(&ep, Rpc::Card))?;
    // The real answer to the submit phase's request: what the limit phases answer with.
    let answer = client.block_on(limit::real_answer(&ep))?;
    r.answer_bytes = answer.encoded_len();
    let phase = |rpc: Rpc, n: usize| -> Result<load::Measured> {
        let m = client.block_on(load::closed_loop(&ep, rpc, n, warmup, window, || {}))?;
        eprintln!(
            "{:<8} c={:<3} {:>8.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}",
            format!("{rpc:?}"),
            n,
            m.throughput(),
            m.ms(0.5),
            m.ms(0.99),
            m.errors
        );
        Ok(m)
    };
    let concurrencies = [1usize, 16, 64];
    let mut baselines = Vec::new();
    for &n in &concurrencies {
        baselines.push((n, phase(Rpc::Health, n)?));
    }
    // Delivery before the submit phases: the police feed is short, the stream starts live.
    let d = client.block_on(delivery::run(&ep, args.delivery_rate, warmup, window))?;
    eprintln!(
        "delivery {:.0}/s: p50 {:.2} ms, p99 {:.2} ms, {} of {} delivered",
        d.rate,
        d.hist.value_at_quantile(0.5) as f64 / 1000.0,
        d.hist.value_at_quantile(0.99) as f64 / 1000.0,
        d.delivered,
        d.submitted
    );
    let mut submits = Vec::new();
    for &n in &concurrencies {
        submits.push((n, phase(Rpc::Submit, n)?));
    }
    let card = phase(Rpc::Card, 64)?;
    server.stop(client)?;
    let (with_receipts, m, rounds) =
        receipts_cost::measure(client, root, pg, (warmup, window), args.receipts_rounds)?;
    r.receipts_rounds = rounds;
    // The limit: the same bytes over the same mTLS stack, durable with group commit, and
    // nothing else (README, "Benchmark"); run with no lacznik server left in the process.
    let echo_config = env::config(root, root.join("limit").join("data"));
    let limits = limit::measure(
        client,
        root,
        &echo_config,
        &answer,
        &concurrencies,
        warmup,
        window,
    )?;
    let limit = |n: usize| {
        limits
            .durable
            .iter()
            .find(|(c, _)| *c == n)
            .map(|(_, m)| m.throughput())
    };

    for (n, m) in &baselines {
        r.rows
            .push(Row::phase("baseline", "health check", *n, m, None));
    }
    for (n, m) in &limits.echo {
        r.rows
            .push(Row::phase("echo", "echo (limit, no store)", *n, m, None));
    }
    for (n, m) in &limits.durable {
        let name = "durable echo (limit)";
        r.rows.push(Row::phase("durable_echo", name, *n, m, None));
    }
    let base = |n: usize| {
        baselines
            .iter()
            .find(|(c, _)| *c == n)
            .map(|(_, m)| m.throughput())
    };
    for (n, m) in &submits {
        r.rows.push(
            Row::phase("submit", "submit assistance request", *n, m, base(*n))
                .with_limit(limit(*n)),
        );
    }
    r.rows
        .push(Row::phase("card", "submit Blue Card A", 64, &card, base(64)).with_limit(limit(64)));
    push_receipts_rows(r, &with_receipts, &m, limit(64));
    r.delivery = Some(d);

    Ok(())
}

/// The receipts' cost rows: the last pair's windows, beside the limit when it was measured.
fn push_receipts_rows(r: &mut Report, on: &Measured, off: &Measured, limit: Option<f64>) {
    let name = "submit, fresh store, receipts on";
    r.rows
        .push(Row::phase("receipts_on", name, 64, on, None).with_limit(limit));
    let name = "submit, fresh store, no receipts";
    r.rows
        .push(Row::phase("receipts_off", name, 64, off, None).with_limit(limit));
}
