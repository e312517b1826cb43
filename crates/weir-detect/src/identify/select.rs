//! The values at a few paths of a JSON document, found in one pass that skips everything else.
//!
//! Identification looks at a handful of small members (`metadata.user_id`, `prompt_cache_key`)
//! of bodies that are mostly a long conversation; skipping a member costs a `memchr` per
//! string in it, so the conversation is passed over rather than walked.

use std::ops::Range;

/// One step of a wanted path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object member.
    Key(String),
    /// Any element of an array.
    Any,
}

/// Parses `metadata.user_id` or `input[].content`.
pub fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !key.is_empty() {
            steps.push(Step::Key(key.to_owned()));
        }
        let mut rest = rest;
        while let Some(r) = rest.strip_prefix("[]") {
            steps.push(Step::Any);
            rest = r;
        }
        if !rest.is_empty() || (key.is_empty() && steps.is_empty()) {
            return None;
        }
    }
    (!steps.is_empty()).then_some(steps)
}

/// A value found: its raw range, and whether it is a string (the range is then inside the
/// quotes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Raw bytes of the value (a string's without its quotes).
    pub raw: Range<usize>,
    /// Whether the value is a string.
    pub string: bool,
}

/// For each of `paths`, the first value at it in `doc` (document order), or `None` when absent
/// or when `doc` is not JSON.
pub fn select(doc: &[u8], paths: &[Vec<Step>]) -> Vec<Option<Found>> {
    let mut out = vec![None; paths.len()];
    let active: Vec<(usize, usize)> = (0..paths.len()).map(|p| (p, 0)).collect();
    let mut w = Walker { b: doc, i: 0 };
    w.ws();
    if w.value(paths, &active, &mut out, 0).is_none() {
        return vec![None; paths.len()];
    }
    out
}

struct Walker<'a> {
    b: &'a [u8],
    i: usize,
}

const MAX_DEPTH: usize = 128;

impl Walker<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    /// Past a string starting at its quote; the range inside the quotes.
    fn string(&mut self) -> Option<Range<usize>> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        let mut at = start;
        loop {
            let q = at + memchr::memchr(b'"', &self.b[at..])?;
            let mut slashes = 0;
            while q - slashes > start && self.b[q - slashes - 1] == b'\\' {
                slashes += 1;
            }
            if slashes % 2 == 0 {
                self.i = q + 1;
                return Some(start..q);
            }
            at = q + 1;
        }
    }

    /// Past any value, without looking into it.
    fn skip(&mut self) -> Option<()> {
        match *self.b.get(self.i)? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                while self.i < self.b.len() {
                    match self.b[self.i] {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
                None
            }
            _ => {
                let start = self.i;
                while self.i < self.b.len()
                    && !matches!(
                        self.b[self.i],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.i += 1;
                }
                (self.i > start).then_some(())
            }
        }
    }

    /// A value, with the paths (index, next step) that lead into it.
    fn value(
        &mut self,
        paths: &[Vec<Step>],
        active: &[(usize, usize)],
        out: &mut [Option<Found>],
        depth: usize,
    ) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        for &(p, s) in active {
            if s == paths[p].len() && out[p].is_none() {
                let start = self.i;
                let string = self.b.get(self.i) == Some(&b'"');
                let mut probe = Walker {
                    b: self.b,
                    i: self.i,
                };
                let raw = if string {
                    probe.string()?
                } else {
                    probe.skip()?;
                    start..probe.i
                };
                out[p] = Some(Found { raw, string });
            }
        }
        let deeper: Vec<(usize, usize)> = active
            .iter()
            .copied()
            .filter(|&(p, s)| s < paths[p].len())
            .collect();
        if deeper.is_empty() {
            return self.skip();
        }
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                    self.ws();
                    let key = &self.b[key];
                    let next: Vec<(usize, usize)> = deeper
                        .iter()
                        .filter(
                            |&&(p, s)| matches!(&paths[p][s], Step::Key(k) if k.as_bytes() == key),
                        )
                        .map(|&(p, s)| (p, s + 1))
                        .collect();
                    if next.is_empty() {
                        self.skip()?;
                    } else {
                        self.value(paths, &next, out, depth + 1)?;
                    }
                    self.ws();
                    match self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Some(());
                }
                let next: Vec<(usize, usize)> = deeper
                    .iter()
                    .filter(|&&(p, s)| paths[p][s] == Step::Any)
                    .map(|&(p, s)| (p, s + 1))
                    .collect();
                loop {
                    self.ws();
                    if next.is_empty() {
                        self.skip()?;
                    } else {
                        self.value(paths, &next, out, depth + 1)?;
                    }
                    self.ws();
                    match self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => self.skip(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(doc: &str, path: &str) -> Option<String> {
        let p = parse_path(path).unwrap();
        select(doc.as_bytes(), &[p])[0]
            .clone()
            .map(|f| doc[f.raw].to_owned())
    }

    #[test]
    fn finds_members_and_skips_the_rest() {
        let doc = r#"{"messages":[{"role":"user","content":"a \"q\" {x} [y]"}],"metadata":{"user_id":"u\\\"1"},"n":3,"list":[{"k":"a"},{"k":"b"}]}"#;
        assert_eq!(get(doc, "metadata.user_id").as_deref(), Some(r#"u\\\"1"#));
        assert_eq!(get(doc, "n").as_deref(), Some("3"));
        assert_eq!(get(doc, "list[].k").as_deref(), Some("a"));
        assert_eq!(
            get(doc, "messages[].content").as_deref(),
            Some(r#"a \"q\" {x} [y]"#)
        );
        assert_eq!(get(doc, "metadata.nope"), None);
        assert_eq!(
            get(doc, "metadata").as_deref(),
            Some(r#"{"user_id":"u\\\"1"}"#)
        );
    }

    #[test]
    fn malformed_documents_find_nothing() {
        assert_eq!(get(r#"{"a":"#, "a"), None);
        assert_eq!(get("not json", "a"), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_agrees_with_a_parser(
            doc in proptest::string::string_regex(r#"[{}\[\]",:a-c0-9 \\]{0,60}"#).unwrap(),
        ) {
            let paths: Vec<Vec<Step>> = ["a", "a.b", "a[]", "b[].c"]
                .iter()
                .map(|p| parse_path(p).unwrap())
                .collect();
            let got = select(doc.as_bytes(), &paths);
            // Where serde_json reads a string at `a` (said once: with duplicates it keeps the
            // last, this the first), so must this.
            let once = doc.matches("\"a\"").count() == 1;
            if let (true, Ok(v)) = (once, serde_json::from_str::<serde_json::Value>(&doc)) {
                if let Some(serde_json::Value::String(want)) = v.get("a") {
                    let f = got[0].clone().expect("found");
                    let mut out = Vec::new();
                    crate::json::decode(&doc.as_bytes()[f.raw], &mut out, None);
                    proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), want.clone());
                }
            }
        }
    }

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("input[].content"),
            Some(vec![
                Step::Key("input".into()),
                Step::Any,
                Step::Key("content".into())
            ])
        );
        assert_eq!(parse_path("a[x]"), None);
        assert_eq!(parse_path(""), None);
    }
}
