//! `lacznik backup` and `lacznik restore`: a consistent snapshot of a data directory and
//! the rebuilding of one from it. The work is in [`crate::backup`]; this picks the
//! directory and engine from the configuration and prints what was done.

use std::path::PathBuf;

use super::block_on;
use crate::config::Config;

/// Writes the backup of `data` (default: the configured data directory) to `out`.
pub(super) fn backup(config: Config, data: Option<PathBuf>, out: PathBuf) -> anyhow::Result<()> {
    let dir = data.unwrap_or(config.data_dir);
    let s = block_on(crate::control::backup(&dir, &out))??;
    println!(
        "backup written to {}: {} entries, {} bytes",
        out.display(),
        s.entries,
        s.bytes
    );
    Ok(())
}

/// Rebuilds the data directory `data` from the backup `from`, in the configured engine, or
/// fills the configured PostgreSQL database (`--into-postgres`): the migration path
/// between engines.
pub(super) fn restore(
    config: Config,
    from: PathBuf,
    data: Option<PathBuf>,
    into_postgres: bool,
) -> anyhow::Result<()> {
    let engine = config.store.engine;
    if into_postgres || engine == crate::store::EngineKind::Postgres {
        if engine != crate::store::EngineKind::Postgres {
            anyhow::bail!("--into-postgres needs store.engine = \"postgres\" and [store.postgres]");
        }
        let settings = config.postgres()?;
        let n = block_on(async move {
            tokio::task::spawn_blocking(move || {
                crate::backup::restore_into_postgres(&from, &settings)
            })
            .await
        })???;
        println!("restored {n} entries into the PostgreSQL database (postgres engine)");
        return Ok(());
    }
    let Some(data) = data else {
        anyhow::bail!("name the data directory to create: --data DIR");
    };
    let n = block_on(crate::backup::restore(&from, &data, engine))??;
    println!(
        "restored {n} entries into {} ({engine} engine)",
        data.display()
    );
    Ok(())
}
