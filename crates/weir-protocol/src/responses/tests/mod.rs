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
    crate::json::indent(text)
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}
