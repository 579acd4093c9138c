//! Active/standby nodes on one real PostgreSQL database (a throwaway cluster, fsync on),
//! as `lacznik serve` processes: kill -9 of the active under load (the standby takes over
//! within 10 s; nothing acknowledged lost or doubled; the police stream misses nothing),
//! the old node coming back as standby, and a paused active (SIGSTOP) that wakes after the
//! takeover and commits nothing of what reached it meanwhile; a Blue Card pull resumes on
//! the new active from the chair's cursor.

pub mod load;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use lacznik_testkit::PgCluster;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::support::fixtures::*;
use crate::support::node::{Node, Proc, read};
use load::{Seen, follower, submitter};

/// The takeover bound the issue sets.
const TAKEOVER: Duration = Duration::from_secs(10);
const CLIENTS: usize = 16;

fn clock() -> Timestamp {
    Timestamp::from_second(1_796_112_000).unwrap() // 2026-12-01
}

/// Two nodes on `pg`, sharing certificates, each with its own data directory and metrics
/// port (the addresses returned beside them).
fn pair(dir: &std::path::Path, pg: &PgCluster) -> (Node, Node, [SocketAddr; 2]) {
    let mut nodes = ["a", "b"].map(|n| Node::new(dir, dir.join(format!("data-{n}")), "mopr-torun"));
    let metrics = [(); 2].map(|()| {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
    });
    for (node, metrics) in nodes.iter_mut().zip(metrics) {
        node.env = vec![
            ("LACZNIK_METRICS__ENABLED".into(), "true".into()),
            ("LACZNIK_METRICS__LISTEN".into(), metrics.to_string()),
            ("LACZNIK_STORE__ENGINE".into(), "postgres".into()),
            ("LACZNIK_STORE__POSTGRES__URL".into(), pg.url()),
            (
                "LACZNIK_STORE__POSTGRES__ADVERTISE".into(),
                node.addr().to_string(),
            ),
        ];
    }
    let [a, b] = nodes;
    (a, b, metrics)
}

/// Waits until `node` answers health with `want`; the time it took.
async fn wait_health(
    node: &Node,
    want: ServingStatus,
    within: Duration,
    log: &std::path::Path,
) -> Duration {
    let began = Instant::now();
    while began.elapsed() < within {
        if node.health().await == Ok(want as i32) {
            return began.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not {want:?} within {within:?}:\n{}", read(log));
}

/// A node that is up as standby: NOT_SERVING, and a call says "standby" and names `active`
/// (a node stepping down answers UNAVAILABLE for its failed store for a second first).
async fn assert_standby(node: &Node, log: &std::path::Path, active: SocketAddr) {
    wait_health(
        node,
        ServingStatus::NotServing,
        Duration::from_secs(30),
        log,
    )
    .await;
    let began = Instant::now();
    loop {
        let refused = node
            .client()
            .await
            .get_assistance_request(pb::GetAssistanceRequestRequest {
                request_id: new_id(),
            })
            .await
            .expect_err("a standby answers nothing");
        assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
        // A node that just stepped down says "standby" before its first look at the
        // database tells it where the active is.
        if refused.message().contains("standby") && refused.message().contains(&active.to_string())
        {
            return;
        }
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "not standby naming the active {active} after 10 s: {refused:?}\n{}",
            read(log)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn cards_client(
    node: &Node,
    org: &str,
) -> pb::blue_card_service_client::BlueCardServiceClient<tonic::transport::Channel> {
    let ch = lacznik::client::mtls_channel(&node.addr().to_string(), &node.tls_as(org))
        .await
        .expect("connect");
    pb::blue_card_service_client::BlueCardServiceClient::new(ch)
}

fn signal(child: &Proc, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &Node::pid(child).to_string()])
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill {sig}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_active_under_load_the_standby_takes_over_and_nothing_is_lost_or_doubled() {
    let _heavy = crate::support::serial::heavy();
    let pg = tokio::task::spawn_blocking(PgCluster::start_durable)
        .await
        .unwrap()
        .expect("a throwaway PostgreSQL cluster");
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, mut b, _) = pair(tmp.path(), &pg);
    let (mut proc_a, log_a) = a.spawn(clock());
    a.wait_serving(&mut proc_a, &log_a).await;
    let (mut proc_b, log_b) = b.spawn(clock());
    assert_standby(&b, &log_b, a.addr()).await;

    let addrs = vec![a.addr(), b.addr()];
    let visit = clock() + SignedDuration::from_hours(24 * 30);
    let seen = Arc::new(Seen::default());
    let want = Arc::new(Mutex::new(None));
    let follow = tokio::spawn(follower(
        addrs.clone(),
        a.tls_as("kmp-torun"),
        seen.clone(),
        want.clone(),
    ));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            tokio::spawn(submitter(
                addrs.clone(),
                a.tls_as("mopr-torun"),
                visit,
                seen.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = seen.acknowledged.lock().unwrap().len();
    assert!(before > 0, "load ran on the active");

    // A team chair pulls half of six Blue Cards from the active, keeping the cursor.
    let card_ids: Vec<String> = (0..6).map(|_| new_id()).collect();
    let mut police_cards = cards_client(&a, "kp-lazy").await;
    for id in &card_ids {
        police_cards
            .submit_blue_card_a(card(id, clock()))
            .await
            .expect("card on the active");
    }
    let first = cards_client(&a, "zi-lazy")
        .await
        .pull_blue_cards(pb::PullBlueCardsRequest {
            after_cursor: String::new(),
            max_cards: 3,
            wait_seconds: 0,
        })
        .await
        .expect("pull on the active")
        .into_inner();
    let mut pulled: Vec<String> = first
        .cards
        .iter()
        .map(|c| c.card.as_ref().unwrap().card_id.clone())
        .collect();

    signal(&proc_a, "-KILL");
    let _ = proc_a.wait();
    let takeover = wait_health(&b, ServingStatus::Serving, Duration::from_secs(30), &log_b).await;
    assert!(
        takeover <= TAKEOVER,
        "took over after {takeover:?}:\n{}",
        read(&log_b)
    );
    assert!(
        read(&log_b).contains("this node is active now"),
        "the takeover is announced:\n{}",
        read(&log_b)
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    seen.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for c in clients {
        tokio::time::timeout(Duration::from_secs(60), c)
            .await
            .expect("clients finish their retries")
            .unwrap();
    }
    let acknowledged = seen.acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > before,
        "load went on on the new active"
    );
    assert_eq!(*seen.anomalies.lock().unwrap(), Vec::<String>::new());
    *want.lock().unwrap() = Some(acknowledged.len());
    tokio::time::timeout(Duration::from_secs(30), follow)
        .await
        .expect("the follower received everything")
        .unwrap();

    // Exactly once: every acknowledged request delivered once, nothing else delivered.
    let delivered = seen.delivered.lock().unwrap().clone();
    let mut unique = delivered.clone();
    unique.sort();
    unique.dedup();
    let mut acked = acknowledged.clone();
    acked.sort();
    acked.dedup();
    assert_eq!(acked.len(), acknowledged.len(), "an id acknowledged twice");
    assert_eq!(
        unique.len(),
        delivered.len(),
        "the follower got a duplicate"
    );
    assert_eq!(unique, acked, "delivered differs from acknowledged");
    // And the new active serves each of them.
    let mut centre = b.client().await;
    for id in &acknowledged {
        centre
            .get_assistance_request(pb::GetAssistanceRequestRequest {
                request_id: id.clone(),
            })
            .await
            .unwrap_or_else(|s| panic!("acknowledged {id} lost: {s:?}"));
    }
    // The chair's next pull, on the new active from the same cursor: the rest, no repeat.
    let rest = cards_client(&b, "zi-lazy")
        .await
        .pull_blue_cards(pb::PullBlueCardsRequest {
            after_cursor: first.next_cursor.clone(),
            max_cards: 100,
            wait_seconds: 0,
        })
        .await
        .expect("pull on the new active")
        .into_inner();
    pulled.extend(
        rest.cards
            .iter()
            .map(|c| c.card.as_ref().unwrap().card_id.clone()),
    );
    assert_eq!(
        pulled, card_ids,
        "Blue Card pull across the failover: a gap or a repeat"
    );
    eprintln!(
        "failover (kill -9): takeover {:.2} s; {} acknowledged ({} before the kill), 0 lost, 0 duplicated, follower {} delivered",
        takeover.as_secs_f64(),
        acknowledged.len(),
        before,
        delivered.len()
    );

    // The reverse: the first node comes back as standby, naming the new active.
    let (mut again, log_again) = a.spawn(clock());
    assert_standby(&a, &log_again, b.addr()).await;
    assert!(
        matches!(again.try_wait(), Ok(None)),
        "the old active stays up as standby"
    );
    let _ = proc_b.kill();
    let _ = proc_b.wait();
    let back = wait_health(
        &a,
        ServingStatus::Serving,
        Duration::from_secs(30),
        &log_again,
    )
    .await;
    assert!(back <= TAKEOVER, "took back over after {back:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_active_that_wakes_after_the_takeover_commits_nothing_and_steps_down() {
    let _heavy = crate::support::serial::heavy();
    let pg = tokio::task::spawn_blocking(PgCluster::start_durable)
        .await
        .unwrap()
        .expect("a throwaway PostgreSQL cluster");
    let tmp = tempfile::tempdir().unwrap();
    let (mut a, mut b, metrics) = pair(tmp.path(), &pg);
    let (mut proc_a, log_a) = a.spawn(clock());
    a.wait_serving(&mut proc_a, &log_a).await;
    let (_proc_b, log_b) = b.spawn(clock());
    assert_standby(&b, &log_b, a.addr()).await;
    // The roles as Prometheus sees them, and the active's lease fresh.
    let (ma, mb) = (
        crate::metrics::scrape(metrics[0]).await,
        crate::metrics::scrape(metrics[1]).await,
    );
    assert_eq!(
        ma.get("lacznik_node_role{role=\"active\"}"),
        Some(&1.0),
        "{ma:?}"
    );
    assert_eq!(
        ma.get("lacznik_node_role{role=\"standby\"}"),
        Some(&0.0),
        "{ma:?}"
    );
    assert_eq!(
        mb.get("lacznik_node_role{role=\"standby\"}"),
        Some(&1.0),
        "{mb:?}"
    );
    let age = ma["lacznik_node_lease_age_seconds"];
    assert!(age < 3.0, "lease age {age}");
    assert!(ma.contains_key("lacznik_db_round_trip_seconds"), "{ma:?}");
    let visit = clock() + SignedDuration::from_hours(24 * 30);
    let mut centre_a = a.client().await;
    let before = normal(&new_id(), visit);
    centre_a
        .submit_assistance_request(before.clone())
        .await
        .expect("the active takes writes");

    // Paused: what reaches it now waits in its sockets.
    signal(&proc_a, "-STOP");
    let paused = Instant::now();
    let in_flight: Vec<_> = (0..4)
        .map(|_| {
            let req = normal(&new_id(), visit);
            let mut c = centre_a.clone();
            let id = req.request_id.clone();
            (
                id,
                tokio::spawn(async move {
                    tokio::time::timeout(Duration::from_secs(60), c.submit_assistance_request(req))
                        .await
                }),
            )
        })
        .collect();
    let takeover = wait_health(&b, ServingStatus::Serving, Duration::from_secs(30), &log_b).await;
    assert!(
        takeover <= TAKEOVER,
        "took over {takeover:?} after the pause:\n{}",
        read(&log_b)
    );
    let mut centre_b = b.client().await;
    centre_b
        .submit_assistance_request(normal(&new_id(), visit))
        .await
        .expect("the new active takes writes");

    // Woken: nothing it had in flight is committed, and it says it is standby now.
    signal(&proc_a, "-CONT");
    for (id, call) in in_flight {
        let answer = call.await.unwrap().expect("answered after waking");
        assert!(answer.is_err(), "{id} acknowledged by the paused node");
        let found = centre_b
            .get_assistance_request(pb::GetAssistanceRequestRequest {
                request_id: id.clone(),
            })
            .await;
        assert_eq!(
            found.map(|_| ()).map_err(|s| s.code()),
            Err(tonic::Code::NotFound),
            "{id}, sent to the paused node, was committed"
        );
    }
    centre_b
        .get_assistance_request(pb::GetAssistanceRequestRequest {
            request_id: before.request_id.clone(),
        })
        .await
        .expect("what the old active acknowledged before the pause is there");
    assert_standby(&a, &log_a, b.addr()).await;
    assert!(
        read(&log_a).contains("stepped down"),
        "the old active says it stepped down:\n{}",
        read(&log_a)
    );
    eprintln!(
        "split brain (SIGSTOP): takeover {:.2} s after the pause; the woken node committed 0 of 4 and stepped down ({:.1} s in all)",
        takeover.as_secs_f64(),
        paused.elapsed().as_secs_f64()
    );
}
