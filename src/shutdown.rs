//! The shutdown signal, as mini-redis's `shutdown.rs` has it: the server holds one
//! [`Trigger`]; every long-lived task (accept loop, streams, long polls, sweeper,
//! retention, monitoring, backup control) holds a [`Shutdown`] and ends when it fires.
//! The signal only says "stop taking new work"; the server then waits for in-flight calls
//! (within the grace period) and flushes the store.

use tokio::sync::watch;

/// Fires the shutdown. Dropping it fires it too, so a listener can never wait forever
/// for a server that is gone.
#[derive(Debug)]
pub struct Trigger {
    tx: watch::Sender<bool>,
}

/// One listener of the shutdown signal; cheap to clone, one per task.
#[derive(Debug, Clone)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
}

impl Trigger {
    /// A new, unfired signal and its first listener.
    pub fn new() -> (Trigger, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (Trigger { tx }, Shutdown { rx })
    }

    /// Starts the shutdown (idempotent).
    pub fn fire(&self) {
        self.tx.send_replace(true);
    }

    /// Another listener.
    pub fn subscribe(&self) -> Shutdown {
        Shutdown {
            rx: self.tx.subscribe(),
        }
    }
}

impl Shutdown {
    /// True once the shutdown has begun.
    pub fn is_shutdown(&self) -> bool {
        *self.rx.borrow()
    }

    /// Completes once the shutdown has begun (at once if it already has).
    pub async fn recv(&mut self) {
        let _ = self.rx.wait_for(|fired| *fired).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_listener_hears_the_trigger_also_late_ones() {
        let (trigger, mut early) = Trigger::new();
        assert!(!early.is_shutdown());
        trigger.fire();
        early.recv().await;
        let mut late = trigger.subscribe();
        late.recv().await;
        assert!(late.is_shutdown());
    }

    #[tokio::test]
    async fn a_dropped_trigger_releases_its_listeners() {
        let (trigger, mut listener) = Trigger::new();
        drop(trigger);
        tokio::time::timeout(std::time::Duration::from_secs(1), listener.recv())
            .await
            .expect("released");
    }
}
