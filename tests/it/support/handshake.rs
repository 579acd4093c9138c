//! A raw TLS handshake below gRPC: the tests of refused certificates look at the TLS alert
//! the server sends, which a gRPC client reports only as a transport error.

use std::net::SocketAddr;
use std::sync::Arc;

use lacznik::pki::Issued;

/// Performs a TLS handshake with `addr` (trusting `ca_pem`, presenting `identity`), sends
/// the HTTP/2 preface and reads once: `Ok` if the server accepted the client, else the TLS
/// error (e.g. the alert) as text.
pub async fn raw_handshake(
    addr: SocketAddr,
    ca_pem: &str,
    identity: Option<&Issued>,
) -> Result<(), String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(c.expect("ca pem")).expect("ca");
    }
    let builder = rustls::ClientConfig::builder_with_provider(lacznik::tls::provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(i) => {
            let chain: Vec<CertificateDer<'static>> =
                CertificateDer::pem_slice_iter(i.cert_pem.as_bytes())
                    .collect::<Result<_, _>>()
                    .expect("cert");
            let key = PrivateKeyDer::from_pem_slice(i.key_pem.as_bytes()).expect("key");
            builder
                .with_client_auth_cert(chain, key)
                .expect("client auth")
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let mut tls = connector
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .map_err(|e| e.to_string())?;
    // TLS 1.3: the server judges the client certificate after the client's Finished, so the
    // verdict arrives with the first read. Send the HTTP/2 preface and expect SETTINGS back.
    tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 9];
    match tokio::time::timeout(std::time::Duration::from_secs(5), tls.read(&mut buf)).await {
        Err(_) => Err("timed out waiting for the server".into()),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(0)) => Err("connection closed by the server".into()),
        Ok(Ok(_)) => Ok(()),
    }
}
