//! The two-stage scan: every label and shape literal found in one anchor pass, then the form
//! and value parsers run at each hit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use super::labels::{COLON, ENV, KEY, LABELS, LOOSE, Label, QUOTED, SPACE, TAG, Value};
use super::shapes::{self, Shape};
use super::{Fact, FactKind, dates, zones};
use crate::anchor::{AnchorSet, Hit};

/// How a label was written where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Colon,
    Tag,
    Quoted,
    Env,
    Space,
    Key,
}

/// What an anchor starts.
#[derive(Debug, Clone, Copy)]
enum Trigger {
    Label { label: u16, name: u16, form: Form },
    Shape(Shape),
}

/// How many leading bytes of each literal the anchor automaton looks for: a small automaton
/// stays in cache, and the whole literal is checked at each hit.
const PREFIX: usize = 6;

struct Scanner {
    anchors: AnchorSet,
    /// For each anchor (a literal's prefix): the whole literals that start with it, each with
    /// what it triggers.
    triggers: Vec<Vec<(Box<[u8]>, Trigger)>>,
    /// Exact JSON key to the labels that take the [`KEY`] form.
    keys: HashMap<&'static str, Vec<u16>>,
}

static SCANNER: LazyLock<Scanner> = LazyLock::new(Scanner::new);

thread_local! {
    static HITS: RefCell<Vec<Hit>> = const { RefCell::new(Vec::new()) };
}

impl Scanner {
    fn new() -> Scanner {
        let mut ids: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut anchors: Vec<Vec<u8>> = Vec::new();
        let mut triggers: Vec<Vec<(Box<[u8]>, Trigger)>> = Vec::new();
        let mut add = |literal: Vec<u8>, t: Trigger| {
            let literal = literal.to_ascii_lowercase();
            let key = literal[..literal.len().min(PREFIX)].to_vec();
            let next = anchors.len();
            let at = *ids.entry(key.clone()).or_insert(next);
            if at == next {
                anchors.push(key);
                triggers.push(Vec::new());
            }
            triggers[at].push((literal.into_boxed_slice(), t));
        };
        let mut keys: HashMap<&'static str, Vec<u16>> = HashMap::new();
        for (li, label) in LABELS.iter().enumerate() {
            for (ni, name) in label.names.iter().enumerate() {
                let t = |form| Trigger::Label {
                    label: li as u16,
                    name: ni as u16,
                    form,
                };
                if label.forms & (COLON | LOOSE) != 0 {
                    add(name.as_bytes().to_vec(), t(Form::Colon));
                }
                if label.forms & SPACE != 0 {
                    add(format!("{name} ").into_bytes(), t(Form::Space));
                }
                if label.forms & TAG != 0 {
                    add(format!("<{name}>").into_bytes(), t(Form::Tag));
                }
                if label.forms & QUOTED != 0 {
                    add(format!("\"{name}").into_bytes(), t(Form::Quoted));
                    add(format!("'{name}").into_bytes(), t(Form::Quoted));
                }
                if label.forms & ENV != 0 {
                    add(format!("{name}=").into_bytes(), t(Form::Env));
                }
                if label.forms & KEY != 0 {
                    keys.entry(name).or_default().push(li as u16);
                }
            }
        }
        for &(anchor, shape) in shapes::ANCHORS {
            add(anchor.as_bytes().to_vec(), Trigger::Shape(shape));
        }
        Scanner {
            anchors: AnchorSet::new(&anchors),
            triggers,
            keys,
        }
    }
}

/// See [`super::scan_text`].
pub fn scan(key: Option<&str>, text: &str, out: &mut Vec<Fact>) {
    let scanner = &*SCANNER;
    let first = out.len();
    let mut found = Found {
        text,
        b: text.as_bytes(),
        out,
    };
    if let Some(key) = key {
        for &li in scanner.keys.get(key).into_iter().flatten() {
            let label = &LABELS[li as usize];
            found.value(label, Form::Key, 0..text.len(), 0);
        }
    }
    HITS.with(|hits| {
        let mut hits = hits.borrow_mut();
        scanner.anchors.find(text.as_bytes(), &mut hits);
        let b = text.as_bytes();
        for &Hit { end, anchor } in hits.iter() {
            let start = end - scanner.anchors.len_of(anchor);
            for (literal, t) in &scanner.triggers[anchor as usize] {
                let end = start + literal.len();
                if end > b.len() || !b[start..end].eq_ignore_ascii_case(literal) {
                    continue;
                }
                match *t {
                    Trigger::Label { label, name, form } => {
                        found.label(label as usize, name as usize, form, start..end)
                    }
                    Trigger::Shape(shape) => shapes::found(shape, &mut found, start..end),
                }
            }
        }
    });
    let mut new: Vec<Fact> = out.drain(first..).collect();
    shapes::names_in_munged(text, &mut new);
    new.sort_unstable_by_key(|f| (f.span.start, std::cmp::Reverse(f.span.end), f.kind));
    new.dedup_by(|a, b| a.kind == b.kind && a.span == b.span);
    debug_assert!(
        new.iter()
            .all(|f| text.get(f.span.clone()) == Some(f.value.as_str()))
    );
    out.extend(new);
}

/// The text being scanned and where its facts go.
pub(super) struct Found<'a> {
    pub text: &'a str,
    pub b: &'a [u8],
    pub out: &'a mut Vec<Fact>,
}

impl Found<'_> {
    /// Records `kind` at `span` (ignored if empty or not on character boundaries).
    pub fn push(&mut self, kind: FactKind, span: Range<usize>) {
        if span.is_empty() {
            return;
        }
        if let Some(value) = self.text.get(span.clone()) {
            self.out.push(Fact {
                kind,
                value: value.to_owned(),
                span,
            });
        }
    }

    fn label(&mut self, li: usize, ni: usize, form: Form, at: Range<usize>) {
        let label = &LABELS[li];
        let name = label.names[ni];
        let b = self.b;
        let field = match form {
            Form::Colon => {
                let (s, e) = (at.start, at.end);
                if s > 0 && is_name_byte(b[s - 1]) {
                    return;
                }
                // A weak label counts at a line's start, capitalised as a heading or an
                // environment block writes it (`Shell: zsh`); a config file's keys are lowercase
                // (`shell: bash` in a CI step).
                if label.forms & LOOSE == 0 && (!at_line_start(b, s) || !b[s].is_ascii_uppercase())
                {
                    return;
                }
                let Some(from) = connector(b, e, label.value == Value::Date) else {
                    return;
                };
                from..line_end(b, from)
            }
            Form::Space => {
                if !at_line_start(b, at.start) {
                    return;
                }
                at.end..line_end(b, at.end)
            }
            Form::Tag => {
                let from = at.end;
                let Some(rel) = memchr::memchr(b'<', &b[from..]) else {
                    return;
                };
                let close = from + rel;
                if !b[close..].starts_with(b"</") {
                    return;
                }
                from..close
            }
            Form::Quoted => match quoted_value(b, at.clone(), name, label.value == Value::Path) {
                Some(r) => r,
                None => return,
            },
            Form::Env => {
                let (s, e) = (at.start, at.end);
                if &self.text[s..e - 1] != name {
                    return;
                }
                if s > 0
                    && !matches!(
                        b[s - 1],
                        b' ' | b'\t'
                            | b'\n'
                            | b'\r'
                            | b'"'
                            | b'\''
                            | b';'
                            | b'('
                            | b'`'
                            | b'|'
                            | b'&'
                            | b','
                            | b'{'
                            | b'['
                    )
                {
                    return;
                }
                env_value(b, e, label.value)
            }
            Form::Key => at.clone(),
        };
        self.value(label, form, field, at.start);
    }

    /// Reads `label`'s value from `field` and records the facts it holds.
    fn value(&mut self, label: &Label, form: Form, field: Range<usize>, at_label: usize) {
        let b = self.b;
        let f = trim(b, field);
        let prose = matches!(form, Form::Colon | Form::Space);
        let kind = label.kind;
        match label.value {
            Value::Path => {
                if is_path(&b[f.clone()]) && !b[f.clone()].contains(&b'\n') {
                    self.push(kind, f);
                }
            }
            Value::Token | Value::Hex | Value::Host | Value::User | Value::Region => {
                let Some(t) = one_token(b, f, form) else {
                    return;
                };
                let v = &b[t.clone()];
                let ok = match label.value {
                    Value::Token => v.len() <= 256,
                    Value::Hex => is_commit(v),
                    // A `hostname` key is as often a URL's host: as data, only a machine's
                    // kind of name counts.
                    Value::Host if !prose && form != Form::Env => is_host(v) && is_machine(v),
                    Value::Host => is_host(v),
                    Value::User => is_user(v),
                    _ => is_region(v),
                };
                if ok {
                    self.push(kind, t);
                }
            }
            Value::Version => {
                let v = &b[f.clone()];
                if v.len() <= 160 && v.iter().any(u8::is_ascii_digit) && !v.contains(&b'\n') {
                    self.push(kind, f);
                }
            }
            Value::Os => {
                let v = &b[f.clone()];
                if v.len() <= 100 && !v.contains(&b'\n') && is_os(v) {
                    self.push(kind, f);
                }
            }
            Value::Shell => {
                if let Some(t) = one_token(b, f, form) {
                    if is_shell(&b[t.clone()]) {
                        self.push(kind, t);
                    }
                }
            }
            Value::Zone => {
                let v = &self.text[f.clone()];
                if is_offset(v) {
                    self.push(FactKind::UtcOffset, f);
                } else if is_zone(v) {
                    self.push(FactKind::TimeZone, f);
                }
            }
            Value::Offset => {
                if is_offset(&self.text[f.clone()]) {
                    self.push(kind, f);
                }
            }
            Value::Locale => {
                // `en-US,en;q=0.9` lists several.
                let mut at = f.start;
                for part in b[f.clone()].split(|&c| c == b',') {
                    let tag_end = part.iter().position(|&c| c == b';').unwrap_or(part.len());
                    let r = trim(b, at..at + tag_end);
                    if is_locale(&b[r.clone()]) {
                        self.push(kind, r);
                    }
                    at += part.len() + 1;
                }
            }
            Value::Date => {
                let v = &b[f.clone()];
                let cut = v
                    .iter()
                    .position(|&c| matches!(c, b'(' | b'<' | b'\n' | b'\r'))
                    .unwrap_or(v.len());
                // The date may be followed by more sentences: the shortest run up to a
                // sentence's end that reads as a date (`Montag, 18. August 2025. Note: …`).
                let ends = (f.start..f.start + cut)
                    .filter(|&i| b[i] == b'.' && b.get(i + 1) == Some(&b' '))
                    .chain([f.start + cut]);
                for end in ends {
                    let mut r = trim(b, f.start..end);
                    while r.end > r.start && matches!(b[r.end - 1], b'.' | b',' | b';') {
                        r.end -= 1;
                    }
                    if r.len() > 80 {
                        break;
                    }
                    if dates::parse(&self.text[r.clone()]).is_some() {
                        self.push(kind, r);
                        break;
                    }
                }
            }
            Value::DateLine => {
                // git log: `Date:   Mon Aug 18 10:00:00 2025 +0800`.
                let v = &b[f.clone()];
                let start = v
                    .iter()
                    .rposition(|&c| c == b' ')
                    .map_or(f.start, |p| f.start + p + 1);
                let r = start..f.end;
                let o = &self.text[r.clone()];
                if o.len() == 5 && is_offset(o) && v.len() >= 20 {
                    self.push(FactKind::UtcOffset, r);
                }
            }
            Value::Commits => self.commits(at_label, f.end),
            Value::PathList => self.paths(kind, at_label, f.end),
            Value::Author => self.author(kind, f, prose),
            Value::Email => {
                let v = &b[f.clone()];
                if let (Some(lt), Some(gt)) = (
                    v.iter().position(|&c| c == b'<'),
                    v.iter().rposition(|&c| c == b'>'),
                ) {
                    let r = f.start + lt + 1..f.start + gt;
                    if lt < gt && is_email(&b[r.clone()]) {
                        self.push(kind, r);
                    }
                } else if let Some(t) = one_token(b, f, form) {
                    if is_email(&b[t.clone()]) {
                        self.push(kind, t);
                    }
                }
            }
            Value::Id => {
                if let Some(t) = one_token(b, f, form) {
                    if is_id(&b[t.clone()]) {
                        self.push(kind, t);
                    }
                }
            }
            Value::Remote => {
                if let Some(t) = one_token(b, f, form) {
                    if let Some(r) = shapes::remote_span(b, t) {
                        self.push(kind, r);
                    }
                }
            }
            Value::Proxy => {
                if let Some(mut t) = one_token(b, f, form) {
                    while t.end > t.start && b[t.end - 1] == b',' {
                        t.end -= 1;
                    }
                    let v = &b[t.clone()];
                    if v.len() <= 2048
                        && (v.contains(&b'.') || v.contains(&b':') || v.contains(&b'*'))
                    {
                        // A proxy URL may carry a password: report from the host on.
                        let r = shapes::strip_password(b, t);
                        self.push(kind, r);
                    }
                }
            }
            Value::Ip => {
                if let Some(t) = one_token(b, f, form) {
                    if shapes::is_ip(&self.text[t.clone()]) {
                        self.push(kind, t);
                    }
                }
            }
        }
    }

    /// `Recent commits:` then `<hash> subject` lines, each with the prefix the label's line
    /// had (`git: `), if any.
    fn commits(&mut self, label_at: usize, from: usize) {
        self.lines_after(label_at, from, |b, r| {
            let t_end = r.clone().find(|&i| b[i] == b' ').unwrap_or(r.end);
            (t_end > r.start && is_commit(&b[r.start..t_end]))
                .then_some((FactKind::GitCommit, r.start..t_end))
        });
    }

    /// `Workspace Directories:` then a list of paths.
    fn paths(&mut self, kind: FactKind, label_at: usize, from: usize) {
        self.lines_after(label_at, from, |b, r| {
            let r = trim(b, r);
            (is_path(&b[r.clone()])).then_some((kind, r))
        });
    }

    /// Runs `item` on each line after a label's, with the label line's prefix and list bullets
    /// taken off, until a line that is not an item.
    fn lines_after(
        &mut self,
        label_at: usize,
        from: usize,
        item: impl Fn(&[u8], Range<usize>) -> Option<(FactKind, Range<usize>)>,
    ) {
        let b = self.b;
        let line_from = b[..label_at]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1);
        let prefix = &b[line_from..label_at];
        // Only a short word prefix (`git: `) carries over; indentation and bullets vary.
        let prefix: &[u8] = if prefix.iter().any(u8::is_ascii_alphanumeric) {
            prefix
        } else {
            b""
        };
        let mut at = from;
        for _ in 0..200 {
            if at >= b.len() {
                return;
            }
            if b[at] == b'\r' {
                at += 1;
            }
            if at < b.len() && b[at] == b'\n' {
                at += 1;
            }
            let end = line_end(b, at);
            let mut s = at;
            if !prefix.is_empty() {
                if !b[s..end].starts_with(prefix) {
                    return;
                }
                s += prefix.len();
            }
            while s < end && matches!(b[s], b' ' | b'\t' | b'-' | b'*') {
                s += 1;
            }
            match item(b, s..end) {
                Some((kind, r)) => self.push(kind, r),
                None => return,
            }
            at = end;
        }
    }

    /// `Name <email>`, or a name.
    fn author(&mut self, kind: FactKind, f: Range<usize>, prose: bool) {
        let b = self.b;
        let v = &b[f.clone()];
        if v.contains(&b'\n') {
            return;
        }
        if let Some(lt) = v.iter().position(|&c| c == b'<') {
            let name = trim(b, f.start..f.start + lt);
            if let Some(gt) = v[lt..].iter().position(|&c| c == b'>') {
                let mail = f.start + lt + 1..f.start + lt + gt;
                if is_email(&b[mail.clone()]) {
                    if is_person(&b[name.clone()]) {
                        self.push(kind, name);
                    }
                    self.push(FactKind::Email, mail);
                }
            }
            return;
        }
        if is_email(v) {
            self.push(FactKind::Email, f);
        } else if is_person(v) && !(prose && v.len() > 60) {
            self.push(kind, f);
        }
    }
}

/// Whether `b` may be part of a label or name word (so a label cannot start right after it).
fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/' | b'\\')
}

/// Whether only indentation and list bullets stand between the line's start and `at`.
pub(super) fn at_line_start(b: &[u8], at: usize) -> bool {
    let start = b[..at]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |p| p + 1);
    let lead = &b[start..at];
    lead.len() <= 12
        && std::str::from_utf8(lead).is_ok_and(|s| {
            s.chars()
                .all(|c| matches!(c, ' ' | '\t' | '-' | '*' | '+' | '#' | '>' | '|' | '•'))
        })
}

/// Index of the end of the line holding `at`.
pub(super) fn line_end(b: &[u8], at: usize) -> usize {
    memchr::memchr2(b'\n', b'\r', &b[at..]).map_or(b.len(), |p| at + p)
}

/// After a label ending at `e`: `: ` or ` is: `, with a parenthetical or bold marks allowed
/// before them; ` is ` alone only when `is_alone` (a date, whose value is checked closely
/// enough that `Today's date is 2025-08-18` and prose cannot be confused). Returns where the
/// value starts.
fn connector(b: &[u8], e: usize, is_alone: bool) -> Option<usize> {
    let mut i = e;
    let skip_marks = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b'*' | b'_') {
            *i += 1;
        }
    };
    let skip_spaces = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t') {
            *i += 1;
        }
    };
    skip_marks(&mut i);
    skip_spaces(&mut i);
    if b.get(i) == Some(&b'(') {
        let end = line_end(b, i);
        let close = b[i..end.min(i + 120)].iter().position(|&c| c == b')')?;
        i += close + 1;
        skip_spaces(&mut i);
    }
    let mut linked = false;
    if b.len() >= i + 2
        && b[i..i + 2].eq_ignore_ascii_case(b"is")
        && b.get(i + 2).is_none_or(|&c| !c.is_ascii_alphanumeric())
    {
        i += 2;
        linked = is_alone;
        skip_spaces(&mut i);
    }
    // `=` is left to the environment-variable form: `hostname = self.host` is code.
    if b.get(i) == Some(&b':') {
        i += 1;
        linked = true;
        skip_marks(&mut i);
    }
    if !linked {
        return None;
    }
    skip_spaces(&mut i);
    Some(i)
}

/// `"name": "value"` (or single quotes, or with escaped quotes when JSON sits inside a
/// string): the range of the value.
fn quoted_value(b: &[u8], at: Range<usize>, name: &str, first_key: bool) -> Option<Range<usize>> {
    let (s, e) = (at.start, at.end);
    let q = b[s];
    if &b[s + 1..e] != name.as_bytes() {
        return None;
    }
    let escaped = s > 0 && b[s - 1] == b'\\';
    if s > (escaped as usize) && is_name_byte(b[s - 1 - escaped as usize]) {
        return None;
    }
    let mut i = e;
    if escaped {
        if b.get(i) != Some(&b'\\') {
            return None;
        }
        i += 1;
    }
    if b.get(i) != Some(&q) {
        return None;
    }
    i += 1;
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    // `"workspaces": {"/path": {…}}`: a map keyed by paths.
    if first_key && b.get(i) == Some(&b'{') {
        i += 1;
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
    }
    if escaped {
        if b.get(i) != Some(&b'\\') {
            return None;
        }
        i += 1;
    }
    if b.get(i) != Some(&q) {
        return None;
    }
    i += 1;
    let from = i;
    while i < b.len() {
        match b[i] {
            b'\n' | b'\r' => return None,
            b'\\' if escaped => {
                return (b.get(i + 1) == Some(&q)).then_some(from..i);
            }
            b'\\' => i += 2,
            c if c == q => return Some(from..i),
            _ => i += 1,
        }
    }
    None
}

/// `NAME=value`: a quoted value, the rest of the line for values that hold spaces, else up to
/// the next separator.
fn env_value(b: &[u8], from: usize, value: Value) -> Range<usize> {
    if let Some(&q) = b.get(from).filter(|&&c| c == b'"' || c == b'\'') {
        let end = b[from + 1..]
            .iter()
            .position(|&c| c == q || c == b'\n')
            .map_or(b.len(), |p| from + 1 + p);
        return from + 1..end;
    }
    if matches!(value, Value::Author | Value::Version | Value::Path) {
        return from..line_end(b, from);
    }
    let end = b[from..]
        .iter()
        .position(|&c| {
            c.is_ascii_whitespace() || matches!(c, b';' | b'&' | b'|' | b'"' | b'\'' | b'`' | b')')
        })
        .map_or(b.len(), |p| from + p);
    from..end
}

/// `r` without ASCII whitespace at either end.
pub(super) fn trim(b: &[u8], mut r: Range<usize>) -> Range<usize> {
    while r.start < r.end && b[r.start].is_ascii_whitespace() {
        r.start += 1;
    }
    while r.end > r.start && b[r.end - 1].is_ascii_whitespace() {
        r.end -= 1;
    }
    r
}

/// The token a field holds. In prose (`Label: value`) the field must be that one token, so a
/// sentence after a label is not taken for a name; a `label value` line gives its first token.
fn one_token(b: &[u8], f: Range<usize>, form: Form) -> Option<Range<usize>> {
    if f.is_empty() {
        return None;
    }
    let end = (f.start..f.end)
        .find(|&i| b[i].is_ascii_whitespace())
        .unwrap_or(f.end);
    if end != f.end && form != Form::Space {
        return None;
    }
    Some(f.start..end)
}

/// An absolute path: `/`, `~`, a drive (`C:\`, `C:/`) or a UNC share.
pub(super) fn is_path(v: &[u8]) -> bool {
    if v.is_empty() || v.len() > 4096 {
        return false;
    }
    match v {
        [b'/', ..] | [b'~'] | [b'~', b'/' | b'\\', ..] => true,
        [d, b':', b'\\' | b'/', ..] => d.is_ascii_alphabetic(),
        [b'\\', b'\\', c, ..] => c.is_ascii_alphanumeric(),
        _ => false,
    }
}

/// 7 to 40 hex digits, with at least one digit (an all-letter word like `defaced` is prose).
pub(super) fn is_commit(v: &[u8]) -> bool {
    (7..=40).contains(&v.len())
        && v.iter()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        && v.iter().any(u8::is_ascii_digit)
}

/// A host name: DNS labels, not `localhost`, not an address.
pub(super) fn is_host(v: &[u8]) -> bool {
    !v.is_empty()
        && v.len() <= 253
        && v[0].is_ascii_alphanumeric()
        && v.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
        && !v.windows(2).any(|w| w == b"..")
        && !v.eq_ignore_ascii_case(b"localhost")
        && v.iter().any(u8::is_ascii_alphabetic)
}

/// A machine's own kind of name: a name under a local or internal domain, or one label with a
/// digit or a dash in it (`kl-devbox-42`, `DESKTOP-4F2K9QX`), unlike `host` or `example.com`.
fn is_machine(v: &[u8]) -> bool {
    let v = v.to_ascii_lowercase();
    let local = [
        &b".local"[..],
        b".lan",
        b".localdomain",
        b".internal",
        b".home",
        b".corp",
    ]
    .iter()
    .any(|s| v.ends_with(s));
    local
        || (v.len() >= 3
            && !v.contains(&b'.')
            && v.iter().any(|&c| c == b'-' || c.is_ascii_digit()))
}

/// Names that stand for a user name in documentation (`/home/user/project`), not someone's.
const PLACEHOLDER_USERS: &[&str] = &[
    "username",
    "user_name",
    "yourname",
    "your-name",
    "your_name",
    "yourusername",
    "your-username",
    "your_username",
    "you",
    "name",
    "user-name",
    "someone",
    "somebody",
    "example",
    "user",
    "me",
    "foo",
    "bar",
    "baz",
];

/// A login name: one token of letters, digits, `.`, `_`, `-` (and non-ASCII letters), not a
/// placeholder.
pub(super) fn is_user(v: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(v) else {
        return false;
    };
    !s.is_empty()
        && (2..=64).contains(&s.len())
        && s.chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '$'))
        && !PLACEHOLDER_USERS
            .iter()
            .any(|p| p.eq_ignore_ascii_case(s.trim_end_matches('$')))
}

/// A person's name as git writes it: letters and spaces, no markup or punctuation soup.
fn is_person(v: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(v) else {
        return false;
    };
    !s.is_empty()
        && s.len() <= 100
        && s.chars().any(char::is_alphabetic)
        && s.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '\'' | '_' | ',' | '(' | ')')
        })
}

/// `local@domain.tld`.
pub(super) fn is_email(v: &[u8]) -> bool {
    let Some(at) = v.iter().position(|&c| c == b'@') else {
        return false;
    };
    let (local, domain) = (&v[..at], &v[at + 1..]);
    !local.is_empty()
        && local.len() <= 64
        && local
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&c))
        && is_host(domain)
        && domain.contains(&b'.')
        && domain
            .rsplit(|&c| c == b'.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic))
}

/// An opaque id: 16 to 256 id characters, at least one digit, not a compound user id (whose
/// parts are found one by one).
pub(super) fn is_id(v: &[u8]) -> bool {
    (16..=256).contains(&v.len())
        && v.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':'))
        && v.iter().any(u8::is_ascii_digit)
        && memchr::memmem::find(v, b"_session_").is_none()
        && memchr::memmem::find(v, b"_account_").is_none()
}

/// A cloud region or zone: `us-east-1`, `europe-west1-b`, `eastus`.
fn is_region(v: &[u8]) -> bool {
    (4..=32).contains(&v.len())
        && v[0].is_ascii_lowercase()
        && v.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && (v.contains(&b'-')
            || v.iter().any(u8::is_ascii_digit)
            || [
                &b"us"[..],
                b"europe",
                b"asia",
                b"india",
                b"japan",
                b"korea",
                b"uk",
            ]
            .iter()
            .any(|area| v.ends_with(area) || v.starts_with(area)))
}

/// Operating systems and distributions, lowercase: the first word of an OS value.
const OSES: &[&str] = &[
    "linux",
    "darwin",
    "macos",
    "mac",
    "osx",
    "windows",
    "win32",
    "win64",
    "windows_nt",
    "microsoft",
    "freebsd",
    "openbsd",
    "netbsd",
    "dragonfly",
    "sunos",
    "solaris",
    "illumos",
    "aix",
    "android",
    "ios",
    "cygwin",
    "msys",
    "mingw",
    "mingw32",
    "mingw64",
    "wsl",
    "ubuntu",
    "debian",
    "fedora",
    "centos",
    "rhel",
    "red",
    "rocky",
    "almalinux",
    "arch",
    "manjaro",
    "alpine",
    "nixos",
    "gentoo",
    "opensuse",
    "suse",
    "amazon",
    "pop!_os",
    "mint",
    "kali",
    "raspbian",
    "chromeos",
    "elementary",
];

/// Whether the value's first word names an operating system.
pub(super) fn is_os(v: &[u8]) -> bool {
    let first = v
        .split(|&c| c.is_ascii_whitespace() || matches!(c, b';' | b',' | b'/' | b'(' | b'-'))
        .next()
        .unwrap_or(b"");
    let first = first.to_ascii_lowercase();
    OSES.iter().any(|o| o.as_bytes() == first.as_slice())
}

/// Shells, by the name of their program.
const SHELLS: &[&str] = &[
    "bash",
    "zsh",
    "fish",
    "sh",
    "dash",
    "ksh",
    "mksh",
    "tcsh",
    "csh",
    "pwsh",
    "powershell",
    "cmd",
    "nu",
    "nushell",
    "elvish",
    "xonsh",
    "ash",
    "busybox",
    "git-bash",
    "ion",
    "oil",
    "osh",
    "yash",
];

/// A shell's name or path (`zsh`, `/bin/bash`, `C:\Windows\System32\cmd.exe`).
fn is_shell(v: &[u8]) -> bool {
    let base = v
        .rsplit(|&c| c == b'/' || c == b'\\')
        .next()
        .unwrap_or(b"")
        .to_ascii_lowercase();
    let base = base.strip_suffix(b".exe").unwrap_or(&base);
    SHELLS.iter().any(|s| s.as_bytes() == base)
}

/// `UTC+8`, `GMT+08:00`, `+0800`, `-05:00`: a non-zero offset from UTC.
pub(super) fn is_offset(v: &str) -> bool {
    let rest = v
        .strip_prefix("UTC")
        .or_else(|| v.strip_prefix("GMT"))
        .unwrap_or(v);
    let Some(digits) = rest.strip_prefix(['+', '-']) else {
        return false;
    };
    let (h, m) = match digits.split_once(':') {
        Some(parts) => parts,
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "00"),
    };
    let number = |s: &str, lens: std::ops::RangeInclusive<usize>| {
        (lens.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match (number(h, 1..=2), number(m, 2..=2)) {
        (Some(h), Some(m)) => h <= 14 && m < 60 && (h, m) != (0, 0),
        _ => false,
    }
}

/// A time zone: an IANA name, `UTC`/`GMT`, an abbreviation (`MYT`), or a long name
/// (`Malaysia Time`, `Singapore Standard Time`).
pub(super) fn is_zone(v: &str) -> bool {
    if v.is_empty() || v.len() > 64 {
        return false;
    }
    if zones::is_iana(v) || v.starts_with("Etc/") && v.len() > 4 {
        return true;
    }
    if matches!(v, "UTC" | "GMT" | "Z" | "Zulu") {
        return true;
    }
    if (2..=5).contains(&v.len()) && v.bytes().all(|c| c.is_ascii_uppercase()) {
        return true;
    }
    // Words, each capitalised, ending in Time (or a zone word).
    let words: Vec<&str> = v.split(' ').collect();
    words.len() >= 2
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '.')
        })
        && matches!(
            words.last(),
            Some(&"Time") | Some(&"Zeit") | Some(&"Heure") | Some(&"Hora")
        )
}

/// `en_US.UTF-8`, `ms-MY`, `de`, `C.UTF-8`, `sr_RS@latin`.
pub(super) fn is_locale(v: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(v) else {
        return false;
    };
    let (s, _modifier) = s.split_once('@').unwrap_or((s, ""));
    let (tag, charset) = s.split_once('.').unwrap_or((s, ""));
    if !charset.is_empty()
        && !charset
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    {
        return false;
    }
    if tag == "C" || tag == "POSIX" {
        return !charset.is_empty() || tag == "POSIX";
    }
    let mut parts = tag.split(['_', '-']);
    let lang = parts.next().unwrap_or("");
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|c| c.is_ascii_lowercase()) {
        return false;
    }
    let mut n = 0;
    for p in parts {
        n += 1;
        if !(2..=8).contains(&p.len()) || !p.bytes().all(|c| c.is_ascii_alphanumeric()) {
            return false;
        }
    }
    // A bare two-letter word is a locale only with a region or charset (`de` alone could be
    // anything).
    n > 0 || !charset.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        for ok in ["+0800", "-05:00", "UTC+8", "GMT+08:00", "+5:30", "UTC-3"] {
            assert!(is_offset(ok), "{ok}");
        }
        for no in ["+0000", "UTC", "8", "+99", "+08:0", "GMT+0", "+123456"] {
            assert!(!is_offset(no), "{no}");
        }
    }

    #[test]
    fn locales() {
        for ok in [
            "en_US.UTF-8",
            "ms-MY",
            "zh-Hant-TW",
            "C.UTF-8",
            "sr_RS@latin",
            "de_DE",
        ] {
            assert!(is_locale(ok.as_bytes()), "{ok}");
        }
        for no in ["go", "python", "EN", "en_", "x", "C"] {
            assert!(!is_locale(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn labels_compile_into_one_scanner() {
        let s = &*SCANNER;
        assert!(!s.triggers.is_empty());
        assert!(s.keys.contains_key("cwd"));
        assert!(LABELS.iter().all(|l| !l.names.is_empty()));
    }
}
