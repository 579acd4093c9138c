//! `--receipts-dir DIR`: the client keeps every receipt the server gives it (change
//! responses, the police stream, Blue Card pulls, breach events), so a small office without
//! its own software holds its proof (README, "Receipts and evidence"). Each receipt is one
//! file, `DIR/<case id>.<audit position>.<event kind>.jws`: one case's receipts sort
//! together in log order, the name says what it proves, and `lacznik audit verify
//! --receipts DIR` and `lacznik receipt verify DIR/*.jws` read the directory as it is. A
//! receipt is written before the stream's cursor moves past its event, through a temporary
//! file and a rename, so a crash never leaves half a receipt.

use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine as _;
use serde_json::Value;

/// Where receipts go (nowhere without `--receipts-dir`).
#[derive(Debug, Clone, Default)]
pub struct Keeper {
    dir: Option<PathBuf>,
}

impl Keeper {
    /// A keeper writing into `dir` (created if missing), or doing nothing.
    pub fn new(dir: Option<&Path>) -> anyhow::Result<Keeper> {
        if let Some(d) = dir {
            std::fs::create_dir_all(d).with_context(|| format!("{}", d.display()))?;
        }
        Ok(Keeper {
            dir: dir.map(Path::to_path_buf),
        })
    }

    /// Saves every receipt in a response or event (any `receipt` member, at any depth:
    /// a pull holds one per card).
    pub fn keep(&self, response: &Value) -> anyhow::Result<()> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        let mut found = Vec::new();
        collect(response, &mut found);
        for jws in found {
            save(dir, jws)?;
        }
        Ok(())
    }
}

fn collect<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::String(s) if k == "receipt" && !s.is_empty() => out.push(s),
                    _ => collect(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        _ => {}
    }
}

/// The file name of a receipt, from its (unverified) payload: the server's own receipt
/// needs no check to be named; `receipt verify` checks it.
pub fn file_name(jws: &str) -> anyhow::Result<String> {
    let part = jws
        .split('.')
        .nth(1)
        .context("a receipt that is not a compact JWS")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .context("a receipt whose payload is not base64url")?;
    let p: crate::receipt::Payload =
        serde_json::from_slice(&bytes).context("a receipt whose payload is not one")?;
    let safe = |s: &str| {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    Ok(format!(
        "{}.{:012}.{}.jws",
        safe(&p.case_id),
        p.audit_seq,
        safe(&p.event_kind)
    ))
}

fn save(dir: &Path, jws: &str) -> anyhow::Result<()> {
    let path = dir.join(file_name(jws)?);
    let tmp = path.with_extension("jws.tmp");
    std::fs::write(&tmp, jws).with_context(|| format!("{}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("{}", path.display()))
}
