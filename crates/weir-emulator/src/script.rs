//! The script: which reply the emulator gives to which request, and which faults it injects.
//!
//! Every type here deserializes from JSON (for the control API and `--script FILE`) and has
//! builder helpers for Rust tests.

use serde::{Deserialize, Serialize};

/// What the emulator answers. The first rule whose [`When`] matches and whose `times` is not
/// used up gives the reply; otherwise `default` does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// Rules, tried in order.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// The reply when no rule matches (default: the text "ok").
    #[serde(default = "Reply::ok")]
    pub default: Reply,
    /// When set, requests without this API key get 401 in the vendor's error shape.
    #[serde(default)]
    pub require_key: Option<String>,
    /// When set, requests beyond the limit get 429 with `retry-after` and rate-limit headers.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            rules: Vec::new(),
            default: Reply::ok(),
            require_key: None,
            rate_limit: None,
        }
    }
}

impl Script {
    /// A script that answers every request with the text "ok".
    pub fn new() -> Script {
        Script::default()
    }

    /// A script whose default reply is `reply`.
    pub fn reply(reply: Reply) -> Script {
        Script {
            default: reply,
            ..Script::default()
        }
    }

    /// Replaces the default reply.
    pub fn with_default(mut self, reply: Reply) -> Script {
        self.default = reply;
        self
    }

    /// Appends a rule that applies every time `when` matches.
    pub fn rule(mut self, when: When, reply: Reply) -> Script {
        self.rules.push(Rule {
            when,
            times: None,
            reply,
        });
        self
    }

    /// Appends a rule that applies to the first `times` requests `when` matches.
    pub fn rule_times(mut self, when: When, times: u32, reply: Reply) -> Script {
        self.rules.push(Rule {
            when,
            times: Some(times),
            reply,
        });
        self
    }

    /// Requires this API key (`x-api-key` or `authorization: Bearer`).
    pub fn require_key(mut self, key: impl Into<String>) -> Script {
        self.require_key = Some(key.into());
        self
    }

    /// Allows at most `requests` generation requests per sliding window of `window_ms`.
    pub fn rate_limit(mut self, requests: u32, window_ms: u64) -> Script {
        self.rate_limit = Some(RateLimit {
            requests,
            window_ms,
        });
        self
    }
}

/// A request-rate limit over a sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests allowed within one window.
    pub requests: u32,
    /// Window length in milliseconds.
    pub window_ms: u64,
}

/// One scripted reply, guarded by a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The condition; every field that is set must hold.
    #[serde(default)]
    pub when: When,
    /// How many times the rule may apply (unlimited when absent).
    #[serde(default)]
    pub times: Option<u32>,
    /// The reply.
    pub reply: Reply,
}

/// A condition on a request. Every field is optional; all fields that are set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// `"anthropic"`, `"openai-chat"` or `"openai-responses"`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// The exact `model` of the request.
    #[serde(default)]
    pub model: Option<String>,
    /// Whether the request asks for a stream.
    #[serde(default)]
    pub stream: Option<bool>,
    /// Whether the request has a non-empty `tools` array.
    #[serde(default)]
    pub has_tools: Option<bool>,
    /// Whether the newest input is a tool result.
    #[serde(default)]
    pub last_is_tool_result: Option<bool>,
    /// A substring of the raw request body.
    #[serde(default)]
    pub body_contains: Option<String>,
}

impl When {
    /// A condition that matches every request.
    pub fn any() -> When {
        When::default()
    }

    /// Requires the protocol (`"anthropic"`, `"openai-chat"`, `"openai-responses"`).
    pub fn protocol(mut self, protocol: impl Into<String>) -> When {
        self.protocol = Some(protocol.into());
        self
    }

    /// Requires the request's `model`.
    pub fn model(mut self, model: impl Into<String>) -> When {
        self.model = Some(model.into());
        self
    }

    /// Requires streaming (`true`) or non-streaming (`false`).
    pub fn stream(mut self, stream: bool) -> When {
        self.stream = Some(stream);
        self
    }

    /// Requires the request to have (or not have) tools.
    pub fn has_tools(mut self, has_tools: bool) -> When {
        self.has_tools = Some(has_tools);
        self
    }

    /// Requires the newest input to be (or not be) a tool result.
    pub fn last_is_tool_result(mut self, yes: bool) -> When {
        self.last_is_tool_result = Some(yes);
        self
    }

    /// Requires the raw body to contain `needle`.
    pub fn body_contains(mut self, needle: impl Into<String>) -> When {
        self.body_contains = Some(needle.into());
        self
    }
}

/// A tool call the model makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    /// The call id (generated in the vendor's format when absent).
    #[serde(default)]
    pub id: Option<String>,
    /// The tool name.
    pub name: String,
    /// The arguments as raw JSON text. When a Responses request declares `name` as a `custom`
    /// tool, the call is a `custom_tool_call` whose input is the string in arguments of the form
    /// `{"input": "<text>"}` (the shape a custom tool call has on other protocols), or else the
    /// arguments as written.
    #[serde(default)]
    pub arguments: String,
}

impl ToolCall {
    /// A call of `name` with `arguments` (raw JSON text).
    pub fn new(name: impl Into<String>, arguments: impl Into<String>) -> ToolCall {
        ToolCall {
            id: None,
            name: name.into(),
            arguments: arguments.into(),
        }
    }

    /// Sets the call id.
    pub fn with_id(mut self, id: impl Into<String>) -> ToolCall {
        self.id = Some(id.into());
        self
    }
}

/// Token usage, in Anthropic's terms: `input_tokens` excludes cached tokens.
///
/// OpenAI formats report `prompt_tokens`/`input_tokens` = input + cache read + cache creation,
/// and `cached_tokens` = cache read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    /// Uncached input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Input tokens read from the prompt cache.
    #[serde(default)]
    pub cache_read_input_tokens: u64,
    /// Input tokens written to the prompt cache.
    #[serde(default)]
    pub cache_creation_input_tokens: u64,
}

impl Usage {
    /// Usage with the given input and output tokens and no caching.
    pub fn new(input_tokens: u64, output_tokens: u64) -> Usage {
        Usage {
            input_tokens,
            output_tokens,
            ..Usage::default()
        }
    }

    /// Sets the cache read and cache creation tokens.
    pub fn with_cache(mut self, read: u64, creation: u64) -> Usage {
        self.cache_read_input_tokens = read;
        self.cache_creation_input_tokens = creation;
        self
    }
}

/// What the model answers, and how it is delivered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// The answer text (no text block/content when absent).
    #[serde(default)]
    pub text: Option<String>,
    /// Reasoning shown before the text.
    #[serde(default)]
    pub thinking: Option<String>,
    /// Tool calls, in order (parallel calls when more than one).
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    /// Stop reason override in Anthropic terms (`"max_tokens"`, `"refusal"`, ...); the OpenAI
    /// terms `"length"`, `"tool_calls"`, `"content_filter"`, `"stop"` are accepted too.
    #[serde(default)]
    pub stop: Option<String>,
    /// Token usage (deterministic from sizes when absent).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Model name echoed (the request's `model` when absent).
    #[serde(default)]
    pub model: Option<String>,
    /// Characters per text/arguments delta (default 8; 0 sends each in one delta).
    #[serde(default)]
    pub chunk_chars: Option<usize>,
    /// Chat streaming only: interleave the argument fragments of parallel calls.
    #[serde(default)]
    pub interleave_tool_calls: bool,
    /// Delay between stream events in milliseconds (default 0).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// A fault to inject.
    #[serde(default)]
    pub fault: Option<Fault>,
}

impl Reply {
    /// The text "ok".
    pub fn ok() -> Reply {
        Reply::text("ok")
    }

    /// A text answer.
    pub fn text(text: impl Into<String>) -> Reply {
        Reply {
            text: Some(text.into()),
            ..Reply::default()
        }
    }

    /// A reply that only calls one tool.
    pub fn tool_call(name: impl Into<String>, arguments: impl Into<String>) -> Reply {
        Reply::default().with_tool_call(name, arguments)
    }

    /// A reply that only fails with `fault`.
    pub fn fault(fault: Fault) -> Reply {
        Reply::default().with_fault(fault)
    }

    /// Sets the text.
    pub fn with_text(mut self, text: impl Into<String>) -> Reply {
        self.text = Some(text.into());
        self
    }

    /// Sets the reasoning.
    pub fn with_thinking(mut self, thinking: impl Into<String>) -> Reply {
        self.thinking = Some(thinking.into());
        self
    }

    /// Appends a tool call of `name` with `arguments` (raw JSON text).
    pub fn with_tool_call(
        mut self,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> Reply {
        self.tool_calls.push(ToolCall::new(name, arguments));
        self
    }

    /// Appends a tool call.
    pub fn with_tool(mut self, call: ToolCall) -> Reply {
        self.tool_calls.push(call);
        self
    }

    /// Overrides the stop reason.
    pub fn with_stop(mut self, stop: impl Into<String>) -> Reply {
        self.stop = Some(stop.into());
        self
    }

    /// Sets the usage.
    pub fn with_usage(mut self, usage: Usage) -> Reply {
        self.usage = Some(usage);
        self
    }

    /// Sets the echoed model name.
    pub fn with_model(mut self, model: impl Into<String>) -> Reply {
        self.model = Some(model.into());
        self
    }

    /// Sets the characters per delta.
    pub fn with_chunk_chars(mut self, chars: usize) -> Reply {
        self.chunk_chars = Some(chars);
        self
    }

    /// Interleaves the argument fragments of parallel tool calls (Chat streaming).
    pub fn interleaved(mut self) -> Reply {
        self.interleave_tool_calls = true;
        self
    }

    /// Sets the delay between stream events.
    pub fn with_delay_ms(mut self, ms: u64) -> Reply {
        self.delay_ms = Some(ms);
        self
    }

    /// Sets the fault.
    pub fn with_fault(mut self, fault: Fault) -> Reply {
        self.fault = Some(fault);
        self
    }
}

/// A fault to inject. In JSON: `{"kind": "status", "status": 429, ...}`.
///
/// "Events" are SSE frames as sent (including `ping` and Chat's `[DONE]`); when a stream has
/// fewer than `events` frames, the fault happens after the last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// An HTTP error in the vendor's own envelope.
    Status {
        /// The HTTP status.
        status: u16,
        /// Seconds for the `retry-after` header.
        #[serde(default)]
        retry_after: Option<u64>,
        /// The error message.
        #[serde(default)]
        message: Option<String>,
        /// The error type (default chosen from the status, per vendor).
        #[serde(default)]
        error_type: Option<String>,
        /// OpenAI envelopes only: the error `code`, e.g. `"context_length_exceeded"` (default
        /// chosen from the status; ignored by the Anthropic envelope, which has no code).
        #[serde(default)]
        code: Option<String>,
    },
    /// Streaming: send `events` frames, then break the connection. Non-streaming: break the
    /// connection before any response.
    DieAfterEvents {
        /// Frames sent before the break.
        events: u32,
    },
    /// Pause `ms` after `events` frames, then continue (non-streaming: pause before the body).
    StallAfterEvents {
        /// Frames sent before the pause.
        events: u32,
        /// The pause in milliseconds.
        ms: u64,
    },
    /// Wait `ms` before sending the response headers.
    StallBeforeHeaders {
        /// The wait in milliseconds.
        ms: u64,
    },
    /// After `events` frames, send one frame whose data is not JSON, then continue
    /// (non-streaming: a 200 response whose body is not JSON).
    MalformedAfterEvents {
        /// Frames sent before the malformed one.
        events: u32,
    },
    /// After `events` frames, send the protocol's in-stream error and end the stream cleanly
    /// (non-streaming: an HTTP 500 in the vendor's envelope with this type and message).
    ErrorEventAfterEvents {
        /// Frames sent before the error.
        events: u32,
        /// The error type (Anthropic `type`, Chat `type`, Responses `code`).
        #[serde(default)]
        error_type: Option<String>,
        /// The error message.
        #[serde(default)]
        message: Option<String>,
    },
}

impl Fault {
    /// An HTTP error with the vendor's default type and message for `status`.
    pub fn status(status: u16) -> Fault {
        Fault::Status {
            status,
            retry_after: None,
            message: None,
            error_type: None,
            code: None,
        }
    }

    /// An HTTP error with a `retry-after` header.
    pub fn status_retry_after(status: u16, retry_after_secs: u64) -> Fault {
        Fault::Status {
            status,
            retry_after: Some(retry_after_secs),
            message: None,
            error_type: None,
            code: None,
        }
    }

    /// Break the connection after `events` frames.
    pub fn die_after(events: u32) -> Fault {
        Fault::DieAfterEvents { events }
    }

    /// Pause `ms` after `events` frames.
    pub fn stall_after(events: u32, ms: u64) -> Fault {
        Fault::StallAfterEvents { events, ms }
    }

    /// Wait `ms` before the response headers.
    pub fn stall_before_headers(ms: u64) -> Fault {
        Fault::StallBeforeHeaders { ms }
    }

    /// One non-JSON frame after `events` frames.
    pub fn malformed_after(events: u32) -> Fault {
        Fault::MalformedAfterEvents { events }
    }

    /// The protocol's in-stream error after `events` frames, with default type and message.
    pub fn error_event_after(events: u32) -> Fault {
        Fault::ErrorEventAfterEvents {
            events,
            error_type: None,
            message: None,
        }
    }
}
