//! Configuration: built-in defaults, then `lacznik.toml` (or `--config FILE`), then
//! `LACZNIK_*` environment variables (nested keys with `__`, e.g. `LACZNIK_TLS__CA`).
//! `cargo run -- serve` with no file and no variables works: it serves the built-in sample
//! directory from `./data` on `127.0.0.1:50051` with development certificates in `./certs`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

mod console;
mod postgres;
pub use console::{ConsoleSection, DEFAULT_CONSOLE_LISTEN};
pub use postgres::PostgresSection;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::deadlines::RuleSet;
use crate::deadlines::rules::RulesSection;
use crate::directory::{Directory, DirectoryError};
use crate::tls::TlsPaths;

/// The sample directory shipped with lacznik, used when no directory file is configured.
pub const SAMPLE_DIRECTORY: &str = include_str!("../directory.sample.toml");

/// Default config file looked up in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "lacznik.toml";

/// The whole configuration of a server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address of the (TLS-only) gRPC listener.
    pub listen: SocketAddr,
    /// Directory holding the database.
    pub data_dir: PathBuf,
    /// Organisation directory (TOML). Unset: the built-in sample directory.
    pub directory: Option<PathBuf>,
    /// Largest request message accepted, in bytes; larger ones get RESOURCE_EXHAUSTED.
    pub max_message_bytes: usize,
    /// TLS material.
    pub tls: TlsSection,
    /// Logging.
    pub log: LogSection,
    /// Storage engine tuning.
    pub store: StoreSection,
    /// Connection limits.
    pub limits: LimitsSection,
    /// Encryption at rest.
    pub crypto: CryptoSection,
    /// Prometheus metrics.
    pub metrics: MetricsSection,
    /// How long closed cases are kept.
    pub retention: RetentionSection,
    /// Signed checkpoints of the audit log.
    pub audit: AuditSection,
    /// The web console's listener.
    pub console: ConsoleSection,
    /// `[rules]`: the rules profile (`profile = "2011" | "2023"`) and the deadline rule
    /// overrides applied on top of it, by rule id (`[rules."bluecard.forward"]`).
    pub rules: RulesSection,
    /// Every event gets a receipt; only `lacznik-bench` turns them off, to measure what
    /// they cost in the same run. Not a setting: no file or environment variable reaches
    /// it.
    #[serde(skip)]
    pub receipts_off_for_measurement: bool,
}

/// `[tls]`: where certificates live, and whether development certificates may be made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSection {
    /// Directory of the conventional layout (`ca.pem`, `server.pem`, `server.key`,
    /// `crl.pem`); the explicit paths below override single files.
    pub dir: PathBuf,
    /// CA bundle client certificates must chain to. Default `<dir>/ca.pem`.
    pub ca: Option<PathBuf>,
    /// Server certificate chain. Default `<dir>/server.pem`.
    pub cert: Option<PathBuf>,
    /// Server private key. Default `<dir>/server.key`.
    pub key: Option<PathBuf>,
    /// CRL file; checked if it exists, re-read when it changes. Default `<dir>/crl.pem`.
    pub crl: Option<PathBuf>,
    /// The receipt-signing certificate chain (certificate, then CA). Default
    /// `<dir>/receipts.pem` (README, "Receipts and evidence").
    pub receipts_cert: Option<PathBuf>,
    /// The receipt-signing key (PKCS#8: P-256, signing ES256, or Ed25519, signing EdDSA).
    /// Default `<dir>/receipts.key`.
    pub receipts_key: Option<PathBuf>,
    /// Development mode: when the CA, server certificate and key are all missing, generate
    /// a development PKI in `dir` (loudly logged). Set to false in production.
    pub dev_pki: bool,
    /// How often (seconds) the TLS files are checked for changes (CRL updates, renewed
    /// server certificate); 0 disables reloading.
    pub reload_secs: u64,
}

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogSection {
    /// `text` for people, `json` for log shippers. Levels come from `RUST_LOG`.
    pub format: LogFormat,
}

/// Log output format.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `[store]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSection {
    /// The embedded engine: `fjall` or `sled` (README, "Storage engine"). A data directory
    /// keeps the engine it was created with; switching means backup + restore.
    pub engine: crate::store::EngineKind,
    /// Page/block cache of the engine, in MiB (sled's own default of 1 GiB is too much for
    /// a small VM).
    pub cache_mib: u64,
    /// `[store.postgres]`: the database of `engine = "postgres"`.
    pub postgres: PostgresSection,
}

/// `[audit]`: how often the server signs a checkpoint of the audit log's head (README,
/// "Receipts and evidence"); one more is signed at every shutdown.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSection {
    /// Minutes between checkpoints (default 10); 0: only at shutdown.
    pub checkpoint_minutes: u64,
}

impl Default for AuditSection {
    fn default() -> Self {
        AuditSection {
            checkpoint_minutes: 10,
        }
    }
}

/// `[retention]`: closed cases older than `keep_closed_days` are purged by `lacznik purge`
/// and, with `purge_every_hours`, by the server itself. Both unset by default: nothing is
/// ever deleted unless the operator decides how long the office must keep its records
/// (README, "Retention").
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSection {
    /// Days a closed case (a completed, cancelled or declined request; a closed Blue Card
    /// procedure) is kept after it closed. Unset: keep forever.
    pub keep_closed_days: Option<u32>,
    /// Run the purge in the server every this many hours (needs `keep_closed_days`).
    pub purge_every_hours: Option<u32>,
}

/// `[metrics]`: the Prometheus endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSection {
    /// Plain-HTTP listen address of `GET /metrics`; keep it on loopback or a management
    /// network. Unset (`listen = ""` is not valid TOML for an address; remove the key and set
    /// `enabled = false`) to disable.
    pub listen: SocketAddr,
    /// Serve metrics at all.
    pub enabled: bool,
}

impl Default for MetricsSection {
    fn default() -> Self {
        MetricsSection {
            listen: SocketAddr::from(([127, 0, 0, 1], 9464)),
            enabled: true,
        }
    }
}

/// `[crypto]`: the data key file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CryptoSection {
    /// Key file (TOML, see `crypto`); keep it outside the data directory and back it up
    /// separately.
    pub key_file: PathBuf,
    /// Development mode: generate the key file when it is missing (loudly logged). Set to
    /// false in production, so a missing key file stops the server instead of starting an
    /// installation whose data nobody can read later.
    pub generate_key: bool,
}

impl Default for CryptoSection {
    fn default() -> Self {
        CryptoSection {
            key_file: PathBuf::from("keys/data.key"),
            generate_key: true,
        }
    }
}

/// `[limits]`: what one client may take.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSection {
    /// Open connections at most; further ones wait in the accept queue.
    pub max_connections: usize,
    /// Seconds a client has to finish the TLS handshake.
    pub handshake_timeout_secs: u64,
    /// Calls one organisation may have in flight at once; more get RESOURCE_EXHAUSTED at
    /// once (a flooding client must not starve the others). Streams count only while they
    /// open; a long poll counts while it waits.
    pub per_org_in_flight: usize,
    /// Calls one connection may have in flight; further ones queue on that connection.
    pub per_connection_in_flight: usize,
    /// HTTP/2 streams one connection may open at once.
    pub max_concurrent_streams: u32,
    /// Seconds a unary call may take before DEADLINE_EXCEEDED (above the 60 s long poll).
    pub request_timeout_secs: u64,
    /// Seconds graceful shutdown waits for in-flight calls and streams before closing
    /// connections anyway (a client that never reads must not block a restart).
    pub shutdown_grace_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            data_dir: PathBuf::from("data"),
            directory: None,
            max_message_bytes: 1024 * 1024,
            tls: TlsSection::default(),
            log: LogSection::default(),
            store: StoreSection::default(),
            limits: LimitsSection::default(),
            crypto: CryptoSection::default(),
            metrics: MetricsSection::default(),
            retention: RetentionSection::default(),
            audit: AuditSection::default(),
            console: ConsoleSection::default(),
            rules: RulesSection::default(),
            receipts_off_for_measurement: false,
        }
    }
}

impl Default for TlsSection {
    fn default() -> Self {
        TlsSection {
            dir: PathBuf::from("certs"),
            ca: None,
            cert: None,
            key: None,
            crl: None,
            receipts_cert: None,
            receipts_key: None,
            dev_pki: true,
            reload_secs: 5,
        }
    }
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            format: LogFormat::Text,
        }
    }
}

impl Default for StoreSection {
    fn default() -> Self {
        StoreSection {
            engine: crate::store::EngineKind::Fjall,
            cache_mib: 32,
            postgres: PostgresSection::default(),
        }
    }
}

impl Default for LimitsSection {
    fn default() -> Self {
        LimitsSection {
            max_connections: 1024,
            handshake_timeout_secs: 10,
            per_org_in_flight: 256,
            per_connection_in_flight: 128,
            max_concurrent_streams: 256,
            request_timeout_secs: 90,
            shutdown_grace_secs: 10,
        }
    }
}

/// Errors loading the configuration or what it points to.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file or an environment variable has a bad value or an unknown key.
    #[error("configuration: {0}")]
    Invalid(String),
    /// The organisation directory is invalid.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
}

impl Config {
    /// Loads defaults, then `file` (if given it must exist; if not given, `./lacznik.toml`
    /// is read when present), then `LACZNIK_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                if !f.exists() {
                    return Err(ConfigError::Invalid(format!(
                        "config file {} does not exist",
                        f.display()
                    )));
                }
                fig = fig.merge(Toml::file_exact(f));
            }
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                fig = fig.merge(Toml::file_exact(DEFAULT_CONFIG_FILE));
            }
            None => {}
        }
        // LACZNIK_CONFIG names the file (read by the command line) and LACZNIK_PYTHON the
        // interpreter of the interop tests: neither is a configuration key.
        fig.merge(
            Env::prefixed("LACZNIK_")
                .ignore(&["config", "python"])
                .split("__"),
        )
        .extract::<Config>()
        .map_err(|e| ConfigError::Invalid(e.to_string()))?
        .checked()
    }

    /// Settings that parse but cannot work together.
    fn checked(self) -> Result<Config, ConfigError> {
        let r = &self.retention;
        if r.purge_every_hours.is_some() && r.keep_closed_days.is_none() {
            return Err(ConfigError::Invalid(
                "retention.purge_every_hours needs retention.keep_closed_days (how long to keep)"
                    .into(),
            ));
        }
        if self.store.engine == crate::store::EngineKind::Postgres
            && self.store.postgres.url.is_none()
        {
            return Err(ConfigError::Invalid(
                "store.engine = \"postgres\" needs store.postgres.url (e.g. \
                 postgresql://lacznik@db.example:5432/lacznik)"
                    .into(),
            ));
        }
        self.console_listen()?;
        if r.purge_every_hours == Some(0) {
            return Err(ConfigError::Invalid(
                "retention.purge_every_hours must be at least 1".into(),
            ));
        }
        Ok(self)
    }

    /// Loads the organisation directory the configuration names.
    pub fn load_directory(&self) -> Result<Directory, ConfigError> {
        Ok(match &self.directory {
            Some(path) => Directory::load(path)?,
            None => Directory::from_toml_str(SAMPLE_DIRECTORY)?,
        })
    }

    /// Loads the data keys; in development mode creates the key file when it is missing.
    /// Returns the ring and whether it was just generated.
    pub fn load_keys(&self) -> Result<(crate::crypto::KeyRing, bool), ConfigError> {
        let path = &self.crypto.key_file;
        if !path.exists() && self.crypto.generate_key {
            let ring = crate::crypto::KeyRing::generate();
            ring.save(path)
                .map_err(|e| ConfigError::Invalid(e.to_string()))?;
            return Ok((ring, true));
        }
        crate::crypto::KeyRing::load(path)
            .map(|r| (r, false))
            .map_err(|e| ConfigError::Invalid(e.to_string()))
    }

    /// The deadline rules in force: the built-in rules of `rules.profile` with the
    /// `[rules."<id>"]` overrides applied.
    pub fn rule_set(&self) -> Result<RuleSet, ConfigError> {
        self.rules
            .rule_set()
            .map_err(|e| ConfigError::Invalid(e.to_string()))
    }

    /// Every file whose expiry the operator is warned of (server, CA bundle, CRL,
    /// receipt certificate), after applying the `dir` convention.
    pub fn expiry_sources(&self) -> crate::pki::expiry::Sources {
        let tls = self.tls_paths();
        crate::pki::expiry::Sources {
            ca: tls.ca,
            cert: tls.cert,
            crl: tls.crl,
            receipts: self.receipt_paths().0,
        }
    }

    /// The receipt certificate and key after applying the `dir` convention.
    pub fn receipt_paths(&self) -> (PathBuf, PathBuf) {
        let t = &self.tls;
        (
            t.receipts_cert
                .clone()
                .unwrap_or_else(|| t.dir.join("receipts.pem")),
            t.receipts_key
                .clone()
                .unwrap_or_else(|| t.dir.join("receipts.key")),
        )
    }

    /// The TLS file paths after applying the `dir` convention.
    pub fn tls_paths(&self) -> TlsPaths {
        let t = &self.tls;
        TlsPaths {
            ca: t.ca.clone().unwrap_or_else(|| t.dir.join("ca.pem")),
            cert: t.cert.clone().unwrap_or_else(|| t.dir.join("server.pem")),
            key: t.key.clone().unwrap_or_else(|| t.dir.join("server.key")),
            crl: Some(t.crl.clone().unwrap_or_else(|| t.dir.join("crl.pem"))),
        }
    }
}
