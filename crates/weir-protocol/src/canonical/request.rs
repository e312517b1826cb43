//! The canonical request: what a client asked for, independent of the protocol it spoke.

use serde_json::Value;

use super::Signature;

/// A model request in canonical form.
///
/// Decoders fill what their protocol expresses and leave the rest at its default; encoders
/// render what their protocol (and the target vendor's [`super::Profile`]) accepts and drop the
/// rest. Fields that no other protocol can express and that change nothing about the answer
/// (A `container`, C `logit_bias`, …) are not carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// The model name as the target should see it (decoders store the client's; the gateway
    /// replaces it with the vendor's before encoding).
    pub model: String,
    /// System instructions that come before the conversation, in order (A `system` blocks, C/R
    /// leading `system`/`developer` messages, R `instructions`). Only `Text` parts.
    pub system: Vec<Part>,
    /// The conversation. May contain [`Role::System`] messages that came later in a C/R
    /// conversation; the Anthropic encoder hoists them into `system`.
    pub messages: Vec<Message>,
    /// Tool definitions, in the client's order.
    pub tools: Vec<Tool>,
    /// How the model must use tools; `None` leaves it to the target's default.
    pub tool_choice: Option<ToolChoice>,
    /// `false` when the client asked for at most one tool call per turn.
    pub parallel_tool_calls: Option<bool>,
    /// Output token cap (A `max_tokens`, C `max_completion_tokens`/`max_tokens`, R
    /// `max_output_tokens`).
    pub max_tokens: Option<u64>,
    /// Sampling temperature as the client sent it (encoders clamp to the target's range).
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    pub top_p: Option<f64>,
    /// Top-k sampling (A, and some OpenAI-compatible servers).
    pub top_k: Option<u64>,
    /// Stop sequences.
    pub stop: Vec<String>,
    /// Number of choices (C `n`); anything above 1 cannot be translated.
    pub n: Option<u64>,
    /// Whether the client asked for a stream.
    pub stream: bool,
    /// Whether a Chat Completions client asked for the usage chunk
    /// (`stream_options.include_usage`).
    pub include_usage: bool,
    /// Whether a Responses client asked for `reasoning.encrypted_content` (Codex does).
    pub include_encrypted_reasoning: bool,
    /// Reasoning/thinking settings.
    pub reasoning: Option<ReasoningConfig>,
    /// Structured output.
    pub output_format: Option<OutputFormat>,
    /// End-user identifier (A `metadata.user_id`, C/R `safety_identifier` or `user`).
    pub user: Option<String>,
    /// Prompt cache bucket (C/R `prompt_cache_key`).
    pub cache_key: Option<String>,
    /// Service tier as the client named it.
    pub service_tier: Option<String>,
    /// R `store` (Codex sends `false`).
    pub store: Option<bool>,
    /// R `previous_response_id`: only servable by a vendor that keeps responses.
    pub previous_response_id: Option<String>,
    /// R `metadata` (echoed back in R responses).
    pub metadata: Option<Value>,
}

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Instructions that arrived mid-conversation (C/R `system`/`developer`).
    System,
    /// The user, including tool results.
    User,
    /// The model.
    Assistant,
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Who speaks.
    pub role: Role,
    /// What was said, in order.
    pub parts: Vec<Part>,
}

/// A prompt-cache breakpoint (A `cache_control`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheHint {
    /// `ttl` as the client sent it (`5m`, `1h`), if any.
    pub ttl: Option<String>,
}

/// Where an image's or document's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    /// Inline bytes, base64-encoded.
    Base64 {
        /// e.g. `image/png`, `application/pdf`.
        media_type: String,
        /// The base64 text, without a `data:` prefix.
        data: String,
    },
    /// A URL the vendor fetches.
    Url(String),
    /// A vendor-side file id: not portable across vendors.
    File(String),
    /// Plain text (A text-source documents).
    Text(String),
}

/// One piece of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Text.
    Text {
        /// The text.
        text: String,
        /// Cache breakpoint after this part.
        cache: Option<CacheHint>,
    },
    /// An image.
    Image {
        /// Its bytes or location.
        source: Media,
        /// Cache breakpoint after this part.
        cache: Option<CacheHint>,
    },
    /// A document (PDF or text).
    Document {
        /// Its bytes or location.
        source: Media,
        /// Title, if given.
        title: Option<String>,
        /// File name (C/R `filename`), if given.
        filename: Option<String>,
        /// Cache breakpoint after this part.
        cache: Option<CacheHint>,
    },
    /// A tool call made by the model (assistant messages only).
    ToolCall(ToolCall),
    /// The result of a tool call (user messages only).
    ToolResult(ToolResult),
    /// The model's reasoning (assistant messages only).
    Reasoning(Reasoning),
}

impl Part {
    /// A text part without a cache hint.
    pub fn text(text: impl Into<String>) -> Part {
        Part::Text {
            text: text.into(),
            cache: None,
        }
    }
}

/// A tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// The call id, shared by the call and its result (A `tool_use.id`, C `tool_calls[].id`, R
    /// `call_id`).
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments exactly as the model produced them: JSON text for function tools, the raw
    /// input for [`ToolKind::Custom`] tools.
    pub arguments: String,
    /// Whether this calls a function tool or a free-form (R `custom`) tool.
    pub kind: ToolKind,
    /// R item id (`fc_…`), kept so a Responses vendor sees its own id again.
    pub item_id: Option<String>,
    /// Opaque vendor data that must go back with the call (Gemini's thought signature).
    pub extras: Option<Value>,
}

/// The result of a tool call.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    /// The id of the call this answers.
    pub call_id: String,
    /// The result: `Text`, `Image` and `Document` parts.
    pub content: Vec<Part>,
    /// Whether the tool failed.
    pub is_error: bool,
    /// Cache breakpoint after this result.
    pub cache: Option<CacheHint>,
}

/// The model's reasoning, as text and/or an opaque vendor payload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reasoning {
    /// Readable reasoning (A `thinking`, C `reasoning_content`, R summary or reasoning text).
    pub text: String,
    /// The vendor's proof or encrypted state for this reasoning, tagged with its origin.
    pub signature: Option<Signature>,
    /// A redacted-thinking blob (A `redacted_thinking.data`): meaningful only to Anthropic.
    pub redacted: Option<String>,
    /// R reasoning item id (`rs_…`).
    pub item_id: Option<String>,
}

/// Whether a tool takes JSON arguments or free-form text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ToolKind {
    /// A function with a JSON-schema'd argument object.
    #[default]
    Function,
    /// An R `custom` tool (Codex's `apply_patch`): free-form input, optionally constrained by
    /// a grammar. Targets without custom tools see a function with one string property
    /// (`input`) and the grammar in its description.
    Custom {
        /// The R `format` object, kept to echo it back and to describe it to other targets.
        format: Option<Value>,
    },
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    /// Name as the client knows it.
    pub name: String,
    /// Description, if any.
    pub description: Option<String>,
    /// JSON schema of the arguments (an object schema; `{"type":"object","properties":{}}` when
    /// the client gave none).
    pub schema: Value,
    /// Strict schema adherence, only when the client asked.
    pub strict: Option<bool>,
    /// Function or custom.
    pub kind: ToolKind,
    /// Cache breakpoint after this tool.
    pub cache: Option<CacheHint>,
}

/// How the model must use tools.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice {
    /// The model decides.
    Auto,
    /// The model must call some tool (A `any`, C/R `required`).
    Any,
    /// The model must not call tools.
    None,
    /// The model must call this tool.
    Tool(String),
}

/// Reasoning settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasoningConfig {
    /// No reasoning.
    Disabled,
    /// Reasoning with a token budget (A `thinking.budget_tokens`).
    Budget(u64),
    /// Reasoning at an effort level (`minimal`, `low`, `medium`, `high`, `xhigh`, `max`); A
    /// `adaptive` thinking carries its `output_config.effort` here (or `None`).
    Effort(Option<String>),
}

impl ReasoningConfig {
    /// The token budget for an effort level (protocols.md §2.7 table).
    pub fn budget_for_effort(effort: &str) -> u64 {
        match effort {
            "minimal" => 1024,
            "low" => 1024,
            "medium" => 2048,
            "high" => 4096,
            "xhigh" => 8192,
            "max" => 16384,
            _ => 2048,
        }
    }

    /// The effort level for a token budget, by midpoints between the table's entries.
    pub fn effort_for_budget(budget: u64) -> &'static str {
        match budget {
            0..=1535 => "low",
            1536..=3071 => "medium",
            3072..=6143 => "high",
            6144..=12287 => "xhigh",
            _ => "max",
        }
    }
}

/// Structured output.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputFormat {
    /// Any JSON object.
    JsonObject,
    /// JSON matching a schema.
    JsonSchema {
        /// Schema name (C/R require one).
        name: String,
        /// The schema.
        schema: Value,
        /// Strict adherence, if the client said.
        strict: Option<bool>,
    },
}

/// The first line of the block Claude Code puts at the start of its system prompt; its `cch`
/// value changes on every request.
const BILLING_HEADER: &str = "x-anthropic-billing-header:";

impl Part {
    /// Whether this is Claude Code's per-request billing header block (protocols.md §2.2).
    pub fn is_billing_header(&self) -> bool {
        matches!(self, Part::Text { text, .. } if text.trim_start().starts_with(BILLING_HEADER))
    }

    /// The cache hint on this part, if it carries one.
    pub fn cache(&self) -> Option<&CacheHint> {
        match self {
            Part::Text { cache, .. } | Part::Image { cache, .. } | Part::Document { cache, .. } => {
                cache.as_ref()
            }
            Part::ToolResult(r) => r.cache.as_ref(),
            Part::ToolCall(_) | Part::Reasoning(_) => None,
        }
    }
}

impl Request {
    /// The system instructions as one string: text parts joined by a blank line (a fixed
    /// separator keeps the prefix byte-stable for vendors that cache by prefix), without
    /// Claude Code's billing header when `strip_billing_header`.
    pub fn system_text(&self, strip_billing_header: bool) -> Option<String> {
        let texts: Vec<&str> = self
            .system
            .iter()
            .filter(|p| !(strip_billing_header && p.is_billing_header()))
            .filter_map(|p| match p {
                Part::Text { text, .. } if !text.is_empty() => Some(text.as_str()),
                _ => None,
            })
            .collect();
        (!texts.is_empty()).then(|| texts.join("\n\n"))
    }

    /// The end-user id as a third party may see it: a SHA-256 digest (hex, 32 characters), so
    /// account and session identifiers embedded in it (Claude Code puts both there) do not leave.
    pub fn hashed_user(&self) -> Option<String> {
        use sha2::{Digest, Sha256};
        let user = self.user.as_deref()?;
        let digest = Sha256::digest(user.as_bytes());
        let mut out = String::with_capacity(32);
        for b in &digest[..16] {
            out.push_str(&format!("{b:02x}"));
        }
        Some(out)
    }
}

impl Media {
    /// Reads a `data:<media type>;base64,<data>` URL strictly; any other URL is a
    /// [`Media::Url`].
    pub fn from_url(url: &str) -> Media {
        if let Some(rest) = url.strip_prefix("data:")
            && let Some((media_type, data)) = rest.split_once(";base64,")
            && !media_type.is_empty()
            && !media_type.contains([',', ';'])
        {
            return Media::Base64 {
                media_type: media_type.to_owned(),
                data: data.to_owned(),
            };
        }
        Media::Url(url.to_owned())
    }

    /// The URL form: a `data:` URL for inline bytes, the URL itself otherwise; `None` for file
    /// ids and text, which have no URL.
    pub fn to_url(&self) -> Option<String> {
        match self {
            Media::Base64 { media_type, data } => Some(format!("data:{media_type};base64,{data}")),
            Media::Url(u) => Some(u.clone()),
            Media::File(_) | Media::Text(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_parse_strictly() {
        assert_eq!(
            Media::from_url("data:image/png;base64,iVBOR"),
            Media::Base64 {
                media_type: "image/png".into(),
                data: "iVBOR".into()
            }
        );
        assert_eq!(
            Media::from_url("data:image/png,raw"),
            Media::Url("data:image/png,raw".into())
        );
        let m = Media::from_url("https://example.com/a.png");
        assert_eq!(m.to_url().as_deref(), Some("https://example.com/a.png"));
    }

    #[test]
    fn billing_header_is_dropped_from_the_joined_system_prompt() {
        let r = Request {
            system: vec![
                Part::text("x-anthropic-billing-header: cc_version=2.1; cch=abcde;"),
                Part::text("You are Claude Code."),
                Part::text("Be brief."),
            ],
            ..Request::default()
        };
        assert_eq!(
            r.system_text(true).as_deref(),
            Some("You are Claude Code.\n\nBe brief.")
        );
        assert!(r.system_text(false).unwrap().starts_with("x-anthropic"));
    }

    #[test]
    fn user_ids_are_hashed_stably() {
        let r = Request {
            user: Some("user_abc_account_1_session_2".into()),
            ..Request::default()
        };
        let h = r.hashed_user().unwrap();
        assert_eq!(h.len(), 32);
        assert_eq!(Some(h.clone()), r.hashed_user());
        assert!(!h.contains("abc"));
    }
}
