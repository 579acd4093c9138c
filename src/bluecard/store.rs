//! Where cards and procedures live: records, a per-organisation index by submission time
//! (initiator and team), the team's inbox feed (append-only, for cursors and wake-ups) and
//! the pending index (inbox entries not yet acknowledged, keyed by the same sequence), so a
//! pull reads only what is still waiting.

use jiff::Timestamp;

use super::model::{CardRecord, InboxEvent, ProcedureRecord};
use crate::directory::OrgId;
use crate::error::Error;
use crate::store::{Store, StoreError, Txn, keys};

/// A lookup by an id no key can hold finds nothing.
fn lookup<T>(
    key: Result<Vec<u8>, StoreError>,
    read: impl FnOnce(&[u8]) -> Result<Option<T>, StoreError>,
) -> Result<Option<T>, StoreError> {
    match key {
        Ok(k) => read(&k),
        Err(_) => Ok(None),
    }
}

fn index_key(org: &OrgId, at: Timestamp, id: &str) -> Result<Vec<u8>, StoreError> {
    keys::card_index(org.as_str(), at, id)
}

/// The inbox feed prefix of a team.
pub fn inbox_prefix(team: &OrgId) -> Result<Vec<u8>, StoreError> {
    keys::feed(team.as_str())
}

fn pending_key(c: &CardRecord) -> Result<Vec<u8>, StoreError> {
    Ok(keys::seq_entry(
        &keys::pending_of(c.team.as_str())?,
        c.inbox_seq,
    ))
}

/// Reads a card inside a command.
pub fn card_in(txn: &Txn<'_>, id: &str) -> Result<Option<CardRecord>, StoreError> {
    lookup(keys::card(id), |k| txn.get_sealed(k))
}

/// Reads a card.
pub fn card(store: &Store, id: &str) -> Result<Option<CardRecord>, StoreError> {
    lookup(keys::card(id), |k| store.get_sealed(k))
}

/// Reads a procedure inside a command.
pub fn procedure_in(txn: &Txn<'_>, id: &str) -> Result<Option<ProcedureRecord>, StoreError> {
    lookup(keys::procedure(id), |k| txn.get_sealed(k))
}

/// Reads a procedure.
pub fn procedure(store: &Store, id: &str) -> Result<Option<ProcedureRecord>, StoreError> {
    lookup(keys::procedure(id), |k| store.get_sealed(k))
}

/// Writes a procedure, kept for the command's answer ([`kept_procedure`]).
pub fn put_procedure(txn: &mut Txn<'_>, p: &ProcedureRecord) -> Result<(), StoreError> {
    txn.put_sealed_kept(keys::procedure(&p.procedure_id)?, p)
}

/// The procedure this command wrote last, if it wrote `id`: what its answer shows of it,
/// without reading it back after the commit.
pub fn kept_procedure<'t>(txn: &'t Txn<'_>, id: &str) -> Option<&'t ProcedureRecord> {
    keys::procedure(id).ok().and_then(|k| txn.kept(&k))
}

/// Writes a card.
pub fn put_card(txn: &mut Txn<'_>, c: &CardRecord) -> Result<(), StoreError> {
    txn.put_sealed(keys::card(&c.card_id)?, c)
}

/// Writes a new card's indexes and its pending inbox entry (the feed entry is appended by
/// the caller, which knows the sequence).
pub fn index_new(txn: &mut Txn<'_>, c: &CardRecord) -> Result<(), StoreError> {
    // Keyed by the new card's id: not there yet.
    for org in [&c.initiator, &c.team] {
        txn.insert(index_key(org, c.submitted_at, &c.card_id)?, Vec::new());
    }
    txn.put(pending_key(c)?, c.card_id.as_bytes().to_vec());
    Ok(())
}

/// Deletes a card and its index and pending entries (retention purge; inbox feed events
/// stay, ids only, and pulls skip a card that is gone).
pub fn remove_card(txn: &mut Txn<'_>, c: &CardRecord) -> Result<(), StoreError> {
    txn.delete(keys::card(&c.card_id)?);
    for org in [&c.initiator, &c.team] {
        txn.delete(index_key(org, c.submitted_at, &c.card_id)?);
    }
    unpend(txn, c)
}

/// Deletes a procedure record (retention purge, after its cards).
pub fn remove_procedure(txn: &mut Txn<'_>, id: &str) -> Result<(), StoreError> {
    txn.delete(keys::procedure(id)?);
    Ok(())
}

/// Removes a card from the pending inbox (acknowledged).
pub fn unpend(txn: &mut Txn<'_>, c: &CardRecord) -> Result<(), StoreError> {
    txn.delete(pending_key(c)?);
    Ok(())
}

/// An inbox event, as the team's feed carries it.
pub fn inbox_event(card_id: &str, at: Timestamp) -> InboxEvent {
    InboxEvent {
        card_id: card_id.to_string(),
        at,
    }
}

/// Pending cards of `team` with inbox sequence in `(after, up_to]`, at most `limit`.
pub fn pending(
    store: &Store,
    team: &OrgId,
    after: u64,
    up_to: u64,
    limit: usize,
) -> Result<Vec<(u64, String)>, StoreError> {
    if after >= up_to {
        return Ok(Vec::new());
    }
    let prefix = keys::pending_of(team.as_str())?;
    let (start, end) = keys::seq_range(&prefix, after, up_to);
    Ok(store
        .scan(&start, &end, limit)?
        .into_iter()
        .filter_map(|(k, v)| Some((keys::trailing_u64(&k)?, String::from_utf8(v).ok()?)))
        .collect())
}

/// Lists `org`'s cards by submission time after `token`; returns the page and next token.
pub fn list(
    store: &Store,
    org: &OrgId,
    keep: impl Fn(&CardRecord) -> bool,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    token: &str,
    limit: usize,
) -> Result<(Vec<CardRecord>, String), Error> {
    let prefix = keys::card_index_of(org.as_str())?;
    let (mut start, end) = keys::time_range(&prefix, from, to);
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
    loop {
        let batch = store.scan(&start, &end, 256)?;
        let Some((last, _)) = batch.last() else {
            return Ok((out, String::new()));
        };
        let next_start = {
            let mut s = last.clone();
            s.push(0);
            s
        };
        for (k, _) in &batch {
            let Some(id) = keys::index_id(&prefix, k) else {
                continue;
            };
            let Some(c) = card(store, &id)? else {
                continue;
            };
            if keep(&c) {
                out.push(c);
                if out.len() == limit {
                    return Ok((out, hex::encode(&k[prefix.len()..])));
                }
            }
        }
        start = next_start;
    }
}

/// The keys a submission of card `card_id` (under procedure `procedure_id`, if it names
/// one) reads on the single writer: the card (idempotency), the procedure, the card's
/// clocks. Read ahead by the caller ([`Store::prefetch`]); ids too long for a key give none.
pub fn submission_reads(card_id: &str, procedure_id: Option<&str>) -> Vec<Vec<u8>> {
    let procedure = procedure_id.map(keys::procedure);
    [
        Some(keys::card(card_id)),
        Some(keys::clocks(card_id)),
        procedure,
    ]
    .into_iter()
    .flatten()
    .filter_map(Result::ok)
    .collect()
}
