//! OpenAI Responses: the non-streaming response object and the typed event stream.

use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::answer::{Answer, Call};
use crate::ids;
use crate::stream;

/// The parts of a response that do not depend on the reply: ids, time, echoed parameters and
/// which of the request's tools are `custom` (free-form) tools.
pub struct Context {
    id: String,
    created_at: u64,
    echo: Map<String, Value>,
    custom_tools: Vec<String>,
}

impl Context {
    /// A fresh context echoing the parameters of `request`.
    pub fn new(request: &Value) -> Context {
        let echoed = |name: &str, default: Value| {
            (
                name.to_string(),
                request.get(name).cloned().unwrap_or(default),
            )
        };
        let echo = [
            echoed("instructions", Value::Null),
            echoed("max_output_tokens", Value::Null),
            echoed("metadata", json!({})),
            echoed("parallel_tool_calls", json!(true)),
            echoed("previous_response_id", Value::Null),
            echoed("reasoning", json!({"effort": null, "summary": null})),
            echoed("store", json!(true)),
            echoed("temperature", json!(1.0)),
            echoed("text", json!({"format": {"type": "text"}})),
            echoed("tool_choice", json!("auto")),
            echoed("tools", json!([])),
            echoed("top_p", json!(1.0)),
            echoed("truncation", json!("disabled")),
            echoed("user", Value::Null),
        ]
        .into_iter()
        .collect();
        let custom_tools = request
            .get("tools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|tool| tool.get("type").and_then(Value::as_str) == Some("custom"))
            .filter_map(|tool| tool.get("name").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        Context {
            id: ids::hex("resp_", 48),
            created_at: ids::unix_now(),
            echo,
            custom_tools,
        }
    }

    /// Whether the request declared `name` as a `custom` tool.
    fn is_custom(&self, name: &str) -> bool {
        self.custom_tools.iter().any(|t| t == name)
    }

    /// A `response` object with the given state.
    fn snapshot(
        &self,
        model: &str,
        status: &str,
        output: Vec<Value>,
        usage: Value,
        error: Value,
        incomplete_details: Value,
    ) -> Value {
        let mut object = self.echo.clone();
        for (key, value) in [
            ("id", json!(self.id)),
            ("object", json!("response")),
            ("created_at", json!(self.created_at)),
            ("status", json!(status)),
            ("error", error),
            ("incomplete_details", incomplete_details),
            ("model", json!(model)),
            ("output", Value::Array(output)),
            ("usage", usage),
        ] {
            object.insert(key.to_string(), value);
        }
        Value::Object(object)
    }
}

/// One output item of the final response.
enum Item<'a> {
    Reasoning {
        id: String,
        text: &'a str,
    },
    Message {
        id: String,
        text: &'a str,
    },
    Call {
        id: String,
        call: &'a Call,
    },
    /// A call of a `custom` tool, with its free-form input.
    Custom {
        id: String,
        call: &'a Call,
        input: String,
    },
}

impl Item<'_> {
    fn id(&self) -> &str {
        match self {
            Item::Reasoning { id, .. }
            | Item::Message { id, .. }
            | Item::Call { id, .. }
            | Item::Custom { id, .. } => id,
        }
    }

    /// The item as in the final response (`done`) or as first announced.
    fn json(&self, done: bool, message_status: &str) -> Value {
        match self {
            Item::Reasoning { id, text } => {
                let summary = if done {
                    json!([{"type": "summary_text", "text": text}])
                } else {
                    json!([])
                };
                json!({"type": "reasoning", "id": id, "summary": summary})
            }
            Item::Message { id, text } => {
                let (status, content) = if done {
                    (
                        message_status,
                        json!([{"type": "output_text", "text": text, "annotations": []}]),
                    )
                } else {
                    ("in_progress", json!([]))
                };
                json!({
                    "type": "message",
                    "id": id,
                    "status": status,
                    "role": "assistant",
                    "content": content,
                })
            }
            Item::Call { id, call } => json!({
                "type": "function_call",
                "id": id,
                "call_id": call.id,
                "name": call.name,
                "arguments": if done { call.arguments.as_str() } else { "" },
                "status": if done { "completed" } else { "in_progress" },
            }),
            Item::Custom { id, call, input } => json!({
                "type": "custom_tool_call",
                "id": id,
                "call_id": call.id,
                "name": call.name,
                "input": if done { input.as_str() } else { "" },
                "status": if done { "completed" } else { "in_progress" },
            }),
        }
    }
}

/// The free-form input of a call to a `custom` tool. A script gives tool arguments as JSON
/// text; for a custom tool, arguments of the form `{"input": "<text>"}` (how a custom tool call
/// looks through a vendor without custom tools) stand for `<text>`, and anything else is the
/// input as written.
fn custom_input(arguments: &str) -> String {
    if let Ok(Value::Object(object)) = serde_json::from_str::<Value>(arguments)
        && object.len() == 1
        && let Some(Value::String(input)) = object.get("input")
    {
        return input.clone();
    }
    arguments.to_owned()
}

fn items<'a>(answer: &'a Answer, ctx: &Context) -> Vec<Item<'a>> {
    let mut items = Vec::new();
    if let Some(text) = &answer.thinking {
        items.push(Item::Reasoning {
            id: ids::hex("rs_", 48),
            text,
        });
    }
    if let Some(text) = &answer.text {
        items.push(Item::Message {
            id: ids::hex("msg_", 48),
            text,
        });
    }
    for call in &answer.calls {
        if ctx.is_custom(&call.name) {
            items.push(Item::Custom {
                id: ids::hex("ctc_", 48),
                call,
                input: custom_input(&call.arguments),
            });
        } else {
            items.push(Item::Call {
                id: ids::hex("fc_", 48),
                call,
            });
        }
    }
    items
}

fn usage(answer: &Answer) -> Value {
    let input = answer.openai_input_tokens();
    let output = answer.usage.output_tokens;
    json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": answer.usage.cache_read_input_tokens},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": answer.reasoning_tokens},
        "total_tokens": input + output,
    })
}

/// Final status, `incomplete_details` and message-item status.
fn outcome(answer: &Answer) -> (&'static str, Value, &'static str) {
    match answer.responses_incomplete_reason() {
        Some(reason) => ("incomplete", json!({"reason": reason}), "incomplete"),
        None => ("completed", Value::Null, "completed"),
    }
}

/// The non-streaming `response` object.
pub fn response(answer: &Answer, ctx: &Context) -> Value {
    let (status, details, message_status) = outcome(answer);
    let output = items(answer, ctx)
        .iter()
        .map(|item| item.json(true, message_status))
        .collect();
    ctx.snapshot(
        &answer.model,
        status,
        output,
        usage(answer),
        Value::Null,
        details,
    )
}

/// The SSE frames of a streamed response.
pub fn frames(answer: &Answer, ctx: &Context) -> Vec<Bytes> {
    let (status, details, message_status) = outcome(answer);
    let items = items(answer, ctx);
    let mut out: Vec<Bytes> = Vec::new();
    let mut emit = |kind: &str, mut data: Value| {
        data["type"] = json!(kind);
        data["sequence_number"] = json!(out.len());
        out.push(stream::named(kind, &data));
    };
    let initial = ctx.snapshot(
        &answer.model,
        "in_progress",
        Vec::new(),
        Value::Null,
        Value::Null,
        Value::Null,
    );
    emit("response.created", json!({"response": initial}));
    emit("response.in_progress", json!({"response": initial}));
    for (output_index, item) in items.iter().enumerate() {
        let item_id = item.id();
        emit(
            "response.output_item.added",
            json!({"output_index": output_index, "item": item.json(false, message_status)}),
        );
        match item {
            Item::Reasoning { text, .. } => {
                let at =
                    json!({"item_id": item_id, "output_index": output_index, "summary_index": 0});
                let with = |extra: Value| merge(&at, extra);
                emit(
                    "response.reasoning_summary_part.added",
                    with(json!({"part": {"type": "summary_text", "text": ""}})),
                );
                for piece in answer.chunks(text) {
                    emit(
                        "response.reasoning_summary_text.delta",
                        with(json!({"delta": piece})),
                    );
                }
                emit(
                    "response.reasoning_summary_text.done",
                    with(json!({"text": text})),
                );
                emit(
                    "response.reasoning_summary_part.done",
                    with(json!({"part": {"type": "summary_text", "text": text}})),
                );
            }
            Item::Message { text, .. } => {
                let at =
                    json!({"item_id": item_id, "output_index": output_index, "content_index": 0});
                let with = |extra: Value| merge(&at, extra);
                emit(
                    "response.content_part.added",
                    with(json!({"part": {"type": "output_text", "text": "", "annotations": []}})),
                );
                for piece in answer.chunks(text) {
                    emit(
                        "response.output_text.delta",
                        with(json!({"delta": piece, "logprobs": []})),
                    );
                }
                emit(
                    "response.output_text.done",
                    with(json!({"text": text, "logprobs": []})),
                );
                emit(
                    "response.content_part.done",
                    with(json!({"part": {"type": "output_text", "text": text, "annotations": []}})),
                );
            }
            Item::Call { call, .. } => {
                let at = json!({"item_id": item_id, "output_index": output_index});
                for piece in answer.chunks(&call.arguments) {
                    emit(
                        "response.function_call_arguments.delta",
                        merge(&at, json!({"delta": piece})),
                    );
                }
                emit(
                    "response.function_call_arguments.done",
                    merge(&at, json!({"name": call.name, "arguments": call.arguments})),
                );
            }
            Item::Custom { input, .. } => {
                let at = json!({"item_id": item_id, "output_index": output_index});
                for piece in answer.chunks(input) {
                    emit(
                        "response.custom_tool_call_input.delta",
                        merge(&at, json!({"delta": piece})),
                    );
                }
                emit(
                    "response.custom_tool_call_input.done",
                    merge(&at, json!({"input": input})),
                );
            }
        }
        emit(
            "response.output_item.done",
            json!({"output_index": output_index, "item": item.json(true, message_status)}),
        );
    }
    let output = items
        .iter()
        .map(|item| item.json(true, message_status))
        .collect();
    let last = if status == "completed" {
        "response.completed"
    } else {
        "response.incomplete"
    };
    let snapshot = ctx.snapshot(
        &answer.model,
        status,
        output,
        usage(answer),
        Value::Null,
        details,
    );
    emit(last, json!({"response": snapshot}));
    out
}

fn merge(base: &Value, extra: Value) -> Value {
    let mut merged = base.clone();
    if let (Value::Object(into), Value::Object(from)) = (&mut merged, extra) {
        into.extend(from);
    }
    merged
}

/// A frame whose data is not JSON.
pub fn malformed() -> Bytes {
    Bytes::from_static(b"event: response.output_text.delta\ndata: {\"type\": oops\n\n")
}

/// The in-stream `response.failed` event, numbered `sequence_number`.
pub fn error_frame(
    ctx: &Context,
    model: &str,
    sequence_number: usize,
    code: Option<&str>,
    message: Option<&str>,
) -> Bytes {
    let error = json!({
        "code": code.unwrap_or("server_error"),
        "message": message.unwrap_or("The model failed to generate a response."),
    });
    let snapshot = ctx.snapshot(model, "failed", Vec::new(), Value::Null, error, Value::Null);
    stream::named(
        "response.failed",
        &json!({
            "type": "response.failed",
            "sequence_number": sequence_number,
            "response": snapshot,
        }),
    )
}
