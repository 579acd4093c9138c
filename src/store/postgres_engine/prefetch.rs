//! Read-ahead of the keys commands are about to read ([`Engine::prefetch`]), merged: every
//! prefetch waiting when a prefetcher thread turns to the queue goes into ONE query.
//!
//! Why merged: a submission's prefetch asks for two or three keys, and nearly always finds
//! none of them (a new request). Answered one query each, as other reads are, the queries'
//! fixed cost (a round trip, a portal, a snapshot and an executor start in the database
//! backend, a wake-up of a reader thread) was most of it: at 64 clients on the benchmark
//! machine the reader backends took ~0.35 of a core, about as much as the committer's
//! inserts, on the two cores the writer's own path needs (README "Benchmark"). Merged, the
//! cost grows with the keys, and a query's worth of arrivals share each round trip, so the
//! number of queries falls as the load rises.
//!
//! Two prefetcher threads, each with its own connection: while one waits for its query, the
//! other gathers what arrived meanwhile. A prefetch's keys are known found or absent in the
//! cache once its query is answered, as before ([`super::cache::Cache::offer`], with the
//! epoch taken when the prefetch was asked, so a read older than two rotations is dropped); a
//! failed query caches nothing and the writer reads the keys itself, as without read-ahead.
//!
//! [`Engine::prefetch`]: crate::store::engine::Engine::prefetch

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::mpsc::Receiver;

use postgres::Client;

use super::cache::Cache;
use super::settings::{PgSettings, Role, Session, pg_err};
use crate::store::StoreError;

/// Prefetcher threads (connections).
pub(super) const PREFETCHERS: usize = 2;
/// Most keys in one merged query (a bound on its size; the rest wait for the next one).
const MAX_KEYS: usize = 1024;

/// One prefetch: its keys (not in the overlay or the cache when asked), the cache epoch
/// then, and what to run once they are known or could not be read. `done` runs when the
/// prefetch is dropped, so one dropped unanswered (the engine closing with it queued, a
/// prefetcher thread gone) never leaves its caller waiting either.
pub(super) struct Prefetch {
    pub(super) keys: Vec<Vec<u8>>,
    pub(super) epoch: u64,
    pub(super) done: Option<Box<dyn FnOnce() + Send>>,
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            done();
        }
    }
}

/// A prefetcher thread's loop: gathers the waiting prefetches, answers them with one query,
/// until the engine is dropped (the channel closes).
pub(super) fn prefetcher(
    client: Client,
    settings: &PgSettings,
    jobs: &Mutex<Receiver<Prefetch>>,
    cache: &Mutex<Cache>,
) {
    let mut session = Session::new(client, Role::Prefetch, prepare);
    loop {
        let Some(batch) = gather(jobs) else { return };
        // The database restarted or the connection broke: tried again once per batch.
        if let Ok(found) = session
            .ready(settings)
            .and_then(|(c, st)| query(c, st, &batch))
        {
            let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
            for p in &batch {
                for k in &p.keys {
                    cache.offer(p.epoch, k, found.get(k).cloned());
                }
            }
        }
        // Answered or not, nobody waits longer (dropping runs `done`): the writer reads
        // what is not cached.
        drop(batch);
    }
}

/// Waits for one prefetch, then takes every other one already waiting, up to [`MAX_KEYS`]
/// keys. `None` once the engine is gone.
fn gather(jobs: &Mutex<Receiver<Prefetch>>) -> Option<Vec<Prefetch>> {
    let jobs = jobs.lock().unwrap_or_else(|p| p.into_inner());
    let first = jobs.recv().ok()?;
    let mut keys = first.keys.len();
    let mut batch = vec![first];
    while keys < MAX_KEYS {
        match jobs.try_recv() {
            Ok(p) => {
                keys += p.keys.len();
                batch.push(p);
            }
            Err(_) => break,
        }
    }
    Some(batch)
}

fn prepare(c: &mut Client) -> Result<postgres::Statement, StoreError> {
    c.prepare("SELECT k, v FROM lacznik_kv WHERE k = ANY($1)")
        .map_err(|e| pg_err("prepare prefetch", &e))
}

/// The rows of every key of the batch, each key asked for once.
fn query(
    c: &mut Client,
    st: &postgres::Statement,
    batch: &[Prefetch],
) -> Result<BTreeMap<Vec<u8>, Vec<u8>>, StoreError> {
    let keys: BTreeSet<&[u8]> = batch
        .iter()
        .flat_map(|p| p.keys.iter().map(Vec::as_slice))
        .collect();
    let keys: Vec<&[u8]> = keys.into_iter().collect();
    let rows = c.query(st, &[&keys]).map_err(|e| pg_err("prefetch", &e))?;
    Ok(rows
        .into_iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc::channel;
    use std::sync::{Arc, Mutex};

    use super::{MAX_KEYS, Prefetch, gather};

    fn prefetch(keys: usize, done: &Arc<AtomicUsize>) -> Prefetch {
        let done = done.clone();
        Prefetch {
            keys: (0..keys).map(|i| vec![i as u8]).collect(),
            epoch: 0,
            done: Some(Box::new(move || {
                done.fetch_add(1, Ordering::SeqCst);
            })),
        }
    }

    #[test]
    fn the_prefetches_waiting_are_taken_together_up_to_the_key_bound() {
        let done = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel();
        // 600 prefetches of 2 keys: the first batch stops at the bound, the next takes
        // the rest.
        for _ in 0..600 {
            tx.send(prefetch(2, &done)).unwrap();
        }
        let rx = Mutex::new(rx);
        let first = gather(&rx).unwrap();
        assert_eq!(first.len(), MAX_KEYS / 2);
        let second = gather(&rx).unwrap();
        assert_eq!(first.len() + second.len(), 600);
        assert_eq!(
            done.load(Ordering::SeqCst),
            0,
            "none answered while gathered"
        );
        drop((first, second));
        assert_eq!(
            done.load(Ordering::SeqCst),
            600,
            "dropping a prefetch answers it"
        );
        // One waiting alone is taken alone; a closed queue ends the thread.
        tx.send(prefetch(3, &done)).unwrap();
        assert_eq!(gather(&rx).unwrap().len(), 1);
        drop(tx);
        assert!(gather(&rx).is_none());
    }
}
