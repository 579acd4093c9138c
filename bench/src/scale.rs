//! Scale: a data directory holding `n` assistance requests, then the real server started
//! on it: size on disk, start-up time, resident memory after start and under load.
//!
//! The store is built by a child process (this binary, hidden `--build-scale-store`), so
//! that the memory the build used is not counted in this process's resident memory. It
//! writes what production writes for a submission: `assistance::commands::submit` (sealed
//! record, indexes, police feed event, two open deadlines) plus the audit entry, 1,000
//! requests per store command; the content is one realistic request (~1.5 KB of text)
//! with a new id and planned start each time.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use jiff::{SignedDuration, Timestamp};
use lacznik::api::assistance_map::Decoder;
use lacznik::assistance::commands;
use lacznik::assistance::validate;
use lacznik::command::Ctx;
use lacznik::deadlines::Deadlines;
use lacznik::directory::OrgId;
use lacznik::feed::Feeds;
use tokio::runtime::Runtime;

use super::env::{self, Endpoint, Server};
use super::host;
use super::load::{self, Measured, Rpc};
use super::requests;

/// sled page cache of the builder, MiB.
const BUILD_CACHE_MIB: u64 = 2048;

/// Requests per store command while building.
const PER_COMMAND: usize = 1000;

/// What the child reports.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Built {
    /// Requests stored.
    pub requests: usize,
    /// Seconds the child took (open, insert, close).
    pub build_secs: f64,
    /// `Store::size_on_disk` before closing.
    pub size_on_disk: u64,
}

/// The configuration of a scale store kept in `dir` (`dir/data`, `dir/keys/data.key`),
/// served with the certificates of `root`.
fn store_config(root: &Path, dir: &Path) -> lacznik::config::Config {
    let mut c = env::config(root, dir.join("data"));
    c.crypto.key_file = dir.join("keys").join("data.key");
    c
}

/// Child side: builds the store in `dir` and prints [`Built`] as JSON.
pub async fn build(dir: &Path, n: usize) -> Result<Built> {
    let started = Instant::now();
    let config = store_config(dir, dir);
    let directory = config.load_directory()?;
    let (keys, _) = config.load_keys()?;
    // A larger page cache than the server's makes the build faster; the server then opens
    // the store with the production setting.
    let cache_mib: u64 = std::env::var("BENCH_BUILD_CACHE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(BUILD_CACHE_MIB);
    let store = lacznik::store::open(
        &config.data_dir,
        config.store.engine,
        cache_mib * 1024 * 1024,
        Arc::new(keys),
    )?;
    let feeds = Feeds::default();
    let ctx = Ctx {
        deadlines: Arc::new(Deadlines::new(config.rule_set()?, feeds.clone())),
        feeds,
    };
    let centre_id: OrgId = "mopr-torun".parse().map_err(|e| anyhow!("{e:?}"))?;
    let centre = directory
        .get(&centre_id)
        .context("mopr-torun in the sample directory")?
        .clone();
    let now = Timestamp::now();
    let pb_req = requests::normal(&requests::new_id(), requests::visit_start(now));
    let mut d = Decoder::default();
    let raw = d.submission(&pb_req);
    let (template, police) = validate::submission(&raw, d.violations, now, &centre, &directory)
        .map_err(|e| anyhow!("the template request is invalid: {e}"))?;
    let template = Arc::new(template);
    let base = template.content.planned_start;

    let mut inflight = tokio::task::JoinSet::new();
    let mut lo = 0;
    let mut next_report = n / 10;
    while lo < n {
        let hi = (lo + PER_COMMAND).min(n);
        let (store, ctx, template, police) =
            (store.clone(), ctx.clone(), template.clone(), police.clone());
        let centre_id = centre_id.clone();
        inflight.spawn(async move {
            store
                .execute(move |txn| {
                    let now = Timestamp::now();
                    for i in lo..hi {
                        let mut s = (*template).clone();
                        s.request_id = requests::new_id();
                        // Visits spread over ~70 days, 10 minutes apart.
                        let start = base + SignedDuration::from_mins(10 * (i % 10_000) as i64);
                        s.content.planned_start = start;
                        s.content.planned_end = start + SignedDuration::from_hours(2);
                        let id = s.request_id.clone();
                        commands::submit(&ctx, txn, &centre_id, s, police.clone(), now)?;
                        lacznik::audit::append(
                            txn,
                            lacznik::audit::Record {
                                at: now,
                                org: centre_id.to_string(),
                                rpc: "SubmitAssistanceRequest".into(),
                                case_ids: vec![id],
                                outcome: "OK".into(),
                                via: lacznik::audit::Via::server(),
                            },
                        )?;
                    }
                    Ok::<(), lacznik::error::Error>(())
                })
                .await
        });
        if inflight.len() >= 4 {
            inflight.join_next().await.expect("task")??;
        }
        lo = hi;
        if n >= 100_000 && lo >= next_report {
            eprintln!(
                "  scale store: {lo}/{n} requests ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
            next_report += n / 10;
        }
    }
    while let Some(r) = inflight.join_next().await {
        r??;
    }
    let size_on_disk = store.size_on_disk()?;
    store.close().await?;
    drop(store);
    Ok(Built {
        requests: n,
        build_secs: started.elapsed().as_secs_f64(),
        size_on_disk,
    })
}

/// Parent side: runs the child and reads its answer.
pub fn build_in_child(dir: &Path, n: usize) -> Result<Built> {
    let exe = std::env::current_exe()?;
    let out = std::process::Command::new(exe)
        .arg("--build-scale-store")
        .arg(dir)
        .arg("--scale")
        .arg(n.to_string())
        .arg("--engine")
        .arg(env::engine().to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("run the scale-store builder")?;
    if !out.status.success() {
        bail!("the scale-store builder failed ({})", out.status);
    }
    serde_json::from_slice(&out.stdout).context("builder output")
}

/// The scale figures.
pub struct Scale {
    /// What the build reported.
    pub built: Built,
    /// Wall time of the build, seen from here (of the earlier run that built a reused store).
    pub build_wall_secs: f64,
    /// The store was built by an earlier run (`--scale-dir`).
    pub reused: bool,
    /// Files under the data directory: apparent bytes.
    pub du_apparent: u64,
    /// Files under the data directory: allocated bytes.
    pub du_allocated: u64,
    /// From calling serve to the first OK health check over mutual TLS.
    pub startup: Duration,
    /// Resident memory of this process before the server started (clients' runtime only).
    pub rss_before_mib: f64,
    /// After the first health check.
    pub rss_after_start_mib: f64,
    /// After the 64 load clients connected, before they call.
    pub rss_clients_connected_mib: f64,
    /// Highest sample during the 64-client submit load.
    pub rss_load_max_mib: f64,
    /// The 64-client submit load on this store.
    pub load: Measured,
}

/// What a kept scale directory says about itself.
const MARKER: &str = "lacznik-bench-scale.json";

/// Builds (or reuses a store kept in `kept`), starts the server on it, measures.
pub fn measure(
    client: &Runtime,
    root: &Path,
    kept: Option<&Path>,
    n: usize,
    warmup: Duration,
    window: Duration,
) -> Result<Scale> {
    let dir: PathBuf = kept
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join("scale"));
    let marker = dir.join(MARKER);
    let (built, build_wall_secs, reused) = if marker.exists() {
        let (built, wall): (Built, f64) =
            serde_json::from_slice(&std::fs::read(&marker)?).context("scale marker")?;
        if built.requests != n {
            bail!(
                "{} holds a store of {} requests, not {n}: remove it or pass --scale {}",
                dir.display(),
                built.requests,
                built.requests
            );
        }
        eprintln!(
            "scale: reusing the store of {n} requests in {}",
            dir.display()
        );
        (built, wall, true)
    } else {
        if dir.join("data").exists() {
            bail!("{} has data but no {MARKER}: remove it", dir.display());
        }
        std::fs::create_dir_all(&dir)?;
        eprintln!("scale: building a store of {n} requests in a child process...");
        let t = Instant::now();
        let built = build_in_child(&dir, n)?;
        let wall = t.elapsed().as_secs_f64();
        if kept.is_some() {
            std::fs::write(&marker, serde_json::to_vec(&(&built, wall))?)?;
        }
        (built, wall, false)
    };
    let config = store_config(root, &dir);
    let (du_apparent, du_allocated) = host::du(&config.data_dir);

    let rss_before_mib = host::rss_mib();
    let server = Server::start(config)?;
    let ep = Endpoint::new(root, server.addr)?;
    let startup = client.block_on(env::first_health_ok(&ep, server.started))?;
    let rss_after_start_mib = host::rss_mib();
    // Connections of the load clients alone (a rough measure of their share).
    let rss_clients_connected_mib = client.block_on(async {
        let chans = ep.channels(Rpc::Submit.org(), 64).await?;
        let rss = host::rss_mib();
        drop(chans);
        Ok::<f64, anyhow::Error>(rss)
    })?;
    client.block_on(load::check_once(&ep, Rpc::Submit))?;
    let mut max = host::rss_mib();
    let load = client.block_on(load::closed_loop(
        &ep,
        Rpc::Submit,
        64,
        warmup,
        window,
        || {
            max = max.max(host::rss_mib());
        },
    ))?;
    server.stop(client)?;
    Ok(Scale {
        built,
        build_wall_secs,
        reused,
        du_apparent,
        du_allocated,
        startup,
        rss_before_mib,
        rss_after_start_mib,
        rss_clients_connected_mib,
        rss_load_max_mib: max,
        load,
    })
}
