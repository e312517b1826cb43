//! A coding agent resends its whole conversation on every turn. 50 turns of a realistic one
//! (a long system prompt and tool list, file reads as tool results, cache markers that move to
//! the newest message) must cost the ledger less than 1.5× the conversation's unique content.

use std::time::Duration;

use weir_ledger::sqlite::SqliteStore;
use weir_ledger::*;

/// Deterministic source-code-like text of about `n` bytes.
fn code(seed: u64, n: usize) -> String {
    const WORDS: &[&str] = &[
        "fn", "let", "mut", "self", "impl", "match", "Some", "None", "Ok", "Err", "return",
        "config", "request", "vendor", "stream", "bytes", "usize", "String", "Vec", "map", "iter",
        "collect", "clone", "into", "await", "async", "pub", "struct", "enum", "use",
    ];
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut out = String::with_capacity(n + 40);
    while out.len() < n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let w = WORDS[(x >> 33) as usize % WORDS.len()];
        out.push_str(w);
        out.push(if (x >> 20) % 7 == 0 { '\n' } else { ' ' });
        if (x >> 40) % 11 == 0 {
            out.push_str(&format!("{}", (x >> 45) % 1000));
        }
    }
    out
}

fn tools() -> serde_json::Value {
    (0..16)
        .map(|i| {
            serde_json::json!({
                "name": format!("Tool{i}"),
                "description": code(1000 + i, 900),
                "input_schema": {"type": "object", "properties": {
                    "path": {"type": "string", "description": code(2000 + i, 200)},
                    "content": {"type": "string"},
                    "limit": {"type": "integer"}
                }, "required": ["path"]}
            })
        })
        .collect()
}

/// The request bodies of `turns` turns and the answers, as an agent would send and get them.
fn conversation(turns: usize) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let system = serde_json::json!([
        {"type": "text", "text": "You are a coding agent."},
        {"type": "text", "text": code(7, 14_000), "cache_control": {"type": "ephemeral"}}
    ]);
    let tools = tools();
    let mut messages: Vec<serde_json::Value> = vec![
        serde_json::json!({"role": "user", "content": [{"type": "text", "text": "Fix the failing test in src/lib.rs"}]}),
    ];
    let mut requests = Vec::new();
    let mut answers = Vec::new();
    for t in 0..turns {
        let mut sent = messages.clone();
        if let Some(last) = sent.last_mut()
            && let Some(blocks) = last["content"].as_array_mut()
            && let Some(block) = blocks.last_mut()
        {
            block["cache_control"] = serde_json::json!({"type": "ephemeral"});
        }
        let body = serde_json::json!({
            "model": "claude-sonnet-4-5",
            "max_tokens": 32000,
            "stream": true,
            "system": system,
            "tools": tools,
            "messages": sent,
            "metadata": {"user_id": "user_abc_account_123_session_456"}
        });
        requests.push(serde_json::to_vec(&body).unwrap());
        let thought = code(10_000 + t as u64, 200 + (t * 37) % 400);
        let id = format!("toolu_{t:04}");
        let answer = format!(
            "event: message_start\ndata: {{\"type\":\"message_start\"}}\n\nevent: content_block_delta\ndata: {}\n\n",
            serde_json::json!({"type": "content_block_delta", "delta": {"text": thought}})
        );
        answers.push(answer.into_bytes());
        messages.push(serde_json::json!({"role": "assistant", "content": [
            {"type": "text", "text": thought},
            {"type": "tool_use", "id": id, "name": "Tool1", "input": {"path": format!("src/file{t}.rs")}}
        ]}));
        messages.push(serde_json::json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": id, "content": code(20_000 + t as u64, 1_000 + (t * 997) % 7_000)}
        ]}));
    }
    (requests, answers)
}

#[test]
fn fifty_resent_turns_cost_less_than_one_and_a_half_times_their_unique_content() {
    let (requests, answers) = conversation(50);
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    let dir = std::env::temp_dir().join(format!("weir-storage-{}", u64::from_le_bytes(b)));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ledger.db");
    let ledger = Ledger::open(
        Box::new(SqliteStore::open(&path).unwrap()),
        None,
        Options {
            checkpoint_interval: Duration::from_secs(3600),
            ..Options::default()
        },
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (i, (req, answer)) in requests.iter().zip(&answers).enumerate() {
        let r = content::split(req);
        let a = content::split_chunks(answer);
        let id = format!("req_{i}");
        let start = Draft {
            at_ms: i as i64,
            exchange: id.clone(),
            event: Event::Start(Box::new(Start {
                request: Content {
                    digest: Some(r.root),
                    bytes: req.len() as u64,
                    stored: true,
                },
                ..Start::default()
            })),
        };
        let finish = Draft {
            at_ms: i as i64,
            exchange: id,
            event: Event::Finish(Box::new(Finish {
                outcome: Outcome::Ok,
                status: 200,
                error: None,
                attempts: vec![Attempt {
                    target: Target::default(),
                    protocol: "anthropic".into(),
                    key: None,
                    result: AttemptResult::Answered,
                    status: Some(200),
                    sent: Content {
                        digest: Some(r.root),
                        bytes: req.len() as u64,
                        stored: true,
                    },
                    received: answer.len() as u64,
                    first_byte_ms: None,
                }],
                response: Content {
                    digest: Some(a.root),
                    bytes: answer.len() as u64,
                    stored: true,
                },
                tokens: None,
                latency: Latency::default(),
                findings: vec![],
                decisions: vec![],
            })),
        };
        runtime
            .block_on(ledger.append(vec![start], r.blocks))
            .unwrap();
        runtime
            .block_on(ledger.append(vec![finish], a.blocks))
            .unwrap();
    }
    ledger.close();
    let mut store = SqliteStore::open(&path).unwrap();
    let stats = store.stats().unwrap();
    // Unique content: the last turn holds the whole conversation; the answers are all new.
    let unique = requests.last().unwrap().len() + answers.iter().map(Vec::len).sum::<usize>();
    let sent: usize = requests.iter().map(Vec::len).sum();
    let stored = stats.block_bytes + stats.entry_bytes;
    let ratio = stored as f64 / unique as f64;
    let file = std::fs::metadata(&path).unwrap().len();
    eprintln!(
        "50 turns: {sent} bytes sent, {unique} unique, {stored} stored ({} in blocks, {} in entries) = {ratio:.2}x unique; SQLite file {file} bytes",
        stats.block_bytes, stats.entry_bytes
    );
    assert!(ratio < 1.5, "stored {ratio:.2}x the unique content");
    // And every turn still replays byte for byte.
    for (i, req) in requests.iter().enumerate() {
        let root = content::split(req).root;
        let back = content::assemble(&root, &mut |h: &Digest| store.block(h)).unwrap();
        assert!(back == *req, "turn {i} replays exactly");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
