use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::canonical::SignatureOrigin;

/// Feeds `(event name, data)` pairs; the name doubles as data.type.
fn run(origin: &str, events: &[Value]) -> Vec<Event> {
    let mut d = StreamDecoder::new(origin);
    let mut out = Vec::new();
    for e in events {
        let name = e["type"].as_str();
        d.event(name, &e.to_string(), &mut out).unwrap();
    }
    d.end(&mut out);
    out
}

fn start(input: u64, cache_read: u64) -> Value {
    json!({"type": "message_start", "message": {"id": "msg_01", "type": "message",
        "role": "assistant", "model": "claude", "content": [], "stop_reason": null,
        "usage": {"input_tokens": input, "cache_read_input_tokens": cache_read,
                  "cache_creation_input_tokens": 0, "output_tokens": 1}}})
}

fn block_start(index: u64, block: Value) -> Value {
    json!({"type": "content_block_start", "index": index, "content_block": block})
}

fn delta(index: u64, delta: Value) -> Value {
    json!({"type": "content_block_delta", "index": index, "delta": delta})
}

fn stop(index: u64) -> Value {
    json!({"type": "content_block_stop", "index": index})
}

fn message_delta(reason: &str, usage: Value) -> Value {
    json!({"type": "message_delta", "delta": {"stop_reason": reason, "stop_sequence": null},
        "usage": usage})
}

#[test]
fn reference_tool_use_stream() {
    // §4.2 A reference sequence; classic bug #5: `input: {}` never becomes arguments.
    let out = run(
        "anthropic",
        &[
            start(377, 0),
            block_start(0, json!({"type": "text", "text": ""})),
            json!({"type": "ping"}),
            delta(0, json!({"type": "text_delta", "text": "I"})),
            stop(0),
            block_start(
                1,
                json!({"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}),
            ),
            delta(1, json!({"type": "input_json_delta", "partial_json": ""})),
            delta(
                1,
                json!({"type": "input_json_delta", "partial_json": "{\"locati"}),
            ),
            delta(
                1,
                json!({"type": "input_json_delta", "partial_json": "on\":1}"}),
            ),
            stop(1),
            message_delta("tool_use", json!({"output_tokens": 65})),
            json!({"type": "message_stop"}),
        ],
    );
    let start_usage = Usage {
        input: 377,
        output: 1,
        ..Usage::default()
    };
    assert_eq!(
        out,
        vec![
            Event::Start {
                id: "msg_01".into(),
                usage: Some(start_usage)
            },
            Event::BlockStart {
                key: 0,
                block: Block::Text
            },
            Event::Ping,
            Event::Delta {
                key: 0,
                delta: Delta::Text("I".into())
            },
            Event::BlockStop { key: 0 },
            Event::BlockStart {
                key: 1,
                block: Block::ToolCall {
                    id: "toolu_1".into(),
                    name: "get_weather".into(),
                    extras: None
                }
            },
            Event::Delta {
                key: 1,
                delta: Delta::Arguments("{\"locati".into())
            },
            Event::Delta {
                key: 1,
                delta: Delta::Arguments("on\":1}".into())
            },
            Event::BlockStop { key: 1 },
            Event::Finish {
                reason: StopReason::ToolUse,
                stop_sequence: None
            },
            Event::Usage(Usage {
                input: 377,
                output: 65,
                ..Usage::default()
            }),
            Event::End,
        ]
    );
}

#[test]
fn thinking_signatures_are_tagged_with_the_origin() {
    // §4.2 thinking block; §2.4 rule 1.
    let out = run(
        "deepseek",
        &[
            start(1, 0),
            block_start(
                0,
                json!({"type": "thinking", "thinking": "", "signature": ""}),
            ),
            delta(0, json!({"type": "thinking_delta", "thinking": "hmm"})),
            delta(0, json!({"type": "signature_delta", "signature": "sig"})),
            stop(0),
            block_start(1, json!({"type": "redacted_thinking", "data": "blob"})),
            stop(1),
            message_delta("end_turn", json!({"output_tokens": 2})),
            json!({"type": "message_stop"}),
        ],
    );
    assert!(out.contains(&Event::Delta {
        key: 0,
        delta: Delta::Reasoning("hmm".into())
    }));
    let sig = out.iter().find_map(|e| match e {
        Event::Delta {
            delta: Delta::Signature(s),
            ..
        } => Some(s.clone()),
        _ => None,
    });
    let sig = sig.unwrap();
    assert_eq!(sig.origin, SignatureOrigin::Vendor("deepseek".into()));
    assert_eq!(sig.value, "sig");
    assert!(out.contains(&Event::BlockStart {
        key: 1,
        block: Block::RedactedReasoning {
            data: "blob".into()
        }
    }));
}

#[test]
fn usage_merges_start_and_delta_counters() {
    // §4.5: keep message_start's input counters unless message_delta has non-zero ones.
    let out = run(
        "glm",
        &[
            start(100, 900),
            message_delta(
                "end_turn",
                json!({"input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 7}),
            ),
            json!({"type": "message_stop"}),
        ],
    );
    assert!(out.contains(&Event::Usage(Usage {
        input: 100,
        cache_read: 900,
        cache_write: 0,
        output: 7,
        reasoning: None
    })));
    let out = run(
        "anthropic",
        &[
            start(100, 0),
            message_delta(
                "end_turn",
                json!({"input_tokens": 120, "cache_creation_input_tokens": 30, "output_tokens": 7}),
            ),
            json!({"type": "message_stop"}),
        ],
    );
    assert!(out.contains(&Event::Usage(Usage {
        input: 120,
        cache_read: 0,
        cache_write: 30,
        output: 7,
        reasoning: None
    })));
}

#[test]
fn server_tool_blocks_and_unknown_events_are_ignored() {
    let out = run(
        "anthropic",
        &[
            start(1, 0),
            block_start(
                0,
                json!({"type": "server_tool_use", "id": "srv", "name": "web_search", "input": {}}),
            ),
            delta(
                0,
                json!({"type": "input_json_delta", "partial_json": "{\"q\":1}"}),
            ),
            stop(0),
            block_start(1, json!({"type": "web_search_tool_result", "content": []})),
            stop(1),
            json!({"type": "some_future_event"}),
            block_start(2, json!({"type": "text", "text": ""})),
            delta(2, json!({"type": "citations_delta", "citation": {}})),
            stop(2),
            message_delta("end_turn", json!({"output_tokens": 1})),
            json!({"type": "message_stop"}),
        ],
    );
    let blocks: Vec<_> = out
        .iter()
        .filter(|e| matches!(e, Event::BlockStart { .. } | Event::Delta { .. }))
        .collect();
    assert_eq!(
        blocks,
        vec![&Event::BlockStart {
            key: 2,
            block: Block::Text
        }]
    );
}

#[test]
fn errors_truncation_and_malformed_data() {
    // §5.3: an in-stream error ends the stream; §4.3.1 step 4: EOF without finish is an error.
    let out = run(
        "anthropic",
        &[
            start(1, 0),
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}),
            json!({"type": "message_stop"}),
        ],
    );
    assert!(
        matches!(out.last(), Some(Event::Error(e)) if e.kind == ErrorKind::Overloaded),
        "{out:?}"
    );
    let out = run(
        "anthropic",
        &[
            start(1, 0),
            block_start(0, json!({"type": "text", "text": ""})),
        ],
    );
    match out.last() {
        Some(Event::Error(e)) => {
            assert_eq!(e.kind, ErrorKind::BadGateway);
            assert_eq!(
                e.message,
                "the vendor's stream ended before the answer was complete"
            );
        }
        other => panic!("{other:?}"),
    }
    let mut d = StreamDecoder::new("x");
    let mut out = Vec::new();
    assert!(matches!(
        d.event(Some("message_start"), "not json", &mut out),
        Err(TranslateError::Malformed(_))
    ));
    assert!(matches!(
        d.event(
            Some("content_block_delta"),
            "{\"type\":\"content_block_delta\"}",
            &mut out
        ),
        Err(TranslateError::Malformed(_))
    ));
    assert!(!d.is_done());
}

#[test]
fn a_finished_stream_without_message_stop_still_ends() {
    let out = run(
        "anthropic",
        &[
            start(1, 0),
            block_start(0, json!({"type": "text", "text": ""})),
            delta(0, json!({"type": "text_delta", "text": "x"})),
            message_delta("max_tokens", json!({"output_tokens": 1})),
        ],
    );
    // The open block is closed before End.
    assert_eq!(
        &out[out.len() - 2..],
        &[Event::BlockStop { key: 0 }, Event::End]
    );
}

#[test]
fn start_is_synthesised_and_repeated_indices_get_fresh_keys() {
    let out = run(
        "anthropic",
        &[
            block_start(0, json!({"type": "text", "text": ""})),
            stop(0),
            block_start(
                0,
                json!({"type": "tool_use", "id": "t", "name": "n",
                "input": {"full": true}}),
            ),
            stop(0),
            json!({"type": "message_stop"}),
        ],
    );
    assert_eq!(
        out[0],
        Event::Start {
            id: SYNTHETIC_ID.into(),
            usage: None
        }
    );
    let keys: Vec<Key> = out
        .iter()
        .filter_map(|e| match e {
            Event::BlockStart { key, .. } => Some(*key),
            _ => None,
        })
        .collect();
    assert_eq!(keys, vec![0, FRESH_KEYS]);
    // A compatible server that put the whole input in the start: used, since no delta came.
    assert!(out.contains(&Event::Delta {
        key: FRESH_KEYS,
        delta: Delta::Arguments("{\"full\":true}".into())
    }));
}

#[test]
fn error_before_anything_is_a_lone_error() {
    let out = run(
        "anthropic",
        &[json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}})],
    );
    assert_eq!(out.len(), 1);
    assert!(matches!(&out[0], Event::Error(e) if e.kind == ErrorKind::RateLimited));
}

fn json_ish() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
        "other",
    ]);
    let block_types = prop::sample::select(vec![
        "text",
        "thinking",
        "redacted_thinking",
        "tool_use",
        "server_tool_use",
        "x",
    ]);
    let delta_types = prop::sample::select(vec![
        "text_delta",
        "thinking_delta",
        "signature_delta",
        "input_json_delta",
        "citations_delta",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (0u64..4).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z{}\":]{0,6}".prop_map(Value::from),
    ];
    (
        names,
        block_types,
        delta_types,
        prop::option::of(0u64..4),
        leaf.clone(),
        leaf,
        0u8..4,
    )
        .prop_map(|(name, block, delta, index, a, b, shape)| {
            let v = match shape {
                0 => json!({"type": name, "index": index, "content_block": {"type": block,
                    "text": a, "id": b, "name": "n", "input": {"k": 1}}}),
                1 => json!({"type": name, "index": index, "delta": {"type": delta,
                    "text": a, "partial_json": b, "signature": "s", "stop_reason": a}}),
                2 => json!({"type": name, "message": {"id": a, "usage": {"input_tokens": b}},
                    "usage": b, "error": a}),
                _ => return format!("{a}{b}"),
            };
            v.to_string()
        })
}

proptest! {
    #[test]
    fn arbitrary_events_never_panic_and_nothing_follows_the_end(
        events in prop::collection::vec((prop::option::of(prop::sample::select(vec![
            "message_start", "content_block_start", "content_block_delta",
            "content_block_stop", "message_delta", "message_stop", "ping", "error", ""])),
            json_ish()), 0..30)
    ) {
        let mut d = StreamDecoder::new("v");
        let mut out = Vec::new();
        let mut started_keys = std::collections::HashSet::new();
        for (name, data) in &events {
            let was_done = d.is_done();
            let before = out.len();
            let _ = d.event(*name, data, &mut out);
            if was_done {
                prop_assert_eq!(out.len(), before, "output after the end");
            }
        }
        let was_done = d.is_done();
        let before = out.len();
        d.end(&mut out);
        if was_done {
            prop_assert_eq!(out.len(), before);
        }
        prop_assert!(d.is_done());
        let mut after = Vec::new();
        d.end(&mut after);
        d.event(Some("ping"), "{\"type\":\"ping\"}", &mut after).unwrap();
        prop_assert!(after.is_empty());
        // The canonical contract: Start first (or a lone error), unique keys, deltas and stops
        // only for started keys, exactly one terminal event, last.
        match out.first() {
            Some(Event::Start { .. }) => {}
            Some(Event::Error(_)) => prop_assert_eq!(out.len(), 1),
            other => prop_assert!(false, "first event {:?}", other),
        }
        let terminals = out.iter().filter(|e| matches!(e, Event::End | Event::Error(_))).count();
        prop_assert_eq!(terminals, 1);
        prop_assert!(matches!(out.last(), Some(Event::End | Event::Error(_))));
        for e in &out {
            match e {
                Event::BlockStart { key, .. } => prop_assert!(started_keys.insert(*key)),
                Event::Delta { key, .. } | Event::BlockStop { key } => {
                    prop_assert!(started_keys.contains(key))
                }
                _ => {}
            }
        }
    }
}
