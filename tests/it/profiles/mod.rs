//! The rules profiles through the real server: the 2023 Blue Card periods at their
//! boundaries, one second before, at and after, across the May holidays and the DST changes
//! ([`blue_card_2023`]); a profile switch on an existing data directory, with the breach
//! report spanning it ([`switch`]); a late act showing as met late in Get, ListBreaches,
//! the breach stream and the report ([`late`]); the profile in `lacznik rules`, `config
//! check` and the start log ([`shown`]). The 2011 profile's own tests are in
//! `blue_card::deadlines` and `assistance::deadlines`, unchanged.

mod blue_card_2023;
mod late;
mod shown;
mod switch;

use std::process::Command;

use crate::support::fixtures::*;
use crate::support::{BlueCardClient, Options, TestServer};
use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use lacznik::deadlines::Profile;

/// A server on the simulated clock at `now`, with `rules.profile` set.
async fn server(profile: Profile, now: Timestamp) -> TestServer {
    TestServer::start_with(Options {
        simulated_clock: Some(now),
        tweak: Some(Box::new(move |c| c.rules.profile = profile)),
        ..Options::default()
    })
    .await
}

/// The deadline of `rule` on `card` (the only occurrence in these tests).
fn deadline(card: &pb::BlueCard, rule: &str) -> pb::Deadline {
    card.deadlines
        .iter()
        .find(|d| d.rule_id == rule)
        .cloned()
        .unwrap_or_else(|| panic!("no {rule} deadline on {:?}", card.deadlines))
}

/// A wire duration in whole seconds.
fn secs(d: &Option<prost_types::Duration>) -> Option<i64> {
    d.as_ref().map(|d| d.seconds)
}

/// RecordForwarding of card `id` to `to`, reported at `at`.
async fn forward(
    team: &mut BlueCardClient,
    id: &str,
    to: pb::ForwardedTo,
    at: Timestamp,
) -> Result<pb::BlueCard, tonic::Status> {
    team.record_forwarding(pb::RecordForwardingRequest {
        card_id: id.into(),
        forwarded_to: to as i32,
        recipients: "członkowie grupy".into(),
        forwarded_time: Some(pbts(at)),
    })
    .await
    .map(|r| r.into_inner().card.unwrap())
}

/// RecordProcedureStep GROUP_MEETING_HELD on procedure `id`, reported at `at`.
async fn meeting(team: &mut BlueCardClient, id: &str, at: Timestamp) -> pb::Procedure {
    team.record_procedure_step(pb::RecordProcedureStepRequest {
        procedure_id: id.into(),
        kind: pb::ProcedureStepKind::GroupMeetingHeld as i32,
        step_time: Some(pbts(at)),
    })
    .await
    .unwrap()
    .into_inner()
    .procedure
    .unwrap()
}

/// `lacznik report breaches` of `from..=to` as `org` into `out`; its stdout.
fn report(server: &TestServer, org: &str, from: &str, to: &str, out: &std::path::Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_lacznik"))
        .args([
            "report",
            "breaches",
            "--addr",
            &server.addr.to_string(),
            "--certs",
        ])
        .arg(&server.certs)
        .args(["--org", org, "--from", from, "--to", to, "--out"])
        .arg(out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

/// `lacznik client ARGS` as `org`; its stdout (it must succeed).
fn client(s: &TestServer, org: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_lacznik"))
        .args(["client", "--addr", &s.addr.to_string(), "--certs"])
        .arg(&s.certs)
        .args(["--org", org])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The rows of a report CSV as maps from column name to value.
fn csv_maps(path: &std::path::Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut rd = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    rd.records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// One second.
const S1: SignedDuration = SignedDuration::from_secs(1);
