//! A Responses vendor's (non-streamed) response object → canonical [`Response`]
//! (protocols.md §3, R column).

use serde_json::Value;

use crate::canonical::{
    Part, Reasoning, Response, Signature, StopReason, ToolCall, ToolKind, TranslateError, Usage,
};

/// Reads a vendor's response object (a 2xx body). `origin` is the vendor's weir name: reasoning
/// `encrypted_content` is tagged with it, so it goes back only to that vendor.
///
/// Output items: `reasoning` → [`Part::Reasoning`] (summary texts joined by a blank line, else
/// the `reasoning_text` content; the item id kept); `message` → text parts (a `refusal` part
/// too, and the stop becomes [`StopReason::Refusal`]); `function_call` / `custom_tool_call` →
/// [`Part::ToolCall`] with `call_id` as the id (a custom call's arguments are its raw input).
/// Hosted-tool items (web search, …) are skipped. Status `completed` → `EndTurn` (`ToolUse`
/// with calls), `incomplete` → `MaxTokens` (`Refusal` for `content_filter`).
///
/// Errors ([`TranslateError::Malformed`]): not a response object, status `failed` (with the
/// vendor's error code), or a status that is not final.
pub fn decode_response(body: &[u8], origin: &str) -> Result<Response, TranslateError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| {
        TranslateError::Malformed("the vendor's response is not valid JSON".to_owned())
    })?;
    let obj = value.as_object().ok_or_else(|| {
        TranslateError::Malformed("the vendor's response is not a JSON object".to_owned())
    })?;
    let mut content = Vec::new();
    let mut refusal = false;
    if let Some(items) = obj.get("output").and_then(Value::as_array) {
        for item in items {
            output_item(item, origin, &mut content, &mut refusal);
        }
    }
    let has_calls = content.iter().any(|p| matches!(p, Part::ToolCall(_)));
    let status = obj
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("completed");
    let stop = match status {
        "completed" if refusal => StopReason::Refusal,
        "completed" if has_calls => StopReason::ToolUse,
        "completed" => StopReason::EndTurn,
        "incomplete" => incomplete_reason(obj.get("incomplete_details")),
        "failed" => {
            let code = obj
                .get("error")
                .and_then(|e| e.get("code"))
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            return Err(TranslateError::Malformed(format!(
                "the vendor reported a failed response: {code}"
            )));
        }
        _ => {
            return Err(TranslateError::Malformed(
                "the vendor's response is not finished (status is neither completed nor incomplete)"
                    .to_owned(),
            ));
        }
    };
    Ok(Response {
        id: str_of(obj.get("id")).unwrap_or_default().to_owned(),
        model: str_of(obj.get("model")).unwrap_or_default().to_owned(),
        content,
        stop,
        stop_sequence: None,
        usage: obj.get("usage").map(usage).unwrap_or_default(),
    })
}

/// `incomplete_details.reason`: `content_filter` is a refusal, anything else ran out of tokens.
pub(crate) fn incomplete_reason(details: Option<&Value>) -> StopReason {
    match details
        .and_then(|d| d.get("reason"))
        .and_then(Value::as_str)
    {
        Some("content_filter") => StopReason::Refusal,
        _ => StopReason::MaxTokens,
    }
}

fn output_item(item: &Value, origin: &str, content: &mut Vec<Part>, refusal: &mut bool) {
    match str_of(item.get("type")) {
        Some("reasoning") => content.push(Part::Reasoning(reasoning(item, origin))),
        Some("message") => {
            for part in item
                .get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match str_of(part.get("type")) {
                    Some("output_text") => {
                        if let Some(t) = str_of(part.get("text")) {
                            content.push(Part::text(t));
                        }
                    }
                    Some("refusal") => {
                        *refusal = true;
                        if let Some(t) = str_of(part.get("refusal")) {
                            content.push(Part::text(t));
                        }
                    }
                    _ => {}
                }
            }
        }
        Some("function_call") | Some("custom_tool_call") => {
            if let Some(call) = tool_call(item) {
                content.push(Part::ToolCall(call));
            }
        }
        _ => {}
    }
}

/// A reasoning item: its readable text and its encrypted content tagged with `origin`.
pub(crate) fn reasoning(item: &Value, origin: &str) -> Reasoning {
    let texts = |field: &str, kind: &str| -> Vec<&str> {
        item.get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| str_of(p.get("type")) == Some(kind))
            .filter_map(|p| str_of(p.get("text")))
            .collect()
    };
    let summary = texts("summary", "summary_text");
    let text = if summary.iter().any(|t| !t.is_empty()) {
        summary.join("\n\n")
    } else {
        texts("content", "reasoning_text").join("\n\n")
    };
    Reasoning {
        text,
        signature: str_of(item.get("encrypted_content"))
            .filter(|e| !e.is_empty())
            .map(|e| Signature::from_vendor(origin, e)),
        redacted: None,
        item_id: str_of(item.get("id")).map(str::to_owned),
    }
}

/// A `function_call` or `custom_tool_call` item; `None` without a call id or name.
pub(crate) fn tool_call(item: &Value) -> Option<ToolCall> {
    let custom = str_of(item.get("type")) == Some("custom_tool_call");
    let (arguments, kind) = if custom {
        (item.get("input"), ToolKind::Custom { format: None })
    } else {
        (item.get("arguments"), ToolKind::Function)
    };
    Some(ToolCall {
        id: str_of(item.get("call_id"))?.to_owned(),
        name: str_of(item.get("name"))?.to_owned(),
        arguments: str_of(arguments).unwrap_or_default().to_owned(),
        kind,
        item_id: str_of(item.get("id")).map(str::to_owned),
        extras: None,
    })
}

/// Responses usage (protocols.md §3.3): `input_tokens` includes cached tokens.
pub(crate) fn usage(u: &Value) -> Usage {
    let n = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0);
    let details = u.get("input_tokens_details");
    let mut usage = Usage::from_openai_total(
        n(u.get("input_tokens")),
        n(details.and_then(|d| d.get("cached_tokens"))),
        n(details.and_then(|d| d.get("cache_write_tokens"))),
        n(u.get("output_tokens")),
    );
    usage.reasoning = u
        .get("output_tokens_details")
        .and_then(|d| d.get("reasoning_tokens"))
        .and_then(Value::as_u64);
    usage
}

pub(crate) fn str_of(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}
