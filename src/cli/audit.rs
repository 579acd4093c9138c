//! `lacznik audit verify|show`: check the audit log's hash chain or list who touched a
//! case. With a server running on the data directory the question goes to it through the
//! control socket (no need to stop the service); without one the directory is read
//! offline.

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
            if let Some(lines) = block_on(crate::control::ask(&dir, "audit-verify"))? {
                return online_verdict(&lines?);
            }
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
            let entries = match block_on(crate::control::ask(&dir, &format!("audit-show {case}")))?
            {
                Some(lines) => online_entries(&lines?)?,
                None => block_on(async {
                    let store = crate::offline::open(&dir, ring)?;
                    let e = crate::audit::of_case(&store, &case);
                    let _ = store.close().await;
                    anyhow::Ok(e?)
                })??,
            };
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

/// The running server's answer to `audit-verify`, printed as offline; exit 1 if broken.
fn online_verdict(lines: &[String]) -> anyhow::Result<()> {
    let last = lines
        .last()
        .map(String::as_str)
        .unwrap_or("error no answer");
    let mut words = last.splitn(4, ' ');
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some("ok"), Some("intact"), Some(n), _) => {
            println!("audit chain intact: {n} entries (checked by the running server)");
            Ok(())
        }
        (Some("ok"), Some("broken"), Some(seq), reason) => {
            println!(
                "audit chain BROKEN at entry {seq}: {} (checked by the running server)",
                reason.unwrap_or("")
            );
            std::process::exit(1);
        }
        _ => anyhow::bail!("the running server could not check the audit log: {last}"),
    }
}

/// The running server's answer to `audit-show`: the entries it sent.
fn online_entries(lines: &[String]) -> anyhow::Result<Vec<crate::audit::AuditEntry>> {
    let Some((last, entries)) = lines.split_last() else {
        anyhow::bail!("the running server sent no answer");
    };
    if !last.starts_with("ok") {
        anyhow::bail!("the running server could not read the audit log: {last}");
    }
    entries
        .iter()
        .map(|l| serde_json::from_str(l).map_err(anyhow::Error::from))
        .collect()
}
