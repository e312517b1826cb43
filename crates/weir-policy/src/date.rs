//! Calendar dates, the only notion of time the policy has.
//!
//! A rule's `from` and `until` are days, not instants: `from` applies from the start of that day
//! and `until` through the end of it, both in UTC. The caller turns its clock into today's UTC
//! date ([`Date::from_unix_seconds`]) and hands it to [`crate::decide`]; nothing in this crate
//! reads a clock, so tests move time by passing another date.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A day of the proleptic Gregorian calendar, years 1 to 9999.
///
/// Ordered chronologically (the derived order compares year, then month, then day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not of the shape `YYYY-MM-DD`.
    #[error("write dates as YYYY-MM-DD, like 2026-07-10")]
    Shape,
    /// The month is not 1 to 12.
    #[error("there is no month {0}")]
    Month(u8),
    /// The day does not exist in that month.
    #[error("{month_name} {year} has {days} days")]
    Day {
        /// The year.
        year: u16,
        /// The month's English name.
        month_name: &'static str,
        /// How many days that month has.
        days: u8,
    },
    /// Year 0 (there is none in the Gregorian calendar as written).
    #[error("years start at 0001")]
    Year,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn is_leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to 0001-01-01 (negative): the range `from_days` accepts starts there.
const MIN_DAYS: i64 = -719_162;
/// Days from 1970-01-01 to 9999-12-31.
const MAX_DAYS: i64 = 2_932_896;

impl Date {
    /// The date `year-month-day`, if it exists.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, DateError> {
        if year == 0 || year > 9999 {
            return Err(DateError::Year);
        }
        if !(1..=12).contains(&month) {
            return Err(DateError::Month(month));
        }
        let days = days_in_month(year, month);
        if day == 0 || day > days {
            return Err(DateError::Day {
                year,
                month_name: MONTHS[usize::from(month - 1)],
                days,
            });
        }
        Ok(Date { year, month, day })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Parses exactly `YYYY-MM-DD` (four, two and two digits).
    pub fn parse(s: &str) -> Result<Date, DateError> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DateError::Shape);
        }
        let num = |r: std::ops::Range<usize>| -> Result<u16, DateError> {
            b[r].iter().try_fold(0u16, |n, &c| {
                if c.is_ascii_digit() {
                    Ok(n * 10 + u16::from(c - b'0'))
                } else {
                    Err(DateError::Shape)
                }
            })
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        // Two digits are below 100, so they fit a u8.
        Date::new(year, month as u8, day as u8)
    }

    /// The UTC date of an instant given as seconds since 1970-01-01T00:00:00Z, clamped to the
    /// years 1 to 9999. This is how the gateway turns its clock into the date of a request.
    pub fn from_unix_seconds(seconds: i64) -> Date {
        Date::from_days(seconds.div_euclid(86_400))
    }

    /// The date `days` days after 1970-01-01 (before it when negative), clamped to the years
    /// 1 to 9999.
    pub fn from_days(days: i64) -> Date {
        // Count in 400-year eras starting on March 1st, year 0: every era has the same number of
        // days (146,097), and with February last in the year the leap day is the era's final day
        // of a year, so the month and day follow from the day of the year alone.
        let z = days.clamp(MIN_DAYS, MAX_DAYS) + 719_468; // days since 0000-03-01
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097); // day of era, 0..146_096
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the March-based year
        let mp = (5 * doy + 2) / 153; // month counted from March, 0..11
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        // The clamp keeps every component in range.
        Date {
            year: year as u16,
            month: month as u8,
            day: day as u8,
        }
    }

    /// Days from 1970-01-01 to this date (negative before it). Inverse of [`Date::from_days`].
    pub fn days(self) -> i64 {
        let (y, m, d) = (
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The next day (the same date on 9999-12-31).
    pub fn succ(self) -> Date {
        Date::from_days(self.days() + 1)
    }

    /// The previous day (the same date on 0001-01-01).
    pub fn pred(self) -> Date {
        Date::from_days(self.days() - 1)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Date, DateError> {
        Date::parse(s)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Date::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(d("2026-07-10").to_string(), "2026-07-10");
        assert_eq!(d("2024-02-29").day(), 29);
        assert_eq!(d("0001-01-01").year(), 1);
        assert_eq!(d("9999-12-31").month(), 12);
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        assert_eq!(Date::parse("2026-7-10"), Err(DateError::Shape));
        assert_eq!(Date::parse("2026/07/10"), Err(DateError::Shape));
        assert_eq!(Date::parse("2026-07-10T00:00"), Err(DateError::Shape));
        assert_eq!(Date::parse("20a6-07-10"), Err(DateError::Shape));
        assert_eq!(Date::parse("2026-13-01"), Err(DateError::Month(13)));
        assert_eq!(Date::parse("2026-00-01"), Err(DateError::Month(0)));
        assert_eq!(Date::parse("0000-01-01"), Err(DateError::Year));
        assert_eq!(
            Date::parse("2026-02-29").unwrap_err().to_string(),
            "February 2026 has 28 days"
        );
        assert_eq!(
            Date::parse("2100-02-29").unwrap_err().to_string(),
            "February 2100 has 28 days"
        );
        assert!(Date::parse("2000-02-29").is_ok());
        assert_eq!(
            Date::parse("2026-04-31").unwrap_err().to_string(),
            "April 2026 has 30 days"
        );
    }

    #[test]
    fn unix_time_to_dates() {
        assert_eq!(Date::from_unix_seconds(0), d("1970-01-01"));
        assert_eq!(Date::from_unix_seconds(-1), d("1969-12-31"));
        assert_eq!(Date::from_unix_seconds(86_399), d("1970-01-01"));
        assert_eq!(Date::from_unix_seconds(86_400), d("1970-01-02"));
        // 2026-07-10T00:00:00Z and one second before it.
        assert_eq!(Date::from_unix_seconds(1_783_641_600), d("2026-07-10"));
        assert_eq!(Date::from_unix_seconds(1_783_641_599), d("2026-07-09"));
        assert_eq!(Date::from_unix_seconds(951_782_400), d("2000-02-29"));
        assert_eq!(Date::from_unix_seconds(i64::MAX), d("9999-12-31"));
        assert_eq!(Date::from_unix_seconds(i64::MIN), d("0001-01-01"));
    }

    #[test]
    fn neighbours() {
        assert_eq!(d("2026-02-28").succ(), d("2026-03-01"));
        assert_eq!(d("2024-02-28").succ(), d("2024-02-29"));
        assert_eq!(d("2026-01-01").pred(), d("2025-12-31"));
        assert_eq!(d("9999-12-31").succ(), d("9999-12-31"));
        assert_eq!(d("0001-01-01").pred(), d("0001-01-01"));
    }

    #[test]
    fn serde_as_text() {
        let json = serde_json::to_string(&d("2026-07-10")).unwrap();
        assert_eq!(json, "\"2026-07-10\"");
        assert_eq!(
            serde_json::from_str::<Date>(&json).unwrap(),
            d("2026-07-10")
        );
        assert!(serde_json::from_str::<Date>("\"2026-02-30\"").is_err());
    }

    proptest! {
        #[test]
        fn days_round_trip(days in MIN_DAYS..=MAX_DAYS) {
            let date = Date::from_days(days);
            prop_assert_eq!(date.days(), days);
            prop_assert_eq!(Date::parse(&date.to_string()), Ok(date));
        }

        #[test]
        fn order_follows_days(a in MIN_DAYS..=MAX_DAYS, b in MIN_DAYS..=MAX_DAYS) {
            prop_assert_eq!(Date::from_days(a).cmp(&Date::from_days(b)), a.cmp(&b));
        }

        #[test]
        fn consecutive_days_are_consecutive_dates(days in MIN_DAYS..MAX_DAYS) {
            let (a, b) = (Date::from_days(days), Date::from_days(days + 1));
            let next_in_month = a.year() == b.year() && a.month() == b.month() && b.day() == a.day() + 1;
            let next_month = b.day() == 1 && a.day() == days_in_month(a.year(), a.month());
            prop_assert!(next_in_month || next_month, "{a} then {b}");
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,12}") {
            let _ = Date::parse(&s);
        }
    }
}
