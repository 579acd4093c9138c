//! A client of the web console as a browser is one: its own TCP + TLS connection with the
//! organisation's client certificate (mutual TLS; the certificate is the login), HTTP/2 (what
//! a browser negotiates: the console offers h2 and http/1.1), GET only. Also the few readers
//! of the console's pages the bench needs (rows, the next page's link, the live stream's
//! address) and of its Server-Sent Events.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use lacznik::directory::OrgId;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

/// Connections to one console as one organisation.
#[derive(Clone)]
pub struct Client {
    connector: tokio_rustls::TlsConnector,
    addr: SocketAddr,
}

impl Client {
    /// A client of the console at `addr` presenting `org`'s certificate from `certs`
    /// (`<org>.pem`, `<org>.key`) and trusting `certs/ca.pem` (the server's certificate is
    /// for `localhost`).
    pub fn new(certs: &Path, org: &str, addr: SocketAddr) -> Result<Client> {
        let id: OrgId = org.parse().map_err(|e| anyhow!("org id {org}: {e:?}"))?;
        let (cert, key) = lacznik::pki::org_paths(certs, &id);
        let read = |p: &Path| std::fs::read(p).with_context(|| p.display().to_string());
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(&read(&certs.join("ca.pem"))?) {
            roots.add(c.context("ca.pem")?)?;
        }
        let chain = CertificateDer::pem_slice_iter(&read(&cert)?)
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| cert.display().to_string())?;
        let key = PrivateKeyDer::from_pem_slice(&read(&key)?)
            .with_context(|| key.display().to_string())?;
        let mut config = rustls::ClientConfig::builder_with_provider(lacznik::tls::provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Client {
            connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
            addr,
        })
    }

    /// A new connection: TCP, the TLS handshake, the HTTP/2 preface.
    pub async fn connect(&self) -> Result<Conn> {
        let tcp = tokio::net::TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let name = ServerName::try_from("localhost")?;
        let tls = self.connector.connect(name, tcp).await?;
        let (send, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { send })
    }
}

/// One open connection (a browser's).
pub struct Conn {
    send: SendRequest<Empty<Bytes>>,
}

impl Conn {
    /// Sends `GET path` and returns the response with its body still to read.
    pub async fn open(&mut self, path: &str) -> Result<http::Response<Incoming>> {
        self.send.ready().await?;
        let req = http::Request::get(format!("https://localhost{path}"))
            .header(http::header::ACCEPT, "text/html, text/event-stream")
            .body(Empty::new())?;
        Ok(self.send.send_request(req).await?)
    }

    /// `GET path`: the status and the whole body.
    pub async fn get(&mut self, path: &str) -> Result<(u16, String)> {
        let resp = self.open(path).await?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((status, String::from_utf8(body.to_vec())?))
    }
}

/// Rows of a request list page.
pub fn rows(html: &str) -> usize {
    html.matches("<tr id=\"w-").count()
}

/// The "Starsze wnioski" link of a list page (`/wnioski?strona=<n>`), if any.
pub fn next_page(html: &str) -> Option<String> {
    attribute(html, "href=\"/wnioski?strona=").map(|n| format!("/wnioski?strona={n}"))
}

/// The live stream a list page opens (`data-live`: `/zdarzenia?od=<cursor>`).
pub fn live_url(html: &str) -> Option<String> {
    attribute(html, "data-live=\"").map(|u| u.replace("&amp;", "&"))
}

fn attribute<'a>(html: &'a str, prefix: &str) -> Option<&'a str> {
    let start = html.find(prefix)? + prefix.len();
    let len = html[start..].find('"')?;
    Some(&html[start..start + len])
}

/// One Server-Sent Event.
pub struct Event {
    /// `event:` (the console sends `row`).
    pub kind: String,
    /// `id:` (the feed cursor).
    pub id: String,
    /// `data:` lines, joined by newlines.
    pub data: String,
}

impl Event {
    /// The request or card id of the row the event carries (`<tr id="w-<id>">`).
    pub fn row_id(&self) -> Option<String> {
        let data: serde_json::Value = serde_json::from_str(&self.data).ok()?;
        let html = data["html"].as_str()?;
        attribute(html, "id=\"w-").map(str::to_string)
    }
}

/// The events of a `text/event-stream` body, one by one.
pub struct Events {
    body: Incoming,
    buf: Vec<u8>,
}

impl Events {
    /// Reads the events of `resp`, which must be 200 with `text/event-stream`.
    pub fn of(resp: http::Response<Incoming>) -> Result<Events> {
        let ct = resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if resp.status() != 200 || !ct.starts_with("text/event-stream") {
            bail!("live stream: {} ({ct})", resp.status());
        }
        Ok(Events {
            body: resp.into_body(),
            buf: Vec::new(),
        })
    }

    /// The next event (comments and keep-alives skipped); `None` when the stream ends.
    pub async fn next(&mut self) -> Result<Option<Event>> {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                if let Some(e) = parse(&String::from_utf8_lossy(&block)) {
                    return Ok(Some(e));
                }
                continue;
            }
            match self.body.frame().await {
                None => return Ok(None),
                Some(frame) => {
                    if let Ok(data) = frame?.into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
            }
        }
    }
}

fn parse(block: &str) -> Option<Event> {
    let mut e = Event {
        kind: String::new(),
        id: String::new(),
        data: String::new(),
    };
    let mut any = false;
    for line in block.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => e.kind = value.to_string(),
            "id" => e.id = value.to_string(),
            "data" => {
                if any {
                    e.data.push('\n');
                }
                e.data.push_str(value);
                any = true;
            }
            _ => {}
        }
    }
    any.then_some(e)
}
