//! A Chat Completions client's request → canonical [`Request`].
//!
//! Structure changes on the way in (protocols.md §2.2–§2.3): leading `system`/`developer`
//! messages become [`Request::system`]; `tool` messages become tool-result parts of a user turn,
//! merged with neighbouring tool messages and the user message that directly follows them, so the
//! canonical conversation has Anthropic's shape (results first, then the user's own parts).

use serde_json::Value;

use super::fields::{Obj, malformed};
use crate::canonical::{
    Media, Message, OutputFormat, Part, Reasoning, ReasoningConfig, Request, Role, Tool, ToolCall,
    ToolChoice, ToolKind, ToolResult, TranslateError,
};

/// Decodes a Chat Completions request body.
///
/// Errors: `Malformed` for a body that is not a Chat Completions request (not JSON, missing
/// `model` or `messages`, a field of the wrong type), `Unsupported` for content weir cannot carry
/// (audio input, non-function tools, the legacy `function` role). Messages name the field, never
/// its content.
pub fn decode_request(body: &[u8]) -> Result<Request, TranslateError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| TranslateError::Malformed("the request body is not valid JSON".to_owned()))?;
    let top = Obj::of(&value, "")?;
    let mut req = Request {
        model: top.req_str("model")?.to_owned(),
        ..Request::default()
    };
    let messages = top
        .array("messages")?
        .ok_or_else(|| TranslateError::Malformed("`messages` is required".to_owned()))?;
    decode_messages(messages, &mut req)?;
    if let Some(tools) = top.array("tools")? {
        req.tools = tools
            .iter()
            .enumerate()
            .map(|(i, t)| decode_tool(t, format!("tools[{i}]")))
            .collect::<Result<_, _>>()?;
    }
    req.tool_choice = top.get("tool_choice").map(decode_tool_choice).transpose()?;
    req.parallel_tool_calls = top.bool("parallel_tool_calls")?;
    req.max_tokens = match top.u64("max_completion_tokens")? {
        Some(n) => Some(n),
        None => top.u64("max_tokens")?,
    };
    req.temperature = top.f64("temperature")?;
    req.top_p = top.f64("top_p")?;
    req.top_k = top.u64("top_k")?;
    req.stop = decode_stop(&top)?;
    req.n = top.u64("n")?;
    req.stream = top.bool("stream")?.unwrap_or(false);
    if let Some(options) = top.get("stream_options") {
        let options = Obj::of(options, "stream_options")?;
        req.include_usage = options.bool("include_usage")?.unwrap_or(false);
    }
    req.reasoning = top.str("reasoning_effort")?.map(|effort| match effort {
        // §2.7: `reasoning_effort: "none"` is the Chat spelling of thinking disabled.
        "none" => ReasoningConfig::Disabled,
        e => ReasoningConfig::Effort(Some(e.to_owned())),
    });
    req.output_format = top
        .get("response_format")
        .map(decode_response_format)
        .transpose()?
        .flatten();
    req.user = match top.str("safety_identifier")? {
        Some(id) => Some(id.to_owned()),
        None => top.str("user")?.map(str::to_owned),
    };
    req.cache_key = top.str("prompt_cache_key")?.map(str::to_owned);
    req.service_tier = top.str("service_tier")?.map(str::to_owned);
    req.store = top.bool("store")?;
    req.metadata = match top.get("metadata") {
        None => None,
        Some(m @ Value::Object(_)) => Some(m.clone()),
        Some(_) => return Err(malformed("metadata", "an object")),
    };
    Ok(req)
}

/// Walks `messages`, filling `req.system` and `req.messages`.
fn decode_messages(messages: &[Value], req: &mut Request) -> Result<(), TranslateError> {
    let mut leading = true;
    // Tool results waiting for the user message they share a turn with.
    let mut results: Vec<Part> = Vec::new();
    for (i, value) in messages.iter().enumerate() {
        let msg = Obj::of(value, format!("messages[{i}]"))?;
        let role = msg.req_str("role")?;
        if role != "system" && role != "developer" {
            leading = false;
        }
        match role {
            "system" | "developer" => {
                let parts = text_content(&msg)?;
                if leading {
                    req.system.extend(parts);
                } else {
                    flush_results(&mut results, req);
                    req.messages.push(Message {
                        role: Role::System,
                        parts,
                    });
                }
            }
            "tool" => {
                let call_id = msg.req_str("tool_call_id")?.to_owned();
                let content = match msg.get("content") {
                    None => Vec::new(),
                    Some(Value::String(s)) => vec![Part::text(s.clone())],
                    Some(Value::Array(parts)) => user_parts(parts, &msg.at("content"))?,
                    Some(_) => {
                        return Err(malformed(
                            &msg.at("content"),
                            "a string or an array of content parts",
                        ));
                    }
                };
                results.push(Part::ToolResult(ToolResult {
                    call_id,
                    content,
                    is_error: false,
                    cache: None,
                }));
            }
            "user" => {
                let mut parts = std::mem::take(&mut results);
                parts.extend(user_content(&msg)?);
                req.messages.push(Message {
                    role: Role::User,
                    parts,
                });
            }
            "assistant" => {
                flush_results(&mut results, req);
                req.messages.push(Message {
                    role: Role::Assistant,
                    parts: assistant_parts(&msg)?,
                });
            }
            "function" => {
                return Err(TranslateError::Unsupported(format!(
                    "`{}` uses the legacy role `function`; send tool results as role `tool`",
                    msg.at("role")
                )));
            }
            _ => {
                return Err(malformed(
                    &msg.at("role"),
                    "one of `system`, `developer`, `user`, `assistant`, `tool`",
                ));
            }
        }
    }
    flush_results(&mut results, req);
    Ok(())
}

/// Tool results not followed by a user message form a user turn of their own.
fn flush_results(results: &mut Vec<Part>, req: &mut Request) {
    if !results.is_empty() {
        req.messages.push(Message {
            role: Role::User,
            parts: std::mem::take(results),
        });
    }
}

/// System/developer content: a string or text parts.
fn text_content(msg: &Obj<'_>) -> Result<Vec<Part>, TranslateError> {
    let path = msg.at("content");
    match msg.get("content") {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![Part::text(s.clone())]),
        Some(Value::Array(parts)) => parts
            .iter()
            .enumerate()
            .map(|(j, p)| {
                let part = Obj::of(p, format!("{path}[{j}]"))?;
                match part.req_str("type")? {
                    "text" => Ok(Part::text(part.req_str("text")?)),
                    _ => Err(malformed(&part.at("type"), "`text` in a system message")),
                }
            })
            .collect(),
        Some(_) => Err(malformed(&path, "a string or an array of text parts")),
    }
}

/// User content: a string or parts.
fn user_content(msg: &Obj<'_>) -> Result<Vec<Part>, TranslateError> {
    match msg.get("content") {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![Part::text(s.clone())]),
        Some(Value::Array(parts)) => user_parts(parts, &msg.at("content")),
        Some(_) => Err(malformed(
            &msg.at("content"),
            "a string or an array of content parts",
        )),
    }
}

/// User content parts: text, images (§2.4: `image_url` with a URL or a `data:` URL) and files.
fn user_parts(parts: &[Value], path: &str) -> Result<Vec<Part>, TranslateError> {
    parts
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let part = Obj::of(p, format!("{path}[{j}]"))?;
            match part.req_str("type")? {
                "text" => Ok(Part::text(part.req_str("text")?)),
                "image_url" => {
                    let url = match part.get("image_url") {
                        // Some clients send the URL as a bare string.
                        Some(Value::String(url)) => url.as_str(),
                        Some(v) => Obj::of(v, part.at("image_url"))?.req_str("url")?,
                        None => return Err(malformed(&part.at("image_url"), "an object")),
                    };
                    Ok(Part::Image {
                        source: Media::from_url(url),
                        cache: None,
                    })
                }
                "file" => {
                    let file = part
                        .get("file")
                        .ok_or_else(|| malformed(&part.at("file"), "an object"))?;
                    decode_file(&Obj::of(file, part.at("file"))?)
                }
                "input_audio" => Err(TranslateError::Unsupported(format!(
                    "`{}`: audio input is not supported by weir",
                    part.at("type")
                ))),
                _ => Err(malformed(
                    &part.at("type"),
                    "one of `text`, `image_url`, `file`",
                )),
            }
        })
        .collect()
}

/// A `file` part: inline data (a `data:` URL, or bare base64 which OpenAI documents as PDF) or
/// a vendor file id.
fn decode_file(file: &Obj<'_>) -> Result<Part, TranslateError> {
    let filename = file.str("filename")?.map(str::to_owned);
    let source = if let Some(data) = file.str("file_data")? {
        match Media::from_url(data) {
            inline @ Media::Base64 { .. } => inline,
            _ => Media::Base64 {
                media_type: "application/pdf".to_owned(),
                data: data.to_owned(),
            },
        }
    } else if let Some(id) = file.str("file_id")? {
        Media::File(id.to_owned())
    } else {
        return Err(TranslateError::Malformed(format!(
            "`{}` needs `file_data` or `file_id`",
            file.path
        )));
    };
    Ok(Part::Document {
        source,
        title: None,
        filename,
        cache: None,
    })
}

/// An assistant turn: reasoning first, then text, then tool calls (the canonical order, §3.1).
fn assistant_parts(msg: &Obj<'_>) -> Result<Vec<Part>, TranslateError> {
    let mut parts = Vec::new();
    let reasoning = match msg.str("reasoning_content")? {
        Some(r) => Some(r),
        None => msg.str("reasoning")?,
    };
    if let Some(text) = reasoning.filter(|r| !r.is_empty()) {
        parts.push(Part::Reasoning(Reasoning {
            text: text.to_owned(),
            ..Reasoning::default()
        }));
    }
    let path = msg.at("content");
    match msg.get("content") {
        Some(Value::String(s)) if !s.is_empty() => parts.push(Part::text(s.clone())),
        None | Some(Value::String(_)) => {}
        Some(Value::Array(content)) => {
            for (j, p) in content.iter().enumerate() {
                let part = Obj::of(p, format!("{path}[{j}]"))?;
                match part.req_str("type")? {
                    "text" => parts.push(Part::text(part.req_str("text")?)),
                    // A refusal is the model's words to the user, not something to replay.
                    "refusal" => {}
                    _ => return Err(malformed(&part.at("type"), "`text` or `refusal`")),
                }
            }
        }
        Some(_) => return Err(malformed(&path, "a string or an array of text parts")),
    }
    if let Some(calls) = msg.array("tool_calls")? {
        for (j, c) in calls.iter().enumerate() {
            parts.push(Part::ToolCall(decode_tool_call(
                c,
                format!("{}[{j}]", msg.at("tool_calls")),
            )?));
        }
    }
    Ok(parts)
}

/// The `function` object of a tool definition or tool call, whose `type` must be `function`
/// (or absent); `what` names the list in the error ("tools", "tool calls").
fn function_of<'a>(outer: &Obj<'a>, what: &str) -> Result<Obj<'a>, TranslateError> {
    match outer.str("type")? {
        None | Some("function") => {}
        Some(_) => {
            return Err(TranslateError::Unsupported(format!(
                "`{}`: only `function` {what} are supported",
                outer.at("type")
            )));
        }
    }
    let function = outer
        .get("function")
        .ok_or_else(|| malformed(&outer.at("function"), "an object"))?;
    Obj::of(function, outer.at("function"))
}

/// One `tool_calls[]` entry of an assistant message in the history.
fn decode_tool_call(value: &Value, path: String) -> Result<ToolCall, TranslateError> {
    let call = Obj::of(value, path)?;
    let function = function_of(&call, "tool calls")?;
    Ok(ToolCall {
        id: call.req_str("id")?.to_owned(),
        name: function.req_str("name")?.to_owned(),
        arguments: function.str("arguments")?.unwrap_or("").to_owned(),
        kind: ToolKind::Function,
        item_id: None,
        // Gemini's thought signature, echoed by clients that talk to Gemini through weir.
        extras: call.get("extra_content").cloned(),
    })
}

/// A tool definition (§2.5): only `function` tools exist in Chat Completions' common subset.
fn decode_tool(value: &Value, path: String) -> Result<Tool, TranslateError> {
    let tool = Obj::of(value, path)?;
    let function = function_of(&tool, "tools")?;
    let schema = match function.get("parameters") {
        None => serde_json::json!({"type": "object", "properties": {}}),
        Some(p @ Value::Object(_)) => p.clone(),
        Some(_) => {
            return Err(malformed(
                &function.at("parameters"),
                "a JSON schema object",
            ));
        }
    };
    Ok(Tool {
        name: function.req_str("name")?.to_owned(),
        description: function.str("description")?.map(str::to_owned),
        schema,
        strict: function.bool("strict")?,
        kind: ToolKind::Function,
        cache: None,
    })
}

/// `tool_choice` (§2.5): a mode string or a named function.
fn decode_tool_choice(value: &Value) -> Result<ToolChoice, TranslateError> {
    const EXPECTED: &str =
        "`auto`, `none`, `required` or `{\"type\":\"function\",\"function\":{\"name\":…}}`";
    match value {
        Value::String(s) => match s.as_str() {
            "auto" => Ok(ToolChoice::Auto),
            "none" => Ok(ToolChoice::None),
            "required" => Ok(ToolChoice::Any),
            _ => Err(malformed("tool_choice", EXPECTED)),
        },
        Value::Object(_) => {
            let choice = Obj::of(value, "tool_choice")?;
            if choice.str("type")? != Some("function") {
                return Err(TranslateError::Unsupported(
                    "`tool_choice.type`: only `function` can be forced".to_owned(),
                ));
            }
            let function = choice
                .get("function")
                .ok_or_else(|| malformed("tool_choice.function", "an object"))?;
            let name = Obj::of(function, "tool_choice.function")?.req_str("name")?;
            Ok(ToolChoice::Tool(name.to_owned()))
        }
        _ => Err(malformed("tool_choice", EXPECTED)),
    }
}

/// `stop`: a string or an array of strings.
fn decode_stop(top: &Obj<'_>) -> Result<Vec<String>, TranslateError> {
    const EXPECTED: &str = "a string or an array of strings";
    match top.get("stop") {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| malformed("stop", EXPECTED))
            })
            .collect(),
        Some(_) => Err(malformed("stop", EXPECTED)),
    }
}

/// `response_format` (§2.7); `text` is the default and reads as no format.
fn decode_response_format(value: &Value) -> Result<Option<OutputFormat>, TranslateError> {
    let format = Obj::of(value, "response_format")?;
    match format.req_str("type")? {
        "text" => Ok(None),
        "json_object" => Ok(Some(OutputFormat::JsonObject)),
        "json_schema" => {
            let spec = format
                .get("json_schema")
                .ok_or_else(|| malformed("response_format.json_schema", "an object"))?;
            let spec = Obj::of(spec, "response_format.json_schema")?;
            let schema = match spec.get("schema") {
                None => serde_json::json!({}),
                Some(s @ Value::Object(_)) => s.clone(),
                Some(_) => return Err(malformed(&spec.at("schema"), "a JSON schema object")),
            };
            Ok(Some(OutputFormat::JsonSchema {
                name: spec.str("name")?.unwrap_or("response").to_owned(),
                schema,
                strict: spec.bool("strict")?,
            }))
        }
        _ => Err(malformed(
            "response_format.type",
            "`text`, `json_object` or `json_schema`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(v: Value) -> Result<Request, TranslateError> {
        decode_request(v.to_string().as_bytes())
    }

    #[test]
    fn leading_system_and_developer_messages_become_the_system_prompt() {
        // §2.2 C→A: hoisting; C→R: first ones → instructions, later ones stay in place.
        let req = decode(json!({
            "model": "m",
            "messages": [
                {"role": "system", "content": "A"},
                {"role": "developer", "content": [{"type": "text", "text": "B"}, {"type": "text", "text": "C"}]},
                {"role": "user", "content": "hi"},
                {"role": "system", "content": "later"}
            ]
        }))
        .unwrap();
        assert_eq!(
            req.system,
            vec![Part::text("A"), Part::text("B"), Part::text("C")]
        );
        assert_eq!(req.messages.len(), 2);
        assert_eq!(req.messages[1].role, Role::System);
        assert_eq!(req.messages[1].parts, vec![Part::text("later")]);
    }

    #[test]
    fn tool_messages_and_the_following_user_message_form_one_turn() {
        // §2.3: C consecutive `tool` messages (+ following `user`) → one user turn, results first.
        let req = decode(json!({
            "model": "m",
            "messages": [
                {"role": "user", "content": "go"},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "a", "arguments": "{}"}},
                    {"id": "call_2", "type": "function", "function": {"name": "b", "arguments": "{\"x\":1}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_1", "content": "one"},
                {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "two"}]},
                {"role": "user", "content": "and now?"}
            ]
        }))
        .unwrap();
        assert_eq!(req.messages.len(), 3);
        let turn = &req.messages[2];
        assert_eq!(turn.role, Role::User);
        assert_eq!(turn.parts.len(), 3);
        let Part::ToolResult(r) = &turn.parts[1] else {
            panic!("expected a tool result, got {:?}", turn.parts[1]);
        };
        assert_eq!(r.call_id, "call_2");
        assert_eq!(r.content, vec![Part::text("two")]);
        assert_eq!(turn.parts[2], Part::text("and now?"));
        let Part::ToolCall(c) = &req.messages[1].parts[1] else {
            panic!("expected a tool call");
        };
        assert_eq!(c.arguments, "{\"x\":1}");
    }

    #[test]
    fn trailing_tool_messages_form_their_own_user_turn() {
        let req = decode(json!({
            "model": "m",
            "messages": [
                {"role": "assistant", "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "a", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "c", "content": "r"},
                {"role": "assistant", "content": "done"}
            ]
        }))
        .unwrap();
        assert_eq!(req.messages.len(), 3);
        assert_eq!(req.messages[1].role, Role::User);
        assert!(matches!(req.messages[1].parts[0], Part::ToolResult(_)));
    }

    #[test]
    fn assistant_reasoning_comes_first_and_refusals_are_dropped() {
        // §2.4 thinking: `reasoning_content` (or `reasoning`) → Reasoning, unsigned.
        let req = decode(json!({
            "model": "m",
            "messages": [{"role": "assistant", "reasoning": "think",
                "content": [{"type": "text", "text": "x"}, {"type": "refusal", "refusal": "no"}]}]
        }))
        .unwrap();
        let parts = &req.messages[0].parts;
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts[0],
            Part::Reasoning(Reasoning {
                text: "think".into(),
                ..Reasoning::default()
            })
        );
        assert_eq!(parts[1], Part::text("x"));
    }

    #[test]
    fn user_images_and_files_become_media() {
        // §2.4 image base64/URL and PDF rows.
        let req = decode(json!({
            "model": "m",
            "messages": [{"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "high"}},
                {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"}},
                {"type": "file", "file": {"file_id": "file-1"}}
            ]}]
        }))
        .unwrap();
        let parts = &req.messages[0].parts;
        assert_eq!(
            parts[0],
            Part::Image {
                source: Media::Base64 {
                    media_type: "image/png".into(),
                    data: "AAAA".into()
                },
                cache: None
            }
        );
        assert_eq!(
            parts[1],
            Part::Image {
                source: Media::Url("https://x/y.png".into()),
                cache: None
            }
        );
        assert_eq!(
            parts[2],
            Part::Document {
                source: Media::Base64 {
                    media_type: "application/pdf".into(),
                    data: "JVBE".into()
                },
                title: None,
                filename: Some("a.pdf".into()),
                cache: None
            }
        );
        assert!(
            matches!(&parts[3], Part::Document { source: Media::File(id), .. } if id == "file-1")
        );
    }

    #[test]
    fn audio_is_unsupported() {
        let err = decode(
            json!({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "input_audio", "input_audio": {"data": "secret", "format": "wav"}}]}]}),
        )
        .unwrap_err();
        assert!(
            matches!(&err, TranslateError::Unsupported(m) if m.contains("audio") && !m.contains("secret"))
        );
    }

    #[test]
    fn parameters_map_to_canonical_fields() {
        // §2.1 / §2.5 / §2.6 / §2.7 rows for C.
        let req = decode(json!({
            "model": "gpt-x",
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "function", "function": {"name": "Read", "description": "d", "strict": true}}],
            "tool_choice": {"type": "function", "function": {"name": "Read"}},
            "parallel_tool_calls": false,
            "max_tokens": 10, "max_completion_tokens": 20,
            "temperature": 1.5, "top_p": 0.9, "top_k": 40,
            "stop": "END", "n": 1, "stream": true,
            "stream_options": {"include_usage": true},
            "reasoning_effort": "high",
            "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": {"type": "object"}, "strict": true}},
            "user": "u1", "safety_identifier": "s1",
            "prompt_cache_key": "k", "service_tier": "flex", "store": false,
            "metadata": {"a": "b"}
        }))
        .unwrap();
        assert_eq!(req.model, "gpt-x");
        assert_eq!(
            req.tools[0].schema,
            json!({"type": "object", "properties": {}})
        );
        assert_eq!(req.tools[0].strict, Some(true));
        assert_eq!(req.tool_choice, Some(ToolChoice::Tool("Read".into())));
        assert_eq!(req.parallel_tool_calls, Some(false));
        assert_eq!(req.max_tokens, Some(20));
        assert_eq!(
            (req.temperature, req.top_p, req.top_k),
            (Some(1.5), Some(0.9), Some(40))
        );
        assert_eq!(req.stop, vec!["END".to_owned()]);
        assert_eq!(req.n, Some(1));
        assert!(req.stream && req.include_usage);
        assert_eq!(
            req.reasoning,
            Some(ReasoningConfig::Effort(Some("high".into())))
        );
        assert_eq!(
            req.output_format,
            Some(OutputFormat::JsonSchema {
                name: "out".into(),
                schema: json!({"type": "object"}),
                strict: Some(true)
            })
        );
        assert_eq!(req.user.as_deref(), Some("s1"));
        assert_eq!(req.cache_key.as_deref(), Some("k"));
        assert_eq!(req.service_tier.as_deref(), Some("flex"));
        assert_eq!(req.store, Some(false));
        assert_eq!(req.metadata, Some(json!({"a": "b"})));
    }

    #[test]
    fn small_parameter_variants() {
        let req = decode(json!({
            "model": "m", "messages": [],
            "tool_choice": "required", "stop": ["a", "b"], "max_tokens": 7,
            "reasoning_effort": "none", "response_format": {"type": "json_object"}, "user": "u"
        }))
        .unwrap();
        assert_eq!(req.tool_choice, Some(ToolChoice::Any));
        assert_eq!(req.stop, vec!["a".to_owned(), "b".to_owned()]);
        assert_eq!(req.max_tokens, Some(7));
        assert_eq!(req.reasoning, Some(ReasoningConfig::Disabled));
        assert_eq!(req.output_format, Some(OutputFormat::JsonObject));
        assert_eq!(req.user.as_deref(), Some("u"));
        assert!(!req.stream && !req.include_usage);
    }

    #[test]
    fn wrong_types_are_malformed_with_the_field_named() {
        let cases = [
            (json!({"messages": []}), "`model` is required"),
            (json!({"model": "m"}), "`messages` is required"),
            (
                json!({"model": "m", "messages": [], "temperature": "hot"}),
                "`temperature` must be a number",
            ),
            (
                json!({"model": "m", "messages": [{"role": "user", "content": 5}]}),
                "`messages[0].content` must be",
            ),
            (
                json!({"model": "m", "messages": [], "stop": [1]}),
                "`stop` must be",
            ),
            (
                json!({"model": "m", "messages": [], "tool_choice": "sometimes"}),
                "`tool_choice` must be",
            ),
            (
                json!({"model": "m", "messages": [{"role": "robot"}]}),
                "`messages[0].role` must be",
            ),
            (
                json!({"model": "m", "messages": [], "stream_options": {"include_usage": "yes"}}),
                "`stream_options.include_usage` must be",
            ),
        ];
        for (body, expected) in cases {
            match decode(body.clone()) {
                Err(TranslateError::Malformed(m)) => {
                    assert!(m.contains(expected), "{m} vs {expected}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(matches!(
            decode_request(b"{"),
            Err(TranslateError::Malformed(_))
        ));
    }

    #[test]
    fn non_function_tools_are_unsupported() {
        let err = decode(json!({"model": "m", "messages": [],
            "tools": [{"type": "custom", "custom": {"name": "x"}}]}))
        .unwrap_err();
        assert!(matches!(err, TranslateError::Unsupported(_)));
    }
}
