//! Translation through the gateway: a client of one protocol served by a vendor of another,
//! with the vendor emulator as the upstream. The wire-level details of each pair are pinned by
//! the golden transcripts in weir-protocol; these tests check what the gateway adds: which
//! protocol a target is spoken to, the model names on both sides, errors and failover across
//! protocols, and count_tokens for vendors without it.

mod support;

use support::*;

async fn post(weir: &Weir, path: &str, body: serde_json::Value) -> reqwest::Response {
    client()
        .post(weir.url(path))
        .header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn overflow() -> Fault {
    Fault::Status {
        status: 400,
        retry_after: None,
        message: Some(
            "This model's maximum context length is 131072 tokens. However, your messages \
             resulted in 140000 tokens."
                .into(),
        ),
        error_type: Some("invalid_request_error".into()),
        // No code: weir must recognise the overflow from the vendor's wording alone.
        code: None,
    }
}

#[tokio::test]
async fn a_chat_client_is_served_by_an_anthropic_vendor_with_names_on_both_sides() {
    let emu = Emulator::start(Script::reply(
        Reply::text("Hello from the vendor").with_tool_call("Read", r#"{"file_path":"/a"}"#),
    ))
    .await
    .unwrap();
    let toml = format!(
        "{BASE}{}[[routes]]\nmodels = [\"fast\"]\ntargets = [\"a:vendor-model-1\"]\n",
        vendor("a", "anthropic", &emu)
    );
    let weir = Weir::start(&toml).await;
    let mut body = chat_body("fast", false);
    body["tools"] = serde_json::json!([{"type": "function", "function": {"name": "Read",
        "parameters": {"type": "object", "properties": {"file_path": {"type": "string"}}}}}]);
    let resp = post(&weir, "/v1/chat/completions", body).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-weir-vendor"], "a");
    assert!(resp.headers().contains_key("x-request-id"));
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["model"], "fast", "the client's name comes back");
    let message = &v["choices"][0]["message"];
    assert_eq!(message["content"], "Hello from the vendor");
    assert_eq!(message["tool_calls"][0]["function"]["name"], "Read");
    let args: serde_json::Value = serde_json::from_str(
        message["tool_calls"][0]["function"]["arguments"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(args, serde_json::json!({"file_path": "/a"}));
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");

    let sent = emu.requests();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].path.ends_with("/v1/messages"), "{}", sent[0].path);
    let upstream = sent[0].json();
    assert_eq!(upstream["model"], "vendor-model-1");
    assert!(
        upstream["max_tokens"].as_u64().unwrap() > 0,
        "A requires max_tokens"
    );
    assert_eq!(upstream["tools"][0]["name"], "Read");
    assert_eq!(sent[0].header("x-api-key"), Some(VENDOR_KEY));
    assert_eq!(sent[0].header("anthropic-version"), Some("2023-06-01"));
}

#[tokio::test]
async fn a_context_overflow_reaches_each_client_in_the_words_it_acts_on() {
    let emu = Emulator::start(Script::reply(Reply::fault(overflow())))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("c", "openai-chat", &emu),
        route(&["*"], &["c"])
    );
    let weir = Weir::start(&toml).await;
    // Claude Code compacts on "prompt is too long".
    let resp = post(&weir, "/v1/messages", anthropic_body("m", true)).await;
    assert_eq!(resp.status(), 400);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["type"], "invalid_request_error");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("prompt is too long"), "{message}");
    // Codex acts on the code.
    let resp = post(&weir, "/v1/responses", responses_body("m", true)).await;
    assert_eq!(resp.status(), 400);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "context_length_exceeded", "{v}");
}

#[tokio::test]
async fn failover_crosses_protocols_before_the_stream_starts() {
    let busy = Emulator::start(Script::reply(Reply::fault(Fault::status(529))))
        .await
        .unwrap();
    let good = Emulator::start(Script::reply(Reply::text("served by the second")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}{}",
        vendor("a", "anthropic", &busy),
        vendor("c", "openai-chat", &good),
        route(&["*"], &["a", "c"])
    );
    let weir = Weir::start(&toml).await;
    let resp = post(&weir, "/v1/responses", responses_body("m", true)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-weir-vendor"], "c");
    let text = resp.text().await.unwrap();
    let events = sse_events(&text);
    assert_eq!(events[0].0.as_deref(), Some("response.created"));
    let last: serde_json::Value = serde_json::from_str(&events.last().unwrap().1).unwrap();
    assert_eq!(last["type"], "response.completed");
    assert_eq!(
        last["response"]["output"][0]["content"][0]["text"],
        "served by the second"
    );
    assert_eq!(busy.requests().len(), 1);
    assert!(good.requests()[0].path.ends_with("/chat/completions"));
}

#[tokio::test]
async fn a_vendor_that_cannot_take_the_request_is_passed_over_without_penalty() {
    let text_only = Emulator::start(Script::new()).await.unwrap();
    let any = Emulator::start(Script::reply(Reply::text("I see a cat")))
        .await
        .unwrap();
    // The first vendor's profile says it takes no images (as DeepSeek's does).
    let toml = format!(
        "{BASE}{}[vendors.t.profile]\nimages = false\n\n{}{}",
        vendor("t", "openai-chat", &text_only),
        vendor("v", "openai-chat", &any),
        route(&["*"], &["t", "v"])
    );
    let weir = Weir::start(&toml).await;
    let mut body = anthropic_body("m", false);
    body["messages"] = serde_json::json!([{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "text", "text": "What is this?"}]}]);
    let resp = post(&weir, "/v1/messages", body.clone()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-weir-vendor"], "v");
    assert!(
        text_only.requests().is_empty(),
        "nothing went to the text-only vendor"
    );
    let sent = any.requests()[0].json();
    assert_eq!(
        sent["messages"][0]["content"][0]["image_url"]["url"],
        "data:image/png;base64,iVBORw0KGgo="
    );

    // With only the text-only vendor, the client hears why, in its own shape.
    let toml = format!(
        "{BASE}{}[vendors.t.profile]\nimages = false\n\n{}",
        vendor("t", "openai-chat", &text_only),
        route(&["*"], &["t"])
    );
    let weir = Weir::start(&toml).await;
    let resp = post(&weir, "/v1/messages", body).await;
    assert_eq!(resp.status(), 400);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "error");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("image"), "{message}");
    assert!(message.contains('t'), "{message}");
}

#[tokio::test]
async fn count_tokens_is_estimated_locally_when_no_vendor_offers_it() {
    let emu = Emulator::start(Script::new()).await.unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("c", "openai-chat", &emu),
        route(&["*"], &["c"])
    );
    let weir = Weir::start(&toml).await;
    let small = serde_json::json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
    let long_text = "fn main() { println!(\"hello\"); }\n".repeat(200);
    let large =
        serde_json::json!({"model": "m", "messages": [{"role": "user", "content": long_text}]});
    let resp = post(&weir, "/v1/messages/count_tokens", small).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-weir-token-count"], "estimate");
    let small_n = resp.json::<serde_json::Value>().await.unwrap()["input_tokens"]
        .as_u64()
        .unwrap();
    let resp = post(&weir, "/v1/messages/count_tokens", large).await;
    let large_n = resp.json::<serde_json::Value>().await.unwrap()["input_tokens"]
        .as_u64()
        .unwrap();
    assert!((1..20).contains(&small_n), "{small_n}");
    // 200 lines of about 10 o200k tokens each, biased upward.
    assert!((2001..6000).contains(&large_n), "{large_n}");
    assert!(emu.requests().is_empty(), "nothing left weir");

    // A vendor that offers count_tokens is asked instead.
    let toml = format!(
        "{BASE}{}\ncount_tokens = true\n\n{}",
        vendor("a", "anthropic", &emu).trim_end(),
        route(&["*"], &["a"])
    );
    let weir = Weir::start(&toml).await;
    let resp = post(
        &weir,
        "/v1/messages/count_tokens",
        serde_json::json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert!(!resp.headers().contains_key("x-weir-token-count"));
    assert_eq!(emu.requests().len(), 1);
}
