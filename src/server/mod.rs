//! The listener: TLS handshakes (with a deadline and a connection limit), the tonic router
//! with lacznik's services plus gRPC health and reflection, TLS reloading, and graceful
//! shutdown (stop accepting, let in-flight calls finish, flush the store).
//!
//! [`serve`] takes an already-bound listener, so tests bind `127.0.0.1:0` and never race
//! for a port. `accept` does the TLS side (handshakes, limits, reloads); `health`
//! turns a store failure into NOT_SERVING and the exit code.

mod accept;
mod health;

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;

pub use accept::TlsConn;

use crate::api::layer::{CallLayer, CallState};
use crate::api::limits::OrgLimiter;
use crate::api::pb;
use crate::api::{
    admin::AdminApi, assistance::AssistanceApi, blue_card::BlueCardApi, breach::BreachApi,
};
use crate::app::App;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::shutdown::Trigger;
use crate::tls::{self, TlsPaths};
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

/// Opens everything the configuration names and serves until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    serve_with_clock(config, listener, Arc::new(SystemClock), shutdown).await
}

/// [`serve`] with an injected clock (simulated time for training and tests).
pub async fn serve_with_clock(
    config: Config,
    listener: TcpListener,
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
    let opened = match config.store.engine {
        store::EngineKind::Postgres => {
            // The data lives in the database; the directory keeps the control socket.
            let _ = std::fs::create_dir_all(&config.data_dir);
            store::open_postgres(&config.postgres()?, Arc::new(keys))
        }
        kind => store::open(
            &config.data_dir,
            kind,
            config.store.cache_mib * 1024 * 1024,
            Arc::new(keys),
        ),
    };
    let store = opened.map_err(|cause| ServeError::Store {
        dir: match config.store.engine {
            store::EngineKind::Postgres => "the PostgreSQL database".into(),
            _ => config.data_dir.display().to_string(),
        },
        cause,
    })?;
    let (trigger, shutdown_rx) = Trigger::new();
    let trigger = Arc::new(trigger);
    let feeds = crate::feed::Feeds::default();
    let app = Arc::new(App {
        config,
        directory,
        store,
        clock,
        deadlines: Arc::new(crate::deadlines::Deadlines::new(rules, feeds.clone())),
        feeds,
        shutdown: shutdown_rx.clone(),
    });
    let on_signal = trigger.clone();
    tokio::spawn(async move {
        shutdown.await;
        on_signal.fire();
    });
    run(app, listener, tls_paths, tls_config, trigger).await
}

async fn run(
    app: Arc<App>,
    listener: TcpListener,
    tls_paths: TlsPaths,
    tls_config: Arc<rustls::ServerConfig>,
    trigger: Arc<Trigger>,
) -> Result<(), ServeError> {
    let stop = trigger.subscribe();
    let local = listener
        .local_addr()
        .map_or_else(|e| format!("unknown ({e})"), |a| a.to_string());
    let acceptor = Arc::new(RwLock::new(TlsAcceptor::from(tls_config)));
    let (conn_tx, conn_rx) = mpsc::channel::<Result<TlsConn, std::io::Error>>(64);
    let limits = accept::Limits {
        max_connections: app.config.limits.max_connections,
        handshake_timeout: Duration::from_secs(app.config.limits.handshake_timeout_secs.max(1)),
    };
    tokio::spawn(accept::accept_loop(
        limits,
        listener,
        acceptor.clone(),
        conn_tx,
        stop.clone(),
    ));
    if app.config.tls.reload_secs > 0 {
        tokio::spawn(accept::reload_loop(
            tls_paths,
            acceptor,
            Duration::from_secs(app.config.tls.reload_secs),
            stop.clone(),
        ));
    }

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    for name in SERVICE_NAMES {
        health
            .set_service_status(name, tonic_health::ServingStatus::Serving)
            .await;
    }
    tokio::spawn(health::watch_store(
        app.store.health(),
        health,
        trigger.clone(),
        stop.clone(),
    ));
    // Catch up on deadlines that passed while the server was down before serving anyone,
    // so the first ListBreaches already shows them.
    let sweeper = app.sweeper();
    match sweeper.sweep_now().await {
        Ok(o) if o.breaches > 0 => tracing::warn!(
            breaches = o.breaches,
            "recorded breaches that fell due while the server was down"
        ),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "start-up sweep failed"),
    }
    tokio::spawn(sweeper.run(stop.clone()));
    tokio::spawn(crate::retention::run_schedule(
        app.store.clone(),
        app.clock.clone(),
        app.config.retention.clone(),
        stop.clone(),
    ));
    if app.config.metrics.enabled {
        match (
            crate::monitoring::handle(),
            TcpListener::bind(app.config.metrics.listen).await,
        ) {
            (Some(handle), Ok(listener)) => {
                let addr = listener
                    .local_addr()
                    .map_or_else(|e| e.to_string(), |a| a.to_string());
                tracing::info!(%addr, "metrics on plain HTTP GET /metrics");
                let gauges = crate::monitoring::Gauges {
                    store: app.store.clone(),
                    directory: app.directory.clone(),
                    deadlines: app.deadlines.clone(),
                };
                tokio::spawn(crate::monitoring::serve(
                    gauges,
                    listener,
                    handle,
                    stop.clone(),
                ));
            }
            (_, Err(e)) => {
                tracing::error!(error = %e, addr = %app.config.metrics.listen, "metrics listener unavailable")
            }
            (None, _) => {}
        }
    }
    #[cfg(unix)]
    tokio::spawn(crate::backup::serve_control(
        app.store.clone(),
        app.config.data_dir.clone(),
        stop.clone(),
    ));

    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|e| ServeError::Transport(e.to_string()))?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()
        .map_err(|e| ServeError::Transport(e.to_string()))?;

    let max = app.config.max_message_bytes;
    let admin = pb::admin_service_server::AdminServiceServer::new(AdminApi::new(app.clone()))
        .max_decoding_message_size(max);
    let assistance = pb::assistance_service_server::AssistanceServiceServer::new(
        AssistanceApi::new(app.clone()),
    )
    .max_decoding_message_size(max);
    let blue_card =
        pb::blue_card_service_server::BlueCardServiceServer::new(BlueCardApi::new(app.clone()))
            .max_decoding_message_size(max);
    let breach = pb::breach_service_server::BreachServiceServer::new(BreachApi::new(app.clone()))
        .max_decoding_message_size(max);

    tracing::info!(addr = %local, data_dir = %app.config.data_dir.display(), engine = %app.config.store.engine, "serving (mutual TLS only)");
    let mut server_stop = stop.clone();
    let limits = &app.config.limits;
    let serving = tonic::transport::Server::builder()
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .concurrency_limit_per_connection(limits.per_connection_in_flight.max(1))
        .max_concurrent_streams(Some(limits.max_concurrent_streams.max(1)))
        .timeout(Duration::from_secs(limits.request_timeout_secs.max(1)))
        .layer(CallLayer::new(CallState {
            directory: app.directory.clone(),
            limiter: OrgLimiter::new(limits.per_org_in_flight),
            store: app.store.clone(),
            clock: app.clock.clone(),
        }))
        .layer(tower::util::MapResponseLayer::new(
            crate::api::status::rewrite_oversize::<tonic::body::Body>,
        ))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(admin)
        .add_service(assistance)
        .add_service(blue_card)
        .add_service(breach)
        .serve_with_incoming_shutdown(ReceiverStream::new(conn_rx), async move {
            server_stop.recv().await;
        });
    // Graceful shutdown waits for in-flight calls and streams, but not forever: a client
    // that never reads its stream must not block a restart.
    let grace = Duration::from_secs(limits.shutdown_grace_secs);
    let mut grace_stop = stop.clone();
    tokio::select! {
        r = serving => r.map_err(|e| ServeError::Transport(e.to_string()))?,
        _ = async {
            grace_stop.recv().await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!(grace_secs = grace.as_secs(), "shutdown grace period over; closing the remaining connections"),
    }
    tracing::info!("in-flight calls finished; flushing the store");
    if let Err(e) = app.store.close().await {
        tracing::error!(error = %e, "final flush failed");
    }
    if let Some(failure) = app.store.health().failure() {
        tracing::error!(%failure, exit_code = EXIT_STORE_FAILED, "stopped after a store failure");
        return Err(ServeError::StoreFailed(failure));
    }
    tracing::info!("stopped");
    Ok(())
}

/// Fully qualified names of lacznik's services, as health and reflection know them.
pub const SERVICE_NAMES: [&str; 4] = [
    "lacznik.v1.AdminService",
    "lacznik.v1.AssistanceService",
    "lacznik.v1.BlueCardService",
    "lacznik.v1.BreachService",
];
