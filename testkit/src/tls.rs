//! TLS on a throwaway cluster, for tests of clients that must verify the database: the
//! test makes the certificate (with its own CA), the cluster serves it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;

use crate::PgCluster;
use crate::error::{PgError, io_err};
use crate::privilege::hand_over;

impl PgCluster {
    /// Turns TLS on with this certificate chain and key (PEM) and restarts the server;
    /// plain connections are still accepted (trust authentication), so a test can check
    /// that its client really uses TLS (`pg_stat_ssl`).
    pub fn enable_tls(&mut self, cert_pem: &str, key_pem: &str) -> Result<(), PgError> {
        let cert = self.data_dir.join("server.crt");
        let key = self.data_dir.join("server.key");
        fs::write(&cert, cert_pem).map_err(io_err(format!("write {}", cert.display())))?;
        fs::write(&key, key_pem).map_err(io_err(format!("write {}", key.display())))?;
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600))
            .map_err(io_err(format!("chmod {}", key.display())))?;
        if let Some(user) = self.run_as {
            hand_over(user, &[&cert, &key])?;
        }
        let conf = self.data_dir.join("postgresql.conf");
        fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .and_then(|mut f| {
                f.write_all(
                    b"\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
                )
            })
            .map_err(io_err(format!("append to {}", conf.display())))?;
        self.restart()
    }
}
