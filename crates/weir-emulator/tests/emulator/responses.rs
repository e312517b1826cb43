//! OpenAI Responses: shapes, echoed parameters, stream grammar.

use serde_json::{Value, json};
use weir_emulator::{Reply, Script, Usage, When};

use crate::common::*;

#[tokio::test]
async fn non_streaming_response_shape_and_defaults() {
    let emu = start(Script::reply(Reply::text("Hello"))).await;
    let response = post_responses(&emu, &responses_body(false)).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.expect("json");
    assert!(body["id"].as_str().expect("id").starts_with("resp_"));
    assert_eq!(body["object"], "response");
    assert!(body["created_at"].is_u64());
    assert_eq!(body["status"], "completed");
    assert_eq!(body["error"], Value::Null);
    assert_eq!(body["incomplete_details"], Value::Null);
    assert_eq!(body["model"], "gpt-test");
    let output = body["output"].as_array().expect("output");
    assert_eq!(output.len(), 1);
    let message = &output[0];
    assert_eq!(message["type"], "message");
    assert!(message["id"].as_str().expect("id").starts_with("msg_"));
    assert_eq!(message["status"], "completed");
    assert_eq!(message["role"], "assistant");
    assert_eq!(
        message["content"],
        json!([{"type": "output_text", "text": "Hello", "annotations": []}])
    );
    for (key, default) in [
        ("instructions", Value::Null),
        ("tools", json!([])),
        ("tool_choice", json!("auto")),
        ("parallel_tool_calls", json!(true)),
        ("temperature", json!(1.0)),
        ("top_p", json!(1.0)),
        ("max_output_tokens", Value::Null),
        ("store", json!(true)),
        ("metadata", json!({})),
        ("text", json!({"format": {"type": "text"}})),
    ] {
        assert_eq!(body[key], default, "default for {key}");
    }
    assert!(body["reasoning"].is_object());
    let usage = &body["usage"];
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(
            usage["input_tokens"].as_u64().expect("in")
                + usage["output_tokens"].as_u64().expect("out")
        )
    );
    assert!(usage["input_tokens_details"]["cached_tokens"].is_u64());
    assert!(usage["output_tokens_details"]["reasoning_tokens"].is_u64());
}

#[tokio::test]
async fn echoes_request_parameters() {
    let emu = start(Script::reply(Reply::tool_call("shell", r#"{"cmd":"ls"}"#))).await;
    let tools = json!([{"type": "function", "name": "shell", "parameters": {"type": "object"}}]);
    let body = json!({
        "model": "gpt-test",
        "input": [{"role": "user", "content": "list"}],
        "instructions": "Be brief.",
        "tools": tools,
        "tool_choice": "required",
        "temperature": 0.2,
        "max_output_tokens": 500,
        "store": false,
        "metadata": {"k": "v"},
        "reasoning": {"effort": "low", "summary": "auto"},
    });
    let value: Value = post_responses(&emu, &body)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(value["instructions"], "Be brief.");
    assert_eq!(value["tools"], tools);
    assert_eq!(value["tool_choice"], "required");
    assert_eq!(value["temperature"], 0.2);
    assert_eq!(value["max_output_tokens"], 500);
    assert_eq!(value["store"], false);
    assert_eq!(value["metadata"], json!({"k": "v"}));
    assert_eq!(
        value["reasoning"],
        json!({"effort": "low", "summary": "auto"})
    );
    let call = &value["output"][0];
    assert_eq!(call["type"], "function_call");
    assert!(call["id"].as_str().expect("id").starts_with("fc_"));
    assert!(
        call["call_id"]
            .as_str()
            .expect("call_id")
            .starts_with("call_")
    );
    assert_eq!(call["name"], "shell");
    assert_eq!(call["arguments"], r#"{"cmd":"ls"}"#);
    assert_eq!(call["status"], "completed");
}

#[tokio::test]
async fn streaming_grammar_reasoning_message_and_calls() {
    let reply = Reply::text("I will run two commands.")
        .with_thinking("Plan: ls then pwd.")
        .with_tool_call("shell", r#"{"cmd":"ls -la"}"#)
        .with_tool_call("shell", r#"{"cmd":"pwd"}"#)
        .with_usage(Usage::new(100, 40).with_cache(50, 0))
        .with_chunk_chars(3);
    let emu = start(Script::reply(reply)).await;
    let response = post_responses(&emu, &responses_body(true)).await;
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let (wire, broken) = read_stream(response).await;
    assert!(!broken);
    assert!(!wire.contains("[DONE]"), "Responses never sends [DONE]");
    let frames = parse_sse(&wire);
    let last = check_responses_stream(&frames);
    assert_eq!(
        frames.last().and_then(|f| f.event.as_deref()),
        Some("response.completed")
    );
    assert_eq!(last["status"], "completed");
    let output = last["output"].as_array().expect("output");
    let kinds: Vec<&str> = output
        .iter()
        .map(|i| i["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        kinds,
        ["reasoning", "message", "function_call", "function_call"]
    );
    assert_eq!(
        output[0]["summary"],
        json!([{"type": "summary_text", "text": "Plan: ls then pwd."}])
    );
    assert_eq!(output[1]["content"][0]["text"], "I will run two commands.");
    assert_eq!(output[3]["arguments"], r#"{"cmd":"pwd"}"#);
    assert_eq!(last["usage"]["input_tokens"], 150);
    assert_eq!(last["usage"]["input_tokens_details"]["cached_tokens"], 50);
    assert_eq!(last["usage"]["output_tokens"], 40);
    assert_eq!(last["usage"]["total_tokens"], 190);

    // Added items are announced empty and in progress.
    let added: Vec<Value> = frames
        .iter()
        .map(Sse::json)
        .filter(|d| d["type"] == "response.output_item.added")
        .map(|d| d["item"].clone())
        .collect();
    assert_eq!(added[1]["status"], "in_progress");
    assert_eq!(added[1]["content"], json!([]));
    assert_eq!(added[2]["arguments"], "");
    // Text deltas carry logprobs.
    let delta = frames
        .iter()
        .map(Sse::json)
        .find(|d| d["type"] == "response.output_text.delta")
        .expect("text delta");
    assert_eq!(delta["content_index"], 0);
    assert_eq!(delta["logprobs"], json!([]));
}

#[tokio::test]
async fn incomplete_when_max_tokens() {
    let emu = start(Script::reply(
        Reply::text("partial").with_stop("max_tokens"),
    ))
    .await;
    let body: Value = post_responses(&emu, &responses_body(false))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["status"], "incomplete");
    assert_eq!(
        body["incomplete_details"],
        json!({"reason": "max_output_tokens"})
    );
    let (wire, _) = read_stream(post_responses(&emu, &responses_body(true)).await).await;
    let frames = parse_sse(&wire);
    let last = check_responses_stream(&frames);
    assert_eq!(
        frames.last().and_then(|f| f.event.as_deref()),
        Some("response.incomplete")
    );
    assert_eq!(last["status"], "incomplete");
    assert_eq!(last["incomplete_details"]["reason"], "max_output_tokens");
}

/// Codex's `apply_patch` is a `custom` tool with a grammar: its call is a `custom_tool_call`
/// whose `input` is the patch text, not a JSON argument object.
#[tokio::test]
async fn custom_tools_get_custom_tool_calls() {
    let patch = "*** Begin Patch\n*** Update File: a.txt\n@@\n-old\n+new\n*** End Patch\n";
    let arguments = json!({"input": patch}).to_string();
    let reply = Reply::tool_call("apply_patch", arguments.as_str())
        .with_tool_call("shell", r#"{"cmd":"ls"}"#)
        .with_chunk_chars(5);
    let emu = start(Script::reply(reply)).await;
    let body = |stream: bool| {
        json!({
            "model": "gpt-test",
            "stream": stream,
            "input": "patch it",
            "tools": [
                {"type": "custom", "name": "apply_patch", "description": "Edit files.",
                 "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}},
                {"type": "function", "name": "shell", "parameters": {"type": "object"}},
            ],
        })
    };
    let value: Value = post_responses(&emu, &body(false))
        .await
        .json()
        .await
        .expect("json");
    let custom = &value["output"][0];
    assert_eq!(custom["type"], "custom_tool_call");
    assert!(custom["id"].as_str().expect("id").starts_with("ctc_"));
    assert!(
        custom["call_id"]
            .as_str()
            .expect("call_id")
            .starts_with("call_")
    );
    assert_eq!(custom["name"], "apply_patch");
    assert_eq!(custom["input"], patch);
    assert_eq!(custom["status"], "completed");
    assert!(custom.get("arguments").is_none());
    assert_eq!(value["output"][1]["type"], "function_call");
    assert_eq!(value["output"][1]["arguments"], r#"{"cmd":"ls"}"#);

    let (wire, broken) = read_stream(post_responses(&emu, &body(true)).await).await;
    assert!(!broken);
    let frames = parse_sse(&wire);
    let last = check_responses_stream(&frames);
    assert_eq!(last["output"][0]["type"], "custom_tool_call");
    assert_eq!(last["output"][0]["input"], patch);
    let events: Vec<Value> = frames.iter().map(Sse::json).collect();
    let added = events
        .iter()
        .find(|e| e["type"] == "response.output_item.added")
        .expect("added");
    assert_eq!(added["item"]["type"], "custom_tool_call");
    assert_eq!(added["item"]["input"], "");
    assert_eq!(added["item"]["status"], "in_progress");
    let deltas = events
        .iter()
        .filter(|e| e["type"] == "response.custom_tool_call_input.delta")
        .count();
    assert_eq!(deltas, patch.chars().count().div_ceil(5));
    assert!(
        !events.iter().any(
            |e| e["type"] == "response.function_call_arguments.delta" && e["output_index"] == 0
        )
    );
}

/// Arguments not of the form `{"input": "..."}` are a custom tool's input as written; a tool
/// the request declares as a function keeps getting function calls.
#[tokio::test]
async fn custom_tool_input_is_the_arguments_unless_wrapped() {
    let emu = start(
        Script::new()
            .rule(
                When::any().body_contains("raw"),
                Reply::tool_call("apply_patch", "*** Begin Patch\n*** End Patch"),
            )
            .rule(
                When::any().body_contains("function"),
                Reply::tool_call("apply_patch", r#"{"input":"x"}"#),
            ),
    )
    .await;
    let custom = json!([{"type": "custom", "name": "apply_patch"}]);
    let value: Value = post_responses(
        &emu,
        &json!({"model": "gpt-test", "input": "raw", "tools": custom}),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(value["output"][0]["type"], "custom_tool_call");
    assert_eq!(
        value["output"][0]["input"],
        "*** Begin Patch\n*** End Patch"
    );
    let function = json!([{"type": "function", "name": "apply_patch", "parameters": {}}]);
    let value: Value = post_responses(
        &emu,
        &json!({"model": "gpt-test", "input": "function", "tools": function}),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(value["output"][0]["type"], "function_call");
    assert_eq!(value["output"][0]["arguments"], r#"{"input":"x"}"#);
}
