//! Crash safety: the real `lacznik` binary, killed with SIGKILL at random moments while 16
//! mutual-TLS clients submit assistance requests and Blue Cards, restarted on the same data
//! dir each time. Whatever an RPC answered OK must survive intact, exactly once; whatever
//! failed is retried with the same id until it is OK and then is stored exactly once; breach
//! records (the `assistance.notice` / `bluecard.to_chair` ones written with the submission,
//! and the `assistance.receipt` ones recorded by the start-up catch-up sweep) are neither
//! lost nor duplicated; and the server starts every time.
//!
//! `CRASH_SEED=<n>` replays a run's kill timings (the seed is printed).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::support::fixtures::*;
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use lacznik::api::pb::assistance_service_client::AssistanceServiceClient;
use lacznik::api::pb::blue_card_service_client::BlueCardServiceClient;
use lacznik::api::pb::breach_service_client::BreachServiceClient;
use tonic::Code;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

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

// ---------------------------------------------------------------------------------------
// Randomness (no dependency): xorshift64*.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

// ---------------------------------------------------------------------------------------
// Certificates.

#[derive(Clone)]
struct Pki {
    ca_pem: String,
    ids: Arc<HashMap<String, (String, String)>>,
}

impl Pki {
    fn init(certs: &Path) -> Pki {
        let directory = lacznik::config::Config::default()
            .load_directory()
            .expect("built-in sample directory");
        lacznik::pki::init(certs, &directory).expect("dev pki");
        let mut ids = HashMap::new();
        for org in directory.iter() {
            let (c, k) = lacznik::pki::org_paths(certs, &org.id);
            ids.insert(
                org.id.as_str().to_string(),
                (
                    std::fs::read_to_string(&c).expect("org cert"),
                    std::fs::read_to_string(&k).expect("org key"),
                ),
            );
        }
        Pki {
            ca_pem: std::fs::read_to_string(certs.join("ca.pem")).expect("ca.pem"),
            ids: Arc::new(ids),
        }
    }

    /// A lazy mTLS channel as `org` (connects on first use; a failed connection is seen by
    /// the call, which the callers retry).
    fn channel(&self, addr: SocketAddr, org: &str) -> Channel {
        let (cert, key) = self.ids.get(org).expect("org in the sample directory");
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.ca_pem))
            .domain_name("localhost")
            .identity(Identity::from_pem(cert, key));
        Endpoint::from_shared(format!("https://{addr}"))
            .expect("uri")
            .tls_config(tls)
            .expect("tls config")
            .connect_timeout(Duration::from_secs(2))
            .timeout(CALL_TIMEOUT)
            .connect_lazy()
    }
}

// ---------------------------------------------------------------------------------------
// The server process.

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .expect("local addr")
        .port()
}

/// The running child; killed (SIGKILL) and reaped when dropped, so a failing test leaves
/// no server behind.
struct ServerProcess {
    child: Child,
    log: PathBuf,
}

impl ServerProcess {
    fn kill(mut self) {
        self.kill_now();
    }
    fn kill_now(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill_now();
    }
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("(no log: {e})"))
}

struct Harness {
    dir: PathBuf,
    pki: Pki,
    addr: Arc<RwLock<SocketAddr>>,
    starts: usize,
    engine: &'static str,
}

impl Harness {
    fn addr(&self) -> SocketAddr {
        *self.addr.read().unwrap()
    }

    fn spawn(&mut self, clock: Timestamp) -> ServerProcess {
        self.starts += 1;
        let log = self.dir.join(format!("server-{:02}.log", self.starts));
        let out = File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lacznik"));
        // Every `LACZNIK_*` variable is a configuration key to the server, and an unknown
        // one (e.g. `LACZNIK_PYTHON`, which the interop tests read) stops it: pass none but
        // ours.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("LACZNIK_") {
                cmd.env_remove(key);
            }
        }
        let child = cmd
            .arg("serve")
            .arg("--listen")
            .arg(self.addr().to_string())
            .arg("--data")
            .arg(self.dir.join("data"))
            .arg("--simulated-clock")
            .arg(clock.to_string())
            .current_dir(&self.dir)
            .env("LACZNIK_TLS__DIR", self.dir.join("certs"))
            .env("LACZNIK_TLS__DEV_PKI", "false")
            .env("LACZNIK_STORE__ENGINE", self.engine)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn the lacznik binary");
        ServerProcess { child, log }
    }

    /// Starts the server at `clock` and waits until its health check says SERVING. Panics,
    /// with the server's output, when it does not start ("the server starts each time").
    async fn start(&mut self, clock: Timestamp) -> ServerProcess {
        let mut port_attempts = 0;
        loop {
            let mut p = self.spawn(clock);
            match self.wait_ready(&mut p).await {
                Ok(()) => return p,
                Err(e) => {
                    let log = read_log(&p.log);
                    // Only a port taken by someone else is the harness's problem: take
                    // another port. Anything else is the server failing to start.
                    if log.contains("cannot listen") && port_attempts < 5 {
                        port_attempts += 1;
                        let new = SocketAddr::from(([127, 0, 0, 1], free_port()));
                        eprintln!("port {} busy ({e}); moving to {new}", self.addr());
                        *self.addr.write().unwrap() = new;
                        continue;
                    }
                    p.kill_now();
                    panic!(
                        "the server did not start (start #{}, clock {clock}, data dir {}): {e}\n--- server output ---\n{log}",
                        self.starts,
                        self.dir.join("data").display()
                    );
                }
            }
        }
    }

    async fn wait_ready(&self, p: &mut ServerProcess) -> Result<(), String> {
        let began = Instant::now();
        let mut last = String::from("no answer yet");
        while began.elapsed() < READY_TIMEOUT {
            if let Some(status) = p.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("the server exited: {status}"));
            }
            let ch = self.pki.channel(self.addr(), "mopr-torun");
            let mut health = HealthClient::new(ch);
            let check = health.check(HealthCheckRequest {
                service: String::new(),
            });
            match tokio::time::timeout(Duration::from_secs(3), check).await {
                Ok(Ok(r)) if r.get_ref().status == ServingStatus::Serving as i32 => {
                    return Ok(());
                }
                Ok(Ok(r)) => last = format!("health status {}", r.get_ref().status),
                Ok(Err(s)) => last = format!("{:?}: {}", s.code(), s.message()),
                Err(_) => last = "health check timed out".into(),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!(
            "not SERVING after {:?} (last: {last})",
            READY_TIMEOUT
        ))
    }
}

// ---------------------------------------------------------------------------------------
// The clients.

struct SentRequest {
    id: String,
    req: pb::SubmitAssistanceRequestRequest,
    late: bool,
    /// For a submission that needed retries: the start (clock index) of its first attempt.
    retried: Option<usize>,
}

struct SentCard {
    id: String,
    initiator: &'static str,
    req: pb::SubmitBlueCardARequest,
    late: bool,
    retried: Option<usize>,
}

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    /// Index of the current server start (its clock is `clock_of(epoch)`).
    epoch: AtomicUsize,
    requests: Mutex<Vec<SentRequest>>,
    cards: Mutex<Vec<SentCard>>,
    /// Ids whose submission failed at least once and is not yet answered OK.
    in_doubt: Mutex<HashSet<String>>,
    /// Answers that must never happen (ALREADY_EXISTS for our own retry, a different
    /// record in the answer, ...): evidence for the final assertion.
    anomalies: Mutex<Vec<String>>,
    transient_errors: Mutex<BTreeMap<String, usize>>,
}

/// Codes a crash, a restart or a slow server can produce; the same submission is retried.
fn transient(code: Code) -> bool {
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
async fn until_ok<T, F, Fut>(
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
        let ch = channel
            .get_or_insert_with(|| pki.channel(*addr.read().unwrap(), org))
            .clone();
        let outcome = match tokio::time::timeout(CALL_TIMEOUT + Duration::from_secs(2), f(ch)).await
        {
            Ok(r) => r,
            Err(_) => Err(tonic::Status::deadline_exceeded("client-side timeout")),
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

async fn welfare_client(n: usize, shared: Arc<Shared>, pki: Pki, addr: Arc<RwLock<SocketAddr>>) {
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
                AssistanceServiceClient::new(ch)
                    .submit_assistance_request(req)
                    .await
                    .map(|r| r.into_inner())
            }
        })
        .await;
        match r {
            Ok((resp, retried)) => {
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

async fn card_client(
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
                BlueCardServiceClient::new(ch)
                    .submit_blue_card_a(req)
                    .await
                    .map(|r| r.into_inner())
            }
        })
        .await;
        match r {
            Ok((resp, retried)) => {
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

// ---------------------------------------------------------------------------------------
// Reading the final state (every call retried on transport errors: the final server is
// expected to stay up, but the test must not fail on a hiccup).

async fn read<T, F, Fut>(what: &str, mut f: F) -> Result<T, tonic::Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, tonic::Status>>,
{
    let mut last = None;
    for attempt in 0..20u64 {
        match tokio::time::timeout(Duration::from_secs(10), f()).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(s)) if !transient(s.code()) => return Err(s),
            Ok(Err(s)) => last = Some(s),
            Err(_) => last = Some(tonic::Status::deadline_exceeded("client-side timeout")),
        }
        tokio::time::sleep(Duration::from_millis(50 * (attempt + 1))).await;
    }
    panic!("{what}: the final server kept failing: {last:?}");
}

async fn list_all_requests(ch: &Channel) -> Vec<pb::AssistanceRequest> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = read("ListAssistanceRequests", || {
            let mut c = AssistanceServiceClient::new(ch.clone());
            let token = token.clone();
            async move {
                c.list_assistance_requests(pb::ListAssistanceRequestsRequest {
                    page_size: 500,
                    page_token: token,
                    ..Default::default()
                })
                .await
                .map(|r| r.into_inner())
            }
        })
        .await
        .expect("ListAssistanceRequests");
        out.extend(page.requests);
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
}

async fn list_all_cards(ch: &Channel) -> Vec<pb::BlueCard> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = read("ListBlueCards", || {
            let mut c = BlueCardServiceClient::new(ch.clone());
            let token = token.clone();
            async move {
                c.list_blue_cards(pb::ListBlueCardsRequest {
                    page_size: 500,
                    page_token: token,
                    ..Default::default()
                })
                .await
                .map(|r| r.into_inner())
            }
        })
        .await
        .expect("ListBlueCards");
        out.extend(page.cards);
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
}

async fn list_all_breaches(ch: &Channel) -> Vec<pb::Breach> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = read("ListBreaches", || {
            let mut c = BreachServiceClient::new(ch.clone());
            let token = token.clone();
            async move {
                c.list_breaches(pb::ListBreachesRequest {
                    page_size: 1000,
                    page_token: token,
                    ..Default::default()
                })
                .await
                .map(|r| r.into_inner())
            }
        })
        .await
        .expect("ListBreaches");
        out.extend(page.breaches);
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
}

/// How many distinct records the evidence lines name (the id is each line's second word).
fn distinct(lines: &[String]) -> usize {
    lines
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect::<HashSet<_>>()
        .len()
}

/// Keeps at most `limit` lines of evidence (and says how many more there were).
fn evidence(lines: &[String], limit: usize) -> String {
    let mut s: String = lines
        .iter()
        .take(limit)
        .map(|l| format!("  {l}\n"))
        .collect();
    if lines.len() > limit {
        s.push_str(&format!("  ... and {} more\n", lines.len() - limit));
    }
    s
}

// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_submissions_and_breaches_survive_sigkill_exactly_once_fjall() {
    let _heavy = crate::support::serial::heavy();
    survive_sigkill("fjall").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_submissions_and_breaches_survive_sigkill_exactly_once_sled() {
    let _heavy = crate::support::serial::heavy();
    survive_sigkill("sled").await;
}

/// The whole scenario against the binary configured with `engine`.
async fn survive_sigkill(engine: &'static str) {
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

    let requests = std::mem::take(&mut *shared.requests.lock().unwrap());
    let cards = std::mem::take(&mut *shared.cards.lock().unwrap());
    let anomalies = std::mem::take(&mut *shared.anomalies.lock().unwrap());
    let transient_errors = shared.transient_errors.lock().unwrap().clone();

    let a = h.addr();
    let mopr = pki.channel(a, "mopr-torun");
    let kmp = pki.channel(a, "kmp-torun");
    let zi = pki.channel(a, "zi-lazy");
    let initiators: HashMap<&str, Channel> = CARD_INITIATORS
        .iter()
        .map(|o| (*o, pki.channel(a, o)))
        .collect();

    let mut lost: Vec<String> = Vec::new();
    let mut corrupt: Vec<String> = Vec::new();
    let mut duplicated: Vec<String> = Vec::new();
    let mut phantom: Vec<String> = Vec::new();

    // 1. Every acknowledged request and card is there, intact.
    let got_requests: Vec<(usize, Result<pb::AssistanceRequest, tonic::Status>)> =
        futures::stream::iter(requests.iter().enumerate())
            .map(|(i, s)| {
                let ch = mopr.clone();
                async move {
                    let r = read("GetAssistanceRequest", || {
                        let mut c = AssistanceServiceClient::new(ch.clone());
                        let id = s.id.clone();
                        async move {
                            c.get_assistance_request(pb::GetAssistanceRequestRequest {
                                request_id: id,
                            })
                            .await
                            .map(|r| r.into_inner().request.unwrap_or_default())
                        }
                    })
                    .await;
                    (i, r)
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
    let mut submitted_at: HashMap<String, Timestamp> = HashMap::new();
    for (i, r) in got_requests {
        let s = &requests[i];
        match r {
            Err(e) => lost.push(format!(
                "assistance {} (retried: {}, late: {}): {:?} {}",
                s.id,
                s.retried.is_some(),
                s.late,
                e.code(),
                e.message()
            )),
            Ok(g) => {
                if g.request_id != s.id
                    || g.content != s.req.content
                    || g.urgency != s.req.urgency
                    || g.centre_org_id != "mopr-torun"
                    || g.police_unit_org_id != "kmp-torun"
                    || g.version != 1
                {
                    corrupt.push(format!(
                        "assistance {}: stored id {}, content equal {}, urgency {} (sent {}), parties {}/{}, version {}",
                        s.id,
                        g.request_id,
                        g.content == s.req.content,
                        g.urgency,
                        s.req.urgency,
                        g.centre_org_id,
                        g.police_unit_org_id,
                        g.version
                    ));
                }
                match g.submitted_time.as_ref() {
                    Some(_) => {
                        let at = ts(&g.submitted_time);
                        if (0..=CYCLES).all(|k| clock_of(k) != at) {
                            corrupt.push(format!(
                                "assistance {}: submitted_time {at} is none of the server clocks",
                                s.id
                            ));
                        }
                        submitted_at.insert(s.id.clone(), at);
                    }
                    None => corrupt.push(format!("assistance {}: no submitted_time", s.id)),
                }
            }
        }
    }
    let got_cards: Vec<(usize, Result<pb::BlueCard, tonic::Status>)> =
        futures::stream::iter(cards.iter().enumerate())
            .map(|(i, s)| {
                let ch = initiators[s.initiator].clone();
                async move {
                    let r = read("GetBlueCard", || {
                        let mut c = BlueCardServiceClient::new(ch.clone());
                        let id = s.id.clone();
                        async move {
                            c.get_blue_card(pb::GetBlueCardRequest { card_id: id })
                                .await
                                .map(|r| r.into_inner().card.unwrap_or_default())
                        }
                    })
                    .await;
                    (i, r)
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
    let mut procedure_of: HashMap<String, String> = HashMap::new();
    let mut card_submitted_at: HashMap<String, Timestamp> = HashMap::new();
    for (i, r) in got_cards {
        let s = &cards[i];
        match r {
            Err(e) => lost.push(format!(
                "card {} of {} (retried: {}): {:?} {}",
                s.id,
                s.initiator,
                s.retried.is_some(),
                e.code(),
                e.message()
            )),
            Ok(g) => {
                if g.card_id != s.id
                    || g.content != s.req.content
                    || g.initiator_org_id != s.initiator
                    || g.team_org_id != "zi-lazy"
                    || g.repeat
                {
                    corrupt.push(format!(
                        "card {}: stored id {}, content equal {}, initiator {}, team {}, repeat {}",
                        s.id,
                        g.card_id,
                        g.content == s.req.content,
                        g.initiator_org_id,
                        g.team_org_id,
                        g.repeat
                    ));
                }
                if g.submitted_time.is_some() {
                    card_submitted_at.insert(s.id.clone(), ts(&g.submitted_time));
                }
                procedure_of.insert(s.id.clone(), g.procedure_id);
            }
        }
    }

    // 2. No id stored twice, no id nobody got an OK for.
    let sent_requests: HashMap<&str, &SentRequest> =
        requests.iter().map(|s| (s.id.as_str(), s)).collect();
    let sent_cards: HashMap<&str, &SentCard> = cards.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let listed_requests = list_all_requests(&kmp).await;
    for r in &listed_requests {
        *seen.entry(r.request_id.clone()).or_default() += 1;
        if !sent_requests.contains_key(r.request_id.as_str()) {
            phantom.push(format!(
                "assistance {} listed but never acknowledged",
                r.request_id
            ));
        }
    }
    for s in &requests {
        match seen.get(&s.id).copied().unwrap_or(0) {
            1 => {}
            0 => lost.push(format!(
                "assistance {} missing from ListAssistanceRequests (retried: {})",
                s.id,
                s.retried.is_some()
            )),
            n => duplicated.push(format!(
                "assistance {} listed {n} times (retried: {})",
                s.id,
                s.retried.is_some()
            )),
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let listed_cards = list_all_cards(&zi).await;
    for c in &listed_cards {
        *seen.entry(c.card_id.clone()).or_default() += 1;
        if !sent_cards.contains_key(c.card_id.as_str()) {
            phantom.push(format!("card {} listed but never acknowledged", c.card_id));
        }
    }
    for s in &cards {
        match seen.get(&s.id).copied().unwrap_or(0) {
            1 => {}
            0 => lost.push(format!(
                "card {} missing from the team's ListBlueCards (retried: {})",
                s.id,
                s.retried.is_some()
            )),
            n => duplicated.push(format!(
                "card {} listed {n} times (retried: {})",
                s.id,
                s.retried.is_some()
            )),
        }
    }
    // Every card started its own procedure: no procedure shared by two cards.
    let mut by_procedure: HashMap<&str, Vec<&str>> = HashMap::new();
    for (card, procedure) in &procedure_of {
        by_procedure.entry(procedure).or_default().push(card);
    }
    for (procedure, cs) in &by_procedure {
        if cs.len() > 1 {
            corrupt.push(format!(
                "procedure {procedure} holds several new cards: {cs:?}"
            ));
        }
    }

    // 3. Breaches: the expected ones, each exactly once.
    let mut breach_problems: Vec<String> = Vec::new();
    let mut all_breaches = list_all_breaches(&kmp).await;
    let card_breaches = list_all_breaches(&zi).await;
    all_breaches.extend(card_breaches.iter().cloned());
    let mut breach_ids: HashMap<&str, usize> = HashMap::new();
    let mut per_key: HashMap<(String, String, u32), Vec<&pb::Breach>> = HashMap::new();
    for b in &all_breaches {
        *breach_ids.entry(b.breach_id.as_str()).or_default() += 1;
        per_key
            .entry((b.rule_id.clone(), b.case_id.clone(), b.occurrence))
            .or_default()
            .push(b);
    }
    for (id, n) in &breach_ids {
        if *n > 1 {
            breach_problems.push(format!("breach id {id} listed {n} times"));
        }
    }
    for ((rule, case, occ), bs) in &per_key {
        if bs.len() > 1 {
            let ids: Vec<&str> = bs.iter().map(|b| b.breach_id.as_str()).collect();
            breach_problems.push(format!(
                "{rule} for {case} (occurrence {occ}) recorded {} times: breach ids {ids:?}",
                bs.len()
            ));
        }
    }
    let count = |rule: &str, case: &str| -> usize {
        per_key
            .iter()
            .filter(|((r, c, _), _)| r == rule && c == case)
            .map(|(_, bs)| bs.len())
            .sum()
    };
    let mut expected = 0usize;
    for s in &requests {
        let notice = count("assistance.notice", &s.id);
        let want = usize::from(s.late);
        expected += want;
        if notice != want {
            breach_problems.push(format!(
                "assistance {} (late: {}, retried: {}): {notice} assistance.notice breach(es), expected {want}",
                s.id, s.late, s.retried.is_some()
            ));
        }
        // Every request was submitted at a clock at least 2 h before the final start, so
        // its receipt deadline (30 min) passed while the server was down: exactly one
        // breach, due 30 minutes after the submission.
        if let Some(at) = submitted_at.get(&s.id) {
            expected += 1;
            let due = *at + SignedDuration::from_mins(30);
            assert!(due <= final_clock);
            let receipts = per_key
                .iter()
                .filter(|((r, c, _), _)| r == "assistance.receipt" && c == &s.id)
                .flat_map(|(_, bs)| bs.iter())
                .collect::<Vec<_>>();
            if receipts.len() != 1 {
                breach_problems.push(format!(
                    "assistance {} (retried: {}): {} assistance.receipt breach(es), expected 1",
                    s.id,
                    s.retried.is_some(),
                    receipts.len()
                ));
            } else if ts(&receipts[0].due_time) != due {
                breach_problems.push(format!(
                    "assistance {}: assistance.receipt due {} instead of {due}",
                    s.id,
                    ts(&receipts[0].due_time)
                ));
            }
        }
    }
    for s in &cards {
        let Some(procedure) = procedure_of.get(&s.id) else {
            continue;
        };
        // The engine keys a card's breaches by the card id (breach.proto says "Blue Card
        // procedure id"); each card here starts its own procedure, so count both.
        let to_chair = count("bluecard.to_chair", &s.id) + count("bluecard.to_chair", procedure);
        let want = usize::from(s.late);
        expected += want;
        if to_chair != want {
            breach_problems.push(format!(
                "card {} (procedure {procedure}, late: {}, retried: {}): {to_chair} bluecard.to_chair breach(es), expected {want}",
                s.id, s.late, s.retried.is_some()
            ));
        }
    }
    let known_cases: HashSet<&str> = requests
        .iter()
        .map(|s| s.id.as_str())
        .chain(procedure_of.values().map(|p| p.as_str()))
        .chain(procedure_of.keys().map(|c| c.as_str()))
        .collect();
    for b in &all_breaches {
        let known_rule = matches!(
            b.rule_id.as_str(),
            "assistance.notice" | "assistance.receipt" | "bluecard.to_chair"
        );
        if !known_cases.contains(b.case_id.as_str()) || !known_rule {
            breach_problems.push(format!(
                "unexpected breach {} ({} for case {}, occurrence {}, due {})",
                b.breach_id,
                b.rule_id,
                b.case_id,
                b.occurrence,
                ts(&b.due_time)
            ));
        }
    }

    // 4. Summary and verdict.
    let retried_requests = requests.iter().filter(|s| s.retried.is_some()).count();
    let retried_cards = cards.iter().filter(|s| s.retried.is_some()).count();
    let total = requests.len() + cards.len();
    // A retried submission stored at the clock of its first attempt's server was written
    // before the crash and only its answer was lost: the retry was answered from the store.
    let kept_before_crash = requests
        .iter()
        .filter_map(|s| Some((s.retried?, submitted_at.get(&s.id)?)))
        .chain(
            cards
                .iter()
                .filter_map(|s| Some((s.retried?, card_submitted_at.get(&s.id)?))),
        )
        .filter(|(epoch, at)| clock_of(*epoch) == **at)
        .count();
    let summary = format!(
        "crash test: cycles={CYCLES} startup_kills={startup_kills} starts={} acknowledged={total} (assistance={}, blue cards={}) retried={} (assistance={retried_requests}, blue cards={retried_cards}; written before the crash, answer lost: {kept_before_crash}) lost={} corrupt={} duplicated={} phantom={} breaches={} (expected {expected}, problems={}) in_doubt_left={} anomalies={} transient_errors={transient_errors:?} seed={seed} cycles_took={:.1?} total={:.1?}",
        h.starts,
        requests.len(),
        cards.len(),
        retried_requests + retried_cards,
        distinct(&lost),
        distinct(&corrupt),
        distinct(&duplicated),
        phantom.len(),
        all_breaches.len(),
        breach_problems.len(),
        still_in_doubt.len(),
        anomalies.len(),
        cycles_done,
        began.elapsed(),
    );
    eprintln!("{summary}");

    let clean = lost.is_empty()
        && corrupt.is_empty()
        && duplicated.is_empty()
        && phantom.is_empty()
        && breach_problems.is_empty()
        && still_in_doubt.is_empty()
        && anomalies.is_empty();
    let log = if clean {
        String::new()
    } else {
        read_log(&server.log)
    };
    // Keep the data dir of a failing run for inspection.
    let kept = if clean {
        String::new()
    } else {
        let path = tmp.keep();
        format!("data dir kept at {}\n", path.join("data").display())
    };
    assert!(
        clean,
        "{summary}\n{kept}lost ({}):\n{}corrupt ({}):\n{}duplicated ({}):\n{}phantom ({}):\n{}breach problems ({}):\n{}still in doubt ({}):\n{}anomalies ({}):\n{}--- final server output ---\n{log}",
        lost.len(),
        evidence(&lost, 20),
        corrupt.len(),
        evidence(&corrupt, 20),
        duplicated.len(),
        evidence(&duplicated, 20),
        phantom.len(),
        evidence(&phantom, 20),
        breach_problems.len(),
        evidence(&breach_problems, 20),
        still_in_doubt.len(),
        evidence(&still_in_doubt, 20),
        anomalies.len(),
        evidence(&anomalies, 20),
    );
    assert!(total > 0, "no submission was acknowledged at all");
    assert!(
        retried_requests + retried_cards > 0,
        "no submission needed a retry: the kills did not hit any call in flight"
    );
    drop(server);
}
