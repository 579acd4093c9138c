//! Police-assistance requests end to end through real mutual-TLS clients: submission and
//! routing, idempotent retry and validation ([`submission`]); every state transition (and
//! illegal ones), amendments and cancellation ([`lifecycle`]); what a third organisation
//! sees and how lists page ([`visibility`]); the police stream's live delivery and replay
//! ([`streams`]); the deadline rules at their boundaries ([`deadlines`]).

mod deadlines;
mod lifecycle;
mod streams;
mod submission;
mod visibility;

use crate::support::fixtures::*;
use crate::support::rpc::{
    acknowledge_request as ack, get_request as get, submit_request as submit,
};
use crate::support::{AssistanceClient, TestServer};
use jiff::SignedDuration;
use lacznik::api::pb;
use tonic::Code;

use pb::AssistanceRequestState as S;

/// Monday 21 Dec 2026, 09:00 in Toruń.
const NOW: &str = "2026-12-21T08:00:00Z";

/// A visit far enough ahead for every NORMAL deadline: Mon 11 Jan 2027, 10:00 local.
const VISIT: &str = "2027-01-11T09:00:00Z";

async fn server() -> TestServer {
    TestServer::simulated(t(NOW)).await
}
