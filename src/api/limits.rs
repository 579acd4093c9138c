//! Per-organisation load shedding: each organisation may have a bounded number of calls in
//! flight; beyond it, calls are refused at once with RESOURCE_EXHAUSTED (clients retry with
//! back-off), so one organisation's runaway system cannot fill the writer's queue and
//! starve the others.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::Error;

/// In-flight permits per organisation.
pub struct OrgLimiter {
    per_org: usize,
    orgs: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl OrgLimiter {
    /// At most `per_org` calls in flight per organisation.
    pub fn new(per_org: usize) -> OrgLimiter {
        OrgLimiter {
            per_org: per_org.max(1),
            orgs: Mutex::new(HashMap::new()),
        }
    }

    /// A permit for one call of `org`, or RESOURCE_EXHAUSTED.
    pub fn acquire(&self, org: &str) -> Result<OwnedSemaphorePermit, Error> {
        let sem = {
            let mut orgs = self.orgs.lock().unwrap_or_else(|p| p.into_inner());
            orgs.entry(org.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_org)))
                .clone()
        };
        sem.try_acquire_owned().map_err(|_| {
            Error::ResourceExhausted(format!(
                "organisation {org} has {} calls in flight, the limit; retry with back-off",
                self.per_org
            ))
        })
    }
}
