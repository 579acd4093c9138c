//! What a feed entry becomes on the console, made once per organisation and entry however
//! many of its pages are open: the row rendered once and the delivery audited once (the
//! first page to receive it, with its certificate), then handed to every other open page
//! of the organisation as it is. Without it, each open page rendered the row again and
//! wrote an audit entry of its own, so the cost of an event grew with the number of pages
//! a unit had open (README, "Benchmark": 500 pages of one unit).
//!
//! Entries are kept for [`KEEP`]: long enough for every open page to take the event live;
//! a page that catches up later (after a reconnect) gets the row as the case stands then,
//! and that delivery is audited again.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::error::ConsoleError;

/// How long a made event is handed out as it is.
pub(crate) const KEEP: Duration = Duration::from_secs(30);

/// Most events kept at once (a burst beyond it is made again where needed).
const MOST: usize = 20_000;

/// A made event: the SSE data every open page of the organisation gets.
#[derive(Debug)]
pub(crate) struct Made {
    /// The event's data (JSON: the row's HTML and what to announce).
    pub data: String,
}

/// An event being made or made: `None` inside once made means "nothing to show" (a
/// purged case).
type Slot = Arc<Mutex<Option<Option<Arc<Made>>>>>;

/// The slots by key, and the keys in the order they were made (for expiry).
type Slots = (HashMap<String, Slot>, VecDeque<(Instant, String)>);

/// The events made recently, by organisation and feed cursor.
#[derive(Default)]
pub(crate) struct Deliveries {
    slots: Mutex<Slots>,
}

impl Deliveries {
    /// The event of `org` at `cursor`, made by `make` (render, audit) by the first page
    /// that asks; the others wait for it and share it.
    pub fn get_or_make(
        &self,
        org: &str,
        cursor: &str,
        make: impl FnOnce() -> Result<Option<Made>, ConsoleError>,
    ) -> Result<Option<Arc<Made>>, ConsoleError> {
        let key = format!("{org} {cursor}");
        let slot = {
            let mut guard = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let (map, order) = &mut *guard;
            let now = Instant::now();
            while let Some((at, old)) = order.front() {
                if now.duration_since(*at) < KEEP && order.len() < MOST {
                    break;
                }
                map.remove(old);
                order.pop_front();
            }
            map.entry(key.clone())
                .or_insert_with(|| {
                    order.push_back((now, key));
                    Arc::new(Mutex::new(None))
                })
                .clone()
        };
        let mut made = slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = &*made {
            return Ok(m.clone());
        }
        // Not kept on an error: the next page to ask tries again.
        let m = make()?.map(Arc::new);
        *made = Some(m.clone());
        Ok(m)
    }
}
