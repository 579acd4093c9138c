//! Unit tests of `commit`.

use super::*;
use std::sync::atomic::Ordering;

use crate::store::keys;
use crate::store::memory::MemoryEngine;

fn store() -> Store {
    Store::start(
        Arc::new(MemoryEngine::default()),
        Arc::new(KeyRing::generate()),
    )
    .unwrap()
}

#[tokio::test]
async fn failed_command_writes_nothing_and_returns_its_sequence_numbers() {
    let s = store();
    let r: Result<(), StoreError> = s
        .execute(|t| {
            t.put(b"a".to_vec(), b"1".to_vec());
            t.next_seq(b"q")?;
            Err(StoreError::Closed)
        })
        .await;
    assert!(r.is_err());
    assert_eq!(s.get(b"a").unwrap(), None);
    let n = s
        .execute(|t| {
            let n = t.next_seq(b"q")?;
            t.put(keys::seq_entry(b"q", n), vec![]);
            Ok::<_, StoreError>(n)
        })
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn commands_see_their_own_writes_and_earlier_commands() {
    let s = store();
    s.execute(|t| {
        t.put(b"k".to_vec(), b"v1".to_vec());
        assert_eq!(t.get(b"k")?, Some(b"v1".to_vec()));
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap();
    let seen = s.execute(|t| t.get(b"k")).await.unwrap();
    assert_eq!(seen, Some(b"v1".to_vec()));
}

#[tokio::test]
async fn sequences_resume_from_the_engine_and_have_no_gaps_under_concurrency() {
    let engine = Arc::new(MemoryEngine::default());
    let mut b = WriteBatch::default();
    b.put(vec![b'p', 0, 0, 0, 0, 0, 0, 0, 41], vec![]);
    engine.apply(b).unwrap();
    let s = Store::start(engine, Arc::new(KeyRing::generate())).unwrap();
    let mut handles = Vec::new();
    for _ in 0..50 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            s.execute(|t| {
                let n = t.next_seq(b"p")?;
                let mut k = b"p".to_vec();
                k.extend_from_slice(&n.to_be_bytes());
                t.put(k, vec![]);
                Ok::<_, StoreError>(n)
            })
            .await
            .unwrap()
        }));
    }
    let mut got = Vec::new();
    for h in handles {
        got.push(h.await.unwrap());
    }
    got.sort();
    assert_eq!(got, (42..92).collect::<Vec<u64>>());
}

#[tokio::test]
async fn on_durable_runs_after_success_only() {
    let s = store();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tx2 = tx.clone();
    s.execute(move |t| {
        t.on_durable(move || {
            let _ = tx.send("ok");
        });
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap();
    // Already run when the answer arrives: a read after an OK sees the new watermark.
    assert_eq!(rx.try_recv(), Ok("ok"));
    let _ = s
        .execute(move |t| {
            t.on_durable(move || {
                let _ = tx2.send("failed");
            });
            Err::<(), _>(StoreError::Closed)
        })
        .await;
    assert!(rx.try_recv().is_err());
}

/// An engine whose flush is slow and counted, to see writers share flushes, and which
/// keeps every batch it was given, to see how a command's writes reach it.
#[derive(Default)]
struct Probe {
    inner: MemoryEngine,
    flushes: std::sync::atomic::AtomicUsize,
    batches: Mutex<Vec<WriteBatch>>,
}

impl Engine for Probe {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(key)
    }
    fn scan(&self, s: &[u8], e: &[u8], l: usize) -> Result<Vec<Entry>, StoreError> {
        self.inner.scan(s, e, l)
    }
    fn last(&self, s: &[u8], e: &[u8]) -> Result<Option<Entry>, StoreError> {
        self.inner.last(s, e)
    }
    fn apply(&self, b: WriteBatch) -> Result<(), StoreError> {
        self.batches.lock().unwrap().push(b.clone());
        self.inner.apply(b)
    }
    fn flush(&self) -> Result<(), StoreError> {
        std::thread::sleep(std::time::Duration::from_millis(5));
        self.flushes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_share_flushes_and_are_answered_after_one() {
    let engine = Arc::new(Probe::default());
    let s = Store::start(engine.clone(), Arc::new(KeyRing::generate())).unwrap();
    let before = engine.flushes.load(Ordering::SeqCst);
    let mut handles = Vec::new();
    for i in 0..200u32 {
        let s = s.clone();
        let e = engine.clone();
        handles.push(tokio::spawn(async move {
            s.execute(move |t| {
                t.put(i.to_be_bytes().to_vec(), vec![1]);
                Ok::<_, StoreError>(())
            })
            .await
            .unwrap();
            // Answered only after a flush that covered this write.
            assert!(e.flushes.load(Ordering::SeqCst) > before);
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let flushes = engine.flushes.load(Ordering::SeqCst) - before;
    assert!(flushes < 50, "200 writers took {flushes} flushes");
}

#[tokio::test]
async fn a_command_that_panics_fails_alone_and_the_writer_goes_on() {
    // On the real default engine in a temp dir: the panic is injected into a command, as
    // a bug in one would behave.
    let dir = tempfile::tempdir().unwrap();
    let engine = crate::store::open_engine(
        dir.path(),
        crate::store::EngineKind::Fjall,
        8 << 20,
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let s = Store::start(engine, Arc::new(KeyRing::generate())).unwrap();
    let r: Result<(), StoreError> = s
        .execute(|t| {
            t.put(b"half".to_vec(), b"done".to_vec());
            panic!("injected fault: a command's bug");
        })
        .await;
    assert!(matches!(r, Err(StoreError::Panicked)), "{r:?}");
    assert_eq!(
        s.get(b"half").unwrap(),
        None,
        "nothing of the panicked command is kept"
    );
    assert!(
        s.is_healthy(),
        "one command's panic does not fail the store"
    );
    s.execute(|t| {
        t.put(b"next".to_vec(), b"ok".to_vec());
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap();
    assert_eq!(s.get(b"next").unwrap(), Some(b"ok".to_vec()));
}

#[tokio::test]
async fn a_flusher_thread_that_dies_makes_the_store_unhealthy() {
    let s = store();
    // Fault injection: a completion callback that panics runs on the flusher thread and
    // kills it, as a bug there would. No real fault can make that thread end.
    let r: Result<(), StoreError> = s
        .execute(|t| {
            t.put(b"k".to_vec(), b"v".to_vec());
            t.on_durable(|| panic!("injected fault on the flusher"));
            Ok(())
        })
        .await;
    assert!(r.is_err(), "the caller is not told OK: {r:?}");
    let failure = tokio::time::timeout(std::time::Duration::from_secs(5), s.health().failed())
        .await
        .expect("the failure is announced");
    assert_eq!(failure, Failure::ThreadEnded("lacznik-flusher"));
    assert!(!s.is_healthy());
    let next: Result<(), StoreError> = s.execute(|_| Ok(())).await;
    assert!(matches!(next, Err(StoreError::Poisoned)), "{next:?}");
}

#[tokio::test]
async fn a_writer_thread_that_dies_makes_the_store_unhealthy() {
    let engine = Arc::new(MemoryEngine::default());
    let s = Store::start(engine.clone(), Arc::new(KeyRing::generate())).unwrap();
    // Fault injection: the engine panics while the writer applies a batch, outside the
    // command's own panic guard, so the writer thread itself unwinds.
    engine.panic_on_apply();
    let r: Result<(), StoreError> = s
        .execute(|t| {
            t.put(b"k".to_vec(), b"v".to_vec());
            Ok(())
        })
        .await;
    assert!(r.is_err(), "the caller is not told OK: {r:?}");
    let failure = tokio::time::timeout(std::time::Duration::from_secs(5), s.health().failed())
        .await
        .expect("the failure is announced");
    assert_eq!(failure, Failure::ThreadEnded("lacznik-writer"));
    let next: Result<(), StoreError> = s.execute(|_| Ok(())).await;
    assert!(matches!(next, Err(StoreError::Poisoned)), "{next:?}");
}

#[tokio::test]
async fn a_failed_flush_is_announced_at_once_and_refuses_writes() {
    let engine = Arc::new(MemoryEngine::default());
    let s = Store::start(engine.clone(), Arc::new(KeyRing::generate())).unwrap();
    engine.fail_flushes(StoreError::DiskFull(
        "injected: no space left on device".into(),
    ));
    let r: Result<(), StoreError> = s
        .execute(|t| {
            t.put(b"k".to_vec(), b"v".to_vec());
            Ok(())
        })
        .await;
    assert!(matches!(r, Err(StoreError::Poisoned)), "{r:?}");
    // Announced before the caller's answer: no polling interval in between.
    assert_eq!(s.health().failure(), Some(Failure::DiskFull));
    let next: Result<(), StoreError> = s.execute(|_| Ok(())).await;
    assert!(matches!(next, Err(StoreError::Poisoned)), "{next:?}");
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Note {
    n: u32,
}

impl Versioned for Note {
    const SCHEMA_VERSION: u8 = 1;
}

#[tokio::test]
async fn a_kept_record_is_the_last_write_of_its_key_and_is_stored_as_well() {
    let s = store();
    s.execute(|t| {
        t.put_record_kept(b"a".to_vec(), &Note { n: 1 })?;
        t.put_record_kept(b"a".to_vec(), &Note { n: 2 })?;
        assert_eq!(t.kept::<Note>(b"a"), Some(&Note { n: 2 }));
        assert_eq!(t.kept::<String>(b"a"), None, "another type is not it");
        t.put_record_kept(b"b".to_vec(), &Note { n: 3 })?;
        t.put(b"b".to_vec(), b"raw".to_vec());
        assert_eq!(t.kept::<Note>(b"b"), None, "a later put forgets it");
        t.put_record_kept(b"c".to_vec(), &Note { n: 4 })?;
        t.delete(b"c".to_vec());
        assert_eq!(t.kept::<Note>(b"c"), None, "a later delete forgets it");
        t.put_sealed_kept(b"s".to_vec(), &Note { n: 5 })?;
        assert_eq!(t.kept::<Note>(b"s"), Some(&Note { n: 5 }));
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap();
    assert_eq!(s.get_record::<Note>(b"a").unwrap(), Some(Note { n: 2 }));
    assert_eq!(s.get(b"b").unwrap(), Some(b"raw".to_vec()));
    assert_eq!(s.get(b"c").unwrap(), None);
    assert_eq!(s.get_sealed::<Note>(b"s").unwrap(), Some(Note { n: 5 }));
    let fresh = s
        .execute(|t| Ok::<_, StoreError>(t.kept::<Note>(b"a").cloned()))
        .await;
    assert_eq!(
        fresh.unwrap(),
        None,
        "kept values live as long as their command"
    );
}

#[tokio::test]
async fn keys_read_absent_or_inserted_reach_the_engine_as_inserts_and_the_rest_as_puts() {
    use crate::store::engine::Op;
    let engine = Arc::new(Probe::default());
    let s = Store::start(engine.clone(), Arc::new(KeyRing::generate())).unwrap();
    s.execute(|t| {
        t.put(b"there".to_vec(), b"0".to_vec());
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap();
    engine.batches.lock().unwrap().clear();
    s.execute(|t| {
        assert_eq!(t.get(b"absent")?, None);
        assert!(t.get(b"there")?.is_some());
        t.put(b"absent".to_vec(), b"1".to_vec());
        t.put(b"there".to_vec(), b"1".to_vec());
        t.put(b"unread".to_vec(), b"1".to_vec());
        t.insert(b"numbered".to_vec(), b"1".to_vec());
        // Written twice, or deleted first by the command: a put the second time.
        t.insert(b"numbered".to_vec(), b"2".to_vec());
        t.delete(b"gone".to_vec());
        t.insert(b"gone".to_vec(), b"1".to_vec());
        Ok::<_, StoreError>(())
    })
    .await
    .unwrap();
    let batches = engine.batches.lock().unwrap();
    let ops: Vec<(&str, &[u8])> = batches[0]
        .ops()
        .iter()
        .map(|op| match op {
            Op::Put(k, _) => ("put", k.as_slice()),
            Op::Insert(k, _) => ("insert", k.as_slice()),
            Op::Delete(k) => ("delete", k.as_slice()),
        })
        .collect();
    assert_eq!(
        ops,
        vec![
            ("insert", b"absent".as_slice()),
            ("put", b"there"),
            ("put", b"unread"),
            ("insert", b"numbered"),
            ("put", b"numbered"),
            ("delete", b"gone"),
            ("put", b"gone"),
        ]
    );
    assert_eq!(s.get(b"numbered").unwrap(), Some(b"2".to_vec()));
}
