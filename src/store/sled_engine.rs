//! The sled 0.34 engine. sled is the user's choice but is no longer actively maintained and
//! has open corruption reports, which is why it lives behind [`Engine`] and why the crash test
//! runs against it in CI.
//!
//! Everything is kept in sled's default tree with one-byte key prefixes (see
//! [`super::keys`]), so a command's batch is a single `apply_batch`: atomic without
//! multi-tree transactions.

use std::path::Path;

use super::StoreError;
use super::engine::{Engine, Entry, Op, WriteBatch};

/// A sled database opened on a data directory.
pub struct SledEngine {
    db: sled::Db,
}

fn engine_err(e: sled::Error) -> StoreError {
    StoreError::from_engine(&e)
}

impl SledEngine {
    /// Opens (or creates) the database in `dir` with a page cache of `cache_bytes`.
    /// sled's own background flush stays on as a second line of defence; lacznik flushes
    /// explicitly before acknowledging anything.
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<Self, StoreError> {
        Self::open_waiting(dir, cache_bytes, std::time::Duration::from_secs(5))
    }

    /// Like [`SledEngine::open`], waiting at most `wait` for another handle's lock.
    pub fn open_waiting(
        dir: &Path,
        cache_bytes: u64,
        wait: std::time::Duration,
    ) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Engine(format!("cannot create {}: {e}", dir.display())))?;
        let config = sled::Config::new()
            .path(dir.join("sled"))
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::HighThroughput);
        // sled releases its file lock only when its background flusher has noticed the
        // previous handle's drop (up to its flush interval later); a restart in the same
        // process (tests, `restore`) may arrive before that, so wait a little for the lock.
        let started = std::time::Instant::now();
        loop {
            match config.open() {
                Ok(db) => return Ok(SledEngine { db }),
                // sled reports a held lock only in its message.
                Err(e) if e.to_string().contains("could not acquire lock") => {
                    if started.elapsed() >= wait {
                        return Err(StoreError::Locked(dir.display().to_string()));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => return Err(engine_err(e)),
            }
        }
    }
}

impl Engine for SledEngine {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get(key).map_err(engine_err)?.map(|v| v.to_vec()))
    }

    fn scan(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut out = Vec::new();
        if start >= end {
            return Ok(out);
        }
        for item in self.db.range(start..end).take(limit) {
            let (k, v) = item.map_err(engine_err)?;
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }

    fn last(&self, start: &[u8], end: &[u8]) -> Result<Option<Entry>, StoreError> {
        if start >= end {
            return Ok(None);
        }
        match self.db.range(start..end).next_back() {
            None => Ok(None),
            Some(item) => {
                let (k, v) = item.map_err(engine_err)?;
                Ok(Some((k.to_vec(), v.to_vec())))
            }
        }
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let mut b = sled::Batch::default();
        for op in batch.into_ops() {
            match op {
                Op::Put(k, v) | Op::Insert(k, v) => b.insert(k, v),
                Op::Delete(k) => b.remove(k),
            }
        }
        self.db.apply_batch(b).map_err(engine_err)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(engine_err)
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(engine_err)
    }

    // `compact`: sled 0.34 has no way to ask for it; deleted values stay in old segments
    // until sled reuses them (README, "Retention").
}
