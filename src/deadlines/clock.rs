//! The stored clocks of a case: one record per case holding every occurrence of every rule
//! that ran in it, with where it stands, the rule id and the rules profile that produced it.
//!
//! Records written before profiles existed have no `profile` field and read as the 2011
//! profile (the only one there was), so a data directory from an earlier version opens
//! unchanged (the MessagePack encoding names its fields: see `store::codec`).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::case::CaseRef;
use super::rules::Profile;
use crate::store::codec::Versioned;

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClockState {
    /// Running; has an entry in the due-time index.
    Open,
    /// Its deadline passed; the breach is open until a satisfying event resolves it.
    Breached {
        /// The breach record.
        breach_id: u64,
    },
    /// Met: in time when `at` is before the deadline, late otherwise (then a breach exists;
    /// see [`ClockRecord::lateness`]).
    Satisfied {
        /// When.
        at: Timestamp,
    },
    /// Ended without an act because the case ended (cancelled, declined, closed).
    Cancelled {
        /// When.
        at: Timestamp,
    },
    /// Replaced by a newer occurrence of the same rule.
    Superseded,
}

/// One clock: an occurrence of a rule in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockRecord {
    /// The rule.
    pub rule: String,
    /// The rules profile the rule came from when the clock was opened: the clock keeps that
    /// profile's rule (and so its due time) when the profile in force changes.
    #[serde(default)]
    pub profile: Profile,
    /// 1 for the first occurrence of the rule in the case.
    pub occurrence: u32,
    /// The starting event's time (the anchor of `Anchor::EventTime` rules).
    pub started_at: Timestamp,
    /// The deadline.
    pub due: Timestamp,
    /// Where it stands.
    pub state: ClockState,
}

impl ClockRecord {
    /// How late the act that met the deadline came, when it came at or after the deadline
    /// (an act at the deadline is late, with zero lateness); `None` for a clock met in time
    /// or not met.
    pub fn lateness(&self) -> Option<SignedDuration> {
        match self.state {
            ClockState::Satisfied { at } if at >= self.due => Some(at.duration_since(self.due)),
            _ => None,
        }
    }

    /// The state's name on the wire and in the CLI: `open`, `breached`, `met`, `met_late`,
    /// `cancelled` or `superseded`.
    pub fn state_name(&self) -> &'static str {
        match self.state {
            ClockState::Open => "open",
            ClockState::Breached { .. } => "breached",
            ClockState::Satisfied { .. } if self.lateness().is_some() => "met_late",
            ClockState::Satisfied { .. } => "met",
            ClockState::Cancelled { .. } => "cancelled",
            ClockState::Superseded => "superseded",
        }
    }

    /// When the act that met the deadline was recorded.
    pub fn met_at(&self) -> Option<Timestamp> {
        match self.state {
            ClockState::Satisfied { at } => Some(at),
            _ => None,
        }
    }
}

/// All clocks of a case, stored as one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseClocks {
    /// The case.
    pub case: CaseRef,
    /// Its clocks, in the order they were opened.
    pub clocks: Vec<ClockRecord>,
}

impl Versioned for CaseClocks {
    const SCHEMA_VERSION: u8 = 1;
}
