//! `decode_request`: an R client's body → canonical (protocols.md §2.1–§2.7, R column).

use serde_json::json;

use crate::canonical::{
    Media, OutputFormat, Part, ReasoningConfig, Role, SignatureOrigin, ToolChoice, ToolKind,
    TranslateError,
};
use crate::responses::decode_request;

fn decode(v: serde_json::Value) -> Result<crate::canonical::Request, TranslateError> {
    decode_request(v.to_string().as_bytes())
}

/// What Codex sends on a second turn: instructions, a developer message, the user's message,
/// the previous answer (reasoning, a message, a function call, a custom call) and the outputs.
pub(super) fn codex_body() -> serde_json::Value {
    json!({
        "model": "gpt-5-codex",
        "instructions": "You are Codex.",
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "sandbox: workspace-write"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "fix the bug"}]},
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Looking"}, {"type": "summary_text", "text": "Found it"}], "encrypted_content": "gAAAAB"},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Patching."}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_a", "name": "shell", "arguments": "{\"command\":[\"ls\"]}"},
            {"type": "custom_tool_call", "call_id": "call_b", "name": "apply_patch", "input": "*** Begin Patch"},
            {"type": "function_call_output", "call_id": "call_a", "output": "src\n"},
            {"type": "custom_tool_call_output", "call_id": "call_b", "output": "Done!"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "thanks"}]}
        ],
        "tools": [
            {"type": "function", "name": "shell", "description": "Runs a command", "strict": false, "parameters": {"type": "object", "properties": {"command": {"type": "array"}}}},
            {"type": "custom", "name": "apply_patch", "description": "Edits files", "format": {"type": "grammar", "syntax": "lark", "definition": "start: x"}},
            {"type": "web_search"},
            {"type": "local_shell"}
        ],
        "tool_choice": "auto",
        "parallel_tool_calls": false,
        "reasoning": {"effort": "high", "summary": "auto"},
        "store": false,
        "stream": true,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "thread-1"
    })
}

// §2.2 R→A: `instructions` and leading developer items are the system prompt; §2.3: an
// assistant message with the calls after it (reasoning first) is one message, the outputs and
// the following user message one user message, results first.
#[test]
fn codex_history_merges_into_turns() {
    let req = decode(codex_body()).unwrap();
    assert_eq!(req.model, "gpt-5-codex");
    assert_eq!(
        req.system,
        vec![
            Part::text("You are Codex."),
            Part::text("sandbox: workspace-write")
        ]
    );
    let roles: Vec<Role> = req.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::User, Role::Assistant, Role::User]);

    let assistant = &req.messages[1].parts;
    assert_eq!(assistant.len(), 4);
    let Part::Reasoning(r) = &assistant[0] else {
        panic!("reasoning first: {assistant:?}")
    };
    assert_eq!(r.text, "Looking\n\nFound it");
    assert_eq!(r.item_id.as_deref(), Some("rs_1"));
    assert_eq!(
        r.signature.as_ref().unwrap().origin,
        SignatureOrigin::Untagged
    );
    assert_eq!(r.signature.as_ref().unwrap().value, "gAAAAB");
    assert_eq!(assistant[1], Part::text("Patching."));
    let Part::ToolCall(call) = &assistant[2] else {
        panic!()
    };
    assert_eq!((call.id.as_str(), call.name.as_str()), ("call_a", "shell"));
    assert_eq!(call.arguments, "{\"command\":[\"ls\"]}");
    assert_eq!(call.item_id.as_deref(), Some("fc_1"));
    assert_eq!(call.kind, ToolKind::Function);
    let Part::ToolCall(custom) = &assistant[3] else {
        panic!()
    };
    assert_eq!(custom.kind, ToolKind::Custom { format: None });
    assert_eq!(custom.arguments, "*** Begin Patch");

    let user = &req.messages[2].parts;
    let Part::ToolResult(a) = &user[0] else {
        panic!()
    };
    let Part::ToolResult(b) = &user[1] else {
        panic!()
    };
    assert_eq!(
        (a.call_id.as_str(), b.call_id.as_str()),
        ("call_a", "call_b")
    );
    assert_eq!(a.content, vec![Part::text("src\n")]);
    assert!(!a.is_error);
    assert_eq!(user[2], Part::text("thanks"));
}

// §2.5: function and custom tools are kept (custom with its format and a one-string schema);
// hosted tools are dropped. §2.1: the other top-level fields.
#[test]
fn codex_parameters_are_read() {
    let req = decode(codex_body()).unwrap();
    let names: Vec<&str> = req.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["shell", "apply_patch"]);
    assert_eq!(req.tools[0].strict, Some(false));
    assert_eq!(req.tools[0].description.as_deref(), Some("Runs a command"));
    let ToolKind::Custom { format } = &req.tools[1].kind else {
        panic!()
    };
    assert_eq!(format.as_ref().unwrap()["syntax"], "lark");
    assert_eq!(req.tools[1].schema["required"], json!(["input"]));
    assert_eq!(req.tool_choice, Some(ToolChoice::Auto));
    assert_eq!(req.parallel_tool_calls, Some(false));
    assert_eq!(
        req.reasoning,
        Some(ReasoningConfig::Effort(Some("high".into())))
    );
    assert!(req.include_encrypted_reasoning);
    assert!(req.stream);
    assert_eq!(req.store, Some(false));
    assert_eq!(req.cache_key.as_deref(), Some("thread-1"));
}

// §2.3: `input` may be a plain string; items with `role` but no `type` are messages.
#[test]
fn string_input_and_untyped_messages() {
    let req = decode(json!({"model": "m", "input": "hi"})).unwrap();
    assert_eq!(req.messages.len(), 1);
    assert_eq!(req.messages[0].parts, vec![Part::text("hi")]);

    let req = decode(json!({"model": "m", "input": [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "a"},
        {"role": "user", "content": [{"type": "input_text", "text": "b"}]},
        {"role": "developer", "content": "later"},
        {"role": "assistant", "content": "ok"}
    ]}))
    .unwrap();
    assert_eq!(req.system, vec![Part::text("be brief")]);
    let roles: Vec<Role> = req.messages.iter().map(|m| m.role).collect();
    // consecutive user messages merge; a later developer message stays in place (§2.2 C→R).
    assert_eq!(roles, [Role::User, Role::System, Role::Assistant]);
    assert_eq!(
        req.messages[0].parts,
        vec![Part::text("a"), Part::text("b")]
    );
}

// custom.md: item_reference and other item types are refused, naming the type.
#[test]
fn unsupported_items_name_their_type() {
    for kind in ["item_reference", "web_search_call", "local_shell_call"] {
        let err = decode(json!({"model": "m", "input": [{"type": kind, "id": "x"}]})).unwrap_err();
        let TranslateError::Unsupported(msg) = err else {
            panic!("{kind}")
        };
        assert!(msg.contains(kind), "{msg}");
    }
    let err = decode(json!({"model": "m", "input": [{"role": "user", "content": [{"type": "input_audio", "data": "x"}]}]})).unwrap_err();
    assert!(matches!(err, TranslateError::Unsupported(m) if m.contains("input_audio")));
}

// §2.4: image and file parts; refusal parts are text.
#[test]
fn content_parts_map_to_canonical_media() {
    let req = decode(json!({"model": "m", "input": [{"role": "user", "content": [
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "auto"},
        {"type": "input_image", "image_url": "https://x.test/a.png"},
        {"type": "input_image", "file_id": "file-1"},
        {"type": "input_file", "file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"},
        {"type": "input_file", "file_url": "https://x.test/b.pdf"}
    ]}, {"role": "assistant", "content": [{"type": "refusal", "refusal": "no"}]}]}))
    .unwrap();
    let parts = &req.messages[0].parts;
    assert!(
        matches!(&parts[0], Part::Image { source: Media::Base64 { media_type, data }, .. } if media_type == "image/png" && data == "AAAA")
    );
    assert!(
        matches!(&parts[1], Part::Image { source: Media::Url(u), .. } if u == "https://x.test/a.png")
    );
    assert!(matches!(&parts[2], Part::Image { source: Media::File(f), .. } if f == "file-1"));
    assert!(
        matches!(&parts[3], Part::Document { source: Media::Base64 { media_type, .. }, filename: Some(f), .. } if media_type == "application/pdf" && f == "a.pdf")
    );
    assert!(matches!(
        &parts[4],
        Part::Document {
            source: Media::Url(_),
            ..
        }
    ));
    assert_eq!(req.messages[1].parts, vec![Part::text("no")]);
}

// §2.4 tool result: `output` may be a parts list with images.
#[test]
fn tool_output_parts() {
    let req = decode(json!({"model": "m", "input": [
        {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c", "output": [
            {"type": "input_text", "text": "see"},
            {"type": "input_image", "image_url": "data:image/png;base64,AA"}
        ]}
    ]}))
    .unwrap();
    let Part::ToolResult(r) = &req.messages[1].parts[0] else {
        panic!()
    };
    assert_eq!(r.content.len(), 2);
    assert!(matches!(r.content[1], Part::Image { .. }));
}

// §2.4 signatures: a `weir1:` tag in encrypted_content is read back as its vendor's; a
// reasoning item without summary uses its reasoning_text content.
#[test]
fn reasoning_items_read_tags_and_raw_text() {
    let tagged = crate::canonical::Signature::from_vendor("anthropic", "sig").to_client();
    let req = decode(json!({"model": "m", "input": [
        {"type": "reasoning", "summary": [], "content": [{"type": "reasoning_text", "text": "raw thought"}], "encrypted_content": tagged}
    ]}))
    .unwrap();
    let Part::Reasoning(r) = &req.messages[0].parts[0] else {
        panic!()
    };
    assert_eq!(r.text, "raw thought");
    let sig = r.signature.as_ref().unwrap();
    assert_eq!(sig.origin, SignatureOrigin::Vendor("anthropic".into()));
    assert_eq!(sig.value, "sig");
}

// §2.5 tool choice, §2.7 reasoning none, structured output, user identity.
#[test]
fn choice_reasoning_format_and_identity() {
    let cases = [
        (json!("none"), Some(ToolChoice::None)),
        (json!("required"), Some(ToolChoice::Any)),
        (
            json!({"type": "function", "name": "f"}),
            Some(ToolChoice::Tool("f".into())),
        ),
        (
            json!({"type": "custom", "name": "apply_patch"}),
            Some(ToolChoice::Tool("apply_patch".into())),
        ),
        (json!({"type": "web_search_preview"}), None),
    ];
    for (choice, expected) in cases {
        let req = decode(json!({"model": "m", "tool_choice": choice})).unwrap();
        assert_eq!(req.tool_choice, expected);
    }
    let req = decode(json!({
        "model": "m",
        "reasoning": {"effort": "none"},
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}, "strict": true}},
        "user": "u-old",
        "safety_identifier": "u-new",
        "max_output_tokens": 500,
        "temperature": 0.2,
        "top_p": 0.9,
        "service_tier": "flex",
        "previous_response_id": "resp_prev",
        "metadata": {"k": "v"}
    }))
    .unwrap();
    assert_eq!(req.reasoning, Some(ReasoningConfig::Disabled));
    assert_eq!(
        req.output_format,
        Some(OutputFormat::JsonSchema {
            name: "answer".into(),
            schema: json!({"type": "object"}),
            strict: Some(true)
        })
    );
    assert_eq!(req.user.as_deref(), Some("u-new"));
    assert_eq!(req.max_tokens, Some(500));
    assert_eq!(req.temperature, Some(0.2));
    assert_eq!(req.top_p, Some(0.9));
    assert_eq!(req.service_tier.as_deref(), Some("flex"));
    assert_eq!(req.previous_response_id.as_deref(), Some("resp_prev"));
    assert_eq!(req.metadata, Some(json!({"k": "v"})));

    let req =
        decode(json!({"model": "m", "user": "u", "text": {"format": {"type": "json_object"}}}))
            .unwrap();
    assert_eq!(req.user.as_deref(), Some("u"));
    assert_eq!(req.output_format, Some(OutputFormat::JsonObject));
    let req = decode(json!({"model": "m", "reasoning": {"summary": "auto"}})).unwrap();
    assert_eq!(req.reasoning, Some(ReasoningConfig::Effort(None)));
}

// §2.5: a function tool without parameters gets an empty object schema.
#[test]
fn missing_parameters_default_to_an_object_schema() {
    let req = decode(json!({"model": "m", "tools": [{"type": "function", "name": "f"}]})).unwrap();
    assert_eq!(
        req.tools[0].schema,
        json!({"type": "object", "properties": {}})
    );
    assert_eq!(req.tools[0].strict, None);
}

// common.md: malformed bodies are Malformed, and messages never quote request content.
#[test]
fn malformed_bodies_are_refused_without_quoting_them() {
    let secret = "sk-secret-value";
    let bodies = [
        format!("{{\"model\": \"{secret}\""),
        json!({"input": secret}).to_string(),
        json!({"model": "m", "input": 3}).to_string(),
        json!({"model": "m", "input": [{"type": "function_call", "name": secret}]}).to_string(),
        json!({"model": "m", "input": [{"role": secret, "content": "x"}]}).to_string(),
        json!({"model": "m", "tool_choice": secret}).to_string(),
        json!({"model": "m", "text": {"format": {"type": "json_schema"}}}).to_string(),
        "[]".to_owned(),
    ];
    for body in bodies {
        let err = decode_request(body.as_bytes()).unwrap_err();
        let TranslateError::Malformed(msg) = &err else {
            panic!("{body}: {err:?}")
        };
        assert!(!msg.contains(secret), "{msg}");
    }
}

// §2.7 state: weir keeps none, so `background` and `conversation` are refused.
#[test]
fn stateful_features_are_refused() {
    for body in [
        json!({"model": "m", "background": true}),
        json!({"model": "m", "conversation": "conv_1"}),
    ] {
        assert!(matches!(decode(body), Err(TranslateError::Unsupported(_))));
    }
}

// Codex's code mode declares its tools in an `additional_tools` input item, grouped under the
// default `functions` namespace; they become ordinary tools, and the item is not a message.
// Other namespaces and hosted tools have no portable form.
#[test]
fn tools_declared_in_the_conversation_are_tools() {
    let req = decode(json!({
        "model": "m",
        "tools": [{"type": "namespace", "name": "multi_agent_v1", "tools": [
            {"type": "function", "name": "spawn", "parameters": {"type": "object"}}]}],
        "input": [
            {"type": "additional_tools", "id": "at_1", "role": "developer", "tools": [
                {"type": "namespace", "name": "functions", "description": "", "tools": [
                    {"type": "custom", "name": "exec", "description": "Run code"},
                    {"type": "function", "name": "wait", "parameters": {"type": "object", "properties": {}}}
                ]},
                {"type": "web_search"}
            ]},
            {"type": "message", "role": "user", "content": "hi"}
        ]
    }))
    .unwrap();
    let names: Vec<&str> = req.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["exec", "wait"]);
    assert!(matches!(req.tools[0].kind, ToolKind::Custom { .. }));
    assert_eq!(req.messages.len(), 1);
    assert_eq!(req.messages[0].role, Role::User);
    let bad = decode(json!({"model": "m", "input": [{"type": "additional_tools", "tools": 3}]}));
    assert!(matches!(bad, Err(TranslateError::Malformed(_))));
}
