//! Finding the installed PostgreSQL: the directory holding `initdb`, `postgres` and `pg_ctl`
//! (`$LACZNIK_PG_BIN`, `PATH` or Debian's `/usr/lib/postgresql/<version>/bin/`), and whether
//! a helper program exists.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use crate::{BIN_DIR_ENV, PgError};

/// Where the PostgreSQL server binaries are: `$LACZNIK_PG_BIN`, else the directory of the
/// `initdb` on `PATH` (following a symbolic link to the real installation, which also holds
/// `createdb`), else the newest `/usr/lib/postgresql/<version>/bin/` (Debian's layout, not
/// on `PATH`).
pub(crate) fn find_bin_dir() -> Result<PathBuf, PgError> {
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

/// Whether `name` is an existing file (when it is a path) or a file in a directory of `PATH`.
pub(crate) fn command_exists(name: impl AsRef<OsStr>) -> bool {
    let name = Path::new(name.as_ref());
    if name.components().count() > 1 {
        return name.is_file();
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|d| d.join(name).is_file())
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
}
