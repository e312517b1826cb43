//! Bad input gets a clear error in the client's protocol, and the process keeps serving.

mod support;

use support::*;

async fn gateway() -> (Weir, Emulator) {
    let emu = Emulator::start(Script::new()).await.unwrap();
    let toml = format!(
        "{BASE}[limits]\nmax_body = \"1 MiB\"\n\n{}{}{}",
        vendor("a", "anthropic", &emu),
        vendor("c", "openai-chat", &emu),
        route(&["claude-*"], &["a"]) + &route(&["gpt-*"], &["c"])
    );
    (Weir::start(&toml).await, emu)
}

async fn post(
    weir: &Weir,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let resp = client()
        .post(weir.url(path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("errors are JSON"))
}

fn anthropic_error(v: &serde_json::Value) -> (&str, &str) {
    assert_eq!(v["type"], "error", "{v}");
    (
        v["error"]["type"].as_str().unwrap(),
        v["error"]["message"].as_str().unwrap(),
    )
}

fn openai_error(v: &serde_json::Value) -> &str {
    assert!(v["error"]["type"].is_string(), "{v}");
    v["error"]["message"].as_str().unwrap()
}

#[tokio::test]
async fn malformed_json_is_a_400_in_each_protocol() {
    let (weir, emu) = gateway().await;
    let (status, v) = post(
        &weir,
        "/v1/messages",
        "application/json",
        b"{\"model\": \"claude-x\", ".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    let (kind, msg) = anthropic_error(&v);
    assert_eq!(kind, "invalid_request_error");
    assert!(msg.contains("not a valid JSON"), "{msg}");
    let (status, v) = post(
        &weir,
        "/v1/chat/completions",
        "application/json",
        b"nope".to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    openai_error(&v);
    let (status, v) = post(&weir, "/v1/responses", "application/json", b"[1]".to_vec()).await;
    assert_eq!(status, 400);
    openai_error(&v);
    assert!(
        emu.requests().is_empty(),
        "nothing malformed reaches a vendor"
    );
}

#[tokio::test]
async fn wrong_content_type_is_refused() {
    let (weir, _emu) = gateway().await;
    let (status, v) = post(&weir, "/v1/messages", "text/plain", b"{}".to_vec()).await;
    assert_eq!(status, 415);
    assert!(anthropic_error(&v).1.contains("JSON"));
}

#[tokio::test]
async fn oversized_bodies_are_413_with_and_without_a_length() {
    let (weir, emu) = gateway().await;
    let big = format!(
        r#"{{"model":"claude-x","pad":"{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    )
    .into_bytes();
    let (status, v) = post(&weir, "/v1/messages", "application/json", big.clone()).await;
    assert_eq!(status, 413);
    assert_eq!(anthropic_error(&v).0, "request_too_large");
    // Chunked (no content-length): the limit still holds while reading.
    let stream = futures_util::stream::iter(
        big.chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let resp = client()
        .post(weir.url("/v1/chat/completions"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn unknown_paths_models_and_methods_are_404_in_the_right_shape() {
    let (weir, _emu) = gateway().await;
    let (status, v) = post(&weir, "/v1/complete", "application/json", b"{}".to_vec()).await;
    assert_eq!(status, 404);
    assert!(openai_error(&v).contains("no endpoint"));
    let resp = client()
        .get(weir.url("/v1/nothing"))
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        anthropic_error(&resp.json().await.unwrap()).0,
        "not_found_error"
    );
    let (status, v) = post(
        &weir,
        "/v1/chat/completions",
        "application/json",
        br#"{"model":"unrouted-model","messages":[]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(v["error"]["code"], "model_not_found");
    assert!(openai_error(&v).contains("unrouted-model"));
    let resp = client().get(weir.url("/v1/messages")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let (status, v) = post(
        &weir,
        "/v1/messages",
        "application/json",
        br#"{"messages":[]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(anthropic_error(&v).1.contains("`model` is required"));
}

#[tokio::test]
async fn a_request_the_target_protocol_cannot_express_is_explained() {
    let (weir, emu) = gateway().await;
    // claude-* goes to an Anthropic-protocol vendor, which cannot give several choices: the
    // Chat Completions client hears why, in its own shape, and nothing reaches the vendor.
    let mut body = chat_body("claude-x", false);
    body["n"] = serde_json::json!(2);
    let (status, v) = post(
        &weir,
        "/v1/chat/completions",
        "application/json",
        serde_json::to_vec(&body).unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{v}");
    let message = openai_error(&v);
    assert!(message.contains("n > 1"), "{v}");
    assert!(message.contains("vendor a"), "names the vendor: {v}");
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn the_process_keeps_serving_after_bad_input() {
    let (weir, _emu) = gateway().await;
    for body in [
        &b"\xff\xfe"[..],
        b"{\"model\":",
        b"{\"model\":\"claude-x\",\"stream\":\"yes\"}",
        b"\"\\ud800\"",
    ] {
        let (status, _) = post(&weir, "/v1/messages", "application/json", body.to_vec()).await;
        assert_eq!(status, 400);
    }
    let resp = client()
        .post(weir.url("/v1/messages"))
        .json(&anthropic_body("claude-x", false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let health: serde_json::Value = client()
        .get(weir.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["service"], "weir");
}

#[tokio::test]
async fn dns_rebinding_hosts_and_foreign_origins_are_refused() {
    let (weir, emu) = gateway().await;
    let resp = client()
        .post(weir.url("/v1/messages"))
        .header("host", "attacker.example")
        .json(&anthropic_body("claude-x", false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        anthropic_error(&resp.json().await.unwrap()).0,
        "permission_error"
    );
    let resp = client()
        .post(weir.url("/v1/chat/completions"))
        .header("origin", "https://attacker.example")
        .json(&chat_body("gpt-x", false))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn an_access_token_is_required_when_configured() {
    let emu = Emulator::start(Script::new()).await.unwrap();
    let toml = format!(
        "{BASE}access_token = \"env:WEIR_TOKEN\"\n\n{}{}",
        vendor("a", "anthropic", &emu),
        route(&["*"], &["a"])
    );
    let env = [
        ("TEST_VENDOR_KEY".to_string(), VENDOR_KEY.to_string()),
        ("WEIR_TOKEN".to_string(), "team-token-123".to_string()),
    ]
    .into();
    let weir = Weir::start_env(&toml, env).await;
    let send = |key: Option<&'static str>| {
        let mut req = client()
            .post(weir.url("/v1/messages"))
            .json(&anthropic_body("claude-x", false));
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        req.send()
    };
    let resp = send(None).await.unwrap();
    assert_eq!(resp.status(), 401);
    let body = resp.text().await.unwrap();
    assert!(body.contains("authentication_error"));
    assert_eq!(send(Some("wrong")).await.unwrap().status(), 401);
    assert_eq!(send(Some("team-token-123")).await.unwrap().status(), 200);
    let seen = emu.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].header("x-api-key"),
        Some(VENDOR_KEY),
        "the token never reaches the vendor"
    );
    // Health checks need no token.
    assert_eq!(
        client()
            .get(weir.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn listening_beyond_loopback_needs_a_token() {
    let config = weir_config::Config::from_toml(
        "auto_vendors = false\n",
        "t",
        &std::collections::HashMap::<String, String>::new(),
    )
    .unwrap();
    let env = std::collections::HashMap::<String, String>::new();
    let err = weir_gateway::Gateway::new(config, &env, "0.0.0.0:9347".parse().unwrap())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("access token"), "{err}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let toml = format!("{BASE}[timeouts]\nheader_read = \"300ms\"\n");
    let weir = Weir::start(&toml).await;
    let mut stream = tokio::net::TcpStream::connect(weir.addr).await.unwrap();
    stream
        .write_all(b"POST /v1/messages HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    // Bounded: if the timeout did not fire, this read would wait for the 5 s guard.
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut buf),
    )
    .await;
    assert!(
        read.is_ok(),
        "the connection is closed by weir, not left open"
    );
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}
