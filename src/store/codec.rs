//! Versioned encoding of stored records: one schema-version byte, then MessagePack with
//! field names (self-describing, so a field added later does not break old records).
//! A record type states its current version; decoding refuses versions it does not know
//! instead of guessing.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;

/// A type stored in the engine, with the schema version of its encoding.
pub trait Versioned: Serialize + DeserializeOwned {
    /// Bumped whenever the meaning of a field changes; readers of older versions migrate.
    const SCHEMA_VERSION: u8;
}

/// Encodes `value` with its schema version; `key` only names the culprit. A value that
/// cannot be encoded fails its command: nothing is written in its place.
pub fn encode<T: Versioned>(key: &[u8], value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![T::SCHEMA_VERSION];
    rmp_serde::encode::write_named(&mut out, value).map_err(|e| StoreError::Codec {
        key: hex::encode(key),
        reason: format!("cannot encode: {e}"),
    })?;
    Ok(out)
}

/// SHA-256 of a value's MessagePack encoding with field names: the digest idempotent
/// commands compare to tell a retry (same content) from a reused id (other content).
/// Its encoding is fixed: stored digests were taken this way.
pub fn digest<T: Serialize>(what: &'static str, value: &T) -> Result<[u8; 32], StoreError> {
    use sha2::{Digest, Sha256};
    let bytes = rmp_serde::to_vec_named(value).map_err(|e| StoreError::Codec {
        key: what.to_string(),
        reason: format!("cannot encode for the digest: {e}"),
    })?;
    Ok(Sha256::digest(&bytes).into())
}

/// Decodes a value written by [`encode`]; `key` is only used to name the culprit.
pub fn decode<T: Versioned>(key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
    let err = |reason: String| StoreError::Codec {
        key: hex::encode(key),
        reason,
    };
    let (&version, body) = bytes
        .split_first()
        .ok_or_else(|| err("empty value".into()))?;
    if version != T::SCHEMA_VERSION {
        return Err(err(format!(
            "schema version {version}, expected {}",
            T::SCHEMA_VERSION
        )));
    }
    rmp_serde::from_slice(body).map_err(|e| err(e.to_string()))
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
