//! Translation cost, without a network: per request (the client's request decoded and encoded
//! for the vendor, the vendor's answer decoded and encoded for the client) and per streamed
//! event, for each of the six cross-protocol pairs.
//!
//! Run with `cargo bench -p weir-protocol --bench translate` (release build). The streams are
//! made by weir's own encoders from one canonical answer (reasoning, text and two tool calls in
//! many small deltas), so each vendor protocol carries the same content.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use weir_protocol::Protocol;
use weir_protocol::canonical::{
    Block, Delta, Event, Message, Part, Profile, Reply, Request, Response, Role, StopReason, Tool,
    ToolCall, ToolKind, ToolResult, Usage,
};
use weir_protocol::translate::{self, StreamTranslator};

/// A Claude Code-like request: a system prompt, tools, and a history of tool calls and results
/// grown until its Anthropic encoding reaches about `bytes` bytes.
fn request(bytes: usize) -> Request {
    let tools = ["Read", "Write", "Edit", "Bash", "Grep", "Glob"]
        .iter()
        .map(|name| Tool {
            name: (*name).into(),
            description: Some(format!("{name} a file or run a command in the workspace.")),
            schema: serde_json::json!({"type": "object", "properties": {"file_path": {"type": "string"}, "content": {"type": "string"}}, "required": ["file_path"]}),
            strict: None,
            kind: ToolKind::Function,
            cache: None,
        })
        .collect();
    let mut req = Request {
        model: "bench-model".into(),
        system: vec![Part::text("You are a coding agent. Be careful and brief.")],
        tools,
        max_tokens: Some(4096),
        stream: true,
        ..Request::default()
    };
    req.messages.push(Message {
        role: Role::User,
        parts: vec![Part::text("Fix the failing test in src/lib.rs.")],
    });
    let code = "fn add(a: i32, b: i32) -> i32 { a + b } // keep it simple\n";
    let mut turn = 0;
    while translate::encode_request(Protocol::Anthropic, &req, &req.model, &Profile::named("x"))
        .map(|b| b.len())
        .unwrap_or(0)
        < bytes
    {
        let id = format!("toolu_{turn:04}");
        req.messages.push(Message {
            role: Role::Assistant,
            parts: vec![
                Part::text("Let me read it."),
                Part::ToolCall(ToolCall {
                    id: id.clone(),
                    name: "Read".into(),
                    arguments: format!("{{\"file_path\":\"src/f{turn}.rs\"}}"),
                    kind: ToolKind::Function,
                    item_id: None,
                    extras: None,
                }),
            ],
        });
        req.messages.push(Message {
            role: Role::User,
            parts: vec![Part::ToolResult(ToolResult {
                call_id: id,
                content: vec![Part::text(code.repeat(8))],
                is_error: false,
                cache: None,
            })],
        });
        turn += 1;
    }
    req
}

fn answer() -> Response {
    Response {
        id: "msg_bench".into(),
        model: "bench-model".into(),
        content: vec![
            Part::text("I will read both files."),
            Part::ToolCall(ToolCall {
                id: "call_1".into(),
                name: "Read".into(),
                arguments: "{\"file_path\":\"src/a.rs\"}".into(),
                kind: ToolKind::Function,
                item_id: None,
                extras: None,
            }),
        ],
        stop: StopReason::ToolUse,
        stop_sequence: None,
        usage: Usage {
            input: 1200,
            output: 40,
            ..Usage::default()
        },
    }
}

/// A canonical answer in about `deltas` small pieces: reasoning, text, and two tool calls.
fn stream_events(deltas: usize) -> Vec<Event> {
    let mut e = vec![Event::Start {
        id: "msg_bench".into(),
        usage: None,
    }];
    e.push(Event::BlockStart {
        key: 0,
        block: Block::Reasoning { item_id: None },
    });
    for i in 0..deltas / 4 {
        e.push(Event::Delta {
            key: 0,
            delta: Delta::Reasoning(format!("step {i} ")),
        });
    }
    e.push(Event::BlockStop { key: 0 });
    e.push(Event::BlockStart {
        key: 1,
        block: Block::Text,
    });
    for i in 0..deltas / 2 {
        e.push(Event::Delta {
            key: 1,
            delta: Delta::Text(format!("word{i} ")),
        });
    }
    e.push(Event::BlockStop { key: 1 });
    for (key, id) in [(2, "call_a"), (3, "call_b")] {
        e.push(Event::BlockStart {
            key,
            block: Block::ToolCall {
                id: id.into(),
                name: "Read".into(),
                extras: None,
            },
        });
        e.push(Event::Delta {
            key,
            delta: Delta::Arguments("{\"file_path\":".into()),
        });
        for _ in 0..deltas / 8 {
            e.push(Event::Delta {
                key,
                delta: Delta::Arguments(" ".into()),
            });
        }
        e.push(Event::Delta {
            key,
            delta: Delta::Arguments("\"src/a.rs\"}".into()),
        });
        e.push(Event::BlockStop { key });
    }
    e.push(Event::Finish {
        reason: StopReason::ToolUse,
        stop_sequence: None,
    });
    e.push(Event::Usage(Usage {
        input: 1000,
        output: 200,
        ..Usage::default()
    }));
    e.push(Event::End);
    e
}

fn reply(req: &Request) -> Arc<Reply> {
    Arc::new(Reply::new(
        "bench-model",
        Arc::new(req.clone()),
        1000,
        1_700_000_000,
    ))
}

/// Runs `f` repeatedly for about `budget` and returns the median time of one run.
fn time(budget: Duration, mut f: impl FnMut()) -> Duration {
    f();
    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || samples.len() < 5 {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
    }
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn short(p: Protocol) -> &'static str {
    match p {
        Protocol::Anthropic => "A",
        Protocol::OpenAiChat => "C",
        Protocol::OpenAiResponses => "R",
    }
}

fn main() {
    let budget = Duration::from_millis(400);
    let profile = Profile::named("bench");
    let pairs: Vec<(Protocol, Protocol)> = Protocol::ALL
        .into_iter()
        .flat_map(|c| Protocol::ALL.into_iter().map(move |v| (c, v)))
        .filter(|(c, v)| c != v)
        .collect();
    let events = stream_events(400);
    println!("translation cost (median), client → vendor");
    println!(
        "{:<8} {:>14} {:>15} {:>14} {:>17}",
        "pair", "request 1 KB", "request 200 KB", "answer", "per stream event"
    );
    for (client, vendor) in pairs {
        let mut cells = Vec::new();
        for size in [1024, 200 * 1024] {
            let canonical = request(size);
            let body = translate::encode_request(client, &canonical, &canonical.model, &profile)
                .expect("encodes");
            cells.push(time(budget, || {
                let req = translate::decode_request(client, black_box(&body)).expect("decodes");
                black_box(
                    translate::encode_request(vendor, &req, &req.model, &profile).expect("encodes"),
                );
            }));
        }
        let canonical = request(1024);
        let r = reply(&canonical);
        let vendor_body = translate::encode_response(vendor, &answer(), &r);
        cells.push(time(budget, || {
            let a = translate::decode_response(vendor, black_box(&vendor_body), "bench")
                .expect("decodes");
            black_box(translate::encode_response(client, &a, &r));
        }));
        let upstream = translate::encode_stream(vendor, Arc::clone(&r), &events);
        let per_stream = time(budget, || {
            let mut t = StreamTranslator::new(vendor, client, "bench", Arc::clone(&r));
            let mut out = BytesMut::new();
            t.feed(black_box(&upstream), &mut out).expect("well-formed");
            t.finish(&mut out).expect("well-formed");
            black_box(out);
        });
        let per_event = per_stream / events.len() as u32;
        println!(
            "{:<8} {:>11.1} µs {:>12.1} µs {:>11.1} µs {:>14.2} µs",
            format!("{} → {}", short(client), short(vendor)),
            cells[0].as_secs_f64() * 1e6,
            cells[1].as_secs_f64() * 1e6,
            cells[2].as_secs_f64() * 1e6,
            per_event.as_secs_f64() * 1e6,
        );
    }
}
