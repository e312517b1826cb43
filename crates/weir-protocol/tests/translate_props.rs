//! Property tests of stream translation (protocols.md §4): for arbitrary event sequences of each
//! vendor protocol — plausible events in random order, with random block kinds, indices, ids,
//! interleavings, deltas, missing or repeated stops, errors and early ends — every translation to
//! another client protocol yields a well-formed client stream (driven as the gateway drives it:
//! `finish` at EOF, `fail` after a malformed event), whatever the chunking of the vendor's bytes.
//!
//! The SSE framer's chunking invariance has its own property test in `src/sse.rs`; here it is
//! also checked on the generated vendor streams, through the fuzz targets' check.

#[path = "../../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod checks;

use proptest::prelude::*;
use serde_json::{Value, json};
use weir_protocol::Protocol;

/// Short text with the characters that break hand-written JSON or SSE framing.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        6 => "[a-zA-Z0-9 ]{1,10}",
        2 => prop::sample::select(vec!["\n", "\r\n", "\"", "\\", "{\"a\":", "1}", "ü✓", "data: x\n\n", "\u{2028}"])
            .prop_map(str::to_owned),
    ]
}

/// A JSON-argument fragment (arguments are streamed verbatim, valid or not).
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("{\"location\":".to_owned()),
        Just("\"Paris\"}".to_owned()),
        Just("{\"input\":\"*** Begin Patch\\n\"}".to_owned()),
        text(),
    ]
}

fn usage_counts() -> impl Strategy<Value = (u64, u64, u64, u64)> {
    (0u64..5000, 0u64..5000, 0u64..5000, 0u64..500)
}

fn sse(event: Option<&str>, data: &str) -> String {
    match event {
        Some(e) => format!("event: {e}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}

/// Noise any vendor may send: comments, empty data, garbage, a truncated frame.
fn noise() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        ": keep-alive\n\n",
        "data:\n\n",
        "data: {not json\n\n",
        "data: [DONE]\n\n",
        "event: ping\n\n",
        "data: {\"type\":",
    ])
    .prop_map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// Anthropic Messages vendor events.

fn anthropic_event() -> impl Strategy<Value = String> {
    let index = 0u64..4;
    let start = (
        index.clone(),
        prop::sample::select(vec!["text", "thinking", "tool_use", "redacted_thinking"]),
        prop::sample::select(vec!["toolu_a", "toolu_b", "toolu_c"]),
        prop::sample::select(vec!["get_weather", "apply_patch", "unknown_tool"]),
    )
        .prop_map(|(index, kind, id, name)| {
            let block = match kind {
                "text" => json!({"type": "text", "text": ""}),
                "thinking" => json!({"type": "thinking", "thinking": "", "signature": ""}),
                "tool_use" => json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
                _ => json!({"type": "redacted_thinking", "data": "EmwKAhgB"}),
            };
            let data =
                json!({"type": "content_block_start", "index": index, "content_block": block});
            sse(Some("content_block_start"), &data.to_string())
        });
    let delta = (
        index.clone(),
        prop::sample::select(vec![
            "text_delta",
            "thinking_delta",
            "signature_delta",
            "input_json_delta",
            "citations_delta",
        ]),
        fragment(),
    )
        .prop_map(|(index, kind, s)| {
            let delta = match kind {
                "text_delta" => json!({"type": kind, "text": s}),
                "thinking_delta" => json!({"type": kind, "thinking": s}),
                "signature_delta" => json!({"type": kind, "signature": s}),
                "input_json_delta" => json!({"type": kind, "partial_json": s}),
                _ => json!({"type": kind, "citation": {"type": "char_location"}}),
            };
            let data = json!({"type": "content_block_delta", "index": index, "delta": delta});
            sse(Some("content_block_delta"), &data.to_string())
        });
    let stop = index.prop_map(|index| {
        let data = json!({"type": "content_block_stop", "index": index});
        sse(Some("content_block_stop"), &data.to_string())
    });
    let message_delta = (
        prop::option::of(prop::sample::select(vec![
            "end_turn",
            "tool_use",
            "max_tokens",
            "stop_sequence",
            "refusal",
            "pause_turn",
        ])),
        usage_counts(),
    )
        .prop_map(|(reason, (input, read, write, output))| {
            let data = json!({
                "type": "message_delta",
                "delta": {"stop_reason": reason, "stop_sequence": null},
                "usage": {"input_tokens": input, "cache_read_input_tokens": read,
                          "cache_creation_input_tokens": write, "output_tokens": output},
            });
            sse(Some("message_delta"), &data.to_string())
        });
    let error = prop::sample::select(vec![
        "overloaded_error",
        "api_error",
        "rate_limit_error",
        "invalid_request_error",
    ])
    .prop_map(|kind| {
        let data = json!({"type": "error", "error": {"type": kind, "message": "boom"}});
        sse(Some("error"), &data.to_string())
    });
    prop_oneof![
        1 => anthropic_message_start(),
        5 => start,
        8 => delta,
        4 => stop,
        1 => Just(sse(Some("ping"), "{\"type\": \"ping\"}")),
        2 => message_delta,
        2 => Just(sse(Some("message_stop"), "{\"type\":\"message_stop\"}")),
        1 => error,
        1 => noise(),
    ]
}

fn anthropic_message_start() -> impl Strategy<Value = String> {
    usage_counts().prop_map(|(input, read, write, output)| {
        let data = json!({"type": "message_start", "message": {
            "id": "msg_prop", "type": "message", "role": "assistant", "model": "claude",
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": input, "cache_read_input_tokens": read,
                      "cache_creation_input_tokens": write, "output_tokens": output},
        }});
        sse(Some("message_start"), &data.to_string())
    })
}

// ---------------------------------------------------------------------------------------------
// Chat Completions vendor chunks.

fn tool_entry() -> impl Strategy<Value = Value> {
    (
        prop::option::of(0u64..3),
        prop::option::of(prop::sample::select(vec!["call_a", "call_b", "call_c"])),
        prop::option::of(prop::sample::select(vec![
            "get_weather",
            "apply_patch",
            "unknown_tool",
        ])),
        prop::option::of(fragment()),
    )
        .prop_map(|(index, id, name, arguments)| {
            let mut entry = json!({"function": {}});
            if let Some(index) = index {
                entry["index"] = json!(index);
            }
            if let Some(id) = id {
                entry["id"] = json!(id);
                entry["type"] = json!("function");
            }
            if let Some(name) = name {
                entry["function"]["name"] = json!(name);
            }
            if let Some(arguments) = arguments {
                entry["function"]["arguments"] = json!(arguments);
            }
            entry
        })
}

fn chat_usage() -> impl Strategy<Value = Value> {
    usage_counts().prop_map(|(input, cached, output, reasoning)| {
        json!({"prompt_tokens": input + cached, "completion_tokens": output,
               "total_tokens": input + cached + output,
               "prompt_tokens_details": {"cached_tokens": cached},
               "completion_tokens_details": {"reasoning_tokens": reasoning}})
    })
}

fn chat_chunk() -> impl Strategy<Value = String> {
    let choice = (
        any::<bool>(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::collection::vec(tool_entry(), 0..3),
        prop::option::of(prop::sample::select(vec![
            "stop",
            "tool_calls",
            "length",
            "content_filter",
            "function_call",
            "end_turn",
        ])),
        prop::option::of(chat_usage()),
    )
        .prop_map(
            |(role, content, reasoning_content, reasoning, tools, finish, usage)| {
                let mut delta = json!({});
                if role {
                    delta["role"] = json!("assistant");
                }
                if let Some(c) = content {
                    delta["content"] = json!(c);
                }
                if let Some(r) = reasoning_content {
                    delta["reasoning_content"] = json!(r);
                }
                if let Some(r) = reasoning {
                    delta["reasoning"] = json!(r);
                }
                if !tools.is_empty() {
                    delta["tool_calls"] = json!(tools);
                }
                let data = json!({
                    "id": "chatcmpl-prop", "object": "chat.completion.chunk", "created": 1,
                    "model": "gpt", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                    "usage": usage,
                });
                sse(None, &data.to_string())
            },
        );
    let usage_only = chat_usage().prop_map(|usage| {
        let data = json!({"id": "chatcmpl-prop", "object": "chat.completion.chunk", "created": 1,
                          "model": "gpt", "choices": [], "usage": usage});
        sse(None, &data.to_string())
    });
    let error =
        prop::sample::select(vec!["server_error", "rate_limit_exceeded", ""]).prop_map(|code| {
            let data =
                json!({"error": {"message": "boom", "type": code, "param": null, "code": code}});
            sse(None, &data.to_string())
        });
    prop_oneof![
        12 => choice,
        2 => usage_only,
        1 => error,
        2 => Just(sse(None, "[DONE]")),
        1 => noise(),
    ]
}

// ---------------------------------------------------------------------------------------------
// Responses vendor events.

fn responses_event() -> impl Strategy<Value = String> {
    let item_id = prop::sample::select(vec!["it_a", "it_b", "it_c"]);
    let index = 0u64..4;
    let item = (
        item_id.clone(),
        prop::sample::select(vec![
            "message",
            "reasoning",
            "function_call",
            "custom_tool_call",
            "web_search_call",
        ]),
        prop::sample::select(vec!["call_a", "call_b"]),
        prop::sample::select(vec!["get_weather", "apply_patch"]),
        fragment(),
    )
        .prop_map(|(id, kind, call_id, name, body)| match kind {
            "message" => json!({"id": id, "type": kind, "role": "assistant", "status": "completed",
                                "content": [{"type": "output_text", "text": body, "annotations": []}]}),
            "reasoning" => json!({"id": id, "type": kind, "encrypted_content": "gAAA",
                                  "summary": [{"type": "summary_text", "text": body}]}),
            "function_call" => json!({"id": id, "type": kind, "call_id": call_id, "name": name,
                                      "arguments": body, "status": "completed"}),
            "custom_tool_call" => json!({"id": id, "type": kind, "call_id": call_id, "name": name,
                                         "input": body, "status": "completed"}),
            _ => json!({"id": id, "type": kind, "status": "completed"}),
        });
    let item_event = (
        prop::sample::select(vec![
            "response.output_item.added",
            "response.output_item.done",
        ]),
        index.clone(),
        item,
    )
        .prop_map(|(kind, index, item)| json!({"type": kind, "output_index": index, "item": item}));
    let delta_event = (
        prop::sample::select(vec![
            "response.output_text.delta",
            "response.refusal.delta",
            "response.reasoning_summary_text.delta",
            "response.reasoning_text.delta",
            "response.function_call_arguments.delta",
            "response.custom_tool_call_input.delta",
            "response.output_text.done",
            "response.function_call_arguments.done",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_part.done",
            "response.content_part.added",
            "response.content_part.done",
        ]),
        item_id,
        index.clone(),
        0u64..3,
        fragment(),
    )
        .prop_map(|(kind, item_id, index, sub, delta)| {
            json!({"type": kind, "item_id": item_id, "output_index": index, "content_index": 0,
                   "summary_index": sub, "delta": delta, "text": delta, "arguments": delta,
                   "part": {"type": "summary_text", "text": ""}})
        });
    let terminal = (
        prop::sample::select(vec![
            "response.completed",
            "response.incomplete",
            "response.failed",
        ]),
        usage_counts(),
        prop::sample::select(vec![
            "server_error",
            "context_length_exceeded",
            "rate_limit_exceeded",
        ]),
    )
        .prop_map(|(kind, (input, cached, output, reasoning), code)| {
            let status = kind.trim_start_matches("response.");
            json!({"type": kind, "response": {
                "id": "resp_prop", "object": "response", "status": status, "output": [],
                "incomplete_details": {"reason": "max_output_tokens"},
                "error": {"code": code, "message": "boom"},
                "usage": {"input_tokens": input + cached, "output_tokens": output,
                          "total_tokens": input + cached + output,
                          "input_tokens_details": {"cached_tokens": cached},
                          "output_tokens_details": {"reasoning_tokens": reasoning}},
            }})
        });
    let created = prop::sample::select(vec!["response.created", "response.in_progress"])
        .prop_map(|kind| json!({"type": kind, "response": {"id": "resp_prop", "status": "in_progress", "output": []}}));
    let error = Just(json!({"type": "error", "code": "server_error", "message": "boom"}));
    let event = prop_oneof![
        2 => created,
        5 => item_event,
        10 => delta_event,
        2 => terminal,
        1 => error,
    ];
    // Real streams number every event; the translator must not depend on it.
    let numbered = (event, 0u64..100).prop_map(|(mut v, n)| {
        v["sequence_number"] = json!(n);
        let kind = v["type"].as_str().unwrap_or_default().to_owned();
        sse(Some(&kind), &v.to_string())
    });
    prop_oneof![12 => numbered, 1 => noise()]
}

// ---------------------------------------------------------------------------------------------

/// A vendor stream: usually a proper start, then random events; then perhaps cut short.
fn stream(
    start: impl Strategy<Value = String>,
    event: impl Strategy<Value = String>,
) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::option::weighted(0.85, start),
        prop::collection::vec(event, 0..24),
        prop::option::weighted(0.2, any::<prop::sample::Index>()),
    )
        .prop_map(|(start, events, cut)| {
            let mut bytes: Vec<u8> = start.unwrap_or_default().into_bytes();
            for e in events {
                bytes.extend_from_slice(e.as_bytes());
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            bytes
        })
}

fn anthropic_stream() -> impl Strategy<Value = Vec<u8>> {
    stream(anthropic_message_start(), anthropic_event())
}

fn chat_stream() -> impl Strategy<Value = Vec<u8>> {
    stream(chat_chunk(), chat_chunk())
}

fn responses_stream() -> impl Strategy<Value = Vec<u8>> {
    let created = Just(sse(
        Some("response.created"),
        "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_prop\",\"status\":\"in_progress\",\"output\":[]}}",
    ));
    stream(created, responses_event())
}

fn cuts() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..4096, 0..6)
}

/// Every translation of `data` from `vendor` is well-formed and chunking-independent, and the
/// framer frames it the same however it is split.
fn check(vendor: Protocol, data: &[u8], cuts: &[usize]) {
    checks::check_translate(vendor, data, cuts);
    let bytewise: Vec<&[u8]> = data.chunks(1).collect();
    for client in checks::clients_of(vendor) {
        assert_eq!(
            checks::translate_chunks(vendor, client, &[data]),
            checks::translate_chunks(vendor, client, &bytewise),
            "{vendor} → {client}: byte by byte"
        );
    }
    checks::check_sse_framer(data, cuts);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn anthropic_vendor_streams_translate_well_formed(data in anthropic_stream(), cuts in cuts()) {
        check(Protocol::Anthropic, &data, &cuts);
    }

    #[test]
    fn chat_vendor_streams_translate_well_formed(data in chat_stream(), cuts in cuts()) {
        check(Protocol::OpenAiChat, &data, &cuts);
    }

    #[test]
    fn responses_vendor_streams_translate_well_formed(data in responses_stream(), cuts in cuts()) {
        check(Protocol::OpenAiResponses, &data, &cuts);
    }
}

/// The generators reach the translators' interesting paths: a fair share of generated streams
/// gets past the start and completes or fails as the vendor said, rather than all being cut
/// short as malformed (which would make the properties above vacuous).
#[test]
fn generated_streams_are_mostly_readable() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let generators: [(Protocol, BoxedStrategy<Vec<u8>>); 3] = [
        (Protocol::Anthropic, anthropic_stream().boxed()),
        (Protocol::OpenAiChat, chat_stream().boxed()),
        (Protocol::OpenAiResponses, responses_stream().boxed()),
    ];
    for (vendor, strategy) in generators {
        let (mut readable, mut completed) = (0, 0);
        for _ in 0..100 {
            let data = strategy.new_tree(&mut runner).unwrap().current();
            let client = checks::clients_of(vendor).next().unwrap();
            let out = checks::translate_chunks(vendor, client, &[&data]);
            let out = String::from_utf8(out).unwrap();
            if !out.contains("malformed event") {
                readable += 1;
            }
            let success = match client {
                Protocol::Anthropic => "event: message_stop",
                Protocol::OpenAiChat => "data: [DONE]",
                Protocol::OpenAiResponses => "event: response.completed",
            };
            if out.contains(success) {
                completed += 1;
            }
        }
        eprintln!("{vendor}: {readable}/100 readable, {completed}/100 completed");
        assert!(readable >= 30, "{vendor}: only {readable}/100 readable");
        assert!(completed >= 5, "{vendor}: only {completed}/100 completed");
    }
}
