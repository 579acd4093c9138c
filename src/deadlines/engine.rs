//! The deadline engine: opens, moves, satisfies and cancels the clocks of a case when its
//! state changes, and turns clocks whose deadline passed into breach records.
//!
//! Storage (see `store::keys`): the clocks of a case are one record (`CLOCKS`), and every
//! open clock has one entry in the due-time index (`DUE`, ordered by deadline). The sweep
//! reads only the index up to "now", so its cost is the number of due clocks, never the
//! number of open cases. A breach, the clock's new state and the removal of its index entry
//! are written in the same batch: a breach is recorded exactly once per (case, rule,
//! occurrence), across restarts too.
//!
//! Rules profiles: a clock stores the rule id and the profile it was opened under, and is
//! judged by that profile's rule for the rest of its life (satisfied, cancelled, moved by a
//! changed fact, breached). So a change of `rules.profile` leaves running clocks with the
//! due time they were given, while the clocks opened after it follow the new profile.

use jiff::Timestamp;

use super::breach::{Breach, BreachEventKind, BreachLogEntry};
use super::case::{CaseRef, Facts};
pub use super::clock::{CaseClocks, ClockRecord, ClockState};
use super::rules::{Anchor, Event, Profile, Role, Rule, RuleSet};
use crate::feed::Feeds;
use crate::store::{StoreError, Txn, keys};

/// What a sweep did, for the log, metrics and the benchmark.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Index entries read.
    pub scanned: usize,
    /// Breaches recorded.
    pub breaches: usize,
}

/// The rules in force plus the breach feed: the engine's whole state outside the store.
pub struct Deadlines {
    rules: RuleSet,
    /// The other profiles' rules (with the same overrides), for clocks opened under them.
    earlier: Vec<RuleSet>,
    feeds: Feeds,
    simulated_clock: bool,
}

impl Deadlines {
    /// An engine over `rules` (the profile in force), publishing breach events through
    /// `feeds`; clocks opened under another profile keep that profile's rules.
    pub fn new(rules: RuleSet, feeds: Feeds) -> Deadlines {
        let earlier = Profile::ALL
            .into_iter()
            .filter(|p| *p != rules.profile())
            .map(|p| rules.sibling(p))
            .collect();
        Deadlines {
            rules,
            earlier,
            feeds,
            simulated_clock: false,
        }
    }

    /// An engine whose breach receipts say they were made on a simulated clock.
    pub fn on_simulated_clock(self, simulated: bool) -> Deadlines {
        Deadlines {
            simulated_clock: simulated,
            ..self
        }
    }

    /// The rules in force.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The rule a clock runs under: its own profile's, whatever profile is in force now.
    fn rule_of(&self, clock: &ClockRecord) -> Option<&Rule> {
        if clock.profile == self.rules.profile() {
            return self.rules.get(&clock.rule);
        }
        self.earlier
            .iter()
            .find(|set| set.profile() == clock.profile)
            .and_then(|set| set.get(&clock.rule))
    }

    /// The feeds (for watchers of the breach log).
    pub fn feeds(&self) -> &Feeds {
        &self.feeds
    }

    fn anchor(rule: &Rule, at: Timestamp, facts: &Facts) -> Option<Timestamp> {
        match rule.anchor {
            Anchor::EventTime => Some(at),
            Anchor::PlannedStart => facts.planned_start,
            Anchor::PlannedEnd => facts.planned_end,
            Anchor::ProcedureStarted => facts.procedure_started,
        }
    }

    /// Applies an event of a case at instant `at` (the command's "now"): satisfies and
    /// cancels clocks, opens the clocks the event starts, recomputes the deadlines of open
    /// clocks from the case's current facts, and records a breach for every clock that is
    /// already late. Returns the ids of breaches recorded.
    pub fn on_event(
        &self,
        txn: &mut Txn<'_>,
        case: &CaseRef,
        event: Event,
        at: Timestamp,
        facts: &Facts,
    ) -> Result<Vec<u64>, StoreError> {
        let key = keys::clocks(&case.id)?;
        let mut record = txn.get_record::<CaseClocks>(&key)?.unwrap_or(CaseClocks {
            case: case.clone(),
            clocks: Vec::new(),
        });
        record.case = case.clone();
        let mut breaches = Vec::new();

        // 1. Satisfy or cancel running clocks.
        for i in 0..record.clocks.len() {
            let clock = record.clocks[i].clone();
            let Some(rule) = self.rule_of(&clock) else {
                continue;
            };
            let satisfies = rule.satisfied_by.contains(&event) && !rule.starts.contains(&event);
            let cancels = rule.cancelled_by.contains(&event);
            match clock.state {
                ClockState::Open if satisfies => {
                    txn.delete(keys::due(
                        clock.due,
                        &case.id,
                        &clock.rule,
                        clock.occurrence,
                    )?);
                    if at >= clock.due {
                        // Late, and the sweep had not got to it yet: breach, resolved now.
                        breaches.push(self.record_breach(txn, case, rule, &clock, at, Some(at))?);
                    }
                    record.clocks[i].state = ClockState::Satisfied { at };
                }
                ClockState::Breached { breach_id } if satisfies => {
                    self.resolve_breach(txn, breach_id, at)?;
                    record.clocks[i].state = ClockState::Satisfied { at };
                }
                ClockState::Open if cancels => {
                    txn.delete(keys::due(
                        clock.due,
                        &case.id,
                        &clock.rule,
                        clock.occurrence,
                    )?);
                    record.clocks[i].state = ClockState::Cancelled { at };
                }
                ClockState::Breached { .. } if cancels => {
                    // The breach stays open: the act never happened.
                    record.clocks[i].state = ClockState::Cancelled { at };
                }
                _ => {}
            }
        }

        // 2. Open the clocks this event starts.
        for rule in self.rules.iter() {
            if rule.case_kind != case.kind || !rule.starts_on(event, facts.urgent_oral) {
                continue;
            }
            let Some(anchor) = Self::anchor(rule, at, facts) else {
                tracing::warn!(rule = %rule.id, case_id = %case.id, "rule anchor missing; clock not opened");
                continue;
            };
            let occurrence = record
                .clocks
                .iter()
                .filter(|c| c.rule == rule.id)
                .map(|c| c.occurrence)
                .max()
                .unwrap_or(0)
                + 1;
            for c in record.clocks.iter_mut().filter(|c| c.rule == rule.id) {
                if c.state == ClockState::Open {
                    txn.delete(keys::due(c.due, &case.id, &c.rule, c.occurrence)?);
                    c.state = ClockState::Superseded;
                }
            }
            let due = rule.due(anchor);
            let mut clock = ClockRecord {
                rule: rule.id.clone(),
                profile: rule.profile,
                occurrence,
                started_at: at,
                due,
                state: ClockState::Open,
            };
            if rule.satisfied_by.contains(&event) {
                // A check made at this moment ("at least N days before", "within 7 days").
                if at >= due {
                    breaches.push(self.record_breach(txn, case, rule, &clock, at, Some(at))?);
                }
                clock.state = ClockState::Satisfied { at };
            } else {
                txn.put(keys::due(due, &case.id, &rule.id, occurrence)?, Vec::new());
            }
            record.clocks.push(clock);
        }

        // 3. Recompute open deadlines from the current facts (an amendment moves them),
        //    and record what is already late.
        for i in 0..record.clocks.len() {
            let clock = record.clocks[i].clone();
            if clock.state != ClockState::Open {
                continue;
            }
            let Some(rule) = self.rule_of(&clock) else {
                continue;
            };
            let anchor = match rule.anchor {
                Anchor::EventTime => Some(clock.started_at),
                _ => Self::anchor(rule, at, facts),
            };
            let due = anchor.map(|a| rule.due(a)).unwrap_or(clock.due);
            if at >= due {
                txn.delete(keys::due(
                    clock.due,
                    &case.id,
                    &clock.rule,
                    clock.occurrence,
                )?);
                record.clocks[i].due = due;
                let late = record.clocks[i].clone();
                let id = self.record_breach(txn, case, rule, &late, at, None)?;
                record.clocks[i].state = ClockState::Breached { breach_id: id };
                breaches.push(id);
            } else if due != clock.due {
                txn.delete(keys::due(
                    clock.due,
                    &case.id,
                    &clock.rule,
                    clock.occurrence,
                )?);
                txn.put(
                    keys::due(due, &case.id, &clock.rule, clock.occurrence)?,
                    Vec::new(),
                );
                record.clocks[i].due = due;
            }
        }
        txn.put_record_kept(key, &record)?;
        Ok(breaches)
    }

    /// Records breaches for clocks due at or before `now`, at most `limit` index entries.
    pub fn sweep(
        &self,
        txn: &mut Txn<'_>,
        now: Timestamp,
        limit: usize,
    ) -> Result<SweepOutcome, StoreError> {
        let (start, end) = keys::due_by(now);
        let entries = txn.scan_committed(&start, &end, limit)?;
        let mut outcome = SweepOutcome {
            scanned: entries.len(),
            breaches: 0,
        };
        for (k, _) in entries {
            txn.delete(k.clone());
            let Some(keys::DueEntry {
                due,
                case_id,
                rule: rule_id,
                occurrence: occ,
            }) = keys::parse_due(&k)
            else {
                tracing::error!(key = %hex::encode(&k), "malformed due-index key removed");
                continue;
            };
            let ckey = keys::clocks(&case_id)?;
            let Some(mut record) = txn.get_record::<CaseClocks>(&ckey)? else {
                continue;
            };
            let Some(i) = record
                .clocks
                .iter()
                .position(|c| c.rule == rule_id && c.occurrence == occ)
            else {
                continue;
            };
            let clock = record.clocks[i].clone();
            // The index keeps milliseconds; compare at that precision.
            if clock.state != ClockState::Open || keys::time_key(clock.due) != keys::time_key(due) {
                continue; // stale index entry: the clock moved or closed in the meantime
            }
            let Some(rule) = self.rule_of(&clock) else {
                continue;
            };
            let case = record.case.clone();
            let id = self.record_breach(txn, &case, rule, &clock, now, None)?;
            record.clocks[i].state = ClockState::Breached { breach_id: id };
            txn.put_record(ckey, &record)?;
            outcome.breaches += 1;
        }
        Ok(outcome)
    }

    fn record_breach(
        &self,
        txn: &mut Txn<'_>,
        case: &CaseRef,
        rule: &Rule,
        clock: &ClockRecord,
        recorded_at: Timestamp,
        resolved_at: Option<Timestamp>,
    ) -> Result<u64, StoreError> {
        let id = txn.next_seq(&keys::breach_ids())?;
        let responsible = match rule.responsible {
            Role::Recipient => case.recipient.clone(),
            _ => case.sender.clone(),
        };
        let breach = Breach {
            id,
            rule: rule.id.clone(),
            profile: rule.profile,
            legal_basis: rule.legal_basis.clone(),
            case: case.clone(),
            occurrence: clock.occurrence,
            due: clock.due,
            recorded_at,
            resolved_at,
            responsible,
            notify: rule.notify.clone(),
        };
        // A new number: neither key can be there yet.
        txn.insert_record(keys::breach(id), &breach)?;
        txn.insert(keys::breach_of_case(&case.id, id)?, Vec::new());
        tracing::info!(breach_id = id, rule = %rule.id, profile = %rule.profile, case_id = %case.id, due = %clock.due, "deadline breach recorded");
        let rule_id = rule.id.clone();
        txn.on_durable(move || {
            metrics::counter!("lacznik_breaches_total", "rule" => rule_id).increment(1)
        });
        self.log(txn, BreachEventKind::Recorded, &breach)?;
        if resolved_at.is_some() {
            self.log(txn, BreachEventKind::Resolved, &breach)?;
        }
        Ok(id)
    }

    fn resolve_breach(&self, txn: &mut Txn<'_>, id: u64, at: Timestamp) -> Result<(), StoreError> {
        let key = keys::breach(id);
        let Some(mut breach) = txn.get_record::<Breach>(&key)? else {
            return Ok(());
        };
        if breach.resolved_at.is_some() {
            return Ok(());
        }
        breach.resolved_at = Some(at);
        txn.put_record(key, &breach)?;
        tracing::info!(breach_id = id, rule = %breach.rule, case_id = %breach.case.id, "deadline breach resolved");
        self.log(txn, BreachEventKind::Resolved, &breach)
    }

    fn log(
        &self,
        txn: &mut Txn<'_>,
        kind: BreachEventKind,
        breach: &Breach,
    ) -> Result<(), StoreError> {
        let entry = BreachLogEntry {
            kind,
            breach: breach.clone(),
        };
        self.feeds.append(txn, &keys::breach_log(), &entry)?;
        super::evidence::record(txn, kind, breach, self.simulated_clock)
    }

    /// Removes the clocks of an ended case (retention purge) unless one still runs; returns
    /// false, writing nothing, when a clock is open (a purge leaves such a case alone).
    /// Breach records stay: they hold ids and times only, and supervisors' reports count
    /// them after the case itself is gone.
    pub fn forget_case(txn: &mut Txn<'_>, case_id: &str) -> Result<bool, StoreError> {
        let Ok(key) = keys::clocks(case_id) else {
            return Ok(true); // an id no key can hold has no clocks
        };
        if let Some(record) = txn.get_record::<CaseClocks>(&key)? {
            if record.clocks.iter().any(|c| c.state == ClockState::Open) {
                return Ok(false);
            }
            txn.delete(key);
        }
        // The case's index of its breaches goes with it (the breach records stay): a case
        // made later under the same id starts with none, as `breach::recorded_in` assumes.
        let prefix = keys::breaches_of_case(case_id)?;
        for (k, _) in txn.scan_committed(&prefix, &keys::prefix_end(&prefix), usize::MAX)? {
            txn.delete(k);
        }
        Ok(true)
    }

    /// The profile a case's `rule` runs under: that of its latest clock of the rule, else
    /// the profile in force (what a clock opened now would get).
    pub fn profile_of(
        &self,
        txn: &Txn<'_>,
        case_id: &str,
        rule: &str,
    ) -> Result<Profile, StoreError> {
        let record = txn.get_record::<CaseClocks>(&keys::clocks(case_id)?)?;
        Ok(record
            .and_then(|r| {
                r.clocks
                    .iter()
                    .rev()
                    .find(|c| c.rule == rule)
                    .map(|c| c.profile)
            })
            .unwrap_or(self.rules.profile()))
    }

    /// True when some clock is due at or before `now` (a cheap check outside the writer).
    pub fn anything_due(store: &crate::store::Store, now: Timestamp) -> Result<bool, StoreError> {
        let (start, end) = keys::due_by(now);
        Ok(!store.scan(&start, &end, 1)?.is_empty())
    }

    /// Number of open clocks (index entries), for metrics and the benchmark; O(open).
    pub fn count_open(store: &crate::store::Store) -> Result<usize, StoreError> {
        Ok(store
            .scan(
                &keys::keyspace(keys::DUE).0,
                &keys::keyspace(keys::DUE).1,
                usize::MAX,
            )?
            .len())
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "engine_profile_tests.rs"]
mod profile_tests;

#[cfg(test)]
#[path = "engine_case_end_tests.rs"]
mod case_end_tests;
