//! The closed-loop load driver: N tokio tasks, each with its own connection (its own TCP +
//! TLS session: N client systems), each calling one RPC in a loop. Calls completing during
//! a warm-up are not counted; then every completion inside the measured window is counted
//! and its latency (from just before the call to its answer) goes into a histogram.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use hdrhistogram::Histogram;
use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use lacznik::api::pb::assistance_service_client::AssistanceServiceClient;
use lacznik::api::pb::blue_card_service_client::BlueCardServiceClient;
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;

use super::env::Endpoint;
use super::requests;

/// Microsecond latencies from 1 µs to 10 min, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

/// Which RPC a phase drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rpc {
    /// `grpc.health.v1.Health/Check` as `mopr-torun`: TLS, HTTP/2, tonic, identity
    /// resolution, no store.
    Health,
    /// `SubmitAssistanceRequest` from `mopr-torun` (routed to `kmp-torun`), durable.
    Submit,
    /// `SubmitBlueCardA` from `kp-lazy` (routed to `zi-lazy`, a new procedure), durable.
    Card,
}

impl Rpc {
    /// The organisation that calls it.
    pub fn org(self) -> &'static str {
        match self {
            Rpc::Health | Rpc::Submit => "mopr-torun",
            Rpc::Card => "kp-lazy",
        }
    }
}

/// One client's way of making the phase's call.
pub enum Caller {
    Health(HealthClient<Channel>),
    Submit(
        AssistanceServiceClient<Channel>,
        pb::SubmitAssistanceRequestRequest,
    ),
    Card(BlueCardServiceClient<Channel>, pb::SubmitBlueCardARequest),
}

impl Caller {
    /// A caller of `rpc` over `ch`.
    pub fn new(rpc: Rpc, ch: Channel, now: Timestamp) -> Caller {
        match rpc {
            Rpc::Health => Caller::Health(HealthClient::new(ch)),
            Rpc::Submit => Caller::Submit(
                AssistanceServiceClient::new(ch),
                requests::normal("", requests::visit_start(now)),
            ),
            Rpc::Card => Caller::Card(
                BlueCardServiceClient::new(ch),
                requests::card("", now - SignedDuration::from_hours(1)),
            ),
        }
    }

    /// One call; a submission gets a fresh id each time.
    pub async fn call(&mut self) -> Result<(), tonic::Status> {
        match self {
            Caller::Health(c) => {
                let r = c
                    .check(tonic_health::pb::HealthCheckRequest {
                        service: String::new(),
                    })
                    .await?
                    .into_inner();
                if r.status
                    != tonic_health::pb::health_check_response::ServingStatus::Serving as i32
                {
                    return Err(tonic::Status::unavailable("health: not SERVING"));
                }
            }
            Caller::Submit(c, template) => {
                let mut req = template.clone();
                req.request_id = requests::new_id();
                let r = c.submit_assistance_request(req).await?.into_inner();
                if r.request.is_none() {
                    return Err(tonic::Status::internal("submit: empty answer"));
                }
            }
            Caller::Card(c, template) => {
                let mut req = template.clone();
                req.card_id = requests::new_id();
                c.submit_blue_card_a(req).await?;
            }
        }
        Ok(())
    }
}

/// What a phase measured.
pub struct Measured {
    /// Calls completed OK inside the window.
    pub completed: u64,
    /// Calls that failed inside the window.
    pub errors: u64,
    /// The first failure, if any.
    pub first_error: Option<String>,
    /// The window's length.
    pub window: Duration,
    /// Latencies of the OK calls, µs.
    pub hist: Histogram<u64>,
    /// Where the CPU went during the window.
    pub cpu: Option<super::host::CpuUse>,
}

impl Measured {
    /// Completions per second.
    pub fn throughput(&self) -> f64 {
        self.completed as f64 / self.window.as_secs_f64()
    }

    /// A latency quantile in ms.
    pub fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }
}

/// Checks that one call of `rpc` succeeds (a bench of failing calls is worthless).
pub async fn check_once(ep: &Endpoint, rpc: Rpc) -> Result<()> {
    let ch = ep.channel(rpc.org()).await?;
    let mut c = Caller::new(rpc, ch, Timestamp::now());
    if let Err(s) = c.call().await {
        bail!(
            "the first {rpc:?} call failed: {:?}: {} (details: {:?})",
            s.code(),
            s.message(),
            s.details()
        );
    }
    Ok(())
}

/// Runs `rpc` from `concurrency` clients, each on its own connection, for `warmup` then
/// `window`; optionally calls `during` every 100 ms while measuring (memory sampling).
pub async fn closed_loop(
    ep: &Endpoint,
    rpc: Rpc,
    concurrency: usize,
    warmup: Duration,
    window: Duration,
    mut during: impl FnMut(),
) -> Result<Measured> {
    let channels = ep.channels(rpc.org(), concurrency).await?;
    let now = Timestamp::now();
    let begin = Instant::now();
    let start = begin + warmup;
    let end = start + window;
    let mut tasks = Vec::with_capacity(concurrency);
    for ch in channels {
        let mut caller = Caller::new(rpc, ch, now);
        tasks.push(tokio::spawn(async move {
            let mut hist = histogram();
            let (mut ok, mut errors, mut first_error) = (0u64, 0u64, None::<String>);
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let r = caller.call().await;
                let t1 = Instant::now();
                if t1 < start || t1 >= end {
                    continue;
                }
                match r {
                    Ok(()) => {
                        ok += 1;
                        let us = u64::try_from((t1 - t0).as_micros()).unwrap_or(u64::MAX);
                        hist.saturating_record(us.max(1));
                    }
                    Err(s) => {
                        errors += 1;
                        if first_error.is_none() {
                            first_error = Some(format!("{:?}: {}", s.code(), s.message()));
                        }
                        // Do not spin on an error: a refused call answers at once.
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
            (hist, ok, errors, first_error)
        }));
    }
    let mut first = None;
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if Instant::now() >= start {
            if first.is_none() {
                first = Some(super::host::cpu_snap());
            }
            during();
        }
    }
    let cpu = first.map(|a| super::host::cpu_use(&a, &super::host::cpu_snap()));
    let mut m = Measured {
        completed: 0,
        errors: 0,
        first_error: None,
        window,
        hist: histogram(),
        cpu,
    };
    for t in tasks {
        let (h, ok, errors, first) = t.await?;
        m.hist.add(&h)?;
        m.completed += ok;
        m.errors += errors;
        if m.first_error.is_none() {
            m.first_error = first;
        }
    }
    Ok(m)
}
