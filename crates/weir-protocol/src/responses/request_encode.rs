//! Canonical [`Request`] → a Responses vendor's request body (OpenAI, OpenRouter, Moonshot,
//! DashScope, local servers; protocols.md §2, R column, and §2.8).

use std::collections::HashSet;

use serde::Serialize;

use super::wire::{FormatOut, TextOut, ToolChoiceOut, ToolOut, effort};
use crate::canonical::{
    Media, Message, Part, Profile, Reasoning, ReasoningConfig, Request, Role, ThinkingStyle,
    ToolCall, ToolKind, ToolResult, TranslateError, vendor_tool_name,
};

/// Writes the Responses request for `req` to the vendor `profile` describes.
///
/// Always stateless: `store: false` (weir keeps nothing), the whole conversation in `input`,
/// `previous_response_id` passed through only because it names the vendor's own state. Reasoning
/// from the history goes back only when its encrypted content was made by this vendor (§2.4);
/// `include: ["reasoning.encrypted_content"]` is requested whenever reasoning goes back, the
/// client asked for it, or reasoning is switched on, so the next turn can send it back again.
/// Tool names are shortened with [`vendor_tool_name`] everywhere they appear. R has no stop
/// sequences or `top_k`: they are dropped.
///
/// Errors ([`TranslateError::Unsupported`]): `n` above 1, images or documents the profile says
/// the vendor does not take (naming the vendor), vendor file ids.
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
        return Err(TranslateError::Unsupported(format!(
            "`n` above 1 cannot be sent to {}, whose API returns one answer per request; ask for one",
            profile.vendor
        )));
    }
    let mut input = Input::new(profile);
    for message in &req.messages {
        input.message(message)?;
    }
    let rename = |n: &str| vendor_tool_name(n);
    let has_tools = !req.tools.is_empty();
    let required = if profile.tool_choice_required {
        "required"
    } else {
        "auto"
    };
    let reasoning_on = matches!(
        req.reasoning,
        Some(ReasoningConfig::Budget(_) | ReasoningConfig::Effort(_))
    );
    let reasoning = match &req.reasoning {
        _ if profile.thinking == ThinkingStyle::None => None,
        Some(ReasoningConfig::Disabled) | None => None,
        Some(config) => effort(config).map(|effort| ReasoningOut { effort }),
    };
    let include_reasoning = profile.thinking != ThinkingStyle::None
        && (input.reasoning_items > 0 || req.include_encrypted_reasoning || reasoning_on);
    let body = Body {
        model,
        instructions: req.system_text(profile.strip_billing_header),
        input: input.items,
        tools: req.tools.iter().map(|t| ToolOut::new(t, rename)).collect(),
        tool_choice: req
            .tool_choice
            .as_ref()
            .filter(|_| has_tools)
            .map(|c| ToolChoiceOut::new(c, &req.tools, required, rename)),
        parallel_tool_calls: req
            .parallel_tool_calls
            .filter(|_| has_tools && profile.parallel_tool_calls),
        max_output_tokens: req.max_tokens,
        temperature: req
            .temperature
            .map(|t| t.clamp(0.0, profile.max_temperature.max(0.0))),
        top_p: req.top_p,
        stream: req.stream,
        reasoning,
        include: if include_reasoning {
            vec!["reasoning.encrypted_content"]
        } else {
            Vec::new()
        },
        store: false,
        previous_response_id: req.previous_response_id.as_deref(),
        text: req.output_format.as_ref().map(|f| TextOut {
            format: FormatOut::new(Some(f)),
        }),
        safety_identifier: req.hashed_user().filter(|_| profile.user_id),
        prompt_cache_key: req.cache_key.as_deref(),
        service_tier: req.service_tier.as_deref().and_then(service_tier),
    };
    serde_json::to_vec(&body).map_err(|_| {
        TranslateError::Malformed("the request could not be written as JSON".to_owned())
    })
}

/// OpenAI's tiers; Anthropic's `standard_only` is OpenAI's `default` (§2.7), anything else is
/// not sent.
fn service_tier(tier: &str) -> Option<&str> {
    match tier {
        "auto" | "default" | "flex" | "scale" | "priority" => Some(tier),
        "standard_only" => Some("default"),
        _ => None,
    }
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    instructions: Option<String>,
    input: Vec<Item>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<ToolOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<ToolChoiceOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parallel_tool_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning: Option<ReasoningOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    include: Vec<&'static str>,
    store: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_response_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<TextOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safety_identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_cache_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_tier: Option<&'a str>,
}

#[derive(Serialize)]
struct ReasoningOut {
    effort: String,
}

/// One `input` item. Item ids are never sent: with `store: false` a vendor looks ids up in a
/// store that does not have them.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Item {
    Message {
        role: &'static str,
        content: Vec<Content>,
    },
    Reasoning {
        summary: Vec<super::wire::SummaryText>,
        encrypted_content: String,
    },
    FunctionCall {
        call_id: String,
        name: String,
        arguments: String,
    },
    CustomToolCall {
        call_id: String,
        name: String,
        input: String,
    },
    FunctionCallOutput {
        call_id: String,
        output: Output,
    },
    CustomToolCallOutput {
        call_id: String,
        output: Output,
    },
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Output {
    Text(String),
    Parts(Vec<Content>),
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Content {
    InputText {
        text: String,
    },
    OutputText {
        text: String,
    },
    InputImage {
        image_url: String,
        detail: &'static str,
    },
    InputFile {
        #[serde(skip_serializing_if = "Option::is_none")]
        filename: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        file_data: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        file_url: Option<String>,
    },
}

/// What `is_error` results start with: R has no error flag (§2.4).
const TOOL_ERROR_PREFIX: &str = "[tool error] ";

/// The `input` list being built.
struct Input<'p> {
    profile: &'p Profile,
    items: Vec<Item>,
    /// Ids of custom tool calls seen so far: their results are `custom_tool_call_output`.
    custom_calls: HashSet<String>,
    reasoning_items: usize,
}

impl<'p> Input<'p> {
    fn new(profile: &'p Profile) -> Self {
        Input {
            profile,
            items: Vec::new(),
            custom_calls: HashSet::new(),
            reasoning_items: 0,
        }
    }

    /// A message's parts become items in order; runs of content parts share one message item,
    /// which reasoning, calls and results interrupt (§2.3: results first, then the user's parts).
    fn message(&mut self, message: &Message) -> Result<(), TranslateError> {
        let role = match message.role {
            Role::System if self.profile.developer_role => "developer",
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        let mut content = Vec::new();
        for part in &message.parts {
            match part {
                Part::Reasoning(r) => {
                    self.flush(role, &mut content);
                    self.reasoning(r);
                }
                Part::ToolCall(call) => {
                    self.flush(role, &mut content);
                    self.call(call);
                }
                Part::ToolResult(result) => {
                    self.flush(role, &mut content);
                    let item = self.result(result)?;
                    self.items.push(item);
                }
                other => {
                    if let Some(c) = self.content(other, message.role == Role::Assistant)? {
                        content.push(c);
                    }
                }
            }
        }
        self.flush(role, &mut content);
        Ok(())
    }

    fn flush(&mut self, role: &'static str, content: &mut Vec<Content>) {
        if !content.is_empty() {
            self.items.push(Item::Message {
                role,
                content: std::mem::take(content),
            });
        }
    }

    /// A reasoning item only when its encrypted content belongs to this vendor: one it cannot
    /// verify is an error there (§2.4).
    fn reasoning(&mut self, r: &Reasoning) {
        let Some(encrypted) = r
            .signature
            .as_ref()
            .and_then(|s| s.for_vendor(&self.profile.vendor, self.profile.untagged_signatures))
        else {
            return;
        };
        let summary = if r.text.is_empty() {
            Vec::new()
        } else {
            vec![super::wire::SummaryText::new(&r.text)]
        };
        self.reasoning_items += 1;
        self.items.push(Item::Reasoning {
            summary,
            encrypted_content: encrypted.to_owned(),
        });
    }

    fn call(&mut self, call: &ToolCall) {
        let name = vendor_tool_name(&call.name);
        self.items.push(match call.kind {
            ToolKind::Function => Item::FunctionCall {
                call_id: call.id.clone(),
                name,
                arguments: call.arguments.clone(),
            },
            ToolKind::Custom { .. } => {
                self.custom_calls.insert(call.id.clone());
                Item::CustomToolCall {
                    call_id: call.id.clone(),
                    name,
                    input: call.arguments.clone(),
                }
            }
        });
    }

    /// A tool result: text only → a string output; with images or files → a parts list. The
    /// error marker goes in front of the text (§2.4).
    fn result(&self, result: &ToolResult) -> Result<Item, TranslateError> {
        let prefix = if result.is_error {
            TOOL_ERROR_PREFIX
        } else {
            ""
        };
        let text_only = result
            .content
            .iter()
            .all(|p| matches!(p, Part::Text { .. }) || is_text_document(p));
        let output = if text_only {
            let texts: Vec<String> = result.content.iter().filter_map(text_of).collect();
            Output::Text(format!("{prefix}{}", texts.join("\n")))
        } else {
            let mut parts = Vec::new();
            if !prefix.is_empty() {
                parts.push(Content::InputText {
                    text: prefix.trim_end().to_owned(),
                });
            }
            for part in &result.content {
                if let Some(c) = self.content(part, false)? {
                    parts.push(c);
                }
            }
            Output::Parts(parts)
        };
        let call_id = result.call_id.clone();
        Ok(if self.custom_calls.contains(&result.call_id) {
            Item::CustomToolCallOutput { call_id, output }
        } else {
            Item::FunctionCallOutput { call_id, output }
        })
    }

    /// A text, image or document part as message content (`output_text` in assistant turns).
    fn content(&self, part: &Part, assistant: bool) -> Result<Option<Content>, TranslateError> {
        let vendor = &self.profile.vendor;
        Ok(Some(match part {
            Part::Text { text, .. } if assistant => Content::OutputText { text: text.clone() },
            Part::Text { text, .. } => Content::InputText { text: text.clone() },
            Part::Image { source, .. } => {
                let allowed = match source {
                    Media::Base64 { .. } => self.profile.images,
                    Media::Url(_) => self.profile.image_urls,
                    Media::File(_) | Media::Text(_) => false,
                };
                let url = source.to_url().filter(|_| allowed).ok_or_else(|| {
                    TranslateError::Unsupported(match source {
                        Media::File(_) => FILE_IDS.to_owned(),
                        Media::Url(_) => format!(
                            "{vendor} does not accept image URLs; send the image inline (base64)"
                        ),
                        _ => format!(
                            "{vendor} does not accept images; remove them from the conversation"
                        ),
                    })
                })?;
                Content::InputImage {
                    image_url: url,
                    detail: "auto",
                }
            }
            Part::Document {
                source: Media::Text(text),
                title,
                ..
            } => Content::InputText {
                text: titled(title.as_deref(), text),
            },
            Part::Document {
                source, filename, ..
            } => {
                if matches!(source, Media::File(_)) {
                    return Err(TranslateError::Unsupported(FILE_IDS.to_owned()));
                }
                if !self.profile.documents {
                    return Err(TranslateError::Unsupported(format!(
                        "{vendor} does not accept PDF documents; remove them or extract their text"
                    )));
                }
                match source {
                    Media::Base64 { .. } => Content::InputFile {
                        filename: Some(
                            filename
                                .clone()
                                .unwrap_or_else(|| "document.pdf".to_owned()),
                        ),
                        file_data: source.to_url(),
                        file_url: None,
                    },
                    _ => Content::InputFile {
                        filename: filename.clone(),
                        file_data: None,
                        file_url: source.to_url(),
                    },
                }
            }
            Part::ToolCall(_) | Part::ToolResult(_) | Part::Reasoning(_) => return Ok(None),
        }))
    }
}

const FILE_IDS: &str =
    "vendor file ids are not portable between vendors; send the file's content inline instead";

fn is_text_document(part: &Part) -> bool {
    matches!(
        part,
        Part::Document {
            source: Media::Text(_),
            ..
        }
    )
}

fn text_of(part: &Part) -> Option<String> {
    match part {
        Part::Text { text, .. } => Some(text.clone()),
        Part::Document {
            source: Media::Text(text),
            title,
            ..
        } => Some(titled(title.as_deref(), text)),
        _ => None,
    }
}

/// A text document as text, its title first (§2.4).
fn titled(title: Option<&str>, text: &str) -> String {
    match title {
        Some(t) if !t.is_empty() => format!("{t}\n\n{text}"),
        _ => text.to_owned(),
    }
}
