//! Conversions between wire types and domain types shared by the services.

use jiff::Timestamp;

use crate::error::FieldViolation;

/// A domain instant on the wire.
pub fn ts_to_pb(t: Timestamp) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.as_second(),
        nanos: t.subsec_nanosecond(),
    }
}

/// An optional wire instant; an out-of-range value is a violation of `field`.
pub fn ts_from_pb(
    field: &str,
    t: Option<&prost_types::Timestamp>,
) -> Result<Option<Timestamp>, FieldViolation> {
    match t {
        None => Ok(None),
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

/// Parses an opaque cursor / page token (a decimal sequence number; empty = start).
pub fn cursor(field: &str, token: &str) -> Result<u64, FieldViolation> {
    if token.is_empty() {
        return Ok(0);
    }
    token
        .parse::<u64>()
        .map_err(|_| FieldViolation::new(field, "not a cursor returned by this server"))
}

/// Page size: 0 means `default`, otherwise 1..=`max`.
pub fn page_size(field: &str, n: u32, default: usize, max: usize) -> Result<usize, FieldViolation> {
    match n as usize {
        0 => Ok(default),
        n if n <= max => Ok(n),
        _ => Err(FieldViolation::new(field, format!("at most {max}"))),
    }
}
