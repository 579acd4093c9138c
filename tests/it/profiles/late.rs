//! A deadline met after it was breached says so everywhere a person reads it: a service
//! note filed two days late and a Blue Card forwarded two days late show `met_late`, with
//! the lateness, in the case's Get, in ListBreaches, in the breach stream's RESOLVED event,
//! in the breach report (CSV and HTML) and in `lacznik client`.

use super::*;
use crate::support::TestServer;
use crate::support::rpc::{
    acknowledge_card as ack_card, acknowledge_request, get_card, get_request, submit_card,
    submit_request,
};

/// Two days, in seconds.
const TWO_DAYS: i64 = 48 * 3600;

/// What every place must say of the breach of `rule` on `case`, resolved two days late:
/// ListBreaches as `supervisor`, the stream's events, the report and the client CLI.
async fn late_everywhere(
    s: &TestServer,
    supervisor: &str,
    rule: &str,
    case: &str,
    due: Timestamp,
    range: (&str, &str),
) {
    // ListBreaches.
    let listed = s
        .breaches(supervisor)
        .await
        .list_breaches(pb::ListBreachesRequest {
            case_id: case.into(),
            rule_id: rule.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .breaches;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let b = &listed[0];
    assert_eq!(ts(&b.due_time), due);
    assert_eq!(
        (
            b.deadline_state.as_str(),
            secs(&b.lateness),
            b.rules_profile.as_str()
        ),
        ("met_late", Some(TWO_DAYS), "2011")
    );

    // The stream, replayed from the start: recorded (breached), then resolved (met late).
    let mut stream = s
        .breaches(supervisor)
        .await
        .watch_breaches(pb::WatchBreachesRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut events = Vec::new();
    while events.len() < 2 {
        let e = tokio::time::timeout(std::time::Duration::from_secs(5), stream.message())
            .await
            .expect("an event within 5 s")
            .unwrap()
            .unwrap();
        let br = e.breach.clone().unwrap();
        if br.case_id == case && br.rule_id == rule {
            events.push((e.kind, br.deadline_state, secs(&br.lateness)));
        }
    }
    assert_eq!(
        events,
        vec![
            (
                pb::BreachEventKind::Recorded as i32,
                "breached".into(),
                None
            ),
            (
                pb::BreachEventKind::Resolved as i32,
                "met_late".into(),
                Some(TWO_DAYS)
            ),
        ]
    );

    // The report.
    let out = tempfile::tempdir().unwrap();
    let csv = out.path().join("r.csv");
    report(s, supervisor, range.0, range.1, &csv);
    let rows = csv_maps(&csv);
    let row = rows
        .iter()
        .find(|r| r["case_id"] == case && r["rule_id"] == rule)
        .unwrap();
    assert_eq!(
        (
            row["state"].as_str(),
            row["deadline_state"].as_str(),
            row["lateness_hours"].as_str(),
            row["rules_profile"].as_str()
        ),
        ("resolved", "met_late", "48.00", "2011")
    );
    let html = out.path().join("r.html");
    report(s, supervisor, range.0, range.1, &html);
    let page = std::fs::read_to_string(&html).unwrap();
    let late_row = format!("<tr id=\"late-{}\">", b.breach_id);
    let at = page
        .find(&late_row)
        .unwrap_or_else(|| panic!("{late_row} in {page}"));
    let row_html = &page[at..at + page[at..].find("</tr>").unwrap()];
    assert!(row_html.contains("<td>met_late</td>"), "{row_html}");
    assert!(row_html.contains("2 d 0 h"), "{row_html}");

    // The client CLI: the breach table.
    let text = client(s, supervisor, &["breaches", "list"]);
    let line = text
        .lines()
        .find(|l| l.contains(case) && l.contains(rule))
        .unwrap_or_else(|| panic!("no {case} in {text}"));
    assert!(line.contains("met_late") && line.contains("2011"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_note_filed_two_days_late_shows_met_late_everywhere() {
    // Visit Mon 16 Mar 2026, 10:00-12:00 in Toruń; the note is due within 1 working day
    // after it: the end of Tue 17 Mar.
    let s = server(Profile::Y2011, t("2026-03-09T08:00:00Z")).await;
    let visit = t("2026-03-16T09:00:00Z");
    let due = t("2026-03-17T23:00:00Z");
    let mut centre = s.assistance("mopr-torun").await;
    let mut police = s.assistance("kmp-torun").await;
    let id = submit_request(&mut centre, normal(&new_id(), visit))
        .await
        .request_id;
    for state in [
        pb::AssistanceRequestState::Received,
        pb::AssistanceRequestState::Accepted,
    ] {
        acknowledge_request(&mut police, &id, state).await.unwrap();
    }
    s.set_clock(due).await;
    let r = get_request(&mut police, &id).await.unwrap();
    let d = r
        .deadlines
        .iter()
        .find(|d| d.rule_id == "assistance.service_note")
        .unwrap();
    assert_eq!(d.state, "breached");

    let filed = due + SignedDuration::from_secs(TWO_DAYS);
    s.set_clock(filed).await;
    police
        .file_service_note(pb::FileServiceNoteRequest {
            request_id: id.clone(),
            note: Some(note(visit)),
        })
        .await
        .unwrap();
    // Get, for both parties.
    for c in [&mut police, &mut centre] {
        let r = get_request(c, &id).await.unwrap();
        let d = r
            .deadlines
            .iter()
            .find(|d| d.rule_id == "assistance.service_note")
            .unwrap();
        assert_eq!(
            (
                d.state.as_str(),
                secs(&d.lateness),
                d.rules_profile.as_str()
            ),
            ("met_late", Some(TWO_DAYS), "2011")
        );
        assert_eq!(ts(&d.met_time), filed);
        let b = r
            .breaches
            .iter()
            .find(|b| b.rule_id == "assistance.service_note")
            .unwrap();
        assert_eq!(b.deadline_state, "met_late");
    }
    let text = client(&s, "kmp-torun", &["assistance", "get", &id]);
    assert!(text.contains("state: met_late"), "{text}");
    late_everywhere(
        &s,
        "kpuw-bydgoszcz",
        "assistance.service_note",
        &id,
        due,
        ("2026-03-16", "2026-03-22"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_forwarded_two_days_late_shows_met_late_everywhere() {
    // Acknowledged Thu 12 Mar 2026, 10:00 in Łazy; § 8 ust. 1: 3 days, the end of Sun 15 Mar.
    let acked = t("2026-03-12T09:00:00Z");
    let due = t("2026-03-15T23:00:00Z");
    let s = server(Profile::Y2011, acked).await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut team = s.blue_card("zi-lazy").await;
    let id = new_id();
    submit_card(
        &mut police,
        card(&id, acked - SignedDuration::from_hours(1)),
    )
    .await;
    ack_card(&mut team, &id).await.unwrap();
    s.set_clock(due).await;
    let forwarded = due + SignedDuration::from_secs(TWO_DAYS);
    s.set_clock(forwarded).await;
    forward(&mut team, &id, pb::ForwardedTo::TeamMembers, forwarded)
        .await
        .unwrap();
    for c in [&mut team, &mut police] {
        let card = get_card(c, &id).await.unwrap();
        let d = deadline(&card, "bluecard.forward");
        assert_eq!(
            (
                d.state.as_str(),
                secs(&d.lateness),
                d.rules_profile.as_str()
            ),
            ("met_late", Some(TWO_DAYS), "2011")
        );
    }
    let text = client(&s, "zi-lazy", &["bluecard", "get", &id]);
    assert!(text.contains("state: met_late"), "{text}");
    late_everywhere(
        &s,
        "suw-katowice",
        "bluecard.forward",
        &id,
        due,
        ("2026-03-09", "2026-03-22"),
    )
    .await;
}
