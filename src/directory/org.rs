//! Organisation ids and kinds: the two values every other module passes around, kept apart
//! from the directory file's parsing and routing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest accepted organisation id, so ids stay usable as file names and fit the one-byte
/// length prefix of storage keys.
pub const ORG_ID_MAX_LEN: usize = 64;

/// The stable identifier of an organisation.
///
/// It is validated because it leaves the directory in two sensitive places: as a file name
/// (`certs/<id>.pem`, so no `/`, `..` or leading `-`) and inside a certificate URI SAN
/// (`urn:lacznik:org:<id>`, so nothing needing escaping). Lowercase only so that two
/// spellings can never name the same institution.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrgId(String);

/// Why a string is not an organisation id; precise so the operator knows what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgIdError {
    /// The id is empty.
    #[error("organisation id is empty")]
    Empty,
    /// Longer than [`ORG_ID_MAX_LEN`].
    #[error("organisation id has {0} characters, at most {ORG_ID_MAX_LEN} are allowed")]
    TooLong(usize),
    /// A character outside `[a-z0-9-]`.
    #[error("organisation id contains {0:?}; only a-z, 0-9 and '-' are allowed")]
    BadChar(char),
    /// Starts with `-`, which would read as an option on a command line.
    #[error("organisation id must start with a letter or digit")]
    BadStart,
}

impl OrgId {
    /// The id as text, for file names, SANs, keys and logs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for OrgId {
    type Err = OrgIdError;

    /// The only way to make an id, so every `OrgId` in the program is safe to use as
    /// described on the type.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let len = s.chars().count();
        if len == 0 {
            return Err(OrgIdError::Empty);
        }
        if len > ORG_ID_MAX_LEN {
            return Err(OrgIdError::TooLong(len));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(OrgIdError::BadChar(c));
        }
        if s.starts_with('-') {
            return Err(OrgIdError::BadStart);
        }
        Ok(OrgId(s.to_owned()))
    }
}

impl fmt::Display for OrgId {
    /// The bare id, as in the directory file and certificates.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl Serialize for OrgId {
    /// A plain string, the form used in files and on the wire.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OrgId {
    /// Validates while reading, so a bad id is reported at its line in the file.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What an organisation is, which decides what it may do and what it receives.
///
/// A closed list, because the statute names the bodies involved; an unknown kind in the
/// file is an error rather than an organisation with no rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Ośrodek pomocy społecznej / rodzinie: opens most procedures, needs routing.
    WelfareCentre,
    /// Police unit (KMP, KPP, komisariat): receives items for its gminas.
    PoliceUnit,
    /// Zespół interdyscyplinarny; its chair's system uses the team's certificate.
    Team,
    /// Gminna/miejska komisja rozwiązywania problemów alkoholowych.
    AlcoholCommission,
    /// A school or other education institution.
    Education,
    /// A health care provider.
    HealthCare,
    /// Żandarmeria Wojskowa, for cases involving soldiers.
    MilitaryPolice,
    /// A voivodeship office overseeing the gminas it lists.
    Supervisor,
    /// Operators of lacznik itself.
    Admin,
}

impl OrgKind {
    /// Every kind, for listings, tests and exhaustive mappings (e.g. to the proto enum).
    pub const ALL: [OrgKind; 9] = [
        OrgKind::WelfareCentre,
        OrgKind::PoliceUnit,
        OrgKind::Team,
        OrgKind::AlcoholCommission,
        OrgKind::Education,
        OrgKind::HealthCare,
        OrgKind::MilitaryPolice,
        OrgKind::Supervisor,
        OrgKind::Admin,
    ];

    /// The name used in the directory file, so output and input use the same words.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::WelfareCentre => "welfare_centre",
            OrgKind::PoliceUnit => "police_unit",
            OrgKind::Team => "team",
            OrgKind::AlcoholCommission => "alcohol_commission",
            OrgKind::Education => "education",
            OrgKind::HealthCare => "health_care",
            OrgKind::MilitaryPolice => "military_police",
            OrgKind::Supervisor => "supervisor",
            OrgKind::Admin => "admin",
        }
    }

    /// Whether this kind may start a "Niebieska Karta" procedure: the bodies of art. 9d
    /// ust. 2 of the 2005 act on counteracting domestic violence (welfare centre, alcohol
    /// commission, police, education, health care) plus the military police added by the
    /// 2023 reform. Teams, supervisors and admins only act on procedures others opened.
    pub fn is_blue_card_initiator(self) -> bool {
        matches!(
            self,
            OrgKind::WelfareCentre
                | OrgKind::AlcoholCommission
                | OrgKind::PoliceUnit
                | OrgKind::Education
                | OrgKind::HealthCare
                | OrgKind::MilitaryPolice
        )
    }

    /// Kinds that are meaningless without an area: routing and supervision go by gmina.
    pub(super) fn needs_area(self) -> bool {
        matches!(
            self,
            OrgKind::PoliceUnit | OrgKind::Team | OrgKind::WelfareCentre | OrgKind::Supervisor
        )
    }
}

/// Who may call an operation, by organisation kind: the one place the kind checks live
/// (which records a caller may see is each record's `visible_to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A welfare centre (submits assistance requests).
    WelfareCentre,
    /// A police unit (streams and answers assistance requests).
    PoliceUnit,
    /// An interdisciplinary team (pulls Blue Cards and runs the procedure).
    Team,
    /// Any initiating service of art. 9d ust. 2 (submits Blue Cards).
    BlueCardInitiator,
    /// An operator of lacznik (moves the simulated clock).
    Admin,
}

impl Actor {
    /// Whether an organisation of `kind` acts as this.
    pub fn admits(self, kind: OrgKind) -> bool {
        match self {
            Actor::WelfareCentre => kind == OrgKind::WelfareCentre,
            Actor::PoliceUnit => kind == OrgKind::PoliceUnit,
            Actor::Team => kind == OrgKind::Team,
            Actor::BlueCardInitiator => kind.is_blue_card_initiator(),
            Actor::Admin => kind == OrgKind::Admin,
        }
    }

    /// Who that is, in the words of a refusal.
    fn who(self) -> &'static str {
        match self {
            Actor::WelfareCentre => "a welfare_centre",
            Actor::PoliceUnit => "a police_unit",
            Actor::Team => "an interdisciplinary team",
            Actor::BlueCardInitiator => "initiating services (art. 9d ust. 2)",
            Actor::Admin => "admin organisations",
        }
    }
}

impl super::Organization {
    /// PERMISSION_DENIED unless this organisation acts as `actor`; `what` completes "only
    /// ... may" in the message (ids and kinds only).
    pub fn require(&self, actor: Actor, what: &str) -> Result<(), crate::error::Error> {
        if actor.admits(self.kind) {
            Ok(())
        } else {
            Err(crate::error::Error::PermissionDenied(format!(
                "only {} may {what}; {} is a {}",
                actor.who(),
                self.id,
                self.kind.as_str()
            )))
        }
    }
}

impl fmt::Display for OrgKind {
    /// Same words as the file, see [`OrgKind::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
