//! OpenAI Chat Completions (C): the codec between the wire format and the canonical model.
//!
//! Four directions, one submodule each:
//! - [`decode_request`]: a Chat Completions client's body → [`Request`](crate::canonical::Request);
//! - [`encode_request`]: a canonical request → the body for a Chat Completions vendor, shaped by
//!   the vendor's [`Profile`](crate::canonical::Profile) (protocols.md §2.2–§2.8);
//! - [`decode_response`] / [`StreamDecoder`]: a vendor's `chat.completion` or chunk stream →
//!   canonical [`Response`](crate::canonical::Response) / [`Event`](crate::canonical::Event)s,
//!   hardened against the stream bugs of protocols.md §4.6;
//! - [`encode_response`] / [`StreamEncoder`]: canonical answers → what a Chat Completions client
//!   (the official SDKs' accumulators in particular) expects (§3.1, §4.1, §4.3.3).
//!
//! [`is_well_formed`] checks a client-side stream against the grammar those SDKs rely on; the
//! cross-protocol tests use it on every stream that ends at a Chat Completions client.

mod fields;
mod grammar;
mod request_decode;
mod request_encode;
mod response_decode;
mod response_encode;
mod stream_decode;
mod stream_encode;
mod tools;
mod usage;

pub use grammar::is_well_formed;
pub use request_decode::decode_request;
pub use request_encode::{encode_request, encode_request_as};
pub use response_decode::decode_response;
pub use response_encode::encode_response;
pub use stream_decode::StreamDecoder;
pub use stream_encode::StreamEncoder;

use crate::canonical::StopReason;

/// The client-facing completion id for a vendor's answer id: kept when it already has the
/// `chatcmpl-` prefix, otherwise the prefix plus the id's alphanumeric characters, so the same
/// answer always gets the same id (snapshot tests and clients comparing stream and non-stream
/// ids rely on that).
fn client_id(upstream: &str) -> String {
    crate::canonical::client_id("chatcmpl-", upstream)
}

/// The `finish_reason` a client sees: `tool_calls` whenever calls were returned and the model
/// stopped on its own (vendors that say `stop` after calling tools included), `stop` for a
/// tool-use stop without any call (clients loop on `tool_calls` expecting calls), otherwise the
/// reason's Chat mapping (protocols.md §3.2).
fn client_finish_reason(stop: StopReason, has_calls: bool) -> &'static str {
    match stop {
        StopReason::EndTurn | StopReason::ToolUse if has_calls => "tool_calls",
        StopReason::ToolUse => "stop",
        other => other.chat(),
    }
}

/// Reads a vendor's `finish_reason`, also accepting the Anthropic spellings some
/// OpenAI-compatible servers leak (`end_turn`, `max_tokens`, `tool_use`). Unknown values read as
/// the model finishing: the answer is there and nothing says it was cut.
fn vendor_finish_reason(reason: &str) -> StopReason {
    StopReason::from_chat(reason)
        .or_else(|| StopReason::from_anthropic(reason))
        .unwrap_or(StopReason::EndTurn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_keep_or_derive_the_vendor_id() {
        // common.md conventions: C `chatcmpl-…`, upstream id kept when it has the prefix.
        assert_eq!(client_id("chatcmpl-abc123"), "chatcmpl-abc123");
        assert_eq!(client_id("msg_01XyZ"), "chatcmpl-msg01XyZ");
        assert_eq!(client_id(""), "chatcmpl-weir");
    }

    #[test]
    fn finish_reasons_follow_section_3_2() {
        assert_eq!(
            client_finish_reason(StopReason::EndTurn, true),
            "tool_calls"
        );
        assert_eq!(client_finish_reason(StopReason::EndTurn, false), "stop");
        assert_eq!(
            client_finish_reason(StopReason::ToolUse, true),
            "tool_calls"
        );
        assert_eq!(client_finish_reason(StopReason::ToolUse, false), "stop");
        assert_eq!(client_finish_reason(StopReason::MaxTokens, true), "length");
        assert_eq!(
            client_finish_reason(StopReason::Refusal, false),
            "content_filter"
        );
        assert_eq!(
            client_finish_reason(StopReason::StopSequence, false),
            "stop"
        );
        assert_eq!(vendor_finish_reason("length"), StopReason::MaxTokens);
        assert_eq!(vendor_finish_reason("function_call"), StopReason::ToolUse);
        assert_eq!(vendor_finish_reason("max_tokens"), StopReason::MaxTokens);
        assert_eq!(vendor_finish_reason("eos"), StopReason::EndTurn);
    }
}

/// Helpers shared by this module's tests.
#[cfg(test)]
pub(crate) mod test_support {
    /// Re-indents compact JSON text without reordering keys (a `serde_json::Value` would sort
    /// them), so snapshots show the wire order.
    pub fn pretty(json: &str) -> String {
        crate::json::indent(json)
    }

    #[test]
    fn pretty_keeps_key_order() {
        assert_eq!(
            pretty(r#"{"b":[1,{}],"a":"x,\"{"}"#),
            "{\n  \"b\": [\n    1,\n    {}\n  ],\n  \"a\": \"x,\\\"{\"\n}"
        );
    }
}
