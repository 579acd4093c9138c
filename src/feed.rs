//! Feeds are append-only logs keyed by a big-endian sequence number under a prefix (one
//! per recipient, plus the breach log). A stream or a pull is a range scan after the
//! client's cursor, then a wait for the feed's durable watermark to move: replay after a
//! restart and live delivery are the same code path.
//!
//! Readers never see an entry before it is flushed: the watermark only moves in the
//! store's `on_durable` callbacks, and reads stop at it. So a client can never hold a
//! cursor past an entry that a crash could take back.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::error::Error;
use crate::shutdown::Shutdown;
use crate::store::codec::Versioned;
use crate::store::{Store, StoreError, Txn, keys};

/// Durable watermarks of all feeds, shared by writers (who advance them after a flush)
/// and readers (who wait on them).
#[derive(Clone, Default)]
pub struct Feeds {
    marks: Arc<Mutex<HashMap<Vec<u8>, watch::Sender<u64>>>>,
}

impl Feeds {
    fn advance(&self, prefix: &[u8], seq: u64) {
        let mut marks = self.marks.lock().unwrap_or_else(|p| p.into_inner());
        match marks.get(prefix) {
            Some(tx) => {
                tx.send_if_modified(|v| {
                    if seq > *v {
                        *v = seq;
                        true
                    } else {
                        false
                    }
                });
            }
            None => {
                // Everything applied before this flush is durable too, so `seq` is a
                // correct starting watermark.
                marks.insert(prefix.to_vec(), watch::channel(seq).0);
            }
        }
    }

    /// Appends `value` to the feed under `prefix` inside a command; returns its sequence
    /// number. The watermark moves once the command is flushed.
    pub fn append<T: Versioned>(
        &self,
        txn: &mut Txn<'_>,
        prefix: &[u8],
        value: &T,
    ) -> Result<u64, StoreError> {
        let seq = txn.next_seq(prefix)?;
        txn.insert_record(keys::seq_entry(prefix, seq), value)?;
        let feeds = self.clone();
        let prefix = prefix.to_vec();
        txn.on_durable(move || feeds.advance(&prefix, seq));
        Ok(seq)
    }

    /// A receiver of the feed's durable watermark (the highest sequence readers may see).
    pub async fn watch(
        &self,
        store: &Store,
        prefix: &[u8],
    ) -> Result<watch::Receiver<u64>, StoreError> {
        if let Some(tx) = self
            .marks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(prefix)
        {
            return Ok(tx.subscribe());
        }
        // First use since start: ask the writer for the last sequence. Its answer comes
        // after a flush, so the value is durable.
        let p = prefix.to_vec();
        let last = store
            .execute(move |txn| {
                let end = keys::prefix_end(&p);
                Ok::<_, StoreError>(
                    txn.scan_last(&p, &end)?
                        .and_then(|(k, _)| keys::trailing_u64(&k))
                        .unwrap_or(0),
                )
            })
            .await?;
        self.advance(prefix, last);
        let marks = self.marks.lock().unwrap_or_else(|p| p.into_inner());
        match marks.get(prefix) {
            Some(tx) => Ok(tx.subscribe()),
            None => Err(StoreError::Closed),
        }
    }

    /// Reads up to `limit` entries with `after < seq <= up_to`.
    pub fn read(
        store: &Store,
        prefix: &[u8],
        after: u64,
        up_to: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        if after >= up_to {
            return Ok(Vec::new());
        }
        let (start, end) = keys::seq_range(prefix, after, up_to);
        Ok(store
            .scan(&start, &end, limit)?
            .into_iter()
            .filter_map(|(k, v)| keys::trailing_u64(&k).map(|s| (s, v)))
            .collect())
    }
}

/// Walks the feed under `prefix` backwards, newest first: from just before `before`, or
/// from `end` (its durable end) when `None`, calling `visit` on each entry until it
/// returns `false`. Returns where to go on from (the `before` of the next walk: the entry
/// it stopped at, which it has not taken), or `None` when it reached the start. Lists that
/// show a feed newest first (the console's police and team pages) page with it.
pub fn walk_back<E: From<StoreError>>(
    store: &Store,
    prefix: &[u8],
    before: Option<u64>,
    end: u64,
    mut visit: impl FnMut(u64, &[u8]) -> Result<bool, E>,
) -> Result<Option<u64>, E> {
    /// Entries read per step backwards.
    const WINDOW: u64 = 256;
    let mut upper = before.map_or(end, |b| b.saturating_sub(1)).min(end);
    while upper > 0 {
        let lower = upper.saturating_sub(WINDOW);
        for (seq, bytes) in Feeds::read(store, prefix, lower, upper, WINDOW as usize)?
            .into_iter()
            .rev()
        {
            if !visit(seq, &bytes)? {
                return Ok(Some(seq + 1));
            }
        }
        upper = lower;
    }
    Ok(None)
}

/// Follows one feed for a stream: replays the entries after the client's cursor, then
/// waits for the durable watermark to move, so replay after a restart and live delivery
/// are one code path. Ends (`None`) on shutdown. Cancel-safe: dropping a pending
/// [`Follower::next`] loses nothing.
pub struct Follower {
    store: Store,
    prefix: Vec<u8>,
    after: u64,
    mark: watch::Receiver<u64>,
    stop: Shutdown,
    batch: VecDeque<(u64, Vec<u8>)>,
}

impl Follower {
    /// A follower of the feed under `prefix` from just after `after`.
    pub fn new(
        store: Store,
        prefix: Vec<u8>,
        after: u64,
        mark: watch::Receiver<u64>,
        stop: Shutdown,
    ) -> Follower {
        Follower {
            store,
            prefix,
            after,
            mark,
            stop,
            batch: VecDeque::new(),
        }
    }

    /// The position it has reached: the last entry it returned, or the client's cursor
    /// before the first (what the recipient already had).
    pub fn position(&self) -> u64 {
        self.after
    }

    /// The next durable entry (sequence, stored bytes), waiting for one if need be.
    pub async fn next(&mut self) -> Option<Result<(u64, Vec<u8>), StoreError>> {
        loop {
            if let Some(entry) = self.batch.pop_front() {
                self.after = entry.0;
                return Some(Ok(entry));
            }
            let up_to = *self.mark.borrow_and_update();
            match Feeds::read(&self.store, &self.prefix, self.after, up_to, 256) {
                Err(e) => return Some(Err(e)),
                Ok(b) if !b.is_empty() => {
                    self.batch.extend(b);
                    continue;
                }
                Ok(_) => {}
            }
            tokio::select! {
                r = self.mark.changed() => if r.is_err() { return None },
                _ = self.stop.recv() => return None,
            }
        }
    }
}

/// The cursor a client gets for entry `seq` of this store: the store's id and the
/// sequence (`<store id>:<seq>`), opaque to clients.
pub fn cursor(store: &Store, seq: u64) -> String {
    format!("{}:{seq}", store.identity().id)
}

/// Reads a client's cursor of a feed whose durable end is `end` (empty = from the start):
/// a cursor of another data directory is FAILED_PRECONDITION and one past the end
/// OUT_OF_RANGE, each saying what to do, instead of silently skipping events.
pub fn parse_cursor(store: &Store, field: &str, token: &str, end: u64) -> Result<u64, Error> {
    let token = token.trim();
    if token.is_empty() {
        return Ok(0);
    }
    let identity = store.identity();
    let malformed = || Error::invalid(field, "not a cursor returned by this server");
    let seq = match token.split_once(':') {
        Some((id, seq)) => {
            let seq: u64 = seq.parse().map_err(|_| malformed())?;
            if id != identity.id {
                return Err(Error::FailedPrecondition(format!(
                    "{field} was issued by another lacznik store ({id}), not this one ({}): \
                     it belongs to an earlier data directory. Discard the saved cursor and \
                     start with an empty one, which replays every event this store holds",
                    identity.id
                )));
            }
            seq
        }
        // A bare sequence number from before cursors named their store: only a store
        // that existed then accepts it.
        None if identity.legacy_cursors => token.parse().map_err(|_| malformed())?,
        None => {
            token.parse::<u64>().map_err(|_| malformed())?;
            return Err(Error::FailedPrecondition(format!(
                "{field} names no store (a cursor of an older lacznik or another data \
                 directory); this store ({}) was created later. Discard the saved cursor \
                 and start with an empty one, which replays every event this store holds",
                identity.id
            )));
        }
    };
    if seq > end {
        return Err(Error::OutOfRange(format!(
            "{field} points past the end of this feed ({end} events): the store was \
             probably restored from an older backup. Start with an empty cursor to replay \
             every event it holds"
        )));
    }
    Ok(seq)
}
