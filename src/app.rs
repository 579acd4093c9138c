//! The application state shared by every service: configuration, directory, store, clock
//! and the shutdown signal that long-lived streams listen to.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::deadlines::Deadlines;
use crate::directory::Directory;
use crate::feed::Feeds;
use crate::store::Store;

impl App {
    /// The sweeper's narrow view of the application.
    pub fn sweeper(&self) -> crate::deadlines::sweeper::Sweeper {
        crate::deadlines::sweeper::Sweeper {
            store: self.store.clone(),
            clock: self.clock.clone(),
            deadlines: self.deadlines.clone(),
        }
    }
}

/// Everything a handler may need, built once at start-up.
pub struct App {
    /// The configuration the server started with.
    pub config: Config,
    /// The organisation directory (immutable while the server runs).
    pub directory: Arc<Directory>,
    /// The store.
    pub store: Store,
    /// The clock deadlines and timestamps come from.
    pub clock: Arc<dyn Clock>,
    /// The deadline engine and the rules in force.
    pub deadlines: Arc<Deadlines>,
    /// Durable watermarks of the feeds (police streams, Blue Card inboxes, breach log).
    pub feeds: Feeds,
    /// Signs and stores the receipts of events (README, "Receipts and evidence").
    pub receipts: Arc<crate::receipt::Issuer>,
    /// Becomes `true` when the server shuts down, so streams end and let it drain.
    pub shutdown: crate::shutdown::Shutdown,
    /// Who is listening: police streams and team pulls, for the recipients' metrics.
    pub recipients: Arc<crate::recipients::Recipients>,
}
