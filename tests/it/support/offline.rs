//! Running the `lacznik` binary as a process, and looking at a data directory's files the
//! way someone with disk access would: shared by the tests of offline commands.

use std::path::Path;
use std::process::Command;

/// Runs `lacznik ARGS` in `cwd` with the extra environment `env`; returns the exit code
/// and stdout followed by stderr.
pub fn lacznik_with(cwd: &Path, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lacznik"));
    cmd.args(args).current_dir(cwd).env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the lacznik binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// Runs `lacznik ARGS` in `cwd` with nothing but the defaults.
pub fn lacznik(cwd: &Path, args: &[&str]) -> (i32, String) {
    lacznik_with(cwd, args, &[])
}

/// Runs `lacznik ARGS` on a stopped test server's files: `dir/data` and the key in
/// `dir/keys/data.key` (the layout of `TestServer`), never generating a key.
pub fn lacznik_on(dir: &Path, args: &[&str]) -> (i32, String) {
    let data = dir.join("data");
    let key = dir.join("keys/data.key");
    lacznik_with(
        dir,
        args,
        &[
            ("LACZNIK_DATA_DIR", data.as_os_str()),
            ("LACZNIK_CRYPTO__KEY_FILE", key.as_os_str()),
            ("LACZNIK_CRYPTO__GENERATE_KEY", "false".as_ref()),
        ],
    )
}

/// Every file under `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read file");
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    hits.push(path.display().to_string());
                }
            }
        }
    }
    hits
}

/// `lacznik backup --data DATA --out OUT`, run in `cwd`.
pub fn backup(cwd: &Path, data: &Path, out: &Path) -> (i32, String) {
    let (data, out) = (data.to_string_lossy(), out.to_string_lossy());
    lacznik(cwd, &["backup", "--data", &data, "--out", &out])
}

/// `lacznik restore --from FROM --data DATA`, run in `cwd` with the extra environment `env`.
pub fn restore(
    cwd: &Path,
    from: &Path,
    data: &Path,
    env: &[(&str, &std::ffi::OsStr)],
) -> (i32, String) {
    let (from, data) = (from.to_string_lossy(), data.to_string_lossy());
    lacznik_with(cwd, &["restore", "--from", &from, "--data", &data], env)
}
