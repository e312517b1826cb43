//! What the ledger records: one [`Entry`] when an exchange starts, one when it ends (or is
//! found interrupted), each sealed into the chain by its canonical bytes.
//!
//! The canonical encoding of an entry is the compact JSON that `serde_json` writes for
//! [`Canonical`]: fields in declaration order, no floats, absent optional fields omitted. It is
//! part of the ledger format (golden vectors in the tests pin it): a field may be added only as an
//! optional one, so entries written by an older weir keep their bytes and verify.

use serde::{Deserialize, Serialize};

/// A SHA-256 digest, written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The digest in hex.
    pub fn hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            s.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
        }
        s
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Digest> {
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(pair[1]).to_digit(16)?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Some(Digest(out))
    }

    /// The digest from a database column.
    pub fn from_slice(b: &[u8]) -> Option<Digest> {
        <[u8; 32]>::try_from(b).ok().map(Digest)
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", &self.hex()[..12])
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.hex())
    }
}

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Digest::from_hex(&s).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// An entry before it is sealed: what the gateway hands the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// When it happened, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// weir's id of the exchange (`req_…`), shared by its start and end entries.
    pub exchange: String,
    /// What happened.
    pub event: Event,
}

/// The bytes that are hashed: a draft with its place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Canonical {
    /// Format version of this encoding (1).
    pub v: u32,
    /// Position in the chain, from 1, gap-free.
    pub seq: u64,
    /// See [`Draft::at_ms`].
    pub at_ms: i64,
    /// See [`Draft::exchange`].
    pub exchange: String,
    /// See [`Draft::event`].
    pub event: Event,
}

/// The current canonical format version.
pub const FORMAT: u32 = 1;

impl Canonical {
    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        // Serialising these plain structs cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads canonical bytes back.
    pub fn decode(bytes: &[u8]) -> Result<Canonical, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// What an entry records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A request was accepted and is about to leave.
    Start(Box<Start>),
    /// The exchange ended.
    Finish(Box<Finish>),
    /// The exchange never ended: weir stopped, or the client went away, before it did.
    Interrupted {
        /// Why.
        reason: String,
    },
    /// A tool opened a connection through weir as its forward proxy: a whole exchange in one
    /// entry, written before any byte is relayed.
    Tunnel(Box<Tunnel>),
}

impl Event {
    /// The entry kind as stored in its own column: `start`, `finish` or `interrupted`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Start(_) => "start",
            Event::Finish(_) => "finish",
            Event::Interrupted { .. } => "interrupted",
            Event::Tunnel(_) => "tunnel",
        }
    }
}

/// The start of an exchange: who asked, for what, and what is about to leave.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Start {
    /// The weir instance that handled it (so that one replica's recovery marks only its own
    /// unfinished exchanges).
    pub node: String,
    /// The coding tool, as identified so far.
    pub client: Client,
    /// The user, as identified so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The project, as identified so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The client's protocol (`anthropic`, `openai-chat`, `openai-responses`).
    pub protocol: String,
    /// The path the client called.
    pub path: String,
    /// The model the client asked for.
    pub model: String,
    /// Whether the client asked for a stream.
    pub stream: bool,
    /// The route that matched.
    pub route: String,
    /// The targets the request may go to, in order.
    pub targets: Vec<Target>,
    /// The request as the client sent it.
    pub request: Content,
}

/// A connection through weir as a forward proxy (`HTTPS_PROXY`): `CONNECT host:port`, or a
/// plain-HTTP request in absolute form. weir sees where it goes, not what it carries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tunnel {
    /// The weir instance that handled it.
    pub node: String,
    /// The tool that opened it, as identified.
    pub client: Client,
    /// `CONNECT`, or the method of a plain-HTTP proxy request.
    pub method: String,
    /// The destination host.
    pub host: String,
    /// The destination port.
    pub port: u16,
    /// Whether weir let it through.
    pub allowed: bool,
    /// Why it was refused (the list entry and its line), when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A coding tool.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Client {
    /// Its name (`claude-code`, `codex`, `openai-python`, ...), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// Its version, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The session id the tool uses, when it sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// A place a request may go.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Target {
    /// The vendor's name in the configuration.
    pub vendor: String,
    /// The model asked of it.
    pub model: String,
    /// Where its operator is (`US`, `CN`, `EU`, `local`, ...).
    pub jurisdiction: String,
    /// The host of its endpoint.
    pub host: String,
}

/// A reference to content: its root digest in the block store and its length.
///
/// `digest` is absent when the retention mode keeps no trace of this content (`none`).
/// `stored` says whether its blocks were written (not in `hashes-only`, nor for the client's
/// own request in `redacted`). Blocks may be erased later; the entry still verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Content {
    /// Root of the content's block tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// Length in bytes.
    pub bytes: u64,
    /// Whether the blocks were stored.
    pub stored: bool,
}

/// How an exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A vendor answered, the first one tried.
    Ok,
    /// A vendor answered after another one failed.
    FailedOver,
    /// A vendor refused or failed, and the client got its error.
    VendorError,
    /// No vendor could be reached or none was available; nothing was answered.
    Failed,
    /// weir refused the request before it left (invalid, or nothing could serve it).
    Rejected,
    /// Policy or a detector stopped the request.
    Blocked,
    /// The exchange did not finish (client gone, weir stopped, stream broke).
    Interrupted,
}

impl Outcome {
    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::FailedOver => "failed_over",
            Outcome::VendorError => "vendor_error",
            Outcome::Failed => "failed",
            Outcome::Rejected => "rejected",
            Outcome::Blocked => "blocked",
            Outcome::Interrupted => "interrupted",
        }
    }

    /// Every outcome.
    pub const ALL: [Outcome; 7] = [
        Outcome::Ok,
        Outcome::FailedOver,
        Outcome::VendorError,
        Outcome::Failed,
        Outcome::Rejected,
        Outcome::Blocked,
        Outcome::Interrupted,
    ];

    /// Reads a name written by [`Outcome::as_str`].
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// The end of an exchange: where it went, what came back, what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finish {
    /// How it ended.
    pub outcome: Outcome,
    /// The HTTP status the client got.
    pub status: u16,
    /// The error the client got, if any (weir's or the vendor's message; never a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every vendor the request was sent to, in order.
    pub attempts: Vec<Attempt>,
    /// What went back to the client.
    pub response: Content,
    /// Tokens, as the vendor reported them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Tokens>,
    /// Where the time went.
    pub latency: Latency,
    /// What detectors found in the request (filled by the detection stage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// What policy decided (filled by the policy stage).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<Decision>,
}

impl Finish {
    /// The attempt that answered, if one did.
    pub fn served_by(&self) -> Option<&Attempt> {
        self.attempts
            .iter()
            .rev()
            .find(|a| a.result == AttemptResult::Answered)
    }

    /// Bytes sent to vendors, over every attempt.
    pub fn bytes_out(&self) -> u64 {
        self.attempts.iter().map(|a| a.sent.bytes).sum()
    }

    /// Bytes received from vendors, over every attempt.
    pub fn bytes_in(&self) -> u64 {
        self.attempts.iter().map(|a| a.received).sum()
    }
}

/// One vendor a request was sent to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Where it went.
    pub target: Target,
    /// The protocol weir spoke to it.
    pub protocol: String,
    /// A short fingerprint of the key used (`fp:` and 8 hex digits of its SHA-256), never the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What came of it.
    pub result: AttemptResult,
    /// The vendor's HTTP status, if it answered at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The body that left for the vendor.
    pub sent: Content,
    /// Bytes received from the vendor.
    pub received: u64,
    /// Milliseconds from sending to the vendor's response headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_byte_ms: Option<u64>,
}

/// What came of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptResult {
    /// Its answer went to the client.
    Answered,
    /// It failed before answering; the next target was tried.
    FailedOver,
    /// It refused; its error went to the client.
    Refused,
    /// It could not be reached or broke; nothing else was tried.
    Failed,
}

/// Tokens of one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tokens {
    /// Input tokens, cache reads and writes included.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
    /// Input tokens read from the vendor's cache.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cache_read: u64,
    /// Input tokens written to the vendor's cache.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cache_write: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Where the time of an exchange went, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Latency {
    /// From the request's arrival to the vendor's first response headers (the last attempt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_byte_ms: Option<u64>,
    /// From the request's arrival to the end of the answer.
    pub total_ms: u64,
}

/// Something a detector found (a secret, personal data, a fingerprint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The detector's rule id.
    pub rule: String,
    /// Its category (`secret`, `pii`, `fingerprint`, `marker`).
    pub category: String,
    /// Where in the request (a JSON pointer or a message index), never the matched text.
    pub location: String,
    /// What was done about it (`redacted`, `blocked`, `reported`).
    pub action: String,
}

/// A policy decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The rule that decided.
    pub rule: String,
    /// The effect (`allow`, `deny`, `route`, `observe`).
    pub effect: String,
    /// Why, in words.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_round_trip_through_hex() {
        let d = Digest([0xab; 32]);
        assert_eq!(d.hex().len(), 64);
        assert_eq!(Digest::from_hex(&d.hex()), Some(d));
        assert_eq!(Digest::from_hex("zz"), None);
        assert_eq!(Digest::from_hex(&"g".repeat(64)), None);
    }

    #[test]
    fn outcomes_round_trip_through_names() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
            assert_eq!(
                serde_json::to_string(&o).unwrap(),
                format!("\"{}\"", o.as_str())
            );
        }
    }
}
