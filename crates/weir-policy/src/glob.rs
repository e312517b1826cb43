//! The patterns a policy matches against: names (identities, model names), working directories
//! and git remotes.
//!
//! - A [`Wildcard`] matches a whole name: `*` any run of characters, `?` one character.
//! - A [`PathPattern`] matches a path segment by segment: `*` and `?` stay inside one segment,
//!   `**` spans any number of segments. It matches the path *or any directory above it*, so
//!   `/work/acme` matches the working directory `/work/acme/src/lib`. A pattern that does not
//!   start with `/` may match at any depth (`acme-*` matches `/home/me/src/acme-pay`).
//! - Git remotes are first written in one form, `host/path` ([`normalize_remote`]), so that
//!   `git@github.com:acme/pay.git`, `https://github.com/acme/pay` and
//!   `ssh://git@github.com:22/acme/pay.git` are all `github.com/acme/pay`; remote patterns are
//!   normalised the same way, start at the host, and match the remote or anything below it.
//!
//! Matching is linear in the text length times the pattern length at worst: each level (segments,
//! then characters) keeps a single backtrack point, the last star.

/// A glob on a whole name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    pattern: String,
    case_insensitive: bool,
}

impl Wildcard {
    /// Compiles `pattern`; with `case_insensitive`, ASCII letters match either case.
    pub fn new(pattern: &str, case_insensitive: bool) -> Wildcard {
        let pattern = if case_insensitive {
            pattern.to_ascii_lowercase()
        } else {
            pattern.to_owned()
        };
        Wildcard {
            pattern,
            case_insensitive,
        }
    }

    /// The pattern (lower-cased when case-insensitive).
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether `name` matches. Case-insensitive patterns expect `name` lower-cased by the
    /// caller (done once per request rather than once per pattern).
    pub fn matches(&self, name: &str) -> bool {
        matches(&self.pattern, name)
    }

    /// Whether `name` matches, folding its case first when the pattern is case-insensitive.
    pub fn matches_folded(&self, name: &str) -> bool {
        if self.case_insensitive && name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.matches(&name.to_ascii_lowercase())
        } else {
            self.matches(name)
        }
    }
}

/// Whether `text` matches the wildcard `pattern`: `*` any run of characters, `?` one
/// character, anything else itself (byte for byte, so case matters). Linear in
/// `text.len() * pattern.len()` at worst. Also weir.toml's model globs.
pub fn matches(pattern: &str, text: &str) -> bool {
    wildcard(pattern.as_bytes(), text.as_bytes())
}

/// Greedy wildcard matching with one backtrack point (the last `*`): on a mismatch, let that
/// star swallow one more character and retry from just after it. Offsets stay on character
/// boundaries of both strings because literals compare whole encoded characters and `?` and
/// the star advance by whole characters.
fn wildcard(pat: &[u8], text: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < text.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    p += 1;
                    star = Some((p, n));
                    continue;
                }
                b'?' => {
                    p += 1;
                    n += utf8_width(text[n]);
                    continue;
                }
                c if c == text[n] => {
                    p += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((after, stop)) => {
                let stop = stop + utf8_width(text[stop]);
                star = Some((after, stop));
                p = after;
                n = stop;
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// Length in bytes of the UTF-8 sequence starting with `first`.
fn utf8_width(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// One segment of a [`PathPattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `**`: any number of segments, none included.
    Any,
    /// A glob on one segment.
    One(Wildcard),
}

/// A glob on paths or remotes, segment by segment (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    text: String,
    segments: Vec<Segment>,
}

impl PathPattern {
    /// A working-directory pattern. Anchored at the root when it starts with `/` (or a drive
    /// letter), otherwise it may match at any depth. Case-sensitive.
    pub fn path(pattern: &str) -> PathPattern {
        let normalized = pattern.replace('\\', "/");
        let anchored = normalized.starts_with('/') || has_drive(&normalized);
        let mut segments = Vec::new();
        if !anchored {
            segments.push(Segment::Any);
        }
        for s in split_path(&normalized) {
            segments.push(segment(s, false));
        }
        segments.push(Segment::Any);
        PathPattern {
            text: pattern.trim().to_owned(),
            segments,
        }
    }

    /// A git remote pattern: normalised like a remote, anchored at the host, case-insensitive.
    pub fn remote(pattern: &str) -> PathPattern {
        let normalized = normalize_remote(pattern);
        let mut segments: Vec<Segment> = normalized
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| segment(s, true))
            .collect();
        segments.push(Segment::Any);
        PathPattern {
            text: pattern.trim().to_owned(),
            segments,
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the pattern matches a path already split into segments (see [`split_path`] and
    /// [`normalize_remote`]; remotes must be normalised, which lower-cases them).
    pub fn matches_segments(&self, text: &[&str]) -> bool {
        let pat = &self.segments;
        let (mut p, mut t) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            if p < pat.len() {
                match &pat[p] {
                    Segment::Any => {
                        p += 1;
                        star = Some((p, t));
                        continue;
                    }
                    Segment::One(w) if w.matches(text[t]) => {
                        p += 1;
                        t += 1;
                        continue;
                    }
                    Segment::One(_) => {}
                }
            }
            match star {
                Some((after, stop)) => {
                    star = Some((after, stop + 1));
                    p = after;
                    t = stop + 1;
                }
                None => return false,
            }
        }
        pat[p..].iter().all(|s| *s == Segment::Any)
    }
}

fn segment(s: &str, case_insensitive: bool) -> Segment {
    if s == "**" {
        Segment::Any
    } else {
        Segment::One(Wildcard::new(s, case_insensitive))
    }
}

fn has_drive(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// The segments of a path: `\` counts as `/`, empty and `.` segments are dropped, and `..`
/// removes the segment before it (lexically; the path is never looked up).
pub fn split_path(path: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in path.split(['/', '\\']) {
        match s {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out
}

/// A git remote written as `host/path`: lower case, without scheme, user, password, port,
/// trailing `/` or `.git`. Credentials in a remote URL never survive this, so the result is safe
/// to show.
pub fn normalize_remote(remote: &str) -> String {
    let mut s = remote.trim().to_ascii_lowercase();
    if let Some(i) = s.find("://") {
        s.drain(..i + 3);
    } else if let Some(colon) = s.find(':') {
        // scp-like `user@host:path` (a colon before any slash).
        if s[..colon].find('/').is_none() {
            s.replace_range(colon..=colon, "/");
        }
    }
    let (authority, path) = match s.find('/') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s.as_str(), ""),
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_user, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(host);
    for seg in path.split('/').filter(|p| !p.is_empty()) {
        out.push('/');
        out.push_str(seg);
    }
    while out.ends_with(".git") {
        out.truncate(out.len() - 4);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn w(p: &str, name: &str) -> bool {
        Wildcard::new(p, false).matches(name)
    }

    fn path(p: &str, cwd: &str) -> bool {
        PathPattern::path(p).matches_segments(&split_path(cwd))
    }

    fn remote(p: &str, r: &str) -> bool {
        PathPattern::remote(p).matches_segments(
            &normalize_remote(r)
                .split('/')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn wildcards() {
        assert!(w("gpt-*", "gpt-4o"));
        assert!(w("*", ""));
        assert!(w("*/*", "openrouter/qwen"));
        assert!(!w("gpt-4?", "gpt-4"));
        assert!(w("?", "é"));
        assert!(w("a*b*c", "aXbYbZc"));
        assert!(!w("a*b*c", "aXbYbZ"));
        assert!(Wildcard::new("*@Acme.com", true).matches_folded("Alice@ACME.com"));
        assert!(!Wildcard::new("*@acme.com", false).matches_folded("alice@ACME.com"));
    }

    #[test]
    fn working_directories() {
        assert!(path("/work/acme", "/work/acme"));
        assert!(path("/work/acme", "/work/acme/src/lib"));
        assert!(!path("/work/acme", "/work/acme-other"));
        assert!(!path("/work/acme", "/srv/work/acme"));
        assert!(path("acme-*", "/home/me/src/acme-pay/src"));
        assert!(!path("acme-*", "/home/me/src/acmepay"));
        assert!(path("/home/*/secret", "/home/me/secret/x"));
        assert!(!path("/home/*/secret", "/home/me/deep/secret"));
        assert!(path("/home/**/secret", "/home/me/deep/secret"));
        assert!(path("/home/**/secret", "/home/secret"));
        assert!(path("/work/./acme/", "/work//acme"));
        assert!(path("/work/acme", "/work/other/../acme/src"));
        assert!(path("C:\\work\\acme", "C:/work/acme/src"));
        assert!(!path("/Work/acme", "/work/acme"));
        assert!(path("/", "/anything"));
    }

    #[test]
    fn remotes_in_every_spelling() {
        let spellings = [
            "git@github.com:acme/pay.git",
            "https://github.com/acme/pay",
            "https://github.com/acme/pay.git/",
            "ssh://git@github.com:22/acme/pay.git",
            "https://user:hunter2@GitHub.com/Acme/Pay",
            "git+ssh://git@github.com/acme/pay",
        ];
        for s in spellings {
            assert_eq!(normalize_remote(s), "github.com/acme/pay", "{s}");
            assert!(remote("github.com/acme/pay", s), "{s}");
            assert!(remote("git@github.com:acme/*.git", s), "{s}");
            assert!(remote("github.com/acme", s), "{s}");
            assert!(remote("*/acme/pay", s), "{s}");
            assert!(!remote("github.com/acme/payroll", s), "{s}");
            assert!(!remote("gitlab.com/acme/pay", s), "{s}");
        }
        assert!(remote(
            "gitlab.acme.io/**/secret",
            "git@gitlab.acme.io:a/b/secret.git"
        ));
        assert!(!remote("acme/pay", "git@github.com:acme/pay.git"));
    }

    proptest! {
        #[test]
        fn literal_paths_match_themselves_and_below(
            segs in prop::collection::vec("[a-z0-9._-]{1,6}", 1..5),
            extra in prop::collection::vec("[a-z0-9_-]{1,6}", 0..3),
        ) {
            let segs: Vec<String> = segs.into_iter().filter(|s| s != "." && s != "..").collect();
            prop_assume!(!segs.is_empty());
            let base = format!("/{}", segs.join("/"));
            prop_assert!(path(&base, &base));
            let below = format!("{base}/{}", extra.join("/"));
            prop_assert!(path(&base, &below));
            let parent = format!("/{}", segs[..segs.len() - 1].join("/"));
            if segs.len() > 1 {
                prop_assert!(!path(&base, &parent));
            }
        }

        #[test]
        fn matching_never_panics(p in "[a-z/*?.\\\\é:@-]{0,12}", t in "[a-z/.\\\\é:@-]{0,16}") {
            let _ = path(&p, &t);
            let _ = remote(&p, &t);
            let _ = w(&p, &t);
        }

        #[test]
        fn normalising_is_idempotent(r in "[a-zA-Z0-9:/@._-]{0,24}") {
            let once = normalize_remote(&r);
            prop_assert_eq!(normalize_remote(&once), once.clone());
        }
    }
}
