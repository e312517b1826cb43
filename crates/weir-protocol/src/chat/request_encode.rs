//! Canonical [`Request`] → the body for a Chat Completions vendor (protocols.md §2.2–§2.8).
//!
//! Everything vendor-specific comes from the [`Profile`]: the system role, the output-cap
//! field, how reasoning is switched on, what media it accepts, whether it needs its reasoning
//! back. Key order is fixed by the structs below, so identical requests give identical bytes
//! (vendors that cache by prefix depend on it, §2.7 "Caching").

use serde::Serialize;
use serde_json::Value;

use super::tools::{custom_description, custom_schema, wrap_custom_input};
use crate::canonical::{
    MaxTokensField, Media, Message, OutputFormat, Part, Profile, ReasoningConfig, ReasoningField,
    Request, Role, ThinkingStyle, ToolCall, ToolChoice, ToolKind, TranslateError, vendor_tool_name,
};

/// Encodes `req` for a Chat Completions vendor described by `profile`.
///
/// Errors are `Unsupported` and name what the vendor cannot take (images, image URLs, PDFs,
/// file ids, `previous_response_id`), so the client gets a 400 it can act on instead of a
/// silently shortened conversation.
pub fn encode_request(req: &Request, profile: &Profile) -> Result<Vec<u8>, TranslateError> {
    encode_request_as(req, &req.model, profile)
}

/// [`encode_request`] naming `model` instead of `req.model`, so one decoded request can be
/// encoded for several targets without a copy per target.
pub fn encode_request_as(
    req: &Request,
    model: &str,
    profile: &Profile,
) -> Result<Vec<u8>, TranslateError> {
    if req.previous_response_id.is_some() {
        return Err(TranslateError::Unsupported(format!(
            "`previous_response_id` cannot be served by vendor `{}` (it keeps no responses); \
             send the whole conversation instead",
            profile.vendor
        )));
    }
    let has_tools = !req.tools.is_empty();
    let body = ChatRequest {
        model,
        messages: encode_messages(req, profile)?,
        tools: req.tools.iter().map(encode_tool).collect(),
        // OpenAI rejects `tool_choice` and `parallel_tool_calls` without tools (§2.5).
        tool_choice: req
            .tool_choice
            .as_ref()
            .filter(|_| has_tools)
            .map(|c| encode_tool_choice(c, profile)),
        parallel_tool_calls: req
            .parallel_tool_calls
            .filter(|_| has_tools && profile.parallel_tool_calls),
        max_tokens: req
            .max_tokens
            .filter(|_| profile.max_tokens_field == MaxTokensField::MaxTokens),
        max_completion_tokens: req
            .max_tokens
            .filter(|_| profile.max_tokens_field == MaxTokensField::MaxCompletionTokens),
        // §2.6: clamp, never rescale.
        temperature: req
            .temperature
            .map(|t| t.min(profile.max_temperature).max(0.0)),
        top_p: req.top_p,
        top_k: req.top_k.filter(|_| profile.top_k),
        stop: encode_stop(&req.stop, profile.max_stop),
        n: req.n,
        stream: req.stream.then_some(true),
        stream_options: (req.stream && profile.stream_usage).then_some(StreamOptions {
            include_usage: true,
        }),
        reasoning: encode_reasoning(req.reasoning.as_ref(), profile.thinking),
        response_format: req.output_format.as_ref().map(encode_output_format),
        user: if profile.user_id {
            req.hashed_user()
        } else {
            None
        },
        prompt_cache_key: req.cache_key.as_deref(),
    };
    serde_json::to_vec(&body)
        .map_err(|e| TranslateError::Malformed(format!("the request could not be encoded: {e}")))
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: Vec<ChatMessage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<ChatTool<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<ChatToolChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parallel_tool_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_k: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
    #[serde(flatten)]
    reasoning: ReasoningFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormat<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_cache_key: Option<&'a str>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

/// One message. Exactly one of the two reasoning fields is used, per
/// [`Profile::reasoning_field`].
#[derive(Serialize)]
struct ChatMessage {
    role: &'static str,
    content: Content,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ChatToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call_id: Option<String>,
}

impl ChatMessage {
    fn new(role: &'static str, content: Content) -> ChatMessage {
        ChatMessage {
            role,
            content,
            reasoning_content: None,
            reasoning: None,
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum Content {
    /// `null`: an assistant turn with tool calls and no text, for vendors that want it so.
    Null,
    Text(String),
    Parts(Vec<ContentPart>),
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ContentPart {
    Text { text: String },
    ImageUrl { image_url: ImageUrl },
    File { file: FileData },
}

#[derive(Serialize, Debug, PartialEq)]
struct ImageUrl {
    url: String,
}

#[derive(Serialize, Debug, PartialEq)]
struct FileData {
    file_data: String,
    filename: String,
}

#[derive(Serialize)]
struct ChatToolCall {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionCall,
    /// Opaque vendor data, returned exactly as the vendor sent it (Gemini's thought signature,
    /// §2.4 rule 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_content: Option<Value>,
}

#[derive(Serialize)]
struct FunctionCall {
    name: String,
    arguments: String,
}

#[derive(Serialize)]
struct ChatTool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: FunctionDef<'a>,
}

#[derive(Serialize)]
struct FunctionDef<'a> {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    parameters: std::borrow::Cow<'a, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    strict: Option<bool>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ChatToolChoice {
    Mode(&'static str),
    Function {
        #[serde(rename = "type")]
        kind: &'static str,
        function: NamedFunction,
    },
}

#[derive(Serialize)]
struct NamedFunction {
    name: String,
}

/// The reasoning switches of every [`ThinkingStyle`]; at most one style's fields are set.
#[derive(Serialize, Default)]
struct ReasoningFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_effort: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking: Option<ThinkingToggle>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_thinking: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking_budget: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chat_template_kwargs: Option<TemplateKwargs>,
}

#[derive(Serialize)]
struct ThinkingToggle {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct TemplateKwargs {
    enable_thinking: bool,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ResponseFormat<'a> {
    JsonObject,
    JsonSchema { json_schema: JsonSchemaSpec<'a> },
}

#[derive(Serialize)]
struct JsonSchemaSpec<'a> {
    name: &'a str,
    schema: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    strict: Option<bool>,
}

/// The conversation: the system prompt first, then each canonical message in place.
fn encode_messages(req: &Request, profile: &Profile) -> Result<Vec<ChatMessage>, TranslateError> {
    let system_role = if profile.developer_role {
        "developer"
    } else {
        "system"
    };
    let mut out = Vec::with_capacity(req.messages.len() + 1);
    if let Some(system) = req.system_text(profile.strip_billing_header) {
        out.push(ChatMessage::new(system_role, Content::Text(system)));
    }
    for message in &req.messages {
        match message.role {
            Role::System => {
                let text = joined_text(&message.parts);
                if !text.is_empty() {
                    out.push(ChatMessage::new(system_role, Content::Text(text)));
                }
            }
            Role::User => encode_user(message, profile, &mut out)?,
            Role::Assistant => out.push(encode_assistant(message, profile)),
        }
    }
    Ok(out)
}

/// The text parts of `parts`, joined by a blank line.
fn joined_text(parts: &[Part]) -> String {
    let texts: Vec<&str> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Text { text, .. } if !text.is_empty() => Some(text.as_str()),
            _ => None,
        })
        .collect();
    texts.join("\n\n")
}

/// A user turn (§2.3, §2.4): one `tool` message per result first, in order (text only, with an
/// `[tool error] ` prefix for failures); then one user message holding the images and PDFs the
/// results carried, followed by the user's own parts.
fn encode_user(
    message: &Message,
    profile: &Profile,
    out: &mut Vec<ChatMessage>,
) -> Result<(), TranslateError> {
    let mut result_media = Vec::new();
    let mut own = Vec::new();
    let mut had_results = false;
    for part in &message.parts {
        match part {
            Part::ToolResult(result) => {
                had_results = true;
                let mut texts = Vec::new();
                for p in &result.content {
                    match encode_content_part(p, profile)? {
                        Some(ContentPart::Text { text }) => texts.push(text),
                        Some(media) => result_media.push(media),
                        None => {}
                    }
                }
                let mut text = texts.join("\n\n");
                if result.is_error {
                    text.insert_str(0, "[tool error] ");
                }
                let mut tool = ChatMessage::new("tool", Content::Text(text));
                tool.tool_call_id = Some(result.call_id.clone());
                out.push(tool);
            }
            other => {
                if let Some(p) = encode_content_part(other, profile)? {
                    own.push(p);
                }
            }
        }
    }
    result_media.extend(own);
    if result_media.is_empty() && had_results {
        return Ok(());
    }
    let all_text = result_media
        .iter()
        .all(|p| matches!(p, ContentPart::Text { .. }));
    let content = if all_text {
        let texts: Vec<String> = result_media
            .into_iter()
            .filter_map(|p| match p {
                ContentPart::Text { text } if !text.is_empty() => Some(text),
                _ => None,
            })
            .collect();
        Content::Text(texts.join("\n\n"))
    } else {
        Content::Parts(result_media)
    };
    out.push(ChatMessage::new("user", content));
    Ok(())
}

/// A user-side content part, or `None` for parts that have no place in user content (calls,
/// reasoning, nested results).
fn encode_content_part(
    part: &Part,
    profile: &Profile,
) -> Result<Option<ContentPart>, TranslateError> {
    let vendor = &profile.vendor;
    Ok(Some(match part {
        Part::Text { text, .. } => ContentPart::Text { text: text.clone() },
        Part::Image { source, .. } => match source {
            Media::Base64 { .. } if !profile.images => {
                return Err(TranslateError::Unsupported(format!(
                    "vendor `{vendor}` does not accept images; remove them or pick a vendor \
                     that does"
                )));
            }
            Media::Url(_) if !profile.image_urls => {
                return Err(TranslateError::Unsupported(format!(
                    "vendor `{vendor}` does not accept image URLs; send the image inline \
                     (base64) instead"
                )));
            }
            Media::Base64 { .. } | Media::Url(_) => ContentPart::ImageUrl {
                image_url: ImageUrl {
                    url: source.to_url().unwrap_or_default(),
                },
            },
            Media::File(_) => return Err(file_id_unsupported(vendor)),
            Media::Text(text) => ContentPart::Text { text: text.clone() },
        },
        Part::Document {
            source,
            title,
            filename,
            ..
        } => match source {
            // §2.4: text-source documents become a text part prefixed with the title.
            Media::Text(text) => ContentPart::Text {
                text: match title {
                    Some(t) if !t.is_empty() => format!("{t}\n\n{text}"),
                    _ => text.clone(),
                },
            },
            Media::Base64 { .. } if !profile.documents => {
                return Err(TranslateError::Unsupported(format!(
                    "vendor `{vendor}` does not accept PDF documents; remove them or pick a \
                     vendor that does"
                )));
            }
            Media::Base64 { .. } => ContentPart::File {
                file: FileData {
                    file_data: source.to_url().unwrap_or_default(),
                    filename: filename
                        .clone()
                        .or_else(|| title.clone())
                        .unwrap_or_else(|| "document.pdf".to_owned()),
                },
            },
            Media::Url(_) => {
                return Err(TranslateError::Unsupported(format!(
                    "vendor `{vendor}` cannot fetch documents by URL; send the document inline \
                     (base64) instead"
                )));
            }
            Media::File(_) => return Err(file_id_unsupported(vendor)),
        },
        Part::ToolCall(_) | Part::ToolResult(_) | Part::Reasoning(_) => return Ok(None),
    }))
}

fn file_id_unsupported(vendor: &str) -> TranslateError {
    TranslateError::Unsupported(format!(
        "file ids are not portable to vendor `{vendor}`; send the file's content inline instead"
    ))
}

/// An assistant turn (§2.3): text concatenated, tool calls in order, and — when the vendor needs
/// it back — the reasoning in the vendor's field.
fn encode_assistant(message: &Message, profile: &Profile) -> ChatMessage {
    let mut text = String::new();
    let mut calls = Vec::new();
    let mut reasoning = Vec::new();
    for part in &message.parts {
        match part {
            Part::Text { text: t, .. } => text.push_str(t),
            Part::ToolCall(call) => calls.push(encode_call(call)),
            Part::Reasoning(r) if profile.reasoning_back => {
                if !r.text.is_empty() {
                    reasoning.push(r.text.clone());
                } else if let Some(value) = r
                    .signature
                    .as_ref()
                    .and_then(|s| s.for_vendor(&profile.vendor, profile.untagged_signatures))
                    .filter(|v| !v.is_empty())
                {
                    reasoning.push(value.to_owned());
                }
            }
            _ => {}
        }
    }
    let content = if !text.is_empty() {
        Content::Text(text)
    } else if !calls.is_empty() && profile.null_content_with_tools {
        Content::Null
    } else {
        Content::Text(String::new())
    };
    let mut msg = ChatMessage::new("assistant", content);
    msg.tool_calls = calls;
    if !reasoning.is_empty() {
        let reasoning = Some(reasoning.join("\n\n"));
        match profile.reasoning_field {
            ReasoningField::Reasoning => msg.reasoning = reasoning,
            ReasoningField::ReasoningContent => msg.reasoning_content = reasoning,
        }
    }
    msg
}

/// A tool call in history: the vendor-safe name, the raw arguments (custom input wrapped per
/// the shared convention; an empty argument string becomes `{}` because vendors parse it).
fn encode_call(call: &ToolCall) -> ChatToolCall {
    let arguments = match call.kind {
        ToolKind::Custom { .. } => wrap_custom_input(&call.arguments),
        ToolKind::Function if call.arguments.trim().is_empty() => "{}".to_owned(),
        ToolKind::Function => call.arguments.clone(),
    };
    ChatToolCall {
        id: call.id.clone(),
        kind: "function",
        function: FunctionCall {
            name: vendor_tool_name(&call.name),
            arguments,
        },
        extra_content: call.extras.clone(),
    }
}

/// A tool definition (§2.5); custom tools become a one-string-property function.
fn encode_tool(tool: &crate::canonical::Tool) -> ChatTool<'_> {
    let (description, parameters) = match &tool.kind {
        ToolKind::Function => (
            tool.description.clone(),
            std::borrow::Cow::Borrowed(&tool.schema),
        ),
        ToolKind::Custom { format } => (
            custom_description(tool.description.as_deref(), format.as_ref()),
            std::borrow::Cow::Owned(custom_schema()),
        ),
    };
    ChatTool {
        kind: "function",
        function: FunctionDef {
            name: vendor_tool_name(&tool.name),
            description,
            parameters,
            strict: tool.strict,
        },
    }
}

/// `tool_choice` (§2.5); `required` becomes `auto` for vendors that refuse it (Kimi).
fn encode_tool_choice(choice: &ToolChoice, profile: &Profile) -> ChatToolChoice {
    match choice {
        ToolChoice::Auto => ChatToolChoice::Mode("auto"),
        ToolChoice::None => ChatToolChoice::Mode("none"),
        ToolChoice::Any if profile.tool_choice_required => ChatToolChoice::Mode("required"),
        ToolChoice::Any => ChatToolChoice::Mode("auto"),
        ToolChoice::Tool(name) => ChatToolChoice::Function {
            kind: "function",
            function: NamedFunction {
                name: vendor_tool_name(name),
            },
        },
    }
}

/// `stop`, cut to the vendor's limit (§2.6: OpenAI takes 4); absent when empty.
fn encode_stop(stop: &[String], max: usize) -> Option<&[String]> {
    let kept = if max > 0 && stop.len() > max {
        &stop[..max]
    } else {
        stop
    };
    (!kept.is_empty()).then_some(kept)
}

/// The reasoning switches for `style` (§2.7 "Reasoning" and the §2.8 vendor rows).
fn encode_reasoning(config: Option<&ReasoningConfig>, style: ThinkingStyle) -> ReasoningFields {
    let mut out = ReasoningFields::default();
    let Some(config) = config else {
        return out;
    };
    let enabled = !matches!(config, ReasoningConfig::Disabled);
    match style {
        ThinkingStyle::Effort => {
            out.reasoning_effort = match config {
                ReasoningConfig::Disabled | ReasoningConfig::Effort(None) => None,
                ReasoningConfig::Budget(b) => {
                    Some(ReasoningConfig::effort_for_budget(*b).to_owned())
                }
                ReasoningConfig::Effort(Some(e)) => Some(e.clone()),
            }
        }
        ThinkingStyle::ThinkingObject => {
            out.thinking = Some(ThinkingToggle {
                kind: if enabled { "enabled" } else { "disabled" },
            });
        }
        ThinkingStyle::EnableThinking => {
            out.enable_thinking = Some(enabled);
            out.thinking_budget = match config {
                ReasoningConfig::Budget(b) => Some(*b),
                ReasoningConfig::Effort(Some(e)) => Some(ReasoningConfig::budget_for_effort(e)),
                ReasoningConfig::Disabled | ReasoningConfig::Effort(None) => None,
            };
        }
        ThinkingStyle::ChatTemplate => {
            out.chat_template_kwargs = Some(TemplateKwargs {
                enable_thinking: enabled,
            });
        }
        ThinkingStyle::None => {}
    }
    out
}

fn encode_output_format(format: &OutputFormat) -> ResponseFormat<'_> {
    match format {
        OutputFormat::JsonObject => ResponseFormat::JsonObject,
        OutputFormat::JsonSchema {
            name,
            schema,
            strict,
        } => ResponseFormat::JsonSchema {
            json_schema: JsonSchemaSpec {
                name,
                schema,
                strict: *strict,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::{Reasoning, Signature, Tool, ToolResult};
    use crate::chat::test_support::pretty;
    use serde_json::json;

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

    fn call(id: &str, name: &str, args: &str) -> ToolCall {
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: args.into(),
            kind: ToolKind::Function,
            item_id: None,
            extras: None,
        }
    }

    fn result(id: &str, content: Vec<Part>, is_error: bool) -> Part {
        Part::ToolResult(ToolResult {
            call_id: id.into(),
            content,
            is_error,
            cache: None,
        })
    }

    fn tool(name: &str, kind: ToolKind) -> Tool {
        Tool {
            name: name.into(),
            description: Some("does things".into()),
            schema: json!({"type": "object", "properties": {"path": {"type": "string"}}}),
            strict: None,
            kind,
            cache: None,
        }
    }

    fn png() -> Part {
        Part::Image {
            source: Media::Base64 {
                media_type: "image/png".into(),
                data: "iVBO".into(),
            },
            cache: None,
        }
    }

    fn encode(req: &Request, profile: &Profile) -> Value {
        serde_json::from_slice(&encode_request(req, profile).unwrap()).unwrap()
    }

    fn base() -> Request {
        Request {
            model: "vendor-model".into(),
            messages: vec![user(vec![Part::text("hi")])],
            ..Request::default()
        }
    }

    /// A Claude Code–like turn with everything the Chat encoder has to rearrange.
    fn rich() -> Request {
        let long = format!("mcp__github__{}", "search_issues_".repeat(5));
        Request {
            model: "deepseek-chat".into(),
            system: vec![
                Part::text("x-anthropic-billing-header: cc_version=2.1; cch=abcde;"),
                Part::text("You are a coding agent."),
                Part::text("Be brief."),
            ],
            messages: vec![
                user(vec![Part::text("Fix the bug in a.rs")]),
                assistant(vec![
                    Part::Reasoning(Reasoning {
                        text: "Need to read a.rs first.".into(),
                        signature: Some(Signature::from_vendor("deepseek", "")),
                        ..Reasoning::default()
                    }),
                    Part::text("Reading it."),
                    Part::ToolCall(call("call_1", "Read", "{\"path\":\"a.rs\"}")),
                    Part::ToolCall(call("call_2", &long, "{\"q\":\"bug\"}")),
                    Part::ToolCall(ToolCall {
                        kind: ToolKind::Custom { format: None },
                        ..call("call_3", "apply_patch", "*** Begin Patch\n*** End Patch")
                    }),
                ]),
                user(vec![
                    result("call_1", vec![Part::text("fn main() {}"), png()], false),
                    result("call_2", vec![Part::text("rate limited")], true),
                    result("call_3", vec![Part::text("Done")], false),
                    Part::text("Screenshot attached."),
                    png(),
                ]),
                Message {
                    role: Role::System,
                    parts: vec![Part::text("The user prefers tabs.")],
                },
            ],
            tools: vec![
                tool("Read", ToolKind::Function),
                Tool {
                    strict: Some(true),
                    ..tool(&long, ToolKind::Function)
                },
                tool(
                    "apply_patch",
                    ToolKind::Custom {
                        format: Some(
                            json!({"type": "grammar", "syntax": "lark", "definition": "start: patch"}),
                        ),
                    },
                ),
            ],
            tool_choice: Some(ToolChoice::Auto),
            parallel_tool_calls: Some(true),
            max_tokens: Some(8192),
            temperature: Some(0.7),
            stop: vec!["</done>".into()],
            stream: true,
            include_usage: true,
            reasoning: Some(ReasoningConfig::Budget(4096)),
            user: Some("user_abc_account_x_session_y".into()),
            cache_key: Some("session-1".into()),
            ..Request::default()
        }
    }

    fn deepseek() -> Profile {
        Profile {
            reasoning_back: true,
            thinking: ThinkingStyle::ThinkingObject,
            images: true,
            ..Profile::named("deepseek")
        }
    }

    #[test]
    fn rich_request_snapshot() {
        let body = String::from_utf8(encode_request(&rich(), &deepseek()).unwrap()).unwrap();
        insta::assert_snapshot!("rich_request_deepseek", pretty(&body));
    }

    #[test]
    fn rich_request_snapshot_openai_profile() {
        let openai = Profile {
            developer_role: true,
            max_tokens_field: MaxTokensField::MaxCompletionTokens,
            null_content_with_tools: true,
            max_stop: 4,
            ..Profile::named("openai")
        };
        let mut req = rich();
        req.reasoning = Some(ReasoningConfig::Effort(Some("high".into())));
        let body = String::from_utf8(encode_request(&req, &openai).unwrap()).unwrap();
        insta::assert_snapshot!("rich_request_openai", pretty(&body));
    }

    #[test]
    fn system_prompt_comes_first_and_mid_conversation_system_stays_in_place() {
        // §2.2 A→C / R→C; Claude Code billing header stripped for non-Anthropic vendors.
        let v = encode(&rich(), &deepseek());
        let msgs = v["messages"].as_array().unwrap();
        assert_eq!(
            msgs[0],
            json!({"role": "system", "content": "You are a coding agent.\n\nBe brief."})
        );
        assert_eq!(
            msgs.last().unwrap(),
            &json!({"role": "system", "content": "The user prefers tabs."})
        );
        let dev = Profile {
            developer_role: true,
            ..Profile::default()
        };
        assert_eq!(encode(&rich(), &dev)["messages"][0]["role"], "developer");
    }

    #[test]
    fn tool_results_come_first_then_result_images_then_the_users_parts() {
        // §2.3 row 1 and §2.4 tool result: `tool` messages first, `[tool error] ` prefix,
        // images in a user message right after.
        let v = encode(&rich(), &deepseek());
        let msgs = v["messages"].as_array().unwrap();
        assert_eq!(
            msgs[3],
            json!({"role": "tool", "content": "fn main() {}", "tool_call_id": "call_1"})
        );
        assert_eq!(msgs[4]["content"], "[tool error] rate limited");
        assert_eq!(msgs[5]["tool_call_id"], "call_3");
        assert_eq!(msgs[6]["role"], "user");
        let parts = msgs[6]["content"].as_array().unwrap();
        assert_eq!(
            parts[0],
            json!({"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}})
        );
        assert_eq!(
            parts[1],
            json!({"type": "text", "text": "Screenshot attached."})
        );
        assert_eq!(parts.len(), 3);
    }

    #[test]
    fn results_without_user_parts_add_no_user_message() {
        let mut req = base();
        req.messages = vec![user(vec![result("c", vec![], false)])];
        let v = encode(&req, &Profile::default());
        assert_eq!(
            v["messages"],
            json!([{"role": "tool", "content": "", "tool_call_id": "c"}])
        );
    }

    #[test]
    fn all_text_user_content_is_a_string() {
        // custom.md: user parts → string content when all text.
        let mut req = base();
        req.messages = vec![user(vec![Part::text("a"), Part::text("b")])];
        assert_eq!(
            encode(&req, &Profile::default())["messages"][0]["content"],
            "a\n\nb"
        );
    }

    #[test]
    fn assistant_turns_follow_the_profile() {
        // §2.3: `content` null (OpenAI) or "" (llama.cpp) with tool calls; calls in order with
        // shortened names, raw arguments, custom input wrapped, extras back as extra_content.
        let extras = json!({"google": {"thought_signature": "c2ln"}});
        let mut req = base();
        req.messages = vec![assistant(vec![
            Part::ToolCall(ToolCall {
                extras: Some(extras.clone()),
                ..call("c1", "a.b", "{\"x\": 1}")
            }),
            Part::ToolCall(call("c2", "empty", "")),
        ])];
        let v = encode(&req, &Profile::default());
        let msg = &v["messages"][0];
        assert_eq!(msg["content"], "");
        assert_eq!(
            msg["tool_calls"][0]["function"]["name"],
            vendor_tool_name("a.b")
        );
        assert_eq!(msg["tool_calls"][0]["function"]["arguments"], "{\"x\": 1}");
        assert_eq!(msg["tool_calls"][0]["extra_content"], extras);
        assert_eq!(msg["tool_calls"][1]["function"]["arguments"], "{}");
        let openai = Profile {
            null_content_with_tools: true,
            ..Profile::default()
        };
        assert_eq!(encode(&req, &openai)["messages"][0]["content"], Value::Null);
        let v = encode(&rich(), &deepseek());
        let custom = &v["messages"][2]["tool_calls"][2]["function"];
        let args: Value = serde_json::from_str(custom["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(args, json!({"input": "*** Begin Patch\n*** End Patch"}));
        assert_eq!(v["messages"][2]["content"], "Reading it.");
    }

    #[test]
    fn reasoning_goes_back_only_when_the_vendor_needs_it() {
        // §2.4 signatures rule 3; §2.8 DeepSeek "send reasoning_content back".
        let mut req = base();
        req.messages = vec![assistant(vec![
            Part::Reasoning(Reasoning {
                signature: Some(Signature::from_vendor("kimi", "opaque-kimi")),
                ..Reasoning::default()
            }),
            Part::ToolCall(call("c", "a", "{}")),
        ])];
        let kimi = Profile {
            reasoning_back: true,
            reasoning_field: ReasoningField::Reasoning,
            ..Profile::named("kimi")
        };
        let msg = &encode(&req, &kimi)["messages"][0];
        assert_eq!(msg["reasoning"], "opaque-kimi");
        assert!(msg.get("reasoning_content").is_none());
        // Another vendor's payload means nothing here.
        let other = Profile {
            vendor: "glm".into(),
            ..kimi.clone()
        };
        assert!(
            encode(&req, &other)["messages"][0]
                .get("reasoning")
                .is_none()
        );
        // Vendors that do not need it get none.
        let v = encode(&rich(), &Profile::named("deepseek"));
        assert!(v["messages"][2].get("reasoning_content").is_none());
        let v = encode(&rich(), &deepseek());
        assert_eq!(
            v["messages"][2]["reasoning_content"],
            "Need to read a.rs first."
        );
    }

    #[test]
    fn tools_and_tool_choice() {
        // §2.5: names shortened, custom tools as one-string functions, strict only when set,
        // `required` → `auto` where refused, tool_choice/parallel_tool_calls only with tools.
        let v = encode(&rich(), &deepseek());
        let tools = v["tools"].as_array().unwrap();
        assert_eq!(tools[0]["function"].get("strict"), None);
        assert_eq!(tools[1]["function"]["strict"], true);
        assert!(tools[1]["function"]["name"].as_str().unwrap().len() <= 64);
        assert_eq!(
            tools[2]["function"]["parameters"]["required"],
            json!(["input"])
        );
        assert!(
            tools[2]["function"]["description"]
                .as_str()
                .unwrap()
                .contains("start: patch")
        );
        assert_eq!(v["tool_choice"], "auto");
        assert_eq!(v["parallel_tool_calls"], true);

        let mut req = rich();
        req.tool_choice = Some(ToolChoice::Any);
        assert_eq!(encode(&req, &deepseek())["tool_choice"], "required");
        let kimi = Profile {
            tool_choice_required: false,
            parallel_tool_calls: false,
            ..Profile::default()
        };
        let v = encode(&req, &kimi);
        assert_eq!(v["tool_choice"], "auto");
        assert_eq!(v.get("parallel_tool_calls"), None);
        req.tool_choice = Some(ToolChoice::Tool(req.tools[1].name.clone()));
        assert_eq!(
            encode(&req, &deepseek())["tool_choice"],
            json!({"type": "function", "function": {"name": vendor_tool_name(&req.tools[1].name)}})
        );
        req.tools.clear();
        let v = encode(&req, &deepseek());
        assert_eq!(
            (
                v.get("tools"),
                v.get("tool_choice"),
                v.get("parallel_tool_calls")
            ),
            (None, None, None)
        );
    }

    #[test]
    fn generation_parameters_follow_the_profile() {
        // §2.6: output-cap field, temperature clamped, top_k only where accepted, stop cut to
        // the limit, n passed; §4.5: usage requested on streams unless the vendor rejects it.
        let mut req = base();
        req.max_tokens = Some(100);
        req.temperature = Some(1.8);
        req.top_p = Some(0.5);
        req.top_k = Some(20);
        req.stop = (0..6).map(|i| format!("s{i}")).collect();
        req.n = Some(2);
        req.stream = true;
        let strict = Profile {
            max_tokens_field: MaxTokensField::MaxCompletionTokens,
            max_temperature: 1.0,
            max_stop: 4,
            stream_usage: false,
            ..Profile::default()
        };
        let v = encode(&req, &strict);
        assert_eq!(
            (v.get("max_tokens"), &v["max_completion_tokens"]),
            (None, &json!(100))
        );
        assert_eq!(v["temperature"], 1.0);
        assert_eq!(v["top_p"], 0.5);
        assert_eq!(v.get("top_k"), None);
        assert_eq!(v["stop"], json!(["s0", "s1", "s2", "s3"]));
        assert_eq!(v["n"], 2);
        assert_eq!(
            (&v["stream"], v.get("stream_options")),
            (&json!(true), None)
        );
        let loose = Profile {
            top_k: true,
            ..Profile::default()
        };
        let v = encode(&req, &loose);
        assert_eq!(
            (&v["max_tokens"], &v["top_k"], &v["temperature"]),
            (&json!(100), &json!(20), &json!(1.8))
        );
        assert_eq!(v["stop"].as_array().unwrap().len(), 6);
        assert_eq!(v["stream_options"], json!({"include_usage": true}));
        req.stream = false;
        let v = encode(&req, &loose);
        assert_eq!((v.get("stream"), v.get("stream_options")), (None, None));
    }

    #[test]
    fn reasoning_settings_per_thinking_style() {
        // §2.7 reasoning table and §2.8 vendor rows.
        let cases: Vec<(ThinkingStyle, ReasoningConfig, Value)> = vec![
            (
                ThinkingStyle::Effort,
                ReasoningConfig::Budget(5000),
                json!({"reasoning_effort": "high"}),
            ),
            (
                ThinkingStyle::Effort,
                ReasoningConfig::Effort(Some("low".into())),
                json!({"reasoning_effort": "low"}),
            ),
            (ThinkingStyle::Effort, ReasoningConfig::Disabled, json!({})),
            (
                ThinkingStyle::ThinkingObject,
                ReasoningConfig::Budget(1),
                json!({"thinking": {"type": "enabled"}}),
            ),
            (
                ThinkingStyle::ThinkingObject,
                ReasoningConfig::Disabled,
                json!({"thinking": {"type": "disabled"}}),
            ),
            (
                ThinkingStyle::EnableThinking,
                ReasoningConfig::Budget(3000),
                json!({"enable_thinking": true, "thinking_budget": 3000}),
            ),
            (
                ThinkingStyle::EnableThinking,
                ReasoningConfig::Effort(Some("high".into())),
                json!({"enable_thinking": true, "thinking_budget": 4096}),
            ),
            (
                ThinkingStyle::EnableThinking,
                ReasoningConfig::Disabled,
                json!({"enable_thinking": false}),
            ),
            (
                ThinkingStyle::ChatTemplate,
                ReasoningConfig::Effort(None),
                json!({"chat_template_kwargs": {"enable_thinking": true}}),
            ),
            (
                ThinkingStyle::ChatTemplate,
                ReasoningConfig::Disabled,
                json!({"chat_template_kwargs": {"enable_thinking": false}}),
            ),
            (
                ThinkingStyle::None,
                ReasoningConfig::Budget(5000),
                json!({}),
            ),
        ];
        let keys = [
            "reasoning_effort",
            "thinking",
            "enable_thinking",
            "thinking_budget",
            "chat_template_kwargs",
        ];
        for (style, config, expected) in cases {
            let mut req = base();
            req.reasoning = Some(config.clone());
            let profile = Profile {
                thinking: style,
                ..Profile::default()
            };
            let v = encode(&req, &profile);
            let got: serde_json::Map<String, Value> = keys
                .iter()
                .filter_map(|k| v.get(*k).map(|x| ((*k).to_owned(), x.clone())))
                .collect();
            assert_eq!(Value::Object(got), expected, "{style:?} {config:?}");
        }
    }

    #[test]
    fn identity_format_and_cache_key() {
        // §2.7: user hashed (never the raw id); structured output; prompt_cache_key.
        let mut req = base();
        req.user = Some("acct-1".into());
        req.cache_key = Some("k".into());
        req.output_format = Some(OutputFormat::JsonSchema {
            name: "out".into(),
            schema: json!({"type": "object"}),
            strict: Some(true),
        });
        let v = encode(&req, &Profile::default());
        assert_eq!(v["user"], req.hashed_user().unwrap());
        assert_eq!(v["prompt_cache_key"], "k");
        assert_eq!(
            v["response_format"],
            json!({"type": "json_schema", "json_schema": {"name": "out", "schema": {"type": "object"}, "strict": true}})
        );
        let anonymous = Profile {
            user_id: false,
            ..Profile::default()
        };
        assert_eq!(encode(&req, &anonymous).get("user"), None);
        req.output_format = Some(OutputFormat::JsonObject);
        assert_eq!(
            encode(&req, &anonymous)["response_format"],
            json!({"type": "json_object"})
        );
    }

    #[test]
    fn documents_become_files_or_titled_text() {
        // §2.4 PDF / document row.
        let mut req = base();
        req.messages = vec![user(vec![
            Part::Document {
                source: Media::Base64 {
                    media_type: "application/pdf".into(),
                    data: "JVBE".into(),
                },
                title: Some("Spec".into()),
                filename: None,
                cache: None,
            },
            Part::Document {
                source: Media::Text("body".into()),
                title: Some("Notes".into()),
                filename: None,
                cache: None,
            },
        ])];
        let v = encode(&req, &Profile::default());
        assert_eq!(
            v["messages"][0]["content"],
            json!([
                {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "Spec"}},
                {"type": "text", "text": "Notes\n\nbody"}
            ])
        );
        let no_docs = Profile {
            documents: false,
            ..Profile::named("ollama")
        };
        let err = encode_request(&req, &no_docs).unwrap_err();
        assert!(
            matches!(&err, TranslateError::Unsupported(m) if m.contains("`ollama`") && m.contains("PDF"))
        );
    }

    #[test]
    fn media_the_vendor_cannot_take_is_refused_by_name() {
        // §2.4 image rows and A14: a clear 400, never a silent drop.
        let url_image = Part::Image {
            source: Media::Url("https://x/y.png".into()),
            cache: None,
        };
        let file_image = Part::Image {
            source: Media::File("file-1".into()),
            cache: None,
        };
        let no_images = Profile {
            images: false,
            image_urls: false,
            ..Profile::named("deepseek")
        };
        for (part, needle) in [
            (png(), "images"),
            (url_image.clone(), "image URLs"),
            (file_image, "file ids"),
        ] {
            let mut req = base();
            req.messages = vec![user(vec![part])];
            match encode_request(&req, &no_images) {
                Err(TranslateError::Unsupported(m)) => {
                    assert!(m.contains("`deepseek`") && m.contains(needle), "{m}")
                }
                other => panic!("{other:?}"),
            }
        }
        let mut req = base();
        req.messages = vec![user(vec![url_image])];
        let v = encode(&req, &Profile::default());
        assert_eq!(
            v["messages"][0]["content"][0]["image_url"]["url"],
            "https://x/y.png"
        );
    }

    #[test]
    fn previous_response_id_is_unsupported() {
        let mut req = base();
        req.previous_response_id = Some("resp_1".into());
        assert!(matches!(
            encode_request(&req, &Profile::default()),
            Err(TranslateError::Unsupported(m)) if m.contains("previous_response_id")
        ));
    }

    #[test]
    fn identical_requests_encode_to_identical_bytes() {
        // §2.7 caching: a byte-stable prefix.
        assert_eq!(
            encode_request(&rich(), &deepseek()).unwrap(),
            encode_request(&rich(), &deepseek()).unwrap()
        );
    }
}
