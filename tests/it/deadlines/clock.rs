//! The clock-control RPCs: for admins, on a simulated clock only.

use super::*;

#[tokio::test]
async fn clock_control_is_for_admins_on_a_simulated_clock_only() {
    let sim = TestServer::simulated(t(SUBMITTED)).await;
    let mut centre = sim.admin("mopr-torun").await;
    let now = centre.now(pb::NowRequest {}).await.unwrap().into_inner();
    assert!(now.simulated);
    assert_eq!(ts(&now.now), t(SUBMITTED));
    let denied = centre
        .advance_clock(pb::AdvanceClockRequest {
            by: Some(prost_types::Duration {
                seconds: 60,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);

    let mut admin = sim.admin("lacznik-admin").await;
    let set = admin
        .set_clock(pb::SetClockRequest {
            to: Some(prost_types::Timestamp {
                seconds: t("2026-03-03T00:00:00Z").as_second(),
                nanos: 0,
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ts(&set.now), t("2026-03-03T00:00:00Z"));
    let back = admin
        .set_clock(pb::SetClockRequest {
            to: Some(prost_types::Timestamp {
                seconds: t(SUBMITTED).as_second(),
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(back.code(), Code::InvalidArgument);
    let negative = admin
        .advance_clock(pb::AdvanceClockRequest {
            by: Some(prost_types::Duration {
                seconds: -5,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(negative.code(), Code::InvalidArgument);

    let real = TestServer::start().await;
    let mut admin = real.admin("lacznik-admin").await;
    let now = admin.now(pb::NowRequest {}).await.unwrap().into_inner();
    assert!(!now.simulated);
    assert!((ts(&now.now) - Timestamp::now()).abs() < SignedDuration::from_secs(5));
    let refused = admin
        .advance_clock(pb::AdvanceClockRequest {
            by: Some(prost_types::Duration {
                seconds: 60,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    let mut centre = real.admin("mopr-torun").await;
    let denied = centre
        .advance_clock(pb::AdvanceClockRequest {
            by: Some(prost_types::Duration {
                seconds: 60,
                nanos: 0,
            }),
        })
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
}
