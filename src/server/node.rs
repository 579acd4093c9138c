//! What a node keeps for its whole life, whatever its role: the listener with its TLS
//! handshakes and reloads, the queue of accepted connections each term serves from, and
//! the metrics port and the watch over certificate expiry. A node that steps down or takes over changes what answers on these,
//! never the port, so clients and Prometheus find it where it was.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::Stream;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc, watch};
use tokio_rustls::TlsAcceptor;

use super::ServeError;
use super::accept::{self, TlsConn};
use crate::api::pb;
use crate::config::Config;
use crate::monitoring::Gauges;
use crate::monitoring::certs::{CertWatch, ClientCerts};
use crate::shutdown::Shutdown;
use crate::tls::TlsPaths;

type Conn = Result<TlsConn, std::io::Error>;

/// The node's lasting parts; see the module docs.
pub(super) struct Node {
    /// The listening address, as bound (for the log and the advertised address).
    pub local: Option<std::net::SocketAddr>,
    conns: Arc<Mutex<mpsc::Receiver<Conn>>>,
    /// What the metrics' scrape-time gauges read: the active term's store, or nothing.
    pub gauges: watch::Sender<Option<Gauges>>,
    /// What the web console serves from: the active term's application, or nothing (a
    /// standby's console says so and names no case).
    pub console: watch::Sender<Option<Arc<crate::app::App>>>,
}

impl Node {
    /// Starts accepting (TLS handshakes run as connections arrive, served by whichever
    /// term is current), the TLS reload loop and the metrics port, until `stop`.
    pub async fn start(
        config: &Config,
        listeners: super::Listeners,
        tls_paths: TlsPaths,
        tls_config: Arc<rustls::ServerConfig>,
        stop: &Shutdown,
    ) -> Result<Node, ServeError> {
        let listener = listeners.grpc;
        let local = listener.local_addr().ok();
        let acceptor = Arc::new(RwLock::new(TlsAcceptor::from(tls_config)));
        let mut reloadable: Vec<accept::Reloadable> =
            vec![(acceptor.clone(), crate::tls::server_config)];
        // Certificate expiry: the files' and each organisation's last client certificate,
        // warned of in the log and shown in the metrics.
        let clients = Arc::new(ClientCerts::default());
        let certs = CertWatch::new(config.expiry_sources(), clients.clone());
        tokio::spawn(certs.clone().run(stop.clone()));
        let (conn_tx, conn_rx) = mpsc::channel::<Conn>(64);
        tokio::spawn(accept::accept_loop(
            accept::Limits::of(config),
            listener,
            acceptor.clone(),
            clients.clone(),
            conn_tx,
            stop.clone(),
        ));
        let (console, console_app) = watch::channel(None);
        if let Some(listener) = listeners.console {
            let addr = listener
                .local_addr()
                .map_or_else(|e| e.to_string(), |a| a.to_string());
            // The same files and the same accept path (limits, handshake deadline, the
            // organisation read from the certificate) as the gRPC endpoint.
            let acceptor = Arc::new(RwLock::new(TlsAcceptor::from(crate::tls::console_config(
                &tls_paths,
            )?)));
            reloadable.push((acceptor.clone(), crate::tls::console_config));
            let (tx, rx) = mpsc::channel::<Conn>(64);
            tokio::spawn(accept::accept_loop(
                accept::Limits::of(config),
                listener,
                acceptor,
                clients,
                tx,
                stop.clone(),
            ));
            let conns = futures::stream::unfold(rx, |mut rx| async move {
                loop {
                    match rx.recv().await? {
                        Ok(c) => {
                            let peer = c.peer().clone();
                            return Some(((c, peer), rx));
                        }
                        Err(e) => tracing::warn!(error = %e, "console connection failed"),
                    }
                }
            });
            tracing::info!(
                url = %format!("https://{addr}/"),
                "web console (mutual TLS: a client certificate is the login)"
            );
            tokio::spawn(crate::console::serve(
                conns,
                console_app,
                crate::console::Limits {
                    max_body: config.max_message_bytes,
                    per_org_in_flight: config.limits.per_org_in_flight,
                },
                stop.clone(),
            ));
        }
        if config.tls.reload_secs > 0 {
            tokio::spawn(accept::reload_loop(
                tls_paths,
                reloadable,
                Duration::from_secs(config.tls.reload_secs),
                stop.clone(),
            ));
        }
        let (gauges, scraped) = watch::channel(None);
        if config.metrics.enabled {
            start_metrics(config, scraped, certs, stop.clone()).await;
        }
        Ok(Node {
            local,
            conns: Arc::new(Mutex::new(conn_rx)),
            gauges,
            console,
        })
    }

    /// The accepted connections, for one term's server: it takes them until it stops
    /// polling, and the next term goes on from there.
    pub fn incoming(&self) -> impl Stream<Item = Conn> + Send + 'static {
        futures::stream::unfold(self.conns.clone(), |conns| async move {
            let next = conns.lock().await.recv().await;
            next.map(|c| (c, conns))
        })
    }

    /// The listening address for the log.
    pub fn local_text(&self) -> String {
        self.local
            .map_or_else(|| "unknown".to_string(), |a| a.to_string())
    }
}

async fn start_metrics(
    config: &Config,
    scraped: watch::Receiver<Option<Gauges>>,
    certs: Arc<CertWatch>,
    stop: Shutdown,
) {
    match (
        crate::monitoring::handle(),
        TcpListener::bind(config.metrics.listen).await,
    ) {
        (Some(handle), Ok(listener)) => {
            let addr = listener
                .local_addr()
                .map_or_else(|e| e.to_string(), |a| a.to_string());
            tracing::info!(%addr, "metrics on plain HTTP GET /metrics");
            tokio::spawn(crate::monitoring::serve(
                scraped, certs, listener, handle, stop,
            ));
        }
        (_, Err(e)) => {
            tracing::error!(error = %e, addr = %config.metrics.listen, "metrics listener unavailable")
        }
        (None, _) => {}
    }
}

/// gRPC reflection (v1 and v1alpha) of lacznik's and the health service's descriptors.
pub(super) fn reflection() -> Result<
    (
        tonic_reflection::server::v1::ServerReflectionServer<
            impl tonic_reflection::server::v1::ServerReflection,
        >,
        tonic_reflection::server::v1alpha::ServerReflectionServer<
            impl tonic_reflection::server::v1alpha::ServerReflection,
        >,
    ),
    ServeError,
> {
    let v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .map_err(|e| ServeError::Transport(e.to_string()))?;
    let v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()
        .map_err(|e| ServeError::Transport(e.to_string()))?;
    Ok((v1, v1alpha))
}

/// A health reporter with every lacznik service and the server as a whole at `status`.
pub(super) async fn health(
    status: tonic_health::ServingStatus,
) -> (
    tonic_health::server::HealthReporter,
    tonic_health::pb::health_server::HealthServer<impl tonic_health::pb::health_server::Health>,
) {
    let (reporter, service) = tonic_health::server::health_reporter();
    reporter.set_service_status("", status).await;
    for name in super::SERVICE_NAMES {
        reporter.set_service_status(name, status).await;
    }
    (reporter, service)
}
