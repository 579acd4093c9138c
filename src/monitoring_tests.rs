//! The metrics endpoint's HTTP side on a real loopback socket: 200 with the Prometheus
//! content type for `GET /metrics`, 404 elsewhere, 405 for other methods, and the accept
//! loop ending at shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use crate::shutdown::Trigger;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::serve_http;

/// Starts [`serve_http`] with a fixed scrape; returns its address, the stop flag and the task.
async fn start() -> (SocketAddr, Trigger, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (stop_tx, stop_rx) = Trigger::new();
    let task = tokio::spawn(serve_http(listener, stop_rx, || async {
        "lacznik_test_gauge 1\n".to_string()
    }));
    (addr, stop_tx, task)
}

/// Sends one raw request and reads the whole response (the server closes after it).
async fn request(addr: SocketAddr, head: &str) -> String {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(head.as_bytes()).await.expect("write");
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_string(&mut text))
        .await
        .expect("response within 10 s")
        .expect("read");
    text
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[tokio::test]
async fn get_metrics_is_200_in_the_prometheus_text_format() {
    let (addr, _stop, _task) = start().await;
    let r = request(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert_eq!(
        header(&r, "content-type"),
        Some("text/plain; version=0.0.4")
    );
    assert_eq!(r.split("\r\n\r\n").nth(1), Some("lacznik_test_gauge 1\n"));
    // A query string does not change the path.
    let r = request(addr, "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
}

#[tokio::test]
async fn other_paths_are_404() {
    let (addr, _stop, _task) = start().await;
    for path in ["/", "/metrics/", "/metricsx", "/health"] {
        let r = request(addr, &format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n")).await;
        assert!(r.starts_with("HTTP/1.1 404"), "{path}: {r}");
        assert!(!r.contains("lacznik_test_gauge"), "{path}: {r}");
    }
}

#[tokio::test]
async fn other_methods_are_405_with_allow_get() {
    let (addr, _stop, _task) = start().await;
    for method in ["POST", "PUT", "DELETE", "HEAD"] {
        let r = request(
            addr,
            &format!("{method} /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
        )
        .await;
        assert!(r.starts_with("HTTP/1.1 405"), "{method}: {r}");
        assert_eq!(header(&r, "allow"), Some("GET"), "{method}: {r}");
        assert!(!r.contains("lacznik_test_gauge"), "{method}: {r}");
    }
}

#[tokio::test]
async fn garbage_is_answered_400_not_a_crash() {
    let (addr, _stop, _task) = start().await;
    let r = request(addr, "NOT HTTP AT ALL\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    let r = request(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
}

#[tokio::test]
async fn shutdown_stops_the_accept_loop() {
    let (addr, stop, task) = start().await;
    let r = request(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    stop.fire();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("serve_http returns after shutdown")
        .expect("no panic");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed after shutdown"
    );
}
