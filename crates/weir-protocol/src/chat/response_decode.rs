//! A Chat Completions vendor's `chat.completion` → canonical [`Response`] (protocols.md §3).

use serde_json::Value;

use super::{usage, vendor_finish_reason};
use crate::canonical::{
    Part, Reasoning, Response, Signature, StopReason, ToolCall, ToolKind, TranslateError,
};

/// Decodes a vendor's non-streamed answer. `origin` is the vendor's weir name: reasoning is
/// tagged with it so that a later turn can send it back to that vendor only (§2.4).
///
/// Content comes out in canonical order: reasoning (`reasoning_content` or `reasoning`), text,
/// tool calls (arguments verbatim, Gemini's `extra_content` kept as extras). `finish_reason`
/// maps per §3.2: `stop` with tool calls is a tool-use stop, and vLLM's `stop_reason` string
/// reveals the stop sequence that matched. Errors: `Malformed` when the body is not JSON or has
/// no choice.
pub fn decode_response(body: &[u8], origin: &str) -> Result<Response, TranslateError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| {
        TranslateError::Malformed("the vendor's answer is not valid JSON".to_owned())
    })?;
    let choice = value
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .ok_or_else(|| {
            TranslateError::Malformed("the vendor's answer has no `choices`".to_owned())
        })?;
    let message = choice.get("message").unwrap_or(&Value::Null);
    let mut content = Vec::new();
    if let Some(text) = reasoning_text(message) {
        content.push(Part::Reasoning(Reasoning {
            text: text.to_owned(),
            signature: Some(Signature::from_vendor(origin, "")),
            ..Reasoning::default()
        }));
    }
    let text = message_text(message);
    if !text.is_empty() {
        content.push(Part::text(text));
    }
    let calls = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, call) in calls.iter().enumerate() {
        content.push(Part::ToolCall(decode_call(call, i)));
    }
    let has_calls = !calls.is_empty();
    let (stop, stop_sequence) = stop_of(choice, has_calls);
    Ok(Response {
        id: str_of(value.get("id")).to_owned(),
        model: str_of(value.get("model")).to_owned(),
        content,
        stop,
        stop_sequence,
        usage: value
            .get("usage")
            .and_then(usage::from_vendor)
            .unwrap_or_default(),
    })
}

fn str_of(v: Option<&Value>) -> &str {
    v.and_then(Value::as_str).unwrap_or("")
}

/// The message's reasoning text in whichever field the vendor uses.
fn reasoning_text(message: &Value) -> Option<&str> {
    ["reasoning_content", "reasoning"]
        .iter()
        .filter_map(|k| message.get(k).and_then(Value::as_str))
        .find(|s| !s.is_empty())
}

/// The message's text: `content` as a string or as text parts; a refusal when there is no
/// content, so the client still sees the vendor's words.
fn message_text(message: &Value) -> String {
    let text = match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    };
    if text.is_empty() {
        str_of(message.get("refusal")).to_owned()
    } else {
        text
    }
}

/// One `tool_calls[]` entry; a missing id becomes `call_<position>` so the call and its result
/// can still be matched.
fn decode_call(call: &Value, position: usize) -> ToolCall {
    let function = call.get("function").unwrap_or(&Value::Null);
    let arguments = match function.get("arguments") {
        Some(Value::String(s)) => s.clone(),
        // Some servers send an object; its JSON text is what the model meant.
        Some(v @ Value::Object(_)) => v.to_string(),
        _ => String::new(),
    };
    let id = str_of(call.get("id"));
    ToolCall {
        id: if id.is_empty() {
            format!("call_{position}")
        } else {
            id.to_owned()
        },
        name: str_of(function.get("name")).to_owned(),
        arguments,
        kind: ToolKind::Function,
        item_id: None,
        extras: call.get("extra_content").filter(|v| !v.is_null()).cloned(),
    }
}

/// The stop reason (§3.2) and, when the vendor reveals it, the matched stop sequence.
fn stop_of(choice: &Value, has_calls: bool) -> (StopReason, Option<String>) {
    let reason = choice
        .get("finish_reason")
        .and_then(Value::as_str)
        .map(vendor_finish_reason)
        .unwrap_or(StopReason::EndTurn);
    match reason {
        StopReason::EndTurn if has_calls => (StopReason::ToolUse, None),
        StopReason::EndTurn => match choice.get("stop_reason").and_then(Value::as_str) {
            // vLLM: the matched stop string (an integer there is a stop token id).
            Some(s) => (StopReason::StopSequence, Some(s.to_owned())),
            None => (StopReason::EndTurn, None),
        },
        other => (other, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::Usage;
    use serde_json::json;

    fn decode(v: Value) -> Response {
        decode_response(v.to_string().as_bytes(), "deepseek").unwrap()
    }

    #[test]
    fn reasoning_text_and_calls_come_out_in_order() {
        // §3.1 content order; §2.4 thinking tagged with its origin.
        let r = decode(json!({
            "id": "chatcmpl-1", "model": "deepseek-chat",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "reasoning_content": "hmm", "content": "Let me look.",
                "tool_calls": [{"id": "call_a", "type": "function",
                    "function": {"name": "Read", "arguments": "{\"path\": \"a\"}"},
                    "extra_content": {"google": {"thought_signature": "sig"}}}]
            }}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20,
                "prompt_tokens_details": {"cached_tokens": 60},
                "completion_tokens_details": {"reasoning_tokens": 5}}
        }));
        assert_eq!(r.id, "chatcmpl-1");
        assert_eq!(r.content.len(), 3);
        assert_eq!(
            r.content[0],
            Part::Reasoning(Reasoning {
                text: "hmm".into(),
                signature: Some(Signature::from_vendor("deepseek", "")),
                ..Reasoning::default()
            })
        );
        assert_eq!(r.content[1], Part::text("Let me look."));
        let Part::ToolCall(c) = &r.content[2] else {
            panic!("expected a call");
        };
        assert_eq!(c.arguments, "{\"path\": \"a\"}");
        assert_eq!(
            c.extras,
            Some(json!({"google": {"thought_signature": "sig"}}))
        );
        assert_eq!(r.stop, StopReason::ToolUse);
        assert_eq!(
            r.usage,
            Usage {
                input: 40,
                cache_read: 60,
                cache_write: 0,
                output: 20,
                reasoning: Some(5)
            }
        );
    }

    #[test]
    fn stop_with_tool_calls_is_tool_use() {
        // §3.2: `stop` → `tool_use` if any tool call was emitted.
        let r = decode(json!({"choices": [{"finish_reason": "stop", "message": {
            "content": null, "tool_calls": [{"function": {"name": "a", "arguments": "{}"}}]}}]}));
        assert_eq!(r.stop, StopReason::ToolUse);
        let Part::ToolCall(c) = &r.content[0] else {
            panic!("expected a call");
        };
        assert_eq!(c.id, "call_0");
    }

    #[test]
    fn vllm_stop_reason_reveals_the_stop_sequence() {
        // §3.2: `stop_sequence` + the string if the upstream reveals the matched stop.
        let r = decode(
            json!({"choices": [{"finish_reason": "stop", "stop_reason": "###",
            "message": {"content": "x", "reasoning": "r"}}]}),
        );
        assert_eq!(r.stop, StopReason::StopSequence);
        assert_eq!(r.stop_sequence.as_deref(), Some("###"));
        assert!(matches!(&r.content[0], Part::Reasoning(x) if x.text == "r"));
        let r = decode(
            json!({"choices": [{"finish_reason": "stop", "stop_reason": 151645,
            "message": {"content": "x"}}]}),
        );
        assert_eq!((r.stop, r.stop_sequence), (StopReason::EndTurn, None));
    }

    #[test]
    fn finish_reasons_map_per_section_3_2() {
        for (fr, expected) in [
            ("length", StopReason::MaxTokens),
            ("content_filter", StopReason::Refusal),
            ("function_call", StopReason::ToolUse),
            ("stop", StopReason::EndTurn),
        ] {
            let r =
                decode(json!({"choices": [{"finish_reason": fr, "message": {"content": "x"}}]}));
            assert_eq!(r.stop, expected, "{fr}");
        }
    }

    #[test]
    fn refusals_and_part_arrays_become_text() {
        let r = decode(json!({"choices": [{"finish_reason": "content_filter",
            "message": {"content": null, "refusal": "I can't help with that."}}]}));
        assert_eq!(r.content, vec![Part::text("I can't help with that.")]);
        let r = decode(json!({"choices": [{"message": {"content": [
            {"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}}]}));
        assert_eq!(r.content, vec![Part::text("ab")]);
    }

    #[test]
    fn answers_without_choices_are_malformed() {
        for body in [&b"{\"choices\": []}"[..], b"{}", b"not json"] {
            assert!(matches!(
                decode_response(body, "x"),
                Err(TranslateError::Malformed(_))
            ));
        }
    }
}
