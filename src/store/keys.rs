//! Key layout, and the only place keys are encoded and decoded. Every key starts with one
//! keyspace byte, then big-endian or length-prefixed components, so that bytewise order is
//! the order lacznik scans in (feeds by sequence, deadlines by due time, indexes by time).
//!
//! Each keyspace has its typed builders here (`request(id)`, `due(...)`, ...) and, where
//! a key is read back, its decoder (`parse_due`, `index_id`, ...). A variable-length part
//! is prefixed by its length in one byte; a part longer than 255 bytes is an error
//! ([`StoreError::KeyPart`]), never cut. Lookups by an id no key can hold find nothing.

use jiff::Timestamp;

use super::StoreError;

/// Installation metadata (format version, identity).
pub const META: u8 = 0x00;
/// Feeds: `FEED ++ var(owner) ++ seq(u64 BE)` -> event (police units, team inboxes).
pub const FEED: u8 = 0x10;

/// Deadline clocks of one case: `CLOCKS ++ var(case-id)` -> all its clocks.
pub const CLOCKS: u8 = 0x20;
/// Due-time index: `DUE ++ time ++ var(case-id) ++ var(rule-id) ++ occurrence(u32 BE)`.
pub const DUE: u8 = 0x21;
/// Breach records: `BREACH ++ id(u64 BE)`.
pub const BREACH: u8 = 0x22;
/// Breach event log (a feed): `BREACH_LOG ++ seq(u64 BE)`.
pub const BREACH_LOG: u8 = 0x23;
/// Breaches of a case: `BREACH_BY_CASE ++ var(case-id) ++ id(u64 BE)`.
pub const BREACH_BY_CASE: u8 = 0x24;

/// Assistance requests: `REQUEST ++ var(request-id)` -> record.
pub const REQUEST: u8 = 0x30;
/// Requests by organisation (centre and police unit) and planned start:
/// `REQUEST_BY_ORG ++ var(org-id) ++ time ++ var(request-id)`.
pub const REQUEST_BY_ORG: u8 = 0x31;
/// Requests not yet RECEIVED by their police unit: `REQUEST_UNRECEIVED ++ var(police) ++
/// var(request-id)` (pending items per recipient, for monitoring).
pub const REQUEST_UNRECEIVED: u8 = 0x32;

/// Blue Cards: `CARD ++ var(card-id)` -> record.
pub const CARD: u8 = 0x40;
/// Cards by organisation (initiator and team) and submission time.
pub const CARD_BY_ORG: u8 = 0x41;
/// Blue Card procedures: `PROCEDURE ++ var(procedure-id)` -> record.
pub const PROCEDURE: u8 = 0x42;
/// Unacknowledged inbox entries: `CARD_PENDING ++ var(team) ++ seq(u64 BE)` -> card id.
pub const CARD_PENDING: u8 = 0x43;

/// Audit log: `AUDIT ++ seq(u64 BE)` -> entry.
pub const AUDIT: u8 = 0x50;
/// Audit chain head.
pub const AUDIT_HEAD: &[u8] = &[0x51];

/// Receipts: `RECEIPT ++ var(case id) ++ seq(u64 BE)` -> the compact JWS (ids and hashes
/// only, stored as signed).
pub const RECEIPT: u8 = 0x60;
/// The latest signed audit checkpoint (`receipt::checkpoint`).
pub const AUDIT_CHECKPOINT: &[u8] = &[0x61];

/// Key of the store's identity (see `store::meta`).
pub const STORE_ID_KEY: &[u8] = &[META, b'i', b'd'];
/// Present when the identity was minted for a store that existed before (bare cursors).
pub const LEGACY_CURSORS_KEY: &[u8] = &[META, b'l', b'e', b'g', b'a', b'c', b'y'];
/// Key of the on-disk format version.
pub const FORMAT_VERSION_KEY: &[u8] = &[META, b'f', b'o', b'r', b'm', b'a', b't'];

/// A half-open key range `[start, end)`, as engines scan.
pub type Range = (Vec<u8>, Vec<u8>);

fn key(space: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = 1 + parts.iter().map(|p| p.len()).sum::<usize>();
    let mut k = Vec::with_capacity(len);
    k.push(space);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

/// A variable-length component prefixed by its length, so that one id can never be a
/// prefix of another id's keys.
fn var(part: &str) -> Result<Vec<u8>, StoreError> {
    let len = u8::try_from(part.len()).map_err(|_| StoreError::KeyPart(part.len()))?;
    let mut v = Vec::with_capacity(part.len() + 1);
    v.push(len);
    v.extend_from_slice(part.as_bytes());
    Ok(v)
}

/// Reads a [`var`] component: the text and what follows it.
fn read_var(bytes: &[u8]) -> Option<(String, &[u8])> {
    let (&n, rest) = bytes.split_first()?;
    let (part, rest) = rest.split_at_checked(n as usize)?;
    Some((String::from_utf8(part.to_vec()).ok()?, rest))
}

/// The smallest key greater than every key starting with `prefix` (exclusive range end).
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return end;
        }
    }
    // All 0xFF (or empty): no finite upper bound; use a key longer than any real one.
    vec![u8::MAX; prefix.len() + 65]
}

/// Every key of one keyspace.
pub fn keyspace(space: u8) -> Range {
    (vec![space], vec![space + 1])
}

/// Big-endian u64, the order-preserving encoding of sequence numbers.
fn u64_be(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// Order-preserving encoding of an instant (milliseconds since the epoch, sign bit
/// flipped so that earlier instants sort first, including any before 1970).
pub fn time_key(t: Timestamp) -> [u8; 8] {
    let ms = t.as_millisecond();
    ((ms as u64) ^ (1u64 << 63)).to_be_bytes()
}

/// Inverse of [`time_key`].
fn time_from_key(bytes: [u8; 8]) -> Option<Timestamp> {
    let ms = (u64::from_be_bytes(bytes) ^ (1u64 << 63)) as i64;
    Timestamp::from_millisecond(ms).ok()
}

/// Reads a big-endian u64 at the end of a key: a feed, audit, breach or inbox sequence.
pub fn trailing_u64(key: &[u8]) -> Option<u64> {
    let start = key.len().checked_sub(8)?;
    let bytes: [u8; 8] = key[start..].try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

// --- Sequences and feeds ---------------------------------------------------------------

/// Entry `seq` of the sequence (feed, log) whose keys live under `prefix`.
pub fn seq_entry(prefix: &[u8], seq: u64) -> Vec<u8> {
    [prefix, &u64_be(seq)].concat()
}

/// The entries of the sequence under `prefix` with `after < seq <= up_to`.
pub fn seq_range(prefix: &[u8], after: u64, up_to: u64) -> Range {
    let start = seq_entry(prefix, after.saturating_add(1));
    let mut end = seq_entry(prefix, up_to);
    end.push(0); // inclusive of `up_to`
    (start, end)
}

/// The feed of a recipient (a police unit's requests, a team's inbox).
pub fn feed(owner: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(FEED, &[&var(owner)?]))
}

/// The breach event log (one feed for all breaches; watchers filter by visibility).
pub fn breach_log() -> Vec<u8> {
    vec![BREACH_LOG]
}

// --- Assistance requests ---------------------------------------------------------------

/// A request record.
pub fn request(id: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(REQUEST, &[&var(id)?]))
}

/// A request's entry in `org`'s index by planned start.
pub fn request_index(org: &str, start: Timestamp, id: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(
        REQUEST_BY_ORG,
        &[&var(org)?, &time_key(start), &var(id)?],
    ))
}

/// The prefix of a case's receipts (a sequence: [`seq_entry`] with it).
pub fn receipts_of(case_id: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(RECEIPT, &[&var(case_id)?]))
}

/// The prefix of `org`'s request index.
pub fn request_index_of(org: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(REQUEST_BY_ORG, &[&var(org)?]))
}

/// A request not yet received by its police unit.
pub fn unreceived(police: &str, id: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(REQUEST_UNRECEIVED, &[&var(police)?, &var(id)?]))
}

// --- Blue Cards ------------------------------------------------------------------------

/// A card record.
pub fn card(id: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(CARD, &[&var(id)?]))
}

/// A procedure record.
pub fn procedure(id: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(PROCEDURE, &[&var(id)?]))
}

/// A card's entry in `org`'s index by submission time.
pub fn card_index(org: &str, at: Timestamp, id: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(CARD_BY_ORG, &[&var(org)?, &time_key(at), &var(id)?]))
}

/// The prefix of `org`'s card index.
pub fn card_index_of(org: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(CARD_BY_ORG, &[&var(org)?]))
}

/// The prefix of `team`'s unacknowledged inbox entries (a sequence, see [`seq_entry`]).
pub fn pending_of(team: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(CARD_PENDING, &[&var(team)?]))
}

// --- Indexes by organisation and time ----------------------------------------------------

/// The keys of an index under `prefix` (an org's requests or cards) with time in
/// `[from, to)`, either end open.
pub fn time_range(prefix: &[u8], from: Option<Timestamp>, to: Option<Timestamp>) -> Range {
    let start = match from {
        Some(t) => [prefix, &time_key(t)].concat(),
        None => prefix.to_vec(),
    };
    let end = match to {
        Some(t) => [prefix, &time_key(t)].concat(),
        None => prefix_end(prefix),
    };
    (start, end)
}

/// The record id of an index entry under `prefix` (`prefix ++ time ++ var(id)`).
pub fn index_id(prefix: &[u8], key: &[u8]) -> Option<String> {
    let rest = key.strip_prefix(prefix)?.get(8..)?;
    read_var(rest).map(|(id, _)| id)
}

/// The police unit and the request id of a `REQUEST_UNRECEIVED` key (for the
/// recipients' metrics).
pub fn parse_unreceived(key: &[u8]) -> Option<(String, String)> {
    if key.first() != Some(&REQUEST_UNRECEIVED) {
        return None;
    }
    let (police, rest) = read_var(key.get(1..)?)?;
    let (id, _) = read_var(rest)?;
    Some((police, id))
}

/// The recipient a pending entry counts for (`CARD_PENDING` and `REQUEST_UNRECEIVED`
/// keys both start with the recipient's id).
pub fn pending_recipient(key: &[u8]) -> Option<String> {
    read_var(key.get(1..)?).map(|(org, _)| org)
}

// --- Deadlines and breaches --------------------------------------------------------------

/// The clocks of a case.
pub fn clocks(case_id: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(CLOCKS, &[&var(case_id)?]))
}

/// One open clock in the due-time index.
pub fn due(
    due: Timestamp,
    case_id: &str,
    rule: &str,
    occurrence: u32,
) -> Result<Vec<u8>, StoreError> {
    Ok(key(
        DUE,
        &[
            &time_key(due),
            &var(case_id)?,
            &var(rule)?,
            &occurrence.to_be_bytes(),
        ],
    ))
}

/// A due-index entry read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEntry {
    /// When the clock falls due (millisecond precision, as keys hold it).
    pub due: Timestamp,
    /// The case.
    pub case_id: String,
    /// The rule.
    pub rule: String,
    /// Which occurrence of the rule on the case.
    pub occurrence: u32,
}

/// Parses a [`due`] key.
pub fn parse_due(key: &[u8]) -> Option<DueEntry> {
    let rest = key.strip_prefix(&[DUE])?;
    let (t, rest) = rest.split_at_checked(8)?;
    let due = time_from_key(t.try_into().ok()?)?;
    let (case_id, rest) = read_var(rest)?;
    let (rule, rest) = read_var(rest)?;
    let occurrence = u32::from_be_bytes(rest.try_into().ok()?);
    Some(DueEntry {
        due,
        case_id,
        rule,
        occurrence,
    })
}

/// Every due-index entry due at or before `now`.
pub fn due_by(now: Timestamp) -> Range {
    let mut end = key(DUE, &[&time_key(now)]);
    end.push(0xff); // everything due at exactly `now` too
    (vec![DUE], end)
}

/// The sequence prefix of breach ids.
pub fn breach_ids() -> Vec<u8> {
    vec![BREACH]
}

/// A breach record.
pub fn breach(id: u64) -> Vec<u8> {
    seq_entry(&breach_ids(), id)
}

/// The breach records with id greater than `after`.
pub fn breaches_after(after: u64) -> Range {
    (breach(after.saturating_add(1)), vec![BREACH + 1])
}

/// A breach's entry under its case.
pub fn breach_of_case(case_id: &str, id: u64) -> Result<Vec<u8>, StoreError> {
    Ok(key(BREACH_BY_CASE, &[&var(case_id)?, &u64_be(id)]))
}

/// The prefix of a case's breach entries.
pub fn breaches_of_case(case_id: &str) -> Result<Vec<u8>, StoreError> {
    Ok(key(BREACH_BY_CASE, &[&var(case_id)?]))
}

// --- Audit -----------------------------------------------------------------------------

/// Audit entry `seq`.
pub fn audit(seq: u64) -> Vec<u8> {
    seq_entry(&[AUDIT], seq)
}

/// Audit entries from `seq` on.
pub fn audit_from(seq: u64) -> Range {
    (audit(seq), vec![AUDIT + 1])
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
