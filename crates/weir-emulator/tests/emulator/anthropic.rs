//! Anthropic Messages: shapes and stream grammar.

use serde_json::{Value, json};
use weir_emulator::{Reply, Script, ToolCall, Usage};

use crate::common::*;

fn is_id(value: &Value, prefix: &str, len: usize) -> bool {
    value.as_str().is_some_and(|s| {
        s.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() == len && rest.chars().all(|c| c.is_ascii_alphanumeric())
        })
    })
}

#[tokio::test]
async fn non_streaming_text_message() {
    let emu = start(Script::reply(Reply::text("Hello there"))).await;
    let response = post_anthropic(&emu, &anthropic_body(false)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let request_id = response.headers()["request-id"].to_str().expect("ascii");
    assert!(request_id.starts_with("req_"));
    let body: Value = response.json().await.expect("json");
    assert!(is_id(&body["id"], "msg_", 24), "{}", body["id"]);
    assert_eq!(body["type"], "message");
    assert_eq!(body["role"], "assistant");
    assert_eq!(body["model"], "claude-test");
    assert_eq!(
        body["content"],
        json!([{"type": "text", "text": "Hello there"}])
    );
    assert_eq!(body["stop_reason"], "end_turn");
    assert_eq!(body["stop_sequence"], Value::Null);
    let usage = &body["usage"];
    for key in [
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "output_tokens",
    ] {
        assert!(usage[key].is_u64(), "usage.{key}");
    }
    assert!(usage["input_tokens"].as_u64() > Some(0));
}

#[tokio::test]
async fn non_streaming_thinking_and_tools() {
    let reply = Reply::text("Let me look.")
        .with_thinking("The user wants files.")
        .with_tool_call("list_files", r#"{"dir": "/tmp"}"#)
        .with_tool(ToolCall::new("read", r#"{"path": "a"}"#).with_id("toolu_fixed"));
    let emu = start(Script::reply(reply)).await;
    let body: Value = post_anthropic(&emu, &anthropic_body(false))
        .await
        .json()
        .await
        .expect("json");
    let content = body["content"].as_array().expect("content");
    assert_eq!(content.len(), 4);
    assert_eq!(content[0]["type"], "thinking");
    assert_eq!(content[0]["thinking"], "The user wants files.");
    assert!(
        content[0]["signature"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(content[1], json!({"type": "text", "text": "Let me look."}));
    assert_eq!(content[2]["type"], "tool_use");
    assert!(is_id(&content[2]["id"], "toolu_", 24));
    assert_eq!(content[2]["name"], "list_files");
    assert_eq!(content[2]["input"], json!({"dir": "/tmp"}));
    assert_eq!(content[3]["id"], "toolu_fixed");
    assert_eq!(content[3]["input"], json!({"path": "a"}));
    assert_eq!(body["stop_reason"], "tool_use");
}

#[tokio::test]
async fn streaming_text_grammar() {
    let text = "The quick brown fox jumps over the lazy dog.";
    let emu = start(Script::reply(Reply::text(text))).await;
    let response = post_anthropic(&emu, &anthropic_body(true)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert!(response.headers().contains_key("request-id"));
    let (wire, broken) = read_stream(response).await;
    assert!(!broken);
    let frames = parse_sse(&wire);
    let message = check_anthropic_stream(&frames);
    assert_eq!(message["content"], json!([{"type": "text", "text": text}]));
    assert_eq!(message["stop_reason"], "end_turn");
    assert_eq!(message["model"], "claude-test");
    // Default chunking: 8 characters per delta.
    let deltas: Vec<String> = frames
        .iter()
        .filter(|f| f.event.as_deref() == Some("content_block_delta"))
        .map(|f| {
            f.json()["delta"]["text"]
                .as_str()
                .expect("text")
                .to_string()
        })
        .collect();
    assert_eq!(deltas.len(), text.len().div_ceil(8));
    assert!(
        deltas[..deltas.len() - 1]
            .iter()
            .all(|d| d.chars().count() == 8)
    );
}

#[tokio::test]
async fn streaming_thinking_text_and_parallel_tools() {
    let reply = Reply::text("Checking both.")
        .with_thinking("Two lookups are needed here.")
        .with_tool_call("weather", r#"{"city":"Paris","unit":"c"}"#)
        .with_tool_call("time", r#"{"tz":"Europe/Paris"}"#)
        .with_chunk_chars(5);
    let emu = start(Script::reply(reply)).await;
    let (wire, _) = read_stream(post_anthropic(&emu, &anthropic_body(true)).await).await;
    let frames = parse_sse(&wire);
    let message = check_anthropic_stream(&frames);
    let content = message["content"].as_array().expect("content");
    assert_eq!(content.len(), 4);
    assert_eq!(content[0]["thinking"], "Two lookups are needed here.");
    assert_eq!(content[1]["text"], "Checking both.");
    assert_eq!(content[2]["name"], "weather");
    assert_eq!(content[2]["input"], json!({"city": "Paris", "unit": "c"}));
    assert_eq!(content[3]["input"], json!({"tz": "Europe/Paris"}));
    assert_eq!(message["stop_reason"], "tool_use");

    // Block starts carry empty payloads; the signature comes once, just before the stop;
    // tool input starts with an empty fragment.
    let data: Vec<Value> = frames.iter().map(Sse::json).collect();
    let starts: Vec<&Value> = data
        .iter()
        .filter(|d| d["type"] == "content_block_start")
        .map(|d| &d["content_block"])
        .collect();
    assert_eq!(
        starts[0],
        &json!({"type": "thinking", "thinking": "", "signature": ""})
    );
    assert_eq!(starts[1], &json!({"type": "text", "text": ""}));
    assert_eq!(starts[2]["input"], json!({}));
    let stop0 = data
        .iter()
        .position(|d| d["type"] == "content_block_stop" && d["index"] == 0)
        .expect("stop 0");
    assert_eq!(data[stop0 - 1]["delta"]["type"], "signature_delta");
    assert_eq!(
        data.iter()
            .filter(|d| d["delta"]["type"] == "signature_delta")
            .count(),
        1
    );
    let first_tool_delta = data
        .iter()
        .find(|d| d["type"] == "content_block_delta" && d["index"] == 2)
        .expect("tool delta");
    assert_eq!(
        first_tool_delta["delta"],
        json!({"type": "input_json_delta", "partial_json": ""})
    );
}

#[tokio::test]
async fn stop_model_and_usage_overrides() {
    let reply = Reply::text("truncated")
        .with_stop("max_tokens")
        .with_model("claude-other")
        .with_usage(Usage::new(11, 22).with_cache(33, 44));
    let emu = start(Script::reply(reply)).await;
    let body: Value = post_anthropic(&emu, &anthropic_body(false))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["stop_reason"], "max_tokens");
    assert_eq!(body["model"], "claude-other");
    assert_eq!(
        body["usage"],
        json!({"input_tokens": 11, "output_tokens": 22, "cache_read_input_tokens": 33, "cache_creation_input_tokens": 44})
    );
    let (wire, _) = read_stream(post_anthropic(&emu, &anthropic_body(true)).await).await;
    let frames = parse_sse(&wire);
    let message = check_anthropic_stream(&frames);
    assert_eq!(message["stop_reason"], "max_tokens");
    assert_eq!(message["usage"]["input_tokens"], 11);
    assert_eq!(message["usage"]["cache_read_input_tokens"], 33);
    assert_eq!(message["usage"]["output_tokens"], 22);
}

#[tokio::test]
async fn count_tokens_estimates_from_body_size() {
    let emu = start(Script::new()).await;
    let body = anthropic_body(false);
    let len = serde_json::to_vec(&body).expect("json").len() as u64;
    let response = post(
        format!("{}/v1/messages/count_tokens", emu.anthropic_base_url()),
        &body,
    )
    .await;
    assert_eq!(response.status(), 200);
    let value: Value = response.json().await.expect("json");
    assert_eq!(value, json!({"input_tokens": len.div_ceil(4)}));
}

#[tokio::test]
async fn bad_requests_get_anthropic_400() {
    let emu = start(Script::new()).await;
    let url = format!("{}/v1/messages", emu.anthropic_base_url());
    let response = client()
        .post(&url)
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);
    assert!(response.headers().contains_key("request-id"));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["request_id"]
            .as_str()
            .is_some_and(|s| s.starts_with("req_"))
    );

    let mut no_max = anthropic_body(false);
    no_max.as_object_mut().expect("object").remove("max_tokens");
    let response = post(url, &no_max).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("max_tokens")
    );
}
