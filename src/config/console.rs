//! `[console]`: the web console's HTTPS listener (docs/CONSOLE.md). It shares the gRPC
//! endpoint's certificate, client CA, revocation list and directory; only the address
//! and the public URL are its own.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::{Config, ConfigError};

/// The default console address: loopback, so a development `serve` shows the console at
/// once without exposing it.
pub const DEFAULT_CONSOLE_LISTEN: &str = "127.0.0.1:8443";

/// `[console]`: where the web console listens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSection {
    /// `host:port` of the console's HTTPS listener (env `LACZNIK_CONSOLE__LISTEN`); an
    /// empty string turns the console off. Default `127.0.0.1:8443`.
    pub listen: String,
    /// The address people type to reach the console (`https://lacznik.example.gov.pl`),
    /// for links that leave the console (e-mails); unset: `https://<listen>`.
    pub public_url: Option<String>,
}

impl Default for ConsoleSection {
    fn default() -> Self {
        ConsoleSection {
            listen: DEFAULT_CONSOLE_LISTEN.to_string(),
            public_url: None,
        }
    }
}

impl Config {
    /// The console's listen address, or `None` when the console is turned off
    /// (`console.listen = ""`).
    pub fn console_listen(&self) -> Result<Option<SocketAddr>, ConfigError> {
        let listen = self.console.listen.trim();
        if listen.is_empty() {
            return Ok(None);
        }
        listen.parse().map(Some).map_err(|_| {
            ConfigError::Invalid(format!(
                "console.listen = {listen:?} is not a host:port address (e.g. 127.0.0.1:8443; \
                 an empty string turns the console off)"
            ))
        })
    }
}
