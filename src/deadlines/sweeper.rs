//! The sweeper: a background task that records breaches for clocks whose deadline has
//! passed. It wakes every 250 ms (and on every move of a simulated clock), first checks
//! with one index read whether anything is due, and only then asks the writer to sweep, so
//! an idle server costs one small range read per tick and a breach is recorded well within
//! a second of its deadline. On start its first tick records, with their real deadlines,
//! the breaches that fell due while the server was down.

use std::sync::Arc;
use std::time::Duration;

use super::engine::{Deadlines, SweepOutcome};
use crate::clock::Clock;
use crate::shutdown::Shutdown;
use crate::store::{Store, StoreError};

/// Index entries handled per writer command, so a large catch-up does not hold the writer
/// for long.
const BATCH: usize = 512;

/// What the sweeper uses, and nothing more.
#[derive(Clone)]
pub struct Sweeper {
    /// Where the clocks and the due-time index are.
    pub store: Store,
    /// The time deadlines are judged at.
    pub clock: Arc<dyn Clock>,
    /// The engine that records the breaches.
    pub deadlines: Arc<Deadlines>,
}

impl Sweeper {
    /// Sweeps until nothing is due at the clock's current instant.
    pub async fn sweep_now(&self) -> Result<SweepOutcome, StoreError> {
        let mut total = SweepOutcome::default();
        loop {
            if !Deadlines::anything_due(&self.store, self.clock.now())? {
                return Ok(total);
            }
            let deadlines = self.deadlines.clone();
            let clock = self.clock.clone();
            let outcome = self
                .store
                .execute(move |txn| deadlines.sweep(txn, clock.now(), BATCH))
                .await?;
            total.scanned += outcome.scanned;
            total.breaches += outcome.breaches;
            if outcome.scanned < BATCH {
                return Ok(total);
            }
        }
    }

    /// Runs until shutdown.
    pub async fn run(self, mut stop: Shutdown) {
        let mut moves = self.clock.simulated().map(|c| c.subscribe());
        loop {
            tracing::debug!(now = %self.clock.now(), "sweep tick");
            match self.sweep_now().await {
                Ok(o) if o.breaches > 0 => {
                    tracing::info!(breaches = o.breaches, scanned = o.scanned, "sweep")
                }
                Ok(o) => tracing::debug!(?o, "sweep outcome"),
                Err(e) => tracing::error!(error = %e, "sweep failed; retrying"),
            }
            tokio::select! {
                _ = stop.recv() => return,
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = async {
                    match moves.as_mut() {
                        Some(rx) => { let _ = rx.changed().await; }
                        None => std::future::pending::<()>().await,
                    }
                } => {}
            }
        }
    }
}
