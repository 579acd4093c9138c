//! One battery of behaviour every engine must have (the [`Engine`] contract), run against
//! the in-memory engine and against real sled and fjall databases in temp dirs, including a
//! reopen: what was flushed is there after the handle is dropped.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::store::memory::MemoryEngine;
use crate::store::{EngineKind, open_engine};

fn put(b: &mut WriteBatch, k: &[u8], v: &[u8]) {
    b.put(k.to_vec(), v.to_vec());
}

fn battery(e: &dyn Engine) {
    let mut b = WriteBatch::default();
    for k in [b"a1".as_slice(), b"a2", b"a3", b"b1", b"\x00z"] {
        put(&mut b, k, k);
    }
    e.apply(b).unwrap();
    // Visible before the flush.
    assert_eq!(e.get(b"a2").unwrap().as_deref(), Some(b"a2".as_slice()));
    assert_eq!(e.get(b"zz").unwrap(), None);
    let got: Vec<Vec<u8>> = e
        .scan(b"a", b"b", 10)
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(got, vec![b"a1".to_vec(), b"a2".to_vec(), b"a3".to_vec()]);
    assert_eq!(e.scan(b"a", b"b", 2).unwrap().len(), 2);
    assert!(
        e.scan(b"b", b"a", 10).unwrap().is_empty(),
        "reversed range is empty"
    );
    assert_eq!(
        e.last(b"a", b"b").unwrap().map(|(k, _)| k),
        Some(b"a3".to_vec())
    );
    assert_eq!(e.last(b"c", b"d").unwrap(), None);
    // Puts and deletes of one batch apply in order.
    let mut b = WriteBatch::default();
    put(&mut b, b"a2", b"new");
    b.delete(b"a1".to_vec());
    b.delete(b"absent".to_vec());
    put(&mut b, b"a1", b"again");
    b.delete(b"a3".to_vec());
    e.apply(b).unwrap();
    e.flush().unwrap();
    assert_eq!(e.get(b"a1").unwrap().as_deref(), Some(b"again".as_slice()));
    assert_eq!(e.get(b"a2").unwrap().as_deref(), Some(b"new".as_slice()));
    assert_eq!(e.get(b"a3").unwrap(), None);
    // A put hinted as new (`Op::Insert`) is a put: an absent key is written, one that is
    // there (a wrong hint) is replaced, not refused; deleted and written again in one
    // flush, or written twice, the last write wins.
    let mut b = WriteBatch::default();
    b.insert(b"n1".to_vec(), b"fresh".to_vec());
    b.insert(b"n2".to_vec(), b"first".to_vec());
    e.apply(b).unwrap();
    e.flush().unwrap();
    let mut b = WriteBatch::default();
    b.insert(b"n2".to_vec(), b"hinted wrongly".to_vec());
    b.insert(b"n3".to_vec(), b"once".to_vec());
    put(&mut b, b"n3", b"twice");
    b.delete(b"n1".to_vec());
    b.insert(b"n1".to_vec(), b"again".to_vec());
    e.apply(b).unwrap();
    e.flush().unwrap();
    hinted_writes_are_puts(e);
}

fn hinted_writes_are_puts(e: &dyn Engine) {
    for (k, v) in [
        (b"n1", b"again".as_slice()),
        (b"n2", b"hinted wrongly"),
        (b"n3", b"twice"),
    ] {
        assert_eq!(e.get(k).unwrap().as_deref(), Some(v), "{k:?}");
    }
}

fn after_reopen(e: &dyn Engine) {
    // A prefetch (of keys present and absent) calls back, and the reads after it answer as
    // without it (PostgreSQL: from what it read ahead).
    let (tx, rx) = std::sync::mpsc::channel();
    let ahead = vec![b"a1".to_vec(), b"a3".to_vec(), b"\x00z".to_vec()];
    e.prefetch(ahead, Box::new(move || tx.send(()).unwrap()));
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the prefetch called back");
    assert_eq!(e.get(b"a1").unwrap().as_deref(), Some(b"again".as_slice()));
    assert_eq!(e.get(b"a2").unwrap().as_deref(), Some(b"new".as_slice()));
    assert_eq!(e.get(b"a3").unwrap(), None);
    assert_eq!(
        e.get(b"\x00z").unwrap().as_deref(),
        Some(b"\x00z".as_slice())
    );
    hinted_writes_are_puts(e);
    assert!(e.size_on_disk().unwrap() > 0);
}

#[test]
fn memory_engine_keeps_the_contract() {
    battery(&MemoryEngine::default());
}

fn on_disk(kind: EngineKind) {
    let dir = tempfile::tempdir().unwrap();
    let wait = Duration::from_secs(5);
    {
        let e: Arc<dyn Engine> = open_engine(dir.path(), kind, 8 << 20, wait).unwrap();
        battery(&*e);
    }
    let e = open_engine(dir.path(), kind, 8 << 20, wait).unwrap();
    after_reopen(&*e);
    assert_eq!(EngineKind::detect(dir.path()).unwrap(), Some(kind));
}

#[test]
fn sled_engine_keeps_the_contract_across_a_reopen() {
    on_disk(EngineKind::Sled);
}

#[test]
fn fjall_engine_keeps_the_contract_across_a_reopen() {
    on_disk(EngineKind::Fjall);
}

#[test]
fn a_directory_of_one_engine_is_refused_by_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let wait = Duration::from_secs(5);
    drop(open_engine(dir.path(), EngineKind::Sled, 8 << 20, wait).unwrap());
    let err = match open_engine(dir.path(), EngineKind::Fjall, 8 << 20, wait) {
        Ok(_) => panic!("opened a sled directory with fjall"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("holds a sled store but store.engine = fjall"),
        "{err}"
    );
    assert!(err.contains("lacznik restore"), "{err}");
}

fn postgres(pg: &lacznik_testkit::PgCluster) -> crate::store::postgres_engine::PgSettings {
    crate::store::postgres_engine::PgSettings::new(pg.url())
}

#[test]
fn postgres_engine_keeps_the_contract_across_a_reopen() {
    use crate::store::postgres_engine::PgEngine;
    let pg = lacznik_testkit::PgCluster::start().expect("a throwaway PostgreSQL cluster");
    {
        let e = PgEngine::open(&postgres(&pg)).unwrap();
        battery(&e);
    }
    let e = PgEngine::open(&postgres(&pg)).unwrap();
    after_reopen(&e);
}

#[test]
fn postgres_reads_merge_what_is_queued_with_what_is_committed() {
    use crate::store::postgres_engine::PgEngine;
    let pg = lacznik_testkit::PgCluster::start().expect("a throwaway PostgreSQL cluster");
    let e = PgEngine::open(&postgres(&pg)).unwrap();
    let mut b = WriteBatch::default();
    for i in 0u8..10 {
        put(&mut b, &[b'k', i], &[i]);
    }
    e.apply(b).unwrap();
    e.flush().unwrap();
    // Queued, not committed: three deletes at the front, one new key, one overwrite.
    let mut b = WriteBatch::default();
    for i in 0u8..3 {
        b.delete(vec![b'k', i]);
    }
    put(&mut b, &[b'k', 3, 0], b"new");
    put(&mut b, &[b'k', 5], b"over");
    e.apply(b).unwrap();
    let keys = |n| -> Vec<Vec<u8>> {
        e.scan(b"k", b"l", n)
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    assert_eq!(
        keys(3),
        vec![vec![b'k', 3], vec![b'k', 3, 0], vec![b'k', 4]],
        "deleted rows gone, the queued key in its place, the limit held"
    );
    assert_eq!(keys(100).len(), 8);
    assert_eq!(
        e.get(&[b'k', 5]).unwrap().as_deref(),
        Some(b"over".as_slice())
    );
    assert_eq!(e.get(&[b'k', 1]).unwrap(), None);
    // The newest key survives in `last` even when the newest committed ones are deleted.
    let mut b = WriteBatch::default();
    for i in 7u8..10 {
        b.delete(vec![b'k', i]);
    }
    e.apply(b).unwrap();
    assert_eq!(
        e.last(b"k", b"l").unwrap().map(|(k, _)| k),
        Some(vec![b'k', 6])
    );
    e.flush().unwrap();
    assert_eq!(keys(100).len(), 5, "the same after the commit");
    assert_eq!(
        e.last(b"k", b"l").unwrap().map(|(k, _)| k),
        Some(vec![b'k', 6])
    );
}

#[test]
fn postgres_prefetches_made_at_once_are_all_answered_and_read_from_the_cache() {
    use crate::store::postgres_engine::PgEngine;
    let mut pg = lacznik_testkit::PgCluster::start().expect("a throwaway PostgreSQL cluster");
    let e = Arc::new(PgEngine::open(&postgres(&pg)).unwrap());
    let mut b = WriteBatch::default();
    for i in 0u16..200 {
        put(&mut b, &[b'p', (i >> 8) as u8, i as u8], &i.to_be_bytes());
    }
    e.apply(b).unwrap();
    e.flush().unwrap();
    // A fresh engine, so nothing is cached by the commit: 400 prefetches from 8 threads at
    // once, each of a present key and an absent one (what a new submission asks for);
    // they share queries, and each is answered with its own keys.
    drop(e);
    let e = Arc::new(PgEngine::open(&postgres(&pg)).unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    let threads: Vec<_> = (0..8u16)
        .map(|t| {
            let (e, tx) = (e.clone(), tx.clone());
            std::thread::spawn(move || {
                for i in (t * 50)..(t * 50 + 50) {
                    let present = vec![b'p', ((i % 200) >> 8) as u8, (i % 200) as u8];
                    let absent = vec![b'q', (i >> 8) as u8, i as u8];
                    let tx = tx.clone();
                    e.prefetch(vec![present, absent], Box::new(move || tx.send(i).unwrap()));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut answered: Vec<u16> = (0..400)
        .map(|_| {
            rx.recv_timeout(Duration::from_secs(10))
                .expect("every prefetch called back")
        })
        .collect();
    answered.sort_unstable();
    assert_eq!(answered, (0..400).collect::<Vec<u16>>());
    // With the database gone, every key read ahead is still answered, rightly: from the
    // cache the prefetches filled, found or known absent.
    pg.kill().unwrap();
    for i in 0u16..400 {
        let present = [b'p', ((i % 200) >> 8) as u8, (i % 200) as u8];
        assert_eq!(
            e.get(&present).unwrap().as_deref(),
            Some((i % 200).to_be_bytes().as_slice())
        );
        assert_eq!(e.get(&[b'q', (i >> 8) as u8, i as u8]).unwrap(), None);
    }
    // A key nobody read ahead needs the database, which is gone.
    assert!(e.get(b"never read").is_err());
}

#[test]
fn postgres_reads_never_scan_the_whole_table_even_when_planned_on_a_tiny_one() {
    use crate::store::postgres_engine::PgEngine;
    let pg = lacznik_testkit::PgCluster::start().expect("a throwaway PostgreSQL cluster");
    let seq_scans = || -> i64 {
        let mut c = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
        c.query_one(
            "SELECT coalesce(seq_scan, 0) FROM pg_stat_user_tables WHERE relname = 'lacznik_kv'",
            &[],
        )
        .unwrap()
        .get(0)
    };
    // Creating the schema scans the empty table once; counted from here. (A session's
    // counters are reported when it ends, so the engine is closed before each count.)
    drop(PgEngine::open(&postgres(&pg)).unwrap());
    let before = seq_scans();
    let e = PgEngine::open(&postgres(&pg)).unwrap();
    let reads = |e: &PgEngine, round: u8| {
        for i in 0u8..12 {
            let (tx, rx) = std::sync::mpsc::channel();
            let ahead = vec![vec![b'x', round, i], vec![b'k', 1]];
            e.prefetch(ahead, Box::new(move || tx.send(()).unwrap()));
            rx.recv_timeout(Duration::from_secs(10)).unwrap();
            e.get(&[b'y', round, i]).unwrap();
            e.scan(&[b'k', i], b"l", 5).unwrap();
            e.last(b"k", &[b'k', i]).unwrap();
        }
    };
    // Statements run (past PostgreSQL's five custom plans) on a table of one page, and
    // planned again after an ANALYZE of it (as autovacuum makes early in a new store's
    // life), where a sequential scan is the cheapest plan...
    let mut b = WriteBatch::default();
    put(&mut b, &[b'k', 1], b"v");
    e.apply(b).unwrap();
    e.flush().unwrap();
    reads(&e, 0);
    let mut c = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
    c.batch_execute("ANALYZE lacznik_kv").unwrap();
    reads(&e, 1);
    // ...must not go on scanning the table once it is large.
    for chunk in 0u16..10 {
        let mut b = WriteBatch::default();
        for i in 0u16..500 {
            put(
                &mut b,
                &[
                    b'k',
                    2,
                    (chunk >> 8) as u8,
                    chunk as u8,
                    (i >> 8) as u8,
                    i as u8,
                ],
                &[7; 200],
            );
        }
        e.apply(b).unwrap();
        e.flush().unwrap();
    }
    reads(&e, 2);
    drop(e);
    assert_eq!(seq_scans() - before, 0, "sequential scans of lacznik_kv");
}

#[test]
fn offline_commands_are_refused_while_a_node_is_active_on_postgres() {
    use crate::store::postgres_engine::PgEngine;
    let pg = lacznik_testkit::PgCluster::start().expect("a throwaway PostgreSQL cluster");
    let _first = PgEngine::open(&postgres(&pg)).unwrap();
    let mut settings = postgres(&pg);
    settings.lock_wait = Duration::from_millis(200);
    match PgEngine::open(&settings) {
        Err(StoreError::Locked(what)) => {
            assert!(what.contains("a lacznik node is active"), "{what}")
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("two nodes wrote to one database"),
    }
}
