//! Every metric name the shipped alert rules and the Grafana dashboard use exists in a
//! real server's `/metrics`, so neither watches a series that is never there. The server
//! runs on PostgreSQL (a throwaway cluster), the engine on which every metric exists
//! (the node's role, lease and database round trip too), with a police stream open, a
//! Blue Card pending, a CRL and client handshakes; the dashboard must be valid JSON.

use std::collections::BTreeSet;

use lacznik::api::pb;
use lacznik::store::EngineKind;
use lacznik_testkit::PgCluster;

use super::{free_addr, repo, scrape_text};
use crate::support::fixtures::*;
use crate::support::{Options, TestServer};

/// The `lacznik_*` names in a text (words of `[a-z0-9_]` after `lacznik_`).
pub(crate) fn metric_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find("lacznik_") {
        let start = i + at;
        let boundary = start == 0 || {
            let c = bytes[start - 1];
            !(c.is_ascii_alphanumeric() || c == b'_')
        };
        let mut end = start + "lacznik_".len();
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        if boundary && end > start + "lacznik_".len() {
            out.insert(text[start..end].to_string());
        }
        i = end;
    }
    out
}

/// The names in every `expr` of the dashboard (and the dashboard is valid JSON).
fn dashboard_names() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo("deploy/grafana/lacznik.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).expect("lacznik.json is valid JSON");
    let mut exprs = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("expr" | "query" | "definition", serde_json::Value::String(s)) => {
                            out.push(s.clone())
                        }
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(&json, &mut exprs);
    assert!(
        exprs.len() >= 20,
        "the dashboard has {} queries",
        exprs.len()
    );
    let panels = json["panels"].as_array().expect("panels");
    for title in [
        "Errors",
        "Latency",
        "Flush",
        "Breaches",
        "Recipients",
        "Days left",
    ] {
        assert!(
            panels
                .iter()
                .any(|p| p["title"].as_str().is_some_and(|t| t.contains(title))),
            "no panel about {title}"
        );
    }
    exprs.iter().flat_map(|e| metric_names(e)).collect()
}

#[test]
fn names_are_found_in_text() {
    let names = metric_names(
        "rate(lacznik_rpc_requests_total{code!=\"Ok\"}[5m]) / x_lacznik_no lacznik-rules.yml",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        vec!["lacznik_rpc_requests_total"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_of_the_rules_and_the_dashboard_is_in_a_real_scrape() {
    // The Prometheus recorder is process-wide: in a process of its own.
    if !crate::support::alone::own_process(
        module_path!(),
        "every_metric_of_the_rules_and_the_dashboard_is_in_a_real_scrape",
    ) {
        return;
    }
    let rules = std::fs::read_to_string(repo("deploy/prometheus/lacznik-rules.yml")).unwrap();
    let mut wanted = metric_names(&rules);
    let from_rules = wanted.len();
    wanted.extend(dashboard_names());
    assert!(from_rules >= 15, "{wanted:?}");

    let pg = tokio::task::spawn_blocking(PgCluster::start)
        .await
        .unwrap()
        .expect("a PostgreSQL cluster");
    let url = pg.url();
    let metrics = free_addr();
    let s = TestServer::start_with(Options {
        simulated_clock: Some(t("2026-12-01T08:00:00Z")),
        tweak: Some(Box::new(move |c| {
            c.store.engine = EngineKind::Postgres;
            c.store.postgres.url = Some(url);
            c.metrics.enabled = true;
            c.metrics.listen = metrics;
        })),
        ..Options::default()
    })
    .await;
    lacznik::pki::revoke(&s.certs, &"mgops-lazy".parse().unwrap()).unwrap();
    let mut centre = s.assistance("mopr-torun").await;
    centre
        .submit_assistance_request(normal(&new_id(), t("2027-01-11T09:00:00Z")))
        .await
        .unwrap();
    let mut police = s.assistance("kmp-torun").await;
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    stream.message().await.unwrap().unwrap();
    s.blue_card("kp-lazy")
        .await
        .submit_blue_card_a(card(&new_id(), t("2026-12-01T07:00:00Z")))
        .await
        .unwrap();

    let text = scrape_text(metrics).await;
    let have = metric_names(&text);
    let missing: Vec<&String> = wanted.iter().filter(|n| !have.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "used by the rules or the dashboard but not in the scrape: {missing:?}\n--- scrape\n{text}"
    );
    drop(stream);
    s.stop().await;
}
