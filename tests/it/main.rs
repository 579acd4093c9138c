//! The integration tests, as one test binary (`cargo test --test it`): one module per
//! feature, all sharing [`support`] (the one `TestServer` that starts a real server, the
//! fixtures, the offline helpers). One binary links the crate once instead of once per file.
//!
//! Every test runs in this one process, in parallel threads. Process-global state is
//! therefore shared: the Prometheus recorder runs its test in a child process
//! ([`support::alone`]); tests that load the whole machine and tests that assert on the
//! wall clock are kept apart ([`support::serial`]); no test sets environment variables or
//! changes the current directory in-process (the binary is run with `Command::env` and
//! `current_dir` instead); the log subscriber is installed once (`TEST_LOG=1`).

mod support;

mod alerts;
mod assistance;
mod at_rest;
mod audit_online;
mod authorization;
mod backup;
mod blue_card;
mod cli;
mod cli_global_flags;
mod console;
mod crash;
mod cursors;
mod deadlines;
mod delivery;
mod disk_full;
mod failover;
mod identity;
mod interop;
mod interop_node;
mod load;
mod metrics;
mod postgres;
mod profiles;
mod receipts;
mod report;
mod retention;
mod standard_services;
mod startup;
mod tls;
mod validators;
