//! Canonical stream events: what every vendor stream decodes into and every client stream is
//! encoded from (protocols.md §1.3).
//!
//! The contract between a decoder (vendor side) and an encoder (client side):
//! - `Start` comes first, once.
//! - Each block is announced by `BlockStart` before its first `Delta` and ended by `BlockStop`,
//!   under a [`Key`] the decoder assigns from the vendor's own identity for it (a Chat tool-call
//!   index or id, a Responses item id, an Anthropic block index). Keys are never reused within a
//!   stream. Several blocks may be open at once (Chat Completions interleaves parallel tool
//!   calls); the encoder serialises them as its protocol requires.
//! - `Finish` says why generation stopped; `Usage` may come before or after it (latest wins).
//! - The stream ends with `End` (clean) or `Error` (the vendor reported a failure, or its stream
//!   ended before completing). Nothing follows either.

use super::{StopReason, Usage};
use crate::ApiError;

/// A block's identity within one stream.
pub type Key = u32;

/// What kind of block opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Text.
    Text,
    /// Readable reasoning; an opaque signature may follow as [`Delta::Signature`].
    Reasoning {
        /// R reasoning item id, when the vendor gave one.
        item_id: Option<String>,
    },
    /// Redacted reasoning: the whole opaque blob, no deltas.
    RedactedReasoning {
        /// The blob.
        data: String,
    },
    /// A tool call; its arguments arrive as [`Delta::Arguments`].
    ToolCall {
        /// The call id (already sanitised for the client by the decoder when needed).
        id: String,
        /// The tool's name as the vendor sent it.
        name: String,
        /// Opaque vendor data that must go back with the call.
        extras: Option<serde_json::Value>,
    },
}

/// A piece of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delta {
    /// Text for a `Text` block.
    Text(String),
    /// Reasoning text for a `Reasoning` block.
    Reasoning(String),
    /// The opaque signature of a `Reasoning` block, tagged with its vendor when it crosses
    /// protocols.
    Signature(super::Signature),
    /// A fragment of a tool call's arguments, verbatim.
    Arguments(String),
}

/// One canonical stream event.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The answer begins.
    Start {
        /// The vendor's id for the answer.
        id: String,
        /// Input counters, when the vendor reports them up front (A `message_start`).
        usage: Option<Usage>,
    },
    /// A block opens.
    BlockStart {
        /// Its key.
        key: Key,
        /// Its kind.
        block: Block,
    },
    /// A piece of an open block.
    Delta {
        /// The block's key.
        key: Key,
        /// The piece.
        delta: Delta,
    },
    /// A block is complete.
    BlockStop {
        /// The block's key.
        key: Key,
    },
    /// Why generation stopped.
    Finish {
        /// The reason.
        reason: StopReason,
        /// The stop sequence that matched, if the vendor says.
        stop_sequence: Option<String>,
    },
    /// Token counts so far (the latest replaces earlier ones).
    Usage(Usage),
    /// Nothing to say yet, but the vendor is alive (A `ping`).
    Ping,
    /// The stream ended cleanly.
    End,
    /// The stream ended in an error.
    Error(ApiError),
}
