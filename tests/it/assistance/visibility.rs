//! Who sees what: a third organisation learns nothing (not even that an id exists), and
//! lists page by planned start and filter by state and range.

use super::*;

#[tokio::test]
async fn a_third_organisation_learns_nothing_not_even_that_the_id_exists() {
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let id = new_id();
    submit(&mut centre, normal(&id, t(VISIT))).await;
    let unknown = new_id();
    for org in [
        "mgops-lazy",
        "kp-lazy",
        "zi-torun",
        "kpuw-bydgoszcz",
        "lacznik-admin",
        "mkrpa-torun",
    ] {
        let mut c = s.assistance(org).await;
        let e = get(&mut c, &id).await.unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let e2 = get(&mut c, &unknown).await.unwrap_err();
        assert_eq!(e2.code(), Code::NotFound);
        assert_eq!(
            e.message().replace(&id, "X"),
            e2.message().replace(&unknown, "X"),
            "same answer for {org}"
        );
        let e = ack(&mut c, &id, S::Received).await.unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let e = c
            .cancel_assistance_request(pb::CancelAssistanceRequestRequest {
                request_id: id.clone(),
                reason: "x".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let listed = c
            .list_assistance_requests(pb::ListAssistanceRequestsRequest::default())
            .await
            .map(|r| r.into_inner().requests)
            .unwrap_or_default();
        assert!(listed.iter().all(|r| r.request_id != id), "{org} listed it");
    }
}

#[tokio::test]
async fn list_pages_by_planned_start_and_filters_by_state_and_range() {
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut ids = Vec::new();
    for day in [5, 1, 3, 2, 4] {
        let id = new_id();
        submit(
            &mut centre,
            normal(&id, t(VISIT) + SignedDuration::from_hours(24 * day)),
        )
        .await;
        ids.push((day, id));
    }
    ids.sort();
    let mut police = s.assistance("kmp-torun").await;
    ack(&mut police, &ids[0].1, S::Received).await.unwrap();
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = centre
            .list_assistance_requests(pb::ListAssistanceRequestsRequest {
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.requests.into_iter().map(|r| r.request_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(
        seen,
        ids.iter().map(|(_, id)| id.clone()).collect::<Vec<_>>()
    );
    let received = police
        .list_assistance_requests(pb::ListAssistanceRequestsRequest {
            state: S::Received as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .requests;
    assert_eq!(received.len(), 1);
    let window = centre
        .list_assistance_requests(pb::ListAssistanceRequestsRequest {
            planned_from: Some(pbts(t(VISIT) + SignedDuration::from_hours(24 * 2))),
            planned_to: Some(pbts(t(VISIT) + SignedDuration::from_hours(24 * 4))),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .requests;
    assert_eq!(window.len(), 2);
    let e = centre
        .list_assistance_requests(pb::ListAssistanceRequestsRequest {
            page_token: "zz".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
}
