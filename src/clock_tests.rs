//! Unit tests of `clock`.

use super::*;

#[test]
fn simulated_clock_moves_forward_only() {
    let start: Timestamp = "2026-12-21T08:00:00Z".parse().unwrap();
    let c = SimulatedClock::new(start);
    let mut rx = c.subscribe();
    assert_eq!(c.now(), start);
    let t = c.advance(SignedDuration::from_hours(2)).unwrap();
    assert_eq!(t, "2026-12-21T10:00:00Z".parse().unwrap());
    assert!(rx.has_changed().unwrap());
    rx.mark_unchanged();
    assert!(matches!(c.set(start), Err(ClockError::Backwards { .. })));
    assert_eq!(c.now(), t);
    assert!(!rx.has_changed().unwrap());
    assert!(c.advance(SignedDuration::from_secs(-1)).is_err());
}
