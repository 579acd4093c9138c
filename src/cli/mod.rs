//! The command line: `serve`, `certs`, `audit`, `keys`, `backup`/`restore`, `client`,
//! `report`, `purge`, `rules`, `config check`. `main.rs` only calls [`main`]; everything
//! here is thin glue over the library.
//!
//! This module holds the argument types of the top level, the exit-code policy and the
//! dispatch; each command group has its own file (`serve`, `certs`, `audit`, `keys`,
//! `backup`, `config`). `client`, `report` and `purge` live with their library modules.

mod audit;
mod backup;
mod certs;
mod config;
mod keys;
mod receipt;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use self::audit::AuditCommand;
use self::certs::CertsCommand;
use self::config::ConfigCommand;
use self::keys::KeysCommand;
use self::receipt::ReceiptCommand;
use self::serve::ServeArgs;
use crate::config::Config;
use crate::server;

/// lacznik: inter-agency message exchange over mutual TLS.
#[derive(Debug, Parser)]
#[command(name = "lacznik", version, about)]
pub struct Cli {
    /// Configuration file (default: ./lacznik.toml when present).
    #[arg(long, global = true, env = "LACZNIK_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Development certificates (a real deployment uses its own CA).
    Certs {
        #[command(subcommand)]
        command: CertsCommand,
    },
    /// The audit log (works offline, without the data key).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Receipts: check signed receipts offline (needs only the CA certificate).
    Receipt {
        #[command(subcommand)]
        command: ReceiptCommand,
    },
    /// Data keys (encryption at rest).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Write a consistent snapshot of a data directory (asks the running server through
    /// its control socket; with no server running, reads the directory itself).
    Backup {
        /// Data directory (default: the configured one).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Rebuild a data directory from a backup (the directory must be new or empty).
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The data directory to create (embedded engines). With `store.engine =
        /// "postgres"` the backup goes into the configured database instead, which must
        /// hold no lacznik data yet.
        #[arg(long, required_unless_present = "into_postgres")]
        data: Option<PathBuf>,
        /// Restore into the PostgreSQL database of `[store.postgres]` (needs
        /// `store.engine = "postgres"`).
        #[arg(long)]
        into_postgres: bool,
    },
    /// Talk to a server as an organisation (see `lacznik client --help`).
    #[command(after_help = crate::client::GLOBAL_FLAGS_HELP)]
    Client(crate::client::ClientArgs),
    /// Reports built from a running server (see `lacznik report breaches --help`).
    Report {
        #[command(subcommand)]
        command: crate::report::ReportCommand,
    },
    /// Delete closed cases older than the retention period (server stopped; see README,
    /// "Retention").
    Purge(crate::retention::PurgeArgs),
    /// Print the deadline rules in force (built-in profile plus `[rules]` overrides).
    Rules,
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // A store failure has its own code, so the service manager restarts the server
            // (docs/OPERATIONS.md, "Exit codes").
            match e.downcast_ref::<server::ServeError>() {
                Some(s) => ExitCode::from(s.exit_code()),
                None => ExitCode::FAILURE,
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Client(args) = cli.command {
        // The client needs no server configuration.
        let code = crate::client::run(args)?;
        if code != 0 {
            std::process::exit(code);
        }
        return Ok(());
    }
    if let Command::Receipt { command } = cli.command {
        // Offline and configuration-free: a party checks receipts with the CA alone.
        if !receipt::receipt(command)? {
            std::process::exit(1);
        }
        return Ok(());
    }
    if let Command::Report { command } = cli.command {
        // Like the client: a server's client, no server configuration.
        return crate::report::run(command);
    }
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve(args) => serve::serve(config, args),
        Command::Certs { command } => certs::certs(config, command),
        Command::Client(_) | Command::Report { .. } | Command::Receipt { .. } => Ok(()),
        Command::Audit { command } => audit::audit(config, command),
        Command::Backup { data, out } => backup::backup(config, data, out),
        Command::Restore {
            from,
            data,
            into_postgres,
        } => backup::restore(config, from, data, into_postgres),
        Command::Keys { command } => keys::keys(config, command),
        Command::Purge(args) => crate::retention::run_cli(&config, args),
        Command::Rules => {
            print!("{}", config.rule_set()?.table());
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => config::config_check(config),
    }
}

/// A current-thread runtime for the offline commands (audit, keys, backup), which need
/// async store calls but not the server's multi-threaded runtime.
fn block_on<F: std::future::Future>(f: F) -> anyhow::Result<F::Output> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(f))
}
