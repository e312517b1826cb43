//! `decode_response` and `encode_response` (protocols.md §3).

use serde_json::json;

use super::{codex_request, json_of, pretty, reply};
use crate::canonical::{
    Part, Reasoning, Response, Signature, SignatureOrigin, StopReason, ToolCall, ToolKind,
    TranslateError, Usage, vendor_tool_name,
};
use crate::responses::{decode_response, encode_response};

fn openai_response() -> serde_json::Value {
    json!({
        "id": "resp_abc",
        "object": "response",
        "status": "completed",
        "model": "gpt-5-2025",
        "output": [
            {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "One"}, {"type": "summary_text", "text": "Two"}], "encrypted_content": "gAAA"},
            {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant", "content": [{"type": "output_text", "text": "Hello", "annotations": []}]},
            {"id": "fc_1", "type": "function_call", "status": "completed", "call_id": "call_1", "name": "shell", "arguments": "{\"command\":[\"ls\"]}"},
            {"id": "ws_1", "type": "web_search_call", "status": "completed"}
        ],
        "usage": {"input_tokens": 1000, "input_tokens_details": {"cached_tokens": 800}, "output_tokens": 50, "output_tokens_details": {"reasoning_tokens": 30}, "total_tokens": 1050}
    })
}

fn decode(v: serde_json::Value) -> Result<Response, TranslateError> {
    decode_response(v.to_string().as_bytes(), "openai")
}

// §3 R → canonical: reasoning (summaries joined by a blank line, encrypted content tagged with
// the vendor, item id kept), text, calls (call_id as id); hosted items skipped; §3.2 completed
// with calls → ToolUse; §3.3 usage split.
#[test]
fn decodes_a_full_response() {
    let resp = decode(openai_response()).unwrap();
    assert_eq!(resp.id, "resp_abc");
    assert_eq!(resp.content.len(), 3);
    let Part::Reasoning(r) = &resp.content[0] else {
        panic!()
    };
    assert_eq!(r.text, "One\n\nTwo");
    assert_eq!(r.item_id.as_deref(), Some("rs_1"));
    let sig = r.signature.as_ref().unwrap();
    assert_eq!(sig.origin, SignatureOrigin::Vendor("openai".into()));
    assert_eq!(sig.value, "gAAA");
    assert_eq!(resp.content[1], Part::text("Hello"));
    let Part::ToolCall(c) = &resp.content[2] else {
        panic!()
    };
    assert_eq!(
        (c.id.as_str(), c.name.as_str(), c.item_id.as_deref()),
        ("call_1", "shell", Some("fc_1"))
    );
    assert_eq!(c.arguments, "{\"command\":[\"ls\"]}");
    assert_eq!(resp.stop, StopReason::ToolUse);
    assert_eq!(
        resp.usage,
        Usage {
            input: 200,
            cache_read: 800,
            cache_write: 0,
            output: 50,
            reasoning: Some(30)
        }
    );
}

// §3.2: incomplete/max_output_tokens → MaxTokens, content_filter → Refusal; a refusal part is
// text and a refusal; completed without calls → EndTurn; custom calls keep their raw input.
#[test]
fn stop_reasons_and_item_kinds() {
    let resp = decode(json!({"id": "r", "status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}, "output": []})).unwrap();
    assert_eq!(resp.stop, StopReason::MaxTokens);
    let resp = decode(json!({"id": "r", "status": "incomplete", "incomplete_details": {"reason": "content_filter"}, "output": []})).unwrap();
    assert_eq!(resp.stop, StopReason::Refusal);
    let resp = decode(json!({"id": "r", "status": "completed", "output": [
        {"type": "message", "content": [{"type": "refusal", "refusal": "I can't"}]}
    ]}))
    .unwrap();
    assert_eq!(
        (resp.stop, resp.content.clone()),
        (StopReason::Refusal, vec![Part::text("I can't")])
    );
    let resp = decode(json!({"id": "r", "status": "completed", "output": [
        {"type": "message", "content": [{"type": "output_text", "text": "hi"}]},
        {"type": "reasoning", "summary": [], "content": [{"type": "reasoning_text", "text": "raw"}]}
    ]}))
    .unwrap();
    assert_eq!(resp.stop, StopReason::EndTurn);
    let Part::Reasoning(r) = &resp.content[1] else {
        panic!()
    };
    assert_eq!((r.text.as_str(), r.signature.is_none()), ("raw", true));
    let resp = decode(json!({"id": "r", "status": "completed", "output": [
        {"type": "custom_tool_call", "id": "ctc_1", "call_id": "c", "name": "apply_patch", "input": "*** Begin Patch"}
    ]}))
    .unwrap();
    let Part::ToolCall(c) = &resp.content[0] else {
        panic!()
    };
    assert_eq!(
        (c.kind.clone(), c.arguments.as_str()),
        (ToolKind::Custom { format: None }, "*** Begin Patch")
    );
    assert_eq!(resp.stop, StopReason::ToolUse);
}

// custom.md: a failed response is Malformed naming the vendor's code; non-final statuses and
// non-objects are Malformed too.
#[test]
fn failed_and_malformed_responses() {
    let err = decode(
        json!({"id": "r", "status": "failed", "error": {"code": "server_error", "message": "x"}}),
    )
    .unwrap_err();
    assert_eq!(
        err,
        TranslateError::Malformed("the vendor reported a failed response: server_error".into())
    );
    assert!(matches!(
        decode(json!({"id": "r", "status": "in_progress"})),
        Err(TranslateError::Malformed(_))
    ));
    assert!(matches!(
        decode_response(b"nope", "openai"),
        Err(TranslateError::Malformed(_))
    ));
    assert!(matches!(
        decode_response(b"[1]", "openai"),
        Err(TranslateError::Malformed(_))
    ));
}

fn rich_response() -> Response {
    let long = format!("mcp__server__{}", "t".repeat(70));
    Response {
        id: "msg_01ABC".into(),
        model: "claude-sonnet-4".into(),
        content: vec![
            Part::Reasoning(Reasoning {
                text: "Let me look.".into(),
                signature: Some(Signature::from_vendor("anthropic", "EqQB")),
                redacted: None,
                item_id: None,
            }),
            Part::Reasoning(Reasoning {
                text: String::new(),
                signature: None,
                redacted: Some("blob".into()),
                item_id: None,
            }),
            Part::text("Sure."),
            Part::text(""),
            Part::ToolCall(ToolCall {
                id: "toolu_1".into(),
                name: vendor_tool_name(&long),
                arguments: "{\"command\":[\"ls\"]}".into(),
                kind: ToolKind::Function,
                item_id: None,
                extras: None,
            }),
            Part::ToolCall(ToolCall {
                id: "toolu_2".into(),
                name: "apply_patch".into(),
                arguments: "{\"input\":\"*** Begin Patch\\n\"}".into(),
                kind: ToolKind::Function,
                item_id: None,
                extras: None,
            }),
        ],
        stop: StopReason::ToolUse,
        stop_sequence: None,
        usage: Usage {
            input: 100,
            cache_read: 800,
            cache_write: 50,
            output: 40,
            reasoning: None,
        },
    }
}

fn rich_reply() -> crate::canonical::Reply {
    let mut req = codex_request();
    req.tools[0].name = format!("mcp__server__{}", "t".repeat(70));
    req.system = vec![crate::canonical::Part::text("You are Codex.")];
    req.max_tokens = Some(8000);
    req.reasoning = Some(crate::canonical::ReasoningConfig::Effort(Some(
        "high".into(),
    )));
    req.cache_key = Some("thread-1".into());
    req.store = Some(false);
    reply(req)
}

// §3.1: the full response object in OpenAI's order, the client's model and parameters echoed,
// reasoning with the tagged signature (the client asked for encrypted reasoning), redacted
// reasoning and empty text left out, the long tool name restored, the call to the custom tool
// as a custom_tool_call with its input unwrapped (custom.md), §3.3 usage totals.
#[test]
fn rich_response_snapshot() {
    let body = encode_response(&rich_response(), &rich_reply());
    insta::assert_snapshot!("encode_response_rich", pretty(&body));
}

#[test]
fn encoded_response_fields() {
    let body = json_of(&encode_response(&rich_response(), &rich_reply()));
    assert_eq!(body["id"], "resp_msg01ABC");
    assert_eq!(body["model"], "gpt-5-codex");
    assert_eq!(body["created_at"], 1_700_000_000);
    assert_eq!(body["status"], "completed");
    let output = body["output"].as_array().unwrap();
    let types: Vec<&str> = output.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["reasoning", "message", "function_call", "custom_tool_call"]
    );
    assert_eq!(
        Signature::parse(output[0]["encrypted_content"].as_str().unwrap()),
        Signature::from_vendor("anthropic", "EqQB")
    );
    assert_eq!(output[2]["name"].as_str().unwrap().len(), 13 + 70);
    assert_eq!(output[2]["id"], "fc_toolu1");
    assert_eq!(output[3]["input"], "*** Begin Patch\n");
    assert_eq!(output[3]["call_id"], "toolu_2");
    assert_eq!(
        body["usage"],
        json!({"input_tokens": 950, "input_tokens_details": {"cached_tokens": 800}, "output_tokens": 40, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 990})
    );
}

// §3.1: without `include: reasoning.encrypted_content` the client gets no encrypted content;
// reasoning that then has nothing to show is left out.
#[test]
fn encrypted_reasoning_only_when_asked() {
    let mut reply_ctx = rich_reply();
    let mut req = (*reply_ctx.request).clone();
    req.include_encrypted_reasoning = false;
    reply_ctx.request = std::sync::Arc::new(req);
    let mut resp = rich_response();
    resp.content.insert(
        0,
        Part::Reasoning(Reasoning {
            text: String::new(),
            signature: Some(Signature::from_vendor("openai", "x")),
            redacted: None,
            item_id: None,
        }),
    );
    let body = json_of(&encode_response(&resp, &reply_ctx));
    let output = body["output"].as_array().unwrap();
    assert_eq!(output[0]["type"], "reasoning");
    assert!(output[0].get("encrypted_content").is_none());
    assert_eq!(output[0]["summary"][0]["text"], "Let me look.");
    assert_eq!(
        output.iter().filter(|i| i["type"] == "reasoning").count(),
        1
    );
}

// §3.1/§3.2: a refusal is a refusal part with status incomplete/content_filter; max tokens is
// incomplete/max_output_tokens.
#[test]
fn refusal_and_truncation() {
    let resp = Response {
        id: "x".into(),
        model: "m".into(),
        content: vec![Part::text("I can't help with that.")],
        stop: StopReason::Refusal,
        stop_sequence: None,
        usage: Usage::default(),
    };
    let body = json_of(&encode_response(&resp, &reply(codex_request())));
    assert_eq!(body["status"], "incomplete");
    assert_eq!(
        body["incomplete_details"],
        json!({"reason": "content_filter"})
    );
    assert_eq!(
        body["output"][0]["content"][0],
        json!({"type": "refusal", "refusal": "I can't help with that."})
    );
    let resp = Response {
        stop: StopReason::MaxTokens,
        ..resp
    };
    let body = json_of(&encode_response(&resp, &reply(codex_request())));
    assert_eq!(
        body["incomplete_details"],
        json!({"reason": "max_output_tokens"})
    );
    assert_eq!(body["output"][0]["content"][0]["type"], "output_text");
    assert_eq!(body["error"], serde_json::Value::Null);
}

// custom.md: a custom call from an R vendor (kind Custom) keeps its raw input; a function call
// whose arguments are not `{"input": …}` passes its arguments text as the input.
#[test]
fn custom_calls_from_every_kind_of_vendor() {
    let call = |args: &str, kind| {
        Part::ToolCall(ToolCall {
            id: "c".into(),
            name: "apply_patch".into(),
            arguments: args.into(),
            kind,
            item_id: None,
            extras: None,
        })
    };
    for (part, input) in [
        (
            call("{\"input\":\"x\"}", ToolKind::Custom { format: None }),
            "{\"input\":\"x\"}",
        ),
        (call("raw patch", ToolKind::Function), "raw patch"),
    ] {
        let resp = Response {
            id: "r".into(),
            model: "m".into(),
            content: vec![part],
            stop: StopReason::ToolUse,
            stop_sequence: None,
            usage: Usage::default(),
        };
        let body = json_of(&encode_response(&resp, &reply(codex_request())));
        assert_eq!(body["output"][0]["type"], "custom_tool_call");
        assert_eq!(body["output"][0]["input"], input);
    }
}

// Decoding an R vendor's answer and encoding it for an R client keeps text, calls and usage.
#[test]
fn r_to_r_round_trip() {
    let resp = decode(openai_response()).unwrap();
    let body = json_of(&encode_response(&resp, &reply(codex_request())));
    assert_eq!(body["id"], "resp_abc");
    assert_eq!(body["output"][1]["content"][0]["text"], "Hello");
    assert_eq!(body["output"][2]["call_id"], "call_1");
    assert_eq!(body["usage"]["input_tokens"], 1000);
    assert_eq!(
        body["usage"]["output_tokens_details"]["reasoning_tokens"],
        30
    );
    let sig = Signature::parse(body["output"][0]["encrypted_content"].as_str().unwrap());
    assert_eq!(sig.for_vendor("openai", false), Some("gAAA"));
}
