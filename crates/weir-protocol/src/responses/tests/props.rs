//! Property tests: the stream encoder writes a well-formed R stream for any event sequence, and
//! the stream decoder survives any input (common.md).

use std::sync::Arc;

use bytes::BytesMut;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::{codex_request, reply};
use crate::canonical::{Block, Delta, Event, Signature, StopReason, Usage};
use crate::responses::grammar::check;
use crate::responses::{StreamDecoder, StreamEncoder, is_well_formed};
use crate::{ApiError, ErrorKind};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z \"{}\\\\\n]{1,8}"]
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        Just(Block::Text),
        prop::option::of("rs_[a-z]{1,3}").prop_map(|item_id| Block::Reasoning { item_id }),
        Just(Block::RedactedReasoning {
            data: "blob".into()
        }),
        (
            "call_[a-c]",
            prop::sample::select(vec!["shell", "apply_patch", "unknown"])
        )
            .prop_map(|(id, name)| Block::ToolCall {
                id,
                name: name.to_owned(),
                extras: None
            }),
    ]
}

fn delta() -> impl Strategy<Value = Delta> {
    prop_oneof![
        text().prop_map(Delta::Text),
        text().prop_map(Delta::Reasoning),
        text().prop_map(Delta::Arguments),
        text().prop_map(|s| Delta::Signature(Signature::from_vendor("openai", s))),
    ]
}

fn reason() -> impl Strategy<Value = StopReason> {
    prop::sample::select(vec![
        StopReason::EndTurn,
        StopReason::MaxTokens,
        StopReason::StopSequence,
        StopReason::ToolUse,
        StopReason::Refusal,
        StopReason::PauseTurn,
        StopReason::ContextWindow,
    ])
}

fn event() -> impl Strategy<Value = Event> {
    let key = 0u32..4;
    prop_oneof![
        2 => "[a-z_]{0,6}".prop_map(|id| Event::Start { id, usage: None }),
        4 => (key.clone(), block()).prop_map(|(key, block)| Event::BlockStart { key, block }),
        6 => (key.clone(), delta()).prop_map(|(key, delta)| Event::Delta { key, delta }),
        3 => key.prop_map(|key| Event::BlockStop { key }),
        1 => reason().prop_map(|reason| Event::Finish { reason, stop_sequence: None }),
        1 => (0u64..100, 0u64..100, 0u64..100).prop_map(|(input, cache_read, output)| {
            Event::Usage(Usage { input, cache_read, cache_write: 0, output, reasoning: None })
        }),
        1 => Just(Event::Ping),
        1 => Just(Event::End),
        1 => Just(Event::Error(ApiError::new(ErrorKind::Overloaded, "busy"))),
    ]
}

fn encode(events: &[Event]) -> String {
    let mut enc = StreamEncoder::new(Arc::new(reply(codex_request())));
    let mut out = BytesMut::new();
    for e in events {
        enc.encode(e, &mut out);
    }
    String::from_utf8(out.to_vec()).unwrap()
}

/// JSON-ish vendor event data: mostly well-shaped R events with random fields, some noise.
fn vendor_event() -> impl Strategy<Value = (Option<String>, String)> {
    let kind = prop::sample::select(vec![
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.output_item.done",
        "response.output_text.delta",
        "response.refusal.delta",
        "response.reasoning_summary_text.delta",
        "response.reasoning_text.delta",
        "response.function_call_arguments.delta",
        "response.custom_tool_call_input.delta",
        "response.completed",
        "response.incomplete",
        "response.failed",
        "error",
        "response.content_part.added",
    ]);
    let item_type = prop::sample::select(vec![
        "reasoning",
        "message",
        "function_call",
        "custom_tool_call",
        "web_search_call",
    ]);
    let shaped = (
        kind,
        item_type,
        prop::option::of("[a-c]"),
        prop::option::of(0u64..3),
        text(),
        any::<bool>(),
    )
        .prop_map(|(kind, item_type, id, index, delta, name_only)| {
            let mut v = json!({
                "type": kind,
                "delta": delta,
                "item": {"type": item_type, "id": id, "call_id": "c", "name": "f", "arguments": delta,
                         "summary": [{"type": "summary_text", "text": delta}], "encrypted_content": "e",
                         "content": [{"type": "output_text", "text": delta}]},
                "response": {"id": "r", "usage": {"input_tokens": 3}, "error": {"code": "server_error"},
                             "output": [{"type": item_type, "call_id": "c", "name": "f"}]},
            });
            if let Some(id) = id {
                v["item_id"] = Value::from(id);
            }
            if let Some(index) = index {
                v["output_index"] = Value::from(index);
                v["summary_index"] = Value::from(index);
            }
            let name = Some(kind.to_owned());
            if name_only {
                if let Some(o) = v.as_object_mut() {
                    o.remove("type");
                }
            }
            (name, v.to_string())
        });
    prop_oneof![
        8 => shaped,
        1 => (prop::option::of("[a-z.]{0,8}"), ".{0,16}"),
        1 => (Just(None), prop::sample::select(vec!["[DONE]", "{}", "null", "[]", "{\"type\":1}", "{\"item\":[]}"]).prop_map(str::to_owned)),
    ]
}

proptest! {
    /// common.md: any canonical sequence gives a well-formed R stream: complete when the
    /// sequence holds End or Error, a well-formed prefix otherwise.
    #[test]
    fn encoder_output_is_always_well_formed(events in prop::collection::vec(event(), 0..40)) {
        let sse = encode(&events);
        let complete = events.iter().any(|e| matches!(e, Event::End | Event::Error(_)));
        let result = check(&sse, complete);
        prop_assert!(result.is_ok(), "{:?}\n{}", result, sse);
    }

    /// Adding End to any sequence always completes the stream.
    #[test]
    fn encoder_output_with_end_is_complete(events in prop::collection::vec(event(), 0..40)) {
        let mut events = events;
        events.push(Event::End);
        let sse = encode(&events);
        let result = is_well_formed(&sse);
        prop_assert!(result.is_ok(), "{:?}\n{}", result, sse);
    }

    /// common.md: the decoder never panics, keeps the canonical contract (Start first, End or
    /// Error last and once), and emits nothing once done.
    #[test]
    fn decoder_survives_anything(input in prop::collection::vec(vendor_event(), 0..30)) {
        let mut d = StreamDecoder::new("openai");
        let mut out = Vec::new();
        for (name, data) in &input {
            let before = out.len();
            let was_done = d.is_done();
            let _ = d.event(name.as_deref(), data, &mut out);
            if was_done {
                prop_assert_eq!(out.len(), before);
            }
        }
        d.end(&mut out);
        let n = out.len();
        d.end(&mut out);
        let _ = d.event(None, "{\"type\":\"response.created\"}", &mut out);
        prop_assert_eq!(out.len(), n);
        prop_assert!(d.is_done());
        let terminal = out.iter().filter(|e| matches!(e, Event::End | Event::Error(_))).count();
        prop_assert_eq!(terminal, 1);
        prop_assert!(matches!(out.last(), Some(Event::End | Event::Error(_))));
        if out.len() > 1 {
            prop_assert!(matches!(out[0], Event::Start { .. }), "{:?}", out);
        }
        // Keys are opened once and their events come between start and stop.
        let mut open = std::collections::HashSet::new();
        let mut seen = std::collections::HashSet::new();
        for e in &out {
            match e {
                Event::BlockStart { key, .. } => {
                    prop_assert!(seen.insert(*key), "key {} reused", key);
                    open.insert(*key);
                }
                Event::Delta { key, .. } => prop_assert!(open.contains(key)),
                Event::BlockStop { key } => prop_assert!(open.remove(key)),
                _ => {}
            }
        }
        // And whatever it decoded, re-encoding it for an R client is well-formed.
        let sse = encode(&out);
        let result = is_well_formed(&sse);
        prop_assert!(result.is_ok(), "{:?}\n{}", result, sse);
    }
}
