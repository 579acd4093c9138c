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
//! answered by the overlay. The one remaining race, a read older than the loss of the
//! commit's value (below), is closed by an epoch: a read is kept only if it began at most
//! one rotation ago, while that value is still held.
//!
//! Bounded in two generations: new values go into the young one, and when it holds
//! [`MAX_ENTRIES`] / 2 keys or [`MAX_BYTES`] / 2 bytes it becomes the old one and the old
//! one is let go (a rotation). A value read from the old generation moves to the young, so
//! hot keys (the audit chain's head) stay. It used to be one map started over empty: every
//! few seconds under load that threw away the keys the submissions in flight had read
//! ahead, and the single writer then read each of them itself, one round trip after
//! another: a stall of 50-90 ms for every client at once, the benchmark's p99 at 64
//! clients. A rotation keeps them (a read ahead begun before it is kept, and what it
//! found stays a generation more).

use std::collections::HashMap;

/// Most keys kept (both generations).
pub const MAX_ENTRIES: usize = 200_000;
/// Most bytes of keys and values kept (both generations).
pub const MAX_BYTES: usize = 64 << 20;

type Values = HashMap<Vec<u8>, Option<Vec<u8>>>;

/// See the module docs.
#[derive(Default)]
pub(super) struct Cache {
    young: Values,
    old: Values,
    young_bytes: usize,
    epoch: u64,
}

impl Cache {
    /// The committed state of `key` if known: `Some(None)` for "known absent".
    pub(super) fn get(&mut self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        if let Some(v) = self.young.get(key) {
            return Some(v.clone());
        }
        let v = self.old.remove(key)?;
        self.put(key.to_vec(), v.clone());
        Some(v)
    }

    /// The epoch to hand back to [`Cache::offer`] after a database read (taken before it).
    pub(super) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Keeps what a database read begun in `epoch` found, unless the key is cached
    /// already (then by a commit, or by a read no older) or the read began before the
    /// last rotation but one (a commit's value it predates may have gone with the old
    /// generation).
    pub(super) fn offer(&mut self, epoch: u64, key: &[u8], value: Option<Vec<u8>>) {
        if epoch + 1 >= self.epoch && !self.young.contains_key(key) && !self.old.contains_key(key) {
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
        if self.young.len() >= MAX_ENTRIES / 2 || self.young_bytes + size > MAX_BYTES / 2 {
            // Sized as before, so that filling it again never stops to rehash.
            let fresh = HashMap::with_capacity(self.young.len());
            let young = std::mem::replace(&mut self.young, fresh);
            retire(std::mem::replace(&mut self.old, young));
            self.young_bytes = 0;
            self.epoch += 1;
        }
        self.old.remove(&key);
        if let Some(old) = self.young.insert(key.clone(), value) {
            self.young_bytes -= key.len() + old.map_or(0, |v| v.len());
        }
        self.young_bytes += size;
    }
}

/// Frees what the cache let go of on a thread of its own. Freeing a full cache (64 MB in
/// ~120,000 values) took 24-50 ms in a scratch program on the benchmark machine, and a
/// rotation happens inside a flush, under the cache's lock: on the flusher, that would
/// stall every command of the node. Should no thread be had, the map is freed here after
/// all (the spawn drops what it was given).
fn retire(gone: Values) {
    if gone.is_empty() {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("lacznik-pg-free".into())
        .spawn(move || drop(gone));
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
    fn a_read_begun_before_the_last_rotation_but_one_is_not_kept() {
        let mut c = Cache::default();
        let before = c.epoch();
        c.committed([(&b"k0".to_vec(), &Some(b"new".to_vec()))]);
        rotate(&mut c);
        // One rotation on, the commit's value is still held (old generation): a read that
        // began before it is refused for being cached, and one begun before the rotation,
        // of a key nobody wrote since, is kept (a read ahead in flight survives).
        c.offer(before, b"k0", Some(b"stale".to_vec()));
        assert_eq!(c.get(b"k0"), Some(Some(b"new".to_vec())));
        c.offer(before, b"ahead", None);
        assert_eq!(c.get(b"ahead"), Some(None));
        // Two rotations on, the commit's value may be gone: a read that old is refused.
        c.committed([(&b"k1".to_vec(), &Some(b"new".to_vec()))]);
        let e = c.epoch();
        rotate(&mut c);
        rotate(&mut c);
        assert_eq!(c.get(b"k1"), None, "let go with its generation");
        c.offer(e, b"k1", Some(b"stale".to_vec()));
        assert_eq!(c.get(b"k1"), None);
        let e = c.epoch();
        c.offer(e, b"k1", Some(b"fresh".to_vec()));
        assert_eq!(c.get(b"k1"), Some(Some(b"fresh".to_vec())));
    }

    #[test]
    fn a_key_read_from_the_old_generation_stays_and_the_bound_holds() {
        let mut c = Cache::default();
        c.committed([(&b"hot".to_vec(), &Some(b"head".to_vec()))]);
        for _ in 0..5 {
            rotate(&mut c);
            assert_eq!(c.get(b"hot"), Some(Some(b"head".to_vec())));
        }
        assert!(c.young.len() + c.old.len() <= super::MAX_ENTRIES);
        assert!(c.young_bytes <= super::MAX_BYTES / 2);
    }

    /// Writes distinct keys until the young generation rotates once.
    fn rotate(c: &mut Cache) {
        let e = c.epoch();
        let mut i = 0u64;
        while c.epoch() == e {
            c.committed([(&format!("fill{e}-{i}").into_bytes(), &None)]);
            i += 1;
        }
    }
}
