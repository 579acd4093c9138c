//! Who is listening: for each recipient (a police unit's stream, a team's Blue Card
//! pulls), whether it is connected now, when it last was, and how far in its feed the
//! server knows it has delivered. The on-call person reads this through the metrics to
//! phone the right commander when a unit stops listening while requests wait for it.
//!
//! The book is in memory: after a restart the server knows nothing delivered until the
//! recipient connects again (its stream's or pull's cursor then tells how far it had
//! got), so until then every item not yet acknowledged counts as not delivered, and
//! "last seen" counts from the start of the process. It holds organisation ids and feed
//! positions only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

use crate::clock::Clock;
use crate::directory::OrgId;

/// How long after its last pull a team still counts as listening: a chair's system
/// long-polls (at most a minute per pull, `bluecard::inbox::MAX_WAIT`) in a loop, so a
/// gap between two pulls is not a disconnection. A police stream has no such grace.
pub const PULL_GRACE: Duration = Duration::from_secs(120);

#[derive(Debug, Default, Clone, Copy)]
struct Entry {
    open: u32,
    last_seen: Option<Timestamp>,
    delivered: Option<u64>,
}

/// What the book knows of one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// Streams or pulls open right now.
    pub open: u32,
    /// When the last one ended; `None` if none has since the process started.
    pub last_seen: Option<Timestamp>,
    /// The highest feed position known delivered (a stream's or pull's starting cursor,
    /// then every event sent); `None` when none has connected since the process started.
    pub delivered: Option<u64>,
}

impl Seen {
    /// Listening at `now`: connected, or (pulls: a non-zero `grace`) seen within `grace`.
    pub fn listening(&self, now: Timestamp, grace: Duration) -> bool {
        self.open > 0
            || (!grace.is_zero()
                && self
                    .last_seen
                    .is_some_and(|t| now.duration_since(t).unsigned_abs() <= grace))
    }

    /// Seconds since it was last connected at `now`: 0 while connected, else since the
    /// last one ended, or since `started` (the process start) when none has.
    pub fn seconds_since_seen(&self, now: Timestamp, started: Timestamp) -> f64 {
        if self.open > 0 {
            return 0.0;
        }
        let since = self.last_seen.unwrap_or(started);
        now.duration_since(since).as_secs_f64().max(0.0)
    }
}

/// The book of every recipient; one per server process, shared by the terms.
pub struct Recipients {
    started: Timestamp,
    book: Mutex<HashMap<OrgId, Entry>>,
}

impl Recipients {
    /// An empty book for a process that started at `started`.
    pub fn new(started: Timestamp) -> Recipients {
        Recipients {
            started,
            book: Mutex::new(HashMap::new()),
        }
    }

    /// When the process started (what "last seen" counts from before anyone connected).
    pub fn started(&self) -> Timestamp {
        self.started
    }

    fn with<R>(&self, org: &OrgId, f: impl FnOnce(&mut Entry) -> R) -> R {
        let mut book = self.book.lock().unwrap_or_else(|p| p.into_inner());
        f(book.entry(org.clone()).or_default())
    }

    /// A stream or pull of `org` opens, resuming after feed position `after`: the
    /// recipient had everything up to there. Dropping the guard closes it at the clock's
    /// time.
    pub fn listen(self: &Arc<Self>, org: &OrgId, after: u64, clock: Arc<dyn Clock>) -> Listening {
        self.with(org, |e| {
            e.open += 1;
            e.delivered = Some(e.delivered.map_or(after, |d| d.max(after)));
        });
        Listening {
            book: self.clone(),
            org: org.clone(),
            clock,
        }
    }

    /// What the book knows of `org`.
    pub fn seen(&self, org: &OrgId) -> Seen {
        self.with(org, |e| Seen {
            open: e.open,
            last_seen: e.last_seen,
            delivered: e.delivered,
        })
    }
}

/// An open stream or pull; see [`Recipients::listen`].
pub struct Listening {
    book: Arc<Recipients>,
    org: OrgId,
    clock: Arc<dyn Clock>,
}

impl Listening {
    /// The feed entry at `seq` reached the recipient.
    pub fn delivered(&self, seq: u64) {
        self.book.with(&self.org, |e| {
            e.delivered = Some(e.delivered.map_or(seq, |d| d.max(seq)));
        });
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let now = self.clock.now();
        self.book.with(&self.org, |e| {
            e.open = e.open.saturating_sub(1);
            e.last_seen = Some(now);
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use jiff::{SignedDuration, Timestamp};

    use super::{PULL_GRACE, Recipients};
    use crate::clock::{Clock, SimulatedClock};

    #[test]
    fn a_stream_is_seen_while_open_and_counted_from_when_it_closed() {
        let start: Timestamp = "2026-12-01T08:00:00Z".parse().unwrap();
        let clock = Arc::new(SimulatedClock::new(start));
        let book = Arc::new(Recipients::new(start));
        let org = "kmp-torun".parse().unwrap();
        let seen = book.seen(&org);
        assert_eq!((seen.open, seen.delivered), (0, None));
        assert!(!seen.listening(start, std::time::Duration::ZERO));
        let later = start + SignedDuration::from_mins(10);
        assert_eq!(seen.seconds_since_seen(later, start), 600.0);

        let stream = book.listen(&org, 4, clock.clone() as Arc<dyn Clock>);
        stream.delivered(7);
        let seen = book.seen(&org);
        assert_eq!((seen.open, seen.delivered), (1, Some(7)));
        assert_eq!(seen.seconds_since_seen(later, start), 0.0);
        clock.advance(SignedDuration::from_mins(1)).unwrap();
        drop(stream);
        let seen = book.seen(&org);
        assert_eq!(seen.open, 0);
        assert_eq!(seen.last_seen, Some(start + SignedDuration::from_mins(1)));
        // A stream resuming from an older cursor does not move delivery back.
        drop(book.listen(&org, 2, clock.clone() as Arc<dyn Clock>));
        assert_eq!(book.seen(&org).delivered, Some(7));
    }

    #[test]
    fn a_team_between_two_pulls_still_listens() {
        let start: Timestamp = "2026-12-01T08:00:00Z".parse().unwrap();
        let clock = Arc::new(SimulatedClock::new(start));
        let book = Arc::new(Recipients::new(start));
        let org = "zi-lazy".parse().unwrap();
        drop(book.listen(&org, 0, clock.clone() as Arc<dyn Clock>));
        let seen = book.seen(&org);
        assert!(seen.listening(start + SignedDuration::from_secs(60), PULL_GRACE));
        assert!(!seen.listening(start + SignedDuration::from_secs(121), PULL_GRACE));
        assert!(!seen.listening(
            start + SignedDuration::from_secs(1),
            std::time::Duration::ZERO
        ));
    }
}
