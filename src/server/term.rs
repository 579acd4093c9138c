//! One term as the active node: lacznik's services on the node's connections, health
//! SERVING, the deadline sweeper, retention, the online-backup socket and the metrics'
//! store gauges, until the node stops or its store fails. On the embedded engines a node
//! has one term; on PostgreSQL a node that stepped down begins another when its turn
//! comes again (`roles`).

use std::sync::Arc;
use std::time::Duration;

use super::ServeError;
use super::health::watch_store;
use super::node::{Node, health, reflection};
use crate::api::layer::{CallLayer, CallState};
use crate::api::limits::OrgLimiter;
use crate::api::pb;
use crate::api::{
    admin::AdminApi, assistance::AssistanceApi, blue_card::BlueCardApi, breach::BreachApi,
};
use crate::app::App;
use crate::shutdown::{Shutdown, Trigger};
use crate::store;

/// How a term ended.
pub(super) enum TermEnd {
    /// The node was told to stop; everything was flushed.
    Stopped,
    /// The store failed; what was in flight was answered, the store closed.
    StoreFailed(store::Failure),
}

/// The tonic server every term serves with, before lacznik's layers and services: HTTP/2
/// keepalive, the per-connection in-flight limit, the concurrent streams and the request
/// timeout of `[limits]`. Public so that the benchmark's limit service
/// (`bench/src/limit.rs`) runs over exactly these settings instead of a copy of them.
pub fn transport(limits: &crate::config::LimitsSection) -> tonic::transport::Server {
    tonic::transport::Server::builder()
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .concurrency_limit_per_connection(limits.per_connection_in_flight.max(1))
        .max_concurrent_streams(Some(limits.max_concurrent_streams.max(1)))
        .timeout(Duration::from_secs(limits.request_timeout_secs.max(1)))
}

/// Serves `app` until `stop` (the node's) or a store failure; `term` is the trigger the
/// app's streams listen to (`app.shutdown`), fired when the term ends either way.
pub(super) async fn run(
    app: Arc<App>,
    term: Arc<Trigger>,
    node: &Node,
    mut stop: Shutdown,
) -> Result<TermEnd, ServeError> {
    let term_stop = term.subscribe();
    {
        let term = term.clone();
        let mut term_ended = term_stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.recv() => term.fire(),
                _ = term_ended.recv() => {}
            }
        });
    }
    let (reporter, health_service) = health(tonic_health::ServingStatus::Serving).await;
    tokio::spawn(watch_store(
        app.store.health(),
        reporter,
        term.clone(),
        term_stop.clone(),
    ));
    // Catch up on deadlines that passed while no node was active before serving anyone,
    // so the first ListBreaches already shows them.
    let sweeper = app.sweeper();
    match sweeper.sweep_now().await {
        Ok(o) if o.breaches > 0 => tracing::warn!(
            breaches = o.breaches,
            "recorded breaches that fell due while no node was serving"
        ),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "start-up sweep failed"),
    }
    tokio::spawn(sweeper.run(term_stop.clone()));
    tokio::spawn(crate::retention::run_schedule(
        app.store.clone(),
        app.clock.clone(),
        app.config.retention.clone(),
        term_stop.clone(),
    ));
    let every = match app.config.audit.checkpoint_minutes {
        0 => Duration::MAX,
        m => Duration::from_secs(m.saturating_mul(60)),
    };
    let checkpoints = tokio::spawn(crate::receipt::checkpoint::run(
        app.store.clone(),
        app.receipts.signer(),
        every,
        term_stop.clone(),
    ));
    // Every rule's breach counter exists from the start, at zero, so that the first breach
    // of a rule shows as an increase (the LacznikBreachesRecorded alert).
    for rule in app.deadlines.rules().iter() {
        metrics::counter!("lacznik_breaches_total", "rule" => rule.id.clone()).increment(0);
    }
    node.gauges.send_replace(Some(crate::monitoring::Gauges {
        store: app.store.clone(),
        directory: app.directory.clone(),
        deadlines: app.deadlines.clone(),
        clock: app.clock.clone(),
        recipients: app.recipients.clone(),
    }));
    // The web console serves this term's application from now on.
    node.console.send_replace(Some(app.clone()));
    #[cfg(unix)]
    tokio::spawn(crate::control::serve(
        app.store.clone(),
        app.config.data_dir.clone(),
        term_stop.clone(),
    ));

    let (reflection_v1, reflection_v1alpha) = reflection()?;
    let max = app.config.max_message_bytes;
    let admin = pb::admin_service_server::AdminServiceServer::new(AdminApi::new(app.clone()))
        .max_decoding_message_size(max);
    let assistance = pb::assistance_service_server::AssistanceServiceServer::new(
        AssistanceApi::new(app.clone()),
    )
    .max_decoding_message_size(max);
    let blue_card =
        pb::blue_card_service_server::BlueCardServiceServer::new(BlueCardApi::new(app.clone()))
            .max_decoding_message_size(max);
    let breach = pb::breach_service_server::BreachServiceServer::new(BreachApi::new(app.clone()))
        .max_decoding_message_size(max);
    let receipts = pb::receipt_service_server::ReceiptServiceServer::new(
        crate::api::receipt::ReceiptApi::new(app.clone()),
    )
    .max_decoding_message_size(max);

    tracing::info!(addr = %node.local_text(), data_dir = %app.config.data_dir.display(), engine = %app.config.store.engine, rules_profile = %app.deadlines.rules().profile(), receipts_alg = app.receipts.signer().alg(), "serving (mutual TLS only)");
    if let Some(caveat) = app.deadlines.rules().profile().caveat() {
        tracing::warn!(rules_profile = %app.deadlines.rules().profile(), "{caveat}");
    }
    let mut server_stop = term_stop.clone();
    let limits = &app.config.limits;
    let serving = transport(limits)
        .layer(CallLayer::new(CallState {
            directory: app.directory.clone(),
            limiter: OrgLimiter::new(limits.per_org_in_flight),
            store: app.store.clone(),
            clock: app.clock.clone(),
        }))
        .layer(tower::util::MapResponseLayer::new(
            crate::api::status::rewrite_oversize::<tonic::body::Body>,
        ))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(admin)
        .add_service(assistance)
        .add_service(blue_card)
        .add_service(breach)
        .add_service(receipts)
        .serve_with_incoming_shutdown(node.incoming(), async move {
            server_stop.recv().await;
        });
    // Graceful shutdown waits for in-flight calls and streams, but not forever: a client
    // that never reads its stream must not block a restart.
    let grace = Duration::from_secs(limits.shutdown_grace_secs);
    let mut grace_stop = term_stop.clone();
    tokio::select! {
        r = serving => r.map_err(|e| ServeError::Transport(e.to_string()))?,
        _ = async {
            grace_stop.recv().await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!(grace_secs = grace.as_secs(), "shutdown grace period over; closing the remaining connections"),
    }
    term.fire();
    node.gauges.send_replace(None);
    node.console.send_replace(None);
    // The last checkpoint, of everything this term wrote, before the store closes.
    let _ = tokio::time::timeout(Duration::from_secs(5), checkpoints).await;
    tracing::info!("in-flight calls finished; flushing the store");
    if let Err(e) = app.store.close().await {
        tracing::error!(error = %e, "final flush failed");
    }
    Ok(match app.store.health().failure() {
        Some(failure) => TermEnd::StoreFailed(failure),
        None => TermEnd::Stopped,
    })
}
