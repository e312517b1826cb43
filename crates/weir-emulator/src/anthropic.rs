//! Anthropic Messages: the non-streaming message and the SSE event stream.

use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::answer::Answer;
use crate::ids;
use crate::stream;

/// The message id and the thinking signature of one reply.
pub struct Ids {
    message: String,
    signature: String,
}

impl Ids {
    /// Fresh ids.
    pub fn new() -> Ids {
        Ids {
            message: ids::alnum("msg_", 24),
            signature: ids::signature(),
        }
    }
}

fn input_of(arguments: &str) -> Value {
    match serde_json::from_str::<Value>(arguments) {
        Ok(value @ Value::Object(_)) => value,
        _ => Value::Object(Map::new()),
    }
}

fn usage(answer: &Answer, output_tokens: u64) -> Value {
    json!({
        "input_tokens": answer.usage.input_tokens,
        "cache_creation_input_tokens": answer.usage.cache_creation_input_tokens,
        "cache_read_input_tokens": answer.usage.cache_read_input_tokens,
        "output_tokens": output_tokens,
    })
}

/// The non-streaming `message` object.
pub fn message(answer: &Answer, ids: &Ids) -> Value {
    let mut content = Vec::new();
    if let Some(thinking) = &answer.thinking {
        content.push(json!({"type": "thinking", "thinking": thinking, "signature": ids.signature}));
    }
    if let Some(text) = &answer.text {
        content.push(json!({"type": "text", "text": text}));
    }
    for call in &answer.calls {
        content.push(json!({
            "type": "tool_use",
            "id": call.id,
            "name": call.name,
            "input": input_of(&call.arguments),
        }));
    }
    json!({
        "id": ids.message,
        "type": "message",
        "role": "assistant",
        "model": answer.model,
        "content": content,
        "stop_reason": answer.stop,
        "stop_sequence": null,
        "usage": usage(answer, answer.usage.output_tokens),
    })
}

/// The SSE frames of a streamed message.
pub fn frames(answer: &Answer, ids: &Ids) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut emit = |value: Value| {
        let name = value["type"].as_str().unwrap_or("unknown").to_string();
        out.push(stream::named(&name, &value));
    };
    emit(json!({
        "type": "message_start",
        "message": {
            "id": ids.message,
            "type": "message",
            "role": "assistant",
            "model": answer.model,
            "content": [],
            "stop_reason": null,
            "stop_sequence": null,
            "usage": usage(answer, 1),
        }
    }));
    emit(json!({"type": "ping"}));
    let mut index = 0usize;
    let mut block = |start: Value, deltas: Vec<Value>, emit: &mut dyn FnMut(Value)| {
        emit(json!({"type": "content_block_start", "index": index, "content_block": start}));
        for delta in deltas {
            emit(json!({"type": "content_block_delta", "index": index, "delta": delta}));
        }
        emit(json!({"type": "content_block_stop", "index": index}));
        index += 1;
    };
    if let Some(thinking) = &answer.thinking {
        let mut deltas: Vec<Value> = answer
            .chunks(thinking)
            .into_iter()
            .map(|piece| json!({"type": "thinking_delta", "thinking": piece}))
            .collect();
        deltas.push(json!({"type": "signature_delta", "signature": ids.signature}));
        block(
            json!({"type": "thinking", "thinking": "", "signature": ""}),
            deltas,
            &mut emit,
        );
    }
    if let Some(text) = &answer.text {
        let deltas = answer
            .chunks(text)
            .into_iter()
            .map(|piece| json!({"type": "text_delta", "text": piece}))
            .collect();
        block(json!({"type": "text", "text": ""}), deltas, &mut emit);
    }
    for call in &answer.calls {
        let deltas = std::iter::once("")
            .chain(answer.chunks(&call.arguments))
            .map(|piece| json!({"type": "input_json_delta", "partial_json": piece}))
            .collect();
        block(
            json!({"type": "tool_use", "id": call.id, "name": call.name, "input": {}}),
            deltas,
            &mut emit,
        );
    }
    emit(json!({
        "type": "message_delta",
        "delta": {"stop_reason": answer.stop, "stop_sequence": null},
        "usage": {"output_tokens": answer.usage.output_tokens},
    }));
    emit(json!({"type": "message_stop"}));
    out
}

/// A frame whose data is not JSON.
pub fn malformed() -> Bytes {
    Bytes::from_static(b"event: content_block_delta\ndata: {\"type\": oops\n\n")
}

/// The in-stream `error` event.
pub fn error_frame(error_type: Option<&str>, message: Option<&str>) -> Bytes {
    stream::named(
        "error",
        &json!({
            "type": "error",
            "error": {
                "type": error_type.unwrap_or("overloaded_error"),
                "message": message.unwrap_or("Overloaded"),
            }
        }),
    )
}

/// The `count_tokens` answer: a deterministic estimate from the body size.
pub fn count_tokens(body_len: usize) -> Value {
    json!({"input_tokens": (body_len as u64).div_ceil(4).max(1)})
}
