//! The shipped systemd unit (`deploy/systemd/lacznik.service`): parsed here for the keys
//! docs/OPERATIONS.md promises (a dedicated user, the hardening, the data directory the
//! only writable path, restart on failure, exit code 75 explained), and verified by
//! `systemd-analyze verify` where that tool works (it needs systemd's unit loader, which
//! some containers lack: then only the parse check runs, and the test says so). The
//! `ExecStart` binary is pointed at the one just built, since verify checks that it exists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::repo;

type Unit = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Sections -> keys -> values (a key may repeat), comments and blank lines skipped.
fn parse(text: &str) -> Unit {
    let mut unit = Unit::new();
    let mut section = String::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not key=value: {line}"));
        assert!(!section.is_empty(), "{line} outside a section");
        unit.entry(section.clone())
            .or_default()
            .entry(k.trim().to_string())
            .or_default()
            .push(v.trim().to_string());
    }
    unit
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

fn verify(tool: &Path, unit: &Path) -> (bool, String) {
    let out = Command::new(tool)
        .args(["verify", "--man=no"])
        .arg(unit)
        .output()
        .expect("run systemd-analyze");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_systemd_unit_is_hardened_restarts_on_failure_and_verifies() {
    let text = std::fs::read_to_string(repo("deploy/systemd/lacznik.service")).unwrap();
    let unit = parse(&text);
    let service = &unit["Service"];
    let one = |k: &str| -> &str {
        let v = service
            .get(k)
            .unwrap_or_else(|| panic!("[Service] {k}= missing"));
        assert_eq!(v.len(), 1, "{k} set {} times", v.len());
        &v[0]
    };
    assert_eq!(one("User"), "lacznik");
    assert_eq!(one("Group"), "lacznik");
    assert_eq!(one("NoNewPrivileges"), "yes");
    assert_eq!(one("ProtectSystem"), "strict");
    assert_eq!(one("ProtectHome"), "yes");
    assert_eq!(one("PrivateTmp"), "yes");
    assert_eq!(one("Restart"), "on-failure");
    assert_eq!(one("KillSignal"), "SIGTERM");
    assert!(one("ExecStart").ends_with(" serve"), "{}", one("ExecStart"));
    assert!(one("ExecStart").contains("--config /etc/lacznik/lacznik.toml"));
    // The data directory of docs/OPERATIONS.md (data_dir = /var/lib/lacznik/data) is the
    // only writable path.
    assert_eq!(one("ReadWritePaths"), "/var/lib/lacznik");
    assert!(text.contains("75 = EX_TEMPFAIL"), "exit code 75 explained");
    assert_eq!(unit["Install"]["WantedBy"], ["multi-user.target"]);
    let ops = std::fs::read_to_string(repo("docs/OPERATIONS.md")).unwrap();
    assert!(
        ops.contains("deploy/systemd/lacznik.service"),
        "OPERATIONS refers to it"
    );

    let Some(tool) = which("systemd-analyze") else {
        eprintln!("systemd-analyze is not installed: only the parse check ran");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Does verify work here at all? A trivial unit tells.
    let probe = dir.path().join("lacznik-probe.service");
    std::fs::write(
        &probe,
        "[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n",
    )
    .unwrap();
    let (works, why) = verify(&tool, &probe);
    if !works {
        eprintln!("systemd-analyze verify does not work here ({why}): only the parse check ran");
        return;
    }
    let path = dir.path().join("lacznik.service");
    std::fs::write(
        &path,
        text.replace("/usr/local/bin/lacznik", env!("CARGO_BIN_EXE_lacznik")),
    )
    .unwrap();
    let (ok, out) = verify(&tool, &path);
    assert!(ok, "systemd-analyze verify failed:\n{out}");
    assert!(
        !out.contains("lacznik.service:"),
        "systemd-analyze verify warns about the unit:\n{out}"
    );
    eprintln!("systemd-analyze verify passed on deploy/systemd/lacznik.service");
}
