//! The authorization matrix: every RPC called as every organisation kind (and as a
//! same-kind organisation of another gmina), as a suspended organisation and with a
//! certificate for an organisation missing from the directory; every cell checks the exact
//! status code. [`MATRIX`] is the table of README.md ("Authorization matrix"), cell by cell;
//! `readme_table_is_the_tested_matrix` keeps the two equal.
//!
//! The fixtures (one server on a simulated clock that never moves):
//! - assistance: requests of `mopr-torun` for an address in Toruń, routed to `kmp-torun`;
//! - Blue Card: cards of `kp-lazy` for Łazy, routed to the team `zi-lazy`, each starting a
//!   procedure.
//!
//! A row that changes state gets a fresh record, brought to the state the RPC needs, for
//! every caller, so a cell's code depends only on who calls, never on an earlier cell. Every
//! call carries valid arguments, so an allowed caller gets OK. What each row sends:
//!
//! | row | what is sent |
//! |---|---|
//! | `WhoAmI`, `ListOrganizations`, `Now` | empty request / no filter |
//! | `AdvanceClock` | `by` = 0 s (the clock does not move) |
//! | `SetClock` | `to` = the current simulated time (the clock does not move) |
//! | `SubmitAssistanceRequest` | a NORMAL request for the Toruń address, fresh id, visit in 13 days (so `mgops-lazy` of Łazy sends an address outside its area: INVALID_ARGUMENT) |
//! | `GetAssistanceRequest` | the shared Toruń request (SUBMITTED) |
//! | `ListAssistanceRequests`, `ListBlueCards`, `ListBreaches` | no filter |
//! | `AmendAssistanceRequest` | a fresh NORMAL request; changes `expected_behaviour` |
//! | `CancelAssistanceRequest` | a fresh NORMAL request; a reason |
//! | `SubmitWrittenConfirmation` | a fresh URGENT_ORAL request; a signatory |
//! | `StreamAssistanceRequests`, `WatchBreaches` | no cursor; only the opening of the stream is checked |
//! | `AcknowledgeAssistanceRequest` | a fresh NORMAL request (SUBMITTED); RECEIVED |
//! | `FileServiceNote` | a fresh URGENT_ORAL request whose visit started 3 h ago, RECEIVED and ACCEPTED by `kmp-torun`; a valid note |
//! | `SubmitBlueCardA` | a Łazy card, fresh id, new procedure |
//! | `GetBlueCard`, `GetProcedure` | the shared Łazy card / its procedure |
//! | `PullBlueCards` | no cursor, `wait_seconds` 0 |
//! | `AcknowledgeBlueCard` | a fresh card (AVAILABLE) |
//! | `RecordForwarding` | a fresh card acknowledged by `zi-lazy`; to team members, now |
//! | `RecordProcedureStep` | the procedure of a fresh card; form C, now |
//! | `CloseProcedure` | the procedure of a fresh card acknowledged by `zi-lazy`; NO_GROUNDS with a protocol |

use std::collections::HashMap;
use std::time::Instant;

use crate::support::TestServer;
use crate::support::fixtures::*;
use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use lacznik::api::pb::admin_service_client::AdminServiceClient;
use lacznik::api::pb::assistance_service_client::AssistanceServiceClient;
use lacznik::api::pb::blue_card_service_client::BlueCardServiceClient;
use lacznik::api::pb::breach_service_client::BreachServiceClient;
use tonic::transport::Channel;
use tonic::{Code, Status};

/// Tuesday 1 Dec 2026, 09:00 in Poland.
const NOW: &str = "2026-12-01T08:00:00Z";

/// The columns of the matrix.
const N: usize = 16;
const CALLERS: [&str; N] = [
    "mopr-torun",       // welfare_centre, Toruń: the centre of the assistance fixture
    "mgops-lazy",       // welfare_centre, other gmina (Łazy)
    "kmp-torun",        // police_unit, Toruń: the police unit of the assistance fixture
    "kp-lazy",          // police_unit, Łazy: the initiator of the Blue Card fixture
    "zi-torun",         // team, Toruń
    "zi-lazy",          // team, Łazy: the team of the Blue Card fixture
    "mkrpa-torun",      // alcohol_commission, Toruń
    "gkrpa-lazy",       // alcohol_commission, other gmina (Łazy)
    "sp-torun",         // education
    "szpital-torun",    // health_care
    "zw-warszawa",      // military_police
    "kpuw-bydgoszcz",   // supervisor of Toruń
    "suw-katowice",     // supervisor of Łazy
    "lacznik-admin",    // admin
    "mopr-torun-filia", // suspended (active = false)
    "ops-nowhere",      // a valid certificate for an organisation missing from the directory
];

/// Every RPC of the four lacznik services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rpc {
    WhoAmI,
    ListOrganizations,
    Now,
    AdvanceClock,
    SetClock,
    SubmitAssistanceRequest,
    GetAssistanceRequest,
    ListAssistanceRequests,
    AmendAssistanceRequest,
    CancelAssistanceRequest,
    SubmitWrittenConfirmation,
    StreamAssistanceRequests,
    AcknowledgeAssistanceRequest,
    FileServiceNote,
    SubmitBlueCardA,
    GetBlueCard,
    ListBlueCards,
    PullBlueCards,
    AcknowledgeBlueCard,
    RecordForwarding,
    RecordProcedureStep,
    CloseProcedure,
    GetProcedure,
    ListBreaches,
    WatchBreaches,
}

impl Rpc {
    fn name(self) -> &'static str {
        use Rpc::*;
        match self {
            WhoAmI => "AdminService.WhoAmI",
            ListOrganizations => "AdminService.ListOrganizations",
            Now => "AdminService.Now",
            AdvanceClock => "AdminService.AdvanceClock",
            SetClock => "AdminService.SetClock",
            SubmitAssistanceRequest => "AssistanceService.SubmitAssistanceRequest",
            GetAssistanceRequest => "AssistanceService.GetAssistanceRequest",
            ListAssistanceRequests => "AssistanceService.ListAssistanceRequests",
            AmendAssistanceRequest => "AssistanceService.AmendAssistanceRequest",
            CancelAssistanceRequest => "AssistanceService.CancelAssistanceRequest",
            SubmitWrittenConfirmation => "AssistanceService.SubmitWrittenConfirmation",
            StreamAssistanceRequests => "AssistanceService.StreamAssistanceRequests",
            AcknowledgeAssistanceRequest => "AssistanceService.AcknowledgeAssistanceRequest",
            FileServiceNote => "AssistanceService.FileServiceNote",
            SubmitBlueCardA => "BlueCardService.SubmitBlueCardA",
            GetBlueCard => "BlueCardService.GetBlueCard",
            ListBlueCards => "BlueCardService.ListBlueCards",
            PullBlueCards => "BlueCardService.PullBlueCards",
            AcknowledgeBlueCard => "BlueCardService.AcknowledgeBlueCard",
            RecordForwarding => "BlueCardService.RecordForwarding",
            RecordProcedureStep => "BlueCardService.RecordProcedureStep",
            CloseProcedure => "BlueCardService.CloseProcedure",
            GetProcedure => "BlueCardService.GetProcedure",
            ListBreaches => "BreachService.ListBreaches",
            WatchBreaches => "BreachService.WatchBreaches",
        }
    }
}

const OK: Code = Code::Ok;
const NF: Code = Code::NotFound;
const PD: Code = Code::PermissionDenied;
const IA: Code = Code::InvalidArgument;
const UA: Code = Code::Unauthenticated;

/// The abbreviation used in the README table.
fn abbr(c: Code) -> &'static str {
    match c {
        Code::Ok => "OK",
        Code::NotFound => "NF",
        Code::PermissionDenied => "PD",
        Code::InvalidArgument => "IA",
        Code::Unauthenticated => "UA",
        other => panic!("no abbreviation for {other:?}"),
    }
}

/// Expected code of every (RPC, caller) cell; columns in the order of [`CALLERS`].
#[rustfmt::skip]
const MATRIX: &[(Rpc, [Code; N])] = &[
    //                                  mopr mgops kmp  kp  zi-t zi-l mkrpa gkrpa sp  szp  zw  kpuw  suw admin filia nowhere
    (Rpc::WhoAmI,                       [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::ListOrganizations,            [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::Now,                          [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::AdvanceClock,                 [PD, PD,   PD,  PD, PD,  PD,  PD,   PD,   PD, PD,  PD, PD,   PD, OK,   PD,   UA]),
    (Rpc::SetClock,                     [PD, PD,   PD,  PD, PD,  PD,  PD,   PD,   PD, PD,  PD, PD,   PD, OK,   PD,   UA]),
    (Rpc::SubmitAssistanceRequest,      [OK, IA,   PD,  PD, PD,  PD,  PD,   PD,   PD, PD,  PD, PD,   PD, PD,   PD,   UA]),
    (Rpc::GetAssistanceRequest,         [OK, NF,   OK,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::ListAssistanceRequests,       [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::AmendAssistanceRequest,       [OK, NF,   PD,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::CancelAssistanceRequest,      [OK, NF,   PD,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::SubmitWrittenConfirmation,    [OK, NF,   PD,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::StreamAssistanceRequests,     [PD, PD,   OK,  OK, PD,  PD,  PD,   PD,   PD, PD,  PD, PD,   PD, PD,   PD,   UA]),
    (Rpc::AcknowledgeAssistanceRequest, [PD, NF,   OK,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::FileServiceNote,              [PD, NF,   OK,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::SubmitBlueCardA,              [OK, OK,   OK,  OK, PD,  PD,  OK,   OK,   OK, OK,  OK, PD,   PD, PD,   PD,   UA]),
    (Rpc::GetBlueCard,                  [NF, NF,   NF,  OK, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::ListBlueCards,                [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::PullBlueCards,                [PD, PD,   PD,  PD, OK,  OK,  PD,   PD,   PD, PD,  PD, PD,   PD, PD,   PD,   UA]),
    (Rpc::AcknowledgeBlueCard,          [NF, NF,   NF,  PD, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::RecordForwarding,             [NF, NF,   NF,  PD, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::RecordProcedureStep,          [NF, NF,   NF,  PD, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::CloseProcedure,               [NF, NF,   NF,  PD, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::GetProcedure,                 [NF, NF,   NF,  OK, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::ListBreaches,                 [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::WatchBreaches,                [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
];

fn now() -> Timestamp {
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
struct Target {
    /// Request id, card id or procedure id.
    id: String,
    /// SetClock: the instant to set (the current simulated time).
    clock: Option<Timestamp>,
}

/// One authenticated channel per caller, plus the shared read-only fixtures.
struct World {
    channels: HashMap<&'static str, Channel>,
    /// A SUBMITTED NORMAL request of `mopr-torun`.
    request: String,
    /// An AVAILABLE card of `kp-lazy` and its procedure.
    card: String,
    procedure: String,
}

impl World {
    fn ch(&self, org: &str) -> Channel {
        self.channels[org].clone()
    }

    fn assistance(&self, org: &str) -> AssistanceServiceClient<Channel> {
        AssistanceServiceClient::new(self.ch(org))
    }

    fn blue_cards(&self, org: &str) -> BlueCardServiceClient<Channel> {
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

    async fn fresh_normal(&self) -> String {
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
        self.assistance("kmp-torun")
            .acknowledge_assistance_request(pb::AcknowledgeAssistanceRequestRequest {
                request_id: id.into(),
                acknowledgement: state as i32,
                officers: if state == pb::AssistanceRequestState::Accepted {
                    vec![officer()]
                } else {
                    vec![]
                },
                reason: String::new(),
            })
            .await
            .expect("fixture: kmp-torun acknowledges");
    }

    /// A fresh card of `kp-lazy`: (card id, procedure id).
    async fn fresh_card(&self) -> (String, String) {
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
        self.blue_cards("zi-lazy")
            .acknowledge_blue_card(pb::AcknowledgeBlueCardRequest {
                card_id: card_id.into(),
            })
            .await
            .expect("fixture: zi-lazy acknowledges");
    }

    /// Prepares the record of one cell: shared for reads, fresh for every state change.
    async fn target(&self, rpc: Rpc) -> Target {
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
async fn call(ch: Channel, rpc: Rpc, target: &Target) -> Result<(), Status> {
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

#[tokio::test]
async fn every_rpc_as_every_kind_of_caller_gets_the_documented_code() {
    let started = Instant::now();
    let s = TestServer::simulated(now()).await;

    let mut channels = HashMap::new();
    for org in CALLERS {
        let ch = if org == "ops-nowhere" {
            assert!(
                s.directory().get(&org.parse().unwrap()).is_none(),
                "{org} must be missing from the directory"
            );
            // Signed by the server's CA: the handshake succeeds, every call is refused.
            s.channel_with(Some(&s.issue(org)))
                .await
                .expect("connect with a certificate of an unknown organisation")
        } else {
            s.channel(org).await
        };
        channels.insert(org, ch);
    }
    let mut world = World {
        channels,
        request: String::new(),
        card: String::new(),
        procedure: String::new(),
    };
    world.request = world.fresh_normal().await;
    (world.card, world.procedure) = world.fresh_card().await;

    let mut mismatches = Vec::new();
    let mut cells = 0;
    for (rpc, expected) in MATRIX {
        for (caller, want) in CALLERS.iter().zip(expected) {
            let target = world.target(*rpc).await;
            let got = call(world.ch(caller), *rpc, &target).await;
            cells += 1;
            let (code, message) = match &got {
                Ok(()) => (Code::Ok, String::new()),
                Err(status) => (status.code(), status.message().to_string()),
            };
            if code != *want {
                mismatches.push(format!(
                    "{:<45} as {:<17} expected {:<18} got {:?} {message:?}",
                    rpc.name(),
                    caller,
                    format!("{want:?},"),
                    code,
                ));
            }
        }
    }

    // Every RPC of the contract has a row, and only once.
    let names: Vec<&str> = MATRIX.iter().map(|(r, _)| r.name()).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "an RPC has two rows");
    assert_eq!(names.len(), 25, "one row per RPC of the four services");

    // The clock never moved: AdvanceClock by 0 and SetClock to now.
    let clock = AdminServiceClient::new(world.ch("lacznik-admin"))
        .now(pb::NowRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ts(&clock.now), now());

    eprintln!(
        "authorization matrix: {cells} cells ({} RPCs x {N} callers) in {:.1?}",
        MATRIX.len(),
        started.elapsed()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells differ from the matrix:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// The README's table is [`MATRIX`], cell by cell, with the same columns.
#[test]
fn readme_table_is_the_tested_matrix() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section: Vec<&str> = readme
        .lines()
        .skip_while(|l| l.trim() != "## Authorization matrix")
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .collect();
    assert!(
        !section.is_empty(),
        "README.md has no \"## Authorization matrix\" section"
    );
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect()
    };
    let header = section
        .iter()
        .find(|l| l.starts_with("| RPC"))
        .expect("a header row starting with `| RPC`");
    let columns = cells(header);
    assert_eq!(
        &columns[1..],
        CALLERS.as_slice(),
        "README matrix columns differ from the tested callers"
    );
    let rows: Vec<Vec<String>> = section
        .iter()
        .filter(|l| l.starts_with("| `"))
        .map(|l| cells(l))
        .collect();
    let readme_rows: Vec<String> = rows.iter().map(|r| r.join(" ")).collect();
    let tested_rows: Vec<String> = MATRIX
        .iter()
        .map(|(rpc, codes)| {
            std::iter::once(rpc.name())
                .chain(codes.iter().map(|c| abbr(*c)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let differ: Vec<String> = tested_rows
        .iter()
        .zip(readme_rows.iter().map(Some).chain(std::iter::repeat(None)))
        .filter(|(t, r)| r.is_none_or(|r| r != *t))
        .map(|(t, r)| format!("tested: {t}\nREADME: {}", r.map_or("(missing)", |r| r)))
        .collect();
    assert!(
        differ.is_empty() && readme_rows.len() == tested_rows.len(),
        "README matrix ({} rows) differs from MATRIX ({} rows):\n{}",
        readme_rows.len(),
        tested_rows.len(),
        differ.join("\n")
    );
}
