//! Running PostgreSQL when the tests run as root, which PostgreSQL refuses: the server's
//! programs then run as `nobody` (through `setpriv`, else `runuser`), and the cluster's
//! directory is made that user's and put where that user can reach it.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::binaries::command_exists;
use crate::error::io_err;
use crate::{PgCluster, PgError};

/// The unprivileged user the server runs as when the tests run as root.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunAs {
    uid: u32,
    gid: u32,
}

/// Whether we run as root (effective uid 0), when the server must run as another user.
#[allow(unsafe_code)]
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The uid and gid of `nobody`, from `/etc/passwd`, else from `id`.
pub(crate) fn nobody() -> Result<RunAs, PgError> {
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
pub(crate) fn temp_base(run_as: Option<RunAs>) -> Result<PathBuf, PgError> {
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

/// Makes `paths` belong to `user`, so that the server running as that user can write there.
pub(crate) fn hand_over(user: RunAs, paths: &[&Path]) -> Result<(), PgError> {
    for path in paths {
        std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
            .map_err(io_err(format!("chown {} to nobody", path.display())))?;
    }
    Ok(())
}

impl PgCluster {
    /// A command running one of the PostgreSQL binaries, as `nobody` when we are root, in a
    /// working directory that user can enter.
    pub(crate) fn pg_command(&self, program: &str) -> Command {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_lines_give_uid_and_gid() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
        let user = parse_passwd(passwd, "nobody").unwrap();
        assert_eq!((user.uid, user.gid), (65534, 65534));
        assert!(parse_passwd(passwd, "postgres").is_none());
    }
}
