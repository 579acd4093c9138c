//! The clients: welfare centres submitting assistance requests and initiators submitting
//! Blue Cards, each retrying a failed submission with the same id until it is OK, and
//! recording what was acknowledged.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::support::fixtures::*;
use crate::support::{AssistanceClient, BlueCardClient};
use lacznik::api::pb;
use tonic::Code;
use tonic::transport::Channel;

use super::harness::Pki;
use super::{CALL_TIMEOUT, card_started, far_visit, late_card_started, late_visit};

pub(super) struct SentRequest {
    pub(super) id: String,
    pub(super) req: pb::SubmitAssistanceRequestRequest,
    pub(super) late: bool,
    /// For a submission that needed retries: the start (clock index) of its first attempt.
    pub(super) retried: Option<usize>,
    /// The receipt the OK answer carried.
    pub(super) receipt: String,
}

pub(super) struct SentCard {
    pub(super) id: String,
    pub(super) initiator: &'static str,
    pub(super) req: pb::SubmitBlueCardARequest,
    pub(super) late: bool,
    pub(super) retried: Option<usize>,
    /// The receipt the OK answer carried.
    pub(super) receipt: String,
}

#[derive(Default)]
pub(super) struct Shared {
    pub(super) stop: AtomicBool,
    /// Index of the current server start (its clock is `clock_of(epoch)`).
    pub(super) epoch: AtomicUsize,
    pub(super) requests: Mutex<Vec<SentRequest>>,
    pub(super) cards: Mutex<Vec<SentCard>>,
    /// Ids whose submission failed at least once and is not yet answered OK.
    pub(super) in_doubt: Mutex<HashSet<String>>,
    /// Answers that must never happen (ALREADY_EXISTS for our own retry, a different
    /// record in the answer, ...): evidence for the final assertion.
    pub(super) anomalies: Mutex<Vec<String>>,
    pub(super) transient_errors: Mutex<BTreeMap<String, usize>>,
}

/// Codes a crash, a restart or a slow server can produce; the same submission is retried.
pub(super) fn transient(code: Code) -> bool {
    matches!(
        code,
        Code::Unavailable
            | Code::Unknown
            | Code::Cancelled
            | Code::DeadlineExceeded
            | Code::Internal
            | Code::Aborted
            | Code::ResourceExhausted
    )
}

/// Calls `f` until it answers OK, reconnecting after every failure. Returns the answer and,
/// when it needed more than one attempt, the server start of the first attempt; `Err` for an answer that is not a crash
/// symptom (e.g. ALREADY_EXISTS: the stored record differs from what we sent).
pub(super) async fn until_ok<T, F, Fut>(
    shared: &Shared,
    pki: &Pki,
    addr: &RwLock<SocketAddr>,
    org: &str,
    id: &str,
    channel: &mut Option<Channel>,
    mut f: F,
) -> Result<(T, Option<usize>), tonic::Status>
where
    F: FnMut(Channel) -> Fut,
    Fut: Future<Output = Result<T, tonic::Status>>,
{
    let mut attempts = 0u32;
    let first_epoch = shared.epoch.load(Ordering::SeqCst);
    loop {
        attempts += 1;
        let outcome = match connected(channel, pki, addr, org).await {
            Ok(ch) => match tokio::time::timeout(CALL_TIMEOUT, f(ch)).await {
                Ok(r) => r,
                Err(_) => Err(tonic::Status::deadline_exceeded("client-side timeout")),
            },
            Err(s) => Err(s),
        };
        match outcome {
            Ok(v) => {
                if attempts > 1 {
                    shared.in_doubt.lock().unwrap().remove(id);
                }
                return Ok((v, (attempts > 1).then_some(first_epoch)));
            }
            Err(s) if !transient(s.code()) => return Err(s),
            Err(s) => {
                if attempts == 1 {
                    shared.in_doubt.lock().unwrap().insert(id.to_string());
                }
                *shared
                    .transient_errors
                    .lock()
                    .unwrap()
                    .entry(format!("{:?}", s.code()))
                    .or_default() += 1;
                *channel = None; // reconnect (the server may be a new process on a new port)
                let backoff = 25 * u64::from(attempts.min(8));
                tokio::time::sleep(Duration::from_millis(backoff)).await;
            }
        }
    }
}

pub(super) async fn welfare_client(
    n: usize,
    shared: Arc<Shared>,
    pki: Pki,
    addr: Arc<RwLock<SocketAddr>>,
) {
    let org = "mopr-torun";
    let mut channel = None;
    let mut seq = 0usize;
    while !shared.stop.load(Ordering::SeqCst) {
        seq += 1;
        let id = new_id();
        let late = seq % 5 == 0;
        let mut req = normal(&id, if late { late_visit() } else { far_visit() });
        // Distinct content per request, so a record swapped or mixed up would show.
        req.content
            .as_mut()
            .unwrap()
            .client
            .as_mut()
            .unwrap()
            .other_data = format!("ur. 1980; klient {n}, sprawa {seq}");
        let r = until_ok(&shared, &pki, &addr, org, &id, &mut channel, |ch| {
            let req = req.clone();
            async move {
                AssistanceClient::new(ch)
                    .submit_assistance_request(req)
                    .await
                    .map(|r| r.into_inner())
            }
        })
        .await;
        match r {
            Ok((resp, retried)) => {
                let receipt = resp.receipt;
                let got = resp.request.unwrap_or_default();
                if got.request_id != id || got.content != req.content || got.urgency != req.urgency
                {
                    shared.anomalies.lock().unwrap().push(format!(
                        "assistance {id}: the OK answer carries another record (id {}, content equal: {})",
                        got.request_id,
                        got.content == req.content
                    ));
                }
                shared.requests.lock().unwrap().push(SentRequest {
                    id,
                    req,
                    late,
                    retried,
                    receipt,
                });
            }
            Err(s) => {
                shared.in_doubt.lock().unwrap().remove(&id);
                shared.anomalies.lock().unwrap().push(format!(
                    "assistance {id}: submission answered {:?}: {}",
                    s.code(),
                    s.message()
                ));
            }
        }
    }
}

pub(super) async fn card_client(
    n: usize,
    initiator: &'static str,
    shared: Arc<Shared>,
    pki: Pki,
    addr: Arc<RwLock<SocketAddr>>,
) {
    let mut channel = None;
    let mut seq = 0usize;
    while !shared.stop.load(Ordering::SeqCst) {
        seq += 1;
        let id = new_id();
        let late = seq % 4 == 0;
        let mut req = card(
            &id,
            if late {
                late_card_started()
            } else {
                card_started()
            },
        );
        req.content.as_mut().unwrap().description =
            format!("Interwencja domowa po zgłoszeniu sąsiadów (klient {n}, karta {seq}).");
        let r = until_ok(&shared, &pki, &addr, initiator, &id, &mut channel, |ch| {
            let req = req.clone();
            async move {
                BlueCardClient::new(ch)
                    .submit_blue_card_a(req)
                    .await
                    .map(|r| r.into_inner())
            }
        })
        .await;
        match r {
            Ok((resp, retried)) => {
                let receipt = resp.receipt;
                let got = resp.card.unwrap_or_default();
                if got.card_id != id || got.content != req.content {
                    shared.anomalies.lock().unwrap().push(format!(
                        "card {id}: the OK answer carries another record (id {}, content equal: {})",
                        got.card_id,
                        got.content == req.content
                    ));
                }
                shared.cards.lock().unwrap().push(SentCard {
                    id,
                    initiator,
                    req,
                    late,
                    retried,
                    receipt,
                });
            }
            Err(s) => {
                shared.in_doubt.lock().unwrap().remove(&id);
                shared.anomalies.lock().unwrap().push(format!(
                    "card {id}: submission answered {:?}: {}",
                    s.code(),
                    s.message()
                ));
            }
        }
    }
}

/// The client's channel; a new one (as `org`, to the server's current address) when it has
/// none. A refused connection is UNAVAILABLE, as a call on a lazy channel would say.
async fn connected(
    channel: &mut Option<Channel>,
    pki: &Pki,
    addr: &RwLock<SocketAddr>,
    org: &str,
) -> Result<Channel, tonic::Status> {
    if let Some(ch) = channel {
        return Ok(ch.clone());
    }
    let a = *addr.read().unwrap();
    let ch = pki
        .connect(a, org)
        .await
        .map_err(|e| tonic::Status::unavailable(format!("connect to {a}: {e}")))?;
    Ok(channel.insert(ch).clone())
}
