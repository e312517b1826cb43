//! The canonical answer: content, why it stopped, and what it cost.

use super::Part;

/// A complete (non-streamed) answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The vendor's id for the answer (encoders derive the client-facing id from it).
    pub id: String,
    /// The model name the client sees.
    pub model: String,
    /// The content in order: `Reasoning`, `Text` and `ToolCall` parts.
    pub content: Vec<Part>,
    /// Why generation stopped.
    pub stop: StopReason,
    /// The stop sequence that matched, when `stop` is [`StopReason::StopSequence`].
    pub stop_sequence: Option<String>,
    /// Token counts.
    pub usage: Usage,
}

/// Why generation stopped (protocols.md §3.2). Every protocol's reasons map onto these without
/// inventing values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The model finished (A `end_turn`, C `stop`, R `completed`).
    EndTurn,
    /// The output cap was reached (A `max_tokens`, C `length`, R `incomplete/max_output_tokens`).
    MaxTokens,
    /// A stop sequence matched.
    StopSequence,
    /// The model called tools (A `tool_use`, C `tool_calls`).
    ToolUse,
    /// The vendor refused (A `refusal`, C `content_filter`, R `incomplete/content_filter`).
    Refusal,
    /// A server-tool loop paused (A `pause_turn`).
    PauseTurn,
    /// The context window filled up (A `model_context_window_exceeded`).
    ContextWindow,
}

impl StopReason {
    /// The Anthropic `stop_reason`.
    pub fn anthropic(self) -> &'static str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::MaxTokens => "max_tokens",
            StopReason::StopSequence => "stop_sequence",
            StopReason::ToolUse => "tool_use",
            StopReason::Refusal => "refusal",
            StopReason::PauseTurn => "pause_turn",
            StopReason::ContextWindow => "model_context_window_exceeded",
        }
    }

    /// Reads an Anthropic `stop_reason`.
    pub fn from_anthropic(s: &str) -> Option<StopReason> {
        Some(match s {
            "end_turn" => StopReason::EndTurn,
            "max_tokens" => StopReason::MaxTokens,
            "stop_sequence" => StopReason::StopSequence,
            "tool_use" => StopReason::ToolUse,
            "refusal" => StopReason::Refusal,
            "pause_turn" => StopReason::PauseTurn,
            "model_context_window_exceeded" => StopReason::ContextWindow,
            _ => return None,
        })
    }

    /// The Chat Completions `finish_reason`.
    pub fn chat(self) -> &'static str {
        match self {
            StopReason::EndTurn | StopReason::StopSequence | StopReason::PauseTurn => "stop",
            StopReason::MaxTokens | StopReason::ContextWindow => "length",
            StopReason::ToolUse => "tool_calls",
            StopReason::Refusal => "content_filter",
        }
    }

    /// Reads a Chat Completions `finish_reason`.
    pub fn from_chat(s: &str) -> Option<StopReason> {
        Some(match s {
            "stop" => StopReason::EndTurn,
            "length" => StopReason::MaxTokens,
            "tool_calls" | "function_call" => StopReason::ToolUse,
            "content_filter" => StopReason::Refusal,
            _ => return None,
        })
    }

    /// The Responses `status` and `incomplete_details.reason` for this stop.
    pub fn responses(self) -> (&'static str, Option<&'static str>) {
        match self {
            StopReason::MaxTokens | StopReason::ContextWindow => {
                ("incomplete", Some("max_output_tokens"))
            }
            StopReason::Refusal => ("incomplete", Some("content_filter")),
            _ => ("completed", None),
        }
    }
}

/// Token counts in Anthropic's split form: `input` excludes cache reads and writes (protocols.md
/// §3.3). Encoders for C/R report `input + cache_read + cache_write` as the prompt total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Input tokens that were neither read from nor written to a cache.
    pub input: u64,
    /// Input tokens read from the cache.
    pub cache_read: u64,
    /// Input tokens written to the cache.
    pub cache_write: u64,
    /// Output tokens (including reasoning).
    pub output: u64,
    /// Of `output`, how many were reasoning, when the vendor says.
    pub reasoning: Option<u64>,
}

impl Usage {
    /// All input tokens, cached or not.
    pub fn total_input(&self) -> u64 {
        self.input + self.cache_read + self.cache_write
    }

    /// Builds the split form from an OpenAI-style total (`prompt_tokens` includes cached).
    pub fn from_openai_total(total_input: u64, cached: u64, cache_write: u64, output: u64) -> Self {
        Usage {
            input: total_input
                .saturating_sub(cached)
                .saturating_sub(cache_write),
            cache_read: cached,
            cache_write,
            output,
            reasoning: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_reasons_map_without_inventing_values() {
        for r in [
            StopReason::EndTurn,
            StopReason::MaxTokens,
            StopReason::StopSequence,
            StopReason::ToolUse,
            StopReason::Refusal,
            StopReason::PauseTurn,
            StopReason::ContextWindow,
        ] {
            assert_eq!(StopReason::from_anthropic(r.anthropic()), Some(r));
            assert!(StopReason::from_chat(r.chat()).is_some());
        }
        assert_eq!(StopReason::from_chat("weird"), None);
        assert_eq!(
            StopReason::Refusal.responses(),
            ("incomplete", Some("content_filter"))
        );
    }

    #[test]
    fn openai_totals_split_into_anthropic_counters() {
        let u = Usage::from_openai_total(1000, 800, 50, 20);
        assert_eq!((u.input, u.cache_read, u.cache_write), (150, 800, 50));
        assert_eq!(u.total_input(), 1000);
        assert_eq!(Usage::from_openai_total(10, 20, 0, 1).input, 0);
    }
}
