//! The rewrite keeps exactly the live keys, and an interrupted one is finished or discarded
//! at the next open, never leaving an empty store.

use std::time::Duration;

use super::*;

const WAIT: Duration = Duration::from_secs(5);

fn seeded(dir: &Path, kind: EngineKind) {
    let e = open_engine(dir, kind, 8 << 20, WAIT).unwrap();
    let mut b = WriteBatch::default();
    for i in 0u8..50 {
        b.put(vec![0x30, i], vec![i; 100]);
    }
    e.apply(b).unwrap();
    let mut b = WriteBatch::default();
    b.delete(vec![0x30, 7]);
    e.apply(b).unwrap();
    e.flush().unwrap();
}

fn keys_of(dir: &Path, kind: EngineKind) -> Vec<Vec<u8>> {
    let e = open_engine(dir, kind, 8 << 20, WAIT).unwrap();
    e.scan(&[], &[0xFF], usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

#[test]
fn a_rewrite_keeps_exactly_the_live_keys() {
    for kind in [EngineKind::Fjall, EngineKind::Sled] {
        let dir = tempfile::tempdir().unwrap();
        seeded(dir.path(), kind);
        let before = keys_of(dir.path(), kind);
        assert_eq!(before.len(), 49);
        assert_eq!(rewrite(dir.path(), kind, 8 << 20).unwrap(), 49);
        assert_eq!(keys_of(dir.path(), kind), before, "{kind}");
        assert!(!dir.path().join(WORK).exists());
    }
}

#[test]
fn an_unfinished_copy_is_discarded_and_the_old_store_stays() {
    let dir = tempfile::tempdir().unwrap();
    seeded(dir.path(), EngineKind::Fjall);
    // A crash while copying: a partial copy, no marker.
    std::fs::create_dir_all(dir.path().join(WORK).join("fjall")).unwrap();
    assert_eq!(keys_of(dir.path(), EngineKind::Fjall).len(), 49);
    assert!(!dir.path().join(WORK).exists());
}

#[test]
fn a_complete_copy_is_moved_into_place_after_a_crash_between_the_renames() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    seeded(elsewhere.path(), EngineKind::Fjall);
    // The crash came after the live store was moved aside, before the copy moved in.
    let work = dir.path().join(WORK);
    std::fs::create_dir_all(&work).unwrap();
    std::fs::rename(elsewhere.path().join("fjall"), work.join("fjall")).unwrap();
    std::fs::write(work.join(COMPLETE), b"").unwrap();
    assert_eq!(keys_of(dir.path(), EngineKind::Fjall).len(), 49);
    assert!(!work.exists());
}
