//! Rules profiles: which Blue Card regulation the built-in rules follow, and the names each
//! regulation gives to people and bodies, so that everything people read (rule texts,
//! `lacznik rules`, the breach report, docs) speaks the language of the profile in force.
//!
//! - `2011`: Rozp. RM z 13 września 2011 r. (Dz.U. 2011 nr 209 poz. 1245), the seed document
//!   and the default, under the ustawa o przeciwdziałaniu przemocy w rodzinie;
//! - `2023`: Rozp. RM z 6 września 2023 r. (Dz.U. 2023 poz. 1870), in force since
//!   28.09.2023, under the ustawa o przeciwdziałaniu przemocy domowej. Its periods come
//!   from a secondary source and are to be checked against ISAP WDU20230001870 (README,
//!   "Deadlines").
//!
//! A profile is written as the year, `"2011"` or `"2023"`, in the configuration, in stored
//! records and on the wire. The environment (`LACZNIK_RULES__PROFILE=2023`) hands the value
//! over as a number, so the number is accepted too.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which regulation the built-in Blue Card rules follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Profile {
    /// Dz.U. 2011 nr 209 poz. 1245; the default, and what records written before profiles
    /// existed were produced by.
    #[default]
    Y2011,
    /// Dz.U. 2023 poz. 1870, the regulation in force since 28 September 2023.
    Y2023,
}

/// The names a regulation gives to the people and bodies of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    /// What the act and the regulation call the violence.
    pub violence: &'static str,
    /// The person experiencing it.
    pub person_experiencing: &'static str,
    /// The person using it (2011: suspected of using it).
    pub person_using: &'static str,
    /// The group of the team that works on a case.
    pub group: &'static str,
    /// The act the regulation implements.
    pub act: &'static str,
}

const TERMS_2011: Terms = Terms {
    violence: "przemoc w rodzinie",
    person_experiencing: "osoba, co do której istnieje podejrzenie, że jest dotknięta przemocą w rodzinie",
    person_using: "osoba, wobec której istnieje podejrzenie, że stosuje przemoc w rodzinie",
    group: "grupa robocza",
    act: "ustawa z 29 lipca 2005 r. o przeciwdziałaniu przemocy w rodzinie",
};

const TERMS_2023: Terms = Terms {
    violence: "przemoc domowa",
    person_experiencing: "osoba doznająca przemocy domowej",
    person_using: "osoba stosująca przemoc domową",
    group: "grupa diagnostyczno-pomocowa",
    act: "ustawa o przeciwdziałaniu przemocy domowej",
};

/// A profile name that is neither `2011` nor `2023`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rules profile {0:?}: expected \"2011\" or \"2023\"")]
pub struct UnknownProfile(pub String);

impl Profile {
    /// Every profile, oldest first (for `lacznik rules`, docs and tests).
    pub const ALL: [Profile; 2] = [Profile::Y2011, Profile::Y2023];

    /// The year, as written in the configuration, in records and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Y2011 => "2011",
            Profile::Y2023 => "2023",
        }
    }

    /// The regulation the profile follows, for headers and reports.
    pub fn regulation(self) -> &'static str {
        match self {
            Profile::Y2011 => {
                "Rozp. RM z 13 września 2011 r. w sprawie procedury \"Niebieskie Karty\" \
                 (Dz.U. 2011 nr 209 poz. 1245)"
            }
            Profile::Y2023 => {
                "Rozp. RM z 6 września 2023 r. w sprawie procedury \"Niebieskie Karty\" \
                 (Dz.U. 2023 poz. 1870), in force since 28.09.2023"
            }
        }
    }

    /// The caveat people must read with the profile, if any.
    pub fn caveat(self) -> Option<&'static str> {
        match self {
            Profile::Y2011 => None,
            Profile::Y2023 => Some(
                "the 2023 periods come from a secondary source: check them against the \
                 official text (ISAP, WDU20230001870) before production; every rule stays \
                 overridable with [rules.\"<id>\"]",
            ),
        }
    }

    /// The names of the regulation.
    pub fn terms(self) -> &'static Terms {
        match self {
            Profile::Y2011 => &TERMS_2011,
            Profile::Y2023 => &TERMS_2023,
        }
    }

    /// A profile from its year, as text.
    pub fn parse(s: &str) -> Result<Profile, UnknownProfile> {
        match s.trim() {
            "2011" => Ok(Profile::Y2011),
            "2023" => Ok(Profile::Y2023),
            other => Err(UnknownProfile(other.to_string())),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Profile, UnknownProfile> {
        Profile::parse(s)
    }
}

impl Serialize for Profile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

struct ProfileVisitor;

impl Visitor<'_> for ProfileVisitor {
    type Value = Profile;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a rules profile, \"2011\" or \"2023\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Profile, E> {
        Profile::parse(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Profile, E> {
        Profile::parse(&v.to_string()).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Profile, E> {
        Profile::parse(&v.to_string()).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Profile, D::Error> {
        d.deserialize_any(ProfileVisitor)
    }
}
