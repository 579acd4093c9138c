//! The fjall engine (an LSM tree with a write-ahead journal). Chosen as sled's alternative
//! because its write path is an append to the journal plus a memtable insert: a command's
//! batch costs about what its bytes cost, where sled rewrites whole pages (the benchmark's
//! evidence is in the README, "Storage engine").
//!
//! Like the sled engine, everything lives in one keyspace with one-byte key prefixes (see
//! [`super::keys`]), so a command's batch is one journal record: atomic after a crash.
//! fjall's journal is persisted only when lacznik flushes (`manual_journal_persist`), which
//! is what makes one `fdatasync` serve a whole group of commands.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode};

use super::StoreError;
use super::engine::{Engine, Entry, Op, WriteBatch};

/// Folder of the fjall database inside the data directory.
pub const SUBDIR: &str = "fjall";

/// Largest memtable before fjall writes it out as a table (fjall's default). Measured on
/// the benchmark (2026-11-23): 16 or 32 MiB saved 40-70 MiB of memory under load but cost
/// about a quarter of the submit throughput in extra compaction; the smaller block cache
/// (`store.cache_mib = 32`) kept memory under the target instead.
const MEMTABLE_BYTES: u64 = 64 << 20;

/// A fjall database opened on a data directory.
pub struct FjallEngine {
    db: Database,
    data: Keyspace,
    /// The journal file [`Engine::flush`] syncs, outside fjall's journal lock.
    journal: Mutex<Option<ActiveJournal>>,
    /// Where fjall keeps its journals (`<id>.jnl`, the highest id being the active one).
    journal_dir: PathBuf,
}

/// Our own handle on fjall's active journal file. `fdatasync` on it makes durable what
/// fjall wrote through its handle (the kernel syncs the file, not the descriptor).
struct ActiveJournal {
    id: u64,
    file: File,
}

fn engine_err(e: fjall::Error) -> StoreError {
    StoreError::from_engine(&e)
}

impl FjallEngine {
    /// Opens (or creates) the database in `dir` with a block cache of `cache_bytes`,
    /// waiting at most `wait` for another handle's lock (a server that just stopped).
    pub fn open(
        dir: &Path,
        cache_bytes: u64,
        wait: std::time::Duration,
    ) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Engine(format!("cannot create {}: {e}", dir.display())))?;
        let started = std::time::Instant::now();
        let db = loop {
            match Database::builder(dir.join(SUBDIR))
                .cache_size(cache_bytes)
                .manual_journal_persist(true)
                .open()
            {
                Ok(db) => break db,
                Err(fjall::Error::Locked) if started.elapsed() < wait => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(fjall::Error::Locked) => {
                    return Err(StoreError::Locked(dir.display().to_string()));
                }
                Err(e) => return Err(engine_err(e)),
            }
        };
        let data = db
            // Values of 1 KiB and more (the sealed records) go to blob files, so that
            // compactions move keys and pointers instead of rewriting every record: in the
            // benchmark this cut the bytes written per submission by about a third.
            .keyspace("data", || {
                KeyspaceCreateOptions::default()
                    .max_memtable_size(MEMTABLE_BYTES)
                    .with_kv_separation(Some(fjall::KvSeparationOptions::default()))
            })
            .map_err(engine_err)?;
        Ok(FjallEngine {
            db,
            data,
            journal: Mutex::new(None),
            journal_dir: dir.join(SUBDIR),
        })
    }
}

/// Opens the highest-numbered journal in `dir` (fjall's active one).
fn newest_journal(dir: &Path) -> Result<ActiveJournal, StoreError> {
    let read = |e: std::io::Error| StoreError::Engine(format!("{}: {e}", dir.display()));
    let mut newest = None;
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let name = entry.map_err(read)?.file_name();
        let id = name
            .to_str()
            .and_then(|n| n.strip_suffix(".jnl"))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(id) = id {
            newest = newest.max(Some(id));
        }
    }
    let id = newest
        .ok_or_else(|| StoreError::Engine(format!("no fjall journal in {}", dir.display())))?;
    let file = File::open(dir.join(format!("{id}.jnl"))).map_err(read)?;
    Ok(ActiveJournal { id, file })
}

impl Engine for FjallEngine {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.data.get(key).map_err(engine_err)?.map(|v| v.to_vec()))
    }

    fn scan(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut out = Vec::new();
        if start >= end {
            return Ok(out);
        }
        for guard in self.data.range(start..end).take(limit) {
            let (k, v) = guard.into_inner().map_err(engine_err)?;
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }

    fn last(&self, start: &[u8], end: &[u8]) -> Result<Option<Entry>, StoreError> {
        if start >= end {
            return Ok(None);
        }
        match self.data.range(start..end).next_back() {
            None => Ok(None),
            Some(guard) => {
                let (k, v) = guard.into_inner().map_err(engine_err)?;
                Ok(Some((k.to_vec(), v.to_vec())))
            }
        }
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let ops = batch.into_ops();
        let mut b = self.db.batch();
        for op in ops {
            match op {
                Op::Put(k, v) | Op::Insert(k, v) => b.insert(&self.data, k, v),
                Op::Delete(k) => b.remove(&self.data, k),
            }
        }
        b.commit().map_err(engine_err)
    }

    /// Hands the journal's buffered bytes to the kernel under fjall's journal lock (a
    /// `write`, no disk wait), then `fdatasync`s the journal file through our own handle
    /// with no lock held. `Database::persist(SyncAll)` holds the lock for the whole sync,
    /// so the writer's next batches waited for the disk and group commit lost its overlap:
    /// the benchmark saw `apply` blocked 5-190 ms behind slow syncs (issue 14). A journal
    /// rotated after the bytes were written was synced by fjall at rotation, so syncing the
    /// newest journal is enough.
    fn flush(&self) -> Result<(), StoreError> {
        self.db.persist(PersistMode::Buffer).map_err(engine_err)?;
        let mut active = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        let stale = match active.as_ref() {
            None => true,
            Some(j) => self.journal_dir.join(format!("{}.jnl", j.id + 1)).exists(),
        };
        if stale {
            *active = Some(newest_journal(&self.journal_dir)?);
        }
        let Some(journal) = active.as_ref() else {
            return Err(StoreError::Engine("no fjall journal to sync".into()));
        };
        journal.file.sync_data().map_err(|e| {
            *active = None;
            StoreError::Engine(format!("syncing the journal: {e}"))
        })
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.disk_space().map_err(engine_err)
    }

    /// Asks fjall to write the memtable out as a table now, so that the journals holding
    /// deleted values can be dropped sooner, and returns at once; compactions then drop the
    /// values from the tables in their own time. It deliberately does not wait:
    /// `rotate_memtable_and_wait` + `major_compact` hung a test under CI load (a sealed
    /// memtable that no worker flushed), and a purge must never hang the server. Removal
    /// by a date is the offline `lacznik purge`, which rewrites the store.
    fn compact(&self) -> Result<(), StoreError> {
        self.data.rotate_memtable().map(|_| ()).map_err(engine_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_active_journal_is_the_highest_numbered_one() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["3.jnl", "12.jnl", "9.jnl", "lock", "x.jnl", "12.jnl.tmp"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        assert_eq!(newest_journal(dir.path()).unwrap().id, 12);
        let empty = tempfile::tempdir().unwrap();
        let err = newest_journal(empty.path()).err().expect("no journal");
        assert!(err.to_string().contains("no fjall journal"), "{err}");
    }

    #[test]
    fn what_was_flushed_is_there_after_a_reopen_and_the_synced_journal_is_fjalls_active_one() {
        let dir = tempfile::tempdir().unwrap();
        let wait = std::time::Duration::from_secs(5);
        {
            let e = FjallEngine::open(dir.path(), 8 << 20, wait).unwrap();
            let mut b = WriteBatch::default();
            b.put(b"k".to_vec(), b"v".to_vec());
            e.apply(b).unwrap();
            e.flush().unwrap();
            let synced = e.journal.lock().unwrap().as_ref().map(|j| j.id);
            assert_eq!(synced, Some(newest_journal(&e.journal_dir).unwrap().id));
        }
        let e = FjallEngine::open(dir.path(), 8 << 20, wait).unwrap();
        assert_eq!(e.get(b"k").unwrap().as_deref(), Some(&b"v"[..]));
    }
}
