//! Non-streamed answers: an Anthropic vendor's message → canonical [`Response`], and canonical
//! → the message an Anthropic client receives (protocols.md §3).

use serde::Serialize;
use serde_json::Value;

use super::wire::{Block, WireUsage, message_id, tool_input};
use crate::canonical::{
    Part, Reasoning, Reply, Response, Signature, StopReason, ToolCall, ToolKind, TranslateError,
    Usage, anthropic_tool_id,
};

/// Decodes an Anthropic-protocol vendor's message (`{"type":"message", …}`).
///
/// Thinking signatures are tagged with `origin` (the vendor's weir name) so they only ever go
/// back to it; `redacted_thinking` becomes redacted reasoning; tool inputs become their JSON
/// text; server-tool blocks and unknown block types are dropped. A missing or unknown
/// `stop_reason` reads as `end_turn` (`tool_use` when the answer has tool calls).
pub fn decode_response(body: &[u8], origin: &str) -> Result<Response, TranslateError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| {
        malformed("the vendor's answer is not valid JSON; expected an Anthropic message")
    })?;
    let top = value
        .as_object()
        .ok_or_else(|| malformed("the vendor's answer is not a JSON object"))?;
    let blocks = match top.get("content") {
        Some(Value::Array(blocks)) => blocks,
        _ => {
            return Err(malformed(
                "the vendor's answer has no `content` array; expected an Anthropic message",
            ));
        }
    };
    let mut content = Vec::with_capacity(blocks.len());
    for b in blocks {
        let text = |key: &str| b.get(key).and_then(Value::as_str).unwrap_or_default();
        match text("type") {
            "text" => content.push(Part::text(text("text"))),
            "thinking" => content.push(Part::Reasoning(Reasoning {
                text: text("thinking").to_owned(),
                signature: Some(text("signature"))
                    .filter(|s| !s.is_empty())
                    .map(|s| Signature::from_vendor(origin, s)),
                ..Reasoning::default()
            })),
            "redacted_thinking" => content.push(Part::Reasoning(Reasoning {
                redacted: Some(text("data").to_owned()),
                ..Reasoning::default()
            })),
            "tool_use" => content.push(Part::ToolCall(ToolCall {
                id: text("id").to_owned(),
                name: text("name").to_owned(),
                arguments: match b.get("input") {
                    Some(input @ Value::Object(_)) => input.to_string(),
                    _ => "{}".to_owned(),
                },
                kind: ToolKind::Function,
                item_id: None,
                extras: None,
            })),
            _ => {}
        }
    }
    let has_tools = content.iter().any(|p| matches!(p, Part::ToolCall(_)));
    let stop = top
        .get("stop_reason")
        .and_then(Value::as_str)
        .and_then(StopReason::from_anthropic)
        .unwrap_or(if has_tools {
            StopReason::ToolUse
        } else {
            StopReason::EndTurn
        });
    Ok(Response {
        id: str_of(top.get("id")),
        model: str_of(top.get("model")),
        content,
        stop,
        stop_sequence: top
            .get("stop_sequence")
            .and_then(Value::as_str)
            .map(str::to_owned),
        usage: top.get("usage").map(usage_of).unwrap_or_default(),
    })
}

/// Reads an Anthropic `usage` object; absent or `null` counters are 0.
pub(super) fn usage_of(u: &Value) -> Usage {
    let n = |key: &str| u.get(key).and_then(Value::as_u64).unwrap_or(0);
    Usage {
        input: n("input_tokens"),
        cache_read: n("cache_read_input_tokens"),
        cache_write: n("cache_creation_input_tokens"),
        output: n("output_tokens"),
        reasoning: None,
    }
}

/// Renders `resp` as the message an Anthropic client expects (§3.1): thinking first, then text,
/// then `tool_use`; id `msg_…` derived from the vendor's; `model` is the client's; `tool_use`
/// as stop reason whenever tools were called and the vendor said `end_turn`; all three input
/// counters, with the request's estimate standing in when the vendor reported no input but
/// did report output (§4.5).
pub fn encode_response(resp: &Response, reply: &Reply) -> Vec<u8> {
    let mut thinking = Vec::new();
    let mut text = Vec::new();
    let mut tools = Vec::new();
    for part in &resp.content {
        match part {
            Part::Reasoning(r) => {
                if let Some(data) = &r.redacted {
                    thinking.push(Block::RedactedThinking { data: data.clone() });
                } else if !r.text.is_empty() || r.signature.is_some() {
                    thinking.push(Block::Thinking {
                        thinking: r.text.clone(),
                        signature: r
                            .signature
                            .as_ref()
                            .map(Signature::to_client)
                            .unwrap_or_default(),
                    });
                }
            }
            // Empty text blocks are refused when the client replays the turn.
            Part::Text { text: t, .. } if !t.is_empty() => text.push(Block::Text {
                text: t.clone(),
                cache_control: None,
            }),
            Part::ToolCall(c) => tools.push(Block::ToolUse {
                id: anthropic_tool_id(&c.id),
                name: reply.client_tool_name(&c.name).to_owned(),
                input: tool_input(&c.arguments, &c.kind),
            }),
            _ => {}
        }
    }
    let stop = match resp.stop {
        StopReason::EndTurn if !tools.is_empty() => StopReason::ToolUse,
        s => s,
    };
    let mut content = thinking;
    content.extend(text);
    content.extend(tools);
    let mut usage = resp.usage;
    if usage.total_input() == 0 && usage.output > 0 {
        usage.input = reply.input_estimate;
    }
    let message = Message {
        id: message_id(&resp.id),
        kind: "message",
        role: "assistant",
        model: &reply.model,
        content,
        stop_reason: stop.anthropic(),
        stop_sequence: resp
            .stop_sequence
            .as_deref()
            .filter(|_| stop == StopReason::StopSequence),
        usage: WireUsage::from_usage(&usage),
    };
    serde_json::to_vec(&message).unwrap_or_default()
}

#[derive(Serialize)]
struct Message<'a> {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    model: &'a str,
    content: Vec<Block>,
    stop_reason: &'static str,
    stop_sequence: Option<&'a str>,
    usage: WireUsage,
}

fn str_of(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn malformed(message: &str) -> TranslateError {
    TranslateError::Malformed(message.to_owned())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::canonical::{Request, SignatureOrigin, Tool, vendor_tool_name};

    fn reply() -> Reply {
        Reply::new(
            "claude-client",
            Arc::new(Request::default()),
            321,
            1_700_000_000,
        )
    }

    #[test]
    fn vendor_message_decodes_with_tagged_signatures() {
        // §3.1/§2.4 rule 1: thinking signatures tagged with their origin; server tools dropped.
        let body = json!({
            "id": "msg_01", "type": "message", "role": "assistant", "model": "glm-4.6",
            "content": [
                {"type": "thinking", "thinking": "plan", "signature": "sigGLM"},
                {"type": "redacted_thinking", "data": "blob"},
                {"type": "server_tool_use", "id": "srv", "name": "web_search", "input": {}},
                {"type": "text", "text": "Reading."},
                {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {"path": "a.rs"}}
            ],
            "stop_reason": "tool_use", "stop_sequence": null,
            "usage": {"input_tokens": 10, "cache_read_input_tokens": 90, "cache_creation_input_tokens": 5, "output_tokens": 7}
        });
        let r = decode_response(body.to_string().as_bytes(), "glm").unwrap();
        assert_eq!(r.id, "msg_01");
        assert_eq!(r.content.len(), 4);
        match &r.content[0] {
            Part::Reasoning(rz) => {
                let sig = rz.signature.as_ref().unwrap();
                assert_eq!(sig.origin, SignatureOrigin::Vendor("glm".into()));
                assert_eq!(sig.value, "sigGLM");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&r.content[1], Part::Reasoning(Reasoning { redacted: Some(d), .. }) if d == "blob")
        );
        assert_eq!(r.content[2], Part::text("Reading."));
        match &r.content[3] {
            Part::ToolCall(c) => assert_eq!(c.arguments, "{\"path\":\"a.rs\"}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(r.stop, StopReason::ToolUse);
        assert_eq!(
            r.usage,
            Usage {
                input: 10,
                cache_read: 90,
                cache_write: 5,
                output: 7,
                reasoning: None
            }
        );
    }

    #[test]
    fn stop_sequence_and_missing_reason() {
        // §3.2: stop_sequence carried; an absent reason is not invented as an error value.
        let body = json!({"id": "m", "content": [{"type": "text", "text": "x"}],
            "stop_reason": "stop_sequence", "stop_sequence": "END"});
        let r = decode_response(body.to_string().as_bytes(), "anthropic").unwrap();
        assert_eq!(r.stop, StopReason::StopSequence);
        assert_eq!(r.stop_sequence.as_deref(), Some("END"));
        let body = json!({"id": "m", "content": []});
        let r = decode_response(body.to_string().as_bytes(), "anthropic").unwrap();
        assert_eq!(r.stop, StopReason::EndTurn);
        assert_eq!(r.usage, Usage::default());
    }

    #[test]
    fn non_messages_are_malformed() {
        for body in [&b"nope"[..], b"[]", b"{\"type\":\"error\",\"error\":{}}"] {
            assert!(matches!(
                decode_response(body, "x"),
                Err(TranslateError::Malformed(_))
            ));
        }
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
    fn content_is_ordered_thinking_text_tools() {
        // §3.1 "A content order" and classic bug #15.
        let resp = Response {
            id: "chatcmpl-abc.1".into(),
            model: "vendor-model".into(),
            content: vec![
                Part::text("Let me look."),
                call("functions.Read:0", "Read", "{\"path\":\"a\"}"),
                Part::Reasoning(Reasoning {
                    text: "think".into(),
                    signature: Some(Signature::from_vendor("deepseek", "ds")),
                    ..Reasoning::default()
                }),
                Part::text(""),
            ],
            stop: StopReason::EndTurn,
            stop_sequence: None,
            usage: Usage {
                input: 5,
                cache_read: 0,
                cache_write: 0,
                output: 9,
                reasoning: None,
            },
        };
        let v = encode(&resp, &reply());
        assert_eq!(v["id"], "msg_chatcmplabc1");
        assert_eq!(v["model"], "claude-client");
        let types: Vec<_> = v["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["thinking", "text", "tool_use"]);
        assert_eq!(
            v["content"][0]["signature"],
            Signature::from_vendor("deepseek", "ds").to_client()
        );
        assert_eq!(v["content"][2]["id"], "functions_Read_0");
        assert_eq!(v["content"][2]["input"], json!({"path": "a"}));
        // §3.2: tool calls with end_turn read as tool_use.
        assert_eq!(v["stop_reason"], "tool_use");
        assert_eq!(v["stop_sequence"], Value::Null);
    }

    #[test]
    fn usage_always_has_three_input_counters_and_falls_back_to_the_estimate() {
        // §3.3 and §4.5.
        let mut resp = Response {
            id: "msg_x".into(),
            model: String::new(),
            content: vec![Part::text("hi")],
            stop: StopReason::MaxTokens,
            stop_sequence: Some("ignored".into()),
            usage: Usage {
                output: 3,
                ..Usage::default()
            },
        };
        let v = encode(&resp, &reply());
        assert_eq!(
            v["usage"],
            json!({"input_tokens": 321, "cache_creation_input_tokens": 0,
                   "cache_read_input_tokens": 0, "output_tokens": 3})
        );
        assert_eq!(v["stop_reason"], "max_tokens");
        assert_eq!(v["stop_sequence"], Value::Null);
        resp.usage.cache_read = 50;
        let v = encode(&resp, &reply());
        assert_eq!(v["usage"]["input_tokens"], 0);
        assert_eq!(v["usage"]["cache_read_input_tokens"], 50);
    }

    #[test]
    fn shortened_tool_names_are_restored() {
        let long = format!("mcp__server__{}", "x".repeat(70));
        let req = Request {
            tools: vec![Tool {
                name: long.clone(),
                description: None,
                schema: json!({"type": "object"}),
                strict: None,
                kind: ToolKind::Function,
                cache: None,
            }],
            ..Request::default()
        };
        let reply = Reply::new("m", Arc::new(req), 0, 0);
        let resp = Response {
            id: "r".into(),
            model: String::new(),
            content: vec![call("c1", &vendor_tool_name(&long), "")],
            stop: StopReason::ToolUse,
            stop_sequence: None,
            usage: Usage::default(),
        };
        let v = encode(&resp, &reply);
        assert_eq!(v["content"][0]["name"], long.as_str());
        assert_eq!(v["content"][0]["input"], json!({}));
    }

    #[test]
    fn rich_response_snapshot() {
        let resp = Response {
            id: "resp_0123".into(),
            model: "gpt".into(),
            content: vec![
                Part::Reasoning(Reasoning {
                    text: "The user wants the weather.".into(),
                    signature: Some(Signature::from_vendor("openai", "enc")),
                    ..Reasoning::default()
                }),
                Part::Reasoning(Reasoning {
                    redacted: Some("REDACTED".into()),
                    ..Reasoning::default()
                }),
                Part::text("Checking two cities."),
                call("call_1", "get_weather", "{\"city\": \"Paris\"}"),
                call("call_2", "get_weather", "{\"city\":\"Oslo\""),
            ],
            stop: StopReason::ToolUse,
            stop_sequence: None,
            usage: Usage {
                input: 12,
                cache_read: 100,
                cache_write: 30,
                output: 44,
                reasoning: Some(20),
            },
        };
        let body = String::from_utf8(encode_response(&resp, &reply())).unwrap();
        insta::assert_snapshot!("rich_response", super::super::wire::pretty(&body));
    }
}
