//! The console part's figures (`console.rs`): its rows of the table, its targets (the
//! issue's limits), its JSON section and its lines of the printed report.

use hdrhistogram::Histogram;
use serde_json::{Value, json};

use super::console::{DEPTH, SUBMIT_CLIENTS};
use super::live_clients::Drained;
use super::load::{Measured, histogram};
use super::report::Row;
use super::scale::Built;

/// List page p99 limit, ms.
pub const LIST_P99_MS: f64 = 50.0;
/// Live latency limit (every request), ms.
pub const LIVE_MAX_MS: f64 = 1000.0;
/// Memory limit of the open live connections, MiB.
pub const MEMORY_MIB: f64 = 50.0;
/// Submit throughput with the connections open, at least this share of without.
pub const THROUGHPUT_RATIO: f64 = 0.97;

/// Resident memory around opening the live streams.
pub struct Memory {
    /// This process (server + bench) before the child opened the streams, MiB.
    pub rss_before_mib: f64,
    /// The highest reading in the second after every stream had its 200, MiB.
    pub rss_after_mib: f64,
    /// The child holding the streams (the clients), MiB.
    pub clients_rss_mib: f64,
    /// Seconds to open them all.
    pub open_secs: f64,
    /// 429 answers retried while opening.
    pub retries: u64,
}

/// Whose live streams are open during a submit window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Streams {
    /// None.
    None,
    /// kmp-torun's: every submission of the window is an event on every one of them.
    Receiving,
    /// Another police unit's (kpp-zawiercie): open, but none of the window's submissions
    /// is theirs.
    Idle,
}

impl Streams {
    /// The organisation holding them.
    pub fn org(self) -> Option<&'static str> {
        match self {
            Streams::None => None,
            Streams::Receiving => Some("kmp-torun"),
            Streams::Idle => Some("kpp-zawiercie"),
        }
    }

    /// In words, with `n` streams.
    pub fn describe(self, n: usize) -> String {
        match self {
            Streams::None => "no live streams".into(),
            Streams::Receiving => format!("{n} live streams (kmp-torun, reading every event)"),
            Streams::Idle => format!("{n} idle live streams (kpp-zawiercie)"),
        }
    }

    fn key(self) -> &'static str {
        match self {
            Streams::None => "none",
            Streams::Receiving => "receiving",
            Streams::Idle => "idle",
        }
    }
}

/// One submit window.
pub struct Window {
    /// The live streams open meanwhile.
    pub streams: Streams,
    /// The submit load.
    pub m: Measured,
    /// Highest resident memory of this process during the window, MiB.
    pub rss_max_mib: f64,
    /// What the streams received (windows with streams).
    pub drained: Option<Drained>,
    /// Seconds after the window until every stream had every event.
    pub catch_up_secs: f64,
}

/// Everything the console part measured.
pub struct Console {
    /// The store.
    pub built: Built,
    /// Its build, seen from here, s.
    pub build_wall_secs: f64,
    /// Live streams held open.
    pub connections: usize,
    /// Every timed list page.
    pub list: Measured,
    /// The first pages alone, µs.
    pub list_first: Histogram<u64>,
    /// Pages 2 to [`DEPTH`], µs.
    pub list_deeper: Histogram<u64>,
    /// From the submit's answer to the row's event.
    pub live: Measured,
    /// From sending the submission to the row's event, µs.
    pub live_from_send: Histogram<u64>,
    /// Rows that arrived before their submit's answer (counted as 0).
    pub live_before_ok: u64,
    /// Memory of the open streams.
    pub memory: Memory,
    /// Submit windows, in order.
    pub windows: Vec<Window>,
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

impl Console {
    /// The memory the open streams cost, MiB.
    pub fn memory_mib(&self) -> f64 {
        self.memory.rss_after_mib - self.memory.rss_before_mib
    }

    /// The submit windows with `streams`, as one.
    fn merged(&self, streams: Streams) -> Measured {
        let mut m = Measured {
            completed: 0,
            errors: 0,
            first_error: None,
            window: std::time::Duration::ZERO,
            hist: histogram(),
            cpu: None,
        };
        for w in self.windows.iter().filter(|w| w.streams == streams) {
            m.completed += w.m.completed;
            m.errors += w.m.errors;
            m.window += w.m.window;
            let _ = m.hist.add(&w.m.hist);
            m.first_error = m.first_error.or_else(|| w.m.first_error.clone());
            // The CPU table shows the last window of the kind.
            m.cpu = w.m.cpu.clone().or(m.cpu);
        }
        m
    }

    /// Throughput with `streams` / without any, over all windows of each kind.
    pub fn throughput_ratio(&self, streams: Streams) -> Option<f64> {
        let (with, none) = (self.merged(streams), self.merged(Streams::None));
        (none.throughput() > 0.0).then(|| with.throughput() / none.throughput())
    }

    /// Every receiving stream got every event in every window, and no stream ended.
    pub fn every_event(&self) -> bool {
        self.windows.iter().all(|w| match (w.streams, w.drained) {
            (Streams::None, _) => true,
            (_, None) => false,
            (Streams::Receiving, Some(d)) => {
                d.ended == 0 && d.fewest == d.most && d.most >= w.m.completed
            }
            (Streams::Idle, Some(d)) => d.ended == 0,
        })
    }

    /// The table's rows, each with its target and verdict.
    pub fn rows(&self) -> Vec<Row> {
        let judged = |mut row: Row, target: String, pass: bool| {
            row.pass = Some(pass && row.errors == 0 && row.count > 0);
            row.target = target;
            row
        };
        let name = "console list page (client)";
        let list = Row::phase("console_list", name, 1, &self.list, None);
        let pass = list.p99 <= LIST_P99_MS;
        let mut rows = vec![judged(list, format!("p99 <= {LIST_P99_MS} ms"), pass)];
        let name = "console live: OK -> SSE row";
        let live = Row::phase("console_live", name, 1, &self.live, None);
        let pass = live.max <= LIVE_MAX_MS;
        rows.push(judged(live, format!("max <= {LIVE_MAX_MS} ms"), pass));
        let none = self.merged(Streams::None);
        let name = "submit, no live streams";
        let mut row = Row::phase("console_submit_none", name, SUBMIT_CLIENTS, &none, None);
        row.pass = (row.errors > 0).then_some(false);
        rows.push(row);
        let n = self.connections;
        for (streams, section, name) in [
            (
                Streams::Receiving,
                "console_submit_receiving",
                format!("submit, {n} live streams"),
            ),
            (
                Streams::Idle,
                "console_submit_idle",
                format!("submit, {n} idle live streams"),
            ),
        ] {
            let ratio = self.throughput_ratio(streams).unwrap_or(0.0);
            let m = self.merged(streams);
            let row = Row::phase(section, &name, SUBMIT_CLIENTS, &m, None);
            let target = format!(">= {THROUGHPUT_RATIO}x none ({ratio:.3}x)");
            let pass = ratio >= THROUGHPUT_RATIO && self.every_event();
            rows.push(judged(row, target, pass));
        }
        rows
    }

    /// The targets: (name, target, value, met).
    pub fn targets(&self) -> Vec<(String, String, String, bool)> {
        let mut t = Vec::new();
        let (total, open) = (self.built.requests, self.built.kmp_open);
        let p99 = self.list.ms(0.99);
        t.push((
            format!("console list page p99, {total} stored, {open} open (client-side)"),
            format!("<= {LIST_P99_MS} ms"),
            format!("{p99:.2} ms"),
            p99 <= LIST_P99_MS && self.list.errors == 0,
        ));
        let max = self.live.hist.max() as f64 / 1000.0;
        t.push((
            "console live: submit's OK -> row on the open page".into(),
            format!("every one <= {LIVE_MAX_MS} ms"),
            format!(
                "max {max:.2} ms, p99 {:.2} ms ({} of {})",
                self.live.ms(0.99),
                self.live.completed,
                self.live.completed + self.live.errors
            ),
            max <= LIVE_MAX_MS && self.live.errors == 0 && self.live.completed > 0,
        ));
        let n = self.connections;
        let mib = self.memory_mib();
        t.push((
            format!("console: memory of {n} open live connections"),
            format!("<= {MEMORY_MIB} MiB"),
            format!("{mib:.1} MiB (server process; clients in a child)"),
            mib <= MEMORY_MIB,
        ));
        let every = self.every_event();
        let missed = if every {
            ""
        } else {
            "; a stream missed events"
        };
        let ratio = self.throughput_ratio(Streams::Receiving).unwrap_or(0.0);
        t.push((
            format!("console: submit {SUBMIT_CLIENTS} clients, {n} live streams vs none"),
            format!(">= {THROUGHPUT_RATIO}x, every event read"),
            format!("{ratio:.3}x{missed}"),
            ratio >= THROUGHPUT_RATIO && every,
        ));
        let ratio = self.throughput_ratio(Streams::Idle).unwrap_or(0.0);
        t.push((
            format!("console: the same, {n} idle streams of another unit"),
            format!(">= {THROUGHPUT_RATIO}x (not the issue's)"),
            format!("{ratio:.3}x"),
            ratio >= THROUGHPUT_RATIO && every,
        ));
        t
    }

    /// The JSON section `console`.
    pub fn json(&self, rows: &[Row]) -> Value {
        let rows = |section: &str| -> Value {
            Value::Array(
                rows.iter()
                    .filter(|r| r.section == section)
                    .map(Row::json)
                    .collect(),
            )
        };
        let (b, m) = (&self.built, &self.memory);
        json!({
            "store": {
                "requests": b.requests,
                "kmp_torun_open": b.kmp_open,
                "kmp_torun_cancelled": b.kmp_cancelled,
                "other_police_units": b.requests - b.kmp_open - b.kmp_cancelled,
                "build_secs": self.build_wall_secs,
                "size_on_disk_bytes": b.size_on_disk,
            },
            "list_page": {
                "row": rows("console_list"),
                "pages_deep": DEPTH,
                "first_page_p50_ms": ms(&self.list_first, 0.5),
                "first_page_p99_ms": ms(&self.list_first, 0.99),
                "deeper_pages_p50_ms": ms(&self.list_deeper, 0.5),
                "deeper_pages_p99_ms": ms(&self.list_deeper, 0.99),
                "limit_p99_ms": LIST_P99_MS,
                "timed_on": "client, loopback, request sent to last byte (an upper bound of the server's)",
            },
            "live": {
                "row": rows("console_live"),
                "from_send_p50_ms": ms(&self.live_from_send, 0.5),
                "from_send_p99_ms": ms(&self.live_from_send, 0.99),
                "from_send_max_ms": self.live_from_send.max() as f64 / 1000.0,
                "arrived_before_ok": self.live_before_ok,
                "limit_ms": LIVE_MAX_MS,
            },
            "connections": {
                "count": self.connections,
                "rss_before_mib": m.rss_before_mib,
                "rss_after_mib": m.rss_after_mib,
                "memory_mib": self.memory_mib(),
                "limit_mib": MEMORY_MIB,
                "clients_process_rss_mib": m.clients_rss_mib,
                "open_secs": m.open_secs,
                "retried_429": m.retries,
            },
            "submit": {
                "clients": SUBMIT_CLIENTS,
                "none": rows("console_submit_none"),
                "receiving": rows("console_submit_receiving"),
                "idle": rows("console_submit_idle"),
                "ratio_receiving_to_none": self.throughput_ratio(Streams::Receiving),
                "ratio_idle_to_none": self.throughput_ratio(Streams::Idle),
                "limit_ratio": THROUGHPUT_RATIO,
                "every_event_read": self.every_event(),
                "windows": self.windows.iter().map(|w| json!({
                    "streams": w.streams.key(),
                    "streams_org": w.streams.org(),
                    "throughput_per_s": w.m.throughput(),
                    "p99_ms": w.m.ms(0.99),
                    "errors": w.m.errors,
                    "rss_max_mib": w.rss_max_mib,
                    "events_per_stream": w.drained,
                    "caught_up_secs_after_window": w.catch_up_secs,
                })).collect::<Vec<_>>(),
            },
        })
    }

    /// Its lines of the printed report, after the table.
    pub fn print(&self) {
        let (b, m) = (&self.built, &self.memory);
        println!();
        println!(
            "console: store of {} requests ({} open and {} cancelled for kmp-torun, {} for four \
             other police units), built in {:.1} s",
            b.requests,
            b.kmp_open,
            b.kmp_cancelled,
            b.requests - b.kmp_open - b.kmp_cancelled,
            self.build_wall_secs
        );
        println!(
            "  list page (kmp-torun, one HTTP/2 connection, pages 1-{DEPTH} by their links; \
             client-side, loopback, so an upper bound of the server's time): first page p50 \
             {:.2} / p99 {:.2} ms, deeper pages p50 {:.2} / p99 {:.2} ms",
            ms(&self.list_first, 0.5),
            ms(&self.list_first, 0.99),
            ms(&self.list_deeper, 0.5),
            ms(&self.list_deeper, 0.99),
        );
        println!(
            "  live: {} submissions one at a time, {} rows arrived before the submit's OK \
             (counted as 0); from sending the submission to its row p50 {:.2} / p99 {:.2} / \
             max {:.2} ms",
            self.live.completed + self.live.errors,
            self.live_before_ok,
            ms(&self.live_from_send, 0.5),
            ms(&self.live_from_send, 0.99),
            self.live_from_send.max() as f64 / 1000.0,
        );
        println!(
            "  {} live streams (each its own TLS connection, kmp-torun, held by a child \
             process): resident memory of this process {:.1} -> {:.1} MiB (+{:.1}, limit {}); \
             the clients' process {:.0} MiB; opened in {:.2} s ({} answers 429 retried)",
            self.connections,
            m.rss_before_mib,
            m.rss_after_mib,
            self.memory_mib(),
            MEMORY_MIB,
            m.clients_rss_mib,
            m.open_secs,
            m.retries
        );
        for w in &self.windows {
            println!(
                "  submit {SUBMIT_CLIENTS} clients, {}: {:.0}/s, p99 {:.2} ms, max resident \
                 {:.0} MiB{}",
                w.streams.describe(self.connections),
                w.m.throughput(),
                w.m.ms(0.99),
                w.rss_max_mib,
                w.drained.map_or(String::new(), |d| format!(
                    "; events per stream {}..{}, all caught up {:.2} s after the window",
                    d.fewest, d.most, w.catch_up_secs
                ))
            );
        }
    }
}
