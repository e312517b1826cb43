//! Fault injection: HTTP errors, dropped connections, stalls, malformed and error events.

use std::time::Instant;

use serde_json::{Value, json};
use weir_emulator::{Fault, Reply, Script};

use crate::common::*;

#[tokio::test]
async fn status_faults_use_anthropic_envelope() {
    let emu = start(Script::reply(Reply::fault(Fault::status_retry_after(
        429, 7,
    ))))
    .await;
    let response = post_anthropic(&emu, &anthropic_body(false)).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    let request_id = response.headers()["request-id"]
        .to_str()
        .expect("ascii")
        .to_string();
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    assert!(body["error"]["message"].is_string());
    assert_eq!(body["request_id"], request_id);

    for (status, kind) in [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (413, "request_too_large"),
        (500, "api_error"),
        (529, "overloaded_error"),
    ] {
        emu.set_script(Script::reply(Reply::fault(Fault::status(status))));
        let response = post_anthropic(&emu, &anthropic_body(true)).await;
        assert_eq!(response.status().as_u16(), status);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["type"], kind, "status {status}");
    }

    emu.set_script(Script::reply(Reply::fault(Fault::Status {
        status: 400,
        retry_after: None,
        message: Some("prompt is too long".into()),
        error_type: Some("invalid_request_error".into()),
        code: Some("ignored_by_anthropic".into()),
    })));
    let body: Value = post_anthropic(&emu, &anthropic_body(false))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["error"]["message"], "prompt is too long");
    assert!(body["error"].get("code").is_none(), "{body}");
}

#[tokio::test]
async fn status_faults_use_openai_envelope() {
    let emu = start(Script::reply(Reply::fault(Fault::status(429)))).await;
    let response = post_chat(&emu, &chat_body(false)).await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["type"], "requests");
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");
    assert_eq!(body["error"]["param"], Value::Null);

    for (status, kind, code) in [
        (401, "invalid_request_error", json!("invalid_api_key")),
        (500, "server_error", Value::Null),
        (503, "server_error", Value::Null),
    ] {
        emu.set_script(Script::reply(Reply::fault(Fault::status(status))));
        let response = post_responses(&emu, &responses_body(true)).await;
        assert_eq!(response.status().as_u16(), status);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["type"], kind);
        assert_eq!(body["error"]["code"], code);
    }

    emu.set_script(
        serde_json::from_value(json!({"default": {"fault": {
            "kind": "status",
            "status": 400,
            "message": "This model's maximum context length is 8192 tokens.",
            "code": "context_length_exceeded",
        }}}))
        .expect("script"),
    );
    for response in [
        post_chat(&emu, &chat_body(false)).await,
        post_responses(&emu, &responses_body(true)).await,
    ] {
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["code"], "context_length_exceeded");
        assert_eq!(
            body["error"]["message"],
            "This model's maximum context length is 8192 tokens."
        );
    }
}

#[tokio::test]
async fn die_after_events_breaks_each_stream() {
    let emu = start(Script::reply(
        Reply::text("a long enough answer to have many events").with_fault(Fault::die_after(3)),
    ))
    .await;
    let streams = [
        post_anthropic(&emu, &anthropic_body(true)).await,
        post_chat(&emu, &chat_body(true)).await,
        post_responses(&emu, &responses_body(true)).await,
    ];
    for response in streams {
        assert_eq!(response.status(), 200);
        let (wire, broken) = read_stream(response).await;
        assert!(broken, "the body must end in an error");
        let frames = parse_sse(&wire);
        assert_eq!(frames.len(), 3, "{wire}");
        for frame in &frames {
            frame.json();
        }
    }
}

#[tokio::test]
async fn die_without_stream_drops_before_response() {
    let emu = start(Script::reply(
        Reply::text("x").with_fault(Fault::die_after(0)),
    ))
    .await;
    let result = client()
        .post(format!("{}/v1/messages", emu.anthropic_base_url()))
        .json(&anthropic_body(false))
        .send()
        .await;
    assert!(result.is_err(), "no response expected");
    assert_eq!(emu.requests().len(), 1, "the request was still received");
}

#[tokio::test]
async fn stall_after_events_pauses_then_continues() {
    let emu = start(Script::reply(
        Reply::text("abcdefghijklmnop").with_fault(Fault::stall_after(2, 250)),
    ))
    .await;
    let frames = read_timed(post_anthropic(&emu, &anthropic_body(true)).await).await;
    let gap = millis(frames[1].0, frames[2].0);
    assert!(gap >= 240, "stalled {gap} ms");
    let rest = millis(frames[2].0, frames[frames.len() - 1].0);
    assert!(
        rest < FAST.as_millis(),
        "then continues quickly ({rest} ms)"
    );
    let parsed: Vec<Sse> = parse_sse(&frames.iter().map(|(_, f)| f.as_str()).collect::<String>());
    check_anthropic_stream(&parsed);
}

#[tokio::test]
async fn stall_before_headers_delays_the_response() {
    let emu = start(Script::reply(
        Reply::text("x").with_fault(Fault::stall_before_headers(250)),
    ))
    .await;
    let began = Instant::now();
    let response = post_chat(&emu, &chat_body(false)).await;
    assert!(millis(began, Instant::now()) >= 240);
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn delay_between_events() {
    let emu = start(Script::reply(
        Reply::text("abcdefgh")
            .with_chunk_chars(4)
            .with_delay_ms(40),
    ))
    .await;
    let began = Instant::now();
    let frames = read_timed(post_chat(&emu, &chat_body(true)).await).await;
    // 5 frames (role, 2 content, finish, [DONE]): 4 gaps of 40 ms.
    assert_eq!(frames.len(), 5);
    assert!(millis(began, frames[4].0) >= 150);
}

#[tokio::test]
async fn malformed_event_then_normal_stream() {
    let emu = start(Script::reply(
        Reply::text("hello world").with_fault(Fault::malformed_after(2)),
    ))
    .await;
    let (wire, broken) = read_stream(post_chat(&emu, &chat_body(true)).await).await;
    assert!(!broken);
    let mut frames = parse_sse(&wire);
    assert!(
        serde_json::from_str::<Value>(&frames[2].data).is_err(),
        "frame 2 is not JSON"
    );
    frames.remove(2);
    let (message, _, _) = check_chat_stream(&frames, false);
    assert_eq!(message["content"], "hello world");

    let (wire, _) = read_stream(post_responses(&emu, &responses_body(true)).await).await;
    let mut frames = parse_sse(&wire);
    assert!(serde_json::from_str::<Value>(&frames[2].data).is_err());
    frames.remove(2);
    check_responses_stream(&frames);

    let response = post_anthropic(&emu, &anthropic_body(false)).await;
    assert_eq!(response.status(), 200);
    assert!(serde_json::from_slice::<Value>(&response.bytes().await.expect("body")).is_err());
}

#[tokio::test]
async fn error_events_end_each_stream_cleanly() {
    let emu = start(Script::reply(Reply::text("some text here").with_fault(
        Fault::ErrorEventAfterEvents {
            events: 3,
            error_type: None,
            message: Some("boom".into()),
        },
    )))
    .await;

    let (wire, broken) = read_stream(post_anthropic(&emu, &anthropic_body(true)).await).await;
    assert!(!broken);
    let frames = parse_sse(&wire);
    assert_eq!(frames.len(), 4);
    assert_eq!(frames[3].event.as_deref(), Some("error"));
    assert_eq!(
        frames[3].json(),
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "boom"}})
    );

    let (wire, broken) = read_stream(post_chat(&emu, &chat_body(true)).await).await;
    assert!(!broken);
    let frames = parse_sse(&wire);
    assert_eq!(frames.len(), 4);
    assert!(!wire.contains("[DONE]"));
    let error = frames[3].json();
    assert_eq!(error["error"]["message"], "boom");
    assert!(error["error"]["type"].is_string());

    let (wire, broken) = read_stream(post_responses(&emu, &responses_body(true)).await).await;
    assert!(!broken);
    let frames = parse_sse(&wire);
    assert_eq!(frames.len(), 4);
    assert_eq!(frames[3].event.as_deref(), Some("response.failed"));
    let failed = frames[3].json();
    assert_eq!(failed["sequence_number"], 3);
    assert_eq!(failed["response"]["status"], "failed");
    assert_eq!(failed["response"]["error"]["message"], "boom");
    assert!(failed["response"]["error"]["code"].is_string());

    // Without a stream, the error arrives as an HTTP 500.
    let response = post_anthropic(&emu, &anthropic_body(false)).await;
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["message"], "boom");
}

/// Sends a raw HTTP/1.1 request and returns the response head and the chunks of its
/// chunked body, plus whether the terminating zero-size chunk arrived.
async fn raw_chunks(emu: &weir_emulator::Emulator, body: &Value) -> (String, Vec<String>, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = body.to_string();
    let mut socket = tokio::net::TcpStream::connect(emu.addr())
        .await
        .expect("connect");
    let request = format!(
        "POST /v1/messages HTTP/1.1\r\nhost: emulator\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    socket.read_to_end(&mut raw).await.expect("read");
    let raw = String::from_utf8(raw).expect("utf-8");
    let (head, mut rest) = raw.split_once("\r\n\r\n").expect("head");
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    let mut chunks = Vec::new();
    let mut terminated = false;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size, 16).expect("chunk size");
        if size == 0 {
            terminated = true;
            break;
        }
        chunks.push(after[..size].to_string());
        rest = &after[size + 2..];
    }
    (head.to_string(), chunks, terminated)
}

#[tokio::test]
async fn each_event_is_its_own_chunk_and_die_skips_the_terminator() {
    let emu = start(Script::reply(
        Reply::text("twelve chars").with_chunk_chars(4),
    ))
    .await;
    let (head, chunks, terminated) = raw_chunks(&emu, &anthropic_body(true)).await;
    assert!(head.starts_with("HTTP/1.1 200"));
    assert!(
        terminated,
        "a complete stream ends with the zero-size chunk"
    );
    // message_start, ping, block start, 3 deltas, block stop, message_delta, message_stop.
    assert_eq!(chunks.len(), 9);
    for chunk in &chunks {
        assert_eq!(parse_sse(chunk).len(), 1, "one event per chunk: {chunk:?}");
    }

    emu.set_script(Script::reply(
        Reply::text("twelve chars").with_fault(Fault::die_after(0)),
    ));
    let (head, chunks, terminated) = raw_chunks(&emu, &anthropic_body(true)).await;
    assert!(head.starts_with("HTTP/1.1 200"), "headers still sent");
    assert!(chunks.is_empty());
    assert!(!terminated, "a dropped stream has no zero-size chunk");
}
