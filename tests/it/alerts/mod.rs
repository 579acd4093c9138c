//! Operators warned before it hurts (README, "Alerts and dashboards"): the shipped alert
//! rules unit-tested by the real `promtool` ([`rules`]); every metric name the rules and
//! the Grafana dashboard use present in a real server's scrape ([`names`]); the
//! recipients' state through a real police stream and Blue Card pull ([`recipients`]);
//! certificate expiry in the metrics and the log of a real `lacznik serve` process
//! ([`certificates`]); the systemd unit ([`systemd`]).

mod certificates;
mod names;
mod recipients;
mod rules;
mod systemd;

use std::path::PathBuf;

/// A file of the repository.
pub(crate) fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A free port for a metrics listener.
pub(crate) fn free_addr() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// The scrape's text (after the HTTP head).
pub(crate) async fn scrape_text(addr: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    tcp.read_to_string(&mut text).await.unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    text.split_once("\r\n\r\n").unwrap().1.to_string()
}

/// One sample's value by its exact series text (`name{labels}`), if present.
pub(crate) fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (name, v) = l.rsplit_once(' ')?;
        (name == series).then(|| v.parse().ok())?
    })
}
