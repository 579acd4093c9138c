//! `[store.postgres]`: where the PostgreSQL engine's database is and how to reach it, and
//! the settings the engine gets from it (the password read from its file or variable).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Config, ConfigError};

/// `[store.postgres]`: where the PostgreSQL engine's database is. The password is kept out
/// of the URL (a file or an environment variable) and never logged.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PostgresSection {
    /// libpq-style URL (`postgresql://lacznik@db.example:5432/lacznik`) or `key=value`
    /// pairs (`host=/run/postgresql dbname=lacznik user=lacznik`).
    pub url: Option<String>,
    /// A file holding the password (first line), e.g. `/etc/lacznik/pg.password`.
    pub password_file: Option<PathBuf>,
    /// The name of an environment variable holding the password.
    pub password_env: Option<String>,
    /// Where clients reach this node (`host:port`), told by standbys to whoever asks them.
    /// Default: the listen address, with the machine's host name when it listens on all
    /// interfaces.
    pub advertise: Option<String>,
    /// Seconds of silence after which the database ends the active node's session (and so
    /// its claim): how long a paused or cut-off active keeps the standby waiting. Default
    /// 5 (README, "High availability"); at least 2.
    pub session_timeout_secs: Option<u64>,
    /// TLS to the database: the CA (PEM) that issued the database server's certificate.
    /// Set, every connection uses TLS and verifies the certificate and host name; unset,
    /// none does (a Unix socket or a trusted network).
    pub ca_file: Option<PathBuf>,
}

impl Config {
    /// The PostgreSQL engine's connection settings (`store.postgres`), with the password
    /// read from its file or variable.
    pub fn postgres(&self) -> Result<crate::store::postgres_engine::PgSettings, ConfigError> {
        let pg = &self.store.postgres;
        let url = pg.url.clone().ok_or_else(|| {
            ConfigError::Invalid(
                "store.engine = \"postgres\" needs store.postgres.url (e.g. \
                 postgresql://lacznik@db.example:5432/lacznik)"
                    .into(),
            )
        })?;
        let password = match (&pg.password_file, &pg.password_env) {
            (Some(f), _) => Some(
                std::fs::read_to_string(f)
                    .map_err(|e| {
                        ConfigError::Invalid(format!(
                            "store.postgres.password_file {}: {e}",
                            f.display()
                        ))
                    })?
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            ),
            (None, Some(var)) => Some(std::env::var(var).map_err(|_| {
                ConfigError::Invalid(format!("store.postgres.password_env: {var} is not set"))
            })?),
            (None, None) => None,
        };
        let mut settings = crate::store::postgres_engine::PgSettings::new(url);
        settings.password = password;
        if let Some(ca) = &pg.ca_file {
            settings.tls = Some(
                crate::tls::database_client_config(ca)
                    .map_err(|e| ConfigError::Invalid(format!("store.postgres.ca_file: {e}")))?,
            );
        }
        if let Some(secs) = pg.session_timeout_secs {
            settings.session_timeout = std::time::Duration::from_secs(secs.max(2));
        }
        Ok(settings)
    }
}
