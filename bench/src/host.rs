//! What the bench reads about this process and the machine (Linux `/proc`): resident memory,
//! sizes on disk, CPU per thread role, bytes written to the disks, and a description of the
//! machine for the report.

use std::path::Path;
use std::time::Instant;

use crate::env::engine;

/// Resident memory of this process (VmRSS), in MiB.
pub fn rss_mib() -> f64 {
    proc_status_kib("VmRSS:").unwrap_or(0) as f64 / 1024.0
}

/// Resident memory of process `pid` (VmRSS), in MiB; 0 when it cannot be read.
pub fn rss_mib_of(pid: u32) -> f64 {
    status_kib(&format!("/proc/{pid}/status"), "VmRSS:").unwrap_or(0) as f64 / 1024.0
}

fn proc_status_kib(field: &str) -> Option<u64> {
    status_kib("/proc/self/status", field)
}

fn status_kib(path: &str, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(path).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Sum of the sizes of all files under `dir`: (apparent bytes, allocated bytes like `du`).
pub fn du(dir: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let mut apparent = 0;
    let mut allocated = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() {
                stack.push(e.path());
            } else {
                apparent += m.len();
                allocated += m.blocks() * 512;
            }
        }
    }
    (apparent, allocated)
}

/// Date, machine and commit, for the report.
pub fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let mem_total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    });
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).map(|c| {
        match git(&["status", "--porcelain", "--untracked-files=no"]) {
            Some(s) if !s.is_empty() => format!("{c}-dirty"),
            _ => c,
        }
    });
    serde_json::json!({
        "date": jiff::Timestamp::now().to_string(),
        "nproc": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu": cpu,
        "mem_total_mib": mem_total.map(|k| k / 1024),
        "git_commit": commit,
        "store_engine": engine().to_string(),
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "loadavg_at_start": loadavg(),
    })
}

/// `/proc/loadavg`'s 1, 5 and 15 minute averages (other work on the machine skews a run).
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The postmaster of the run's PostgreSQL cluster (`--engine postgres`), whose processes'
/// CPU is counted as `database` instead of among the machine's other processes.
static DATABASE_PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// Counts the CPU of `postmaster` and its children (the backends serving the store, WAL
/// writer, checkpointer) apart from then on: with postgres a good part of a commit's cost
/// is in those processes, not in this one.
pub fn watch_database(postmaster: u32) {
    let _ = DATABASE_PID.set(postmaster);
}

/// CPU ticks of the watched postmaster and of its children alive now (a backend that
/// exited meanwhile is missed; the server's connections live for the whole phase).
fn database_ticks() -> Option<u64> {
    let &postmaster = DATABASE_PID.get()?;
    let mut ticks = 0;
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if pid == postmaster || ppid == Some(postmaster) {
            ticks += stat_ticks(&stat).unwrap_or(0);
        }
    }
    Some(ticks)
}

/// CPU and disk counters at one instant: this process's threads by role, the process
/// (exited threads included), the database's processes (postgres), the whole machine, and
/// bytes written to its disks.
#[derive(Clone)]
pub struct CpuSnap {
    at: Instant,
    groups: std::collections::BTreeMap<&'static str, u64>,
    process: u64,
    database: Option<u64>,
    machine_busy: u64,
    steal: u64,
    write_bytes: u64,
}

/// Clock ticks per second of `/proc` times (USER_HZ: 100 on Linux).
const TICKS: f64 = 100.0;

fn group(comm: &str) -> &'static str {
    if comm.starts_with("lacznik-writer") {
        "writer"
    } else if comm.starts_with("lacznik-flusher") {
        "flusher"
    } else if comm.starts_with("sled")
        || comm.starts_with("log flusher")
        || comm.starts_with("fjall")
    {
        "engine_io"
    } else if comm.starts_with("lacznik-pg") {
        // The postgres engine's connection threads (committer, readers).
        "engine_io"
    } else if comm.starts_with("lacznik") {
        "server_runtime"
    } else if comm.starts_with("bench-client") {
        "clients"
    } else {
        "other"
    }
}

fn stat_ticks(stat: &str) -> Option<u64> {
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Bytes written to the machine's whole disks (`/proc/diskstats`, partitions and virtual
/// devices left out): what reached the devices, from every process. (`/proc/self/io`'s
/// `write_bytes` counts every page the process dirtied, many times over for sled's
/// rewritten segments, so it says little about the disk.)
fn device_write_bytes() -> u64 {
    let Ok(s) = std::fs::read_to_string("/proc/diskstats") else {
        return 0;
    };
    s.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let name = *f.get(2)?;
            let whole =
                (name.starts_with("vd") || name.starts_with("sd") || name.starts_with("xvd"))
                    && !name.ends_with(|c: char| c.is_ascii_digit())
                    || name.starts_with("nvme") && !name.contains('p');
            if !whole {
                return None;
            }
            f.get(9)?.parse::<u64>().ok().map(|sectors| sectors * 512)
        })
        .sum()
}

/// Takes a snapshot (Linux `/proc`; zeros elsewhere).
pub fn cpu_snap() -> CpuSnap {
    let mut groups = std::collections::BTreeMap::new();
    if let Ok(rd) = std::fs::read_dir("/proc/self/task") {
        for t in rd.flatten() {
            let p = t.path();
            let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
            let ticks = std::fs::read_to_string(p.join("stat"))
                .ok()
                .and_then(|s| stat_ticks(&s))
                .unwrap_or(0);
            *groups.entry(group(comm.trim())).or_insert(0) += ticks;
        }
    }
    let process = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| stat_ticks(&s))
        .unwrap_or(0);
    let (machine_busy, steal) = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let line = s.lines().next()?.to_string();
            let v: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|x| x.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal
            let steal = *v.get(7).unwrap_or(&0);
            Some((
                v.first()? + v.get(1)? + v.get(2)? + v.get(5)? + v.get(6)? + steal,
                steal,
            ))
        })
        .unwrap_or((0, 0));
    let write_bytes = device_write_bytes();
    CpuSnap {
        at: Instant::now(),
        groups,
        process,
        database: database_ticks(),
        machine_busy,
        steal,
        write_bytes,
    }
}

/// Where the CPU went between two snapshots, in cores (1.0 = one core busy all along).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CpuUse {
    /// Per thread role of this process; `exited` is time of threads that ended meanwhile
    /// (sled starts short-lived I/O threads).
    pub cores: std::collections::BTreeMap<String, f64>,
    /// This process.
    pub process: f64,
    /// The PostgreSQL server's processes (`--engine postgres`; absent otherwise).
    pub database: Option<f64>,
    /// The whole machine.
    pub machine: f64,
    /// Other processes (machine - this process - the database): noise from outside the
    /// bench.
    pub others: f64,
    /// Time the hypervisor ran other guests while this machine's CPUs wanted to run (the
    /// `steal` of `/proc/stat`, part of `machine`): a window with steal was not quiet, however
    /// idle the machine's own processes were.
    pub steal: f64,
    /// Bytes written to the machine's disks (all processes).
    pub write_bytes: u64,
}

/// The difference `b - a`.
pub fn cpu_use(a: &CpuSnap, b: &CpuSnap) -> CpuUse {
    let secs = (b.at - a.at).as_secs_f64().max(1e-9);
    let c = |t: u64| t as f64 / TICKS / secs;
    let mut cores = std::collections::BTreeMap::new();
    let mut live = 0u64;
    for (g, t) in &b.groups {
        let d = t.saturating_sub(*a.groups.get(g).unwrap_or(&0));
        live += d;
        cores.insert((*g).to_string(), c(d));
    }
    let process = b.process.saturating_sub(a.process);
    cores.insert("exited".into(), c(process.saturating_sub(live)));
    let machine = b.machine_busy.saturating_sub(a.machine_busy);
    let database = match (a.database, b.database) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    CpuUse {
        cores,
        process: c(process),
        database: database.map(c),
        machine: c(machine),
        others: c(machine
            .saturating_sub(process)
            .saturating_sub(database.unwrap_or(0))),
        steal: c(b.steal.saturating_sub(a.steal)),
        write_bytes: b.write_bytes.saturating_sub(a.write_bytes),
    }
}
