//! The grammar of a Chat Completions stream as clients consume it (protocols.md §4.1, §4.2,
//! §8.3): what the official SDKs' accumulators need to rebuild the answer without duplicated
//! or misplaced pieces.

use serde_json::Value;

/// Checks that `sse_text` is a well-formed Chat Completions stream for a client, returning
/// what is wrong otherwise:
/// - frames are `data: …` lines (comments allowed) ending in a blank line; every data frame is
///   JSON or `[DONE]`;
/// - chunks are `chat.completion.chunk` objects with one `id` and `model` throughout, at most
///   one choice, and choice `index` 0;
/// - the first chunk with a choice carries `role`, no later one does;
/// - each tool index's first delta has `id`, `type` and `function.name`, later ones none of
///   them; tool indices are dense in first-seen order;
/// - at most one `finish_reason`, and nothing but the usage chunk (`choices: []`) after it;
/// - the stream ends with `[DONE]` after a `finish_reason`, unless a frame with a top-level
///   `error` ended it; nothing follows either.
pub fn is_well_formed(sse_text: &str) -> Result<(), String> {
    let mut state = State::default();
    let mut rest = sse_text;
    let mut frame_no = 0usize;
    while !rest.is_empty() {
        let Some(end) = rest.find("\n\n") else {
            return Err(format!(
                "frame {frame_no} is not terminated by a blank line"
            ));
        };
        let frame = &rest[..end];
        rest = &rest[end + 2..];
        let mut data: Option<String> = None;
        for line in frame.split('\n') {
            if line.starts_with(':') {
                continue;
            }
            let Some(value) = line.strip_prefix("data:") else {
                return Err(format!("frame {frame_no}: unexpected line {line:?}"));
            };
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_owned()),
            }
        }
        if let Some(data) = data {
            state
                .frame(&data)
                .map_err(|e| format!("frame {frame_no}: {e}"))?;
        }
        frame_no += 1;
    }
    match state.ended {
        Some(_) => Ok(()),
        None => Err("the stream ends without [DONE] or an error frame".to_owned()),
    }
}

#[derive(Default)]
struct State {
    /// How the stream ended, once it has.
    ended: Option<&'static str>,
    id: Option<String>,
    model: Option<String>,
    /// Whether a chunk with a choice was seen (the first must carry the role).
    saw_choice: bool,
    finished: bool,
    saw_usage_chunk: bool,
    /// Tool indices seen, in order (dense: equal to 0..len).
    tools: usize,
}

impl State {
    fn frame(&mut self, data: &str) -> Result<(), String> {
        if let Some(how) = self.ended {
            return Err(format!("data after {how}"));
        }
        if data == "[DONE]" {
            if !self.finished {
                return Err("[DONE] before any finish_reason".to_owned());
            }
            self.ended = Some("[DONE]");
            return Ok(());
        }
        let chunk: Value =
            serde_json::from_str(data).map_err(|e| format!("data is not JSON: {e}"))?;
        if chunk.get("error").is_some_and(Value::is_object) {
            self.ended = Some("an error frame");
            return Ok(());
        }
        if chunk.get("object").and_then(Value::as_str) != Some("chat.completion.chunk") {
            return Err("object is not chat.completion.chunk".to_owned());
        }
        same(&mut self.id, chunk.get("id"), "id")?;
        same(&mut self.model, chunk.get("model"), "model")?;
        if chunk.get("created").and_then(Value::as_u64).is_none() {
            return Err("created is not an integer".to_owned());
        }
        let choices = chunk
            .get("choices")
            .and_then(Value::as_array)
            .ok_or("choices is not an array")?;
        if self.saw_usage_chunk {
            return Err("a chunk after the usage chunk".to_owned());
        }
        match choices.as_slice() {
            [] => {
                if !chunk.get("usage").is_some_and(Value::is_object) {
                    return Err("a chunk without choices and without usage".to_owned());
                }
                if !self.finished {
                    return Err("the usage chunk comes before finish_reason".to_owned());
                }
                self.saw_usage_chunk = true;
                Ok(())
            }
            [choice] => self.choice(choice),
            _ => Err(format!("{} choices in one chunk", choices.len())),
        }
    }

    fn choice(&mut self, choice: &Value) -> Result<(), String> {
        if choice.get("index").and_then(Value::as_u64) != Some(0) {
            return Err("choice index is not 0".to_owned());
        }
        if self.finished {
            return Err("a choice after finish_reason".to_owned());
        }
        let delta = choice
            .get("delta")
            .and_then(Value::as_object)
            .ok_or("delta is not an object")?;
        let has_role = delta.get("role").is_some_and(|r| !r.is_null());
        if !self.saw_choice && delta.get("role").and_then(Value::as_str) != Some("assistant") {
            return Err("the first chunk does not carry role assistant".to_owned());
        }
        if self.saw_choice && has_role {
            return Err("role repeated after the first chunk".to_owned());
        }
        self.saw_choice = true;
        for field in ["content", "reasoning_content"] {
            match delta.get(field) {
                None | Some(Value::Null) | Some(Value::String(_)) => {}
                Some(_) => return Err(format!("delta.{field} is not a string")),
            }
        }
        if let Some(calls) = delta.get("tool_calls").filter(|c| !c.is_null()) {
            let calls = calls.as_array().ok_or("delta.tool_calls is not an array")?;
            for call in calls {
                self.tool_call(call)?;
            }
        }
        match choice.get("finish_reason") {
            None | Some(Value::Null) => Ok(()),
            Some(Value::String(reason)) => {
                const REASONS: [&str; 5] = [
                    "stop",
                    "length",
                    "tool_calls",
                    "content_filter",
                    "function_call",
                ];
                if !REASONS.contains(&reason.as_str()) {
                    return Err(format!("unknown finish_reason {reason:?}"));
                }
                self.finished = true;
                Ok(())
            }
            Some(_) => Err("finish_reason is not a string".to_owned()),
        }
    }

    fn tool_call(&mut self, call: &Value) -> Result<(), String> {
        let index = call
            .get("index")
            .and_then(Value::as_u64)
            .ok_or("a tool call delta without an index")?;
        let index = usize::try_from(index).map_err(|_| "tool index out of range")?;
        let has = |v: Option<&Value>| v.is_some_and(|v| !v.is_null());
        let function = call.get("function");
        let name = function.and_then(|f| f.get("name"));
        let arguments = function.and_then(|f| f.get("arguments"));
        if has(arguments) && !arguments.is_some_and(Value::is_string) {
            return Err(format!("tool {index}: arguments is not a string"));
        }
        if index == self.tools {
            self.tools += 1;
            let id_ok = call
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty());
            let name_ok = name.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
            let type_ok = call.get("type").and_then(Value::as_str) == Some("function");
            if !(id_ok && name_ok && type_ok) {
                return Err(format!(
                    "tool {index}: the first delta lacks id, type function or name"
                ));
            }
            Ok(())
        } else if index < self.tools {
            if has(call.get("id")) || has(call.get("type")) || has(name) {
                return Err(format!("tool {index}: id, type or name repeated"));
            }
            Ok(())
        } else {
            Err(format!(
                "tool index {index} skips ahead (expected at most {})",
                self.tools
            ))
        }
    }
}

/// Checks that a string field keeps the value it had in the first chunk.
fn same(seen: &mut Option<String>, value: Option<&Value>, field: &str) -> Result<(), String> {
    let value = value
        .and_then(Value::as_str)
        .ok_or(format!("{field} is not a string"))?;
    match seen {
        Some(s) if s != value => Err(format!("{field} changed from {s:?} to {value:?}")),
        Some(_) => Ok(()),
        None => {
            *seen = Some(value.to_owned());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(frames: &[&str]) -> String {
        frames.iter().map(|f| format!("{f}\n\n")).collect()
    }

    const HEAD: &str = r#"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#;
    const FIN: &str = r#"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;

    fn chunk(delta: &str) -> String {
        format!(
            r#"data: {{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{{"index":0,"delta":{delta},"finish_reason":null}}]}}"#
        )
    }

    #[test]
    fn accepts_openai_shaped_streams() {
        let t0 = chunk(
            r#"{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"a","arguments":""}}]}"#,
        );
        let t0b = chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}"#);
        let usage = r#"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1}}"#;
        let text = stream(&[HEAD, ": ping", &t0, &t0b, FIN, usage, "data: [DONE]"]);
        assert_eq!(is_well_formed(&text), Ok(()));
        let error = stream(&[
            HEAD,
            r#"data: {"error":{"message":"x","type":"server_error"}}"#,
        ]);
        assert_eq!(is_well_formed(&error), Ok(()));
    }

    #[test]
    fn rejects_what_sdk_accumulators_trip_over() {
        let t0 = chunk(
            r#"{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"a","arguments":""}}]}"#,
        );
        let repeat =
            chunk(r#"{"tool_calls":[{"index":0,"id":"call_1","function":{"arguments":"{}"}}]}"#);
        let skip = chunk(
            r#"{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"b","arguments":""}}]}"#,
        );
        let headless = chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}"#);
        let role_again = chunk(r#"{"role":"assistant","content":"x"}"#);
        let bad_index = HEAD.replace(r#""index":0"#, r#""index":1"#);
        let other_id = FIN.replace(r#""id":"c""#, r#""id":"d""#);
        let cases: Vec<(String, &str)> = vec![
            (
                stream(&[HEAD, &t0, &repeat, FIN, "data: [DONE]"]),
                "repeated",
            ),
            (stream(&[HEAD, &skip, FIN, "data: [DONE]"]), "skips ahead"),
            (stream(&[HEAD, &headless, FIN, "data: [DONE]"]), "lacks"),
            (
                stream(&[HEAD, &role_again, FIN, "data: [DONE]"]),
                "role repeated",
            ),
            (stream(&[&bad_index, FIN, "data: [DONE]"]), "index is not 0"),
            (stream(&[HEAD, &other_id, "data: [DONE]"]), "id changed"),
            (
                stream(&[HEAD, FIN, FIN, "data: [DONE]"]),
                "after finish_reason",
            ),
            (stream(&[HEAD, FIN]), "without [DONE]"),
            (stream(&[HEAD, "data: [DONE]"]), "before any finish_reason"),
            (stream(&[HEAD, FIN, "data: [DONE]", FIN]), "after [DONE]"),
            (stream(&[HEAD, "data: {nope"]), "not JSON"),
            (format!("{HEAD}\n"), "not terminated"),
            (
                stream(&[&chunk(r#"{"content":"x"}"#), FIN, "data: [DONE]"]),
                "role assistant",
            ),
        ];
        for (text, expected) in cases {
            let err = is_well_formed(&text).expect_err(expected);
            assert!(err.contains(expected), "{err} does not mention {expected}");
        }
    }
}
