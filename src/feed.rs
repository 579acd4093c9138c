//! Feeds are append-only logs keyed by a big-endian sequence number under a prefix (one
//! per recipient, plus the breach log). A stream or a pull is a range scan after the
//! client's cursor, then a wait for the feed's durable watermark to move: replay after a
//! restart and live delivery are the same code path.
//!
//! Readers never see an entry before it is flushed: the watermark only moves in the
//! store's `on_durable` callbacks, and reads stop at it. So a client can never hold a
//! cursor past an entry that a crash could take back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

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
        txn.put_record([prefix, &keys::u64_be(seq)].concat(), value)?;
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
        let start = [prefix, &keys::u64_be(after.saturating_add(1))].concat();
        let end = [prefix, &keys::u64_be(up_to)].concat();
        let mut end = end;
        end.push(0); // inclusive of `up_to`
        Ok(store
            .scan(&start, &end, limit)?
            .into_iter()
            .filter_map(|(k, v)| keys::trailing_u64(&k).map(|s| (s, v)))
            .collect())
    }
}
