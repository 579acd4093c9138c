//! Certificate expiry for the operator, before it hurts: gauges with the expiry time of
//! the server certificate, every certificate of the CA bundle, the receipt-signing
//! certificate, the CRL's next update and the last client certificate each organisation
//! presented; and a log warning 30, 7 and 1 days before any of them, once each.
//!
//! The files are read at every scrape and every check (a renewed certificate shows at
//! once, and the old one's series is gone); client certificates are noted at the TLS
//! handshake, by organisation id only. Time is the real clock's, as TLS judges it, also
//! on a server running a simulated clock.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::exposition::Exposition;
use crate::directory::OrgId;
use crate::pki::expiry::{DAY, Expiry, Inventory, Item, Sources};
use crate::shutdown::Shutdown;

/// Days before expiry at which the log warns, once each.
pub const WARN_DAYS: [i64; 3] = [30, 7, 1];

/// How often the files are checked for the log warnings (also once at start).
pub const CHECK_EVERY: Duration = Duration::from_secs(3600);

/// The warning threshold (in days) that `seconds_left` has reached, if any: the smallest
/// of [`WARN_DAYS`] it is within.
pub fn threshold(seconds_left: i64) -> Option<i64> {
    WARN_DAYS
        .iter()
        .rev()
        .copied()
        .find(|d| seconds_left <= d * DAY)
}

/// The last client certificate each organisation presented (noted at the handshake).
#[derive(Default)]
pub struct ClientCerts {
    last: Mutex<BTreeMap<OrgId, Expiry>>,
    /// Woken when an organisation presents a certificate not seen before, so its
    /// warning (if due) comes at once rather than at the next hourly check.
    changed: tokio::sync::Notify,
}

impl ClientCerts {
    /// `org` completed a handshake with the DER certificate `der`.
    pub fn presented(&self, org: &OrgId, der: &[u8]) {
        let Some((serial, not_after)) = crate::pki::expiry::dates(der) else {
            return;
        };
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last
            .get(org)
            .is_some_and(|e| e.serial == serial && e.not_after == not_after)
        {
            return;
        }
        last.insert(
            org.clone(),
            Expiry {
                item: Item::Client(org.clone()),
                path: Default::default(),
                serial,
                not_after,
            },
        );
        self.changed.notify_one();
    }

    /// Every organisation's last certificate, by id.
    pub fn all(&self) -> Vec<Expiry> {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.values().cloned().collect()
    }
}

/// The node's watch over its certificates: the files it serves with, and the client
/// certificates seen at handshakes.
pub struct CertWatch {
    sources: Sources,
    clients: Arc<ClientCerts>,
    warned: Mutex<HashMap<String, i64>>,
}

impl CertWatch {
    /// A watch over `sources` and the handshakes' `clients`.
    pub fn new(sources: Sources, clients: Arc<ClientCerts>) -> Arc<CertWatch> {
        Arc::new(CertWatch {
            sources,
            clients,
            warned: Mutex::new(HashMap::new()),
        })
    }

    /// Everything dated, read now: the files, then the client certificates.
    pub fn inventory(&self) -> Inventory {
        let mut inv = Inventory::read(&self.sources);
        inv.items.extend(self.clients.all());
        inv
    }

    /// The expiry gauges, for the scrape.
    pub fn render(&self, out: &mut Exposition) {
        let inv = self.inventory();
        let name = "lacznik_cert_expiry_timestamp_seconds";
        out.family(
            name,
            "Expiry (notAfter, Unix seconds) of the server certificate, each CA bundle certificate and the receipt-signing certificate.",
        );
        for e in inv
            .items
            .iter()
            .filter(|e| matches!(e.item, Item::Server | Item::Ca | Item::Receipts))
        {
            out.sample(
                name,
                &[("cert", e.item.label()), ("serial", &e.serial)],
                e.not_after as f64,
            );
        }
        let name = "lacznik_crl_next_update_timestamp_seconds";
        out.family(
            name,
            "When the configured CRL must be replaced by a newer one (nextUpdate, Unix seconds).",
        );
        for e in inv.items.iter().filter(|e| e.item == Item::Crl) {
            out.sample(name, &[], e.not_after as f64);
        }
        let name = "lacznik_client_cert_expiry_timestamp_seconds";
        out.family(
            name,
            "Expiry (Unix seconds) of the last client certificate each organisation presented.",
        );
        for e in &inv.items {
            if let Some(org) = e.item.org() {
                out.sample(name, &[("org", org.as_str())], e.not_after as f64);
            }
        }
        let name = "lacznik_cert_unreadable_files";
        out.family(
            name,
            "Certificate or CRL files that exist but cannot be read (the log and `lacznik config check` name them).",
        );
        out.sample(name, &[], inv.problems.len() as f64);
    }

    /// The warnings due at `now` (Unix seconds) that were not given yet, marked as given:
    /// each item warns once at each threshold it reaches (a renewed certificate, with its
    /// new serial, starts afresh).
    pub fn due(&self, now: i64) -> Vec<(Expiry, i64)> {
        self.due_in(self.inventory().items, now)
    }

    fn due_in(&self, items: Vec<Expiry>, now: i64) -> Vec<(Expiry, i64)> {
        let mut warned = self.warned.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        for e in items {
            let Some(days) = threshold(e.seconds_left(now)) else {
                continue;
            };
            let key = format!(
                "{}/{}/{}/{}",
                e.item.label(),
                e.item.org().map(OrgId::as_str).unwrap_or_default(),
                e.serial,
                e.not_after
            );
            if warned.get(&key).is_some_and(|&given| given <= days) {
                continue;
            }
            warned.insert(key, days);
            out.push((e, days));
        }
        out
    }

    /// Logs the warnings due at `now` (ids, dates and paths only), and every file that
    /// cannot be read.
    pub fn warn(&self, now: i64) {
        let inv = self.inventory();
        for p in &inv.problems {
            tracing::error!(error = %p, "a certificate file cannot be read");
        }
        for (e, days) in self.due_in(inv.items, now) {
            let org = e.item.org().map(OrgId::as_str).unwrap_or_default();
            let left = e.days_left(now);
            let what = match e.item {
                Item::Crl => "the CRL's next update is due",
                Item::Client(_) => "an organisation's client certificate expires",
                _ => "a certificate expires",
            };
            tracing::warn!(
                cert = e.item.label(),
                org,
                serial = %e.serial,
                path = %e.path.display(),
                days_left = left,
                threshold_days = days,
                "{what} within {days} day(s): {}; renew it (docs/OPERATIONS.md, \"Certificates\")",
                e.describe(now)
            );
        }
    }

    /// Checks at once, then every [`CHECK_EVERY`] and whenever an organisation presents
    /// a new certificate, until `stop`.
    pub async fn run(self: Arc<Self>, mut stop: Shutdown) {
        loop {
            let watch = self.clone();
            let _ = tokio::task::spawn_blocking(move || watch.warn(crate::pki::expiry::now_unix()))
                .await;
            tokio::select! {
                _ = stop.recv() => return,
                _ = tokio::time::sleep(CHECK_EVERY) => {}
                _ = self.clients.changed.notified() => {}
            }
        }
    }
}

#[cfg(test)]
#[path = "certs_tests.rs"]
mod tests;
