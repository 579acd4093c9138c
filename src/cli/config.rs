//! `lacznik config check`: validate a configuration before deploying it, and print what a
//! server started on it would serve (addresses, files, every certificate with its days
//! left, store, retention, organisations, the rules profile and the deadline rules).

use clap::Subcommand;

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub(super) enum ConfigCommand {
    /// Validate the configuration and its directory, and print what would be served.
    Check,
}

/// Loads the directory and the rule set the way the server would, so that their errors show
/// here rather than at start-up, and prints the summary.
pub(super) fn config_check(config: Config) -> anyhow::Result<()> {
    let directory = config.load_directory()?;
    let rules = config.rule_set()?;
    let tls = config.tls_paths();
    println!("listen       {}", config.listen);
    println!("data_dir     {}", config.data_dir.display());
    println!(
        "directory    {}",
        config
            .directory
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(built-in sample)".into())
    );
    println!("tls.ca       {}", tls.ca.display());
    println!("tls.cert     {}", tls.cert.display());
    println!("tls.key      {}", tls.key.display());
    if let Some(crl) = &tls.crl {
        let state = if crl.exists() {
            ""
        } else {
            " (absent: no revocations)"
        };
        println!("tls.crl      {}{state}", crl.display());
    }
    println!("dev_pki      {}", config.tls.dev_pki);
    let now = crate::pki::expiry::now_unix();
    let certificates = crate::pki::expiry::Inventory::read(&config.expiry_sources());
    println!(
        "certificates (days left by the real clock; the server warns 30, 7 and 1 days before):"
    );
    print!("{}", crate::pki::expiry::table(&certificates, now));
    let (rc, rk) = config.receipt_paths();
    match crate::receipt::Signer::load(&rc, &rk) {
        Ok(signer) => println!("receipts     {} ({})", signer.alg(), rk.display()),
        Err(_) if !rk.exists() => println!(
            "receipts     no key yet at {} (`lacznik certs init`, or tls.dev_pki at start)",
            rk.display()
        ),
        Err(e) => println!("receipts     not usable: {e}"),
    }
    println!("max_message  {} bytes", config.max_message_bytes);
    println!(
        "store        {} engine, {} MiB cache",
        config.store.engine, config.store.cache_mib
    );
    if config.store.engine == crate::store::EngineKind::Postgres {
        let pg = &config.store.postgres;
        let password = match (&pg.password_file, &pg.password_env) {
            (Some(f), _) => format!("password from {}", f.display()),
            (None, Some(v)) => format!("password from ${v}"),
            (None, None) => "no password (trust, peer or .pgpass)".into(),
        };
        println!(
            "postgres     {} ({password})",
            masked(pg.url.as_deref().unwrap_or_default())
        );
    }
    match config.retention.keep_closed_days {
        None => println!("retention    keep everything (retention.keep_closed_days unset)"),
        Some(days) => println!(
            "retention    closed cases kept {days} day(s); {}",
            match config.retention.purge_every_hours {
                Some(h) => format!("the server purges every {h} h"),
                None => "purged only by `lacznik purge`".to_string(),
            }
        ),
    }
    println!("organisations ({}):", directory.len());
    for org in directory.iter() {
        let gminas: Vec<String> = org.gminas.iter().map(|g| g.to_string()).collect();
        println!(
            "  {:<22} {:<19} {:<6} {:<24} {}",
            org.id.as_str(),
            org.kind.as_str(),
            if org.active { "active" } else { "SUSPENDED" },
            gminas.join(","),
            org.name
        );
    }
    println!(
        "rules profile {} ({}){}",
        rules.profile(),
        rules.profile().regulation(),
        if rules.overrides().is_empty() {
            String::new()
        } else {
            let ids: Vec<&str> = rules.overrides().keys().map(String::as_str).collect();
            format!("; overridden: {}", ids.join(", "))
        }
    );
    if let Some(caveat) = rules.profile().caveat() {
        println!("  caveat: {caveat}");
    }
    let disabled: Vec<&str> = rules
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.id.as_str())
        .collect();
    println!(
        "deadline rules: {} in force{}",
        rules.iter().filter(|r| r.enabled).count(),
        if disabled.is_empty() {
            String::new()
        } else {
            format!(", disabled: {}", disabled.join(", "))
        }
    );
    println!("configuration OK");
    Ok(())
}

/// A connection URL with any password in it replaced by `***` (it belongs in
/// `password_file`, and never on a terminal).
fn masked(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn a_password_in_the_url_is_never_printed() {
        assert_eq!(
            masked("postgresql://lacznik:sekret@db:5432/lacznik"),
            "postgresql://lacznik:***@db:5432/lacznik"
        );
        assert_eq!(
            masked("postgresql://lacznik@db/lacznik"),
            "postgresql://lacznik@db/lacznik"
        );
        assert_eq!(
            masked("host=/run/postgresql dbname=lacznik"),
            "host=/run/postgresql dbname=lacznik"
        );
    }

    #[test]
    fn the_postgres_engine_without_a_url_is_a_configuration_error() {
        let mut c = crate::config::Config::default();
        c.store.engine = crate::store::EngineKind::Postgres;
        let err = c.postgres().expect_err("no url");
        assert!(err.to_string().contains("store.postgres.url"), "{err}");
    }
}
