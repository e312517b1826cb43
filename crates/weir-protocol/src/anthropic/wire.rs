//! Anthropic wire shapes that weir writes, shared by the request and response encoders, and the
//! small conversions between canonical values and them.
//!
//! Output is written through `#[derive(Serialize)]` structs so that key order follows the
//! order Anthropic documents (and stays byte-stable for prefix caches); `serde_json::Value`
//! objects would sort their keys.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::canonical::{CacheHint, ToolKind, Usage};

/// A prompt-cache breakpoint: `{"type":"ephemeral","ttl"?}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(super) struct CacheControl {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
}

impl CacheControl {
    pub fn from_hint(hint: Option<&CacheHint>) -> Option<CacheControl> {
        hint.map(|h| CacheControl {
            kind: "ephemeral",
            ttl: h.ttl.clone(),
        })
    }
}

/// Where an image's or document's bytes are.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum Source {
    Base64 {
        media_type: String,
        data: String,
    },
    Url {
        url: String,
    },
    Text {
        media_type: &'static str,
        data: String,
    },
}

/// A `tool_result` block's content: a plain string or a list of blocks.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(super) enum ResultContent {
    Text(String),
    Blocks(Vec<Block>),
}

/// One content block as weir writes it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum Block {
    Text {
        text: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
    Image {
        source: Source,
        #[serde(skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
    Document {
        source: Source,
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
    Thinking {
        thinking: String,
        signature: String,
    },
    RedactedThinking {
        data: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Box<RawValue>,
    },
    ToolResult {
        tool_use_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        content: Option<ResultContent>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        is_error: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        cache_control: Option<CacheControl>,
    },
}

impl Block {
    /// The block's own cache breakpoint slot, if its type has one.
    pub fn cache_slot(&mut self) -> Option<&mut Option<CacheControl>> {
        match self {
            Block::Text { cache_control, .. }
            | Block::Image { cache_control, .. }
            | Block::Document { cache_control, .. }
            | Block::ToolResult { cache_control, .. } => Some(cache_control),
            Block::Thinking { .. } | Block::RedactedThinking { .. } | Block::ToolUse { .. } => None,
        }
    }

    /// Whether this is a `thinking` or `redacted_thinking` block.
    pub fn is_thinking(&self) -> bool {
        matches!(
            self,
            Block::Thinking { .. } | Block::RedactedThinking { .. }
        )
    }
}

/// Token counts with all three input counters, in the order Anthropic writes them. Clients
/// size their context gauge from these, so all three are always present (protocols.md §3.3).
#[derive(Debug, Clone, Copy, Serialize)]
pub(super) struct WireUsage {
    pub input_tokens: u64,
    pub cache_creation_input_tokens: u64,
    pub cache_read_input_tokens: u64,
    pub output_tokens: u64,
}

impl WireUsage {
    pub fn from_usage(u: &Usage) -> WireUsage {
        WireUsage {
            input_tokens: u.input,
            cache_creation_input_tokens: u.cache_write,
            cache_read_input_tokens: u.cache_read,
            output_tokens: u.output,
        }
    }
}

/// A tool call's arguments as the `input` object Anthropic requires.
///
/// Function arguments that are a JSON object go through as the model wrote them (whitespace
/// outside strings removed, key order kept); empty arguments are `{}`; anything else cannot be
/// represented faithfully and is wrapped as `{"_raw": "<text>"}` (protocols.md §2.3). Custom
/// tools' free-form input becomes `{"input": "<text>"}` (the shared convention for tools that
/// targets other than Responses see as one-string-property functions).
pub(super) fn tool_input(arguments: &str, kind: &ToolKind) -> Box<RawValue> {
    let wrapped = |key: &str| {
        let mut out = Vec::with_capacity(arguments.len() + key.len() + 8);
        out.extend_from_slice(b"{\"");
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":");
        crate::json::write_string(&mut out, arguments);
        out.push(b'}');
        raw(String::from_utf8(out).unwrap_or_else(|_| "{}".to_owned()))
    };
    if matches!(kind, ToolKind::Custom { .. }) {
        return wrapped("input");
    }
    let trimmed = arguments.trim();
    if trimmed.is_empty() {
        return raw("{}".to_owned());
    }
    match serde_json::from_str::<&RawValue>(trimmed) {
        Ok(v) if v.get().starts_with('{') => raw(minify(v.get())),
        _ => wrapped("_raw"),
    }
}

/// A `RawValue` from text known to be valid JSON.
fn raw(text: String) -> Box<RawValue> {
    RawValue::from_string(text).unwrap_or_else(|_| empty_object())
}

/// `{}` as a raw value.
pub(super) fn empty_object() -> Box<RawValue> {
    // `{}` is valid JSON; the fallback can never be reached but keeps this panic-free.
    serde_json::from_str::<Box<RawValue>>("{}").unwrap_or_default()
}

/// Valid JSON text without whitespace outside strings, keys in their original order. Used
/// wherever weir hands on a JSON value it did not build (tool inputs), so the text matches what
/// a compact serialiser would write without sorting keys.
pub(super) fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The `msg_…` id an Anthropic client sees for an upstream answer id: kept when it already has
/// the prefix, otherwise `msg_` and the id's alphanumeric characters (shared convention), so
/// the same upstream id always gives the same client id.
pub(super) fn message_id(upstream: &str) -> String {
    crate::canonical::client_id("msg_", upstream)
}

/// Indents compact JSON text without reordering keys (snapshots show the key order clients
/// see; `serde_json::Value` would sort it).
#[cfg(test)]
pub(super) fn pretty(json: &str) -> String {
    crate::json::indent(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(args: &str) -> String {
        tool_input(args, &ToolKind::Function).get().to_owned()
    }

    #[test]
    fn object_arguments_pass_through_in_order() {
        // §2.3: arguments string → JSON object for `input`, key order as the model wrote it.
        assert_eq!(
            input("{ \"z\": 1,\n \"a\": \"x y\" }"),
            "{\"z\":1,\"a\":\"x y\"}"
        );
        assert_eq!(input(""), "{}");
        assert_eq!(input("  "), "{}");
    }

    #[test]
    fn unparseable_or_non_object_arguments_are_wrapped() {
        // §2.3: "wrap as {"_raw": "<string>"}".
        assert_eq!(input("{\"a\":"), "{\"_raw\":\"{\\\"a\\\":\"}");
        assert_eq!(input("[1]"), "{\"_raw\":\"[1]\"}");
        assert_eq!(input("\"s\""), "{\"_raw\":\"\\\"s\\\"\"}");
    }

    #[test]
    fn custom_tool_input_is_wrapped_as_input() {
        // Shared convention: a custom call in history is a function call `{"input": <raw>}`.
        let v = tool_input("*** Begin Patch\n\"x\"", &ToolKind::Custom { format: None });
        let parsed: serde_json::Value = serde_json::from_str(v.get()).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"input": "*** Begin Patch\n\"x\""})
        );
    }

    #[test]
    fn minify_keeps_string_whitespace_and_escapes() {
        assert_eq!(
            minify("{ \"a \\\" b\" : [ 1 , \"\\\\\" ] }"),
            "{\"a \\\" b\":[1,\"\\\\\"]}"
        );
    }

    #[test]
    fn pretty_keeps_key_order() {
        assert_eq!(
            pretty("{\"z\":[],\"a\":{\"b\":[1,\"x,{\"]},\"e\":{}}"),
            "{\n  \"z\": [],\n  \"a\": {\n    \"b\": [\n      1,\n      \"x,{\"\n    ]\n  },\n  \"e\": {}\n}"
        );
    }

    #[test]
    fn message_ids_follow_the_shared_convention() {
        assert_eq!(message_id("msg_01abc"), "msg_01abc");
        assert_eq!(message_id("chatcmpl-9x_Y"), "msg_chatcmpl9xY");
        assert_eq!(message_id(""), "msg_weir");
    }
}
