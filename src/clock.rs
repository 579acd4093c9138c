//! Time is injected: the domain asks a [`Clock`], never the operating system, so deadline
//! logic can be tested (and demonstrated) without waiting for days.
//!
//! A server started with `--simulated-clock <RFC3339>` runs on a [`SimulatedClock`] that
//! only moves when an admin calls `AdminService.AdvanceClock` / `SetClock`; deadlines fall
//! due exactly as they would in real time. TLS certificate validity always uses real time.

use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;

/// A source of "now".
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
    /// The simulated clock behind this one, if time is simulated.
    fn simulated(&self) -> Option<&SimulatedClock> {
        None
    }
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Why the simulated clock refused to move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// Time never runs backwards (deadline records would contradict each other).
    #[error("the clock cannot go back: requested {requested}, now {now}")]
    Backwards {
        /// The requested instant.
        requested: Timestamp,
        /// The current instant.
        now: Timestamp,
    },
    /// The move would overflow the supported time range.
    #[error("the requested time is out of range")]
    OutOfRange,
}

/// A clock that moves only when told to; watchers (the deadline sweeper) wake on every move.
#[derive(Debug)]
pub struct SimulatedClock {
    now: watch::Sender<Timestamp>,
}

impl SimulatedClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> SimulatedClock {
        SimulatedClock {
            now: watch::channel(start).0,
        }
    }

    /// Moves forward by `by` (which must not be negative); returns the new instant.
    pub fn advance(&self, by: SignedDuration) -> Result<Timestamp, ClockError> {
        let now = *self.now.borrow();
        let to = now.checked_add(by).map_err(|_| ClockError::OutOfRange)?;
        self.set(to)
    }

    /// Moves to `to` (not earlier than now); returns it.
    pub fn set(&self, to: Timestamp) -> Result<Timestamp, ClockError> {
        let mut result = Ok(to);
        self.now.send_if_modified(|now| {
            if to < *now {
                result = Err(ClockError::Backwards {
                    requested: to,
                    now: *now,
                });
                false
            } else {
                let changed = to != *now;
                *now = to;
                changed
            }
        });
        result
    }

    /// Notified on every move.
    pub fn subscribe(&self) -> watch::Receiver<Timestamp> {
        self.now.subscribe()
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> Timestamp {
        *self.now.borrow()
    }
    fn simulated(&self) -> Option<&SimulatedClock> {
        Some(self)
    }
}

#[cfg(test)]
#[path = "clock_tests.rs"]
mod tests;
