//! Rewriting a stopped store into fresh files, so that deleted values (a retention purge)
//! leave the data directory for certain: engines keep old bytes in journals or segments
//! until they recycle them (fjall: a journal is dropped only after 64 MiB of later writes;
//! sled: when a segment is reused), and neither can be told to do it now.
//!
//! The copy is built beside the live store in `<data>/.rewrite/`, made durable, marked
//! complete, and then swapped in with two renames. A crash at any point leaves either the
//! old store in place (no marker: the partial copy is discarded at the next open) or a
//! complete copy that [`recover`] moves into place at the next open; never an empty or
//! half-copied store.

use std::path::{Path, PathBuf};

use super::{EngineKind, StoreError, WriteBatch, open_engine};

const WORK: &str = ".rewrite";
const COMPLETE: &str = "COMPLETE";

fn io(what: &str, path: &Path) -> impl Fn(std::io::Error) -> StoreError {
    let msg = format!("{what} {}", path.display());
    move |e| StoreError::Engine(format!("{msg}: {e}"))
}

fn sync_dir(path: &Path) -> Result<(), StoreError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io("sync", path))
}

/// Finishes or discards an interrupted rewrite of `dir`; a no-op when there is none.
/// Called before any engine opens a data directory.
pub fn recover(dir: &Path) -> Result<(), StoreError> {
    let work = dir.join(WORK);
    if !work.exists() {
        return Ok(());
    }
    if work.join(COMPLETE).exists() {
        for kind in [EngineKind::Sled, EngineKind::Fjall] {
            let fresh = work.join(kind.subdir());
            if fresh.exists() {
                let live = dir.join(kind.subdir());
                if live.exists() {
                    std::fs::rename(&live, work.join(format!("old-{}", kind.subdir())))
                        .map_err(io("move aside", &live))?;
                }
                std::fs::rename(&fresh, &live).map_err(io("move into place", &fresh))?;
                sync_dir(dir)?;
                tracing::warn!(dir = %dir.display(), "finished an interrupted store rewrite");
            }
        }
    }
    std::fs::remove_dir_all(&work).map_err(io("remove", &work))?;
    sync_dir(dir)
}

/// Copies every live key of the stopped store in `dir` into fresh files and swaps them in;
/// returns the number of keys copied.
pub fn rewrite(dir: &Path, kind: EngineKind, cache_bytes: u64) -> Result<u64, StoreError> {
    recover(dir)?;
    let wait = std::time::Duration::from_secs(5);
    let work: PathBuf = dir.join(WORK);
    std::fs::create_dir_all(&work).map_err(io("create", &work))?;
    let mut copied = 0u64;
    {
        let old = open_engine(dir, kind, cache_bytes, wait)?;
        let new = open_engine(&work, kind, cache_bytes, wait)?;
        let mut start: Vec<u8> = Vec::new();
        // Every key starts with a keyspace byte below 0xFF (see `keys`).
        let end = vec![0xFF];
        loop {
            let page = old.scan(&start, &end, 4096)?;
            let Some((last, _)) = page.last() else {
                break;
            };
            start = last.clone();
            start.push(0);
            let mut batch = WriteBatch::default();
            for (k, v) in page {
                batch.put(k, v);
                copied += 1;
            }
            new.apply(batch)?;
        }
        new.flush()?;
    }
    let marker = work.join(COMPLETE);
    std::fs::write(&marker, b"").map_err(io("write", &marker))?;
    std::fs::File::open(&marker)
        .and_then(|f| f.sync_all())
        .map_err(io("sync", &marker))?;
    sync_dir(&work)?;
    // sled frees its lock a moment after the handle is dropped; `recover` renames only.
    recover(dir)?;
    Ok(copied)
}

#[cfg(test)]
#[path = "rewrite_tests.rs"]
mod tests;
