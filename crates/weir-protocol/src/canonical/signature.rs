//! Reasoning signatures tagged with the vendor that made them (protocols.md §2.4).
//!
//! A thinking signature or encrypted reasoning blob is only meaningful to the vendor that made
//! it: Anthropic rejects a conversation carrying another vendor's "signature", and DeepSeek wants
//! its own reasoning back. When weir hands one to a client through a translation it wraps it as
//! `weir1:<vendor>:<base64url(json)>`, so that when the client replays its history weir knows
//! where the payload came from and can restore it for that vendor or drop it for any other.
//! Signatures without the tag are the client's own business (a same-protocol conversation) and
//! go only to vendors of that protocol, unchanged.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

const TAG: &str = "weir1:";

/// Where a signature came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureOrigin {
    /// A raw value weir did not tag (a client's same-protocol history).
    Untagged,
    /// Made by this weir vendor (its configured name).
    Vendor(String),
}

/// A reasoning payload bound to its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Who made it.
    pub origin: SignatureOrigin,
    /// The vendor's value (A signature, R `encrypted_content`, or reasoning text a C vendor
    /// needs back).
    pub value: String,
}

#[derive(Serialize, Deserialize)]
struct Packed<'a> {
    #[serde(borrow)]
    s: std::borrow::Cow<'a, str>,
}

impl Signature {
    /// A signature made by `vendor`.
    pub fn from_vendor(vendor: &str, value: impl Into<String>) -> Signature {
        Signature {
            origin: SignatureOrigin::Vendor(vendor.to_owned()),
            value: value.into(),
        }
    }

    /// Reads a signature as a client sent it back: a `weir1:` tag is unpacked; anything else
    /// (including a malformed tag) is an untagged value.
    pub fn parse(text: &str) -> Signature {
        let untagged = || Signature {
            origin: SignatureOrigin::Untagged,
            value: text.to_owned(),
        };
        let Some(rest) = text.strip_prefix(TAG) else {
            return untagged();
        };
        let Some((vendor, packed)) = rest.split_once(':') else {
            return untagged();
        };
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(packed) else {
            return untagged();
        };
        match serde_json::from_slice::<Packed<'_>>(&bytes) {
            Ok(p) if !vendor.is_empty() => Signature::from_vendor(vendor, p.s.into_owned()),
            _ => untagged(),
        }
    }

    /// The text to hand a client: the tag for a vendor's signature, the raw value otherwise.
    pub fn to_client(&self) -> String {
        match &self.origin {
            SignatureOrigin::Untagged => self.value.clone(),
            SignatureOrigin::Vendor(vendor) => {
                let packed = serde_json::to_vec(&Packed {
                    s: std::borrow::Cow::Borrowed(&self.value),
                })
                .unwrap_or_default();
                format!("{TAG}{vendor}:{}", URL_SAFE_NO_PAD.encode(packed))
            }
        }
    }

    /// The value to send to `vendor` (speaking a protocol whose signatures are `native` to
    /// untagged values), or `None` when the payload means nothing there and must be dropped.
    pub fn for_vendor(&self, vendor: &str, untagged_ok: bool) -> Option<&str> {
        match &self.origin {
            SignatureOrigin::Vendor(v) if v == vendor => Some(&self.value),
            SignatureOrigin::Vendor(_) => None,
            SignatureOrigin::Untagged => untagged_ok.then_some(self.value.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_keep_the_vendor() {
        let s = Signature::from_vendor("deepseek", "EqQBCkYI\"odd\"/+=");
        let text = s.to_client();
        assert!(text.starts_with("weir1:deepseek:"), "{text}");
        assert_eq!(Signature::parse(&text), s);
        assert_eq!(s.for_vendor("deepseek", false), Some("EqQBCkYI\"odd\"/+="));
        assert_eq!(s.for_vendor("anthropic", true), None);
    }

    #[test]
    fn untagged_and_malformed_tags_stay_raw() {
        for raw in ["EqQBCkYIARgCIkD", "weir1:", "weir1:x:!!!", "weir1::e30"] {
            let s = Signature::parse(raw);
            assert_eq!(s.origin, SignatureOrigin::Untagged, "{raw}");
            assert_eq!(s.value, raw);
            assert_eq!(s.to_client(), raw);
        }
        let s = Signature::parse("abc");
        assert_eq!(s.for_vendor("anthropic", true), Some("abc"));
        assert_eq!(s.for_vendor("deepseek", false), None);
    }
}
