//! Where cards and procedures live: records, a per-organisation index by submission time
//! (initiator and team), the team's inbox feed (append-only, for cursors and wake-ups) and
//! the pending index (inbox entries not yet acknowledged, keyed by the same sequence), so a
//! pull reads only what is still waiting.

use jiff::Timestamp;

use super::model::{CardRecord, InboxEvent, ProcedureRecord};
use crate::directory::OrgId;
use crate::error::Error;
use crate::store::{Store, StoreError, Txn, keys};

fn card_key(id: &str) -> Vec<u8> {
    keys::key(keys::CARD, &[&keys::var(id.as_bytes())])
}

fn procedure_key(id: &str) -> Vec<u8> {
    keys::key(keys::PROCEDURE, &[&keys::var(id.as_bytes())])
}

fn index_key(org: &OrgId, at: Timestamp, id: &str) -> Vec<u8> {
    keys::key(
        keys::CARD_BY_ORG,
        &[
            &keys::var(org.as_str().as_bytes()),
            &keys::time_key(at),
            &keys::var(id.as_bytes()),
        ],
    )
}

/// The inbox feed prefix of a team.
pub fn inbox_prefix(team: &OrgId) -> Vec<u8> {
    keys::key(keys::FEED, &[&keys::var(team.as_str().as_bytes())])
}

fn pending_prefix(team: &OrgId) -> Vec<u8> {
    keys::key(keys::CARD_PENDING, &[&keys::var(team.as_str().as_bytes())])
}

/// Reads a card inside a command.
pub fn card_in(txn: &Txn<'_>, id: &str) -> Result<Option<CardRecord>, StoreError> {
    txn.get_sealed(&card_key(id))
}

/// Reads a card.
pub fn card(store: &Store, id: &str) -> Result<Option<CardRecord>, StoreError> {
    store.get_sealed(&card_key(id))
}

/// Reads a procedure inside a command.
pub fn procedure_in(txn: &Txn<'_>, id: &str) -> Result<Option<ProcedureRecord>, StoreError> {
    txn.get_sealed(&procedure_key(id))
}

/// Reads a procedure.
pub fn procedure(store: &Store, id: &str) -> Result<Option<ProcedureRecord>, StoreError> {
    store.get_sealed(&procedure_key(id))
}

/// Writes a procedure.
pub fn put_procedure(txn: &mut Txn<'_>, p: &ProcedureRecord) -> Result<(), StoreError> {
    txn.put_sealed(procedure_key(&p.procedure_id), p)
}

/// Writes a card.
pub fn put_card(txn: &mut Txn<'_>, c: &CardRecord) -> Result<(), StoreError> {
    txn.put_sealed(card_key(&c.card_id), c)
}

/// Writes a new card's indexes and its pending inbox entry (the feed entry is appended by
/// the caller, which knows the sequence).
pub fn index_new(txn: &mut Txn<'_>, c: &CardRecord) {
    for org in [&c.initiator, &c.team] {
        txn.put(index_key(org, c.submitted_at, &c.card_id), Vec::new());
    }
    txn.put(
        [
            pending_prefix(&c.team).as_slice(),
            &keys::u64_be(c.inbox_seq),
        ]
        .concat(),
        c.card_id.as_bytes().to_vec(),
    );
}

/// Deletes a card and its index and pending entries (retention purge; inbox feed events
/// stay, ids only, and pulls skip a card that is gone).
pub fn remove_card(txn: &mut Txn<'_>, c: &CardRecord) {
    txn.delete(card_key(&c.card_id));
    for org in [&c.initiator, &c.team] {
        txn.delete(index_key(org, c.submitted_at, &c.card_id));
    }
    unpend(txn, c);
}

/// Deletes a procedure record (retention purge, after its cards).
pub fn remove_procedure(txn: &mut Txn<'_>, id: &str) {
    txn.delete(procedure_key(id));
}

/// Removes a card from the pending inbox (acknowledged).
pub fn unpend(txn: &mut Txn<'_>, c: &CardRecord) {
    txn.delete(
        [
            pending_prefix(&c.team).as_slice(),
            &keys::u64_be(c.inbox_seq),
        ]
        .concat(),
    );
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
    let prefix = pending_prefix(team);
    let start = [prefix.as_slice(), &keys::u64_be(after + 1)].concat();
    let mut end = [prefix.as_slice(), &keys::u64_be(up_to)].concat();
    end.push(0);
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
    let prefix = keys::key(keys::CARD_BY_ORG, &[&keys::var(org.as_str().as_bytes())]);
    let mut start = match from {
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
    let end = match to {
        Some(t) => [prefix.as_slice(), &keys::time_key(t)].concat(),
        None => keys::prefix_end(&prefix),
    };
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
            let Some((&n, id)) = k[prefix.len() + 8..].split_first() else {
                continue;
            };
            let id = String::from_utf8_lossy(&id[..(n as usize).min(id.len())]).to_string();
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
