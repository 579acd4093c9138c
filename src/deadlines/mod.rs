//! Deadline tracking: every statutory or agreed deadline is a [`rules::Rule`] of a rules
//! profile ([`rules::Profile`]: the 2011 or the 2023 Blue Card regulation); the [`engine`]
//! keeps each case's [`clock`]s and a due-time index; the [`sweeper`] turns passed
//! deadlines into [`breach`] records exactly once, within a second while the server runs
//! and at start-up for what passed while it was down.
//!
//! Conventions (see [`crate::calendar`]): a deadline is an instant; an act at or after it
//! is late. Day periods end at local midnight (Europe/Warsaw), the day of the starting
//! event not counted (KPA art. 57 § 1); rolling to a working day is a per-rule option
//! (KPA art. 57 § 4).

pub mod breach;
pub mod case;
pub mod clock;
pub mod engine;
pub mod evidence;
pub mod rules;
pub mod sweeper;
pub mod view;

pub use breach::{Breach, BreachEventKind, BreachFilter, BreachLogEntry};
pub use case::{CaseRef, Facts};
pub use engine::{ClockRecord, ClockState, Deadlines, SweepOutcome};
pub use rules::{CaseKind, Event, Profile, Rule, RuleOverride, RuleSet, RulesSection};
