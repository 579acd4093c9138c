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

/// Encodes `value` with its schema version.
pub fn encode<T: Versioned>(value: &T) -> Vec<u8> {
    let mut out = vec![T::SCHEMA_VERSION];
    // Writing MessagePack into a Vec cannot fail for the plain data types lacznik stores
    // (no maps with non-string keys); if it ever did, the record would be empty and the
    // decoder would report it instead of the writer panicking.
    let _ = rmp_serde::encode::write_named(&mut out, value);
    out
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
