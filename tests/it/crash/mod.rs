//! Crash safety: the real `lacznik` binary, killed with SIGKILL at random moments while 16
//! mutual-TLS clients submit assistance requests and Blue Cards, restarted on the same data
//! dir each time. Whatever an RPC answered OK must survive intact, exactly once; whatever
//! failed is retried with the same id until it is OK and then is stored exactly once; breach
//! records (the `assistance.notice` / `bluecard.to_chair` ones written with the submission,
//! and the `assistance.receipt` ones recorded by the start-up catch-up sweep) are neither
//! lost nor duplicated; and the server starts every time.
//!
//! `CRASH_SEED=<n>` replays a run's kill timings (the seed is printed).

mod breaches;
mod clients;
mod harness;
mod reading;
mod receipts;
mod verdict;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::support::fixtures::*;
use jiff::{SignedDuration, Timestamp};

use clients::{Shared, card_client, welfare_client};
use harness::{Harness, Pki, Rng, free_port, read_log};
use verdict::evidence;

/// Tuesday 1 Dec 2026, 09:00 in Toruń: the simulated clock of the first start.
const T0: &str = "2026-12-01T08:00:00Z";
/// Each (re)start runs on a clock this much later than the previous one, so the 30-minute
/// receipt deadlines of the requests submitted before a crash fall due across the restart.
const STEP_HOURS: i64 = 2;
/// Kill cycles while the clients run (each followed by a restart).
const CYCLES: usize = 5;
const WELFARE_CLIENTS: usize = 10;
const CARD_INITIATORS: [&str; 3] = ["kp-lazy", "mgops-lazy", "gkrpa-lazy"];
const CARD_CLIENTS: usize = 6;
/// Per-call limit of the submitting clients.
const CALL_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a (re)started server may take to answer a health check with SERVING.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

fn clock_of(start: usize) -> Timestamp {
    t(T0) + SignedDuration::from_hours(STEP_HOURS * start as i64)
}

/// A visit far ahead: every NORMAL deadline is far away.
fn far_visit() -> Timestamp {
    t(T0) + SignedDuration::from_hours(24 * 60)
}

/// A visit on Thursday 3 Dec: less than 3 working days after any clock of this test (the
/// last is T0 + 12 h), so `assistance.notice` is breached in the submission's own write,
/// and its `assistance.response` deadline (end of Wednesday) stays in the future.
fn late_visit() -> Timestamp {
    t(T0) + SignedDuration::from_hours(48) + SignedDuration::from_hours(1)
}

/// A procedure started 2 hours before T0: `bluecard.to_chair` (7 days) is met.
fn card_started() -> Timestamp {
    t(T0) - SignedDuration::from_hours(2)
}

/// A procedure started 8 days before T0: the card reaches the chair late and
/// `bluecard.to_chair` is breached in the submission's own write.
fn late_card_started() -> Timestamp {
    t(T0) - SignedDuration::from_hours(24 * 8)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_submissions_and_breaches_survive_sigkill_exactly_once_fjall() {
    let _heavy = crate::support::serial::heavy();
    survive_sigkill("fjall", Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_submissions_and_breaches_survive_sigkill_exactly_once_sled() {
    let _heavy = crate::support::serial::heavy();
    survive_sigkill("sled", Vec::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_submissions_and_breaches_survive_sigkill_exactly_once_postgres() {
    let _heavy = crate::support::serial::heavy();
    // A durable cluster (fsync on): what the database acknowledged must survive too. Only
    // lacznik is killed here; the database's own crash is another test's.
    let pg = tokio::task::spawn_blocking(lacznik_testkit::PgCluster::start_durable)
        .await
        .unwrap()
        .expect("a throwaway PostgreSQL cluster");
    let env = vec![("LACZNIK_STORE__POSTGRES__URL".to_string(), pg.url())];
    survive_sigkill("postgres", env).await;
    drop(pg);
}

/// The whole scenario against the binary configured with `engine` (and `env`).
async fn survive_sigkill(engine: &'static str, env: Vec<(String, String)>) {
    let began = Instant::now();
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("crash test ({engine}): seed={seed} (CRASH_SEED={seed} replays the kill timings)");
    let mut rng = Rng::new(seed);

    let tmp = tempfile::tempdir().expect("temp dir");
    let certs = tmp.path().join("certs");
    std::fs::create_dir_all(tmp.path().join("data")).expect("data dir");
    let pki = Pki::init(&certs);
    let addr = Arc::new(RwLock::new(SocketAddr::from(([127, 0, 0, 1], free_port()))));
    let mut h = Harness {
        dir: tmp.path().to_path_buf(),
        pki: pki.clone(),
        addr: addr.clone(),
        starts: 0,
        engine,
        env,
    };

    let mut server = h.start(clock_of(0)).await;
    let shared = Arc::new(Shared::default());
    let mut clients = Vec::new();
    for n in 0..WELFARE_CLIENTS {
        clients.push(tokio::spawn(welfare_client(
            n,
            shared.clone(),
            pki.clone(),
            addr.clone(),
        )));
    }
    for n in 0..CARD_CLIENTS {
        clients.push(tokio::spawn(card_client(
            n,
            CARD_INITIATORS[n % CARD_INITIATORS.len()],
            shared.clone(),
            pki.clone(),
            addr.clone(),
        )));
    }

    // Kill cycles. In some cycles the restarted server is also killed once while it starts
    // (opening the store, running the catch-up sweep), before it is started for good.
    let mut startup_kills = 0;
    for cycle in 1..=CYCLES {
        let run = rng.range(200, 1500);
        tokio::time::sleep(Duration::from_millis(run)).await;
        let acked = shared.requests.lock().unwrap().len() + shared.cards.lock().unwrap().len();
        server.kill();
        shared.epoch.store(cycle, Ordering::SeqCst);
        let clock = clock_of(cycle);
        let early = if rng.next() % 2 == 0 {
            let p = h.spawn(clock);
            let after = rng.range(0, 400);
            tokio::time::sleep(Duration::from_millis(after)).await;
            p.kill();
            startup_kills += 1;
            format!(", killed again {after} ms into its start")
        } else {
            String::new()
        };
        server = h.start(clock).await;
        eprintln!(
            "cycle {cycle}: SIGKILL after {run} ms ({acked} acknowledged so far){early}; restarted at {clock} in {:?}",
            began.elapsed()
        );
    }

    // Let the clients run on the last server, then let them finish what is in flight:
    // every in-doubt id must end OK.
    tokio::time::sleep(Duration::from_millis(300)).await;
    shared.stop.store(true, Ordering::SeqCst);
    let finish = futures::future::join_all(clients);
    if tokio::time::timeout(Duration::from_secs(60), finish)
        .await
        .is_err()
    {
        let doubt: Vec<String> = shared.in_doubt.lock().unwrap().iter().cloned().collect();
        panic!(
            "the clients did not finish their retries within 60 s; still in doubt ({}):\n{}\n--- last server output ---\n{}",
            doubt.len(),
            evidence(&doubt, 20),
            read_log(&server.log)
        );
    }
    let still_in_doubt: Vec<String> = shared.in_doubt.lock().unwrap().iter().cloned().collect();

    // One more crash with nobody writing, then the final server on a later clock: every
    // receipt deadline (30 min) of every request is due at its start.
    server.kill();
    let final_clock = clock_of(CYCLES + 1);
    let server = h.start(final_clock).await;
    let cycles_done = began.elapsed();

    verdict::judge(verdict::Run {
        shared,
        pki,
        addr: h.addr(),
        server,
        starts: h.starts,
        startup_kills,
        still_in_doubt,
        final_clock,
        seed,
        began,
        cycles_done,
        tmp,
    })
    .await;
}
