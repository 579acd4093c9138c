//! Scale: a data directory holding `n` assistance requests, then the real server started
//! on it: size on disk, start-up time, resident memory after start and under load.
//!
//! The store is built by a child process (this binary, hidden `--build-scale-store`), so
//! that the memory the build used is not counted in this process's resident memory. It
//! writes what production writes for a submission: `assistance::commands::submit` (sealed
//! record, indexes, police feed event, two open deadlines) plus the audit entry, 1,000
//! requests per store command; the content is one realistic request (~1.5 KB of text)
//! with a new id and planned start each time. The console part (`console.rs`) builds its
//! store here too, with another [`Mix`] of centres, police units and cancellations.

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
    /// Requests routed to kmp-torun and still open (submitted).
    #[serde(default)]
    pub kmp_open: usize,
    /// Requests routed to kmp-torun and cancelled by the centre.
    #[serde(default)]
    pub kmp_cancelled: usize,
}

/// Which requests a built store holds.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mix {
    /// Every request from mopr-torun to kmp-torun, all open (the scale phase).
    #[default]
    Torun,
    /// The console's store: of every ten requests, four from mopr-torun to kmp-torun and
    /// six from four other centres (Zawiercie, Łazy, Zielona Góra, Gorzów) to their own
    /// police units. Of kmp-torun's, the newest tenth of the store stays open; the older
    /// ones are cancelled by the centre (`commands::cancel`, audited) a tenth of the store
    /// later, as cases close some days after they came in, so that cancellations sit among
    /// newer submissions in kmp-torun's feed as they would in life.
    Console,
}

/// The other centres of the console's mix: id, gmina, city.
const OTHERS: [(&str, &str, &str); 4] = [
    ("mops-zawiercie", "2416021", "Zawiercie"),
    ("mgops-lazy", "2416053", "Łazy"),
    ("mops-zielona-gora", "0862011", "Zielona Góra"),
    ("mops-gorzow", "0861011", "Gorzów Wielkopolski"),
];

/// Who submits request `i`: a centre, its validated template and the police unit.
struct Stream {
    centre: OrgId,
    template: Arc<lacznik::assistance::model::Submission>,
    police: OrgId,
}

/// What the builder writes for each request of a [`Mix`].
struct Plan {
    mix: Mix,
    n: usize,
    /// 0: mopr-torun to kmp-torun; then [`OTHERS`].
    streams: Vec<Stream>,
    /// Ids of kmp-torun's requests in submission order (console mix only).
    kmp_ids: Vec<String>,
}

impl Plan {
    /// Requests of kmp-torun in a console store of `n`, and how many of them are cancelled.
    fn kmp_counts(n: usize) -> (usize, usize) {
        let kmp = n / 10 * 4 + (n % 10).saturating_sub(6);
        (kmp, kmp.saturating_sub(n / 10))
    }

    /// Request `i`: its stream, its id, and the kmp-torun request to cancel after it.
    fn item(&self, i: usize) -> (usize, String, Option<&str>) {
        match self.mix {
            Mix::Torun => (0, requests::new_id(), None),
            Mix::Console if i % 10 < 6 => (1 + i % OTHERS.len(), requests::new_id(), None),
            Mix::Console => {
                let k = i / 10 * 4 + i % 10 - 6;
                let (_, cancelled) = Plan::kmp_counts(self.n);
                let cancel = k
                    .checked_sub(self.n / 10)
                    .filter(|j| *j < cancelled)
                    .map(|j| self.kmp_ids[j].as_str());
                (0, self.kmp_ids[k].clone(), cancel)
            }
        }
    }
}

/// The streams of `mix`, each with its template validated as the server validates it.
fn streams(
    mix: Mix,
    directory: &lacznik::directory::Directory,
    now: Timestamp,
) -> Result<Vec<Stream>> {
    let mut centres = vec![("mopr-torun", "0463011", "Toruń")];
    if mix == Mix::Console {
        centres.extend(OTHERS);
    }
    let start = requests::visit_start(now);
    centres
        .into_iter()
        .map(|(id, gmina, city)| {
            let centre_id: OrgId = id.parse().map_err(|e| anyhow!("{e:?}"))?;
            let centre = directory
                .get(&centre_id)
                .with_context(|| format!("{id} in the sample directory"))?;
            let mut pb_req = requests::normal(&requests::new_id(), start);
            if let Some(a) = pb_req.content.as_mut().and_then(|c| c.address.as_mut()) {
                a.gmina_teryt = gmina.into();
                a.city = city.into();
            }
            let mut d = Decoder::default();
            let raw = d.submission(&pb_req);
            let (template, police) =
                validate::submission(&raw, d.violations, now, centre, directory)
                    .map_err(|e| anyhow!("the template request of {id} is invalid: {e}"))?;
            Ok(Stream {
                centre: centre_id,
                template: Arc::new(template),
                police,
            })
        })
        .collect()
}

/// The configuration of a scale store kept in `dir` (`dir/data`, `dir/keys/data.key`),
/// served with the certificates of `root`.
pub fn store_config(root: &Path, dir: &Path) -> lacznik::config::Config {
    let mut c = env::config(root, dir.join("data"));
    c.crypto.key_file = dir.join("keys").join("data.key");
    c
}

/// Child side: builds the store of `mix` in `dir` and prints [`Built`] as JSON.
pub async fn build(dir: &Path, n: usize, mix: Mix) -> Result<Built> {
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
    let now = Timestamp::now();
    let (kmp, cancelled) = Plan::kmp_counts(n);
    let plan = Arc::new(Plan {
        mix,
        n,
        streams: streams(mix, &directory, now)?,
        kmp_ids: match mix {
            Mix::Torun => Vec::new(),
            Mix::Console => (0..kmp).map(|_| requests::new_id()).collect(),
        },
    });
    let base = plan.streams[0].template.content.planned_start;

    // Commands in flight at once, awaited oldest first. A cancellation must find its
    // request committed: kmp-torun's lag of a tenth of the store is about a quarter of the
    // store's requests, so at most that many whole commands may be in flight.
    let depth = match mix {
        Mix::Torun => 4,
        Mix::Console => ((n / 4).saturating_sub(10) / PER_COMMAND).clamp(1, 4),
    };
    let mut inflight = std::collections::VecDeque::new();
    let mut lo = 0;
    let mut next_report = n / 10;
    while lo < n {
        let hi = (lo + PER_COMMAND).min(n);
        let (store, ctx, plan) = (store.clone(), ctx.clone(), plan.clone());
        while inflight.len() >= depth {
            let oldest: tokio::task::JoinHandle<_> = inflight.pop_front().expect("in flight");
            oldest.await??;
        }
        inflight.push_back(tokio::spawn(async move {
            store
                .execute(move |txn| {
                    let now = Timestamp::now();
                    for i in lo..hi {
                        let (which, id, cancel) = plan.item(i);
                        let stream = &plan.streams[which];
                        let mut s = (*stream.template).clone();
                        s.request_id = id.clone();
                        // Visits spread over ~70 days, 10 minutes apart.
                        let start = base + SignedDuration::from_mins(10 * (i % 10_000) as i64);
                        s.content.planned_start = start;
                        s.content.planned_end = start + SignedDuration::from_hours(2);
                        let police = stream.police.clone();
                        commands::submit(&ctx, txn, &stream.centre, s, police, now)?;
                        audit(txn, now, &stream.centre, "SubmitAssistanceRequest", id)?;
                        if let Some(old) = cancel {
                            let why = "Klient zmienił miejsce pobytu; wizyta odwołana.";
                            commands::cancel(&ctx, txn, &stream.centre, old, why, now)?;
                            audit(txn, now, &stream.centre, "CancelAssistanceRequest", old)?;
                        }
                    }
                    Ok::<(), lacznik::error::Error>(())
                })
                .await
        }));
        lo = hi;
        if n >= 100_000 && lo >= next_report {
            eprintln!(
                "  store: {lo}/{n} requests ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
            next_report += n / 10;
        }
    }
    for h in inflight {
        h.await??;
    }
    let size_on_disk = store.size_on_disk()?;
    store.close().await?;
    drop(store);
    let (kmp_open, kmp_cancelled) = match mix {
        Mix::Torun => (n, 0),
        Mix::Console => (kmp - cancelled, cancelled),
    };
    Ok(Built {
        requests: n,
        build_secs: started.elapsed().as_secs_f64(),
        size_on_disk,
        kmp_open,
        kmp_cancelled,
    })
}

/// The audit entry of a call by `org` at `now` about case `id`, as the server writes it.
fn audit(
    txn: &mut lacznik::store::Txn<'_>,
    now: Timestamp,
    org: &OrgId,
    rpc: &str,
    id: impl Into<String>,
) -> Result<(), lacznik::error::Error> {
    let record = lacznik::audit::Record {
        at: now,
        org: org.to_string(),
        rpc: rpc.into(),
        case_ids: vec![id.into()],
        outcome: "OK".into(),
        via: lacznik::audit::Via::server(),
    };
    lacznik::audit::append(txn, record)?;
    Ok(())
}

/// Parent side: runs the child and reads its answer.
pub fn build_in_child(dir: &Path, n: usize, mix: Mix) -> Result<Built> {
    let exe = std::env::current_exe()?;
    let mix = match mix {
        Mix::Torun => "torun",
        Mix::Console => "console",
    };
    let out = std::process::Command::new(exe)
        .arg("--build-scale-store")
        .arg(dir)
        .arg("--scale")
        .arg(n.to_string())
        .arg("--build-mix")
        .arg(mix)
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

impl Scale {
    /// Under load, less the bench before the server and the 64 clients' connections.
    pub fn server_estimate(&self) -> f64 {
        self.rss_load_max_mib
            - self.rss_before_mib
            - (self.rss_clients_connected_mib - self.rss_after_start_mib)
    }
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
        let built = build_in_child(&dir, n, Mix::Torun)?;
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
