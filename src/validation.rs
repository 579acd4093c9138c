//! Field validation shared by the workflows: every bad field is collected (not just the
//! first), and no message echoes a value, because values are personal data.

use crate::error::{Error, FieldViolation};
use crate::people::Signatory;

/// Longest name-like field (characters).
pub const MAX_NAME: usize = 100;
/// Longest free-text field (characters).
pub const MAX_TEXT: usize = 4000;

/// Collects violations; fields the API layer already rejected (bad timestamp, unknown enum
/// value) are not reported twice.
#[derive(Debug, Default)]
pub struct Checker {
    violations: Vec<FieldViolation>,
}

impl Checker {
    /// Starts with what the API layer found while decoding.
    pub fn new(pre: Vec<FieldViolation>) -> Checker {
        Checker { violations: pre }
    }

    fn reported(&self, field: &str) -> bool {
        self.violations.iter().any(|v| v.field == field)
    }

    /// Adds a violation.
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        let field = field.into();
        if !self.reported(&field) {
            self.violations
                .push(FieldViolation::new(field, description));
        }
    }

    /// A text field: required or not, a length limit, no control characters (free text
    /// may hold line breaks).
    pub fn text(&mut self, field: &str, value: &str, required: bool, max: usize, multiline: bool) {
        // Values are stored trimmed, so they are judged trimmed: surrounding whitespace
        // (also a trailing line break) is never a reason to refuse.
        let trimmed = value.trim();
        if trimmed.is_empty() {
            if required {
                self.add(field, "required");
            }
            return;
        }
        if trimmed.chars().count() > max {
            self.add(field, format!("at most {max} characters"));
        }
        let bad = trimmed
            .chars()
            .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')));
        if bad {
            self.add(field, "contains control characters");
        }
    }

    /// True when a violation was already reported for `field` or any field under it
    /// (`field[i]`, `field.sub`).
    pub fn reported_under(&self, field: &str) -> bool {
        self.violations.iter().any(|v| {
            v.field == field
                || v.field
                    .strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
        })
    }

    /// A required value that the API layer mapped to `None` when absent.
    pub fn required<T>(&mut self, field: &str, value: &Option<T>) {
        if value.is_none() {
            self.add(field, "required");
        }
    }

    /// Ends validation.
    pub fn finish(self) -> Result<(), Error> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidArgument(self.violations))
        }
    }

    /// True when nothing is wrong so far.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }
}

/// A signatory: first and last name required, position optional.
pub fn signatory(c: &mut Checker, field: &str, s: &Option<Signatory>) {
    match s {
        None => c.add(field, "required"),
        Some(s) => {
            c.text(
                &format!("{field}.first_name"),
                &s.first_name,
                true,
                MAX_NAME,
                false,
            );
            c.text(
                &format!("{field}.last_name"),
                &s.last_name,
                true,
                MAX_NAME,
                false,
            );
            c.text(
                &format!("{field}.position"),
                &s.position,
                false,
                MAX_NAME,
                false,
            );
        }
    }
}

/// A case id chosen by the client (request, card, procedure): a UUID, normalised to
/// lower-case hyphenated form; anything else is a violation of `field`.
pub fn case_id(c: &mut Checker, field: &str, raw: &str) -> Option<String> {
    match uuid::Uuid::parse_str(raw.trim()) {
        Ok(u) if !u.is_nil() => Some(u.hyphenated().to_string()),
        _ => {
            c.add(field, "must be a UUID chosen by the client");
            None
        }
    }
}

/// The form a case id is looked up by (trimmed, lower case), so a lookup never fails on
/// how the client spelled a valid id.
pub fn normalise_id(raw: &str) -> String {
    raw.trim().to_lowercase()
}
