//! The view a command gets of the store while it runs on the writer: reads see the engine
//! plus the command's own writes; writes collect into one batch that is applied only if
//! the command succeeds. Encoding or sealing that fails fails the command: nothing wrong
//! or empty is ever written in a record's place.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::StoreError;
use super::codec::{self, Versioned};
use super::engine::{Engine, Entry, WriteBatch};
use super::keys;
use crate::crypto::KeyRing;

/// The view a command gets: reads see the engine plus this command's own writes; writes
/// are collected into one batch that is applied only if the command succeeds.
pub struct Txn<'a> {
    pub(super) engine: &'a dyn Engine,
    pub(super) keys: &'a KeyRing,
    pub(super) batch: WriteBatch,
    pub(super) overlay: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    pub(super) counters: &'a mut HashMap<Vec<u8>, u64>,
    pub(super) new_counters: HashMap<Vec<u8>, u64>,
    pub(super) durable: Vec<Box<dyn FnOnce() + Send>>,
    /// Records written with [`Txn::put_record_kept`], as written (no encoding round trip).
    pub(super) kept: HashMap<Vec<u8>, Box<dyn Any + Send>>,
    /// Keys this command read from the engine and found absent: a later put of one is an
    /// [`Txn::insert`] (nothing else writes while a command runs: one writer).
    pub(super) absent: RefCell<HashSet<Vec<u8>>>,
}

impl Txn<'_> {
    /// Reads a key as this command sees it.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.overlay.get(key) {
            Some(v) => Ok(v.clone()),
            None => {
                let v = self.engine.get(key)?;
                if v.is_none() {
                    self.absent.borrow_mut().insert(key.to_vec());
                }
                Ok(v)
            }
        }
    }

    /// Whether this command has written (or deleted) `key` so far: how a caller tells a
    /// command that changed a record from a repeat that found nothing to do, without
    /// reading the record twice.
    pub fn has_written(&self, key: &[u8]) -> bool {
        self.overlay.contains_key(key)
    }

    /// The keys in `[start, end)` this command has put so far (not deleted), in order: what
    /// it added under a prefix, known without a read.
    pub fn written_in<'k>(
        &'k self,
        start: &[u8],
        end: &[u8],
    ) -> impl Iterator<Item = &'k Vec<u8>> + 'k {
        self.overlay
            .range(start.to_vec()..end.to_vec())
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k)
    }

    /// Reads and decodes a record.
    pub fn get_record<T: Versioned>(&self, key: &[u8]) -> Result<Option<T>, StoreError> {
        self.get(key)?
            .map(|bytes| codec::decode(key, &bytes))
            .transpose()
    }

    /// Reads and opens a sealed record (one holding personal data).
    pub fn get_sealed<T: Versioned>(&self, key: &[u8]) -> Result<Option<T>, StoreError> {
        self.get(key)?
            .map(|sealed| open_sealed(self.keys, key, &sealed))
            .transpose()
    }

    /// Seals and writes a record holding personal data.
    pub fn put_sealed<T: Versioned>(&mut self, key: Vec<u8>, value: &T) -> Result<(), StoreError> {
        let sealed = seal(self.keys, &key, &codec::encode(&key, value)?)?;
        self.put(key, sealed);
        Ok(())
    }

    /// [`Txn::put_sealed`], keeping the value as well (see [`Txn::put_record_kept`]).
    pub fn put_sealed_kept<T: Versioned + Clone + Send + 'static>(
        &mut self,
        key: Vec<u8>,
        value: &T,
    ) -> Result<(), StoreError> {
        self.put_sealed(key.clone(), value)
            .map(|()| self.keep(key, value))
    }

    /// Re-seals a sealed value under the active key (key rotation); returns whether the
    /// value needed it.
    pub fn reseal(&mut self, key: &[u8], sealed: &[u8]) -> Result<bool, StoreError> {
        if KeyRing::key_of(sealed) == Some(self.keys.active_id()) {
            return Ok(false);
        }
        let plain = self.keys.open(key, sealed).map_err(|e| StoreError::Codec {
            key: hex::encode(key),
            reason: e.to_string(),
        })?;
        let resealed = seal(self.keys, key, &plain)?;
        self.put(key.to_vec(), resealed);
        Ok(true)
    }

    /// Writes raw bytes.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        let absent = self.absent.get_mut();
        let fresh = !absent.is_empty() && absent.contains(&key);
        self.write(key, value, fresh);
    }

    /// Writes raw bytes at a key the caller knows holds nothing: an entry numbered past the
    /// last of its sequence, an index entry of a record this command creates. Stored as
    /// [`Txn::put`] stores; the PostgreSQL engine writes it without first looking for a
    /// row to replace ([`super::engine::Op::Insert`]: a wrong hint is slower, not wrong).
    pub fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.write(key, value, true);
    }

    /// Encodes and writes a record at a key known to hold nothing (see [`Txn::insert`]).
    pub fn insert_record<T: Versioned>(
        &mut self,
        key: Vec<u8>,
        value: &T,
    ) -> Result<(), StoreError> {
        let bytes = codec::encode(&key, value)?;
        self.insert(key, bytes);
        Ok(())
    }

    fn write(&mut self, key: Vec<u8>, value: Vec<u8>, fresh: bool) {
        if !self.kept.is_empty() {
            self.kept.remove(&key);
        }
        // Written once by this command, the key is no longer known absent: a put after a
        // delete of it stays a put.
        let was_written = self
            .overlay
            .insert(key.clone(), Some(value.clone()))
            .is_some();
        if fresh && !was_written {
            self.batch.insert(key, value);
        } else {
            self.batch.put(key, value);
        }
    }

    /// [`Txn::put_record`], keeping the value as well, so that what the command's caller
    /// answers with can be taken from [`Txn::kept`] instead of read back and decoded after
    /// the commit (a case's deadline clocks: issue 14's profile had that read-back at 3 % of
    /// a submission's CPU).
    pub fn put_record_kept<T: Versioned + Clone + Send + 'static>(
        &mut self,
        key: Vec<u8>,
        value: &T,
    ) -> Result<(), StoreError> {
        self.put_record(key.clone(), value)
            .map(|()| self.keep(key, value))
    }

    /// Keeps `value` as the one just written at `key` (after the write: a write forgets).
    fn keep<T: Clone + Send + 'static>(&mut self, key: Vec<u8>, value: &T) {
        self.kept.insert(key, Box::new(value.clone()));
    }

    /// The value this command last wrote at `key` with [`Txn::put_record_kept`] or
    /// [`Txn::put_sealed_kept`], if that was its last write of the key (a later put or
    /// delete forgets it).
    pub fn kept<T: 'static>(&self, key: &[u8]) -> Option<&T> {
        self.kept.get(key).and_then(|v| v.downcast_ref::<T>())
    }

    /// Encodes and writes a record.
    pub fn put_record<T: Versioned>(&mut self, key: Vec<u8>, value: &T) -> Result<(), StoreError> {
        let bytes = codec::encode(&key, value)?;
        self.put(key, bytes);
        Ok(())
    }

    /// Removes a key.
    pub fn delete(&mut self, key: Vec<u8>) {
        if !self.kept.is_empty() {
            self.kept.remove(&key);
        }
        self.overlay.insert(key.clone(), None);
        self.batch.delete(key);
    }

    /// Scans the engine (not this command's own uncommitted writes); for reads that look at
    /// earlier commands only.
    pub fn scan_committed(
        &self,
        start: &[u8],
        end: &[u8],
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        self.engine.scan(start, end, limit)
    }

    /// The last committed entry in `[start, end)` (applied by earlier commands).
    pub fn scan_last(&self, start: &[u8], end: &[u8]) -> Result<Option<Entry>, StoreError> {
        self.engine.last(start, end)
    }

    /// Allocates the next number of the sequence whose keys live under `prefix` (keys are
    /// `prefix ++ u64 BE`). Numbers start at 1 and have no gaps: a failed command gives its
    /// numbers back.
    pub fn next_seq(&mut self, prefix: &[u8]) -> Result<u64, StoreError> {
        let current = match self.new_counters.get(prefix) {
            Some(n) => *n,
            None => match self.counters.get(prefix) {
                Some(n) => *n,
                None => {
                    let end = keys::prefix_end(prefix);
                    self.engine
                        .last(prefix, &end)?
                        .and_then(|(k, _)| keys::trailing_u64(&k))
                        .unwrap_or(0)
                }
            },
        };
        let next = current + 1;
        self.new_counters.insert(prefix.to_vec(), next);
        Ok(next)
    }

    /// Runs `f` once the command's batch is durable (never if the flush fails), e.g. to
    /// wake streams waiting for a feed.
    pub fn on_durable(&mut self, f: impl FnOnce() + Send + 'static) {
        self.durable.push(Box::new(f));
    }
}

pub(super) fn open_sealed<T: Versioned>(
    keys: &KeyRing,
    key: &[u8],
    sealed: &[u8],
) -> Result<T, StoreError> {
    let plain = keys.open(key, sealed).map_err(|e| StoreError::Codec {
        key: hex::encode(key),
        reason: e.to_string(),
    })?;
    codec::decode(key, &plain)
}

fn seal(keys: &KeyRing, key: &[u8], plain: &[u8]) -> Result<Vec<u8>, StoreError> {
    keys.seal(key, plain).map_err(|e| StoreError::Codec {
        key: hex::encode(key),
        reason: e.to_string(),
    })
}
