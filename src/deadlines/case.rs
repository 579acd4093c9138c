//! What the deadline engine is told about a case: ids, routing and the facts rules count
//! from, never contents. Breach records carry the same reference, so both the engine and
//! the breach log depend on this module rather than on each other.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::rules::CaseKind;
use crate::directory::OrgId;
use crate::teryt::GminaCode;

/// What the engine needs to know about a case: ids and routing only, never contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRef {
    /// Assistance request or Blue Card.
    pub kind: CaseKind,
    /// The case id (request id, card id).
    pub id: String,
    /// The containing case, if any (the Blue Card procedure of a card).
    pub parent: Option<String>,
    /// The case's gmina (supervisors see breaches of their gminas).
    pub gmina: GminaCode,
    /// The organisation that sent the case.
    pub sender: OrgId,
    /// The organisation that received it.
    pub recipient: OrgId,
}

/// Case facts a rule may count from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Assistance requests made orally first.
    pub urgent_oral: bool,
    /// Planned start of the visit.
    pub planned_start: Option<Timestamp>,
    /// Planned end of the visit.
    pub planned_end: Option<Timestamp>,
    /// When the Blue Card procedure was started.
    pub procedure_started: Option<Timestamp>,
}
