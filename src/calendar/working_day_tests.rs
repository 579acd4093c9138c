//! Working-day and calendar-day arithmetic: adding and counting working days across
//! holidays, and the day-period deadlines (with and without rolling) built on them.

use super::*;
use jiff::civil::date;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn working_days_per_year() {
    for (year, want) in [(2024, 252i64), (2025, 251), (2026, 253), (2027, 253)] {
        let brute = (0..366)
            .filter_map(|i| shift_days(date(year, 1, 1), i))
            .filter(|d| d.year() == year && is_working_day(*d))
            .count();
        assert_eq!(brute as i64, want, "{year}");
        let from = start_of_day(date(year, 1, 1)); // counts days after 1 Jan
        let to = end_of_day(date(year, 12, 31)) - SignedDuration::from_secs(1);
        // 1 January is never a working day, so excluding it changes nothing.
        assert_eq!(working_days_between(from, to), want, "{year}");
    }
}

#[test]
fn add_working_days_over_christmas_2026() {
    // 22 Tue, 23 Wed, 24 Thu (hol), 25 Fri (hol), 26 Sat (hol), 27 Sun, 28 Mon.
    assert_eq!(add_working_days(date(2026, 12, 23), 1), date(2026, 12, 28));
    assert_eq!(add_working_days(date(2026, 12, 22), 2), date(2026, 12, 28));
    assert_eq!(add_working_days(date(2026, 12, 24), 1), date(2026, 12, 28));
    assert_eq!(add_working_days(date(2026, 12, 24), 0), date(2026, 12, 24));
    assert_eq!(add_working_days(date(2026, 12, 28), -1), date(2026, 12, 23));
    assert_eq!(add_working_days(date(2026, 12, 28), -2), date(2026, 12, 22));
    assert_eq!(add_working_days(date(2026, 12, 26), -1), date(2026, 12, 23));
    assert_eq!(next_working_day(date(2026, 12, 23)), date(2026, 12, 28));
    assert_eq!(
        working_day_on_or_after(date(2026, 12, 25)),
        date(2026, 12, 28)
    );
    assert_eq!(
        working_day_on_or_after(date(2026, 12, 23)),
        date(2026, 12, 23)
    );
}

#[test]
fn add_working_days_over_easter_2026() {
    // 3 Apr Fri (Good Friday is a working day), 4 Sat, 5 Sun, 6 Mon (hol), 7 Tue.
    assert!(is_working_day(date(2026, 4, 3)));
    assert_eq!(add_working_days(date(2026, 4, 3), 1), date(2026, 4, 7));
    assert_eq!(add_working_days(date(2026, 4, 2), 2), date(2026, 4, 7));
    assert_eq!(add_working_days(date(2026, 4, 7), -1), date(2026, 4, 3));
    assert_eq!(add_working_days(date(2026, 4, 6), 5), date(2026, 4, 13));
}

#[test]
fn calendar_days_rolling() {
    // Event on Wednesday 7 January 2026; the event day is not counted.
    let wed = ts("2026-01-07T09:00:00Z");
    assert_eq!(
        calendar_days_after(wed, 0, false),
        ts("2026-01-07T23:00:00Z")
    );
    assert_eq!(
        calendar_days_after(wed, 1, false),
        ts("2026-01-08T23:00:00Z")
    );
    assert_eq!(
        calendar_days_after(wed, 1, true),
        ts("2026-01-08T23:00:00Z")
    );
    // Last day Saturday 10 January.
    assert_eq!(
        calendar_days_after(wed, 3, false),
        ts("2026-01-10T23:00:00Z")
    );
    assert_eq!(
        calendar_days_after(wed, 3, true),
        ts("2026-01-12T23:00:00Z")
    );
    // Last day Sunday 11 January.
    assert_eq!(
        calendar_days_after(wed, 4, false),
        ts("2026-01-11T23:00:00Z")
    );
    assert_eq!(
        calendar_days_after(wed, 4, true),
        ts("2026-01-12T23:00:00Z")
    );
    // Last day Friday 1 May 2026 (holiday), then Saturday and Sunday 3 May (holiday).
    let mon = ts("2026-04-27T08:00:00Z");
    assert_eq!(
        calendar_days_after(mon, 4, false),
        ts("2026-05-01T22:00:00Z")
    );
    assert_eq!(
        calendar_days_after(mon, 4, true),
        ts("2026-05-04T22:00:00Z")
    );
    // Last day Thursday 24 December 2026: rolls over the whole Christmas run.
    let dec = ts("2026-12-10T12:00:00Z");
    assert_eq!(
        calendar_days_after(dec, 14, false),
        ts("2026-12-24T23:00:00Z")
    );
    assert_eq!(
        calendar_days_after(dec, 14, true),
        ts("2026-12-28T23:00:00Z")
    );
    // An event late in the local evening belongs to the local day (CET, UTC+1).
    let late = ts("2026-01-06T23:30:00Z"); // 00:30 on Wednesday 7 January
    assert_eq!(
        calendar_days_after(late, 3, false),
        ts("2026-01-10T23:00:00Z")
    );
}

#[test]
fn working_days_after_cases() {
    let wed = ts("2026-01-07T09:00:00Z");
    assert_eq!(working_days_after(wed, 0), ts("2026-01-07T23:00:00Z"));
    assert_eq!(working_days_after(wed, 3), ts("2026-01-12T23:00:00Z"));
    let sat = ts("2026-01-10T09:00:00Z");
    assert_eq!(working_days_after(sat, 0), ts("2026-01-12T23:00:00Z"));
    assert_eq!(working_days_after(sat, 1), ts("2026-01-12T23:00:00Z"));
    // 31 Dec 2025 (Wed) + 1 working day skips 1 Jan (Thu) -> 2 Jan 2026 (Fri).
    let eve = ts("2025-12-31T10:00:00Z");
    assert_eq!(working_days_after(eve, 1), ts("2026-01-02T23:00:00Z"));
    assert_eq!(working_days_after(eve, 2), ts("2026-01-05T23:00:00Z"));
    assert_eq!(working_days_after(eve, 3), ts("2026-01-07T23:00:00Z"));
}

#[test]
fn working_days_before_cases() {
    // Monday 12 January 2026 -> Fri 9, Thu 8, Wed 7.
    let mon = ts("2026-01-12T10:00:00Z");
    assert_eq!(working_days_before(mon, 3), ts("2026-01-07T23:00:00Z"));
    assert_eq!(working_days_before(mon, 1), ts("2026-01-09T23:00:00Z"));
    assert_eq!(working_days_before(mon, 0), ts("2026-01-12T23:00:00Z"));
    // Local date matters: 23:30Z on Sunday is already Monday in Warsaw.
    assert_eq!(
        working_days_before(ts("2026-01-11T23:30:00Z"), 3),
        ts("2026-01-07T23:00:00Z")
    );
    // Thursday 8 January: Wed 7, then Tue 6 (holiday) is skipped -> Mon 5.
    let thu = ts("2026-01-08T10:00:00Z");
    assert_eq!(working_days_before(thu, 2), ts("2026-01-05T23:00:00Z"));
    // Tuesday 7 April 2026: Mon 6 (Easter Monday) skipped -> Fri 3, Thu 2.
    let tue = ts("2026-04-07T10:00:00Z");
    assert_eq!(working_days_before(tue, 2), ts("2026-04-02T22:00:00Z"));
}

#[test]
fn working_days_between_cases() {
    let fri = ts("2026-01-09T10:00:00Z");
    let mon = ts("2026-01-12T08:00:00Z");
    assert_eq!(working_days_between(fri, fri), 0);
    assert_eq!(working_days_between(fri, ts("2026-01-09T22:59:59Z")), 0);
    assert_eq!(working_days_between(fri, ts("2026-01-09T23:00:00Z")), 0); // Saturday
    assert_eq!(working_days_between(fri, mon), 1);
    assert_eq!(working_days_between(mon, fri), -1);
    let wed = ts("2026-12-23T10:00:00Z");
    let mon_after = ts("2026-12-28T10:00:00Z");
    assert_eq!(working_days_between(wed, mon_after), 1);
    assert_eq!(working_days_between(mon_after, wed), -1);
    let y2025 = ts("2024-12-31T12:00:00Z");
    let y2026 = ts("2025-12-31T12:00:00Z");
    let y2027 = ts("2026-12-31T12:00:00Z");
    assert_eq!(working_days_between(y2025, y2026), 251);
    assert_eq!(working_days_between(y2026, y2027), 253);
    assert_eq!(working_days_between(y2027, y2025), -504);
}
