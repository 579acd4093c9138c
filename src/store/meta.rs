//! What a data directory says about itself: the on-disk format version (a newer one is
//! refused) and the store's identity, a random id minted when the store is created. Stream
//! and pull cursors carry the identity, so a cursor saved against one data directory is
//! refused by another instead of silently skipping its first events. A backup carries the
//! identity to the directory it is restored into: the same store, the same cursors.

use super::StoreError;
use super::engine::{Engine, WriteBatch};
use super::keys;

/// On-disk format this build writes; refuse to open anything newer.
pub const FORMAT_VERSION: u32 = 1;

/// Who a store is, as its cursors name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// 16 lower-case hex digits, random per store.
    pub id: String,
    /// The store existed before cursors named it: its clients may still hold bare
    /// sequence numbers, which are accepted (they can only be this store's).
    pub legacy_cursors: bool,
}

/// Checks the format version (writing it into a new store) and reads or mints the store's
/// identity; flushes what it wrote.
pub fn prepare(engine: &dyn Engine) -> Result<Identity, StoreError> {
    let mut batch = WriteBatch::default();
    let existed = match engine.get(keys::FORMAT_VERSION_KEY)? {
        Some(v) => {
            let found = <[u8; 4]>::try_from(v.as_slice())
                .map(u32::from_be_bytes)
                .map_err(|_| StoreError::Codec {
                    key: hex::encode(keys::FORMAT_VERSION_KEY),
                    reason: "format version is not 4 bytes".into(),
                })?;
            if found > FORMAT_VERSION {
                return Err(StoreError::UnsupportedFormat {
                    found,
                    supported: FORMAT_VERSION,
                });
            }
            true
        }
        None => {
            batch.put(
                keys::FORMAT_VERSION_KEY.to_vec(),
                FORMAT_VERSION.to_be_bytes().to_vec(),
            );
            false
        }
    };
    let identity = match engine.get(keys::STORE_ID_KEY)? {
        Some(v) => Identity {
            id: String::from_utf8(v).map_err(|_| StoreError::Codec {
                key: hex::encode(keys::STORE_ID_KEY),
                reason: "store id is not text".into(),
            })?,
            legacy_cursors: engine.get(keys::LEGACY_CURSORS_KEY)?.is_some(),
        },
        None => {
            let id = hex::encode(rand::random::<[u8; 8]>());
            batch.put(keys::STORE_ID_KEY.to_vec(), id.clone().into_bytes());
            if existed {
                batch.put(keys::LEGACY_CURSORS_KEY.to_vec(), Vec::new());
            }
            Identity {
                id,
                legacy_cursors: existed,
            }
        }
    };
    if !batch.is_empty() {
        engine.apply(batch)?;
        engine.flush()?;
    }
    Ok(identity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryEngine;

    #[test]
    fn a_new_store_mints_an_identity_once_and_keeps_it() {
        let engine = MemoryEngine::default();
        let first = prepare(&engine).unwrap();
        assert_eq!(first.id.len(), 16);
        assert!(
            !first.legacy_cursors,
            "a new store has no bare cursors to honour"
        );
        assert_eq!(
            prepare(&engine).unwrap(),
            first,
            "the same store, the same id"
        );
        assert_ne!(prepare(&MemoryEngine::default()).unwrap().id, first.id);
    }

    #[test]
    fn a_store_from_before_identities_accepts_its_old_bare_cursors() {
        let engine = MemoryEngine::default();
        let mut b = WriteBatch::default();
        b.put(
            keys::FORMAT_VERSION_KEY.to_vec(),
            1u32.to_be_bytes().to_vec(),
        );
        engine.apply(b).unwrap();
        let id = prepare(&engine).unwrap();
        assert!(id.legacy_cursors);
        assert_eq!(prepare(&engine).unwrap(), id);
    }

    #[test]
    fn a_newer_format_is_refused() {
        let engine = MemoryEngine::default();
        let mut b = WriteBatch::default();
        b.put(
            keys::FORMAT_VERSION_KEY.to_vec(),
            9u32.to_be_bytes().to_vec(),
        );
        engine.apply(b).unwrap();
        assert!(matches!(
            prepare(&engine),
            Err(StoreError::UnsupportedFormat { found: 9, .. })
        ));
    }
}
