//! [`PgError`], the crate's one error type, and the helpers that build its messages: every
//! failure is printed as a test's failure, so the text says what to install or carries the
//! failing command's output.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::Output;

use crate::BIN_DIR_ENV;

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
    /// A database name given to [`crate::PgCluster::create_database`] is not a plain
    /// identifier.
    BadName {
        /// The name as given.
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
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
            PgError::BadName { name, reason } => {
                write!(f, "database name {name:?}: {reason}")
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

/// Turns an `io::Error` into [`PgError::Io`] saying what was being done (for `map_err`).
pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> PgError {
    let context = context.into();
    move |source| PgError::Io { context, source }
}

/// A finished command's exit status, stdout and stderr (or why it could not run), for
/// [`PgError::Failed`]'s detail and the server log.
pub(crate) fn describe_output(out: &io::Result<Output>) -> String {
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
