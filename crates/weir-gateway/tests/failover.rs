//! Retries and failover happen before the commit barrier only.

mod support;

use std::time::{Duration, Instant};

use support::*;

fn overloaded() -> Reply {
    Reply::fault(Fault::status(529))
}

#[tokio::test]
async fn overloaded_first_target_fails_over_to_the_second() {
    let first = Emulator::start(Script::reply(overloaded())).await.unwrap();
    let second = Emulator::start(Script::reply(Reply::text("from second")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}{}",
        vendor("first", "anthropic", &first),
        vendor("second", "anthropic", &second),
        route(&["claude-*"], &["first", "second"])
    );
    let weir = Weir::start(&toml).await;
    for stream in [false, true] {
        let resp = client()
            .post(weir.url("/v1/messages"))
            .json(&anthropic_body("claude-x", stream))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers().get("x-weir-vendor").unwrap(), "second");
        let text = resp.text().await.unwrap();
        if stream {
            assert!(
                text.contains("message_stop"),
                "a complete stream from the second target"
            );
        } else {
            assert!(text.contains("from second"));
        }
    }
    // The first target is cooling down after its 529: the second request went straight to the second.
    assert_eq!(first.requests().len(), 1);
    assert_eq!(second.requests().len(), 2);
}

#[tokio::test]
async fn refused_connection_fails_over() {
    let dead = closed_port().await;
    let second = Emulator::start(Script::reply(Reply::text("alive")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}{}",
        vendor_at("dead", "openai-chat", &format!("http://{dead}/v1")),
        vendor("second", "openai-chat", &second),
        route(&["*"], &["dead", "second"])
    );
    let weir = Weir::start(&toml).await;
    let resp = client()
        .post(weir.url("/v1/chat/completions"))
        .json(&chat_body("m", true))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("x-weir-vendor").unwrap(), "second");
    assert!(resp.text().await.unwrap().ends_with("data: [DONE]\n\n"));
}

#[tokio::test]
async fn a_stream_that_dies_after_it_started_is_not_retried() {
    let first = Emulator::start(Script::reply(
        Reply::text("a long answer that will be cut off").with_fault(Fault::die_after(3)),
    ))
    .await
    .unwrap();
    let second = Emulator::start(Script::reply(Reply::text("second")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}{}",
        vendor("first", "anthropic", &first),
        vendor("second", "anthropic", &second),
        route(&["claude-*"], &["first", "second"])
    );
    let weir = Weir::start(&toml).await;
    let resp = client()
        .post(weir.url("/v1/messages"))
        .json(&anthropic_body("claude-x", true))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "committed before the vendor died");
    let events = sse_events(&resp.text().await.unwrap());
    assert_eq!(events[0].0.as_deref(), Some("message_start"));
    let (name, data) = events.last().unwrap();
    assert_eq!(
        name.as_deref(),
        Some("error"),
        "ends with a protocol error event, not a clean stop"
    );
    let error: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(error["type"], "error");
    assert!(error["error"]["type"].is_string());
    assert!(
        !events
            .iter()
            .any(|(n, _)| n.as_deref() == Some("message_stop"))
    );
    assert!(
        second.requests().is_empty(),
        "no retry after the first byte reached the client"
    );
}

#[tokio::test]
async fn chat_and_responses_streams_that_die_end_with_their_own_error_events() {
    for (protocol, path, body) in [
        ("openai-chat", "/v1/chat/completions", chat_body("m", true)),
        (
            "openai-responses",
            "/v1/responses",
            responses_body("m", true),
        ),
    ] {
        let emu = Emulator::start(Script::reply(
            Reply::text("a long answer that will be cut off").with_fault(Fault::die_after(2)),
        ))
        .await
        .unwrap();
        let toml = format!(
            "{BASE}{}{}",
            vendor("up", protocol, &emu),
            route(&["*"], &["up"])
        );
        let weir = Weir::start(&toml).await;
        let resp = client()
            .post(weir.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let events = sse_events(&resp.text().await.unwrap());
        let (name, last) = events.last().unwrap();
        let last: serde_json::Value = serde_json::from_str(last).unwrap();
        if protocol == "openai-chat" {
            assert!(last["error"]["message"].is_string(), "{last}");
            assert!(!events.iter().any(|(_, d)| d == "[DONE]"));
        } else {
            assert_eq!(name.as_deref(), Some("response.failed"));
            assert_eq!(last["response"]["status"], "failed");
            let seqs: Vec<u64> = events
                .iter()
                .map(|(_, d)| {
                    serde_json::from_str::<serde_json::Value>(d).unwrap()["sequence_number"]
                        .as_u64()
                        .unwrap()
                })
                .collect();
            assert!(
                seqs.windows(2).all(|w| w[1] == w[0] + 1),
                "sequence numbers continue: {seqs:?}"
            );
        }
    }
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_waited_out_on_a_single_target() {
    let emu = Emulator::start(Script::reply(Reply::text("after the wait")).rule_times(
        When::any(),
        1,
        Reply::fault(Fault::status_retry_after(429, 1)),
    ))
    .await
    .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("up", "openai-chat", &emu),
        route(&["*"], &["up"])
    );
    let weir = Weir::start(&toml).await;
    let started = Instant::now();
    let resp = client()
        .post(weir.url("/v1/chat/completions"))
        .json(&chat_body("m", false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After honoured"
    );
    assert!(resp.text().await.unwrap().contains("after the wait"));
    assert_eq!(emu.requests().len(), 2);
}

#[tokio::test]
async fn long_retry_after_goes_back_to_the_client_with_the_header() {
    let emu = Emulator::start(Script::reply(Reply::fault(Fault::status_retry_after(
        429, 60,
    ))))
    .await
    .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("up", "anthropic", &emu),
        route(&["*"], &["up"])
    );
    let weir = Weir::start(&toml).await;
    let resp = client()
        .post(weir.url("/v1/messages"))
        .json(&anthropic_body("claude-x", false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers().get("retry-after").unwrap(), "60");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    assert_eq!(
        emu.requests().len(),
        1,
        "weir does not wait out a minute itself"
    );
}

#[tokio::test]
async fn a_cut_off_after_serving_fails_over_but_a_bad_key_is_reported() {
    let unauthorized = || Reply::fault(Fault::status(401));
    // Never served: the 401 is a configuration problem the user must see.
    let first = Emulator::start(Script::reply(unauthorized()))
        .await
        .unwrap();
    let second = Emulator::start(Script::reply(Reply::text("second")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}{}",
        vendor("first", "anthropic", &first),
        vendor("second", "anthropic", &second),
        route(&["*"], &["first", "second"])
    );
    let weir = Weir::start(&toml).await;
    let resp = client()
        .post(weir.url("/v1/messages"))
        .json(&anthropic_body("claude-x", false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(second.requests().is_empty());

    // Served once, then refused: a cut-off; the request goes to the second target.
    let first = Emulator::start(Script::reply(unauthorized()).rule_times(
        When::any(),
        1,
        Reply::text("ok once"),
    ))
    .await
    .unwrap();
    let toml = format!(
        "{BASE}{}{}{}",
        vendor("first", "anthropic", &first),
        vendor("second", "anthropic", &second),
        route(&["*"], &["first", "second"])
    );
    let weir = Weir::start(&toml).await;
    let send = || {
        client()
            .post(weir.url("/v1/messages"))
            .json(&anthropic_body("claude-x", false))
            .send()
    };
    assert_eq!(
        send()
            .await
            .unwrap()
            .headers()
            .get("x-weir-vendor")
            .unwrap(),
        "first"
    );
    let resp = send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("x-weir-vendor").unwrap(), "second");
    // And the cut-off target stays skipped.
    assert_eq!(
        send()
            .await
            .unwrap()
            .headers()
            .get("x-weir-vendor")
            .unwrap(),
        "second"
    );
    assert_eq!(first.requests().len(), 2);
}

#[tokio::test]
async fn in_stream_error_before_any_content_becomes_an_http_error_or_a_failover() {
    let first = Emulator::start(Script::reply(Reply::text("x").with_fault(
        Fault::ErrorEventAfterEvents {
            events: 0,
            error_type: Some("overloaded_error".into()),
            message: Some("Overloaded".into()),
        },
    )))
    .await
    .unwrap();
    let second = Emulator::start(Script::reply(Reply::text("second")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}{}",
        vendor("first", "anthropic", &first),
        vendor("second", "anthropic", &second),
        route(&["*"], &["first", "second"])
    );
    let weir = Weir::start(&toml).await;
    let resp = client()
        .post(weir.url("/v1/messages"))
        .json(&anthropic_body("claude-x", true))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("x-weir-vendor").unwrap(), "second");
}

#[tokio::test]
async fn every_target_failing_gives_the_last_error_and_stops_client_retries() {
    let a = Emulator::start(Script::reply(overloaded())).await.unwrap();
    let b = Emulator::start(Script::reply(overloaded())).await.unwrap();
    let toml = format!(
        "{BASE}[retry]\nmax_wait = \"0s\"\n\n{}{}{}",
        vendor("a", "openai-chat", &a),
        vendor("b", "openai-chat", &b),
        route(&["*"], &["a", "b"])
    );
    let weir = Weir::start(&toml).await;
    let resp = client()
        .post(weir.url("/v1/chat/completions"))
        .json(&chat_body("m", false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503, "overloaded is 503 for OpenAI clients");
    assert_eq!(resp.headers().get("x-should-retry").unwrap(), "false");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("529"));
    // Both are cooling down now: the next request is answered without calling them.
    let resp = client()
        .post(weir.url("/v1/chat/completions"))
        .json(&chat_body("m", false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(a.requests().len() + b.requests().len(), 2);
}

#[tokio::test]
async fn first_byte_timeout_fails_over() {
    let slow = Emulator::start(Script::reply(
        Reply::text("slow").with_fault(Fault::stall_before_headers(3_000)),
    ))
    .await
    .unwrap();
    let fast = Emulator::start(Script::reply(Reply::text("fast")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}[timeouts]\nfirst_byte = \"300ms\"\n\n{}{}{}",
        vendor("slow", "anthropic", &slow),
        vendor("fast", "anthropic", &fast),
        route(&["*"], &["slow", "fast"])
    );
    let weir = Weir::start(&toml).await;
    let resp = client()
        .post(weir.url("/v1/messages"))
        .json(&anthropic_body("claude-x", false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("x-weir-vendor").unwrap(), "fast");
}

#[tokio::test]
async fn idle_stream_ends_with_a_timeout_error_event() {
    let emu = Emulator::start(Script::reply(
        Reply::text("stalls midway").with_fault(Fault::stall_after(3, 3_000)),
    ))
    .await
    .unwrap();
    let toml = format!(
        "{BASE}[timeouts]\nidle = \"300ms\"\n\n{}{}",
        vendor("up", "anthropic", &emu),
        route(&["*"], &["up"])
    );
    let weir = Weir::start(&toml).await;
    let resp = client()
        .post(weir.url("/v1/messages"))
        .json(&anthropic_body("claude-x", true))
        .send()
        .await
        .unwrap();
    let events = sse_events(&resp.text().await.unwrap());
    let (name, data) = events.last().unwrap();
    assert_eq!(name.as_deref(), Some("error"));
    let v: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(v["error"]["type"], "timeout_error");
}
