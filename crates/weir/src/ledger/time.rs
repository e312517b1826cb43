//! Times on the command line and in output: RFC 3339 dates and relative durations in, UTC ISO
//! 8601 out. All arithmetic is on the proleptic Gregorian calendar in UTC (the ledger records
//! milliseconds since the Unix epoch).

use std::time::{SystemTime, UNIX_EPOCH};

const MS_PER_DAY: i64 = 86_400_000;

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Days since 1970-01-01 of a calendar date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Counting years from March makes the leap day the last day of the year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The calendar date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `ms` as `2026-11-21T10:00:00Z`.
pub fn iso(ms: i64) -> String {
    let (date, rest) = split_ms(ms);
    let secs = rest / 1000;
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `ms` as `2026-11-21T10:00:00.123Z`.
pub fn iso_ms(ms: i64) -> String {
    let (date, rest) = split_ms(ms);
    let secs = rest / 1000;
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        rest % 1000
    )
}

fn split_ms(ms: i64) -> (String, i64) {
    let days = ms.div_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    (format!("{y:04}-{m:02}-{d:02}"), ms.rem_euclid(MS_PER_DAY))
}

/// Reads a point in time: `now`, a duration before `now_ms` (`30m`, `24h`, `7d`, `2w`, `1h30m`),
/// or an RFC 3339 date or date-time (`2026-11-21`, `2026-11-21T10:00:00Z`,
/// `2026-11-21 10:00+01:00`; UTC when no offset is given).
pub fn parse_time(s: &str, now_ms: i64) -> Result<i64, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now_ms);
    }
    if let Some(ago) = parse_duration_ms(s) {
        return Ok(now_ms.saturating_sub(ago));
    }
    parse_rfc3339(s).ok_or_else(|| {
        format!(
            "`{s}` is not a time: use a date (2026-11-21), a date and time \
             (2026-11-21T10:00:00Z; UTC unless an offset such as +01:00 is given), or a duration \
             back from now (30m, 24h, 7d, 2w)"
        )
    })
}

/// A duration such as `90s`, `30m`, `24h`, `7d`, `2w` or `1h30m`, in milliseconds.
pub fn parse_duration_ms(s: &str) -> Option<i64> {
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => MS_PER_DAY,
            'w' => 7 * MS_PER_DAY,
            _ => return None,
        };
        let n: i64 = digits.parse().ok()?;
        digits.clear();
        total = total.checked_add(n.checked_mul(unit)?)?;
        any = true;
    }
    (any && digits.is_empty()).then_some(total)
}

fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(i64::from(year), month) {
        return None;
    }
    let date_ms = days_from_civil(i64::from(year), month, day) * MS_PER_DAY;
    if b.len() == 10 {
        return Some(date_ms);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.get(13) != Some(&b':') {
        return None;
    }
    let hour = num(11, 2)?;
    let minute = num(14, 2)?;
    let mut at = 16;
    let mut second = 0;
    let mut millis = 0;
    if b.get(at) == Some(&b':') {
        second = num(at + 1, 2)?;
        at += 3;
        if b.get(at) == Some(&b'.') {
            at += 1;
            let start = at;
            while b.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            if at == start {
                return None;
            }
            let frac = &s[start..at.min(start + 3)];
            millis = frac.parse::<u32>().ok()? * 10u32.pow(3 - frac.len() as u32);
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let offset_min: i64 = match &b[at..] {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] => {
            let rest = &s[at + 1..];
            let (h, m) = match rest.len() {
                5 if rest.as_bytes()[2] == b':' => (&rest[..2], &rest[3..]),
                4 => (&rest[..2], &rest[2..]),
                2 => (rest, "00"),
                _ => return None,
            };
            if !h.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit()) {
                return None;
            }
            let minutes =
                i64::from(h.parse::<u32>().ok()?) * 60 + i64::from(m.parse::<u32>().ok()?);
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let time_ms = (i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)) * 1000
        + i64::from(millis);
    Some(date_ms + time_ms - offset_min * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in [
            -800_000, -1, 0, 1, 59, 60, 10_957, 11_016, 20_000, 2_932_896,
        ] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn formats_utc() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_700_000_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(iso_ms(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(iso(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn parses_dates_and_times() {
        let day = parse_time("2023-11-14", 0).unwrap();
        assert_eq!(iso(day), "2023-11-14T00:00:00Z");
        assert_eq!(parse_time("2023-11-14T22:13:20Z", 0), Ok(1_700_000_000_000));
        assert_eq!(
            parse_time("2023-11-14 23:13:20.5+01:00", 0),
            Ok(1_700_000_000_500)
        );
        assert_eq!(parse_time("2023-11-14T22:13", 0), Ok(1_699_999_980_000));
        assert_eq!(
            parse_time("2023-11-14T17:13:20-0500", 0),
            Ok(1_700_000_000_000)
        );
        for bad in [
            "2023-02-29",
            "2023-13-01",
            "2023-1-01",
            "yesterday",
            "2023-11-14T25:00Z",
            "2023-11-14T10:00:00Q",
            "7x",
            "",
        ] {
            assert!(parse_time(bad, 0).is_err(), "{bad}");
        }
        assert!(parse_time("2024-02-29", 0).is_ok());
    }

    #[test]
    fn parses_durations_back_from_now() {
        let now = 10 * MS_PER_DAY;
        assert_eq!(parse_time("now", now), Ok(now));
        assert_eq!(parse_time("24h", now), Ok(now - MS_PER_DAY));
        assert_eq!(parse_time("7d", now), Ok(now - 7 * MS_PER_DAY));
        assert_eq!(parse_time("30m", now), Ok(now - 1_800_000));
        assert_eq!(parse_time("1h30m", now), Ok(now - 5_400_000));
        assert_eq!(parse_time("1w", now), Ok(now - 7 * MS_PER_DAY));
        assert_eq!(parse_duration_ms("10"), None);
        assert_eq!(parse_duration_ms("h"), None);
    }
}
