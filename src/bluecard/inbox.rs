//! A team's inbox as its chair's system pulls it (PullBlueCards): the cards not yet
//! acknowledged after the client's cursor, waiting up to `wait` for new ones (a long poll,
//! so a chair's system learns of a new card within a second without hammering the
//! server). The wait ends early on the first card and on shutdown.

use std::time::Duration;

use super::model::CardRecord;
use super::store as records;
use crate::app::App;
use crate::directory::{Actor, Organization};
use crate::error::{Error, FieldViolation};
use crate::feed;
use crate::store::StoreError;

/// Longest long poll a client may ask for.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

/// One pulled card: its cursor (the client's next `after_cursor`), the card, and whether
/// its procedure is closed.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The cursor of the card's inbox entry.
    pub cursor: String,
    /// The card.
    pub card: CardRecord,
    /// The procedure was closed (§ 18).
    pub closed: bool,
    /// The signed receipt of the card's submission (`None` for cards from before receipts).
    pub receipt: Option<String>,
}

/// Pulls up to `max` cards after the client's cursor (`after_cursor`), waiting up to
/// `wait` when there are none; `pre` holds what the decoder found wrong. Returns the cards
/// and the cursor after them (`None`: nothing new, keep the cursor).
pub async fn pull(
    app: &App,
    caller: &Organization,
    cursor: &str,
    max: usize,
    wait: Duration,
    mut pre: Vec<FieldViolation>,
) -> Result<(Vec<Pulled>, Option<String>), Error> {
    caller.require(Actor::Team, "pull Blue Cards")?;
    let prefix = records::inbox_prefix(&caller.id);
    let prefix = prefix?;
    let mut mark = app.feeds.watch(&app.store, &prefix).await?;
    let after = match feed::parse_cursor(&app.store, "after_cursor", cursor, *mark.borrow()) {
        Ok(after) => after,
        Err(Error::InvalidArgument(v)) => {
            pre.extend(v);
            0
        }
        Err(e) => return Err(e),
    };
    if !pre.is_empty() {
        return Err(Error::InvalidArgument(pre));
    }
    // Who is listening (the recipients' metrics): a pull in progress, how far delivered.
    let listening = app.recipients.listen(&caller.id, after, app.clock.clone());
    let deadline = tokio::time::Instant::now() + wait.min(MAX_WAIT);
    let mut stop = app.shutdown.clone();
    loop {
        let up_to = *mark.borrow_and_update();
        let pending = records::pending(&app.store, &caller.id, after, up_to, max)?;
        if !pending.is_empty() || tokio::time::Instant::now() >= deadline {
            let mut out = Vec::with_capacity(pending.len());
            let mut next = None;
            for (seq, id) in pending {
                next = Some(seq);
                if let Some(card) = records::card(&app.store, &id)? {
                    crate::audit::scope::touched(&card.card_id);
                    let closed = super::service::is_closed(app, &card.procedure_id)?;
                    let cursor = feed::cursor(&app.store, seq);
                    let receipt = app.receipts.latest_of_kind(
                        &app.store,
                        &card.card_id,
                        super::receipts::CardEvent::Submitted.kind(),
                    )?;
                    out.push(Pulled {
                        cursor,
                        card,
                        closed,
                        receipt,
                    });
                }
            }
            if let Some(seq) = next {
                listening.delivered(seq);
            }
            return Ok((out, next.map(|seq| feed::cursor(&app.store, seq))));
        }
        tokio::select! {
            r = mark.changed() => if r.is_err() { return Err(StoreError::Closed.into()) },
            _ = tokio::time::sleep_until(deadline) => {}
            _ = stop.recv() => return Ok((Vec::new(), None)),
        }
    }
}

/// The team's inbox followed from `cursor` (empty: from the start) as cards arrive: what
/// the console's live page shows. The same feed, cursor rules and `require` as
/// [`pull`].
pub async fn follow(
    app: &App,
    caller: &Organization,
    cursor: &str,
) -> Result<feed::Follower, Error> {
    caller.require(Actor::Team, "follow Blue Cards")?;
    let prefix = records::inbox_prefix(&caller.id)?;
    let mark = app.feeds.watch(&app.store, &prefix).await?;
    let after = feed::parse_cursor(&app.store, "after_cursor", cursor, *mark.borrow())?;
    Ok(feed::Follower::new(
        app.store.clone(),
        prefix,
        after,
        mark,
        app.shutdown.clone(),
    ))
}

/// The card an inbox entry delivered (`None`: purged under the retention policy, or not
/// the caller's).
pub fn card_of_entry(
    app: &App,
    caller: &Organization,
    seq: u64,
    bytes: &[u8],
) -> Result<Option<CardRecord>, Error> {
    let event: super::model::InboxEvent = crate::store::codec::decode(&seq.to_be_bytes(), bytes)?;
    Ok(records::card(&app.store, &event.card_id)?.filter(|c| c.visible_to(&caller.id)))
}

/// A page of the team's cards, newest first: its inbox read backwards from `before`
/// (exclusive; `None`: the durable end), at most `size`; with where the next page starts
/// and the inbox's durable end (a follower from there misses nothing the page lacks).
pub async fn recent(
    app: &App,
    caller: &Organization,
    before: Option<u64>,
    size: usize,
) -> Result<(Vec<CardRecord>, Option<u64>, u64), Error> {
    caller.require(Actor::Team, "list Blue Cards")?;
    let prefix = records::inbox_prefix(&caller.id)?;
    let end = *app.feeds.watch(&app.store, &prefix).await?.borrow();
    let mut cards = Vec::new();
    let next = feed::walk_back(&app.store, &prefix, before, end, |seq, bytes| {
        if cards.len() == size {
            return Ok(false);
        }
        if let Some(c) = card_of_entry(app, caller, seq, bytes)? {
            cards.push(c);
        }
        Ok::<_, Error>(true)
    })?;
    Ok((cards, next, end))
}
