//! The connection to a server: one mutual-TLS channel builder, [`mtls_channel`], shared by
//! `lacznik client`, `lacznik report`, the benchmark and the integration tests, so every
//! caller reaches the server the same way (the same TLS settings, the same errors).

use std::path::PathBuf;
use std::time::Duration;

use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use super::ConnectArgs;

/// What a client presents and trusts on one mutual-TLS connection, as PEM text.
#[derive(Debug, Clone)]
pub struct TlsClient {
    /// CA bundle that signed the server certificate.
    pub ca_pem: String,
    /// The client certificate and key; `None` connects without one (tests of refusal).
    pub identity: Option<(String, String)>,
    /// Name the server certificate must carry.
    pub tls_name: String,
    /// How long the TCP connect may take; `None` is tonic's default (none).
    pub connect_timeout: Option<Duration>,
}

impl TlsClient {
    /// An organisation's client: its certificate and key, the CA, the name `localhost`
    /// (the development server certificate's name).
    pub fn new(
        ca_pem: impl Into<String>,
        cert_pem: impl Into<String>,
        key_pem: impl Into<String>,
    ) -> TlsClient {
        TlsClient {
            ca_pem: ca_pem.into(),
            identity: Some((cert_pem.into(), key_pem.into())),
            tls_name: "localhost".into(),
            connect_timeout: None,
        }
    }
}

/// Why a channel could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The address does not form an `https://` URI.
    #[error("{0:?} is not a host:port address")]
    InvalidAddress(String),
    /// TCP, TLS or HTTP/2 failed (refused, handshake alert, timeout).
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
}

/// Opens one mutual-TLS HTTP/2 channel to `addr` (`host:port`).
pub async fn mtls_channel(addr: &str, tls: &TlsClient) -> Result<Channel, ConnectError> {
    let mut config = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&tls.ca_pem))
        .domain_name(tls.tls_name.clone());
    if let Some((cert, key)) = &tls.identity {
        config = config.identity(Identity::from_pem(cert, key));
    }
    let mut endpoint = Channel::from_shared(format!("https://{addr}"))
        .map_err(|_| ConnectError::InvalidAddress(addr.to_string()))?
        .tls_config(config)?;
    if let Some(t) = tls.connect_timeout {
        endpoint = endpoint.connect_timeout(t);
    }
    Ok(endpoint.connect().await?)
}

/// Opens the mutual-TLS channel described by `a`, so every command reaches the server the
/// same way.
pub async fn connect(a: &ConnectArgs) -> anyhow::Result<Channel> {
    let (cert, key, ca) = match (&a.org, &a.cert, &a.key) {
        (Some(org), _, _) => (
            a.certs.join(format!("{org}.pem")),
            a.certs.join(format!("{org}.key")),
            a.ca.clone().unwrap_or_else(|| a.certs.join("ca.pem")),
        ),
        (None, Some(c), Some(k)) => (
            c.clone(),
            k.clone(),
            a.ca.clone().unwrap_or_else(|| a.certs.join("ca.pem")),
        ),
        _ => {
            anyhow::bail!("name the organisation: --org ID (dev layout) or --cert FILE --key FILE")
        }
    };
    let read = |p: &PathBuf| {
        std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
    };
    let mut tls = TlsClient::new(read(&ca)?, read(&cert)?, read(&key)?);
    tls.tls_name = a.tls_name.clone();
    tls.connect_timeout = Some(std::time::Duration::from_secs(5));
    first_serving(&a.addr, &tls).await
}

/// The channel of the first address in `addrs` (comma-separated, for several nodes) that
/// connects and whose health check says SERVING, so a client configured with every node
/// of a deployment reaches the one that serves. One address is used as it is.
pub async fn first_serving(addrs: &str, tls: &TlsClient) -> anyhow::Result<Channel> {
    let list: Vec<&str> = addrs
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect();
    if let [only] = list.as_slice() {
        return mtls_channel(only, tls)
            .await
            .map_err(|e| anyhow::anyhow!("cannot connect to {only}: {e}"));
    }
    let mut why = Vec::new();
    for addr in &list {
        match mtls_channel(addr, tls).await {
            Ok(channel) => {
                let mut health =
                    tonic_health::pb::health_client::HealthClient::new(channel.clone());
                let check = health.check(tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                });
                match check.await {
                    Ok(r)
                        if r.get_ref().status
                            == tonic_health::pb::health_check_response::ServingStatus::Serving
                                as i32 =>
                    {
                        return Ok(channel);
                    }
                    Ok(_) => why.push(format!("{addr}: not serving")),
                    Err(s) => why.push(format!("{addr}: {}", s.message())),
                }
            }
            Err(e) => why.push(format!("{addr}: {e}")),
        }
    }
    anyhow::bail!("no node serves: {}", why.join("; "))
}
