//! `lacznik backup` and `lacznik restore`: a consistent snapshot of a data directory and
//! the rebuilding of one from it. The work is in [`crate::backup`]; this picks the
//! directory and engine from the configuration and prints what was done.

use std::path::PathBuf;

use super::block_on;
use crate::config::Config;

/// Writes the backup of `data` (default: the configured data directory) to `out`.
pub(super) fn backup(config: Config, data: Option<PathBuf>, out: PathBuf) -> anyhow::Result<()> {
    let dir = data.unwrap_or(config.data_dir);
    let s = block_on(crate::backup::backup(&dir, &out))??;
    println!(
        "backup written to {}: {} entries, {} bytes",
        out.display(),
        s.entries,
        s.bytes
    );
    Ok(())
}

/// Rebuilds the data directory `data` from the backup `from`, in the configured engine.
pub(super) fn restore(config: Config, from: PathBuf, data: PathBuf) -> anyhow::Result<()> {
    let engine = config.store.engine;
    let n = block_on(crate::backup::restore(&from, &data, engine))??;
    println!(
        "restored {n} entries into {} ({engine} engine)",
        data.display()
    );
    Ok(())
}
