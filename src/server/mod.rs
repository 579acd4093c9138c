//! The listener: TLS handshakes (with a deadline and a connection limit), the tonic router
//! with lacznik's services plus gRPC health and reflection, TLS reloading, and graceful
//! shutdown (stop accepting, let in-flight calls finish, flush the store).
//!
//! [`serve`] takes an already-bound listener, so tests bind `127.0.0.1:0` and never race
//! for a port. `accept` does the TLS side (handshakes, limits, reloads); `health`
//! turns a store failure into NOT_SERVING and the exit code.

mod accept;
mod health;
mod node;
pub mod roles;
mod standby;
mod term;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

pub use accept::TlsConn;
pub use term::transport;

use crate::app::App;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::shutdown::Trigger;
use crate::tls;
use crate::{pki, store};

/// Start-up failures, each saying what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Configuration or directory problem.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// TLS material problem.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// Development PKI generation failed.
    #[error(transparent)]
    Pki(#[from] pki::PkiError),
    /// The receipt-signing certificate or key cannot be used.
    #[error(
        "{0} (receipts are signed with it; `lacznik certs issue --receipts` makes a development one)"
    )]
    Receipts(crate::receipt::ReceiptError),
    /// The store could not be opened.
    #[error("cannot open the store in {dir}: {cause}")]
    Store {
        /// The data directory, or "the PostgreSQL database".
        dir: String,
        /// The cause (in the message, once).
        cause: store::StoreError,
    },
    /// The gRPC server failed.
    #[error("gRPC server: {0}")]
    Transport(String),
    /// The store failed while serving (a failed flush, a store thread ended): the server
    /// answered what was in flight and stopped, so the service manager restarts it.
    #[error(
        "the store failed while serving ({0}); stopped so that the service manager restarts the server"
    )]
    StoreFailed(store::Failure),
}

/// Exit code of `lacznik serve` when the store failed (while serving, or at start because
/// the disk is full): 75, `EX_TEMPFAIL` of sysexits.h, "try again later". The systemd unit
/// (`Restart=on-failure`) restarts the server; a restart on a disk with room serves again,
/// one on a still full disk logs why and exits with this code again. Documented in
/// docs/OPERATIONS.md, "Exit codes".
pub const EXIT_STORE_FAILED: u8 = 75;

impl ServeError {
    /// The process exit code for this error: [`EXIT_STORE_FAILED`] when the store failed
    /// or the disk is full, 1 otherwise (a configuration a person must fix).
    pub fn exit_code(&self) -> u8 {
        match self {
            ServeError::StoreFailed(_)
            | ServeError::Store {
                cause: store::StoreError::DiskFull(_) | store::StoreError::Unreachable(_),
                ..
            } => EXIT_STORE_FAILED,
            _ => 1,
        }
    }
}

/// Generates the development PKI when allowed and nothing is there yet; loud by design.
pub fn ensure_dev_pki(
    config: &Config,
    directory: &crate::directory::Directory,
) -> Result<(), ServeError> {
    let paths = config.tls_paths();
    let nothing_there = !paths.ca.exists() && !paths.cert.exists() && !paths.key.exists();
    if config.tls.dev_pki && nothing_there {
        let report = pki::init(&config.tls.dir, directory)?;
        tracing::warn!(
            dir = %config.tls.dir.display(),
            files = report.created.len(),
            "DEVELOPMENT MODE: generated a development CA, server and client certificates; \
             never use them in production (set tls.dev_pki = false and configure real ones)"
        );
    }
    Ok(())
}

/// The receipt signer of the configuration; in development mode a missing receipt
/// certificate is issued by the development CA (a directory made before receipts existed).
fn receipt_signer(config: &Config) -> Result<crate::receipt::Signer, ServeError> {
    let (cert, key) = config.receipt_paths();
    let ca_key = config.tls.dir.join("ca.key");
    if config.tls.dev_pki && !cert.exists() && !key.exists() && ca_key.exists() {
        let path = pki::issue_receipts(&config.tls.dir, 825)?;
        tracing::warn!(
            cert = %path.display(),
            "DEVELOPMENT MODE: issued a receipt-signing certificate with the development CA"
        );
    }
    crate::receipt::Signer::load(&cert, &key).map_err(ServeError::Receipts)
}

/// The sockets a node serves on, bound by the caller (tests bind `127.0.0.1:0`): the gRPC
/// endpoint and, when the console is on, the console's.
pub struct Listeners {
    /// The gRPC endpoint (`listen`).
    pub grpc: TcpListener,
    /// The web console (`console.listen`); `None`: no console.
    pub console: Option<TcpListener>,
}

impl From<TcpListener> for Listeners {
    /// The gRPC endpoint alone, without a console.
    fn from(grpc: TcpListener) -> Listeners {
        Listeners {
            grpc,
            console: None,
        }
    }
}

impl Listeners {
    /// Binds what `config` names: `listen`, and `console.listen` unless it is empty.
    pub async fn bind(config: &Config) -> Result<Listeners, ServeError> {
        let bind = |addr: std::net::SocketAddr, key: &'static str| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|e| ServeError::Transport(format!("cannot listen on {addr} ({key}): {e}")))
        };
        let grpc = bind(config.listen, "listen").await?;
        let console = match config.console_listen()? {
            Some(addr) => Some(bind(addr, "console.listen").await?),
            None => None,
        };
        Ok(Listeners { grpc, console })
    }
}

/// Opens everything the configuration names and serves until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: impl Into<Listeners>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    serve_with_clock(config, listener, Arc::new(SystemClock), shutdown).await
}

/// What every term of a node starts from, loaded once: configuration, directory, rules,
/// clock and data keys.
pub(crate) struct Base {
    config: Config,
    directory: Arc<crate::directory::Directory>,
    rules: crate::deadlines::RuleSet,
    clock: Arc<dyn Clock>,
    keys: Arc<crate::crypto::KeyRing>,
    receipts: Arc<crate::receipt::Issuer>,
    recipients: Arc<crate::recipients::Recipients>,
}

impl Base {
    /// The application of one term, on `store`, its streams ending with `shutdown`.
    fn app(&self, store: store::Store, shutdown: crate::shutdown::Shutdown) -> App {
        let feeds = crate::feed::Feeds::default();
        App {
            config: self.config.clone(),
            directory: self.directory.clone(),
            store,
            clock: self.clock.clone(),
            deadlines: Arc::new(
                crate::deadlines::Deadlines::new(self.rules.clone(), feeds.clone())
                    .on_simulated_clock(self.clock.simulated().is_some()),
            ),
            feeds,
            receipts: self.receipts.clone(),
            shutdown,
            recipients: self.recipients.clone(),
        }
    }
}

/// [`serve`] with an injected clock (simulated time for training and tests).
pub async fn serve_with_clock(
    config: Config,
    listeners: impl Into<Listeners>,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let directory = Arc::new(config.load_directory()?);
    let rules = config.rule_set()?;
    ensure_dev_pki(&config, &directory)?;
    let tls_paths = config.tls_paths();
    let tls_config = tls::server_config(&tls_paths)?;
    let (keys, generated) = config.load_keys()?;
    if generated {
        tracing::warn!(
            key_file = %config.crypto.key_file.display(),
            "DEVELOPMENT MODE: generated a data key; back it up apart from the data (set crypto.generate_key = false in production)"
        );
    }
    let keys = Arc::new(keys);
    let mut issuer = crate::receipt::Issuer::new(Arc::new(receipt_signer(&config)?))
        .on_simulated_clock(clock.simulated().is_some());
    if config.receipts_off_for_measurement {
        issuer = issuer.off_for_measurement();
    }
    let receipts = Arc::new(issuer);
    let postgres = match config.store.engine {
        store::EngineKind::Postgres => {
            // The data lives in the database; the directory keeps the control socket.
            let _ = std::fs::create_dir_all(&config.data_dir);
            Some(config.postgres()?)
        }
        _ => None,
    };
    // Embedded engines open before the port answers (a full disk or a held lock is a
    // start-up error); on PostgreSQL the node answers as a standby meanwhile.
    let embedded = match postgres {
        Some(_) => None,
        None => Some(
            store::open(
                &config.data_dir,
                config.store.engine,
                config.store.cache_mib * 1024 * 1024,
                keys.clone(),
            )
            .map_err(|cause| ServeError::Store {
                dir: config.data_dir.display().to_string(),
                cause,
            })?,
        ),
    };
    let (trigger, stop) = Trigger::new();
    tokio::spawn(async move {
        shutdown.await;
        trigger.fire();
    });
    let node = node::Node::start(&config, listeners.into(), tls_paths, tls_config, &stop).await?;
    let recipients = Arc::new(crate::recipients::Recipients::new(clock.now()));
    let base = Base {
        config,
        directory,
        rules,
        clock,
        keys,
        receipts,
        recipients,
    };
    let Some(store) = embedded else {
        return roles::run(base, node, stop).await;
    };
    roles::show_role(roles::Role::Active);
    let (term, _) = Trigger::new();
    let term = Arc::new(term);
    let app = Arc::new(base.app(store, term.subscribe()));
    match term::run(app, term, &node, stop).await? {
        term::TermEnd::Stopped => {
            tracing::info!("stopped");
            Ok(())
        }
        term::TermEnd::StoreFailed(failure) => {
            tracing::error!(%failure, exit_code = EXIT_STORE_FAILED, "stopped after a store failure");
            Err(ServeError::StoreFailed(failure))
        }
    }
}

/// The connections of `listener` that pass the mutual-TLS handshake, each with the
/// organisation its certificate names, accepted exactly as a node accepts them (the
/// connection limit and handshake deadline of `[limits]`, `tls_config` from
/// [`tls::server_config`]), until `stop`; the TLS files are not reloaded. Public so that
/// the benchmark's limit service (`bench/src/limit.rs`) is measured over lacznik's own
/// accept path instead of a copy of it.
pub fn accept_tls(
    config: &Config,
    listener: TcpListener,
    tls_config: Arc<rustls::ServerConfig>,
    stop: crate::shutdown::Shutdown,
) -> impl futures::Stream<Item = Result<TlsConn, std::io::Error>> + Send + 'static {
    let acceptor = Arc::new(std::sync::RwLock::new(tokio_rustls::TlsAcceptor::from(
        tls_config,
    )));
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(accept::accept_loop(
        accept::Limits::of(config),
        listener,
        acceptor,
        Arc::new(Default::default()),
        tx,
        stop,
    ));
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
}

/// Fully qualified names of lacznik's services, as health and reflection know them.
pub const SERVICE_NAMES: [&str; 5] = [
    "lacznik.v1.AdminService",
    "lacznik.v1.AssistanceService",
    "lacznik.v1.BlueCardService",
    "lacznik.v1.BreachService",
    "lacznik.v1.ReceiptService",
];
