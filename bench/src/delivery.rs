//! Delivery latency: a police unit (`kmp-torun`) keeps its event stream open while a welfare
//! centre (`mopr-torun`) submits at a steady rate (open loop: one new call every
//! 1/rate s, whatever the previous ones do). For each request, the instant its OK arrives
//! at the submitter and the instant its event arrives on the stream are recorded in this
//! process; the delivery latency is arrival - OK, clamped at 0 (the server publishes the
//! event and answers the submitter after the same flush, so the event may win the race).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use hdrhistogram::Histogram;
use jiff::Timestamp;
use lacznik::api::pb;
use lacznik::api::pb::assistance_service_client::AssistanceServiceClient;

use super::env::Endpoint;
use super::load::histogram;
use super::requests;

/// What the delivery phase measured.
pub struct Delivery {
    /// Submissions per second asked for.
    pub rate: f64,
    /// Submissions answered OK inside the window.
    pub submitted: u64,
    /// Of those, events seen on the stream.
    pub delivered: u64,
    /// Events that arrived before the submitter saw its OK (clamped to 0).
    pub before_ok: u64,
    /// Submissions that failed.
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// Delivery latencies, µs.
    pub hist: Histogram<u64>,
    /// For events that arrived before the OK: how long before, µs.
    pub ahead_hist: Histogram<u64>,
    /// Submit latencies at this rate, µs.
    pub submit_hist: Histogram<u64>,
    /// The window.
    pub window: Duration,
}

type Instants = Arc<Mutex<HashMap<String, Instant>>>;

/// Runs the delivery phase.
pub async fn run(ep: &Endpoint, rate: f64, warmup: Duration, window: Duration) -> Result<Delivery> {
    let arrivals: Instants = Arc::default();
    let oks: Instants = Arc::default();

    // The police stream; events already in the feed are replayed and ignored.
    let mut police = AssistanceServiceClient::new(ep.channel("kmp-torun").await?);
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
            after_cursor: String::new(),
        })
        .await?
        .into_inner();
    let seen = arrivals.clone();
    let reader = tokio::spawn(async move {
        while let Ok(Some(msg)) = stream.message().await {
            let at = Instant::now();
            if let Some(r) = msg.request {
                seen.lock().unwrap().insert(r.request_id, at);
            }
        }
    });

    // The submitter: one connection (HTTP/2 multiplexes the calls that overlap).
    let centre = AssistanceServiceClient::new(ep.channel("mopr-torun").await?);
    let template = requests::normal("", requests::visit_start(Timestamp::now()));
    let begin = Instant::now();
    let start = begin + warmup;
    let end = start + window;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut calls = Vec::new();
    loop {
        tick.tick().await;
        let now = Instant::now();
        if now >= end {
            break;
        }
        let mut client = centre.clone();
        let mut req = template.clone();
        req.request_id = requests::new_id();
        let oks = oks.clone();
        let measured = now >= start;
        calls.push(tokio::spawn(async move {
            let id = req.request_id.clone();
            let t0 = Instant::now();
            let r = client.submit_assistance_request(req).await;
            let t1 = Instant::now();
            if measured && r.is_ok() {
                oks.lock().unwrap().insert(id, t1);
            }
            (measured, t1 - t0, r.err())
        }));
    }
    let mut d = Delivery {
        rate,
        submitted: 0,
        delivered: 0,
        before_ok: 0,
        errors: 0,
        first_error: None,
        hist: histogram(),
        ahead_hist: histogram(),
        submit_hist: histogram(),
        window,
    };
    for c in calls {
        let (measured, latency, err) = c.await?;
        if !measured {
            continue;
        }
        match err {
            None => {
                d.submit_hist
                    .saturating_record((latency.as_micros() as u64).max(1));
            }
            Some(s) => {
                d.errors += 1;
                if d.first_error.is_none() {
                    d.first_error = Some(format!("{:?}: {}", s.code(), s.message()));
                }
            }
        }
    }
    // Let the last events arrive.
    let oks = oks.lock().unwrap().clone();
    let wait_until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < wait_until {
        let got = {
            let a = arrivals.lock().unwrap();
            oks.keys().filter(|k| a.contains_key(*k)).count()
        };
        if got == oks.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    reader.abort();
    let arrivals = arrivals.lock().unwrap();
    d.submitted = oks.len() as u64;
    for (id, ok_at) in &oks {
        let Some(at) = arrivals.get(id) else { continue };
        d.delivered += 1;
        let us = if at < ok_at {
            d.before_ok += 1;
            d.ahead_hist
                .saturating_record((*ok_at - *at).as_micros() as u64);
            0
        } else {
            (*at - *ok_at).as_micros() as u64
        };
        // hdrhistogram's lowest discernible value is 1 µs; 0 is recorded as such.
        d.hist.saturating_record(us);
    }
    if d.submitted == 0 {
        return Err(anyhow!(
            "delivery: no submission succeeded ({})",
            d.first_error.clone().unwrap_or_default()
        ));
    }
    Ok(d)
}
