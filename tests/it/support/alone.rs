//! A test that needs process-global state of its own runs again, alone, in a child process
//! of this binary. The one case today: the Prometheus recorder (`lacznik::monitoring`) is
//! installed once per process and counts for every server in it, so the metrics test, which
//! asserts exact counts, must not share its process with the other tests' servers.

use std::process::Command;

/// Set in the child to the name of the one test it runs.
const VAR: &str = "IT_ALONE";

/// `true` in the test's own process: go on with the test. Otherwise runs the test named
/// `test` of `module` (pass `module_path!()`) in a child process of this binary, checks that
/// it ran there and passed, and returns `false`: the caller returns at once.
pub fn own_process(module: &str, test: &str) -> bool {
    // `module_path!()` starts with the crate (`it`); the harness names tests without it.
    let name = match module.split_once("::") {
        Some((_, path)) => format!("{path}::{test}"),
        None => test.to_string(),
    };
    if std::env::var(VAR).is_ok_and(|v| v == name) {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary");
    let out = Command::new(exe)
        .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(VAR, &name)
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{name} in its own process: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    false
}
