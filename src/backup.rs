//! Backups: a consistent snapshot of the whole store in one file, taken while the server
//! runs, and `restore` into a fresh data directory.
//!
//! Consistency: the snapshot is written by a command on the store's single writer, so no
//! other command runs while the keys are read; the file holds exactly the state between two
//! commands. Personal data stays sealed (the file is as safe as the data directory; the key
//! file is backed up separately). Writes wait while a snapshot is taken (hundreds of
//! megabytes per second; a municipality's data is far smaller).
//!
//! A running server is asked through a Unix socket in its data directory
//! (`<data>/control.sock`, mode 0600: whoever may read the data directory may back it up);
//! without a running server, `lacznik backup` opens the directory itself.
//!
//! File format: `LACZNIK-BACKUP\n`, format version (u32 BE), then entries
//! `key length (u32 BE) ++ key ++ value length (u32 BE) ++ value`, then `u32::MAX`, the entry
//! count (u64 BE) and the SHA-256 of everything before it.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};

const MAGIC: &[u8] = b"LACZNIK-BACKUP\n";
const VERSION: u32 = 1;
const END: u32 = u32::MAX;

/// Backup and restore failures.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// File I/O.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a complete, intact backup.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The target data directory is not empty.
    #[error("{0} is not empty; restore only into a new data directory")]
    NotEmpty(String),
    /// The target database already holds lacznik data.
    #[error("the PostgreSQL database already holds lacznik data; restore only into an empty one")]
    DatabaseNotEmpty,
}

/// What a snapshot contained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Key-value entries.
    pub entries: u64,
    /// File size in bytes.
    pub bytes: u64,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a snapshot of `store` to `out` (via a temp file and a rename).
pub async fn snapshot(store: &Store, out: &Path) -> Result<Summary, BackupError> {
    let out = out.to_path_buf();
    let tmp = out.with_extension("partial");
    let tmp2 = tmp.clone();
    let result = store
        .execute(move |txn| {
            let run = || -> Result<Summary, BackupError> {
                let file = std::fs::File::create(&tmp2).map_err(io(&tmp2))?;
                let mut w = HashingWriter {
                    inner: BufWriter::new(file),
                    hash: Sha256::new(),
                    bytes: 0,
                };
                w.write_all(MAGIC).map_err(io(&tmp2))?;
                w.write_all(&VERSION.to_be_bytes()).map_err(io(&tmp2))?;
                let mut entries = 0u64;
                let mut start: Vec<u8> = Vec::new();
                let end = vec![0xFFu8; 80];
                loop {
                    let batch = txn.scan_committed(&start, &end, 4096)?;
                    let Some((last, _)) = batch.last() else {
                        break;
                    };
                    start = last.clone();
                    start.push(0);
                    for (k, v) in &batch {
                        let (kl, vl) = (u32::try_from(k.len()), u32::try_from(v.len()));
                        let (Ok(kl), Ok(vl)) = (kl, vl) else {
                            return Err(BackupError::Invalid("entry larger than 4 GiB".into()));
                        };
                        w.write_all(&kl.to_be_bytes()).map_err(io(&tmp2))?;
                        w.write_all(k).map_err(io(&tmp2))?;
                        w.write_all(&vl.to_be_bytes()).map_err(io(&tmp2))?;
                        w.write_all(v).map_err(io(&tmp2))?;
                        entries += 1;
                    }
                }
                w.write_all(&END.to_be_bytes()).map_err(io(&tmp2))?;
                w.write_all(&entries.to_be_bytes()).map_err(io(&tmp2))?;
                let digest = w.hash.clone().finalize();
                let bytes = w.bytes + 32;
                let mut inner = w.inner;
                inner.write_all(&digest).map_err(io(&tmp2))?;
                let file = inner.into_inner().map_err(|e| BackupError::Io {
                    path: tmp2.clone(),
                    source: e.into_error(),
                })?;
                file.sync_all().map_err(io(&tmp2))?;
                Ok(Summary { entries, bytes })
            };
            Ok::<_, StoreError>(run())
        })
        .await?;
    let summary = result?;
    std::fs::rename(&tmp, &out).map_err(io(&out))?;
    Ok(summary)
}

/// Reads a backup, checking its structure and checksum, calling `each` per entry.
fn read(
    path: &Path,
    mut each: impl FnMut(Vec<u8>, Vec<u8>) -> Result<(), BackupError>,
) -> Result<u64, BackupError> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut r = BufReader::new(file);
    let mut hash = Sha256::new();
    let take = |r: &mut BufReader<std::fs::File>,
                n: usize,
                hash: &mut Sha256|
     -> Result<Vec<u8>, BackupError> {
        let mut buf = vec![0u8; n];
        r.read_exact(&mut buf)
            .map_err(|_| BackupError::Invalid(format!("{}: truncated backup", path.display())))?;
        hash.update(&buf);
        Ok(buf)
    };
    if take(&mut r, MAGIC.len(), &mut hash)? != MAGIC {
        return Err(BackupError::Invalid(format!(
            "{} is not a lacznik backup",
            path.display()
        )));
    }
    let version = u32::from_be_bytes(take(&mut r, 4, &mut hash)?.try_into().unwrap_or([0; 4]));
    if version != VERSION {
        return Err(BackupError::Invalid(format!(
            "backup format {version} is not supported"
        )));
    }
    let mut count = 0u64;
    loop {
        let kl = u32::from_be_bytes(take(&mut r, 4, &mut hash)?.try_into().unwrap_or([0; 4]));
        if kl == END {
            break;
        }
        let k = take(&mut r, kl as usize, &mut hash)?;
        let vl = u32::from_be_bytes(take(&mut r, 4, &mut hash)?.try_into().unwrap_or([0; 4]));
        let v = take(&mut r, vl as usize, &mut hash)?;
        each(k, v)?;
        count += 1;
    }
    let recorded = u64::from_be_bytes(take(&mut r, 8, &mut hash)?.try_into().unwrap_or([0; 8]));
    let expected = hash.finalize();
    let mut digest = [0u8; 32];
    r.read_exact(&mut digest)
        .map_err(|_| BackupError::Invalid(format!("{}: truncated backup", path.display())))?;
    if digest[..] != expected[..] || recorded != count {
        return Err(BackupError::Invalid(format!(
            "{}: checksum mismatch: the backup is damaged",
            path.display()
        )));
    }
    Ok(count)
}

/// Checks a backup file without restoring it; returns its entry count.
pub fn verify(path: &Path) -> Result<u64, BackupError> {
    read(path, |_, _| Ok(()))
}

/// Restores a backup into a new (absent or empty) data directory.
pub async fn restore(
    from: &Path,
    data_dir: &Path,
    engine: crate::store::EngineKind,
) -> Result<u64, BackupError> {
    if data_dir.exists()
        && std::fs::read_dir(data_dir)
            .map_err(io(data_dir))?
            .next()
            .is_some()
    {
        return Err(BackupError::NotEmpty(data_dir.display().to_string()));
    }
    // Checked in full before anything is written.
    verify(from)?;
    let engine = crate::store::open_engine(
        data_dir,
        engine,
        64 << 20,
        std::time::Duration::from_secs(5),
    )?;
    fill(from, &*engine)
}

/// Restores a backup into the PostgreSQL database of `settings`, which must hold no
/// lacznik data (no node may run on it: the restore holds the node lock meanwhile).
pub fn restore_into_postgres(
    from: &Path,
    settings: &crate::store::postgres_engine::PgSettings,
) -> Result<u64, BackupError> {
    verify(from)?;
    let engine = crate::store::postgres_engine::PgEngine::open(settings)?;
    let everything = vec![0xFFu8; 80];
    if !crate::store::Engine::scan(&engine, &[], &everything, 1)?.is_empty() {
        return Err(BackupError::DatabaseNotEmpty);
    }
    fill(from, &engine)
}

/// Writes every entry of the (verified) backup `from` into `engine` and flushes.
fn fill(from: &Path, engine: &dyn crate::store::Engine) -> Result<u64, BackupError> {
    let mut batch = crate::store::WriteBatch::default();
    let count = read(from, |k, v| {
        batch.put(k, v);
        if batch.len() >= 4096 {
            engine.apply(std::mem::take(&mut batch))?;
            // Bounded memory: the postgres engine keeps queued batches until a flush.
            engine.flush()?;
        }
        Ok(())
    })?;
    engine.apply(batch)?;
    engine.flush()?;
    Ok(count)
}
