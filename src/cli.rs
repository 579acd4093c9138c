//! The command line: `serve`, `certs init|issue|revoke`, `config check`. `main.rs` only
//! calls [`main`]; everything here is thin glue over the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::directory::OrgId;
use crate::{pki, server, telemetry};

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
        /// The data directory to create.
        #[arg(long)]
        data: PathBuf,
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

#[derive(Debug, Args)]
struct ServeArgs {
    /// Listen address (overrides `listen`).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Data directory (overrides `data_dir`).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Run on a simulated clock starting at this instant (RFC 3339, e.g.
    /// 2026-12-21T08:00:00+01:00); it moves only through AdminService.AdvanceClock/SetClock.
    #[arg(long, value_name = "RFC3339")]
    simulated_clock: Option<jiff::Timestamp>,
}

#[derive(Debug, Subcommand)]
enum CertsCommand {
    /// Create the CA, server certificate and one client certificate per organisation
    /// (keeps whatever already exists).
    Init {
        /// Certificate directory.
        #[arg(long, default_value = "certs")]
        dir: PathBuf,
        /// Directory file whose organisations get certificates (default: the configured
        /// directory, else the built-in sample).
        #[arg(long)]
        directory: Option<PathBuf>,
    },
    /// (Re)issue one organisation's client certificate.
    Issue {
        /// Organisation id.
        #[arg(long)]
        org: OrgId,
        /// Certificate directory.
        #[arg(long, default_value = "certs")]
        dir: PathBuf,
        /// Validity in days.
        #[arg(long, default_value_t = 825)]
        days: i64,
    },
    /// Add an organisation's current certificate to `crl.pem`.
    Revoke {
        /// Organisation id.
        #[arg(long)]
        org: OrgId,
        /// Certificate directory.
        #[arg(long, default_value = "certs")]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and report the first broken entry (exit code 1 if broken).
    Verify {
        /// Data directory (default: the configured one).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// List who touched a case (request, card or procedure id).
    Show {
        /// The case id.
        #[arg(long)]
        case: String,
        /// Data directory (default: the configured one).
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new data key, make it active and re-encrypt every record with it (the server
    /// must be stopped). Old keys stay in the key file, readable, unless --retire-old.
    Rotate {
        /// Data directory (default: the configured one).
        #[arg(long)]
        data: Option<PathBuf>,
        /// After re-encryption, remove the old keys from the key file (backups made with
        /// them then need a copy of the old key file).
        #[arg(long)]
        retire_old: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate the configuration and its directory, and print what would be served.
    Check,
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
    if let Command::Report { command } = cli.command {
        // Like the client: a server's client, no server configuration.
        return crate::report::run(command);
    }
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve(args) => serve(config, args),
        Command::Certs { command } => certs(config, command),
        Command::Client(_) | Command::Report { .. } => Ok(()),
        Command::Audit { command } => audit(config, command),
        Command::Backup { data, out } => {
            let dir = data.unwrap_or(config.data_dir);
            let s = block_on(crate::backup::backup(&dir, &out))??;
            println!(
                "backup written to {}: {} entries, {} bytes",
                out.display(),
                s.entries,
                s.bytes
            );
            Ok(())
        }
        Command::Restore { from, data } => {
            let engine = config.store.engine;
            let n = block_on(crate::backup::restore(&from, &data, engine))??;
            println!(
                "restored {n} entries into {} ({engine} engine)",
                data.display()
            );
            Ok(())
        }
        Command::Keys { command } => keys(config, command),
        Command::Purge(args) => crate::retention::run_cli(&config, args),
        Command::Rules => {
            print!("{}", config.rule_set()?.table());
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => config_check(config),
    }
}

fn serve(mut config: Config, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if let Some(d) = args.data {
        config.data_dir = d;
    }
    telemetry::init(config.log.format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("lacznik")
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        let clock: std::sync::Arc<dyn crate::clock::Clock> = match args.simulated_clock {
            Some(start) => {
                tracing::warn!(start = %start, "SIMULATED CLOCK: time moves only through AdminService.AdvanceClock/SetClock");
                std::sync::Arc::new(crate::clock::SimulatedClock::new(start))
            }
            None => std::sync::Arc::new(crate::clock::SystemClock),
        };
        server::serve_with_clock(config, listener, clock, shutdown_signal()).await?;
        Ok(())
    })
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutdown requested; finishing in-flight calls");
}

fn certs(config: Config, command: CertsCommand) -> anyhow::Result<()> {
    match command {
        CertsCommand::Init { dir, directory } => {
            let directory = match directory {
                Some(path) => crate::directory::Directory::load(&path)?,
                None => config.load_directory()?,
            };
            let report = pki::init(&dir, &directory)?;
            for p in &report.created {
                println!("created {}", p.display());
            }
            println!(
                "{} file(s) created, {} kept in {} (development certificates: never use them in production)",
                report.created.len(),
                report.kept.len(),
                dir.display()
            );
        }
        CertsCommand::Issue { org, dir, days } => {
            let path = pki::issue(&dir, &org, days)?;
            println!("issued {}", path.display());
        }
        CertsCommand::Revoke { org, dir } => {
            let path = pki::revoke(&dir, &org)?;
            println!(
                "revoked the current certificate of {org}; CRL written to {} (a running server picks it up within tls.reload_secs)",
                path.display()
            );
        }
    }
    Ok(())
}

fn config_check(config: Config) -> anyhow::Result<()> {
    let directory = config.load_directory()?;
    let rules = config.rule_set()?;
    let tls = config.tls_paths();
    println!("listen       {}", config.listen);
    println!("data_dir     {}", config.data_dir.display());
    println!(
        "directory    {}",
        config
            .directory
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(built-in sample)".into())
    );
    println!("tls.ca       {}", tls.ca.display());
    println!("tls.cert     {}", tls.cert.display());
    println!("tls.key      {}", tls.key.display());
    if let Some(crl) = &tls.crl {
        let state = if crl.exists() {
            ""
        } else {
            " (absent: no revocations)"
        };
        println!("tls.crl      {}{state}", crl.display());
    }
    println!("dev_pki      {}", config.tls.dev_pki);
    println!("max_message  {} bytes", config.max_message_bytes);
    println!(
        "store        {} engine, {} MiB cache",
        config.store.engine, config.store.cache_mib
    );
    match config.retention.keep_closed_days {
        None => println!("retention    keep everything (retention.keep_closed_days unset)"),
        Some(days) => println!(
            "retention    closed cases kept {days} day(s); {}",
            match config.retention.purge_every_hours {
                Some(h) => format!("the server purges every {h} h"),
                None => "purged only by `lacznik purge`".to_string(),
            }
        ),
    }
    println!("organisations ({}):", directory.len());
    for org in directory.iter() {
        let gminas: Vec<String> = org.gminas.iter().map(|g| g.to_string()).collect();
        println!(
            "  {:<22} {:<19} {:<6} {:<24} {}",
            org.id.as_str(),
            org.kind.as_str(),
            if org.active { "active" } else { "SUSPENDED" },
            gminas.join(","),
            org.name
        );
    }
    let disabled: Vec<&str> = rules
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.id.as_str())
        .collect();
    println!(
        "deadline rules: {} in force{}",
        rules.iter().filter(|r| r.enabled).count(),
        if disabled.is_empty() {
            String::new()
        } else {
            format!(", disabled: {}", disabled.join(", "))
        }
    );
    println!("configuration OK");
    Ok(())
}

fn block_on<F: std::future::Future>(f: F) -> anyhow::Result<F::Output> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(f))
}

fn audit(config: Config, command: AuditCommand) -> anyhow::Result<()> {
    // The audit log holds no personal data: no data key is needed to read it.
    let ring = std::sync::Arc::new(crate::crypto::KeyRing::generate());
    match command {
        AuditCommand::Verify { data } => {
            let dir = data.unwrap_or(config.data_dir);
            let verdict = block_on(async {
                let store = crate::offline::open(&dir, ring)?;
                let v = crate::audit::verify(&store);
                let _ = store.close().await;
                anyhow::Ok(v?)
            })??;
            match verdict {
                crate::audit::Verdict::Intact { entries } => {
                    println!("audit chain intact: {entries} entries");
                    Ok(())
                }
                crate::audit::Verdict::Broken { seq, reason } => {
                    println!("audit chain BROKEN at entry {seq}: {reason}");
                    std::process::exit(1);
                }
            }
        }
        AuditCommand::Show { case, data } => {
            let dir = data.unwrap_or(config.data_dir);
            let case = case.trim().to_lowercase();
            let entries = block_on(async {
                let store = crate::offline::open(&dir, ring)?;
                let e = crate::audit::of_case(&store, &case);
                let _ = store.close().await;
                anyhow::Ok(e?)
            })??;
            println!(
                "{:>8}  {:<30}  {:<22}  {:<30}  outcome",
                "seq", "time", "organisation", "rpc"
            );
            for e in &entries {
                println!(
                    "{:>8}  {:<30}  {:<22}  {:<30}  {}",
                    e.seq,
                    e.at.to_string(),
                    e.org,
                    e.rpc,
                    e.outcome
                );
            }
            println!(
                "{} entr{} for {case}",
                entries.len(),
                if entries.len() == 1 { "y" } else { "ies" }
            );
            Ok(())
        }
    }
}

fn keys(config: Config, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Rotate { data, retire_old } => {
            let dir = data.unwrap_or(config.data_dir.clone());
            let path = config.crypto.key_file.clone();
            let mut ring = crate::crypto::KeyRing::load(&path)?;
            // Check the directory is free before touching the key file.
            block_on(async {
                let store = crate::offline::open(&dir, std::sync::Arc::new(ring.clone()))?;
                store.close().await?;
                anyhow::Ok(())
            })??;
            let new_id = ring.rotate();
            // Saved first, with every key: an interrupted rotation leaves all data readable.
            ring.save(&path)?;
            let count = block_on(async {
                let store = crate::offline::open(&dir, std::sync::Arc::new(ring.clone()))?;
                let n = crate::offline::reseal_all(&store).await;
                store.close().await?;
                anyhow::Ok(n?)
            })??;
            println!("key {new_id} is active; {count} record(s) re-encrypted");
            if retire_old {
                ring.retire_old();
                ring.save(&path)?;
                println!("older keys removed from {}", path.display());
            } else {
                println!(
                    "older keys stay in {} (readable); run again with --retire-old to remove them",
                    path.display()
                );
            }
            Ok(())
        }
    }
}
