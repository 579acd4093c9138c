//! The web console (`--only console`), against the three figures:
//!
//! 1. **List page.** A store of 100,000 requests (`scale::Mix::Console`, built by a child
//!    process as the scale store is): 40 % for kmp-torun, of which the newest 10,000 are
//!    open and the older ones cancelled, 60 % for four other police units. The real server
//!    on it with its console; as kmp-torun, over one keep-alive HTTPS connection (HTTP/2),
//!    `GET /wnioski` and then the next 19 pages by their "Starsze wnioski" links, over and
//!    over; every answer must be 200 with 50 rows. Times are the client's, from sending the
//!    request to the last byte of the page, on loopback: an upper bound of the server's.
//! 2. **Live latency.** A live stream open as kmp-torun (`/zdarzenia` from the cursor the
//!    list page names, as the page's script opens it); mopr-torun submits over gRPC one
//!    request at a time, and the time from the submit's answer to the arrival of the event
//!    whose row is that request is recorded.
//! 3. **Open live connections.** The process's resident memory before and after a child
//!    process (`live_clients`) opened 500 live streams as kmp-torun, each its own TLS
//!    connection with its 200; then the submit throughput at 16 clients (mopr-torun, so
//!    every submission is an event for kmp-torun) in windows without the streams, with
//!    500 streams of another police unit (kpp-zawiercie) open but receiving nothing, and
//!    with kmp-torun's 500 streams reading every event, then the same backwards (a linear
//!    drift cancels out). The target is judged on kmp-torun's; the idle ones tell the cost
//!    of holding the connections from the cost of feeding them.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use hdrhistogram::Histogram;
use jiff::Timestamp;
use lacznik::api::pb::assistance_service_client::AssistanceServiceClient;
use tokio::runtime::Runtime;

use super::console_report::{Console, Memory, Streams, Window};
use super::env::{self, Endpoint, Server};
use super::host;
use super::https::{self, Events};
use super::live_clients::Held;
use super::load::{self, Measured, Rpc, histogram};
use super::requests;
use super::scale::{self, Mix};

/// Pages deep the list phase goes (following "Starsze wnioski").
pub const DEPTH: usize = 20;

/// Rows on a full page of the list.
const ROWS: usize = 50;

/// Clients of the submit windows (each its own connection).
pub const SUBMIT_CLIENTS: usize = 16;

/// How big and how long.
pub struct Settings {
    /// Requests in the store.
    pub store: usize,
    /// Live streams held open at once.
    pub connections: usize,
    /// Submissions whose arrival on the live stream is timed.
    pub live_requests: usize,
    /// List pages timed (after `warm_pages` untimed).
    pub pages: usize,
    /// List pages fetched before the timed ones.
    pub warm_pages: usize,
    /// Warm-up and window of each submit window.
    pub warmup: Duration,
    /// Measured time of each submit window.
    pub window: Duration,
    /// Submit windows, in the order none, idle, receiving, receiving, idle, none, over and
    /// over.
    pub windows: usize,
}

impl Settings {
    /// A run's settings: 100,000 requests in the store (10,000 with `smoke`), 200 timed
    /// submissions (20), 300 timed pages (60), 6 submit windows (3), unless `store` and
    /// `live` say otherwise.
    pub fn of(
        smoke: bool,
        store: Option<usize>,
        connections: usize,
        live: Option<usize>,
        (warmup, window): (Duration, Duration),
    ) -> Settings {
        Settings {
            store: store.unwrap_or(if smoke { 10_000 } else { 100_000 }),
            connections,
            live_requests: live.unwrap_or(if smoke { 20 } else { 200 }),
            pages: if smoke { 60 } else { 300 },
            warm_pages: DEPTH,
            warmup,
            window,
            windows: if smoke { 3 } else { 6 },
        }
    }
}

/// Builds the store, starts the server with its console, measures the three parts.
pub fn measure(client: &Runtime, root: &Path, s: &Settings) -> Result<Console> {
    let dir = root.join("console");
    std::fs::create_dir_all(&dir)?;
    eprintln!(
        "console: building a store of {} requests in a child process...",
        s.store
    );
    let t = Instant::now();
    let built = scale::build_in_child(&dir, s.store, Mix::Console)?;
    let build_wall_secs = t.elapsed().as_secs_f64();
    eprintln!(
        "console: built in {build_wall_secs:.1} s ({} open and {} cancelled for kmp-torun)",
        built.kmp_open, built.kmp_cancelled
    );
    let server = Server::start_with_console(scale::store_config(root, &dir))?;
    let addr = server
        .console
        .context("the server has no console listener")?;
    let ep = Endpoint::new(root, server.addr)?;
    client.block_on(env::first_health_ok(&ep, server.started))?;
    let certs = root.join("certs");
    let https = https::Client::new(&certs, "kmp-torun", addr)?;
    // The console's first page and stream, as the first browser of the day.
    client.block_on(async {
        let mut c = https.connect().await?;
        let (_, html) = c.get("/wnioski").await?;
        let url = https::live_url(&html).context("no live stream on the list page")?;
        Events::of(c.open(&url).await?)?;
        Ok::<(), anyhow::Error>(())
    })?;

    let memory = memory(addr, &certs, s.connections)?;
    eprintln!(
        "console: {} live streams: {:.1} -> {:.1} MiB resident (+{:.1}), opened in {:.2} s",
        s.connections,
        memory.rss_before_mib,
        memory.rss_after_mib,
        memory.rss_after_mib - memory.rss_before_mib,
        memory.open_secs
    );
    let (list, first, deeper) = client.block_on(list_pages(&https, s.warm_pages, s.pages))?;
    eprintln!(
        "console: list page p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} pages)",
        list.ms(0.5),
        list.ms(0.99),
        list.hist.max() as f64 / 1000.0,
        list.completed
    );
    let (live, from_send, before_ok) =
        client.block_on(live_latency(&ep, &https, s.live_requests))?;
    eprintln!(
        "console: live p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} of {})",
        live.ms(0.5),
        live.ms(0.99),
        live.hist.max() as f64 / 1000.0,
        live.completed,
        s.live_requests
    );
    let windows = throughput(client, &ep, addr, &certs, s)?;
    server.stop(client)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Console {
        built,
        build_wall_secs,
        connections: s.connections,
        list,
        list_first: first,
        list_deeper: deeper,
        live,
        live_from_send: from_send,
        live_before_ok: before_ok,
        memory,
        windows,
    })
}

/// Resident memory before and after the child opened `n` streams.
fn memory(addr: SocketAddr, certs: &Path, n: usize) -> Result<Memory> {
    std::thread::sleep(Duration::from_secs(1));
    let rss_before_mib = host::rss_mib();
    let held = Held::open(addr, certs, n, "kmp-torun")?;
    // The highest reading over the next second (the server may still be settling them).
    let mut rss_after_mib = host::rss_mib();
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(100));
        rss_after_mib = rss_after_mib.max(host::rss_mib());
    }
    let clients_rss_mib = held.rss_mib();
    let (open_secs, retries) = (held.open_secs, held.retries);
    let drained = held.close()?;
    ensure!(
        drained.ended == 0,
        "{} live streams ended early",
        drained.ended
    );
    Ok(Memory {
        rss_before_mib,
        rss_after_mib,
        clients_rss_mib,
        open_secs,
        retries,
    })
}

/// `warm + count` list pages over one connection, the first page then the next by the
/// page's own link, [`DEPTH`] pages deep, then from the first again. Returns every timed
/// page, then the first pages and the deeper ones apart.
async fn list_pages(
    https: &https::Client,
    warm: usize,
    count: usize,
) -> Result<(Measured, Histogram<u64>, Histogram<u64>)> {
    let mut conn = https.connect().await?;
    let (mut all, mut first, mut deeper) = (histogram(), histogram(), histogram());
    let mut path = "/wnioski".to_string();
    let mut depth = 1;
    let cpu = host::cpu_snap();
    let mut started = Instant::now();
    for i in 0..warm + count {
        if i == warm {
            started = Instant::now();
        }
        let t0 = Instant::now();
        let (status, html) = conn.get(&path).await?;
        let us = u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX);
        ensure!(status == 200, "GET {path}: {status}");
        let rows = https::rows(&html);
        ensure!(
            rows == ROWS,
            "GET {path} (page {depth}): {rows} rows, not {ROWS}"
        );
        if i >= warm {
            all.saturating_record(us.max(1));
            let h = if depth == 1 { &mut first } else { &mut deeper };
            h.saturating_record(us.max(1));
        }
        if depth < DEPTH {
            path = https::next_page(&html)
                .with_context(|| format!("no \"Starsze wnioski\" link on page {depth}"))?;
            depth += 1;
        } else {
            path = "/wnioski".into();
            depth = 1;
        }
    }
    let m = Measured {
        completed: all.len(),
        errors: 0,
        first_error: None,
        window: started.elapsed(),
        hist: all,
        cpu: Some(host::cpu_use(&cpu, &host::cpu_snap())),
    };
    Ok((m, first, deeper))
}

/// `n` submissions one at a time, each timed from its answer to its row on the live
/// stream; also from sending it to its row, and how many rows arrived before the answer
/// (counted as 0).
async fn live_latency(
    ep: &Endpoint,
    https: &https::Client,
    n: usize,
) -> Result<(Measured, Histogram<u64>, u64)> {
    let mut page = https.connect().await?;
    let (status, html) = page.get("/wnioski").await?;
    ensure!(status == 200, "GET /wnioski: {status}");
    let url = https::live_url(&html).context("no live stream on the list page")?;
    let mut events = Events::of(page.open(&url).await?)?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        while let Ok(Some(e)) = events.next().await {
            let Some(id) = e.row_id() else { continue };
            if tx.send((id, Instant::now())).is_err() {
                break;
            }
        }
    });
    let mut grpc = AssistanceServiceClient::new(ep.channel("mopr-torun").await?);
    let start = requests::visit_start(Timestamp::now());
    let (mut hist, mut from_send) = (histogram(), histogram());
    let (mut before_ok, mut errors, mut first_error) = (0, 0, None);
    let cpu = host::cpu_snap();
    let began = Instant::now();
    for _ in 0..n {
        let id = requests::new_id();
        let sent = Instant::now();
        let answer = grpc
            .submit_assistance_request(requests::normal(&id, start))
            .await;
        let ok = Instant::now();
        if let Err(s) = answer {
            errors += 1;
            first_error.get_or_insert_with(|| format!("{:?}: {}", s.code(), s.message()));
            continue;
        }
        let deadline = tokio::time::Instant::from_std(ok + Duration::from_secs(10));
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some((got, at))) if got == id => {
                    if at < ok {
                        before_ok += 1;
                    }
                    let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
                    hist.saturating_record(us(at.saturating_duration_since(ok)).max(1));
                    from_send.saturating_record(us(at.saturating_duration_since(sent)).max(1));
                    break;
                }
                Ok(Some(_)) => continue,
                Ok(None) => bail!("the live stream ended"),
                Err(_) => {
                    errors += 1;
                    first_error.get_or_insert_with(|| format!("{id}: no event within 10 s"));
                    break;
                }
            }
        }
    }
    reader.abort();
    drop(page);
    let m = Measured {
        completed: hist.len(),
        errors,
        first_error,
        window: began.elapsed(),
        hist,
        cpu: Some(host::cpu_use(&cpu, &host::cpu_snap())),
    };
    Ok((m, from_send, before_ok))
}

/// `s.windows` submit windows at [`SUBMIT_CLIENTS`] clients: none, idle streams,
/// kmp-torun's, then the same backwards (a drift as the store grows weighs the same on each kind), each
/// after the process has gone quiet (the engine's compactions and the audit entries of
/// the window before must not fall into the next).
fn throughput(
    client: &Runtime,
    ep: &Endpoint,
    addr: SocketAddr,
    certs: &Path,
    s: &Settings,
) -> Result<Vec<Window>> {
    let mut windows = Vec::new();
    let kinds = [Streams::None, Streams::Idle, Streams::Receiving];
    let round = kinds.into_iter().chain(kinds.into_iter().rev());
    for streams in round.cycle().take(s.windows) {
        let quiet = quiet(Duration::from_secs(60));
        let mut held = match streams.org() {
            Some(org) => Some(Held::open(addr, certs, s.connections, org)?),
            None => None,
        };
        let mut rss_max_mib = host::rss_mib();
        let m = client.block_on(load::closed_loop(
            ep,
            Rpc::Submit,
            SUBMIT_CLIENTS,
            s.warmup,
            s.window,
            || rss_max_mib = rss_max_mib.max(host::rss_mib()),
        ))?;
        let (drained, catch_up_secs) = match held.as_mut() {
            Some(h) => {
                let (d, t) = h.settle(Duration::from_secs(60))?;
                (Some(d), t.as_secs_f64())
            }
            None => (None, 0.0),
        };
        if let Some(h) = held {
            h.close()?;
        }
        eprintln!(
            "console: submit c={SUBMIT_CLIENTS}, {} (after {quiet:.1} s quiet): {:.0}/s, \
             p99 {:.2} ms{}",
            streams.describe(s.connections),
            m.throughput(),
            m.ms(0.99),
            drained.map_or(String::new(), |d| format!(
                "; events per stream {}..{}, caught up {catch_up_secs:.2} s after the window",
                d.fewest, d.most
            ))
        );
        windows.push(Window {
            streams,
            m,
            rss_max_mib,
            drained,
            catch_up_secs,
        });
    }
    Ok(windows)
}

/// Waits until this process uses less than a fifth of a core over half a second (at most
/// `limit`); returns the seconds waited.
fn quiet(limit: Duration) -> f64 {
    let t = Instant::now();
    loop {
        let a = host::cpu_snap();
        std::thread::sleep(Duration::from_millis(500));
        let busy = host::cpu_use(&a, &host::cpu_snap()).process;
        if busy < 0.2 || t.elapsed() > limit {
            return t.elapsed().as_secs_f64();
        }
    }
}
