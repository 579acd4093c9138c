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
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::{mpsc, oneshot};

use super::StoreError;
use super::codec::{self, Versioned};
use super::engine::{Engine, Entry, WriteBatch};
use super::health::{Failure, Health, Sentinel, Watched};
use super::txn::{Txn, open_sealed};
use crate::crypto::KeyRing;

pub use super::meta::FORMAT_VERSION;

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
    health: Arc<Health>,
    identity: Arc<super::meta::Identity>,
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

struct Flushing {
    completions: Vec<Completion>,
}

impl Store {
    /// Starts the writer and flusher threads on `engine`, after checking the format version.
    pub fn start(engine: Arc<dyn Engine>, keys: Arc<KeyRing>) -> Result<Store, StoreError> {
        let identity = super::meta::prepare(engine.as_ref())?;
        let health = Arc::new(Health::default());
        let lost = health.clone();
        engine.on_lost(Box::new(move |e| lost.fail(Failure::of(&e))));
        let engine: Arc<dyn Engine> = Arc::new(Watched {
            inner: engine,
            health: health.clone(),
        });
        let (jobs_tx, jobs_rx) = mpsc::channel::<Msg>(QUEUE_DEPTH);
        let (flush_tx, flush_rx) = std::sync::mpsc::channel::<Flushing>();

        let writer_engine = engine.clone();
        let writer_keys = keys.clone();
        let writer_health = health.clone();
        let sentinel = Sentinel::new(health.clone(), "lacznik-writer");
        let writer = std::thread::Builder::new()
            .name("lacznik-writer".into())
            .spawn(move || {
                writer_loop(
                    writer_engine.as_ref(),
                    &writer_keys,
                    &writer_health,
                    jobs_rx,
                    flush_tx,
                );
                sentinel.done();
            })
            .map_err(|e| StoreError::Engine(format!("cannot start writer thread: {e}")))?;
        let flusher_engine = engine.clone();
        let flusher_health = health.clone();
        let sentinel = Sentinel::new(health.clone(), "lacznik-flusher");
        let flusher = std::thread::Builder::new()
            .name("lacznik-flusher".into())
            .spawn(move || {
                flusher_loop(flusher_engine.as_ref(), flush_rx, &flusher_health);
                sentinel.done();
            })
            .map_err(|e| StoreError::Engine(format!("cannot start flusher thread: {e}")))?;

        Ok(Store {
            engine,
            jobs: jobs_tx,
            keys,
            health,
            identity: Arc::new(identity),
            threads: Arc::new(Mutex::new(vec![writer, flusher])),
        })
    }

    /// Runs a command on the writer thread and answers once its writes are durable.
    ///
    /// The command sees a [`Txn`]; if it returns `Ok`, its writes are applied as one atomic
    /// batch; if it returns `Err`, nothing it wrote is kept. Either way the answer waits
    /// for the next flush, so a command that merely reads a record written by an earlier,
    /// not yet flushed command never reports it before it is on disk. A command that
    /// panics fails alone with [`StoreError::Panicked`]; the writer goes on with the next.
    pub async fn execute<T, E, F>(&self, command: F) -> Result<T, E>
    where
        F: FnOnce(&mut Txn<'_>) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        if !self.health.is_healthy() {
            return Err(StoreError::Poisoned.into());
        }
        let (tx, rx) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |txn: &mut Txn<'_>| {
            // The closure owns nothing the writer reuses, and its batch is dropped on
            // failure below, so nothing half-done survives the unwind.
            let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| command(txn))) {
                Ok(outcome) => outcome,
                Err(_) => {
                    tracing::error!(
                        "a command panicked; nothing of it was applied, the writer goes on"
                    );
                    Err(E::from(StoreError::Panicked))
                }
            };
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

    /// Reads `keys` ahead of a command that will read them (a new record's key, its
    /// clocks), in parallel with other callers, so the single writer finds them at hand
    /// ([`Engine::prefetch`]: what the PostgreSQL engine needs to keep its writer from
    /// waiting for one database round trip after another; free on the embedded engines).
    pub async fn prefetch(&self, keys: Vec<Vec<u8>>) {
        let (tx, rx) = oneshot::channel::<()>();
        self.engine.prefetch(
            keys,
            Box::new(move || {
                let _ = tx.send(());
            }),
        );
        // A dropped `done` (the engine closing) ends the wait too.
        let _ = rx.await;
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

    /// True until a flush has failed or a store thread has ended; health reports it.
    pub fn is_healthy(&self) -> bool {
        self.health.is_healthy()
    }

    /// Who this store is (its cursors carry the id).
    pub fn identity(&self) -> &super::meta::Identity {
        &self.identity
    }

    /// The store's health, for whoever must react the moment it fails (the server turns
    /// health NOT_SERVING and exits).
    pub fn health(&self) -> Arc<Health> {
        self.health.clone()
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
    health: &Health,
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
                kept: HashMap::new(),
                absent: Default::default(),
            };
            let completion = job(&mut txn);
            let Txn {
                batch,
                new_counters,
                durable,
                ..
            } = txn;
            if !health.is_healthy() {
                // Queued before the failure: applied to an engine in an unknown state it
                // could be acknowledged and lost. Refused instead.
                completion(Err(StoreError::Poisoned));
                continue;
            }
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
                    // Batches are atomic, so nothing of this command was applied; but the
                    // engine's state after an I/O error is unknown until a restart
                    // recovers it, so the store fails and refuses everything after.
                    tracing::error!(error = %e, "applying a command's batch failed");
                    health.fail(Failure::of(&e));
                    completion(Err(StoreError::Poisoned));
                }
            }
        }
        if flusher.send(Flushing { completions }).is_err() {
            return;
        }
    }
}

fn flusher_loop(engine: &dyn Engine, rx: std::sync::mpsc::Receiver<Flushing>, health: &Health) {
    while let Ok(first) = rx.recv() {
        let mut waiting = first.completions;
        while let Ok(more) = rx.try_recv() {
            waiting.extend(more.completions);
        }
        let started = std::time::Instant::now();
        let flushed = if health.is_healthy() {
            engine.flush()
        } else {
            Err(StoreError::Poisoned)
        };
        metrics::histogram!("lacznik_flush_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        metrics::histogram!("lacznik_flush_commands").record(waiting.len() as f64);
        if let Err(e) = &flushed {
            if health.is_healthy() {
                tracing::error!(error = %e, "flush failed; refusing further writes");
            }
            health.fail(Failure::of(e));
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
