//! Which node writes: the active/standby election, its fence, and the heartbeat that keeps
//! it honest. All of it rests on one PostgreSQL guarantee: a session-level advisory lock
//! ([`NODE_LOCK`]) is held by at most one session, and is released the moment that session
//! ends.
//!
//! - **Election.** A node waiting to be active ([`wait_for_turn`]) polls
//!   `pg_try_advisory_lock` every [`POLL`]; the one that gets it is active, and that very
//!   session becomes its committer.
//! - **Fence.** Every write of the active goes through that one session, and the committer
//!   never reconnects: if the session ends, the node can commit nothing more, ever (the
//!   store fails and the node steps down). So two nodes can never both commit, whatever
//!   their clocks or pauses.
//! - **Liveness.** The database ends a session that has been silent for
//!   `session_timeout` (`idle_session_timeout`, `idle_in_transaction_session_timeout`, TCP
//!   keepalives), and the committer speaks at least every [`HEARTBEAT`]. A node killed,
//!   paused (SIGSTOP) or cut off therefore loses its session, and with it the lock, within
//!   `session_timeout`; a standby takes over within one [`POLL`] after.
//!
//! The active writes where clients reach it into `lacznik_active`, so standbys can say it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use postgres::Client;

use super::settings::{PgSettings, pg_err};
use crate::store::StoreError;

/// Advisory-lock key of "the lacznik node writing to this database" ("lacz" in ASCII).
pub const NODE_LOCK: i64 = 0x6c61_637a;
/// How often the active's committer proves its session alive when it has nothing to commit.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// How often a standby asks for the lock.
pub const POLL: Duration = Duration::from_millis(500);
/// How long a standby waits before connecting again after the database refused it.
const RECONNECT: Duration = Duration::from_secs(1);

/// What a node that waits to become active brings to the election.
#[derive(Clone, Debug)]
pub struct Candidacy {
    /// Where clients reach this node (host:port), announced once it is active.
    pub advertise: String,
    /// Set when the node stops: the wait ends with [`StoreError::Closed`].
    pub cancel: Arc<AtomicBool>,
    /// Where the active node is, as last read from the database (`None`: unknown).
    pub active: Arc<Mutex<Option<String>>>,
}

impl Candidacy {
    /// A candidacy announcing `advertise`, not cancelled, no active node known yet.
    pub fn new(advertise: String) -> Candidacy {
        Candidacy {
            advertise,
            cancel: Arc::new(AtomicBool::new(false)),
            active: Arc::new(Mutex::new(None)),
        }
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Acquire)
    }

    fn saw(&self, active: Option<String>) {
        *self.active.lock().unwrap_or_else(|p| p.into_inner()) = active;
    }
}

/// Connects and waits until this node holds the node lock (or is cancelled), retrying a
/// database that is down; returns the session that holds the lock.
pub(super) fn wait_for_turn(
    settings: &PgSettings,
    candidacy: &Candidacy,
) -> Result<Client, StoreError> {
    let mut told_unreachable = false;
    let mut told_standby = false;
    loop {
        if candidacy.cancelled() {
            return Err(StoreError::Closed);
        }
        let mut c = match settings.connect() {
            Ok(c) => c,
            Err(e) => {
                if !told_unreachable {
                    tracing::warn!(error = %e, "standby: the database is unreachable; retrying every second");
                    told_unreachable = true;
                }
                candidacy.saw(None);
                std::thread::sleep(RECONNECT);
                continue;
            }
        };
        told_unreachable = false;
        loop {
            if candidacy.cancelled() {
                return Err(StoreError::Closed);
            }
            match try_lock(&mut c) {
                Ok(true) => return Ok(c),
                Ok(false) => {}
                Err(_) => break,
            }
            let active = read_active(&mut c);
            if !told_standby {
                tracing::info!(
                    active = active.as_deref().unwrap_or("unknown"),
                    "standby: another node is active; taking over when its session ends"
                );
                told_standby = true;
            }
            candidacy.saw(active);
            std::thread::sleep(POLL);
        }
    }
}

fn try_lock(c: &mut Client) -> Result<bool, StoreError> {
    Ok(
        c.query_one("SELECT pg_try_advisory_lock($1)", &[&NODE_LOCK])
            .map_err(|e| pg_err("lock", &e))?
            .get(0),
    )
}

/// Takes the node lock, waiting up to `wait` for a node that just stopped to let it go
/// (offline commands, which must have the database to themselves).
pub(super) fn lock_node(c: &mut Client, wait: Duration) -> Result<(), StoreError> {
    let started = Instant::now();
    while !try_lock(c)? {
        if started.elapsed() >= wait {
            return Err(StoreError::Locked(
                "the PostgreSQL database (a lacznik node is active on it)".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// The active node's announced address, if the table exists and holds one.
fn read_active(c: &mut Client) -> Option<String> {
    let exists: bool = c
        .query_one("SELECT to_regclass('lacznik_active') IS NOT NULL", &[])
        .ok()?
        .get(0);
    if !exists {
        return None;
    }
    c.query_opt("SELECT addr FROM lacznik_active WHERE id = 1", &[])
        .ok()
        .flatten()
        .map(|r| r.get(0))
}

/// Makes the locked session the fenced committer: the database ends it after
/// `session_timeout` of silence, and the active's address is announced. Run after the
/// schema exists.
pub(super) fn become_active(
    c: &mut Client,
    settings: &PgSettings,
    advertise: &str,
) -> Result<(), StoreError> {
    let ms = settings.session_timeout.as_millis().max(1000);
    // idle_session_timeout exists from PostgreSQL 14 on; without it a paused node keeps
    // its session until TCP gives up (hours), so say so rather than fail.
    let liveness = format!(
        "SET idle_in_transaction_session_timeout = {ms};
         SET tcp_keepalives_idle = 1; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 3;
         SET tcp_user_timeout = {ms};"
    );
    c.batch_execute(&liveness)
        .map_err(|e| pg_err("session settings", &e))?;
    if let Err(e) = c.batch_execute(&format!("SET idle_session_timeout = {ms}")) {
        tracing::warn!(error = %e, "the database has no idle_session_timeout (PostgreSQL < 14): a paused active node keeps its claim until TCP gives up; use PostgreSQL 14 or newer for active/standby");
    }
    c.execute(
        "INSERT INTO lacznik_active (id, addr, since) VALUES (1, $1, now())
         ON CONFLICT (id) DO UPDATE SET addr = EXCLUDED.addr, since = EXCLUDED.since",
        &[&advertise],
    )
    .map_err(|e| pg_err("announce the active node", &e))?;
    Ok(())
}

/// Proves the session alive (and so the claim held) to the database and to ourselves.
pub(super) fn heartbeat(c: &mut Client) -> Result<(), StoreError> {
    c.simple_query("SELECT 1")
        .map(|_| ())
        .map_err(|e| pg_err("heartbeat", &e))
}

/// When this process's committer last heard its session answer, and how fast the last
/// heartbeat came back: process-wide, like the metrics registry that shows them (a process
/// holds at most one active engine).
static VITALS: Mutex<Option<(Instant, Option<Duration>)>> = Mutex::new(None);

/// Records that the session answered just now (`rtt`: a heartbeat's round trip).
pub(super) fn confirmed(rtt: Option<Duration>) {
    let mut v = VITALS.lock().unwrap_or_else(|p| p.into_inner());
    let rtt = rtt.or_else(|| v.and_then(|(_, r)| r));
    *v = Some((Instant::now(), rtt));
}

/// Records that this process holds no session any more.
pub(super) fn confirmed_never() {
    *VITALS.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// Time since the active's session last answered (the "lease age": it stays under
/// [`HEARTBEAT`] while all is well), and the last heartbeat's round trip; `None` when this
/// process is not active on PostgreSQL.
pub fn vitals() -> Option<(Duration, Option<Duration>)> {
    VITALS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .map(|(at, rtt)| (at.elapsed(), rtt))
}

#[cfg(test)]
#[path = "election_tests.rs"]
mod tests;
