//! Typed Responses wire objects that weir writes: output items, the response object with its
//! echoed request parameters, usage, tools, tool choice and text format.
//!
//! Structs rather than `serde_json::Value` so keys come out in the order OpenAI documents
//! (`Value` objects sort their keys).

use serde::Serialize;
use serde_json::Value;

use crate::canonical::{OutputFormat, ReasoningConfig, Request, Tool, ToolChoice, ToolKind, Usage};

/// One item of a response's `output`, as in `response.output_item.done` and the final response
/// object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub(crate) enum OutputItem {
    Reasoning(ReasoningItem),
    Message(MessageItem),
    FunctionCall(FunctionCallItem),
    CustomToolCall(CustomToolCallItem),
}

/// A `reasoning` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ReasoningItem {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub summary: Vec<SummaryText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encrypted_content: Option<String>,
}

impl ReasoningItem {
    pub(crate) fn new(id: String, text: &str, encrypted_content: Option<String>) -> Self {
        let summary = if text.is_empty() {
            Vec::new()
        } else {
            vec![SummaryText::new(text)]
        };
        ReasoningItem {
            id,
            kind: "reasoning",
            summary,
            encrypted_content,
        }
    }
}

/// A reasoning summary part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SummaryText {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub text: String,
}

impl SummaryText {
    pub(crate) fn new(text: &str) -> Self {
        SummaryText {
            kind: "summary_text",
            text: text.to_owned(),
        }
    }
}

/// An assistant `message` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct MessageItem {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
    pub content: Vec<OutputContent>,
    pub role: &'static str,
}

impl MessageItem {
    pub(crate) fn new(id: String, status: &'static str, content: Vec<OutputContent>) -> Self {
        MessageItem {
            id,
            kind: "message",
            status,
            content,
            role: "assistant",
        }
    }
}

/// A content part of an assistant message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum OutputContent {
    OutputText {
        annotations: [u8; 0],
        logprobs: [u8; 0],
        text: String,
    },
    Refusal {
        refusal: String,
    },
}

impl OutputContent {
    pub(crate) fn text(text: &str) -> Self {
        OutputContent::OutputText {
            annotations: [],
            logprobs: [],
            text: text.to_owned(),
        }
    }
}

/// A `function_call` item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct FunctionCallItem {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
    pub arguments: String,
    pub call_id: String,
    pub name: String,
}

/// A `custom_tool_call` item (free-form input).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct CustomToolCallItem {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub status: &'static str,
    pub call_id: String,
    pub input: String,
    pub name: String,
}

/// Response `usage`. Every field is always present: Codex fails the turn when one is missing
/// (protocols.md §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct UsageOut {
    pub input_tokens: u64,
    pub input_tokens_details: InputDetails,
    pub output_tokens: u64,
    pub output_tokens_details: OutputDetails,
    pub total_tokens: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct InputDetails {
    pub cached_tokens: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct OutputDetails {
    pub reasoning_tokens: u64,
}

impl From<&Usage> for UsageOut {
    /// protocols.md §3.3: R `input_tokens` is the total (uncached + cache reads + cache writes),
    /// `cached_tokens` the cache reads.
    fn from(u: &Usage) -> Self {
        let input = u.total_input();
        UsageOut {
            input_tokens: input,
            input_tokens_details: InputDetails {
                cached_tokens: u.cache_read,
            },
            output_tokens: u.output,
            output_tokens_details: OutputDetails {
                reasoning_tokens: u.reasoning.unwrap_or(0),
            },
            total_tokens: input + u.output,
        }
    }
}

/// A tool definition in Responses form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ToolOut {
    Function {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        parameters: Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        strict: Option<bool>,
    },
    Custom {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        format: Option<Value>,
    },
}

impl ToolOut {
    /// `tool` with its name as `rename` gives it (the vendor's short name, or unchanged).
    pub(crate) fn new(tool: &Tool, rename: impl Fn(&str) -> String) -> Self {
        match &tool.kind {
            ToolKind::Function => ToolOut::Function {
                name: rename(&tool.name),
                description: tool.description.clone(),
                parameters: tool.schema.clone(),
                strict: tool.strict,
            },
            ToolKind::Custom { format } => ToolOut::Custom {
                name: rename(&tool.name),
                description: tool.description.clone(),
                format: format.clone(),
            },
        }
    }
}

/// `tool_choice` in Responses form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub(crate) enum ToolChoiceOut {
    Mode(&'static str),
    Named {
        #[serde(rename = "type")]
        kind: &'static str,
        name: String,
    },
}

impl ToolChoiceOut {
    /// The choice for `choice` among `tools` (a named custom tool is chosen as `custom`);
    /// `required` is what `Any` becomes when the target accepts it.
    pub(crate) fn new(
        choice: &ToolChoice,
        tools: &[Tool],
        required: &'static str,
        rename: impl Fn(&str) -> String,
    ) -> Self {
        match choice {
            ToolChoice::Auto => ToolChoiceOut::Mode("auto"),
            ToolChoice::Any => ToolChoiceOut::Mode(required),
            ToolChoice::None => ToolChoiceOut::Mode("none"),
            ToolChoice::Tool(name) => {
                let custom = tools
                    .iter()
                    .any(|t| &t.name == name && matches!(t.kind, ToolKind::Custom { .. }));
                ToolChoiceOut::Named {
                    kind: if custom { "custom" } else { "function" },
                    name: rename(name),
                }
            }
        }
    }
}

/// `text` (its `format`) in Responses form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct TextOut {
    pub format: FormatOut,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum FormatOut {
    Text,
    JsonObject,
    JsonSchema {
        name: String,
        schema: Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        strict: Option<bool>,
    },
}

impl FormatOut {
    pub(crate) fn new(format: Option<&OutputFormat>) -> Self {
        match format {
            None => FormatOut::Text,
            Some(OutputFormat::JsonObject) => FormatOut::JsonObject,
            Some(OutputFormat::JsonSchema {
                name,
                schema,
                strict,
            }) => FormatOut::JsonSchema {
                name: name.clone(),
                schema: schema.clone(),
                strict: *strict,
            },
        }
    }
}

/// The `reasoning.effort` a canonical reasoning setting amounts to in Responses terms (budget
/// → effort by the §2.7 table; disabled → `none`).
pub(crate) fn effort(config: &ReasoningConfig) -> Option<String> {
    match config {
        ReasoningConfig::Disabled => Some("none".to_owned()),
        ReasoningConfig::Budget(b) => Some(ReasoningConfig::effort_for_budget(*b).to_owned()),
        ReasoningConfig::Effort(e) => e.clone(),
    }
}

/// The request parameters a response object echoes (protocols.md §3.1), computed once per
/// answer from the client's request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Echo {
    pub instructions: Option<String>,
    pub max_output_tokens: Option<u64>,
    pub parallel_tool_calls: bool,
    pub previous_response_id: Option<String>,
    pub reasoning: ReasoningEcho,
    pub service_tier: String,
    pub store: bool,
    pub temperature: Option<f64>,
    pub text: TextOut,
    pub tool_choice: ToolChoiceOut,
    pub tools: Vec<ToolOut>,
    pub top_p: Option<f64>,
    pub metadata: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ReasoningEcho {
    pub effort: Option<String>,
    pub summary: Option<String>,
}

impl Echo {
    /// The echo of `req` as the client sent it (client tool names, client values).
    pub(crate) fn new(req: &Request) -> Self {
        let same = |n: &str| n.to_owned();
        Echo {
            instructions: req.system_text(false),
            max_output_tokens: req.max_tokens,
            parallel_tool_calls: req.parallel_tool_calls.unwrap_or(true),
            previous_response_id: req.previous_response_id.clone(),
            reasoning: ReasoningEcho {
                effort: req.reasoning.as_ref().and_then(effort),
                summary: None,
            },
            service_tier: req
                .service_tier
                .clone()
                .unwrap_or_else(|| "default".to_owned()),
            store: req.store.unwrap_or(false),
            temperature: req.temperature,
            text: TextOut {
                format: FormatOut::new(req.output_format.as_ref()),
            },
            tool_choice: req
                .tool_choice
                .as_ref()
                .map_or(ToolChoiceOut::Mode("auto"), |c| {
                    ToolChoiceOut::new(c, &req.tools, "required", same)
                }),
            tools: req.tools.iter().map(|t| ToolOut::new(t, same)).collect(),
            top_p: req.top_p,
            metadata: req
                .metadata
                .clone()
                .unwrap_or_else(|| Value::Object(Default::default())),
        }
    }
}

/// The response object (protocols.md §3.1) in OpenAI's key order.
#[derive(Debug, Serialize)]
pub(crate) struct ResponseObject<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created_at: u64,
    pub status: &'static str,
    pub error: Option<()>,
    pub incomplete_details: Option<IncompleteDetails>,
    pub instructions: &'a Option<String>,
    pub max_output_tokens: Option<u64>,
    pub model: &'a str,
    pub output: &'a [OutputItem],
    pub parallel_tool_calls: bool,
    pub previous_response_id: &'a Option<String>,
    pub reasoning: &'a ReasoningEcho,
    pub service_tier: &'a str,
    pub store: bool,
    pub temperature: Option<f64>,
    pub text: &'a TextOut,
    pub tool_choice: &'a ToolChoiceOut,
    pub tools: &'a [ToolOut],
    pub top_p: Option<f64>,
    pub usage: Option<UsageOut>,
    pub metadata: &'a Value,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct IncompleteDetails {
    pub reason: &'static str,
}

impl<'a> ResponseObject<'a> {
    /// The in-progress snapshot (`response.created`): status `in_progress`, no output, no usage,
    /// the request echoed. Callers fill in the rest for a finished response.
    pub(crate) fn new(id: &'a str, model: &'a str, created_at: u64, echo: &'a Echo) -> Self {
        ResponseObject {
            id,
            object: "response",
            created_at,
            status: "in_progress",
            error: None,
            incomplete_details: None,
            instructions: &echo.instructions,
            max_output_tokens: echo.max_output_tokens,
            model,
            output: &[],
            parallel_tool_calls: echo.parallel_tool_calls,
            previous_response_id: &echo.previous_response_id,
            reasoning: &echo.reasoning,
            service_tier: &echo.service_tier,
            store: echo.store,
            temperature: echo.temperature,
            text: &echo.text,
            tool_choice: &echo.tool_choice,
            tools: &echo.tools,
            top_p: echo.top_p,
            usage: None,
            metadata: &echo.metadata,
        }
    }

    /// This snapshot finished with `stop`: status and `incomplete_details` per
    /// [`crate::canonical::StopReason::responses`], the full output and usage.
    pub(crate) fn finished(
        mut self,
        stop: crate::canonical::StopReason,
        output: &'a [OutputItem],
        usage: &Usage,
    ) -> Self {
        let (status, reason) = stop.responses();
        self.status = status;
        self.incomplete_details = reason.map(|reason| IncompleteDetails { reason });
        self.output = output;
        self.usage = Some(UsageOut::from(usage));
        self
    }
}
