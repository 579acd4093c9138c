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
//! database transaction and commits it, so many commands share one durable commit and a
//! command's batch is all-or-nothing (it is inside one transaction). The database's own
//! `synchronous_commit` decides what "durable" means (docs/OPERATIONS.md).
//!
//! Connections: the `postgres` client blocks, and lacznik reads from async handlers, so
//! every connection lives on a thread of its own (a few readers, one committer) and calls
//! reach it through a channel; nothing ever blocks inside a runtime it does not own.
//!
//! One node per database, for now: the committer holds a session advisory lock, so a
//! second lacznik on the same database is refused as [`StoreError::Locked`] (active/standby
//! election and fencing build on this lock).

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use postgres::{Client, NoTls};

use super::StoreError;
use super::engine::{Engine, Entry, Op, WriteBatch};

/// Schema version this build creates and understands.
pub const SCHEMA_VERSION: i32 = 1;
/// Advisory-lock key of "the lacznik node writing to this database" ("lacz" in ASCII).
const NODE_LOCK: i64 = 0x6c61_637a;
/// Reader connections (reads of handlers, streams and the writer's own lookups).
const READERS: usize = 4;

/// How to reach the database (`[store.postgres]`): the URL or key=value string, and the
/// password kept apart from it (never logged).
#[derive(Clone)]
pub struct PgSettings {
    /// libpq-style URL (`postgresql://user@host:port/db`) or `key=value` pairs.
    pub url: String,
    /// The password, read from a file or an environment variable by the configuration.
    pub password: Option<String>,
    /// How long to wait for the node lock (a node that just stopped may still hold it).
    pub lock_wait: std::time::Duration,
}

impl std::fmt::Debug for PgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSettings")
            .field("url", &self.url)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("lock_wait", &self.lock_wait)
            .finish()
    }
}

impl PgSettings {
    fn connect(&self) -> Result<Client, StoreError> {
        let mut config: postgres::Config = self
            .url
            .parse()
            .map_err(|e| StoreError::Engine(format!("store.postgres.url: {e}")))?;
        if let Some(p) = &self.password {
            config.password(p);
        }
        config.application_name("lacznik");
        config.connect(NoTls).map_err(|e| pg_err("connect", &e))
    }
}

fn pg_err(what: &str, e: &postgres::Error) -> StoreError {
    // The database error's text names tables and constraints, never values.
    let text = format!("postgres {what}: {e}");
    // No answer from a server (refused, reset, closed), or the server going away
    // (SQLSTATE class 08 connection exception, 57 operator intervention: shutdown,
    // restart): temporary, the node is restarted; anything else is the database's verdict.
    let gone = match e.code() {
        None => e.as_db_error().is_none(),
        Some(code) => {
            let c = code.code();
            c.starts_with("08") || c.starts_with("57")
        }
    };
    if gone || e.is_closed() {
        StoreError::Unreachable(text)
    } else {
        StoreError::Engine(text)
    }
}

/// A read, answered by one of the reader threads.
enum Read {
    Get(Vec<u8>),
    Scan(Vec<u8>, Vec<u8>, i64),
    LastBefore(Vec<u8>, Vec<u8>, i64),
    Size,
}

enum Answer {
    Rows(Vec<Entry>),
    Size(u64),
}

type Job = (Read, Sender<Result<Answer, StoreError>>);

/// Batches applied but not yet committed: `queued` since the last flush began, `committing`
/// while a flush writes them. Reads see both, newest first.
#[derive(Default)]
struct Overlay {
    queued: Vec<WriteBatch>,
    committing: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl Overlay {
    /// The pending state of every key in `[start, end)`, latest write winning.
    fn range(&self, start: &[u8], end: &[u8]) -> BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        let mut out: BTreeMap<Vec<u8>, Option<Vec<u8>>> = self
            .committing
            .range(start.to_vec()..end.to_vec())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for b in &self.queued {
            for op in b.ops() {
                let (k, v) = match op {
                    Op::Put(k, v) => (k, Some(v.clone())),
                    Op::Delete(k) => (k, None),
                };
                if k.as_slice() >= start && k.as_slice() < end {
                    out.insert(k.clone(), v);
                }
            }
        }
        out
    }

    fn get(&self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        for b in self.queued.iter().rev() {
            for op in b.ops().iter().rev() {
                match op {
                    Op::Put(k, v) if k == key => return Some(Some(v.clone())),
                    Op::Delete(k) if k == key => return Some(None),
                    _ => {}
                }
            }
        }
        self.committing.get(key).cloned()
    }
}

/// A commit, answered by the committer thread.
type CommitJob = (
    BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    Sender<Result<(), StoreError>>,
);

/// The PostgreSQL engine; see the module docs.
pub struct PgEngine {
    reads: Mutex<Sender<Job>>,
    overlay: Mutex<Overlay>,
    commits: Mutex<Option<Sender<CommitJob>>>,
    /// Disconnects when the committer has closed its session.
    closed: Mutex<Option<Receiver<()>>>,
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

/// Takes the node lock, waiting up to `wait` for a node that just stopped to let it go.
fn lock_node(c: &mut Client, wait: std::time::Duration) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    loop {
        let locked: bool = c
            .query_one("SELECT pg_try_advisory_lock($1)", &[&NODE_LOCK])
            .map_err(|e| pg_err("lock", &e))?
            .get(0);
        if locked {
            return Ok(());
        }
        if started.elapsed() >= wait {
            return Err(StoreError::Locked(
                "the PostgreSQL database (another lacznik node writes to it)".into(),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Starts a thread owning one connection; `serve` runs there once connected and told
/// the opener it is ready (or why not).
fn connection_thread<J: Send + 'static>(
    name: String,
    settings: &PgSettings,
    setup: impl FnOnce(&mut Client) -> Result<(), StoreError> + Send + 'static,
    serve: impl FnOnce(Client, &PgSettings, Receiver<J>) + Send + 'static,
) -> Result<Sender<J>, StoreError> {
    let (jobs, rx) = channel::<J>();
    let (ready_tx, ready) = channel();
    let settings = settings.clone();
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            let connected = settings
                .connect()
                .and_then(|mut c| setup(&mut c).map(|()| c));
            match connected {
                Ok(client) => {
                    let _ = ready_tx.send(Ok(()));
                    serve(client, &settings, rx);
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            }
        })
        .map_err(|e| StoreError::Engine(format!("cannot start a database thread: {e}")))?;
    ready.recv().map_err(|_| StoreError::Closed)??;
    Ok(jobs)
}

impl PgEngine {
    /// Connects, takes the node lock, creates or checks the schema and starts the readers.
    /// Every connection lives on its own thread, so this may be called from anywhere.
    pub fn open(settings: &PgSettings) -> Result<PgEngine, StoreError> {
        let wait = settings.lock_wait;
        let (done_tx, done) = channel::<()>();
        let commits = connection_thread::<CommitJob>(
            "lacznik-pg-commit".into(),
            settings,
            move |c| {
                lock_node(c, wait)?;
                migrate(c)
            },
            move |mut c, _, jobs| {
                for (writes, answer) in jobs {
                    let _ = answer.send(commit(&mut c, &writes));
                }
                // Close the session (and with it the node lock) before telling the engine
                // it is gone, so a reopen right after finds the lock free.
                drop(c);
                drop(done_tx);
            },
        )?;
        let (reads, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..READERS {
            let rx = rx.clone();
            // The readers share one queue; their own job channel stays unused.
            connection_thread::<()>(
                format!("lacznik-pg-read-{i}"),
                settings,
                |_| Ok(()),
                move |c, settings, _| reader(c, settings, &rx),
            )?;
        }
        Ok(PgEngine {
            reads: Mutex::new(reads),
            overlay: Mutex::new(Overlay::default()),
            commits: Mutex::new(Some(commits)),
            closed: Mutex::new(Some(done)),
        })
    }

    fn read(&self, r: Read) -> Result<Answer, StoreError> {
        let (tx, rx) = channel();
        self.reads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send((r, tx))
            .map_err(|_| StoreError::Closed)?;
        rx.recv().map_err(|_| StoreError::Closed)?
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

/// Creates the schema in an empty database, or checks the one there.
fn migrate(c: &mut Client) -> Result<(), StoreError> {
    let mut t = c.transaction().map_err(|e| pg_err("begin", &e))?;
    t.batch_execute(
        "CREATE TABLE IF NOT EXISTS lacznik_schema (version integer NOT NULL);
         CREATE TABLE IF NOT EXISTS lacznik_kv (k bytea PRIMARY KEY, v bytea NOT NULL);",
    )
    .map_err(|e| pg_err("create schema", &e))?;
    let found: Option<i32> = t
        .query_opt("SELECT max(version) FROM lacznik_schema", &[])
        .map_err(|e| pg_err("read schema version", &e))?
        .and_then(|r| r.get(0));
    match found {
        None => {
            t.execute(
                "INSERT INTO lacznik_schema (version) VALUES ($1)",
                &[&SCHEMA_VERSION],
            )
            .map_err(|e| pg_err("write schema version", &e))?;
        }
        Some(v) if v > SCHEMA_VERSION => {
            return Err(StoreError::UnsupportedFormat {
                found: u32::try_from(v).unwrap_or(u32::MAX),
                supported: SCHEMA_VERSION as u32,
            });
        }
        // Older versions would migrate here, one step per version; 1 is the first.
        Some(_) => {}
    }
    t.commit().map_err(|e| pg_err("commit schema", &e))
}

/// Writes `writes` (the final state of each key) in one transaction and commits it.
fn commit(c: &mut Client, writes: &BTreeMap<Vec<u8>, Option<Vec<u8>>>) -> Result<(), StoreError> {
    let (mut put_k, mut put_v, mut del) = (Vec::new(), Vec::new(), Vec::new());
    for (k, v) in writes {
        match v {
            Some(v) => {
                put_k.push(k.as_slice());
                put_v.push(v.as_slice());
            }
            None => del.push(k.as_slice()),
        }
    }
    let mut t = c.transaction().map_err(|e| pg_err("begin", &e))?;
    if !put_k.is_empty() {
        t.execute(
            "INSERT INTO lacznik_kv (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[])
             ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
            &[&put_k, &put_v],
        )
        .map_err(|e| pg_err("write", &e))?;
    }
    if !del.is_empty() {
        t.execute("DELETE FROM lacznik_kv WHERE k = ANY($1)", &[&del])
            .map_err(|e| pg_err("delete", &e))?;
    }
    t.commit().map_err(|e| pg_err("commit", &e))
}

fn reader(mut client: Client, settings: &PgSettings, jobs: &Mutex<Receiver<Job>>) {
    loop {
        let job = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok((read, answer)) = job else {
            return;
        };
        if client.is_closed() {
            // The database restarted or the connection broke: try once more per read.
            match settings.connect() {
                Ok(c) => client = c,
                Err(e) => {
                    let _ = answer.send(Err(e));
                    continue;
                }
            }
        }
        let _ = answer.send(run_read(&mut client, read));
    }
}

fn run_read(c: &mut Client, read: Read) -> Result<Answer, StoreError> {
    let rows = |r: Vec<postgres::Row>| -> Vec<Entry> {
        r.into_iter().map(|row| (row.get(0), row.get(1))).collect()
    };
    Ok(match read {
        Read::Get(k) => Answer::Rows(rows(
            c.query("SELECT k, v FROM lacznik_kv WHERE k = $1", &[&k])
                .map_err(|e| pg_err("get", &e))?,
        )),
        Read::Scan(start, end, limit) => Answer::Rows(rows(
            c.query(
                "SELECT k, v FROM lacznik_kv WHERE k >= $1 AND k < $2 ORDER BY k LIMIT $3",
                &[&start, &end, &limit],
            )
            .map_err(|e| pg_err("scan", &e))?,
        )),
        Read::LastBefore(start, end, limit) => Answer::Rows(rows(
            c.query(
                "SELECT k, v FROM lacznik_kv WHERE k >= $1 AND k < $2 ORDER BY k DESC LIMIT $3",
                &[&start, &end, &limit],
            )
            .map_err(|e| pg_err("last", &e))?,
        )),
        Read::Size => {
            let n: i64 = c
                .query_one("SELECT pg_total_relation_size('lacznik_kv')", &[])
                .map_err(|e| pg_err("size", &e))?
                .get(0);
            Answer::Size(u64::try_from(n).unwrap_or(0))
        }
    })
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
        Ok(self.rows(Read::Get(key.to_vec()))?.pop().map(|(_, v)| v))
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
        let writes = {
            let mut o = self.overlay();
            let queued = std::mem::take(&mut o.queued);
            for b in queued {
                for op in b.into_ops() {
                    match op {
                        Op::Put(k, v) => o.committing.insert(k, Some(v)),
                        Op::Delete(k) => o.committing.insert(k, None),
                    };
                }
            }
            o.committing.clone()
        };
        if writes.is_empty() {
            return Ok(());
        }
        let (answer, committed) = channel();
        commits
            .send((writes.clone(), answer))
            .map_err(|_| StoreError::Closed)?;
        committed.recv().map_err(|_| StoreError::Closed)??;
        // Committed: the database answers for these keys now. Keys written again while
        // the commit ran are in `queued`, which reads consult first.
        let mut o = self.overlay();
        for k in writes.keys() {
            o.committing.remove(k);
        }
        Ok(())
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        match self.read(Read::Size)? {
            Answer::Size(n) => Ok(n),
            Answer::Rows(_) => Err(StoreError::Engine("postgres: unexpected answer".into())),
        }
    }
}
