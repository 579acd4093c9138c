//! The engine across rules profiles and over records written before profiles existed:
//! running clocks keep their due time and their profile's rule when the profile in force
//! changes, new clocks follow the new profile, old records read as 2011, and a deadline met
//! after its breach says so (`met_late`, with the lateness).

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::*;
use crate::deadlines::rules::{CaseKind, Event, Profile, RuleSet};
use crate::deadlines::{breach, view};
use crate::store::Store;
use crate::store::memory::MemoryEngine;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn card(id: &str) -> CaseRef {
    CaseRef {
        kind: CaseKind::BlueCard,
        id: id.into(),
        parent: Some("proc-1".into()),
        gmina: "2416053".parse().unwrap(),
        sender: "kp-lazy".parse().unwrap(),
        recipient: "zi-lazy".parse().unwrap(),
    }
}

fn facts(started: Timestamp) -> Facts {
    Facts {
        procedure_started: Some(started),
        ..Facts::default()
    }
}

fn store() -> Store {
    Store::start(
        Arc::new(MemoryEngine::default()),
        Arc::new(crate::crypto::KeyRing::generate()),
    )
    .unwrap()
}

fn engine(profile: Profile) -> Arc<Deadlines> {
    Arc::new(Deadlines::new(
        RuleSet::builtin_profile(profile),
        crate::feed::Feeds::default(),
    ))
}

async fn event(store: &Store, d: &Arc<Deadlines>, c: &CaseRef, e: Event, at: Timestamp) {
    let (d, c) = (d.clone(), c.clone());
    let f = facts(at - SignedDuration::from_hours(1));
    store
        .execute(move |txn| d.on_event(txn, &c, e, at, &f))
        .await
        .unwrap();
}

async fn sweep(store: &Store, d: &Arc<Deadlines>, now: Timestamp) -> usize {
    let d = d.clone();
    store
        .execute(move |txn| d.sweep(txn, now, 512))
        .await
        .unwrap()
        .breaches
}

fn clock<'a>(clocks: &'a [ClockRecord], rule: &str) -> &'a ClockRecord {
    clocks
        .iter()
        .find(|c| c.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} clock in {clocks:?}"))
}

#[tokio::test]
async fn a_profile_switch_keeps_running_clocks_and_new_clocks_follow_the_new_profile() {
    let store = store();
    // Under 2011: card A acknowledged Thu 30 Apr 2026 12:00 local; § 8 ust. 1, 3 calendar
    // days: end of Sun 3 May.
    let old = engine(Profile::Y2011);
    let acked = t("2026-04-30T10:00:00Z");
    event(&store, &old, &card("a"), Event::BlueCardSubmitted, acked).await;
    event(&store, &old, &card("a"), Event::BlueCardAcknowledged, acked).await;
    let due_2011 = t("2026-05-03T22:00:00Z");
    let a = view::clocks_of(&store, "a").unwrap();
    assert_eq!(clock(&a, "bluecard.forward").due, due_2011);
    assert_eq!(clock(&a, "bluecard.forward").profile, Profile::Y2011);

    // The server restarts under 2023. An event on card A recomputes its open clocks by
    // their own (2011) rules: the due time stays.
    let new = engine(Profile::Y2023);
    let later = t("2026-05-01T08:00:00Z");
    event(
        &store,
        &new,
        &card("a"),
        Event::BlueCardGroupMeetingHeld,
        later,
    )
    .await;
    let a = view::clocks_of(&store, "a").unwrap();
    assert_eq!(clock(&a, "bluecard.forward").due, due_2011);
    assert!(a.iter().all(|c| c.rule != "bluecard.group_meeting"));

    // Card B, acknowledged at the same instant under 2023: 3 working days (4, 5, 6 May)
    // and the group's meeting within 5 (to 8 May).
    event(&store, &new, &card("b"), Event::BlueCardSubmitted, acked).await;
    event(&store, &new, &card("b"), Event::BlueCardAcknowledged, acked).await;
    let b = view::clocks_of(&store, "b").unwrap();
    assert!(b.iter().all(|c| c.profile == Profile::Y2023));
    assert_eq!(clock(&b, "bluecard.forward").due, t("2026-05-06T22:00:00Z"));
    assert_eq!(
        clock(&b, "bluecard.group_meeting").due,
        t("2026-05-08T22:00:00Z")
    );

    // A's 2011 deadline passes under 2023: the breach names the 2011 rule and basis.
    assert_eq!(
        sweep(&store, &new, due_2011 - SignedDuration::from_secs(1)).await,
        0
    );
    assert_eq!(sweep(&store, &new, due_2011).await, 1);
    let breaches = breach::of_case(&store, "a").unwrap();
    assert_eq!(breaches.len(), 1);
    assert_eq!(breaches[0].profile, Profile::Y2011);
    assert_eq!(breaches[0].legal_basis, "Rozp. RM 2011 § 8 ust. 1");
    assert_eq!(breaches[0].deadline_state(), "breached");

    // The forwarding comes a day and a half late: met late, by that much, in both places.
    let forwarded = due_2011 + SignedDuration::from_hours(36);
    event(
        &store,
        &new,
        &card("a"),
        Event::BlueCardForwarded,
        forwarded,
    )
    .await;
    let a = view::clocks_of(&store, "a").unwrap();
    let f = clock(&a, "bluecard.forward");
    assert_eq!(f.state_name(), "met_late");
    assert_eq!(f.lateness(), Some(SignedDuration::from_hours(36)));
    assert_eq!(f.met_at(), Some(forwarded));
    let breaches = breach::of_case(&store, "a").unwrap();
    assert_eq!(breaches[0].deadline_state(), "met_late");
    assert_eq!(breaches[0].lateness(), Some(SignedDuration::from_hours(36)));

    // B's meeting, recorded in time, meets its 2023 deadline.
    event(
        &store,
        &new,
        &card("b"),
        Event::BlueCardGroupMeetingHeld,
        t("2026-05-08T21:59:59Z"),
    )
    .await;
    let b = view::clocks_of(&store, "b").unwrap();
    assert_eq!(clock(&b, "bluecard.group_meeting").state_name(), "met");
}

#[tokio::test]
async fn switching_back_to_2011_leaves_a_2023_meeting_clock_running_by_its_rule() {
    let store = store();
    let acked = t("2026-04-30T10:00:00Z");
    let new = engine(Profile::Y2023);
    event(&store, &new, &card("c"), Event::BlueCardSubmitted, acked).await;
    event(&store, &new, &card("c"), Event::BlueCardAcknowledged, acked).await;
    let old = engine(Profile::Y2011);
    let due = t("2026-05-08T22:00:00Z");
    assert_eq!(sweep(&store, &old, due).await, 2, "forward and meeting");
    let breaches = breach::of_case(&store, "c").unwrap();
    assert!(breaches.iter().all(|b| b.profile == Profile::Y2023));
    assert!(
        breaches
            .iter()
            .any(|b| b.rule == "bluecard.group_meeting" && b.due == due)
    );
    // The meeting step is still told to the card under 2011, and still resolves it.
    event(
        &store,
        &old,
        &card("c"),
        Event::BlueCardGroupMeetingHeld,
        due + SignedDuration::from_hours(1),
    )
    .await;
    let c = view::clocks_of(&store, "c").unwrap();
    assert_eq!(clock(&c, "bluecard.group_meeting").state_name(), "met_late");
}

#[test]
fn met_in_time_at_and_after_the_deadline() {
    let due = t("2026-05-08T22:00:00Z");
    let at = |s: i64| ClockRecord {
        rule: "bluecard.forward".into(),
        profile: Profile::Y2023,
        occurrence: 1,
        started_at: due - SignedDuration::from_hours(100),
        due,
        state: ClockState::Satisfied {
            at: due + SignedDuration::from_secs(s),
        },
    };
    assert_eq!((at(-1).state_name(), at(-1).lateness()), ("met", None));
    assert_eq!(
        (at(0).state_name(), at(0).lateness()),
        ("met_late", Some(SignedDuration::ZERO))
    );
    assert_eq!(
        (at(1).state_name(), at(1).lateness()),
        ("met_late", Some(SignedDuration::from_secs(1)))
    );
    let open = ClockRecord {
        state: ClockState::Open,
        ..at(0)
    };
    assert_eq!(
        (open.state_name(), open.lateness(), open.met_at()),
        ("open", None, None)
    );
}

/// A clock as stored before profiles existed (no `profile` field).
#[derive(Serialize)]
struct OldClock {
    rule: String,
    occurrence: u32,
    started_at: Timestamp,
    due: Timestamp,
    state: ClockState,
}

#[derive(Serialize)]
struct OldCaseClocks {
    case: CaseRef,
    clocks: Vec<OldClock>,
}

/// A breach as stored before profiles existed.
#[derive(Serialize)]
struct OldBreach {
    id: u64,
    rule: String,
    legal_basis: String,
    case: CaseRef,
    occurrence: u32,
    due: Timestamp,
    recorded_at: Timestamp,
    resolved_at: Option<Timestamp>,
    responsible: crate::directory::OrgId,
    notify: Vec<crate::deadlines::rules::Role>,
}

fn old_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![1u8]; // schema version 1, unchanged by the new field
    out.extend(rmp_serde::to_vec_named(value).unwrap());
    out
}

#[test]
fn records_written_before_profiles_read_as_the_2011_profile() {
    let due = t("2026-03-05T23:00:00Z");
    let clocks = old_bytes(&OldCaseClocks {
        case: card("old"),
        clocks: vec![OldClock {
            rule: "bluecard.forward".into(),
            occurrence: 1,
            started_at: t("2026-03-02T10:00:00Z"),
            due,
            state: ClockState::Open,
        }],
    });
    let read: CaseClocks = crate::store::codec::decode(b"k", &clocks).unwrap();
    assert_eq!(read.clocks[0].profile, Profile::Y2011);
    assert_eq!(read.clocks[0].due, due);
    let b = old_bytes(&OldBreach {
        id: 7,
        rule: "bluecard.forward".into(),
        legal_basis: "Rozp. RM 2011 § 8 ust. 1".into(),
        case: card("old"),
        occurrence: 1,
        due,
        recorded_at: due,
        resolved_at: Some(due + SignedDuration::from_hours(48)),
        responsible: "zi-lazy".parse().unwrap(),
        notify: vec![crate::deadlines::rules::Role::Supervisor],
    });
    let read: breach::Breach = crate::store::codec::decode(b"k", &b).unwrap();
    assert_eq!(read.profile, Profile::Y2011);
    assert_eq!(read.deadline_state(), "met_late");
    assert_eq!(read.lateness(), Some(SignedDuration::from_hours(48)));
    // Written again, the record carries its profile.
    let again = crate::store::codec::encode(b"k", &read).unwrap();
    let back: breach::Breach = crate::store::codec::decode(b"k", &again).unwrap();
    assert_eq!(back, read);
}
