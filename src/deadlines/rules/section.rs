//! The `[rules]` table of the configuration: `profile` picks the built-in profile and every
//! other key is a rule id with its override (`[rules."bluecard.forward"]`). The table is one
//! map in TOML and in figment, so it is read by hand: the key `profile` is never taken for
//! a rule (no rule may be called `profile`), and its value may be a string (`"2023"` in the
//! file) or a number (`LACZNIK_RULES__PROFILE=2023`, which figment's environment provider
//! hands over as an integer).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Profile, RuleError, RuleOverride, RuleSet};

/// The key of the profile inside `[rules]`.
pub const PROFILE_KEY: &str = "profile";

/// `[rules]`: the profile in force and the overrides applied on top of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulesSection {
    /// `rules.profile`: which regulation the built-in Blue Card rules follow.
    pub profile: Profile,
    /// `[rules."<id>"]`: overrides by rule id.
    pub overrides: BTreeMap<String, RuleOverride>,
}

impl RulesSection {
    /// The rules in force: the profile's built-in rules with the overrides applied.
    pub fn rule_set(&self) -> Result<RuleSet, RuleError> {
        RuleSet::for_profile(self.profile, &self.overrides)
    }
}

impl Serialize for RulesSection {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.overrides.len() + 1))?;
        map.serialize_entry(PROFILE_KEY, &self.profile)?;
        for (id, o) in &self.overrides {
            map.serialize_entry(id, o)?;
        }
        map.end()
    }
}

struct SectionVisitor;

impl<'de> Visitor<'de> for SectionVisitor {
    type Value = RulesSection;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a [rules] table: profile = \"2011\" | \"2023\" and [rules.\"<id>\"] overrides")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RulesSection, A::Error> {
        let mut section = RulesSection::default();
        while let Some(key) = map.next_key::<String>()? {
            if key == PROFILE_KEY {
                section.profile = map.next_value()?;
            } else {
                let o: RuleOverride = map.next_value()?;
                section.overrides.insert(key, o);
            }
        }
        Ok(section)
    }
}

impl<'de> Deserialize<'de> for RulesSection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RulesSection, D::Error> {
        d.deserialize_map(SectionVisitor)
    }
}
