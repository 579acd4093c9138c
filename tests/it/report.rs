//! `lacznik report breaches` run as a process against a real server on a simulated clock:
//! the CSV matches ListBreaches row for row (for a supervisor, for a party that sees a
//! subset, and with `--gmina`), the HTML has the weekly chart, the counts by rule and the
//! open breaches, and bad arguments fail with a clear message before connecting.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::support::fixtures::*;
use crate::support::{Options, TestServer};
use jiff::SignedDuration;
use lacznik::api::pb;
use lacznik::report::chart::BAR_FILL;
use lacznik::report::html::escape;

/// Mon 2 Mar 2026, 10:00 in Toruń.
const START: &str = "2026-03-02T09:00:00Z";
/// The report's range: four ISO weeks (23 Feb .. 22 Mar), the last one without breaches.
const FROM: &str = "2026-02-23";
const TO: &str = "2026-03-22";

/// The sample directory, with the Bydgoszcz office also supervising Łazy, so that one
/// supervisor sees assistance requests and Blue Cards.
fn directory() -> String {
    let sample = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("directory.sample.toml"),
    )
    .unwrap();
    let from = "id = \"kpuw-bydgoszcz\"\nname = \"Kujawsko-Pomorski Urząd Wojewódzki w Bydgoszczy\"\nkind = \"supervisor\"\ngminas = [\"0463011\"]";
    assert!(sample.contains(from), "the sample directory changed");
    sample.replace(
        from,
        &from.replace("[\"0463011\"]", "[\"0463011\", \"2416053\"]"),
    )
}

/// Breaches of two assistance requests in Toruń and one Blue Card in Łazy, on several
/// rules, some resolved; returns the id of the request whose receipt breach was resolved.
async fn produce_breaches(server: &TestServer) -> String {
    let visit = t("2026-03-16T09:00:00Z");
    let mut mopr = server.assistance("mopr-torun").await;
    let (a, b) = (new_id(), new_id());
    mopr.submit_assistance_request(normal(&a, visit))
        .await
        .unwrap();
    mopr.submit_assistance_request(normal(&b, visit))
        .await
        .unwrap();
    // A card for a procedure started 10 days ago: § 7 ust. 1 breached and resolved at once.
    server
        .blue_card("kp-lazy")
        .await
        .submit_blue_card_a(card(&new_id(), t("2026-02-20T09:00:00Z")))
        .await
        .unwrap();
    // Receipt deadlines (30 min) pass; the police unit then receives request B, late.
    server.advance_clock(SignedDuration::from_hours(1)).await;
    server
        .assistance("kmp-torun")
        .await
        .acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
            request_id: b.clone(),
            acknowledgement: pb::AssistanceRequestState::Received as i32,
            officers: vec![],
            reason: String::new(),
        })
        .await
        .unwrap();
    // The card's receipt (1 working day) and the requests' response deadlines (end of Fri
    // 13 Mar) pass.
    server
        .advance_clock(SignedDuration::from_hours(12 * 24))
        .await;
    b
}

/// ListBreaches over the report's range, all pages, as `org`.
async fn listed(server: &TestServer, org: &str) -> Vec<pb::Breach> {
    let range =
        lacznik::report::DateRange::new(FROM.parse().unwrap(), TO.parse().unwrap()).unwrap();
    let mut c = server.breaches(org).await;
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_breaches(pb::ListBreachesRequest {
                due_from: Some(pbts(range.start())),
                due_to: Some(pbts(range.end())),
                page_size: 2,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        all.extend(page.breaches);
        if page.next_page_token.is_empty() {
            return all;
        }
        token = page.next_page_token;
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn report(server: &TestServer, org: &str, args: &[&str]) -> Run {
    let addr = server.addr.to_string();
    let certs = server.certs.display().to_string();
    let mut all = vec![
        "report", "breaches", "--addr", &addr, "--certs", &certs, "--org", org,
    ];
    all.extend_from_slice(args);
    let out = Command::new(env!("CARGO_BIN_EXE_lacznik"))
        .args(&all)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn report_ok(server: &TestServer, org: &str, args: &[&str]) -> String {
    let r = report(server, org, args);
    assert_eq!(r.code, 0, "{args:?}\n{}\n{}", r.stdout, r.stderr);
    r.stdout
}

/// The header and the rows of a CSV file.
fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rd = csv::Reader::from_path(path).unwrap();
    let header = rd.headers().unwrap().iter().map(str::to_string).collect();
    let rows = rd
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn expected_row(b: &pb::Breach) -> Vec<String> {
    let resolved = b
        .resolved_time
        .as_ref()
        .map(|_| ts(&b.resolved_time).to_string())
        .unwrap_or_default();
    vec![
        b.breach_id.clone(),
        b.rule_id.clone(),
        b.legal_basis.clone(),
        match pb::CaseKind::try_from(b.case_kind).unwrap() {
            pb::CaseKind::AssistanceRequest => "assistance_request".into(),
            pb::CaseKind::BlueCard => "blue_card".into(),
            pb::CaseKind::Unspecified => "unspecified".into(),
        },
        b.case_id.clone(),
        b.gmina.clone(),
        b.responsible_org_id.clone(),
        ts(&b.due_time).to_string(),
        ts(&b.recorded_time).to_string(),
        resolved,
        if b.resolved_time.is_some() {
            "resolved".into()
        } else {
            "open".into()
        },
    ]
}

/// Asserts the CSV at `path` holds exactly `expected`, in order, field by field.
fn assert_csv_matches(path: &Path, expected: &[pb::Breach]) -> Vec<Vec<String>> {
    let (header, rows) = csv_rows(path);
    assert_eq!(
        header,
        lacznik::report::csv::HEADER
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(rows.len(), expected.len(), "{rows:?}");
    for (row, b) in rows.iter().zip(expected) {
        assert_eq!(row.len(), 14, "{row:?}");
        assert_eq!(row[..11].to_vec(), expected_row(b));
        assert!(row[11].parse::<f64>().unwrap() >= 0.0, "{row:?}");
        // Appended columns: the profile and the deadline's state, as the wire says them.
        assert_eq!(row[12], b.rules_profile, "{row:?}");
        assert_eq!(row[13], b.deadline_state, "{row:?}");
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breach_report_matches_list_breaches_as_csv_and_html() {
    let server = TestServer::start_with(Options {
        directory: Some(directory()),
        simulated_clock: Some(t(START)),
        ..Options::default()
    })
    .await;
    let late_received = produce_breaches(&server).await;
    let out = tempfile::tempdir().unwrap();
    let path = |f: &str| out.path().join(f).display().to_string();

    // The supervisor: everything, on at least two rules, some open and some resolved.
    let all = listed(&server, "kpuw-bydgoszcz").await;
    let rules: BTreeMap<&str, usize> = all.iter().fold(BTreeMap::new(), |mut m, b| {
        *m.entry(b.rule_id.as_str()).or_default() += 1;
        m
    });
    assert!(rules.len() >= 2, "{rules:?}");
    assert!(rules.contains_key("bluecard.to_chair") && rules.contains_key("assistance.receipt"));
    assert!(all.iter().any(|b| b.resolved_time.is_some()));
    assert!(all.iter().any(|b| b.resolved_time.is_none()));
    let csv = path("all.csv");
    let stdout = report_ok(
        &server,
        "kpuw-bydgoszcz",
        &["--from", FROM, "--to", TO, "--out", &csv],
    );
    let rows = assert_csv_matches(Path::new(&csv), &all);
    let open = all.iter().filter(|b| b.resolved_time.is_none()).count();
    assert!(
        stdout.contains(&format!(
            "total {}, open {open}, resolved {}",
            all.len(),
            all.len() - open
        )),
        "{stdout}"
    );
    for rule in rules.keys() {
        assert!(stdout.contains(rule), "{rule} missing in {stdout}");
    }
    // Request B was received at 10:00, its receipt deadline was 09:30: half an hour late.
    let b_receipt = rows
        .iter()
        .find(|r| r[4] == late_received && r[1] == "assistance.receipt")
        .unwrap();
    assert_eq!(
        (b_receipt[10].as_str(), b_receipt[11].as_str()),
        ("resolved", "0.50")
    );

    // --gmina keeps the supervisor's breaches of Łazy only.
    let lazy: Vec<pb::Breach> = all
        .iter()
        .filter(|b| b.gmina == "2416053")
        .cloned()
        .collect();
    assert!(!lazy.is_empty() && lazy.len() < all.len());
    let csv = path("lazy.csv");
    report_ok(
        &server,
        "kpuw-bydgoszcz",
        &[
            "--from", FROM, "--to", TO, "--gmina", "2416053", "--out", &csv,
        ],
    );
    assert_csv_matches(Path::new(&csv), &lazy);

    // A party sees a subset: the welfare centre, its requests but not the card.
    let mopr = listed(&server, "mopr-torun").await;
    assert!(!mopr.is_empty() && mopr.len() < all.len());
    assert!(mopr.iter().all(|b| b.gmina == "0463011"));
    let csv = path("mopr.csv");
    report_ok(
        &server,
        "mopr-torun",
        &["--from", FROM, "--to", TO, "--out", &csv],
    );
    assert_csv_matches(Path::new(&csv), &mopr);

    // The HTML page: the chart with one bar per week, the counts by rule, the open breaches.
    let html = path("report.html");
    report_ok(
        &server,
        "kpuw-bydgoszcz",
        &["--from", FROM, "--to", TO, "--out", &html],
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains(&format!("Deadline breaches, {FROM} to {TO}")));
    assert_eq!(page.matches("<svg").count(), 1);
    assert_eq!(
        page.matches(&format!("fill=\"{BAR_FILL}\"")).count(),
        4,
        "one bar per week, 23 Feb to 22 Mar"
    );
    // The weekly numbers under the chart: every breach in the week of its (Warsaw) due
    // day, the last week empty.
    let mut per_week = BTreeMap::new();
    for b in &all {
        let day = lacznik::calendar::local_date(ts(&b.due_time));
        *per_week
            .entry(lacznik::report::stats::week_monday(day))
            .or_insert(0) += 1;
    }
    for (label, monday) in [
        ("2026-W09", "2026-02-23"),
        ("2026-W10", "2026-03-02"),
        ("2026-W11", "2026-03-09"),
        ("2026-W12", "2026-03-16"),
    ] {
        let n = per_week.get(&monday.parse().unwrap()).copied().unwrap_or(0);
        let row = format!("<tr><td>{label}</td><td>{monday}</td><td class=\"n\">{n}</td></tr>");
        assert!(page.contains(&row), "{row} missing");
    }
    assert!(!per_week.contains_key(&"2026-03-16".parse().unwrap()));
    assert_eq!(per_week.values().sum::<usize>(), all.len());
    for (rule, n) in &rules {
        let basis = &all.iter().find(|b| b.rule_id == *rule).unwrap().legal_basis;
        let row = format!(
            "<code>{}</code></td><td>{}</td><td class=\"n\">{n}</td>",
            escape(rule),
            escape(basis)
        );
        assert!(page.contains(&row), "{row} missing");
    }
    for b in &all {
        let open_row = format!("<tr id=\"breach-{}\">", b.breach_id);
        assert_eq!(
            page.contains(&open_row),
            b.resolved_time.is_none(),
            "breach {} ({})",
            b.breach_id,
            b.rule_id
        );
    }
    assert!(page.contains(&format!("Open breaches ({open})")));
    assert!(
        page.contains("Komenda Miejska Policji w Toruniu"),
        "names from the directory"
    );
    // Nothing personal of the cases leaks into a report (the fixtures' names).
    for person in ["Wiśniewska", "Nowak", "Przybysz", "Zawadzka"] {
        assert!(!page.contains(person), "{person}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_dates_ranges_and_extensions_fail_with_a_clear_message() {
    let server = TestServer::simulated(t(START)).await;
    let out = tempfile::tempdir().unwrap();
    let file = |f: &str| out.path().join(f).display().to_string();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--from", "2026-3-1", "--to", TO, "--out", &file("r.csv")],
            "expected a date YYYY-MM-DD",
        ),
        (
            &[
                "--from",
                FROM,
                "--to",
                "2026-02-30",
                "--out",
                &file("r.csv"),
            ],
            "expected a date YYYY-MM-DD",
        ),
        (
            &[
                "--from",
                "2026-03-10",
                "--to",
                "2026-03-09",
                "--out",
                &file("r.html"),
            ],
            "--from 2026-03-10 is after --to 2026-03-09",
        ),
        (
            &["--from", FROM, "--to", TO, "--out", &file("r.pdf")],
            "use a file name ending in .html or .csv",
        ),
        (
            &["--from", FROM, "--to", TO, "--out", &file("r")],
            "use a file name ending in .html or .csv",
        ),
        (
            &[
                "--from",
                FROM,
                "--to",
                TO,
                "--gmina",
                "123",
                "--out",
                &file("r.csv"),
            ],
            "a TERYT gmina code has exactly 7 digits",
        ),
    ];
    for (args, message) in cases {
        let r = report(&server, "kpuw-bydgoszcz", args);
        assert_ne!(r.code, 0, "{args:?}");
        assert!(r.stderr.contains(message), "{args:?}: {}", r.stderr);
    }
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no file is written for a refused command"
    );
    // An organisation without a certificate in the layout fails to connect, clearly.
    let r = report(
        &server,
        "no-such-org",
        &["--from", FROM, "--to", TO, "--out", &file("r.csv")],
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("no-such-org.pem"), "{}", r.stderr);
}
