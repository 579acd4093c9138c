//! The SQL the engine runs, each on the connection of the thread that owns it: the node
//! lock, the schema, a commit of queued writes, and the reads.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::mpsc::Receiver;

use postgres::Client;

use super::settings::{PgSettings, Role, Session, pg_err};
use super::{Answer, Job, Read, SCHEMA_VERSION};
use crate::store::StoreError;
use crate::store::engine::Entry;

/// Creates the schema in an empty database, or checks the one there.
pub(super) fn migrate(c: &mut Client) -> Result<(), StoreError> {
    let mut t = c.transaction().map_err(|e| pg_err("begin", &e))?;
    t.batch_execute(
        "CREATE TABLE IF NOT EXISTS lacznik_schema (version integer NOT NULL);
         CREATE TABLE IF NOT EXISTS lacznik_kv (k bytea PRIMARY KEY, v bytea NOT NULL);
         CREATE TABLE IF NOT EXISTS lacznik_active (
             id integer PRIMARY KEY CHECK (id = 1), addr text NOT NULL, since timestamptz NOT NULL);",
    )
    .map_err(|e| pg_err("create schema", &e))?;
    // Values arrive sealed (encrypted): compressing them is wasted work on every write.
    // EXTERNAL keeps large values out of line without trying to compress them.
    // And values up to a page stay in the row: PostgreSQL moves a row's long values out to
    // the TOAST table once the row passes ~2 kB, which made every request record (~2.4 kB
    // sealed) two TOAST chunks, each a heap row and an index entry more, on every write and
    // read. `toast_tuple_target` raises that to what fits a page; larger values still go.
    t.batch_execute(
        "ALTER TABLE lacznik_kv ALTER COLUMN v SET STORAGE EXTERNAL;
         ALTER TABLE lacznik_kv SET (toast_tuple_target = 8160)",
    )
    .map_err(|e| pg_err("set storage", &e))?;
    let found: Option<i32> = t
        .query_opt("SELECT max(version) FROM lacznik_schema", &[])
        .map_err(|e| pg_err("read schema version", &e))?
        .and_then(|r| r.get(0));
    match found {
        None => {
            t.execute(
                "INSERT INTO lacznik_schema (version) VALUES ($1)",
                &[&SCHEMA_VERSION],
            )
            .map_err(|e| pg_err("write schema version", &e))?;
        }
        Some(v) if v > SCHEMA_VERSION => {
            return Err(StoreError::UnsupportedFormat {
                found: u32::try_from(v).unwrap_or(u32::MAX),
                supported: SCHEMA_VERSION as u32,
            });
        }
        // Older versions would migrate here, one step per version; 1 is the first.
        Some(_) => {}
    }
    t.commit().map_err(|e| pg_err("commit schema", &e))
}

/// The committer's statement, prepared once per session: a statement sent as text is
/// parsed, planned and described again on every call (two round trips instead of one).
pub(super) struct CommitStatements {
    write: postgres::Statement,
}

impl CommitStatements {
    pub(super) fn prepare(c: &mut Client) -> Result<CommitStatements, StoreError> {
        // Deletes, inserts and upserts in ONE statement, sent without BEGIN and COMMIT: a
        // statement outside a transaction block is its own transaction, atomic and (with
        // the database's `synchronous_commit`) durable when it returns, so a flush is one
        // round trip instead of three or four. Each WITH part runs to completion whether
        // or not anything reads it (PostgreSQL, "Data-Modifying Statements in WITH"); the
        // three touch different keys (`Writes` holds each key once), so the shared
        // snapshot does not matter. Keys known absent ($4, $5) take a plain INSERT: an
        // upsert looks each row up in the primary key before inserting it, and inserting
        // looks again (a benchmark's committer spent over half its time descending that
        // index; 140,000 rows in 140-row statements took 2.1 s as inserts, 2.7 s as
        // upserts, psql on this machine).
        Ok(CommitStatements {
            write: c
                .prepare(
                    "WITH gone AS (DELETE FROM lacznik_kv WHERE k = ANY($3::bytea[])),
                          new AS (INSERT INTO lacznik_kv (k, v)
                                  SELECT * FROM unnest($4::bytea[], $5::bytea[]))
                     INSERT INTO lacznik_kv (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[])
                     ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
                )
                .map_err(|e| pg_err("prepare write", &e))?,
        })
    }
}

/// Writes a flush (the final state of each key) in one statement, its own transaction.
/// If a key hinted absent was there after all (a unique violation: the statement wrote
/// nothing), the flush is written again with every put an upsert.
pub(super) fn commit(
    c: &mut Client,
    statements: &CommitStatements,
    flush: &super::Flush,
) -> Result<(), StoreError> {
    match write(c, statements, flush, &flush.fresh) {
        Err(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
            tracing::warn!(
                hinted = flush.fresh.len(),
                "postgres: a key written as new was already stored; the flush is written again as upserts"
            );
            write(c, statements, flush, &HashSet::new())
        }
        r => r,
    }
    .map_err(|e| pg_err("commit", &e))
}

fn write(
    c: &mut Client,
    statements: &CommitStatements,
    flush: &super::Flush,
    fresh: &HashSet<Vec<u8>>,
) -> Result<(), postgres::Error> {
    let (mut put_k, mut put_v, mut del) = (Vec::new(), Vec::new(), Vec::new());
    let (mut new_k, mut new_v) = (Vec::new(), Vec::new());
    for (k, v) in flush.writes.iter() {
        match v {
            Some(v) if fresh.contains(k) => {
                new_k.push(k.as_slice());
                new_v.push(v.as_slice());
            }
            Some(v) => {
                put_k.push(k.as_slice());
                put_v.push(v.as_slice());
            }
            None => del.push(k.as_slice()),
        }
    }
    c.execute(&statements.write, &[&put_k, &put_v, &del, &new_k, &new_v])
        .map(|_| ())
}

/// A reader's statements, prepared once per connection (see [`CommitStatements`]).
struct ReadStatements {
    get: postgres::Statement,
    scan: postgres::Statement,
    last: postgres::Statement,
}

impl ReadStatements {
    fn prepare(c: &mut Client) -> Result<ReadStatements, StoreError> {
        let p = |c: &mut Client, sql: &str| c.prepare(sql).map_err(|e| pg_err("prepare read", &e));
        Ok(ReadStatements {
            get: p(c, "SELECT k, v FROM lacznik_kv WHERE k = $1")?,
            scan: p(
                c,
                "SELECT k, v FROM lacznik_kv WHERE k >= $1 AND k < $2 ORDER BY k LIMIT $3",
            )?,
            last: p(
                c,
                "SELECT k, v FROM lacznik_kv WHERE k >= $1 AND k < $2 ORDER BY k DESC LIMIT $3",
            )?,
        })
    }
}

pub(super) fn reader(client: Client, settings: &PgSettings, jobs: &Mutex<Receiver<Job>>) {
    let mut session = Session::new(client, Role::Read, ReadStatements::prepare);
    loop {
        let job = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok((read, answer)) = job else {
            return;
        };
        // The database restarted or the connection broke: tried again once per read.
        answer(
            session
                .ready(settings)
                .and_then(|(c, st)| run_read(c, st, read)),
        );
    }
}

fn run_read(c: &mut Client, st: &ReadStatements, read: Read) -> Result<Answer, StoreError> {
    let rows = |r: Vec<postgres::Row>| -> Vec<Entry> {
        r.into_iter().map(|row| (row.get(0), row.get(1))).collect()
    };
    Ok(match read {
        Read::Get(k) => Answer::Rows(rows(
            c.query(&st.get, &[&k]).map_err(|e| pg_err("get", &e))?,
        )),
        Read::Scan(start, end, limit) => Answer::Rows(rows(
            c.query(&st.scan, &[&start, &end, &limit])
                .map_err(|e| pg_err("scan", &e))?,
        )),
        Read::LastBefore(start, end, limit) => Answer::Rows(rows(
            c.query(&st.last, &[&start, &end, &limit])
                .map_err(|e| pg_err("last", &e))?,
        )),
        Read::Size => {
            let n: i64 = c
                .query_one("SELECT pg_total_relation_size('lacznik_kv')", &[])
                .map_err(|e| pg_err("size", &e))?
                .get(0);
            Answer::Size(u64::try_from(n).unwrap_or(0))
        }
    })
}
