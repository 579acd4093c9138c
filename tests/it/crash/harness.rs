//! The harness: the real `lacznik` binary as a child process (killed with SIGKILL and
//! restarted on the same data dir), its certificates and mutual-TLS channels, and the
//! randomness of the kill timings.

use std::collections::HashMap;
use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use lacznik::client::{TlsClient, mtls_channel};
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use super::READY_TIMEOUT;

/// How long opening a channel (TCP and the TLS handshake) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Randomness (no dependency): xorshift64*.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub(super) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(super) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

#[derive(Clone)]
pub(super) struct Pki {
    pub(super) ca_pem: String,
    pub(super) ids: Arc<HashMap<String, (String, String)>>,
}

impl Pki {
    pub(super) fn init(certs: &Path) -> Pki {
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

    /// A mutual-TLS channel as `org`, through the library's builder (the one the CLI uses);
    /// `Err` while nobody answers at `addr` (the server is down or still starting).
    pub(super) async fn connect(&self, addr: SocketAddr, org: &str) -> Result<Channel, String> {
        let (cert, key) = self.ids.get(org).expect("org in the sample directory");
        let mut tls = TlsClient::new(self.ca_pem.clone(), cert.clone(), key.clone());
        tls.connect_timeout = Some(CONNECT_TIMEOUT);
        match tokio::time::timeout(CONNECT_TIMEOUT, mtls_channel(&addr.to_string(), &tls)).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err(format!("no TLS session within {CONNECT_TIMEOUT:?}")),
        }
    }

    /// A channel as `org` to the final server, which is up: a refused connection is retried
    /// (the test must not fail on a hiccup), as the reads are.
    pub(super) async fn connected(&self, addr: SocketAddr, org: &str) -> Channel {
        let mut last = String::new();
        for attempt in 0..20u64 {
            match self.connect(addr, org).await {
                Ok(ch) => return ch,
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_millis(50 * (attempt + 1))).await;
        }
        panic!("the final server kept refusing {org}: {last}");
    }
}

pub(super) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .expect("local addr")
        .port()
}

/// The running child; killed (SIGKILL) and reaped when dropped, so a failing test leaves
/// no server behind.
pub(super) struct ServerProcess {
    pub(super) child: Child,
    pub(super) log: PathBuf,
}

impl ServerProcess {
    pub(super) fn kill(mut self) {
        self.kill_now();
    }
    pub(super) fn kill_now(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill_now();
    }
}

pub(super) fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| format!("(no log: {e})"))
}

pub(super) struct Harness {
    pub(super) dir: PathBuf,
    pub(super) pki: Pki,
    pub(super) addr: Arc<RwLock<SocketAddr>>,
    pub(super) starts: usize,
    pub(super) engine: &'static str,
    /// Further configuration of the engine (the PostgreSQL URL), as `LACZNIK_*` variables.
    pub(super) env: Vec<(String, String)>,
}

impl Harness {
    pub(super) fn addr(&self) -> SocketAddr {
        *self.addr.read().unwrap()
    }

    pub(super) fn spawn(&mut self, clock: Timestamp) -> ServerProcess {
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
            // Tests run side by side: the console on a port of its own, not 8443.
            .env("LACZNIK_CONSOLE__LISTEN", "127.0.0.1:0")
            .env("LACZNIK_STORE__ENGINE", self.engine)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
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
    pub(super) async fn start(&mut self, clock: Timestamp) -> ServerProcess {
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

    pub(super) async fn wait_ready(&self, p: &mut ServerProcess) -> Result<(), String> {
        let began = Instant::now();
        let mut last = String::from("no answer yet");
        while began.elapsed() < READY_TIMEOUT {
            if let Some(status) = p.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("the server exited: {status}"));
            }
            let check = async {
                let ch = self
                    .pki
                    .connect(self.addr(), "mopr-torun")
                    .await
                    .map_err(tonic::Status::unavailable)?;
                HealthClient::new(ch)
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await
            };
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
