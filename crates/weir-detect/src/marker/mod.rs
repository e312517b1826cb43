//! Hidden markers: characters and variations in a request's text that carry information a
//! reader would not see.
//!
//! A coding tool can tell its vendor something about its user without any visible field: an
//! invisible character in a system prompt, a run of tag characters spelling a word, an
//! apostrophe in a fixed boilerplate line rendered as U+2019 on some machines and as `'` on
//! others, a date written `14/03/2026` where the tool otherwise writes `2026-03-14`. This
//! module finds such markers in one text (a decoded JSON string value, a header value) given
//! who wrote it ([`Role`]):
//!
//! - [`MarkerKind::Invisible`], [`MarkerKind::Tag`], [`MarkerKind::Bidi`],
//!   [`MarkerKind::VariationSelector`]: characters that show nothing. Tag runs and
//!   variation-selector runs that encode bytes are decoded into [`Marker::hidden`].
//! - [`MarkerKind::UnusualSpace`], [`MarkerKind::Confusable`]: characters that look like
//!   ASCII but are not (no-break spaces, curly apostrophes, Cyrillic letters in a Latin word,
//!   digits of another script among ASCII digits, fullwidth forms).
//! - [`MarkerKind::Boilerplate`]: a known line a tool writes the same way for every user
//!   (`markers/boilerplate.toml`), rendered differently here.
//!
//! Precision is the contract: ordinary uses are not markers. A zero-width joiner inside an
//! emoji sequence, a presentation selector after an emoji, a right-to-left mark in Hebrew or
//! Arabic text, a no-break space where typography puts one (French punctuation, between a
//! number and its unit), an ideographic space or fullwidth forms in CJK text, a byte order
//! mark at the start, curly quotes and dashes in a person's own prose: none is reported.
//! What remains is reported, and [`Marker::deliberate`] says whether it looks placed on
//! purpose (anything invisible in the tool's own text or in plain ASCII text, a look-alike
//! letter inside a Latin word, a foreign digit inside an ASCII number, a minority form in the
//! tool's text, any deviation in a known boilerplate line).
//!
//! Cost: text without non-ASCII bytes and without a boilerplate line's anchor word is passed
//! over at memory speed; each non-ASCII character costs one table lookup.

mod boilerplate;
mod date;
mod hidden;
mod look;
mod script;
mod table;

use std::ops::Range;

use crate::request::Role;

pub use boilerplate::{Lines, LinesError};

use table::{Class, Info};

/// What a marker is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarkerKind {
    /// Zero-width and other invisible or format characters (ZWSP, ZWJ, word joiner, soft
    /// hyphen, Hangul fillers, a byte order mark not at the start, ...).
    Invisible,
    /// Unicode tag characters (U+E0000..U+E007F), which can spell hidden ASCII text.
    Tag,
    /// Bidirectional controls (embeddings, overrides, isolates, LRM/RLM/ALM).
    Bidi,
    /// Variation selectors (VS1..VS256), alone where they select nothing or in a run that
    /// encodes bytes.
    VariationSelector,
    /// A space other than U+0020 (no-break, thin, ideographic, ...) where nothing calls
    /// for one.
    UnusualSpace,
    /// A visible look-alike of ASCII: a curly apostrophe, a dash, a digit of another script, a
    /// Cyrillic or Greek letter in a Latin word, a fullwidth form.
    Confusable,
    /// A known boilerplate line rendered differently from how its tool writes it.
    Boilerplate,
}

impl MarkerKind {
    /// Every kind, in a fixed order.
    pub const ALL: [MarkerKind; 7] = [
        MarkerKind::Invisible,
        MarkerKind::Tag,
        MarkerKind::Bidi,
        MarkerKind::VariationSelector,
        MarkerKind::UnusualSpace,
        MarkerKind::Confusable,
        MarkerKind::Boilerplate,
    ];

    /// The kind's name in reports and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerKind::Invisible => "invisible",
            MarkerKind::Tag => "tag",
            MarkerKind::Bidi => "bidi",
            MarkerKind::VariationSelector => "variation-selector",
            MarkerKind::UnusualSpace => "unusual-space",
            MarkerKind::Confusable => "confusable",
            MarkerKind::Boilerplate => "boilerplate",
        }
    }

    /// Whether the marker's characters show nothing at all, so that [`strip`] removes them.
    pub fn is_hidden(self) -> bool {
        matches!(
            self,
            MarkerKind::Invisible
                | MarkerKind::Tag
                | MarkerKind::Bidi
                | MarkerKind::VariationSelector
        )
    }
}

impl std::fmt::Display for MarkerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One marker: a run of consecutive characters of one kind, or one deviating part of a
/// boilerplate line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// What it is made of.
    pub kind: MarkerKind,
    /// Its byte range in the scanned text (on character boundaries).
    pub span: Range<usize>,
    /// The characters in `span`, in order.
    pub code_points: Vec<char>,
    /// Whether it looks placed on purpose rather than typed or pasted.
    pub deliberate: bool,
    /// One sentence a person understands: which characters, where, and why they matter.
    pub why: String,
    /// What [`normalize`] puts in its place; `None` removes it.
    pub plain: Option<String>,
    /// What it spells, when it encodes text (tag characters, variation-selector bytes).
    pub hidden: Option<String>,
}

/// Appends to `out` the markers in `text`, written by `role`, in text order. Uses the
/// built-in boilerplate lines.
pub fn scan(text: &str, role: Role, out: &mut Vec<Marker>) {
    scan_with(Lines::builtin(), text, role, out);
}

/// [`scan`] with another table of boilerplate lines (the built-in one plus an
/// organisation's, or a test's).
pub fn scan_with(lines: &Lines, text: &str, role: Role, out: &mut Vec<Marker>) {
    let first = out.len();
    let matched = lines.scan(text, role, out);
    if next_non_ascii(text.as_bytes(), 0).is_none() {
        return;
    }
    let hits = hits(text, &out[first..]);
    if !hits.is_empty() {
        let ctx = Ctx { text, role };
        let mut look = look::Look::new(&ctx, &hits);
        let mut i = 0;
        while i < hits.len() {
            let mut j = i + 1;
            while j < hits.len()
                && hits[j].at == hits[j - 1].end()
                && family(hits[j].info.class) == family(hits[i].info.class)
            {
                j += 1;
            }
            let run = &hits[i..j];
            let marker = match run[0].info.class {
                Class::Invisible | Class::Tag | Class::Bidi(_) | Class::Selector => {
                    hidden::decide(&ctx, run)
                }
                _ => look.decide(run),
            };
            out.extend(marker);
            i = j;
        }
    }
    let found = &mut out[first..];
    for m in found.iter_mut() {
        if m.kind != MarkerKind::Boilerplate {
            if let Some(line) = matched
                .iter()
                .find(|l| l.span.start <= m.span.start && m.span.end <= l.span.end)
            {
                m.deliberate = true;
                m.why.push_str(&format!(", inside {}", line.name));
            }
        }
    }
    found.sort_by_key(|m| m.span.start);
    merge_adjacent(out, first);
}

/// Joins markers of one kind that touch (a Cyrillic letter followed by a Greek one).
fn merge_adjacent(out: &mut Vec<Marker>, first: usize) {
    let mut w = first;
    for r in first..out.len() {
        if w > first && out[w - 1].kind == out[r].kind && out[w - 1].span.end == out[r].span.start {
            let m = out[r].clone();
            let prev = &mut out[w - 1];
            prev.span.end = m.span.end;
            prev.code_points.extend(m.code_points);
            prev.deliberate |= m.deliberate;
            if prev.why != m.why {
                prev.why = format!("{}; {}", prev.why, m.why);
            }
            prev.plain = join(prev.plain.take(), m.plain);
            prev.hidden = join(prev.hidden.take(), m.hidden);
        } else {
            out.swap(w, r);
            w += 1;
        }
    }
    out.truncate(w);
}

fn join(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or_default() + &b.unwrap_or_default()),
    }
}

/// `text` without the characters that show nothing: the spans of invisible, tag, bidi and
/// variation-selector markers are removed, everything else is kept byte for byte. Markers
/// must come from scanning this same `text`; ones that overlap an earlier one or do not fall
/// on character boundaries are ignored.
pub fn strip(text: &str, markers: &[Marker]) -> String {
    rewrite(text, markers, |m| m.kind.is_hidden().then_some(""))
}

/// `text` as a reader would understand it, with no channel left: like [`strip`], and every
/// other marker replaced by its plain form (an ASCII apostrophe, a space, an ASCII digit, the
/// Latin letter, the tool's own rendering of a boilerplate date).
pub fn normalize(text: &str, markers: &[Marker]) -> String {
    rewrite(text, markers, |m| Some(m.plain.as_deref().unwrap_or("")))
}

fn rewrite<'m>(
    text: &str,
    markers: &'m [Marker],
    with: impl Fn(&'m Marker) -> Option<&'m str>,
) -> String {
    let edits: Vec<(Range<usize>, &str)> = markers
        .iter()
        .filter_map(|m| Some((m.span.clone(), with(m)?)))
        .collect();
    crate::texts::replace_spans(text, &edits).0
}

/// The first byte at or after `from` that is not ASCII. Word-at-a-time, so ASCII text costs
/// about as much as reading it.
fn next_non_ascii(b: &[u8], from: usize) -> Option<usize> {
    const CHUNK: usize = 32;
    let mut i = from;
    while i + CHUNK <= b.len() {
        if !b[i..i + CHUNK].is_ascii() {
            break;
        }
        i += CHUNK;
    }
    b[i..].iter().position(|&c| c >= 0x80).map(|p| i + p)
}

/// A listed character found in the text.
#[derive(Debug, Clone, Copy)]
struct Hit {
    at: usize,
    c: char,
    info: Info,
}

impl Hit {
    fn end(&self) -> usize {
        self.at + self.c.len_utf8()
    }
}

/// Every listed character in `text`, except those inside a boilerplate marker already found.
fn hits(text: &str, found: &[Marker]) -> Vec<Hit> {
    let b = text.as_bytes();
    let mut hits = Vec::new();
    let mut i = 0;
    while let Some(start) = next_non_ascii(b, i) {
        // Walk the run of non-ASCII characters, then skip ahead to the next one.
        let mut at = start;
        for c in text[start..].chars() {
            if c.is_ascii() {
                break;
            }
            if let Some(info) = table::lookup(c) {
                if !found.iter().any(|m| m.span.start <= at && at < m.span.end) {
                    hits.push(Hit { at, c, info });
                }
            }
            at += c.len_utf8();
        }
        i = at;
    }
    hits
}

/// Characters of one family next to each other form one run, decided on together.
fn family(class: Class) -> Class {
    match class {
        Class::Bidi(_) => Class::Bidi(table::Bidi::Mark),
        c => c,
    }
}

/// How far around a character the surroundings are looked at, in bytes, within its line.
const WINDOW: usize = 96;

/// The text being scanned, with the questions the rules ask about a place in it.
struct Ctx<'a> {
    text: &'a str,
    role: Role,
}

impl Ctx<'_> {
    /// Whether the text is the tool's own (its instructions, or request metadata), where
    /// nothing a person typed explains an unusual character.
    fn tool_text(&self) -> bool {
        matches!(self.role, Role::System | Role::Meta)
    }

    fn prev(&self, at: usize) -> Option<char> {
        self.text[..at].chars().next_back()
    }

    fn next(&self, at: usize) -> Option<char> {
        self.text[at..].chars().next()
    }

    /// Whether some character around `span` on its line, up to [`WINDOW`] bytes each side,
    /// satisfies `f`. Nearest characters first: an ordinary use is usually told by a
    /// neighbour, so the common answer costs a character or two.
    fn around_any(&self, span: &Range<usize>, f: impl Fn(char) -> bool) -> bool {
        // A line ends at a newline or at a line or paragraph separator (which normalize
        // turns into newlines).
        let line_break = |c: char| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}');
        let mut n = 0;
        for c in self.text[..span.start].chars().rev() {
            n += c.len_utf8();
            if n > WINDOW || line_break(c) {
                break;
            }
            if f(c) {
                return true;
            }
        }
        n = 0;
        for c in self.text[span.end..].chars() {
            n += c.len_utf8();
            if n > WINDOW || line_break(c) {
                break;
            }
            if f(c) {
                return true;
            }
        }
        false
    }

    /// Whether the words around `span` are plain ASCII (no letter of another script), so no
    /// script explains an unusual character there.
    fn plain_around(&self, span: &Range<usize>) -> bool {
        !self.around_any(span, script::is_script_letter)
    }

    /// Whether a hidden character at `span` looks placed on purpose: in the tool's own text,
    /// or among plain ASCII words.
    fn deliberate(&self, span: &Range<usize>) -> bool {
        self.tool_text() || self.plain_around(span)
    }

    /// Where `span` is, for the end of a `why` sentence.
    fn place(&self, span: &Range<usize>) -> &'static str {
        match self.role {
            Role::System => "in the tool's own instructions",
            Role::Meta => "in request metadata",
            _ if self.plain_around(span) => "in plain ASCII text",
            _ => "in text whose script does not use it",
        }
    }
}

/// `a U+0061, b U+0062`: the distinct characters of a run, named.
fn names(chars: &[char]) -> String {
    let mut seen: Vec<char> = Vec::new();
    for &c in chars {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    let mut out: Vec<String> = seen.iter().take(4).map(|&c| table::describe(c)).collect();
    if seen.len() > 4 {
        out.push(format!("{} more", seen.len() - 4));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_non_ascii_across_chunks() {
        let mut s = "a".repeat(100);
        assert_eq!(next_non_ascii(s.as_bytes(), 0), None);
        s.push('é');
        s.push_str(&"b".repeat(40));
        assert_eq!(next_non_ascii(s.as_bytes(), 0), Some(100));
        assert_eq!(next_non_ascii(s.as_bytes(), 102), None);
        assert_eq!(next_non_ascii("xé".as_bytes(), 0), Some(1));
    }

    #[test]
    fn kinds_have_kebab_names() {
        let names: Vec<_> = MarkerKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "invisible",
                "tag",
                "bidi",
                "variation-selector",
                "unusual-space",
                "confusable",
                "boilerplate"
            ]
        );
    }
}
