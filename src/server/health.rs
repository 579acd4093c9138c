//! The server's side of the store's health: NOT_SERVING the moment the store fails, then
//! the end of the term (embedded engines: the exit code the service manager restarts on;
//! PostgreSQL: the step down to standby).

use std::sync::Arc;
use std::time::Duration;

use super::SERVICE_NAMES;
use crate::shutdown::{Shutdown, Trigger};
use crate::store;

/// How long a server whose store failed keeps answering (health NOT_SERVING, writes
/// UNAVAILABLE) before it shuts down.
const FAILED_STORE_LINGER: Duration = Duration::from_secs(1);

/// Turns health NOT_SERVING the moment the store fails (and on shutdown), and ends the
/// term after a failure: in-flight calls are answered (writes with UNAVAILABLE), then the
/// term ends with the failure; on an embedded engine `serve` returns
/// `ServeError::StoreFailed` and the process exits with `EXIT_STORE_FAILED`.
pub(super) async fn watch_store(
    store: Arc<store::health::Health>,
    health: tonic_health::server::HealthReporter,
    trigger: Arc<Trigger>,
    mut stop: Shutdown,
) {
    let not_serving = tonic_health::ServingStatus::NotServing;
    tokio::select! {
        failure = store.failed() => {
            health.set_service_status("", not_serving).await;
            for name in SERVICE_NAMES {
                health.set_service_status(name, not_serving).await;
            }
            tracing::error!(
                %failure,
                "the store failed: health is NOT_SERVING and writes are refused; answering \
                 in-flight calls, then stopping (embedded engines: the process exits for the \
                 service manager to restart it; PostgreSQL: the node steps down to standby)"
            );
            // Health checkers (a load balancer, a standby) see NOT_SERVING before the port
            // closes; calls meanwhile are answered, writes with UNAVAILABLE.
            tokio::time::sleep(FAILED_STORE_LINGER).await;
            trigger.fire();
        }
        _ = stop.recv() => {
            health.set_service_status("", not_serving).await;
        }
    }
}
