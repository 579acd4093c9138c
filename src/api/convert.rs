//! Conversions between wire types and domain types shared by the services.

use jiff::Timestamp;

use crate::error::FieldViolation;

/// A domain instant on the wire (nanos always in 0..1e9, as protobuf requires).
pub fn ts_to_pb(t: Timestamp) -> prost_types::Timestamp {
    let (mut seconds, mut nanos) = (t.as_second(), t.subsec_nanosecond());
    if nanos < 0 {
        seconds -= 1;
        nanos += 1_000_000_000;
    }
    prost_types::Timestamp { seconds, nanos }
}

/// A domain duration on the wire (lateness). Durations here are never negative; for one
/// that were, protobuf wants seconds and nanos of the same sign, which jiff already gives.
pub fn duration_to_pb(d: jiff::SignedDuration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: d.as_secs(),
        nanos: d.subsec_nanos(),
    }
}

/// Earliest instant lacznik accepts in a record (2000-01-01T00:00:00Z): nothing it handles
/// happened before, and it keeps obviously broken clocks out of deadlines.
pub const EARLIEST: i64 = 946_684_800;

/// An optional wire instant; an out-of-range value is a violation of `field`.
pub fn ts_from_pb(
    field: &str,
    t: Option<&prost_types::Timestamp>,
) -> Result<Option<Timestamp>, FieldViolation> {
    match t {
        None => Ok(None),
        Some(t) if !(0..1_000_000_000).contains(&t.nanos) => Err(FieldViolation::new(
            field,
            "not a valid timestamp (nanos must be 0-999999999)",
        )),
        Some(t) if t.seconds < EARLIEST => Err(FieldViolation::new(field, "before the year 2000")),
        Some(t) => Timestamp::new(t.seconds, t.nanos)
            .map(Some)
            .map_err(|_| FieldViolation::new(field, "not a valid timestamp")),
    }
}

/// A required wire instant.
pub fn ts_required(
    field: &str,
    t: Option<&prost_types::Timestamp>,
) -> Result<Timestamp, FieldViolation> {
    ts_from_pb(field, t)?.ok_or_else(|| FieldViolation::new(field, "required"))
}

/// Parses a page token that is a decimal position (empty = the first page). Stream and pull
/// cursors are not page tokens: `feed::parse_cursor` reads those.
pub fn page_token(field: &str, token: &str) -> Result<u64, FieldViolation> {
    if token.is_empty() {
        return Ok(0);
    }
    token
        .parse::<u64>()
        .map_err(|_| FieldViolation::new(field, "not a page token returned by this server"))
}

/// Page size: 0 means `default`, otherwise 1..=`max`.
pub fn page_size(field: &str, n: u32, default: usize, max: usize) -> Result<usize, FieldViolation> {
    match n as usize {
        0 => Ok(default),
        n if n <= max => Ok(n),
        _ => Err(FieldViolation::new(field, format!("at most {max}"))),
    }
}
