//! The directory of organisations: who may call the service and who receives what.
//!
//! It is a TOML file kept by the operator (a start-up input, not data the service edits),
//! because the set of institutions changes rarely, changes must be reviewed, and every
//! entry has to be matched by a client certificate issued out of band anyway.
//!
//! ```toml
//! [[organization]]
//! id = "mopr-torun"            # 1-64 of [a-z0-9-]; names certs/<id>.pem and the
//!                              # certificate's URI SAN urn:lacznik:org:<id>
//! name = "Miejski Ośrodek Pomocy Rodzinie w Toruniu"
//! kind = "welfare_centre"      # see OrgKind
//! gminas = ["0463011"]         # TERYT gmina codes of the area served (default [])
//! active = true                # optional, default true; false = suspended
//! ```
//!
//! Unknown keys and unknown kinds are errors, so a typo cannot silently drop an
//! organisation's area. After parsing, the whole file is checked and *all* problems are
//! reported together ([`Problem`]), so an operator fixes the file in one pass:
//! every gmina has at most one police unit and one team, every welfare centre's gmina has
//! both, area-bound kinds list at least one gmina, ids are unique and names non-empty.
//!
//! Suspension (`active = false`) refuses the organisation's calls but keeps it in routing
//! and in the uniqueness rules: a suspended police unit still is *the* police unit of its
//! area, items queue for it until it is reactivated, and no second unit can be slipped in
//! meanwhile.
//!
//! Organisation names are public information; nothing here is personal data.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::teryt::GminaCode;

mod org;

pub use org::{Actor, ORG_ID_MAX_LEN, OrgId, OrgIdError, OrgKind};

fn default_true() -> bool {
    true
}

/// One entry of the directory, exactly as the operator wrote it.
///
/// Fields are public because the type is plain data, immutable once inside a
/// [`Directory`]; the invariants that matter span entries and are checked by the directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Identity; matches the client certificate.
    pub id: OrgId,
    /// Official name, shown to the other side of an exchange.
    pub name: String,
    /// What it is and so what it may do.
    pub kind: OrgKind,
    /// The area served, in file order.
    #[serde(default)]
    pub gminas: Vec<GminaCode>,
    /// `false` = suspended: its calls are refused, but it still counts for routing and
    /// uniqueness (see the module docs), so suspending cannot re-route or lose items.
    #[serde(default = "default_true")]
    pub active: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectoryFile {
    #[serde(default)]
    organization: Vec<Organization>,
}

/// One thing wrong with a directory file, naming ids and gminas so it can be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The file lists no organisation; a service nobody may call is a misconfiguration.
    #[error("the directory lists no organisations")]
    Empty,
    /// The same id appears more than once; certificates could not tell them apart.
    #[error("organisation id {id} appears {count} times")]
    DuplicateId {
        /// The repeated id.
        id: OrgId,
        /// How many entries carry it.
        count: usize,
    },
    /// The name is empty or blank; the other side must see who it deals with.
    #[error("organisation {id} has an empty name")]
    EmptyName {
        /// The organisation.
        id: OrgId,
    },
    /// A kind that works per area lists no gmina.
    #[error("organisation {id} of kind {kind} serves no gmina (it needs at least one)")]
    NoGminas {
        /// The organisation.
        id: OrgId,
        /// Its kind.
        kind: OrgKind,
    },
    /// The same gmina twice in one entry, almost certainly a typo for another code.
    #[error("organisation {id} lists gmina {gmina} more than once")]
    RepeatedGmina {
        /// The organisation.
        id: OrgId,
        /// The repeated gmina.
        gmina: GminaCode,
    },
    /// More than one police unit, or more than one team, for a gmina: items would have
    /// no single recipient (and the act sets up one team per gmina).
    #[error(
        "gmina {gmina} has several organisations of kind {kind}: {}",
        join(ids)
    )]
    SeveralServing {
        /// The gmina.
        gmina: GminaCode,
        /// `police_unit` or `team`.
        kind: OrgKind,
        /// All organisations of that kind claiming the gmina, in id order.
        ids: Vec<OrgId>,
    },
    /// A welfare centre whose gmina lacks a police unit or a team: its items could not be
    /// delivered.
    #[error("welfare centre {welfare_centre} serves gmina {gmina}, which has no {missing}")]
    MissingRoute {
        /// The welfare centre.
        welfare_centre: OrgId,
        /// Its gmina lacking the recipient.
        gmina: GminaCode,
        /// `police_unit` or `team`.
        missing: OrgKind,
    },
}

fn join(ids: &[OrgId]) -> String {
    ids.iter().map(OrgId::as_str).collect::<Vec<_>>().join(", ")
}

/// Why a directory could not be loaded. All of these stop the service at start-up:
/// running with a wrong directory would misroute items.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The file could not be read.
    #[error("cannot read directory file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not valid TOML, or an unknown key, unknown kind, bad id or bad TERYT code. The
    /// message is toml's, which points at the line.
    #[error("directory{}: {message}", in_file(path.as_deref()))]
    Parse {
        /// The file, if read from one.
        path: Option<PathBuf>,
        /// What the TOML reader said, including the position.
        message: String,
    },
    /// Well-formed but inconsistent; every problem found is listed.
    #[error(
        "directory{} has {} problem(s):{}",
        in_file(path.as_deref()),
        problems.len(),
        problems.iter().map(|p| format!("\n  - {p}")).collect::<String>()
    )]
    Invalid {
        /// The file, if read from one, so the error names it.
        path: Option<PathBuf>,
        /// All problems, not just the first.
        problems: Vec<Problem>,
    },
}

fn in_file(path: Option<&Path>) -> String {
    path.map(|p| format!(" file {}", p.display()))
        .unwrap_or_default()
}

/// The validated directory with its routing indexes.
///
/// Built once at start-up and never mutated, so it can be shared in an `Arc` by every
/// request without locking; changing it means loading a new one.
#[derive(Debug, Clone)]
pub struct Directory {
    orgs: BTreeMap<OrgId, Organization>,
    routes: BTreeMap<(OrgKind, GminaCode), Vec<OrgId>>,
}

impl Directory {
    /// Parses and validates directory text; used for the built-in sample and tests.
    pub fn from_toml_str(text: &str) -> Result<Directory, DirectoryError> {
        Self::build(text, None)
    }

    /// Reads, parses and validates a directory file; errors name the file so a start-up
    /// failure points straight at what to fix.
    pub fn load(path: &Path) -> Result<Directory, DirectoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| DirectoryError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::build(&text, Some(path))
    }

    fn build(text: &str, path: Option<&Path>) -> Result<Directory, DirectoryError> {
        let file: DirectoryFile = toml::from_str(text).map_err(|e| DirectoryError::Parse {
            path: path.map(Path::to_path_buf),
            message: e.to_string().trim_end().to_owned(),
        })?;
        Self::validate(file.organization).map_err(|problems| DirectoryError::Invalid {
            path: path.map(Path::to_path_buf),
            problems,
        })
    }

    fn validate(entries: Vec<Organization>) -> Result<Directory, Vec<Problem>> {
        let mut problems = Vec::new();
        if entries.is_empty() {
            problems.push(Problem::Empty);
        }
        let mut counts: BTreeMap<&OrgId, usize> = BTreeMap::new();
        for org in &entries {
            *counts.entry(&org.id).or_default() += 1;
            if org.name.trim().is_empty() {
                problems.push(Problem::EmptyName { id: org.id.clone() });
            }
            if org.gminas.is_empty() && org.kind.needs_area() {
                problems.push(Problem::NoGminas {
                    id: org.id.clone(),
                    kind: org.kind,
                });
            }
            for (i, &gmina) in org.gminas.iter().enumerate() {
                // Reported once, at the second occurrence.
                if org.gminas[..i].iter().filter(|&&x| x == gmina).count() == 1 {
                    let id = org.id.clone();
                    problems.push(Problem::RepeatedGmina { id, gmina });
                }
            }
        }
        for (id, &count) in &counts {
            if count > 1 {
                problems.push(Problem::DuplicateId {
                    id: (*id).clone(),
                    count,
                });
            }
        }

        // Routing is computed over the first entry of each id; duplicates are already
        // reported and would only add noise.
        let mut orgs = BTreeMap::new();
        for org in entries {
            orgs.entry(org.id.clone()).or_insert(org);
        }
        // Who serves each gmina, per kind; ids in id order, each once.
        let mut routes: BTreeMap<(OrgKind, GminaCode), Vec<OrgId>> = BTreeMap::new();
        for org in orgs.values() {
            for &gmina in &org.gminas {
                let ids = routes.entry((org.kind, gmina)).or_default();
                if ids.last() != Some(&org.id) {
                    ids.push(org.id.clone());
                }
            }
        }
        for (&(kind, gmina), ids) in &routes {
            if ids.len() > 1 && matches!(kind, OrgKind::PoliceUnit | OrgKind::Team) {
                let ids = ids.clone();
                problems.push(Problem::SeveralServing { gmina, kind, ids });
            }
        }
        for org in orgs.values().filter(|o| o.kind == OrgKind::WelfareCentre) {
            let gminas: BTreeSet<GminaCode> = org.gminas.iter().copied().collect();
            for gmina in gminas {
                for missing in [OrgKind::PoliceUnit, OrgKind::Team] {
                    if !routes.contains_key(&(missing, gmina)) {
                        let welfare_centre = org.id.clone();
                        let problem = Problem::MissingRoute {
                            welfare_centre,
                            gmina,
                            missing,
                        };
                        problems.push(problem);
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(Directory { orgs, routes })
        } else {
            Err(problems)
        }
    }

    /// The organisations of `kind` listing `gmina`, in id order.
    fn serving(&self, kind: OrgKind, gmina: GminaCode) -> impl Iterator<Item = &Organization> {
        let ids = self.routes.get(&(kind, gmina)).into_iter().flatten();
        ids.filter_map(|id| self.orgs.get(id))
    }

    /// The organisation behind an id (e.g. a certificate's), active or not; the caller
    /// decides what suspension means for its operation.
    pub fn get(&self, id: &OrgId) -> Option<&Organization> {
        self.orgs.get(id)
    }

    /// All organisations in id order, so listings and certificate issuing are stable.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Organization> {
        self.orgs.values()
    }

    /// Number of organisations, for start-up logs and listings.
    pub fn len(&self) -> usize {
        self.orgs.len()
    }

    /// Always `false` for a loaded directory (an empty one is rejected); present because a
    /// `len` without it confuses readers and lints.
    pub fn is_empty(&self) -> bool {
        self.orgs.is_empty()
    }

    /// The police unit that receives items concerning `gmina`. Validation guarantees at
    /// most one, and exactly one where a welfare centre works. May be suspended: items
    /// then wait for it rather than go elsewhere.
    pub fn police_unit_for(&self, gmina: GminaCode) -> Option<&Organization> {
        self.serving(OrgKind::PoliceUnit, gmina).next()
    }

    /// The interdisciplinary team of `gmina`; same guarantees as
    /// [`Directory::police_unit_for`].
    pub fn team_for(&self, gmina: GminaCode) -> Option<&Organization> {
        self.serving(OrgKind::Team, gmina).next()
    }

    /// The voivodeship offices overseeing `gmina` (possibly none, possibly several), in id
    /// order, for access checks on supervisory reads.
    pub fn supervisors_of(&self, gmina: GminaCode) -> impl Iterator<Item = &Organization> {
        self.serving(OrgKind::Supervisor, gmina)
    }

    /// Whether `id` lists `gmina` in its area, so a caller can only act for its own
    /// gminas. Unknown ids serve nothing; suspended ones still do (suspension is checked
    /// separately, when they call).
    pub fn serves(&self, id: &OrgId, gmina: GminaCode) -> bool {
        self.orgs.get(id).is_some_and(|o| o.gminas.contains(&gmina))
    }
}

#[cfg(test)]
#[path = "directory_tests.rs"]
mod tests;
