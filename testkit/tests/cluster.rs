//! The throwaway cluster against a real PostgreSQL: it starts, takes connections by URL, by
//! key/value string and by socket, keeps its data across a clean restart and across a kill
//! (crash recovery), and leaves nothing behind when dropped, also from a panicking test.

use std::path::{Path, PathBuf};
use std::time::Instant;

use lacznik_testkit::PgCluster;
use postgres::{Client, NoTls};

fn connect(conn: &str) -> Client {
    Client::connect(conn, NoTls).unwrap_or_else(|e| panic!("connect {conn}: {e}"))
}

fn alive(pid: u32) -> bool {
    // A zombie (exited, not yet reaped by whoever inherited it) counts as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let state = s[s.rfind(')').unwrap() + 1..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
            state != "Z" && state != "X"
        })
        .unwrap_or(false)
}

#[test]
fn start_connect_restart_kill_and_drop() {
    let t = Instant::now();
    let mut pg = PgCluster::start().unwrap();
    eprintln!("cluster started in {:?} on port {}", t.elapsed(), pg.port());
    assert!(pg.is_running());
    let root: PathBuf = pg.data_dir().parent().unwrap().to_path_buf();
    assert!(pg.data_dir().join("PG_VERSION").is_file());
    assert_eq!(
        pg.url(),
        format!("postgresql://lacznik@127.0.0.1:{}/lacznik", pg.port())
    );

    let mut c = connect(&pg.url());
    let row = c
        .query_one(
            "select current_database(), current_user, current_setting('fsync')",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "lacznik");
    assert_eq!(row.get::<_, String>(1), "lacznik");
    assert_eq!(
        row.get::<_, String>(2),
        "off",
        "start() is the fast cluster"
    );
    c.batch_execute("create table t (n int); insert into t values (1)")
        .unwrap();
    drop(c);

    let mut by_socket = connect(&format!(
        "host={} port={} user=lacznik dbname=lacznik",
        pg.socket_dir().display(),
        pg.port()
    ));
    assert_eq!(
        by_socket
            .query_one("select count(*) from t", &[])
            .unwrap()
            .get::<_, i64>(0),
        1
    );
    drop(by_socket);

    let t = Instant::now();
    pg.restart().unwrap();
    eprintln!("clean restart in {:?}", t.elapsed());
    let mut c = connect(&pg.key_value());
    c.batch_execute("insert into t values (2)").unwrap();

    // A kill under an open connection: the connection breaks, the server is gone at once.
    let pid = pg.pid().unwrap();
    pg.kill().unwrap();
    assert!(!pg.is_running());
    assert!(!alive(pid), "postmaster {pid} survived kill()");
    assert!(
        c.query_one("select 1", &[]).is_err(),
        "a query after kill() succeeded"
    );
    assert!(Client::connect(&pg.url(), NoTls).is_err());

    let t = Instant::now();
    pg.restart().unwrap();
    eprintln!("restart after kill (crash recovery) in {:?}", t.elapsed());
    let mut c = connect(&pg.url());
    let n: i64 = c.query_one("select count(*) from t", &[]).unwrap().get(0);
    assert_eq!(n, 2, "a committed row was lost in the kill\n{}", pg.log());
    assert!(
        pg.log().contains("database system was interrupted"),
        "no crash recovery in the log"
    );
    drop(c);

    pg.stop().unwrap();
    assert!(!pg.is_running());
    pg.stop().unwrap(); // twice is fine
    pg.restart().unwrap();
    let pid = pg.pid().unwrap();
    drop(pg);
    assert!(!alive(pid), "postmaster {pid} survived drop");
    assert!(!root.exists(), "{} left behind", root.display());
}

#[test]
fn durable_cluster_syncs() {
    let t = Instant::now();
    let pg = PgCluster::start_durable().unwrap();
    eprintln!("durable cluster started in {:?}", t.elapsed());
    let mut c = connect(&pg.url());
    for (setting, value) in [
        ("fsync", "on"),
        ("synchronous_commit", "on"),
        ("full_page_writes", "on"),
    ] {
        let row = c
            .query_one("select current_setting($1)", &[&setting])
            .unwrap();
        assert_eq!(row.get::<_, String>(0), value, "{setting}");
    }
}

#[test]
fn clusters_are_separate() {
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| PgCluster::start().unwrap());
        let b = s.spawn(|| PgCluster::start().unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(a.port(), b.port());
    assert_ne!(a.data_dir(), b.data_dir());
    connect(&a.url())
        .batch_execute("create table only_in_a ()")
        .unwrap();
    let found: i64 = connect(&b.url())
        .query_one(
            "select count(*) from pg_tables where tablename = 'only_in_a'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(found, 0);
}

#[test]
fn a_panicking_test_leaves_nothing_running() {
    let (tx, rx) = std::sync::mpsc::channel::<(u32, PathBuf)>();
    let result = std::thread::spawn(move || {
        let pg = PgCluster::start().unwrap();
        tx.send((
            pg.pid().unwrap(),
            pg.data_dir().parent().unwrap().to_path_buf(),
        ))
        .unwrap();
        panic!("a failing test");
    })
    .join();
    assert!(result.is_err());
    let (pid, root) = rx.recv().unwrap();
    assert!(!alive(pid), "postmaster {pid} survived a panic");
    assert!(!Path::new(&root).exists(), "{} left behind", root.display());
}

#[test]
fn create_database_gives_a_separate_empty_database() {
    let pg = PgCluster::start().unwrap();
    let url = pg.create_database("bench_one").unwrap();
    assert_eq!(url, pg.url_of("bench_one"));
    let mut c = connect(&url);
    let name: String = c
        .query_one("select current_database()", &[])
        .unwrap()
        .get(0);
    assert_eq!(name, "bench_one");
    c.batch_execute("create table only_here ()").unwrap();
    let found: i64 = connect(&pg.url())
        .query_one(
            "select count(*) from pg_tables where tablename = 'only_here'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(found, 0, "a table of bench_one is visible in lacznik");
    let again = pg.create_database("bench_one").unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
    let bad = pg.create_database("Robert'); drop").unwrap_err();
    assert!(bad.to_string().contains("database name"), "{bad}");
}
