//! The load of the failover tests, as real clients with several addresses behave: welfare
//! centres that retry a failed submission with the same id on the next address until it
//! is OK, and a police dispatch that follows its stream on whichever node serves, resuming
//! from the cursor of the last event it processed.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use lacznik::api::pb;
use lacznik::api::pb::assistance_service_client::AssistanceServiceClient;
use lacznik::client::{TlsClient, mtls_channel};
use tonic::Code;

use crate::support::fixtures::*;

/// What the clients saw, for the verdict.
#[derive(Default)]
pub struct Seen {
    /// Request ids answered OK, in order.
    pub acknowledged: Mutex<Vec<String>>,
    /// Request ids delivered on the police stream, in order (duplicates kept).
    pub delivered: Mutex<Vec<String>>,
    /// Answers that must never happen (a refusal that is not a failover symptom).
    pub anomalies: Mutex<Vec<String>>,
    /// Set to end the load; submitters finish the submission in hand first.
    pub stop: AtomicBool,
}

/// What a node dying, pausing or stepping down can produce: retry elsewhere. A node that
/// steps down closes its connections with an HTTP/2 GOAWAY; a call caught in it fails in
/// the client's transport, which tonic reports as INTERNAL "h2 protocol error" (never
/// answered by the server, so the same submission is retried). Any other INTERNAL is the
/// server's and stays an anomaly.
fn transient(status: &tonic::Status) -> bool {
    match status.code() {
        Code::Unavailable | Code::Unknown | Code::Cancelled | Code::DeadlineExceeded => true,
        Code::Internal => status.message().contains("h2 protocol error"),
        _ => false,
    }
}

async fn connect(addr: SocketAddr, tls: &TlsClient) -> Option<tonic::transport::Channel> {
    tokio::time::timeout(Duration::from_secs(2), mtls_channel(&addr.to_string(), tls))
        .await
        .ok()?
        .ok()
}

/// Submits new requests until `seen.stop`, each retried across `addrs` until OK.
pub async fn submitter(addrs: Vec<SocketAddr>, tls: TlsClient, visit: Timestamp, seen: Arc<Seen>) {
    let mut at = 0;
    let mut client = None;
    while !seen.stop.load(Ordering::SeqCst) {
        let req = normal(&new_id(), visit);
        loop {
            let c = match &mut client {
                Some(c) => c,
                None => match connect(addrs[at], &tls).await {
                    Some(ch) => client.insert(AssistanceServiceClient::new(ch)),
                    None => {
                        at = (at + 1) % addrs.len();
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            let answer = tokio::time::timeout(
                Duration::from_secs(15),
                c.submit_assistance_request(req.clone()),
            )
            .await;
            match answer {
                Ok(Ok(_)) => {
                    seen.acknowledged
                        .lock()
                        .unwrap()
                        .push(req.request_id.clone());
                    break;
                }
                Ok(Err(s)) if !transient(&s) => {
                    seen.anomalies
                        .lock()
                        .unwrap()
                        .push(format!("{}: {s:?}", req.request_id));
                    break;
                }
                _ => {
                    client = None;
                    at = (at + 1) % addrs.len();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

/// Follows the police stream of `tls`'s unit on whichever of `addrs` serves, from the
/// cursor of the last event, until `seen.stop` and `want` events were delivered.
pub async fn follower(
    addrs: Vec<SocketAddr>,
    tls: TlsClient,
    seen: Arc<Seen>,
    want: Arc<Mutex<Option<usize>>>,
) {
    let mut cursor = String::new();
    let mut at = 0;
    loop {
        let done = |seen: &Seen| {
            let want = *want.lock().unwrap();
            want.is_some_and(|n| seen.delivered.lock().unwrap().len() >= n)
        };
        if done(&seen) {
            return;
        }
        let addr = addrs[at];
        at = (at + 1) % addrs.len();
        let Some(ch) = connect(addr, &tls).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let stream = AssistanceServiceClient::new(ch)
            .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
                after_cursor: cursor.clone(),
            })
            .await;
        let Ok(stream) = stream else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let mut stream = stream.into_inner();
        loop {
            match tokio::time::timeout(Duration::from_millis(500), stream.message()).await {
                Ok(Ok(Some(ev))) => {
                    if let Some(r) = &ev.request {
                        seen.delivered.lock().unwrap().push(r.request_id.clone());
                    }
                    cursor = ev.cursor;
                }
                Ok(Ok(None)) | Ok(Err(_)) => break,
                // Quiet: check whether everything arrived, then go on listening.
                Err(_) if done(&seen) => return,
                Err(_) => {}
            }
        }
        // The node went away or stepped down: try the next one.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
