//! A change of `rules.profile` on an existing data directory: the clocks running when the
//! server stopped keep the due time (and the rule and legal basis) of the 2011 profile they
//! were opened under, the procedures started after the restart follow 2023, and a breach
//! report spanning the change says which rules applied to each breach.

use super::*;
use crate::support::rpc::{acknowledge_card as ack, get_card, submit_card as submit};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_switch_keeps_running_clocks_and_new_procedures_follow_2023() {
    // Thu 30 Apr 2026, 12:00 local, under 2011: § 8 ust. 1, 3 calendar days to the end of
    // Sun 3 May.
    let acked = t("2026-04-30T10:00:00Z");
    let old_due = t("2026-05-03T22:00:00Z");
    let s = server(Profile::Y2011, acked).await;
    let old = new_id();
    submit(
        &mut s.blue_card("kp-lazy").await,
        card(&old, acked - SignedDuration::from_hours(1)),
    )
    .await;
    let c = ack(&mut s.blue_card("zi-lazy").await, &old).await.unwrap();
    assert_eq!(ts(&deadline(&c, "bluecard.forward").due_time), old_due);
    let before = c.deadlines.clone();

    // The operator sets rules.profile = "2023" and restarts on the same data directory.
    let (dir, certs, ca, mut config) = s.stop().await;
    config.rules.profile = Profile::Y2023;
    let restarted = acked + SignedDuration::from_mins(5);
    let s = TestServer::relaunch(dir, certs, ca, config, Some(restarted)).await;
    let now = s
        .admin("zi-lazy")
        .await
        .now(pb::NowRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(now.rules_profile, "2023");
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;

    // The old card's clocks: the same due times, still 2011, no 2023 meeting rule.
    let c = get_card(&mut team, &old).await.unwrap();
    assert_eq!(c.deadlines, before);
    assert!(c.deadlines.iter().all(|d| d.rules_profile == "2011"));

    // A new procedure after the switch follows 2023: 3 working days (4, 5, 6 May) and the
    // group's meeting within 5 (to 8 May).
    let new = new_id();
    submit(
        &mut police,
        card(&new, restarted - SignedDuration::from_hours(1)),
    )
    .await;
    let n = ack(&mut team, &new).await.unwrap();
    assert!(n.deadlines.iter().all(|d| d.rules_profile == "2023"));
    let new_due = t("2026-05-06T22:00:00Z");
    assert_eq!(ts(&deadline(&n, "bluecard.forward").due_time), new_due);
    assert_eq!(
        ts(&deadline(&n, "bluecard.group_meeting").due_time),
        t("2026-05-08T22:00:00Z")
    );

    // The old deadline falls due under 2023 and is breached as the 2011 rule it is.
    s.set_clock(old_due - S1).await;
    assert!(get_card(&mut team, &old).await.unwrap().breaches.is_empty());
    s.set_clock(old_due).await;
    let c = get_card(&mut team, &old).await.unwrap();
    assert_eq!(c.breaches.len(), 1);
    let b = &c.breaches[0];
    assert_eq!(
        (
            b.rule_id.as_str(),
            b.rules_profile.as_str(),
            b.legal_basis.as_str()
        ),
        ("bluecard.forward", "2011", "Rozp. RM 2011 § 8 ust. 1")
    );
    // Its forwarding keeps the 2011 targets (the working group), an hour late.
    let late = old_due + SignedDuration::from_hours(1);
    s.set_clock(late).await;
    let c = forward(&mut team, &old, pb::ForwardedTo::WorkingGroup, late)
        .await
        .unwrap();
    let d = deadline(&c, "bluecard.forward");
    assert_eq!(
        (d.state.as_str(), secs(&d.lateness)),
        ("met_late", Some(3600))
    );

    // The new card's deadlines fall due by the 2023 rules.
    s.set_clock(t("2026-05-08T22:00:00Z")).await;
    let n = get_card(&mut team, &new).await.unwrap();
    let rows: Vec<(&str, &str, Timestamp)> = n
        .breaches
        .iter()
        .map(|b| {
            (
                b.rule_id.as_str(),
                b.rules_profile.as_str(),
                ts(&b.due_time),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("bluecard.forward", "2023", new_due),
            ("bluecard.group_meeting", "2023", t("2026-05-08T22:00:00Z")),
        ]
    );
    assert!(n.breaches[0].legal_basis.contains("Dz.U. 2023 poz. 1870"));

    // The supervisor's report over the change says which rules applied.
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("maj.csv");
    let stdout = report(&s, "suw-katowice", "2026-04-27", "2026-05-10", &csv);
    let rows = csv_maps(&csv);
    let profiles: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["rule_id"].as_str(), r["rules_profile"].as_str()))
        .collect();
    assert_eq!(
        profiles,
        vec![
            ("bluecard.forward", "2011"),
            ("bluecard.forward", "2023"),
            ("bluecard.group_meeting", "2023"),
        ]
    );
    assert_eq!(rows[0]["deadline_state"], "met_late");
    assert_eq!(rows[1]["deadline_state"], "breached");
    assert!(
        stdout.contains(
            "rules profiles: 2011 (1 breach(es), 1 met late), 2023 (2 breach(es), 0 met late)"
        ),
        "{stdout}"
    );
    let html = out.path().join("maj.html");
    report(&s, "suw-katowice", "2026-04-27", "2026-05-10", &html);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<h2>Rules applied</h2>"), "{page}");
    assert!(page.contains("spans a change of the rules profile"));
    assert!(page.contains("Dz.U. 2011 nr 209 poz. 1245"));
    assert!(page.contains("Dz.U. 2023 poz. 1870"));
    assert!(page.contains("WDU20230001870"), "the caveat");
    // Each profile's rule in its own words.
    assert!(page.contains("grupa robocza within 3 days of receipt"));
    assert!(page.contains("grupa diagnostyczno-pomocowa within 3 working days of receipt"));
}
