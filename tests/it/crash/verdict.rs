//! The verdict on the final server: every acknowledged record there, intact, exactly once,
//! nothing nobody got an OK for, the expected breaches (see [`breaches`]), and a summary.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::fixtures::*;
use crate::support::{AssistanceClient, BlueCardClient};
use futures::StreamExt;
use jiff::Timestamp;
use lacznik::api::pb;
use tempfile::TempDir;
use tonic::transport::Channel;

use super::clients::{SentCard, SentRequest, Shared};
use super::harness::{Pki, ServerProcess, read_log};
use super::reading::{list_all_cards, list_all_requests, read};
use super::{CARD_INITIATORS, CYCLES, breaches, clock_of};

/// What the kill cycles leave to judge.
pub(super) struct Run {
    pub(super) shared: Arc<Shared>,
    pub(super) pki: Pki,
    /// The final server (killed when the verdict is done), its address, and how many starts
    /// it took.
    pub(super) server: ServerProcess,
    pub(super) addr: SocketAddr,
    pub(super) starts: usize,
    pub(super) startup_kills: usize,
    /// Ids whose submission never ended OK.
    pub(super) still_in_doubt: Vec<String>,
    pub(super) final_clock: Timestamp,
    pub(super) seed: u64,
    pub(super) began: Instant,
    pub(super) cycles_done: Duration,
    /// The temp dir (kept for inspection when the verdict is not clean).
    pub(super) tmp: TempDir,
}

/// How many distinct records the evidence lines name (the id is each line's second word).
pub(super) fn distinct(lines: &[String]) -> usize {
    lines
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect::<HashSet<_>>()
        .len()
}

/// Keeps at most `limit` lines of evidence (and says how many more there were).
pub(super) fn evidence(lines: &[String], limit: usize) -> String {
    let mut s: String = lines
        .iter()
        .take(limit)
        .map(|l| format!("  {l}\n"))
        .collect();
    if lines.len() > limit {
        s.push_str(&format!("  ... and {} more\n", lines.len() - limit));
    }
    s
}

/// Reads the final server's state and asserts it is clean; panics with the evidence.
pub(super) async fn judge(run: Run) {
    let Run {
        shared,
        pki,
        server,
        addr,
        starts,
        startup_kills,
        still_in_doubt,
        final_clock,
        seed,
        began,
        cycles_done,
        tmp,
    } = run;
    let requests = std::mem::take(&mut *shared.requests.lock().unwrap());
    let cards = std::mem::take(&mut *shared.cards.lock().unwrap());
    let anomalies = std::mem::take(&mut *shared.anomalies.lock().unwrap());
    let transient_errors = shared.transient_errors.lock().unwrap().clone();

    let a = addr;
    let mopr = pki.connected(a, "mopr-torun").await;
    let kmp = pki.connected(a, "kmp-torun").await;
    let zi = pki.connected(a, "zi-lazy").await;
    let mut initiators: HashMap<&str, Channel> = HashMap::new();
    for o in CARD_INITIATORS {
        initiators.insert(o, pki.connected(a, o).await);
    }

    let mut lost: Vec<String> = Vec::new();
    let mut corrupt: Vec<String> = Vec::new();
    let mut duplicated: Vec<String> = Vec::new();
    let mut phantom: Vec<String> = Vec::new();

    // 1. Every acknowledged request and card is there, intact.
    let got_requests: Vec<(usize, Result<pb::AssistanceRequest, tonic::Status>)> =
        futures::stream::iter(requests.iter().enumerate())
            .map(|(i, s)| {
                let ch = mopr.clone();
                async move {
                    let r = read("GetAssistanceRequest", || {
                        let mut c = AssistanceClient::new(ch.clone());
                        let id = s.id.clone();
                        async move {
                            c.get_assistance_request(pb::GetAssistanceRequestRequest {
                                request_id: id,
                            })
                            .await
                            .map(|r| r.into_inner().request.unwrap_or_default())
                        }
                    })
                    .await;
                    (i, r)
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
    let mut submitted_at: HashMap<String, Timestamp> = HashMap::new();
    for (i, r) in got_requests {
        let s = &requests[i];
        match r {
            Err(e) => lost.push(format!(
                "assistance {} (retried: {}, late: {}): {:?} {}",
                s.id,
                s.retried.is_some(),
                s.late,
                e.code(),
                e.message()
            )),
            Ok(g) => {
                if g.request_id != s.id
                    || g.content != s.req.content
                    || g.urgency != s.req.urgency
                    || g.centre_org_id != "mopr-torun"
                    || g.police_unit_org_id != "kmp-torun"
                    || g.version != 1
                {
                    corrupt.push(format!(
                        "assistance {}: stored id {}, content equal {}, urgency {} (sent {}), parties {}/{}, version {}",
                        s.id,
                        g.request_id,
                        g.content == s.req.content,
                        g.urgency,
                        s.req.urgency,
                        g.centre_org_id,
                        g.police_unit_org_id,
                        g.version
                    ));
                }
                match g.submitted_time.as_ref() {
                    Some(_) => {
                        let at = ts(&g.submitted_time);
                        if (0..=CYCLES).all(|k| clock_of(k) != at) {
                            corrupt.push(format!(
                                "assistance {}: submitted_time {at} is none of the server clocks",
                                s.id
                            ));
                        }
                        submitted_at.insert(s.id.clone(), at);
                    }
                    None => corrupt.push(format!("assistance {}: no submitted_time", s.id)),
                }
            }
        }
    }
    let got_cards: Vec<(usize, Result<pb::BlueCard, tonic::Status>)> =
        futures::stream::iter(cards.iter().enumerate())
            .map(|(i, s)| {
                let ch = initiators[s.initiator].clone();
                async move {
                    let r = read("GetBlueCard", || {
                        let mut c = BlueCardClient::new(ch.clone());
                        let id = s.id.clone();
                        async move {
                            c.get_blue_card(pb::GetBlueCardRequest { card_id: id })
                                .await
                                .map(|r| r.into_inner().card.unwrap_or_default())
                        }
                    })
                    .await;
                    (i, r)
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
    let mut procedure_of: HashMap<String, String> = HashMap::new();
    let mut card_submitted_at: HashMap<String, Timestamp> = HashMap::new();
    for (i, r) in got_cards {
        let s = &cards[i];
        match r {
            Err(e) => lost.push(format!(
                "card {} of {} (retried: {}): {:?} {}",
                s.id,
                s.initiator,
                s.retried.is_some(),
                e.code(),
                e.message()
            )),
            Ok(g) => {
                if g.card_id != s.id
                    || g.content != s.req.content
                    || g.initiator_org_id != s.initiator
                    || g.team_org_id != "zi-lazy"
                    || g.repeat
                {
                    corrupt.push(format!(
                        "card {}: stored id {}, content equal {}, initiator {}, team {}, repeat {}",
                        s.id,
                        g.card_id,
                        g.content == s.req.content,
                        g.initiator_org_id,
                        g.team_org_id,
                        g.repeat
                    ));
                }
                if g.submitted_time.is_some() {
                    card_submitted_at.insert(s.id.clone(), ts(&g.submitted_time));
                }
                procedure_of.insert(s.id.clone(), g.procedure_id);
            }
        }
    }

    // 2. No id stored twice, no id nobody got an OK for.
    let sent_requests: HashMap<&str, &SentRequest> =
        requests.iter().map(|s| (s.id.as_str(), s)).collect();
    let sent_cards: HashMap<&str, &SentCard> = cards.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let listed_requests = list_all_requests(&kmp).await;
    for r in &listed_requests {
        *seen.entry(r.request_id.clone()).or_default() += 1;
        if !sent_requests.contains_key(r.request_id.as_str()) {
            phantom.push(format!(
                "assistance {} listed but never acknowledged",
                r.request_id
            ));
        }
    }
    for s in &requests {
        match seen.get(&s.id).copied().unwrap_or(0) {
            1 => {}
            0 => lost.push(format!(
                "assistance {} missing from ListAssistanceRequests (retried: {})",
                s.id,
                s.retried.is_some()
            )),
            n => duplicated.push(format!(
                "assistance {} listed {n} times (retried: {})",
                s.id,
                s.retried.is_some()
            )),
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let listed_cards = list_all_cards(&zi).await;
    for c in &listed_cards {
        *seen.entry(c.card_id.clone()).or_default() += 1;
        if !sent_cards.contains_key(c.card_id.as_str()) {
            phantom.push(format!("card {} listed but never acknowledged", c.card_id));
        }
    }
    for s in &cards {
        match seen.get(&s.id).copied().unwrap_or(0) {
            1 => {}
            0 => lost.push(format!(
                "card {} missing from the team's ListBlueCards (retried: {})",
                s.id,
                s.retried.is_some()
            )),
            n => duplicated.push(format!(
                "card {} listed {n} times (retried: {})",
                s.id,
                s.retried.is_some()
            )),
        }
    }
    // Every card started its own procedure: no procedure shared by two cards.
    let mut by_procedure: HashMap<&str, Vec<&str>> = HashMap::new();
    for (card, procedure) in &procedure_of {
        by_procedure.entry(procedure).or_default().push(card);
    }
    for (procedure, cs) in &by_procedure {
        if cs.len() > 1 {
            corrupt.push(format!(
                "procedure {procedure} holds several new cards: {cs:?}"
            ));
        }
    }

    // 3. Breaches: the expected ones, each exactly once.
    let (all_breaches, breach_problems, expected) = breaches::check(
        &kmp,
        &zi,
        &requests,
        &cards,
        &submitted_at,
        &procedure_of,
        final_clock,
    )
    .await;

    // 4. Receipts: exactly one per acknowledged event, the one the client was given.
    let (receipt_problems, receipts_checked) =
        super::receipts::check(&mopr, &initiators, &requests, &cards, &all_breaches).await;

    // 5. Summary and verdict.
    let retried_requests = requests.iter().filter(|s| s.retried.is_some()).count();
    let retried_cards = cards.iter().filter(|s| s.retried.is_some()).count();
    let total = requests.len() + cards.len();
    // A retried submission stored at the clock of its first attempt's server was written
    // before the crash and only its answer was lost: the retry was answered from the store.
    let kept_before_crash = requests
        .iter()
        .filter_map(|s| Some((s.retried?, submitted_at.get(&s.id)?)))
        .chain(
            cards
                .iter()
                .filter_map(|s| Some((s.retried?, card_submitted_at.get(&s.id)?))),
        )
        .filter(|(epoch, at)| clock_of(*epoch) == **at)
        .count();
    let summary = format!(
        "crash test: cycles={CYCLES} startup_kills={startup_kills} starts={} acknowledged={total} (assistance={}, blue cards={}) retried={} (assistance={retried_requests}, blue cards={retried_cards}; written before the crash, answer lost: {kept_before_crash}) lost={} corrupt={} duplicated={} phantom={} breaches={} (expected {expected}, problems={}) receipts={receipts_checked} (problems={}) in_doubt_left={} anomalies={} transient_errors={transient_errors:?} seed={seed} cycles_took={:.1?} total={:.1?}",
        starts,
        requests.len(),
        cards.len(),
        retried_requests + retried_cards,
        distinct(&lost),
        distinct(&corrupt),
        distinct(&duplicated),
        phantom.len(),
        all_breaches.len(),
        breach_problems.len(),
        receipt_problems.len(),
        still_in_doubt.len(),
        anomalies.len(),
        cycles_done,
        began.elapsed(),
    );
    eprintln!("{summary}");

    let clean = lost.is_empty()
        && corrupt.is_empty()
        && duplicated.is_empty()
        && phantom.is_empty()
        && breach_problems.is_empty()
        && receipt_problems.is_empty()
        && still_in_doubt.is_empty()
        && anomalies.is_empty();
    let log = if clean {
        String::new()
    } else {
        read_log(&server.log)
    };
    // Keep the data dir of a failing run for inspection.
    let kept = if clean {
        String::new()
    } else {
        let path = tmp.keep();
        format!("data dir kept at {}\n", path.join("data").display())
    };
    assert!(
        clean,
        "{summary}\n{kept}lost ({}):\n{}corrupt ({}):\n{}duplicated ({}):\n{}phantom ({}):\n{}breach problems ({}):\n{}receipt problems ({}):\n{}still in doubt ({}):\n{}anomalies ({}):\n{}--- final server output ---\n{log}",
        lost.len(),
        evidence(&lost, 20),
        corrupt.len(),
        evidence(&corrupt, 20),
        duplicated.len(),
        evidence(&duplicated, 20),
        phantom.len(),
        evidence(&phantom, 20),
        breach_problems.len(),
        evidence(&breach_problems, 20),
        receipt_problems.len(),
        evidence(&receipt_problems, 20),
        still_in_doubt.len(),
        evidence(&still_in_doubt, 20),
        anomalies.len(),
        evidence(&anomalies, 20),
    );
    assert!(total > 0, "no submission was acknowledged at all");
    assert!(
        retried_requests + retried_cards > 0,
        "no submission needed a retry: the kills did not hit any call in flight"
    );
    drop(server);
}
