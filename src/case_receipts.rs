//! The receipts of one case as a party lists them (ListReceipts): the case must be one the
//! caller may see, by the same rule as reading it (an assistance request, a Blue Card or a
//! procedure); otherwise NOT_FOUND, exactly as for an unknown id. The receipts of the
//! case's breaches are kept with it, and shown only to those the breach itself is visible
//! to (a party the rule does not tell of a breach does not get its receipt either).

use std::collections::HashSet;

use crate::app::App;
use crate::directory::Organization;
use crate::error::Error;
use crate::{assistance, bluecard, deadlines};

/// A page of the receipts of case `id` after position `after`, at most `size`, with
/// their positions, and whether more follow.
pub fn list(
    app: &App,
    caller: &Organization,
    id: &str,
    after: u64,
    size: usize,
) -> Result<(Vec<(u64, String)>, bool), Error> {
    let store = &app.store;
    let me = &caller.id;
    let visible = match assistance::store::get(store, id)? {
        Some(r) => r.visible_to(me),
        None => match bluecard::store::card(store, id)? {
            Some(c) => c.visible_to(me),
            None => bluecard::store::procedure(store, id)?.is_some_and(|p| p.visible_to(me)),
        },
    };
    if !visible {
        return Err(Error::NotFound {
            what: "case",
            id: id.to_string(),
        });
    }
    crate::audit::scope::touched(id);
    let breaches: HashSet<String> = deadlines::breach::of_case(store, id)?
        .into_iter()
        .filter(|b| b.visible_to(caller))
        .map(|b| b.id.to_string())
        .collect();
    let keep = |p: &crate::receipt::Payload| {
        if p.case_kind == "breach" {
            breaches.contains(&p.case_id)
        } else {
            p.case_id == id
        }
    };
    let mut page = app.receipts.of_case(store, id, after, size + 1, keep)?;
    let more = page.len() > size;
    page.truncate(size);
    Ok((page, more))
}
