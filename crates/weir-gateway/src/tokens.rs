//! Local token counts for `count_tokens` when no vendor on the route offers it (protocols.md §7).
//!
//! The count uses a real BPE tokenizer (OpenAI's `o200k_base`) over everything the model reads:
//! system text, message text, tool calls and results, reasoning, and tool definitions. No vendor's
//! tokenizer is public for every model weir routes to, and Claude Code acts on the number to
//! decide when to compact, so the count is biased upward: too early a compaction costs a little,
//! too late a one fails the request. Responses carry [`ESTIMATE_HEADER`] so a client can tell.

use std::sync::OnceLock;

use bpe_openai::Tokenizer;
use weir_protocol::canonical::{Media, Part, Request};

/// The response header that marks a count as weir's estimate.
pub const ESTIMATE_HEADER: &str = "x-weir-token-count";

/// Upward bias over the o200k count, in percent: Claude's tokenizer yields more tokens than o200k
/// for code, and an o200k count scaled by 1.15 has been seen to undercount.
const BIAS_PERCENT: u64 = 125;

/// Tokens charged per message for role and framing.
const PER_MESSAGE: u64 = 4;

/// Tokens charged per image whose size is unknown (about a 1,100×1,100 image at Anthropic's
/// width × height / 750).
const PER_IMAGE: u64 = 1600;

fn tokenizer() -> &'static Tokenizer {
    static T: OnceLock<&'static Tokenizer> = OnceLock::new();
    T.get_or_init(bpe_openai::o200k_base)
}

/// Loads the tokenizer's tables (about 75 ms), so that the first count does not pay for it.
pub fn warm() {
    tokenizer();
}

/// The estimated input tokens of `request`.
pub fn estimate(request: &Request) -> u64 {
    let t = tokenizer();
    let count = |s: &str| t.count(s) as u64;
    let mut total = 0u64;
    for part in &request.system {
        total += part_tokens(part, &count);
    }
    for message in &request.messages {
        total += PER_MESSAGE;
        for part in &message.parts {
            total += part_tokens(part, &count);
        }
    }
    for tool in &request.tools {
        total += count(&tool.name) + PER_MESSAGE;
        if let Some(d) = &tool.description {
            total += count(d);
        }
        total += count(&tool.schema.to_string());
    }
    total * BIAS_PERCENT / 100
}

fn part_tokens(part: &Part, count: &impl Fn(&str) -> u64) -> u64 {
    match part {
        Part::Text { text, .. } => count(text),
        Part::Image { .. } => PER_IMAGE,
        Part::Document { source, title, .. } => {
            let title = title.as_deref().map_or(0, count);
            title
                + match source {
                    Media::Text(text) => count(text),
                    // Extracted PDF text runs at roughly one token per four decoded bytes.
                    Media::Base64 { data, .. } => (data.len() as u64 * 3 / 4) / 4,
                    Media::Url(_) | Media::File(_) => PER_IMAGE,
                }
        }
        Part::ToolCall(call) => count(&call.name) + count(&call.arguments),
        Part::ToolResult(result) => result
            .content
            .iter()
            .map(|p| part_tokens(p, count))
            .sum::<u64>(),
        Part::Reasoning(r) => count(&r.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_protocol::canonical::{Message, Role};

    fn user(text: &str) -> Request {
        Request {
            messages: vec![Message {
                role: Role::User,
                parts: vec![Part::text(text)],
            }],
            ..Request::default()
        }
    }

    #[test]
    fn counts_grow_with_content_and_err_high() {
        let small = estimate(&user("hello"));
        let text = "fn main() { println!(\"hello, world\"); }\n".repeat(100);
        let big = estimate(&user(&text));
        assert!((1..20).contains(&small), "{small}");
        let raw = tokenizer().count(&text) as u64;
        assert!(big > raw, "{big} should exceed the raw o200k count {raw}");
        assert!(big < raw * 2, "{big} vs {raw}");
    }

    #[test]
    fn tools_and_system_count() {
        let mut r = user("hi");
        let base = estimate(&r);
        r.system
            .push(Part::text("You are a careful assistant.".repeat(10)));
        assert!(estimate(&r) > base);
    }
}
