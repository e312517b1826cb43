//! What the emulator knows about a request: the recorded copy, and the parsed view the script
//! and the protocol renderers use.

use bytes::Bytes;
use serde_json::Value;

use crate::script::When;

/// A request as received by a model endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `"POST"`.
    pub method: String,
    /// The path and query, e.g. `"/v1/messages?beta=true"`.
    pub path: String,
    /// All headers as received, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// The three generation protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Anthropic Messages.
    Anthropic,
    /// OpenAI Chat Completions.
    Chat,
    /// OpenAI Responses.
    Responses,
}

impl Protocol {
    /// The name used in [`When::protocol`].
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Anthropic => "anthropic",
            Protocol::Chat => "openai-chat",
            Protocol::Responses => "openai-responses",
        }
    }
}

/// A parsed generation request.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The protocol of the endpoint.
    pub protocol: Protocol,
    /// The request body as JSON (always an object).
    pub body: Value,
    /// The raw body length in bytes.
    pub body_len: usize,
    /// The request's `model`.
    pub model: String,
    /// Whether `"stream": true`.
    pub stream: bool,
}

impl Parsed {
    /// Parses and validates `raw` for `protocol`; `Err` holds the message for a 400.
    pub fn new(protocol: Protocol, raw: &[u8]) -> Result<Parsed, String> {
        let body: Value = serde_json::from_slice(raw)
            .map_err(|e| format!("The request body is not valid JSON: {e}"))?;
        let Some(object) = body.as_object() else {
            return Err("The request body must be a JSON object.".into());
        };
        let model = match object.get("model") {
            Some(Value::String(m)) => m.clone(),
            Some(_) => return Err("model: Input should be a valid string".into()),
            None => return Err(missing(protocol, "model")),
        };
        match protocol {
            Protocol::Anthropic => {
                if !object.get("messages").is_some_and(Value::is_array) {
                    return Err(missing(protocol, "messages"));
                }
                if !object.get("max_tokens").is_some_and(Value::is_u64) {
                    return Err(missing(protocol, "max_tokens"));
                }
            }
            Protocol::Chat => {
                if !object.get("messages").is_some_and(Value::is_array) {
                    return Err(missing(protocol, "messages"));
                }
            }
            Protocol::Responses => {}
        }
        let stream = object.get("stream").and_then(Value::as_bool) == Some(true);
        Ok(Parsed {
            protocol,
            body_len: raw.len(),
            model,
            stream,
            body,
        })
    }

    /// Whether the request has a non-empty `tools` array.
    pub fn has_tools(&self) -> bool {
        self.body
            .get("tools")
            .and_then(Value::as_array)
            .is_some_and(|t| !t.is_empty())
    }

    /// Whether the newest input is a tool result.
    pub fn last_is_tool_result(&self) -> bool {
        match self.protocol {
            Protocol::Anthropic => {
                let Some(last) = self.messages().and_then(|m| m.last()) else {
                    return false;
                };
                last.get("role").and_then(Value::as_str) == Some("user")
                    && last
                        .get("content")
                        .and_then(Value::as_array)
                        .is_some_and(|blocks| {
                            blocks.iter().any(|b| {
                                b.get("type").and_then(Value::as_str) == Some("tool_result")
                            })
                        })
            }
            Protocol::Chat => {
                self.messages()
                    .and_then(|m| m.last())
                    .and_then(|m| m.get("role"))
                    .and_then(Value::as_str)
                    == Some("tool")
            }
            Protocol::Responses => matches!(
                self.body
                    .get("input")
                    .and_then(Value::as_array)
                    .and_then(|items| items.last())
                    .and_then(|item| item.get("type"))
                    .and_then(Value::as_str),
                Some("function_call_output" | "custom_tool_call_output")
            ),
        }
    }

    /// Chat only: whether `stream_options.include_usage` is true.
    pub fn include_usage(&self) -> bool {
        self.body
            .pointer("/stream_options/include_usage")
            .and_then(Value::as_bool)
            == Some(true)
    }

    /// Whether `when` holds for this request, whose raw body is `raw`.
    pub fn matches(&self, when: &When, raw: &[u8]) -> bool {
        when.protocol
            .as_deref()
            .is_none_or(|p| p == self.protocol.name())
            && when.model.as_deref().is_none_or(|m| m == self.model)
            && when.stream.is_none_or(|s| s == self.stream)
            && when.has_tools.is_none_or(|t| t == self.has_tools())
            && when
                .last_is_tool_result
                .is_none_or(|t| t == self.last_is_tool_result())
            && when
                .body_contains
                .as_deref()
                .is_none_or(|needle| contains(raw, needle.as_bytes()))
    }

    fn messages(&self) -> Option<&Vec<Value>> {
        self.body.get("messages").and_then(Value::as_array)
    }
}

fn missing(protocol: Protocol, field: &str) -> String {
    match protocol {
        Protocol::Anthropic => format!("{field}: Field required"),
        _ => format!("Missing required parameter: '{field}'."),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}
