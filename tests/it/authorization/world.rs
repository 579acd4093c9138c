//! The fixtures of the matrix test ([`World`]: one channel per caller and the shared
//! records) and [`call`], which makes one cell's call with valid arguments.

use std::collections::HashMap;

use super::matrix::Rpc;
use crate::support::fixtures::*;
use crate::support::rpc::{acknowledge_card, acknowledge_request};
use crate::support::{AssistanceClient, BlueCardClient};
use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use lacznik::api::pb::admin_service_client::AdminServiceClient;
use lacznik::api::pb::assistance_service_client::AssistanceServiceClient;
use lacznik::api::pb::blue_card_service_client::BlueCardServiceClient;
use lacznik::api::pb::breach_service_client::BreachServiceClient;
use tonic::Status;
use tonic::transport::Channel;

/// Tuesday 1 Dec 2026, 09:00 in Poland.
const NOW: &str = "2026-12-01T08:00:00Z";

pub(super) fn now() -> Timestamp {
    t(NOW)
}

/// A NORMAL visit far enough ahead for every deadline: Monday 14 Dec 2026, 10:00 local.
fn visit() -> Timestamp {
    t("2026-12-14T09:00:00Z")
}

/// The start of an URGENT_ORAL visit that has already started.
fn urgent_start() -> Timestamp {
    now() - SignedDuration::from_hours(3)
}

/// When the Blue Card fixtures' procedures started.
fn card_started() -> Timestamp {
    now() - SignedDuration::from_hours(2)
}

fn signatory() -> pb::Signatory {
    pb::Signatory {
        first_name: "Maria".into(),
        last_name: "Kierownik".into(),
        position: "Dyrektor MOPR".into(),
    }
}

/// The record a cell works on (empty for RPCs that take none).
#[derive(Default)]
pub(super) struct Target {
    /// Request id, card id or procedure id.
    id: String,
    /// SetClock: the instant to set (the current simulated time).
    clock: Option<Timestamp>,
}

/// One authenticated channel per caller, plus the shared read-only fixtures.
pub(super) struct World {
    pub(super) channels: HashMap<&'static str, Channel>,
    /// A SUBMITTED NORMAL request of `mopr-torun`.
    pub(super) request: String,
    /// An AVAILABLE card of `kp-lazy` and its procedure.
    pub(super) card: String,
    pub(super) procedure: String,
}

impl World {
    pub(super) fn ch(&self, org: &str) -> Channel {
        self.channels[org].clone()
    }

    fn assistance(&self, org: &str) -> AssistanceClient {
        AssistanceServiceClient::new(self.ch(org))
    }

    fn blue_cards(&self, org: &str) -> BlueCardClient {
        BlueCardServiceClient::new(self.ch(org))
    }

    async fn submit_request(&self, req: pb::SubmitAssistanceRequestRequest) -> String {
        self.assistance("mopr-torun")
            .submit_assistance_request(req)
            .await
            .expect("fixture: mopr-torun submits")
            .into_inner()
            .request
            .expect("request")
            .request_id
    }

    pub(super) async fn fresh_normal(&self) -> String {
        self.submit_request(normal(&new_id(), visit())).await
    }

    async fn fresh_urgent(&self) -> String {
        self.submit_request(urgent(
            &new_id(),
            urgent_start(),
            urgent_start() - SignedDuration::from_mins(30),
        ))
        .await
    }

    async fn police_ack(&self, id: &str, state: pb::AssistanceRequestState) {
        acknowledge_request(&mut self.assistance("kmp-torun"), id, state)
            .await
            .expect("fixture: kmp-torun acknowledges");
    }

    /// A fresh card of `kp-lazy`: (card id, procedure id).
    pub(super) async fn fresh_card(&self) -> (String, String) {
        let c = self
            .blue_cards("kp-lazy")
            .submit_blue_card_a(card(&new_id(), card_started()))
            .await
            .expect("fixture: kp-lazy submits a card")
            .into_inner()
            .card
            .expect("card");
        (c.card_id, c.procedure_id)
    }

    async fn team_ack(&self, card_id: &str) {
        acknowledge_card(&mut self.blue_cards("zi-lazy"), card_id)
            .await
            .expect("fixture: zi-lazy acknowledges");
    }

    /// Prepares the record of one cell: shared for reads, fresh for every state change.
    pub(super) async fn target(&self, rpc: Rpc) -> Target {
        use Rpc::*;
        let id = match rpc {
            SetClock => {
                let now = AdminServiceClient::new(self.ch("lacznik-admin"))
                    .now(pb::NowRequest {})
                    .await
                    .expect("fixture: Now")
                    .into_inner()
                    .now;
                return Target {
                    id: String::new(),
                    clock: Some(ts(&now)),
                };
            }
            SubmitAssistanceRequest | SubmitBlueCardA => new_id(),
            GetAssistanceRequest => self.request.clone(),
            AmendAssistanceRequest | CancelAssistanceRequest | AcknowledgeAssistanceRequest => {
                self.fresh_normal().await
            }
            SubmitWrittenConfirmation => self.fresh_urgent().await,
            FileServiceNote => {
                let id = self.fresh_urgent().await;
                self.police_ack(&id, pb::AssistanceRequestState::Received)
                    .await;
                self.police_ack(&id, pb::AssistanceRequestState::Accepted)
                    .await;
                id
            }
            GetBlueCard => self.card.clone(),
            GetProcedure => self.procedure.clone(),
            AcknowledgeBlueCard => self.fresh_card().await.0,
            RecordForwarding => {
                let (card, _) = self.fresh_card().await;
                self.team_ack(&card).await;
                card
            }
            RecordProcedureStep => self.fresh_card().await.1,
            CloseProcedure => {
                let (card, procedure) = self.fresh_card().await;
                self.team_ack(&card).await;
                procedure
            }
            WhoAmI
            | ListOrganizations
            | Now
            | AdvanceClock
            | ListAssistanceRequests
            | StreamAssistanceRequests
            | ListBlueCards
            | PullBlueCards
            | ListBreaches
            | WatchBreaches => String::new(),
        };
        Target { id, clock: None }
    }
}

fn done<T>(r: Result<tonic::Response<T>, Status>) -> Result<(), Status> {
    r.map(|_| ())
}

/// Calls `rpc` on `ch` against `target` with valid arguments. For the two server streams
/// only the opening counts: `Ok` means the server answered with a stream.
pub(super) async fn call(ch: Channel, rpc: Rpc, target: &Target) -> Result<(), Status> {
    use Rpc::*;
    let id = target.id.clone();
    let mut admin = AdminServiceClient::new(ch.clone());
    let mut assistance = AssistanceServiceClient::new(ch.clone());
    let mut cards = BlueCardServiceClient::new(ch.clone());
    let mut breaches = BreachServiceClient::new(ch);
    match rpc {
        WhoAmI => done(admin.who_am_i(pb::WhoAmIRequest {}).await),
        ListOrganizations => done(
            admin
                .list_organizations(pb::ListOrganizationsRequest::default())
                .await,
        ),
        Now => done(admin.now(pb::NowRequest {}).await),
        AdvanceClock => done(
            admin
                .advance_clock(pb::AdvanceClockRequest {
                    by: Some(prost_types::Duration {
                        seconds: 0,
                        nanos: 0,
                    }),
                })
                .await,
        ),
        SetClock => done(
            admin
                .set_clock(pb::SetClockRequest {
                    to: target.clock.map(pbts),
                })
                .await,
        ),
        SubmitAssistanceRequest => done(
            assistance
                .submit_assistance_request(normal(&id, visit()))
                .await,
        ),
        GetAssistanceRequest => done(
            assistance
                .get_assistance_request(pb::GetAssistanceRequestRequest { request_id: id })
                .await,
        ),
        ListAssistanceRequests => done(
            assistance
                .list_assistance_requests(pb::ListAssistanceRequestsRequest::default())
                .await,
        ),
        AmendAssistanceRequest => {
            let mut content = content(visit());
            content.expected_behaviour = "agresja fizyczna, w mieszkaniu pies".into();
            done(
                assistance
                    .amend_assistance_request(pb::AmendAssistanceRequestRequest {
                        request_id: id,
                        expected_version: 0,
                        fields: vec!["expected_behaviour".into()],
                        content: Some(content),
                    })
                    .await,
            )
        }
        CancelAssistanceRequest => done(
            assistance
                .cancel_assistance_request(pb::CancelAssistanceRequestRequest {
                    request_id: id,
                    reason: "klient wyprowadził się".into(),
                })
                .await,
        ),
        SubmitWrittenConfirmation => done(
            assistance
                .submit_written_confirmation(pb::SubmitWrittenConfirmationRequest {
                    request_id: id,
                    signed_by: Some(signatory()),
                    remarks: String::new(),
                })
                .await,
        ),
        StreamAssistanceRequests => done(
            assistance
                .stream_assistance_requests(pb::StreamAssistanceRequestsRequest::default())
                .await,
        ),
        AcknowledgeAssistanceRequest => done(
            assistance
                .acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
                    request_id: id,
                    acknowledgement: pb::AssistanceRequestState::Received as i32,
                    officers: vec![],
                    reason: String::new(),
                })
                .await,
        ),
        FileServiceNote => done(
            assistance
                .file_service_note(pb::FileServiceNoteRequest {
                    request_id: id,
                    note: Some(note(urgent_start())),
                })
                .await,
        ),
        SubmitBlueCardA => done(cards.submit_blue_card_a(card(&id, card_started())).await),
        GetBlueCard => done(
            cards
                .get_blue_card(pb::GetBlueCardRequest { card_id: id })
                .await,
        ),
        ListBlueCards => done(
            cards
                .list_blue_cards(pb::ListBlueCardsRequest::default())
                .await,
        ),
        PullBlueCards => done(
            cards
                .pull_blue_cards(pb::PullBlueCardsRequest {
                    after_cursor: String::new(),
                    max_cards: 10,
                    wait_seconds: 0,
                })
                .await,
        ),
        AcknowledgeBlueCard => done(
            cards
                .acknowledge_blue_card(pb::AcknowledgeBlueCardRequest { card_id: id })
                .await,
        ),
        RecordForwarding => done(
            cards
                .record_forwarding(pb::RecordForwardingRequest {
                    card_id: id,
                    forwarded_to: pb::ForwardedTo::TeamMembers as i32,
                    recipients: "członkowie zespołu interdyscyplinarnego".into(),
                    forwarded_time: Some(pbts(now())),
                })
                .await,
        ),
        RecordProcedureStep => done(
            cards
                .record_procedure_step(pb::RecordProcedureStepRequest {
                    procedure_id: id,
                    kind: pb::ProcedureStepKind::FormC as i32,
                    step_time: Some(pbts(now())),
                })
                .await,
        ),
        CloseProcedure => done(
            cards
                .close_procedure(pb::CloseProcedureRequest {
                    procedure_id: id,
                    reason: pb::ClosureReason::NoGrounds as i32,
                    protocol: Some(protocol(card_started(), now())),
                })
                .await,
        ),
        GetProcedure => done(
            cards
                .get_procedure(pb::GetProcedureRequest { procedure_id: id })
                .await,
        ),
        ListBreaches => done(
            breaches
                .list_breaches(pb::ListBreachesRequest::default())
                .await,
        ),
        WatchBreaches => done(
            breaches
                .watch_breaches(pb::WatchBreachesRequest::default())
                .await,
        ),
    }
}
