//! When the server's trust material runs out: the expiry of the server certificate, of
//! every certificate of the CA bundle, of the receipt-signing certificate and of client
//! certificates, and the CRL's next update. An expired server certificate or CA stops
//! every connection at once, an expired receipt certificate stops receipts, a stale CRL
//! stops revocations from being trusted by stricter peers: each must be renewed before
//! then, so `lacznik config check`, `lacznik certs status`, the metrics and the log warnings
//! all read them here.
//!
//! Only ids are read out: the kind of the item, its serial number and, for a client
//! certificate, the organisation id of its URI SAN. Subjects are never printed (a
//! real CA may put a person's name in one).

use std::path::{Path, PathBuf};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};

use super::PkiError;
use crate::directory::OrgId;

/// What a dated item is, as metrics label it (`cert="server"` and so on).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    /// The server's own certificate (the first of its chain).
    Server,
    /// A certificate of the CA bundle that client certificates chain to.
    Ca,
    /// The receipt-signing certificate (the first of `receipts.pem`).
    Receipts,
    /// The certificate revocation list; its date is the next update.
    Crl,
    /// An organisation's client certificate.
    Client(OrgId),
}

impl Item {
    /// The label value: `server`, `ca`, `receipts`, `crl`, `client`.
    pub fn label(&self) -> &'static str {
        match self {
            Item::Server => "server",
            Item::Ca => "ca",
            Item::Receipts => "receipts",
            Item::Crl => "crl",
            Item::Client(_) => "client",
        }
    }

    /// The organisation of a client certificate.
    pub fn org(&self) -> Option<&OrgId> {
        match self {
            Item::Client(org) => Some(org),
            _ => None,
        }
    }
}

/// One dated item: what it is, where it is, and when it runs out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiry {
    /// What it is.
    pub item: Item,
    /// The file it was read from (empty for a certificate seen at a handshake).
    pub path: PathBuf,
    /// The serial number in hex (empty for a CRL), to tell a renewed certificate apart.
    pub serial: String,
    /// Unix seconds of `notAfter` (of `nextUpdate` for a CRL).
    pub not_after: i64,
}

/// Seconds in a day, for "days left".
pub const DAY: i64 = 86_400;

impl Expiry {
    /// Seconds left at `now` (Unix seconds); negative once expired.
    pub fn seconds_left(&self, now: i64) -> i64 {
        self.not_after - now
    }

    /// Whole days left at `now`, rounded down (-1 on the first day after expiry).
    pub fn days_left(&self, now: i64) -> i64 {
        self.seconds_left(now).div_euclid(DAY)
    }

    /// "412 days left (2028-01-14)" or "EXPIRED 3 days ago (2026-11-28)": what the
    /// commands print.
    pub fn describe(&self, now: i64) -> String {
        let date = jiff::Timestamp::from_second(self.not_after)
            .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|_| self.not_after.to_string());
        let left = self.seconds_left(now);
        let verb = if self.item == Item::Crl {
            "next update due"
        } else {
            "expires"
        };
        if left < 0 {
            let ago = (-left).div_euclid(DAY);
            let what = if self.item == Item::Crl {
                "OVERDUE"
            } else {
                "EXPIRED"
            };
            format!("{what} {ago} day(s) ago ({date})")
        } else {
            format!("{} day(s) left, {verb} {date}", self.days_left(now))
        }
    }
}

/// The certificates of a PEM file, each with its serial and `notAfter`.
fn certificates(path: &Path) -> Result<Vec<(String, i64, Vec<u8>)>, PkiError> {
    let invalid = |reason: String| PkiError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let ders = CertificateDer::pem_file_iter(path)
        .map_err(|e| invalid(format!("cannot read: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("not PEM: {e}")))?;
    if ders.is_empty() {
        return Err(invalid("contains no PEM certificate".into()));
    }
    ders.iter()
        .map(|der| {
            let (serial, not_after) =
                dates(der).ok_or_else(|| invalid("not an X.509 certificate".into()))?;
            Ok((serial, not_after, der.to_vec()))
        })
        .collect()
}

/// Serial (hex) and `notAfter` (Unix seconds) of a DER certificate.
pub fn dates(der: &[u8]) -> Option<(String, i64)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some((
        hex(cert.tbs_certificate.raw_serial()),
        cert.validity().not_after.timestamp(),
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The first certificate of a chain file (server, receipts) as `item`.
pub fn leaf(path: &Path, item: Item) -> Result<Expiry, PkiError> {
    let (serial, not_after, _) = certificates(path)?.swap_remove(0);
    Ok(Expiry {
        item,
        path: path.to_path_buf(),
        serial,
        not_after,
    })
}

/// Every certificate of a CA bundle.
pub fn bundle(path: &Path) -> Result<Vec<Expiry>, PkiError> {
    Ok(certificates(path)?
        .into_iter()
        .map(|(serial, not_after, _)| Expiry {
            item: Item::Ca,
            path: path.to_path_buf(),
            serial,
            not_after,
        })
        .collect())
}

/// The next update of a CRL file (the earliest, when it holds several).
pub fn crl(path: &Path) -> Result<Option<Expiry>, PkiError> {
    let invalid = |reason: String| PkiError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let ders = CertificateRevocationListDer::pem_file_iter(path)
        .map_err(|e| invalid(format!("cannot read: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("not PEM: {e}")))?;
    let mut earliest = None;
    for der in &ders {
        let (_, crl) = x509_parser::parse_x509_crl(der)
            .map_err(|e| invalid(format!("not an X.509 CRL: {e}")))?;
        if let Some(next) = crl.next_update() {
            let t = next.timestamp();
            earliest = Some(earliest.map_or(t, |e: i64| e.min(t)));
        }
    }
    Ok(earliest.map(|not_after| Expiry {
        item: Item::Crl,
        path: path.to_path_buf(),
        serial: String::new(),
        not_after,
    }))
}

/// The files the server's trust material is read from.
#[derive(Debug, Clone)]
pub struct Sources {
    /// The CA bundle.
    pub ca: PathBuf,
    /// The server certificate chain.
    pub cert: PathBuf,
    /// The CRL, when one is configured (a missing file means no revocations).
    pub crl: Option<PathBuf>,
    /// The receipt-signing certificate.
    pub receipts: PathBuf,
}

/// What could be read of the sources, and what could not.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Every dated item found, in the order server, CA bundle, receipts, CRL, clients.
    pub items: Vec<Expiry>,
    /// Files that exist but cannot be read as what they should be (a missing receipt
    /// certificate or CRL is not a problem: neither is required).
    pub problems: Vec<PkiError>,
}

impl Inventory {
    /// Reads every source now.
    pub fn read(sources: &Sources) -> Inventory {
        let mut inv = Inventory::default();
        inv.take(leaf(&sources.cert, Item::Server).map(|e| vec![e]));
        inv.take(bundle(&sources.ca));
        if sources.receipts.exists() {
            inv.take(leaf(&sources.receipts, Item::Receipts).map(|e| vec![e]));
        }
        if let Some(path) = sources.crl.as_deref().filter(|p| p.exists()) {
            inv.take(crl(path).map(|e| e.into_iter().collect()));
        }
        inv
    }

    /// A certificate directory in the development layout (`lacznik certs status`): the
    /// files of [`Sources`] under their conventional names, then every other `*.pem`
    /// that is an organisation's client certificate.
    pub fn of_dir(dir: &Path) -> Result<Inventory, PkiError> {
        let mut inv = Inventory::read(&Sources {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            crl: Some(dir.join("crl.pem")),
            receipts: dir.join("receipts.pem"),
        });
        let io = |source| PkiError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pem"))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                !["ca.pem", "server.pem", "receipts.pem", "crl.pem"].contains(&name)
            })
            .collect();
        files.sort();
        for path in files {
            match certificates(&path) {
                Ok(certs) => {
                    let (serial, not_after, der) = &certs[0];
                    match crate::identity::org_from_cert(der) {
                        Ok(org) => inv.items.push(Expiry {
                            item: Item::Client(org),
                            path: path.clone(),
                            serial: serial.clone(),
                            not_after: *not_after,
                        }),
                        Err(e) => inv.problems.push(PkiError::Invalid {
                            path,
                            reason: format!("not an organisation's client certificate: {e}"),
                        }),
                    }
                }
                Err(e) => inv.problems.push(e),
            }
        }
        Ok(inv)
    }

    fn take(&mut self, r: Result<Vec<Expiry>, PkiError>) {
        match r {
            Ok(items) => self.items.extend(items),
            Err(e) => self.problems.push(e),
        }
    }

    /// The item that runs out first.
    pub fn soonest(&self) -> Option<&Expiry> {
        self.items.iter().min_by_key(|e| e.not_after)
    }
}

/// The table `config check` and `certs status` print: one line per item with its days
/// left, then one per unreadable file.
pub fn table(inv: &Inventory, now: i64) -> String {
    let mut out = String::new();
    for e in &inv.items {
        let what = match &e.item {
            Item::Client(org) => format!("client {org}"),
            other => other.label().to_string(),
        };
        out.push_str(&format!(
            "  {:<28} {:<44} {}\n",
            what,
            e.path.display(),
            e.describe(now)
        ));
    }
    for p in &inv.problems {
        out.push_str(&format!("  UNREADABLE {p}\n"));
    }
    out
}

/// Now, in Unix seconds, by the real clock: certificates are judged by the time TLS
/// uses, also when the server runs on a simulated clock.
pub fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
#[path = "expiry_tests.rs"]
mod tests;
