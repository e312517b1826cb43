//! Scanning a request body: the detector run over every decoded string value, each finding
//! located by its JSON path and mapped back to raw bytes, and the redacted body spliced
//! together.
//!
//! A coding agent resends its whole conversation every turn. String values are remembered by a
//! hash of their raw bytes ([`Memo`]), so a value seen before costs a hash instead of a scan,
//! and a resent conversation costs only its new bytes.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use crate::engine::{Detector, Scratch};
use crate::json::{self, Malformed};

/// A finding in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Index of the rule in the detector.
    pub rule: usize,
    /// Where, as a path (`messages[3].content[0].text`).
    pub path: String,
    /// The raw byte range in the body (escapes included).
    pub raw: Range<usize>,
    /// The decoded value found.
    pub secret: Vec<u8>,
}

/// Values shorter than this are scanned rather than remembered.
const MEMO_MIN: usize = 64;

/// Findings per string value, remembered by a keyed 128-bit hash of its raw bytes. Two
/// generations: when the newer one is full the older one is dropped, so memory stays bounded
/// and values in use stay remembered.
#[derive(Debug)]
pub struct Memo {
    seed: u64,
    capacity: usize,
    generations: Mutex<(Generation, Generation)>,
}

/// A finding inside one decoded value: `start..end` and the rule.
type Hit = (u32, u32, u32);

/// Remembered values: hash to findings.
type Generation = HashMap<u128, Arc<[Hit]>>;

impl Memo {
    /// A memo holding up to about `2 * capacity` values, hashed with `seed` (random per process,
    /// so nobody can craft collisions).
    pub fn new(seed: u64, capacity: usize) -> Memo {
        Memo {
            seed,
            capacity: capacity.max(1),
            generations: Mutex::new((HashMap::new(), HashMap::new())),
        }
    }

    fn key(&self, raw: &[u8]) -> u128 {
        xxhash_rust::xxh3::xxh3_128_with_seed(raw, self.seed)
    }

    fn get(&self, key: u128) -> Option<Arc<[Hit]>> {
        let mut g = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = g.0.get(&key) {
            return Some(v.clone());
        }
        let v = g.1.remove(&key)?;
        g.0.insert(key, v.clone());
        Some(v)
    }

    fn put(&self, key: u128, hits: Arc<[Hit]>) {
        let mut g = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        if g.0.len() >= self.capacity {
            let young = std::mem::take(&mut g.0);
            g.1 = young;
        }
        g.0.insert(key, hits);
    }

    /// How many values are remembered.
    pub fn len(&self) -> usize {
        let g = self.generations.lock().unwrap_or_else(|e| e.into_inner());
        g.0.len() + g.1.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What one body scan cost, for benchmarks and logs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Bytes of string values scanned.
    pub scanned: usize,
    /// Bytes of string values answered from the memo.
    pub remembered: usize,
}

/// Every finding in the string values of `body`, in body order.
pub fn scan(
    detector: &Detector,
    memo: Option<&Memo>,
    body: &[u8],
) -> Result<(Vec<Located>, Cost), Malformed> {
    let mut scratch = Scratch::new(detector);
    let mut decoded = Vec::new();
    let mut map = Vec::new();
    let mut found = Vec::new();
    let mut cost = Cost::default();
    json::strings(body, |path, range| {
        let raw = &body[range.clone()];
        if raw.is_empty() || json::is_opaque(body, path) {
            return;
        }
        let key = (raw.len() >= MEMO_MIN)
            .then(|| memo.map(|m| (m, m.key(raw))))
            .flatten();
        let cached = key.and_then(|(m, k)| m.get(k));
        let hits: Arc<[Hit]> = match cached {
            Some(hits) => {
                cost.remembered += raw.len();
                if hits.is_empty() {
                    return;
                }
                json::decode(raw, &mut decoded, Some(&mut map));
                hits
            }
            None => {
                cost.scanned += raw.len();
                json::decode(raw, &mut decoded, Some(&mut map));
                let hits: Arc<[Hit]> = detector
                    .scan_with(&decoded, &mut scratch)
                    .into_iter()
                    .map(|f| (f.start as u32, f.end as u32, f.rule as u32))
                    .collect();
                if let Some((m, k)) = key {
                    m.put(k, hits.clone());
                }
                hits
            }
        };
        if hits.is_empty() {
            return;
        }
        let rendered = json::render(body, path);
        for &(s, e, rule) in hits.iter() {
            let (s, e) = (s as usize, e as usize);
            found.push(Located {
                rule: rule as usize,
                path: rendered.clone(),
                raw: range.start + map[s]..range.start + map[e],
                secret: decoded[s..e].to_vec(),
            });
        }
    })?;
    Ok((found, cost))
}

/// `body` with each located finding's raw bytes replaced by what `replacement` gives for it
/// (which must be valid inside a JSON string). Findings must not overlap (scan's never do).
pub fn splice(
    body: &[u8],
    found: &[Located],
    mut replacement: impl FnMut(&Located) -> Vec<u8>,
) -> Vec<u8> {
    let mut order: Vec<&Located> = found.iter().collect();
    order.sort_by_key(|l| l.raw.start);
    let mut out = Vec::with_capacity(body.len());
    let mut copied = 0;
    for l in order {
        if l.raw.start < copied {
            continue;
        }
        out.extend_from_slice(&body[copied..l.raw.start]);
        out.extend(replacement(l));
        copied = l.raw.end;
    }
    out.extend_from_slice(&body[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;

    fn key() -> String {
        // An Anthropic-shaped key: prefix, 93 characters, "AA".
        let body: String = (0..93)
            .map(|i| {
                b"Zq3vN8LmP2xR7tW4yK9bC6dF1gH5jS0aE3uI8oQ2wT7rY4nM6vB9cX1zL5kJ8hG3"[i % 63] as char
            })
            .collect();
        format!("sk-ant-api03-{body}AA")
    }

    #[test]
    fn findings_are_located_in_escaped_values_and_mapped_to_raw_bytes() {
        let d = builtin::detector(Vec::new()).unwrap();
        let k = key();
        // The key is written with a \u escape for its first letter.
        let escaped = format!("\\u0073{}", &k[1..]);
        let body = format!(
            r#"{{"system":"keep it safe","messages":[{{"role":"user","content":"line one\nkey: {escaped}\n"}}]}}"#
        );
        let (found, cost) = scan(&d, None, body.as_bytes()).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0];
        assert_eq!(d.rules()[f.rule].id(), "anthropic-api-key");
        assert_eq!(f.path, "messages[0].content");
        assert_eq!(&body[f.raw.clone()], escaped);
        assert_eq!(f.secret, k.as_bytes());
        assert_eq!(cost.remembered, 0);
        let red = splice(body.as_bytes(), &found, |_| b"[REDACTED:x:y]".to_vec());
        let red = String::from_utf8(red).unwrap();
        assert!(red.contains(r#"key: [REDACTED:x:y]\n"#), "{red}");
        assert!(serde_json_valid(&red));
    }

    #[test]
    fn a_resent_value_is_remembered_not_rescanned() {
        let d = builtin::detector(Vec::new()).unwrap();
        let memo = Memo::new(42, 1000);
        let long = r#"fn main() { println!(\"hello\"); }\n"#.repeat(10);
        let body = format!(
            r#"{{"messages":[{{"content":"{long}"}},{{"content":"{} {long}"}}]}}"#,
            key()
        );
        let (a, c1) = scan(&d, Some(&memo), body.as_bytes()).unwrap();
        let (b, c2) = scan(&d, Some(&memo), body.as_bytes()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 1);
        assert!(c1.scanned > 0);
        assert_eq!(c2.scanned, 0);
        assert_eq!(c2.remembered, c1.scanned + c1.remembered);
    }

    #[test]
    fn opaque_values_are_left_alone() {
        let d = builtin::detector(Vec::new()).unwrap();
        let body = format!(
            r#"{{"content":[{{"type":"image","source":{{"type":"base64","data":"{}"}}}}]}}"#,
            key()
        );
        assert!(scan(&d, None, body.as_bytes()).unwrap().0.is_empty());
    }

    fn serde_json_valid(s: &str) -> bool {
        json::strings(s.as_bytes(), |_, _| {}).is_ok()
    }
}
