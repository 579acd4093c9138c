//! The team's inbox: pulls skip acknowledged cards, a long poll wakes on a new card, and
//! lists show an initiator its own cards and a team its inbox.

use super::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn pull_skips_acknowledged_cards_and_a_long_poll_wakes_on_a_new_card() {
    let _timing = crate::support::serial::timing();
    let s = server().await;
    let mut team = s.blue_card("zi-lazy").await;
    let empty = pull(&mut team, "", 0).await;
    assert!(empty.cards.is_empty());
    assert_eq!(empty.next_cursor, "");

    // Nothing arrives: the long poll waits about as long as asked.
    let started_at = Instant::now();
    let waited = pull(&mut team, "", 1).await;
    assert!(waited.cards.is_empty());
    assert!(started_at.elapsed() >= Duration::from_millis(900));

    let mut long = s.blue_card("zi-lazy").await;
    let poll = tokio::spawn(async move { pull(&mut long, "", 20).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut police = s.blue_card("kp-lazy").await;
    let id = new_id();
    let sent = Instant::now();
    submit(&mut police, card(&id, started())).await;
    let got = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .unwrap()
        .unwrap();
    assert!(sent.elapsed() < Duration::from_secs(2));
    assert_eq!(got.cards[0].card.as_ref().unwrap().card_id, id);

    // Still available until acknowledged, also from the start.
    assert_eq!(pull(&mut team, "", 0).await.cards.len(), 1);
    let acked = ack(&mut team, &id).await.unwrap();
    assert_eq!(acked.state, pb::BlueCardState::Acknowledged as i32);
    assert!(pull(&mut team, "", 0).await.cards.is_empty());
    assert_eq!(
        ack(&mut team, &id).await.unwrap().acknowledged_time,
        acked.acknowledged_time,
        "retry"
    );

    let e = team
        .pull_blue_cards(pb::PullBlueCardsRequest {
            after_cursor: String::new(),
            max_cards: 1000,
            wait_seconds: 61,
        })
        .await
        .unwrap_err();
    let mut f = violated_fields(&e);
    f.sort();
    assert_eq!(f, vec!["max_cards", "wait_seconds"]);
    let e = police
        .pull_blue_cards(pb::PullBlueCardsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied);
}

#[tokio::test]
async fn list_shows_an_initiator_its_own_cards_and_a_team_its_inbox() {
    let s = server().await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut welfare = s.blue_card("mgops-lazy").await;
    let a = submit(&mut police, card(&new_id(), started())).await;
    let b = submit(&mut welfare, card(&new_id(), started())).await;
    let mine = police
        .list_blue_cards(pb::ListBlueCardsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .cards;
    assert_eq!(
        mine.iter().map(|c| c.card_id.clone()).collect::<Vec<_>>(),
        vec![a.card_id.clone()]
    );
    let mut team = s.blue_card("zi-lazy").await;
    ack(&mut team, &a.card_id).await.unwrap();
    let inbox = team
        .list_blue_cards(pb::ListBlueCardsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .cards;
    assert_eq!(inbox.len(), 2);
    let available = team
        .list_blue_cards(pb::ListBlueCardsRequest {
            state: pb::BlueCardState::Available as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .cards;
    assert_eq!(
        available
            .iter()
            .map(|c| c.card_id.clone())
            .collect::<Vec<_>>(),
        vec![b.card_id.clone()]
    );
    let by_procedure = team
        .list_blue_cards(pb::ListBlueCardsRequest {
            procedure_id: a.procedure_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .cards;
    assert_eq!(by_procedure.len(), 1);
}
