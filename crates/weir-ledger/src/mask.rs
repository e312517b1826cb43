//! Credentials never enter the ledger: before content is stored or hashed, every token that has
//! the shape of a well-known credential is masked in place.
//!
//! The mask keeps the length and the recognisable prefix (`sk-ant-api03-*****…`), so a reader
//! of the stored content sees that a key of that kind was sent and where, and the stored body
//! still parses as it did. What is stored (and hashed) is the masked body; an exchange that
//! carried a credential is therefore replayed with the credential masked. This is the ledger's
//! own last line of defence; detection and redaction of what leaves is the detectors' work.

use std::borrow::Cow;

/// Prefixes of credentials with a recognisable shape, with the least length of the token body
/// that follows (so ordinary words that share a prefix are not masked).
const SHAPES: &[(&[u8], usize)] = &[
    (b"sk-ant-", 20),
    (b"sk-proj-", 20),
    (b"sk-or-v1-", 20),
    (b"sk-", 20),
    (b"AKIA", 16),
    (b"ASIA", 16),
    (b"ghp_", 30),
    (b"gho_", 30),
    (b"ghs_", 30),
    (b"github_pat_", 30),
    (b"glpat-", 20),
    (b"xoxb-", 20),
    (b"xoxp-", 20),
    (b"AIza", 30),
    (b"hf_", 30),
];

/// How many bytes of a token stay visible (its prefix and a few more).
const VISIBLE: usize = 4;

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `body` with every credential-shaped token masked; borrowed when there is none.
pub fn mask(body: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < body.len() {
        // A token starts where the previous byte is not part of one.
        if i > 0 && is_token_byte(body[i - 1]) {
            i += 1;
            continue;
        }
        let Some(&(prefix, min)) = SHAPES.iter().find(|(p, _)| body[i..].starts_with(p)) else {
            i += 1;
            continue;
        };
        let start = i + prefix.len();
        let mut end = start;
        while end < body.len() && is_token_byte(body[end]) {
            end += 1;
        }
        if end - start >= min {
            let out = out.get_or_insert_with(|| body.to_vec());
            for b in &mut out[(start + VISIBLE).min(end)..end] {
                *b = b'*';
            }
        }
        i = end.max(i + 1);
    }
    match out {
        Some(v) => Cow::Owned(v),
        None => Cow::Borrowed(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_masked_and_the_rest_is_untouched() {
        let key = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        let body = format!(r#"{{"messages":[{{"role":"user","content":"my key is {key} ok"}}]}}"#);
        let masked = mask(body.as_bytes());
        let text = std::str::from_utf8(&masked).unwrap();
        assert!(!text.contains(key));
        assert!(text.contains("sk-ant-api0****"), "{text}");
        assert_eq!(masked.len(), body.len());
        assert!(serde_json::from_str::<serde_json::Value>(text).is_ok());
        let aws = mask(b"id AKIAIOSFODNN7EXAMPLE end");
        assert_eq!(&*aws, b"id AKIAIOSF************ end");
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        let body = b"ask-me: sk-short, task-runner, AKIA short, risk-assessment-of-the-whole-plan";
        assert!(matches!(mask(body), Cow::Borrowed(_)));
    }
}
