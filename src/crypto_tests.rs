//! Unit tests of `crypto`.

use super::*;

#[test]
fn seal_open_bind_to_the_key_and_rotate() {
    let mut ring = KeyRing::generate();
    let sealed = ring.seal(b"k1", b"Kowalska").unwrap();
    assert!(!sealed.windows(8).any(|w| w == b"Kowalska"));
    assert_eq!(ring.open(b"k1", &sealed).unwrap(), b"Kowalska");
    assert!(
        ring.open(b"k2", &sealed).is_err(),
        "moved under another key"
    );
    let mut tampered = sealed.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(ring.open(b"k1", &tampered).is_err());

    let old = ring.clone();
    assert_eq!(ring.rotate(), 2);
    let new = ring.seal(b"k1", b"x").unwrap();
    assert_eq!(KeyRing::key_of(&new), Some(2));
    assert_eq!(
        ring.open(b"k1", &sealed).unwrap(),
        b"Kowalska",
        "old key still readable"
    );
    assert!(matches!(
        old.open(b"k1", &new),
        Err(CryptoError::UnknownKey(2))
    ));
    ring.retire_old();
    assert!(matches!(
        ring.open(b"k1", &sealed),
        Err(CryptoError::UnknownKey(1))
    ));
    assert!(!format!("{ring:?}").contains(&hex::encode(ring.keys[&2])));
}

#[test]
fn key_files_round_trip_and_bad_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/data.key");
    let mut ring = KeyRing::generate();
    ring.rotate();
    ring.save(&path).unwrap();
    let loaded = KeyRing::load(&path).unwrap();
    assert_eq!(loaded.active_id(), 2);
    assert_eq!(loaded.key_ids(), vec![1, 2]);
    std::fs::write(&path, "active = 3\n[[key]]\nid = 1\nsecret = \"00\"\n").unwrap();
    let e = KeyRing::load(&path).unwrap_err().to_string();
    assert!(e.contains("32 bytes"), "{e}");
    assert!(KeyRing::load(&dir.path().join("missing")).is_err());
}
