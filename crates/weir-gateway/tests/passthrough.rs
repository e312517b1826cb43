//! Same-protocol passthrough: the client's bytes go out as they came (but for the model name and
//! the header policy), the vendor's answer comes back with the client's model name.

mod support;

use support::*;

#[tokio::test]
async fn anthropic_body_is_forwarded_byte_for_byte_except_the_model() {
    let emu = Emulator::start(Script::reply(Reply::text("Hello there")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("up", "anthropic", &emu),
        route(&["claude-*"], &["up:vendor-model-x"])
    );
    let weir = Weir::start(&toml).await;
    // Unusual spacing, key order and an unknown field must all survive.
    let body = r#"{ "max_tokens":64,"model" : "claude-test-1", "future_field":{"a":[1,2,{"b":null}]},
        "messages":[{"role":"user","content":"caf\u00e9 \"quoted\""}]}"#;
    let resp = client()
        .post(weir.url("/v1/messages?beta=true"))
        .header("content-type", "application/json")
        .header("x-api-key", "sk-ant-client-own-key")
        .header("anthropic-version", "2023-06-01")
        .header("x-stainless-os", "Linux")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()
            .get("request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("req_")
    );
    assert_eq!(resp.headers().get("x-weir-vendor").unwrap(), "up");
    let answer: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        answer["model"], "claude-test-1",
        "the client sees the model it asked for"
    );
    assert_eq!(answer["content"][0]["text"], "Hello there");

    let seen = emu.requests();
    assert_eq!(seen.len(), 1);
    let expected = body.replace("\"claude-test-1\"", "\"vendor-model-x\"");
    assert_eq!(std::str::from_utf8(&seen[0].body).unwrap(), expected);
    assert_eq!(seen[0].path, "/v1/messages");
    assert_eq!(
        seen[0].header("x-api-key"),
        Some(VENDOR_KEY),
        "weir's vendor key, not the client's"
    );
    assert_eq!(seen[0].header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(seen[0].header("x-stainless-os"), None);
}

#[tokio::test]
async fn unchanged_model_means_an_unchanged_body() {
    let emu = Emulator::start(Script::new()).await.unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("up", "openai-chat", &emu),
        route(&["*"], &["up"])
    );
    let weir = Weir::start(&toml).await;
    let body = serde_json::to_vec(&chat_body("gpt-test", false)).unwrap();
    let resp = client()
        .post(weir.url("/v1/chat/completions"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer client-secret")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-request-id"));
    let seen = emu.requests();
    assert_eq!(&seen[0].body[..], &body[..]);
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Bearer {VENDOR_KEY}").as_str())
    );
}

async fn stream_through(
    protocol: &str,
    path: &str,
    body: serde_json::Value,
) -> (String, Vec<weir_emulator::RecordedRequest>) {
    let emu = Emulator::start(Script::reply(
        Reply::text("Streaming works fine").with_tool_call("Bash", r#"{"command":"ls"}"#),
    ))
    .await
    .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("up", protocol, &emu),
        route(&["*"], &["up:upstream-name"])
    );
    let weir = Weir::start(&toml).await;
    let resp = client()
        .post(weir.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    (resp.text().await.unwrap(), emu.requests())
}

#[tokio::test]
async fn anthropic_stream_is_relayed_with_the_client_model() {
    let (text, seen) = stream_through(
        "anthropic",
        "/v1/messages",
        anthropic_body("claude-client", true),
    )
    .await;
    assert_eq!(seen[0].json()["model"], "upstream-name");
    let events = sse_events(&text);
    assert_eq!(events[0].0.as_deref(), Some("message_start"));
    let start: serde_json::Value = serde_json::from_str(&events[0].1).unwrap();
    assert_eq!(start["message"]["model"], "claude-client");
    assert_eq!(events.last().unwrap().0.as_deref(), Some("message_stop"));
    assert!(
        !text.contains("upstream-name"),
        "no trace of the vendor's model name"
    );
    let text_out: String = events
        .iter()
        .filter_map(|(_, d)| serde_json::from_str::<serde_json::Value>(d).ok())
        .filter_map(|v| v["delta"]["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(text_out, "Streaming works fine");
}

#[tokio::test]
async fn chat_stream_is_relayed_with_the_client_model_in_every_chunk() {
    let (text, _) = stream_through(
        "openai-chat",
        "/v1/chat/completions",
        chat_body("gpt-client", true),
    )
    .await;
    let events = sse_events(&text);
    assert_eq!(events.last().unwrap().1, "[DONE]");
    for (_, data) in &events[..events.len() - 1] {
        let v: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(v["model"], "gpt-client");
    }
    let usage = serde_json::from_str::<serde_json::Value>(&events[events.len() - 2].1).unwrap();
    assert!(
        usage["usage"]["prompt_tokens"].as_u64().is_some(),
        "usage chunk passes through"
    );
}

#[tokio::test]
async fn responses_stream_is_relayed_with_the_client_model() {
    let (text, _) = stream_through(
        "openai-responses",
        "/v1/responses",
        responses_body("codex-client", true),
    )
    .await;
    let events = sse_events(&text);
    assert_eq!(events[0].0.as_deref(), Some("response.created"));
    assert_eq!(
        events.last().unwrap().0.as_deref(),
        Some("response.completed")
    );
    for (name, data) in &events {
        let v: serde_json::Value = serde_json::from_str(data).unwrap();
        if let Some(model) = v["response"]["model"].as_str() {
            assert_eq!(model, "codex-client", "{name:?}");
        }
    }
    assert!(!text.contains("upstream-name"));
}

#[tokio::test]
async fn count_tokens_and_models_are_served() {
    let emu = Emulator::start(Script::new()).await.unwrap();
    let toml = format!(
        "{BASE}{}count_tokens = true\n\n{}",
        vendor("up", "anthropic", &emu),
        route(&["claude-listed"], &["up"])
    );
    let weir = Weir::start(&toml).await;
    let resp = client()
        .post(weir.url("/v1/messages/count_tokens"))
        .json(&serde_json::json!({"model": "claude-listed", "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let n: serde_json::Value = resp.json().await.unwrap();
    assert!(n["input_tokens"].as_u64().unwrap() > 0);
    assert_eq!(emu.requests()[0].path, "/v1/messages/count_tokens");

    let models: serde_json::Value = client()
        .get(weir.url("/v1/models"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(models["object"], "list");
    assert_eq!(models["has_more"], false);
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"claude-listed"), "{ids:?}");
    let one: serde_json::Value = client()
        .get(weir.url("/v1/models/claude-listed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["id"], "claude-listed");
    assert_eq!(one["type"], "model");
}
