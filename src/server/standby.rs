//! A term as standby: health NOT_SERVING, every lacznik call UNAVAILABLE with "standby"
//! and the active node's address (`api::standby`), while the store waits for this node's
//! turn in the database's election (`store::postgres_engine::election`).

use std::time::Duration;

use tokio::task::JoinHandle;

use super::ServeError;
use super::node::{Node, health, reflection};
use crate::api::standby::StandbyLayer;
use crate::shutdown::{Shutdown, Trigger};
use crate::store::postgres_engine::Candidacy;
use crate::store::{Store, StoreError};

/// How the wait ended.
pub(super) enum Turn {
    /// This node is active now, on this store.
    Active(Store),
    /// Opening after the lock failed for a passing reason (the database went away
    /// again): wait once more.
    Again(StoreError),
    /// The node was told to stop.
    Stopped,
}

/// Answers as a standby until `opening` (the store waiting for the node lock) completes or
/// the node stops; a store opened after the stop is closed again.
pub(super) async fn serve_until(
    node: &Node,
    candidacy: &Candidacy,
    mut opening: JoinHandle<Result<Store, StoreError>>,
    mut stop: Shutdown,
) -> Result<Turn, ServeError> {
    let (term, mut term_stop) = Trigger::new();
    let (_reporter, health_service) = health(tonic_health::ServingStatus::NotServing).await;
    let (reflection_v1, reflection_v1alpha) = reflection()?;
    let serving = tonic::transport::Server::builder()
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .layer(StandbyLayer::new(candidacy.active.clone()))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .serve_with_incoming_shutdown(node.incoming(), async move {
            term_stop.recv().await;
        });
    let server = tokio::spawn(serving);
    let opened = tokio::select! {
        r = &mut opening => Some(r),
        _ = stop.recv() => None,
    };
    // Standby calls are short (nothing streams here): they end at once.
    term.fire();
    match server.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(ServeError::Transport(e.to_string())),
        Err(e) => return Err(ServeError::Transport(e.to_string())),
    }
    let opened = match opened {
        Some(r) => r,
        None => {
            candidacy
                .cancel
                .store(true, std::sync::atomic::Ordering::Release);
            if let Ok(Ok(store)) = opening.await {
                let _ = store.close().await;
            }
            return Ok(Turn::Stopped);
        }
    };
    match opened {
        Ok(Ok(store)) => Ok(Turn::Active(store)),
        Ok(Err(e)) if e.is_temporary() => Ok(Turn::Again(e)),
        Ok(Err(cause)) => Err(ServeError::Store {
            dir: "the PostgreSQL database".into(),
            cause,
        }),
        Err(e) => Err(ServeError::Transport(format!(
            "the store's opening task failed: {e}"
        ))),
    }
}
