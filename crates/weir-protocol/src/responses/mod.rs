//! The OpenAI Responses protocol (`POST /v1/responses`) on both sides of weir.
//!
//! Client side (Codex CLI, the OpenAI SDKs): [`decode_request`] reads what the client sent,
//! [`encode_response`] and [`StreamEncoder`] answer it. Vendor side (OpenAI, OpenRouter,
//! Moonshot, DashScope, local servers): [`encode_request`] writes what the vendor reads,
//! [`decode_response`] and [`StreamDecoder`] read its answer. Everything goes through the
//! canonical model (`crate::canonical`); the mapping rules are protocols.md §2–§5, with the R
//! column and §4.2/§4.3 for streams.
//!
//! Conventions shared with the other codecs:
//! - A `custom` (free-form) tool call is a canonical call of [`ToolKind::Custom`] whose
//!   arguments are the raw input. Vendors of other protocols see a function taking
//!   `{"input": "<raw>"}`; their calls come back as function calls with that shape, which the
//!   encoders here unwrap into `custom_tool_call` items for tools the client declared `custom`.
//! - Client-facing ids are derived deterministically: `resp_…` from the vendor's answer id,
//!   items `rs_…`/`msg_…` from the response id and the item's position, `fc_…`/`ctc_…` from the
//!   call id.
//!
//! [`ToolKind::Custom`]: crate::canonical::ToolKind::Custom

pub(crate) mod grammar;
mod ids;
mod request_decode;
mod request_encode;
mod response_decode;
mod response_encode;
mod stream_decode;
mod stream_encode;
mod wire;

pub use grammar::is_well_formed;
pub use request_decode::decode_request;
pub use request_encode::{encode_request, encode_request_as};
pub use response_decode::decode_response;
pub use response_encode::encode_response;
pub use stream_decode::StreamDecoder;
pub use stream_encode::StreamEncoder;

#[cfg(test)]
mod tests;
