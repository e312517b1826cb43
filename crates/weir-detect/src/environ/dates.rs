//! Dates as tools write them: ISO 8601, numeric in a locale's order, or with a month's name in
//! one of the common languages (`Monday, August 18, 2025`, `Montag, 18. August 2025`,
//! `18 Ogos 2025`, `2025年8月18日`). Parsed to normalise them to ISO 8601.

/// A date read from text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Date {
    /// Year, month, day.
    Known(u32, u32, u32),
    /// A date whose day and month cannot be told apart (`04/05/2025`).
    Ambiguous,
}

/// Month names, lowercase, with their number: English (and abbreviations), German, French,
/// Spanish, Portuguese, Italian, Dutch, Malay, Indonesian, the Scandinavian languages, Polish
/// and Russian (in the genitive a date uses), Turkish.
#[rustfmt::skip]
const MONTHS: &[(&str, u32)] = &[
    ("january", 1), ("jan", 1), ("januar", 1), ("jänner", 1), ("janvier", 1), ("enero", 1),
    ("janeiro", 1), ("gennaio", 1), ("januari", 1), ("stycznia", 1), ("января", 1),
    ("ocak", 1),
    ("february", 2), ("feb", 2), ("februar", 2), ("février", 2), ("febrero", 2),
    ("fevereiro", 2), ("febbraio", 2), ("februari", 2), ("lutego", 2), ("февраля", 2),
    ("şubat", 2),
    ("march", 3), ("mar", 3), ("märz", 3), ("mars", 3), ("marzo", 3), ("março", 3),
    ("maart", 3), ("mac", 3), ("maret", 3), ("marca", 3), ("марта", 3), ("mart", 3),
    ("april", 4), ("apr", 4), ("avril", 4), ("abril", 4), ("aprile", 4), ("kwietnia", 4),
    ("апреля", 4), ("nisan", 4),
    ("may", 5), ("mai", 5), ("mayo", 5), ("maio", 5), ("maggio", 5), ("mei", 5), ("maj", 5),
    ("maja", 5), ("мая", 5), ("mayıs", 5),
    ("june", 6), ("jun", 6), ("juni", 6), ("juin", 6), ("junio", 6), ("junho", 6),
    ("giugno", 6), ("czerwca", 6), ("июня", 6), ("haziran", 6),
    ("july", 7), ("jul", 7), ("juli", 7), ("juillet", 7), ("julio", 7), ("julho", 7),
    ("luglio", 7), ("julai", 7), ("lipca", 7), ("июля", 7), ("temmuz", 7),
    ("august", 8), ("aug", 8), ("août", 8), ("agosto", 8), ("augustus", 8), ("ogos", 8),
    ("agustus", 8), ("augusti", 8), ("sierpnia", 8), ("августа", 8), ("ağustos", 8),
    ("september", 9), ("sep", 9), ("sept", 9), ("septembre", 9), ("septiembre", 9),
    ("setiembre", 9), ("setembro", 9), ("settembre", 9), ("września", 9), ("сентября", 9),
    ("eylül", 9),
    ("october", 10), ("oct", 10), ("oktober", 10), ("octobre", 10), ("octubre", 10),
    ("outubro", 10), ("ottobre", 10), ("października", 10), ("октября", 10), ("ekim", 10),
    ("november", 11), ("nov", 11), ("novembre", 11), ("noviembre", 11), ("novembro", 11),
    ("listopada", 11), ("ноября", 11), ("kasım", 11),
    ("december", 12), ("dec", 12), ("dezember", 12), ("décembre", 12), ("diciembre", 12),
    ("dezembro", 12), ("dicembre", 12), ("disember", 12), ("desember", 12), ("grudnia", 12),
    ("декабря", 12), ("aralık", 12),
];

#[derive(Debug)]
enum Token {
    Number(u32, usize),
    Word(String),
}

fn tokens(v: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = v.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_ascii_digit() {
            let mut end = i;
            while let Some(&(j, d)) = chars.peek() {
                if !d.is_ascii_digit() {
                    break;
                }
                end = j + 1;
                chars.next();
            }
            let digits = &v[i..end];
            out.push(Token::Number(
                digits.parse().unwrap_or(u32::MAX),
                digits.len(),
            ));
        } else if c.is_alphabetic() {
            let mut word = String::new();
            while let Some(&(_, d)) = chars.peek() {
                if !d.is_alphabetic() {
                    break;
                }
                word.extend(d.to_lowercase());
                chars.next();
                // Each CJK date marker is a word of its own.
                if matches!(d, '年' | '月' | '日' | '년' | '월' | '일') {
                    break;
                }
            }
            out.push(Token::Word(word));
        } else {
            chars.next();
        }
        if out.len() > 24 {
            break;
        }
    }
    out
}

/// Reads a date from `v`, or `None` if `v` holds none.
pub fn parse(v: &str) -> Option<Date> {
    if v.len() > 80 {
        return None;
    }
    let toks = tokens(v);
    let (mut year, mut month, mut day) = (None, None, None);
    let mut numbers: Vec<(u32, usize)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Token::Number(n, len) => {
                let marker = match toks.get(i + 1) {
                    Some(Token::Word(w)) => w.chars().next(),
                    _ => None,
                };
                match marker {
                    Some('年' | '년') => year = Some(*n),
                    Some('月' | '월') => month = Some(*n),
                    Some('日' | '일') => day = Some(*n),
                    _ => numbers.push((*n, *len)),
                }
            }
            Token::Word(w) if w == "tháng" => {
                if let Some(Token::Number(n, _)) = toks.get(i + 1) {
                    month = Some(*n);
                    i += 1;
                }
            }
            Token::Word(w) => {
                if month.is_none() {
                    month = MONTHS.iter().find(|(name, _)| name == w).map(|&(_, m)| m);
                }
            }
        }
        i += 1;
    }
    let valid = |y: u32, m: u32, d: u32| {
        (1900..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
    };
    if month.is_some() {
        if year.is_none() {
            if let Some(at) = numbers.iter().position(|&(_, len)| len == 4) {
                year = Some(numbers.remove(at).0);
            }
        }
        if day.is_none() {
            day = numbers
                .iter()
                .find(|&&(n, len)| len <= 2 && (1..=31).contains(&n))
                .map(|&(n, _)| n);
        }
        return match (year, month, day) {
            (Some(y), Some(m), Some(d)) if valid(y, m, d) => Some(Date::Known(y, m, d)),
            _ => None,
        };
    }
    let [(a, al), (b, bl), (c, cl)] = numbers.get(..3)?.try_into().ok()?;
    if al == 4 && bl <= 2 && cl <= 2 {
        return valid(a, b, c).then_some(Date::Known(a, b, c));
    }
    if cl != 4 || al > 2 || bl > 2 {
        return None;
    }
    let dotted = v.contains('.') && !v.contains('/');
    let (d, m) = if dotted || (a > 12 && b <= 12) {
        (a, b)
    } else if b > 12 && a <= 12 {
        (b, a)
    } else if a == b {
        (a, b)
    } else {
        return (valid(c, a, b) || valid(c, b, a)).then_some(Date::Ambiguous);
    };
    valid(c, m, d).then_some(Date::Known(c, m, d))
}

/// `v` as an ISO 8601 date, when it is a date whose day and month are known.
pub fn iso(v: &str) -> Option<String> {
    match parse(v)? {
        Date::Known(y, m, d) => Some(format!("{y:04}-{m:02}-{d:02}")),
        Date::Ambiguous => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_many_locales() {
        for (text, want) in [
            ("2025-08-18", "2025-08-18"),
            ("Monday, August 18, 2025", "2025-08-18"),
            ("Monday 18 August 2025", "2025-08-18"),
            ("Montag, 18. August 2025", "2025-08-18"),
            ("lundi 18 août 2025", "2025-08-18"),
            ("lunes, 18 de agosto de 2025", "2025-08-18"),
            ("Isnin, 18 Ogos 2025", "2025-08-18"),
            ("2025年8月18日月曜日", "2025-08-18"),
            ("2025년 8월 18일 월요일", "2025-08-18"),
            ("Thứ Hai, 18 tháng 8, 2025", "2025-08-18"),
            ("8/18/2025", "2025-08-18"),
            ("18/08/2025", "2025-08-18"),
            ("18.08.2025", "2025-08-18"),
            ("Mon Aug 18 10:00:00 2025", "2025-08-18"),
        ] {
            assert_eq!(iso(text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn ambiguous_and_non_dates() {
        assert_eq!(parse("04/05/2025"), Some(Date::Ambiguous));
        assert_eq!(iso("04/05/2025"), None);
        for no in [
            "Monday",
            "a good day",
            "version 1.2.3",
            "2025",
            "13/13/2025",
            "August",
        ] {
            assert_eq!(parse(no), None, "{no}");
        }
    }
}
