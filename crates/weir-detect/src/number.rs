//! The trigger for number-shaped personal data (cards, national ids, phone numbers, IBANs),
//! which has no literal to anchor on: runs of at least four digits, grown into a "number" over
//! the separators people write between groups, and counted.
//!
//! Every such number has a group of four or more digits, and any run of four digits contains a
//! position that is a multiple of four, so only every fourth byte is looked at until a digit
//! turns up. Four-digit numbers (years, ports) are counted and dropped without running a rule.

/// The longest number, in bytes from its first digit to its last, that is reported. No card,
/// national id, phone number or IBAN is longer; a longer run of digit groups (a table, a
/// hex-free dump) is reported as nothing. The cap is what keeps a number local: whether a
/// number is reported depends only on the bytes from two before it to two after it, so a
/// stream scanned in windows overlapping by more than this finds the same numbers
/// ([`crate::stream`]).
pub const MAX_SPAN: usize = 64;

/// A number found in text: where it is and how many digits it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Number {
    /// Offset of its first digit.
    pub start: usize,
    /// Offset just past its last digit.
    pub end: usize,
    /// How many digits it has.
    pub digits: usize,
}

const SEPARATORS: &[u8] = b" -./()";

fn is_sep(b: u8) -> bool {
    SEPARATORS.contains(&b)
}

/// Calls `found` for each number in `hay` that has at least `min_digits` digits and spans at
/// most [`MAX_SPAN`] bytes.
///
/// A number is a maximal chain of digit runs joined by single separators that holds a run of
/// four or more digits; which chains those are does not depend on where the scan starts.
pub fn numbers(hay: &[u8], min_digits: usize, mut found: impl FnMut(Number)) {
    let mut i = 3;
    let mut floor = 0; // nothing before this offset is looked at again
    while i < hay.len() {
        if !hay[i].is_ascii_digit() {
            i += 4;
            continue;
        }
        // The run of digits around i.
        let mut a = i;
        while a > floor && hay[a - 1].is_ascii_digit() {
            a -= 1;
        }
        let mut b = i + 1;
        while b < hay.len() && hay[b].is_ascii_digit() {
            b += 1;
        }
        if b - a < 4 {
            i = b | 3;
            continue;
        }
        // Grow over single separators between digit groups, both ways.
        let mut digits = b - a;
        let mut start = a;
        while start >= 2 + floor && is_sep(hay[start - 1]) && hay[start - 2].is_ascii_digit() {
            let mut s = start - 1;
            while s > floor && hay[s - 1].is_ascii_digit() {
                s -= 1;
                digits += 1;
            }
            start = s;
        }
        let mut end = b;
        while end + 1 < hay.len() && is_sep(hay[end]) && hay[end + 1].is_ascii_digit() {
            let mut e = end + 1;
            while e < hay.len() && hay[e].is_ascii_digit() {
                e += 1;
                digits += 1;
            }
            end = e;
        }
        if digits >= min_digits && end - start <= MAX_SPAN {
            found(Number { start, end, digits });
        }
        floor = end;
        i = end | 3;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(hay: &str) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        numbers(hay.as_bytes(), 5, |n| {
            out.push((hay[n.start..n.end].to_owned(), n.digits))
        });
        out
    }

    #[test]
    fn groups_join_over_separators() {
        assert_eq!(
            all("card 4111 1111 1111 1111 and ic 900101-14-5678."),
            vec![
                ("4111 1111 1111 1111".to_owned(), 16),
                ("900101-14-5678".to_owned(), 14 - 2),
            ]
        );
        assert_eq!(
            all("+60 12-345 6789"),
            vec![("60 12-345 6789".to_owned(), 11)]
        );
        assert_eq!(all("year 2024, port 8080"), vec![]);
        assert_eq!(all("S1234567D"), vec![("1234567".to_owned(), 7)]);
    }

    #[test]
    fn overlong_chains_are_not_numbers() {
        let long = "1234 ".repeat(14);
        assert_eq!(all(long.trim_end()), vec![]);
        let short = "1234 ".repeat(13);
        assert_eq!(all(short.trim_end()).len(), 1);
        assert_eq!(all(&"7".repeat(MAX_SPAN + 1)), vec![]);
        assert_eq!(all(&"7".repeat(MAX_SPAN)).len(), 1);
    }

    #[test]
    fn every_long_run_is_found_wherever_it_sits() {
        for pad in 0..9 {
            let hay = format!("{}x12345678y", "a".repeat(pad));
            let mut n = 0;
            numbers(hay.as_bytes(), 8, |_| n += 1);
            assert_eq!(n, 1, "{hay}");
        }
    }
}
