//! Nobody but the initiator and the team learns anything of a card; supervisors see its
//! breaches only.

use super::*;

#[tokio::test]
async fn nobody_else_learns_anything_and_supervisors_see_breaches_only() {
    let s = server().await;
    let mut police = s.blue_card("kp-lazy").await;
    let c = submit(
        &mut police,
        card(&new_id(), t(NOW) - SignedDuration::from_hours(24 * 10)),
    )
    .await;
    for org in [
        "mopr-torun",
        "zi-torun",
        "mgops-lazy",
        "gkrpa-lazy",
        "suw-katowice",
        "lacznik-admin",
    ] {
        let mut other = s.blue_card(org).await;
        let e = other
            .get_blue_card(pb::GetBlueCardRequest {
                card_id: c.card_id.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let e = other
            .get_procedure(pb::GetProcedureRequest {
                procedure_id: c.procedure_id.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let e = ack(&mut other, &c.card_id).await.unwrap_err();
        assert_eq!(e.code(), Code::NotFound, "{org}");
        let listed = other
            .list_blue_cards(pb::ListBlueCardsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .cards;
        assert!(listed.iter().all(|x| x.card_id != c.card_id), "{org}");
    }
    // The card came 10 days after the procedure started: § 7 ust. 1 breach, visible to the
    // supervisor of Łazy, without any card content.
    let mut supervisor = s.breaches("suw-katowice").await;
    let b = supervisor
        .list_breaches(pb::ListBreachesRequest::default())
        .await
        .unwrap()
        .into_inner()
        .breaches;
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].rule_id, "bluecard.to_chair");
    assert_eq!(b[0].legal_basis, "Rozp. RM 2011 § 7 ust. 1");
    assert_eq!(b[0].case_id, c.card_id);
    let mut other_supervisor = s.breaches("kpuw-bydgoszcz").await;
    assert!(
        other_supervisor
            .list_breaches(pb::ListBreachesRequest::default())
            .await
            .unwrap()
            .into_inner()
            .breaches
            .is_empty()
    );
}
