//! lacznik (Polish *łącznik*, "liaison"): an inter-agency message exchange for Polish social
//! welfare centres, police units and municipal interdisciplinary teams.
//!
//! How the crate is laid out, in the order a request meets it (no module imports one that
//! imports it back: `scripts/check-module-cycles` checks it in CI):
//! - [`server`]: the TLS-only listener ([`tls`] builds the mutual-TLS configuration), gRPC
//!   health and reflection, a store failure turned into NOT_SERVING and exit code 75, and
//!   graceful shutdown; [`shutdown`]: the signal every long-lived task listens to;
//! - [`identity`]: the organisation named by the client certificate (`urn:lacznik:org:<id>`);
//! - [`api`]: the tonic adapter: `api::layer` (one tower layer for what every call shares:
//!   caller resolved against the [`directory`], span, per-organisation limit, audit scope,
//!   metrics), one file per service whose handlers decode, call the domain and encode, and
//!   the one error -> status mapping;
//! - [`console`]: the web console, another door to the same domain (its own HTTPS
//!   listener, the same identity, rules and audit), for offices without gRPC software;
//! - the domain, where policy lives once (who may do what by organisation kind,
//!   `Organization::require`; who may see what, each record's `visible_to`):
//!   [`assistance`] (police-assistance requests), [`bluecard`] (Blue Card A and the
//!   procedure), [`training`] (moving the simulated clock), [`deadlines`] (rules, clocks,
//!   breaches, the sweeper), [`command`] (how a change runs: one audited atomic batch),
//!   [`directory`] and [`teryt`] (organisations, routing by gmina), [`calendar`] (Polish
//!   working days), [`feed`] (append-only logs behind streams and pulls, cursors),
//!   [`audit`] (the hash-chained log), [`people`] and [`validation`] (shared field checks),
//!   [`clock`] (injected time), [`error`] (the domain error and its one status code);
//! - [`store`]: the storage seam: an `Engine` trait with fjall (default), sled and
//!   PostgreSQL, one atomic batch per command, a group commit, a health that fails loudly,
//!   typed keys;
//!   [`crypto`]: records with personal data are sealed before they reach it;
//! - operations: [`backup`], [`retention`], [`offline`] (commands on a stopped data
//!   directory), [`monitoring`] (Prometheus: certificate expiry, recipients' state, the
//!   scrape), [`recipients`] (who is listening: streams and pulls open, last seen, how far
//!   delivered), [`report`] (the supervisors' breach report);
//! - support: [`config`], [`cli`] (the `lacznik` command line), [`client`] (the gRPC
//!   command-line client and the one mutual-TLS channel builder), [`pki`] (development
//!   certificates), [`telemetry`] (logging), [`app`] (the state the services share).

pub mod api;
pub mod app;
pub mod assistance;
pub mod audit;
pub mod backup;
pub mod bluecard;
pub mod calendar;
pub mod case_receipts;
pub mod cli;
pub mod client;
pub mod clock;
pub mod command;
pub mod config;
pub mod console;
pub mod control;
pub mod crypto;
pub mod deadlines;
pub mod directory;
pub mod error;
pub mod feed;
pub mod identity;
pub mod monitoring;
pub mod offline;
pub mod people;
pub mod pki;
pub mod receipt;
pub mod recipients;
pub mod report;
pub mod retention;
pub mod server;
pub mod shutdown;
pub mod store;
pub mod telemetry;
pub mod teryt;
pub mod tls;
pub mod training;
pub mod validation;
