//! Wire formats of the three client protocols weir speaks (Anthropic Messages, OpenAI Chat
//! Completions, OpenAI Responses) and the pieces every request path shares: SSE framing,
//! protocol-shaped errors, model-name rewriting and the same-protocol stream relay.
//!
//! Nothing here performs I/O: every function takes bytes or values and returns bytes or values,
//! so each piece is testable without a socket.
#![warn(missing_docs)]

pub mod anthropic;
pub mod canonical;
pub mod chat;
pub mod error;
pub mod json;
pub mod models;
pub mod relay;
pub mod request;
pub mod responses;
pub mod sse;
pub mod translate;
pub mod usage;

mod protocol;

pub use error::{ApiError, ErrorKind, StreamContext};
pub use protocol::{Endpoint, Protocol, UnknownProtocol};
