//! A small office without its own software keeps its proof with the CLI client:
//! `--receipts-dir` saves each receipt the server gives (change responses, the team's pull)
//! under a name that says what it proves, and `lacznik receipt verify --content` checks
//! that a receipt's content hash is that of the file the office sent; a changed file fails
//! with the two hashes and exit code 1.

use std::path::Path;

use crate::support::TestServer;
use crate::support::offline::lacznik;

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// `lacznik client --receipts-dir DIR ARGS` as `org`; its exit code and output.
fn client(s: &TestServer, org: &str, dir: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec![
        "client".to_string(),
        "--addr".into(),
        s.addr.to_string(),
        "--certs".into(),
        s.certs.display().to_string(),
        "--org".into(),
        org.into(),
        "--receipts-dir".into(),
        dir.display().to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    lacznik(dir, &all)
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jws"))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_client_keeps_receipts_and_verify_checks_the_content_sent() {
    let s = TestServer::start().await;
    let centre = tempfile::tempdir().unwrap();
    let sent = examples().join("assistance_request.json");
    let sent = sent.display().to_string();
    let (code, out) = client(
        &s,
        "mopr-torun",
        centre.path(),
        &["assistance", "submit", &sent],
    );
    assert_eq!(code, 0, "{out}");
    let kept = names(centre.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0].ends_with(".assistance_request.submitted.jws"),
        "{kept:?}"
    );
    let receipt = centre.path().join(&kept[0]).display().to_string();
    let ca = s.certs.join("ca.pem").display().to_string();
    let (code, out) = lacznik(
        centre.path(),
        &[
            "receipt",
            "verify",
            &receipt,
            "--ca",
            &ca,
            "--content",
            &sent,
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("matches content_sha256"), "{out}");
    assert!(
        out.contains("member `content`"),
        "the request file holds it: {out}"
    );

    // The same request with one changed word is not what the receipt proves.
    let text = std::fs::read_to_string(&sent).unwrap();
    let changed = centre.path().join("changed.json");
    std::fs::write(&changed, text.replacen("Szeroka", "Wąska", 1)).unwrap();
    let changed = changed.display().to_string();
    let (code, out) = lacznik(
        centre.path(),
        &[
            "receipt",
            "verify",
            &receipt,
            "--ca",
            &ca,
            "--content",
            &changed,
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("content does not match"), "{out}");

    // A Blue Card: the police keep the submission's receipt, the team the same one from
    // its pull (one file, one name), then its acknowledgement's.
    let police = tempfile::tempdir().unwrap();
    let card = examples().join("blue_card.json").display().to_string();
    let (code, out) = client(
        &s,
        "kp-lazy",
        police.path(),
        &["--json", "bluecard", "submit", &card],
    );
    assert_eq!(code, 0, "{out}");
    let card_id = serde_json::from_str::<serde_json::Value>(&out).expect("JSON")["card_id"]
        .as_str()
        .expect("card_id")
        .to_string();
    let team = tempfile::tempdir().unwrap();
    let (code, out) = client(&s, "zi-lazy", team.path(), &["bluecard", "pull"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(names(team.path()), names(police.path()));
    let (code, out) = client(&s, "zi-lazy", team.path(), &["bluecard", "ack", &card_id]);
    assert_eq!(code, 0, "{out}");
    let kinds: Vec<String> = names(team.path())
        .iter()
        .map(|n| n.splitn(3, '.').nth(2).unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        vec!["blue_card.submitted.jws", "blue_card.acknowledged.jws"]
    );
    let mut args = vec![
        "receipt".to_string(),
        "verify".into(),
        "--ca".into(),
        ca.clone(),
    ];
    args.extend(
        names(team.path())
            .iter()
            .map(|n| team.path().join(n).display().to_string()),
    );
    args.extend(["--content".into(), card.clone()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out) = lacznik(team.path(), &args);
    assert_eq!(code, 0, "both prove the form the police sent: {out}");
}
