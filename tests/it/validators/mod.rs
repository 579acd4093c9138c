//! Property tests of the request validators: the wire decoders (`api::assistance_map`,
//! `api::blue_card_map`) followed by the domain validators (`assistance::validate`,
//! `bluecard::validate`), without a server.
//!
//! - Any wire message (wild values, or now and then a valid one): no panic; either Ok, or INVALID_ARGUMENT with at least one violation,
//!   each field named once, no description echoing an input value; Ok only when the decoder
//!   found nothing, and an accepted submission re-encoded is accepted again unchanged.
//! - A valid request with random valid variations stays valid and its content is kept
//!   (trimmed).
//! - One field spoiled at a time is reported at exactly that field and nowhere else.
//!
//! `PROPTEST_CASES=<n>` runs more cases than the default 256. The fuzz targets in `fuzz/`
//! check the first property on raw protobuf bytes (nightly only).

mod check;
mod pools;
mod spoil;
mod spoil_card;
mod valid;
mod wild;

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::support::fixtures::{self, pbts};
use jiff::{SignedDuration, Timestamp};
use lacznik::api::assistance_map::{self, Decoder};
use lacznik::api::blue_card_map::{self, CardDecoder};
use lacznik::api::convert::ts_to_pb;
use lacznik::api::pb;
use lacznik::assistance::model::{
    Activity, Address, Client, Content, OralRequest, SocialWorker, Submission, Urgency,
};
use lacznik::bluecard::model::{
    AbsenceReason, CardB, CardBRecipient, CardContent, CardPerson, CardSubmission, ViolenceForm,
};
use lacznik::directory::{Directory, OrgId, Organization};
use lacznik::error::{Error, FieldViolation};
use lacznik::people::Signatory;
use lacznik::teryt::GminaCode;
use lacznik::{assistance, bluecard};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use check::*;
use pools::*;
use spoil::*;
use spoil_card::*;
use valid::*;
use wild::*;

type AssistanceRequest = pb::SubmitAssistanceRequestRequest;
type CardRequest = pb::SubmitBlueCardARequest;

// ---------------------------------------------------------------------------------------
// Environment: the sample directory, MOPR Toruń as the requesting centre, a fixed "now".

fn directory() -> &'static Directory {
    static D: OnceLock<Directory> = OnceLock::new();
    D.get_or_init(|| {
        Directory::from_toml_str(lacznik::config::SAMPLE_DIRECTORY).expect("sample directory")
    })
}

fn centre() -> &'static Organization {
    let id: OrgId = "mopr-torun".parse().expect("org id");
    directory().get(&id).expect("mopr-torun in the sample")
}

fn now() -> Timestamp {
    "2026-03-02T10:00:00Z".parse().expect("now")
}

const DAY: i64 = 86_400;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        // A failure prints its minimal input; no regression files are written into tests/.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------
// The properties.

proptest! {
    #![proptest_config(config())]

    /// Any wire message: no panic, all-or-nothing, and a well-formed rejection.
    #[test]
    fn assistance_any_message_is_accepted_whole_or_rejected_cleanly(req in any_assistance()) {
        let (pre, out) = validate_assistance(&req);
        match out {
            Ok((sub, police)) => {
                prop_assert!(pre.is_empty(), "accepted despite decoding violations {:?}", pre);
                prop_assert_eq!(police.as_str(), "kmp-torun");
                // What was accepted, sent again, is accepted again unchanged.
                let again = AssistanceRequest {
                    request_id: sub.request_id.clone(),
                    urgency: match sub.urgency {
                        Urgency::Normal => pb::Urgency::Normal,
                        Urgency::UrgentOral => pb::Urgency::UrgentOral,
                    } as i32,
                    oral_request: sub.oral_request.as_ref().map(|o| pb::OralRequest {
                        requested_time: Some(ts_to_pb(o.requested_at)),
                        officer_name: o.officer_name.clone(),
                    }),
                    content: Some(assistance_map::content_pb(&sub.content)),
                };
                let (_, out2) = validate_assistance(&again);
                let (sub2, _) = out2.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                prop_assert_eq!(sub2, sub);
            }
            Err(e) => {
                rejection(e, &assistance_strings(&req))?;
            }
        }
    }

    #[test]
    fn blue_card_any_message_is_accepted_whole_or_rejected_cleanly(req in any_card()) {
        let (pre, out) = validate_card(&req);
        match out {
            Ok((sub, team)) => {
                prop_assert!(pre.is_empty(), "accepted despite decoding violations {:?}", pre);
                let expected_team = TEAMS
                    .iter()
                    .find(|(g, _)| *g == sub.content.gmina.to_string())
                    .map(|(_, t)| *t);
                prop_assert_eq!(Some(team.as_str()), expected_team);
                let again = CardRequest {
                    card_id: sub.card_id.clone(),
                    procedure_id: sub.procedure_id.clone().unwrap_or_default(),
                    content: Some(blue_card_map::content_pb(&sub.content)),
                };
                let (_, out2) = validate_card(&again);
                let (sub2, _) = out2.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                prop_assert_eq!(sub2, sub);
            }
            Err(e) => {
                rejection(e, &card_strings(&req))?;
            }
        }
    }

    /// Random valid variations of the fixture stay valid, and the content is kept, trimmed.
    #[test]
    fn assistance_valid_request_stays_valid(v in valid_assistance()) {
        let (pre, out) = validate_assistance(&v.req);
        prop_assert!(pre.is_empty(), "decoding violations {:?}", pre);
        let (sub, police) = match out {
            Ok(ok) => ok,
            Err(e) => return Err(TestCaseError::fail(format!("valid request refused: {e:?}"))),
        };
        prop_assert_eq!(police.as_str(), "kmp-torun");
        prop_assert_eq!(sub, expected_submission(&v));
    }

    #[test]
    fn blue_card_valid_card_stays_valid(v in valid_card()) {
        let (pre, out) = validate_card(&v.req);
        prop_assert!(pre.is_empty(), "decoding violations {:?}", pre);
        let (sub, team) = match out {
            Ok(ok) => ok,
            Err(e) => return Err(TestCaseError::fail(format!("valid card refused: {e:?}"))),
        };
        prop_assert_eq!(team.as_str(), v.team);
        prop_assert_eq!(sub, expected_card(&v));
    }

    /// One spoiled field is reported at exactly that field.
    #[test]
    fn assistance_one_bad_field_is_reported_exactly(
        v in valid_assistance(),
        which in 0..ASSISTANCE_SPOILERS,
        variant in any::<u32>(),
    ) {
        let mut req = v.req;
        let path = spoil_assistance(&mut req, which, variant);
        let (_, out) = validate_assistance(&req);
        let e = match out {
            Ok(_) => return Err(TestCaseError::fail(format!("{path} spoiled, still accepted"))),
            Err(e) => e,
        };
        let got = rejection(e, &assistance_strings(&req))?;
        prop_assert_eq!(fields(&got), vec![path], "violations: {:?}", got);
    }

    #[test]
    fn blue_card_one_bad_field_is_reported_exactly(
        v in valid_card(),
        which in 0..CARD_SPOILERS,
        variant in any::<u32>(),
    ) {
        let mut req = v.req;
        let path = spoil_card(&mut req, which, variant);
        let (_, out) = validate_card(&req);
        let e = match out {
            Ok(_) => return Err(TestCaseError::fail(format!("{path} spoiled, still accepted"))),
            Err(e) => e,
        };
        let got = rejection(e, &card_strings(&req))?;
        prop_assert_eq!(fields(&got), vec![path], "violations: {:?}", got);
    }
}

/// The spoilers cover every field path they claim (guards against a spoiler silently
/// falling through to another branch after an edit).
#[test]
fn every_spoiler_is_reachable() {
    let base = fixtures::normal(
        &fixtures::new_id(),
        now() + SignedDuration::from_hours(24 * 5),
    );
    let mut paths = HashSet::new();
    for which in 0..ASSISTANCE_SPOILERS {
        for v in 0..64 {
            let mut r = base.clone();
            paths.insert(spoil_assistance(&mut r, which, v));
        }
    }
    assert!(paths.len() >= 30, "{paths:?}");
    let base = fixtures::card(&fixtures::new_id(), now() - SignedDuration::from_hours(1));
    let mut paths = HashSet::new();
    for which in 0..CARD_SPOILERS {
        for v in 0..64 {
            let mut r = base.clone();
            paths.insert(spoil_card(&mut r, which, v));
        }
    }
    assert!(paths.len() >= 40, "{paths:?}");
}

/// The checks themselves: an echoed value, a duplicate field and an empty list are caught.
#[test]
fn rejection_check_catches_echo_duplicates_and_emptiness() {
    let inputs = vec!["Kowalski".to_string()];
    let echo = Error::invalid("content.client.last_name", "Kowalski is not allowed");
    assert!(rejection(echo, &inputs).is_err());
    // Digits: the message's own number is no echo; the value as a number of its own is.
    let digits = vec!["9999999".to_string()];
    let fixed = Error::invalid("planned_time", "nanos must be 0-999999999");
    assert!(rejection(fixed, &digits).is_ok());
    let printed = Error::invalid("planned_time", "9999999 is not a time");
    assert!(rejection(printed, &digits).is_err());
    let twice = Error::InvalidArgument(vec![
        FieldViolation::new("request_id", "required"),
        FieldViolation::new("request_id", "must be a UUID"),
    ]);
    assert!(rejection(twice, &inputs).is_err());
    assert!(rejection(Error::InvalidArgument(vec![]), &inputs).is_err());
    let other = Error::PermissionDenied("no".into());
    assert!(rejection(other, &inputs).is_err());
    let fine = Error::invalid("content.client.last_name", "required");
    assert_eq!(rejection(fine, &inputs).expect("fine").len(), 1);
}
