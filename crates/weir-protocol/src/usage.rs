//! Token usage read from an answer as the client received it (a JSON body or an event stream),
//! for the ledger: what the vendor said the exchange cost.

use serde_json::Value;

use crate::Protocol;
use crate::canonical::Usage;

/// The usage of a complete JSON answer, if it reports one.
pub fn of_answer(protocol: Protocol, body: &[u8]) -> Option<Usage> {
    let v: Value = serde_json::from_slice(body).ok()?;
    read(protocol, v.get("usage")?)
}

/// The usage of an event stream, if it reports one: Anthropic's `message_start` input and the
/// last `message_delta` output, Chat's usage chunk, Responses' `response.completed`.
pub fn of_stream(protocol: Protocol, stream: &[u8]) -> Option<Usage> {
    let text = String::from_utf8_lossy(stream);
    let mut found: Option<Usage> = None;
    for line in text.lines() {
        let Some(data) = line.strip_prefix("data:") else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(data.trim_start()) else {
            continue;
        };
        let usage = match protocol {
            Protocol::Anthropic => v
                .get("message")
                .and_then(|m| m.get("usage"))
                .or_else(|| v.get("usage")),
            Protocol::OpenAiChat => v.get("usage").filter(|u| !u.is_null()),
            Protocol::OpenAiResponses => v.get("response").and_then(|r| r.get("usage")),
        };
        let Some(u) = usage.and_then(|u| read(protocol, u)) else {
            continue;
        };
        found = Some(match (found, protocol) {
            // A delta's counters are cumulative; input fields it omits keep their start values.
            (Some(prev), Protocol::Anthropic) => Usage {
                input: if u.input > 0 { u.input } else { prev.input },
                cache_read: u.cache_read.max(prev.cache_read),
                cache_write: u.cache_write.max(prev.cache_write),
                output: u.output.max(prev.output),
                reasoning: u.reasoning.or(prev.reasoning),
            },
            _ => u,
        });
    }
    found
}

fn read(protocol: Protocol, u: &Value) -> Option<Usage> {
    let n = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0);
    if !u.is_object() {
        return None;
    }
    Some(match protocol {
        Protocol::Anthropic => Usage {
            input: n(u.get("input_tokens")),
            cache_read: n(u.get("cache_read_input_tokens")),
            cache_write: n(u.get("cache_creation_input_tokens")),
            output: n(u.get("output_tokens")),
            reasoning: None,
        },
        Protocol::OpenAiChat => Usage::from_openai_total(
            n(u.get("prompt_tokens")),
            n(u.pointer("/prompt_tokens_details/cached_tokens")),
            0,
            n(u.get("completion_tokens")),
        ),
        Protocol::OpenAiResponses => Usage::from_openai_total(
            n(u.get("input_tokens")),
            n(u.pointer("/input_tokens_details/cached_tokens")),
            0,
            n(u.get("output_tokens")),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_report_usage_in_each_protocol() {
        let a = of_answer(
            Protocol::Anthropic,
            br#"{"usage":{"input_tokens":10,"cache_read_input_tokens":90,"output_tokens":5}}"#,
        )
        .unwrap();
        assert_eq!((a.total_input(), a.cache_read, a.output), (100, 90, 5));
        let c = of_answer(
            Protocol::OpenAiChat,
            br#"{"usage":{"prompt_tokens":100,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":60}}}"#,
        )
        .unwrap();
        assert_eq!((c.total_input(), c.cache_read, c.output), (100, 60, 7));
        assert_eq!(of_answer(Protocol::OpenAiChat, b"{}"), None);
    }

    #[test]
    fn streams_report_their_final_usage() {
        let a = of_stream(
            Protocol::Anthropic,
            b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":30}}\n\n",
        )
        .unwrap();
        assert_eq!((a.input, a.output), (12, 30));
        let c = of_stream(
            Protocol::OpenAiChat,
            b"data: {\"choices\":[],\"usage\":null}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3}}\n\ndata: [DONE]\n\n",
        )
        .unwrap();
        assert_eq!((c.input, c.output), (9, 3));
        let r = of_stream(
            Protocol::OpenAiResponses,
            b"event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":4,\"output_tokens\":2}}}\n\n",
        )
        .unwrap();
        assert_eq!((r.input, r.output), (4, 2));
        assert_eq!(of_stream(Protocol::OpenAiChat, b"data: [DONE]\n\n"), None);
    }
}
