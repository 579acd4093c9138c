//! What a case's view shows of its deadlines (its clocks and its breaches), and how a
//! command that just changed the case hands them to its caller, so the answer needs no
//! read of what the command itself wrote. The benchmark's profile (issue 14) had the
//! read-back of a new request's clocks after its commit at about 3 % of a submission's CPU,
//! and on PostgreSQL every scan for breaches is a query.

use super::breach::{self, Breach};
use super::clock::{CaseClocks, ClockRecord};
use crate::store::{Store, StoreError, Txn, keys};

/// What a command knows, when it ends, of the deadlines of the case it was about.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The case's clocks as the command wrote them; `None` when it wrote none (they are
    /// read from the store).
    clocks: Option<Vec<ClockRecord>>,
    /// The ids of all the case's breaches, when the command created the case: only those
    /// it recorded itself ([`breach::recorded_in`]); `None` otherwise (they are looked up).
    breach_ids: Option<Vec<u64>>,
}

impl Known {
    /// What `txn` knows of case `case_id` at the end of its command; `created`: the
    /// command created the case (a submission that was not a repeat).
    pub fn after(txn: &Txn<'_>, case_id: &str, created: bool) -> Known {
        let clocks = keys::clocks(case_id)
            .ok()
            .and_then(|k| txn.kept::<CaseClocks>(&k).map(|r| r.clocks.clone()));
        Known {
            clocks,
            breach_ids: created.then(|| breach::recorded_in(txn, case_id)),
        }
    }
}

/// A case's clocks and breaches for its view: what `known` holds, the rest read.
pub fn of_case(
    store: &Store,
    case_id: &str,
    known: Known,
) -> Result<(Vec<ClockRecord>, Vec<Breach>), StoreError> {
    let clocks = match known.clocks {
        Some(c) => c,
        None => clocks_of(store, case_id)?,
    };
    let breaches = match known.breach_ids {
        None => breach::of_case(store, case_id)?,
        Some(ids) => {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(b) = breach::get(store, id)? {
                    out.push(b);
                }
            }
            out
        }
    };
    Ok((clocks, breaches))
}

/// The clocks of a case as stored, for case views (GetProcedure, GetAssistanceRequest).
pub fn clocks_of(store: &Store, case_id: &str) -> Result<Vec<ClockRecord>, StoreError> {
    Ok(store
        .get_record::<CaseClocks>(&keys::clocks(case_id)?)?
        .map(|r| r.clocks)
        .unwrap_or_default())
}
