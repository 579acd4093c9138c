//! Key layout. Every key starts with one keyspace byte, then big-endian or fixed-width
//! components, so that bytewise order is the order lacznik scans in (feeds by sequence,
//! deadlines by due time).

/// Installation metadata (format version).
pub const META: u8 = 0x00;
/// Feeds: `FEED ++ feed-id(len-prefixed) ++ seq(u64 BE)` -> event.
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

/// Key of the store's identity (see `store::meta`).
pub const STORE_ID_KEY: &[u8] = &[META, b'i', b'd'];
/// Present when the identity was minted for a store that existed before (bare cursors).
pub const LEGACY_CURSORS_KEY: &[u8] = &[META, b'l', b'e', b'g', b'a', b'c', b'y'];

/// Key of the on-disk format version.
pub const FORMAT_VERSION_KEY: &[u8] = &[META, b'f', b'o', b'r', b'm', b'a', b't'];

/// Builds a key from a keyspace byte and already-encoded parts.
pub fn key(space: u8, parts: &[&[u8]]) -> Vec<u8> {
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
pub fn var(part: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(part.len() + 1);
    // Ids are at most 64 bytes (see `directory::OrgId` and the uuid ids), so one byte fits.
    v.push(u8::try_from(part.len()).unwrap_or(u8::MAX));
    v.extend_from_slice(part);
    v
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

/// Big-endian u64, the order-preserving encoding of sequence numbers.
pub fn u64_be(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// Order-preserving encoding of an instant (milliseconds since the epoch, sign bit
/// flipped so that earlier instants sort first, including any before 1970).
pub fn time_key(t: jiff::Timestamp) -> [u8; 8] {
    let ms = t.as_millisecond();
    ((ms as u64) ^ (1u64 << 63)).to_be_bytes()
}

/// Inverse of [`time_key`].
pub fn time_from_key(bytes: [u8; 8]) -> Option<jiff::Timestamp> {
    let ms = (u64::from_be_bytes(bytes) ^ (1u64 << 63)) as i64;
    jiff::Timestamp::from_millisecond(ms).ok()
}

/// Reads a big-endian u64 at the end of a key, e.g. a feed sequence.
pub fn trailing_u64(key: &[u8]) -> Option<u64> {
    let start = key.len().checked_sub(8)?;
    let bytes: [u8; 8] = key[start..].try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
