//! Reading the final state: every call retried on transport errors (the final server is
//! expected to stay up, but the test must not fail on a hiccup), lists read to the end.

use std::future::Future;
use std::time::Duration;

use crate::support::{AssistanceClient, BlueCardClient, BreachClient};
use lacznik::api::pb;
use tonic::transport::Channel;

use super::clients::transient;

pub(super) async fn read<T, F, Fut>(what: &str, mut f: F) -> Result<T, tonic::Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, tonic::Status>>,
{
    let mut last = None;
    for attempt in 0..20u64 {
        match tokio::time::timeout(Duration::from_secs(10), f()).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(s)) if !transient(s.code()) => return Err(s),
            Ok(Err(s)) => last = Some(s),
            Err(_) => last = Some(tonic::Status::deadline_exceeded("client-side timeout")),
        }
        tokio::time::sleep(Duration::from_millis(50 * (attempt + 1))).await;
    }
    panic!("{what}: the final server kept failing: {last:?}");
}

pub(super) async fn list_all_requests(ch: &Channel) -> Vec<pb::AssistanceRequest> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = read("ListAssistanceRequests", || {
            let mut c = AssistanceClient::new(ch.clone());
            let token = token.clone();
            async move {
                c.list_assistance_requests(pb::ListAssistanceRequestsRequest {
                    page_size: 500,
                    page_token: token,
                    ..Default::default()
                })
                .await
                .map(|r| r.into_inner())
            }
        })
        .await
        .expect("ListAssistanceRequests");
        out.extend(page.requests);
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
}

pub(super) async fn list_all_cards(ch: &Channel) -> Vec<pb::BlueCard> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = read("ListBlueCards", || {
            let mut c = BlueCardClient::new(ch.clone());
            let token = token.clone();
            async move {
                c.list_blue_cards(pb::ListBlueCardsRequest {
                    page_size: 500,
                    page_token: token,
                    ..Default::default()
                })
                .await
                .map(|r| r.into_inner())
            }
        })
        .await
        .expect("ListBlueCards");
        out.extend(page.cards);
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
}

pub(super) async fn list_all_breaches(ch: &Channel) -> Vec<pb::Breach> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = read("ListBreaches", || {
            let mut c = BreachClient::new(ch.clone());
            let token = token.clone();
            async move {
                c.list_breaches(pb::ListBreachesRequest {
                    page_size: 1000,
                    page_token: token,
                    ..Default::default()
                })
                .await
                .map(|r| r.into_inner())
            }
        })
        .await
        .expect("ListBreaches");
        out.extend(page.breaches);
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
}
