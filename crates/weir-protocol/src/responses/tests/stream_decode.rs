//! `StreamDecoder`: an R vendor's stream → canonical events (protocols.md §4.2 R, §4.3.2).

use serde_json::{Value, json};

use crate::canonical::{Block, Delta, Event, Signature, StopReason, TranslateError, Usage};
use crate::responses::StreamDecoder;
use crate::{ErrorKind, sse};

/// Feeds `events` (the data's `type` doubles as the SSE event name), then the end of the stream.
fn run(events: &[Value]) -> Vec<Event> {
    let mut d = StreamDecoder::new("openai");
    let mut out = Vec::new();
    for e in events {
        let name = e["type"].as_str();
        d.event(name, &e.to_string(), &mut out).unwrap();
    }
    d.end(&mut out);
    out
}

fn created() -> Value {
    json!({"type": "response.created", "sequence_number": 0, "response": {"id": "resp_1", "status": "in_progress", "output": []}})
}

fn completed(extra: Value) -> Value {
    let mut response = json!({"id": "resp_1", "status": "completed", "usage": {"input_tokens": 100, "input_tokens_details": {"cached_tokens": 60}, "output_tokens": 20, "output_tokens_details": {"reasoning_tokens": 5}, "total_tokens": 120}});
    if let (Some(r), Some(e)) = (response.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    json!({"type": "response.completed", "response": response})
}

fn delta(key: u32, delta: Delta) -> Event {
    Event::Delta { key, delta }
}

// §4.2 R reference sequence (reasoning, text, function call) → canonical blocks keyed per item;
// summary parts separated by a blank line; the encrypted content as a tagged signature before
// the reasoning block stops; §4.3.2 completed with a call → ToolUse, usage split (§3.3).
#[test]
fn reference_sequence() {
    let events = run(&[
        created(),
        json!({"type": "response.in_progress", "response": {"id": "resp_1"}}),
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": []}}),
        json!({"type": "response.reasoning_summary_part.added", "item_id": "rs_1", "output_index": 0, "summary_index": 0}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "Plan"}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": " A"}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 1, "delta": "Plan B"}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAA"}}),
        json!({"type": "response.output_item.added", "output_index": 1, "item": {"type": "message", "id": "msg_1", "role": "assistant", "content": []}}),
        json!({"type": "response.content_part.added", "item_id": "msg_1", "output_index": 1, "content_index": 0, "part": {"type": "output_text", "text": ""}}),
        json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 1, "content_index": 0, "delta": "Hi"}),
        json!({"type": "response.output_text.done", "item_id": "msg_1", "output_index": 1, "content_index": 0, "text": "Hi"}),
        json!({"type": "response.output_item.done", "output_index": 1, "item": {"type": "message", "id": "msg_1", "content": [{"type": "output_text", "text": "Hi"}]}}),
        json!({"type": "response.output_item.added", "output_index": 2, "item": {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "shell", "arguments": ""}}),
        json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 2, "delta": "{\"a\""}),
        json!({"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 2, "delta": ":1}"}),
        json!({"type": "response.function_call_arguments.done", "item_id": "fc_1", "output_index": 2, "arguments": "{\"a\":1}"}),
        json!({"type": "response.output_item.done", "output_index": 2, "item": {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "shell", "arguments": "{\"a\":1}"}}),
        completed(json!({})),
    ]);
    assert_eq!(
        events,
        vec![
            Event::Start {
                id: "resp_1".into(),
                usage: None
            },
            Event::BlockStart {
                key: 0,
                block: Block::Reasoning {
                    item_id: Some("rs_1".into())
                }
            },
            delta(0, Delta::Reasoning("Plan".into())),
            delta(0, Delta::Reasoning(" A".into())),
            delta(0, Delta::Reasoning("\n\nPlan B".into())),
            delta(
                0,
                Delta::Signature(Signature::from_vendor("openai", "gAAA"))
            ),
            Event::BlockStop { key: 0 },
            Event::BlockStart {
                key: 1,
                block: Block::Text
            },
            delta(1, Delta::Text("Hi".into())),
            Event::BlockStop { key: 1 },
            Event::BlockStart {
                key: 2,
                block: Block::ToolCall {
                    id: "call_1".into(),
                    name: "shell".into(),
                    extras: None
                }
            },
            delta(2, Delta::Arguments("{\"a\"".into())),
            delta(2, Delta::Arguments(":1}".into())),
            Event::BlockStop { key: 2 },
            Event::Finish {
                reason: StopReason::ToolUse,
                stop_sequence: None
            },
            Event::Usage(Usage {
                input: 40,
                cache_read: 60,
                cache_write: 0,
                output: 20,
                reasoning: Some(5)
            }),
            Event::End,
        ]
    );
}

// §4.6 #1: argument fragments of interleaved calls go to their own item (by item_id, or by
// output_index when the id is missing), never to "the current" one.
#[test]
fn interleaved_calls_are_routed_by_item() {
    let events = run(&[
        created(),
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "function_call", "id": "fc_a", "call_id": "ca", "name": "f"}}),
        json!({"type": "response.output_item.added", "output_index": 1, "item": {"type": "function_call", "id": "fc_b", "call_id": "cb", "name": "g"}}),
        json!({"type": "response.function_call_arguments.delta", "item_id": "fc_b", "output_index": 1, "delta": "B1"}),
        json!({"type": "response.function_call_arguments.delta", "output_index": 0, "delta": "A1"}),
        json!({"type": "response.function_call_arguments.delta", "item_id": "fc_b", "delta": "B2"}),
        json!({"type": "response.output_item.done", "output_index": 1, "item": {"type": "function_call", "id": "fc_b", "call_id": "cb", "name": "g", "arguments": "B1B2"}}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "function_call", "id": "fc_a", "call_id": "ca", "name": "f", "arguments": "A1"}}),
        completed(json!({})),
    ]);
    let args: Vec<(u32, &str)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Delta {
                key,
                delta: Delta::Arguments(a),
            } => Some((*key, a.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(args, [(1, "B1"), (0, "A1"), (1, "B2")]);
    assert!(events.contains(&Event::BlockStop { key: 1 }));
}

// custom.md: a call that streamed no deltas gets its full arguments from output_item.done;
// a custom call's input deltas are its arguments (raw input).
#[test]
fn calls_without_deltas_and_custom_calls() {
    let events = run(&[
        created(),
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "function_call", "id": "fc_a", "call_id": "ca", "name": "f", "arguments": ""}}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "function_call", "id": "fc_a", "call_id": "ca", "name": "f", "arguments": "{}"}}),
        json!({"type": "response.output_item.added", "output_index": 1, "item": {"type": "custom_tool_call", "id": "ctc_1", "call_id": "cc", "name": "apply_patch", "input": ""}}),
        json!({"type": "response.custom_tool_call_input.delta", "item_id": "ctc_1", "output_index": 1, "delta": "*** Begin"}),
        json!({"type": "response.output_item.done", "output_index": 1, "item": {"type": "custom_tool_call", "id": "ctc_1", "call_id": "cc", "name": "apply_patch", "input": "*** Begin"}}),
        completed(json!({})),
    ]);
    assert!(events.contains(&delta(0, Delta::Arguments("{}".into()))));
    assert!(events.contains(&Event::BlockStart {
        key: 1,
        block: Block::ToolCall {
            id: "cc".into(),
            name: "apply_patch".into(),
            extras: None
        }
    }));
    let custom: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::Delta { key: 1, .. }))
        .collect();
    assert_eq!(custom, [&delta(1, Delta::Arguments("*** Begin".into()))]);
}

// §4.3.2: response.incomplete → MaxTokens, or Refusal for content_filter; refusal deltas are text
// and make a completed response a refusal; empty message items make no block (§4.6 #6).
#[test]
fn incomplete_refusal_and_empty_messages() {
    let events = run(&[
        created(),
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "message", "id": "m0"}}),
        json!({"type": "response.output_text.delta", "item_id": "m0", "output_index": 0, "delta": ""}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "message", "id": "m0", "content": []}}),
        json!({"type": "response.incomplete", "response": {"id": "resp_1", "status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}}}),
    ]);
    assert!(
        !events.iter().any(|e| matches!(e, Event::BlockStart { .. })),
        "{events:?}"
    );
    assert!(events.contains(&Event::Finish {
        reason: StopReason::MaxTokens,
        stop_sequence: None
    }));
    assert_eq!(events.last(), Some(&Event::End));

    let events = run(&[
        created(),
        json!({"type": "response.incomplete", "response": {"id": "resp_1", "incomplete_details": {"reason": "content_filter"}}}),
    ]);
    assert!(events.contains(&Event::Finish {
        reason: StopReason::Refusal,
        stop_sequence: None
    }));

    let events = run(&[
        created(),
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "message", "id": "m0"}}),
        json!({"type": "response.refusal.delta", "item_id": "m0", "output_index": 0, "delta": "No."}),
        json!({"type": "response.output_item.done", "output_index": 0, "item": {"type": "message", "id": "m0"}}),
        completed(json!({})),
    ]);
    assert!(events.contains(&delta(0, Delta::Text("No.".into()))));
    assert!(events.contains(&Event::Finish {
        reason: StopReason::Refusal,
        stop_sequence: None
    }));
}

// §4.3.2/§5.5: response.failed becomes Error, a context overflow keeps its kind; an `error`
// event is reported at the end when no response.failed follows; a cut stream is BadGateway.
#[test]
fn failures() {
    let events = run(&[
        created(),
        json!({"type": "response.failed", "response": {"id": "resp_1", "status": "failed", "error": {"code": "context_length_exceeded", "message": "Your input exceeds the context window of this model."}}}),
    ]);
    let Some(Event::Error(e)) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(e.kind, ErrorKind::ContextLengthExceeded);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::Error(_)))
            .count(),
        1
    );

    let events = run(&[
        created(),
        json!({"type": "error", "code": "rate_limit_exceeded", "message": "Slow down."}),
    ]);
    let Some(Event::Error(e)) = events.last() else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::RateLimited);

    // The error event first, then a response.failed without details: the details win.
    let events = run(&[
        created(),
        json!({"type": "error", "code": "insufficient_quota", "message": "No credit."}),
        json!({"type": "response.failed", "response": {"id": "resp_1", "status": "failed"}}),
    ]);
    let Some(Event::Error(e)) = events.last() else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::Billing);

    let events = run(&[
        created(),
        json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "reasoning", "id": "r"}}),
    ]);
    let Some(Event::Error(e)) = events.last() else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::BadGateway);
    assert_eq!(
        e.message,
        "the vendor's stream ended before the answer was complete"
    );
}

// The decoder contract: Start comes first even when response.created is missing; malformed data
// is an error; `[DONE]` is tolerated (§4.1 R); nothing follows End.
#[test]
fn contract_edges() {
    let mut d = StreamDecoder::new("openai");
    let mut out = Vec::new();
    d.event(None, &json!({"type": "response.output_text.delta", "item_id": "m", "output_index": 0, "delta": "x"}).to_string(), &mut out).unwrap();
    assert_eq!(
        out[0],
        Event::Start {
            id: String::new(),
            usage: None
        }
    );
    assert_eq!(
        out[1],
        Event::BlockStart {
            key: 0,
            block: Block::Text
        }
    );
    assert_eq!(
        d.event(None, "not json", &mut out),
        Err(TranslateError::Malformed(
            "the vendor sent a stream event that is not JSON".into()
        ))
    );
    assert!(matches!(
        d.event(None, "[1]", &mut out),
        Err(TranslateError::Malformed(_))
    ));
    d.event(None, "[DONE]", &mut out).unwrap();
    d.event(
        Some("response.completed"),
        r#"{"response":{"id":"x"}}"#,
        &mut out,
    )
    .unwrap();
    assert!(d.is_done());
    assert_eq!(out.last(), Some(&Event::End));
    let n = out.len();
    d.event(None, &created().to_string(), &mut out).unwrap();
    d.end(&mut out);
    assert_eq!(out.len(), n);
}

// Servers that send the whole answer only in response.completed still produce blocks.
#[test]
fn output_only_in_the_terminal_event() {
    let events = run(&[
        created(),
        completed(json!({"output": [
            {"type": "message", "id": "m", "content": [{"type": "output_text", "text": "Hello"}]},
            {"type": "function_call", "id": "fc", "call_id": "c", "name": "f", "arguments": "{}"}
        ]})),
    ]);
    assert!(events.contains(&delta(0, Delta::Text("Hello".into()))));
    assert!(events.contains(&delta(1, Delta::Arguments("{}".into()))));
    assert!(events.contains(&Event::Finish {
        reason: StopReason::ToolUse,
        stop_sequence: None
    }));
}

// A real SSE transcript through the framer: raw reasoning text events (open models) are
// reasoning deltas, parts set off by a blank line.
#[test]
fn raw_reasoning_text_through_the_framer() {
    let transcript = [
        sse::encode(Some("response.created"), &created().to_string()),
        sse::encode(
            Some("response.reasoning_text.delta"),
            r#"{"type":"response.reasoning_text.delta","item_id":"rs","output_index":0,"content_index":0,"delta":"a"}"#,
        ),
        sse::encode(
            Some("response.reasoning_text.delta"),
            r#"{"type":"response.reasoning_text.delta","item_id":"rs","output_index":0,"content_index":1,"delta":"b"}"#,
        ),
    ];
    let mut framer = sse::Framer::new();
    for t in &transcript {
        framer.push(t);
    }
    let mut d = StreamDecoder::new("vllm");
    let mut out = Vec::new();
    while let Some(f) = framer.next_frame() {
        d.event(
            f.event.as_deref(),
            f.data.as_deref().unwrap_or(""),
            &mut out,
        )
        .unwrap();
    }
    assert_eq!(
        out[1],
        Event::BlockStart {
            key: 0,
            block: Block::Reasoning {
                item_id: Some("rs".into())
            }
        }
    );
    assert_eq!(out[2], delta(0, Delta::Reasoning("a".into())));
    assert_eq!(out[3], delta(0, Delta::Reasoning("\n\nb".into())));
}
