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
    /// With `--receipts` and `--checkpoint` (offline, server stopped): prove that every
    /// receipt's audit position still holds the hash it cites and the chain leads from
    /// there to the signed checkpoint, which a rewritten log cannot.
    Verify {
        /// Data directory (default: the configured one).
        #[arg(long)]
        data: Option<PathBuf>,
        /// A directory of receipt files (compact JWS, one per file) held by a party.
        #[arg(long, requires = "checkpoint")]
        receipts: Option<PathBuf>,
        /// A signed audit checkpoint file (from GetAuditCheckpoint).
        #[arg(long, requires = "receipts")]
        checkpoint: Option<PathBuf>,
        /// The CA certificate receipts and checkpoint must chain to.
        #[arg(long, default_value = "certs/ca.pem")]
        ca: PathBuf,
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
        AuditCommand::Verify {
            data,
            receipts: Some(receipts),
            checkpoint: Some(checkpoint),
            ca,
        } => {
            let dir = data.unwrap_or(config.data_dir);
            evidence(&dir, &receipts, &checkpoint, &ca, ring)
        }
        AuditCommand::Verify { data, .. } => {
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
                "{:>8}  {:<30}  {:<22}  {:<30}  {:<8}  {:<16}  outcome",
                "seq", "time", "organisation", "rpc", "channel", "certificate"
            );
            for e in &entries {
                // The first 16 hex digits name a certificate well enough on screen; the
                // JSON of the control socket and the store keep all 64.
                let cert = e.certificate.get(..16).unwrap_or(&e.certificate);
                println!(
                    "{:>8}  {:<30}  {:<22}  {:<30}  {:<8}  {:<16}  {}",
                    e.seq,
                    e.at.to_string(),
                    e.org,
                    e.rpc,
                    if e.channel.is_empty() {
                        "-"
                    } else {
                        &e.channel
                    },
                    if cert.is_empty() { "-" } else { cert },
                    e.outcome,
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

/// `audit verify --receipts DIR --checkpoint FILE`: the evidence check, offline.
fn evidence(
    dir: &std::path::Path,
    receipts: &std::path::Path,
    checkpoint: &std::path::Path,
    ca: &std::path::Path,
    ring: std::sync::Arc<crate::crypto::KeyRing>,
) -> anyhow::Result<()> {
    use crate::receipt::evidence::{Finding, check};
    let read =
        |p: &std::path::Path| std::fs::read(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()));
    let ca_pem = read(ca)?;
    let cp_text = String::from_utf8(read(checkpoint)?)?;
    let cp = crate::receipt::checkpoint::verify(&cp_text, &ca_pem)
        .map_err(|e| anyhow::anyhow!("{}: {e}", checkpoint.display()))?;
    let mut files: Vec<_> = std::fs::read_dir(receipts)
        .map_err(|e| anyhow::anyhow!("{}: {e}", receipts.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "jws"))
        .collect();
    files.sort();
    let mut held = Vec::new();
    for f in &files {
        let text = String::from_utf8(read(f)?)?;
        let v = crate::receipt::verify(&text, &ca_pem)
            .map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        held.push((f.display().to_string(), v.payload));
    }
    let finding = block_on(async {
        let store = crate::offline::open(dir, ring)?;
        let f = check(&store, &held, &cp);
        let _ = store.close().await;
        anyhow::Ok(f?)
    })??;
    match finding {
        Finding::Consistent { receipts, entries } => {
            println!(
                "evidence consistent: {receipts} receipt(s) and the checkpoint of {entries} entries ({}) agree with the audit log",
                cp.signed_time
            );
            Ok(())
        }
        Finding::Contradicted(why) => {
            println!("evidence CONTRADICTS the audit log: {why}");
            std::process::exit(1);
        }
    }
}
