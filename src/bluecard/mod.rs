//! The Blue Card procedure (Rozp. RM z 13 września 2011 r., Dz.U. Nr 209, poz. 1245):
//! initiating services send Blue Card A to the chair of the municipality's interdisciplinary
//! team (§ 7 ust. 1, within 7 days), the chair forwards it to the team members or a working
//! group (§ 8 ust. 1, within 3 days of receipt), repeated incidents join the running
//! procedure (§ 9), and the team closes it with a protocol (§ 18).
//!
//! With `rules.profile = "2023"` (Dz.U. 2023 poz. 1870) the deadlines and names follow the
//! 2023 regulation: the chair passes the card to the grupa diagnostyczno-pomocowa (a
//! forwarding target of its own, checked against the profile of the card's forwarding
//! deadline) and the group's first meeting is a recorded step with a deadline of its own
//! (README "Deadlines").
//!
//! - [`model`]: the form, the card, the procedure;
//! - [`validate`]: every bad field at once; § 2 ust. 3-4 and § 6 checks;
//! - [`commands`]: submit, acknowledge, forward, steps, close;
//! - [`store`]: records, indexes, the team's inbox and pending entries;
//! - [`receipts`]: what each event's receipt says;
//! - [`inbox`]: the chair's long poll of the inbox (PullBlueCards);
//! - [`service`]: each operation whole (who may, validation, command, view), as the API
//!   calls it.

pub mod commands;
pub mod inbox;
pub mod model;
pub mod receipts;
pub mod service;
pub mod store;
pub mod validate;
