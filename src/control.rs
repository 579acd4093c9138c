//! The data directory's control socket (`control.sock`, mode 0600, only the server's own
//! user reaches it): offline commands that would otherwise need the server stopped ask the
//! running server instead, so an auditor's question or a backup never means stopping the
//! service police dispatch depends on.
//!
//! Protocol: one request line, answered by lines and a final `ok ...` or `error ...`:
//! - `backup <path>` -> `ok <entries> <bytes>` (a consistent snapshot, `backup`);
//! - `audit-verify` -> `ok intact <entries>` or `ok broken <seq> <reason>` (the chain up
//!   to the head read first; entries appended meanwhile are left for the next run);
//! - `audit-show <case id>` -> one JSON line per entry, then `ok <count>`.

use std::path::{Path, PathBuf};

use crate::audit::{self, Verdict};
use crate::store::Store;

/// Path of a data directory's control socket.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("control.sock")
}

/// Serves control requests on the data directory's socket until shutdown.
#[cfg(unix)]
pub async fn serve(store: Store, data_dir: PathBuf, mut stop: crate::shutdown::Shutdown) {
    use std::os::unix::fs::PermissionsExt;
    let path = socket_path(&data_dir);
    let _ = std::fs::remove_file(&path);
    let listener = match tokio::net::UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, path = %path.display(), "control socket unavailable; online backups and audits disabled");
            return;
        }
    };
    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    loop {
        let stream = tokio::select! {
            _ = stop.recv() => break,
            r = listener.accept() => match r { Ok((s, _)) => s, Err(_) => continue },
        };
        tokio::spawn(answer(store.clone(), stream));
    }
    let _ = std::fs::remove_file(&path);
}

#[cfg(unix)]
async fn answer(store: Store, stream: tokio::net::UnixStream) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = tokio::io::BufReader::new(read);
    if reader.read_line(&mut line).await.is_err() {
        return;
    }
    let reply = respond(store, line.trim()).await;
    let _ = write.write_all(reply.as_bytes()).await;
}

/// The reply to one request line, final `ok ...` / `error ...` line included.
async fn respond(store: Store, line: &str) -> String {
    if let Some(target) = line.strip_prefix("backup ") {
        return match crate::backup::snapshot(&store, Path::new(target)).await {
            Ok(s) => {
                tracing::info!(
                    entries = s.entries,
                    bytes = s.bytes,
                    "online backup written"
                );
                format!("ok {} {}\n", s.entries, s.bytes)
            }
            Err(e) => format!("error {e}\n"),
        };
    }
    if line == "audit-verify" {
        return match tokio::task::spawn_blocking(move || audit::verify_live(&store)).await {
            Ok(Ok(Verdict::Intact { entries })) => format!("ok intact {entries}\n"),
            Ok(Ok(Verdict::Broken { seq, reason })) => format!("ok broken {seq} {reason}\n"),
            Ok(Err(e)) => format!("error {e}\n"),
            Err(e) => format!("error {e}\n"),
        };
    }
    if let Some(case) = line.strip_prefix("audit-show ") {
        let case = case.trim().to_lowercase();
        let entries = match tokio::task::spawn_blocking(move || audit::of_case(&store, &case)).await
        {
            Ok(Ok(entries)) => entries,
            Ok(Err(e)) => return format!("error {e}\n"),
            Err(e) => return format!("error {e}\n"),
        };
        let mut out = String::new();
        for e in &entries {
            match serde_json::to_string(e) {
                Ok(j) => {
                    out.push_str(&j);
                    out.push('\n');
                }
                Err(e) => return format!("error {e}\n"),
            }
        }
        out.push_str(&format!("ok {}\n", entries.len()));
        return out;
    }
    "error unknown command\n".to_string()
}

/// Sends `request` to the server running on `data_dir`, if one is: its reply lines (the
/// last one `ok ...` or `error ...`), or `None` when no server listens there.
pub async fn ask(data_dir: &Path, request: &str) -> Option<std::io::Result<Vec<String>>> {
    #[cfg(unix)]
    {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
        let stream = tokio::net::UnixStream::connect(socket_path(data_dir))
            .await
            .ok()?;
        let exchange = async {
            let (read, mut write) = stream.into_split();
            write.write_all(format!("{request}\n").as_bytes()).await?;
            let mut lines = tokio::io::BufReader::new(read).lines();
            let mut out = Vec::new();
            while let Some(l) = lines.next_line().await? {
                let last = l.starts_with("ok") || l.starts_with("error");
                out.push(l);
                if last {
                    break;
                }
            }
            Ok(out)
        };
        Some(exchange.await)
    }
    #[cfg(not(unix))]
    {
        let _ = (data_dir, request);
        None
    }
}

/// `lacznik backup`: asks the server running on `data_dir` for a consistent snapshot, or,
/// with no server running, snapshots the directory itself (no data key needed: values are
/// copied sealed).
pub async fn backup(
    data_dir: &Path,
    out: &Path,
) -> Result<crate::backup::Summary, crate::backup::BackupError> {
    use crate::backup::{BackupError, Summary};
    let io = |source| BackupError::Io {
        path: out.to_path_buf(),
        source,
    };
    let out = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir().map_err(io)?.join(out)
    };
    if let Some(lines) = ask(data_dir, &format!("backup {}", out.display())).await {
        let lines = lines.map_err(|source| BackupError::Io {
            path: out.clone(),
            source,
        })?;
        let last = lines.last().cloned().unwrap_or_default();
        let mut parts = last.split_whitespace();
        return match parts.next() {
            Some("ok") => {
                let entries = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
                let bytes = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
                Ok(Summary { entries, bytes })
            }
            _ => Err(BackupError::Invalid(format!(
                "server refused: {}",
                last.trim()
            ))),
        };
    }
    let store = crate::offline::open(
        data_dir,
        std::sync::Arc::new(crate::crypto::KeyRing::generate()),
    )
    .map_err(|e| BackupError::Invalid(e.to_string()))?;
    let s = crate::backup::snapshot(&store, &out).await;
    let _ = store.close().await;
    s
}
