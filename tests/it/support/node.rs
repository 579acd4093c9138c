//! A `lacznik serve` process started from the binary, for tests that need the real
//! process: its exit code, a restart on the same data, a kill. Shared by the full-disk and
//! the PostgreSQL outage tests.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use lacznik::api::pb::assistance_service_client::AssistanceServiceClient;
use lacznik::client::{TlsClient, mtls_channel};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// The exit code documented in docs/OPERATIONS.md, "Exit codes".
pub const EXIT_STORE_FAILED: i32 = 75;

/// A server process that is killed when dropped, so a failing test leaves none behind.
pub struct Proc(Child);

impl std::ops::Deref for Proc {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Proc {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A `lacznik serve` process on its own port, data directory and certificates, restarted
/// as often as a test needs, with extra configuration as `LACZNIK_*` variables.
pub struct Node {
    dir: PathBuf,
    data: PathBuf,
    addr: SocketAddr,
    tls: TlsClient,
    starts: usize,
    /// Configuration for every start (e.g. the PostgreSQL engine's URL).
    pub env: Vec<(String, String)>,
}

impl Node {
    /// A node whose certificates (the sample directory's, made now) live in `dir`, whose
    /// data is in `data`, reached as organisation `org`.
    pub fn new(dir: &Path, data: PathBuf, org: &str) -> Node {
        let directory = lacznik::config::Config::default()
            .load_directory()
            .expect("sample directory");
        let certs = dir.join("certs");
        if !certs.join("ca.pem").exists() {
            lacznik::pki::init(&certs, &directory).expect("dev pki");
        }
        let (cert, key) = lacznik::pki::org_paths(&certs, &org.parse().expect("org id"));
        let tls = TlsClient::new(
            std::fs::read_to_string(certs.join("ca.pem")).expect("ca"),
            std::fs::read_to_string(cert).expect("cert"),
            std::fs::read_to_string(key).expect("key"),
        );
        Node {
            dir: dir.to_path_buf(),
            data,
            addr: SocketAddr::from(([127, 0, 0, 1], free_port())),
            tls,
            starts: 0,
            env: Vec::new(),
        }
    }

    /// Where the node listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Client TLS as `org`, from the node's certificate directory.
    pub fn tls_as(&self, org: &str) -> TlsClient {
        let certs = self.dir.join("certs");
        let (cert, key) = lacznik::pki::org_paths(&certs, &org.parse().expect("org id"));
        TlsClient::new(
            std::fs::read_to_string(certs.join("ca.pem")).expect("ca"),
            std::fs::read_to_string(cert).expect("cert"),
            std::fs::read_to_string(key).expect("key"),
        )
    }

    /// The process id of a spawned node, for signals.
    pub fn pid(child: &Proc) -> i32 {
        i32::try_from(child.id()).expect("pid")
    }

    /// Starts `lacznik serve` on the simulated clock `clock`; the process and its log.
    pub fn spawn(&mut self, clock: Timestamp) -> (Proc, PathBuf) {
        self.starts += 1;
        let log = self
            .dir
            .join(format!("server-{}-{}.log", self.addr.port(), self.starts));
        let out = std::fs::File::create(&log).expect("log");
        let err = out.try_clone().expect("log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lacznik"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("LACZNIK_") {
                cmd.env_remove(key);
            }
        }
        let child = cmd
            .args(["serve", "--listen", &self.addr.to_string(), "--data"])
            .arg(&self.data)
            .args(["--simulated-clock", &clock.to_string()])
            .current_dir(&self.dir)
            .env("LACZNIK_TLS__DIR", self.dir.join("certs"))
            .env("LACZNIK_TLS__DEV_PKI", "false")
            // Tests run side by side: the console on a port of its own, not 8443.
            .env("LACZNIK_CONSOLE__LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn lacznik");
        (Proc(child), log)
    }

    /// The health status of the assistance service, or why there is none.
    pub async fn health(&self) -> Result<i32, String> {
        let ch = mtls_channel(&self.addr.to_string(), &self.tls)
            .await
            .map_err(|e| e.to_string())?;
        let r = HealthClient::new(ch)
            .check(HealthCheckRequest {
                service: "lacznik.v1.AssistanceService".into(),
            })
            .await
            .map_err(|s| format!("{:?} {}", s.code(), s.message()))?;
        Ok(r.get_ref().status)
    }

    /// Waits until the node is SERVING; panics with its log if it exits or takes 30 s.
    pub async fn wait_serving(&self, child: &mut Child, log: &Path) {
        let began = Instant::now();
        while began.elapsed() < Duration::from_secs(30) {
            if let Some(status) = child.try_wait().expect("try_wait") {
                panic!("the server exited ({status}):\n{}", read(log));
            }
            if self.health().await == Ok(ServingStatus::Serving as i32) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("not SERVING after 30 s:\n{}", read(log));
    }

    /// An assistance client as the node's organisation.
    pub async fn client(&self) -> AssistanceServiceClient<tonic::transport::Channel> {
        AssistanceServiceClient::new(
            mtls_channel(&self.addr.to_string(), &self.tls)
                .await
                .expect("connect"),
        )
    }
}

/// A log file's text.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| format!("(no log: {e})"))
}

/// Waits for the process to end; its exit code.
pub fn wait_exit(child: &mut Child, within: Duration, log: &Path) -> i32 {
    let began = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status.code().unwrap_or(-1);
        }
        if began.elapsed() > within {
            let _ = child.kill();
            panic!("the server did not exit within {within:?}:\n{}", read(log));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
