//! Tests of the Responses codec, one file per direction, plus property tests. Each test names
//! the protocols.md rule (or common.md / custom.md convention) it checks.

mod grammar;
mod props;
mod request_decode;
mod request_encode;
mod response;
mod stream_decode;
mod stream_encode;

use std::sync::Arc;

use serde_json::{Value, json};

use crate::canonical::{Reply, Request, Tool, ToolKind};

/// The reply context tests answer with: the client called the model `gpt-5-codex`.
fn reply(req: Request) -> Reply {
    Reply::new("gpt-5-codex", Arc::new(req), 1200, 1_700_000_000)
}

/// A request with the tools Codex declares: a function and a custom `apply_patch`.
fn codex_request() -> Request {
    Request {
        model: "gpt-5-codex".into(),
        tools: vec![
            Tool {
                name: "shell".into(),
                description: Some("Runs a command".into()),
                schema: json!({"type": "object", "properties": {"command": {"type": "array"}}}),
                strict: Some(false),
                kind: ToolKind::Function,
                cache: None,
            },
            Tool {
                name: "apply_patch".into(),
                description: Some("Edits files".into()),
                schema: super::request_decode::custom_tool_schema(),
                strict: None,
                kind: ToolKind::Custom {
                    format: Some(
                        json!({"type": "grammar", "syntax": "lark", "definition": "start: x"}),
                    ),
                },
                cache: None,
            },
        ],
        include_encrypted_reasoning: true,
        stream: true,
        ..Request::default()
    }
}

/// `bytes` (compact JSON) re-indented without reordering keys, so snapshots show the order the
/// wire has (a `Value` would sort them).
fn pretty(bytes: &[u8]) -> String {
    let text = std::str::from_utf8(bytes).unwrap();
    serde_json::from_str::<Value>(text).unwrap();
    let mut out = String::new();
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}
