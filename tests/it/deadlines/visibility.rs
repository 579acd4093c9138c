//! Who sees a breach (the parties and the supervisor of the gmina), the breach stream's
//! replay and live delivery, and ListBreaches' filters and pages.

use super::*;

#[tokio::test]
async fn breaches_are_visible_to_the_parties_and_the_supervisor_of_the_gmina_only() {
    let server = seeded(vec![torun_case("req-v")]).await;
    server.advance_clock(SignedDuration::from_hours(1)).await;
    for org in ["mopr-torun", "kmp-torun", "kpuw-bydgoszcz"] {
        assert_eq!(breaches(&server, org).await.len(), 1, "{org} must see it");
    }
    for org in [
        "mgops-lazy",
        "kp-lazy",
        "zi-torun",
        "suw-katowice",
        "lacznik-admin",
        "sp-torun",
    ] {
        assert!(
            breaches(&server, org).await.is_empty(),
            "{org} must not see it"
        );
    }
}

#[tokio::test]
async fn watch_breaches_replays_from_a_cursor_and_then_streams_live() {
    let server = seeded(vec![torun_case("w-1"), torun_case("w-2")]).await;
    server.advance_clock(SignedDuration::from_hours(1)).await;

    let mut client = server.breaches("kpuw-bydgoszcz").await;
    let mut stream = client
        .watch_breaches(WatchBreachesRequest::default())
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    let second = stream.message().await.unwrap().unwrap();
    assert_eq!(first.kind, pb::BreachEventKind::Recorded as i32);
    let cases: Vec<String> = [&first, &second]
        .iter()
        .map(|e| e.breach.as_ref().unwrap().case_id.clone())
        .collect();
    assert_eq!(cases, vec!["w-1", "w-2"]);

    // Live: the response deadlines fall due while the stream is open.
    server
        .advance_clock(SignedDuration::from_hours(24 * 12))
        .await;
    let third = tokio::time::timeout(std::time::Duration::from_secs(5), stream.message())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        third.breach.as_ref().unwrap().rule_id,
        "assistance.response"
    );

    // Resume after the first: the second comes again, nothing before it.
    let mut resumed = client
        .watch_breaches(WatchBreachesRequest {
            after_cursor: first.cursor.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let again = resumed.message().await.unwrap().unwrap();
    assert_eq!(again.cursor, second.cursor);

    // A party of another gmina sees nothing: its stream stays silent.
    let mut other = server
        .breaches("suw-katowice")
        .await
        .watch_breaches(WatchBreachesRequest::default())
        .await
        .unwrap()
        .into_inner();
    let silent = tokio::time::timeout(std::time::Duration::from_millis(300), other.message()).await;
    assert!(
        silent.is_err(),
        "supervisor of another gmina received {silent:?}"
    );

    let bad = client
        .watch_breaches(WatchBreachesRequest {
            after_cursor: "not-a-cursor".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn list_breaches_filters_and_pages() {
    let server = seeded((0..5).map(|i| torun_case(&format!("p-{i}"))).collect()).await;
    server
        .advance_clock(SignedDuration::from_hours(24 * 14))
        .await;
    let mut client = server.breaches("kmp-torun").await;
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_breaches(ListBreachesRequest {
                rule_id: "assistance.receipt".into(),
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.breaches.into_iter().map(|b| b.case_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, vec!["p-0", "p-1", "p-2", "p-3", "p-4"]);
    let one = client
        .list_breaches(ListBreachesRequest {
            case_id: "p-3".into(),
            state: pb::BreachState::Open as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .breaches;
    assert_eq!(one.len(), 2, "receipt and response of p-3");
    let resolved = client
        .list_breaches(ListBreachesRequest {
            state: pb::BreachState::Resolved as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .breaches;
    assert!(resolved.is_empty());
    let window = client
        .list_breaches(ListBreachesRequest {
            due_from: Some(prost_types::Timestamp {
                seconds: t("2026-03-10T00:00:00Z").as_second(),
                nanos: 0,
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .breaches;
    assert!(window.iter().all(|b| b.rule_id == "assistance.response"));
    assert_eq!(window.len(), 5);
}
