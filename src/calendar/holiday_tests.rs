//! Holiday tables and Easter dates, and a brute-force check of the whole supported range
//! against an independent reimplementation (Gauss's Easter algorithm, literal holidays).

use super::*;
use jiff::civil::date;

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
