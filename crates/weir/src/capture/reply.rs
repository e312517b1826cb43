//! What `weir capture` answers: the smallest reply each vendor API could give, so that the coding
//! tool accepts it and goes on (and sends what it sends next).
//!
//! One text answer, in the shape of the endpoint that was called: Anthropic Messages (JSON or its
//! SSE event sequence) and `count_tokens`, OpenAI Chat Completions (JSON or chunks ending
//! `data: [DONE]`), OpenAI Responses (JSON or its SSE event sequence), Gemini
//! `generateContent` / `streamGenerateContent` (a JSON array, or SSE with `alt=sse`) and
//! `countTokens`, and the model lists. When a request asks for structured output (a JSON
//! schema), the text is a JSON document that fits the schema, because tools parse such answers
//! (Gemini CLI routes every prompt through one).
//!
//! Pure: the caller passes the request, the text, a sequence number for ids and the time.

use serde_json::{Map, Value, json};
use weir_detect::Request;

use super::schema;

/// A reply, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `application/json` or `text/event-stream`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// Which API the reply plays, for the log line (`anthropic messages stream`).
    pub played: &'static str,
}

/// What a reply is made of besides the request.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The answer's text.
    pub text: &'a str,
    /// The request's number, which makes ids unique within a capture.
    pub seq: u64,
    /// Unix seconds, for `created` fields.
    pub now_secs: i64,
}

/// The model names the lists offer.
const MODELS: [&str; 3] = ["claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro"];

/// The reply to `req`.
pub fn reply(req: &Request, cx: Context) -> Reply {
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let path = path.trim_end_matches('/');
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let post = req.method == "POST";
    let get = req.method == "GET";
    if post && path.ends_with("/messages/count_tokens") {
        return json_reply(
            "anthropic count_tokens",
            &json!({ "input_tokens": tokens(req) }),
        );
    }
    if post && path.ends_with("/messages") {
        return anthropic(req, &body, cx);
    }
    if post && path.ends_with("/chat/completions") {
        return chat(req, &body, cx);
    }
    if post && path.ends_with("/responses") {
        return responses(req, &body, cx);
    }
    if let Some((model, method)) = gemini_method(path) {
        if post {
            match method {
                "generateContent" => {
                    let r = gemini_response(req, &body, model, cx);
                    return json_reply("gemini generateContent", &r);
                }
                "streamGenerateContent" => {
                    let r = gemini_response(req, &body, model, cx);
                    if query.split('&').any(|p| p == "alt=sse") {
                        let mut out = Vec::new();
                        sse(&mut out, None, &r);
                        return stream_reply("gemini streamGenerateContent sse", out);
                    }
                    // Without alt=sse the stream is one JSON array of responses.
                    return json_reply("gemini streamGenerateContent", &json!([r]));
                }
                "countTokens" => {
                    return json_reply(
                        "gemini countTokens",
                        &json!({ "totalTokens": tokens(req) }),
                    );
                }
                _ => {}
            }
        }
    }
    if get && (path == "/v1beta/models" || path == "/v1alpha/models") {
        return json_reply("gemini models", &gemini_models());
    }
    if get && (path == "/v1/models" || path == "/models") {
        if req.header("anthropic-version").is_some() {
            return json_reply("anthropic models", &anthropic_models());
        }
        return json_reply("openai models", &openai_models(cx));
    }
    not_found(req)
}

/// `/v1beta/models/{model}:{method}` → `(model, method)`.
fn gemini_method(path: &str) -> Option<(&str, &str)> {
    let rest = ["/v1beta/models/", "/v1/models/", "/v1alpha/models/"]
        .iter()
        .find_map(|p| path.strip_prefix(p))?;
    let (model, method) = rest.rsplit_once(':')?;
    (!model.is_empty() && !model.contains('/')).then_some((model, method))
}

/// A rough token count (four bytes a token): replies need a number, not an exact one.
fn tokens(req: &Request) -> u64 {
    (req.body.len() as u64 / 4).max(1)
}

/// Output tokens of the answer, by the same rule.
fn out_tokens(text: &str) -> u64 {
    (text.len() as u64 / 4).max(1)
}

fn stream_requested(body: &Value) -> bool {
    body.get("stream").and_then(Value::as_bool) == Some(true)
}

fn model_of(body: &Value) -> &str {
    body.get("model")
        .and_then(Value::as_str)
        .unwrap_or("weir-capture")
}

/// The answer's text: the configured text, or a JSON document that fits the schema the request
/// asked for.
fn answer_text(cx: Context, wanted: Option<Structured>) -> String {
    match wanted {
        None => cx.text.to_owned(),
        Some(Structured::Object) => "{}".to_owned(),
        Some(Structured::Schema(s)) => schema::example(s, cx.text).to_string(),
    }
}

/// A request for structured output.
enum Structured<'a> {
    /// Any JSON object (`json_object`, `application/json` without a schema).
    Object,
    /// A document fitting this JSON schema.
    Schema(&'a Value),
}

fn anthropic(req: &Request, body: &Value, cx: Context) -> Reply {
    let format = body
        .pointer("/output_config/format")
        .or_else(|| body.get("output_format"));
    let wanted = format
        .filter(|f| f.get("type").and_then(Value::as_str) == Some("json_schema"))
        .and_then(|f| f.get("schema"))
        .map(Structured::Schema);
    let text = answer_text(cx, wanted);
    let id = format!("msg_weircapture{:04}", cx.seq);
    let model = model_of(body);
    let input = tokens(req);
    let output = out_tokens(&text);
    if !stream_requested(body) {
        return json_reply(
            "anthropic messages",
            &json!({
                "id": id, "type": "message", "role": "assistant", "model": model,
                "content": [{ "type": "text", "text": text }],
                "stop_reason": "end_turn", "stop_sequence": null,
                "usage": { "input_tokens": input, "output_tokens": output },
            }),
        );
    }
    let mut out = Vec::new();
    let events = [
        json!({ "type": "message_start", "message": {
            "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": null, "stop_sequence": null,
            "usage": { "input_tokens": input, "output_tokens": 1 },
        }}),
        json!({ "type": "content_block_start", "index": 0,
            "content_block": { "type": "text", "text": "" } }),
        json!({ "type": "content_block_delta", "index": 0,
            "delta": { "type": "text_delta", "text": text } }),
        json!({ "type": "content_block_stop", "index": 0 }),
        json!({ "type": "message_delta",
            "delta": { "stop_reason": "end_turn", "stop_sequence": null },
            "usage": { "output_tokens": output } }),
        json!({ "type": "message_stop" }),
    ];
    for event in &events {
        sse(&mut out, event["type"].as_str(), event);
    }
    stream_reply("anthropic messages stream", out)
}

fn chat(req: &Request, body: &Value, cx: Context) -> Reply {
    let wanted = match body
        .pointer("/response_format/type")
        .and_then(Value::as_str)
    {
        Some("json_schema") => body
            .pointer("/response_format/json_schema/schema")
            .map(Structured::Schema),
        Some("json_object") => Some(Structured::Object),
        _ => None,
    };
    let text = answer_text(cx, wanted);
    let id = format!("chatcmpl-weircapture{:04}", cx.seq);
    let model = model_of(body);
    let (input, output) = (tokens(req), out_tokens(&text));
    let usage = json!({
        "prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output,
    });
    if !stream_requested(body) {
        return json_reply(
            "openai chat completions",
            &json!({
                "id": id, "object": "chat.completion", "created": cx.now_secs, "model": model,
                "choices": [{
                    "index": 0,
                    "message": { "role": "assistant", "content": text, "refusal": null },
                    "logprobs": null, "finish_reason": "stop",
                }],
                "usage": usage,
            }),
        );
    }
    let chunk = |choices: Value| {
        json!({
            "id": id, "object": "chat.completion.chunk", "created": cx.now_secs, "model": model,
            "choices": choices,
        })
    };
    let mut out = Vec::new();
    sse(
        &mut out,
        None,
        &chunk(
            json!([{ "index": 0, "delta": { "role": "assistant", "content": "" },
            "logprobs": null, "finish_reason": null }]),
        ),
    );
    sse(
        &mut out,
        None,
        &chunk(json!([{ "index": 0, "delta": { "content": text },
            "logprobs": null, "finish_reason": null }])),
    );
    let mut last = chunk(json!([{ "index": 0, "delta": {}, "logprobs": null,
        "finish_reason": "stop" }]));
    // OpenAI sends usage in a chunk of its own, with no choices, when the client asks for it;
    // a client that did not ask gets it on the last chunk (some never ask, yet read it).
    let usage_chunk = body
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        == Some(true);
    if !usage_chunk {
        last["usage"] = usage.clone();
    }
    sse(&mut out, None, &last);
    if usage_chunk {
        let mut u = chunk(json!([]));
        u["usage"] = usage;
        sse(&mut out, None, &u);
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    stream_reply("openai chat completions stream", out)
}

fn responses(req: &Request, body: &Value, cx: Context) -> Reply {
    let wanted = match body.pointer("/text/format/type").and_then(Value::as_str) {
        Some("json_schema") => body.pointer("/text/format/schema").map(Structured::Schema),
        Some("json_object") => Some(Structured::Object),
        _ => None,
    };
    let text = answer_text(cx, wanted);
    let id = format!("resp_weircapture{:04}", cx.seq);
    let item_id = format!("msg_weircapture{:04}", cx.seq);
    let (input, output) = (tokens(req), out_tokens(&text));
    let part = json!({ "type": "output_text", "text": text, "annotations": [], "logprobs": [] });
    let item = json!({
        "type": "message", "id": item_id, "status": "completed", "role": "assistant",
        "content": [part],
    });
    let response = |status: &str, output_items: Value, usage: Value| {
        json!({
            "id": id, "object": "response", "created_at": cx.now_secs, "status": status,
            "error": null, "incomplete_details": null, "model": model_of(body),
            "output": output_items, "parallel_tool_calls": true, "tool_choice": "auto",
            "tools": [], "store": false, "usage": usage,
        })
    };
    let usage = json!({
        "input_tokens": input, "input_tokens_details": { "cached_tokens": 0 },
        "output_tokens": output, "output_tokens_details": { "reasoning_tokens": 0 },
        "total_tokens": input + output,
    });
    let done = response("completed", json!([item]), usage);
    if !stream_requested(body) {
        return json_reply("openai responses", &done);
    }
    let started = response("in_progress", json!([]), Value::Null);
    let mut in_progress_item = item.clone();
    in_progress_item["status"] = json!("in_progress");
    in_progress_item["content"] = json!([]);
    let at = |extra: Value| {
        let mut m = Map::new();
        m.insert("item_id".into(), json!(item_id));
        m.insert("output_index".into(), json!(0));
        m.insert("content_index".into(), json!(0));
        if let Value::Object(e) = extra {
            m.extend(e);
        }
        Value::Object(m)
    };
    let events: Vec<(&str, Value)> = vec![
        ("response.created", json!({ "response": started })),
        ("response.in_progress", json!({ "response": started })),
        (
            "response.output_item.added",
            json!({ "output_index": 0, "item": in_progress_item }),
        ),
        (
            "response.content_part.added",
            at(
                json!({ "part": { "type": "output_text", "text": "", "annotations": [],
                "logprobs": [] } }),
            ),
        ),
        (
            "response.output_text.delta",
            at(json!({ "delta": text, "logprobs": [] })),
        ),
        (
            "response.output_text.done",
            at(json!({ "text": text, "logprobs": [] })),
        ),
        ("response.content_part.done", at(json!({ "part": part }))),
        (
            "response.output_item.done",
            json!({ "output_index": 0, "item": item }),
        ),
        ("response.completed", json!({ "response": done })),
    ];
    let mut out = Vec::new();
    for (n, (kind, fields)) in events.into_iter().enumerate() {
        let mut event = Map::new();
        event.insert("type".into(), json!(kind));
        event.insert("sequence_number".into(), json!(n));
        if let Value::Object(f) = fields {
            event.extend(f);
        }
        sse(&mut out, Some(kind), &Value::Object(event));
    }
    stream_reply("openai responses stream", out)
}

fn gemini_response(req: &Request, body: &Value, model: &str, cx: Context) -> Value {
    let config = body
        .get("generationConfig")
        .or_else(|| body.get("generation_config"));
    let pick =
        |camel: &str, snake: &str| config.and_then(|c| c.get(camel).or_else(|| c.get(snake)));
    let wanted = pick("responseJsonSchema", "response_json_schema")
        .or_else(|| pick("responseSchema", "response_schema"))
        .map(Structured::Schema)
        .or_else(|| {
            (pick("responseMimeType", "response_mime_type").and_then(Value::as_str)
                == Some("application/json"))
            .then_some(Structured::Object)
        });
    let text = answer_text(cx, wanted);
    let (input, output) = (tokens(req), out_tokens(&text));
    json!({
        "candidates": [{
            "content": { "role": "model", "parts": [{ "text": text }] },
            "finishReason": "STOP", "index": 0,
        }],
        "usageMetadata": {
            "promptTokenCount": input, "candidatesTokenCount": output,
            "totalTokenCount": input + output,
        },
        "modelVersion": model,
        "responseId": format!("weircapture{:04}", cx.seq),
    })
}

fn gemini_models() -> Value {
    let models: Vec<Value> = MODELS
        .iter()
        .filter(|m| m.starts_with("gemini"))
        .map(|m| {
            json!({
                "name": format!("models/{m}"), "version": "001", "displayName": m,
                "inputTokenLimit": 1_048_576, "outputTokenLimit": 65_536,
                "supportedGenerationMethods": ["generateContent", "countTokens"],
            })
        })
        .collect();
    json!({ "models": models })
}

fn anthropic_models() -> Value {
    let data: Vec<Value> = MODELS
        .iter()
        .filter(|m| m.starts_with("claude"))
        .map(|m| {
            json!({ "type": "model", "id": m, "display_name": m,
                "created_at": "2026-01-01T00:00:00Z" })
        })
        .collect();
    let first = data.first().map(|m| m["id"].clone());
    let last = data.last().map(|m| m["id"].clone());
    json!({ "data": data, "has_more": false, "first_id": first, "last_id": last })
}

fn openai_models(cx: Context) -> Value {
    let data: Vec<Value> = MODELS
        .iter()
        .map(|m| json!({ "id": m, "object": "model", "created": cx.now_secs, "owned_by": "weir" }))
        .collect();
    json!({ "object": "list", "data": data })
}

/// A 404 every client can parse: the Anthropic envelope (`type: error`), with the fields
/// OpenAI (`error.message`, `error.type`) and Google (`error.code`, `error.status`) read.
fn not_found(req: &Request) -> Reply {
    let path = req.path.split('?').next().unwrap_or_default();
    let message = format!(
        "weir capture does not play {} {path}; the request was captured",
        req.method
    );
    let body = json!({
        "type": "error",
        "error": {
            "type": "not_found_error", "code": 404, "status": "NOT_FOUND",
            "message": message,
        },
    });
    Reply {
        status: 404,
        ..json_reply("not found", &body)
    }
}

fn json_reply(played: &'static str, value: &Value) -> Reply {
    Reply {
        status: 200,
        content_type: "application/json",
        body: value.to_string().into_bytes(),
        played,
    }
}

fn stream_reply(played: &'static str, body: Vec<u8>) -> Reply {
    Reply {
        status: 200,
        content_type: "text/event-stream",
        body,
        played,
    }
}

/// Appends one SSE event: an `event:` line when named, then the data.
fn sse(out: &mut Vec<u8>, event: Option<&str>, data: &Value) {
    if let Some(name) = event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(name.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b"data: ");
    out.extend_from_slice(data.to_string().as_bytes());
    out.extend_from_slice(b"\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    const CX: Context = Context {
        text: "Captured by weir.",
        seq: 7,
        now_secs: 1_800_000_000,
    };

    fn post(path: &str, body: Value) -> Request {
        Request {
            method: "POST".into(),
            path: path.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    fn get(path: &str, headers: &[(&str, &str)]) -> Request {
        Request {
            method: "GET".into(),
            path: path.into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).into(), (*v).into()))
                .collect(),
            body: Vec::new(),
        }
    }

    fn json_of(r: &Reply) -> Value {
        assert_eq!(r.content_type, "application/json");
        serde_json::from_slice(&r.body).unwrap()
    }

    /// `(event name, data)` of each SSE event; `[DONE]` as a string.
    fn events(r: &Reply) -> Vec<(Option<String>, Value)> {
        assert_eq!(r.content_type, "text/event-stream");
        let text = std::str::from_utf8(&r.body).unwrap();
        assert!(text.ends_with("\n\n"), "{text}");
        text.split("\n\n")
            .filter(|e| !e.is_empty())
            .map(|e| {
                let mut name = None;
                let mut data = None;
                for line in e.lines() {
                    if let Some(n) = line.strip_prefix("event: ") {
                        name = Some(n.to_owned());
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data = Some(if d == "[DONE]" {
                            json!("[DONE]")
                        } else {
                            serde_json::from_str(d).unwrap()
                        });
                    } else {
                        panic!("unexpected line {line:?}");
                    }
                }
                (name, data.unwrap())
            })
            .collect()
    }

    #[test]
    fn anthropic_messages_json() {
        let r = reply(
            &post("/v1/messages?beta=true", json!({"model": "claude-x"})),
            CX,
        );
        let v = json_of(&r);
        assert_eq!(v["type"], "message");
        assert_eq!(v["model"], "claude-x");
        assert_eq!(v["content"][0]["text"], "Captured by weir.");
        assert_eq!(v["stop_reason"], "end_turn");
        assert!(v["usage"]["input_tokens"].as_u64().unwrap() >= 1);
    }

    #[test]
    fn anthropic_messages_stream_is_the_full_sequence_with_named_events() {
        let r = reply(
            &post(
                "/v1/messages?beta=true",
                json!({"model": "m", "stream": true}),
            ),
            CX,
        );
        let evs = events(&r);
        let names: Vec<&str> = evs.iter().map(|(n, _)| n.as_deref().unwrap()).collect();
        assert_eq!(
            names,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        for (name, data) in &evs {
            assert_eq!(data["type"].as_str(), name.as_deref());
        }
        assert_eq!(evs[2].1["delta"]["text"], "Captured by weir.");
        assert_eq!(evs[4].1["delta"]["stop_reason"], "end_turn");
    }

    #[test]
    fn count_tokens_grow_with_the_body() {
        let small = json_of(&reply(&post("/v1/messages/count_tokens", json!({})), CX));
        let big = json_of(&reply(
            &post("/v1/messages/count_tokens", json!({"x": "y".repeat(400)})),
            CX,
        ));
        assert!(big["input_tokens"].as_u64() > small["input_tokens"].as_u64());
    }

    #[test]
    fn chat_completions_json_and_stream() {
        let v = json_of(&reply(
            &post("/v1/chat/completions", json!({"model": "q"})),
            CX,
        ));
        assert_eq!(v["object"], "chat.completion");
        assert_eq!(v["choices"][0]["message"]["content"], "Captured by weir.");
        assert_eq!(
            v["usage"]["total_tokens"],
            json!(
                v["usage"]["prompt_tokens"].as_u64().unwrap()
                    + v["usage"]["completion_tokens"].as_u64().unwrap()
            )
        );

        let r = reply(
            &post(
                "/v1/chat/completions",
                json!({"model": "q", "stream": true, "stream_options": {"include_usage": true}}),
            ),
            CX,
        );
        let evs = events(&r);
        assert!(evs.iter().all(|(n, _)| n.is_none()));
        assert_eq!(evs.last().unwrap().1, "[DONE]");
        let text: String = evs
            .iter()
            .filter_map(|(_, d)| {
                d.pointer("/choices/0/delta/content")
                    .and_then(Value::as_str)
            })
            .collect();
        assert_eq!(text, "Captured by weir.");
        let usage = &evs[evs.len() - 2].1;
        assert_eq!(usage["choices"], json!([]));
        assert!(usage["usage"]["total_tokens"].as_u64().unwrap() > 0);
        assert_eq!(evs[evs.len() - 3].1["choices"][0]["finish_reason"], "stop");
    }

    #[test]
    fn chat_stream_without_include_usage_puts_usage_on_the_last_chunk() {
        let r = reply(&post("/v1/chat/completions", json!({"stream": true})), CX);
        let evs = events(&r);
        let last = &evs[evs.len() - 2].1;
        assert_eq!(last["choices"][0]["finish_reason"], "stop");
        assert!(last["usage"]["prompt_tokens"].as_u64().is_some());
    }

    #[test]
    fn responses_json_and_stream() {
        let v = json_of(&reply(
            &post("/v1/responses", json!({"model": "gpt-5"})),
            CX,
        ));
        assert_eq!(v["object"], "response");
        assert_eq!(v["status"], "completed");
        assert_eq!(v["output"][0]["content"][0]["text"], "Captured by weir.");

        let evs = events(&reply(
            &post("/v1/responses", json!({"model": "gpt-5", "stream": true})),
            CX,
        ));
        let names: Vec<&str> = evs.iter().map(|(n, _)| n.as_deref().unwrap()).collect();
        assert_eq!(
            names,
            [
                "response.created",
                "response.in_progress",
                "response.output_item.added",
                "response.content_part.added",
                "response.output_text.delta",
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "response.completed"
            ]
        );
        for (i, (name, data)) in evs.iter().enumerate() {
            assert_eq!(data["type"].as_str(), name.as_deref());
            assert_eq!(data["sequence_number"], json!(i));
        }
        assert_eq!(evs[4].1["delta"], "Captured by weir.");
        assert_eq!(evs[8].1["response"]["status"], "completed");
        assert_eq!(evs[0].1["response"]["status"], "in_progress");
    }

    #[test]
    fn gemini_generate_stream_and_count() {
        let path = "/v1beta/models/gemini-2.5-pro:generateContent";
        let v = json_of(&reply(&post(path, json!({"contents": []})), CX));
        assert_eq!(
            v["candidates"][0]["content"]["parts"][0]["text"],
            "Captured by weir."
        );
        assert_eq!(v["candidates"][0]["finishReason"], "STOP");
        assert_eq!(v["modelVersion"], "gemini-2.5-pro");

        let arr = json_of(&reply(
            &post(
                "/v1beta/models/gemini-2.5-pro:streamGenerateContent",
                json!({}),
            ),
            CX,
        ));
        assert_eq!(arr.as_array().unwrap().len(), 1);
        assert_eq!(arr[0]["candidates"][0]["finishReason"], "STOP");

        let evs = events(&reply(
            &post(
                "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
                json!({}),
            ),
            CX,
        ));
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0].1["candidates"][0]["content"]["role"], "model");

        let c = json_of(&reply(
            &post("/v1beta/models/gemini-2.5-pro:countTokens", json!({})),
            CX,
        ));
        assert!(c["totalTokens"].as_u64().unwrap() >= 1);
    }

    #[test]
    fn structured_output_requests_get_json_that_fits() {
        let gemini = post(
            "/v1beta/models/gemini-flash-lite:generateContent",
            json!({"generationConfig": {"responseMimeType": "application/json",
                "responseJsonSchema": {"type": "OBJECT", "properties": {
                    "reasoning": {"type": "STRING"}, "score": {"type": "INTEGER"}},
                    "required": ["reasoning", "score"]}}}),
        );
        let v = json_of(&reply(&gemini, CX));
        let text = v["candidates"][0]["content"]["parts"][0]["text"]
            .as_str()
            .unwrap();
        let doc: Value = serde_json::from_str(text).unwrap();
        assert!(
            doc["reasoning"].is_string() && doc["score"].is_i64(),
            "{doc}"
        );

        let chat = post(
            "/v1/chat/completions",
            json!({"response_format": {"type": "json_object"}}),
        );
        let v = json_of(&reply(&chat, CX));
        let text = v["choices"][0]["message"]["content"].as_str().unwrap();
        assert!(serde_json::from_str::<Value>(text).unwrap().is_object());

        let anthropic = post(
            "/v1/messages",
            json!({"output_config": {"format": {"type": "json_schema", "schema": {
                "type": "object", "properties": {"title": {"type": "string"}}}}}}),
        );
        let v = json_of(&reply(&anthropic, CX));
        let doc: Value = serde_json::from_str(v["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(doc["title"], "Captured by weir.");

        let responses = post(
            "/v1/responses",
            json!({"text": {"format": {"type": "json_schema", "name": "x", "schema": {
                "type": "object", "properties": {"ok": {"type": "boolean"}}}}}}),
        );
        let v = json_of(&reply(&responses, CX));
        let doc: Value =
            serde_json::from_str(v["output"][0]["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(doc["ok"], false);
    }

    #[test]
    fn model_lists_by_api() {
        let gemini = json_of(&reply(&get("/v1beta/models", &[]), CX));
        assert!(
            gemini["models"][0]["name"]
                .as_str()
                .unwrap()
                .starts_with("models/")
        );
        let openai = json_of(&reply(&get("/v1/models", &[]), CX));
        assert_eq!(openai["object"], "list");
        assert_eq!(openai["data"][0]["object"], "model");
        let anthropic = json_of(&reply(
            &get("/v1/models", &[("anthropic-version", "2023-06-01")]),
            CX,
        ));
        assert_eq!(anthropic["data"][0]["type"], "model");
        assert_eq!(anthropic["has_more"], false);
    }

    #[test]
    fn anything_else_is_a_json_404_naming_the_request() {
        for r in [
            get("/v1/messages", &[]),
            post("/v2/unknown?key=secret", json!({})),
            post("/v1beta/models/x:embedContent", json!({})),
        ] {
            let out = reply(&r, CX);
            assert_eq!(out.status, 404);
            let v = json_of(&out);
            let message = v["error"]["message"].as_str().unwrap();
            assert!(message.contains(&r.method), "{message}");
            assert!(
                !message.contains("secret"),
                "the query is not echoed: {message}"
            );
            assert_eq!(v["error"]["code"], 404);
        }
    }

    #[test]
    fn a_body_that_is_not_json_still_gets_an_answer() {
        let mut r = post("/v1/messages", json!({}));
        r.body = b"not json".to_vec();
        let v = json_of(&reply(&r, CX));
        assert_eq!(v["content"][0]["text"], "Captured by weir.");
    }
}
