//! The connection to a server: one mutual-TLS channel built from [`ConnectArgs`], shared by
//! `lacznik client` and `lacznik report` so both reach the server the same way.

use std::path::PathBuf;

use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

use super::ConnectArgs;

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
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(read(&ca)?))
        .identity(Identity::from_pem(read(&cert)?, read(&key)?))
        .domain_name(a.tls_name.clone());
    Channel::from_shared(format!("https://{}", a.addr))?
        .tls_config(tls)?
        .connect()
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to {}: {e}", a.addr))
}
