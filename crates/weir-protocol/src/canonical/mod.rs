//! The canonical, block-based model every protocol translates through (protocols.md §1).
//!
//! A request decoded from any client protocol becomes a [`Request`]; a vendor's answer becomes a
//! [`Response`] or a sequence of stream [`Event`]s; each protocol's encoder renders these in its
//! own wire format. The model is a superset of the three protocols, not one of them: thinking
//! signatures, `is_error`, cache hints, redacted reasoning and stop sequences all survive a trip
//! through it, which a Chat-Completions-shaped hub would lose.
//!
//! Tool arguments stay the raw JSON text the model produced ([`ToolCall::arguments`]); only an
//! encoder whose wire format needs an object (Anthropic `input`) parses them.

mod event;
mod profile;
mod reply;
mod request;
mod response;
mod signature;

pub use event::{Block, Delta, Event, Key};
pub use profile::{MaxTokensField, Profile, ReasoningField, ThinkingStyle};
pub use reply::{Reply, anthropic_tool_id, client_id, vendor_tool_name};
pub use request::{
    CacheHint, Media, Message, OutputFormat, Part, Reasoning, ReasoningConfig, Request, Role, Tool,
    ToolCall, ToolChoice, ToolKind, ToolResult,
};
pub use response::{Response, StopReason, Usage};
pub use signature::{Signature, SignatureOrigin};

/// A request or response that cannot be carried into the target protocol. The message is
/// shown to the client (as a 400 in its own protocol) and says what to change; it never quotes
/// request content beyond field names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranslateError {
    /// The body is not a well-formed request or response of its protocol.
    #[error("{0}")]
    Malformed(String),
    /// The body is well-formed but uses something the target cannot express.
    #[error("{0}")]
    Unsupported(String),
}

impl TranslateError {
    /// The error as the client will see it.
    pub fn into_api_error(self) -> crate::ApiError {
        let message = match &self {
            TranslateError::Malformed(m) => format!("weir: {m}"),
            TranslateError::Unsupported(m) => format!("weir: {m}"),
        };
        crate::ApiError::new(crate::ErrorKind::InvalidRequest, message)
    }
}
