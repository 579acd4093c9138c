//! The receipts of the final server: every acknowledged submission has exactly one stored
//! receipt of its submission, and it is the very receipt the client was given (the same
//! payload; an ES256 signature is made afresh each time a receipt is read); every breach of those cases has exactly one receipt of
//! each of its events. The payloads are read, not verified here: the run's simulated
//! clocks may lie before the test CA's validity (verification is `receipts::*`'s job).

use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use futures::StreamExt;
use lacznik::api::pb;
use lacznik::receipt::Payload;
use tonic::transport::Channel;

use super::clients::{SentCard, SentRequest};
use super::reading::read;

fn payload(jws: &str) -> Option<Payload> {
    let part = jws.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// One case's receipts, all pages.
async fn list(ch: &Channel, case: &str) -> Result<Vec<String>, tonic::Status> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = read("ListReceipts", || {
            let mut c = pb::receipt_service_client::ReceiptServiceClient::new(ch.clone());
            let req = pb::ListReceiptsRequest {
                case_id: case.into(),
                page_size: 500,
                page_token: token.clone(),
            };
            async move { c.list_receipts(req).await.map(|r| r.into_inner()) }
        })
        .await?;
        out.extend(page.receipts);
        if page.next_page_token.is_empty() {
            return Ok(out);
        }
        token = page.next_page_token;
    }
}

/// Problems found, one line each (the case id second, as the other checks write them),
/// and how many receipts were checked.
pub(super) async fn check(
    mopr: &Channel,
    initiators: &HashMap<&str, Channel>,
    requests: &[SentRequest],
    cards: &[SentCard],
    breaches: &[pb::Breach],
) -> (Vec<String>, usize) {
    let mut cases: Vec<(&str, &str, Channel, &str)> = requests
        .iter()
        .map(|s| {
            (
                "assistance",
                s.id.as_str(),
                mopr.clone(),
                s.receipt.as_str(),
            )
        })
        .collect();
    cases.extend(cards.iter().map(|s| {
        (
            "card",
            s.id.as_str(),
            initiators[s.initiator].clone(),
            s.receipt.as_str(),
        )
    }));
    let mut breaches_of: HashMap<&str, Vec<&pb::Breach>> = HashMap::new();
    for b in breaches {
        breaches_of.entry(b.case_id.as_str()).or_default().push(b);
    }
    let listed: Vec<_> = futures::stream::iter(cases)
        .map(|(what, id, ch, given)| async move { (what, id, given, list(&ch, id).await) })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut problems = Vec::new();
    let mut checked = 0;
    for (what, id, given, got) in listed {
        let got = match got {
            Ok(g) => g,
            Err(e) => {
                problems.push(format!(
                    "{what} {id}: ListReceipts: {:?} {}",
                    e.code(),
                    e.message()
                ));
                continue;
            }
        };
        checked += got.len();
        if given.is_empty() {
            problems.push(format!("{what} {id}: the OK answer carried no receipt"));
        } else if !got
            .iter()
            .any(|r| r.split('.').nth(1) == given.split('.').nth(1))
        {
            problems.push(format!(
                "{what} {id}: the receipt given is not in ListReceipts"
            ));
        }
        let payloads: Vec<Payload> = got.iter().filter_map(|r| payload(r)).collect();
        if payloads.len() != got.len() {
            problems.push(format!(
                "{what} {id}: a listed receipt is not a readable JWS"
            ));
        }
        let submitted = payloads
            .iter()
            .filter(|p| p.case_id == id && p.event_kind.ends_with(".submitted"))
            .count();
        if submitted != 1 {
            problems.push(format!(
                "{what} {id}: {submitted} submission receipts stored"
            ));
        }
        let mut per_event: HashMap<(String, String), usize> = HashMap::new();
        for p in payloads.iter().filter(|p| p.case_kind == "breach") {
            *per_event
                .entry((p.case_id.clone(), p.event_kind.clone()))
                .or_default() += 1;
        }
        for ((breach, kind), n) in &per_event {
            if *n != 1 {
                problems.push(format!(
                    "{what} {id}: breach {breach} has {n} {kind} receipts"
                ));
            }
        }
        let expected: HashSet<(String, String)> = breaches_of
            .get(id)
            .into_iter()
            .flatten()
            .flat_map(|b| {
                let mut v = vec![(b.breach_id.clone(), "breach.recorded".to_string())];
                if b.resolved_time.is_some() {
                    v.push((b.breach_id.clone(), "breach.resolved".to_string()));
                }
                v
            })
            .collect();
        let present: HashSet<(String, String)> = per_event.into_keys().collect();
        if present != expected {
            problems.push(format!(
                "{what} {id}: breach receipts {present:?}, breaches listed {expected:?}"
            ));
        }
    }
    (problems, checked)
}
