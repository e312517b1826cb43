//! What a vendor accepts, as data: the per-vendor quirks of protocols.md §2.8 and §9.
//!
//! Encoders consult a [`Profile`] instead of branching on vendor names, so adding or correcting
//! a vendor is an edit to the catalogue's data, not to the translators. The defaults describe a
//! well-behaved OpenAI-compatible or Anthropic-compatible server.

use serde::Deserialize;

/// A vendor's request quirks. Deserialised from the catalogue (`[profile]` tables); every field
/// has a default.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct Profile {
    /// The vendor's weir name: the tag on reasoning signatures it produces. Filled in from the
    /// vendor's configuration, not from the profile data.
    #[serde(skip)]
    pub vendor: String,
    /// Chat Completions: which field carries the output cap.
    pub max_tokens_field: MaxTokensField,
    /// Chat Completions: send `stream_options.include_usage` on streams (some gateways reject
    /// the field).
    pub stream_usage: bool,
    /// Chat Completions: system instructions as role `developer` (OpenAI) rather than `system`.
    pub developer_role: bool,
    /// Chat Completions: the field that carries reasoning in answers and in replayed history.
    pub reasoning_field: ReasoningField,
    /// Chat Completions / Anthropic: the vendor needs its reasoning back on assistant turns
    /// (DeepSeek, Kimi, GLM answer 400 otherwise).
    pub reasoning_back: bool,
    /// How reasoning is switched on and sized.
    pub thinking: ThinkingStyle,
    /// Chat Completions: `tool_choice: "required"` is accepted (Kimi refuses it; weir sends
    /// `auto` and says so in the log).
    pub tool_choice_required: bool,
    /// `top_k` is accepted.
    pub top_k: bool,
    /// Most stop sequences accepted (OpenAI: 4); `0` means no limit.
    pub max_stop: usize,
    /// Highest temperature accepted; higher values are clamped, never rescaled.
    pub max_temperature: f64,
    /// Chat Completions: an assistant message with tool calls and no text has `content: null`
    /// (OpenAI) rather than `""` (llama.cpp and others).
    pub null_content_with_tools: bool,
    /// Anthropic: `cache_control` hints are honoured (kept); elsewhere they are stripped.
    pub cache_control: bool,
    /// Most cache breakpoints accepted (Anthropic: 4).
    pub max_cache_breakpoints: usize,
    /// The Claude Code billing header block (`x-anthropic-billing-header: …`) in the system
    /// prompt is removed. It changes on every request and defeats prefix caching everywhere
    /// except at Anthropic.
    pub strip_billing_header: bool,
    /// Base64 images are accepted.
    pub images: bool,
    /// Image URLs are accepted.
    pub image_urls: bool,
    /// PDF documents are accepted.
    pub documents: bool,
    /// Untagged reasoning signatures from a client's history are forwarded (vendors of the
    /// client's protocol that made them); tagged ones always go back only to their maker.
    pub untagged_signatures: bool,
    /// `metadata.user_id` / `safety_identifier` are forwarded, hashed. Off: not sent at all.
    pub user_id: bool,
    /// Sends `parallel_tool_calls` (OpenAI rejects it without tools; weir never sends it then).
    pub parallel_tool_calls: bool,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            vendor: String::new(),
            max_tokens_field: MaxTokensField::MaxTokens,
            stream_usage: true,
            developer_role: false,
            reasoning_field: ReasoningField::ReasoningContent,
            reasoning_back: false,
            thinking: ThinkingStyle::Effort,
            tool_choice_required: true,
            top_k: false,
            max_stop: 0,
            max_temperature: 2.0,
            null_content_with_tools: false,
            cache_control: false,
            max_cache_breakpoints: 4,
            strip_billing_header: true,
            images: true,
            image_urls: true,
            documents: true,
            untagged_signatures: false,
            user_id: true,
            parallel_tool_calls: true,
        }
    }
}

impl Profile {
    /// The profile of a vendor named `vendor` with default quirks.
    pub fn named(vendor: &str) -> Profile {
        Profile {
            vendor: vendor.to_owned(),
            ..Profile::default()
        }
    }
}

/// The Chat Completions field for the output cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxTokensField {
    /// `max_tokens` (what most compatible vendors read).
    MaxTokens,
    /// `max_completion_tokens` (OpenAI; its reasoning models reject `max_tokens`).
    MaxCompletionTokens,
}

/// Where a Chat Completions vendor puts reasoning text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasoningField {
    /// `reasoning_content` (DeepSeek, Qwen, Kimi, GLM, llama.cpp).
    ReasoningContent,
    /// `reasoning` (vLLM, OpenRouter, Ollama).
    Reasoning,
}

impl ReasoningField {
    /// The JSON field name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasoningField::ReasoningContent => "reasoning_content",
            ReasoningField::Reasoning => "reasoning",
        }
    }
}

/// How a vendor switches reasoning on and sizes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThinkingStyle {
    /// Chat `reasoning_effort` / Responses `reasoning.effort` (OpenAI, Gemini compat).
    Effort,
    /// `thinking: {"type": "enabled"|"disabled"}` in the body (DeepSeek, Kimi, GLM).
    ThinkingObject,
    /// `enable_thinking` + `thinking_budget` (DashScope).
    EnableThinking,
    /// `chat_template_kwargs: {"enable_thinking": …}` (vLLM, llama.cpp).
    ChatTemplate,
    /// Reasoning settings are not sent.
    None,
}
