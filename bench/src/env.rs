//! The bench's surroundings: certificates and a data key in the run's temp root, real servers
//! started in-process on `127.0.0.1:0` (each on its own tokio runtime, as if it were its own
//! process) and mutual-TLS channels to them. What the run measures of the process and the
//! machine is in `host.rs`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use lacznik::client::{TlsClient, mtls_channel};
use lacznik::config::Config;
use lacznik::directory::OrgId;
use lacznik::pki;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tonic::transport::Channel;

static ENGINE: std::sync::OnceLock<lacznik::store::EngineKind> = std::sync::OnceLock::new();

/// Chooses the storage engine of every store of this run (`--engine`).
pub fn set_engine(kind: lacznik::store::EngineKind) {
    let _ = ENGINE.set(kind);
}

/// The storage engine of this run.
pub fn engine() -> lacznik::store::EngineKind {
    ENGINE
        .get()
        .copied()
        .unwrap_or_else(|| Config::default().store.engine)
}

/// A server configuration under `root`: certificates in `root/certs`, the data key in
/// `root/keys/data.key`, data in `data_dir`; production defaults otherwise (sled cache,
/// limits, metrics recorder installed; the metrics port is `127.0.0.1:0`).
pub fn config(root: &Path, data_dir: PathBuf) -> Config {
    let mut c = Config {
        data_dir,
        ..Config::default()
    };
    c.tls.dir = root.join("certs");
    c.tls.dev_pki = false;
    c.crypto.key_file = root.join("keys").join("data.key");
    c.metrics.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    c.store.engine = engine();
    c
}

/// Sends the in-process servers' logs (RUST_LOG, default info, as `lacznik serve` logs)
/// to the file `path`.
pub fn init_server_log(path: &Path) -> Result<()> {
    let file = std::fs::File::create(path).with_context(|| path.display().to_string())?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    Ok(())
}

/// Certificates (rcgen, through `pki::init`) and the data key, once per run.
pub fn prepare_root(root: &Path) -> Result<()> {
    let c = config(root, root.join("unused"));
    let directory = c.load_directory()?;
    pki::init(&c.tls.dir, &directory)?;
    c.load_keys()?;
    Ok(())
}

/// What a client needs to reach a server: its address and the PKI.
#[derive(Clone)]
pub struct Endpoint {
    /// Where the server listens.
    pub addr: SocketAddr,
    certs: PathBuf,
    ca_pem: Arc<String>,
}

impl Endpoint {
    /// An endpoint for a server at `addr` using the certificates of `root`.
    pub fn new(root: &Path, addr: SocketAddr) -> Result<Endpoint> {
        let certs = root.join("certs");
        let ca_pem = std::fs::read_to_string(certs.join("ca.pem")).context("ca.pem")?;
        Ok(Endpoint {
            addr,
            certs,
            ca_pem: Arc::new(ca_pem),
        })
    }

    /// A new connection (TCP + TLS 1.3 handshake with the organisation's certificate), opened
    /// as every client of the server opens one ([`mtls_channel`]).
    pub async fn channel(&self, org: &str) -> Result<Channel> {
        let id: OrgId = org.parse().map_err(|e| anyhow!("org id {org}: {e:?}"))?;
        let (c, k) = pki::org_paths(&self.certs, &id);
        let cert = std::fs::read_to_string(&c).with_context(|| c.display().to_string())?;
        let key = std::fs::read_to_string(&k).with_context(|| k.display().to_string())?;
        let tls = TlsClient {
            connect_timeout: Some(Duration::from_secs(60)),
            ..TlsClient::new(self.ca_pem.as_str(), cert, key)
        };
        Ok(mtls_channel(&self.addr.to_string(), &tls).await?)
    }

    /// `n` connections as `org`, opened concurrently.
    pub async fn channels(&self, org: &str, n: usize) -> Result<Vec<Channel>> {
        futures::future::try_join_all((0..n).map(|_| self.channel(org))).await
    }
}

/// A real lacznik server in this process, on its own multi-threaded runtime with as many
/// workers as the machine has cores (what `lacznik serve` uses).
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where its web console listens (HTTPS), when started with one.
    pub console: Option<SocketAddr>,
    /// When `serve_with_clock` was called.
    pub started: Instant,
    rt: Option<Runtime>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<Result<(), lacznik::server::ServeError>>>,
}

impl Server {
    /// Binds `127.0.0.1:0` and calls `serve_with_clock` with the real clock (no console).
    pub fn start(config: Config) -> Result<Server> {
        Server::start_with(config, false)
    }

    /// As [`Server::start`], with the web console on a second `127.0.0.1:0` listener.
    pub fn start_with_console(config: Config) -> Result<Server> {
        Server::start_with(config, true)
    }

    fn start_with(config: Config, console: bool) -> Result<Server> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("lacznik")
            .build()?;
        let bind = || -> Result<std::net::TcpListener> {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.set_nonblocking(true)?;
            Ok(l)
        };
        let std_listener = bind()?;
        let addr = std_listener.local_addr()?;
        let std_console = if console { Some(bind()?) } else { None };
        let console = match &std_console {
            Some(l) => Some(l.local_addr()?),
            None => None,
        };
        let (tx, rx) = oneshot::channel::<()>();
        let started = Instant::now();
        let handle = rt.spawn(async move {
            let tokio_listener = |l| {
                tokio::net::TcpListener::from_std(l)
                    .map_err(|e| lacznik::server::ServeError::Transport(e.to_string()))
            };
            let listeners = lacznik::server::Listeners {
                grpc: tokio_listener(std_listener)?,
                console: std_console.map(tokio_listener).transpose()?,
            };
            lacznik::server::serve_with_clock(
                config,
                listeners,
                Arc::new(lacznik::clock::SystemClock),
                async move {
                    let _ = rx.await;
                },
            )
            .await
        });
        Ok(Server {
            addr,
            console,
            started,
            rt: Some(rt),
            stop: Some(tx),
            handle: Some(handle),
        })
    }

    /// Shuts down gracefully (in-flight calls finish, the store is flushed) and waits.
    pub fn stop(mut self, client: &Runtime) -> Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let result = match self.handle.take() {
            Some(h) => client
                .block_on(h)
                .map_err(|e| anyhow!("server task: {e}"))
                .and_then(|r| r.map_err(|e| anyhow!("server: {e}"))),
            None => Ok(()),
        };
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(10));
        }
        result
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Waits for the first successful `grpc.health.v1.Health/Check` over mutual TLS; returns
/// the time since `since`.
pub async fn first_health_ok(ep: &Endpoint, since: Instant) -> Result<Duration> {
    use tonic_health::pb::health_client::HealthClient;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let attempt = async {
            let ch = ep.channel("mopr-torun").await?;
            let r = HealthClient::new(ch)
                .check(tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                })
                .await?;
            anyhow::ensure!(
                r.into_inner().status
                    == tonic_health::pb::health_check_response::ServingStatus::Serving as i32,
                "not SERVING yet"
            );
            Ok::<(), anyhow::Error>(())
        };
        match attempt.await {
            Ok(()) => return Ok(since.elapsed()),
            Err(e) if Instant::now() > deadline => return Err(e.context("server never served")),
            Err(_) => tokio::time::sleep(Duration::from_millis(2)).await,
        }
    }
}
