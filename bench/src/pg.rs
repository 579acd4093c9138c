//! `--engine postgres`: the run starts its own throwaway PostgreSQL cluster
//! (`lacznik-testkit`, `initdb` into the temp dir, on this machine, reached over TCP on
//! `127.0.0.1`) and keeps it for the whole run.
//!
//! The cluster is durable like a production one (`PgCluster::start_durable`: `fsync`,
//! `synchronous_commit` and `full_page_writes` on), because what the benchmark measures
//! is the cost of durable commits; the run reads those settings back from the server and
//! refuses to go on if they are not on. The postgres engine keeps a whole store in one
//! database, so every store the run needs (the load phases' server, each sweep store) gets
//! a fresh database of its own.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use lacznik::crypto::KeyRing;
use lacznik::store::Store;
use lacznik::store::postgres_engine::PgSettings;
use lacznik_testkit::PgCluster;
use serde_json::{Value, json};

/// Why the scale phase does not run on postgres, printed and written to the JSON.
pub const SCALE_SKIPPED: &str = "not run on postgres: the scale phase measures the data \
     directory's files and the resident memory of the process holding the store, and with \
     postgres both are in the database server (another process), so the figures would not \
     compare with fjall's and sled's; its --scale-dir reuse also needs a store that outlives \
     the run, and the run's cluster is thrown away";

/// The run's PostgreSQL cluster and what it is.
pub struct Postgres {
    cluster: PgCluster,
    info: Value,
    /// The WAL position after the warm-up, where the run's own WAL begins.
    wal_start: String,
}

impl Postgres {
    /// Starts the durable cluster, reads its version and durability settings, and checks
    /// that commits are fsynced (a benchmark of unsynced commits would flatter postgres).
    pub fn start(smoke: bool) -> Result<Postgres> {
        let t = Instant::now();
        let cluster = PgCluster::start_durable()
            .map_err(|e| anyhow!("start the benchmark's PostgreSQL cluster: {e}"))?;
        let startup_secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let warm_mib = if smoke { 64 } else { WARM_WAL_MIB };
        let lsn = warm_wal(&cluster.url(), warm_mib)?;
        let warm_secs = t.elapsed().as_secs_f64();
        let mut info = server_settings(&cluster.url())?;
        if let Some(m) = info.as_object_mut() {
            m.insert("cluster_startup_secs".into(), json!(startup_secs));
            m.insert("wal_warmup_secs".into(), json!(warm_secs));
            m.insert("wal_warmup_mib".into(), json!(warm_mib));
            m.insert("wal_lsn_after_warmup".into(), json!(&lsn));
            m.insert(
                "cluster".into(),
                json!(
                    "throwaway, started by the bench (lacznik-testkit PgCluster::start_durable: \
                     initdb into the temp dir), same machine, TCP 127.0.0.1, trust auth; one \
                     database per store"
                ),
            );
        }
        for setting in ["fsync", "synchronous_commit", "full_page_writes"] {
            let value = info[setting].as_str().unwrap_or("?");
            if value != "on" {
                bail!("the benchmark's PostgreSQL cluster runs with {setting} = {value}, not on");
            }
        }
        Ok(Postgres {
            cluster,
            info,
            wal_start: lsn,
        })
    }

    /// Version and settings of the server, for the report's machine section.
    pub fn info(&self) -> &Value {
        &self.info
    }

    /// The postmaster's process id, so that the CPU of the database's processes can be
    /// counted apart from the machine's other processes.
    pub fn pid(&self) -> Option<u32> {
        self.cluster.pid()
    }

    /// A fresh, empty database named `bench_<purpose>` (`purpose`: `a-z`, `0-9`, `_`),
    /// returning its URL: one per store, since a store is a whole database.
    pub fn database(&self, purpose: &str) -> Result<String> {
        let name = format!("bench_{purpose}");
        self.cluster
            .create_database(&name)
            .map_err(|e| anyhow!("create the database {name}: {e}"))
    }

    /// Opens a store (and its writer) on the fresh database `bench_<purpose>`, as the server
    /// does with `store.engine = "postgres"`: for phases that use the library directly.
    pub fn open_store(&self, purpose: &str, keys: Arc<KeyRing>) -> Result<Store> {
        let settings = PgSettings::new(self.database(purpose)?);
        lacznik::store::open_postgres(&settings, keys)
            .with_context(|| format!("open a postgres store on {}", settings.url))
    }

    /// WAL the database has written since the warm-up (every store's), in bytes: what the
    /// warm-up's segments must cover for the run to create none.
    pub fn wal_since_warmup(&self) -> Result<u64> {
        let mut c = postgres::Client::connect(&self.cluster.url(), postgres::NoTls)
            .context("connect to the benchmark's cluster")?;
        let n: f64 = c
            .query_one(
                "SELECT (pg_current_wal_lsn() - $1::text::pg_lsn)::float8",
                &[&self.wal_start],
            )
            .context("WAL written")?
            .get(0);
        Ok(n as u64)
    }

    /// Stops the server the clean way (its temp directory goes when this is dropped).
    pub fn stop(mut self) -> Result<()> {
        self.cluster
            .stop()
            .map_err(|e| anyhow!("stop the benchmark's PostgreSQL cluster: {e}"))
    }
}

/// WAL written (and recycled) before the run: more than PostgreSQL's default `max_wal_size`
/// (1 GB), the most a checkpoint keeps for reuse.
const WARM_WAL_MIB: u32 = 1200;

/// Brings the fresh cluster's WAL to the state of a cluster in service: its segment files
/// exist and are reused. A fresh cluster has none ahead, so every 16 MB of WAL the
/// committing backend stops to create and zero-fill a new file (and sync it): at the
/// benchmark's ~11 MB/s of WAL that was a stall of 30-75 ms every 1.5 s, inside a flush,
/// which a cluster that has run for a while does not have (its checkpoints recycle old
/// segments into future ones, up to `max_wal_size` ahead). So the run writes `mib` MiB of
/// WAL (logical messages, nothing stored), then checkpoints, which renames the used
/// segments into the next ones; `min_wal_size = 1GB` (docs/OPERATIONS.md recommends it
/// for a busy node) keeps them from being removed as idle. `max_wal_size` and the
/// checkpoints stay PostgreSQL's defaults, so a run that writes over 1 GB of WAL sees one
/// as a production cluster would.
fn warm_wal(url: &str, mib: u32) -> Result<String> {
    let mut c = postgres::Client::connect(url, postgres::NoTls)
        .with_context(|| format!("connect to {url}"))?;
    let emit = format!(
        "SELECT pg_logical_emit_message(false, 'lacznik-bench', repeat('w', 1048576)) \
         FROM generate_series(1, {mib})"
    );
    // One statement each: ALTER SYSTEM refuses to run inside a transaction block.
    for sql in [
        "ALTER SYSTEM SET min_wal_size = '1GB'",
        "SELECT pg_reload_conf()",
        emit.as_str(),
        "CHECKPOINT",
    ] {
        c.batch_execute(sql)
            .with_context(|| format!("warm the WAL: {sql}"))?;
    }
    let lsn: String = c
        .query_one("SELECT pg_current_wal_lsn()::text", &[])
        .context("pg_current_wal_lsn()")?
        .get(0);
    Ok(lsn)
}

/// `version()` and the settings that decide what a commit costs, read from the server
/// itself (not assumed from how it was started).
fn server_settings(url: &str) -> Result<Value> {
    let mut c = postgres::Client::connect(url, postgres::NoTls)
        .with_context(|| format!("connect to {url}"))?;
    let version: String = c
        .query_one("select version()", &[])
        .context("select version()")?
        .get(0);
    let mut info = serde_json::Map::new();
    info.insert("version".into(), json!(version));
    for setting in [
        "server_version",
        "fsync",
        "synchronous_commit",
        "full_page_writes",
        "wal_sync_method",
        "shared_buffers",
        "wal_buffers",
        "min_wal_size",
        "max_wal_size",
        "max_connections",
    ] {
        let value: String = c
            .query_one("select current_setting($1)", &[&setting])
            .with_context(|| format!("current_setting('{setting}')"))?
            .get(0);
        info.insert(setting.into(), json!(value));
    }
    Ok(Value::Object(info))
}
