//! The single writer and the group commit.
//!
//! Every command runs on one writer thread, so reads-then-writes inside a command (the
//! idempotency check of a submit, a state transition) need no locks and sequence numbers
//! are allocated without races. The writer applies each command's batch at once and hands
//! the command's completion to a flusher thread; the flusher drains everything waiting,
//! calls one `flush` for all of it, and only then answers the clients. While the flusher
//! waits for the disk the writer keeps applying the next commands, so throughput grows with
//! concurrency while latency stays near one flush.
//!
//! Streams never read past what has been flushed: `on_durable` callbacks run after the
//! flush, and feeds publish their durable watermark from there.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use super::StoreError;
use super::codec::{self, Versioned};
use super::engine::{Engine, Entry, WriteBatch};
use super::keys;
use crate::crypto::KeyRing;

/// On-disk format this build writes; refuse to open anything newer.
pub const FORMAT_VERSION: u32 = 1;

/// How many queued commands the writer takes into one group at most.
const MAX_GROUP: usize = 1024;
/// Commands waiting for the writer before submitters are made to wait (back-pressure).
const QUEUE_DEPTH: usize = 8192;

type Completion = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
type Job = Box<dyn FnOnce(&mut Txn<'_>) -> Completion + Send>;

/// What the writer receives: a command, or the order to stop after what came before.
enum Msg {
    Run(Job),
    Stop,
}

/// The store handle shared by the whole server: reads go straight to the engine, writes go
/// through [`Store::execute`].
#[derive(Clone)]
pub struct Store {
    engine: Arc<dyn Engine>,
    jobs: mpsc::Sender<Msg>,
    keys: Arc<KeyRing>,
    poisoned: Arc<AtomicBool>,
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

/// The view a command gets: reads see the engine plus this command's own writes; writes
/// are collected into one batch that is applied only if the command succeeds.
pub struct Txn<'a> {
    engine: &'a dyn Engine,
    keys: &'a KeyRing,
    batch: WriteBatch,
    overlay: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    counters: &'a mut HashMap<Vec<u8>, u64>,
    new_counters: HashMap<Vec<u8>, u64>,
    durable: Vec<Box<dyn FnOnce() + Send>>,
}

impl Txn<'_> {
    /// Reads a key as this command sees it.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.overlay.get(key) {
            Some(v) => Ok(v.clone()),
            None => self.engine.get(key),
        }
    }

    /// Reads and decodes a record.
    pub fn get_record<T: Versioned>(&self, key: &[u8]) -> Result<Option<T>, StoreError> {
        self.get(key)?
            .map(|bytes| codec::decode(key, &bytes))
            .transpose()
    }

    /// Reads and opens a sealed record (one holding personal data).
    pub fn get_sealed<T: Versioned>(&self, key: &[u8]) -> Result<Option<T>, StoreError> {
        self.get(key)?
            .map(|sealed| open_sealed(self.keys, key, &sealed))
            .transpose()
    }

    /// Seals and writes a record holding personal data.
    pub fn put_sealed<T: Versioned>(&mut self, key: Vec<u8>, value: &T) {
        let sealed = self.keys.seal(&key, &codec::encode(value));
        self.put(key, sealed);
    }

    /// Re-seals a sealed value under the active key (key rotation); returns whether the
    /// value needed it.
    pub fn reseal(&mut self, key: &[u8], sealed: &[u8]) -> Result<bool, StoreError> {
        if KeyRing::key_of(sealed) == Some(self.keys.active_id()) {
            return Ok(false);
        }
        let plain = self.keys.open(key, sealed).map_err(|e| StoreError::Codec {
            key: hex::encode(key),
            reason: e.to_string(),
        })?;
        let resealed = self.keys.seal(key, &plain);
        self.put(key.to_vec(), resealed);
        Ok(true)
    }

    /// Writes raw bytes.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.overlay.insert(key.clone(), Some(value.clone()));
        self.batch.put(key, value);
    }

    /// Encodes and writes a record.
    pub fn put_record<T: Versioned>(&mut self, key: Vec<u8>, value: &T) {
        self.put(key, codec::encode(value));
    }

    /// Removes a key.
    pub fn delete(&mut self, key: Vec<u8>) {
        self.overlay.insert(key.clone(), None);
        self.batch.delete(key);
    }

    /// Scans the engine (not this command's own uncommitted writes); for reads that look at
    /// earlier commands only.
    pub fn scan_committed(
        &self,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        self.engine.scan(start, end, limit)
    }

    /// The last committed entry in `[start, end)` (applied by earlier commands).
    pub fn scan_last(&self, start: &[u8], end: &[u8]) -> Result<Option<Entry>, StoreError> {
        self.engine.last(start, end)
    }

    /// Allocates the next number of the sequence whose keys live under `prefix` (keys are
    /// `prefix ++ u64 BE`). Numbers start at 1 and have no gaps: a failed command gives its
    /// numbers back.
    pub fn next_seq(&mut self, prefix: &[u8]) -> Result<u64, StoreError> {
        let current = match self.new_counters.get(prefix) {
            Some(n) => *n,
            None => match self.counters.get(prefix) {
                Some(n) => *n,
                None => {
                    let end = keys::prefix_end(prefix);
                    self.engine
                        .last(prefix, &end)?
                        .and_then(|(k, _)| keys::trailing_u64(&k))
                        .unwrap_or(0)
                }
            },
        };
        let next = current + 1;
        self.new_counters.insert(prefix.to_vec(), next);
        Ok(next)
    }

    /// Runs `f` once the command's batch is durable (never if the flush fails), e.g. to
    /// wake streams waiting for a feed.
    pub fn on_durable(&mut self, f: impl FnOnce() + Send + 'static) {
        self.durable.push(Box::new(f));
    }
}

fn open_sealed<T: Versioned>(keys: &KeyRing, key: &[u8], sealed: &[u8]) -> Result<T, StoreError> {
    let plain = keys.open(key, sealed).map_err(|e| StoreError::Codec {
        key: hex::encode(key),
        reason: e.to_string(),
    })?;
    codec::decode(key, &plain)
}

struct Flushing {
    completions: Vec<Completion>,
}

impl Store {
    /// Starts the writer and flusher threads on `engine`, after checking the format version.
    pub fn start(engine: Arc<dyn Engine>, keys: Arc<KeyRing>) -> Result<Store, StoreError> {
        match engine.get(keys::FORMAT_VERSION_KEY)? {
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_slice())
                    .map(u32::from_be_bytes)
                    .map_err(|_| StoreError::Codec {
                        key: hex::encode(keys::FORMAT_VERSION_KEY),
                        reason: "format version is not 4 bytes".into(),
                    })?;
                if found > FORMAT_VERSION {
                    return Err(StoreError::UnsupportedFormat {
                        found,
                        supported: FORMAT_VERSION,
                    });
                }
            }
            None => {
                let mut b = WriteBatch::default();
                b.put(
                    keys::FORMAT_VERSION_KEY.to_vec(),
                    FORMAT_VERSION.to_be_bytes().to_vec(),
                );
                engine.apply(b)?;
                engine.flush()?;
            }
        }
        let (jobs_tx, jobs_rx) = mpsc::channel::<Msg>(QUEUE_DEPTH);
        let (flush_tx, flush_rx) = std::sync::mpsc::channel::<Flushing>();
        let poisoned = Arc::new(AtomicBool::new(false));

        let writer_engine = engine.clone();
        let writer_keys = keys.clone();
        let writer = std::thread::Builder::new()
            .name("lacznik-writer".into())
            .spawn(move || writer_loop(writer_engine.as_ref(), &writer_keys, jobs_rx, flush_tx))
            .map_err(|e| StoreError::Engine(format!("cannot start writer thread: {e}")))?;
        let flusher_engine = engine.clone();
        let flusher_poison = poisoned.clone();
        let flusher = std::thread::Builder::new()
            .name("lacznik-flusher".into())
            .spawn(move || flusher_loop(flusher_engine.as_ref(), flush_rx, &flusher_poison))
            .map_err(|e| StoreError::Engine(format!("cannot start flusher thread: {e}")))?;

        Ok(Store {
            engine,
            jobs: jobs_tx,
            keys,
            poisoned,
            threads: Arc::new(Mutex::new(vec![writer, flusher])),
        })
    }

    /// Runs a command on the writer thread and answers once its writes are durable.
    ///
    /// The command sees a [`Txn`]; if it returns `Ok`, its writes are applied as one atomic
    /// batch; if it returns `Err`, nothing it wrote is kept. Either way the answer waits
    /// for the next flush, so a command that merely reads a record written by an earlier,
    /// not yet flushed command never reports it before it is on disk.
    pub async fn execute<T, E, F>(&self, command: F) -> Result<T, E>
    where
        F: FnOnce(&mut Txn<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        if self.poisoned.load(Ordering::Acquire) {
            return Err(StoreError::Poisoned.into());
        }
        let (tx, rx) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |txn: &mut Txn<'_>| {
            let outcome = command(txn);
            if outcome.is_err() {
                txn.batch = WriteBatch::default();
                txn.new_counters.clear();
                txn.durable.clear();
            }
            Box::new(move |flushed: Result<(), StoreError>| {
                let answer = match (outcome, flushed) {
                    (Ok(v), Ok(())) => Ok(v),
                    (Ok(_), Err(e)) => Err(E::from(e)),
                    (Err(e), _) => Err(e),
                };
                let _ = tx.send(answer);
            })
        });
        self.jobs
            .send(Msg::Run(job))
            .await
            .map_err(|_| E::from(StoreError::Closed))?;
        rx.await
            .unwrap_or_else(|_| Err(E::from(StoreError::Closed)))
    }

    /// Asks the engine to drop deleted values from its files (after a retention purge).
    /// Runs beside the writer: compaction rewrites files, not the logical contents.
    pub async fn compact(&self) -> Result<(), StoreError> {
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || engine.compact())
            .await
            .map_err(|e| StoreError::Engine(format!("compaction task failed: {e}")))?
    }

    /// Reads one key (may see writes not yet flushed; feeds use their durable watermark).
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.engine.get(key)
    }

    /// Reads and decodes one record.
    pub fn get_record<T: Versioned>(&self, key: &[u8]) -> Result<Option<T>, StoreError> {
        self.engine
            .get(key)?
            .map(|bytes| codec::decode(key, &bytes))
            .transpose()
    }

    /// Reads and opens a sealed record.
    pub fn get_sealed<T: Versioned>(&self, key: &[u8]) -> Result<Option<T>, StoreError> {
        self.engine
            .get(key)?
            .map(|sealed| open_sealed(&self.keys, key, &sealed))
            .transpose()
    }

    /// Opens a sealed value already read by a scan (so a full pass reads each record once).
    pub fn open_sealed<T: Versioned>(&self, key: &[u8], sealed: &[u8]) -> Result<T, StoreError> {
        open_sealed(&self.keys, key, sealed)
    }

    /// The data keys (for offline re-encryption).
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// Reads up to `limit` entries in `[start, end)`.
    pub fn scan(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        self.engine.scan(start, end, limit)
    }

    /// True until a flush has failed; the health service reports it.
    pub fn is_healthy(&self) -> bool {
        !self.poisoned.load(Ordering::Acquire)
    }

    /// Bytes on disk, for operators and the benchmark.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.engine.size_on_disk()
    }

    /// Graceful close: everything queued before is applied and flushed, then the writer
    /// and flusher threads stop (and are joined). Later commands get [`StoreError::Closed`];
    /// the engine itself closes when the last handle is dropped.
    pub async fn close(&self) -> Result<(), StoreError> {
        let flushed = self.execute(|_txn| Ok::<(), StoreError>(())).await;
        let _ = self.jobs.send(Msg::Stop).await;
        let handles: Vec<JoinHandle<()>> = self
            .threads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
            .collect();
        if !handles.is_empty() {
            let _ = tokio::task::spawn_blocking(move || {
                for h in handles {
                    let _ = h.join();
                }
            })
            .await;
        }
        match flushed {
            Err(StoreError::Closed) => Ok(()),
            other => other.and_then(|()| self.engine.flush()),
        }
    }
}

fn writer_loop(
    engine: &dyn Engine,
    keys: &KeyRing,
    mut jobs: mpsc::Receiver<Msg>,
    flusher: std::sync::mpsc::Sender<Flushing>,
) {
    let mut counters: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut stopping = false;
    while !stopping {
        let Some(first) = jobs.blocking_recv() else {
            break;
        };
        let mut group = Vec::new();
        match first {
            Msg::Run(job) => group.push(job),
            Msg::Stop => break,
        }
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(Msg::Run(job)) => group.push(job),
                Ok(Msg::Stop) => {
                    stopping = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let mut completions: Vec<Completion> = Vec::with_capacity(group.len());
        for job in group {
            let mut txn = Txn {
                engine,
                keys,
                batch: WriteBatch::default(),
                overlay: BTreeMap::new(),
                counters: &mut counters,
                new_counters: HashMap::new(),
                durable: Vec::new(),
            };
            let completion = job(&mut txn);
            let Txn {
                batch,
                new_counters,
                durable,
                ..
            } = txn;
            let applied = if batch.is_empty() {
                Ok(())
            } else {
                engine.apply(batch)
            };
            match applied {
                Ok(()) => {
                    counters.extend(new_counters);
                    completions.push(Box::new(move |flushed: Result<(), StoreError>| {
                        // Watermarks move before the client hears OK, so a read that
                        // follows the answer always sees what was acknowledged.
                        if flushed.is_ok() {
                            for f in durable {
                                f();
                            }
                        }
                        completion(flushed);
                    }));
                }
                Err(e) => {
                    // Nothing of this command was applied (batches are atomic): fail it alone.
                    tracing::error!(error = %e, "applying a command's batch failed");
                    completion(Err(e));
                }
            }
        }
        if flusher.send(Flushing { completions }).is_err() {
            return;
        }
    }
}

fn flusher_loop(
    engine: &dyn Engine,
    rx: std::sync::mpsc::Receiver<Flushing>,
    poisoned: &AtomicBool,
) {
    while let Ok(first) = rx.recv() {
        let mut waiting = first.completions;
        while let Ok(more) = rx.try_recv() {
            waiting.extend(more.completions);
        }
        let started = std::time::Instant::now();
        let flushed = if poisoned.load(Ordering::Acquire) {
            Err(StoreError::Poisoned)
        } else {
            engine.flush()
        };
        metrics::histogram!("lacznik_flush_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        metrics::histogram!("lacznik_flush_commands").record(waiting.len() as f64);
        if let Err(e) = &flushed {
            tracing::error!(error = %e, "flush failed; refusing further writes");
            poisoned.store(true, Ordering::Release);
        }
        for c in waiting {
            let result = match &flushed {
                Ok(()) => Ok(()),
                Err(_) => Err(StoreError::Poisoned),
            };
            c(result);
        }
    }
}

#[cfg(test)]
#[path = "commit_tests.rs"]
mod tests;
