//! `encode_request`: canonical → an R vendor's body (protocols.md §2, R column, §2.8).

use serde_json::json;

use super::{codex_request, json_of, pretty};
use crate::canonical::{
    Media, Message, OutputFormat, Part, Profile, Reasoning, ReasoningConfig, Request, Role,
    Signature, ThinkingStyle, ToolCall, ToolChoice, ToolKind, ToolResult, TranslateError,
    vendor_tool_name,
};
use crate::responses::{decode_request, encode_request};

fn openai() -> Profile {
    Profile {
        developer_role: true,
        ..Profile::named("openai")
    }
}

fn encode(req: &Request, profile: &Profile) -> serde_json::Value {
    json_of(&encode_request(req, profile).unwrap())
}

fn user(parts: Vec<Part>) -> Message {
    Message {
        role: Role::User,
        parts,
    }
}

fn assistant(parts: Vec<Part>) -> Message {
    Message {
        role: Role::Assistant,
        parts,
    }
}

fn call(id: &str, name: &str, args: &str, kind: ToolKind) -> Part {
    Part::ToolCall(ToolCall {
        id: id.into(),
        name: name.into(),
        arguments: args.into(),
        kind,
        item_id: Some("fc_vendor".into()),
        extras: None,
    })
}

fn result(id: &str, content: Vec<Part>, is_error: bool) -> Part {
    Part::ToolResult(ToolResult {
        call_id: id.into(),
        content,
        is_error,
        cache: None,
    })
}

fn reasoning(text: &str, sig: Option<Signature>) -> Part {
    Part::Reasoning(Reasoning {
        text: text.into(),
        signature: sig,
        redacted: None,
        item_id: Some("rs_x".into()),
    })
}

// The Codex request of `request_decode` decoded and re-encoded for OpenAI: §2.2 instructions,
// §2.3 item order (reasoning, message, calls, outputs, user message), §2.5 tools, §2.7
// stateless with encrypted reasoning requested, and an untagged signature passed back only
// because the profile says the vendor made it.
#[test]
fn codex_round_trip_snapshot() {
    let req = decode_request(super::request_decode::codex_body().to_string().as_bytes()).unwrap();
    let profile = Profile {
        untagged_signatures: true,
        ..openai()
    };
    let body = encode_request(&req, &profile).unwrap();
    insta::assert_snapshot!("encode_request_codex_round_trip", pretty(&body));
}

// A rich canonical request (as an Anthropic client would send it) toward OpenAI.
#[test]
fn rich_request_snapshot() {
    let long = format!("mcp__server__{}", "t".repeat(70));
    let mut req = codex_request();
    req.model = "gpt-5".into();
    req.tools[0].name = long.clone();
    req.system = vec![
        Part::text("x-anthropic-billing-header: cc_version=1; cch=abcde;"),
        Part::text("You are helpful."),
    ];
    req.messages = vec![
        user(vec![
            Part::text("look"),
            Part::Image {
                source: Media::Base64 {
                    media_type: "image/png".into(),
                    data: "iVBOR".into(),
                },
                cache: None,
            },
            Part::Document {
                source: Media::Text("notes".into()),
                title: Some("Notes".into()),
                filename: None,
                cache: None,
            },
        ]),
        assistant(vec![
            reasoning("thinking", Some(Signature::from_vendor("openai", "gAAA"))),
            reasoning(
                "claude thinking",
                Some(Signature::from_vendor("anthropic", "EqQB")),
            ),
            Part::text("Running it."),
            call(
                "call_1",
                &long,
                "{\"command\":[\"ls\"]}",
                ToolKind::Function,
            ),
            call(
                "call_2",
                "apply_patch",
                "*** Begin Patch",
                ToolKind::Custom { format: None },
            ),
        ]),
        user(vec![
            result("call_1", vec![Part::text("boom")], true),
            result("call_2", vec![Part::text("Done!")], false),
            Part::text("and now?"),
        ]),
        Message {
            role: Role::System,
            parts: vec![Part::text("Be brief.")],
        },
    ];
    req.tool_choice = Some(ToolChoice::Tool(long.clone()));
    req.parallel_tool_calls = Some(false);
    req.max_tokens = Some(4096);
    req.temperature = Some(2.5);
    req.top_p = Some(0.9);
    req.top_k = Some(40);
    req.stop = vec!["END".into()];
    req.reasoning = Some(ReasoningConfig::Budget(4096));
    req.output_format = Some(OutputFormat::JsonObject);
    req.user = Some("user_abc_account_1".into());
    req.cache_key = Some("session-1".into());
    req.service_tier = Some("standard_only".into());
    let body = encode_request(&req, &openai()).unwrap();
    insta::assert_snapshot!("encode_request_rich", pretty(&body));
}

// §2.4 signatures: reasoning goes back only with this vendor's encrypted content; a foreign or
// untagged one drops the whole item (untagged only when the profile allows it).
#[test]
fn reasoning_items_only_with_the_vendors_own_content() {
    let mut req = Request {
        model: "m".into(),
        ..Request::default()
    };
    req.messages = vec![assistant(vec![
        reasoning("a", Some(Signature::from_vendor("openai", "mine"))),
        reasoning("b", Some(Signature::from_vendor("anthropic", "theirs"))),
        reasoning("c", Some(Signature::parse("raw"))),
        reasoning("d", None),
        Part::text("hi"),
    ])];
    let body = encode(&req, &openai());
    let input = body["input"].as_array().unwrap();
    assert_eq!(input.len(), 2, "{input:?}");
    assert_eq!(
        input[0],
        json!({"type": "reasoning", "summary": [{"type": "summary_text", "text": "a"}], "encrypted_content": "mine"})
    );
    assert_eq!(body["include"], json!(["reasoning.encrypted_content"]));

    let body = encode(
        &req,
        &Profile {
            untagged_signatures: true,
            ..openai()
        },
    );
    assert_eq!(body["input"].as_array().unwrap().len(), 3);
    assert_eq!(body["input"][1]["encrypted_content"], "raw");

    // Nothing to send back, no reasoning asked for: no `include` (non-reasoning models reject it).
    let body = encode(&req, &Profile::named("deepseek"));
    assert!(body.get("include").is_none(), "{body}");
    // Item ids are never sent: with store:false the vendor cannot look them up.
    assert!(!body.to_string().contains("rs_x"));
}

// §2.7 reasoning: budget → effort by the table; disabled → omitted; a profile without
// reasoning settings gets none.
#[test]
fn reasoning_settings() {
    let mut req = Request {
        model: "m".into(),
        ..Request::default()
    };
    req.reasoning = Some(ReasoningConfig::Budget(1024));
    let body = encode(&req, &openai());
    assert_eq!(body["reasoning"], json!({"effort": "low"}));
    assert_eq!(body["include"], json!(["reasoning.encrypted_content"]));
    req.reasoning = Some(ReasoningConfig::Effort(Some("xhigh".into())));
    assert_eq!(
        encode(&req, &openai())["reasoning"],
        json!({"effort": "xhigh"})
    );
    req.reasoning = Some(ReasoningConfig::Disabled);
    let body = encode(&req, &openai());
    assert!(body.get("reasoning").is_none() && body.get("include").is_none());
    req.reasoning = Some(ReasoningConfig::Budget(20_000));
    let none = Profile {
        thinking: ThinkingStyle::None,
        ..openai()
    };
    let body = encode(&req, &none);
    assert!(body.get("reasoning").is_none() && body.get("include").is_none());
    // The client asked for encrypted reasoning: requested even without other reasoning.
    let req = Request {
        model: "m".into(),
        include_encrypted_reasoning: true,
        ..Request::default()
    };
    assert_eq!(
        encode(&req, &openai())["include"],
        json!(["reasoning.encrypted_content"])
    );
}

// §2.4 tool results: `[tool error] ` prefix; images make a parts list; results of custom calls
// are custom_tool_call_output (custom.md).
#[test]
fn tool_results() {
    let mut req = Request {
        model: "m".into(),
        ..Request::default()
    };
    req.messages = vec![
        assistant(vec![
            call("c1", "f", "{}", ToolKind::Function),
            call(
                "c2",
                "apply_patch",
                "patch",
                ToolKind::Custom { format: None },
            ),
            call("c3", "shot", "{}", ToolKind::Function),
        ]),
        user(vec![
            result("c1", vec![Part::text("line 1"), Part::text("line 2")], true),
            result("c2", vec![Part::text("ok")], false),
            result(
                "c3",
                vec![
                    Part::text("here"),
                    Part::Image {
                        source: Media::Url("https://x.test/s.png".into()),
                        cache: None,
                    },
                ],
                true,
            ),
        ]),
    ];
    let body = encode(&req, &openai());
    let input = body["input"].as_array().unwrap();
    assert_eq!(
        input[1],
        json!({"type": "custom_tool_call", "call_id": "c2", "name": "apply_patch", "input": "patch"})
    );
    assert_eq!(
        input[3],
        json!({"type": "function_call_output", "call_id": "c1", "output": "[tool error] line 1\nline 2"})
    );
    assert_eq!(
        input[4],
        json!({"type": "custom_tool_call_output", "call_id": "c2", "output": "ok"})
    );
    assert_eq!(
        input[5]["output"],
        json!([
            {"type": "input_text", "text": "[tool error]"},
            {"type": "input_text", "text": "here"},
            {"type": "input_image", "image_url": "https://x.test/s.png", "detail": "auto"}
        ])
    );
}

// §2.5 names: shortened for OpenAI in tool definitions, tool_choice and history calls alike.
#[test]
fn long_tool_names_are_shortened_everywhere() {
    let long = format!("mcp__{}", "x".repeat(90));
    let short = vendor_tool_name(&long);
    let mut req = codex_request();
    req.tools[0].name = long.clone();
    req.tool_choice = Some(ToolChoice::Tool(long.clone()));
    req.messages = vec![assistant(vec![call("c", &long, "{}", ToolKind::Function)])];
    let body = encode(&req, &openai());
    assert_eq!(body["tools"][0]["name"], short.as_str());
    assert_eq!(
        body["tool_choice"],
        json!({"type": "function", "name": short})
    );
    assert_eq!(body["input"][0]["name"], short.as_str());
    assert!(!body.to_string().contains(&long));
    // A named custom tool is chosen as custom.
    req.tool_choice = Some(ToolChoice::Tool("apply_patch".into()));
    assert_eq!(
        encode(&req, &openai())["tool_choice"],
        json!({"type": "custom", "name": "apply_patch"})
    );
}

// §2.5: parallel_tool_calls and tool_choice only with tools; `required` only where accepted.
#[test]
fn tool_choice_and_parallel_calls_need_tools() {
    let mut req = Request {
        model: "m".into(),
        parallel_tool_calls: Some(false),
        tool_choice: Some(ToolChoice::Any),
        ..Request::default()
    };
    let body = encode(&req, &openai());
    assert!(body.get("parallel_tool_calls").is_none() && body.get("tool_choice").is_none());
    req.tools = codex_request().tools;
    let body = encode(&req, &openai());
    assert_eq!(body["parallel_tool_calls"], false);
    assert_eq!(body["tool_choice"], "required");
    let kimi = Profile {
        tool_choice_required: false,
        parallel_tool_calls: false,
        ..Profile::named("moonshot")
    };
    let body = encode(&req, &kimi);
    assert_eq!(body["tool_choice"], "auto");
    assert!(body.get("parallel_tool_calls").is_none());
}

// §2.6: temperature clamped, never rescaled; stop and top_k have no R field.
#[test]
fn sampling_parameters() {
    let req = Request {
        model: "m".into(),
        temperature: Some(1.7),
        stop: vec!["x".into()],
        top_k: Some(3),
        ..Request::default()
    };
    let body = encode(
        &req,
        &Profile {
            max_temperature: 1.0,
            ..openai()
        },
    );
    assert_eq!(body["temperature"], 1.0);
    assert!(body.get("stop").is_none() && body.get("top_k").is_none());
    assert_eq!(body["store"], false);
    assert_eq!(body["stream"], false);
}

// §2.2: system messages are developer items for OpenAI, system items elsewhere; the billing
// header is stripped from instructions per profile.
#[test]
fn system_roles_and_billing_header() {
    let req = Request {
        model: "m".into(),
        system: vec![
            Part::text("x-anthropic-billing-header: cch=1;"),
            Part::text("Hi."),
        ],
        messages: vec![Message {
            role: Role::System,
            parts: vec![Part::text("later")],
        }],
        ..Request::default()
    };
    let body = encode(&req, &openai());
    assert_eq!(body["instructions"], "Hi.");
    assert_eq!(
        body["input"][0],
        json!({"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "later"}]})
    );
    let keep = Profile {
        strip_billing_header: false,
        ..Profile::named("local")
    };
    let body = encode(&req, &keep);
    assert!(
        body["instructions"]
            .as_str()
            .unwrap()
            .starts_with("x-anthropic")
    );
    assert_eq!(body["input"][0]["role"], "system");
}

// §2.7 identity: safety_identifier is the hashed user, and only when the profile allows.
#[test]
fn user_identity_is_hashed() {
    let req = Request {
        model: "m".into(),
        user: Some("account-42".into()),
        ..Request::default()
    };
    let body = encode(&req, &openai());
    assert_eq!(
        body["safety_identifier"],
        req.hashed_user().unwrap().as_str()
    );
    let body = encode(
        &req,
        &Profile {
            user_id: false,
            ..openai()
        },
    );
    assert!(body.get("safety_identifier").is_none());
}

// §2.4: media the vendor does not take, and file ids, are refused naming the vendor; n>1 too.
#[test]
fn unsupported_media_and_choices() {
    let image = |source| Request {
        model: "m".into(),
        messages: vec![user(vec![Part::Image {
            source,
            cache: None,
        }])],
        ..Request::default()
    };
    let no_images = Profile {
        images: false,
        image_urls: false,
        documents: false,
        ..Profile::named("tinyllm")
    };
    let err = encode_request(
        &image(Media::Base64 {
            media_type: "image/png".into(),
            data: "A".into(),
        }),
        &no_images,
    )
    .unwrap_err();
    assert!(
        matches!(&err, TranslateError::Unsupported(m) if m.contains("tinyllm")),
        "{err:?}"
    );
    let err = encode_request(&image(Media::Url("https://x".into())), &no_images).unwrap_err();
    assert!(matches!(&err, TranslateError::Unsupported(m) if m.contains("tinyllm")));
    let err = encode_request(&image(Media::File("file-1".into())), &openai()).unwrap_err();
    assert!(matches!(err, TranslateError::Unsupported(_)));
    let pdf = Request {
        model: "m".into(),
        messages: vec![user(vec![Part::Document {
            source: Media::Base64 {
                media_type: "application/pdf".into(),
                data: "JV".into(),
            },
            title: None,
            filename: None,
            cache: None,
        }])],
        ..Request::default()
    };
    assert!(
        matches!(encode_request(&pdf, &no_images), Err(TranslateError::Unsupported(m)) if m.contains("tinyllm"))
    );
    let body = encode(&pdf, &openai());
    assert_eq!(
        body["input"][0]["content"][0],
        json!({"type": "input_file", "filename": "document.pdf", "file_data": "data:application/pdf;base64,JV"})
    );
    let n2 = Request {
        model: "m".into(),
        n: Some(2),
        ..Request::default()
    };
    assert!(matches!(
        encode_request(&n2, &openai()),
        Err(TranslateError::Unsupported(_))
    ));
}

// §2.7 state: previous_response_id is the vendor's own and passes through; json_schema format.
#[test]
fn previous_response_and_schema_format() {
    let req = Request {
        model: "m".into(),
        previous_response_id: Some("resp_1".into()),
        output_format: Some(OutputFormat::JsonSchema {
            name: "a".into(),
            schema: json!({"type": "object"}),
            strict: Some(true),
        }),
        ..Request::default()
    };
    let body = encode(&req, &openai());
    assert_eq!(body["previous_response_id"], "resp_1");
    assert_eq!(
        body["text"],
        json!({"format": {"type": "json_schema", "name": "a", "schema": {"type": "object"}, "strict": true}})
    );
}
