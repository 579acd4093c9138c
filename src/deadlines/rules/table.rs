//! The text of `lacznik rules` (also reproduced in README): the profile in force with the
//! regulation it follows, its names and caveat, the overrides, then every rule with its
//! legal basis, so an operator sees at once which law the deadlines follow.

use super::{Condition, Event, RuleSet};

impl RuleSet {
    /// The table printed by `lacznik rules` and reproduced in README.
    pub fn table(&self) -> String {
        let profile = self.profile();
        let terms = profile.terms();
        let mut out = String::new();
        out.push_str(&format!(
            "rules profile: {profile} ({})\n",
            profile.regulation()
        ));
        if let Some(caveat) = profile.caveat() {
            out.push_str(&format!("  caveat:                 {caveat}\n"));
        }
        for (what, name) in [
            ("violence", terms.violence),
            ("person experiencing it", terms.person_experiencing),
            ("person using it", terms.person_using),
            ("the team's group", terms.group),
        ] {
            out.push_str(&format!("  {what:<23} {name}\n"));
        }
        let overridden: Vec<&str> = self.overrides().keys().map(String::as_str).collect();
        out.push_str(&format!(
            "  overrides:              {}\n\n",
            if overridden.is_empty() {
                "none".to_string()
            } else {
                format!("[rules.\"<id>\"] for {}", overridden.join(", "))
            }
        ));
        for r in self.iter() {
            let state = if r.enabled { "" } else { "  [DISABLED]" };
            out.push_str(&format!("{}{state}\n", r.id));
            out.push_str(&format!("  basis:     {}\n", r.legal_basis));
            out.push_str(&format!("  rule:      {}\n", r.description));
            let period = r.describe_period();
            let builtin = RuleSet::builtin_profile(profile)
                .get(&r.id)
                .map(|b| b.describe_period());
            match builtin {
                Some(b) if b != period => out.push_str(&format!(
                    "  deadline:  {period} (overridden; the profile says {b})\n"
                )),
                _ => out.push_str(&format!("  deadline:  {period}\n")),
            }
            out.push_str(&format!("  starts on: {}\n", events(&r.starts)));
            if r.condition != Condition::Always {
                out.push_str(&format!("  only:      {:?}\n", r.condition));
            }
            out.push_str(&format!("  met by:    {}\n", events(&r.satisfied_by)));
            if !r.cancelled_by.is_empty() {
                out.push_str(&format!("  ends on:   {}\n", events(&r.cancelled_by)));
            }
            out.push_str(&format!(
                "  who acts:  {:?}; told of a breach: {:?}\n",
                r.responsible, r.notify
            ));
        }
        out
    }
}

fn events(list: &[Event]) -> String {
    list.iter()
        .map(|e| format!("{e:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}
