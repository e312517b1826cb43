//! A Responses client's request (Codex, the OpenAI SDKs) → canonical [`Request`]
//! (protocols.md §2.1–§2.7, R column).

use serde_json::{Map, Value, json};

use crate::canonical::{
    Media, Message, OutputFormat, Part, Reasoning, ReasoningConfig, Request, Role, Signature, Tool,
    ToolCall, ToolChoice, ToolKind, ToolResult, TranslateError,
};

type Obj = Map<String, Value>;

/// Reads a Responses request body.
///
/// `instructions` and the system/developer messages before the first other item become
/// [`Request::system`]; later ones stay in the conversation as [`Role::System`] messages.
/// Consecutive assistant-side items (assistant messages, reasoning, function and custom tool
/// calls) become one assistant message with its reasoning first; consecutive tool outputs and
/// user messages become one user message with the results first (§2.3). Tools other than
/// `function` and `custom` (Codex also sends `web_search`, `local_shell`) are dropped, and so is
/// a `tool_choice` naming such a tool.
///
/// Errors: [`TranslateError::Malformed`] for a body that is not a Responses request (not JSON,
/// no `model`, fields of the wrong type); [`TranslateError::Unsupported`] for input items and
/// content parts weir cannot carry (`item_reference`, `web_search_call`, audio, …), naming the
/// type, and for stateful features weir does not serve (`background`, `conversation`).
pub fn decode_request(body: &[u8]) -> Result<Request, TranslateError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        malformed(format!(
            "the request body is not valid JSON (line {}, column {}); send a Responses request object",
            e.line(),
            e.column()
        ))
    })?;
    let obj = value
        .as_object()
        .ok_or_else(|| malformed("the request body must be a JSON object".to_owned()))?;

    let model = opt_str(obj, "model")?
        .ok_or_else(|| malformed("the request has no `model`; name the model to use".to_owned()))?;
    if opt_bool(obj, "background")? == Some(true) {
        return Err(TranslateError::Unsupported(
            "weir keeps no response state: `background` responses are not supported; send the request without it".to_owned(),
        ));
    }
    if obj.get("conversation").is_some_and(|c| !c.is_null()) {
        return Err(TranslateError::Unsupported(
            "weir keeps no conversation state: `conversation` is not supported; send the full history in `input`".to_owned(),
        ));
    }

    let mut req = Request {
        model: model.to_owned(),
        ..Request::default()
    };
    if let Some(instructions) = opt_str(obj, "instructions")?
        && !instructions.is_empty()
    {
        req.system.push(Part::text(instructions));
    }
    // Tools declared inside the conversation (Codex's `additional_tools` items).
    let mut extra_tools = Vec::new();
    match obj.get("input") {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) => req.messages.push(Message {
            role: Role::User,
            parts: vec![Part::text(text.as_str())],
        }),
        Some(Value::Array(items)) => {
            let mut history = History::default();
            for item in items {
                history.item(item)?;
            }
            req.system.extend(std::mem::take(&mut history.system));
            extra_tools = std::mem::take(&mut history.tools);
            req.messages = history.finish();
        }
        Some(_) => {
            return Err(malformed(wrong_type(
                "input",
                "a string or an array of items",
            )));
        }
    }

    req.tools = tools(obj)?;
    req.tools.extend(extra_tools);
    req.tool_choice = tool_choice(obj.get("tool_choice"))?;
    req.parallel_tool_calls = opt_bool(obj, "parallel_tool_calls")?;
    req.max_tokens = opt_u64(obj, "max_output_tokens")?;
    req.temperature = opt_f64(obj, "temperature")?;
    req.top_p = opt_f64(obj, "top_p")?;
    req.stream = opt_bool(obj, "stream")?.unwrap_or(false);
    req.reasoning = reasoning(obj.get("reasoning"))?;
    req.include_encrypted_reasoning = match obj.get("include") {
        Some(Value::Array(a)) => a.iter().any(|v| v == "reasoning.encrypted_content"),
        None | Some(Value::Null) => false,
        Some(_) => return Err(malformed(wrong_type("include", "an array of strings"))),
    };
    req.output_format = text_format(obj.get("text"))?;
    req.user = match opt_str(obj, "safety_identifier")? {
        Some(s) => Some(s.to_owned()),
        None => opt_str(obj, "user")?.map(str::to_owned),
    };
    req.cache_key = opt_str(obj, "prompt_cache_key")?.map(str::to_owned);
    req.service_tier = opt_str(obj, "service_tier")?.map(str::to_owned);
    req.store = opt_bool(obj, "store")?;
    req.previous_response_id = opt_str(obj, "previous_response_id")?.map(str::to_owned);
    req.metadata = obj.get("metadata").filter(|m| !m.is_null()).cloned();
    Ok(req)
}

/// The conversation as it is read: leading instructions, then messages merged by role.
#[derive(Default)]
struct History {
    system: Vec<Part>,
    messages: Vec<Message>,
    tools: Vec<Tool>,
}

impl History {
    fn item(&mut self, item: &Value) -> Result<(), TranslateError> {
        let obj = item
            .as_object()
            .ok_or_else(|| malformed("every `input` item must be an object".to_owned()))?;
        // Items without `type` but with `role` are messages (the SDKs' "easy input message").
        let kind = match opt_str(obj, "type")? {
            Some(t) => t,
            None if obj.contains_key("role") => "message",
            None => {
                return Err(malformed(
                    "an `input` item has neither `type` nor `role`".to_owned(),
                ));
            }
        };
        match kind {
            "message" => self.message(obj),
            "function_call" | "custom_tool_call" => {
                let call_id = req_str(obj, "call_id", kind)?;
                let name = req_str(obj, "name", kind)?;
                let (arguments, kind) = if kind == "function_call" {
                    (req_str(obj, "arguments", kind)?, ToolKind::Function)
                } else {
                    (
                        req_str(obj, "input", kind)?,
                        ToolKind::Custom { format: None },
                    )
                };
                self.push(
                    Role::Assistant,
                    Part::ToolCall(ToolCall {
                        id: call_id.to_owned(),
                        name: name.to_owned(),
                        arguments: arguments.to_owned(),
                        kind,
                        item_id: opt_str(obj, "id")?.map(str::to_owned),
                        extras: None,
                    }),
                );
                Ok(())
            }
            "function_call_output" | "custom_tool_call_output" => {
                let call_id = req_str(obj, "call_id", kind)?;
                let content = match obj.get("output") {
                    Some(Value::String(s)) => vec![Part::text(s.as_str())],
                    Some(Value::Array(parts)) => content_parts(parts)?,
                    _ => {
                        return Err(malformed(format!(
                            "`{kind}.output` must be a string or an array of content parts"
                        )));
                    }
                };
                self.push(
                    Role::User,
                    Part::ToolResult(ToolResult {
                        call_id: call_id.to_owned(),
                        content,
                        is_error: false,
                        cache: None,
                    }),
                );
                Ok(())
            }
            "reasoning" => {
                let summary = texts(obj.get("summary"), "summary_text");
                let text = if summary.iter().any(|t| !t.is_empty()) {
                    summary.join("\n\n")
                } else {
                    texts(obj.get("content"), "reasoning_text").join("\n\n")
                };
                self.push(
                    Role::Assistant,
                    Part::Reasoning(Reasoning {
                        text,
                        signature: opt_str(obj, "encrypted_content")?.map(Signature::parse),
                        redacted: None,
                        item_id: opt_str(obj, "id")?.map(str::to_owned),
                    }),
                );
                Ok(())
            }
            // Codex (in its code mode) declares its tools in the conversation rather than in
            // `tools`; to other protocols they are ordinary tool definitions.
            "additional_tools" => match obj.get("tools") {
                Some(Value::Array(list)) => tool_list(list, &mut self.tools),
                None | Some(Value::Null) => Ok(()),
                Some(_) => Err(malformed(wrong_type("additional_tools.tools", "an array"))),
            },
            other => Err(TranslateError::Unsupported(format!(
                "input items of type `{other}` are not supported by weir; send the conversation as messages, function calls and their outputs"
            ))),
        }
    }

    fn message(&mut self, obj: &Obj) -> Result<(), TranslateError> {
        let role = match opt_str(obj, "role")? {
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            Some("system" | "developer") => Role::System,
            Some(_) => {
                return Err(malformed(
                    "a message's `role` must be user, assistant, system or developer".to_owned(),
                ));
            }
            None => return Err(malformed("a message item has no `role`".to_owned())),
        };
        let parts = match obj.get("content") {
            Some(Value::String(s)) => vec![Part::text(s.as_str())],
            Some(Value::Array(parts)) => content_parts(parts)?,
            _ => {
                return Err(malformed(
                    "a message's `content` must be a string or an array of content parts"
                        .to_owned(),
                ));
            }
        };
        if role == Role::System && self.messages.is_empty() {
            // Instructions before the conversation proper join the system prompt (§2.2).
            for part in parts {
                match part {
                    Part::Text { .. } => self.system.push(part),
                    _ => {
                        return Err(TranslateError::Unsupported(
                            "system and developer messages may only contain text".to_owned(),
                        ));
                    }
                }
            }
            return Ok(());
        }
        for part in parts {
            self.push(role, part);
        }
        Ok(())
    }

    fn push(&mut self, role: Role, part: Part) {
        match self.messages.last_mut() {
            Some(last) if last.role == role => last.parts.push(part),
            _ => self.messages.push(Message {
                role,
                parts: vec![part],
            }),
        }
    }

    /// The merged messages, with reasoning first in assistant turns and tool results first in
    /// user turns (the order Anthropic requires, §2.3), other parts keeping their order.
    fn finish(self) -> Vec<Message> {
        self.messages
            .into_iter()
            .map(|mut m| {
                let first: fn(&Part) -> bool = match m.role {
                    Role::Assistant => |p| matches!(p, Part::Reasoning(_)),
                    Role::User => |p| matches!(p, Part::ToolResult(_)),
                    Role::System => |_| false,
                };
                let (mut front, rest): (Vec<Part>, Vec<Part>) =
                    m.parts.into_iter().partition(first);
                front.extend(rest);
                m.parts = front;
                m
            })
            .collect()
    }
}

/// Message or tool-output content parts.
fn content_parts(parts: &[Value]) -> Result<Vec<Part>, TranslateError> {
    parts.iter().map(content_part).collect()
}

fn content_part(part: &Value) -> Result<Part, TranslateError> {
    let obj = part
        .as_object()
        .ok_or_else(|| malformed("every content part must be an object".to_owned()))?;
    let kind = opt_str(obj, "type")?.unwrap_or("");
    match kind {
        "input_text" | "output_text" | "text" => Ok(Part::text(req_str(obj, "text", kind)?)),
        "refusal" => Ok(Part::text(req_str(obj, "refusal", kind)?)),
        "input_image" => {
            let source = if let Some(url) = opt_str(obj, "image_url")? {
                Media::from_url(url)
            } else if let Some(id) = opt_str(obj, "file_id")? {
                Media::File(id.to_owned())
            } else {
                return Err(malformed(
                    "an `input_image` part needs `image_url` or `file_id`".to_owned(),
                ));
            };
            Ok(Part::Image {
                source,
                cache: None,
            })
        }
        "input_file" => {
            let filename = opt_str(obj, "filename")?.map(str::to_owned);
            let source = if let Some(data) = opt_str(obj, "file_data")? {
                match Media::from_url(data) {
                    Media::Url(_) => Media::Base64 {
                        media_type: "application/pdf".to_owned(),
                        data: data.to_owned(),
                    },
                    inline => inline,
                }
            } else if let Some(url) = opt_str(obj, "file_url")? {
                Media::Url(url.to_owned())
            } else if let Some(id) = opt_str(obj, "file_id")? {
                Media::File(id.to_owned())
            } else {
                return Err(malformed(
                    "an `input_file` part needs `file_data`, `file_url` or `file_id`".to_owned(),
                ));
            };
            Ok(Part::Document {
                source,
                title: None,
                filename,
                cache: None,
            })
        }
        other => Err(TranslateError::Unsupported(format!(
            "content parts of type `{other}` are not supported by weir"
        ))),
    }
}

/// The `text` of every part of type `kind` in an array (summary or reasoning content).
fn texts(parts: Option<&Value>, kind: &str) -> Vec<String> {
    parts
        .and_then(Value::as_array)
        .map(|parts| {
            parts
                .iter()
                .filter(|p| p.get("type").and_then(Value::as_str) == Some(kind))
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The schema a custom tool has when a target only knows functions (custom.md).
pub(crate) fn custom_tool_schema() -> Value {
    json!({"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]})
}

fn tools(obj: &Obj) -> Result<Vec<Tool>, TranslateError> {
    let mut out = Vec::new();
    match obj.get("tools") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => tool_list(list, &mut out)?,
        Some(_) => return Err(malformed(wrong_type("tools", "an array"))),
    }
    Ok(out)
}

/// The namespace whose tools a model calls by their bare names; Codex groups its own tools
/// under it.
const DEFAULT_NAMESPACE: &str = "functions";

/// Reads a list of tool definitions into `out`: function and custom tools, and the tools of
/// the default namespace. Hosted tools (web_search, local_shell, file_search, …) and other
/// namespaces have no portable form and are left out.
fn tool_list(list: &[Value], out: &mut Vec<Tool>) -> Result<(), TranslateError> {
    for tool in list {
        let t = tool
            .as_object()
            .ok_or_else(|| malformed("every tool must be an object".to_owned()))?;
        let kind = match opt_str(t, "type")? {
            Some("function") => ToolKind::Function,
            Some("custom") => ToolKind::Custom {
                format: t.get("format").filter(|f| !f.is_null()).cloned(),
            },
            Some("namespace") if opt_str(t, "name")? == Some(DEFAULT_NAMESPACE) => {
                if let Some(Value::Array(inner)) = t.get("tools") {
                    tool_list(inner, out)?;
                }
                continue;
            }
            _ => continue,
        };
        let schema = match (&kind, t.get("parameters")) {
            (ToolKind::Custom { .. }, _) => custom_tool_schema(),
            (ToolKind::Function, None | Some(Value::Null)) => {
                json!({"type": "object", "properties": {}})
            }
            (ToolKind::Function, Some(p)) => p.clone(),
        };
        out.push(Tool {
            name: req_str(t, "name", "tool")?.to_owned(),
            description: opt_str(t, "description")?.map(str::to_owned),
            schema,
            strict: opt_bool(t, "strict")?,
            kind,
            cache: None,
        });
    }
    Ok(())
}

fn tool_choice(choice: Option<&Value>) -> Result<Option<ToolChoice>, TranslateError> {
    Ok(match choice {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(match s.as_str() {
            "auto" => ToolChoice::Auto,
            "none" => ToolChoice::None,
            "required" => ToolChoice::Any,
            _ => {
                return Err(malformed(
                    "`tool_choice` must be auto, none, required or a named tool".to_owned(),
                ));
            }
        }),
        Some(Value::Object(o)) => match opt_str(o, "type")? {
            Some("function" | "custom") => Some(ToolChoice::Tool(
                req_str(o, "name", "tool_choice")?.to_owned(),
            )),
            // A hosted tool or an allowed-tools list: nothing portable to ask for.
            _ => None,
        },
        Some(_) => {
            return Err(malformed(wrong_type(
                "tool_choice",
                "a string or an object",
            )));
        }
    })
}

fn reasoning(value: Option<&Value>) -> Result<Option<ReasoningConfig>, TranslateError> {
    Ok(match value {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => Some(match opt_str(o, "effort")? {
            Some("none") => ReasoningConfig::Disabled,
            Some(e) => ReasoningConfig::Effort(Some(e.to_owned())),
            None => ReasoningConfig::Effort(None),
        }),
        Some(_) => return Err(malformed(wrong_type("reasoning", "an object"))),
    })
}

fn text_format(text: Option<&Value>) -> Result<Option<OutputFormat>, TranslateError> {
    let format = match text {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(t)) => match t.get("format") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(f)) => f,
            Some(_) => return Err(malformed(wrong_type("text.format", "an object"))),
        },
        Some(_) => return Err(malformed(wrong_type("text", "an object"))),
    };
    Ok(match opt_str(format, "type")? {
        Some("json_object") => Some(OutputFormat::JsonObject),
        Some("json_schema") => Some(OutputFormat::JsonSchema {
            name: opt_str(format, "name")?.unwrap_or("response").to_owned(),
            schema: format
                .get("schema")
                .filter(|s| s.is_object())
                .cloned()
                .ok_or_else(|| {
                    malformed(
                        "`text.format` of type json_schema needs a `schema` object".to_owned(),
                    )
                })?,
            strict: opt_bool(format, "strict")?,
        }),
        _ => None,
    })
}

fn malformed(message: String) -> TranslateError {
    TranslateError::Malformed(message)
}

fn wrong_type(field: &str, expected: &str) -> String {
    format!("`{field}` must be {expected}")
}

fn opt_str<'a>(obj: &'a Obj, key: &str) -> Result<Option<&'a str>, TranslateError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(malformed(wrong_type(key, "a string"))),
    }
}

fn req_str<'a>(obj: &'a Obj, key: &str, within: &str) -> Result<&'a str, TranslateError> {
    opt_str(obj, key)?.ok_or_else(|| malformed(format!("a `{within}` has no `{key}`")))
}

fn opt_bool(obj: &Obj, key: &str) -> Result<Option<bool>, TranslateError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(malformed(wrong_type(key, "true or false"))),
    }
}

fn opt_u64(obj: &Obj, key: &str) -> Result<Option<u64>, TranslateError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| malformed(wrong_type(key, "a non-negative integer"))),
    }
}

fn opt_f64(obj: &Obj, key: &str) -> Result<Option<f64>, TranslateError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| malformed(wrong_type(key, "a number"))),
    }
}
