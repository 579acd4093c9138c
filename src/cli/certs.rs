//! `lacznik certs init|issue|revoke`: development certificates, so that a test deployment
//! or a demo needs no CA of its own; `lacznik certs p12`: an organisation's browser bundle
//! (`.p12`) for a pair made without one; `lacznik certs status`: the days left of every
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
    /// (Re)issue one organisation's client certificate (with its `.p12` for browsers), or
    /// (`--receipts`) the receipt-signing certificate.
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
    /// Write an organisation's `<org>.p12` (certificate, key and CA, for importing into a
    /// browser) from its existing `<org>.pem`, `<org>.key` and `ca.pem`; `init` and `issue`
    /// write it themselves.
    P12 {
        /// Organisation id.
        #[arg(long)]
        org: OrgId,
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
            if report
                .created
                .iter()
                .any(|p| p.extension().is_some_and(|x| x == "p12"))
            {
                println!(
                    "browser bundles (.p12) have the password \"{}\" (see certs/README.md)",
                    pki::p12::DEV_P12_PASSWORD
                );
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
        } => match org {
            Some(org) if !receipts => {
                let path = pki::issue(&dir, &org, days)?;
                println!("issued {}", path.display());
                print_p12(&pki::p12::p12_path(&dir, &org));
            }
            _ => {
                let path = pki::issue_receipts(&dir, days)?;
                println!("issued {}", path.display());
            }
        },
        CertsCommand::P12 { org, dir } => {
            print_p12(&pki::p12::write_p12(&dir, &org)?);
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

/// Says where a browser bundle is and how to open it.
fn print_p12(path: &std::path::Path) {
    println!(
        "wrote {} (for browsers; import password \"{}\")",
        path.display(),
        pki::p12::DEV_P12_PASSWORD
    );
}
