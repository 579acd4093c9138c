//! A node on PostgreSQL alternates between two roles for as long as it runs: standby until
//! the database's election makes it active, active until it stops or its store fails (the
//! database went away, or ended its session because another node took over), then standby
//! again. Taking over recovers everything from the database alone: the store opens as at
//! a start (sequences, watermarks, feeds) and the first sweep records what fell due.

use std::sync::Arc;

use super::node::Node;
use super::standby::{self, Turn};
use super::term::{self, TermEnd};
use super::{Base, ServeError};
use crate::shutdown::{Shutdown, Trigger};
use crate::store::{self, postgres_engine::Candidacy};

/// The role a node has now, as the `lacznik_node_role` gauge shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Writes, sweeps deadlines, serves streams and pulls.
    Active,
    /// Waits for its turn; answers UNAVAILABLE.
    Standby,
}

/// Sets `lacznik_node_role{role}` (1 for the role the node has, 0 for the other).
pub fn show_role(role: Role) {
    for (name, r) in [("active", Role::Active), ("standby", Role::Standby)] {
        metrics::gauge!("lacznik_node_role", "role" => name).set(f64::from(u8::from(r == role)));
    }
}

/// Runs the node's terms until `stop`; see the module docs.
pub(super) async fn run(base: Base, node: Node, stop: Shutdown) -> Result<(), ServeError> {
    let settings = base.config.postgres()?;
    let advertise = advertised(&base.config, node.local);
    loop {
        show_role(Role::Standby);
        let candidacy = Candidacy::new(advertise.clone());
        let opening = {
            let (settings, candidacy, keys) =
                (settings.clone(), candidacy.clone(), base.keys.clone());
            tokio::task::spawn_blocking(move || {
                store::open_postgres_when_active(&settings, &candidacy, keys)
            })
        };
        let store = match standby::serve_until(&node, &candidacy, opening, stop.clone()).await? {
            Turn::Active(store) => store,
            Turn::Again(e) => {
                tracing::warn!(error = %e, "could not take over; waiting for the next turn");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
            Turn::Stopped => {
                tracing::info!("stopped (standby)");
                return Ok(());
            }
        };
        tracing::warn!(addr = %advertise, "this node is active now (it holds the database's node lock)");
        show_role(Role::Active);
        let (trigger, _) = Trigger::new();
        let trigger = Arc::new(trigger);
        let app = Arc::new(base.app(store, trigger.subscribe()));
        match term::run(app, trigger, &node, stop.clone()).await? {
            TermEnd::Stopped => {
                tracing::info!("stopped");
                return Ok(());
            }
            TermEnd::StoreFailed(failure) => {
                if stop.is_shutdown() {
                    return Err(ServeError::StoreFailed(failure));
                }
                tracing::warn!(
                    %failure,
                    "stepped down: this node is standby now and commits nothing more; it \
                     takes over again when the database gives it the node lock"
                );
            }
        }
    }
}

/// Where clients reach this node: `store.postgres.advertise`, else the listen address
/// (with the host name when it listens on all interfaces).
fn advertised(config: &crate::config::Config, local: Option<std::net::SocketAddr>) -> String {
    if let Some(a) = &config.store.postgres.advertise {
        return a.clone();
    }
    match local {
        Some(a) if a.ip().is_unspecified() => {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_else(|_| "localhost".into());
            format!("{host}:{}", a.port())
        }
        Some(a) => a.to_string(),
        None => "unknown".into(),
    }
}
