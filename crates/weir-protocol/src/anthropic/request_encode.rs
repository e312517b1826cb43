//! Canonical [`Request`] → the body for an Anthropic-protocol vendor (protocols.md §2.2–§2.7,
//! §9): Anthropic itself and the Anthropic-compatible endpoints of DeepSeek, Kimi, GLM,
//! DashScope and local servers. What differs between them comes from the [`Profile`].

use serde::Serialize;
use serde_json::Value;

use super::wire::{Block, CacheControl, ResultContent, Source, tool_input};
use crate::canonical::{
    Media, Message, OutputFormat, Part, Profile, Reasoning, ReasoningConfig, Request, Role, Tool,
    ToolChoice, ToolKind, ToolResult, TranslateError, anthropic_tool_id,
};

/// `max_tokens` sent when the client gave none. Anthropic requires the field; 8,192 is an
/// output every current Claude model (and every Anthropic-compatible vendor weir knows)
/// accepts, and large enough that an agent's tool call is rarely cut short.
pub const DEFAULT_MAX_TOKENS: u64 = 8192;

/// The smallest thinking budget Anthropic accepts.
const MIN_THINKING_BUDGET: u64 = 1024;

/// Added to the system prompt when the client asked for "any JSON object", which Anthropic
/// cannot enforce (§2.7: a system instruction, not an assistant prefill).
const JSON_OBJECT_INSTRUCTION: &str =
    "Respond with a single JSON object and nothing else: no prose, no code fences.";

/// Renders `req` as an Anthropic Messages request body for the vendor `profile` describes.
///
/// The structure follows §2.3: `Role::System` messages are hoisted into `system`; consecutive
/// same-role messages are merged; `tool_result` blocks come first in their user message and
/// thinking blocks first in their assistant message; empty text is dropped; tool ids go through
/// [`anthropic_tool_id`]. Thinking follows §2.4/§2.6/§2.7: reasoning goes back only with a
/// signature this vendor made, and thinking is switched off for the request when the last
/// assistant tool-use turn has none. Cache breakpoints are kept only where the profile honours
/// them, at most `max_cache_breakpoints`, the last ones in render order.
///
/// Fails with [`TranslateError::Unsupported`] for `n > 1`, `previous_response_id`, vendor-side
/// file ids, and images or PDFs the vendor does not accept.
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
    if req.n.is_some_and(|n| n > 1) {
        return Err(TranslateError::Unsupported(
            "n > 1 cannot be served by an Anthropic-protocol vendor; ask for one choice".to_owned(),
        ));
    }
    if req.previous_response_id.is_some() {
        return Err(TranslateError::Unsupported(
            "`previous_response_id` cannot be served: weir keeps no response store; send the \
             full history with store=false"
                .to_owned(),
        ));
    }
    let media = MediaRules::new(profile);

    let mut system = Vec::new();
    let hoisted = req
        .messages
        .iter()
        .filter(|m| m.role == Role::System)
        .flat_map(|m| &m.parts);
    for part in req.system.iter().chain(hoisted) {
        if profile.strip_billing_header && part.is_billing_header() {
            continue;
        }
        if let Part::Text { text, cache } = part
            && !text.trim().is_empty()
        {
            system.push(Block::Text {
                text: text.clone(),
                cache_control: CacheControl::from_hint(cache.as_ref()),
            });
        }
    }
    if req.output_format == Some(OutputFormat::JsonObject) {
        system.push(Block::Text {
            text: JSON_OBJECT_INSTRUCTION.to_owned(),
            cache_control: None,
        });
    }

    let messages = messages(&req.messages, profile, &media)?;

    let tools: Vec<WireTool> = req.tools.iter().map(tool).collect();

    let requested_budget = match &req.reasoning {
        Some(ReasoningConfig::Budget(b)) => Some(*b),
        Some(ReasoningConfig::Effort(e)) => Some(ReasoningConfig::budget_for_effort(
            e.as_deref().unwrap_or("medium"),
        )),
        Some(ReasoningConfig::Disabled) | None => None,
    }
    .map(|b| b.max(MIN_THINKING_BUDGET));
    // §2.4 rule 2: with thinking on, the last tool-use turn must start with a thinking block
    // valid here; without one the vendor answers 400, so thinking goes off for this request.
    let budget = requested_budget.filter(|_| last_tool_turn_has_thinking(&messages));
    let thinking = match (budget, &req.reasoning) {
        (Some(b), _) => Some(Thinking {
            kind: "enabled",
            budget_tokens: Some(b),
        }),
        (None, Some(_)) => Some(Thinking {
            kind: "disabled",
            budget_tokens: None,
        }),
        (None, None) => None,
    };

    let mut max_tokens = req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
    if let Some(b) = budget
        && max_tokens <= b
    {
        // The budget is part of the output cap; the client's cap was meant for the answer.
        max_tokens = b.saturating_add(max_tokens);
    }

    let thinking_on = budget.is_some();
    let tool_choice = if tools.is_empty() {
        None
    } else {
        let disable_parallel = (req.parallel_tool_calls == Some(false)).then_some(true);
        let choice = match &req.tool_choice {
            // With thinking on Anthropic only allows `auto` and `none`.
            Some(ToolChoice::Any | ToolChoice::Tool(_)) if thinking_on => Some(ToolChoice::Auto),
            Some(c) => Some(c.clone()),
            None if disable_parallel.is_some() => Some(ToolChoice::Auto),
            None => None,
        };
        choice.map(|c| {
            let (kind, name) = match c {
                ToolChoice::Auto => ("auto", None),
                ToolChoice::Any => ("any", None),
                ToolChoice::None => ("none", None),
                ToolChoice::Tool(name) => ("tool", Some(name)),
            };
            WireToolChoice {
                kind,
                name,
                // Meaningless (and rejected by some servers) with `none`.
                disable_parallel_tool_use: disable_parallel.filter(|_| kind != "none"),
            }
        })
    };

    let temperature = req
        .temperature
        .filter(|_| !thinking_on)
        .map(|t| t.max(0.0).min(profile.max_temperature.max(0.0)));
    let top_p = req
        .top_p
        .filter(|p| !thinking_on || (0.95..=1.0).contains(p));
    let top_k = req.top_k.filter(|_| profile.top_k && !thinking_on);
    let mut stop_sequences: Vec<&str> = req
        .stop
        .iter()
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty())
        .collect();
    if profile.max_stop > 0 {
        stop_sequences.truncate(profile.max_stop);
    }

    let mut wire = WireRequest {
        model,
        max_tokens,
        system,
        messages,
        tools,
        tool_choice,
        thinking,
        temperature,
        top_p,
        top_k,
        stop_sequences,
        stream: req.stream,
        metadata: req
            .hashed_user()
            .filter(|_| profile.user_id)
            .map(|user_id| Metadata { user_id }),
        output_config: match &req.output_format {
            Some(OutputFormat::JsonSchema { schema, .. }) => Some(OutputConfig {
                format: JsonSchemaFormat {
                    kind: "json_schema",
                    schema,
                },
            }),
            _ => None,
        },
        service_tier: req.service_tier.as_deref().and_then(service_tier),
    };
    limit_cache_breakpoints(&mut wire, profile);
    serde_json::to_vec(&wire)
        .map_err(|e| TranslateError::Malformed(format!("the request could not be encoded: {e}")))
}

/// The conversation as Anthropic messages: system turns left out (they were hoisted), parts
/// converted, empty turns dropped, same-role neighbours merged, blocks ordered.
fn messages(
    input: &[Message],
    profile: &Profile,
    media: &MediaRules<'_>,
) -> Result<Vec<WireMessage>, TranslateError> {
    let mut out: Vec<WireMessage> = Vec::with_capacity(input.len());
    for m in input {
        let role = match m.role {
            Role::System => continue,
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        let mut blocks = Vec::with_capacity(m.parts.len());
        for part in &m.parts {
            if let Some(b) = part_block(part, m.role, profile, media)? {
                blocks.push(b);
            }
        }
        if blocks.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.role == role => last.content.extend(blocks),
            _ => out.push(WireMessage {
                role,
                content: blocks,
            }),
        }
    }
    for m in &mut out {
        // Stable sorts: tool results first in a user turn, thinking first in an assistant turn.
        if m.role == "user" {
            m.content
                .sort_by_key(|b| !matches!(b, Block::ToolResult { .. }));
        } else {
            m.content.sort_by_key(|b| !b.is_thinking());
        }
    }
    Ok(out)
}

/// One part as a block, or `None` when it has no place here (empty text, reasoning this vendor
/// cannot verify, a part in the wrong role's message).
fn part_block(
    part: &Part,
    role: Role,
    profile: &Profile,
    media: &MediaRules<'_>,
) -> Result<Option<Block>, TranslateError> {
    Ok(match (part, role) {
        (Part::Text { .. } | Part::Image { .. } | Part::Document { .. }, _) => {
            media.content_block(part)?
        }
        (Part::ToolCall(c), Role::Assistant) => Some(Block::ToolUse {
            id: anthropic_tool_id(&c.id),
            name: c.name.clone(),
            input: tool_input(&c.arguments, &c.kind),
        }),
        (Part::Reasoning(r), Role::Assistant) => reasoning_block(r, profile),
        (Part::ToolResult(r), Role::User) => Some(tool_result(r, media)?),
        // Tool calls and reasoning belong to the model, results to the user: a part in the
        // other role's message would only make the vendor refuse the whole request.
        _ => None,
    })
}

/// Reasoning goes back only when this vendor can verify it (§2.4 rules 1–2).
fn reasoning_block(r: &Reasoning, profile: &Profile) -> Option<Block> {
    if let Some(data) = &r.redacted {
        // Redacted blobs carry no origin tag: only a vendor that takes the client's own
        // payloads can use them.
        return profile
            .untagged_signatures
            .then(|| Block::RedactedThinking { data: data.clone() });
    }
    let sig = r
        .signature
        .as_ref()?
        .for_vendor(&profile.vendor, profile.untagged_signatures)?;
    Some(Block::Thinking {
        thinking: r.text.clone(),
        signature: sig.to_owned(),
    })
}

fn tool_result(r: &ToolResult, media: &MediaRules<'_>) -> Result<Block, TranslateError> {
    let mut blocks = Vec::with_capacity(r.content.len());
    for part in &r.content {
        if let Some(b) = media.content_block(part)? {
            blocks.push(b);
        }
    }
    let content = match blocks.as_slice() {
        [] => None,
        [
            Block::Text {
                text,
                cache_control: None,
            },
        ] => Some(ResultContent::Text(text.clone())),
        _ => Some(ResultContent::Blocks(blocks)),
    };
    Ok(Block::ToolResult {
        tool_use_id: anthropic_tool_id(&r.call_id),
        content,
        is_error: r.is_error,
        cache_control: CacheControl::from_hint(r.cache.as_ref()),
    })
}

/// Which media the vendor takes, and the errors that say so.
struct MediaRules<'a> {
    profile: &'a Profile,
}

impl<'a> MediaRules<'a> {
    fn new(profile: &'a Profile) -> Self {
        MediaRules { profile }
    }

    fn vendor(&self) -> &str {
        if self.profile.vendor.is_empty() {
            "the target vendor"
        } else {
            &self.profile.vendor
        }
    }

    fn unsupported(&self, what: &str, todo: &str) -> TranslateError {
        TranslateError::Unsupported(format!(
            "vendor `{}` does not accept {what}; {todo}",
            self.vendor()
        ))
    }

    fn file_id(&self) -> TranslateError {
        self.unsupported(
            "vendor-side file ids (they are not portable across vendors)",
            "send the file's content inline instead",
        )
    }

    /// A text, image or document part as a block; `None` for blank text and other parts.
    fn content_block(&self, part: &Part) -> Result<Option<Block>, TranslateError> {
        let p = self.profile;
        Ok(match part {
            Part::Text { text, cache } => (!text.trim().is_empty()).then(|| Block::Text {
                text: text.clone(),
                cache_control: CacheControl::from_hint(cache.as_ref()),
            }),
            Part::Image { source, cache } => Some(self.image(source, cache)?),
            Part::Document {
                source,
                title,
                filename,
                cache,
            } => {
                let title = title.clone().or_else(|| filename.clone());
                let cache_control = CacheControl::from_hint(cache.as_ref());
                let source = match source {
                    Media::Base64 { media_type, .. } if media_type.starts_with("image/") => {
                        return Ok(Some(self.image(source, cache)?));
                    }
                    Media::Base64 { media_type, data } if media_type == "application/pdf" => {
                        if !p.documents {
                            return Err(self.pdf_error());
                        }
                        Source::Base64 {
                            media_type: media_type.clone(),
                            data: data.clone(),
                        }
                    }
                    Media::Base64 { media_type, data } if media_type.starts_with("text/") => {
                        let text = decode_text(data)?;
                        return Ok(self.text_document(text, title, cache_control));
                    }
                    Media::Base64 { media_type, .. } => {
                        return Err(TranslateError::Unsupported(format!(
                            "documents of type `{media_type}` cannot be sent to an \
                             Anthropic-protocol vendor; send a PDF or plain text"
                        )));
                    }
                    Media::Url(url) => {
                        if !p.documents {
                            return Err(self.pdf_error());
                        }
                        Source::Url { url: url.clone() }
                    }
                    Media::Text(text) => {
                        return Ok(self.text_document(text.clone(), title, cache_control));
                    }
                    Media::File(_) => return Err(self.file_id()),
                };
                Some(Block::Document {
                    source,
                    title,
                    cache_control,
                })
            }
            _ => None,
        })
    }

    fn pdf_error(&self) -> TranslateError {
        self.unsupported(
            "PDF documents",
            "send the document's text instead, or route this model to a vendor that reads PDFs",
        )
    }

    fn image(
        &self,
        source: &Media,
        cache: &Option<crate::canonical::CacheHint>,
    ) -> Result<Block, TranslateError> {
        if !self.profile.images {
            return Err(self.unsupported(
                "images",
                "remove them from the conversation or route this model to a vendor that reads \
                 images",
            ));
        }
        let source = match source {
            Media::Base64 { media_type, data } => Source::Base64 {
                media_type: media_type.clone(),
                data: data.clone(),
            },
            Media::Url(url) => {
                if !self.profile.image_urls {
                    return Err(
                        self.unsupported("image URLs", "send the image inline as base64 data")
                    );
                }
                Source::Url { url: url.clone() }
            }
            Media::File(_) => return Err(self.file_id()),
            Media::Text(_) => {
                return Err(TranslateError::Unsupported(
                    "an image given as text cannot be sent; send it as base64 data or a URL"
                        .to_owned(),
                ));
            }
        };
        Ok(Block::Image {
            source,
            cache_control: CacheControl::from_hint(cache.as_ref()),
        })
    }

    /// A plain-text document: a `text`-source document where documents are accepted, otherwise
    /// a text block led by its title (§2.4), which every vendor reads.
    fn text_document(
        &self,
        text: String,
        title: Option<String>,
        cache_control: Option<CacheControl>,
    ) -> Option<Block> {
        if self.profile.documents {
            return Some(Block::Document {
                source: Source::Text {
                    media_type: "text/plain",
                    data: text,
                },
                title,
                cache_control,
            });
        }
        let text = match title {
            Some(t) if !t.is_empty() => format!("{t}\n\n{text}"),
            _ => text,
        };
        (!text.trim().is_empty()).then_some(Block::Text {
            text,
            cache_control,
        })
    }
}

fn decode_text(data: &str) -> Result<String, TranslateError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            TranslateError::Malformed(
                "a text document's base64 data is not valid base64-encoded UTF-8".to_owned(),
            )
        })
}

/// Whether the last assistant turn with tool calls starts with a thinking block (after the
/// blocks this vendor cannot verify were dropped). True when no turn has tool calls.
fn last_tool_turn_has_thinking(messages: &[WireMessage]) -> bool {
    messages
        .iter()
        .rev()
        .filter(|m| m.role == "assistant")
        .find(|m| m.content.iter().any(|b| matches!(b, Block::ToolUse { .. })))
        .is_none_or(|m| m.content.first().is_some_and(Block::is_thinking))
}

/// The function Anthropic sees for a tool: custom (free-form) tools become a function with one
/// string property `input`, their grammar appended to the description (shared convention).
fn tool(t: &Tool) -> WireTool {
    let (description, input_schema) = match &t.kind {
        ToolKind::Function => (t.description.clone(), t.schema.clone()),
        ToolKind::Custom { format } => (
            custom_description(t.description.as_deref(), format.as_ref()),
            serde_json::json!({
                "type": "object",
                "properties": {"input": {"type": "string"}},
                "required": ["input"]
            }),
        ),
    };
    WireTool {
        name: t.name.clone(),
        description,
        input_schema,
        strict: t.strict,
        cache_control: CacheControl::from_hint(t.cache.as_ref()),
    }
}

fn custom_description(description: Option<&str>, format: Option<&Value>) -> Option<String> {
    let grammar = format.and_then(|f| match f.get("type").and_then(Value::as_str) {
        Some("text") | None => None,
        Some("grammar") => {
            let syntax = f.get("syntax").and_then(Value::as_str).unwrap_or("grammar");
            let definition = f.get("definition").and_then(Value::as_str).unwrap_or("");
            Some(format!(
                "Put the tool's raw input in `input`; it must follow this {syntax} grammar:\n{definition}"
            ))
        }
        Some(_) => Some(format!("Put the tool's raw input in `input`; format: {f}")),
    });
    match (description, grammar) {
        (Some(d), Some(g)) => Some(format!("{d}\n\n{g}")),
        (Some(d), None) => Some(d.to_owned()),
        (None, g) => g,
    }
}

/// A service tier Anthropic knows (§2.7); `flex`, `scale` and unknown tiers are dropped.
fn service_tier(tier: &str) -> Option<&'static str> {
    match tier {
        "auto" | "priority" => Some("auto"),
        "standard_only" | "default" => Some("standard_only"),
        _ => None,
    }
}

/// Keeps the last `max_cache_breakpoints` cache breakpoints in render order (tools, system,
/// messages), since a later breakpoint covers the prefix of an earlier one; all of them go when
/// the vendor does not honour `cache_control`.
fn limit_cache_breakpoints(wire: &mut WireRequest<'_>, profile: &Profile) {
    let keep = if profile.cache_control {
        profile.max_cache_breakpoints
    } else {
        0
    };
    let mut slots: Vec<&mut Option<CacheControl>> = Vec::new();
    for t in &mut wire.tools {
        slots.push(&mut t.cache_control);
    }
    for b in &mut wire.system {
        block_slots(b, &mut slots);
    }
    for m in &mut wire.messages {
        for b in &mut m.content {
            block_slots(b, &mut slots);
        }
    }
    let mut set: Vec<_> = slots.into_iter().filter(|s| s.is_some()).collect();
    let excess = set.len().saturating_sub(keep);
    for slot in set.iter_mut().take(excess) {
        **slot = None;
    }
}

fn block_slots<'a>(b: &'a mut Block, slots: &mut Vec<&'a mut Option<CacheControl>>) {
    match b {
        Block::ToolResult {
            content,
            cache_control,
            ..
        } => {
            if let Some(ResultContent::Blocks(inner)) = content {
                for i in inner {
                    block_slots(i, slots);
                }
            }
            slots.push(cache_control);
        }
        other => {
            if let Some(slot) = other.cache_slot() {
                slots.push(slot);
            }
        }
    }
}

#[derive(Serialize)]
struct WireRequest<'a> {
    model: &'a str,
    max_tokens: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    system: Vec<Block>,
    messages: Vec<WireMessage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<WireTool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<WireToolChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thinking: Option<Thinking>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_k: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stop_sequences: Vec<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_config: Option<OutputConfig<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_tier: Option<&'static str>,
}

#[derive(Serialize)]
struct WireMessage {
    role: &'static str,
    content: Vec<Block>,
}

#[derive(Serialize)]
struct WireTool {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    input_schema: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    strict: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<CacheControl>,
}

#[derive(Serialize)]
struct WireToolChoice {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disable_parallel_tool_use: Option<bool>,
}

#[derive(Serialize)]
struct Thinking {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    budget_tokens: Option<u64>,
}

#[derive(Serialize)]
struct Metadata {
    user_id: String,
}

#[derive(Serialize)]
struct OutputConfig<'a> {
    format: JsonSchemaFormat<'a>,
}

#[derive(Serialize)]
struct JsonSchemaFormat<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: &'a Value,
}

#[cfg(test)]
mod tests;
