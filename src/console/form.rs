//! What a posted form carries and how it is shown again: the values by field name (the
//! names are the API's field paths, e.g. `content.address.street`, so the validator's
//! violations land next to their fields without a table of names), the errors in Polish,
//! and the form's token (see `security`). Nothing typed is lost: a form refused for any
//! reason is shown again with every value as it was sent.

use std::collections::HashMap;

use crate::error::{Error, FieldViolation};

/// A posted form, or a new one.
#[derive(Debug, Default, Clone)]
pub(crate) struct FormView {
    values: HashMap<String, Vec<String>>,
    /// The violations, in the validator's order: (field path, message in Polish).
    pub errors: Vec<(String, String)>,
    /// The form's id: the request or card id it creates, or the case it acts on.
    pub form_id: String,
    /// The token that proves the form came from the console for this certificate.
    pub token: String,
}

impl FormView {
    /// A form from what the browser posted (`application/x-www-form-urlencoded`).
    pub fn posted(pairs: Vec<(String, String)>) -> FormView {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in pairs {
            values.entry(k).or_default().push(v);
        }
        let form_id = first(&values, "form_id").to_string();
        let token = first(&values, "token").to_string();
        FormView {
            values,
            errors: Vec::new(),
            form_id,
            token,
        }
    }

    /// An empty form with `form_id` and its token.
    pub fn fresh(form_id: String, token: String) -> FormView {
        FormView {
            form_id,
            token,
            ..FormView::default()
        }
    }

    /// Sets a value (a default shown in a fresh form).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), vec![value.into()]);
    }

    /// The value of field `name` ("" when absent), trimmed of nothing: shown as typed.
    pub fn value(&self, name: &str) -> &str {
        first(&self.values, name)
    }

    /// Whether a checkbox `name` was ticked, or one of several with `value`.
    pub fn checked(&self, name: &str, value: &str) -> bool {
        self.values
            .get(name)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }

    /// The error shown next to field `name`: the first violation of the field or of a
    /// part of it (`content.client` also shows `content.client.first_name`'s when the
    /// form has no field of that name).
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.as_str())
    }

    /// Whether field `name` has an error (the field is drawn as invalid).
    pub fn invalid(&self, name: &str) -> bool {
        self.error(name).is_some()
    }

    /// Adds an error to field `name`.
    pub fn add_error(&mut self, name: &str, message: impl Into<String>) {
        self.errors.push((name.to_string(), message.into()));
    }

    /// Takes the violations of a domain refusal (INVALID_ARGUMENT) into the form; any
    /// other error is given back.
    pub fn absorb(&mut self, e: Error) -> Result<(), Error> {
        match e {
            Error::InvalidArgument(list) => {
                for FieldViolation { field, description } in list {
                    let message = super::words::violation(&description);
                    self.errors.push((field, message));
                }
                Ok(())
            }
            other => Err(other),
        }
    }

    /// The HTML id of the input for field `name` ([`field_id`]).
    pub fn id(&self, name: &str) -> String {
        field_id(name)
    }

    /// The label of field `name` in the error summary.
    pub fn label(&self, name: &str) -> String {
        super::words::field_label(name)
    }

    /// Whether the form has errors to show.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

fn first<'a>(values: &'a HashMap<String, Vec<String>>, name: &str) -> &'a str {
    values
        .get(name)
        .and_then(|v| v.first())
        .map_or("", String::as_str)
}

/// The HTML id of the input for field `name` (`content.address.street` ->
/// `f-content-address-street`), which the error summary links to.
pub(crate) fn field_id(name: &str) -> String {
    let mut id = String::from("f-");
    for c in name.chars() {
        id.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    id.trim_end_matches('-').to_string()
}
