//! The Anthropic Messages codec (protocols.md §2–§5): Anthropic Messages requests, responses and
//! streams to and from the canonical model.
//!
//! Both directions exist on both sides, because weir speaks Anthropic Messages to clients
//! (Claude Code and the Anthropic SDKs) and to vendors (Anthropic itself and the
//! Anthropic-compatible endpoints of DeepSeek, Kimi, GLM, DashScope and local servers):
//!
//! | | client side | vendor side |
//! |---|---|---|
//! | requests | [`decode_request`] | [`encode_request`] |
//! | responses | [`encode_response`] | [`decode_response`] |
//! | streams | [`StreamEncoder`] (checked by [`is_well_formed`]) | [`StreamDecoder`] |
//!
//! Vendor quirks come from the [`Profile`](crate::canonical::Profile) handed to the request
//! encoder; nothing here branches on a vendor's name.

mod grammar;
mod request_decode;
mod request_encode;
mod response;
mod stream_decode;
mod stream_encode;
mod wire;

pub use grammar::is_well_formed;
pub use request_decode::decode_request;
pub use request_encode::{DEFAULT_MAX_TOKENS, encode_request, encode_request_as};
pub use response::{decode_response, encode_response};
pub use stream_decode::StreamDecoder;
pub use stream_encode::StreamEncoder;
