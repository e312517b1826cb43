//! `StreamEncoder`: canonical events → an R client's stream (protocols.md §4.1 R, §4.2 R,
//! §4.3.4, §4.3.5). Every snapshot is also checked with `is_well_formed`.

use std::sync::Arc;

use bytes::BytesMut;
use serde_json::Value;

use super::{codex_request, reply};
use crate::canonical::{Block, Delta, Event, Key, Reply, Signature, StopReason, Usage};
use crate::responses::{StreamEncoder, is_well_formed};
use crate::{ApiError, ErrorKind};

fn encode_with(reply: Reply, events: &[Event]) -> String {
    let mut enc = StreamEncoder::new(Arc::new(reply));
    let mut out = BytesMut::new();
    for e in events {
        enc.encode(e, &mut out);
    }
    String::from_utf8(out.to_vec()).unwrap()
}

/// Encodes for a small Codex-like request (kept small so snapshots stay readable).
fn encode(events: &[Event]) -> String {
    let mut req = codex_request();
    req.tools[0].description = None;
    req.tools[1].description = None;
    req.tools[1].kind = crate::canonical::ToolKind::Custom { format: None };
    encode_with(reply(req), events)
}

fn frames(sse: &str) -> Vec<(String, Value)> {
    let mut framer = crate::sse::Framer::new();
    framer.push(sse.as_bytes());
    let mut out = Vec::new();
    while let Some(f) = framer.next_frame() {
        out.push((
            f.event.unwrap(),
            serde_json::from_str(&f.data.unwrap()).unwrap(),
        ));
    }
    out
}

fn start() -> Event {
    Event::Start {
        id: "msg_01XY".into(),
        usage: Some(Usage {
            input: 12,
            cache_read: 0,
            cache_write: 0,
            output: 1,
            reasoning: None,
        }),
    }
}

fn block(key: Key, block: Block) -> Event {
    Event::BlockStart { key, block }
}

fn delta(key: Key, delta: Delta) -> Event {
    Event::Delta { key, delta }
}

fn stop(key: Key) -> Event {
    Event::BlockStop { key }
}

fn finish(reason: StopReason) -> Event {
    Event::Finish {
        reason,
        stop_sequence: None,
    }
}

fn usage(input: u64, cache_read: u64, output: u64) -> Event {
    Event::Usage(Usage {
        input,
        cache_read,
        cache_write: 0,
        output,
        reasoning: Some(3),
    })
}

fn call(id: &str, name: &str) -> Block {
    Block::ToolCall {
        id: id.into(),
        name: name.into(),
        extras: None,
    }
}

fn checked(sse: String) -> String {
    if let Err(e) = is_well_formed(&sse) {
        panic!("{e}\n{sse}");
    }
    sse
}

// §4.2 R: text → created, in_progress, message item (added, content part, deltas, done events),
// completed with the full output and usage (§3.3).
#[test]
fn text_snapshot() {
    let sse = checked(encode(&[
        start(),
        block(0, Block::Text),
        delta(0, Delta::Text("Hel".into())),
        delta(0, Delta::Text("lo".into())),
        stop(0),
        finish(StopReason::EndTurn),
        usage(12, 0, 5),
        Event::End,
    ]));
    insta::assert_snapshot!("stream_text", sse);
}

// §4.3.4: thinking → a reasoning item with summary events; the signature as tagged
// encrypted_content because the client asked for it; then text.
#[test]
fn reasoning_and_text_snapshot() {
    let sse = checked(encode(&[
        start(),
        block(0, Block::Reasoning { item_id: None }),
        delta(0, Delta::Reasoning("Think".into())),
        delta(0, Delta::Reasoning("ing".into())),
        delta(
            0,
            Delta::Signature(Signature::from_vendor("anthropic", "EqQB")),
        ),
        stop(0),
        block(1, Block::Text),
        delta(1, Delta::Text("Done.".into())),
        stop(1),
        finish(StopReason::EndTurn),
        usage(10, 90, 7),
        Event::End,
    ]));
    insta::assert_snapshot!("stream_reasoning_text", sse);
    let last = frames(&sse).pop().unwrap().1;
    let enc = last["response"]["output"][0]["encrypted_content"]
        .as_str()
        .unwrap();
    assert_eq!(
        Signature::parse(enc),
        Signature::from_vendor("anthropic", "EqQB")
    );
}

// §4.3.5/§4.6 #1: parallel calls with interleaved fragments become separate items, open at
// once, each delta naming its own item; a call to the client's custom tool is buffered and
// written whole as a custom_tool_call with the unwrapped input (custom.md).
#[test]
fn parallel_tool_calls_snapshot() {
    let sse = checked(encode(&[
        start(),
        block(3, call("call_a", "shell")),
        block(5, call("call_b", "shell")),
        block(7, call("call_c", "apply_patch")),
        delta(3, Delta::Arguments("{\"command\":".into())),
        delta(5, Delta::Arguments("{\"command\":[\"pwd\"]}".into())),
        delta(7, Delta::Arguments("{\"input\":\"*** Begin".into())),
        delta(3, Delta::Arguments("[\"ls\"]}".into())),
        delta(7, Delta::Arguments(" Patch\"}".into())),
        stop(5),
        stop(3),
        stop(7),
        finish(StopReason::ToolUse),
        usage(30, 0, 12),
        Event::End,
    ]));
    insta::assert_snapshot!("stream_parallel_tool_calls", sse);
    let f = frames(&sse);
    let done: Vec<&Value> = f
        .iter()
        .filter(|(e, _)| e == "response.output_item.done")
        .map(|(_, v)| &v["item"])
        .collect();
    assert_eq!(done[0]["arguments"], "{\"command\":[\"pwd\"]}");
    assert_eq!(done[1]["arguments"], "{\"command\":[\"ls\"]}");
    assert_eq!(done[2]["type"], "custom_tool_call");
    assert_eq!(done[2]["input"], "*** Begin Patch");
}

// §4.3.4: stop reason and usage are remembered until End; the usage after Finish is the one
// reported; a max-tokens stop is response.incomplete.
#[test]
fn usage_after_finish_snapshot() {
    let sse = checked(encode(&[
        start(),
        block(0, Block::Text),
        delta(0, Delta::Text("Trunc".into())),
        finish(StopReason::MaxTokens),
        usage(1, 2, 3),
        Event::Ping,
        usage(100, 20, 64),
        Event::End,
    ]));
    insta::assert_snapshot!("stream_usage_after_finish", sse);
    // §4.1: the vendor's keep-alive reaches Codex as a repeated response.in_progress.
    let in_progress = frames(&sse)
        .iter()
        .filter(|(e, _)| e == "response.in_progress")
        .count();
    assert_eq!(in_progress, 2);
    let (event, last) = frames(&sse).pop().unwrap();
    assert_eq!(event, "response.incomplete");
    assert_eq!(
        last["response"]["incomplete_details"]["reason"],
        "max_output_tokens"
    );
    assert_eq!(last["response"]["usage"]["input_tokens"], 120);
    assert_eq!(last["response"]["usage"]["total_tokens"], 184);
}

// §5.3 R: a mid-stream error is error + response.failed with the next sequence numbers and the
// stream's id and model; nothing follows.
#[test]
fn mid_stream_error_snapshot() {
    let error = ApiError::new(ErrorKind::RateLimited, "Slow down.")
        .with_retry_after(std::time::Duration::from_secs(3));
    let sse = checked(encode(&[
        start(),
        block(0, Block::Text),
        delta(0, Delta::Text("Par".into())),
        Event::Error(error),
        delta(0, Delta::Text("tial".into())),
        Event::End,
    ]));
    insta::assert_snapshot!("stream_mid_stream_error", sse);
    let f = frames(&sse);
    let (event, last) = f.last().unwrap();
    assert_eq!(event, "response.failed");
    assert_eq!(last["response"]["id"], "resp_msg01XY");
    assert_eq!(last["response"]["error"]["code"], "rate_limit_exceeded");
    assert!(!sse.contains("tial"));
}

// §4.3.5 "do not reserve index 0 for a message that may never come": an empty text block adds
// no item, so the call that follows is output_index 0; redacted reasoning adds nothing either.
#[test]
fn empty_blocks_add_no_items() {
    let sse = checked(encode(&[
        start(),
        block(0, Block::Text),
        stop(0),
        block(
            1,
            Block::RedactedReasoning {
                data: "blob".into(),
            },
        ),
        stop(1),
        block(2, call("c", "shell")),
        stop(2),
        Event::End,
    ]));
    let f = frames(&sse);
    let added: Vec<&Value> = f
        .iter()
        .filter(|(e, _)| e == "response.output_item.added")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["output_index"], 0);
    assert_eq!(added[0]["item"]["type"], "function_call");
    // No Finish: completed; no usage from the vendor: the start usage.
    let last = &f.last().unwrap().1;
    assert_eq!(last["response"]["status"], "completed");
    assert_eq!(last["response"]["usage"]["input_tokens"], 12);
}

// common.md contract: a stream without Start still starts with response.created (from a
// stable id), Finish/Usage write nothing and neither does a Ping before the start, End closes
// open items, nothing follows End.
#[test]
fn contract_edges() {
    let sse = checked(encode(&[
        finish(StopReason::EndTurn),
        Event::Ping,
        block(
            0,
            Block::Reasoning {
                item_id: Some("rs_vendor".into()),
            },
        ),
        delta(9, Delta::Text("unknown key".into())),
        delta(0, Delta::Text("wrong kind".into())),
        Event::End,
        Event::Start {
            id: "late".into(),
            usage: None,
        },
        Event::End,
    ]));
    let f = frames(&sse);
    assert_eq!(f[0].1["response"]["id"], "resp_weir");
    assert_eq!(
        f.iter().filter(|(e, _)| e == "response.completed").count(),
        1
    );
    assert_eq!(f.last().unwrap().0, "response.completed");
    assert!(!sse.contains("unknown key") && !sse.contains("wrong kind") && !sse.contains("late"));
    // The usage estimate stands in when nobody reported input.
    assert_eq!(
        f.last().unwrap().1["response"]["usage"]["input_tokens"],
        1200
    );
    // Nothing at all before Ping.
    assert_eq!(encode(&[Event::Ping, usage(1, 1, 1)]), "");
}

// §4.3.4: reasoning without the client asking for encrypted content has none; long tool names
// are restored for the client.
#[test]
fn encrypted_content_and_tool_names() {
    let long = format!("mcp__srv__{}", "n".repeat(80));
    let mut req = codex_request();
    req.include_encrypted_reasoning = false;
    req.tools[0].name = long.clone();
    let sse = checked(encode_with(
        reply(req),
        &[
            start(),
            block(0, Block::Reasoning { item_id: None }),
            delta(
                0,
                Delta::Signature(Signature::from_vendor("openai", "gAAA")),
            ),
            stop(0),
            block(1, call("c", &crate::canonical::vendor_tool_name(&long))),
            Event::End,
        ],
    ));
    assert!(!sse.contains("encrypted_content"));
    let f = frames(&sse);
    let done = f
        .iter()
        .find(|(e, v)| e == "response.output_item.done" && v["output_index"] == 1)
        .unwrap();
    assert_eq!(done.1["item"]["name"], long.as_str());
}
