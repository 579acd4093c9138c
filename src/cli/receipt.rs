//! `lacznik receipt verify FILE... --ca CA.pem [--content FILE] [--json]`: checks receipts
//! offline, as any
//! party holding them would (the work is in [`crate::receipt::verify`]), and prints what
//! each proves; any failure is named precisely and makes the exit code 1.

use std::path::PathBuf;

use clap::Subcommand;

use crate::receipt;

#[derive(Debug, Subcommand)]
pub(super) enum ReceiptCommand {
    /// Verify receipts (compact JWS files): signature, chain to the CA, signing-only usage.
    Verify {
        /// Receipt files, one compact JWS each.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The CA certificate (PEM) the receipt's chain must lead to.
        #[arg(long, default_value = "certs/ca.pem")]
        ca: PathBuf,
        /// Print the results as JSON (one object per file) instead of a table.
        #[arg(long)]
        json: bool,
        /// The content the receipt's `content_sha256` must match: protobuf JSON or binary
        /// of the message its event hashes (README, "Receipts and evidence"), or JSON
        /// holding it (e.g. the request sent, with its `content`).
        #[arg(long)]
        content: Option<PathBuf>,
    },
}

/// The message a receipt's content hash is over, by event kind, and the member that
/// holds it in requests and responses.
pub fn content_message(event_kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match event_kind {
        k if k.starts_with("assistance_request.") => {
            ("lacznik.v1.AssistanceRequestContent", "content")
        }
        "blue_card.submitted" | "blue_card.acknowledged" => {
            ("lacznik.v1.BlueCardAContent", "content")
        }
        "blue_card.forwarded" => ("lacznik.v1.Forwarding", "forwarding"),
        "procedure.step" => ("lacznik.v1.ProcedureStep", "step"),
        "procedure.closed" => ("lacznik.v1.Closure", "closure"),
        k if k.starts_with("breach.") => ("lacznik.v1.Breach", "breach"),
        _ => return None,
    })
}

/// Checks that `content` hashes to the receipt's `content_sha256`; says what was hashed.
fn check_content(p: &receipt::Payload, content: &std::path::Path) -> Result<String, String> {
    let (name, member) = content_message(&p.event_kind)
        .ok_or_else(|| format!("no content is known for event kind {}", p.event_kind))?;
    let bytes = std::fs::read(content).map_err(|e| format!("{}: {e}", content.display()))?;
    let (canonical, what) = crate::client::json::canonical(name, member, &bytes)
        .map_err(|e| format!("{}: {e}", content.display()))?;
    let hash = receipt::payload::content_sha256(&canonical);
    if hash == p.content_sha256 {
        Ok(format!(
            "{} ({what}) matches content_sha256",
            content.display()
        ))
    } else {
        Err(format!(
            "content does not match: {} ({what}) hashes to {hash}, the receipt says {}",
            content.display(),
            p.content_sha256
        ))
    }
}

/// Runs one `receipt` command; `Ok(false)` when a receipt did not verify.
pub(super) fn receipt(command: ReceiptCommand) -> anyhow::Result<bool> {
    let ReceiptCommand::Verify {
        files,
        ca,
        json,
        content,
    } = command;
    let ca_pem = std::fs::read(&ca).map_err(|e| anyhow::anyhow!("{}: {e}", ca.display()))?;
    let mut all_ok = true;
    let mut out = Vec::new();
    for file in &files {
        let result = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|text| receipt::verify(&text, &ca_pem).map_err(|e| e.to_string()))
            .and_then(|v| match &content {
                Some(c) => check_content(&v.payload, c).map(|m| (v, Some(m))),
                None => Ok((v, None)),
            });
        all_ok &= result.is_ok();
        if json {
            out.push(match &result {
                Ok((v, matched)) => serde_json::json!({
                    "file": file.display().to_string(),
                    "ok": true,
                    "signer": v.signer,
                    "signer_serial": v.signer_serial,
                    "payload": v.payload,
                    "content": matched,
                }),
                Err(e) => serde_json::json!({
                    "file": file.display().to_string(),
                    "ok": false,
                    "error": e,
                }),
            });
            continue;
        }
        match result {
            Ok((v, matched)) => {
                println!(
                    "{}: OK, signed by {} (serial {})",
                    file.display(),
                    v.signer,
                    v.signer_serial
                );
                let p = &v.payload;
                for (k, val) in [
                    ("receipt_id", p.receipt_id.clone()),
                    ("format_version", p.format_version.to_string()),
                    ("event_kind", p.event_kind.clone()),
                    ("case_kind", p.case_kind.clone()),
                    ("case_id", p.case_id.clone()),
                    ("record_version", p.record_version.to_string()),
                    ("actor", p.actor.clone()),
                    (
                        "counterparty",
                        p.counterparty.clone().unwrap_or_else(|| "-".into()),
                    ),
                    ("event_time", p.event_time.clone()),
                    ("content_sha256", p.content_sha256.clone()),
                    ("audit_seq", p.audit_seq.to_string()),
                    ("audit_hash", p.audit_hash.clone()),
                ] {
                    println!("  {k:<15} {val}");
                }
                if p.simulated_clock {
                    println!(
                        "  simulated_clock true: made on a training server's simulated clock; proves no real event"
                    );
                }
                if let Some(m) = matched {
                    println!("  content         {m}");
                }
            }
            Err(e) => println!("{}: FAILED: {e}", file.display()),
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(all_ok)
}
