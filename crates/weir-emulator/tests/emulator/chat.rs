//! OpenAI Chat Completions: shapes, stream grammar, include_usage, parallel calls.

use serde_json::{Value, json};
use weir_emulator::{Reply, Script, Usage};

use crate::common::*;

#[tokio::test]
async fn non_streaming_text_completion() {
    let emu = start(Script::reply(Reply::text("Hi!"))).await;
    let response = post_chat(&emu, &chat_body(false)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.expect("json");
    assert!(body["id"].as_str().expect("id").starts_with("chatcmpl-"));
    assert_eq!(body["object"], "chat.completion");
    assert!(body["created"].as_u64() > Some(1_600_000_000));
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["system_fingerprint"], Value::Null);
    assert_eq!(
        body["choices"],
        json!([{
            "index": 0,
            "message": {"role": "assistant", "content": "Hi!", "refusal": null},
            "logprobs": null,
            "finish_reason": "stop",
        }])
    );
    let usage = &body["usage"];
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(
            usage["prompt_tokens"].as_u64().expect("p")
                + usage["completion_tokens"].as_u64().expect("c")
        )
    );
    assert_eq!(usage["prompt_tokens_details"]["cached_tokens"], 0);
    assert_eq!(usage["completion_tokens_details"]["reasoning_tokens"], 0);
}

#[tokio::test]
async fn non_streaming_tools_reasoning_and_cached_usage() {
    let reply = Reply::tool_call("search", r#"{"q":"rust"}"#)
        .with_thinking("Need to search.")
        .with_usage(Usage::new(10, 5).with_cache(30, 2));
    let emu = start(Script::reply(reply)).await;
    let body: Value = post_chat(&emu, &chat_body(false))
        .await
        .json()
        .await
        .expect("json");
    let choice = &body["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    let message = &choice["message"];
    assert_eq!(message["content"], Value::Null);
    assert_eq!(message["reasoning_content"], "Need to search.");
    let call = &message["tool_calls"][0];
    assert!(call["id"].as_str().expect("id").starts_with("call_"));
    assert_eq!(call["type"], "function");
    assert_eq!(
        call["function"],
        json!({"name": "search", "arguments": "{\"q\":\"rust\"}"})
    );
    assert_eq!(body["usage"]["prompt_tokens"], 42);
    assert_eq!(body["usage"]["completion_tokens"], 5);
    assert_eq!(body["usage"]["total_tokens"], 47);
    assert_eq!(body["usage"]["prompt_tokens_details"]["cached_tokens"], 30);
}

#[tokio::test]
async fn streaming_without_usage() {
    let text = "Streaming text in several pieces.";
    let emu = start(Script::reply(Reply::text(text).with_thinking("hmm, think"))).await;
    let response = post_chat(&emu, &chat_body(true)).await;
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let (wire, broken) = read_stream(response).await;
    assert!(!broken);
    let frames = parse_sse(&wire);
    let (message, finish, usage) = check_chat_stream(&frames, false);
    assert_eq!(message["content"], text);
    assert_eq!(message["reasoning_content"], "hmm, think");
    assert_eq!(finish, "stop");
    assert!(usage.is_none());
}

#[tokio::test]
async fn streaming_with_include_usage() {
    let emu = start(Script::reply(
        Reply::text("abc").with_usage(Usage::new(7, 3).with_cache(1, 0)),
    ))
    .await;
    let mut body = chat_body(true);
    body["stream_options"] = json!({"include_usage": true});
    let (wire, _) = read_stream(post_chat(&emu, &body).await).await;
    let frames = parse_sse(&wire);
    let (message, finish, usage) = check_chat_stream(&frames, true);
    assert_eq!(message["content"], "abc");
    assert_eq!(finish, "stop");
    let usage = usage.expect("usage chunk");
    assert_eq!(usage["prompt_tokens"], 8);
    assert_eq!(usage["completion_tokens"], 3);
    assert_eq!(usage["total_tokens"], 11);
    assert_eq!(usage["prompt_tokens_details"]["cached_tokens"], 1);
}

fn parallel_reply() -> Reply {
    Reply::default()
        .with_tool_call("read_file", r#"{"path":"src/main.rs"}"#)
        .with_tool_call("grep", r#"{"pattern":"fn main","path":"."}"#)
        .with_chunk_chars(4)
}

fn expected_calls(message: &Value) {
    let calls = message["tool_calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["function"]["name"], "read_file");
    assert_eq!(
        calls[0]["function"]["arguments"],
        r#"{"path":"src/main.rs"}"#
    );
    assert_eq!(calls[1]["function"]["name"], "grep");
    assert_eq!(
        calls[1]["function"]["arguments"],
        r#"{"pattern":"fn main","path":"."}"#
    );
    assert_ne!(calls[0]["id"], calls[1]["id"]);
}

fn call_order(frames: &[Sse]) -> Vec<u64> {
    frames
        .iter()
        .filter(|f| f.data != "[DONE]")
        .filter_map(|f| f.json()["choices"][0]["delta"]["tool_calls"][0]["index"].as_u64())
        .collect()
}

#[tokio::test]
async fn streaming_parallel_tool_calls() {
    let emu = start(Script::reply(parallel_reply())).await;
    let (wire, _) = read_stream(post_chat(&emu, &chat_body(true)).await).await;
    let frames = parse_sse(&wire);
    let (message, finish, _) = check_chat_stream(&frames, false);
    assert_eq!(finish, "tool_calls");
    expected_calls(&message);
    let order = call_order(&frames);
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "sequential: {order:?}"
    );
}

#[tokio::test]
async fn streaming_interleaved_tool_calls() {
    let emu = start(Script::reply(parallel_reply().interleaved())).await;
    let (wire, _) = read_stream(post_chat(&emu, &chat_body(true)).await).await;
    let frames = parse_sse(&wire);
    let (message, _, _) = check_chat_stream(&frames, false);
    expected_calls(&message);
    let order = call_order(&frames);
    assert_eq!(&order[..4], &[0, 1, 0, 1], "interleaved: {order:?}");
}

#[tokio::test]
async fn max_tokens_maps_to_length() {
    let emu = start(Script::reply(Reply::text("cut").with_stop("max_tokens"))).await;
    let body: Value = post_chat(&emu, &chat_body(false))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["choices"][0]["finish_reason"], "length");
    let (wire, _) = read_stream(post_chat(&emu, &chat_body(true)).await).await;
    let (_, finish, _) = check_chat_stream(&parse_sse(&wire), false);
    assert_eq!(finish, "length");
}

#[tokio::test]
async fn bad_requests_get_openai_400() {
    let emu = start(Script::new()).await;
    let response = client()
        .post(format!("{}/chat/completions", emu.openai_base_url()))
        .body("[1,2")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.expect("json");
    let error = &body["error"];
    assert_eq!(error["type"], "invalid_request_error");
    assert!(error["message"].is_string());
    assert!(error.get("param").is_some() && error.get("code").is_some());

    let response = post_chat(&emu, &json!({"model": "m"})).await;
    assert_eq!(response.status(), 400);
}
