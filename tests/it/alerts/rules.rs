//! The shipped alert rules, checked and unit-tested by the real Prometheus `promtool`
//! (`deploy/prometheus/lacznik-rules.test.yml`: each alert firing, and the nearest case
//! that must not). promtool comes from Debian's `prometheus` package, which
//! `scripts/install-prometheus` installs (from `scripts/test` and `.ci/run`); set
//! `LACZNIK_PROMTOOL` to use another. Missing is a failure, not a skip: CI must run it.

use std::path::PathBuf;
use std::process::Command;

use super::repo;

/// The promtool binary.
pub(crate) fn promtool() -> PathBuf {
    if let Some(p) = std::env::var_os("LACZNIK_PROMTOOL") {
        return PathBuf::from(p);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("promtool"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "promtool is not installed: run scripts/install-prometheus (apt-get install -y \
             prometheus, as scripts/test and .ci/run do) or set LACZNIK_PROMTOOL"
        )
    })
}

fn run(args: &[&str]) -> String {
    let out = Command::new(promtool())
        .args(args)
        .current_dir(repo("deploy/prometheus"))
        .output()
        .expect("run promtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?} failed:\n{text}");
    text
}

#[test]
fn the_alert_rules_are_valid_and_their_promtool_tests_pass() {
    let checked = run(&["check", "rules", "lacznik-rules.yml"]);
    assert!(checked.contains("SUCCESS"), "{checked}");
    let tested = run(&["test", "rules", "lacznik-rules.test.yml"]);
    assert!(tested.contains("SUCCESS"), "{tested}");
}

/// Every alert of the rule file is made to fire by the tests, and carries a severity and
/// a one-line action.
#[test]
fn every_alert_is_tested_firing_and_has_a_severity_and_an_action() {
    let rules = std::fs::read_to_string(repo("deploy/prometheus/lacznik-rules.yml")).unwrap();
    let tests = std::fs::read_to_string(repo("deploy/prometheus/lacznik-rules.test.yml")).unwrap();
    let alerts: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .collect();
    assert!(alerts.len() >= 15, "{alerts:?}");
    // Each rule block: severity critical|warning, a summary and an action annotation.
    for block in rules.split("- alert: ").skip(1) {
        let name = block.lines().next().unwrap().trim();
        assert!(
            block.contains("severity: critical") || block.contains("severity: warning"),
            "{name}: no severity"
        );
        assert!(block.contains("summary: "), "{name}: no summary");
        let action = block
            .lines()
            .find_map(|l| l.trim().strip_prefix("action: "))
            .unwrap_or_else(|| panic!("{name}: no action"));
        assert!(action.len() > 20, "{name}: {action}");
    }
    // Firing in a test: an `alertname:` whose exp_alerts is not empty.
    for alert in &alerts {
        let fired = tests.split("- eval_time:").any(|case| {
            case.contains(&format!("alertname: {alert}\n")) && case.contains("exp_labels")
        });
        assert!(
            fired,
            "{alert} is never shown firing in lacznik-rules.test.yml"
        );
    }
}
