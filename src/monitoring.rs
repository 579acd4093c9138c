//! Prometheus metrics on a separate plain-HTTP port (loopback by default: it is for the
//! operator's monitoring, not for clients). The `metrics` facade records counters and
//! histograms where things happen; gauges that describe the store (size, open deadlines,
//! pending items) are computed when Prometheus scrapes. Labels carry rule ids, RPC names,
//! status codes and organisation ids only.
//!
//! Metrics:
//! - `lacznik_rpc_requests_total{rpc,code}`, `lacznik_rpc_duration_seconds{rpc}`;
//! - `lacznik_flush_duration_seconds`, `lacznik_flush_commands` (commands per shared flush);
//! - `lacznik_breaches_total{rule}` (recorded since start);
//! - `lacznik_police_streams` (connected police dispatch streams);
//! - `lacznik_open_deadlines{rule}`, `lacznik_pending_items{recipient,kind}`,
//!   `lacznik_store_size_bytes` (at scrape, on the active node);
//! - `lacznik_node_role{role="active"|"standby"}` (1 for the role the node has now);
//! - `lacznik_node_lease_age_seconds` (PostgreSQL: since the database last confirmed the
//!   active's session; under 1 s when healthy, NaN on a standby),
//!   `lacznik_db_round_trip_seconds` (the last heartbeat's round trip);
//! - written at scrape time by lacznik itself ([`exposition`]: no stale series):
//!   `lacznik_serving` (1 while this node serves: active, store healthy),
//!   `lacznik_store_healthy` (on the active node), `lacznik_start_time_seconds`;
//!   certificate expiry ([`certs`]): `lacznik_cert_expiry_timestamp_seconds{cert,serial}`,
//!   `lacznik_crl_next_update_timestamp_seconds`,
//!   `lacznik_client_cert_expiry_timestamp_seconds{org}`, `lacznik_cert_unreadable_files`;
//!   the recipients' state ([`recipients`]): `lacznik_recipient_listening`,
//!   `_last_seen_seconds`, `_undelivered`, `_undelivered_oldest_seconds`,
//!   `_unacknowledged`, `_unacknowledged_oldest_seconds`, each `{recipient,kind}`.

pub mod certs;
pub mod exposition;
pub mod recipients;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::directory::Directory;
use crate::shutdown::Shutdown;
use crate::store::{Store, keys};
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

/// What the scrape-time gauges read, and nothing more: the active term's (a standby has
/// none, and shows only what it records itself).
#[derive(Clone)]
pub struct Gauges {
    /// Its size and the pending items and open deadlines it holds.
    pub store: Store,
    /// The recipients the pending items are counted for.
    pub directory: Arc<Directory>,
    /// The rules whose open deadlines are counted (each shown, also at zero).
    pub deadlines: Arc<crate::deadlines::Deadlines>,
    /// The clock the recipients' ages are measured by (the server's, maybe simulated).
    pub clock: Arc<dyn crate::clock::Clock>,
    /// Who is listening, and how far delivered.
    pub recipients: Arc<crate::recipients::Recipients>,
}

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls reuse it).
pub fn handle() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ];
            PrometheusBuilder::new()
                .set_buckets(&buckets)
                .ok()?
                .install_recorder()
                .map_err(|e| tracing::warn!(error = %e, "metrics recorder not installed"))
                .ok()
        })
        .clone()
}

/// The node's own gauges at scrape time: how long ago the database last confirmed the
/// active's session (PostgreSQL) and the last heartbeat's round trip.
fn refresh_node() {
    match crate::store::postgres_engine::election::vitals() {
        Some((age, rtt)) => {
            metrics::gauge!("lacznik_node_lease_age_seconds").set(age.as_secs_f64());
            if let Some(rtt) = rtt {
                metrics::gauge!("lacznik_db_round_trip_seconds").set(rtt.as_secs_f64());
            }
        }
        None => metrics::gauge!("lacznik_node_lease_age_seconds").set(f64::NAN),
    }
}

/// Gauges computed from the store at scrape time.
fn refresh(app: &Gauges) {
    if let Ok(size) = app.store.size_on_disk() {
        metrics::gauge!("lacznik_store_size_bytes").set(size as f64);
    }
    // Open deadlines by rule: one pass over the due-time index.
    let mut open: BTreeMap<String, u64> = app
        .deadlines
        .rules()
        .iter()
        .map(|r| (r.id.clone(), 0))
        .collect();
    let (mut start, end) = keys::keyspace(keys::DUE);
    while let Ok(batch) = app.store.scan(&start, &end, 4096) {
        let Some((last, _)) = batch.last() else {
            break;
        };
        start = last.clone();
        start.push(0);
        for (k, _) in &batch {
            if let Some(entry) = keys::parse_due(k) {
                *open.entry(entry.rule).or_default() += 1;
            }
        }
    }
    for (rule, n) in open {
        metrics::gauge!("lacznik_open_deadlines", "rule" => rule).set(n as f64);
    }
    // Pending items per recipient: unacknowledged cards, unreceived requests.
    for (space, kind) in [
        (keys::CARD_PENDING, "blue_card"),
        (keys::REQUEST_UNRECEIVED, "assistance_request"),
    ] {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let (start, end) = keys::keyspace(space);
        if let Ok(entries) = app.store.scan(&start, &end, usize::MAX) {
            for (k, _) in entries {
                if let Some(org) = keys::pending_recipient(&k) {
                    *counts.entry(org).or_default() += 1;
                }
            }
        }
        for org in app.directory.iter() {
            let n = counts.get(org.id.as_str()).copied().unwrap_or(0);
            let relevant = match kind {
                "blue_card" => org.kind == crate::directory::OrgKind::Team,
                _ => org.kind == crate::directory::OrgKind::PoliceUnit,
            };
            if relevant {
                metrics::gauge!("lacznik_pending_items", "recipient" => org.id.to_string(), "kind" => kind).set(n as f64);
            }
        }
    }
}

/// The gauges lacznik writes itself at scrape time: whether this node serves, its
/// store's health, its start, its certificates and, on the active node, the recipients.
fn written(gauges: Option<&Gauges>, certs: &certs::CertWatch, started: i64) -> String {
    let mut out = exposition::Exposition::default();
    let healthy = gauges.map(|g| g.store.health().failure().is_none());
    out.family(
        "lacznik_serving",
        "1 while this node serves lacznik's services (active, store healthy), 0 otherwise (standby, store failed, starting or stopping).",
    );
    out.sample(
        "lacznik_serving",
        &[],
        f64::from(u8::from(healthy == Some(true))),
    );
    out.family(
        "lacznik_store_healthy",
        "On the active node: 1 while its store takes writes, 0 once a write or flush failed (the node then stops or steps down).",
    );
    if let Some(h) = healthy {
        out.sample("lacznik_store_healthy", &[], f64::from(u8::from(h)));
    }
    out.family(
        "lacznik_start_time_seconds",
        "When this server process started (Unix seconds): repeated changes mean restarts.",
    );
    out.sample("lacznik_start_time_seconds", &[], started as f64);
    certs.render(&mut out);
    if let Some(g) = gauges {
        recipients::render(g, &mut out);
    }
    out.finish()
}

/// Serves `GET /metrics` until shutdown (HTTP/1.1 by hyper, one request per connection):
/// the scrape-time gauges are refreshed, then everything recorded is rendered in the
/// Prometheus text format, followed by what lacznik writes itself ([`written`]). Other
/// paths are 404, other methods on `/metrics` 405.
pub async fn serve(
    gauges: tokio::sync::watch::Receiver<Option<Gauges>>,
    certs: Arc<certs::CertWatch>,
    listener: TcpListener,
    handle: PrometheusHandle,
    stop: Shutdown,
) {
    let started = crate::pki::expiry::now_unix();
    let scrape = move || {
        let gauges = gauges.borrow().clone();
        let handle = handle.clone();
        let certs = certs.clone();
        async move {
            refresh_node();
            let text = tokio::task::spawn_blocking(move || {
                if let Some(g) = &gauges {
                    refresh(g);
                }
                written(gauges.as_ref(), &certs, started)
            })
            .await
            .unwrap_or_default();
            let mut body = handle.render();
            body.push_str(&text);
            body
        }
    };
    serve_http(listener, stop, scrape).await
}

/// How long a client may take to send its request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP side of [`serve`], apart from what a scrape computes: accepts until `stop` is
/// set, backing off on accept errors (out of file descriptors and the like) instead of
/// spinning; open connections finish their request and close at shutdown.
async fn serve_http<F, Fut>(listener: TcpListener, mut stop: Shutdown, scrape: F)
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = String> + Send + 'static,
{
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(false);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = stop.recv() => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // As the gRPC accept loop: back off instead of spinning or giving up.
                    tracing::warn!(error = %e, "metrics accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let scrape = scrape.clone();
        let service = service_fn(move |req: Request<Incoming>| {
            let scrape = scrape.clone();
            async move { Ok::<_, Infallible>(respond(&req, scrape).await) }
        });
        let conn = http.serve_connection(TokioIo::new(tcp), service);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = stop.recv() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = result {
                tracing::debug!(peer = %peer, error = %e, "metrics connection ended with an error");
            }
        });
    }
}

/// The response to one request: the scrape for `GET /metrics`, 405 for another method
/// there, 404 elsewhere.
async fn respond<F, Fut>(req: &Request<Incoming>, scrape: F) -> Response<Full<Bytes>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = String>,
{
    if req.uri().path() != "/metrics" {
        return plain(
            StatusCode::NOT_FOUND,
            "not found; metrics are at /metrics\n",
        );
    }
    if req.method() != Method::GET {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET"));
        return response;
    }
    let mut response = Response::new(Full::new(Bytes::from(scrape().await)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

fn plain(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
#[path = "monitoring_tests.rs"]
mod tests;
