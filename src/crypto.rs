//! Encryption at rest. Records that hold personal data (requests, cards, procedures: names,
//! addresses, descriptions, ID card numbers) are sealed with XChaCha20-Poly1305 before they
//! reach the store; ids, states, times and gmina codes live in keys and clear records so
//! indexes and deadlines work without decrypting anything.
//!
//! Keys live in a key file (TOML) named in the configuration, never in the data directory
//! and never in a log line:
//! ```toml
//! active = 2
//! [[key]]
//! id = 1
//! secret = "<64 hex digits>"
//! [[key]]
//! id = 2
//! secret = "<64 hex digits>"
//! ```
//! A sealed value is `0xE1 ++ key id (u32 BE) ++ nonce (24) ++ ciphertext`; the record's
//! store key is the associated data, so a value moved under another key does not open.
//! Rotation (`lacznik keys rotate`) adds a key, makes it active and re-encrypts every sealed
//! record; older keys stay readable until `--retire-old` removes them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

/// First byte of every sealed value.
pub const SEALED_MARKER: u8 = 0xE1;
const HEADER: usize = 1 + 4 + 24;

/// Problems with keys or sealed values. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The key file cannot be read or written.
    #[error("key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A value is sealed with a key the key file does not hold.
    #[error("value sealed with key {0}, which the key file does not hold")]
    UnknownKey(u32),
    /// Authentication failed: wrong key, corrupted or moved value.
    #[error("sealed value does not authenticate (corrupted, or moved under another key)")]
    Corrupt,
    /// Sealing failed: the active key is missing from the ring, or the cipher refused.
    #[error("cannot seal a value: {0}")]
    Seal(&'static str),
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    active: u32,
    key: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
struct KeyEntry {
    id: u32,
    secret: String,
}

/// The data keys: one active key for sealing, all of them for opening.
#[derive(Clone)]
pub struct KeyRing {
    active: u32,
    keys: BTreeMap<u32, [u8; 32]>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("active", &self.active)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn new_secret() -> [u8; 32] {
    rand::random()
}

impl KeyRing {
    /// A ring with one fresh key (tests and first start in development mode).
    pub fn generate() -> KeyRing {
        let mut keys = BTreeMap::new();
        keys.insert(1, new_secret());
        KeyRing { active: 1, keys }
    }

    /// The id of the key new values are sealed with.
    pub fn active_id(&self) -> u32 {
        self.active
    }

    /// Ids of all keys held.
    pub fn key_ids(&self) -> Vec<u32> {
        self.keys.keys().copied().collect()
    }

    /// Reads a key file.
    pub fn load(path: &Path) -> Result<KeyRing, CryptoError> {
        let err = |reason: String| CryptoError::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let file: KeyFile = toml::from_str(&text).map_err(|e| err(e.message().to_string()))?;
        let mut keys = BTreeMap::new();
        for k in file.key {
            let bytes = hex::decode(k.secret.trim())
                .map_err(|_| err(format!("key {}: secret is not hex", k.id)))?;
            let secret: [u8; 32] = bytes.try_into().map_err(|_| {
                err(format!(
                    "key {}: secret must be 32 bytes (64 hex digits)",
                    k.id
                ))
            })?;
            if keys.insert(k.id, secret).is_some() {
                return Err(err(format!("key {} appears twice", k.id)));
            }
        }
        if !keys.contains_key(&file.active) {
            return Err(err(format!(
                "active key {} is not in the file",
                file.active
            )));
        }
        Ok(KeyRing {
            active: file.active,
            keys,
        })
    }

    /// Writes the ring to `path` atomically (temp file, then rename), mode 0600.
    pub fn save(&self, path: &Path) -> Result<(), CryptoError> {
        let err = |reason: String| CryptoError::KeyFile {
            path: path.to_path_buf(),
            reason,
        };
        let file = KeyFile {
            active: self.active,
            key: self
                .keys
                .iter()
                .map(|(id, s)| KeyEntry {
                    id: *id,
                    secret: hex::encode(s),
                })
                .collect(),
        };
        let text = format!(
            "# lacznik data keys: keep secret, back up apart from the data directory.\n{}",
            toml::to_string(&file).map_err(|e| err(e.to_string()))?
        );
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| err(e.to_string()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| err(e.to_string()))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
    }

    /// Adds a fresh key and makes it active; returns its id.
    pub fn rotate(&mut self) -> u32 {
        let id = self.keys.keys().max().copied().unwrap_or(0) + 1;
        self.keys.insert(id, new_secret());
        self.active = id;
        id
    }

    /// Drops every key but the active one (after all values are re-sealed).
    pub fn retire_old(&mut self) {
        let active = self.active;
        self.keys.retain(|id, _| *id == active);
    }

    /// Seals `plaintext` under the active key, bound to `ad` (the store key).
    /// Never falls back to another key or an empty ciphertext: an error fails the command.
    pub fn seal(&self, ad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let secret = self
            .keys
            .get(&self.active)
            .ok_or(CryptoError::Seal("the active key is not in the key ring"))?;
        let cipher = XChaCha20Poly1305::new(Key::from_slice(secret));
        let nonce: [u8; 24] = rand::random();
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: ad,
                },
            )
            .map_err(|_| CryptoError::Seal("the cipher refused the input"))?;
        let mut out = Vec::with_capacity(HEADER + ct.len());
        out.push(SEALED_MARKER);
        out.extend_from_slice(&self.active.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// The key id a sealed value uses, if it is sealed.
    pub fn key_of(sealed: &[u8]) -> Option<u32> {
        if sealed.len() < HEADER || sealed[0] != SEALED_MARKER {
            return None;
        }
        Some(u32::from_be_bytes([
            sealed[1], sealed[2], sealed[3], sealed[4],
        ]))
    }

    /// Opens a value sealed by [`KeyRing::seal`] with the same `ad`.
    pub fn open(&self, ad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let id = Self::key_of(sealed).ok_or(CryptoError::Corrupt)?;
        let secret = self.keys.get(&id).ok_or(CryptoError::UnknownKey(id))?;
        let cipher = XChaCha20Poly1305::new(Key::from_slice(secret));
        cipher
            .decrypt(
                XNonce::from_slice(&sealed[5..HEADER]),
                Payload {
                    msg: &sealed[HEADER..],
                    aad: ad,
                },
            )
            .map_err(|_| CryptoError::Corrupt)
    }
}

#[cfg(test)]
#[path = "crypto_tests.rs"]
mod tests;
