//! Breach records and who may see them. A breach is visible to the parties of its case
//! (sender and recipient) and to supervisors whose gminas include the case's gmina, each
//! only if the rule's `notify` list names that role; to nobody else.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::case::CaseRef;
use super::rules::{Profile, Role};
use crate::directory::{OrgId, OrgKind, Organization};
use crate::store::codec::{self, Versioned};
use crate::store::{Store, StoreError, Txn, keys};

/// A missed deadline. Ids, times and codes only: no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    /// Increasing in recording order.
    pub id: u64,
    /// The rule.
    pub rule: String,
    /// The rules profile the rule came from (breaches recorded before profiles existed
    /// read as the 2011 profile, the only one there was).
    #[serde(default)]
    pub profile: Profile,
    /// The rule's legal basis at the time of the breach.
    pub legal_basis: String,
    /// The case.
    pub case: CaseRef,
    /// Which occurrence of the rule in the case.
    pub occurrence: u32,
    /// The missed deadline.
    pub due: Timestamp,
    /// When the breach was recorded.
    pub recorded_at: Timestamp,
    /// When the late act happened, if it has.
    pub resolved_at: Option<Timestamp>,
    /// Who had to act.
    pub responsible: OrgId,
    /// Who is told (the rule's `notify` when the breach was recorded).
    pub notify: Vec<Role>,
}

impl Versioned for Breach {
    const SCHEMA_VERSION: u8 = 1;
}

/// What happened to a breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BreachEventKind {
    /// Recorded.
    Recorded,
    /// Resolved by a late act.
    Resolved,
}

/// One entry of the breach log (the feed behind WatchBreaches), with the breach as it was
/// after the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachLogEntry {
    /// What happened.
    pub kind: BreachEventKind,
    /// The breach after the event.
    pub breach: Breach,
}

impl Versioned for BreachLogEntry {
    const SCHEMA_VERSION: u8 = 1;
}

impl Breach {
    /// How late the act that resolved the breach came (`resolved - due`); `None` while the
    /// breach is open.
    pub fn lateness(&self) -> Option<jiff::SignedDuration> {
        self.resolved_at
            .map(|at| at.duration_since(self.due).max(jiff::SignedDuration::ZERO))
    }

    /// The state of the breached deadline as far as the breach knows: `breached` until the
    /// act comes, then `met_late` (the words of `Deadline.state`).
    pub fn deadline_state(&self) -> &'static str {
        if self.resolved_at.is_some() {
            "met_late"
        } else {
            "breached"
        }
    }

    /// Whether `org` may see this breach.
    pub fn visible_to(&self, org: &Organization) -> bool {
        let told = |r: Role| self.notify.contains(&r);
        (org.id == self.case.sender && told(Role::Sender))
            || (org.id == self.case.recipient && told(Role::Recipient))
            || (org.kind == OrgKind::Supervisor
                && org.gminas.contains(&self.case.gmina)
                && told(Role::Supervisor))
    }
}

/// Filters of ListBreaches.
#[derive(Debug, Clone, Default)]
pub struct BreachFilter {
    /// Only this rule.
    pub rule: Option<String>,
    /// Only this case (also matches the parent case, e.g. a Blue Card procedure).
    pub case_id: Option<String>,
    /// Some(true): open only; Some(false): resolved only.
    pub open: Option<bool>,
    /// Deadline at or after.
    pub due_from: Option<Timestamp>,
    /// Deadline before.
    pub due_to: Option<Timestamp>,
    /// Only breaches this organisation is a party to (the case's sender or recipient, or
    /// the one responsible): the console's filter by organisation.
    pub party: Option<OrgId>,
}

impl BreachFilter {
    fn matches(&self, b: &Breach) -> bool {
        self.rule.as_ref().is_none_or(|r| &b.rule == r)
            && self
                .case_id
                .as_ref()
                .is_none_or(|c| &b.case.id == c || b.case.parent.as_ref() == Some(c))
            && self.open.is_none_or(|o| o == b.resolved_at.is_none())
            && self.due_from.is_none_or(|t| b.due >= t)
            && self.due_to.is_none_or(|t| b.due < t)
            && self.party.as_ref().is_none_or(|o| {
                &b.case.sender == o || &b.case.recipient == o || &b.responsible == o
            })
    }
}

/// Lists breaches visible to `org` with id > `after`, at most `limit`; returns them and
/// whether more may follow.
pub fn list(
    store: &Store,
    org: &Organization,
    filter: &BreachFilter,
    after: u64,
    limit: usize,
) -> Result<(Vec<Breach>, bool), StoreError> {
    let mut out = Vec::new();
    let mut cursor = after;
    loop {
        let (start, end) = keys::breaches_after(cursor);
        let batch = store.scan(&start, &end, 512)?;
        if batch.is_empty() {
            return Ok((out, false));
        }
        for (k, v) in &batch {
            let b: Breach = codec::decode(k, v)?;
            cursor = b.id;
            if b.visible_to(org) && filter.matches(&b) {
                out.push(b);
                if out.len() == limit {
                    return Ok((out, true));
                }
            }
        }
    }
}

/// The prefix of the breach event log (a feed, watched by WatchBreaches).
pub fn log_prefix() -> Vec<u8> {
    keys::breach_log()
}

/// One breach by id.
pub fn get(store: &Store, id: u64) -> Result<Option<Breach>, StoreError> {
    store.get_record(&keys::breach(id))
}

/// The ids of the breaches of `case_id` this command has recorded so far, in id order: all
/// the breaches of a case the command created (a purge takes a case's index of breaches
/// with it, `Deadlines::forget_case`), so its view needs no scan for them.
pub fn recorded_in(txn: &Txn<'_>, case_id: &str) -> Vec<u64> {
    let Ok(prefix) = keys::breaches_of_case(case_id) else {
        return Vec::new();
    };
    txn.written_in(&prefix, &keys::prefix_end(&prefix))
        .filter_map(|k| keys::trailing_u64(k))
        .collect()
}

/// The breaches of a case (and of its children, for a procedure's cards) in id order.
pub fn of_case(store: &Store, case_id: &str) -> Result<Vec<Breach>, StoreError> {
    let Ok(prefix) = keys::breaches_of_case(case_id) else {
        return Ok(Vec::new()); // an id no key can hold has no breaches
    };
    let mut out = Vec::new();
    for (k, _) in store.scan(&prefix, &keys::prefix_end(&prefix), usize::MAX)? {
        if let Some(id) = keys::trailing_u64(&k) {
            if let Some(b) = get(store, id)? {
                out.push(b);
            }
        }
    }
    Ok(out)
}
