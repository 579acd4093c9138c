//! The calls the tests make again and again, each answering with the record (a missing
//! record in an OK answer panics).

use lacznik::api::pb;
use tonic::Status;

use super::fixtures::officer;
use super::{AssistanceClient, BlueCardClient};

/// Submits an assistance request; it must be accepted.
pub async fn submit_request(
    c: &mut AssistanceClient,
    req: pb::SubmitAssistanceRequestRequest,
) -> pb::AssistanceRequest {
    c.submit_assistance_request(req)
        .await
        .unwrap()
        .into_inner()
        .request
        .unwrap()
}

/// The police unit's acknowledgement `state` of request `id`, with what that state needs:
/// an officer when ACCEPTED, a reason when DECLINED.
pub async fn acknowledge_request(
    c: &mut AssistanceClient,
    id: &str,
    state: pb::AssistanceRequestState,
) -> Result<pb::AssistanceRequest, Status> {
    c.acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
        request_id: id.into(),
        acknowledgement: state as i32,
        officers: if state == pb::AssistanceRequestState::Accepted {
            vec![officer()]
        } else {
            vec![]
        },
        reason: if state == pb::AssistanceRequestState::Declined {
            "brak sił".into()
        } else {
            String::new()
        },
    })
    .await
    .map(|r| r.into_inner().request.unwrap())
}

/// Request `id`, as the caller of `c` sees it.
pub async fn get_request(
    c: &mut AssistanceClient,
    id: &str,
) -> Result<pb::AssistanceRequest, Status> {
    c.get_assistance_request(pb::GetAssistanceRequestRequest {
        request_id: id.into(),
    })
    .await
    .map(|r| r.into_inner().request.unwrap())
}

/// Submits a Blue Card A; it must be accepted.
pub async fn submit_card(c: &mut BlueCardClient, req: pb::SubmitBlueCardARequest) -> pb::BlueCard {
    c.submit_blue_card_a(req)
        .await
        .unwrap()
        .into_inner()
        .card
        .unwrap()
}

/// The team's acknowledgement of card `id`.
pub async fn acknowledge_card(c: &mut BlueCardClient, id: &str) -> Result<pb::BlueCard, Status> {
    c.acknowledge_blue_card(pb::AcknowledgeBlueCardRequest { card_id: id.into() })
        .await
        .map(|r| r.into_inner().card.unwrap())
}

/// Card `id`, as the caller of `c` sees it.
pub async fn get_card(c: &mut BlueCardClient, id: &str) -> Result<pb::BlueCard, Status> {
    c.get_blue_card(pb::GetBlueCardRequest { card_id: id.into() })
        .await
        .map(|r| r.into_inner().card.unwrap())
}
