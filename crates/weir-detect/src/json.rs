//! The string values of a JSON document, found without parsing it into a tree: each value's
//! raw byte range and its path, and the decoding of a raw string with a map from decoded bytes
//! back to raw ones.
//!
//! Secrets hide in escapes (`\n` inside a PEM key, `\u0041KIA` for `AKIA`), so detection runs on
//! decoded text; redaction then splices the raw body, which keeps every other byte as the
//! client wrote it.

use std::ops::Range;

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object member; the raw range of its key (without quotes).
    Key(Range<usize>),
    /// An array element.
    Index(usize),
}

/// Why a document could not be walked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not valid JSON at byte {at}")]
pub struct Malformed {
    /// Where the walk stopped.
    pub at: usize,
}

/// Deepest nesting walked.
const MAX_DEPTH: usize = 128;

/// Calls `found(path, range)` for every string value in `json` (object keys excluded), where
/// `range` is the raw string between its quotes, in document order.
pub fn strings(json: &[u8], mut found: impl FnMut(&[Step], Range<usize>)) -> Result<(), Malformed> {
    let mut w = Walker {
        b: json,
        i: 0,
        path: Vec::new(),
    };
    w.ws();
    w.value(&mut found, 0)?;
    w.ws();
    if w.i != json.len() {
        return Err(Malformed { at: w.i });
    }
    Ok(())
}

struct Walker<'a> {
    b: &'a [u8],
    i: usize,
    path: Vec<Step>,
}

impl Walker<'_> {
    fn err<T>(&self) -> Result<T, Malformed> {
        Err(Malformed { at: self.i })
    }

    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), Malformed> {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            self.err()
        }
    }

    /// Skips a string starting at its opening quote; returns the range between the quotes.
    fn string(&mut self) -> Result<Range<usize>, Malformed> {
        self.eat(b'"')?;
        let start = self.i;
        // The closing quote is the first one after an even run of backslashes: found by
        // memchr, so the escapes on the way (a `\n` every line of quoted code) cost nothing.
        let mut from = start;
        let end = loop {
            let Some(off) = memchr::memchr(b'"', &self.b[from..]) else {
                break None;
            };
            let q = from + off;
            let mut slashes = 0;
            while q - slashes > start && self.b[q - slashes - 1] == b'\\' {
                slashes += 1;
            }
            if slashes % 2 == 0 {
                break Some(q);
            }
            from = q + 1;
        };
        // Raw control characters are refused (a branch-free fold the compiler vectorises).
        let run = &self.b[start..end.unwrap_or(self.b.len())];
        if run.iter().fold(false, |any, &c| any | (c < 0x20)) {
            self.i = start + run.iter().position(|&c| c < 0x20).unwrap_or(0);
            return self.err();
        }
        match end {
            Some(q) => {
                self.i = q + 1;
                Ok(start..q)
            }
            None => {
                self.i = self.b.len();
                self.err()
            }
        }
    }

    fn value(
        &mut self,
        found: &mut impl FnMut(&[Step], Range<usize>),
        depth: usize,
    ) -> Result<(), Malformed> {
        if depth > MAX_DEPTH {
            return self.err();
        }
        match self.b.get(self.i) {
            Some(b'"') => {
                let r = self.string()?;
                found(&self.path, r);
            }
            Some(b'{') => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.path.push(Step::Key(key));
                    self.value(found, depth + 1)?;
                    self.path.pop();
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err(),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(());
                }
                let mut n = 0;
                loop {
                    self.ws();
                    self.path.push(Step::Index(n));
                    self.value(found, depth + 1)?;
                    self.path.pop();
                    n += 1;
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return self.err(),
                    }
                }
            }
            Some(_) => {
                // A number, true, false or null: everything up to the next delimiter.
                let start = self.i;
                while self.i < self.b.len()
                    && !matches!(
                        self.b[self.i],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.i += 1;
                }
                if self.i == start {
                    return self.err();
                }
            }
            None => return self.err(),
        }
        Ok(())
    }
}

/// Keys whose string values are opaque data, not text: base64 images and files, vendors'
/// signatures and encrypted reasoning. Nothing in them is text anyone reads, and editing
/// inside them would corrupt them.
pub const OPAQUE_KEYS: &[&[u8]] = &[b"data", b"signature", b"encrypted_content", b"image_url"];

/// Whether the value at `path` is opaque data (see [`OPAQUE_KEYS`]).
pub fn is_opaque(json: &[u8], path: &[Step]) -> bool {
    last_key(json, path).is_some_and(|k| OPAQUE_KEYS.contains(&k))
}

/// `messages[3].content[0].text`: a path as people read it. Keys are shown decoded.
pub fn render(json: &[u8], path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(r) => {
                if !out.is_empty() {
                    out.push('.');
                }
                let mut key = Vec::new();
                decode(&json[r.clone()], &mut key, None);
                out.push_str(&String::from_utf8_lossy(&key));
            }
            Step::Index(n) => {
                out.push('[');
                out.push_str(&n.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// The last key on `path`, if the value is an object member.
pub fn last_key<'a>(json: &'a [u8], path: &[Step]) -> Option<&'a [u8]> {
    path.iter().rev().find_map(|s| match s {
        Step::Key(r) => Some(&json[r.clone()]),
        Step::Index(_) => None,
    })
}

/// Decodes the raw inside of a JSON string into `out`. When `map` is given, it receives one
/// entry per decoded byte (the raw offset of the escape or character it came from) and a final
/// entry for the end, so decoded span `a..b` is raw span `map[a]..map[b]`.
pub fn decode(raw: &[u8], out: &mut Vec<u8>, mut map: Option<&mut Vec<usize>>) {
    out.clear();
    if let Some(m) = map.as_deref_mut() {
        m.clear();
    }
    let mut i = 0;
    let push = |out: &mut Vec<u8>, map: &mut Option<&mut Vec<usize>>, bytes: &[u8], at: usize| {
        out.extend_from_slice(bytes);
        if let Some(m) = map.as_deref_mut() {
            m.extend(std::iter::repeat_n(at, bytes.len()));
        }
    };
    while i < raw.len() {
        let next = memchr::memchr(b'\\', &raw[i..]).map_or(raw.len(), |p| i + p);
        if next > i {
            out.extend_from_slice(&raw[i..next]);
            if let Some(m) = map.as_deref_mut() {
                m.extend(i..next);
            }
            i = next;
            continue;
        }
        let at = i;
        let Some(&e) = raw.get(i + 1) else {
            push(out, &mut map, b"\\", at);
            break;
        };
        i += 2;
        let simple = match e {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(c) = simple {
            push(out, &mut map, &[c], at);
            continue;
        }
        if e != b'u' {
            push(out, &mut map, &[e], at);
            continue;
        }
        let hex = |s: usize| -> Option<u32> {
            let h = raw.get(s..s + 4)?;
            u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
        };
        let Some(mut cp) = hex(i) else {
            push(out, &mut map, "\u{fffd}".as_bytes(), at);
            continue;
        };
        i += 4;
        if (0xD800..0xDC00).contains(&cp)
            && raw.get(i) == Some(&b'\\')
            && raw.get(i + 1) == Some(&b'u')
        {
            if let Some(lo) = hex(i + 2).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
        }
        let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
        let mut buf = [0u8; 4];
        push(out, &mut map, ch.encode_utf8(&mut buf).as_bytes(), at);
    }
    if let Some(m) = map {
        m.push(raw.len());
    }
}

/// Appends `s` to `out` as the inside of a JSON string (quotes not included).
pub fn encode(s: &[u8], out: &mut Vec<u8>) {
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            c if c < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c).as_bytes());
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_string_values_with_paths() {
        let doc = br#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi\nthere"}]}],"n":1,"ok":true}"#;
        let mut seen = Vec::new();
        strings(doc, |path, r| {
            seen.push((
                render(doc, path),
                String::from_utf8_lossy(&doc[r]).into_owned(),
            ))
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                ("model".into(), "m".into()),
                ("messages[0].role".into(), "user".into()),
                ("messages[0].content[0].type".into(), "text".into()),
                ("messages[0].content[0].text".into(), "hi\\nthere".into()),
            ]
        );
    }

    #[test]
    fn a_quote_ends_a_string_only_after_an_even_run_of_backslashes() {
        let doc = br#"{"a":"x\\","b":"y\\\"z","c":"\""}"#;
        let mut seen = Vec::new();
        strings(doc, |_, r| {
            seen.push(String::from_utf8_lossy(&doc[r]).into_owned())
        })
        .unwrap();
        assert_eq!(seen, vec![r"x\\", r#"y\\\"z"#, r#"\""#]);
        // A raw control character is refused where it stands.
        assert_eq!(
            strings(b"[\"ab\ncd\"]", |_, _| {}),
            Err(Malformed { at: 4 })
        );
    }

    #[test]
    fn malformed_documents_are_refused() {
        for bad in [&b"{"[..], b"{\"a\":}", b"[1,]", b"\"abc", b"{} x"] {
            assert!(
                strings(bad, |_, _| {}).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn decoding_maps_back_to_raw_offsets() {
        let raw = br#"a\nb\u0041KIA\ud83d\ude00c"#;
        let mut out = Vec::new();
        let mut map = Vec::new();
        decode(raw, &mut out, Some(&mut map));
        assert_eq!(out, "a\nbAKIA😀c".as_bytes());
        assert_eq!(map.len(), out.len() + 1);
        // "AKIA" starts at the \u0041 escape.
        let a = out.iter().position(|&c| c == b'A').unwrap();
        assert_eq!(&raw[map[a]..map[a + 4]], br"\u0041KIA");
        assert_eq!(*map.last().unwrap(), raw.len());
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(s in "\\PC*") {
            let mut enc = Vec::new();
            encode(s.as_bytes(), &mut enc);
            let quoted = [b"\"".as_slice(), &enc, b"\""].concat();
            let back: String = serde_json_free_parse(&quoted);
            prop_assert_eq!(back, s.clone());
            let mut dec = Vec::new();
            decode(&enc, &mut dec, None);
            prop_assert_eq!(dec, s.as_bytes());
        }
    }

    /// Decodes a quoted JSON string with this module (the property above checks it against
    /// `encode`; the unit tests above pin the escapes).
    fn serde_json_free_parse(quoted: &[u8]) -> String {
        let mut found = None;
        strings(quoted, |_, r| found = Some(r)).unwrap();
        let mut out = Vec::new();
        decode(&quoted[found.unwrap()], &mut out, None);
        String::from_utf8(out).unwrap()
    }
}
