//! What receipts cost: submissions at 64 clients on servers that differ only in whether
//! they make receipts, each on a fresh store of the run's engine, in the order on, off,
//! off, on. Fresh, because the main server's store has grown through the earlier phases
//! and a larger store is slower on its own; twice each (or `--receipts-rounds` pairs),
//! because on two shared cores one pair of windows differs by more than receipts cost;
//! in that order (ABBA), so that what
//! the position costs (the phase before's files still being written back) falls on both
//! sides alike, and after a `sync` each, for the same reason (README, "Receipts and
//! evidence").

use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use super::env::{self, Endpoint, Server};
use super::load::{self, Measured, Rpc};
use super::pg;

/// Submit at 64 clients with receipts, without, without, with, ... for `pairs` pairs (at
/// least one): the last pair's measurements and each pair's `(with, without)` throughput.
#[allow(clippy::type_complexity)]
pub fn measure(
    client: &tokio::runtime::Runtime,
    root: &Path,
    pg: Option<&pg::Postgres>,
    (warmup, window): (Duration, Duration),
    pairs: usize,
) -> Result<(Measured, Measured, Vec<(f64, f64)>)> {
    let run = |receipts: bool, round: usize| -> Result<Measured> {
        let name = format!("receipts_{}_{round}", if receipts { "on" } else { "off" });
        let name = name.as_str();
        let mut config = env::config(root, root.join(name).join("data"));
        if let Some(pg) = pg {
            config.store.postgres.url = Some(pg.database(name)?);
        }
        config.receipts_off_for_measurement = !receipts;
        // The earlier servers' files leave the page cache before this one starts, so one
        // window does not pay for another's writeback.
        let _ = std::process::Command::new("sync").status();
        let server = Server::start(config)?;
        let ep = Endpoint::new(root, server.addr)?;
        client.block_on(env::first_health_ok(&ep, server.started))?;
        client.block_on(load::check_once(&ep, Rpc::Submit))?;
        let m = client.block_on(load::closed_loop(
            &ep,
            Rpc::Submit,
            64,
            warmup,
            window,
            || {},
        ))?;
        eprintln!(
            "Submit   c=64  {:>8.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}  (fresh store, receipts {})",
            m.throughput(),
            m.ms(0.5),
            m.ms(0.99),
            m.errors,
            if receipts { "on" } else { "off" }
        );
        server.stop(client)?;
        Ok(m)
    };
    let mut rounds = Vec::new();
    let mut last = None;
    for round in 0..pairs.max(1) {
        let (on, off) = if round % 2 == 0 {
            let on = run(true, round)?;
            (on, run(false, round)?)
        } else {
            let off = run(false, round)?;
            (run(true, round)?, off)
        };
        rounds.push((on.throughput(), off.throughput()));
        last = Some((on, off));
    }
    let (on, off) = last.expect("at least one round ran");
    Ok((on, off, rounds))
}
