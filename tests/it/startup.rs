//! Start-up errors are documented and name what to fix: a bad directory stops the server
//! before it listens, with the gmina and the organisation ids in the message.

use std::path::Path;
use std::process::Command;

use crate::support::offline;

/// Runs `lacznik ARGS` in `dir`: whether it succeeded, and what it printed.
fn lacznik(dir: &Path, args: &[&str]) -> (bool, String) {
    let (code, text) = offline::lacznik(dir, args);
    (code == 0, text)
}

fn with_directory(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("directory.toml"), toml).unwrap();
    std::fs::write(
        dir.path().join("lacznik.toml"),
        "directory = \"directory.toml\"\nlisten = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    dir
}

const TWO_POLICE: &str = r#"
[[organization]]
id = "mopr-torun"
name = "MOPR Toruń"
kind = "welfare_centre"
gminas = ["0463011"]

[[organization]]
id = "kmp-torun"
name = "KMP Toruń"
kind = "police_unit"
gminas = ["0463011"]

[[organization]]
id = "kp-torun-2"
name = "Another police unit"
kind = "police_unit"
gminas = ["0463011"]

[[organization]]
id = "zi-torun"
name = "ZI Toruń"
kind = "team"
gminas = ["0463011"]
"#;

#[test]
fn two_police_units_for_one_gmina_is_a_startup_error_naming_both() {
    let dir = with_directory(TWO_POLICE);
    for args in [&["config", "check"][..], &["serve"][..]] {
        let (ok, text) = lacznik(dir.path(), args);
        assert!(!ok, "{args:?} must fail: {text}");
        assert!(text.contains("0463011"), "{text}");
        assert!(
            text.contains("kmp-torun") && text.contains("kp-torun-2"),
            "{text}"
        );
    }
    // `serve` failed before generating anything or opening a store.
    assert!(!dir.path().join("data").exists());
}

#[test]
fn a_welfare_centre_without_police_or_team_is_a_startup_error() {
    let dir = with_directory(
        r#"
[[organization]]
id = "mgops-lazy"
name = "MGOPS Łazy"
kind = "welfare_centre"
gminas = ["2416053"]
"#,
    );
    let (ok, text) = lacznik(dir.path(), &["config", "check"]);
    assert!(!ok);
    assert!(
        text.contains("mgops-lazy") && text.contains("2416053"),
        "{text}"
    );
    assert!(text.contains("police"), "{text}");
    assert!(text.contains("team"), "{text}");
}

#[test]
fn an_invalid_teryt_code_and_an_unknown_kind_are_reported() {
    let dir = with_directory(
        r#"
[[organization]]
id = "x"
name = "X"
kind = "welfare_centre"
gminas = ["0163011"]
"#,
    );
    let (ok, text) = lacznik(dir.path(), &["config", "check"]);
    assert!(!ok);
    assert!(
        text.contains("0163011") || text.contains("voivodeship"),
        "{text}"
    );

    let dir = with_directory(
        r#"
[[organization]]
id = "x"
name = "X"
kind = "fire_brigade"
gminas = []
"#,
    );
    let (ok, text) = lacznik(dir.path(), &["config", "check"]);
    assert!(!ok);
    assert!(text.contains("fire_brigade"), "{text}");
}

#[test]
fn config_check_prints_what_it_would_serve() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = lacznik(dir.path(), &["config", "check"]);
    assert!(ok, "{text}");
    assert!(text.contains("(built-in sample)"), "{text}");
    assert!(text.contains("kmp-torun"), "{text}");
    assert!(text.contains("configuration OK"), "{text}");
}

#[test]
fn environment_variables_override_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lacznik.toml"),
        "data_dir = \"from-file\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lacznik"))
        .args(["config", "check"])
        .current_dir(dir.path())
        .env("LACZNIK_DATA_DIR", "from-env")
        .env("LACZNIK_TLS__DEV_PKI", "false")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("from-env"), "{text}");
    assert!(text.contains("dev_pki      false"), "{text}");
}

#[test]
fn an_unknown_config_key_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lacznik.toml"), "lissten = \"x\"\n").unwrap();
    let (ok, text) = lacznik(dir.path(), &["config", "check"]);
    assert!(!ok);
    assert!(text.contains("lissten"), "{text}");
}

#[test]
fn a_console_address_that_is_not_one_is_an_error_and_an_empty_one_turns_it_off() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lacznik.toml"),
        "[console]\nlisten = \"nonsense\"\n",
    )
    .unwrap();
    let (ok, text) = lacznik(dir.path(), &["config", "check"]);
    assert!(!ok);
    assert!(
        text.contains("console.listen") && text.contains("empty string turns the console off"),
        "{text}"
    );
    std::fs::write(
        dir.path().join("lacznik.toml"),
        "[console]\nlisten = \"\"\n",
    )
    .unwrap();
    let (ok, text) = lacznik(dir.path(), &["config", "check"]);
    assert!(ok, "{text}");
}

#[test]
fn certs_init_issue_and_revoke_write_the_documented_layout() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = lacznik(dir.path(), &["certs", "init"]);
    assert!(ok, "{text}");
    for f in [
        "ca.pem",
        "ca.key",
        "server.pem",
        "server.key",
        "kmp-torun.pem",
        "kmp-torun.key",
    ] {
        assert!(dir.path().join("certs").join(f).exists(), "{f} missing");
    }
    let before = std::fs::read_to_string(dir.path().join("certs/kmp-torun.pem")).unwrap();
    let (ok, _) = lacznik(dir.path(), &["certs", "init"]);
    assert!(ok);
    let after = std::fs::read_to_string(dir.path().join("certs/kmp-torun.pem")).unwrap();
    assert_eq!(before, after, "init keeps existing certificates");

    let (ok, text) = lacznik(dir.path(), &["certs", "issue", "--org", "ops-new"]);
    assert!(ok, "{text}");
    assert!(dir.path().join("certs/ops-new.pem").exists());
    let (ok, text) = lacznik(dir.path(), &["certs", "revoke", "--org", "ops-new"]);
    assert!(ok, "{text}");
    assert!(dir.path().join("certs/crl.pem").exists());
    let (ok, text) = lacznik(dir.path(), &["certs", "issue", "--org", "Bad_Id"]);
    assert!(!ok, "{text}");
}

#[test]
fn rules_prints_the_rules_in_force_with_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, text) = lacznik(dir.path(), &["rules"]);
    assert!(ok, "{text}");
    assert!(text.contains("bluecard.to_chair"), "{text}");
    assert!(text.contains("Rozp. RM 2011 § 7 ust. 1"), "{text}");
    assert!(text.contains("3 calendar days after"), "{text}");

    std::fs::write(
        dir.path().join("lacznik.toml"),
        "[rules.\"bluecard.forward\"]\nunit = \"working_days\"\n\n[rules.\"assistance.receipt\"]\nenabled = false\n",
    )
    .unwrap();
    let (ok, text) = lacznik(dir.path(), &["rules"]);
    assert!(ok, "{text}");
    assert!(text.contains("3 working days after"), "{text}");
    assert!(text.contains("assistance.receipt  [DISABLED]"), "{text}");

    std::fs::write(
        dir.path().join("lacznik.toml"),
        "[rules.\"no.such\"]\nlength = 2\n",
    )
    .unwrap();
    let (ok, text) = lacznik(dir.path(), &["rules"]);
    assert!(!ok);
    assert!(text.contains("no.such"), "{text}");
}

#[test]
fn non_configuration_lacznik_variables_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lacznik"))
        .args(["config", "check"])
        .current_dir(dir.path())
        .env("LACZNIK_PYTHON", "/usr/bin/python3")
        .env("LACZNIK_CONFIG", dir.path().join("absent.toml"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // LACZNIK_CONFIG names a file that must exist; LACZNIK_PYTHON is ignored.
    assert!(!text.contains("python"), "{text}");
    assert!(text.contains("absent.toml"), "{text}");
}

/// The start log names the address it listens on as an address (it printed
/// `addr=Some(127.0.0.1:50051)` once), and the data directory and engine beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_log_names_the_listening_address_plainly() {
    use crate::support::node::{Node, read};
    let tmp = tempfile::tempdir().unwrap();
    let mut node = Node::new(tmp.path(), tmp.path().join("data"), "mopr-torun");
    node.env = vec![
        ("RUST_LOG".into(), "info".into()),
        ("NO_COLOR".into(), "1".into()),
    ];
    let (mut server, log) = node.spawn(jiff::Timestamp::from_second(1_796_112_000).unwrap());
    node.wait_serving(&mut server, &log).await;
    let text = read(&log);
    let line = text
        .lines()
        .find(|l| l.contains("serving (mutual TLS only)"))
        .unwrap_or_else(|| panic!("no start line in:\n{text}"));
    // Strip colour codes, whatever the terminal detection decided.
    let mut parts = line.split('\u{1b}');
    let mut plain = parts.next().unwrap_or_default().to_string();
    for part in parts {
        plain.push_str(part.split_once('m').map_or(part, |(_, rest)| rest));
    }
    assert!(plain.contains(&format!("addr={}", node.addr())), "{plain}");
    assert!(!plain.contains("Some("), "{plain}");
    assert!(plain.contains("engine=fjall"), "{plain}");
}
