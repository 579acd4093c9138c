//! Every test of the binary runs in one process, two at a time (one thread per CPU) and in
//! any order. Most tests do not care; two kinds do, and these guards keep them apart:
//!
//! - a *heavy* test loads the whole machine (the crash test: a server process killed and
//!   restarted while 16 clients hammer it);
//! - a *timing* test asserts how long something took on the wall clock (a stream event
//!   within a second, a long poll woken within two, the polite client of the load test
//!   served within two, a breach recorded within a second of its deadline).
//!
//! Heavy tests may run together, as they did in their own binary, and so may timing tests;
//! a timing test never runs while a heavy one does, so what it measures is the server, not
//! the neighbour. A test that is both (the flood of the load test: it loads the machine and
//! times the polite client) runs [`alone`] among them. The guard is held for the whole
//! test and released when dropped (also when the test panics). Tests without a guard run
//! beside any of these: they assert no tight wall-clock bound (a few seconds of
//! polling at most).

use std::sync::{Condvar, Mutex};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Heavy,
    Timing,
    Alone,
}

/// Which kind of test holds the machine, and how many of them.
struct Room {
    kind: Option<Kind>,
    inside: usize,
}

static ROOM: Mutex<Room> = Mutex::new(Room {
    kind: None,
    inside: 0,
});
static CHANGED: Condvar = Condvar::new();

/// Held while a heavy or a timing test runs.
#[must_use = "the guard keeps the test apart while it is alive"]
pub struct Guard(());

fn enter(kind: Kind) -> Guard {
    let mut room = ROOM.lock().unwrap_or_else(|e| e.into_inner());
    while room.kind.is_some_and(|k| k != kind || k == Kind::Alone) {
        room = CHANGED.wait(room).unwrap_or_else(|e| e.into_inner());
    }
    room.kind = Some(kind);
    room.inside += 1;
    Guard(())
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut room = ROOM.lock().unwrap_or_else(|e| e.into_inner());
        room.inside -= 1;
        if room.inside == 0 {
            room.kind = None;
            CHANGED.notify_all();
        }
    }
}

/// For a test that loads the whole machine: no timing test runs meanwhile.
pub fn heavy() -> Guard {
    enter(Kind::Heavy)
}

/// For a test that asserts on elapsed wall-clock time: no heavy test runs meanwhile.
pub fn timing() -> Guard {
    enter(Kind::Timing)
}

/// For a test that both loads the machine and asserts on elapsed time: no heavy, timing
/// or other such test runs meanwhile.
pub fn alone() -> Guard {
    enter(Kind::Alone)
}
