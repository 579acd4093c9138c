//! Boundaries of the calendar: DST days in Europe/Warsaw, the bundled time zone, and inputs
//! at the ends of the representable range (which must not panic).

use super::*;
use jiff::civil::date;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn dst_day_boundaries() {
    // Spring forward on Sunday 29 March 2026, fall back on Sunday 25 October 2026.
    assert_eq!(end_of_day(date(2026, 3, 28)), ts("2026-03-28T23:00:00Z"));
    assert_eq!(start_of_day(date(2026, 3, 29)), ts("2026-03-28T23:00:00Z"));
    assert_eq!(end_of_day(date(2026, 3, 29)), ts("2026-03-29T22:00:00Z"));
    assert_eq!(end_of_day(date(2026, 10, 24)), ts("2026-10-24T22:00:00Z"));
    assert_eq!(end_of_day(date(2026, 10, 25)), ts("2026-10-25T23:00:00Z"));
    // The DST days are 23 and 25 hours long.
    let len = |d| end_of_day(d).duration_since(start_of_day(d)).as_hours();
    assert_eq!((len(date(2026, 3, 29)), len(date(2026, 10, 25))), (23, 25));
    assert_eq!(local_date(ts("2026-03-28T22:59:59Z")), date(2026, 3, 28));
    assert_eq!(local_date(ts("2026-03-28T23:00:00Z")), date(2026, 3, 29));
    assert_eq!(local_date(ts("2026-10-24T22:30:00Z")), date(2026, 10, 25));
    assert_eq!(local_date(ts("2026-10-25T22:59:59Z")), date(2026, 10, 25));
}

#[test]
fn dst_deadlines() {
    let fri_march = ts("2026-03-27T10:00:00Z");
    assert_eq!(
        calendar_days_after(fri_march, 1, false),
        ts("2026-03-28T23:00:00Z")
    );
    assert_eq!(
        calendar_days_after(fri_march, 2, false),
        ts("2026-03-29T22:00:00Z")
    );
    assert_eq!(
        calendar_days_after(fri_march, 2, true),
        ts("2026-03-30T22:00:00Z")
    );
    assert_eq!(working_days_after(fri_march, 1), ts("2026-03-30T22:00:00Z"));
    let fri_october = ts("2026-10-23T12:00:00Z");
    assert_eq!(
        calendar_days_after(fri_october, 1, false),
        ts("2026-10-24T22:00:00Z")
    );
    assert_eq!(
        calendar_days_after(fri_october, 2, false),
        ts("2026-10-25T23:00:00Z")
    );
    assert_eq!(
        calendar_days_after(fri_october, 2, true),
        ts("2026-10-26T23:00:00Z")
    );
    assert_eq!(
        working_days_after(fri_october, 1),
        ts("2026-10-26T23:00:00Z")
    );
    // Hours are exact elapsed time, across DST and without rolling.
    assert_eq!(
        hours_after(ts("2026-03-28T12:00:00Z"), 24),
        ts("2026-03-29T12:00:00Z")
    );
    assert_eq!(hours_after(fri_october, 48), ts("2026-10-25T12:00:00Z"));
}

#[test]
fn warsaw_is_bundled() {
    // Guards the `expect` in WARSAW: the bundled tzdb must know the zone.
    assert!(TimeZoneDatabase::bundled().get(WARSAW_TZ).is_ok());
    assert_eq!(warsaw().iana_name(), Some(WARSAW_TZ));
}

#[test]
fn out_of_range_does_not_panic() {
    for y in [i16::MIN, -10_000, -9999, 0, 1582, 9999, 10_000, i16::MAX] {
        let _ = easter_sunday(y);
        let _ = holidays(y);
    }
    assert!(holidays(i16::MAX).is_empty());
    assert_eq!(holidays(9999).len(), 14);
    assert_eq!(add_working_days(Date::MAX, 5), Date::MAX);
    assert_eq!(add_working_days(Date::MIN, -5), Date::MIN);
    let _ = add_working_days(date(9990, 1, 1), i32::MAX);
    assert_eq!(end_of_day(Date::MAX), Timestamp::MAX);
    let _ = start_of_day(Date::MIN);
    assert_eq!(
        calendar_days_after(Timestamp::MAX, u32::MAX, true),
        Timestamp::MAX
    );
    let _ = working_days_after(Timestamp::MAX, u32::MAX);
    let _ = working_days_before(Timestamp::MIN, u32::MAX);
    assert_eq!(hours_after(Timestamp::MAX, 1), Timestamp::MAX);
    assert!(working_days_between(Timestamp::MIN, Timestamp::MAX) > 0);
}
