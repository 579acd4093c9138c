//! The benchmark must not rot: run `lacznik-bench --smoke` (a few seconds, a store of
//! 10,000; the console part in a test of its own, run beside the others) and check that
//! every section of its JSON is there with positive figures, including the limit (echo,
//! durable echo, `ratio_to_limit`) and the console's. The targets themselves are not
//! checked here (a debug build on a busy CI machine is not the place to judge them);
//! README "Benchmark" has the figures of a real run.

use std::process::Command;

use serde_json::Value;

/// Runs `lacznik-bench --smoke` with `args` and returns its JSON.
fn run_smoke(args: &[&str]) -> Value {
    let dir = tempfile::Builder::new()
        .prefix("lacznik-bench-smoke-")
        .tempdir()
        .expect("temp dir");
    let json = dir.path().join("bench.json");
    let out = Command::new(env!("CARGO_BIN_EXE_lacznik-bench"))
        .arg("--smoke")
        .args(args)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("run lacznik-bench");
    assert!(
        out.status.success(),
        "lacznik-bench --smoke {args:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&json).expect("JSON written");
    serde_json::from_str(&text).expect("valid JSON")
}

fn positive(x: &Value, what: &str) {
    let n = x
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number in {x}"));
    assert!(n > 0.0, "{what} = {n}, expected > 0");
}

/// The rows of a load section: these concurrencies, each with calls and no errors.
fn rows(v: &Value, section: &str, concurrencies: &[u64]) {
    let rows = v[section]
        .as_array()
        .unwrap_or_else(|| panic!("section {section} missing"));
    let got: Vec<u64> = rows
        .iter()
        .map(|r| r["concurrency"].as_u64().expect("concurrency"))
        .collect();
    assert_eq!(got, concurrencies, "{section}: concurrencies");
    for r in rows {
        positive(&r["throughput_per_s"], &format!("{section} throughput"));
        positive(&r["p50_ms"], &format!("{section} p50"));
        assert_eq!(r["errors"], 0, "{section}: errors: {}", r["first_error"]);
    }
}

/// The limit: echo and durable echo answered with the real answer's size, and every submit
/// and card row's ratio to the durable echo beside its ratio to the health check.
fn limits(v: &Value) {
    positive(&v["meta"]["submit_answer_bytes"], "the real answer's size");
    for r in v["submit"]
        .as_array()
        .expect("submit")
        .iter()
        .chain(v["card"].as_array().expect("card"))
    {
        positive(&r["ratio_to_baseline"], "ratio to baseline");
        positive(&r["ratio_to_limit"], "ratio to limit");
    }
    for section in ["baseline", "echo", "durable_echo"] {
        for r in v[section].as_array().expect("rows") {
            assert!(r["ratio_to_limit"].is_null(), "{section}: {r}");
        }
    }
    let names: Vec<&str> = v["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for name in [
        "submit throughput vs limit, 64 clients",
        "Blue Card throughput vs limit, 64 clients",
        "submit p50, 1 client, vs limit",
    ] {
        assert!(names.contains(&name), "target {name:?} missing: {names:?}");
    }
}

#[test]
fn bench_smoke_run_reports_every_section() {
    // The console part runs in a test of its own, beside this one.
    let v = run_smoke(&["--only", "load,sweep,scale"]);
    let rows = |section: &str, concurrencies: &[u64]| rows(&v, section, concurrencies);
    rows("baseline", &[1, 16, 64]);
    rows("echo", &[1, 16, 64]);
    rows("durable_echo", &[1, 16, 64]);
    rows("submit", &[1, 16, 64]);
    rows("card", &[64]);
    rows("receipts_on", &[64]);
    rows("receipts_off", &[64]);
    assert!(
        v["receipts_cost_fraction"].is_number(),
        "receipts' cost: {}",
        v["receipts_cost_fraction"]
    );
    limits(&v);

    let d = &v["delivery"];
    positive(&d["throughput_per_s"], "delivery throughput");
    assert_eq!(
        d["submitted"], d["delivered"],
        "every delivery event arrived"
    );
    assert!(d["p99_ms"].is_number(), "delivery p99");

    let s = &v["sweep"];
    for store in ["small", "large"] {
        positive(&s[store]["open"], "open deadlines");
        positive(&s[store]["tick_ms"], "sweep tick");
        for n in s[store]["scanned"].as_array().expect("scanned") {
            assert_eq!(
                n, &s["due_per_tick"],
                "a tick reads exactly the due entries"
            );
        }
    }
    assert!(
        s["large"]["open"].as_u64() > s["small"]["open"].as_u64(),
        "the large sweep store is larger"
    );

    let sc = &v["scale"];
    assert_eq!(sc["requests"], 10_000);
    positive(&sc["size_on_disk_bytes"], "size on disk");
    positive(&sc["startup_secs"], "start-up");
    positive(&sc["rss_after_start_mib"], "resident memory");
    positive(&sc["load"]["throughput_per_s"], "load on the scale store");

    let targets = v["targets"].as_array().expect("targets");
    assert!(targets.len() >= 8, "targets: {targets:?}");
    assert!(v["meta"]["machine"]["nproc"].as_u64().unwrap_or(0) >= 1);
}

/// `--only console`: its store as asked, every list page full, every live row arrived,
/// the open streams' memory and every event read by every stream; its targets listed.
#[test]
fn bench_smoke_console_reports_its_figures() {
    let v = run_smoke(&["--only", "console"]);
    let names: Vec<&str> = v["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        names.iter().filter(|n| n.starts_with("console")).count() >= 4,
        "console targets: {names:?}"
    );
    let c = &v["console"];
    assert_eq!(c["store"]["requests"], 10_000, "console store: {c}");
    assert_eq!(c["store"]["kmp_torun_open"], 1_000);
    for part in ["list_page", "live"] {
        let row = &c[part]["row"][0];
        positive(&row["count"], &format!("console {part} count"));
        assert_eq!(row["errors"], 0, "console {part}: {}", row["first_error"]);
    }
    assert_eq!(c["live"]["row"][0]["count"], 20, "every live row arrived");
    assert_eq!(c["connections"]["count"], 500);
    assert!(c["connections"]["memory_mib"].is_number());
    let s = &c["submit"];
    assert_eq!(s["every_event_read"], true, "console submit windows: {s}");
    // A debug build may complete no submission at all with 500 streams to feed.
    assert!(s["ratio_receiving_to_none"].is_number(), "ratio: {s}");
    assert!(
        s["ratio_idle_to_none"].is_number(),
        "ratio, idle streams: {s}"
    );
    assert_eq!(s["windows"].as_array().map(Vec::len), Some(3));
}

/// `--engine postgres`: the run starts its own durable PostgreSQL cluster and puts every store
/// in a database of it; the JSON has the submit rows, says which PostgreSQL with fsync on,
/// and why there is no scale phase. Only the load phases, to keep the suite fast.
#[test]
fn bench_smoke_postgres_reports_the_submit_rows() {
    let v = run_smoke(&["--engine", "postgres", "--skip-scale", "--only", "load"]);
    rows(&v, "durable_echo", &[1, 16, 64]);
    rows(&v, "submit", &[1, 16, 64]);
    rows(&v, "card", &[64]);
    limits(&v);
    let m = &v["meta"]["machine"];
    assert_eq!(m["store_engine"], "postgres");
    let pg = &m["postgres"];
    assert!(pg["server_version"].is_string(), "postgres version: {pg}");
    assert_eq!(pg["fsync"], "on");
    assert_eq!(pg["synchronous_commit"], "on");
    assert_eq!(v["scale"]["skipped"], true, "scale: {}", v["scale"]);
    assert!(v["submit"][2]["cpu_cores"]["database"].is_number());
}
