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

mod matrix;
mod world;

use std::collections::HashMap;
use std::time::Instant;

use crate::support::fixtures::*;
use crate::support::{AdminClient, TestServer};
use lacznik::api::pb;
use matrix::{CALLERS, MATRIX, N};
use tonic::Code;
use world::{World, call, now};

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
    let clock = AdminClient::new(world.ch("lacznik-admin"))
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
