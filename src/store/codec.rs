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
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct V1 {
        a: u32,
        b: String,
    }
    impl Versioned for V1 {
        const SCHEMA_VERSION: u8 = 1;
    }

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct V1Plus {
        a: u32,
        b: String,
        #[serde(default)]
        c: Option<u8>,
    }
    impl Versioned for V1Plus {
        const SCHEMA_VERSION: u8 = 1;
    }

    #[test]
    fn round_trip_and_added_optional_field() {
        let v = V1 {
            a: 7,
            b: "x".into(),
        };
        let bytes = encode(&v);
        assert_eq!(bytes[0], 1);
        assert_eq!(decode::<V1>(b"k", &bytes).unwrap(), v);
        let plus: V1Plus = decode(b"k", &bytes).unwrap();
        assert_eq!(plus.c, None);
    }

    #[test]
    fn unknown_version_and_garbage_are_errors_not_panics() {
        let mut bytes = encode(&V1 {
            a: 1,
            b: "y".into(),
        });
        bytes[0] = 9;
        assert!(decode::<V1>(b"k", &bytes).is_err());
        assert!(decode::<V1>(b"k", &[]).is_err());
        assert!(decode::<V1>(b"k", &[1, 0xff, 0x00]).is_err());
    }
}
