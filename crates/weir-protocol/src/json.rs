//! Byte-level edits of JSON documents without re-serialising them.
//!
//! weir forwards a client's body as the client wrote it (unknown fields and key order survive,
//! and vendors' prefix caches stay warm), so the few edits it makes are splices: find the byte
//! range of one value, replace it, keep every other byte.
//!
//! The scanner here validates the whole document as strict JSON (RFC 8259: no trailing commas,
//! no comments, no control characters or unpaired surrogates in strings, UTF-8 strings, nesting at
//! most [`MAX_DEPTH`] deep, like serde_json) while it looks for the value, so a document it
//! accepts is one serde_json accepts too (up to serde_json's number range checks). It never
//! allocates and never panics, whatever the input.

use std::ops::Range;

/// Deepest nesting of arrays and objects the scanner accepts (serde_json's default limit).
pub const MAX_DEPTH: usize = 128;

/// Byte range of the value found by following `path` (object keys only) from the top-level
/// object of `json`. For a string value the range includes the quotes. Keys are compared after
/// JSON-unescaping (`"mo\u0064el"` is `model`). Returns `None` when the document is not an
/// object, a key on the path is missing, or an intermediate value is not an object.
///
/// When a key appears more than once in one object, the last occurrence wins (as in serde_json).
/// Runs in one pass over the bytes without allocating for skipped values.
///
/// An empty `path` gives the range of the top-level object itself. Any malformed input (broken
/// syntax anywhere in the document, trailing bytes after the object, invalid UTF-8 in a string)
/// gives `None`.
pub fn find_value(json: &[u8], path: &[&str]) -> Option<Range<usize>> {
    let mut s = Scanner { b: json, i: 0 };
    s.ws();
    if s.peek()? != b'{' {
        return None;
    }
    let found = s.value(path, 0)?;
    s.ws();
    if s.i != json.len() {
        return None;
    }
    found
}

/// Returns `json` with the string value at `path` replaced by `new` (JSON-escaped), or `None`
/// when there is no string value at `path`. All other bytes are kept.
pub fn replace_string(json: &[u8], path: &[&str], new: &str) -> Option<Vec<u8>> {
    let range = find_value(json, path)?;
    if json.get(range.start) != Some(&b'"') {
        return None;
    }
    let mut out = Vec::with_capacity(json.len() - range.len() + new.len() + 2);
    out.extend_from_slice(&json[..range.start]);
    write_string(&mut out, new);
    out.extend_from_slice(&json[range.end..]);
    Some(out)
}

/// Appends `s` to `out` as a JSON string literal (with quotes), escaped as serde_json would.
///
/// `"` and `\` are backslash-escaped, `\b \f \n \r \t` use their short forms, the other control
/// characters (below U+0020) become `\u00xx`, and everything else (including non-ASCII) is kept
/// as UTF-8.
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if short.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(short);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// A cursor over a JSON document. Every method returns `None` on malformed input and leaves the
/// cursor just past what it consumed otherwise.
struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Consumes one value (after optional whitespace). `Some(found)` when well-formed, where
    /// `found` is the range of the value at `path` inside it (`path` empty: the value itself).
    fn value(&mut self, path: &[&str], depth: usize) -> Option<Option<Range<usize>>> {
        self.ws();
        let start = self.i;
        let found = match self.peek()? {
            b'{' => self.object(path, depth)?,
            b'[' => {
                self.array(depth)?;
                None
            }
            b'"' => {
                self.string(None)?;
                None
            }
            b't' => {
                self.literal(b"true")?;
                None
            }
            b'f' => {
                self.literal(b"false")?;
                None
            }
            b'n' => {
                self.literal(b"null")?;
                None
            }
            b'-' | b'0'..=b'9' => {
                self.number()?;
                None
            }
            _ => return None,
        };
        Some(if path.is_empty() {
            Some(start..self.i)
        } else {
            found
        })
    }

    fn object(&mut self, path: &[&str], depth: usize) -> Option<Option<Range<usize>>> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.i += 1; // `{`
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(None);
        }
        let mut found = None;
        loop {
            self.ws();
            let matched = self.string(path.first().copied())?;
            self.ws();
            self.eat(b':')?;
            let rest = if matched { &path[1..] } else { &[][..] };
            let inner = self.value(rest, depth + 1)?;
            if matched {
                // Last occurrence wins, even when it lacks the rest of the path.
                found = inner;
            }
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(found);
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.i += 1; // `[`
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.value(&[], depth + 1)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn literal(&mut self, lit: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + lit.len())? != lit {
            return None;
        }
        self.i += lit.len();
        Some(())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            self.peek().filter(u8::is_ascii_digit)?;
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.peek().filter(u8::is_ascii_digit)?;
            self.digits();
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    /// Consumes a string (cursor on the opening quote). Returns whether its unescaped content
    /// equals `key` (always `false` when `key` is `None`).
    fn string(&mut self, key: Option<&str>) -> Option<bool> {
        self.eat(b'"')?;
        // The part of `key` still to be matched; `None` once it cannot match any more.
        let mut rest = key;
        loop {
            let run_start = self.i;
            while self
                .peek()
                .is_some_and(|c| c != b'"' && c != b'\\' && c >= 0x20)
            {
                self.i += 1;
            }
            // The run stops only at ASCII bytes, so it never cuts a UTF-8 sequence in two.
            let run = std::str::from_utf8(&self.b[run_start..self.i]).ok()?;
            rest = rest.and_then(|r| r.strip_prefix(run));
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(rest == Some(""));
                }
                b'\\' => {
                    self.i += 1;
                    let c = self.escape()?;
                    rest = rest.and_then(|r| r.strip_prefix(c));
                }
                _ => return None, // a raw control character
            }
        }
    }

    /// Decodes one escape (cursor after the backslash), pairing UTF-16 surrogates.
    fn escape(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        Some(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                match hi {
                    0xD800..=0xDBFF => {
                        self.eat(b'\\')?;
                        self.eat(b'u')?;
                        let lo = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                    }
                    0xDC00..=0xDFFF => return None,
                    _ => char::from_u32(hi)?,
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.b.get(self.i..self.i + 4)?;
        let mut n = 0;
        for &d in digits {
            n = n * 16 + char::from(d).to_digit(16)?;
        }
        self.i += 4;
        Some(n)
    }
}

/// Re-indents compact JSON text without reordering keys (a `serde_json::Value` would sort them),
/// so snapshot tests show the key order clients see on the wire.
#[cfg(test)]
pub(crate) fn indent(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn found<'a>(json: &'a str, path: &[&str]) -> Option<&'a str> {
        find_value(json.as_bytes(), path).map(|r| &json[r])
    }

    #[test]
    fn finds_top_level_and_nested_values() {
        let doc = r#" {"model" : "m1", "message": {"id": "x", "model": "inner"}, "n": -1.5e3} "#;
        assert_eq!(found(doc, &["model"]), Some(r#""m1""#));
        assert_eq!(found(doc, &["message", "model"]), Some(r#""inner""#));
        assert_eq!(found(doc, &["n"]), Some("-1.5e3"));
        assert_eq!(
            found(doc, &["message"]),
            Some(r#"{"id": "x", "model": "inner"}"#)
        );
        assert_eq!(found(doc, &[]), Some(doc.trim()));
        assert_eq!(found(doc, &["missing"]), None);
        assert_eq!(found(doc, &["model", "x"]), None);
        assert_eq!(found(doc, &["n", "x"]), None);
    }

    #[test]
    fn compares_unescaped_keys() {
        assert_eq!(found(r#"{"mo\u0064el":1}"#, &["model"]), Some("1"));
        assert_eq!(found(r#"{"a\"b":1}"#, &["a\"b"]), Some("1"));
        assert_eq!(found(r#"{"\ud83d\ude00":2}"#, &["😀"]), Some("2"));
        assert_eq!(found(r#"{"😀":2}"#, &["😀"]), Some("2"));
        assert_eq!(found(r#"{"model2":1}"#, &["model"]), None);
        assert_eq!(found(r#"{"mode":1}"#, &["model"]), None);
    }

    #[test]
    fn last_duplicate_wins() {
        assert_eq!(found(r#"{"m":"a","m":"b"}"#, &["m"]), Some(r#""b""#));
        // The last occurrence decides even when it lacks the rest of the path.
        assert_eq!(found(r#"{"m":{"x":1},"m":2}"#, &["m", "x"]), None);
        assert_eq!(found(r#"{"m":2,"m":{"x":1}}"#, &["m", "x"]), Some("1"));
    }

    #[test]
    fn rejects_malformed_documents() {
        for doc in [
            "",
            "[]",
            "\"s\"",
            "{",
            "{\"a\":1,}",
            "{\"a\":1} x",
            "{\"a\" 1}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":-}",
            "{\"a\":1e}",
            "{\"a\":tru}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\udc00\"}",
            "{\"a\":\"\\ud800\\u0041\"}",
            "{\"a\":\"\\u12\"}",
            "{\"a\":\"tab\there\"}",
            "{\"a\":[1,]}",
            "{\"a\":[1 2]}",
            "{\"a\":\"unterminated}",
            "{'a':1}",
        ] {
            assert_eq!(find_value(doc.as_bytes(), &["a"]), None, "{doc:?}");
            assert_eq!(find_value(doc.as_bytes(), &[]), None, "{doc:?}");
        }
        assert_eq!(find_value(b"{\"a\":\"\xff\"}", &["a"]), None);
        // Broken syntax after the value found still rejects the document.
        assert_eq!(find_value(br#"{"a":1,"b":[}"#, &["a"]), None);
    }

    #[test]
    fn depth_is_limited_without_overflowing_the_stack() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(find_value(deep.as_bytes(), &["a"]), None);
        let ok = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
        assert!(find_value(ok.as_bytes(), &["a"]).is_some());
    }

    #[test]
    fn replaces_only_the_string() {
        let doc = br#"{ "model":"a",  "x": [1, {"model": "keep"}] }"#;
        let out = replace_string(doc, &["model"], "new\"one").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{ "model":"new\"one",  "x": [1, {"model": "keep"}] }"#
        );
        assert_eq!(replace_string(br#"{"model":5}"#, &["model"], "x"), None);
        assert_eq!(replace_string(br#"{"other":"a"}"#, &["model"], "x"), None);
    }

    #[test]
    fn write_string_matches_serde_json_for_every_ascii_and_some_unicode() {
        let mut all: String = (0u8..128).map(char::from).collect();
        all.push_str("é€😀\u{7f}\u{2028}");
        let mut out = Vec::new();
        write_string(&mut out, &all);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&all).unwrap()
        );
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::from),
            ".*".prop_map(Value::String),
            "[a-z\"\\\\]{0,3}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof!["[a-d]{1,2}", ".{0,4}"]
    }

    fn arb_object() -> impl Strategy<Value = Value> {
        prop::collection::vec((key(), arb_value()), 0..8)
            .prop_map(|kv| Value::Object(kv.into_iter().collect()))
    }

    /// Serialises `v` escaping string characters as `\uXXXX` where `escape` says so (with
    /// surrogate pairs above U+FFFF), and with extra whitespace, to exercise the scanner.
    fn write_odd(v: &Value, escape: &mut impl FnMut() -> bool, out: &mut String) {
        match v {
            Value::String(s) => write_odd_str(s, escape, out),
            Value::Array(a) => {
                out.push_str("[ ");
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" ,\n");
                    }
                    write_odd(x, escape, out);
                }
                out.push_str("\t]");
            }
            Value::Object(o) => {
                out.push_str("{\r\n");
                for (i, (k, x)) in o.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_odd_str(k, escape, out);
                    out.push_str(" : ");
                    write_odd(x, escape, out);
                }
                out.push_str(" }");
            }
            other => out.push_str(&other.to_string()),
        }
    }

    fn write_odd_str(s: &str, escape: &mut impl FnMut() -> bool, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            if escape() || c < ' ' || c == '"' || c == '\\' {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04X}"));
                }
            } else {
                out.push(c);
            }
        }
        out.push('"');
    }

    /// A path that exists in `v` when the choices allow, otherwise one that ends in a miss.
    fn pick_path(v: &Value, choices: &[usize]) -> Vec<String> {
        let mut path = Vec::new();
        let mut cur = v;
        for &c in choices {
            let Value::Object(o) = cur else { break };
            if o.is_empty() || c % 7 == 6 {
                path.push("missing-key".to_owned());
                break;
            }
            let (k, next) = o.iter().nth(c % o.len()).unwrap();
            path.push(k.clone());
            cur = next;
        }
        path
    }

    fn lookup<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
        path.iter().try_fold(v, |cur, k| cur.as_object()?.get(*k))
    }

    proptest! {
        #[test]
        fn found_range_parses_to_the_value_at_path(
            v in arb_object(),
            choices in prop::collection::vec(0usize..100, 0..5),
            pretty in any::<bool>(),
            escapes in prop::collection::vec(any::<bool>(), 1..16),
        ) {
            let mut n = 0;
            let mut escape = || { n += 1; escapes[n % escapes.len()] };
            let docs = [
                if pretty { serde_json::to_string_pretty(&v).unwrap() } else { v.to_string() },
                { let mut s = String::new(); write_odd(&v, &mut escape, &mut s); s },
            ];
            let path = pick_path(&v, &choices);
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            for doc in docs {
                let whole: Value = serde_json::from_str(&doc).unwrap();
                let expected = lookup(&whole, &path);
                let got = find_value(doc.as_bytes(), &path)
                    .map(|r| serde_json::from_str::<Value>(&doc[r]).unwrap());
                prop_assert_eq!(got.as_ref(), expected, "doc {} path {:?}", doc, path);
            }
        }

        #[test]
        fn replace_changes_only_that_string(
            v in arb_object(),
            choices in prop::collection::vec(0usize..100, 1..5),
            new in ".*",
        ) {
            let doc = v.to_string();
            let path = pick_path(&v, &choices);
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            let out = replace_string(doc.as_bytes(), &path, &new);
            match lookup(&v, &path) {
                Some(Value::String(_)) => {
                    let out: Value = serde_json::from_slice(&out.unwrap()).unwrap();
                    // Compare with the document re-parsed, not `v`: floats need not round-trip.
                    let mut expected: Value = serde_json::from_str(&doc).unwrap();
                    let slot = path.iter().try_fold(&mut expected, |cur, k| cur.get_mut(*k)).unwrap();
                    *slot = Value::String(new);
                    prop_assert_eq!(out, expected);
                }
                _ => prop_assert!(out.is_none()),
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = find_value(&bytes, &["a"]);
            let _ = find_value(&bytes, &[]);
            let _ = replace_string(&bytes, &["a", "b"], "x");
        }

        #[test]
        fn json_like_bytes_agree_with_serde(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    "{", "}", "[", "]", ",", ":", " ", "\"a\"", "\"b\"", "\"\\u0061\"", "1",
                    "-0.5e+2", "true", "null", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"x",
                    "\\", "01", "\n", "\"\u{1}\"",
                ]),
                0..24,
            ),
        ) {
            let doc: String = parts.concat();
            let serde: Result<Value, _> = serde_json::from_str(&doc);
            let ours = find_value(doc.as_bytes(), &[]);
            match serde {
                Ok(Value::Object(_)) => prop_assert!(ours.is_some(), "{}", doc),
                _ => prop_assert!(ours.is_none(), "{}", doc),
            }
            if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&doc) {
                let got = find_value(doc.as_bytes(), &["a"])
                    .map(|r| serde_json::from_str::<Value>(&doc[r]).unwrap());
                prop_assert_eq!(got.as_ref(), o.get("a"));
            }
        }
    }
}
