//! What the engine has applied but not yet committed, as reads must see it: batches
//! queued since the last flush began, and the final state of the keys a flush is writing.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::store::engine::{Op, WriteBatch};

/// Batches applied but not yet committed: `queued` since the last flush began, `committing`
/// while a flush writes them. Reads see both, newest first.
#[derive(Default)]
pub(super) struct Overlay {
    pub(super) queued: Vec<WriteBatch>,
    /// Shared with the committer thread while it writes them.
    pub(super) committing: Arc<super::Writes>,
}

impl Overlay {
    /// The pending state of every key in `[start, end)`, latest write winning.
    pub(super) fn range(&self, start: &[u8], end: &[u8]) -> BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        let mut out: BTreeMap<Vec<u8>, Option<Vec<u8>>> = self
            .committing
            .range(start.to_vec()..end.to_vec())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for b in &self.queued {
            for op in b.ops() {
                let (k, v) = match op {
                    Op::Put(k, v) | Op::Insert(k, v) => (k, Some(v.clone())),
                    Op::Delete(k) => (k, None),
                };
                if k.as_slice() >= start && k.as_slice() < end {
                    out.insert(k.clone(), v);
                }
            }
        }
        out
    }

    pub(super) fn get(&self, key: &[u8]) -> Option<Option<Vec<u8>>> {
        for b in self.queued.iter().rev() {
            for op in b.ops().iter().rev() {
                match op {
                    Op::Put(k, v) | Op::Insert(k, v) if k == key => {
                        return Some(Some(v.clone()));
                    }
                    Op::Delete(k) if k == key => return Some(None),
                    _ => {}
                }
            }
        }
        self.committing.get(key).cloned()
    }
}
