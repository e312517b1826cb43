//! Token counts in Chat Completions form (protocols.md §3.3): `prompt_tokens` is the total input
//! including cached tokens, where the canonical [`Usage`] keeps Anthropic's split counters.

use serde::Serialize;
use serde_json::Value;

use crate::canonical::Usage;

/// Reads a vendor's `usage` object. Cache reads come from `prompt_tokens_details.cached_tokens`
/// or DeepSeek's `prompt_cache_hit_tokens`; cache writes from
/// `prompt_tokens_details.cache_write_tokens`. Missing counters read as zero; `None` when
/// `usage` is not an object (absent or `null`).
pub(super) fn from_vendor(usage: &Value) -> Option<Usage> {
    let obj = usage.as_object()?;
    let count = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0);
    let prompt_details = obj.get("prompt_tokens_details");
    let detail = |key: &str| prompt_details.and_then(|d| d.get(key));
    let cached = detail("cached_tokens")
        .and_then(Value::as_u64)
        .or_else(|| obj.get("prompt_cache_hit_tokens").and_then(Value::as_u64))
        .unwrap_or(0);
    let mut out = Usage::from_openai_total(
        count(obj.get("prompt_tokens")),
        cached,
        count(detail("cache_write_tokens")),
        count(obj.get("completion_tokens")),
    );
    out.reasoning = obj
        .get("completion_tokens_details")
        .and_then(|d| d.get("reasoning_tokens"))
        .and_then(Value::as_u64);
    Some(out)
}

/// A `usage` object as OpenAI sends it to clients.
#[derive(Debug, Serialize)]
pub(super) struct ClientUsage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
    prompt_tokens_details: PromptDetails,
    completion_tokens_details: CompletionDetails,
}

#[derive(Debug, Serialize)]
struct PromptDetails {
    cached_tokens: u64,
    #[serde(skip_serializing_if = "is_zero")]
    cache_write_tokens: u64,
}

#[derive(Debug, Serialize)]
struct CompletionDetails {
    reasoning_tokens: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl From<&Usage> for ClientUsage {
    fn from(u: &Usage) -> Self {
        let prompt = u.total_input();
        ClientUsage {
            prompt_tokens: prompt,
            completion_tokens: u.output,
            total_tokens: prompt + u.output,
            prompt_tokens_details: PromptDetails {
                cached_tokens: u.cache_read,
                cache_write_tokens: u.cache_write,
            },
            completion_tokens_details: CompletionDetails {
                reasoning_tokens: u.reasoning.unwrap_or(0),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vendor_usage_splits_cached_tokens_out_of_the_prompt_total() {
        // §3.3 C → A: R = cached, W = cache_write, I = total − R − W.
        let u = from_vendor(&json!({
            "prompt_tokens": 1000, "completion_tokens": 50, "total_tokens": 1050,
            "prompt_tokens_details": {"cached_tokens": 800, "cache_write_tokens": 100},
            "completion_tokens_details": {"reasoning_tokens": 20}
        }))
        .unwrap();
        assert_eq!(
            (u.input, u.cache_read, u.cache_write, u.output),
            (100, 800, 100, 50)
        );
        assert_eq!(u.reasoning, Some(20));
    }

    #[test]
    fn deepseek_cache_hits_count_as_cache_reads() {
        // §3.3 vendor aliases: DeepSeek `prompt_cache_hit_tokens`.
        let u = from_vendor(&json!({
            "prompt_tokens": 300, "completion_tokens": 7,
            "prompt_cache_hit_tokens": 256, "prompt_cache_miss_tokens": 44
        }))
        .unwrap();
        assert_eq!((u.input, u.cache_read, u.output), (44, 256, 7));
        assert_eq!(u.reasoning, None);
        assert_eq!(from_vendor(&Value::Null), None);
    }

    #[test]
    fn client_usage_reports_the_total_prompt() {
        // §3.3 A → C: total input = I + W + R; cached = R.
        let u = Usage {
            input: 10,
            cache_read: 80,
            cache_write: 5,
            output: 7,
            reasoning: Some(3),
        };
        let v = serde_json::to_value(ClientUsage::from(&u)).unwrap();
        assert_eq!(
            v,
            json!({
                "prompt_tokens": 95, "completion_tokens": 7, "total_tokens": 102,
                "prompt_tokens_details": {"cached_tokens": 80, "cache_write_tokens": 5},
                "completion_tokens_details": {"reasoning_tokens": 3}
            })
        );
    }
}
