//! The narrow seam between lacznik and its embedded database. Everything above it deals
//! in ordered byte keys, atomic batches and an explicit flush; nothing above it knows sled.

use super::StoreError;

/// One key-value pair read from the engine.
pub type Entry = (Vec<u8>, Vec<u8>);

/// What lacznik needs from an embedded key-value engine, and nothing more, so that a
/// replacement (e.g. fjall or redb) is one file.
///
/// Contract: keys are ordered bytewise; [`Engine::apply`] is atomic (after a crash either
/// the whole batch is there or none of it); [`Engine::flush`] returns only once everything
/// applied before the call is durable.
pub trait Engine: Send + Sync + 'static {
    /// Reads one key.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Reads up to `limit` entries with `start <= key < end`, in key order.
    fn scan(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError>;
    /// Reads the last entry with `start <= key < end`, used to resume sequence counters.
    fn last(&self, start: &[u8], end: &[u8]) -> Result<Option<Entry>, StoreError>;
    /// Applies a batch atomically (visible at once, durable after the next flush).
    fn apply(&self, batch: WriteBatch) -> Result<(), StoreError>;
    /// Makes everything applied so far durable.
    fn flush(&self) -> Result<(), StoreError>;
    /// Bytes the engine occupies on disk, for operators and the benchmark.
    fn size_on_disk(&self) -> Result<u64, StoreError>;
    /// Nudges the engine to rewrite its files so that deleted and overwritten values leave
    /// the disk sooner (after a retention purge); must return promptly, never wait for the
    /// rewrite. Engines that cannot be asked do nothing and say so in their docs.
    fn compact(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Gives the engine a way to say that it can write no more when it learns so outside
    /// any call (PostgreSQL: the database ended the active's session), so the store fails
    /// at once instead of at the next write. Embedded engines have no such news.
    fn on_lost(&self, _hook: Box<dyn Fn(StoreError) + Send + Sync>) {}
    /// Reads `keys` ahead of a command that will read them and calls `done` once they are
    /// at hand (or could not be read: the command's own read then reports why), so that
    /// the single writer does not wait for them one after another. PostgreSQL reads them
    /// on its prefetcher connections (the prefetches waiting at a time in one query) and
    /// keeps them in its cache; the
    /// embedded engines read from memory or the page cache anyway and call `done` at once.
    fn prefetch(&self, _keys: Vec<Vec<u8>>, done: Box<dyn FnOnce() + Send>) {
        done();
    }
}

/// An ordered list of writes applied as one atomic unit.
#[derive(Debug, Default, Clone)]
pub struct WriteBatch {
    ops: Vec<Op>,
}

/// One write of a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Insert or replace a value.
    Put(Vec<u8>, Vec<u8>),
    /// A [`Op::Put`] of a key the command knows is absent (an entry numbered past the
    /// last, an index entry of a record it creates, a key it read and found absent): the
    /// same for what the engine holds afterwards, but PostgreSQL writes it with a plain
    /// `INSERT` instead of an upsert (one index lookup per row less). Only a hint: an
    /// engine must still replace a value that is there (PostgreSQL then writes the flush
    /// again as upserts), so a wrong one costs time, never a wrong result.
    Insert(Vec<u8>, Vec<u8>),
    /// Remove a key (a no-op if absent).
    Delete(Vec<u8>),
}

impl WriteBatch {
    /// Adds an insert.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.ops.push(Op::Put(key, value));
    }
    /// Adds an insert of a key known to be absent ([`Op::Insert`]).
    pub fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.ops.push(Op::Insert(key, value));
    }
    /// Adds a removal.
    pub fn delete(&mut self, key: Vec<u8>) {
        self.ops.push(Op::Delete(key));
    }
    /// True when the batch writes nothing, so the engine can skip it.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
    /// Number of writes, for metrics.
    pub fn len(&self) -> usize {
        self.ops.len()
    }
    /// The writes in order, for engines that keep batches before writing them.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }
    /// Consumes the batch in order, for engine implementations.
    pub fn into_ops(self) -> Vec<Op> {
        self.ops
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
