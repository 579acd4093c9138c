//! Committed values this node wrote or read, kept so that the single writer does not pay a
//! database round trip for every key it reads (the audit chain's head, a record it just
//! wrote, a clock): on the embedded engines those reads are memory reads, and with one
//! writer thread the round trips would add up to the node's throughput limit.
//!
//! Coherent because the node holding the engine is the only writer of the database: the
//! election's fence (`election`) guarantees no other node commits while this engine lives,
//! so nothing can change a cached value behind its back. Absent keys are cached too.
//!
//! A read may race with a commit of the same key, and its answer then predate the commit;
//! so what a read found never replaces what the cache holds (a commit's value is always
//! the newer), and a commit always replaces it. A read that finds the key not cached and
//! is older than a commit of it still running puts a stale value in, but that commit
//! replaces it before the engine's overlay lets go of the key, and until then reads are
//! answered by the overlay. The one remaining race, a read older than the cache's last
//! start-over (its commit's value thrown away with the rest), is closed by an epoch that
//! each start-over bumps: a read from before it is not kept.
//!
//! Bounded: when it holds more than [`MAX_ENTRIES`] keys or [`MAX_BYTES`] bytes it starts
//! over empty (simple, and the hot keys come back with the next reads).

use std::collections::HashMap;

/// Most keys kept.
pub const MAX_ENTRIES: usize = 200_000;
/// Most bytes of keys and values kept.
pub const MAX_BYTES: usize = 64 << 20;

/// See the module docs.
#[derive(Default)]
pub(super) struct Cache {
    values: HashMap<Vec<u8>, Option<Vec<u8>>>,
    bytes: usize,
    epoch: u64,
}

impl Cache {
    /// The committed state of `key` if known: `Some(None)` for "known absent".
    pub(super) fn get(&self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        self.values.get(key).cloned()
    }

    /// The epoch to hand back to [`Cache::offer`] after a database read (taken before it).
    pub(super) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Keeps what a database read begun in `epoch` found, unless the key is cached
    /// already (then by a commit, or by a read no older) or the cache started over since.
    pub(super) fn offer(&mut self, epoch: u64, key: &[u8], value: Option<Vec<u8>>) {
        if epoch == self.epoch && !self.values.contains_key(key) {
            self.put(key.to_vec(), value);
        }
    }

    /// Records what a commit wrote (values and deletions), before the overlay lets go.
    pub(super) fn committed<'a>(
        &mut self,
        writes: impl IntoIterator<Item = (&'a Vec<u8>, &'a Option<Vec<u8>>)>,
    ) {
        for (k, v) in writes {
            self.put(k.clone(), v.clone());
        }
    }

    fn put(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        let size = key.len() + value.as_ref().map_or(0, Vec::len);
        if self.values.len() >= MAX_ENTRIES || self.bytes + size > MAX_BYTES {
            // Sized as before, so that filling it again never stops to rehash.
            let fresh = HashMap::with_capacity(self.values.len());
            let full = std::mem::replace(&mut self.values, fresh);
            retire(full);
            self.bytes = 0;
            self.epoch += 1;
        }
        if let Some(old) = self.values.insert(key.clone(), value) {
            self.bytes -= key.len() + old.map_or(0, |v| v.len());
        }
        self.bytes += size;
    }
}

/// Frees what the cache let go of on a thread of its own. Freeing a full cache (64 MB in
/// ~120,000 values) took 24-50 ms in a scratch program on the benchmark machine, and a
/// start-over happens inside a flush, under the cache's lock: on the flusher, that stalled
/// every command of the node each time (every few seconds under load). Should no thread be
/// had, the map is freed here after all (the spawn drops what it was given).
fn retire(full: HashMap<Vec<u8>, Option<Vec<u8>>>) {
    let _ = std::thread::Builder::new()
        .name("lacznik-pg-free".into())
        .spawn(move || drop(full));
}

#[cfg(test)]
mod tests {
    use super::Cache;

    #[test]
    fn a_read_that_raced_a_commit_is_not_kept_and_commits_always_are() {
        let mut c = Cache::default();
        let e = c.epoch();
        c.committed([(&b"k".to_vec(), &Some(b"new".to_vec()))]);
        c.offer(e, b"k", Some(b"old".to_vec()));
        assert_eq!(c.get(b"k"), Some(Some(b"new".to_vec())));
        // A read that began before a commit of the key and is offered first: the commit
        // replaces it.
        c.offer(e, b"raced", Some(b"old".to_vec()));
        c.committed([(&b"raced".to_vec(), &Some(b"new".to_vec()))]);
        assert_eq!(c.get(b"raced"), Some(Some(b"new".to_vec())));
        let e = c.epoch();
        c.offer(e, b"absent", None);
        assert_eq!(c.get(b"absent"), Some(None));
        c.committed([(&b"absent".to_vec(), &Some(b"v".to_vec()))]);
        assert_eq!(c.get(b"absent"), Some(Some(b"v".to_vec())));
        c.committed([(&b"k".to_vec(), &None)]);
        assert_eq!(c.get(b"k"), Some(None));
    }

    #[test]
    fn a_read_older_than_a_start_over_is_not_kept() {
        let mut c = Cache::default();
        let e = c.epoch();
        // Fill past the bound: the cache starts over (and a commit's value went with it).
        for i in 0..=super::MAX_ENTRIES {
            c.committed([(&format!("k{i}").into_bytes(), &None)]);
        }
        assert!(c.epoch() > e);
        c.offer(e, b"k0", Some(b"stale".to_vec()));
        assert_eq!(c.get(b"k0"), None);
        let e = c.epoch();
        c.offer(e, b"k0", Some(b"fresh".to_vec()));
        assert_eq!(c.get(b"k0"), Some(Some(b"fresh".to_vec())));
    }
}
