//! The PostgreSQL engine: the same ordered key-value contract as the embedded engines, on a
//! database that operators already replicate (streaming replication, Patroni, a managed
//! service), so a dead disk or machine does not take the data with it.
//!
//! Layout: one table `lacznik_kv (k bytea primary key, v bytea)`; values arrive sealed by
//! lacznik (`store::txn`), so the database never sees personal data in clear. The schema
//! is created and versioned by lacznik (`lacznik_schema`), one migration step per format
//! version; a newer schema is refused.
//!
//! Group commit, as with fjall: [`Engine::apply`] only queues a batch in memory (reads see
//! it at once through an overlay); [`Engine::flush`] writes everything queued in ONE
//! statement, which is its own transaction (`sql::commit`), so many commands share one
//! durable commit and a command's batch is all-or-nothing (it is inside that transaction).
//! The database's own `synchronous_commit` decides what "durable" means
//! (docs/OPERATIONS.md).
//!
//! Reads: the overlay, then a cache of committed values (`cache`), then a query on one of
//! the reader connections. [`Engine::prefetch`] reads a command's keys ahead into the
//! cache, so the single writer does not wait for round trips one after another; the
//! prefetches waiting at a time share one query (`prefetch`).
//!
//! Connections: the `postgres` client blocks, and lacznik reads from async handlers, so
//! every connection lives on a thread of its own (a few readers, two prefetchers, one
//! committer) and calls reach it through a channel; nothing ever blocks inside a runtime it
//! does not own.
//!
//! One writing node per database: the committer's session holds an advisory lock, which
//! is the active/standby election and the fence at once ([`election`]). A server waits for
//! it as a standby ([`PgEngine::open_when_active`]); offline commands are refused as
//! [`StoreError::Locked`] while a node is active ([`PgEngine::open`]).

mod cache;
mod committer;
pub mod election;
mod overlay;
mod prefetch;
mod settings;
mod sql;

use std::collections::{BTreeMap, HashSet};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use postgres::Client;

use super::StoreError;
use super::engine::{Engine, Entry, Op, WriteBatch};
use committer::Committer;
pub use committer::LostHook;
pub use election::Candidacy;
use election::{become_active, lock_node, wait_for_turn};
use overlay::Overlay;
use prefetch::{PREFETCHERS, Prefetch, prefetcher};
pub use settings::PgSettings;
use settings::Role;
use sql::{migrate, reader};

/// Schema version this build creates and understands.
pub const SCHEMA_VERSION: i32 = 1;
/// Reader connections (reads of handlers, streams and the writer's own lookups).
const READERS: usize = 8;

/// A read, answered by one of the reader threads.
pub(super) enum Read {
    Get(Vec<u8>),
    Scan(Vec<u8>, Vec<u8>, i64),
    LastBefore(Vec<u8>, Vec<u8>, i64),
    Size,
}

pub(super) enum Answer {
    Rows(Vec<Entry>),
    Size(u64),
}

/// Where a reader hands its answer (to a caller waiting on a channel).
pub(super) type Reply = Box<dyn FnOnce(Result<Answer, StoreError>) + Send>;

pub(super) type Job = (Read, Reply);

/// A commit, answered by the committer thread.
pub(super) type CommitJob = (Flush, Sender<Result<(), StoreError>>);

/// What one flush writes: the final state of each key, and which of the keys it puts the
/// commands knew to be absent from the database ([`Op::Insert`]), so that a plain `INSERT`
/// writes them (`sql::commit`).
pub(super) struct Flush {
    pub(super) writes: Arc<Writes>,
    pub(super) fresh: HashSet<Vec<u8>>,
}

/// The final state of each key a flush writes (`None`: deleted).
pub(super) type Writes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// The PostgreSQL engine; see the module docs.
pub struct PgEngine {
    reads: Sender<Job>,
    prefetches: Sender<Prefetch>,
    overlay: Mutex<Overlay>,
    commits: Mutex<Option<Sender<CommitJob>>>,
    /// Disconnects when the committer has closed its session.
    closed: Mutex<Option<Receiver<()>>>,
    committer: Arc<Committer>,
    /// Committed values this node wrote or read (`cache`).
    cache: Arc<Mutex<cache::Cache>>,
}

impl Drop for PgEngine {
    fn drop(&mut self) {
        // Stop the committer and wait until its session (holding the node lock) is closed.
        self.commits
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(done) = self.closed.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = done.recv_timeout(std::time::Duration::from_secs(10));
        }
    }
}

/// Starts a thread owning one connection: `connect` makes it (and may wait, as a standby
/// does), `serve` runs there once the opener was told it is ready (or why not).
fn connection_thread(
    name: String,
    settings: &PgSettings,
    connect: impl FnOnce(&PgSettings) -> Result<Client, StoreError> + Send + 'static,
    serve: impl FnOnce(Client, &PgSettings) + Send + 'static,
) -> Result<(), StoreError> {
    let (ready_tx, ready) = channel();
    let settings = settings.clone();
    std::thread::Builder::new()
        .name(name)
        .spawn(move || match connect(&settings) {
            Ok(client) => {
                let _ = ready_tx.send(Ok(()));
                serve(client, &settings);
            }
            Err(e) => {
                let _ = ready_tx.send(Err(e));
            }
        })
        .map_err(|e| StoreError::Engine(format!("cannot start a database thread: {e}")))?;
    ready.recv().map_err(|_| StoreError::Closed)?
}

impl PgEngine {
    /// Connects, takes the node lock (waiting `settings.lock_wait` at most), creates or
    /// checks the schema and starts the readers: the form offline commands use, which
    /// must have the database to themselves. Every connection lives on its own thread, so
    /// this may be called from anywhere.
    pub fn open(settings: &PgSettings) -> Result<PgEngine, StoreError> {
        let wait = settings.lock_wait;
        PgEngine::start(settings, move |s| {
            let mut c = s.connect()?;
            lock_node(&mut c, wait)?;
            migrate(&mut c)?;
            Ok(c)
        })
    }

    /// Waits, as a standby, until this node's turn to be active (see [`election`]), then
    /// opens as [`PgEngine::open`] does and announces `candidacy.advertise`. Returns
    /// [`StoreError::Closed`] when the candidacy is cancelled first. Blocks: run it on a
    /// thread of its own.
    pub fn open_when_active(
        settings: &PgSettings,
        candidacy: &Candidacy,
    ) -> Result<PgEngine, StoreError> {
        let candidacy = candidacy.clone();
        PgEngine::start(settings, move |s| {
            let mut c = wait_for_turn(s, &candidacy)?;
            migrate(&mut c)?;
            become_active(&mut c, s, &candidacy.advertise)?;
            Ok(c)
        })
    }

    fn start(
        settings: &PgSettings,
        claim: impl FnOnce(&PgSettings) -> Result<Client, StoreError> + Send + 'static,
    ) -> Result<PgEngine, StoreError> {
        let (done_tx, done) = channel::<()>();
        let (commits, jobs) = channel::<CommitJob>();
        let committer = Arc::new(Committer::default());
        let on_thread = committer.clone();
        connection_thread("lacznik-pg-commit".into(), settings, claim, move |c, _| {
            on_thread.run(c, &jobs);
            // The session (and with it the node lock) is closed by now, before the
            // engine is told it is gone, so a reopen right after finds the lock free.
            election::confirmed_never();
            drop(done_tx);
        })?;
        let cache: Arc<Mutex<cache::Cache>> = Arc::default();
        let (prefetches, rx) = channel::<Prefetch>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..PREFETCHERS {
            let (rx, cache) = (rx.clone(), cache.clone());
            connection_thread(
                format!("lacznik-pg-prefetch-{i}"),
                settings,
                |s| s.connect_as(Role::Prefetch),
                move |c, settings| prefetcher(c, settings, &rx, &cache),
            )?;
        }
        let (reads, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..READERS {
            let rx = rx.clone();
            connection_thread(
                format!("lacznik-pg-read-{i}"),
                settings,
                |s| s.connect_as(Role::Read),
                move |c, settings| reader(c, settings, &rx),
            )?;
        }
        Ok(PgEngine {
            reads,
            prefetches,
            overlay: Mutex::new(Overlay::default()),
            commits: Mutex::new(Some(commits)),
            closed: Mutex::new(Some(done)),
            committer,
            cache,
        })
    }

    fn read(&self, r: Read) -> Result<Answer, StoreError> {
        let (tx, rx) = channel();
        let reply: Reply = Box::new(move |a| {
            let _ = tx.send(a);
        });
        self.reads
            .send((r, reply))
            .map_err(|_| StoreError::Closed)?;
        rx.recv().map_err(|_| StoreError::Closed)?
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, cache::Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn rows(&self, r: Read) -> Result<Vec<Entry>, StoreError> {
        match self.read(r)? {
            Answer::Rows(rows) => Ok(rows),
            Answer::Size(_) => Err(StoreError::Engine("postgres: unexpected answer".into())),
        }
    }

    fn overlay(&self) -> std::sync::MutexGuard<'_, Overlay> {
        self.overlay.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// SQL LIMIT for `n` rows plus `extra` that the overlay may delete.
fn limit(n: usize, extra: usize) -> i64 {
    i64::try_from(n.saturating_add(extra)).unwrap_or(i64::MAX)
}

impl Engine for PgEngine {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(pending) = self.overlay().get(key) {
            return Ok(pending);
        }
        let epoch = {
            let mut cache = self.cache();
            if let Some(known) = cache.get(key) {
                return Ok(known);
            }
            cache.epoch()
        };
        let found = self.rows(Read::Get(key.to_vec()))?.pop().map(|(_, v)| v);
        self.cache().offer(epoch, key, found.clone());
        Ok(found)
    }

    fn prefetch(&self, keys: Vec<Vec<u8>>, done: Box<dyn FnOnce() + Send>) {
        let (epoch, wanted) = {
            let (overlay, mut cache) = (self.overlay(), self.cache());
            let wanted: Vec<Vec<u8>> = keys
                .into_iter()
                .filter(|k| overlay.get(k).is_none() && cache.get(k).is_none())
                .collect();
            (cache.epoch(), wanted)
        };
        if wanted.is_empty() {
            return done();
        }
        // Closed: the prefetch comes back in the error and is dropped, which runs `done`.
        let _ = self.prefetches.send(Prefetch {
            keys: wanted,
            epoch,
            done: Some(done),
        });
    }

    fn scan(&self, start: &[u8], end: &[u8], limit_n: usize) -> Result<Vec<Entry>, StoreError> {
        if start >= end || limit_n == 0 {
            return Ok(Vec::new());
        }
        let pending = self.overlay().range(start, end);
        let deletes = pending.values().filter(|v| v.is_none()).count();
        // Fetch enough rows that the first `limit_n` survive the pending deletes.
        let db = self.rows(Read::Scan(
            start.to_vec(),
            end.to_vec(),
            limit(limit_n, deletes),
        ))?;
        // A row past the fetched ones has at least `limit_n` survivors before it (at most
        // `deletes` of the fetched rows go), so it cannot be among the first `limit_n`.
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = db.into_iter().collect();
        for (k, v) in pending {
            match v {
                Some(v) => {
                    merged.insert(k, v);
                }
                None => {
                    merged.remove(&k);
                }
            }
        }
        Ok(merged.into_iter().take(limit_n).collect())
    }

    fn last(&self, start: &[u8], end: &[u8]) -> Result<Option<Entry>, StoreError> {
        if start >= end {
            return Ok(None);
        }
        let pending = self.overlay().range(start, end);
        let deletes = pending.values().filter(|v| v.is_none()).count();
        let db = self.rows(Read::LastBefore(
            start.to_vec(),
            end.to_vec(),
            limit(1, deletes),
        ))?;
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = db.into_iter().collect();
        for (k, v) in pending {
            match v {
                Some(v) => {
                    merged.insert(k, v);
                }
                None => {
                    merged.remove(&k);
                }
            }
        }
        // Of the 1 + `deletes` newest rows at least one survives unless the range holds no
        // more: the newest survivor is among them.
        Ok(merged.into_iter().next_back())
    }

    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        self.overlay().queued.push(batch);
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        // One flush at a time (the flusher thread; start and close): holding the sender's
        // lock keeps a second one from merging into `committing` meanwhile.
        let commits = self.commits.lock().unwrap_or_else(|p| p.into_inner());
        let commits = commits.as_ref().ok_or(StoreError::Closed)?;
        let flush = {
            let mut o = self.overlay();
            // Empty unless an earlier commit failed (then the store has failed too).
            let mut writes: Writes = (*o.committing).clone();
            let mut fresh = HashSet::new();
            for b in std::mem::take(&mut o.queued) {
                for op in b.into_ops() {
                    match op {
                        // A key this flush already writes may be in the database (a
                        // delete of it, or a retried commit): not known absent then. A
                        // later put of a fresh key leaves it fresh.
                        Op::Insert(k, v) => {
                            if !writes.contains_key(&k) {
                                fresh.insert(k.clone());
                            }
                            writes.insert(k, Some(v))
                        }
                        Op::Put(k, v) => writes.insert(k, Some(v)),
                        Op::Delete(k) => {
                            fresh.remove(&k);
                            writes.insert(k, None)
                        }
                    };
                }
            }
            o.committing = Arc::new(writes);
            Flush {
                writes: o.committing.clone(),
                fresh,
            }
        };
        if flush.writes.is_empty() {
            return Ok(());
        }
        let writes = flush.writes.clone();
        let (answer, committed) = channel();
        commits
            .send((flush, answer))
            .map_err(|_| StoreError::Closed)?;
        committed.recv().map_err(|_| StoreError::Closed)??;
        // Committed: the cache (then the database) answers for these keys now. Keys written
        // again while the commit ran are in `queued`, which reads consult first.
        self.cache().committed(writes.iter());
        self.overlay().committing = Arc::default();
        Ok(())
    }

    fn on_lost(&self, hook: LostHook) {
        *self
            .committer
            .lost
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(hook);
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        match self.read(Read::Size)? {
            Answer::Size(n) => Ok(n),
            Answer::Rows(_) => Err(StoreError::Engine("postgres: unexpected answer".into())),
        }
    }
}
