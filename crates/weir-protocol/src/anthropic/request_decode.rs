//! An Anthropic client's request body → canonical [`Request`] (protocols.md §2).
//!
//! Everything another protocol can express is carried; A-only fields that change nothing
//! elsewhere (`container`, `mcp_servers`, tool `input_examples`, …) and server tools and their
//! blocks (`server_tool_use`, `web_search_tool_result`, …), which no other vendor can run, are
//! dropped. Unknown content block types are dropped too: the API grows new ones, and refusing a
//! whole conversation over one is worse than leaving it out.

use serde_json::{Map, Value};

use crate::canonical::{
    CacheHint, Media, Message, OutputFormat, Part, Reasoning, ReasoningConfig, Request, Role,
    Signature, Tool, ToolCall, ToolChoice, ToolKind, ToolResult, TranslateError,
};

type Obj = Map<String, Value>;

/// Decodes an Anthropic Messages request body (`POST /v1/messages`, also the body of
/// `count_tokens`, which has no `max_tokens`).
///
/// `messages` is required; every field that is present must have the type the API documents,
/// otherwise the result is [`TranslateError::Malformed`] naming the field.
pub fn decode_request(body: &[u8]) -> Result<Request, TranslateError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        malformed(format!(
            "the request body is not valid JSON (line {}, column {}); send an Anthropic \
             Messages request",
            e.line(),
            e.column()
        ))
    })?;
    let top = value
        .as_object()
        .ok_or_else(|| malformed("the request body must be a JSON object".to_owned()))?;

    let messages = match get(top, "messages") {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, m)| message(m, &format!("messages[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(wrong("messages", "an array of messages")),
        None => {
            return Err(malformed(
                "`messages` is required: send the conversation as an array of messages".to_owned(),
            ));
        }
    };

    let (tool_choice, parallel_tool_calls) = tool_choice(top)?;
    let output_config = opt_obj(top, "output_config", "output_config")?;
    let output_format = match output_config.and_then(|c| get(c, "format")) {
        Some(f) => output_format(f, "output_config.format")?,
        None => match get(top, "output_format") {
            Some(f) => output_format(f, "output_format")?,
            None => None,
        },
    };
    let effort = match output_config {
        Some(c) => opt_str(c, "effort", "output_config.effort")?,
        None => None,
    };
    let user = match opt_obj(top, "metadata", "metadata")? {
        Some(m) => opt_str(m, "user_id", "metadata.user_id")?.map(str::to_owned),
        None => None,
    };

    Ok(Request {
        model: opt_str(top, "model", "model")?
            .unwrap_or_default()
            .to_owned(),
        system: system(top)?,
        messages,
        tools: tools(top)?,
        tool_choice,
        parallel_tool_calls,
        max_tokens: opt_u64(top, "max_tokens", "max_tokens")?,
        temperature: opt_f64(top, "temperature", "temperature")?,
        top_p: opt_f64(top, "top_p", "top_p")?,
        top_k: opt_u64(top, "top_k", "top_k")?,
        stop: stop_sequences(top)?,
        n: None,
        stream: opt_bool(top, "stream", "stream")?.unwrap_or(false),
        include_usage: false,
        include_encrypted_reasoning: false,
        reasoning: thinking(top, effort)?,
        output_format,
        user,
        cache_key: None,
        service_tier: opt_str(top, "service_tier", "service_tier")?.map(str::to_owned),
        store: None,
        previous_response_id: None,
        metadata: None,
    })
}

/// `system`: a string, or text blocks that may carry `cache_control`.
fn system(top: &Obj) -> Result<Vec<Part>, TranslateError> {
    match get(top, "system") {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![Part::text(s.clone())]),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let path = format!("system[{i}]");
                let o = as_obj(b, &path)?;
                Ok(Part::Text {
                    text: req_str(o, "text", &format!("{path}.text"))?.to_owned(),
                    cache: cache(o, &path)?,
                })
            })
            .collect(),
        Some(_) => Err(wrong("system", "a string or an array of text blocks")),
    }
}

fn message(value: &Value, path: &str) -> Result<Message, TranslateError> {
    let o = as_obj(value, path)?;
    let role = match req_str(o, "role", &format!("{path}.role"))? {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        // Mid-conversation system messages (2026 API).
        "system" => Role::System,
        _ => {
            return Err(malformed(format!(
                "`{path}.role` must be `user`, `assistant` or `system`"
            )));
        }
    };
    let parts = content(get(o, "content"), &format!("{path}.content"))?;
    Ok(Message { role, parts })
}

/// A message's `content`: a string or an array of blocks.
fn content(value: Option<&Value>, path: &str) -> Result<Vec<Part>, TranslateError> {
    match value {
        Some(Value::String(s)) => Ok(vec![Part::text(s.clone())]),
        Some(Value::Array(blocks)) => {
            let mut parts = Vec::with_capacity(blocks.len());
            for (i, b) in blocks.iter().enumerate() {
                if let Some(p) = block(b, &format!("{path}[{i}]"))? {
                    parts.push(p);
                }
            }
            Ok(parts)
        }
        Some(_) | None => Err(wrong(path, "a string or an array of content blocks")),
    }
}

/// One content block; `None` for blocks weir drops (server tools, unknown types).
fn block(value: &Value, path: &str) -> Result<Option<Part>, TranslateError> {
    let o = as_obj(value, path)?;
    let kind = req_str(o, "type", &format!("{path}.type"))?;
    let part = match kind {
        "text" => Part::Text {
            text: req_str(o, "text", &format!("{path}.text"))?.to_owned(),
            cache: cache(o, path)?,
        },
        "image" => Part::Image {
            source: source(o, path)?,
            cache: cache(o, path)?,
        },
        "document" => Part::Document {
            source: source(o, path)?,
            title: opt_str(o, "title", &format!("{path}.title"))?.map(str::to_owned),
            filename: None,
            cache: cache(o, path)?,
        },
        "tool_use" => Part::ToolCall(ToolCall {
            id: req_str(o, "id", &format!("{path}.id"))?.to_owned(),
            name: req_str(o, "name", &format!("{path}.name"))?.to_owned(),
            arguments: match get(o, "input") {
                Some(input @ Value::Object(_)) => input.to_string(),
                None => "{}".to_owned(),
                Some(_) => return Err(wrong(&format!("{path}.input"), "an object")),
            },
            kind: ToolKind::Function,
            item_id: None,
            extras: None,
        }),
        "tool_result" => Part::ToolResult(ToolResult {
            call_id: req_str(o, "tool_use_id", &format!("{path}.tool_use_id"))?.to_owned(),
            content: match get(o, "content") {
                None => Vec::new(),
                Some(c) => result_content(c, &format!("{path}.content"))?,
            },
            is_error: opt_bool(o, "is_error", &format!("{path}.is_error"))?.unwrap_or(false),
            cache: cache(o, path)?,
        }),
        "thinking" => Part::Reasoning(Reasoning {
            text: opt_str(o, "thinking", &format!("{path}.thinking"))?
                .unwrap_or_default()
                .to_owned(),
            // An empty signature proves nothing; it must not reach a vendor as one.
            signature: opt_str(o, "signature", &format!("{path}.signature"))?
                .filter(|s| !s.is_empty())
                .map(Signature::parse),
            redacted: None,
            item_id: None,
        }),
        "redacted_thinking" => Part::Reasoning(Reasoning {
            redacted: Some(req_str(o, "data", &format!("{path}.data"))?.to_owned()),
            ..Reasoning::default()
        }),
        _ => return Ok(None),
    };
    Ok(Some(part))
}

/// A `tool_result` block's content: a string or blocks (text, image, document; a
/// `search_result` becomes text, other blocks are dropped).
fn result_content(value: &Value, path: &str) -> Result<Vec<Part>, TranslateError> {
    let blocks = match value {
        Value::String(s) => return Ok(vec![Part::text(s.clone())]),
        Value::Array(blocks) => blocks,
        _ => return Err(wrong(path, "a string or an array of content blocks")),
    };
    let mut parts = Vec::with_capacity(blocks.len());
    for (i, b) in blocks.iter().enumerate() {
        let bpath = format!("{path}[{i}]");
        let o = as_obj(b, &bpath)?;
        if req_str(o, "type", &format!("{bpath}.type"))? == "search_result" {
            parts.push(Part::text(search_result_text(o)));
            continue;
        }
        if let Some(p @ (Part::Text { .. } | Part::Image { .. } | Part::Document { .. })) =
            block(b, &bpath)?
        {
            parts.push(p);
        }
    }
    Ok(parts)
}

/// A search result as text another vendor can read: title, source, then its text blocks.
fn search_result_text(o: &Obj) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for key in ["title", "source"] {
        if let Some(Value::String(s)) = o.get(key) {
            lines.push(s);
        }
    }
    if let Some(Value::Array(content)) = o.get("content") {
        lines.extend(
            content
                .iter()
                .filter_map(|c| c.get("text").and_then(Value::as_str)),
        );
    }
    lines.join("\n")
}

/// An image's or document's `source`.
fn source(block: &Obj, path: &str) -> Result<Media, TranslateError> {
    let spath = format!("{path}.source");
    let o = match get(block, "source") {
        Some(s) => as_obj(s, &spath)?,
        None => return Err(wrong(&spath, "an object")),
    };
    let field = |key: &str| req_str(o, key, &format!("{spath}.{key}")).map(str::to_owned);
    match req_str(o, "type", &format!("{spath}.type"))? {
        "base64" => Ok(Media::Base64 {
            media_type: field("media_type")?,
            data: field("data")?,
        }),
        "url" => Ok(Media::Url(field("url")?)),
        "file" => Ok(Media::File(field("file_id")?)),
        "text" => Ok(Media::Text(field("data")?)),
        // A document made of content blocks: its text, in order.
        "content" => match get(o, "content") {
            Some(Value::String(s)) => Ok(Media::Text(s.clone())),
            Some(Value::Array(items)) => Ok(Media::Text(
                items
                    .iter()
                    .filter_map(|c| c.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("\n\n"),
            )),
            _ => Err(wrong(
                &format!("{spath}.content"),
                "a string or an array of content blocks",
            )),
        },
        _ => Err(malformed(format!(
            "`{spath}.type` must be `base64`, `url`, `file`, `text` or `content`"
        ))),
    }
}

/// `tools`: custom (function) tools only; server tools are dropped.
fn tools(top: &Obj) -> Result<Vec<Tool>, TranslateError> {
    let items = match get(top, "tools") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(wrong("tools", "an array of tools")),
    };
    let mut tools = Vec::with_capacity(items.len());
    for (i, t) in items.iter().enumerate() {
        let path = format!("tools[{i}]");
        let o = as_obj(t, &path)?;
        match opt_str(o, "type", &format!("{path}.type"))? {
            None | Some("custom") => {}
            // Server tools (web search, code execution, bash, …): no other vendor runs them.
            Some(_) => continue,
        }
        let schema = match get(o, "input_schema") {
            Some(s @ Value::Object(_)) => s.clone(),
            None => serde_json::json!({"type": "object", "properties": {}}),
            Some(_) => return Err(wrong(&format!("{path}.input_schema"), "an object")),
        };
        tools.push(Tool {
            name: req_str(o, "name", &format!("{path}.name"))?.to_owned(),
            description: opt_str(o, "description", &format!("{path}.description"))?
                .map(str::to_owned),
            schema,
            strict: opt_bool(o, "strict", &format!("{path}.strict"))?,
            kind: ToolKind::Function,
            cache: cache(o, &path)?,
        });
    }
    Ok(tools)
}

/// `tool_choice` and its `disable_parallel_tool_use` (§2.5).
fn tool_choice(top: &Obj) -> Result<(Option<ToolChoice>, Option<bool>), TranslateError> {
    let Some(o) = opt_obj(top, "tool_choice", "tool_choice")? else {
        return Ok((None, None));
    };
    let choice = match req_str(o, "type", "tool_choice.type")? {
        "auto" => ToolChoice::Auto,
        "any" => ToolChoice::Any,
        "none" => ToolChoice::None,
        "tool" => ToolChoice::Tool(req_str(o, "name", "tool_choice.name")?.to_owned()),
        _ => {
            return Err(malformed(
                "`tool_choice.type` must be `auto`, `any`, `tool` or `none`".to_owned(),
            ));
        }
    };
    let parallel = match opt_bool(
        o,
        "disable_parallel_tool_use",
        "tool_choice.disable_parallel_tool_use",
    )? {
        Some(true) => Some(false),
        _ => None,
    };
    Ok((Some(choice), parallel))
}

fn stop_sequences(top: &Obj) -> Result<Vec<String>, TranslateError> {
    match get(top, "stop_sequences") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| wrong("stop_sequences", "an array of strings"))
            })
            .collect(),
        Some(_) => Err(wrong("stop_sequences", "an array of strings")),
    }
}

/// `thinking` (§2.7): enabled + budget, adaptive (sized by `output_config.effort`), disabled.
fn thinking(top: &Obj, effort: Option<&str>) -> Result<Option<ReasoningConfig>, TranslateError> {
    let Some(o) = opt_obj(top, "thinking", "thinking")? else {
        return Ok(None);
    };
    Ok(Some(match req_str(o, "type", "thinking.type")? {
        "enabled" => match opt_u64(o, "budget_tokens", "thinking.budget_tokens")? {
            Some(b) => ReasoningConfig::Budget(b),
            None => {
                return Err(malformed(
                    "`thinking.budget_tokens` is required when thinking is `enabled`".to_owned(),
                ));
            }
        },
        "adaptive" => ReasoningConfig::Effort(effort.map(str::to_owned)),
        "disabled" => ReasoningConfig::Disabled,
        _ => {
            return Err(malformed(
                "`thinking.type` must be `enabled`, `adaptive` or `disabled`".to_owned(),
            ));
        }
    }))
}

/// `output_config.format` / legacy `output_format`: a JSON schema the answer must match.
fn output_format(value: &Value, path: &str) -> Result<Option<OutputFormat>, TranslateError> {
    let o = as_obj(value, path)?;
    match req_str(o, "type", &format!("{path}.type"))? {
        "json_schema" => match get(o, "schema") {
            Some(schema @ Value::Object(_)) => Ok(Some(OutputFormat::JsonSchema {
                name: "output".to_owned(),
                schema: schema.clone(),
                strict: None,
            })),
            _ => Err(wrong(&format!("{path}.schema"), "an object")),
        },
        _ => Err(malformed(format!("`{path}.type` must be `json_schema`"))),
    }
}

/// A block's `cache_control`.
fn cache(o: &Obj, path: &str) -> Result<Option<CacheHint>, TranslateError> {
    let Some(c) = opt_obj(o, "cache_control", &format!("{path}.cache_control"))? else {
        return Ok(None);
    };
    Ok(Some(CacheHint {
        ttl: opt_str(c, "ttl", &format!("{path}.cache_control.ttl"))?.map(str::to_owned),
    }))
}

// Field access. `null` counts as absent, as the API treats it.

fn get<'a>(o: &'a Obj, key: &str) -> Option<&'a Value> {
    o.get(key).filter(|v| !v.is_null())
}

fn as_obj<'a>(v: &'a Value, path: &str) -> Result<&'a Obj, TranslateError> {
    v.as_object().ok_or_else(|| wrong(path, "an object"))
}

fn opt_obj<'a>(o: &'a Obj, key: &str, path: &str) -> Result<Option<&'a Obj>, TranslateError> {
    get(o, key).map(|v| as_obj(v, path)).transpose()
}

fn opt_str<'a>(o: &'a Obj, key: &str, path: &str) -> Result<Option<&'a str>, TranslateError> {
    get(o, key)
        .map(|v| v.as_str().ok_or_else(|| wrong(path, "a string")))
        .transpose()
}

fn req_str<'a>(o: &'a Obj, key: &str, path: &str) -> Result<&'a str, TranslateError> {
    opt_str(o, key, path)?.ok_or_else(|| malformed(format!("`{path}` is required")))
}

fn opt_u64(o: &Obj, key: &str, path: &str) -> Result<Option<u64>, TranslateError> {
    get(o, key)
        .map(|v| {
            v.as_u64()
                .ok_or_else(|| wrong(path, "a non-negative integer"))
        })
        .transpose()
}

fn opt_f64(o: &Obj, key: &str, path: &str) -> Result<Option<f64>, TranslateError> {
    get(o, key)
        .map(|v| v.as_f64().ok_or_else(|| wrong(path, "a number")))
        .transpose()
}

fn opt_bool(o: &Obj, key: &str, path: &str) -> Result<Option<bool>, TranslateError> {
    get(o, key)
        .map(|v| v.as_bool().ok_or_else(|| wrong(path, "a boolean")))
        .transpose()
}

fn wrong(path: &str, expected: &str) -> TranslateError {
    malformed(format!("`{path}` must be {expected}"))
}

fn malformed(message: String) -> TranslateError {
    TranslateError::Malformed(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::SignatureOrigin;
    use serde_json::json;

    fn decode(v: Value) -> Request {
        decode_request(v.to_string().as_bytes()).unwrap()
    }

    fn error(v: Value) -> String {
        match decode_request(v.to_string().as_bytes()) {
            Err(TranslateError::Malformed(m)) => m,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn system_string_and_blocks_with_cache_control() {
        // §2.1/§2.2: `system` is a string or text blocks that may carry cache_control.
        let r = decode(json!({"model": "m", "messages": [], "system": "be brief"}));
        assert_eq!(r.system, vec![Part::text("be brief")]);
        let r = decode(json!({"model": "m", "messages": [], "system": [
            {"type": "text", "text": "a"},
            {"type": "text", "text": "b", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
        ]}));
        assert_eq!(r.system[0], Part::text("a"));
        assert_eq!(
            r.system[1],
            Part::Text {
                text: "b".into(),
                cache: Some(CacheHint {
                    ttl: Some("1h".into())
                })
            }
        );
    }

    #[test]
    fn content_blocks_map_to_parts() {
        // §2.4 block table: text, image (base64/url/file), document (with title), tool_use,
        // tool_result (string or blocks, is_error), thinking, redacted_thinking.
        let r = decode(json!({"model": "m", "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "look"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"}},
                {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}},
                {"type": "image", "source": {"type": "file", "file_id": "file_1"}},
                {"type": "document", "title": "Spec", "source": {"type": "text", "media_type": "text/plain", "data": "hello"}},
                {"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": "p1"}, {"type": "text", "text": "p2"}]}}
            ]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "EqQB"},
                {"type": "redacted_thinking", "data": "blob"},
                {"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {"path": "a"}}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok", "is_error": true},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": [
                    {"type": "text", "text": "t"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA"}}
                ]}
            ]}
        ]}));
        let user = &r.messages[0].parts;
        assert_eq!(user.len(), 6);
        assert!(
            matches!(&user[1], Part::Image { source: Media::Base64 { media_type, .. }, .. } if media_type == "image/png")
        );
        assert!(
            matches!(&user[2], Part::Image { source: Media::Url(u), .. } if u == "https://x/y.png")
        );
        assert!(matches!(&user[3], Part::Image { source: Media::File(f), .. } if f == "file_1"));
        assert!(
            matches!(&user[4], Part::Document { source: Media::Text(t), title: Some(title), .. } if t == "hello" && title == "Spec")
        );
        assert!(
            matches!(&user[5], Part::Document { source: Media::Text(t), .. } if t == "p1\n\np2")
        );
        let asst = &r.messages[1].parts;
        match &asst[0] {
            Part::Reasoning(rz) => {
                assert_eq!(rz.text, "hmm");
                let sig = rz.signature.as_ref().unwrap();
                assert_eq!(sig.origin, SignatureOrigin::Untagged);
                assert_eq!(sig.value, "EqQB");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&asst[1], Part::Reasoning(Reasoning { redacted: Some(d), .. }) if d == "blob")
        );
        match &asst[2] {
            Part::ToolCall(c) => {
                assert_eq!((c.id.as_str(), c.name.as_str()), ("toolu_1", "Read"));
                assert_eq!(c.arguments, "{\"path\":\"a\"}");
            }
            other => panic!("{other:?}"),
        }
        let results = &r.messages[2].parts;
        match (&results[0], &results[1]) {
            (Part::ToolResult(a), Part::ToolResult(b)) => {
                assert!(a.is_error);
                assert_eq!(a.content, vec![Part::text("ok")]);
                assert!(!b.is_error);
                assert_eq!(b.content.len(), 2);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tagged_signatures_are_unpacked_and_empty_ones_dropped() {
        // §2.4 signatures rule 1: a weir tag names the vendor that made the payload.
        let tagged = Signature::from_vendor("deepseek", "abc").to_client();
        let r = decode(
            json!({"model": "m", "messages": [{"role": "assistant", "content": [
                {"type": "thinking", "thinking": "a", "signature": tagged},
                {"type": "thinking", "thinking": "b", "signature": ""}
            ]}]}),
        );
        let sigs: Vec<_> = r.messages[0]
            .parts
            .iter()
            .map(|p| match p {
                Part::Reasoning(rz) => rz.signature.clone(),
                _ => panic!(),
            })
            .collect();
        assert_eq!(sigs[0], Some(Signature::from_vendor("deepseek", "abc")));
        assert_eq!(sigs[1], None);
    }

    #[test]
    fn server_tool_blocks_and_server_tools_are_dropped() {
        // §2.4/§2.5: server tools and their blocks have no portable equivalent.
        let r = decode(json!({"model": "m",
        "tools": [
            {"name": "Read", "input_schema": {"type": "object"}, "input_examples": [{}], "defer_loading": true, "strict": true, "cache_control": {"type": "ephemeral"}},
            {"type": "web_search_20250305", "name": "web_search"},
            {"type": "custom", "name": "Edit", "description": "edit"},
        ],
        "messages": [{"role": "assistant", "content": [
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
            {"type": "text", "text": "done"}
        ]}]}));
        assert_eq!(r.messages[0].parts, vec![Part::text("done")]);
        assert_eq!(r.tools.len(), 2);
        assert_eq!(r.tools[0].strict, Some(true));
        assert!(r.tools[0].cache.is_some());
        assert_eq!(r.tools[1].name, "Edit");
        assert_eq!(
            r.tools[1].schema,
            json!({"type": "object", "properties": {}})
        );
    }

    #[test]
    fn parameters_tool_choice_thinking_and_output_format() {
        // §2.1, §2.5, §2.7.
        let r = decode(json!({"model": "claude", "messages": [],
            "max_tokens": 1000, "temperature": 0.5, "top_p": 0.9, "top_k": 40,
            "stop_sequences": ["END"], "stream": true,
            "tool_choice": {"type": "tool", "name": "Read", "disable_parallel_tool_use": true},
            "thinking": {"type": "enabled", "budget_tokens": 2048},
            "output_format": {"type": "json_schema", "schema": {"type": "object"}},
            "metadata": {"user_id": "u1"},
            "service_tier": "standard_only"
        }));
        assert_eq!(r.model, "claude");
        assert_eq!(r.max_tokens, Some(1000));
        assert_eq!(r.temperature, Some(0.5));
        assert_eq!(r.top_p, Some(0.9));
        assert_eq!(r.top_k, Some(40));
        assert_eq!(r.stop, vec!["END"]);
        assert!(r.stream);
        assert_eq!(r.tool_choice, Some(ToolChoice::Tool("Read".into())));
        assert_eq!(r.parallel_tool_calls, Some(false));
        assert_eq!(r.reasoning, Some(ReasoningConfig::Budget(2048)));
        assert_eq!(
            r.output_format,
            Some(OutputFormat::JsonSchema {
                name: "output".into(),
                schema: json!({"type": "object"}),
                strict: None
            })
        );
        assert_eq!(r.user.as_deref(), Some("u1"));
        assert_eq!(r.service_tier.as_deref(), Some("standard_only"));

        let r = decode(json!({"model": "m", "messages": [],
            "thinking": {"type": "adaptive"}, "output_config": {"effort": "high",
            "format": {"type": "json_schema", "schema": {"type": "object", "properties": {}}}}}));
        assert_eq!(
            r.reasoning,
            Some(ReasoningConfig::Effort(Some("high".into())))
        );
        assert!(matches!(
            r.output_format,
            Some(OutputFormat::JsonSchema { .. })
        ));
        let r = decode(
            json!({"model": "m", "messages": [], "thinking": {"type": "disabled"},
            "tool_choice": {"type": "any"}}),
        );
        assert_eq!(r.reasoning, Some(ReasoningConfig::Disabled));
        assert_eq!(r.tool_choice, Some(ToolChoice::Any));
        assert_eq!(r.parallel_tool_calls, None);
    }

    #[test]
    fn mid_conversation_system_messages_keep_their_role() {
        let r = decode(json!({"model": "m", "messages": [
            {"role": "user", "content": "hi"},
            {"role": "system", "content": "be terse"}
        ]}));
        assert_eq!(r.messages[1].role, Role::System);
    }

    #[test]
    fn malformed_requests_name_the_field() {
        assert!(error(json!({"model": "m"})).contains("`messages` is required"));
        assert!(error(json!({"model": "m", "messages": {}})).contains("`messages` must be"));
        assert!(
            error(json!({"model": "m", "messages": [{"role": "user", "content": 3}]}))
                .contains("`messages[0].content`")
        );
        assert!(
            error(json!({"model": "m", "messages": [{"role": "robot", "content": "x"}]}))
                .contains("`messages[0].role`")
        );
        assert!(
            error(json!({"model": "m", "messages": [], "max_tokens": "many"}))
                .contains("`max_tokens`")
        );
        assert!(
            error(json!({"model": "m", "messages": [], "thinking": {"type": "enabled"}}))
                .contains("budget_tokens")
        );
        let m = match decode_request(b"{not json") {
            Err(TranslateError::Malformed(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(m.contains("not valid JSON"));
        assert!(error(json!([1])).contains("JSON object"));
    }

    #[test]
    fn error_messages_never_quote_content() {
        let secret = "sk-ant-SECRET";
        let m = error(json!({"model": "m", "messages": [{"role": secret, "content": "x"}]}));
        assert!(!m.contains(secret), "{m}");
    }
}
