//! Delivery guarantees across server restarts: Blue Card pulls resume from a cursor with no
//! gap and no reordering (the police stream's restart test is in `assistance/streams.rs`).

use crate::support::TestServer;
use crate::support::fixtures::*;
use jiff::SignedDuration;
use lacznik::api::pb;

const NOW: &str = "2026-11-18T09:00:00Z";

#[tokio::test]
async fn pulls_resume_after_a_restart_without_gap_or_reordering() {
    let s = TestServer::simulated(t(NOW)).await;
    let mut police = s.blue_card("kp-lazy").await;
    let mut sent = Vec::new();
    for _ in 0..7 {
        let id = new_id();
        police
            .submit_blue_card_a(card(&id, t(NOW) - SignedDuration::from_hours(1)))
            .await
            .unwrap();
        sent.push(id);
    }
    let mut team = s.blue_card("zi-lazy").await;
    let first = team
        .pull_blue_cards(pb::PullBlueCardsRequest {
            after_cursor: String::new(),
            max_cards: 3,
            wait_seconds: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let mut got: Vec<String> = first
        .cards
        .iter()
        .map(|c| c.card.as_ref().unwrap().card_id.clone())
        .collect();
    let cursor = first.next_cursor.clone();

    let s = s
        .restart_at(Some(t(NOW) + SignedDuration::from_mins(10)))
        .await;
    let mut police = s.blue_card("kp-lazy").await;
    let late = new_id();
    police
        .submit_blue_card_a(card(&late, t(NOW) - SignedDuration::from_hours(1)))
        .await
        .unwrap();
    sent.push(late);

    let mut team = s.blue_card("zi-lazy").await;
    let mut cursor = cursor;
    loop {
        let page = team
            .pull_blue_cards(pb::PullBlueCardsRequest {
                after_cursor: cursor.clone(),
                max_cards: 2,
                wait_seconds: 0,
            })
            .await
            .unwrap()
            .into_inner();
        if page.cards.is_empty() {
            break;
        }
        let cursors: Vec<u64> = page
            .cards
            .iter()
            .map(|c| {
                let (store, seq) = c.cursor.split_once(':').expect("<store id>:<seq>");
                assert_eq!(store.len(), 16, "{}", c.cursor);
                seq.parse().unwrap()
            })
            .collect();
        assert!(cursors.windows(2).all(|w| w[0] < w[1]), "cursors increase");
        got.extend(
            page.cards
                .iter()
                .map(|c| c.card.as_ref().unwrap().card_id.clone()),
        );
        cursor = page.next_cursor;
    }
    assert_eq!(
        got, sent,
        "every card once, in submission order, across the restart"
    );
}
