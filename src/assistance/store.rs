//! Where requests live in the store: the record, a per-organisation index by planned start
//! (for both the centre and the police unit), and the police unit's feed.

use jiff::Timestamp;

use super::model::{AssistanceRecord, State};
use crate::directory::OrgId;
use crate::error::Error;
use crate::store::{Store, StoreError, Txn, codec, keys};

fn index_key(org: &OrgId, start: Timestamp, id: &str) -> Result<Vec<u8>, StoreError> {
    keys::request_index(org.as_str(), start, id)
}

/// The feed prefix of a police unit.
pub fn feed_prefix(police: &OrgId) -> Result<Vec<u8>, StoreError> {
    keys::feed(police.as_str())
}

/// Reads a record inside a command (an id no key can hold names no record).
pub fn get_in(txn: &Txn<'_>, id: &str) -> Result<Option<AssistanceRecord>, StoreError> {
    match keys::request(id) {
        Ok(k) => txn.get_sealed(&k),
        Err(_) => Ok(None),
    }
}

/// Reads a record outside a command (an id no key can hold names no record).
pub fn get(store: &Store, id: &str) -> Result<Option<AssistanceRecord>, StoreError> {
    match keys::request(id) {
        Ok(k) => store.get_sealed(&k),
        Err(_) => Ok(None),
    }
}

/// Writes a new record and its index entries.
pub fn put_new(txn: &mut Txn<'_>, r: &AssistanceRecord) -> Result<(), StoreError> {
    put(txn, r)?;
    // Keyed by the new request's id: not there yet.
    for org in [&r.centre, &r.police_unit] {
        txn.insert(
            index_key(org, r.content.planned_start, &r.request_id)?,
            Vec::new(),
        );
    }
    Ok(())
}

/// Rewrites a record (and its "not yet received" entry).
pub fn put(txn: &mut Txn<'_>, r: &AssistanceRecord) -> Result<(), StoreError> {
    txn.put_sealed(keys::request(&r.request_id)?, r)?;
    track_unreceived(txn, r)
}

/// Moves the index entries when the planned start changes.
pub fn move_index(
    txn: &mut Txn<'_>,
    r: &AssistanceRecord,
    new_start: Timestamp,
) -> Result<(), StoreError> {
    if new_start == r.content.planned_start {
        return Ok(());
    }
    for org in [&r.centre, &r.police_unit] {
        txn.delete(index_key(org, r.content.planned_start, &r.request_id)?);
        txn.put(index_key(org, new_start, &r.request_id)?, Vec::new());
    }
    Ok(())
}

/// Deletes a record and its index entries (retention purge; the caller removes the
/// clocks and writes the audit tombstone). Feed events stay: they carry ids only, and a
/// stream skips an event whose request is gone.
pub fn remove(txn: &mut Txn<'_>, r: &AssistanceRecord) -> Result<(), StoreError> {
    txn.delete(keys::request(&r.request_id)?);
    for org in [&r.centre, &r.police_unit] {
        txn.delete(index_key(org, r.content.planned_start, &r.request_id)?);
    }
    txn.delete(unreceived_key(r)?);
    Ok(())
}

fn unreceived_key(r: &AssistanceRecord) -> Result<Vec<u8>, StoreError> {
    keys::unreceived(r.police_unit.as_str(), &r.request_id)
}

/// Keeps the "not yet received" index in step with the request's state.
pub fn track_unreceived(txn: &mut Txn<'_>, r: &AssistanceRecord) -> Result<(), StoreError> {
    if r.state == State::Submitted {
        txn.put(unreceived_key(r)?, Vec::new());
    } else {
        txn.delete(unreceived_key(r)?);
    }
    Ok(())
}

/// Filters of ListAssistanceRequests.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only this state.
    pub state: Option<State>,
    /// Planned start at or after.
    pub from: Option<Timestamp>,
    /// Planned start before.
    pub to: Option<Timestamp>,
}

/// Lists `org`'s requests by planned start, after the page token (hex of the last index
/// key suffix), at most `limit`. Returns the page and the next token.
pub fn list(
    store: &Store,
    org: &OrgId,
    filter: &ListFilter,
    token: &str,
    limit: usize,
) -> Result<(Vec<AssistanceRecord>, String), Error> {
    let prefix = keys::request_index_of(org.as_str())?;
    let (mut start, end) = keys::time_range(&prefix, filter.from, filter.to);
    if !token.is_empty() {
        let suffix = hex::decode(token)
            .map_err(|_| Error::invalid("page_token", "not a token returned by this server"))?;
        let mut after = [prefix.as_slice(), &suffix].concat();
        after.push(0);
        if after > start {
            start = after;
        }
    }
    let mut out = Vec::new();
    let mut last_key: Option<Vec<u8>> = None;
    loop {
        let batch = store.scan(&start, &end, 256)?;
        if batch.is_empty() {
            return Ok((out, String::new()));
        }
        for (k, _) in &batch {
            last_key = Some(k.clone());
            let Some(id) = keys::index_id(&prefix, k) else {
                continue;
            };
            let Some(r) = get(store, &id)? else {
                continue;
            };
            if filter.state.is_none_or(|s| s == r.state) {
                out.push(r);
                if out.len() == limit {
                    let token = hex::encode(&k[prefix.len()..]);
                    return Ok((out, token));
                }
            }
        }
        if let Some(k) = &last_key {
            start = k.clone();
            start.push(0);
        }
    }
}

/// Decodes a feed event.
pub fn decode_event(seq: u64, bytes: &[u8]) -> Result<super::model::FeedEvent, StoreError> {
    codec::decode(&seq.to_be_bytes(), bytes)
}

/// The keys a submission of request `id` reads on the single writer (the record, for the
/// idempotency check, and its clocks): read ahead by the caller
/// ([`Store::prefetch`]) so the writer does not wait for the database on them. An id too
/// long for a key gives none; the command reports it.
pub fn submission_reads(id: &str) -> Vec<Vec<u8>> {
    [keys::request(id), keys::clocks(id)]
        .into_iter()
        .filter_map(Result::ok)
        .collect()
}
