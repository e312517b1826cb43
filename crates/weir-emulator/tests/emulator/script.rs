//! Rules (`when`, `times`), require_key, rate_limit and the JSON form of scripts.

use serde_json::{Value, json};
use weir_emulator::{Fault, Reply, Script, When};

use crate::common::*;

async fn anthropic_text(emu: &weir_emulator::Emulator, body: &Value) -> String {
    let value: Value = post_anthropic(emu, body).await.json().await.expect("json");
    value["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn chat_text(emu: &weir_emulator::Emulator, body: &Value) -> String {
    let value: Value = post_chat(emu, body).await.json().await.expect("json");
    value["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn when_conditions_select_rules() {
    let script = Script::new()
        .rule(
            When::any().protocol("openai-responses"),
            Reply::text("responses"),
        )
        .rule(When::any().model("special"), Reply::text("special model"))
        .rule(
            When::any().last_is_tool_result(true),
            Reply::text("after tool"),
        )
        .rule(When::any().has_tools(true), Reply::text("has tools"))
        .rule(
            When::any().body_contains("magic word"),
            Reply::text("magic"),
        )
        .rule(
            When::any().protocol("anthropic").stream(true),
            Reply::text("streamed"),
        )
        .with_default(Reply::text("fallback"));
    let emu = start(script).await;

    assert_eq!(
        anthropic_text(&emu, &anthropic_body(false)).await,
        "fallback"
    );
    let value: Value = post_responses(&emu, &responses_body(false))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(value["output"][0]["content"][0]["text"], "responses");

    let mut body = chat_body(false);
    body["model"] = json!("special");
    assert_eq!(chat_text(&emu, &body).await, "special model");

    let mut body = anthropic_body(false);
    body["messages"] = json!([
        {"role": "user", "content": "run it"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "x", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "done"}]},
    ]);
    assert_eq!(anthropic_text(&emu, &body).await, "after tool");

    let mut body = chat_body(false);
    body["messages"] = json!([
        {"role": "user", "content": "run it"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "x", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "done"},
    ]);
    assert_eq!(chat_text(&emu, &body).await, "after tool");

    let mut body = chat_body(false);
    body["tools"] = json!([]);
    assert_eq!(
        chat_text(&emu, &body).await,
        "fallback",
        "empty tools do not count"
    );
    body["tools"] = json!([{"type": "function", "function": {"name": "x"}}]);
    assert_eq!(chat_text(&emu, &body).await, "has tools");

    let mut body = chat_body(false);
    body["messages"][0]["content"] = json!("say the magic word");
    assert_eq!(chat_text(&emu, &body).await, "magic");

    let (wire, _) = read_stream(post_anthropic(&emu, &anthropic_body(true)).await).await;
    let message = check_anthropic_stream(&parse_sse(&wire));
    assert_eq!(message["content"][0]["text"], "streamed");
}

#[tokio::test]
async fn responses_tool_output_counts_as_tool_result() {
    let emu = start(Script::new().rule(
        When::any().last_is_tool_result(true),
        Reply::text("after tool"),
    ))
    .await;
    let body = json!({"model": "m", "input": [
        {"type": "function_call", "call_id": "call_1", "name": "x", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "done"},
    ]});
    let value: Value = post_responses(&emu, &body)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(value["output"][0]["content"][0]["text"], "after tool");
}

#[tokio::test]
async fn times_limits_a_rule_and_set_script_resets() {
    let script = || {
        Script::new()
            .rule_times(When::any(), 2, Reply::fault(Fault::status(529)))
            .with_default(Reply::text("recovered"))
    };
    let emu = start(script()).await;
    for _ in 0..2 {
        assert_eq!(
            post_anthropic(&emu, &anthropic_body(false)).await.status(),
            529
        );
    }
    assert_eq!(
        anthropic_text(&emu, &anthropic_body(false)).await,
        "recovered"
    );
    emu.set_script(script());
    assert_eq!(
        post_anthropic(&emu, &anthropic_body(false)).await.status(),
        529
    );
}

#[tokio::test]
async fn require_key_per_vendor() {
    let emu = start(Script::new().require_key("sk-right")).await;
    let url = format!("{}/v1/messages", emu.anthropic_base_url());
    let send = |header: &'static str, value: &'static str, url: String, body: Value| async move {
        client()
            .post(url)
            .header(header, value)
            .json(&body)
            .send()
            .await
            .expect("send")
    };
    assert_eq!(
        send("x-api-key", "sk-right", url.clone(), anthropic_body(false))
            .await
            .status(),
        200
    );
    assert_eq!(
        send(
            "authorization",
            "Bearer sk-right",
            url.clone(),
            anthropic_body(false)
        )
        .await
        .status(),
        200
    );
    let denied = send("x-api-key", "sk-wrong", url, anthropic_body(false)).await;
    assert_eq!(denied.status(), 401);
    let body: Value = denied.json().await.expect("json");
    assert_eq!(body["error"]["type"], "authentication_error");

    let url = format!("{}/chat/completions", emu.openai_base_url());
    assert_eq!(
        send(
            "authorization",
            "Bearer sk-right",
            url.clone(),
            chat_body(false)
        )
        .await
        .status(),
        200
    );
    let denied = send("x-api-key", "sk-right", url, chat_body(false)).await;
    assert_eq!(denied.status(), 401);
    let body: Value = denied.json().await.expect("json");
    assert_eq!(body["error"]["code"], "invalid_api_key");
}

#[tokio::test]
async fn rate_limit_returns_429_with_headers() {
    let emu = start(Script::new().rate_limit(2, 60_000)).await;
    let first = post_anthropic(&emu, &anthropic_body(false)).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["anthropic-ratelimit-requests-limit"], "2");
    assert_eq!(
        first.headers()["anthropic-ratelimit-requests-remaining"],
        "1"
    );
    assert!(
        first
            .headers()
            .contains_key("anthropic-ratelimit-requests-reset")
    );
    assert_eq!(post_chat(&emu, &chat_body(false)).await.status(), 200);

    let limited = post_anthropic(&emu, &anthropic_body(false)).await;
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("secs");
    assert!((1..=60).contains(&retry));
    assert_eq!(
        limited.headers()["anthropic-ratelimit-requests-remaining"],
        "0"
    );
    let body: Value = limited.json().await.expect("json");
    assert_eq!(body["error"]["type"], "rate_limit_error");

    let limited = post_chat(&emu, &chat_body(false)).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(limited.headers()["x-ratelimit-limit-requests"], "2");
    assert_eq!(limited.headers()["x-ratelimit-remaining-requests"], "0");
    assert!(limited.headers().contains_key("x-ratelimit-reset-requests"));
    let body: Value = limited.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");
}

#[tokio::test]
async fn rate_limit_window_slides() {
    let emu = start(Script::new().rate_limit(1, 200)).await;
    assert_eq!(post_chat(&emu, &chat_body(false)).await.status(), 200);
    assert_eq!(post_chat(&emu, &chat_body(false)).await.status(), 429);
    tokio::time::sleep(std::time::Duration::from_millis(220)).await;
    assert_eq!(post_chat(&emu, &chat_body(false)).await.status(), 200);
}

#[test]
fn scripts_deserialize_from_json() {
    let script: Script = serde_json::from_value(json!({
        "rules": [
            {"when": {"protocol": "anthropic", "stream": true}, "times": 1,
             "reply": {"fault": {"kind": "die_after_events", "events": 4}}},
            {"when": {"has_tools": true},
             "reply": {"tool_calls": [{"name": "x", "arguments": "{}"}], "thinking": "t"}},
            {"reply": {"text": "e", "fault": {"kind": "error_event_after_events", "events": 2}}},
            {"reply": {"fault": {"kind": "status", "status": 503, "retry_after": 2}}},
            {"reply": {"fault": {"kind": "stall_after_events", "events": 1, "ms": 5}}},
            {"reply": {"fault": {"kind": "stall_before_headers", "ms": 5}}},
            {"reply": {"fault": {"kind": "malformed_after_events", "events": 1}}},
        ],
        "require_key": "k",
        "rate_limit": {"requests": 3, "window_ms": 1000},
    }))
    .expect("script");
    assert_eq!(script.rules.len(), 7);
    assert_eq!(script.default, Reply::text("ok"), "default reply is \"ok\"");
    assert_eq!(script.rules[0].reply.fault, Some(Fault::die_after(4)));
    assert_eq!(
        script.rules[3].reply.fault,
        Some(Fault::status_retry_after(503, 2))
    );
    assert!(script.rules[1].reply.text.is_none());

    // Round trip through JSON.
    let text = serde_json::to_string(&script).expect("serialize");
    assert_eq!(
        serde_json::from_str::<Script>(&text).expect("reparse"),
        script
    );

    // Typos are rejected rather than silently ignored.
    assert!(serde_json::from_value::<Script>(json!({"rulez": []})).is_err());
    assert!(serde_json::from_value::<Script>(json!({"default": {"txt": "x"}})).is_err());
    assert!(
        serde_json::from_value::<Script>(json!({"default": {"fault": {"kind": "explode"}}}))
            .is_err()
    );
    assert!(serde_json::from_value::<Script>(json!({})).is_ok());
}
