//! `lacznik audit verify|show`: read the audit log of a data directory offline (server
//! stopped), to check its hash chain or to list who touched a case.

use std::path::PathBuf;

use clap::Subcommand;

use super::block_on;
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub(super) enum AuditCommand {
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

/// Runs one `audit` command; a broken chain ends the process with exit code 1.
pub(super) fn audit(config: Config, command: AuditCommand) -> anyhow::Result<()> {
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
