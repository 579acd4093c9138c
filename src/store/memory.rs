//! An in-memory [`Engine`] for unit tests of domain logic that do not need a disk.
//! Integration tests and the server always use a real engine on disk.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::StoreError;
use super::engine::{Engine, Entry, Op, WriteBatch};

/// A BTreeMap behind a mutex; `flush` is a no-op unless a test made it fail.
#[derive(Default)]
pub struct MemoryEngine {
    map: Mutex<BTreeMap<Vec<u8>, Vec<u8>>>,
    /// Injected flush failure: (is it "disk full", message).
    flush_error: Mutex<Option<(bool, String)>>,
    /// Injected bug: `apply` panics (on the writer thread, outside any command).
    panic_on_apply: std::sync::atomic::AtomicBool,
}

impl MemoryEngine {
    /// Fault injection for unit tests: every later `apply` panics, as a bug in an engine
    /// would, on the thread that calls it.
    pub fn panic_on_apply(&self) {
        self.panic_on_apply
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Fault injection for unit tests: every later flush fails with `e` (as
    /// [`StoreError::DiskFull`] if `e` is one, else as an engine error).
    pub fn fail_flushes(&self, e: StoreError) {
        *self.flush_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(match e {
            StoreError::DiskFull(m) => (true, m),
            other => (false, other.to_string()),
        });
    }

    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<Vec<u8>, Vec<u8>>> {
        // A panic while holding the lock can only come from a test; the map stays usable.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Engine for MemoryEngine {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.map().get(key).cloned())
    }
    fn scan(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        if start >= end {
            return Ok(Vec::new());
        }
        Ok(self
            .map()
            .range(start.to_vec()..end.to_vec())
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
    fn last(&self, start: &[u8], end: &[u8]) -> Result<Option<Entry>, StoreError> {
        if start >= end {
            return Ok(None);
        }
        Ok(self
            .map()
            .range(start.to_vec()..end.to_vec())
            .next_back()
            .map(|(k, v)| (k.clone(), v.clone())))
    }
    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError> {
        assert!(
            !self
                .panic_on_apply
                .load(std::sync::atomic::Ordering::SeqCst),
            "injected fault: the engine panics in apply"
        );
        let mut map = self.map();
        for op in batch.into_ops() {
            match op {
                Op::Put(k, v) | Op::Insert(k, v) => {
                    map.insert(k, v);
                }
                Op::Delete(k) => {
                    map.remove(&k);
                }
            }
        }
        Ok(())
    }
    fn flush(&self) -> Result<(), StoreError> {
        match &*self.flush_error.lock().unwrap_or_else(|p| p.into_inner()) {
            None => Ok(()),
            Some((true, m)) => Err(StoreError::DiskFull(m.clone())),
            Some((false, m)) => Err(StoreError::Engine(m.clone())),
        }
    }
    fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(0)
    }
}
