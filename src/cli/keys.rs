//! `lacznik keys rotate`: replace the data key (encryption at rest) and re-encrypt every
//! record, in an order that leaves all data readable if the rotation is interrupted.

use std::path::PathBuf;

use clap::Subcommand;

use super::block_on;
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub(super) enum KeysCommand {
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

/// Runs one `keys` command (the server must be stopped).
pub(super) fn keys(config: Config, command: KeysCommand) -> anyhow::Result<()> {
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
