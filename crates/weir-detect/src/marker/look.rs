//! Visible look-alikes of ASCII: unusual spaces, quote and dash look-alikes, digits of other
//! scripts, letters of other scripts, fullwidth forms. Each is ordinary somewhere (a no-break
//! space before a French colon, Arabic-Indic digits in Arabic text, fullwidth forms in
//! Japanese, curly quotes in anyone's prose) and a marker elsewhere (a Cyrillic `а` inside
//! `pаypal`, a `٣` inside `2026-0٣-14`, one `’` in instructions that write `'` everywhere
//! else).

use std::ops::Range;

use super::table::{self, Class, Punct};
use super::{Ctx, Hit, Marker, MarkerKind, names, script};

/// The look-alike rules over one text; counts of plain and other forms are taken once per
/// paragraph, when first needed.
pub(super) struct Look<'a> {
    ctx: &'a Ctx<'a>,
    hits: &'a [Hit],
    slots: Vec<(Range<usize>, Slots)>,
}

/// How often a paragraph of the tool's text writes an apostrophe inside a word, and a hyphen
/// inside a word or before a number, in plain ASCII and in another form.
///
/// Counted per paragraph, not per text: a tool's instructions are assembled from parts
/// written at different times, and one part written with curly apostrophes throughout is that
/// part's style, the same for every user. A curly apostrophe in a paragraph that otherwise
/// writes ASCII ones is the odd one out.
#[derive(Debug, Default)]
struct Slots {
    apostrophe: [usize; 2],
    hyphen: [usize; 2],
    bullet: [usize; 2],
}

/// A place where the plain form and its look-alikes do the same job.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Apostrophe,
    Hyphen,
    /// A dash opening a list item: `- item`.
    Bullet,
}

impl<'a> Look<'a> {
    pub(super) fn new(ctx: &'a Ctx<'a>, hits: &'a [Hit]) -> Self {
        Look {
            ctx,
            hits,
            slots: Vec::new(),
        }
    }

    /// The marker a run of look-alikes makes, if it is one.
    pub(super) fn decide(&mut self, run: &[Hit]) -> Option<Marker> {
        let span = run[0].at..run[run.len() - 1].end();
        let chars = || -> Vec<char> { run.iter().map(|h| h.c).collect() };
        let plain = || -> String { run.iter().filter_map(|h| h.info.plain).collect() };
        let ctx = self.ctx;
        let (kind, deliberate, why) = match run[0].info.class {
            Class::Space => {
                if self.ordinary_space(&span, run) {
                    return None;
                }
                let why = format!(
                    "{} where an ordinary space belongs, {}",
                    names(&chars()),
                    ctx.place(&span)
                );
                (MarkerKind::UnusualSpace, ctx.tool_text(), why)
            }
            Class::Punct(p) => {
                if !ctx.tool_text() {
                    return None;
                }
                let slot = slot(p, ctx.text, &span)?;
                let [plain_n, other_n] = self.slots(span.start).count(slot);
                if plain_n == 0 || other_n > plain_n {
                    return None;
                }
                let (job, form) = match slot {
                    Slot::Apostrophe => ("an apostrophe", "ASCII apostrophes"),
                    Slot::Hyphen => ("a hyphen", "ASCII hyphens"),
                    Slot::Bullet => ("a list bullet", "ASCII hyphens as bullets"),
                };
                let why = format!(
                    "{} in place of {job} {}, in a paragraph that otherwise writes {form} ({plain_n} of them)",
                    names(&chars()),
                    ctx.place(&span)
                );
                (MarkerKind::Confusable, true, why)
            }
            Class::Digit => {
                let number = number_around(ctx.text, &span);
                if ctx.text[number].bytes().any(|b| b.is_ascii_digit()) {
                    let why = format!("{} among the ASCII digits of one number", names(&chars()));
                    (MarkerKind::Confusable, true, why)
                } else if ctx
                    .around_any(&span, |c| script::is_script_letter(c) || script::is_cjk(c))
                {
                    return None;
                } else {
                    let why = format!(
                        "{} where ASCII digits are expected, {}",
                        names(&chars()),
                        ctx.place(&span)
                    );
                    (MarkerKind::Confusable, ctx.tool_text(), why)
                }
            }
            Class::Letter => {
                let word = word_around(ctx.text, &span);
                let (mut latin, mut other, mut lookalike_script) = (0, 0, false);
                for c in ctx.text[word.clone()].chars() {
                    match table::lookup(c).map(|i| i.class) {
                        Some(Class::Letter) => {
                            lookalike_script |= !matches!(c as u32, 0x1D400..=0x1D7FF)
                        }
                        Some(_) => {}
                        None if script::is_latin_letter(c) => latin += 1,
                        None if c.is_alphabetic() => other += 1,
                        None => {}
                    }
                }
                if other > 0 {
                    return None;
                }
                if latin > 0 {
                    let why = format!(
                        "{} in place of Latin '{}' inside an otherwise Latin word",
                        names(&chars()),
                        plain()
                    );
                    (MarkerKind::Confusable, true, why)
                } else if ctx.plain_around(&word) {
                    let why = format!(
                        "a word written with look-alikes of Latin letters ({}) {}",
                        names(&chars()),
                        ctx.place(&span)
                    );
                    (
                        MarkerKind::Confusable,
                        ctx.tool_text() || lookalike_script,
                        why,
                    )
                } else {
                    return None;
                }
            }
            _ => {
                if ctx.around_any(&span, script::is_cjk) {
                    return None;
                }
                let touches_ascii = ctx
                    .prev(span.start)
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                    || ctx
                        .next(span.end)
                        .is_some_and(|c| c.is_ascii_alphanumeric());
                let why = format!(
                    "{} outside CJK text, where the ASCII form '{}' is expected, {}",
                    names(&chars()),
                    plain(),
                    ctx.place(&span)
                );
                (
                    MarkerKind::Confusable,
                    ctx.tool_text() || touches_ascii,
                    why,
                )
            }
        };
        Some(Marker {
            kind,
            span,
            code_points: chars(),
            deliberate,
            why,
            plain: Some(plain()),
            hidden: None,
        })
    }

    /// Whether an unusual space is doing a typographic job: a no-break or thin space where
    /// typography puts one, an ideographic space in CJK text, an Ogham or braille blank among
    /// its own script.
    fn ordinary_space(&self, span: &Range<usize>, run: &[Hit]) -> bool {
        let ctx = self.ctx;
        let prev = ctx.prev(span.start);
        let next = ctx.next(span.end);
        let either = |f: &dyn Fn(char) -> bool| prev.is_some_and(f) || next.is_some_and(f);
        let all = |c: char| run.iter().all(|h| h.c == c);
        if all('\u{3000}') {
            return ctx.around_any(span, script::is_cjk);
        }
        if all('\u{2800}') {
            return either(&|c| ('\u{2801}'..='\u{28FF}').contains(&c));
        }
        if all('\u{1680}') {
            return either(&|c| ('\u{1681}'..='\u{169F}').contains(&c));
        }
        let [Hit { c, .. }] = run else {
            return false;
        };
        if !matches!(
            c,
            '\u{00A0}' | '\u{202F}' | '\u{2004}'..='\u{2009}' | '\u{200A}'
        ) {
            return false;
        }
        // French and Swiss punctuation, guillemets, units and currency after a number,
        // figures grouped by thin spaces, "p. 5", "No 5", "Windows 11".
        next.is_some_and(|n| ":;!?»›%‰€$£¥°".contains(n))
            || prev.is_some_and(|p| "«‹¡¿".contains(p))
            || either(&|c| c.is_numeric())
            || either(&|c| matches!(c, '–' | '—' | '‐' | '‑' | '…' | '/'))
            // After an abbreviation ("Dr.", "e.g.") or a one- or two-letter word ("a", "w",
            // "de"), which typography keeps with the next word.
            || prev == Some('.')
            || short_word_before(ctx.text, span.start)
    }

    /// The counts for the paragraph around `at`.
    fn slots(&mut self, at: usize) -> &Slots {
        let (text, hits) = (self.ctx.text, self.hits);
        let i = match self.slots.iter().position(|(r, _)| r.contains(&at)) {
            Some(i) => i,
            None => {
                let para = paragraph(text, at);
                let mut s = Slots::default();
                let b = &text.as_bytes()[..para.end];
                for at in
                    memchr::memchr2_iter(b'\'', b'-', &b[para.start..]).map(|i| para.start + i)
                {
                    let punct = if b[at] == b'\'' {
                        Punct::Single
                    } else {
                        Punct::Hyphen
                    };
                    if let Some(slot) = slot(punct, text, &(at..at + 1)) {
                        s.add(slot, 0);
                    }
                }
                for h in hits.iter().filter(|h| para.contains(&h.at)) {
                    if let Class::Punct(p) = h.info.class {
                        if let Some(slot) = slot(p, text, &(h.at..h.end())) {
                            s.add(slot, 1);
                        }
                    }
                }
                self.slots.push((para, s));
                self.slots.len() - 1
            }
        };
        &self.slots[i].1
    }
}

impl Slots {
    fn add(&mut self, slot: Slot, form: usize) {
        match slot {
            Slot::Apostrophe => self.apostrophe[form] += 1,
            Slot::Hyphen => self.hyphen[form] += 1,
            Slot::Bullet => self.bullet[form] += 1,
        }
    }

    fn count(&self, slot: Slot) -> [usize; 2] {
        match slot {
            Slot::Apostrophe => self.apostrophe,
            Slot::Hyphen => self.hyphen,
            Slot::Bullet => self.bullet,
        }
    }
}

/// The job a quote or dash at `span` does, when it is one that the plain form does in the
/// same text: an apostrophe inside a word, a hyphen inside a word or a minus before a number,
/// a dash opening a list item. Quotation marks and dashes between phrases are style, not a
/// slot.
fn slot(p: Punct, text: &str, span: &Range<usize>) -> Option<Slot> {
    let prev = text[..span.start].chars().next_back();
    let next = text[span.end..].chars().next();
    let alpha = |c: Option<char>| c.is_some_and(char::is_alphabetic);
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let line_start = text[..span.start]
        .bytes()
        .rev()
        .take_while(|&b| b != b'\n')
        .all(|b| b == b' ' || b == b'\t');
    match p {
        Punct::Hyphen | Punct::Dash if line_start && next == Some(' ') => Some(Slot::Bullet),
        Punct::Single if alpha(prev) && alpha(next) => Some(Slot::Apostrophe),
        Punct::Hyphen
            if alnum(next) && (alnum(prev) || next.is_some_and(|c| c.is_ascii_digit())) =>
        {
            Some(Slot::Hyphen)
        }
        _ => None,
    }
}

/// The paragraph around `at`: the lines between the blank lines (or the text's ends) before
/// and after it.
fn paragraph(text: &str, at: usize) -> Range<usize> {
    let b = text.as_bytes();
    let blank = |line: &[u8]| line.iter().all(|c| c.is_ascii_whitespace());
    let mut start = memchr::memrchr(b'\n', &b[..at]).map_or(0, |p| p + 1);
    while start > 0 {
        let prev = memchr::memrchr(b'\n', &b[..start - 1]).map_or(0, |p| p + 1);
        if blank(&b[prev..start - 1]) {
            break;
        }
        start = prev;
    }
    let mut end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |p| at + p);
    while end < b.len() {
        let next = memchr::memchr(b'\n', &b[end + 1..]).map_or(b.len(), |p| end + 1 + p);
        if blank(&b[end + 1..next]) {
            break;
        }
        end = next;
    }
    start..end
}

/// Whether the word just before `at` has one or two letters.
fn short_word_before(text: &str, at: usize) -> bool {
    let mut n = 0;
    for c in text[..at].chars().rev() {
        if c.is_alphabetic() {
            n += 1;
            if n > 2 {
                return false;
            }
        } else {
            return n > 0 && !c.is_alphanumeric();
        }
    }
    n > 0
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || table::lookup(c).is_some_and(|i| i.class == Class::Digit)
}

/// The number `span` is part of: digits of any script, with single separators between them.
fn number_around(text: &str, span: &Range<usize>) -> Range<usize> {
    let sep = |c: char| matches!(c, '.' | ',' | ':' | '/' | '-');
    let mut lo = span.start;
    let mut before = text[..lo].chars().rev().peekable();
    while let Some(c) = before.next() {
        if is_digit(c) || sep(c) && before.peek().is_some_and(|&d| is_digit(d)) {
            lo -= c.len_utf8();
        } else {
            break;
        }
    }
    let mut hi = span.end;
    let mut after = text[hi..].chars().peekable();
    while let Some(c) = after.next() {
        if is_digit(c) || sep(c) && after.peek().is_some_and(|&d| is_digit(d)) {
            hi += c.len_utf8();
        } else {
            break;
        }
    }
    lo..hi
}

/// The word `span` is part of: letters and digits of any script, and underscores.
fn word_around(text: &str, span: &Range<usize>) -> Range<usize> {
    let in_word = |c: char| c.is_alphanumeric() || c == '_' || c.is_ascii_digit();
    let lo = span.start
        - text[..span.start]
            .chars()
            .rev()
            .take_while(|&c| in_word(c))
            .map(char::len_utf8)
            .sum::<usize>();
    let hi = span.end
        + text[span.end..]
            .chars()
            .take_while(|&c| in_word(c))
            .map(char::len_utf8)
            .sum::<usize>();
    lo..hi
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_words() {
        let t = "on 2026-0٣-14, pаypal.";
        let at = t.find('٣').unwrap();
        assert_eq!(&t[number_around(t, &(at..at + 2))], "2026-0٣-14");
        let at = t.find('а').unwrap();
        assert_eq!(&t[word_around(t, &(at..at + 2))], "pаypal");
    }

    #[test]
    fn slots() {
        let at = |t: &'static str, p: Punct| {
            let i = t.find('|').unwrap();
            slot(p, t, &(i..i + 1))
        };
        assert!(at("don|t", Punct::Single) == Some(Slot::Apostrophe));
        assert!(at("say |this", Punct::Single).is_none());
        assert!(at("x = |5", Punct::Hyphen) == Some(Slot::Hyphen));
        assert!(at("built|in", Punct::Hyphen) == Some(Slot::Hyphen));
        assert!(at("word|word", Punct::Dash).is_none());
        assert!(at("list:\n  | item", Punct::Dash) == Some(Slot::Bullet));
        assert!(at("a | b", Punct::Hyphen).is_none());
        assert!(short_word_before("voir à", "voir à".len()));
        assert!(short_word_before("de", 2));
        assert!(!short_word_before("house", 5));
        assert!(!short_word_before("x1", 2));
        let t = "one\ntwo\n\nthree\nfour\n \nfive";
        assert_eq!(&t[paragraph(t, 1)], "one\ntwo");
        assert_eq!(&t[paragraph(t, t.find("four").unwrap())], "three\nfour");
        assert_eq!(&t[paragraph(t, t.len() - 1)], "five");
    }
}
