//! The hash chain: how an entry is sealed to the one before it.
//!
//! ```text
//! leaf(n) = SHA-256(0x00 ‖ canonical bytes of entry n)
//! head(0) = 32 zero bytes
//! head(n) = SHA-256(0x01 ‖ head(n-1) ‖ leaf(n))
//! ```
//!
//! `head(n)` is stored with entry `n`, and a checkpoint signs `(n, head(n))`. Changing, removing,
//! inserting or reordering any entry up to `n` changes every head from there on.

use sha2::{Digest as _, Sha256};

use crate::entry::{Canonical, Digest, Draft, FORMAT};

/// The end of the chain: the last sequence number and its head (`seq` 0 and zeros when empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Head {
    /// The last entry's sequence number.
    pub seq: u64,
    /// The chain's head after it.
    pub hash: Digest,
}

/// An entry with its place in the chain, as a store writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Sequence number.
    pub seq: u64,
    /// See [`Draft::at_ms`] (a column, checked against `body` by verification).
    pub at_ms: i64,
    /// See [`Draft::exchange`] (a column, checked against `body`).
    pub exchange: String,
    /// `start`, `finish` or `interrupted` (a column, checked against `body`).
    pub kind: String,
    /// The canonical bytes.
    pub body: Vec<u8>,
    /// The chain's head after this entry.
    pub hash: Digest,
}

/// The leaf hash of canonical bytes.
pub fn leaf(body: &[u8]) -> Digest {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(body);
    Digest(h.finalize().into())
}

/// The head after appending `leaf` to `prev`.
pub fn link(prev: &Digest, leaf: &Digest) -> Digest {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(prev.0);
    h.update(leaf.0);
    Digest(h.finalize().into())
}

/// Seals `draft` after `prev`.
pub fn seal(prev: &Head, draft: &Draft) -> Sealed {
    let seq = prev.seq + 1;
    let canonical = Canonical {
        v: FORMAT,
        seq,
        at_ms: draft.at_ms,
        exchange: draft.exchange.clone(),
        event: draft.event.clone(),
    };
    let body = canonical.encode();
    let hash = link(&prev.hash, &leaf(&body));
    Sealed {
        seq,
        at_ms: draft.at_ms,
        exchange: draft.exchange.clone(),
        kind: draft.event.kind().to_owned(),
        body,
        hash,
    }
}

/// Seals `drafts` in order after `head`, advancing it.
pub fn seal_all(head: &mut Head, drafts: &[Draft]) -> Vec<Sealed> {
    drafts
        .iter()
        .map(|d| {
            let s = seal(head, d);
            *head = Head {
                seq: s.seq,
                hash: s.hash,
            };
            s
        })
        .collect()
}

/// Recomputes the chain over `entries` (all of them, from seq 1, in order): the head when every
/// entry is in place and re-seals to its stored hash, or the first seq that does not.
pub fn check(entries: &[Sealed]) -> Result<Head, u64> {
    let mut head = Head::default();
    for e in entries {
        let hash = link(&head.hash, &leaf(&e.body));
        if e.seq != head.seq + 1 || e.hash != hash {
            return Err(head.seq + 1);
        }
        head = Head { seq: e.seq, hash };
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Event;

    fn draft(n: i64) -> Draft {
        Draft {
            at_ms: n,
            exchange: format!("req_{n}"),
            event: Event::Interrupted {
                reason: "test".into(),
            },
        }
    }

    #[test]
    fn golden_vector_pins_the_encoding_and_the_hashes() {
        let s = seal(&Head::default(), &draft(1_700_000_000_000));
        assert_eq!(
            String::from_utf8(s.body.clone()).unwrap(),
            r#"{"v":1,"seq":1,"at_ms":1700000000000,"exchange":"req_1700000000000","event":{"kind":"interrupted","reason":"test"}}"#
        );
        assert_eq!(
            s.hash.hex(),
            "81cc8ba4a57d9c6d2d51020492f1c26dd716eb5742f76a7273650b4d7a430e5d",
            "the chain construction is part of the ledger format"
        );
    }

    #[test]
    fn each_head_depends_on_every_entry_before_it() {
        let mut a = Head::default();
        let sa = seal_all(&mut a, &[draft(1), draft(2), draft(3)]);
        let mut b = Head::default();
        let sb = seal_all(&mut b, &[draft(1), draft(9), draft(3)]);
        assert_eq!(sa[0].hash, sb[0].hash);
        assert_ne!(sa[1].hash, sb[1].hash);
        assert_ne!(sa[2].hash, sb[2].hash);
        assert_eq!(a.seq, 3);
        assert_eq!(sa.iter().map(|s| s.seq).collect::<Vec<_>>(), [1, 2, 3]);
    }
}
