//! Holiday tables, DST boundaries and brute-force checks of the calendar.

use super::*;
use jiff::civil::date;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn check_table(year: i16, want: &[(i8, i8, &str)]) {
    let got: Vec<(Date, &str)> = holidays(year).iter().map(|h| (h.date, h.name)).collect();
    let want: Vec<(Date, &str)> = want
        .iter()
        .map(|&(m, d, n)| (date(year, m, d), n))
        .collect();
    assert_eq!(got, want, "holiday table for {year}");
    for (day, name) in want {
        assert_eq!(holiday_name(day), Some(name), "{day}");
        assert!(is_holiday(day) && !is_working_day(day), "{day}");
    }
}

#[test]
fn holidays_2025() {
    check_table(
        2025,
        &[
            (1, 1, "Nowy Rok"),
            (1, 6, "Trzech Króli"),
            (4, 20, "Wielkanoc"),
            (4, 21, "Poniedziałek Wielkanocny"),
            (5, 1, "Święto Pracy"),
            (5, 3, "Święto Konstytucji 3 Maja"),
            (6, 8, "Zielone Świątki"),
            (6, 19, "Boże Ciało"),
            (8, 15, "Wniebowzięcie NMP"),
            (11, 1, "Wszystkich Świętych"),
            (11, 11, "Narodowe Święto Niepodległości"),
            (12, 24, "Wigilia Bożego Narodzenia"),
            (12, 25, "Boże Narodzenie"),
            (12, 26, "Drugi dzień Bożego Narodzenia"),
        ],
    );
}

#[test]
fn holidays_2026() {
    check_table(
        2026,
        &[
            (1, 1, "Nowy Rok"),
            (1, 6, "Trzech Króli"),
            (4, 5, "Wielkanoc"),
            (4, 6, "Poniedziałek Wielkanocny"),
            (5, 1, "Święto Pracy"),
            (5, 3, "Święto Konstytucji 3 Maja"),
            (5, 24, "Zielone Świątki"),
            (6, 4, "Boże Ciało"),
            (8, 15, "Wniebowzięcie NMP"),
            (11, 1, "Wszystkich Świętych"),
            (11, 11, "Narodowe Święto Niepodległości"),
            (12, 24, "Wigilia Bożego Narodzenia"),
            (12, 25, "Boże Narodzenie"),
            (12, 26, "Drugi dzień Bożego Narodzenia"),
        ],
    );
}

#[test]
fn holidays_2027() {
    check_table(
        2027,
        &[
            (1, 1, "Nowy Rok"),
            (1, 6, "Trzech Króli"),
            (3, 28, "Wielkanoc"),
            (3, 29, "Poniedziałek Wielkanocny"),
            (5, 1, "Święto Pracy"),
            (5, 3, "Święto Konstytucji 3 Maja"),
            (5, 16, "Zielone Świątki"),
            (5, 27, "Boże Ciało"),
            (8, 15, "Wniebowzięcie NMP"),
            (11, 1, "Wszystkich Świętych"),
            (11, 11, "Narodowe Święto Niepodległości"),
            (12, 24, "Wigilia Bożego Narodzenia"),
            (12, 25, "Boże Narodzenie"),
            (12, 26, "Drugi dzień Bożego Narodzenia"),
        ],
    );
}

#[test]
fn holidays_2010_without_epiphany_and_christmas_eve() {
    check_table(
        2010,
        &[
            (1, 1, "Nowy Rok"),
            (4, 4, "Wielkanoc"),
            (4, 5, "Poniedziałek Wielkanocny"),
            (5, 1, "Święto Pracy"),
            (5, 3, "Święto Konstytucji 3 Maja"),
            (5, 23, "Zielone Świątki"),
            (6, 3, "Boże Ciało"),
            (8, 15, "Wniebowzięcie NMP"),
            (11, 1, "Wszystkich Świętych"),
            (11, 11, "Narodowe Święto Niepodległości"),
            (12, 25, "Boże Narodzenie"),
            (12, 26, "Drugi dzień Bożego Narodzenia"),
        ],
    );
    assert!(is_working_day(date(2010, 1, 6))); // Wednesday, not yet a holiday
    assert!(is_working_day(date(2010, 12, 24))); // Friday
    assert_eq!(holiday_name(date(2011, 1, 6)), Some("Trzech Króli"));
}

#[test]
fn holidays_2024_without_christmas_eve() {
    check_table(
        2024,
        &[
            (1, 1, "Nowy Rok"),
            (1, 6, "Trzech Króli"),
            (3, 31, "Wielkanoc"),
            (4, 1, "Poniedziałek Wielkanocny"),
            (5, 1, "Święto Pracy"),
            (5, 3, "Święto Konstytucji 3 Maja"),
            (5, 19, "Zielone Świątki"),
            (5, 30, "Boże Ciało"),
            (8, 15, "Wniebowzięcie NMP"),
            (11, 1, "Wszystkich Świętych"),
            (11, 11, "Narodowe Święto Niepodległości"),
            (12, 25, "Boże Narodzenie"),
            (12, 26, "Drugi dzień Bożego Narodzenia"),
        ],
    );
    assert_eq!(holiday_name(date(2024, 12, 24)), None);
    assert!(is_working_day(date(2024, 12, 24))); // Tuesday
}

#[test]
fn easter_table() {
    let table = [
        (2000, 4, 23),
        (2001, 4, 15),
        (2002, 3, 31),
        (2004, 4, 11),
        (2005, 3, 27),
        (2008, 3, 23),
        (2010, 4, 4),
        (2011, 4, 24),
        (2016, 3, 27),
        (2019, 4, 21),
        (2022, 4, 17),
        (2024, 3, 31),
        (2025, 4, 20),
        (2026, 4, 5),
        (2027, 3, 28),
        (2030, 4, 21),
        (2038, 4, 25),
        (2049, 4, 18),
        (2050, 4, 10),
        (2067, 4, 3),
        (2085, 4, 15),
        (2099, 4, 12),
        (2100, 3, 28),
    ];
    for (y, m, d) in table {
        assert_eq!(easter_sunday(y), date(y, m, d), "Easter {y}");
    }
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

/// Independent reimplementation: Gauss's Easter algorithm and a literal
/// holiday match, checked day by day over the whole supported range.
#[test]
fn brute_force_supported_range() {
    fn gauss_easter(y: i16) -> Date {
        let y32 = i32::from(y);
        let (a, b, c, k) = (y32 % 19, y32 % 4, y32 % 7, y32 / 100);
        let p = (13 + 8 * k) / 25;
        let q = k / 4;
        let m = (15 - p + k - q) % 30;
        let n = (4 + k - q) % 7;
        let d = (19 * a + m) % 30;
        let e = (2 * b + 4 * c + 6 * d + n) % 7;
        if d == 29 && e == 6 {
            return date(y, 4, 19);
        }
        if d == 28 && e == 6 && (11 * m + 11) % 30 < 19 {
            return date(y, 4, 18);
        }
        date(y, 3, 22)
            .checked_add(jiff::Span::new().days(d + e))
            .unwrap()
    }
    fn naive_working(day: Date) -> bool {
        let (y, m, d) = (day.year(), day.month(), day.day());
        let fixed = matches!(
            (m, d),
            (1, 1) | (5, 1) | (5, 3) | (8, 15) | (11, 1) | (11, 11) | (12, 25) | (12, 26)
        ) || ((m, d) == (1, 6) && y >= 2011)
            || ((m, d) == (12, 24) && y >= 2025);
        let easter = gauss_easter(y);
        let movable = [0, 1, 49, 60]
            .iter()
            .any(|&o| easter.checked_add(jiff::Span::new().days(o)).unwrap() == day);
        day.weekday().to_monday_one_offset() <= 5 && !fixed && !movable
    }
    let mut day = date(2000, 1, 1);
    let mut count = 0i64;
    let mut previous_working = date(1999, 12, 31);
    while day <= date(2100, 12, 31) {
        let w = is_working_day(day);
        assert_eq!(w, naive_working(day), "{day}");
        if w {
            count += 1;
            assert_eq!(next_working_day(previous_working), day, "{day}");
            assert_eq!(add_working_days(day, -1), previous_working, "{day}");
            previous_working = day;
        }
        day = day.tomorrow().unwrap();
    }
    assert_eq!(count, 25_451);
    let from = start_of_day(date(2000, 1, 1)) - SignedDuration::from_hours(12);
    let to = start_of_day(date(2100, 12, 31)) + SignedDuration::from_hours(12);
    assert_eq!(working_days_between(from, to), count);
    assert_eq!(working_days_between(to, from), -count);
    for year in SUPPORTED_YEARS {
        assert_eq!(easter_sunday(year), gauss_easter(year), "{year}");
        for h in holidays(year) {
            assert_eq!(holiday_name(h.date), Some(h.name));
        }
    }
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
