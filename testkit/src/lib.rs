//! Throwaway PostgreSQL clusters for lacznik's tests and benchmark.
//!
//! The project's rule is that integration tests use real parts: a real PostgreSQL server,
//! started by the test itself and never assumed to be running. [`PgCluster::start`] runs
//! `initdb` into a fresh temporary directory, starts `postgres` on a free port of
//! `127.0.0.1` (and on a Unix socket in that directory), creates the database `lacznik`
//! and hands back where to connect. Dropping the [`PgCluster`] stops the server and removes
//! the directory, also when the test panics, so nothing is left running after a test.
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

use std::ffi::OsStr;
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The role `initdb` creates as the superuser (`-U`), so that connection strings can name it
/// instead of depending on the name of whoever runs the tests.
pub const USER: &str = "lacznik";

/// The database every cluster has, created at start; the one [`PgCluster::url`] names.
pub const DATABASE: &str = "lacznik";

/// Environment variable naming a directory holding `initdb`, `postgres` and `pg_ctl`, to use
/// another PostgreSQL than the one found on `PATH` or under `/usr/lib/postgresql/`.
pub const BIN_DIR_ENV: &str = "LACZNIK_PG_BIN";

/// How long a server may take to accept connections (crash recovery included) before the
/// start counts as failed; generous because CI compiles on the same two cores.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// How many fresh ports [`PgCluster::start`] tries when another process took the one chosen.
const PORT_ATTEMPTS: usize = 5;

/// Why a cluster could not be started, stopped or inspected.
///
/// The messages are meant to be printed as a test's failure: they say what to install, or
/// carry the output of the failing command and the server log. `Debug` prints the same text
/// as `Display` (lines unescaped), because tests `unwrap()` and that prints `Debug`.
#[non_exhaustive]
pub enum PgError {
    /// No PostgreSQL server binaries were found; the message says what to install.
    NotInstalled {
        /// The places looked at, in order.
        searched: Vec<PathBuf>,
    },
    /// A file-system or process operation failed.
    Io {
        /// What was being done.
        context: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// A PostgreSQL program failed or the server did not come up.
    Failed {
        /// What was being done (the command).
        what: String,
        /// The program's output and/or the server log.
        detail: String,
    },
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgError::NotInstalled { searched } => {
                write!(
                    f,
                    "PostgreSQL is not installed (no initdb, postgres and pg_ctl in ${BIN_DIR_ENV}, on PATH or \
                     under /usr/lib/postgresql/<version>/bin/; looked at: "
                )?;
                for (i, p) in searched.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{}", p.display())?;
                }
                write!(
                    f,
                    "). Install it with `apt-get install -y postgresql` (scripts/test does so when it is missing)"
                )
            }
            PgError::Io { context, source } => write!(f, "{context}: {source}"),
            PgError::Failed { what, detail } => write!(f, "{what} failed:\n{detail}"),
        }
    }
}

impl fmt::Debug for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for PgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PgError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> PgError {
    let context = context.into();
    move |source| PgError::Io { context, source }
}

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

/// The unprivileged user the server runs as when the tests run as root.
#[derive(Debug, Clone, Copy)]
struct RunAs {
    uid: u32,
    gid: u32,
}

/// Why one launch of the server failed, for deciding whether to try again.
struct LaunchError {
    error: PgError,
    /// The port was taken (another process got it between our probe and the server's bind).
    port_taken: bool,
    /// Processes of the previous server still hold its shared memory (right after a kill).
    shmem_busy: bool,
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
    /// -k <socket dir>` with `shared_buffers=16MB`, `max_connections=100`, logging to
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
    /// the server runs with `fsync=on`, `synchronous_commit=on` and `full_page_writes=on`.
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
            for path in [&root, &socket_dir] {
                std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
                    .map_err(io_err(format!("chown {} to nobody", path.display())))?;
            }
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
        cluster.create_database()?;
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
        format!("postgresql://{USER}@127.0.0.1:{}/{DATABASE}", self.port)
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

    /// A command running one of the PostgreSQL binaries, as `nobody` when we are root, in a
    /// working directory that user can enter.
    fn pg_command(&self, program: &str) -> Command {
        let program = self.bins.join(program);
        let mut cmd = match self.run_as {
            None => Command::new(&program),
            Some(user) if command_exists("setpriv") => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={}", user.uid))
                    .arg(format!("--regid={}", user.gid))
                    .arg("--clear-groups")
                    .arg("--")
                    .arg(&program);
                c
            }
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u")
                    .arg(user.uid.to_string())
                    .arg("--")
                    .arg(&program);
                c
            }
        };
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir.path());
        }
        cmd.stdin(Stdio::null());
        cmd
    }

    fn initdb(&self) -> Result<(), PgError> {
        let mut cmd = self.pg_command("initdb");
        cmd.arg("-D").arg(&self.data_dir).args([
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ]);
        if !self.durable {
            cmd.arg("--no-sync");
        }
        let out = cmd.output().map_err(io_err(format!(
            "run {}",
            self.bins.join("initdb").display()
        )))?;
        let text = describe_output(&Ok(out.clone()));
        let _ = fs::write(&self.log_path, format!("--- initdb ---\n{text}\n"));
        if !out.status.success() {
            return Err(PgError::Failed {
                what: format!("initdb -D {}", self.data_dir.display()),
                detail: text,
            });
        }
        Ok(())
    }

    /// Starts `postgres` once, on `self.port`, and waits until it is ready.
    fn launch(&mut self) -> Result<(), LaunchError> {
        let plain = |error: PgError| LaunchError {
            error,
            port_taken: false,
            shmem_busy: false,
        };
        let log_start = fs::metadata(&self.log_path).map(|m| m.len()).unwrap_or(0);
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(io_err(format!("open {}", self.log_path.display())))
            .map_err(plain)?;
        use std::io::Write as _;
        let _ = writeln!(&log, "--- postgres on port {} ---", self.port);
        let log_err = log
            .try_clone()
            .map_err(io_err("duplicate the log file"))
            .map_err(plain)?;
        let durability: &[&str] = if self.durable {
            &["fsync=on", "synchronous_commit=on", "full_page_writes=on"]
        } else {
            &["fsync=off", "full_page_writes=off"]
        };
        let mut cmd = self.pg_command("postgres");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-h", "127.0.0.1"]) // -h is listen_addresses
            .arg("-k")
            .arg(&self.socket_dir);
        for setting in [
            "shared_buffers=16MB",
            "max_connections=100",
            "logging_collector=off",
        ]
        .iter()
        .chain(durability)
        {
            cmd.arg("-c").arg(setting);
        }
        cmd.stdout(log).stderr(log_err);
        let mut child = cmd
            .spawn()
            .map_err(io_err(format!(
                "run {}",
                self.bins.join("postgres").display()
            )))
            .map_err(plain)?;
        // With setpriv (which execs) or directly, the child is the postmaster; with runuser
        // it is the postmaster's parent, and postmaster.pid names the postmaster.
        let exact = self.run_as.is_none() || command_exists("setpriv");
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = self.log_since(log_start);
                return Err(LaunchError {
                    port_taken: log.contains("could not bind")
                        || log.contains("could not create any TCP/IP sockets"),
                    shmem_busy: log.contains("pre-existing shared memory block"),
                    error: PgError::Failed {
                        what: format!("postgres -D {} -p {}", self.data_dir.display(), self.port),
                        detail: format!("the server exited ({status}) while starting\n{log}"),
                    },
                });
            }
            if let Some(pid) = self.ready_pid() {
                if (!exact || pid == child.id()) && process_alive(pid) {
                    self.pid = Some(pid);
                    self.child = Some(child);
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(plain(PgError::Failed {
                    what: format!("postgres -D {} -p {}", self.data_dir.display(), self.port),
                    detail: format!(
                        "not accepting connections after {} s\n{}",
                        READY_TIMEOUT.as_secs(),
                        self.log_since(log_start)
                    ),
                }));
            }
            sleep(Duration::from_millis(20));
        }
    }

    /// The postmaster's pid when `postmaster.pid` says the server accepts connections (its
    /// first line is the pid, its eighth the status, `ready` once connections are accepted:
    /// what `pg_ctl -w` waits for).
    fn ready_pid(&self) -> Option<u32> {
        let text = fs::read_to_string(self.data_dir.join("postmaster.pid")).ok()?;
        let lines: Vec<&str> = text.lines().collect();
        if lines.get(7).map(|s| s.trim()) != Some("ready") {
            return None;
        }
        lines.first()?.trim().parse().ok()
    }

    fn create_database(&self) -> Result<(), PgError> {
        // A client; it runs as whoever we are (root may connect, only the server may not).
        let program = [self.bins.join("createdb"), PathBuf::from("createdb")]
            .into_iter()
            .find(|p| p.is_file() || command_exists(p.as_os_str()))
            .unwrap_or_else(|| PathBuf::from("createdb"));
        let out = Command::new(&program)
            .arg("-h")
            .arg(&self.socket_dir)
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-U", USER, DATABASE])
            .stdin(Stdio::null())
            .output();
        match &out {
            Ok(o) if o.status.success() => Ok(()),
            _ => Err(PgError::Failed {
                what: format!("{} {DATABASE}", program.display()),
                detail: format!(
                    "{}\n--- server log ---\n{}",
                    describe_output(&out),
                    self.log()
                ),
            }),
        }
    }

    fn log_since(&self, offset: u64) -> String {
        let log = self.log();
        let start = usize::try_from(offset).unwrap_or(0).min(log.len());
        log.get(start..).unwrap_or(&log).to_string()
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

/// Where the PostgreSQL server binaries are: `$LACZNIK_PG_BIN`, else the directory of the
/// `initdb` on `PATH` (following a symbolic link to the real installation, which also holds
/// `createdb`), else the newest `/usr/lib/postgresql/<version>/bin/` (Debian's layout, not
/// on `PATH`).
fn find_bin_dir() -> Result<PathBuf, PgError> {
    let complete = |dir: &Path| {
        ["initdb", "postgres", "pg_ctl"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    let mut searched = Vec::new();
    if let Some(dir) = std::env::var_os(BIN_DIR_ENV) {
        let dir = PathBuf::from(dir);
        if complete(&dir) {
            return Ok(dir);
        }
        searched.push(dir);
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let initdb = dir.join("initdb");
        if !initdb.is_file() {
            continue;
        }
        if let Some(real) = fs::canonicalize(&initdb)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
        {
            if complete(&real) {
                return Ok(real);
            }
        }
        if complete(&dir) {
            return Ok(dir);
        }
        searched.push(dir);
    }
    let debian = Path::new("/usr/lib/postgresql");
    searched.push(debian.join("<version>/bin"));
    let mut versions: Vec<(Vec<u32>, PathBuf)> = fs::read_dir(debian)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let bin = e.path().join("bin");
            complete(&bin).then(|| (version_key(&name), bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => Ok(bin),
        None => Err(PgError::NotInstalled { searched }),
    }
}

/// `"15"` → `[15]`, `"9.6"` → `[9, 6]`: numeric order, so 10 sorts after 9.6.
fn version_key(name: &str) -> Vec<u32> {
    name.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// Whether we run as root (effective uid 0), when the server must run as another user.
#[allow(unsafe_code)]
fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Sends `sig` to process `pid`; errors (the process is gone already) do not matter here.
#[allow(unsafe_code)]
fn signal(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        if pid > 0 {
            // SAFETY: kill has no memory-safety preconditions; pid > 0 names one process.
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }
}

/// The uid and gid of `nobody`, from `/etc/passwd`, else from `id`.
fn nobody() -> Result<RunAs, PgError> {
    if let Ok(passwd) = fs::read_to_string("/etc/passwd") {
        if let Some(user) = parse_passwd(&passwd, "nobody") {
            return Ok(user);
        }
    }
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "nobody"]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    match (id("-u"), id("-g")) {
        (Some(uid), Some(gid)) => Ok(RunAs { uid, gid }),
        _ => Err(PgError::Failed {
            what: "find the user nobody".into(),
            detail:
                "running as root, PostgreSQL must run as an unprivileged user, and there is no \
                     `nobody` in /etc/passwd"
                    .into(),
        }),
    }
}

fn parse_passwd(passwd: &str, name: &str) -> Option<RunAs> {
    passwd.lines().find_map(|line| {
        let mut f = line.split(':');
        if f.next()? != name {
            return None;
        }
        let _password = f.next()?;
        let uid = f.next()?.parse().ok()?;
        let gid = f.next()?.parse().ok()?;
        Some(RunAs { uid, gid })
    })
}

/// The directory to create the cluster's temporary directory in: the system's, unless we run
/// as root and `nobody` could not reach it (a directory on the way not searchable by
/// others, such as `/root/tmp`); then `/tmp`.
fn temp_base(run_as: Option<RunAs>) -> Result<PathBuf, PgError> {
    let base = std::env::temp_dir();
    if run_as.is_none() {
        return Ok(base);
    }
    let reachable = |dir: &Path| {
        dir.ancestors().all(|d| {
            fs::metadata(d)
                .map(|m| m.permissions().mode() & 0o001 != 0)
                .unwrap_or(false)
        })
    };
    if reachable(&base) {
        return Ok(base);
    }
    let tmp = PathBuf::from("/tmp");
    if reachable(&tmp) {
        return Ok(tmp);
    }
    Err(PgError::Failed {
        what: "find a temporary directory".into(),
        detail: format!(
            "running as root, the server runs as nobody, who cannot reach {} or /tmp",
            base.display()
        ),
    })
}

/// A port of 127.0.0.1 that was free a moment ago (the kernel's choice for port 0). Another
/// process may take it before the server binds it; [`PgCluster::start`] then tries another.
fn free_port() -> Result<u16, PgError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io_err("bind 127.0.0.1:0"))?;
    let port = listener
        .local_addr()
        .map_err(io_err("read the address of a bound socket"))?
        .port();
    Ok(port)
}

fn command_exists(name: impl AsRef<OsStr>) -> bool {
    let name = Path::new(name.as_ref());
    if name.components().count() > 1 {
        return name.is_file();
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|d| d.join(name).is_file())
}

fn wait_child(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => sleep(Duration::from_millis(10)),
            _ => return None,
        }
    }
}

/// `/proc/<pid>/stat`'s state and parent pid (the fields after the command name, which is in
/// parentheses and may itself hold spaces and parentheses).
fn proc_stat(pid: u32) -> Option<(char, u32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// Alive and not a zombie (an exited process not yet waited for holds nothing).
fn process_alive(pid: u32) -> bool {
    matches!(proc_stat(pid), Some((state, _)) if state != 'Z' && state != 'X')
}

/// The server's processes: the postmaster's children (backends, checkpointer, WAL writer...).
fn children_of(parent: u32) -> Vec<u32> {
    fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| matches!(proc_stat(pid), Some((_, ppid)) if ppid == parent))
        .collect()
}

fn describe_output(out: &io::Result<Output>) -> String {
    match out {
        Ok(o) => format!(
            "{}{}{}",
            o.status,
            if o.stdout.is_empty() {
                String::new()
            } else {
                format!("\n{}", String::from_utf8_lossy(&o.stdout))
            },
            if o.stderr.is_empty() {
                String::new()
            } else {
                format!("\n{}", String::from_utf8_lossy(&o.stderr))
            },
        ),
        Err(e) => format!("could not run: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_numerically() {
        let mut v = vec![version_key("9.6"), version_key("15"), version_key("10")];
        v.sort();
        assert_eq!(v, vec![vec![9, 6], vec![10], vec![15]]);
    }

    #[test]
    fn passwd_lines_give_uid_and_gid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
        let user = parse_passwd(passwd, "nobody").unwrap();
        assert_eq!((user.uid, user.gid), (65534, 65534));
        assert!(parse_passwd(passwd, "postgres").is_none());
    }

    #[test]
    fn not_installed_says_what_to_install() {
        let e = PgError::NotInstalled {
            searched: vec![PathBuf::from("/usr/bin")],
        };
        assert!(
            e.to_string().contains("apt-get install -y postgresql"),
            "{e}"
        );
    }
}
