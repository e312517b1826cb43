//! Helpers shared by the integration tests.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use weir_emulator::{Emulator, Script};

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

pub async fn start(script: Script) -> Emulator {
    Emulator::start(script).await.expect("start emulator")
}

/// One parsed SSE frame.
#[derive(Debug, Clone)]
pub struct Sse {
    pub event: Option<String>,
    pub data: String,
}

impl Sse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("frame data is not JSON ({e}): {}", self.data))
    }
}

/// Parses complete SSE frames (blocks ending in a blank line).
pub fn parse_sse(text: &str) -> Vec<Sse> {
    assert!(
        text.is_empty() || text.ends_with("\n\n"),
        "stream must end on a frame boundary: {text:?}"
    );
    text.split_terminator("\n\n")
        .map(|block| {
            let mut event = None;
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = Some(e.to_string());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push(d);
                } else {
                    panic!("unexpected SSE line {line:?}");
                }
            }
            Sse {
                event,
                data: data.join("\n"),
            }
        })
        .collect()
}

pub fn anthropic_body(stream: bool) -> Value {
    json!({
        "model": "claude-test",
        "max_tokens": 100,
        "stream": stream,
        "messages": [{"role": "user", "content": "hi"}],
    })
}

pub fn chat_body(stream: bool) -> Value {
    json!({
        "model": "gpt-test",
        "stream": stream,
        "messages": [{"role": "user", "content": "hi"}],
    })
}

pub fn responses_body(stream: bool) -> Value {
    json!({"model": "gpt-test", "stream": stream, "input": "hi"})
}

pub async fn post(url: String, body: &Value) -> reqwest::Response {
    client()
        .post(url)
        .header("x-api-key", "k")
        .header("authorization", "Bearer k")
        .json(body)
        .send()
        .await
        .expect("send")
}

pub async fn post_anthropic(emu: &Emulator, body: &Value) -> reqwest::Response {
    post(format!("{}/v1/messages", emu.anthropic_base_url()), body).await
}

pub async fn post_chat(emu: &Emulator, body: &Value) -> reqwest::Response {
    post(format!("{}/chat/completions", emu.openai_base_url()), body).await
}

pub async fn post_responses(emu: &Emulator, body: &Value) -> reqwest::Response {
    post(format!("{}/responses", emu.openai_base_url()), body).await
}

/// Reads a whole streaming body; returns the text and whether it ended in an error.
pub async fn read_stream(mut response: reqwest::Response) -> (String, bool) {
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => return (String::from_utf8(bytes).expect("utf-8"), false),
            Err(_) => return (String::from_utf8(bytes).expect("utf-8"), true),
        }
    }
}

/// Reads a whole streaming body, noting when each complete frame arrived.
pub async fn read_timed(mut response: reqwest::Response) -> Vec<(Instant, String)> {
    let mut buffer = String::new();
    let mut frames = Vec::new();
    while let Some(chunk) = response.chunk().await.expect("chunk") {
        buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            frames.push((Instant::now(), frame));
        }
    }
    frames
}

/// Asserts the standard Anthropic stream grammar; returns the message rebuilt from it.
pub fn check_anthropic_stream(frames: &[Sse]) -> Value {
    assert!(frames.len() >= 4, "too few frames: {frames:?}");
    for frame in frames {
        assert_ne!(frame.data, "[DONE]", "Anthropic never sends [DONE]");
        let data = frame.json();
        assert_eq!(
            Some(data["type"].as_str().expect("type")),
            frame.event.as_deref(),
            "data.type must equal the event name"
        );
    }
    assert_eq!(frames[0].event.as_deref(), Some("message_start"));
    assert_eq!(frames[1].event.as_deref(), Some("ping"));
    let n = frames.len();
    assert_eq!(frames[n - 2].event.as_deref(), Some("message_delta"));
    assert_eq!(frames[n - 1].event.as_deref(), Some("message_stop"));
    let mut message = frames[0].json()["message"].clone();
    assert_eq!(message["content"], json!([]));
    assert_eq!(message["stop_reason"], Value::Null);
    assert_eq!(message["usage"]["output_tokens"], 1);
    let mut content: Vec<Value> = Vec::new();
    let mut open: Option<usize> = None;
    let mut partial_json = String::new();
    for frame in &frames[2..n - 2] {
        let data = frame.json();
        let index = data["index"].as_u64().expect("index") as usize;
        match data["type"].as_str() {
            Some("content_block_start") => {
                assert!(open.is_none(), "one block open at a time");
                assert_eq!(index, content.len(), "indices are dense from 0");
                open = Some(index);
                content.push(data["content_block"].clone());
                partial_json.clear();
            }
            Some("content_block_delta") => {
                assert_eq!(open, Some(index), "delta for the open block");
                let block = &mut content[index];
                let delta = &data["delta"];
                match delta["type"].as_str() {
                    Some("text_delta") => {
                        let text = format!(
                            "{}{}",
                            block["text"].as_str().expect("text block"),
                            delta["text"].as_str().expect("text")
                        );
                        block["text"] = json!(text);
                    }
                    Some("thinking_delta") => {
                        assert_eq!(block["signature"], "", "no thinking after the signature");
                        let text = format!(
                            "{}{}",
                            block["thinking"].as_str().expect("thinking block"),
                            delta["thinking"].as_str().expect("thinking")
                        );
                        block["thinking"] = json!(text);
                    }
                    Some("signature_delta") => {
                        block["signature"] = delta["signature"].clone();
                    }
                    Some("input_json_delta") => {
                        partial_json.push_str(delta["partial_json"].as_str().expect("partial"));
                    }
                    other => panic!("unexpected delta {other:?}"),
                }
            }
            Some("content_block_stop") => {
                assert_eq!(open, Some(index), "stop for the open block");
                open = None;
                let block = &mut content[index];
                if block["type"] == "tool_use" {
                    block["input"] = if partial_json.is_empty() {
                        json!({})
                    } else {
                        serde_json::from_str(&partial_json).expect("tool input JSON")
                    };
                }
                if block["type"] == "thinking" {
                    assert_ne!(block["signature"], "", "thinking block signed");
                }
            }
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert!(open.is_none(), "all blocks closed");
    let delta = frames[n - 2].json();
    message["content"] = Value::Array(content);
    message["stop_reason"] = delta["delta"]["stop_reason"].clone();
    message["stop_sequence"] = delta["delta"]["stop_sequence"].clone();
    message["usage"]["output_tokens"] = delta["usage"]["output_tokens"].clone();
    message
}

/// Asserts the Chat stream grammar; returns (the rebuilt choice message, finish_reason,
/// usage if any).
pub fn check_chat_stream(frames: &[Sse], include_usage: bool) -> (Value, String, Option<Value>) {
    let n = frames.len();
    assert!(n >= 3, "too few frames");
    assert_eq!(frames[n - 1].data, "[DONE]");
    assert_eq!(
        frames.iter().filter(|f| f.data == "[DONE]").count(),
        1,
        "exactly one [DONE]"
    );
    let chunks: Vec<Value> = frames[..n - 1]
        .iter()
        .map(|f| {
            assert!(f.event.is_none(), "Chat frames have no event name");
            f.json()
        })
        .collect();
    let id = chunks[0]["id"].clone();
    assert!(id.as_str().expect("id").starts_with("chatcmpl-"));
    for chunk in &chunks {
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert_eq!(chunk["id"], id, "same id in every chunk");
        assert!(chunk["created"].is_u64());
        assert!(chunk["model"].is_string());
        if include_usage {
            assert!(chunk.get("usage").is_some(), "usage key present: {chunk}");
        } else {
            assert!(chunk.get("usage").is_none(), "no usage key: {chunk}");
        }
    }
    let (choice_chunks, usage) = if include_usage {
        let last = &chunks[chunks.len() - 1];
        assert_eq!(last["choices"], json!([]));
        assert!(last["usage"].is_object());
        for chunk in &chunks[..chunks.len() - 1] {
            assert_eq!(chunk["usage"], Value::Null);
        }
        (&chunks[..chunks.len() - 1], Some(last["usage"].clone()))
    } else {
        (&chunks[..], None)
    };
    let first = &choice_chunks[0]["choices"][0];
    assert_eq!(
        first["delta"],
        json!({"role": "assistant", "content": "", "refusal": null})
    );
    let mut content = String::new();
    let mut reasoning = String::new();
    let mut calls: Vec<Value> = Vec::new();
    let mut finish = None;
    for (i, chunk) in choice_chunks.iter().enumerate() {
        let choices = chunk["choices"].as_array().expect("choices");
        assert_eq!(choices.len(), 1);
        let choice = &choices[0];
        assert_eq!(choice["index"], 0);
        assert_eq!(choice["logprobs"], Value::Null);
        let is_last = i == choice_chunks.len() - 1;
        if is_last {
            assert_eq!(choice["delta"], json!({}));
            finish = Some(
                choice["finish_reason"]
                    .as_str()
                    .expect("finish")
                    .to_string(),
            );
            continue;
        }
        assert_eq!(choice["finish_reason"], Value::Null);
        let delta = &choice["delta"];
        if i > 0 {
            if let Some(c) = delta.get("content") {
                content.push_str(c.as_str().expect("content"));
            }
        }
        if let Some(r) = delta.get("reasoning_content") {
            reasoning.push_str(r.as_str().expect("reasoning"));
        }
        if let Some(tool_calls) = delta.get("tool_calls") {
            for tc in tool_calls.as_array().expect("tool_calls") {
                let k = tc["index"].as_u64().expect("index") as usize;
                if tc.get("id").is_some() {
                    assert_eq!(k, calls.len(), "call indices dense in first-seen order");
                    assert_eq!(tc["type"], "function");
                    assert_eq!(tc["function"]["arguments"], "");
                    calls.push(json!({
                        "id": tc["id"],
                        "type": "function",
                        "function": {"name": tc["function"]["name"], "arguments": ""},
                    }));
                } else {
                    assert!(k < calls.len(), "fragment for an announced call");
                    assert!(tc["function"].get("name").is_none());
                    let args = format!(
                        "{}{}",
                        calls[k]["function"]["arguments"].as_str().expect("args"),
                        tc["function"]["arguments"].as_str().expect("piece")
                    );
                    calls[k]["function"]["arguments"] = json!(args);
                }
            }
        }
    }
    let mut message = json!({"role": "assistant", "content": content});
    if !reasoning.is_empty() {
        message["reasoning_content"] = json!(reasoning);
    }
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    (message, finish.expect("finish chunk"), usage)
}

/// Asserts the Responses stream grammar; returns the final response snapshot.
pub fn check_responses_stream(frames: &[Sse]) -> Value {
    let events: Vec<Value> = frames
        .iter()
        .map(|f| {
            let data = f.json();
            assert_eq!(
                Some(data["type"].as_str().expect("type")),
                f.event.as_deref()
            );
            data
        })
        .collect();
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event["sequence_number"], i, "sequence numbers from 0");
    }
    assert_eq!(events[0]["type"], "response.created");
    assert_eq!(events[0]["response"]["status"], "in_progress");
    assert_eq!(events[0]["response"]["output"], json!([]));
    assert_eq!(events[0]["response"]["usage"], Value::Null);
    assert_eq!(events[1]["type"], "response.in_progress");
    let last = events.last().expect("events");
    let kind = last["type"].as_str().expect("type");
    assert!(
        kind == "response.completed" || kind == "response.incomplete",
        "terminal event, got {kind}"
    );
    let final_response = last["response"].clone();
    let output = final_response["output"].as_array().expect("output").clone();
    let mut next_index = 0u64;
    let mut i = 2;
    while i < events.len() - 1 {
        let added = &events[i];
        assert_eq!(added["type"], "response.output_item.added");
        assert_eq!(added["output_index"], next_index);
        let item_id = added["item"]["id"].clone();
        let final_item = &output[next_index as usize];
        assert_eq!(final_item["id"], item_id);
        let mut text = String::new();
        i += 1;
        while events[i]["type"] != "response.output_item.done" {
            let e = &events[i];
            assert_eq!(e["item_id"], item_id);
            assert_eq!(e["output_index"], next_index);
            match e["type"].as_str().expect("type") {
                "response.output_text.delta"
                | "response.reasoning_summary_text.delta"
                | "response.function_call_arguments.delta"
                | "response.custom_tool_call_input.delta" => {
                    text.push_str(e["delta"].as_str().expect("delta"));
                }
                "response.output_text.done" | "response.reasoning_summary_text.done" => {
                    assert_eq!(e["text"], text);
                }
                "response.function_call_arguments.done" => {
                    assert_eq!(e["arguments"], text);
                    assert_eq!(e["name"], final_item["name"]);
                }
                "response.custom_tool_call_input.done" => {
                    assert_eq!(e["input"], text);
                    assert_eq!(e["input"], final_item["input"]);
                }
                "response.content_part.added" | "response.reasoning_summary_part.added" => {
                    assert_eq!(e["part"]["text"], "");
                }
                "response.content_part.done" | "response.reasoning_summary_part.done" => {
                    assert_eq!(e["part"]["text"], text);
                }
                other => panic!("unexpected event {other}"),
            }
            i += 1;
        }
        assert_eq!(events[i]["output_index"], next_index);
        assert_eq!(
            &events[i]["item"], final_item,
            "output_item.done carries the final item"
        );
        next_index += 1;
        i += 1;
    }
    assert_eq!(next_index as usize, output.len());
    final_response
}

/// Milliseconds between two instants.
pub fn millis(from: Instant, to: Instant) -> u128 {
    to.saturating_duration_since(from).as_millis()
}

/// Generous upper bound for "no deliberate delay".
pub const FAST: Duration = Duration::from_millis(150);
