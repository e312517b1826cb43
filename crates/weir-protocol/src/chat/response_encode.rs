//! Canonical [`Response`] → a `chat.completion` for a Chat Completions client (protocols.md
//! §3.1).

use serde::Serialize;
use serde_json::Value;

use super::tools::wrap_custom_input;
use super::usage::ClientUsage;
use super::{client_finish_reason, client_id};
use crate::canonical::{Part, Reply, Response, ToolKind};

/// Encodes `resp` as the client expects it: one choice (index 0), the client's model name,
/// `created` from the reply, `content` `null` when the answer is only tool calls, reasoning text
/// in `reasoning_content`, and usage with the prompt total (cached tokens included, §3.3).
pub fn encode_response(resp: &Response, reply: &Reply) -> Vec<u8> {
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut calls = Vec::new();
    for part in &resp.content {
        match part {
            Part::Text { text: t, .. } => text.push_str(t),
            Part::Reasoning(r) => reasoning.push_str(&r.text),
            Part::ToolCall(call) => calls.push(ClientToolCall {
                id: call.id.clone(),
                kind: "function",
                function: ClientFunction {
                    name: reply.client_tool_name(&call.name).to_owned(),
                    arguments: match call.kind {
                        ToolKind::Custom { .. } => wrap_custom_input(&call.arguments),
                        ToolKind::Function => call.arguments.clone(),
                    },
                },
                extra_content: call.extras.as_ref(),
            }),
            _ => {}
        }
    }
    let finish_reason = client_finish_reason(resp.stop, !calls.is_empty());
    let content = if text.is_empty() && !calls.is_empty() {
        None
    } else {
        Some(text)
    };
    let body = Completion {
        id: client_id(&resp.id),
        object: "chat.completion",
        created: reply.created,
        model: &reply.model,
        choices: [Choice {
            index: 0,
            message: ClientMessage {
                role: "assistant",
                content,
                refusal: None,
                tool_calls: calls,
                reasoning_content: (!reasoning.is_empty()).then_some(reasoning),
            },
            logprobs: None,
            finish_reason,
        }],
        usage: ClientUsage::from(&resp.usage),
    };
    // Strings, numbers and already-valid JSON values only: serialising cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

#[derive(Serialize)]
struct Completion<'a> {
    id: String,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: [Choice<'a>; 1],
    usage: ClientUsage,
}

#[derive(Serialize)]
struct Choice<'a> {
    index: u32,
    message: ClientMessage<'a>,
    logprobs: Option<()>,
    finish_reason: &'static str,
}

#[derive(Serialize)]
struct ClientMessage<'a> {
    role: &'static str,
    content: Option<String>,
    refusal: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ClientToolCall<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<String>,
}

#[derive(Serialize)]
struct ClientToolCall<'a> {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    function: ClientFunction,
    /// Gemini's thought signature, for clients that send the history back to Gemini.
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_content: Option<&'a Value>,
}

#[derive(Serialize)]
struct ClientFunction {
    name: String,
    arguments: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::{
        Reasoning, Request, Signature, StopReason, Tool, ToolCall, Usage, vendor_tool_name,
    };
    use crate::chat::test_support::pretty;
    use serde_json::json;
    use std::sync::Arc;

    fn reply(tools: Vec<Tool>) -> Reply {
        let req = Request {
            tools,
            ..Request::default()
        };
        Reply::new("my-model", Arc::new(req), 0, 1_700_000_000)
    }

    fn call(id: &str, name: &str, args: &str) -> Part {
        Part::ToolCall(ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: args.into(),
            kind: ToolKind::Function,
            item_id: None,
            extras: None,
        })
    }

    fn encode(resp: &Response, reply: &Reply) -> Value {
        serde_json::from_slice(&encode_response(resp, reply)).unwrap()
    }

    #[test]
    fn rich_response_snapshot() {
        let long = format!("mcp__server__{}", "t".repeat(70));
        let tool = Tool {
            name: long.clone(),
            description: None,
            schema: json!({"type": "object"}),
            strict: None,
            kind: ToolKind::Function,
            cache: None,
        };
        let resp = Response {
            id: "msg_01AbC".into(),
            model: "claude-x".into(),
            content: vec![
                Part::Reasoning(Reasoning {
                    text: "The user wants two files.".into(),
                    signature: Some(Signature::from_vendor("anthropic", "EqQB")),
                    ..Reasoning::default()
                }),
                Part::text("Reading both."),
                call("toolu_1", "Read", "{\"path\":\"a.rs\"}"),
                call("toolu_2", &vendor_tool_name(&long), "{\"q\": 1}"),
            ],
            stop: StopReason::ToolUse,
            stop_sequence: None,
            usage: Usage {
                input: 12,
                cache_read: 1000,
                cache_write: 30,
                output: 88,
                reasoning: Some(40),
            },
        };
        let out = String::from_utf8(encode_response(&resp, &reply(vec![tool]))).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        // The client sees its own long tool name again (§2.5 names).
        assert_eq!(
            v["choices"][0]["message"]["tool_calls"][1]["function"]["name"],
            long
        );
        insta::assert_snapshot!("rich_response", pretty(&out));
    }

    #[test]
    fn only_tool_calls_means_null_content() {
        // §3.1: `content: null` when there is no text and there are tool calls.
        let resp = Response {
            id: "chatcmpl-9".into(),
            model: String::new(),
            content: vec![call("c1", "Read", "{}")],
            stop: StopReason::EndTurn,
            stop_sequence: None,
            usage: Usage::default(),
        };
        let v = encode(&resp, &reply(vec![]));
        assert_eq!(v["id"], "chatcmpl-9");
        assert_eq!(v["choices"][0]["message"]["content"], Value::Null);
        assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
        assert!(
            v["choices"][0]["message"]
                .get("reasoning_content")
                .is_none()
        );
    }

    #[test]
    fn stop_reasons_map_to_finish_reasons() {
        // §3.2 A → C column.
        for (stop, expected) in [
            (StopReason::EndTurn, "stop"),
            (StopReason::StopSequence, "stop"),
            (StopReason::MaxTokens, "length"),
            (StopReason::ContextWindow, "length"),
            (StopReason::Refusal, "content_filter"),
        ] {
            let resp = Response {
                id: "x".into(),
                model: String::new(),
                content: vec![Part::text("hi")],
                stop,
                stop_sequence: None,
                usage: Usage::default(),
            };
            let v = encode(&resp, &reply(vec![]));
            assert_eq!(v["choices"][0]["finish_reason"], expected, "{stop:?}");
            assert_eq!(v["choices"][0]["message"]["content"], "hi");
            assert_eq!(v["model"], "my-model");
        }
    }
}
