//! Pure helpers over scanned text: where a byte offset is (line and column), what a finding
//! looks like masked, its fingerprint, and whether an inline `weir:allow` comment lets it be.

use sha2::{Digest, Sha256};

/// A 1-based position in a text: line, and column counted in characters (UTF-8 code points;
/// a byte that is not valid UTF-8 counts as one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub column: usize,
}

/// Where each line of a text starts, to map byte offsets to lines and columns.
#[derive(Debug)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the lines of `hay` (lines end at `\n`).
    pub fn new(hay: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            hay.iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The line and column of byte `offset` in `hay` (the text this index was built from).
    pub fn locate(&self, hay: &[u8], offset: usize) -> Position {
        let offset = offset.min(hay.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = 1 + hay[start..offset]
            .iter()
            .filter(|&&b| !is_continuation(b))
            .count();
        Position { line, column }
    }

    /// The text of 1-based `line` of `hay`, without its line ending.
    pub fn line<'h>(&self, hay: &'h [u8], line: usize) -> &'h [u8] {
        let start = self.starts[line - 1].min(hay.len());
        let end = self
            .starts
            .get(line)
            .map_or(hay.len(), |&next| next - 1)
            .max(start);
        let text = &hay[start..end];
        text.strip_suffix(b"\r").unwrap_or(text)
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// The most `*` a masked preview holds: a long secret (a private key) stays one short line.
const MAX_STARS: usize = 24;

/// A secret masked for display: at most its first 4 and last 2 characters, the rest `*`.
///
/// Secrets of 20 characters or more show 4 and 2; from 8 to 19 characters only the first 2;
/// shorter ones are masked entirely. Control characters among those shown become `?`. The run
/// of `*` is capped at 24, so a private key stays readable on one line.
pub fn mask(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        20.. => (4, 2),
        8..=19 => (2, 0),
        _ => (0, 0),
    };
    let shown = |c: &char| if c.is_control() { '?' } else { *c };
    let mut out = String::with_capacity(head + tail + MAX_STARS);
    out.extend(chars[..head].iter().map(shown));
    out.extend(std::iter::repeat_n('*', (n - head - tail).min(MAX_STARS)));
    out.extend(chars[n - tail..].iter().map(shown));
    out
}

/// The fingerprint of a finding: lowercase hex SHA-256 of `RULE-ID:SECRET`
/// (`printf '%s:%s' "$rule" "$secret" | sha256sum`). It names a secret without holding it, so
/// baselines and reports can store it.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(rule_id.as_bytes());
    hash.update(b":");
    hash.update(secret);
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The marker that allows a finding on its line.
pub const ALLOW_MARKER: &[u8] = b"weir:allow";

/// Whether `line` holds an inline allow comment that covers a finding of rule `rule_id`.
///
/// `weir:allow` alone (`# weir:allow`, `// weir:allow: test fixture`) allows every finding on
/// the line. Followed by rule ids (`weir:allow aws-access-key-id`, or several separated by
/// commas), it allows only those rules. Words after the marker that are not rule ids
/// (`is_rule` says which are) are taken as an explanation, not a restriction.
pub fn allowed(line: &[u8], rule_id: &str, is_rule: impl Fn(&str) -> bool) -> bool {
    let mut rest = line;
    while let Some(at) = find(rest, ALLOW_MARKER) {
        let after = &rest[at + ALLOW_MARKER.len()..];
        rest = after;
        if after
            .first()
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            // `weir:allowed`, `weir:allowance`: another word.
            continue;
        }
        let after = trim_start(after);
        let after = after.strip_prefix(b":").map_or(after, trim_start);
        let token_len = after
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b','))
            .count();
        let token = String::from_utf8_lossy(&after[..token_len]);
        let ids: Vec<&str> = token.split(',').filter(|t| is_rule(t)).collect();
        if ids.is_empty() || ids.contains(&rule_id) {
            return true;
        }
    }
    false
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    &s[n..]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether a text looks binary: a NUL byte in its first 8 KiB (as git decides).
pub fn is_binary(hay: &[u8]) -> bool {
    hay[..hay.len().min(8192)].contains(&0)
}

/// Parses a size: a number of bytes, optionally with a unit (`k`, `KB`, `KiB`, `M`, `MiB`,
/// `G`, `GiB`; units are powers of 1024, case does not matter).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let digits = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(digits);
    let number: f64 = number.parse().map_err(|_| {
        format!(
            "`{s}` is not a size: write a number of bytes, optionally with a unit (10MiB, 500k)"
        )
    })?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit `{other}` in `{s}`: use k, M or G (KiB, MiB, GiB)"
            ));
        }
    };
    Ok((number * scale as f64) as u64)
}

/// A byte count for people: `512 B`, `1.5 KiB`, `12.3 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let hay = "first\nsé = x\r\nlast".as_bytes();
        let index = LineIndex::new(hay);
        assert_eq!(index.locate(hay, 0), Position { line: 1, column: 1 });
        assert_eq!(index.locate(hay, 3), Position { line: 1, column: 4 });
        // "x" is after "sé = " (6 bytes, 5 characters).
        let x = hay.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(index.locate(hay, x), Position { line: 2, column: 6 });
        assert_eq!(
            index.locate(hay, hay.len() - 1),
            Position { line: 3, column: 4 }
        );
        assert_eq!(index.line(hay, 2), "sé = x".as_bytes());
        assert_eq!(index.line(hay, 3), b"last");
        assert_eq!(index.line(hay, 1), b"first");
    }

    #[test]
    fn offset_at_a_line_start_is_column_one() {
        let hay = b"a\nb\n";
        let index = LineIndex::new(hay);
        assert_eq!(index.locate(hay, 2), Position { line: 2, column: 1 });
        assert_eq!(index.locate(hay, 4), Position { line: 3, column: 1 });
        assert_eq!(index.line(hay, 3), b"");
    }

    #[test]
    fn masks_keep_at_most_four_and_two() {
        assert_eq!(mask(b"AKIAZ2345ABCDEFGH7QR"), "AKIA**************QR");
        assert_eq!(mask(b"hunter2hunter"), "hu***********");
        assert_eq!(mask(b"secret"), "******");
        assert_eq!(mask(b""), "");
        let long = vec![b'a'; 500];
        let masked = mask(&long);
        assert_eq!(masked, format!("aaaa{}aa", "*".repeat(MAX_STARS)));
        assert_eq!(
            mask(b"-----BEGIN KEY-----\nabc\n---END"),
            format!("----{}ND", "*".repeat(MAX_STARS))
        );
        assert_eq!(
            mask(b"ab\ncdefghijklmnopqrstuvwxyz"),
            "ab?c*********************yz"
        );
    }

    #[test]
    fn a_mask_never_holds_the_secret() {
        for n in 0..200 {
            let secret: Vec<u8> = (0..n).map(|i| b'A' + (i % 26) as u8).collect();
            let masked = mask(&secret);
            let visible = masked.chars().filter(|&c| c != '*').count();
            assert!(
                visible <= 6 && (n < 8 || visible < n / 2 + 1),
                "{n}: {masked}"
            );
        }
    }

    #[test]
    fn fingerprints_are_sha256_of_rule_and_secret() {
        // printf 'r:s' | sha256sum
        assert_eq!(
            fingerprint("r", b"s"),
            "44c71f3e87e3599e14890254d522998ae2c12aacfb7cdd227998477183ca4173"
        );
        assert_ne!(fingerprint("r", b"s"), fingerprint("q", b"s"));
        assert_ne!(fingerprint("r", b"s"), fingerprint("r", b"t"));
        assert_eq!(
            fingerprint("", b""),
            "e7ac0786668e0ff0f02b62bd04f45ff636fd82db63b1104601c975dc005f3a67"
        );
    }

    fn known(id: &str) -> bool {
        matches!(id, "aws-access-key-id" | "github-pat")
    }

    #[test]
    fn a_bare_allow_covers_every_rule() {
        assert!(allowed(
            b"key = 'AKIA...'  # weir:allow",
            "aws-access-key-id",
            known
        ));
        assert!(allowed(
            b"x // weir:allow: test fixture",
            "github-pat",
            known
        ));
        assert!(allowed(b"x /* weir:allow */", "github-pat", known));
        assert!(allowed(b"<!-- weir:allow -->", "github-pat", known));
        assert!(!allowed(b"key = 'AKIA...'", "aws-access-key-id", known));
        assert!(!allowed(b"# weir:allowed elsewhere", "github-pat", known));
    }

    #[test]
    fn an_allow_with_rule_ids_covers_only_those() {
        let line = b"x # weir:allow aws-access-key-id";
        assert!(allowed(line, "aws-access-key-id", known));
        assert!(!allowed(line, "github-pat", known));
        let both = b"x # weir:allow github-pat,aws-access-key-id";
        assert!(allowed(both, "aws-access-key-id", known));
        assert!(allowed(both, "github-pat", known));
        // Two markers: either may cover it.
        let two = b"x # weir:allow github-pat weir:allow aws-access-key-id";
        assert!(allowed(two, "aws-access-key-id", known));
        // Not a rule id: an explanation.
        assert!(allowed(
            b"# weir:allow because-fixture",
            "github-pat",
            known
        ));
    }

    #[test]
    fn binary_means_a_nul_in_the_first_8_kib() {
        assert!(is_binary(b"ab\0cd"));
        assert!(!is_binary(b"plain text"));
        let mut late = vec![b'a'; 9000];
        late[8500] = 0;
        assert!(!is_binary(&late));
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("500k"), Ok(500 << 10));
        assert_eq!(parse_size("1.5 GiB"), Ok(3 << 29));
        assert_eq!(parse_size("1234"), Ok(1234));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10 parsecs").is_err());
    }

    #[test]
    fn bytes_read_for_people() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(10 << 20), "10.0 MiB");
    }
}
