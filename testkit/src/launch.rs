//! Bringing a cluster up: `initdb`, one start of `postgres` on a port with waiting until it
//! accepts connections (and telling a taken port from other failures), `createdb`, and
//! choosing a free port.

use std::fs::{self, OpenOptions};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::binaries::command_exists;
use crate::error::{describe_output, io_err};
use crate::process::process_alive;
use crate::{PgCluster, PgError, USER};

/// How long a server may take to accept connections (crash recovery included) before the
/// start counts as failed; generous because CI compiles on the same two cores.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Why one launch of the server failed, for deciding whether to try again.
pub(crate) struct LaunchError {
    /// What went wrong, as the caller reports it when it does not try again.
    pub(crate) error: PgError,
    /// The port was taken (another process got it between our probe and the server's bind).
    pub(crate) port_taken: bool,
    /// Processes of the previous server still hold its shared memory (right after a kill).
    pub(crate) shmem_busy: bool,
}

/// A port of 127.0.0.1 that was free a moment ago (the kernel's choice for port 0). Another
/// process may take it before the server binds it; [`PgCluster::start`] then tries another.
pub(crate) fn free_port() -> Result<u16, PgError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io_err("bind 127.0.0.1:0"))?;
    let port = listener
        .local_addr()
        .map_err(io_err("read the address of a bound socket"))?
        .port();
    Ok(port)
}

impl PgCluster {
    pub(crate) fn initdb(&self) -> Result<(), PgError> {
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
    pub(crate) fn launch(&mut self) -> Result<(), LaunchError> {
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
        // A durable cluster measures real commits (crash tests, the benchmark), so it gets
        // PostgreSQL's own default buffers, not the small ones that keep many test clusters
        // light: with 16 MB the benchmark's table outgrew them within seconds.
        let durability: &[&str] = if self.durable {
            &[
                "fsync=on",
                "synchronous_commit=on",
                "full_page_writes=on",
                "shared_buffers=128MB",
            ]
        } else {
            &["fsync=off", "full_page_writes=off", "shared_buffers=16MB"]
        };
        let mut cmd = self.pg_command("postgres");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-h", "127.0.0.1"]) // -h is listen_addresses
            .arg("-k")
            .arg(&self.socket_dir);
        for setting in ["max_connections=100", "logging_collector=off"]
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
    pub(crate) fn ready_pid(&self) -> Option<u32> {
        let text = fs::read_to_string(self.data_dir.join("postmaster.pid")).ok()?;
        let lines: Vec<&str> = text.lines().collect();
        if lines.get(7).map(|s| s.trim()) != Some("ready") {
            return None;
        }
        lines.first()?.trim().parse().ok()
    }

    /// Runs `createdb` for `name` (already checked by the caller) over the cluster's socket.
    pub(crate) fn createdb(&self, name: &str) -> Result<(), PgError> {
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
            .args(["-U", USER, name])
            .stdin(Stdio::null())
            .output();
        match &out {
            Ok(o) if o.status.success() => Ok(()),
            _ => Err(PgError::Failed {
                what: format!("{} {name}", program.display()),
                detail: format!(
                    "{}\n--- server log ---\n{}",
                    describe_output(&out),
                    self.log()
                ),
            }),
        }
    }

    pub(crate) fn log_since(&self, offset: u64) -> String {
        let log = self.log();
        let start = usize::try_from(offset).unwrap_or(0).min(log.len());
        log.get(start..).unwrap_or(&log).to_string()
    }
}
