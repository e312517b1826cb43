//! Reversible redaction: each secret becomes a placeholder before the request leaves, and the
//! placeholders in the vendor's answer become the secrets again before the client sees them.
//!
//! A placeholder is `[REDACTED:<rule-id>:<code>]`, ASCII with nothing JSON would escape. The
//! code is a keyed hash of the scope, the rule and the secret, so the same secret gets the same
//! placeholder on every turn of a conversation (the resent prefix stays byte-identical and the
//! vendor's prompt cache keeps working) without the vault having to remember anything across
//! turns, and two scopes (two clients) get different placeholders for the same secret. The key
//! lives only in memory.
//!
//! The vault maps placeholders back to secrets, per scope, for as long as the scope is in use
//! (a time-to-live refreshed on every use). It is never written anywhere.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// Who a placeholder was issued to: restoration only ever uses a scope's own placeholders, so
/// one client cannot have another client's secret restored into its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope(pub [u8; 16]);

/// The fixed start of every placeholder.
pub const PREFIX: &[u8] = b"[REDACTED:";

/// The longest placeholder the restorer looks for.
pub const MAX_PLACEHOLDER: usize = 96;

/// Placeholders issued to one scope, and the secrets they stand for.
#[derive(Debug, Default, Clone)]
pub struct Originals {
    map: HashMap<Vec<u8>, Vec<u8>>,
}

impl Originals {
    /// The secret `placeholder` stands for.
    pub fn get(&self, placeholder: &[u8]) -> Option<&[u8]> {
        self.map.get(placeholder).map(|v| v.as_slice())
    }

    /// Whether nothing was issued.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// How many placeholders there are.
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

#[derive(Debug)]
struct ScopeEntries {
    originals: Arc<Originals>,
    by_secret: HashMap<Vec<u8>, Vec<u8>>,
    used: Instant,
}

/// The placeholder-to-secret maps of every live scope.
#[derive(Debug)]
pub struct Vault {
    key: [u8; 32],
    ttl: Duration,
    scopes: HashMap<Scope, ScopeEntries>,
}

const CODE_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

impl Vault {
    /// An empty vault. `key` must be random and kept in memory only; `ttl` is how long a scope's
    /// placeholders stay restorable after its last use.
    pub fn new(key: [u8; 32], ttl: Duration) -> Vault {
        Vault {
            key,
            ttl,
            scopes: HashMap::new(),
        }
    }

    fn code(&self, scope: Scope, rule: &str, secret: &[u8], attempt: u32) -> String {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(scope.0);
        h.update((rule.len() as u32).to_be_bytes());
        h.update(rule.as_bytes());
        h.update(attempt.to_be_bytes());
        h.update(secret);
        let d = h.finalize();
        let bits = u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]);
        (0..8)
            .map(|i| CODE_ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
            .collect()
    }

    /// The placeholder for `secret` found by `rule`, registered so the answer can be restored.
    pub fn placeholder(
        &mut self,
        scope: Scope,
        rule: &str,
        secret: &[u8],
        now: Instant,
    ) -> Vec<u8> {
        self.sweep(now);
        let mut attempt = 0;
        loop {
            let code = self.code(scope, rule, secret, attempt);
            let placeholder = format!("[REDACTED:{rule}:{code}]").into_bytes();
            let entries = self.scopes.entry(scope).or_insert_with(|| ScopeEntries {
                originals: Arc::default(),
                by_secret: HashMap::new(),
                used: now,
            });
            entries.used = now;
            if let Some(p) = entries.by_secret.get(secret) {
                return p.clone();
            }
            // Another secret already has this placeholder: derive again (never in practice).
            if entries.originals.get(&placeholder).is_some() {
                attempt += 1;
                continue;
            }
            Arc::make_mut(&mut entries.originals)
                .map
                .insert(placeholder.clone(), secret.to_vec());
            entries
                .by_secret
                .insert(secret.to_vec(), placeholder.clone());
            return placeholder;
        }
    }

    /// The scope's placeholders as they stand (a snapshot to restore one answer with).
    pub fn originals(&mut self, scope: Scope, now: Instant) -> Arc<Originals> {
        match self.scopes.get_mut(&scope) {
            Some(e) => {
                e.used = now;
                e.originals.clone()
            }
            None => Arc::default(),
        }
    }

    /// Forgets scopes unused for longer than the time-to-live.
    pub fn sweep(&mut self, now: Instant) {
        let ttl = self.ttl;
        self.scopes
            .retain(|_, e| now.saturating_duration_since(e.used) <= ttl);
    }

    /// How many scopes are live.
    pub fn scopes(&self) -> usize {
        self.scopes.len()
    }
}

/// How a restored secret is written into the text it lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Plain text (a text delta, a message's content): the secret as it was.
    Text,
    /// JSON text (tool-call arguments): the secret escaped as the inside of a JSON string,
    /// which is where a placeholder in arguments sits.
    JsonText,
}

fn write_original(original: &[u8], context: Context, out: &mut Vec<u8>) {
    match context {
        Context::Text => out.extend_from_slice(original),
        Context::JsonText => crate::json::encode(original, out),
    }
}

/// `text` with every complete placeholder in `originals` replaced by its secret. Unknown
/// placeholders stay as they are. Returns `None` when nothing changed.
pub fn restore(text: &[u8], originals: &Originals, context: Context) -> Option<Vec<u8>> {
    let finder = memchr::memmem::Finder::new(PREFIX);
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut at = 0;
    while let Some(p) = finder.find(&text[at..]).map(|p| p + at) {
        let limit = text.len().min(p + MAX_PLACEHOLDER);
        let Some(close) = text[p..limit].iter().position(|&c| c == b']') else {
            at = p + 1;
            continue;
        };
        let placeholder = &text[p..p + close + 1];
        match originals.get(placeholder) {
            Some(original) => {
                let o = out.get_or_insert_with(|| Vec::with_capacity(text.len()));
                o.extend_from_slice(&text[copied..p]);
                write_original(original, context, o);
                copied = p + close + 1;
                at = copied;
            }
            None => at = p + 1,
        }
    }
    let mut o = out?;
    o.extend_from_slice(&text[copied..]);
    Some(o)
}

/// Restores text that arrives in pieces (the deltas of one content block or one tool call),
/// holding back the end of a piece while it could be the start of a placeholder, so a
/// placeholder split across pieces is restored all the same.
#[derive(Debug, Default, Clone)]
pub struct Pieces {
    pending: Vec<u8>,
}

impl Pieces {
    /// The restored text to emit for `piece` (possibly shorter than it, possibly empty).
    pub fn feed(&mut self, piece: &[u8], originals: &Originals, context: Context) -> Vec<u8> {
        let mut text = std::mem::take(&mut self.pending);
        text.extend_from_slice(piece);
        let held = held_from(&text);
        self.pending = text[held..].to_vec();
        text.truncate(held);
        restore(&text, originals, context).unwrap_or(text)
    }

    /// The held-back text, at the end of the pieces.
    pub fn finish(&mut self, originals: &Originals, context: Context) -> Vec<u8> {
        let text = std::mem::take(&mut self.pending);
        restore(&text, originals, context).unwrap_or(text)
    }

    /// Whether text is held back.
    pub fn is_holding(&self) -> bool {
        !self.pending.is_empty()
    }
}

/// Where the held-back tail of `text` starts: at an unclosed `[` near the end that is, or could
/// grow into, a placeholder.
fn held_from(text: &[u8]) -> usize {
    let floor = text.len().saturating_sub(MAX_PLACEHOLDER);
    let Some(open) = text[floor..]
        .iter()
        .rposition(|&c| c == b'[')
        .map(|p| p + floor)
    else {
        return text.len();
    };
    let tail = &text[open..];
    if tail.contains(&b']') {
        return text.len();
    }
    let n = tail.len().min(PREFIX.len());
    if tail[..n] == PREFIX[..n] {
        open
    } else {
        text.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vault() -> Vault {
        Vault::new([7; 32], Duration::from_secs(60))
    }

    #[test]
    fn placeholders_are_stable_per_scope_and_differ_between_scopes() {
        let mut v = vault();
        let now = Instant::now();
        let (a, b) = (Scope([1; 16]), Scope([2; 16]));
        let p1 = v.placeholder(a, "aws-access-key-id", b"AKIAZ3MHQ6T2LZ4RX7PB", now);
        let p2 = v.placeholder(a, "aws-access-key-id", b"AKIAZ3MHQ6T2LZ4RX7PB", now);
        let p3 = v.placeholder(b, "aws-access-key-id", b"AKIAZ3MHQ6T2LZ4RX7PB", now);
        assert_eq!(p1, p2);
        assert_ne!(p1, p3);
        assert!(p1.starts_with(PREFIX) && p1.len() < MAX_PLACEHOLDER);
        // Another vault with the same key derives the same placeholder (a restart with a
        // persisted key keeps prompts stable), a different key does not.
        let mut same = vault();
        assert_eq!(
            same.placeholder(a, "aws-access-key-id", b"AKIAZ3MHQ6T2LZ4RX7PB", now),
            p1
        );
        let mut other = Vault::new([8; 32], Duration::from_secs(60));
        assert_ne!(
            other.placeholder(a, "aws-access-key-id", b"AKIAZ3MHQ6T2LZ4RX7PB", now),
            p1
        );
        assert_eq!(
            v.originals(a, now).get(&p1),
            Some(&b"AKIAZ3MHQ6T2LZ4RX7PB"[..])
        );
        assert_eq!(v.originals(b, now).get(&p1), None);
    }

    #[test]
    fn scopes_expire_after_their_ttl() {
        let mut v = vault();
        let now = Instant::now();
        let p = v.placeholder(Scope([1; 16]), "r", b"s3cr3t-value", now);
        v.sweep(now + Duration::from_secs(30));
        assert!(
            v.originals(Scope([1; 16]), now + Duration::from_secs(30))
                .get(&p)
                .is_some()
        );
        v.sweep(now + Duration::from_secs(200));
        assert_eq!(v.scopes(), 0);
    }

    #[test]
    fn restores_text_and_json_text() {
        let mut v = vault();
        let now = Instant::now();
        let s = Scope([1; 16]);
        let p = v.placeholder(s, "db-password", b"pa\"ss", now);
        let o = v.originals(s, now);
        let text = [b"use ".as_slice(), &p, b" now"].concat();
        assert_eq!(
            restore(&text, &o, Context::Text).unwrap(),
            b"use pa\"ss now"
        );
        assert_eq!(
            restore(&text, &o, Context::JsonText).unwrap(),
            b"use pa\\\"ss now"
        );
        assert_eq!(
            restore(b"[REDACTED:other:abcdefgh] [x]", &o, Context::Text),
            None
        );
    }

    proptest! {
        #[test]
        fn restoration_does_not_depend_on_how_the_text_is_cut(
            words in prop::collection::vec(0usize..6, 0..40),
            cuts in prop::collection::vec(0usize..200, 0..30),
        ) {
            let mut v = vault();
            let now = Instant::now();
            let s = Scope([3; 16]);
            let p1 = v.placeholder(s, "r1", b"FIRST-SECRET", now);
            let p2 = v.placeholder(s, "rule-two", b"second\nsecret", now);
            let o = v.originals(s, now);
            let vocab: [&[u8]; 6] = [&p1, &p2, b"[", b"[REDACTED:", b" text ", b"]"];
            let text: Vec<u8> = words.iter().flat_map(|&w| vocab[w].to_vec()).collect();
            let whole = restore(&text, &o, Context::Text).unwrap_or(text.clone());
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= text.len()).collect();
            cuts.sort_unstable();
            let mut pieces = Pieces::default();
            let mut out = Vec::new();
            let mut last = 0;
            for c in cuts.into_iter().chain([text.len()]) {
                out.extend(pieces.feed(&text[last..c], &o, Context::Text));
                last = c;
            }
            out.extend(pieces.finish(&o, Context::Text));
            prop_assert_eq!(out, whole);
        }
    }
}
