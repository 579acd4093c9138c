//! People named in records who are not the records' subjects: the officials who sign.

use serde::{Deserialize, Serialize};

/// A person signing for an organisation (the head of a centre, the chair of a team, the
/// person who filled in a form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signatory {
    /// First name.
    pub first_name: String,
    /// Surname.
    pub last_name: String,
    /// Position, may be empty.
    pub position: String,
}
