//! The breaches of the final server: the expected ones, each exactly once, and no other.

use std::collections::{HashMap, HashSet};

use crate::support::fixtures::*;
use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use tonic::transport::Channel;

use super::clients::{SentCard, SentRequest};
use super::reading::list_all_breaches;

/// Lists every breach (the police unit's and the team's) and checks them against what was
/// acknowledged: `(all breaches, problems, how many were expected)`.
pub(super) async fn check(
    kmp: &Channel,
    zi: &Channel,
    requests: &[SentRequest],
    cards: &[SentCard],
    submitted_at: &HashMap<String, Timestamp>,
    procedure_of: &HashMap<String, String>,
    final_clock: Timestamp,
) -> (Vec<pb::Breach>, Vec<String>, usize) {
    let mut breach_problems: Vec<String> = Vec::new();
    let mut all_breaches = list_all_breaches(kmp).await;
    let card_breaches = list_all_breaches(zi).await;
    all_breaches.extend(card_breaches.iter().cloned());
    let mut breach_ids: HashMap<&str, usize> = HashMap::new();
    let mut per_key: HashMap<(String, String, u32), Vec<&pb::Breach>> = HashMap::new();
    for b in &all_breaches {
        *breach_ids.entry(b.breach_id.as_str()).or_default() += 1;
        per_key
            .entry((b.rule_id.clone(), b.case_id.clone(), b.occurrence))
            .or_default()
            .push(b);
    }
    for (id, n) in &breach_ids {
        if *n > 1 {
            breach_problems.push(format!("breach id {id} listed {n} times"));
        }
    }
    for ((rule, case, occ), bs) in &per_key {
        if bs.len() > 1 {
            let ids: Vec<&str> = bs.iter().map(|b| b.breach_id.as_str()).collect();
            breach_problems.push(format!(
                "{rule} for {case} (occurrence {occ}) recorded {} times: breach ids {ids:?}",
                bs.len()
            ));
        }
    }
    let count = |rule: &str, case: &str| -> usize {
        per_key
            .iter()
            .filter(|((r, c, _), _)| r == rule && c == case)
            .map(|(_, bs)| bs.len())
            .sum()
    };
    let mut expected = 0usize;
    for s in requests {
        let notice = count("assistance.notice", &s.id);
        let want = usize::from(s.late);
        expected += want;
        if notice != want {
            breach_problems.push(format!(
                "assistance {} (late: {}, retried: {}): {notice} assistance.notice breach(es), expected {want}",
                s.id, s.late, s.retried.is_some()
            ));
        }
        // Every request was submitted at a clock at least 2 h before the final start, so
        // its receipt deadline (30 min) passed while the server was down: exactly one
        // breach, due 30 minutes after the submission.
        if let Some(at) = submitted_at.get(&s.id) {
            expected += 1;
            let due = *at + SignedDuration::from_mins(30);
            assert!(due <= final_clock);
            let receipts = per_key
                .iter()
                .filter(|((r, c, _), _)| r == "assistance.receipt" && c == &s.id)
                .flat_map(|(_, bs)| bs.iter())
                .collect::<Vec<_>>();
            if receipts.len() != 1 {
                breach_problems.push(format!(
                    "assistance {} (retried: {}): {} assistance.receipt breach(es), expected 1",
                    s.id,
                    s.retried.is_some(),
                    receipts.len()
                ));
            } else if ts(&receipts[0].due_time) != due {
                breach_problems.push(format!(
                    "assistance {}: assistance.receipt due {} instead of {due}",
                    s.id,
                    ts(&receipts[0].due_time)
                ));
            }
        }
    }
    for s in cards {
        let Some(procedure) = procedure_of.get(&s.id) else {
            continue;
        };
        // The engine keys a card's breaches by the card id (breach.proto says "Blue Card
        // procedure id"); each card here starts its own procedure, so count both.
        let to_chair = count("bluecard.to_chair", &s.id) + count("bluecard.to_chair", procedure);
        let want = usize::from(s.late);
        expected += want;
        if to_chair != want {
            breach_problems.push(format!(
                "card {} (procedure {procedure}, late: {}, retried: {}): {to_chair} bluecard.to_chair breach(es), expected {want}",
                s.id, s.late, s.retried.is_some()
            ));
        }
    }
    let known_cases: HashSet<&str> = requests
        .iter()
        .map(|s| s.id.as_str())
        .chain(procedure_of.values().map(|p| p.as_str()))
        .chain(procedure_of.keys().map(|c| c.as_str()))
        .collect();
    for b in &all_breaches {
        let known_rule = matches!(
            b.rule_id.as_str(),
            "assistance.notice" | "assistance.receipt" | "bluecard.to_chair"
        );
        if !known_cases.contains(b.case_id.as_str()) || !known_rule {
            breach_problems.push(format!(
                "unexpected breach {} ({} for case {}, occurrence {}, due {})",
                b.breach_id,
                b.rule_id,
                b.case_id,
                b.occurrence,
                ts(&b.due_time)
            ));
        }
    }
    (all_breaches, breach_problems, expected)
}
