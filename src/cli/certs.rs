//! `lacznik certs init|issue|revoke`: development certificates, so that a test deployment
//! or a demo needs no CA of its own; `lacznik certs status`: the days left of every
//! certificate (and the CRL) of a certificate directory. The work is in [`crate::pki`];
//! this prints what it did.

use std::path::PathBuf;

use clap::Subcommand;

use crate::config::Config;
use crate::directory::OrgId;
use crate::pki;

#[derive(Debug, Subcommand)]
pub(super) enum CertsCommand {
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
    /// (Re)issue one organisation's client certificate, or (`--receipts`) the
    /// receipt-signing certificate.
    Issue {
        /// Organisation id.
        #[arg(
            long,
            required_unless_present = "receipts",
            conflicts_with = "receipts"
        )]
        org: Option<OrgId>,
        /// Renew the receipt-signing certificate and key (`receipts.pem`, `receipts.key`);
        /// receipts signed before stay verifiable (each carries its own chain).
        #[arg(long)]
        receipts: bool,
        /// Certificate directory.
        #[arg(long, default_value = "certs")]
        dir: PathBuf,
        /// Validity in days.
        #[arg(long, default_value_t = 825)]
        days: i64,
    },
    /// Days left of every certificate of a certificate directory (CA, server, receipts,
    /// each organisation's) and the CRL's next update; exit code 1 when one has run out.
    Status {
        /// Certificate directory.
        #[arg(long, default_value = "certs")]
        dir: PathBuf,
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

/// Runs one `certs` command; `config` only supplies the directory for `init`.
pub(super) fn certs(config: Config, command: CertsCommand) -> anyhow::Result<()> {
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
        CertsCommand::Issue {
            org,
            receipts,
            dir,
            days,
        } => {
            let path = match org {
                Some(org) if !receipts => pki::issue(&dir, &org, days)?,
                _ => pki::issue_receipts(&dir, days)?,
            };
            println!("issued {}", path.display());
        }
        CertsCommand::Status { dir } => {
            let inventory = pki::expiry::Inventory::of_dir(&dir)?;
            let now = pki::expiry::now_unix();
            println!("certificates in {}:", dir.display());
            print!("{}", pki::expiry::table(&inventory, now));
            let expired = inventory
                .items
                .iter()
                .filter(|e| e.seconds_left(now) < 0)
                .count();
            if expired > 0 {
                anyhow::bail!(
                    "{expired} certificate(s) or CRL(s) in {} have run out",
                    dir.display()
                );
            }
            if !inventory.problems.is_empty() {
                anyhow::bail!(
                    "{} file(s) in {} cannot be read",
                    inventory.problems.len(),
                    dir.display()
                );
            }
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
