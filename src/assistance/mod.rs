//! Police-assistance requests (welfare centre -> police unit), after the 2016 procedure:
//! the centre's head applies to the police unit at least 3 working days before the visit
//! (urgent matters orally first, in writing after the activities); the officer assists and
//! writes a service note (notatka służbowa) afterwards.
//!
//! - [`model`]: the request, its content and history;
//! - [`validate`]: every bad field at once, no value echoed;
//! - [`commands`]: submit, cancel, confirm, acknowledge, file the note (one atomic
//!   batch each, deadlines included);
//! - [`amend`]: amendments before the visit;
//! - [`store`]: keys, per-organisation index, the police unit's feed;
//! - [`service`]: each operation whole (who may, validation, command, view), as the API
//!   calls it.

pub mod amend;
pub mod commands;
pub mod model;
pub mod service;
pub mod store;
pub mod validate;
