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
//!   `lacznik_store_size_bytes` (at scrape).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::app::App;
use crate::store::keys;

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

fn var_id(rest: &[u8]) -> Option<(String, &[u8])> {
    let (&n, rest) = rest.split_first()?;
    let (id, rest) = rest.split_at_checked(n as usize)?;
    Some((String::from_utf8_lossy(id).into_owned(), rest))
}

/// Gauges computed from the store at scrape time.
fn refresh(app: &App) {
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
    let mut start = vec![keys::DUE];
    while let Ok(batch) = app.store.scan(&start, &[keys::DUE + 1], 4096) {
        let Some((last, _)) = batch.last() else {
            break;
        };
        start = last.clone();
        start.push(0);
        for (k, _) in &batch {
            let parsed = k
                .get(9..)
                .and_then(var_id)
                .and_then(|(_, rest)| var_id(rest));
            if let Some((rule, _)) = parsed {
                *open.entry(rule).or_default() += 1;
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
        if let Ok(entries) = app.store.scan(&[space], &[space + 1], usize::MAX) {
            for (k, _) in entries {
                if let Some((org, _)) = var_id(&k[1..]) {
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

/// Serves `GET /metrics` until shutdown. Deliberately minimal HTTP/1.1: one request per
/// connection, no keep-alive.
pub async fn serve(app: Arc<App>, listener: TcpListener, handle: PrometheusHandle) {
    let mut stop = app.shutdown.clone();
    loop {
        let (mut stream, _) = tokio::select! {
            _ = stop.recv() => return,
            r = listener.accept() => match r { Ok(s) => s, Err(_) => continue },
        };
        let app = app.clone();
        let handle = handle.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            let n = match tokio::time::timeout(
                std::time::Duration::from_secs(5),
                stream.read(&mut buf),
            )
            .await
            {
                Ok(Ok(n)) => n,
                _ => return,
            };
            let request = String::from_utf8_lossy(&buf[..n]);
            let response = if request.starts_with("GET /metrics") {
                let app2 = app.clone();
                let _ = tokio::task::spawn_blocking(move || refresh(&app2)).await;
                let body = handle.render();
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            };
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}
