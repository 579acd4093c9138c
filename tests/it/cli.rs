//! The client CLI, run as a process against a real server: the whole police-assistance
//! walk with the example files, a Blue Card, breaches, the clock, tables and JSON output,
//! and errors printed with their field violations and a non-zero exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::TestServer;
use crate::support::fixtures::t;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

struct Cli<'a> {
    server: &'a TestServer,
    cwd: &'a Path,
}

impl Cli<'_> {
    fn run(&self, org: &str, args: &[&str]) -> (i32, String, String) {
        let addr = self.server.addr.to_string();
        let certs = self.server.certs.display().to_string();
        let mut all = vec!["client", "--addr", &addr, "--certs", &certs, "--org", org];
        all.extend_from_slice(args);
        let out = Command::new(env!("CARGO_BIN_EXE_lacznik"))
            .args(&all)
            .current_dir(self.cwd)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    }

    fn ok(&self, org: &str, args: &[&str]) -> String {
        let (code, out, err) = self.run(org, args);
        assert_eq!(code, 0, "{args:?}\n{out}\n{err}");
        out
    }

    fn json(&self, org: &str, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(org, &a)).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_walks_a_request_and_a_card_with_the_example_files() {
    let server = TestServer::simulated(t("2026-11-23T10:00:00Z")).await;
    let scratch = tempfile::tempdir().unwrap();
    let cli = Cli {
        server: &server,
        cwd: scratch.path(),
    };
    let ex = |f: &str| examples().join(f).display().to_string();

    let me = cli.ok("mopr-torun", &["whoami"]);
    assert!(
        me.contains("id: mopr-torun") && me.contains("kind: WELFARE_CENTRE"),
        "{me}"
    );
    let orgs = cli.ok("mopr-torun", &["orgs"]);
    assert!(
        orgs.starts_with("ID") && orgs.contains("kmp-torun") && orgs.contains("POLICE_UNIT"),
        "{orgs}"
    );

    // Submit, watch it arrive as the police unit, acknowledge, file the note.
    let submitted = cli.json(
        "mopr-torun",
        &["assistance", "submit", &ex("assistance_request.json")],
    );
    let id = submitted["request_id"].as_str().unwrap().to_string();
    assert_eq!(submitted["state"], "ASSISTANCE_REQUEST_STATE_SUBMITTED");
    let watched = cli.ok("kmp-torun", &["assistance", "watch", "--count", "1"]);
    assert!(
        watched.contains("NEW") && watched.contains(&id),
        "{watched}"
    );
    // The saved cursor names this store and the first event (`<store id>:1`).
    let saved = std::fs::read_to_string(scratch.path().join("assistance.cursor")).unwrap();
    let (store, seq) = saved.split_once(':').expect("<store id>:<seq>");
    assert_eq!((store.len(), seq), (16, "1"), "{saved}");
    cli.ok("kmp-torun", &["assistance", "ack", &id, "received"]);
    let accepted = cli.ok("kmp-torun", &["assistance", "ack", &id, "accepted"]);
    assert!(accepted.contains("state: ACCEPTED"), "{accepted}");
    let listed = cli.ok("kmp-torun", &["assistance", "list", "--state", "accepted"]);
    assert!(listed.contains(&id), "{listed}");
    // The visit is in 2030: move the simulated clock past it.
    let moved = cli.ok("lacznik-admin", &["admin", "advance", "1300d"]);
    assert!(moved.contains("now: 2030-"), "{moved}");
    let done = cli.ok(
        "kmp-torun",
        &["assistance", "note", &id, &ex("service_note.json")],
    );
    assert!(done.contains("state: COMPLETED"), "{done}");
    let history = cli.json("mopr-torun", &["assistance", "get", &id]);
    let actions: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["submitted", "received", "accepted", "service_note"]
    );

    // A Blue Card through the chair's inbox.
    let card = cli.json("kp-lazy", &["bluecard", "submit", &ex("blue_card.json")]);
    let card_id = card["card_id"].as_str().unwrap().to_string();
    let inbox = cli.ok("zi-lazy", &["bluecard", "pull"]);
    assert!(inbox.contains(&card_id), "{inbox}");
    cli.ok("zi-lazy", &["bluecard", "ack", &card_id]);
    let fwd = cli.ok(
        "zi-lazy",
        &[
            "bluecard",
            "forward",
            &card_id,
            "--to",
            "working-group",
            "--recipients",
            "grupa robocza 3",
        ],
    );
    assert!(fwd.contains("state: FORWARDED"), "{fwd}");
    let procedure = card["procedure_id"].as_str().unwrap().to_string();
    let close = std::fs::read_to_string(examples().join("close_procedure.json"))
        .unwrap()
        .replace("REPLACE-WITH-THE-PROCEDURE-ID", &procedure);
    std::fs::write(scratch.path().join("close.json"), close).unwrap();
    let closed = cli.json("zi-lazy", &["bluecard", "close", "close.json"]);
    assert_eq!(closed["state"], "PROCEDURE_STATE_CLOSED");

    // The card arrived years after the form was filled in: a § 7 ust. 1 breach for the
    // supervisor of Łazy.
    let breaches = cli.ok("suw-katowice", &["breaches", "list"]);
    assert!(
        breaches.contains("bluecard.to_chair") && breaches.contains(&card_id),
        "{breaches}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_printed_with_field_violations_and_a_non_zero_exit_code() {
    let server = TestServer::simulated(t("2026-11-23T10:00:00Z")).await;
    let scratch = tempfile::tempdir().unwrap();
    let cli = Cli {
        server: &server,
        cwd: scratch.path(),
    };
    std::fs::write(
        scratch.path().join("bad.json"),
        r#"{"urgency": "URGENCY_NORMAL", "content": {"address": {"gmina_teryt": "0463019"}}}"#,
    )
    .unwrap();
    let (code, out, err) = cli.run("mopr-torun", &["assistance", "submit", "bad.json"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("error: InvalidArgument"), "{err}");
    for field in [
        "content.planned_start",
        "content.address.gmina_teryt",
        "content.client",
        "content.social_workers",
    ] {
        assert!(
            err.contains(&format!("  {field}: ")),
            "{field} missing in {err}"
        );
    }
    let (code, _, err) = cli.run(
        "mgops-lazy",
        &["assistance", "get", "7a1d5c1e-0000-4000-8000-000000000000"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("NotFound"), "{err}");
    let (code, _, err) = cli.run("mopr-torun", &["assistance", "submit", "missing.json"]);
    assert_ne!(code, 0);
    assert!(err.contains("missing.json"), "{err}");
}
