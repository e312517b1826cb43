//! OpenAI Chat Completions: the non-streaming completion and the chunk stream.

use bytes::Bytes;
use serde_json::{Value, json};

use crate::answer::Answer;
use crate::ids;
use crate::stream;

/// The completion id and creation time of one reply.
pub struct Ids {
    id: String,
    created: u64,
}

impl Ids {
    /// Fresh ids.
    pub fn new() -> Ids {
        Ids {
            id: ids::alnum("chatcmpl-", 29),
            created: ids::unix_now(),
        }
    }
}

fn usage(answer: &Answer) -> Value {
    let prompt = answer.openai_input_tokens();
    let completion = answer.usage.output_tokens;
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": answer.usage.cache_read_input_tokens},
        "completion_tokens_details": {"reasoning_tokens": answer.reasoning_tokens},
    })
}

/// The non-streaming `chat.completion` object.
pub fn completion(answer: &Answer, ids: &Ids) -> Value {
    let mut message = json!({
        "role": "assistant",
        "content": answer.text,
        "refusal": null,
    });
    if let Some(thinking) = &answer.thinking {
        message["reasoning_content"] = json!(thinking);
    }
    if !answer.calls.is_empty() {
        let calls: Vec<Value> = answer
            .calls
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                })
            })
            .collect();
        message["tool_calls"] = Value::Array(calls);
    }
    json!({
        "id": ids.id,
        "object": "chat.completion",
        "created": ids.created,
        "model": answer.model,
        "choices": [{
            "index": 0,
            "message": message,
            "logprobs": null,
            "finish_reason": answer.chat_finish_reason(),
        }],
        "usage": usage(answer),
        "system_fingerprint": null,
    })
}

/// The SSE frames of a streamed completion, ending with `data: [DONE]`.
pub fn frames(answer: &Answer, ids: &Ids, include_usage: bool) -> Vec<Bytes> {
    let chunk = |delta: Value, finish: Value| {
        let mut value = json!({
            "id": ids.id,
            "object": "chat.completion.chunk",
            "created": ids.created,
            "model": answer.model,
            "system_fingerprint": null,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
        });
        if include_usage {
            value["usage"] = Value::Null;
        }
        stream::data(&value)
    };
    let mut out = vec![chunk(
        json!({"role": "assistant", "content": "", "refusal": null}),
        Value::Null,
    )];
    if let Some(thinking) = &answer.thinking {
        for piece in answer.chunks(thinking) {
            out.push(chunk(json!({"reasoning_content": piece}), Value::Null));
        }
    }
    if let Some(text) = &answer.text {
        for piece in answer.chunks(text) {
            out.push(chunk(json!({"content": piece}), Value::Null));
        }
    }
    let per_call: Vec<Vec<Value>> = answer
        .calls
        .iter()
        .enumerate()
        .map(|(k, call)| {
            let mut deltas = vec![json!({"tool_calls": [{
                "index": k,
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }]})];
            deltas.extend(answer.chunks(&call.arguments).into_iter().map(
                |piece| json!({"tool_calls": [{"index": k, "function": {"arguments": piece}}]}),
            ));
            deltas
        })
        .collect();
    if answer.interleave {
        let longest = per_call.iter().map(Vec::len).max().unwrap_or(0);
        for round in 0..longest {
            for deltas in &per_call {
                if let Some(delta) = deltas.get(round) {
                    out.push(chunk(delta.clone(), Value::Null));
                }
            }
        }
    } else {
        for delta in per_call.into_iter().flatten() {
            out.push(chunk(delta, Value::Null));
        }
    }
    out.push(chunk(json!({}), json!(answer.chat_finish_reason())));
    if include_usage {
        out.push(stream::data(&json!({
            "id": ids.id,
            "object": "chat.completion.chunk",
            "created": ids.created,
            "model": answer.model,
            "system_fingerprint": null,
            "choices": [],
            "usage": usage(answer),
        })));
    }
    out.push(stream::data_text("[DONE]"));
    out
}

/// A frame whose data is not JSON.
pub fn malformed() -> Bytes {
    Bytes::from_static(b"data: {\"type\": oops\n\n")
}

/// The in-stream error chunk.
pub fn error_frame(error_type: Option<&str>, message: Option<&str>) -> Bytes {
    stream::data(&json!({
        "error": {
            "message": message.unwrap_or("The server had an error while processing your request. Sorry about that!"),
            "type": error_type.unwrap_or("server_error"),
            "param": null,
            "code": null,
        }
    }))
}
