//! The server's processes as the operating system sees them: signals, waiting for a child
//! with a timeout, and `/proc` to tell whether a process lives and to list its children.

use std::fs;
use std::process::{Child, ExitStatus};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Sends `sig` to process `pid`; errors (the process is gone already) do not matter here.
#[allow(unsafe_code)]
pub(crate) fn signal(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        if pid > 0 {
            // SAFETY: kill has no memory-safety preconditions; pid > 0 names one process.
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }
}

/// Waits up to `timeout` for `child` to exit; `None` if it has not (or cannot be waited for).
pub(crate) fn wait_child(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
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
pub(crate) fn process_alive(pid: u32) -> bool {
    matches!(proc_stat(pid), Some((state, _)) if state != 'Z' && state != 'X')
}

/// The server's processes: the postmaster's children (backends, checkpointer, WAL writer...).
pub(crate) fn children_of(parent: u32) -> Vec<u32> {
    fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| matches!(proc_stat(pid), Some((_, ppid)) if ppid == parent))
        .collect()
}
