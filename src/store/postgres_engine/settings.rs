//! How a node reaches its database, and how database errors become store errors: an
//! unreachable server is a temporary failure (the node restarts), anything else is the
//! database's verdict.

use postgres::{Client, NoTls};

use crate::store::StoreError;

/// How to reach the database (`[store.postgres]`): the URL or key=value string, and the
/// password kept apart from it (never logged).
#[derive(Clone)]
pub struct PgSettings {
    /// libpq-style URL (`postgresql://user@host:port/db`) or `key=value` pairs.
    pub url: String,
    /// The password, read from a file or an environment variable by the configuration.
    pub password: Option<String>,
    /// How long to wait for the node lock (a node that just stopped may still hold it).
    pub lock_wait: std::time::Duration,
}

impl std::fmt::Debug for PgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSettings")
            .field("url", &self.url)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("lock_wait", &self.lock_wait)
            .finish()
    }
}

impl PgSettings {
    pub(super) fn connect(&self) -> Result<Client, StoreError> {
        let mut config: postgres::Config = self
            .url
            .parse()
            .map_err(|e| StoreError::Engine(format!("store.postgres.url: {e}")))?;
        if let Some(p) = &self.password {
            config.password(p);
        }
        config.application_name("lacznik");
        config.connect(NoTls).map_err(|e| pg_err("connect", &e))
    }
}

pub(super) fn pg_err(what: &str, e: &postgres::Error) -> StoreError {
    // The database error's text names tables and constraints, never values.
    let text = format!("postgres {what}: {e}");
    // No answer from a server (refused, reset, closed), or the server going away
    // (SQLSTATE class 08 connection exception, 57 operator intervention: shutdown,
    // restart): temporary, the node is restarted; anything else is the database's verdict.
    let gone = match e.code() {
        None => e.as_db_error().is_none(),
        Some(code) => {
            let c = code.code();
            c.starts_with("08") || c.starts_with("57")
        }
    };
    if gone || e.is_closed() {
        StoreError::Unreachable(text)
    } else {
        StoreError::Engine(text)
    }
}
