//! Tool versions and the ranges that rules put on them.
//!
//! A version is `MAJOR[.MINOR[.PATCH]][-PRE][+BUILD]`, optionally after a `v`; missing parts are
//! zero, build metadata is ignored, and order is semver precedence (a pre-release sorts before
//! its release: `2.3.0-beta.1 < 2.3.0`).
//!
//! A range is one or more comparators that must all hold, separated by commas or spaces, and
//! alternatives separated by `||`:
//!
//! | written | means |
//! |---|---|
//! | `>=2.1, <2.3` | from the first 2.1 release to before the first 2.3 one |
//! | `=2.1.3`, `2.1.3` | exactly 2.1.3 |
//! | `2.1`, `=2.1`, `2.1.*`, `2.1.x` | any 2.1.x |
//! | `^1.4.2` | `>=1.4.2, <2` (`^0.4.2`: `<0.5`; `^0.0.4`: `<0.0.5`) |
//! | `~0.30.1` | `>=0.30.1, <0.31` (`~1`: `<2`) |
//! | `*` | every version |
//! | `<1 \|\| >=3` | either |
//!
//! A partial version in a comparator stands for its whole series, pre-releases included:
//! `<2.3` excludes `2.3.0-beta`, `>=2.3` includes it, `<=2.3` includes every 2.3.x, and `>2.3`
//! starts at the first 2.4. A full version compares exactly.

use std::cmp::Ordering;
use std::fmt;

/// A tool's version, as parsed from what the tool reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    /// Pre-release identifiers after `-`, when there are any.
    pre: Option<String>,
}

impl Version {
    /// Parses a version the way tools report them (`2.0.14`, `v0.30`, `1.0.0-beta.3+sha.1`).
    /// `None` when the text is not a version; rules with a range then do not match.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
        let s = s.split_once('+').map_or(s, |(v, _build)| v);
        let (core, pre) = match s.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (s, None),
        };
        let [major, minor, patch] = numbers(core)?;
        if let Some(pre) = pre
            && !valid_pre(pre)
        {
            return None;
        }
        Some(Version {
            major,
            minor,
            patch,
            pre: pre.map(str::to_owned),
        })
    }

    fn new(major: u64, minor: u64, patch: u64, pre: Option<&str>) -> Version {
        Version {
            major,
            minor,
            patch,
            pre: pre.map(str::to_owned),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

/// One to three dot-separated decimal numbers, missing ones zero.
fn numbers(core: &str) -> Option<[u64; 3]> {
    let mut out = [0; 3];
    for (i, part) in core.split('.').enumerate() {
        if i >= 3 || part.is_empty() || part.len() > 19 || !part.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        out[i] = part.parse().ok()?;
    }
    Some(out)
}

fn valid_pre(pre: &str) -> bool {
    pre.split('.')
        .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Semver precedence of two pre-release strings: identifier by identifier, numbers
/// numerically and below words, a shorter list first when it is a prefix of the longer.
fn cmp_pre(a: &str, b: &str) -> Ordering {
    let mut xs = a.split('.');
    let mut ys = b.split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let xn = x.bytes().all(|b| b.is_ascii_digit());
                let yn = y.bytes().all(|b| b.is_ascii_digit());
                let o = match (xn, yn) {
                    // Compare digit strings without parsing (no overflow): drop leading zeros,
                    // then the longer one is larger.
                    (true, true) => {
                        let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                        x.len().cmp(&y.len()).then_with(|| x.cmp(y))
                    }
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.cmp(y),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => cmp_pre(a, b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One end of an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bound {
    Unbounded,
    Included(Version),
    Excluded(Version),
}

/// The versions between two bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Interval {
    lo: Bound,
    hi: Bound,
}

impl Interval {
    const ALL: Interval = Interval {
        lo: Bound::Unbounded,
        hi: Bound::Unbounded,
    };

    fn contains(&self, v: &Version) -> bool {
        let above = match &self.lo {
            Bound::Unbounded => true,
            Bound::Included(lo) => v >= lo,
            Bound::Excluded(lo) => v > lo,
        };
        let below = match &self.hi {
            Bound::Unbounded => true,
            Bound::Included(hi) => v <= hi,
            Bound::Excluded(hi) => v < hi,
        };
        above && below
    }

    /// The versions in both.
    fn intersect(self, other: Interval) -> Interval {
        Interval {
            lo: tighter(self.lo, other.lo, Ordering::Greater),
            hi: tighter(self.hi, other.hi, Ordering::Less),
        }
    }

    fn is_empty(&self) -> bool {
        match (&self.lo, &self.hi) {
            (Bound::Included(lo), Bound::Included(hi)) => lo > hi,
            (Bound::Included(lo) | Bound::Excluded(lo), Bound::Excluded(hi))
            | (Bound::Excluded(lo), Bound::Included(hi)) => lo >= hi,
            _ => false,
        }
    }
}

/// The stricter of two lower bounds (`stricter` = `Greater`) or upper bounds (`Less`): the one
/// further in, and at the same version the exclusive one.
fn tighter(a: Bound, b: Bound, stricter: Ordering) -> Bound {
    let o = match (&a, &b) {
        (Bound::Unbounded, _) => return b,
        (_, Bound::Unbounded) => return a,
        (Bound::Included(x) | Bound::Excluded(x), Bound::Included(y) | Bound::Excluded(y)) => {
            x.cmp(y)
        }
    };
    if o == stricter || (o == Ordering::Equal && matches!(a, Bound::Excluded(_))) {
        a
    } else {
        b
    }
}

/// A set of versions written as a range (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    text: String,
    /// Alternatives: a version is in the range when it is in any of them.
    any_of: Vec<Interval>,
}

/// Why a text is not a version range. The message says what was expected where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RangeError(String);

const RANGE_HELP: &str =
    "ranges look like \">=2.1, <2.3\", \"^1.4\", \"~0.30.1\", \"2.*\" or \"<1 || >=3\"";

/// A partial version from a comparator: the numbers given (a wildcard ends them) and a
/// pre-release, which only a full version may carry.
struct Partial<'a> {
    parts: Vec<u64>,
    pre: Option<&'a str>,
}

impl Partial<'_> {
    fn is_full(&self) -> bool {
        self.parts.len() == 3
    }

    fn exact(&self) -> Version {
        Version::new(self.parts[0], self.parts[1], self.parts[2], self.pre)
    }

    /// The lowest version of the series (its first pre-release).
    fn floor(&self) -> Version {
        let p = |i: usize| self.parts.get(i).copied().unwrap_or(0);
        Version::new(p(0), p(1), p(2), Some("0"))
    }

    /// The lowest version after the series. `None` for the empty partial (no such version).
    fn ceiling(&self) -> Option<Version> {
        let p = |i: usize| self.parts.get(i).copied().unwrap_or(0);
        Some(match self.parts.len() {
            0 => return None,
            1 => Version::new(p(0).saturating_add(1), 0, 0, Some("0")),
            2 => Version::new(p(0), p(1).saturating_add(1), 0, Some("0")),
            _ => Version::new(p(0), p(1), p(2).saturating_add(1), Some("0")),
        })
    }

    fn lower(&self) -> Bound {
        if self.parts.is_empty() {
            Bound::Unbounded
        } else if self.is_full() {
            Bound::Included(self.exact())
        } else {
            Bound::Included(self.floor())
        }
    }

    fn series_upper(&self) -> Bound {
        self.ceiling().map_or(Bound::Unbounded, Bound::Excluded)
    }
}

impl VersionRange {
    /// Parses a range; the error names the part that is wrong.
    pub fn parse(text: &str) -> Result<VersionRange, RangeError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(RangeError(format!("the range is empty; {RANGE_HELP}")));
        }
        let mut any_of = Vec::new();
        for alternative in trimmed.split("||") {
            let mut interval = Interval::ALL;
            let mut rest = alternative.trim();
            if rest.is_empty() {
                return Err(RangeError(format!(
                    "nothing on one side of `||`; {RANGE_HELP}"
                )));
            }
            while !rest.is_empty() {
                let (c, tail) = comparator(rest)?;
                interval = interval.intersect(c);
                rest = tail.trim_start_matches(|ch: char| ch == ',' || ch.is_whitespace());
            }
            if interval.is_empty() {
                return Err(RangeError(format!(
                    "`{}` matches no version",
                    alternative.trim()
                )));
            }
            any_of.push(interval);
        }
        Ok(VersionRange {
            text: trimmed.to_owned(),
            any_of,
        })
    }

    /// Whether `v` is in the range.
    pub fn contains(&self, v: &Version) -> bool {
        self.any_of.iter().any(|i| i.contains(v))
    }

    /// The range as written (trimmed).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One comparator at the start of `s`, as an interval, and the text after it.
fn comparator(s: &str) -> Result<(Interval, &str), RangeError> {
    let ops = [">=", "<=", ">", "<", "=", "^", "~"];
    let op = ops.iter().find(|op| s.starts_with(**op)).copied();
    let after_op = s[op.map_or(0, str::len)..].trim_start();
    let end = after_op
        .find(|c: char| c == ',' || c.is_whitespace() || c == '|')
        .unwrap_or(after_op.len());
    let (word, tail) = after_op.split_at(end);
    if word.is_empty() {
        return Err(RangeError(format!(
            "expected a version after `{}`; {RANGE_HELP}",
            op.unwrap_or("")
        )));
    }
    if let Some(c) = word.chars().next().filter(|c| "<>=^~".contains(*c)) {
        return Err(RangeError(format!(
            "unexpected `{c}` in `{word}`; {RANGE_HELP}"
        )));
    }
    let p = partial(word)?;
    let interval = match op.unwrap_or("=") {
        "=" if p.is_full() => Interval {
            lo: Bound::Included(p.exact()),
            hi: Bound::Included(p.exact()),
        },
        "=" => Interval {
            lo: p.lower(),
            hi: p.series_upper(),
        },
        ">=" => Interval {
            lo: p.lower(),
            hi: Bound::Unbounded,
        },
        ">" if p.is_full() => Interval {
            lo: Bound::Excluded(p.exact()),
            hi: Bound::Unbounded,
        },
        ">" => match p.ceiling() {
            Some(c) => Interval {
                lo: Bound::Included(c),
                hi: Bound::Unbounded,
            },
            None => return Err(RangeError(format!("`>{word}` matches no version"))),
        },
        "<" => Interval {
            lo: Bound::Unbounded,
            hi: if p.parts.is_empty() {
                return Err(RangeError(format!("`<{word}` matches no version")));
            } else if p.is_full() {
                Bound::Excluded(p.exact())
            } else {
                Bound::Excluded(p.floor())
            },
        },
        "<=" => Interval {
            lo: Bound::Unbounded,
            hi: if p.is_full() {
                Bound::Included(p.exact())
            } else {
                p.series_upper()
            },
        },
        "^" => {
            let g = |i: usize| p.parts.get(i).copied().unwrap_or(0);
            // The upper end moves at the first non-zero part written (or the last one written).
            let hi = if g(0) > 0 || p.parts.len() <= 1 {
                Partial {
                    parts: p.parts.iter().take(1).copied().collect(),
                    pre: None,
                }
            } else if g(1) > 0 || p.parts.len() == 2 {
                Partial {
                    parts: p.parts.iter().take(2).copied().collect(),
                    pre: None,
                }
            } else {
                Partial {
                    parts: p.parts.clone(),
                    pre: None,
                }
            };
            Interval {
                lo: p.lower(),
                hi: hi.series_upper(),
            }
        }
        // "~"
        _ => {
            let keep = if p.parts.len() >= 2 { 2 } else { 1 };
            let hi = Partial {
                parts: p.parts.iter().take(keep).copied().collect(),
                pre: None,
            };
            Interval {
                lo: p.lower(),
                hi: hi.series_upper(),
            }
        }
    };
    Ok((interval, tail))
}

fn partial(word: &str) -> Result<Partial<'_>, RangeError> {
    let bad = || {
        RangeError(format!(
            "`{word}` is not a version: expected numbers like 2.1 or 2.1.3, or a wildcard \
             like 2.*; {RANGE_HELP}"
        ))
    };
    let word = word.strip_prefix(['v', 'V']).unwrap_or(word);
    let word = word.split_once('+').map_or(word, |(v, _build)| v);
    let (core, pre) = match word.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (word, None),
    };
    let mut parts = Vec::with_capacity(3);
    let mut wildcard = false;
    for piece in core.split('.') {
        if matches!(piece, "*" | "x" | "X") {
            wildcard = true;
        } else if wildcard || piece.is_empty() || !piece.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        } else {
            parts.push(piece.parse::<u64>().map_err(|_| bad())?);
        }
    }
    if core.split('.').count() > 3 {
        return Err(bad());
    }
    if let Some(pre) = pre {
        if parts.len() != 3 || !valid_pre(pre) {
            return Err(RangeError(format!(
                "`{word}`: a pre-release (after `-`) needs a full version like 2.1.0-beta.1"
            )));
        }
    }
    Ok(Partial { parts, pre })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn r(s: &str) -> VersionRange {
        VersionRange::parse(s).unwrap()
    }

    fn within(range: &str, version: &str) -> bool {
        r(range).contains(&v(version))
    }

    #[test]
    fn versions_parse_as_tools_report_them() {
        assert_eq!(v("2.0.14").to_string(), "2.0.14");
        assert_eq!(v("v0.30").to_string(), "0.30.0");
        assert_eq!(v("1").to_string(), "1.0.0");
        assert_eq!(v("1.0.0-beta.3+sha.1").to_string(), "1.0.0-beta.3");
        assert_eq!(v(" 2.1.3 ").to_string(), "2.1.3");
        for bad in [
            "",
            "x",
            "1.2.3.4",
            "1..2",
            "1.2.a",
            "-1",
            "1.2.3-",
            "1.2.3-a..b",
            "v",
        ] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn precedence() {
        let ordered = [
            "1.0.0-0",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
            "10.0.0",
        ];
        for w in ordered.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("1.2").cmp(&v("1.2.0")), Ordering::Equal);
    }

    #[test]
    fn ranges_from_the_table() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                ">=2.1, <2.3",
                &["2.1.0", "2.2.9", "2.1.0-rc.1"],
                &["2.0.9", "2.3.0", "2.3.0-beta"],
            ),
            (">=2.1 <2.3", &["2.2.0"], &["2.3.0"]),
            (">= 2.1, < 2.3", &["2.2.0"], &["2.3.0"]),
            ("=2.1.3", &["2.1.3"], &["2.1.4", "2.1.3-rc.1"]),
            ("2.1.3", &["2.1.3"], &["2.1.2"]),
            (
                "2.1",
                &["2.1.0", "2.1.99", "2.1.0-beta"],
                &["2.2.0", "2.0.0"],
            ),
            ("2.1.*", &["2.1.7"], &["2.2.0"]),
            ("2.x", &["2.9.9"], &["3.0.0", "1.9.9"]),
            (
                "^1.4.2",
                &["1.4.2", "1.9.0"],
                &["1.4.1", "2.0.0", "2.0.0-alpha"],
            ),
            ("^0.4.2", &["0.4.9"], &["0.5.0"]),
            ("^0.0.4", &["0.0.4"], &["0.0.5"]),
            ("^0", &["0.9.9"], &["1.0.0"]),
            ("~0.30.1", &["0.30.1", "0.30.9"], &["0.31.0", "0.30.0"]),
            ("~1", &["1.9.0"], &["2.0.0"]),
            ("*", &["0.0.1", "99.0.0", "1.0.0-alpha"], &[]),
            ("<1 || >=3", &["0.9.0", "3.0.0"], &["1.0.0", "2.9.9"]),
            ("<=2.3", &["2.3.9", "2.3.0-beta"], &["2.4.0-0", "2.4.0"]),
            (">2.3", &["2.4.0"], &["2.3.9"]),
            (">2.3.1", &["2.3.2", "2.3.2-alpha"], &["2.3.1"]),
            ("<2.3.0", &["2.3.0-beta"], &["2.3.0"]),
            (">=2.3", &["2.3.0-beta"], &["2.2.9"]),
        ];
        for (range, inside, outside) in cases {
            for x in *inside {
                assert!(within(range, x), "{x} should be in {range}");
            }
            for x in *outside {
                assert!(!within(range, x), "{x} should not be in {range}");
            }
        }
    }

    #[test]
    fn bad_ranges_say_what_is_wrong() {
        let err = |s: &str| VersionRange::parse(s).unwrap_err().to_string();
        assert!(err("").starts_with("the range is empty"));
        assert!(
            err(">=two").starts_with("`two` is not a version"),
            "{}",
            err(">=two")
        );
        assert!(err(">=").starts_with("expected a version after `>=`"));
        assert!(err("1.2.3.4").starts_with("`1.2.3.4` is not a version"));
        assert!(err("2.*.1").starts_with("`2.*.1` is not a version"));
        assert!(err("2.1-beta").contains("needs a full version"));
        assert_eq!(err(">=2.3, <2.1"), "`>=2.3, <2.1` matches no version");
        assert_eq!(err(">2.1.0 <=2.1.0"), "`>2.1.0 <=2.1.0` matches no version");
        assert!(err("<1 ||").starts_with("nothing on one side of `||`"));
        assert!(err(">>1").starts_with("unexpected `>`"));
        assert!(err("<*").contains("matches no version"));
    }

    #[test]
    fn as_written() {
        assert_eq!(r("  >=2.1, <2.3 ").as_str(), ">=2.1, <2.3");
        assert_eq!(r("^1").to_string(), "^1");
    }

    fn any_version() -> impl Strategy<Value = Version> {
        (
            0u64..5,
            0u64..5,
            0u64..5,
            prop::option::of(prop::sample::select(vec!["0", "alpha", "beta.2", "rc.1"])),
        )
            .prop_map(|(a, b, c, pre)| Version::new(a, b, c, pre))
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "[0-9.*xv^~<>=|, -]{0,16}") {
            let _ = VersionRange::parse(&s);
            let _ = Version::parse(&s);
        }

        #[test]
        fn comparators_agree_with_order(a in any_version(), b in any_version()) {
            let b_text = b.to_string();
            prop_assert_eq!(within(&format!(">={b_text}"), &a.to_string()), a >= b);
            prop_assert_eq!(within(&format!(">{b_text}"), &a.to_string()), a > b);
            prop_assert_eq!(within(&format!("<={b_text}"), &a.to_string()), a <= b);
            prop_assert_eq!(within(&format!("<{b_text}"), &a.to_string()), a < b);
            prop_assert_eq!(within(&format!("={b_text}"), &a.to_string()), a == b);
        }

        #[test]
        fn conjunction_is_intersection(a in any_version(), lo in any_version(), hi in any_version()) {
            let text = format!(">={lo}, <{hi}");
            match VersionRange::parse(&text) {
                Ok(range) => prop_assert_eq!(range.contains(&a), a >= lo && a < hi),
                Err(_) => prop_assert!(lo >= hi),
            }
        }

        #[test]
        fn display_round_trips(a in any_version()) {
            prop_assert_eq!(Version::parse(&a.to_string()), Some(a));
        }
    }
}
