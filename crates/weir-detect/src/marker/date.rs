//! Dates as boilerplate lines write them: which form a date is in (`YYYY-MM-DD`,
//! `DD/MM/YYYY`, `Weekday, Month D, YYYY`, ...), which day it names, and the same day in
//! another form.
//!
//! A form is written with the tokens `YYYY`, `MM` (two-digit month), `M`, `DD` (two-digit
//! day), `D`, `Month` (English name), `Mon` (three letters), `Weekday`, `Wkd` (three
//! letters); anything else is literal. A date whose day and month cannot be told apart
//! (`03/04/2026`) reads as `NN/NN/YYYY`.

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

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// A date as read from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reading {
    /// The form it is written in, in the token language above.
    pub form: String,
    /// Year, month, day, when the text says them unambiguously.
    pub ymd: Option<(i32, u32, u32)>,
}

enum Tok<'a> {
    Num(&'a str),
    Word(&'a str),
    Other(&'a str),
}

fn tokens(s: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let class = |c: char| {
            if c.is_ascii_digit() {
                0
            } else if c.is_alphabetic() {
                1
            } else {
                2
            }
        };
        let k = class(c);
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if class(d) != k {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        let t = &s[i..end];
        out.push(match k {
            0 => Tok::Num(t),
            1 => Tok::Word(t),
            _ => Tok::Other(t),
        });
    }
    out
}

/// Which of `names` a word is (full, or its first three letters), case-insensitively; and
/// whether it was written in full.
fn named(word: &str, names: &[&str]) -> Option<(usize, bool)> {
    names.iter().enumerate().find_map(|(i, n)| {
        if word.eq_ignore_ascii_case(n) {
            Some((i, true))
        } else if word.len() == 3 && n[..3].eq_ignore_ascii_case(word)
            || word.eq_ignore_ascii_case("Sept") && i == 8
        {
            Some((i, false))
        } else {
            None
        }
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Year,
    Month,
    Day,
    Unknown,
}

/// Reads a date: `None` if `s` does not look like one (it needs a four-digit year and either
/// a month name or two more numbers).
pub(super) fn read(s: &str) -> Option<Reading> {
    let toks = tokens(s);
    let year = toks
        .iter()
        .position(|t| matches!(t, Tok::Num(n) if n.len() == 4))?;
    let month_word = toks.iter().find_map(|t| match t {
        Tok::Word(w) => named(w, &MONTHS).map(|(m, _)| m as u32 + 1),
        _ => None,
    });
    let nums: Vec<usize> = (0..toks.len())
        .filter(|&i| i != year && matches!(toks[i], Tok::Num(n) if n.len() <= 2))
        .collect();
    let value = |i: usize| match toks[i] {
        Tok::Num(n) => n.parse::<u32>().unwrap_or(0),
        _ => 0,
    };
    let mut parts = vec![Part::Unknown; toks.len()];
    parts[year] = Part::Year;
    let (month, day) = if let Some(m) = month_word {
        let &d = nums.first()?;
        parts[d] = Part::Day;
        (Some(m), Some(value(d)))
    } else {
        let [a, b] = nums[..] else {
            return None;
        };
        let (va, vb) = (value(a), value(b));
        if year < a {
            (parts[a], parts[b]) = (Part::Month, Part::Day);
            (Some(va), Some(vb))
        } else if va > 12 && vb <= 12 {
            (parts[a], parts[b]) = (Part::Day, Part::Month);
            (Some(vb), Some(va))
        } else if vb > 12 && va <= 12 {
            (parts[a], parts[b]) = (Part::Month, Part::Day);
            (Some(va), Some(vb))
        } else {
            (None, None)
        }
    };
    let mut form = String::new();
    for (t, part) in toks.iter().zip(&parts) {
        match (t, part) {
            (Tok::Num(_), Part::Year) => form.push_str("YYYY"),
            (Tok::Num(n), Part::Month) => form.push_str(if n.len() == 2 { "MM" } else { "M" }),
            (Tok::Num(n), Part::Day) => form.push_str(if n.len() == 2 { "DD" } else { "D" }),
            (Tok::Num(n), Part::Unknown) => form.push_str(if n.len() == 2 { "NN" } else { "N" }),
            (Tok::Word(w), _) => {
                if let Some((_, full)) = named(w, &MONTHS) {
                    form.push_str(if full { "Month" } else { "Mon" });
                } else if let Some((_, full)) = named(w, &WEEKDAYS) {
                    form.push_str(if full { "Weekday" } else { "Wkd" });
                } else {
                    form.push_str(w);
                }
            }
            (Tok::Other(o), _) => form.push_str(o),
        }
    }
    let y: i32 = match toks[year] {
        Tok::Num(n) => n.parse().ok()?,
        _ => return None,
    };
    let ymd = match (month, day) {
        (Some(m), Some(d)) if (1..=12).contains(&m) && (1..=31).contains(&d) => Some((y, m, d)),
        _ => None,
    };
    Some(Reading { form, ymd })
}

/// The day of the week of a date in the proleptic Gregorian calendar, 0 = Sunday.
fn weekday(y: i32, m: u32, d: u32) -> usize {
    const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if m < 3 { y - 1 } else { y };
    let w =
        y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) + T[m as usize - 1] + d as i32;
    w.rem_euclid(7) as usize
}

/// The date `ymd` written in `form`.
pub(super) fn render(form: &str, (y, m, d): (i32, u32, u32)) -> String {
    const TOKENS: [&str; 9] = [
        "YYYY", "Month", "Mon", "MM", "M", "DD", "D", "Weekday", "Wkd",
    ];
    let mut out = String::new();
    let mut rest = form;
    while !rest.is_empty() {
        let Some(tok) = TOKENS.iter().find(|t| rest.starts_with(**t)) else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        let month = MONTHS[(m as usize).clamp(1, 12) - 1];
        let wd = WEEKDAYS[weekday(y, m, d)];
        match *tok {
            "YYYY" => out.push_str(&format!("{y:04}")),
            "Month" => out.push_str(month),
            "Mon" => out.push_str(&month[..3]),
            "MM" => out.push_str(&format!("{m:02}")),
            "M" => out.push_str(&m.to_string()),
            "DD" => out.push_str(&format!("{d:02}")),
            "D" => out.push_str(&d.to_string()),
            "Weekday" => out.push_str(wd),
            _ => out.push_str(&wd[..3]),
        }
        rest = &rest[tok.len()..];
    }
    out
}

/// Whether `s` is a date written in `form`.
pub(super) fn is_in(s: &str, form: &str) -> bool {
    match read(s) {
        Some(r) if r.form == form => true,
        Some(Reading { ymd: Some(ymd), .. }) => render(form, ymd) == s,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_common_forms() {
        let form = |s| read(s).map(|r| r.form);
        assert_eq!(form("2026-03-14"), Some("YYYY-MM-DD".into()));
        assert_eq!(form("14/03/2026"), Some("DD/MM/YYYY".into()));
        assert_eq!(form("3/14/2026"), Some("M/DD/YYYY".into()));
        assert_eq!(form("03/04/2026"), Some("NN/NN/YYYY".into()));
        assert_eq!(form("14.03.2026"), Some("DD.MM.YYYY".into()));
        assert_eq!(
            form("Saturday, March 14, 2026"),
            Some("Weekday, Month DD, YYYY".into())
        );
        assert_eq!(form("Sat Mar 14 2026"), Some("Wkd Mon DD YYYY".into()));
        assert_eq!(form("2026年3月14日"), Some("YYYY年M月DD日".into()));
        assert_eq!(form("version 12"), None);
        assert_eq!(form("1.2.3"), None);
        assert_eq!(read("14/03/2026").and_then(|r| r.ymd), Some((2026, 3, 14)));
        assert_eq!(read("03/04/2026").and_then(|r| r.ymd), None);
    }

    #[test]
    fn renders_and_compares() {
        assert_eq!(render("YYYY-MM-DD", (2026, 3, 4)), "2026-03-04");
        assert_eq!(
            render("Weekday, Month D, YYYY", (2026, 3, 14)),
            "Saturday, March 14, 2026"
        );
        assert_eq!(render("Wkd Mon DD YYYY", (2000, 1, 1)), "Sat Jan 01 2000");
        assert!(is_in("2026-03-14", "YYYY-MM-DD"));
        assert!(is_in("Saturday, March 14, 2026", "Weekday, Month D, YYYY"));
        assert!(!is_in("14/03/2026", "YYYY-MM-DD"));
        assert!(!is_in("2026-3-14", "YYYY-MM-DD"));
    }
}
