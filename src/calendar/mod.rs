//! Polish statutory calendar: working days, holidays and deadline arithmetic.
//!
//! Every deadline lacznik tracks is defined by Polish law in terms of days,
//! working days or hours, so all of them go through this one module to get
//! a single, tested interpretation of the statutes.
//!
//! # Sources
//!
//! * "ustawa z 18 stycznia 1951 r. o dniach wolnych od pracy, art. 1":
//!   Sundays and the following days are non-working: 1 January (Nowy Rok),
//!   6 January (Trzech Króli, since 2011), Easter Sunday and Monday, 1 May,
//!   3 May, Pentecost Sunday, Corpus Christi, 15 August, 1 November,
//!   11 November, 24 December (since 2025), 25 and 26 December.
//! * "KPA art. 57 § 1 and § 4": for a period in days, the day of the event
//!   that starts it is not counted, and the period runs out when its last day
//!   ends (§ 1); if that last day is a statutory holiday or a Saturday, the
//!   period ends on the next day that is neither (§ 4).
//!
//! # Conventions
//!
//! * A *working day* is Monday–Friday that is not a holiday from art. 1.
//! * "Local" time is always Europe/Warsaw (CET/CEST), taken from the tz
//!   database through jiff; a day ends at local midnight. No UTC offset is
//!   ever computed by hand, so DST changes are handled by the tzdb.
//! * A deadline is returned as the [`Timestamp`] at which the period has run
//!   out, i.e. the local midnight that *ends* the last day. An act is in time
//!   iff it happens strictly before that instant.
//! * Whether art. 57 § 4 applies (rolling a deadline off Saturdays and
//!   holidays) depends on the rule, so it is a parameter (`roll`).
//! * Correctness is asserted (and tested) for [`SUPPORTED_YEARS`] only. Other
//!   years still compute without panicking, but statutory changes outside
//!   that range (e.g. 3 May and 11 November only since 1989/1990) are not
//!   modelled. At the edges of jiff's range (years -9999 and 9999) results
//!   saturate to the nearest representable date or instant.

use std::sync::LazyLock;

use jiff::{
    SignedDuration, Timestamp,
    civil::{Date, Weekday},
    tz::{TimeZone, TimeZoneDatabase},
};

/// Years for which the holiday rules and the Easter computation are asserted
/// correct; lacznik has no business with deadlines outside this range.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i16> = 2000..=2100;

/// IANA name of the legal time zone of Poland.
const WARSAW_TZ: &str = "Europe/Warsaw";

/// Upper bound on consecutive non-working days scanned when looking for a
/// working day. The longest Polish run is 5 days (24–28 December when the
/// 24th is a Wednesday), so 32 can never be hit for supported years; it only
/// keeps the loops provably bounded.
const MAX_SCAN: u32 = 32;

const SECONDS_PER_DAY: i64 = 86_400;

/// A statutory holiday, so callers can both test dates and show users *why*
/// a day is not a working day (the Polish name as used in the statute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Holiday {
    /// The calendar date of the holiday.
    pub date: Date,
    /// Polish name of the holiday, e.g. "Boże Ciało".
    pub name: &'static str,
}

/// How a holiday's date is determined.
#[derive(Clone, Copy)]
enum When {
    /// Fixed month and day.
    Fixed(i8, i8),
    /// Days after Easter Sunday.
    Easter(i64),
}

/// One line of art. 1 of the 1951 act; `since` is the first year it applies.
struct Rule {
    when: When,
    since: i16,
    name: &'static str,
}

const ALWAYS: i16 = i16::MIN;

/// Single source of truth for the holiday list (art. 1 of the 1951 act).
const RULES: [Rule; 14] = [
    rule(When::Fixed(1, 1), ALWAYS, "Nowy Rok"),
    rule(When::Fixed(1, 6), 2011, "Trzech Króli"),
    rule(When::Easter(0), ALWAYS, "Wielkanoc"),
    rule(When::Easter(1), ALWAYS, "Poniedziałek Wielkanocny"),
    rule(When::Fixed(5, 1), ALWAYS, "Święto Pracy"),
    rule(When::Fixed(5, 3), ALWAYS, "Święto Konstytucji 3 Maja"),
    rule(When::Easter(49), ALWAYS, "Zielone Świątki"),
    rule(When::Easter(60), ALWAYS, "Boże Ciało"),
    rule(When::Fixed(8, 15), ALWAYS, "Wniebowzięcie NMP"),
    rule(When::Fixed(11, 1), ALWAYS, "Wszystkich Świętych"),
    rule(
        When::Fixed(11, 11),
        ALWAYS,
        "Narodowe Święto Niepodległości",
    ),
    rule(When::Fixed(12, 24), 2025, "Wigilia Bożego Narodzenia"),
    rule(When::Fixed(12, 25), ALWAYS, "Boże Narodzenie"),
    rule(When::Fixed(12, 26), ALWAYS, "Drugi dzień Bożego Narodzenia"),
];

const fn rule(when: When, since: i16, name: &'static str) -> Rule {
    Rule { when, since, name }
}

static WARSAW: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZone::get(WARSAW_TZ)
        .or_else(|_| TimeZoneDatabase::bundled().get(WARSAW_TZ))
        // Safe: the crate enables jiff's `tzdb-bundle-always` feature, so the
        // bundled database compiled into the binary always contains
        // Europe/Warsaw (checked by the `warsaw_is_bundled` test). Failing
        // loudly beats silently computing deadlines in the wrong zone.
        .expect("Europe/Warsaw missing from both system and bundled tzdb")
});

/// The Europe/Warsaw time zone, looked up once and cached, because every
/// deadline is defined in Polish local time. Prefers the system tzdb (kept
/// current by the OS) and falls back to the copy bundled into the binary.
pub fn warsaw() -> &'static TimeZone {
    &WARSAW
}

/// Easter Sunday (Gregorian) of `year`, because four holidays are defined
/// relative to it. Uses the anonymous Gregorian (Meeus/Jones/Butcher)
/// algorithm; asserted correct for [`SUPPORTED_YEARS`], and never panics:
/// years outside jiff's range (-9999..=9999) are clamped into it.
pub fn easter_sunday(year: i16) -> Date {
    let year = year.clamp(Date::MIN.year(), Date::MAX.year());
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let (b, c) = (y.div_euclid(100), y.rem_euclid(100));
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c.div_euclid(4), c.rem_euclid(4));
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    // The algorithm yields 22 March ..= 25 April, so both casts fit in i8 and
    // the date is valid for every year in jiff's range (clamped above).
    let (month, day) = (n / 31, n % 31 + 1);
    Date::new(year, month as i8, day as i8).expect("Easter is always between 22 March and 25 April")
}

/// All statutory holidays of `year`, sorted by date, so callers can list or
/// display them. Empty for years jiff cannot represent.
pub fn holidays(year: i16) -> Vec<Holiday> {
    if !(Date::MIN.year()..=Date::MAX.year()).contains(&year) {
        return Vec::new();
    }
    let easter = easter_sunday(year);
    let mut out: Vec<Holiday> = RULES
        .iter()
        .filter(|r| year >= r.since)
        .filter_map(|r| {
            let date = match r.when {
                When::Fixed(month, day) => Date::new(year, month, day).ok()?,
                When::Easter(offset) => shift_days(easter, offset)?,
            };
            Some(Holiday { date, name: r.name })
        })
        .collect();
    out.sort();
    // No two rules coincide in any year, but keep dates unique regardless so
    // working-day counts can never subtract a day twice.
    out.dedup_by_key(|h| h.date);
    out
}

/// Polish name of the statutory holiday on `date`, if any, so a refusal to
/// schedule on that day can be explained to the user.
pub fn holiday_name(date: Date) -> Option<&'static str> {
    let year = date.year();
    let mut easter_offset = None;
    RULES.iter().filter(|r| year >= r.since).find_map(|r| {
        let hit = match r.when {
            When::Fixed(month, day) => date.month() == month && date.day() == day,
            When::Easter(offset) => {
                let got =
                    *easter_offset.get_or_insert_with(|| days_between(easter_sunday(year), date));
                got == offset
            }
        };
        hit.then_some(r.name)
    })
}

/// Whether `date` is a statutory holiday (art. 1 of the 1951 act; ordinary
/// Sundays are not reported here, see [`is_working_day`]).
pub fn is_holiday(date: Date) -> bool {
    holiday_name(date).is_some()
}

/// Whether `date` is a working day (Monday–Friday, not a holiday), the unit in
/// which "working day" deadlines are counted and onto which art. 57 § 4 KPA
/// rolls deadlines.
pub fn is_working_day(date: Date) -> bool {
    !is_weekend(date) && !is_holiday(date)
}

/// The first working day strictly after `date`, the basic step for
/// working-day counting and art. 57 § 4 KPA rolling. Saturates at
/// `Date::MAX`.
pub fn next_working_day(date: Date) -> Date {
    scan(date, true)
}

/// `date` if it is a working day, otherwise the next one: this is exactly
/// the art. 57 § 4 KPA rule for where a period ends.
pub fn working_day_on_or_after(date: Date) -> Date {
    if is_working_day(date) {
        date
    } else {
        next_working_day(date)
    }
}

/// Moves `n` working days from `date`, for rules phrased in working days:
/// `n > 0` gives the n-th working day after `date`, `n < 0` the n-th working
/// day before it, and `n == 0` returns `date` itself (working day or not).
/// Saturates at jiff's date range.
pub fn add_working_days(date: Date, n: i32) -> Date {
    let forward = n > 0;
    let mut d = date;
    // Bounded: n iterations, each scanning at most MAX_SCAN days.
    for _ in 0..n.unsigned_abs() {
        let next = scan(d, forward);
        if next == d {
            break; // hit the edge of the representable range
        }
        d = next;
    }
    d
}

/// The Europe/Warsaw calendar date of `ts`, because statutory days are local
/// days, not UTC days.
pub fn local_date(ts: Timestamp) -> Date {
    warsaw().to_datetime(ts).date()
}

/// The first instant of `date` in Europe/Warsaw. jiff resolves the local
/// midnight through the tzdb (a midnight falling into a DST gap is moved
/// forward to the first existing instant), so this is DST-safe. Saturates at
/// `Timestamp::MIN`/`MAX` at the edges of jiff's range.
pub fn start_of_day(date: Date) -> Timestamp {
    match date
        .to_zoned_datetime(warsaw().clone())
        .and_then(|z| z.start_of_day())
    {
        Ok(z) => z.timestamp(),
        Err(_) if date.year() < 0 => Timestamp::MIN,
        Err(_) => Timestamp::MAX,
    }
}

/// The local midnight that ends `date` (equal to `start_of_day(date + 1)`),
/// which is the instant a period whose last day is `date` runs out
/// (art. 57 § 1 KPA).
pub fn end_of_day(date: Date) -> Timestamp {
    match date.tomorrow() {
        Ok(next) => start_of_day(next),
        Err(_) => Timestamp::MAX,
    }
}

/// Number of working days `d` with `local_date(from) < d <= local_date(to)`
/// (negative if `to` is before `from`), so elapsed working time can be
/// reported, e.g. how many working days of a period are used up. Computed
/// arithmetically, so any range is cheap.
pub fn working_days_between(from: Timestamp, to: Timestamp) -> i64 {
    let (a, b) = (local_date(from), local_date(to));
    if a <= b {
        count_working_days(a, b)
    } else {
        -count_working_days(b, a)
    }
}

/// Deadline for "within `n` days of `start`" (art. 57 § 1 KPA): the start day
/// is not counted, so the period ends at the end of `local_date(start) + n`.
/// If `roll` (art. 57 § 4 KPA applies) and that day is not a working day, the
/// period ends at the end of the next working day instead.
pub fn calendar_days_after(start: Timestamp, n: u32, roll: bool) -> Timestamp {
    let Some(last) = shift_days(local_date(start), i64::from(n)) else {
        return Timestamp::MAX;
    };
    end_of_day(if roll {
        working_day_on_or_after(last)
    } else {
        last
    })
}

/// Deadline for "within `n` working days of `start`": the end of the n-th
/// working day after `local_date(start)`. For `n == 0` it is the end of the
/// start day, rolled to the next working day if the start day is not one.
pub fn working_days_after(start: Timestamp, n: u32) -> Timestamp {
    let day = local_date(start);
    let last = if n == 0 {
        working_day_on_or_after(day)
    } else {
        add_working_days(day, i32::try_from(n).unwrap_or(i32::MAX))
    };
    end_of_day(last)
}

/// Latest instant to act for rules saying "at least `n` working days before"
/// the day of `event`: the end of `add_working_days(local_date(event), -n)`.
pub fn working_days_before(event: Timestamp, n: u32) -> Timestamp {
    let steps = i32::try_from(n).map_or(i32::MIN, |n| -n);
    end_of_day(add_working_days(local_date(event), steps))
}

/// Deadline for "within `n` hours of `start`": exactly `n` hours of elapsed
/// time (DST changes do not matter to a timestamp). Hour periods never roll:
/// art. 57 § 4 KPA speaks only of periods ending on a day, so a deadline
/// falling on a Saturday or holiday stays where it is. Saturates at
/// `Timestamp::MAX`.
pub fn hours_after(start: Timestamp, n: u32) -> Timestamp {
    start
        .checked_add(SignedDuration::from_hours(i64::from(n)))
        .unwrap_or(Timestamp::MAX)
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// `date` moved by `days` whole days, or `None` outside jiff's range.
fn shift_days(date: Date, days: i64) -> Option<Date> {
    let dur = SignedDuration::from_secs(days.saturating_mul(SECONDS_PER_DAY));
    date.checked_add(dur).ok()
}

/// Whole days from `a` to `b` (negative if `b < a`).
fn days_between(a: Date, b: Date) -> i64 {
    a.duration_until(b).as_secs() / SECONDS_PER_DAY
}

/// The nearest working day strictly after (`forward`) or before `date`,
/// scanning at most `MAX_SCAN` days; returns the last reachable date at the
/// edge of jiff's range.
fn scan(date: Date, forward: bool) -> Date {
    let mut d = date;
    for _ in 0..MAX_SCAN {
        let step = if forward { d.tomorrow() } else { d.yesterday() };
        match step {
            Ok(next) => d = next,
            Err(_) => return d,
        }
        if is_working_day(d) {
            return d;
        }
    }
    d
}

/// Working days in `(a, b]`, for `a <= b`: weekdays counted per whole week
/// plus the remainder, minus holidays that fall on weekdays.
fn count_working_days(a: Date, b: Date) -> i64 {
    let n = days_between(a, b);
    let start = a.weekday();
    let tail = (1..=n % 7)
        .filter(|&i| !matches!(start.wrapping_add(i), Weekday::Saturday | Weekday::Sunday))
        .count();
    // `tail` is at most 6, so the cast is lossless.
    let weekdays = n / 7 * 5 + tail as i64;
    let holidays_on_weekdays = (a.year()..=b.year())
        .flat_map(holidays)
        .filter(|h| h.date > a && h.date <= b && !is_weekend(h.date))
        .count();
    // At most 14 holidays per year over < 20 000 years: fits easily in i64.
    weekdays - holidays_on_weekdays as i64
}

#[cfg(test)]
#[path = "boundary_tests.rs"]
mod boundary_tests;
#[cfg(test)]
#[path = "holiday_tests.rs"]
mod holiday_tests;
#[cfg(test)]
#[path = "working_day_tests.rs"]
mod working_day_tests;
