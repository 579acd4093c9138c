//! The election on a real, throwaway PostgreSQL cluster: one active at a time, a standby
//! that takes over when the active's session ends, and a fence that holds after it.

use std::sync::atomic::Ordering;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use super::super::{PgEngine, PgSettings};
use super::Candidacy;
use crate::store::StoreError;
use crate::store::engine::{Engine, WriteBatch};

fn settings(pg: &lacznik_testkit::PgCluster) -> PgSettings {
    PgSettings::new(pg.url())
}

fn put(e: &PgEngine, k: &[u8]) -> Result<(), StoreError> {
    let mut b = WriteBatch::default();
    b.put(k.to_vec(), b"v".to_vec());
    e.apply(b)?;
    e.flush()
}

/// Ends the session `pid`, as the database does to a silent node.
fn end_session(pg: &lacznik_testkit::PgCluster, pid: i32) {
    let mut c = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
    c.execute("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap();
}

fn committer_pid(pg: &lacznik_testkit::PgCluster) -> i32 {
    let mut c = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
    c.query_one(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1",
        &[&(u32::try_from(super::NODE_LOCK).unwrap())],
    )
    .unwrap()
    .get(0)
}

#[test]
fn a_standby_waits_names_the_active_and_takes_over_when_its_session_ends() {
    let pg = lacznik_testkit::PgCluster::start().expect("a throwaway PostgreSQL cluster");
    let a = Candidacy::new("node-a:7443".into());
    let first = PgEngine::open_when_active(&settings(&pg), &a).unwrap();
    put(&first, b"k1").unwrap();
    let (lost_tx, lost) = channel();
    first.on_lost(Box::new(move |e| {
        let _ = lost_tx.send(e.to_string());
    }));

    let b = Candidacy::new("node-b:7443".into());
    let (opened_tx, opened) = channel();
    let settings_b = settings(&pg);
    let waiting = b.clone();
    std::thread::spawn(move || {
        let _ = opened_tx.send(PgEngine::open_when_active(&settings_b, &waiting));
    });
    // The standby waits, and knows where the active is.
    let began = Instant::now();
    while b.active.lock().unwrap().is_none() {
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "standby saw no active"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(b.active.lock().unwrap().as_deref(), Some("node-a:7443"));
    assert!(
        opened.recv_timeout(Duration::from_secs(1)).is_err(),
        "two actives"
    );

    // The database ends the active's session (as it does to a paused or cut-off node).
    end_session(&pg, committer_pid(&pg));
    let second = opened
        .recv_timeout(Duration::from_secs(5))
        .expect("took over within a poll")
        .expect("opened");
    let said = lost
        .recv_timeout(Duration::from_secs(5))
        .expect("the old active learns it");
    assert!(said.contains("ended this node's session"), "{said}");
    // The fence: the old active commits nothing more; the new one sees what was committed.
    assert!(
        put(&first, b"k2").is_err(),
        "the old active committed after the takeover"
    );
    assert_eq!(second.get(b"k1").unwrap(), Some(b"v".to_vec()));
    assert_eq!(second.get(b"k2").unwrap(), None);
    put(&second, b"k3").unwrap();
}

#[test]
fn a_cancelled_standby_stops_waiting() {
    let pg = lacznik_testkit::PgCluster::start().expect("a throwaway PostgreSQL cluster");
    let _active =
        PgEngine::open_when_active(&settings(&pg), &Candidacy::new("a:1".into())).unwrap();
    let standby = Candidacy::new("b:1".into());
    let (tx, rx) = channel();
    let (s, c) = (settings(&pg), standby.clone());
    std::thread::spawn(move || {
        let _ = tx.send(PgEngine::open_when_active(&s, &c).map(|_| ()));
    });
    std::thread::sleep(Duration::from_millis(300));
    standby.cancel.store(true, Ordering::Release);
    match rx
        .recv_timeout(Duration::from_secs(3))
        .expect("the wait ends")
    {
        Err(StoreError::Closed) => {}
        other => panic!("{other:?}"),
    }
}
