//! `lacznik serve`: the one command that runs the server. It applies the command-line
//! overrides to the configuration, builds the multi-threaded runtime, picks the real or a
//! simulated clock, and stops on SIGINT/SIGTERM; everything else is in [`crate::server`].

use std::path::PathBuf;

use clap::Args;

use crate::config::Config;
use crate::{server, telemetry};

#[derive(Debug, Args)]
pub(super) struct ServeArgs {
    /// Listen address (overrides `listen`).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Data directory (overrides `data_dir`).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Run on a simulated clock starting at this instant (RFC 3339, e.g.
    /// 2026-12-21T08:00:00+01:00); it moves only through AdminService.AdvanceClock/SetClock.
    #[arg(long, value_name = "RFC3339")]
    simulated_clock: Option<jiff::Timestamp>,
}

/// Runs the server until a shutdown signal, on the configuration with `args` applied.
pub(super) fn serve(mut config: Config, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if let Some(d) = args.data {
        config.data_dir = d;
    }
    telemetry::init(config.log.format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("lacznik")
        .build()?;
    runtime.block_on(async move {
        // A directory that cannot serve is reported before any port is taken.
        config.load_directory()?;
        let listeners = server::Listeners::bind(&config).await?;
        let clock: std::sync::Arc<dyn crate::clock::Clock> = match args.simulated_clock {
            Some(start) => {
                tracing::warn!(start = %start, "SIMULATED CLOCK: time moves only through AdminService.AdvanceClock/SetClock");
                std::sync::Arc::new(crate::clock::SimulatedClock::new(start))
            }
            None => std::sync::Arc::new(crate::clock::SystemClock),
        };
        server::serve_with_clock(config, listeners, clock, shutdown_signal()).await?;
        Ok(())
    })
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutdown requested; finishing in-flight calls");
}
