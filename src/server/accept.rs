//! The TLS side of the listener: accepting TCP connections (bounded by a semaphore, backing
//! off on accept errors), the handshake under a deadline, the organisation the client
//! certificate names attached to the connection, and reloading the CA, certificate and
//! CRL when their files change.

use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tonic::transport::server::Connected;

use crate::identity::{self, IdentityError, Peer};
use crate::monitoring::certs::ClientCerts;
use crate::shutdown::Shutdown;
use crate::tls::{self, TlsPaths};

/// A TLS connection that passed the handshake, with what it proved about the peer.
pub struct TlsConn {
    inner: tokio_rustls::server::TlsStream<TcpStream>,
    peer: Peer,
    _permit: OwnedSemaphorePermit,
}

impl TlsConn {
    /// What the handshake proved about the peer (the web console reads it per request).
    pub fn peer(&self) -> &Peer {
        &self.peer
    }
}

impl Connected for TlsConn {
    type ConnectInfo = Peer;
    fn connect_info(&self) -> Peer {
        self.peer.clone()
    }
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Connection limits of the accept loop.
pub(super) struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Deadline of one TLS handshake.
    pub handshake_timeout: Duration,
}

impl Limits {
    /// The accept loop's limits, as the configuration's `[limits]` sets them.
    pub fn of(config: &crate::config::Config) -> Limits {
        Limits {
            max_connections: config.limits.max_connections,
            handshake_timeout: Duration::from_secs(config.limits.handshake_timeout_secs.max(1)),
        }
    }
}

/// Accepts until `stop`: each connection's handshake under the deadline, its
/// organisation read from the client certificate, which is also noted in `clients` (the
/// expiry of the last certificate each organisation presented).
pub(super) async fn accept_loop(
    limits: Limits,
    listener: TcpListener,
    acceptor: Arc<RwLock<TlsAcceptor>>,
    clients: Arc<ClientCerts>,
    conns: mpsc::Sender<Result<TlsConn, std::io::Error>>,
    mut stop: Shutdown,
) {
    let limit = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let handshake_timeout = limits.handshake_timeout;
    loop {
        let permit = tokio::select! {
            _ = stop.recv() => return,
            p = limit.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
        };
        let (tcp, addr) = tokio::select! {
            _ = stop.recv() => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = match acceptor.read() {
            Ok(a) => a.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let conns = conns.clone();
        let clients = clients.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => {
                    let leaf = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first());
                    let org = leaf
                        .map(|der| identity::org_from_cert(der))
                        .unwrap_or(Err(IdentityError::NoCertificate));
                    if let (Ok(org), Some(der)) = (&org, leaf) {
                        clients.presented(org, der);
                    }
                    let certificate = leaf.map(|d| identity::fingerprint(d)).unwrap_or_default();
                    let peer = Peer {
                        addr,
                        org,
                        certificate,
                    };
                    let _ = conns
                        .send(Ok(TlsConn {
                            inner: stream,
                            peer,
                            _permit: permit,
                        }))
                        .await;
                }
                Ok(Err(e)) => tracing::info!(peer = %addr, error = %e, "TLS handshake refused"),
                Err(_) => tracing::info!(peer = %addr, "TLS handshake timed out"),
            }
        });
    }
}

/// An acceptor the reload loop keeps current, and how its configuration is built from the
/// TLS files (the gRPC endpoint's and the console's differ only in ALPN).
pub(super) type Reloadable = (
    Arc<RwLock<TlsAcceptor>>,
    fn(&TlsPaths) -> Result<Arc<rustls::ServerConfig>, tls::TlsError>,
);

pub(super) async fn reload_loop(
    paths: TlsPaths,
    acceptors: Vec<Reloadable>,
    every: Duration,
    mut stop: Shutdown,
) {
    let mut seen = tls::fingerprint(&paths);
    loop {
        tokio::select! {
            _ = stop.recv() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let now = tls::fingerprint(&paths);
        if now == seen {
            continue;
        }
        seen = now;
        // Every configuration is built before any is swapped in: both endpoints change
        // together or neither does.
        let built: Result<Vec<_>, _> = acceptors.iter().map(|(_, build)| build(&paths)).collect();
        match built {
            Ok(configs) => {
                for ((acceptor, _), cfg) in acceptors.iter().zip(configs) {
                    match acceptor.write() {
                        Ok(mut a) => *a = TlsAcceptor::from(cfg),
                        Err(p) => *p.into_inner() = TlsAcceptor::from(cfg),
                    }
                }
                tracing::info!(
                    "TLS files changed; new handshakes use the reloaded CA, certificate and CRL"
                );
            }
            Err(e) => {
                tracing::error!(error = %e, "TLS files changed but cannot be loaded; keeping the previous configuration")
            }
        }
    }
}
