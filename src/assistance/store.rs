//! Where requests live in the store: the record, a per-organisation index by planned start
//! (for both the centre and the police unit), and the police unit's feed.

use jiff::Timestamp;

use super::model::{AssistanceRecord, State};
use crate::directory::OrgId;
use crate::error::Error;
use crate::store::{Store, StoreError, Txn, codec, keys};

fn record_key(id: &str) -> Vec<u8> {
    keys::key(keys::REQUEST, &[&keys::var(id.as_bytes())])
}

fn index_key(org: &OrgId, start: Timestamp, id: &str) -> Vec<u8> {
    keys::key(
        keys::REQUEST_BY_ORG,
        &[
            &keys::var(org.as_str().as_bytes()),
            &keys::time_key(start),
            &keys::var(id.as_bytes()),
        ],
    )
}

/// The feed prefix of a police unit.
pub fn feed_prefix(police: &OrgId) -> Vec<u8> {
    keys::key(keys::FEED, &[&keys::var(police.as_str().as_bytes())])
}

/// Reads a record inside a command.
pub fn get_in(txn: &Txn<'_>, id: &str) -> Result<Option<AssistanceRecord>, StoreError> {
    txn.get_sealed(&record_key(id))
}

/// Reads a record outside a command.
pub fn get(store: &Store, id: &str) -> Result<Option<AssistanceRecord>, StoreError> {
    store.get_sealed(&record_key(id))
}

/// Writes a new record and its index entries.
pub fn put_new(txn: &mut Txn<'_>, r: &AssistanceRecord) -> Result<(), StoreError> {
    put(txn, r)?;
    for org in [&r.centre, &r.police_unit] {
        txn.put(
            index_key(org, r.content.planned_start, &r.request_id),
            Vec::new(),
        );
    }
    Ok(())
}

/// Rewrites a record (and its "not yet received" entry).
pub fn put(txn: &mut Txn<'_>, r: &AssistanceRecord) -> Result<(), StoreError> {
    txn.put_sealed(record_key(&r.request_id), r)?;
    track_unreceived(txn, r);
    Ok(())
}

/// Moves the index entries when the planned start changes.
pub fn move_index(txn: &mut Txn<'_>, r: &AssistanceRecord, new_start: Timestamp) {
    if new_start == r.content.planned_start {
        return;
    }
    for org in [&r.centre, &r.police_unit] {
        txn.delete(index_key(org, r.content.planned_start, &r.request_id));
        txn.put(index_key(org, new_start, &r.request_id), Vec::new());
    }
}

/// Deletes a record and its index entries (retention purge; the caller removes the
/// clocks and writes the audit tombstone). Feed events stay: they carry ids only, and a
/// stream skips an event whose request is gone.
pub fn remove(txn: &mut Txn<'_>, r: &AssistanceRecord) {
    txn.delete(record_key(&r.request_id));
    for org in [&r.centre, &r.police_unit] {
        txn.delete(index_key(org, r.content.planned_start, &r.request_id));
    }
    txn.delete(unreceived_key(r));
}

fn unreceived_key(r: &AssistanceRecord) -> Vec<u8> {
    keys::key(
        keys::REQUEST_UNRECEIVED,
        &[
            &keys::var(r.police_unit.as_str().as_bytes()),
            &keys::var(r.request_id.as_bytes()),
        ],
    )
}

/// Keeps the "not yet received" index in step with the request's state.
pub fn track_unreceived(txn: &mut Txn<'_>, r: &AssistanceRecord) {
    if r.state == State::Submitted {
        txn.put(unreceived_key(r), Vec::new());
    } else {
        txn.delete(unreceived_key(r));
    }
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
    let prefix = keys::key(keys::REQUEST_BY_ORG, &[&keys::var(org.as_str().as_bytes())]);
    let mut start = match filter.from {
        Some(t) => [prefix.as_slice(), &keys::time_key(t)].concat(),
        None => prefix.clone(),
    };
    if !token.is_empty() {
        let suffix = hex::decode(token)
            .map_err(|_| Error::invalid("page_token", "not a token returned by this server"))?;
        let mut after = [prefix.as_slice(), &suffix].concat();
        after.push(0);
        if after > start {
            start = after;
        }
    }
    let end = match filter.to {
        Some(t) => [prefix.as_slice(), &keys::time_key(t)].concat(),
        None => keys::prefix_end(&prefix),
    };
    let mut out = Vec::new();
    let mut last_key: Option<Vec<u8>> = None;
    loop {
        let batch = store.scan(&start, &end, 256)?;
        if batch.is_empty() {
            return Ok((out, String::new()));
        }
        for (k, _) in &batch {
            last_key = Some(k.clone());
            let id_bytes = &k[prefix.len() + 8..];
            let Some((&n, id)) = id_bytes.split_first() else {
                continue;
            };
            let id = String::from_utf8_lossy(&id[..(n as usize).min(id.len())]).to_string();
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
