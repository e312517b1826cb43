//! Boilerplate lines: text a coding tool writes into every request in the same words and the
//! same punctuation for every user (a date line, an environment header), so that any other
//! rendering of it is a channel.
//!
//! The lines are data (`markers/boilerplate.toml`, `[[line]]` tables): a new tool's line is a
//! new entry. Each line's `text` is how the tool writes it, with holes: `{date}` (a date,
//! checked against the forms in `dates`) and `{any}` (anything, not checked). A line is found
//! by its longest ASCII word (the anchor), matched with look-alikes folded to their plain
//! forms (so `Today’s` still matches `Today's`), and every character that differs from the
//! tool's rendering is a [`MarkerKind::Boilerplate`] marker. Outside the tool's own text
//! (system prompt, metadata) a line counts only in a text that also holds one of its `within`
//! strings, the block the tool wraps it in, so a person who types the same sentence with a
//! curly apostrophe is not reported.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use serde::Deserialize;

use super::table::{self, Class};
use super::{Marker, MarkerKind, date, names};
use crate::request::Role;

/// Why a table of boilerplate lines could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinesError {
    /// The file is not valid TOML or has unknown fields.
    #[error("{file}: {message}")]
    Toml {
        /// The file's name.
        file: String,
        /// What the parser said.
        message: String,
    },
    /// A line's text, anchor or date forms are unusable.
    #[error("{file}: line {id:?}: {message}")]
    Line {
        /// The file's name.
        file: String,
        /// The line's id.
        id: String,
        /// What is wrong.
        message: String,
    },
}

/// One line as written in the table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct LineSpec {
    id: String,
    tools: Vec<String>,
    text: String,
    #[serde(default)]
    dates: Vec<String>,
    #[serde(default)]
    within: Vec<String>,
    #[serde(default)]
    anchor: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    #[serde(default)]
    line: Vec<LineSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Lit(String),
    Date,
    Any,
}

#[derive(Debug)]
struct Shape {
    spec: LineSpec,
    parts: Vec<Part>,
    /// Over the folded line: one group per part.
    regex: regex::Regex,
    /// Literal characters: the more, the more specific.
    weight: usize,
    /// The longest ASCII word of its text, by which it is found.
    anchor: String,
    /// The word the line starts with, when it starts with a literal: a line that does not
    /// start with it (spaces aside) is not this line, and is not matched further.
    lead: String,
}

/// A compiled table of boilerplate lines.
#[derive(Debug)]
pub struct Lines {
    shapes: Vec<Shape>,
    /// Any shape's anchor word, on raw text.
    anchors: Option<regex::bytes::Regex>,
    /// Each anchor word and the shapes it finds.
    words: Vec<(String, Vec<usize>)>,
    /// Any shape's `within` string: outside the tool's own text, a text without one holds no
    /// line of the table.
    blocks: Option<memchr::memmem::Finder<'static>>,
    /// Every `within` string, when there are several distinct ones.
    block_set: Option<regex::bytes::Regex>,
}

/// A boilerplate line found in a text.
#[derive(Debug, Clone)]
pub(super) struct Matched {
    /// The line's byte range in the text.
    pub span: Range<usize>,
    /// How reports name it: `the boilerplate line "..." (tool, tool)`.
    pub name: String,
}

static BUILTIN: LazyLock<Lines> = LazyLock::new(|| {
    Lines::parse(
        "boilerplate.toml",
        include_str!("../../markers/boilerplate.toml"),
    )
    .expect("the built-in boilerplate table is valid (checked by its unit test)")
});

impl Lines {
    /// The lines that ship with weir (`markers/boilerplate.toml`).
    pub fn builtin() -> &'static Lines {
        &BUILTIN
    }

    /// Loads a table written like `markers/boilerplate.toml`; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Lines, LinesError> {
        let spec: FileSpec = toml::from_str(text).map_err(|e| LinesError::Toml {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        let mut shapes: Vec<Shape> = Vec::new();
        for line in spec.line {
            let err = |message: String| LinesError::Line {
                file: file.to_owned(),
                id: line.id.clone(),
                message,
            };
            let parts = parts(&line.text).map_err(err)?;
            let longest = parts
                .iter()
                .filter_map(|p| match p {
                    Part::Lit(s) => Some(s),
                    _ => None,
                })
                .flat_map(|s| s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
                .max_by_key(|w| w.len())
                .unwrap_or("")
                .to_owned();
            let anchor = line.anchor.clone().unwrap_or(longest);
            if anchor.len() < 3
                || !anchor
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_')
            {
                return Err(err(
                    "needs a word of three or more ASCII letters, digits or underscores to be found by"
                        .into(),
                ));
            }
            if !parts
                .iter()
                .any(|p| matches!(p, Part::Lit(s) if s.contains(anchor.as_str())))
            {
                return Err(err(format!("its anchor {anchor:?} is not in its text")));
            }
            for form in &line.dates {
                if form != "any" && !valid_form(form) {
                    return Err(err(format!(
                        "date form {form:?} does not read back as itself"
                    )));
                }
            }
            if !line.dates.is_empty() && !parts.contains(&Part::Date) {
                return Err(err("has date forms but no {date} in its text".into()));
            }
            let mut pattern = String::from(r"^[ \t]*");
            for p in &parts {
                match p {
                    Part::Lit(s) => {
                        let words: Vec<String> = s.split(' ').map(regex::escape).collect();
                        pattern.push('(');
                        pattern.push_str(&words.join(" +"));
                        pattern.push(')');
                    }
                    Part::Date => pattern.push_str("(.+?)"),
                    Part::Any => pattern.push_str("(.*?)"),
                }
            }
            pattern.push_str(r"[ \t\r]*$");
            let regex = regex::Regex::new(&pattern).map_err(|e| err(e.to_string()))?;
            let lead = match parts.first() {
                Some(Part::Lit(s)) => s
                    .trim_start()
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .next()
                    .unwrap_or("")
                    .to_owned(),
                _ => String::new(),
            };
            let weight = parts
                .iter()
                .map(|p| match p {
                    Part::Lit(s) => s.len(),
                    _ => 0,
                })
                .sum();
            if shapes.iter().any(|s| s.spec.id == line.id) {
                return Err(err("the id is used twice".into()));
            }
            shapes.push(Shape {
                spec: line,
                parts,
                regex,
                weight,
                anchor,
                lead,
            });
        }
        let mut words: Vec<(String, Vec<usize>)> = Vec::new();
        for (k, shape) in shapes.iter().enumerate() {
            match words.iter_mut().find(|(w, _)| *w == shape.anchor) {
                Some((_, ks)) => ks.push(k),
                None => words.push((shape.anchor.clone(), vec![k])),
            }
        }
        // Longest first, so that of two anchors starting at one place the longer is found.
        words.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let anchors = if words.is_empty() {
            None
        } else {
            let alternation: Vec<String> = words.iter().map(|(w, _)| regex::escape(w)).collect();
            Some(
                regex::bytes::Regex::new(&alternation.join("|")).map_err(|e| LinesError::Toml {
                    file: file.to_owned(),
                    message: e.to_string(),
                })?,
            )
        };
        let mut within: Vec<&str> = shapes
            .iter()
            .flat_map(|s| s.spec.within.iter().map(String::as_str))
            .collect();
        within.sort();
        within.dedup();
        let (blocks, block_set) = match within[..] {
            [] => (None, None),
            [one] => (
                Some(memchr::memmem::Finder::new(one.as_bytes()).into_owned()),
                None,
            ),
            _ => {
                let alternation: Vec<String> = within.iter().map(|w| regex::escape(w)).collect();
                let re = regex::bytes::Regex::new(&alternation.join("|")).map_err(|e| {
                    LinesError::Toml {
                        file: file.to_owned(),
                        message: e.to_string(),
                    }
                })?;
                (None, Some(re))
            }
        };
        Ok(Lines {
            shapes,
            anchors,
            words,
            blocks,
            block_set,
        })
    }

    /// Whether `b` holds any line's `within` string.
    fn holds_a_block(&self, b: &[u8]) -> bool {
        match (&self.blocks, &self.block_set) {
            (Some(one), _) => one.find(b).is_some(),
            (_, Some(set)) => set.is_match(b),
            _ => false,
        }
    }

    /// The ids of the lines in the table, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.shapes.iter().map(|s| s.spec.id.as_str())
    }

    /// Finds the table's lines in `text`, appends a marker for every deviation from how the
    /// tool writes them, and returns the lines found.
    pub(super) fn scan(&self, text: &str, role: Role, out: &mut Vec<Marker>) -> Vec<Matched> {
        let mut found = Vec::new();
        let Some(anchors) = &self.anchors else {
            return found;
        };
        let tool_text = matches!(role, Role::System | Role::Meta);
        let b = text.as_bytes();
        if !tool_text && !self.holds_a_block(b) {
            return found;
        }
        // Per shape, whether the text holds one of its `within` strings (asked once).
        let mut within: Vec<Option<bool>> = vec![None; self.shapes.len()];
        let mut holds = |k: usize| {
            *within[k].get_or_insert_with(|| {
                self.shapes[k]
                    .spec
                    .within
                    .iter()
                    .any(|w| memchr::memmem::find(b, w.as_bytes()).is_some())
            })
        };
        let mut hits = anchors.find_iter(b).peekable();
        let mut candidates: Vec<usize> = Vec::new();
        while let Some(hit) = hits.next() {
            let start = memchr::memrchr(b'\n', &b[..hit.start()]).map_or(0, |p| p + 1);
            let end = memchr::memchr(b'\n', &b[hit.end()..]).map_or(b.len(), |p| hit.end() + p);
            // The shapes that could be this line: those of every anchor word in it that,
            // outside the tool's own text, have their block in the text.
            candidates.clear();
            let mut word = hit.as_bytes();
            loop {
                if let Some((_, ks)) = self.words.iter().find(|(w, _)| w.as_bytes() == word) {
                    for &k in ks {
                        if !candidates.contains(&k) && (tool_text || holds(k)) {
                            candidates.push(k);
                        }
                    }
                }
                match hits.next_if(|h| h.start() < end) {
                    Some(h) => word = h.as_bytes(),
                    None => break,
                }
            }
            let line = &text[start..end];
            if candidates.is_empty() || line.len() > MAX_LINE {
                continue;
            }
            let (folded, map) = fold(line);
            let view = Line {
                line,
                offset: start,
                folded: &folded,
                map: map.as_deref(),
            };
            // Of the shapes that match, the one whose block is in the text, then the one the
            // line deviates from least (two tools may write the same words with other dates),
            // then the most specific.
            let mut best: Option<(Rank, usize, Vec<Marker>)> = None;
            let text_start = folded.trim_start_matches([' ', '\t']);
            for &k in &candidates {
                let shape = &self.shapes[k];
                if !text_start.starts_with(shape.lead.as_str()) {
                    continue;
                }
                let in_block = holds(k);
                let Some(caps) = shape.regex.captures(&folded) else {
                    continue;
                };
                let markers = view.check(shape, &caps, text);
                let rank = (in_block, usize::MAX - markers.len(), shape.weight);
                if best.as_ref().is_none_or(|(r, _, _)| *r < rank) {
                    best = Some((rank, k, markers));
                }
            }
            if let Some((_, k, markers)) = best {
                out.extend(markers);
                found.push(Matched {
                    span: start..end,
                    name: self.shapes[k].name(),
                });
            }
        }
        found
    }
}

/// How well a shape fits a line: its block is in the text, fewer deviations (as
/// `usize::MAX - n`), more literal characters. Higher is better.
type Rank = (bool, usize, usize);

/// Lines longer than this are not boilerplate lines (they hold a pasted file or a minified
/// script), and are not folded and matched.
const MAX_LINE: usize = 4096;

impl Shape {
    fn name(&self) -> String {
        format!(
            "the boilerplate line {:?} ({})",
            self.spec.text,
            self.spec.tools.join(", ")
        )
    }
}

/// A character of a boilerplate line rendered otherwise: its byte range in the text and the
/// tool's rendering (empty for an extra character).
struct Deviation {
    span: Range<usize>,
    plain: String,
}

/// One matched line: the raw line, where it starts in the text, and its folded form with a
/// map from each folded byte to the raw byte (within the line) it came from (`None`: the
/// line is ASCII and folds to itself).
struct Line<'a> {
    line: &'a str,
    offset: usize,
    folded: &'a str,
    map: Option<&'a [usize]>,
}

impl Line<'_> {
    /// The markers for every way this line, matched by `shape`, deviates from it.
    fn check(&self, shape: &Shape, caps: &regex::Captures, text: &str) -> Vec<Marker> {
        let name = shape.name();
        let mut out = Vec::new();
        let mut devs = Vec::new();
        for (i, part) in shape.parts.iter().enumerate() {
            let Some(g) = caps.get(i + 1) else {
                continue;
            };
            match part {
                Part::Lit(lit) => self.literal(lit, g.range(), &mut devs),
                Part::Date => {
                    if let Some(m) = self.date(&shape.spec.dates, g.range(), &name) {
                        out.push(m);
                    } else if !shape.spec.dates.iter().any(|f| f == "any") {
                        self.literal_chars(g.range(), &mut devs);
                    }
                }
                Part::Any => {}
            }
        }
        push_deviations(text, devs, &name, &mut out);
        out.sort_by_key(|m| m.span.start);
        out
    }

    /// The raw character a folded byte came from, and its range in the text.
    fn raw(&self, folded_at: usize) -> (char, Range<usize>) {
        let at = self.map.map_or(folded_at, |m| m[folded_at]);
        let c = self.line[at..].chars().next().unwrap_or(' ');
        (c, self.offset + at..self.offset + at + c.len_utf8())
    }

    /// Compares the folded range `r` with the literal `lit` (one space in `lit` stands for
    /// a run of spaces in the line): a raw character other than the literal's, or a second
    /// space, is a deviation.
    fn literal(&self, lit: &str, r: Range<usize>, devs: &mut Vec<Deviation>) {
        let mut folded = self.folded[r.clone()].char_indices().peekable();
        for want in lit.chars() {
            let Some((off, _)) = folded.next() else {
                return;
            };
            let (raw, span) = self.raw(r.start + off);
            if raw != want {
                devs.push(Deviation {
                    span,
                    plain: want.to_string(),
                });
            }
            if want == ' ' {
                while let Some(&(off, ' ')) = folded.peek() {
                    folded.next();
                    let (_, span) = self.raw(r.start + off);
                    devs.push(Deviation {
                        span,
                        plain: String::new(),
                    });
                }
            }
        }
    }

    /// Every folded character in `r` whose raw form differs (a foreign digit in a date).
    fn literal_chars(&self, r: Range<usize>, devs: &mut Vec<Deviation>) {
        for (off, want) in self.folded[r.clone()].char_indices() {
            let (raw, span) = self.raw(r.start + off);
            if raw != want {
                devs.push(Deviation {
                    span,
                    plain: want.to_string(),
                });
            }
        }
    }

    /// A marker for a date in a form the tool does not write, over the whole date; `None`
    /// when the date is in one of `forms` (or any form is allowed, or it is not a date).
    fn date(&self, forms: &[String], r: Range<usize>, name: &str) -> Option<Marker> {
        if forms.is_empty() || forms.iter().any(|f| f == "any") {
            return None;
        }
        let text = &self.folded[r.clone()];
        let reading = date::read(text)?;
        if forms.iter().any(|f| date::is_in(text, f)) {
            return None;
        }
        let first = self.raw(r.start).1;
        let last = self.raw(r.end - 1).1;
        let span = first.start..last.end;
        let raw = &self.line[span.start - self.offset..span.end - self.offset];
        let plain = reading
            .ymd
            .map(|ymd| date::render(&forms[0], ymd))
            .unwrap_or_else(|| raw.to_owned());
        Some(Marker {
            kind: MarkerKind::Boilerplate,
            code_points: raw.chars().collect(),
            deliberate: true,
            why: format!(
                "date written in the form {} where {name} writes {}",
                reading.form, forms[0]
            ),
            plain: Some(plain),
            hidden: None,
            span,
        })
    }
}

/// Turns deviations into markers, one per run of adjacent ones.
fn push_deviations(text: &str, devs: Vec<Deviation>, name: &str, out: &mut Vec<Marker>) {
    let mut i = 0;
    while i < devs.len() {
        let mut j = i + 1;
        while j < devs.len() && devs[j].span.start == devs[j - 1].span.end {
            j += 1;
        }
        let run = &devs[i..j];
        let span = run[0].span.start..run[run.len() - 1].span.end;
        let chars: Vec<char> = text[span.clone()].chars().collect();
        let plain: String = run.iter().map(|d| d.plain.as_str()).collect();
        let want = if plain.is_empty() {
            "nothing".to_owned()
        } else {
            plain_name(&plain)
        };
        out.push(Marker {
            kind: MarkerKind::Boilerplate,
            why: format!("{} in place of {want} in {name}", names(&chars)),
            code_points: chars,
            deliberate: true,
            plain: Some(plain),
            hidden: None,
            span,
        });
        i = j;
    }
}

/// How a report names the plain form a deviation stands in for.
fn plain_name(plain: &str) -> String {
    match plain {
        "'" => "an ASCII apostrophe".into(),
        "\"" => "an ASCII quotation mark".into(),
        "-" => "an ASCII hyphen".into(),
        " " => "a space".into(),
        p => format!("{p:?}"),
    }
}

/// The line with every listed character replaced by its plain form (hidden ones removed),
/// and for each byte of the result the raw byte it came from; an ASCII line is its own fold.
fn fold(line: &str) -> (Cow<'_, str>, Option<Vec<usize>>) {
    if line.is_ascii() {
        return (Cow::Borrowed(line), None);
    }
    let mut folded = String::with_capacity(line.len());
    let mut map = Vec::with_capacity(line.len());
    for (i, c) in line.char_indices() {
        let out = match table::lookup(c) {
            None => Some(c),
            Some(info) => match info.class {
                Class::Invisible | Class::Tag | Class::Bidi(_) | Class::Selector => None,
                _ => info.plain,
            },
        };
        if let Some(o) = out {
            folded.push(o);
            map.extend(std::iter::repeat_n(i, o.len_utf8()));
        }
    }
    (Cow::Owned(folded), Some(map))
}

/// Splits a line's text into literal parts and holes.
fn parts(text: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Lit(rest[..open].to_owned()));
        }
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| "an unclosed '{'".to_owned())?
            + open;
        parts.push(match &rest[open + 1..close] {
            "date" => Part::Date,
            "any" => Part::Any,
            other => {
                return Err(format!(
                    "unknown hole {{{other}}} (known: {{date}}, {{any}})"
                ));
            }
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Lit(rest.to_owned()));
    }
    if parts
        .windows(2)
        .any(|w| !matches!(w[0], Part::Lit(_)) && !matches!(w[1], Part::Lit(_)))
    {
        return Err("two holes next to each other cannot be told apart".into());
    }
    Ok(parts)
}

/// Whether a date form reads back as itself.
fn valid_form(form: &str) -> bool {
    let sample = date::render(form, (2026, 3, 14));
    form.contains("YYYY") && date::is_in(&sample, form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_loads() {
        let lines = Lines::builtin();
        assert!(lines.ids().count() > 0);
    }

    #[test]
    fn rejects_bad_lines() {
        let bad = |t: &str| Lines::parse("t.toml", t).unwrap_err().to_string();
        assert!(bad("[[line]]\nid='x'\ntools=['t']\ntext='{date}'\n").contains("three or more"));
        assert!(
            bad("[[line]]\nid='x'\ntools=['t']\ntext='Date {when}'\n").contains("unknown hole")
        );
        assert!(
            bad("[[line]]\nid='x'\ntools=['t']\ntext='Today {date}'\ndates=['DD-QQ']\n")
                .contains("read back")
        );
        assert!(
            bad("[[line]]\nid='x'\ntools=['t']\ntext='Today {any}{date}'\n")
                .contains("next to each other")
        );
        assert!(bad("[[line]]\nid='x'\ntools=['t']\ntext='Today'\nextra=1\n").contains("t.toml"));
    }

    #[test]
    fn folds_with_a_map() {
        let (f, map) = fold("a\u{2019}b\u{200B}c");
        assert_eq!(f, "a'bc");
        assert_eq!(map, Some(vec![0, 1, 4, 8]));
        assert_eq!(fold("plain").1, None);
    }
}
