//! lacznik (Polish *łącznik*, "liaison"): an inter-agency message exchange for Polish social
//! welfare centres, police units and municipal interdisciplinary teams.
//!
//! How the crate is laid out, in the order a request meets it:
//! - [`server`]: the TLS-only listener (mutual TLS, [`tls`]), gRPC health and reflection,
//!   shutdown;
//! - [`identity`]: the organisation named by the client certificate
//!   (`urn:lacznik:org:<id>`), resolved against the [`directory`] by [`api::caller`];
//! - [`api`]: the tonic adapter, one file per service, proto <-> domain mapping and the one
//!   error -> status mapping;
//! - domain modules: [`directory`] (organisations and routing by [`teryt`] gmina code),
//!   [`calendar`] (Polish working days), [`deadlines`] (rules, clocks, breaches),
//!   [`feed`] (append-only logs behind streams), [`clock`], [`error`];
//! - [`store`]: the storage seam (sled behind a small trait), one atomic batch per
//!   command and a group commit;
//! - support: [`config`], [`pki`] (development certificates), [`telemetry`], [`cli`].

pub mod api;
pub mod app;
pub mod assistance;
pub mod audit;
pub mod backup;
pub mod bluecard;
pub mod calendar;
pub mod cli;
pub mod client;
pub mod clock;
pub mod command;
pub mod config;
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
