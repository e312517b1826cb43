//! A [`Reply`] resolved against a request: ids, model, stop reason and usage fixed, ready for
//! one protocol's renderer.

use serde_json::Value;

use crate::request::{Parsed, Protocol};
use crate::script::{Reply, Usage};

/// Written in a reply's text or tool-call arguments, stands for the text of the request's last
/// user message: a model repeating what it was told (in arguments, JSON-escaped).
pub const ECHO: &str = "{echo}";

/// Characters per delta when the reply does not say.
const DEFAULT_CHUNK_CHARS: usize = 8;

/// A tool call with its id resolved.
#[derive(Debug, Clone)]
pub struct Call {
    /// The call id in the protocol's format (or the scripted one).
    pub id: String,
    /// The tool name.
    pub name: String,
    /// The arguments as raw JSON text.
    pub arguments: String,
}

/// The resolved reply.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The model name to echo.
    pub model: String,
    /// The text, if any.
    pub text: Option<String>,
    /// The reasoning, if any.
    pub thinking: Option<String>,
    /// The tool calls.
    pub calls: Vec<Call>,
    /// The stop reason in Anthropic terms.
    pub stop: String,
    /// The usage.
    pub usage: Usage,
    /// Reasoning tokens (part of `usage.output_tokens`).
    pub reasoning_tokens: u64,
    /// Characters per delta (0: everything in one delta).
    pub chunk_chars: usize,
    /// Chat streaming: interleave parallel calls' argument fragments.
    pub interleave: bool,
}

impl Answer {
    /// Resolves `reply` for `request`; generated call ids get `call_prefix`.
    pub fn new(reply: &Reply, request: &Parsed, call_prefix: &str) -> Answer {
        let calls: Vec<Call> = reply
            .tool_calls
            .iter()
            .map(|c| Call {
                id: c
                    .id
                    .clone()
                    .unwrap_or_else(|| crate::ids::alnum(call_prefix, 24)),
                name: c.name.clone(),
                arguments: if c.arguments.contains(ECHO) {
                    let said = serde_json::to_string(&last_user_text(request)).unwrap_or_default();
                    c.arguments.replace(ECHO, &said[1..said.len() - 1])
                } else {
                    c.arguments.clone()
                },
            })
            .collect();
        let text = reply
            .text
            .as_ref()
            .map(|t| t.replace(ECHO, &last_user_text(request)));
        let thinking_tokens = reply.thinking.as_deref().map_or(0, tokens_for);
        let usage = reply.usage.unwrap_or_else(|| {
            let output_chars = reply.text.as_deref().map_or(0, |t| t.chars().count())
                + reply.thinking.as_deref().map_or(0, |t| t.chars().count())
                + calls
                    .iter()
                    .map(|c| c.name.chars().count() + c.arguments.chars().count())
                    .sum::<usize>();
            Usage {
                input_tokens: div_ceil4(request.body_len).max(1),
                output_tokens: div_ceil4(output_chars).max(1),
                cache_read_input_tokens: 0,
                cache_creation_input_tokens: 0,
            }
        });
        Answer {
            model: reply.model.clone().unwrap_or_else(|| request.model.clone()),
            text,
            thinking: reply.thinking.clone(),
            stop: anthropic_stop(reply.stop.as_deref(), !calls.is_empty()),
            calls,
            reasoning_tokens: thinking_tokens.min(usage.output_tokens),
            usage,
            chunk_chars: reply.chunk_chars.unwrap_or(DEFAULT_CHUNK_CHARS),
            interleave: reply.interleave_tool_calls,
        }
    }

    /// Splits `s` into deltas of `chunk_chars` characters (none for an empty string).
    pub fn chunks<'a>(&self, s: &'a str) -> Vec<&'a str> {
        chunks(s, self.chunk_chars)
    }

    /// Total input tokens in OpenAI's terms (cached tokens included).
    pub fn openai_input_tokens(&self) -> u64 {
        self.usage.input_tokens
            + self.usage.cache_read_input_tokens
            + self.usage.cache_creation_input_tokens
    }

    /// The Chat `finish_reason`.
    pub fn chat_finish_reason(&self) -> &str {
        match self.stop.as_str() {
            "end_turn" | "stop_sequence" | "pause_turn" => "stop",
            "max_tokens" | "model_context_window_exceeded" => "length",
            "tool_use" => "tool_calls",
            "refusal" => "content_filter",
            other => other,
        }
    }

    /// The Responses `incomplete_details.reason`, when the response is incomplete.
    pub fn responses_incomplete_reason(&self) -> Option<&'static str> {
        match self.stop.as_str() {
            "max_tokens" | "model_context_window_exceeded" => Some("max_output_tokens"),
            "refusal" => Some("content_filter"),
            _ => None,
        }
    }
}

/// The stop reason in Anthropic terms, accepting OpenAI terms too.
fn anthropic_stop(stop: Option<&str>, has_calls: bool) -> String {
    match stop {
        None => if has_calls { "tool_use" } else { "end_turn" }.to_string(),
        Some("stop") => "end_turn".into(),
        Some("length") => "max_tokens".into(),
        Some("tool_calls") => "tool_use".into(),
        Some("content_filter") => "refusal".into(),
        Some(other) => other.to_string(),
    }
}

/// A deterministic token estimate for a text.
fn tokens_for(s: &str) -> u64 {
    div_ceil4(s.chars().count())
}

fn div_ceil4(n: usize) -> u64 {
    (n as u64).div_ceil(4)
}

/// Splits `s` into pieces of `size` characters; `size == 0` keeps it whole.
pub fn chunks(s: &str, size: usize) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    if size == 0 {
        return vec![s];
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut count = 0;
    for (i, _) in s.char_indices() {
        if count == size {
            pieces.push(&s[start..i]);
            start = i;
            count = 0;
        }
        count += 1;
    }
    pieces.push(&s[start..]);
    pieces
}

/// The text of the request's last user message (its text parts joined), empty when it has none.
pub fn last_user_text(request: &Parsed) -> String {
    let body = &request.body;
    let messages = match request.protocol {
        Protocol::Anthropic | Protocol::Chat => body.get("messages"),
        Protocol::Responses => match body.get("input") {
            Some(Value::String(s)) => return s.clone(),
            other => other,
        },
    };
    let Some(last) = messages.and_then(Value::as_array).and_then(|m| {
        m.iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
    }) else {
        return String::new();
    };
    match last.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::chunks;

    #[test]
    fn chunks_by_characters() {
        assert_eq!(chunks("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(chunks("héllo wörld", 3), vec!["hél", "lo ", "wör", "ld"]);
        assert_eq!(chunks("abc", 0), vec!["abc"]);
        assert!(chunks("", 3).is_empty());
        assert_eq!(chunks("abcd", 4), vec!["abcd"]);
    }
}
