//! Blue Card A end to end through real mutual-TLS clients: routing to the team, idempotent
//! retry, validation (all bad fields, § 2, § 6) and § 9 repeat cards ([`submission`]);
//! pulls, long polls and lists ([`inbox`]); acknowledgement, forwarding, steps and closure,
//! § 8 and § 18 ([`procedure`]); what others see ([`visibility`]); the deadline rules at
//! their boundaries ([`deadlines`]).

mod deadlines;
mod inbox;
mod procedure;
mod submission;
mod visibility;

use crate::support::fixtures::*;
use crate::support::rpc::{acknowledge_card as ack, get_card, submit_card as submit};
use crate::support::{BlueCardClient, TestServer};
use jiff::SignedDuration;
use lacznik::api::pb;
use tonic::Code;

/// Wednesday 18 Nov 2026, 10:00 in Łazy.
const NOW: &str = "2026-11-18T09:00:00Z";

async fn server() -> TestServer {
    TestServer::simulated(t(NOW)).await
}

async fn pull(c: &mut BlueCardClient, after: &str, wait: u32) -> pb::PullBlueCardsResponse {
    c.pull_blue_cards(pb::PullBlueCardsRequest {
        after_cursor: after.into(),
        max_cards: 10,
        wait_seconds: wait,
    })
    .await
    .unwrap()
    .into_inner()
}

async fn close(c: &mut BlueCardClient, procedure: &str) -> Result<pb::Procedure, tonic::Status> {
    c.close_procedure(pb::CloseProcedureRequest {
        procedure_id: procedure.into(),
        reason: pb::ClosureReason::NoGrounds as i32,
        protocol: Some(protocol(t(NOW) - SignedDuration::from_hours(2), t(NOW))),
    })
    .await
    .map(|r| r.into_inner().procedure.unwrap())
}

fn started() -> jiff::Timestamp {
    t(NOW) - SignedDuration::from_hours(2)
}
