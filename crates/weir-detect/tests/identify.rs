//! Client identification, table-driven: the headers (and where it matters the URL and body)
//! each tool and SDK sends, and the tool, version and session id they must be read as.

use weir_detect::Request;
use weir_detect::identify::{Clients, identify};

struct Case {
    what: &'static str,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    tool: &'static str,
    version: Option<&'static str>,
    session: Option<&'static str>,
}

const STAINLESS_JS: [(&str, &str); 5] = [
    ("x-stainless-lang", "js"),
    ("x-stainless-os", "Linux"),
    ("x-stainless-arch", "x64"),
    ("x-stainless-runtime", "node"),
    ("x-stainless-runtime-version", "v22.17.0"),
];

fn request(case: &Case) -> Request {
    Request {
        method: "POST".into(),
        path: case.path.into(),
        headers: case
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: case.body.as_bytes().to_vec(),
    }
}

const CASES: &[Case] = &[
    Case {
        what: "Claude Code with its session header",
        path: "/v1/messages?beta=true",
        headers: &[
            ("user-agent", "claude-cli/2.1.329 (external, sdk-cli)"),
            ("x-app", "cli"),
            ("anthropic-version", "2023-06-01"),
            (
                "anthropic-beta",
                "claude-code-20250219,interleaved-thinking-2025-05-14",
            ),
            (
                "x-claude-code-session-id",
                "2ea7933a-0513-4f0d-afa9-66dcde4b2165",
            ),
            ("x-stainless-lang", "js"),
            ("x-stainless-package-version", "0.128.0"),
        ],
        body: r#"{"metadata":{"user_id":"{\"device_id\":\"ddc4\",\"account_uuid\":\"\",\"session_id\":\"2ea7933a-0513-4f0d-afa9-66dcde4b2165\"}"},"messages":[]}"#,
        tool: "claude-code",
        version: Some("2.1.329"),
        session: Some("2ea7933a-0513-4f0d-afa9-66dcde4b2165"),
    },
    Case {
        what: "an older Claude Code, session inside the compound user id",
        path: "/v1/messages?beta=true",
        headers: &[
            ("user-agent", "claude-cli/1.0.83 (external, cli)"),
            ("x-app", "cli"),
            ("anthropic-beta", "claude-code-20250219"),
        ],
        body: r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"user_id":"user_f3a1c2e4b5d6a7980f1e2d3c4b5a69788f7e6d5c4b3a29180f1e2d3c4b5a6978_account__session_5b2c1d4e-8f9a-4b3c-9d2e-1f0a8b7c6d5e"}}"#,
        tool: "claude-code",
        version: Some("1.0.83"),
        session: Some("5b2c1d4e-8f9a-4b3c-9d2e-1f0a8b7c6d5e"),
    },
    Case {
        what: "Claude Code without a session header: the id in the JSON user id",
        path: "/v1/messages",
        headers: &[("user-agent", "claude-cli/2.0.14 (external, cli)")],
        body: r#"{"metadata":{"user_id":"{\"device_id\":\"ab12\",\"session_id\":\"9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a\"}"}}"#,
        tool: "claude-code",
        version: Some("2.0.14"),
        session: Some("9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"),
    },
    Case {
        what: "Claude Code behind something that rewrote its user agent",
        path: "/v1/messages",
        headers: &[("user-agent", "corp-proxy/1.0")],
        body: r#"{"system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.329.c0e; cc_entrypoint=cli;"},{"type":"text","text":"You are a helpful agent."}],"messages":[]}"#,
        tool: "claude-code",
        version: Some("2.1.329"),
        session: None,
    },
    Case {
        what: "Codex exec",
        path: "/v1/responses",
        headers: &[
            ("originator", "codex_exec"),
            (
                "user-agent",
                "codex_exec/0.169.0 (Debian 12.0.0; x86_64) dumb (codex_exec; 0.169.0)",
            ),
            ("session-id", "01a1fdd2-7c50-7d73-92c2-4512cf3309a4"),
        ],
        body: r#"{"model":"m","input":[],"prompt_cache_key":"01a1fdd2-7c50-7d73-92c2-4512cf3309a4"}"#,
        tool: "codex",
        version: Some("0.169.0"),
        session: Some("01a1fdd2-7c50-7d73-92c2-4512cf3309a4"),
    },
    Case {
        what: "an older Codex with a conversation id",
        path: "/v1/responses",
        headers: &[
            ("originator", "codex_cli_rs"),
            (
                "user-agent",
                "codex_cli_rs/0.46.0 (Ubuntu 24.4.0; x86_64) xterm-256color",
            ),
            ("version", "0.46.0"),
            ("conversation_id", "4c3b2a19-0817-4f6e-9d5c-4b3a29180f7e"),
        ],
        body: "{}",
        tool: "codex",
        version: Some("0.46.0"),
        session: Some("4c3b2a19-0817-4f6e-9d5c-4b3a29180f7e"),
    },
    Case {
        what: "Codex known by its originator and prompt cache key alone",
        path: "/v1/responses",
        headers: &[("originator", "codex_cli_rs")],
        body: r#"{"prompt_cache_key":"4c3b2a19-0817-4f6e-9d5c-4b3a29180f7e"}"#,
        tool: "codex",
        version: None,
        session: Some("4c3b2a19-0817-4f6e-9d5c-4b3a29180f7e"),
    },
    Case {
        what: "Qwen Code on the OpenAI Node SDK",
        path: "/v1/chat/completions",
        headers: &[
            ("user-agent", "QwenCode/0.24.4 (linux; x64)"),
            ("x-stainless-package-version", "5.11.0"),
            STAINLESS_JS[0],
            STAINLESS_JS[1],
            STAINLESS_JS[2],
        ],
        body: r#"{"model":"qwen3-coder-plus","messages":[]}"#,
        tool: "qwen-code",
        version: Some("0.24.4"),
        session: None,
    },
    Case {
        what: "Gemini CLI, interactive build",
        path: "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
        headers: &[
            (
                "user-agent",
                "GeminiCLI-tui/0.61.0/gemini-3.1-pro-preview (linux; x64; terminal)",
            ),
            (
                "x-goog-api-client",
                "google-genai-sdk/1.30.0 gl-node/v22.23.3",
            ),
        ],
        body: r#"{"contents":[]}"#,
        tool: "gemini-cli",
        version: Some("0.61.0"),
        session: None,
    },
    Case {
        what: "an early Gemini CLI",
        path: "/v1beta/models/gemini-2.5-pro:generateContent",
        headers: &[("user-agent", "GeminiCLI/0.1.18 (linux; x64)")],
        body: "",
        tool: "gemini-cli",
        version: Some("0.1.18"),
        session: None,
    },
    Case {
        what: "aider through OpenRouter",
        path: "/api/v1/chat/completions",
        headers: &[
            ("user-agent", "OpenAI/Python 1.99.1"),
            ("x-stainless-lang", "python"),
            ("http-referer", "https://aider.chat"),
            ("x-title", "Aider"),
        ],
        body: "{}",
        tool: "aider",
        version: None,
        session: None,
    },
    Case {
        what: "opencode on the AI SDK",
        path: "/v1/messages",
        headers: &[
            (
                "user-agent",
                "opencode/0.15.2 ai-sdk/anthropic/2.0.1 runtime/bun/1.2.19",
            ),
            ("anthropic-beta", "claude-code-20250219,oauth-2025-04-20"),
        ],
        body: "{}",
        tool: "opencode",
        version: Some("0.15.2"),
        session: None,
    },
    Case {
        what: "Cursor",
        path: "/v1/chat/completions",
        headers: &[
            ("x-cursor-client-version", "1.5.11"),
            ("x-cursor-checksum", "abc"),
            ("x-session-id", "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"),
        ],
        body: "{}",
        tool: "cursor",
        version: Some("1.5.11"),
        session: Some("6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"),
    },
    Case {
        what: "a script on the Anthropic Python SDK",
        path: "/v1/messages",
        headers: &[
            ("user-agent", "Anthropic/Python 0.49.0"),
            ("x-stainless-lang", "python"),
            ("x-stainless-package-version", "0.49.0"),
            ("anthropic-version", "2023-06-01"),
        ],
        body: "{}",
        tool: "anthropic-python",
        version: Some("0.49.0"),
        session: None,
    },
    Case {
        what: "the Anthropic TypeScript SDK known by its stainless headers",
        path: "/v1/messages",
        headers: &[
            ("anthropic-version", "2023-06-01"),
            ("x-stainless-package-version", "0.60.0"),
            STAINLESS_JS[0],
            STAINLESS_JS[1],
        ],
        body: "{}",
        tool: "anthropic-typescript",
        version: Some("0.60.0"),
        session: None,
    },
    Case {
        what: "the OpenAI Python SDK",
        path: "/v1/chat/completions",
        headers: &[
            ("user-agent", "OpenAI/Python 1.99.1"),
            ("x-stainless-lang", "python"),
        ],
        body: "{}",
        tool: "openai-python",
        version: Some("1.99.1"),
        session: None,
    },
    Case {
        what: "the OpenAI Node SDK",
        path: "/v1/responses",
        headers: &[("user-agent", "OpenAI/JS 5.11.0"), STAINLESS_JS[0]],
        body: "{}",
        tool: "openai-node",
        version: Some("5.11.0"),
        session: None,
    },
    Case {
        what: "the Google Gen AI SDK from Python",
        path: "/v1beta/models/gemini-2.5-flash:generateContent",
        headers: &[(
            "x-goog-api-client",
            "google-genai-sdk/1.30.0 gl-python/3.12.1",
        )],
        body: "{}",
        tool: "google-genai",
        version: Some("1.30.0"),
        session: None,
    },
    Case {
        what: "curl",
        path: "/v1/chat/completions",
        headers: &[("user-agent", "curl/8.5.0")],
        body: "{}",
        tool: "unknown",
        version: None,
        session: None,
    },
    Case {
        what: "nothing but an OpenAI path",
        path: "/v1/chat/completions",
        headers: &[],
        body: "not json",
        tool: "unknown",
        version: None,
        session: None,
    },
];

#[test]
fn each_tool_and_sdk_is_identified_with_version_and_session() {
    for case in CASES {
        let id = identify(&request(case));
        assert_eq!(id.tool, case.tool, "{}: {:?}", case.what, id.signals);
        assert_eq!(id.version.as_deref(), case.version, "{}", case.what);
        assert_eq!(id.session.as_deref(), case.session, "{}", case.what);
        if case.tool != "unknown" {
            assert!(!id.signals.is_empty(), "{}", case.what);
        }
    }
}

#[test]
fn the_verdict_is_explained_by_the_signals_that_matched() {
    let id = identify(&request(&CASES[0]));
    assert_eq!(id.name, "Claude Code");
    assert!(
        id.signals
            .iter()
            .any(|s| s == "header user-agent ~ \"claude-cli/2.1.329\""),
        "{:?}",
        id.signals
    );
    assert!(id.signals.iter().any(|s| s == "header x-app = \"cli\""));
    // Weightiest first.
    assert!(id.signals[0].starts_with("header user-agent"));
    let unknown = identify(&request(&CASES[CASES.len() - 2]));
    assert_eq!(
        unknown.signals,
        vec!["no client matched; user-agent \"curl/8.5.0\""]
    );
}

#[test]
fn a_new_agent_is_a_table_entry() {
    let table = r#"
[[client]]
tool = "acme-agent"
name = "Acme Agent"

  [[client.signal]]
  header = "x-acme-agent"
  regex = '^(?P<version>\d+\.\d+)'
  weight = 50

  [[client.signal]]
  body = "messages[].role"
  equals = "acme"
  weight = 5

  [[client.session]]
  body = "context.thread"
"#;
    let clients = Clients::from_toml(table).expect("valid table");
    let req = Request {
        method: "POST".into(),
        path: "/v1/chat/completions".into(),
        headers: vec![("x-acme-agent".into(), "3.2 (beta)".into())],
        body: br#"{"messages":[{"role":"acme"}],"context":{"thread":"t-42"}}"#.to_vec(),
    };
    let id = clients.identify(&req);
    assert_eq!(
        (
            id.tool.as_str(),
            id.version.as_deref(),
            id.session.as_deref()
        ),
        ("acme-agent", Some("3.2"), Some("t-42"))
    );
    assert_eq!(id.signals.len(), 2);
    // The built-in table does not know it.
    assert_eq!(identify(&req).tool, "unknown");
}
