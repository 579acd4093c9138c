//! The recipients' state at scrape time, what an on-call person needs to phone the right
//! commander: for every police unit (its stream of assistance requests) and every team
//! (its Blue Card pulls), whether it listens now, how long since it last did, and the
//! number and age of the oldest item not yet delivered to it and not yet acknowledged by
//! it. Labels are the recipient's organisation id and the kind of item; nothing else.
//!
//! "Acknowledged" is the store's: a request RECEIVED, a card acknowledged. "Delivered" is
//! what the [`crate::recipients`] book knows: a police unit's feed entries after the last
//! position sent on (or resumed from by) one of its streams, a team's pending cards after
//! its last pull; after a restart, until the recipient connects, every item not yet
//! acknowledged counts as not delivered. Ages are by the server's clock (the simulated one
//! in training).

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;

use super::Gauges;
use super::exposition::Exposition;
use crate::assistance::store as requests;
use crate::bluecard::store as cards;
use crate::directory::{OrgId, OrgKind};
use crate::feed::Feeds;
use crate::recipients::{PULL_GRACE, Seen};
use crate::store::keys;

/// At most this many feed entries are read per police unit and scrape to find what was
/// not delivered (a unit that stayed away for longer shows at least this many).
const FEED_READ_LIMIT: usize = 10_000;

/// Items waiting: how many, and since when the oldest.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Waiting {
    /// How many.
    pub count: u64,
    /// When the oldest started waiting.
    pub oldest: Option<Timestamp>,
}

impl Waiting {
    fn add(&mut self, since: Timestamp) {
        self.count += 1;
        self.oldest = Some(self.oldest.map_or(since, |o| o.min(since)));
    }

    fn age(&self, now: Timestamp) -> f64 {
        self.oldest
            .map_or(0.0, |t| now.duration_since(t).as_secs_f64().max(0.0))
    }
}

/// One recipient's state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The recipient.
    pub org: OrgId,
    /// `assistance_request` (a police unit) or `blue_card` (a team).
    pub kind: &'static str,
    /// What the book knows of its streams or pulls.
    pub seen: Seen,
    /// Items not delivered to it.
    pub undelivered: Waiting,
    /// Items it has not acknowledged.
    pub unacknowledged: Waiting,
}

/// The state of every police unit and team of the directory.
pub fn states(g: &Gauges) -> Vec<State> {
    let mut unreceived: HashMap<String, Vec<String>> = HashMap::new();
    let (start, end) = keys::keyspace(keys::REQUEST_UNRECEIVED);
    if let Ok(entries) = g.store.scan(&start, &end, usize::MAX) {
        for (k, _) in entries {
            if let Some((police, id)) = keys::parse_unreceived(&k) {
                unreceived.entry(police).or_default().push(id);
            }
        }
    }
    let mut out = Vec::new();
    for org in g.directory.iter() {
        let seen = g.recipients.seen(&org.id);
        let state = match org.kind {
            OrgKind::PoliceUnit => police(g, &org.id, seen, unreceived.remove(org.id.as_str())),
            OrgKind::Team => team(g, &org.id, seen),
            _ => continue,
        };
        out.push(state);
    }
    out
}

fn police(g: &Gauges, org: &OrgId, seen: Seen, ids: Option<Vec<String>>) -> State {
    let mut submitted: HashMap<String, Timestamp> = HashMap::new();
    for id in ids.unwrap_or_default() {
        if let Ok(Some(r)) = requests::get(&g.store, &id) {
            submitted.insert(id, r.submitted_at);
        }
    }
    let mut unacknowledged = Waiting::default();
    for at in submitted.values() {
        unacknowledged.add(*at);
    }
    let undelivered = match seen.delivered {
        None => unacknowledged,
        Some(after) => {
            // The unit's events after what reached it, of requests still unreceived.
            let mut first: HashMap<String, Timestamp> = HashMap::new();
            let entries = requests::feed_prefix(org).and_then(|prefix| {
                Feeds::read(&g.store, &prefix, after, u64::MAX, FEED_READ_LIMIT)
            });
            for (seq, bytes) in entries.unwrap_or_default() {
                if let Ok(event) = requests::decode_event(seq, &bytes) {
                    if submitted.contains_key(&event.request_id) {
                        first.entry(event.request_id).or_insert(event.at);
                    }
                }
            }
            let mut w = Waiting::default();
            for at in first.values() {
                w.add(*at);
            }
            w
        }
    };
    State {
        org: org.clone(),
        kind: "assistance_request",
        seen,
        undelivered,
        unacknowledged,
    }
}

fn team(g: &Gauges, org: &OrgId, seen: Seen) -> State {
    let mut unacknowledged = Waiting::default();
    let mut undelivered = Waiting::default();
    let pending = cards::pending(&g.store, org, 0, u64::MAX, usize::MAX).unwrap_or_default();
    for (seq, id) in pending {
        let Ok(Some(card)) = cards::card(&g.store, &id) else {
            continue;
        };
        unacknowledged.add(card.submitted_at);
        if seen.delivered.is_none_or(|d| seq > d) {
            undelivered.add(card.submitted_at);
        }
    }
    State {
        org: org.clone(),
        kind: "blue_card",
        seen,
        undelivered,
        unacknowledged,
    }
}

/// Writes the recipients' gauges.
pub fn render(g: &Gauges, out: &mut Exposition) {
    let now = g.clock.now();
    let started = g.recipients.started();
    let states = states(g);
    type Value = fn(&State, Timestamp, Timestamp) -> f64;
    let families: [(&str, &str, Value); 6] = [
        (
            "lacznik_recipient_listening",
            "1 while the recipient listens: a police unit with a stream open, a team that pulled within the last 2 minutes.",
            |s, now, _| {
                let grace = if s.kind == "blue_card" {
                    PULL_GRACE
                } else {
                    Duration::ZERO
                };
                f64::from(u8::from(s.seen.listening(now, grace)))
            },
        ),
        (
            "lacznik_recipient_last_seen_seconds",
            "Seconds since the recipient last had a stream open or a pull running (0 now; counted from the server's start when never since).",
            |s, now, started| s.seen.seconds_since_seen(now, started),
        ),
        (
            "lacznik_recipient_undelivered",
            "Items not yet delivered to the recipient (stream or pull).",
            |s, _, _| s.undelivered.count as f64,
        ),
        (
            "lacznik_recipient_undelivered_oldest_seconds",
            "Age of the oldest item not yet delivered to the recipient (0 when none).",
            |s, now, _| s.undelivered.age(now),
        ),
        (
            "lacznik_recipient_unacknowledged",
            "Items the recipient has not acknowledged (requests not RECEIVED, cards not acknowledged).",
            |s, _, _| s.unacknowledged.count as f64,
        ),
        (
            "lacznik_recipient_unacknowledged_oldest_seconds",
            "Age of the oldest item the recipient has not acknowledged (0 when none).",
            |s, now, _| s.unacknowledged.age(now),
        ),
    ];
    for (name, help, value) in families {
        out.family(name, help);
        for s in &states {
            out.sample(
                name,
                &[("recipient", s.org.as_str()), ("kind", s.kind)],
                value(s, now, started),
            );
        }
    }
}
