use serde_json::{Value, json};

use super::*;
use crate::canonical::{CacheHint, Signature, ToolCall};

fn anthropic() -> Profile {
    Profile {
        cache_control: true,
        top_k: true,
        max_temperature: 1.0,
        strip_billing_header: false,
        untagged_signatures: true,
        ..Profile::named("anthropic")
    }
}

fn deepseek() -> Profile {
    Profile {
        images: false,
        image_urls: false,
        documents: false,
        ..Profile::named("deepseek")
    }
}

fn encode(req: &Request, profile: &Profile) -> Value {
    serde_json::from_slice(&encode_request(req, profile).unwrap()).unwrap()
}

fn unsupported(req: &Request, profile: &Profile) -> String {
    match encode_request(req, profile) {
        Err(TranslateError::Unsupported(m)) => m,
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

fn msg(role: Role, parts: Vec<Part>) -> Message {
    Message { role, parts }
}

fn call(id: &str, name: &str, args: &str) -> Part {
    Part::ToolCall(ToolCall {
        id: id.into(),
        name: name.into(),
        arguments: args.into(),
        kind: ToolKind::Function,
        item_id: None,
        extras: None,
    })
}

fn result(id: &str, text: &str) -> Part {
    Part::ToolResult(ToolResult {
        call_id: id.into(),
        content: vec![Part::text(text)],
        is_error: false,
        cache: None,
    })
}

fn thinking(text: &str, sig: Signature) -> Part {
    Part::Reasoning(Reasoning {
        text: text.into(),
        signature: Some(sig),
        ..Reasoning::default()
    })
}

fn cached(text: &str) -> Part {
    Part::Text {
        text: text.into(),
        cache: Some(CacheHint { ttl: None }),
    }
}

fn tool(name: &str) -> Tool {
    Tool {
        name: name.into(),
        description: Some("d".into()),
        schema: json!({"type": "object", "properties": {}}),
        strict: None,
        kind: ToolKind::Function,
        cache: None,
    }
}

fn user(text: &str) -> Message {
    msg(Role::User, vec![Part::text(text)])
}

#[test]
fn several_choices_and_stored_responses_are_refused() {
    // §2.1 `n` row and §2.6: n>1 → 400, never silently 1; §2.7 State.
    let req = Request {
        n: Some(2),
        ..Request::default()
    };
    assert_eq!(
        unsupported(&req, &anthropic()),
        "n > 1 cannot be served by an Anthropic-protocol vendor; ask for one choice"
    );
    let req = Request {
        n: Some(1),
        ..Request::default()
    };
    assert!(encode_request(&req, &anthropic()).is_ok());
    let req = Request {
        previous_response_id: Some("resp_1".into()),
        ..Request::default()
    };
    assert!(unsupported(&req, &anthropic()).contains("store=false"));
}

#[test]
fn system_messages_are_hoisted_and_the_billing_header_stripped() {
    // §2.2: hoist every system message, order kept; strip the billing header except at
    // Anthropic.
    let req = Request {
        system: vec![
            Part::text("x-anthropic-billing-header: cc_version=1; cch=abcde;"),
            Part::text("You are Claude Code."),
            Part::text("   "),
        ],
        messages: vec![
            user("hi"),
            msg(Role::System, vec![Part::text("Be terse.")]),
            user("again"),
        ],
        output_format: Some(OutputFormat::JsonObject),
        ..Request::default()
    };
    let v = encode(&req, &deepseek());
    let system: Vec<&str> = v["system"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        system,
        ["You are Claude Code.", "Be terse.", JSON_OBJECT_INSTRUCTION]
    );
    // The two user turns around the hoisted system message merge into one.
    assert_eq!(v["messages"].as_array().unwrap().len(), 1);
    assert_eq!(v["messages"][0]["content"].as_array().unwrap().len(), 2);
    let v = encode(&req, &anthropic());
    assert!(
        v["system"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("x-anthropic-billing-header")
    );
}

#[test]
fn turns_merge_and_blocks_are_ordered() {
    // §2.3: merge same-role neighbours; tool_result first in its user message; thinking first
    // in its assistant message; empty text dropped; ids rewritten in call and result alike.
    let sig = Signature::from_vendor("anthropic", "sigA");
    let req = Request {
        messages: vec![
            user("read it"),
            msg(Role::Assistant, vec![Part::text("Sure."), Part::text("")]),
            msg(
                Role::Assistant,
                vec![
                    call("functions.Read:0", "Read", "{\"path\":\"a\"}"),
                    thinking("plan", sig),
                ],
            ),
            msg(Role::User, vec![Part::text("here:")]),
            msg(Role::User, vec![result("functions.Read:0", "contents")]),
            msg(Role::Assistant, vec![]),
        ],
        ..Request::default()
    };
    let v = encode(&req, &anthropic());
    let messages = v["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    let types = |m: &Value| -> Vec<String> {
        m["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["type"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(types(&messages[1]), ["thinking", "text", "tool_use"]);
    assert_eq!(types(&messages[2]), ["tool_result", "text"]);
    assert_eq!(messages[1]["content"][2]["id"], "functions_Read_0");
    assert_eq!(messages[2]["content"][0]["tool_use_id"], "functions_Read_0");
    assert_eq!(messages[2]["content"][0]["content"], "contents");
    assert_eq!(messages[1]["content"][2]["input"], json!({"path": "a"}));
}

#[test]
fn tool_results_keep_errors_images_and_cache() {
    // §2.4 tool result row: is_error kept for A; block content when not a single text.
    let req = Request {
        messages: vec![msg(
            Role::User,
            vec![Part::ToolResult(ToolResult {
                call_id: "t1".into(),
                content: vec![
                    Part::text("failed"),
                    Part::Image {
                        source: Media::Base64 {
                            media_type: "image/png".into(),
                            data: "AA".into(),
                        },
                        cache: None,
                    },
                ],
                is_error: true,
                cache: Some(CacheHint {
                    ttl: Some("5m".into()),
                }),
            })],
        )],
        ..Request::default()
    };
    let v = encode(&req, &anthropic());
    let block = &v["messages"][0]["content"][0];
    assert_eq!(block["is_error"], true);
    assert_eq!(block["content"][1]["source"]["type"], "base64");
    assert_eq!(
        block["cache_control"],
        json!({"type": "ephemeral", "ttl": "5m"})
    );
    // Images in results are subject to the vendor's image rule too.
    assert!(unsupported(&req, &deepseek()).contains("vendor `deepseek` does not accept images"));
}

#[test]
fn cache_breakpoints_keep_the_last_ones_in_render_order() {
    // §2.4 cache_control row: ≤ max breakpoints; the later ones cover the earlier prefix.
    let mut t = tool("Read");
    t.cache = Some(CacheHint { ttl: None });
    let req = Request {
        tools: vec![t],
        system: vec![cached("s1"), cached("s2")],
        messages: vec![msg(Role::User, vec![cached("u1"), cached("u2")])],
        ..Request::default()
    };
    let profile = Profile {
        max_cache_breakpoints: 3,
        ..anthropic()
    };
    let v = encode(&req, &profile);
    assert!(v["tools"][0].get("cache_control").is_none());
    assert!(v["system"][0].get("cache_control").is_none());
    assert!(v["system"][1].get("cache_control").is_some());
    assert!(
        v["messages"][0]["content"][0]
            .get("cache_control")
            .is_some()
    );
    assert!(
        v["messages"][0]["content"][1]
            .get("cache_control")
            .is_some()
    );
    // Vendors that do not honour cache_control get none.
    let text = String::from_utf8(encode_request(&req, &deepseek()).unwrap()).unwrap();
    assert!(!text.contains("cache_control"), "{text}");
}

#[test]
fn max_tokens_defaults_and_thinking_budgets() {
    // §2.6: max_tokens required; budget ≥ 1024 and < max_tokens; §2.7 effort table.
    let v = encode(&Request::default(), &anthropic());
    assert_eq!(v["max_tokens"], DEFAULT_MAX_TOKENS);
    assert!(v.get("thinking").is_none());

    let req = Request {
        max_tokens: Some(1000),
        reasoning: Some(ReasoningConfig::Budget(500)),
        ..Request::default()
    };
    let v = encode(&req, &anthropic());
    assert_eq!(
        v["thinking"],
        json!({"type": "enabled", "budget_tokens": 1024})
    );
    assert_eq!(v["max_tokens"], 2024);

    let req = Request {
        max_tokens: Some(20_000),
        reasoning: Some(ReasoningConfig::Effort(Some("high".into()))),
        ..Request::default()
    };
    let v = encode(&req, &anthropic());
    assert_eq!(
        v["thinking"],
        json!({"type": "enabled", "budget_tokens": 4096})
    );
    assert_eq!(v["max_tokens"], 20_000);

    let req = Request {
        reasoning: Some(ReasoningConfig::Disabled),
        ..Request::default()
    };
    assert_eq!(
        encode(&req, &anthropic())["thinking"],
        json!({"type": "disabled"})
    );
}

#[test]
fn thinking_removes_sampling_knobs_and_forced_tool_choice() {
    // §2.6 temperature bullet, §2.5 tool choice table note.
    let base = Request {
        tools: vec![tool("Read")],
        tool_choice: Some(ToolChoice::Tool("Read".into())),
        temperature: Some(0.7),
        top_k: Some(5),
        top_p: Some(0.9),
        reasoning: Some(ReasoningConfig::Budget(2048)),
        ..Request::default()
    };
    let v = encode(&base, &anthropic());
    assert!(v.get("temperature").is_none());
    assert!(v.get("top_k").is_none());
    assert!(v.get("top_p").is_none());
    assert_eq!(v["tool_choice"], json!({"type": "auto"}));
    let req = Request {
        top_p: Some(0.97),
        ..base.clone()
    };
    assert_eq!(encode(&req, &anthropic())["top_p"], 0.97);
    // Without thinking they go through.
    let req = Request {
        reasoning: None,
        ..base
    };
    let v = encode(&req, &anthropic());
    assert_eq!(v["temperature"], 0.7);
    assert_eq!(v["top_k"], 5);
    assert_eq!(v["top_p"], 0.9);
    assert_eq!(v["tool_choice"], json!({"type": "tool", "name": "Read"}));
}

fn tool_turn(reasoning: Option<Part>) -> Request {
    let mut parts: Vec<Part> = reasoning.into_iter().collect();
    parts.push(call("toolu_1", "Read", "{}"));
    Request {
        tools: vec![tool("Read")],
        reasoning: Some(ReasoningConfig::Budget(4096)),
        messages: vec![
            user("go"),
            msg(Role::Assistant, parts),
            msg(Role::User, vec![result("toolu_1", "ok")]),
        ],
        ..Request::default()
    }
}

#[test]
fn foreign_reasoning_is_dropped_and_thinking_turned_off() {
    // §2.4 signatures rules 1–2 and classic bug #14.
    let ours = tool_turn(Some(thinking(
        "plan",
        Signature::from_vendor("anthropic", "sigA"),
    )));
    let v = encode(&ours, &anthropic());
    assert_eq!(v["thinking"]["type"], "enabled");
    assert_eq!(
        v["messages"][1]["content"][0],
        json!({"type": "thinking", "thinking": "plan", "signature": "sigA"})
    );

    let foreign = tool_turn(Some(thinking("plan", Signature::from_vendor("glm", "g"))));
    let v = encode(&foreign, &anthropic());
    assert_eq!(v["thinking"], json!({"type": "disabled"}));
    assert_eq!(v["messages"][1]["content"][0]["type"], "tool_use");

    // The client's own (untagged) signatures go only where untagged ones are accepted.
    let untagged = tool_turn(Some(thinking("plan", Signature::parse("raw"))));
    assert_eq!(
        encode(&untagged, &anthropic())["thinking"]["type"],
        "enabled"
    );
    let v = encode(&untagged, &deepseek());
    assert_eq!(v["thinking"], json!({"type": "disabled"}));

    // A vendor's own tagged signature goes back to it (DeepSeek needs its thinking back).
    let ds = tool_turn(Some(thinking(
        "plan",
        Signature::from_vendor("deepseek", "d"),
    )));
    let v = encode(&ds, &deepseek());
    assert_eq!(v["thinking"]["type"], "enabled");
    assert_eq!(v["messages"][1]["content"][0]["signature"], "d");

    // Redacted blobs carry no tag: only for vendors that take untagged payloads.
    let redacted = tool_turn(Some(Part::Reasoning(Reasoning {
        redacted: Some("blob".into()),
        ..Reasoning::default()
    })));
    assert_eq!(
        encode(&redacted, &anthropic())["messages"][1]["content"][0],
        json!({"type": "redacted_thinking", "data": "blob"})
    );
    assert_eq!(
        encode(&redacted, &deepseek())["thinking"],
        json!({"type": "disabled"})
    );
}

#[test]
fn sampling_is_clamped_and_filtered_by_profile() {
    // §2.6: clamp temperature, never rescale; top_k only where accepted; whitespace-only stop
    // sequences dropped.
    let req = Request {
        temperature: Some(1.7),
        top_k: Some(3),
        stop: vec!["END".into(), " \n".into(), "STOP".into()],
        ..Request::default()
    };
    let v = encode(&req, &anthropic());
    assert_eq!(v["temperature"], 1.0);
    assert_eq!(v["top_k"], 3);
    assert_eq!(v["stop_sequences"], json!(["END", "STOP"]));
    let v = encode(&req, &deepseek());
    assert_eq!(v["temperature"], 1.7);
    assert!(v.get("top_k").is_none());
}

#[test]
fn output_format_user_and_service_tier() {
    // §2.7 structured output, user identity (hashed) and service tier.
    let req = Request {
        output_format: Some(OutputFormat::JsonSchema {
            name: "answer".into(),
            schema: json!({"type": "object"}),
            strict: Some(true),
        }),
        user: Some("user_abc_account_1".into()),
        service_tier: Some("priority".into()),
        ..Request::default()
    };
    let v = encode(&req, &anthropic());
    assert_eq!(
        v["output_config"],
        json!({"format": {"type": "json_schema", "schema": {"type": "object"}}})
    );
    assert_eq!(
        v["metadata"]["user_id"].as_str(),
        req.hashed_user().as_deref()
    );
    assert_eq!(v["service_tier"], "auto");
    let no_user = Profile {
        user_id: false,
        ..anthropic()
    };
    assert!(encode(&req, &no_user).get("metadata").is_none());
    for (tier, expected) in [
        ("default", Some("standard_only")),
        ("standard_only", Some("standard_only")),
        ("flex", None),
    ] {
        let req = Request {
            service_tier: Some(tier.into()),
            ..Request::default()
        };
        assert_eq!(
            encode(&req, &anthropic())["service_tier"].as_str(),
            expected,
            "{tier}"
        );
    }
}

#[test]
fn tool_choice_and_parallel_flag() {
    // §2.5: disable_parallel_tool_use; C parallel_tool_calls:false without tool_choice → auto.
    let req = Request {
        tools: vec![tool("Read")],
        parallel_tool_calls: Some(false),
        ..Request::default()
    };
    assert_eq!(
        encode(&req, &anthropic())["tool_choice"],
        json!({"type": "auto", "disable_parallel_tool_use": true})
    );
    let req = Request {
        tools: vec![tool("Read")],
        tool_choice: Some(ToolChoice::Any),
        ..Request::default()
    };
    assert_eq!(
        encode(&req, &anthropic())["tool_choice"],
        json!({"type": "any"})
    );
    // No tools, no tool_choice.
    let req = Request {
        tool_choice: Some(ToolChoice::None),
        ..Request::default()
    };
    assert!(encode(&req, &anthropic()).get("tool_choice").is_none());
}

#[test]
fn media_the_vendor_cannot_read_is_refused_by_name() {
    // §2.4 image/file/PDF rows, test A14: 400 with a clear message, never a silent drop.
    let with = |part: Part| Request {
        messages: vec![msg(Role::User, vec![part])],
        ..Request::default()
    };
    let image = with(Part::Image {
        source: Media::Base64 {
            media_type: "image/png".into(),
            data: "AA".into(),
        },
        cache: None,
    });
    assert!(unsupported(&image, &deepseek()).contains("`deepseek`"));
    let url = with(Part::Image {
        source: Media::Url("https://x/y.png".into()),
        cache: None,
    });
    let no_urls = Profile {
        image_urls: false,
        ..anthropic()
    };
    assert!(unsupported(&url, &no_urls).contains("image URLs"));
    assert_eq!(
        encode(&url, &anthropic())["messages"][0]["content"][0]["source"],
        json!({"type": "url", "url": "https://x/y.png"})
    );
    let pdf = with(Part::Document {
        source: Media::Base64 {
            media_type: "application/pdf".into(),
            data: "JVBE".into(),
        },
        title: None,
        filename: Some("a.pdf".into()),
        cache: None,
    });
    assert!(unsupported(&pdf, &deepseek()).contains("PDF"));
    let doc = &encode(&pdf, &anthropic())["messages"][0]["content"][0];
    assert_eq!(doc["title"], "a.pdf");
    assert_eq!(doc["source"]["media_type"], "application/pdf");
    let file = with(Part::Image {
        source: Media::File("file_1".into()),
        cache: None,
    });
    assert!(unsupported(&file, &anthropic()).contains("file ids"));
    // Text documents become a titled text block where documents are not accepted.
    let text_doc = with(Part::Document {
        source: Media::Text("body".into()),
        title: Some("Notes".into()),
        filename: None,
        cache: None,
    });
    assert_eq!(
        encode(&text_doc, &deepseek())["messages"][0]["content"][0],
        json!({"type": "text", "text": "Notes\n\nbody"})
    );
    assert_eq!(
        encode(&text_doc, &anthropic())["messages"][0]["content"][0]["source"],
        json!({"type": "text", "media_type": "text/plain", "data": "body"})
    );
}

#[test]
fn custom_tools_become_one_string_functions() {
    // Shared convention for R custom tools toward A/C.
    let req = Request {
        tools: vec![Tool {
            name: "apply_patch".into(),
            description: Some("Edit files.".into()),
            schema: json!({}),
            strict: None,
            kind: ToolKind::Custom {
                format: Some(
                    json!({"type": "grammar", "syntax": "lark", "definition": "start: x"}),
                ),
            },
            cache: None,
        }],
        messages: vec![msg(
            Role::Assistant,
            vec![Part::ToolCall(ToolCall {
                id: "call_1".into(),
                name: "apply_patch".into(),
                arguments: "*** Begin Patch".into(),
                kind: ToolKind::Custom { format: None },
                item_id: None,
                extras: None,
            })],
        )],
        ..Request::default()
    };
    let v = encode(&req, &anthropic());
    assert_eq!(
        v["tools"][0]["input_schema"],
        json!({"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]})
    );
    let description = v["tools"][0]["description"].as_str().unwrap();
    assert!(description.starts_with("Edit files.\n\n"));
    assert!(description.contains("lark grammar:\nstart: x"));
    assert_eq!(
        v["messages"][0]["content"][0]["input"],
        json!({"input": "*** Begin Patch"})
    );
}

#[test]
fn rich_request_snapshot() {
    let mut read = tool("Read");
    read.cache = Some(CacheHint { ttl: None });
    read.strict = Some(true);
    let req = Request {
        model: "claude-sonnet-4-5".into(),
        system: vec![
            Part::text("x-anthropic-billing-header: cc_version=2; cch=12345;"),
            cached("You are a coding agent."),
        ],
        messages: vec![
            user("Fix the bug in a.rs"),
            msg(
                Role::Assistant,
                vec![
                    thinking(
                        "Read the file first.",
                        Signature::from_vendor("anthropic", "EqA"),
                    ),
                    Part::text("Reading it."),
                    call("call_7", "Read", "{ \"path\": \"a.rs\" }"),
                ],
            ),
            msg(
                Role::User,
                vec![Part::text("(truncated)"), result("call_7", "fn main() {}")],
            ),
        ],
        tools: vec![read],
        tool_choice: Some(ToolChoice::Auto),
        parallel_tool_calls: Some(false),
        max_tokens: Some(16_000),
        temperature: Some(0.2),
        stop: vec!["</done>".into()],
        stream: true,
        reasoning: Some(ReasoningConfig::Budget(8000)),
        user: Some("user_1".into()),
        ..Request::default()
    };
    let profile = Profile {
        strip_billing_header: true,
        ..anthropic()
    };
    let body = String::from_utf8(encode_request(&req, &profile).unwrap()).unwrap();
    insta::assert_snapshot!("rich_request", super::super::wire::pretty(&body));
}
