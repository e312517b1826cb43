use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::ErrorKind;
use crate::anthropic::is_well_formed;
use crate::canonical::{Request, Tool, ToolKind, vendor_tool_name};

fn reply() -> Arc<Reply> {
    Arc::new(Reply::new(
        "claude-sonnet-4-5",
        Arc::new(Request::default()),
        1234,
        1_700_000_000,
    ))
}

fn encode_with(reply: Arc<Reply>, events: &[Event]) -> String {
    let mut enc = StreamEncoder::new(reply);
    let mut out = BytesMut::new();
    for e in events {
        enc.encode(e, &mut out);
    }
    String::from_utf8(out.to_vec()).unwrap()
}

fn encode(events: &[Event]) -> String {
    encode_with(reply(), events)
}

fn frames(sse: &str) -> Vec<(String, Value)> {
    sse.split("\n\n")
        .filter(|f| !f.is_empty())
        .map(|f| {
            let mut lines = f.lines();
            let event = lines.next().unwrap().strip_prefix("event: ").unwrap();
            let data = lines.next().unwrap().strip_prefix("data: ").unwrap();
            (event.to_owned(), serde_json::from_str(data).unwrap())
        })
        .collect()
}

fn start(id: &str) -> Event {
    Event::Start {
        id: id.into(),
        usage: None,
    }
}

fn bstart(key: Key, block: Block) -> Event {
    Event::BlockStart { key, block }
}

fn text(key: Key, t: &str) -> Event {
    Event::Delta {
        key,
        delta: Delta::Text(t.into()),
    }
}

fn think(key: Key, t: &str) -> Event {
    Event::Delta {
        key,
        delta: Delta::Reasoning(t.into()),
    }
}

fn args(key: Key, t: &str) -> Event {
    Event::Delta {
        key,
        delta: Delta::Arguments(t.into()),
    }
}

fn bstop(key: Key) -> Event {
    Event::BlockStop { key }
}

fn tool(id: &str, name: &str) -> Block {
    Block::ToolCall {
        id: id.into(),
        name: name.into(),
        extras: None,
    }
}

fn finish(reason: StopReason) -> Event {
    Event::Finish {
        reason,
        stop_sequence: None,
    }
}

fn usage(input: u64, output: u64) -> Event {
    Event::Usage(Usage {
        input,
        output,
        ..Usage::default()
    })
}

fn check(sse: &str) {
    if let Err(e) = is_well_formed(sse) {
        panic!("{e}\n{sse}");
    }
}

#[test]
fn text_stream_snapshot() {
    let sse = encode(&[
        start("msg_01XYZ"),
        bstart(0, Block::Text),
        text(0, ""),
        text(0, "Hello"),
        Event::Ping,
        text(0, ", world"),
        bstop(0),
        finish(StopReason::EndTurn),
        usage(20, 5),
        Event::End,
    ]);
    check(&sse);
    insta::assert_snapshot!("stream_text", sse);
}

#[test]
fn reasoning_then_text_snapshot() {
    let sse = encode(&[
        start("chatcmpl-abc123"),
        bstart(0, Block::Reasoning { item_id: None }),
        think(0, "The user greets me."),
        Event::Delta {
            key: 0,
            delta: Delta::Signature(Signature::from_vendor("deepseek", "ds-sig")),
        },
        bstop(0),
        bstart(1, Block::Text),
        text(1, "Hi!"),
        bstop(1),
        finish(StopReason::EndTurn),
        usage(10, 30),
        Event::End,
    ]);
    check(&sse);
    insta::assert_snapshot!("stream_reasoning_text", sse);
}

#[test]
fn parallel_tool_calls_snapshot() {
    // Classic bugs #1/#2: interleaved fragments are routed to their own call, not the open one.
    let sse = encode(&[
        start("chatcmpl-par"),
        bstart(0, Block::Text),
        text(0, "Checking both."),
        bstart(1, tool("call_a", "get_weather")),
        args(1, "{\"city\":"),
        bstart(2, tool("functions.get_time:1", "get_time")),
        args(2, "{\"tz\":"),
        args(1, "\"Paris\"}"),
        args(2, "\"CET\"}"),
        bstop(0),
        bstop(1),
        bstop(2),
        finish(StopReason::ToolUse),
        usage(50, 40),
        Event::End,
    ]);
    check(&sse);
    insta::assert_snapshot!("stream_parallel_tools", sse);
}

#[test]
fn usage_after_finish_snapshot() {
    // Classic bug #7: message_delta waits for the usage that follows the finish reason; a
    // tool call with end_turn reads as tool_use.
    let sse = encode(&[
        start("resp_1"),
        bstart(0, tool("call_1", "Read")),
        args(0, "{\"path\":\"a\"}"),
        bstop(0),
        finish(StopReason::EndTurn),
        Event::Usage(Usage {
            input: 5,
            cache_read: 1000,
            cache_write: 20,
            output: 12,
            reasoning: None,
        }),
        Event::End,
    ]);
    check(&sse);
    let f = frames(&sse);
    let (name, delta) = &f[f.len() - 2];
    assert_eq!(name, "message_delta");
    assert_eq!(delta["delta"]["stop_reason"], "tool_use");
    assert_eq!(
        delta["usage"],
        json!({"input_tokens": 5, "cache_creation_input_tokens": 20,
               "cache_read_input_tokens": 1000, "output_tokens": 12})
    );
    insta::assert_snapshot!("stream_usage_after_finish", sse);
}

#[test]
fn mid_stream_error_snapshot() {
    // §5.3: the error event ends the stream; nothing is closed, nothing follows.
    let sse = encode(&[
        start("msg_err"),
        bstart(0, Block::Text),
        text(0, "partial"),
        Event::Error(ApiError::new(ErrorKind::Overloaded, "Overloaded")),
        text(0, "more"),
        Event::End,
    ]);
    check(&sse);
    let f = frames(&sse);
    assert_eq!(f.last().unwrap().0, "error");
    assert!(!sse.contains("content_block_stop"));
    insta::assert_snapshot!("stream_error", sse);
}

#[test]
fn message_start_usage_uses_the_vendor_counts_or_the_estimate() {
    // §3.3/§4.5 and classic bug #9.
    let sse = encode(&[
        Event::Start {
            id: "msg_1".into(),
            usage: Some(Usage {
                input: 3,
                cache_read: 7,
                cache_write: 0,
                output: 1,
                reasoning: None,
            }),
        },
        Event::End,
    ]);
    let f = frames(&sse);
    assert_eq!(
        f[0].1["message"]["usage"],
        json!({"input_tokens": 3, "cache_creation_input_tokens": 0,
               "cache_read_input_tokens": 7, "output_tokens": 0})
    );
    // At End without a Usage event the start counts stand, never zeros.
    assert_eq!(f[1].1["usage"]["cache_read_input_tokens"], 7);
    let sse = encode(&[start("x"), usage(0, 9), Event::End]);
    let f = frames(&sse);
    assert_eq!(f[0].1["message"]["usage"]["input_tokens"], 1234);
    assert_eq!(f[1].1["usage"]["input_tokens"], 1234);
    assert_eq!(f[1].1["usage"]["output_tokens"], 9);
    assert_eq!(f[0].1["message"]["model"], "claude-sonnet-4-5");
    assert_eq!(f[0].1["message"]["id"], "msg_x");
}

#[test]
fn no_empty_text_blocks_and_lazy_opening() {
    // Classic bug #6.
    let sse = encode(&[
        start("m"),
        bstart(0, Block::Text),
        text(0, ""),
        bstop(0),
        bstart(1, Block::Reasoning { item_id: None }),
        bstop(1),
        Event::End,
    ]);
    check(&sse);
    assert!(!sse.contains("content_block_start"), "{sse}");
    assert!(sse.contains("\"stop_reason\":\"end_turn\""));
}

#[test]
fn interleaved_text_and_reasoning_switch_blocks() {
    let sse = encode(&[
        start("m"),
        bstart(0, Block::Reasoning { item_id: None }),
        bstart(1, Block::Text),
        think(0, "a"),
        text(1, "b"),
        think(0, "c"),
        bstop(0),
        bstop(1),
        Event::End,
    ]);
    check(&sse);
    let kinds: Vec<String> = frames(&sse)
        .iter()
        .filter(|(n, _)| n == "content_block_start")
        .map(|(_, d)| d["content_block"]["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["thinking", "text", "thinking"]);
}

#[test]
fn redacted_reasoning_and_names_restored() {
    let long = format!("mcp__server__{}", "y".repeat(70));
    let req = Request {
        tools: vec![Tool {
            name: long.clone(),
            description: None,
            schema: json!({"type": "object"}),
            strict: None,
            kind: ToolKind::Function,
            cache: None,
        }],
        ..Request::default()
    };
    let reply = Arc::new(Reply::new("m", Arc::new(req), 0, 0));
    let sse = encode_with(
        reply,
        &[
            start("m"),
            bstart(
                0,
                Block::RedactedReasoning {
                    data: "blob".into(),
                },
            ),
            bstart(1, tool("functions.x:0", &vendor_tool_name(&long))),
            bstop(1),
            Event::End,
        ],
    );
    check(&sse);
    let f = frames(&sse);
    assert_eq!(
        f[1].1["content_block"],
        json!({"type": "redacted_thinking", "data": "blob"})
    );
    assert_eq!(f[2].0, "content_block_stop");
    assert_eq!(f[3].1["content_block"]["name"], long.as_str());
    assert_eq!(f[3].1["content_block"]["id"], "functions_x_0");
    assert_eq!(f[3].1["content_block"]["input"], json!({}));
}

#[test]
fn end_without_finish_and_finish_details() {
    // §4.3.1: stop_sequence echoed only with stop_sequence.
    let sse = encode(&[
        start("m"),
        Event::Finish {
            reason: StopReason::StopSequence,
            stop_sequence: Some("END".into()),
        },
        Event::End,
    ]);
    check(&sse);
    let f = frames(&sse);
    assert_eq!(
        f[1].1["delta"],
        json!({"stop_reason": "stop_sequence", "stop_sequence": "END"})
    );
    // Nothing at all still makes a valid stream.
    check(&encode(&[Event::End]));
    check(&encode(&[Event::Error(ApiError::new(
        ErrorKind::RateLimited,
        "slow down",
    ))]));
}

/// Arbitrary canonical events over a small key range.
fn event() -> impl Strategy<Value = Event> {
    let key = 0u32..4;
    let s = "[a-z\"{}]{0,3}";
    let block = prop_oneof![
        Just(Block::Text),
        Just(Block::Reasoning { item_id: None }),
        s.prop_map(|data| Block::RedactedReasoning { data }),
        (s, s).prop_map(|(id, name)| Block::ToolCall {
            id,
            name,
            extras: None
        }),
    ];
    let delta = prop_oneof![
        s.prop_map(Delta::Text),
        s.prop_map(Delta::Reasoning),
        s.prop_map(Delta::Arguments),
        s.prop_map(|v| Delta::Signature(Signature::from_vendor("v", v))),
    ];
    let reason = prop::sample::select(vec![
        StopReason::EndTurn,
        StopReason::MaxTokens,
        StopReason::StopSequence,
        StopReason::ToolUse,
        StopReason::Refusal,
        StopReason::PauseTurn,
        StopReason::ContextWindow,
    ]);
    prop_oneof![
        1 => "[a-z_]{0,4}".prop_map(|id| Event::Start { id, usage: None }),
        3 => (key.clone(), block).prop_map(|(key, block)| Event::BlockStart { key, block }),
        6 => (key.clone(), delta).prop_map(|(key, delta)| Event::Delta { key, delta }),
        3 => key.prop_map(|key| Event::BlockStop { key }),
        1 => (reason, prop::option::of(s)).prop_map(|(reason, stop_sequence)| Event::Finish {
            reason,
            stop_sequence
        }),
        1 => (0u64..3, 0u64..3).prop_map(|(i, o)| Event::Usage(Usage {
            input: i,
            output: o,
            ..Usage::default()
        })),
        1 => Just(Event::Ping),
        1 => Just(Event::End),
        1 => Just(Event::Error(ApiError::new(ErrorKind::Internal, "boom"))),
    ]
}

/// Per tool id, the concatenated `input_json_delta`s; and whether any text block was empty.
fn reassemble(sse: &str) -> (HashMap<String, String>, bool) {
    let mut by_index: HashMap<u64, (String, String)> = HashMap::new();
    let mut text_len: HashMap<u64, usize> = HashMap::new();
    let mut empty_text = false;
    for (name, d) in frames(sse) {
        let index = d["index"].as_u64().unwrap_or(0);
        match name.as_str() {
            "content_block_start" if d["content_block"]["type"] == "tool_use" => {
                let id = d["content_block"]["id"].as_str().unwrap().to_owned();
                by_index.insert(index, (id, String::new()));
            }
            "content_block_start" if d["content_block"]["type"] == "text" => {
                text_len.insert(index, 0);
            }
            "content_block_delta" => {
                if let Some(p) = d["delta"]["partial_json"].as_str() {
                    by_index.get_mut(&index).unwrap().1.push_str(p);
                }
                if let Some(t) = d["delta"]["text"].as_str() {
                    *text_len.get_mut(&index).unwrap() += t.len();
                }
            }
            "content_block_stop" if text_len.get(&index) == Some(&0) => empty_text = true,
            _ => {}
        }
    }
    (by_index.into_values().collect(), empty_text)
}

proptest! {
    #[test]
    fn any_event_sequence_gives_a_well_formed_stream(
        events in prop::collection::vec(event(), 0..40)
    ) {
        let mut enc = StreamEncoder::new(reply());
        let mut out = BytesMut::new();
        for e in &events {
            enc.encode(e, &mut out);
        }
        // The gateway always ends a stream; after End/Error nothing more is written.
        enc.encode(&Event::End, &mut out);
        let len = out.len();
        enc.encode(&Event::Ping, &mut out);
        enc.encode(&Event::End, &mut out);
        prop_assert_eq!(out.len(), len);
        let sse = String::from_utf8(out.to_vec()).unwrap();
        if let Err(e) = is_well_formed(&sse) {
            prop_assert!(false, "{}\n{}", e, sse);
        }
        let (_, empty_text) = reassemble(&sse);
        prop_assert!(!empty_text, "empty text block\n{}", sse);
    }

    #[test]
    fn interleaved_tool_arguments_reach_their_own_call(
        calls in prop::collection::vec(prop::collection::vec("[a-z0-9{}\":]{1,4}", 0..4), 1..4),
        order in prop::collection::vec(0usize..4, 0..24),
        text_first in any::<bool>(),
    ) {
        // Build a contract-respecting stream: all calls start, fragments interleave in the
        // order given, then all stop.
        let mut events = vec![start("m")];
        if text_first {
            events.push(bstart(9, Block::Text));
            events.push(text(9, "hi"));
        }
        for (k, _) in calls.iter().enumerate() {
            events.push(bstart(k as Key, tool(&format!("call_{k}"), "f")));
        }
        let mut next: Vec<usize> = vec![0; calls.len()];
        for o in order.iter().copied().chain(0..calls.len() * 4) {
            let k = o % calls.len();
            if let Some(fragment) = calls[k].get(next[k]) {
                events.push(args(k as Key, fragment));
                next[k] += 1;
            }
        }
        for (k, _) in calls.iter().enumerate() {
            // Fragments never sent yet go out before the stop.
            for fragment in &calls[k][next[k]..] {
                events.push(args(k as Key, fragment));
            }
            events.push(bstop(k as Key));
        }
        events.push(Event::End);
        let sse = encode(&events);
        if let Err(e) = is_well_formed(&sse) {
            prop_assert!(false, "{}\n{}", e, sse);
        }
        let (by_id, _) = reassemble(&sse);
        prop_assert_eq!(by_id.len(), calls.len());
        for (k, fragments) in calls.iter().enumerate() {
            prop_assert_eq!(&by_id[&format!("call_{k}")], &fragments.concat());
        }
        let f = frames(&sse);
        prop_assert_eq!(&f[f.len() - 2].1["delta"]["stop_reason"], "tool_use");
    }
}

#[test]
fn content_arriving_while_a_tool_call_is_open_waits_for_it() {
    // §4.3.1: one open block at a time; interleaved content is buffered and written after the
    // open tool call stops, in first-seen order; a buffered call still running becomes open.
    let sse = encode(&[
        start("m"),
        bstart(0, tool("call_a", "A")),
        bstart(1, Block::Text),
        text(1, "note"),
        bstart(2, tool("call_b", "B")),
        args(2, "{\"b\":"),
        args(0, "{\"a\":1}"),
        bstop(0),
        args(2, "2}"),
        text(1, " more"),
        bstop(2),
        bstop(1),
        Event::End,
    ]);
    check(&sse);
    let summary: Vec<String> = frames(&sse)
        .iter()
        .filter_map(|(name, d)| match name.as_str() {
            "content_block_start" => Some(format!(
                "start {} {}",
                d["index"],
                d["content_block"]["type"].as_str().unwrap()
            )),
            "content_block_delta" => Some(format!(
                "delta {} {}",
                d["index"],
                d["delta"]["text"]
                    .as_str()
                    .or(d["delta"]["partial_json"].as_str())
                    .unwrap()
            )),
            "content_block_stop" => Some(format!("stop {}", d["index"])),
            _ => None,
        })
        .collect();
    assert_eq!(
        summary,
        [
            "start 0 tool_use",
            "delta 0 {\"a\":1}",
            "stop 0",
            // The text seen first is flushed first; the running call B then becomes open.
            "start 1 text",
            "delta 1 note",
            "stop 1",
            "start 2 tool_use",
            "delta 2 {\"b\":",
            "delta 2 2}",
            "stop 2",
            // Text that continued while B was open follows it as a new block.
            "start 3 text",
            "delta 3  more",
            "stop 3",
        ]
    );
}

#[test]
fn a_vendor_stream_survives_decoding_and_encoding() {
    // A upstream → A client through the canonical events: same text, same arguments, same
    // stop reason, signature re-tagged for the client.
    use crate::anthropic::StreamDecoder;
    let vendor = [
        json!({"type": "message_start", "message": {"id": "msg_v", "type": "message",
            "role": "assistant", "model": "glm", "content": [],
            "usage": {"input_tokens": 40, "output_tokens": 1}}}),
        json!({"type": "content_block_start", "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
        json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "plan"}}),
        json!({"type": "content_block_delta", "index": 0,
            "delta": {"type": "signature_delta", "signature": "g1"}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "content_block_start", "index": 1,
            "content_block": {"type": "tool_use", "id": "toolu_9", "name": "Bash", "input": {}}}),
        json!({"type": "content_block_delta", "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": "{\"cmd\":\"ls\"}"}}),
        json!({"type": "content_block_stop", "index": 1}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"},
            "usage": {"output_tokens": 9}}),
        json!({"type": "message_stop"}),
    ];
    let mut decoder = StreamDecoder::new("glm");
    let mut events = Vec::new();
    for v in &vendor {
        decoder
            .event(v["type"].as_str(), &v.to_string(), &mut events)
            .unwrap();
    }
    decoder.end(&mut events);
    let sse = encode(&events);
    check(&sse);
    let f = frames(&sse);
    assert_eq!(f[0].1["message"]["id"], "msg_v");
    assert_eq!(f[0].1["message"]["usage"]["input_tokens"], 40);
    assert_eq!(
        f[3].1["delta"]["signature"],
        Signature::from_vendor("glm", "g1").to_client()
    );
    assert_eq!(f[6].1["delta"]["partial_json"], "{\"cmd\":\"ls\"}");
    assert_eq!(f[8].1["delta"]["stop_reason"], "tool_use");
    assert_eq!(f[8].1["usage"]["input_tokens"], 40);
    assert_eq!(f[8].1["usage"]["output_tokens"], 9);
}
