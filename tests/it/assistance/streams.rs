//! The police stream: live delivery, replay from a cursor after reconnects and restarts,
//! and nothing of another unit's.

use super::*;
use tokio_stream::StreamExt;

#[tokio::test]
async fn the_police_stream_delivers_live_and_replays_after_reconnects_and_restarts() {
    let _timing = crate::support::serial::timing();
    let s = server().await;
    let mut centre = s.assistance("mopr-torun").await;
    let mut police = s.assistance("kmp-torun").await;
    let mut stream = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut ids = Vec::new();
    let mut cursors = Vec::new();
    for _ in 0..3 {
        let id = new_id();
        submit(&mut centre, normal(&id, t(VISIT))).await;
        let started = std::time::Instant::now();
        let e = stream.next().await.unwrap().unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(e.request.as_ref().unwrap().request_id, id);
        ids.push(id);
        cursors.push(e.cursor);
    }
    drop(stream);
    // While disconnected: two more.
    for _ in 0..2 {
        let id = new_id();
        submit(&mut centre, normal(&id, t(VISIT))).await;
        ids.push(id);
    }
    let mut resumed = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
            after_cursor: cursors[2].clone(),
        })
        .await
        .unwrap()
        .into_inner();
    for id in &ids[3..] {
        let e = resumed.next().await.unwrap().unwrap();
        assert_eq!(&e.request.as_ref().unwrap().request_id, id);
        cursors.push(e.cursor);
    }
    drop(resumed);

    // Restart the server; resume from the middle: no gap, no reordering.
    let s = s
        .restart_at(Some(t(NOW) + SignedDuration::from_mins(5)))
        .await;
    let mut police = s.assistance("kmp-torun").await;
    let mut again = police
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest {
            after_cursor: cursors[1].clone(),
        })
        .await
        .unwrap()
        .into_inner();
    for id in &ids[2..] {
        let e = again.next().await.unwrap().unwrap();
        assert_eq!(&e.request.as_ref().unwrap().request_id, id);
    }
    // And live again after the restart.
    let mut centre = s.assistance("mopr-torun").await;
    let id = new_id();
    submit(&mut centre, normal(&id, t(VISIT))).await;
    let e = tokio::time::timeout(std::time::Duration::from_secs(5), again.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(e.request.unwrap().request_id, id);

    // Another police unit's stream carries none of these.
    let mut other = s.assistance("kp-lazy").await;
    let mut lazy = other
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), lazy.next())
            .await
            .is_err()
    );
    // A centre may not open a police stream.
    let e = centre
        .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
}
