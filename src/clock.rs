//! Time is injected: the domain asks a [`Clock`], never the operating system, so deadline
//! logic can be tested (and demonstrated) without waiting for days.

use jiff::Timestamp;

/// A source of "now".
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}
