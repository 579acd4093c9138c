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
    /// How long offline commands wait for the node lock (a node that just stopped may
    /// still hold it).
    pub lock_wait: std::time::Duration,
    /// Silence after which the database ends the active's session, and with it its claim
    /// (`store.postgres.session_timeout_secs`): bounds the takeover after a pause or a cut.
    pub session_timeout: std::time::Duration,
    /// TLS to the database (`store.postgres.ca_file`): the database's certificate is
    /// verified against this client configuration; `None`: no TLS (a Unix socket or a
    /// trusted network).
    pub tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl PgSettings {
    /// Settings for `url` with the defaults of `[store.postgres]` (no password, 5 s lock
    /// wait, 5 s session timeout).
    pub fn new(url: impl Into<String>) -> PgSettings {
        PgSettings {
            url: url.into(),
            password: None,
            lock_wait: std::time::Duration::from_secs(5),
            session_timeout: std::time::Duration::from_secs(5),
            tls: None,
        }
    }
}

impl std::fmt::Debug for PgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSettings")
            .field("url", &self.url)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("lock_wait", &self.lock_wait)
            .field("session_timeout", &self.session_timeout)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// What a connection is for, shown as its `application_name` (`lacznik/commit`, ...) in
/// `pg_stat_activity` and the database's logs, so an operator can tell the active's
/// committing session from its readers.
#[derive(Clone, Copy, Debug)]
pub(super) enum Role {
    /// The committer (and the election's session that becomes it); offline commands.
    Commit,
    /// A reader of handlers' and streams' reads.
    Read,
    /// A prefetcher (`prefetch`).
    Prefetch,
}

impl PgSettings {
    /// A connection for the committer (the role most callers want).
    pub(super) fn connect(&self) -> Result<Client, StoreError> {
        self.connect_as(Role::Commit)
    }

    /// A connection named for what it is for (see [`Role`]).
    pub(super) fn connect_as(&self, role: Role) -> Result<Client, StoreError> {
        let mut config: postgres::Config = self
            .url
            .parse()
            .map_err(|e| StoreError::Engine(format!("store.postgres.url: {e}")))?;
        if let Some(p) = &self.password {
            config.password(p);
        }
        // Every statement lacznik runs on `lacznik_kv` finds rows by its primary key, and an
        // index scan is right for all of them however small the table. Left to the
        // planner, a statement planned while the table is tiny (a new store, right after
        // autovacuum's first ANALYZE of it) is a sequential scan, and a prepared one stays
        // so as the table grows: a benchmark run caught a new store's read-ahead scanning
        // the whole table each time (the database at 1.4 cores, a third of the
        // throughput). Off, a sequential scan is only chosen where no index can serve.
        // And the plan of a prepared statement is made once: left to PostgreSQL, a read
        // of `k = ANY($1)` is planned anew at every execution (its custom plans looked
        // cheaper than the generic one; `pg_prepared_statements` counted 8 custom plans in
        // 8 runs), and every lacznik statement has one right plan, the index's.
        const SESSION: &str = "-c enable_seqscan=off -c plan_cache_mode=force_generic_plan";
        let options = match config.get_options() {
            Some(o) if !o.is_empty() => format!("{o} {SESSION}"),
            _ => SESSION.to_string(),
        };
        config.options(&options);
        config.application_name(match role {
            Role::Commit => "lacznik/commit",
            Role::Read => "lacznik/read",
            Role::Prefetch => "lacznik/prefetch",
        });
        // A database behind a cut network must fail a call within the session timeout,
        // not after TCP's retransmissions give up (minutes): the node then steps down.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(self.session_timeout);
        }
        config.tcp_user_timeout(self.session_timeout);
        config.keepalives_idle(std::time::Duration::from_secs(1));
        config.keepalives_interval(std::time::Duration::from_secs(1));
        config.keepalives_retries(3);
        match &self.tls {
            Some(tls) => {
                config.ssl_mode(postgres::config::SslMode::Require);
                let tls = tokio_postgres_rustls::MakeRustlsConnect::new((**tls).clone());
                config.connect(tls)
            }
            None if config.get_ssl_mode() == postgres::config::SslMode::Require => {
                return Err(StoreError::Engine(
                    "store.postgres.url asks for sslmode=require: set store.postgres.ca_file \
                     to the CA that issued the database's certificate (lacznik verifies it)"
                        .into(),
                ));
            }
            // `prefer` (libpq's default) falls back to plain text without a TLS connector.
            None => config.connect(NoTls),
        }
        .map_err(|e| pg_err("connect", &e))
    }
}

/// A connection of one [`Role`] with its prepared statements, made again when the
/// database restarted or the connection broke: the readers' and prefetchers' shared way of
/// coming back by themselves, once per job that finds it broken.
pub(super) struct Session<S> {
    role: Role,
    prepare: fn(&mut Client) -> Result<S, StoreError>,
    client: Client,
    statements: Option<S>,
}

impl<S> Session<S> {
    /// A session on `client` (just connected as `role`), its statements prepared now if
    /// they can be (else at the first use).
    pub(super) fn new(
        mut client: Client,
        role: Role,
        prepare: fn(&mut Client) -> Result<S, StoreError>,
    ) -> Session<S> {
        let statements = prepare(&mut client).ok();
        Session {
            role,
            prepare,
            client,
            statements,
        }
    }

    /// The connection and its statements, reconnecting first if the connection is gone
    /// or the statements were never prepared.
    pub(super) fn ready(&mut self, settings: &PgSettings) -> Result<(&mut Client, &S), StoreError> {
        if self.client.is_closed() || self.statements.is_none() {
            let mut c = settings.connect_as(self.role)?;
            let s = (self.prepare)(&mut c)?;
            self.client = c;
            self.statements = Some(s);
        }
        match &self.statements {
            Some(s) => Ok((&mut self.client, s)),
            None => Err(StoreError::Closed),
        }
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

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
