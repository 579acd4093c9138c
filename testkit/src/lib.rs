//! Throwaway PostgreSQL clusters for lacznik's tests and benchmark.
//!
//! The project's rule is that integration tests use real parts: a real PostgreSQL server,
//! started by the test itself and never assumed to be running. [`PgCluster::start`] runs
//! `initdb` into a fresh temporary directory, starts `postgres` on a free port of
//! `127.0.0.1` (and on a Unix socket in that directory), creates the database `lacznik`
//! and hands back where to connect; [`PgCluster::create_database`] adds more databases.
//! Dropping the [`PgCluster`] stops the server and removes the directory, also when the test
//! panics, so nothing is left running after a test.
//!
//! The binaries are the ones of the installed PostgreSQL (`initdb` on `PATH`, else the newest
//! `/usr/lib/postgresql/<version>/bin/`); `scripts/test` installs the `postgresql` package
//! when there is none. PostgreSQL refuses to run as root, and CI runs as root: then the server
//! processes run as the unprivileged user `nobody` (see [`PgCluster::start`]).
//!
//! Linux only (it reads `/proc` to find the server's processes), like the project's CI.
//!
//! ```no_run
//! let pg = lacznik_testkit::PgCluster::start()?;
//! println!("connect to {}", pg.url()); // postgresql://lacznik@127.0.0.1:<port>/lacznik
//! # Ok::<(), lacznik_testkit::PgError>(())
//! ```

mod binaries;
mod error;
mod launch;
mod privilege;
mod process;
mod tls;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub use error::PgError;

use binaries::find_bin_dir;
use error::{describe_output, io_err};
use launch::free_port;
use privilege::{RunAs, is_root, nobody, temp_base};
use process::{children_of, process_alive, signal, wait_child};

/// The role `initdb` creates as the superuser (`-U`), so that connection strings can name it
/// instead of depending on the name of whoever runs the tests.
pub const USER: &str = "lacznik";

/// The database every cluster has, created at start; the one [`PgCluster::url`] names.
pub const DATABASE: &str = "lacznik";

/// Environment variable naming a directory holding `initdb`, `postgres` and `pg_ctl`, to use
/// another PostgreSQL than the one found on `PATH` or under `/usr/lib/postgresql/`.
pub const BIN_DIR_ENV: &str = "LACZNIK_PG_BIN";

/// How many fresh ports [`PgCluster::start`] tries when another process took the one chosen.
const PORT_ATTEMPTS: usize = 5;

/// A throwaway PostgreSQL cluster: its own data directory in a temporary directory, its own
/// server process, its own port.
///
/// Each test starts its own (about a second), so tests never share state and run in
/// parallel. Do not keep one in a `static`: statics are never dropped, so nothing would stop
/// the server. If the test process itself is killed (SIGKILL), its server stays; everything
/// else (success, failure, panic) stops it.
#[derive(Debug)]
pub struct PgCluster {
    bins: PathBuf,
    run_as: Option<RunAs>,
    durable: bool,
    port: u16,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    log_path: PathBuf,
    /// The process we spawned: the postmaster itself (directly or via `setpriv`, which
    /// execs), or `runuser` as its parent.
    child: Option<Child>,
    /// The postmaster's pid, from `postmaster.pid`, once it is ready.
    pid: Option<u32>,
    /// Last, so that it is removed after the server is stopped.
    dir: Option<TempDir>,
}

impl PgCluster {
    /// Starts a cluster for ordinary tests: fast, not crash-safe against an operating system
    /// crash.
    ///
    /// `initdb --no-sync`, and the server runs with `fsync=off` and `full_page_writes=off`,
    /// which saves most of the start-up time and of the I/O when several tests run at once.
    /// `synchronous_commit` stays on, so a commit's WAL is written to the operating system
    /// before the commit returns: killing the server ([`PgCluster::kill`]) still loses no
    /// committed transaction; only a power loss or kernel crash could. Tests and benchmarks
    /// that measure durability or the cost of real commits use [`PgCluster::start_durable`].
    ///
    /// The cluster: `initdb --auth=trust -U lacznik --encoding=UTF8 --locale=C` (trust because
    /// only this machine's loopback and a private socket reach it; the C locale so that
    /// sorting does not depend on the machine), then `postgres -p <free port> -h 127.0.0.1
    /// -k <socket dir>` with `shared_buffers=16MB` (128MB, PostgreSQL's default, when
    /// durable), `max_connections=100`, logging to
    /// `server.log` in the temporary directory; it waits until the server accepts
    /// connections and creates the database `lacznik`.
    ///
    /// When the effective user is root, PostgreSQL would refuse to run, so `initdb`,
    /// `postgres` and `pg_ctl` run as `nobody` (through `setpriv`, else `runuser`) and the
    /// temporary directory is made that user's; it is created under a directory `nobody` can
    /// reach (the system's temporary directory, else `/tmp`).
    pub fn start() -> Result<PgCluster, PgError> {
        Self::create(false)
    }

    /// Starts a cluster that is durable like a production one: `initdb` syncs its files and
    /// the server runs with `fsync=on`, `synchronous_commit=on` and `full_page_writes=on`,
    /// and PostgreSQL's default `shared_buffers` (128MB) instead of the small test ones.
    ///
    /// For crash tests and the benchmark, which must measure real durability and the real
    /// cost of a commit. Slower to start than [`PgCluster::start`] (initdb syncs the files).
    /// Otherwise the same.
    pub fn start_durable() -> Result<PgCluster, PgError> {
        Self::create(true)
    }

    fn create(durable: bool) -> Result<PgCluster, PgError> {
        let bins = find_bin_dir()?;
        let run_as = if is_root() { Some(nobody()?) } else { None };
        let base = temp_base(run_as)?;
        let dir = tempfile::Builder::new()
            .prefix("lacznik-pg-")
            .tempdir_in(&base)
            .map_err(io_err(format!(
                "create a temporary directory in {}",
                base.display()
            )))?;
        let root = dir.path().to_path_buf();
        let socket_dir = root.join("sock");
        fs::create_dir(&socket_dir).map_err(io_err(format!("create {}", socket_dir.display())))?;
        if let Some(user) = run_as {
            privilege::hand_over(user, &[&root, &socket_dir])?;
        }
        let mut cluster = PgCluster {
            bins,
            run_as,
            durable,
            port: 0,
            data_dir: root.join("data"),
            socket_dir,
            log_path: root.join("server.log"),
            child: None,
            pid: None,
            dir: Some(dir),
        };
        cluster.initdb()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            cluster.port = free_port()?;
            match cluster.launch() {
                Ok(()) => break,
                Err(e) if e.port_taken && attempt < PORT_ATTEMPTS => continue,
                Err(e) => return Err(e.error),
            }
        }
        cluster.createdb(DATABASE)?;
        Ok(cluster)
    }

    /// The TCP port the server listens on (on `127.0.0.1`); also the number in the Unix
    /// socket's name. The same across [`PgCluster::restart`], so connection strings stay
    /// valid.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding the server's Unix socket (`.s.PGSQL.<port>`), for clients that
    /// connect by socket (libpq: `host=<this dir>`).
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// A libpq-style URL for the `lacznik` database over TCP:
    /// `postgresql://lacznik@127.0.0.1:<port>/lacznik`. No password (trust authentication).
    pub fn url(&self) -> String {
        self.url_of(DATABASE)
    }

    /// The same URL for another database of the cluster (one made by
    /// [`PgCluster::create_database`]): `postgresql://lacznik@127.0.0.1:<port>/<database>`.
    pub fn url_of(&self, database: &str) -> String {
        format!("postgresql://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates another, empty database in the running cluster and returns its URL (as
    /// [`PgCluster::url_of`]).
    ///
    /// lacznik keeps its whole store in one database, so a test or benchmark phase that needs
    /// a fresh, empty store takes a database of its own instead of a cluster of its own
    /// (seconds for a durable cluster's `initdb`, milliseconds for `createdb`).
    ///
    /// `name` must be a plain identifier: 1 to 63 characters of `a-z`, `0-9` and `_`, not
    /// starting with a digit, so that it needs no quoting anywhere ([`PgError::BadName`]
    /// otherwise). A name that exists already fails with `createdb`'s message.
    pub fn create_database(&self, name: &str) -> Result<String, PgError> {
        check_database_name(name)?;
        self.createdb(name)?;
        Ok(self.url_of(name))
    }

    /// The same connection in libpq's key/value form:
    /// `host=127.0.0.1 port=<port> user=lacznik dbname=lacznik`, for clients and
    /// configuration files that take that form.
    pub fn key_value(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user={USER} dbname={DATABASE}",
            self.port
        )
    }

    /// The cluster's data directory (`PGDATA`), for tests that look at or damage the files.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The postmaster's process id while the server runs, for tests that check that it is
    /// gone (or signal it themselves).
    pub fn pid(&self) -> Option<u32> {
        self.pid.filter(|&pid| process_alive(pid))
    }

    /// The server log so far (`initdb`'s output, then every start of the server), to put in
    /// a failing test's message. Empty if it cannot be read.
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Whether the server process is alive (it may still be starting or shutting down).
    pub fn is_running(&self) -> bool {
        self.child.is_some() && self.pid().is_some()
    }

    /// Stops the server the clean way (`pg_ctl stop -m fast`: open transactions are rolled
    /// back, connections closed, a checkpoint written) and waits until it has exited. Does
    /// nothing when it is not running. The data stay; [`PgCluster::restart`] starts it again.
    pub fn stop(&mut self) -> Result<(), PgError> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        self.pid = None;
        if let Ok(Some(_)) = child.try_wait() {
            return Ok(());
        }
        let out = self
            .pg_command("pg_ctl")
            .arg("stop")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "-w", "-t", "60"])
            .output();
        match wait_child(&mut child, Duration::from_secs(5)) {
            Some(_) => Ok(()),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(PgError::Failed {
                    what: "pg_ctl stop -m fast".into(),
                    detail: format!(
                        "the server did not exit (killed it)\n{}\n--- server log ---\n{}",
                        describe_output(&out),
                        self.log()
                    ),
                })
            }
        }
    }

    /// Kills the server as a crash would: SIGKILL to the postmaster and to all its processes
    /// at once, so nothing is written or cleaned up, and waits until they are gone.
    ///
    /// For "database restart under load" tests: clients see their connections drop, and
    /// [`PgCluster::restart`] then runs crash recovery. Committed transactions survive (their
    /// WAL reached the operating system before the commit returned). Does nothing when the
    /// server is not running.
    pub fn kill(&mut self) -> Result<(), PgError> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let pid = self.pid.take().unwrap_or(child.id());
        // Stopped, the postmaster forks no new backend while its children are listed.
        signal(pid, libc::SIGSTOP);
        let children = children_of(pid);
        signal(pid, libc::SIGKILL);
        for &c in &children {
            signal(c, libc::SIGKILL);
        }
        if wait_child(&mut child, Duration::from_secs(10)).is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while children.iter().any(|&c| process_alive(c)) {
            if Instant::now() > deadline {
                return Err(PgError::Failed {
                    what: "kill the server".into(),
                    detail: format!("server processes {children:?} still alive 10 s after SIGKILL"),
                });
            }
            sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    /// Starts the server again on the same data directory and port, stopping it first
    /// (`-m fast`) if it runs. After [`PgCluster::kill`] this runs PostgreSQL's crash
    /// recovery; it returns once the server accepts connections again.
    pub fn restart(&mut self) -> Result<(), PgError> {
        self.stop()?;
        // The port is free unless another process took it meanwhile; processes of a killed
        // server may still hold its shared memory for a moment. Both pass quickly.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match self.launch() {
                Ok(()) => return Ok(()),
                Err(e) if (e.port_taken || e.shmem_busy) && Instant::now() < deadline => {
                    sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(e.error),
            }
        }
    }
}

/// The rule of [`PgCluster::create_database`]: 1-63 characters (PostgreSQL's identifier
/// limit) of `a-z`, `0-9`, `_`, not starting with a digit.
fn check_database_name(name: &str) -> Result<(), PgError> {
    let reason = if name.is_empty() || name.len() > 63 {
        Some("must be 1 to 63 characters long")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Some("may hold only a-z, 0-9 and _")
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        Some("must not start with a digit")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(PgError::BadName {
            name: name.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

impl Drop for PgCluster {
    /// Stops the server at once (`pg_ctl stop -m immediate`, SIGKILL if that does not do it)
    /// and removes the temporary directory, data and log included.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Ok(None) = child.try_wait() {
                let _ = self
                    .pg_command("pg_ctl")
                    .arg("stop")
                    .arg("-D")
                    .arg(&self.data_dir)
                    .args(["-m", "immediate", "-w", "-t", "10"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
                if wait_child(&mut child, Duration::from_secs(5)).is_none() {
                    self.child = Some(child);
                    let _ = self.kill();
                }
            }
        }
        if let Some(dir) = self.dir.take() {
            let path = dir.path().to_path_buf();
            if dir.close().is_err() {
                let _ = fs::remove_dir_all(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_plain_identifiers() {
        for good in ["a", "bench_main", "sweep_100000", &"x".repeat(63)] {
            assert!(check_database_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1st",
            "Bench",
            "a-b",
            "a b",
            "a;drop",
            "ł",
            &"x".repeat(64),
        ] {
            let e = check_database_name(bad).expect_err(bad);
            assert!(matches!(e, PgError::BadName { .. }), "{bad}: {e}");
        }
    }
}
