//! A checker for the Anthropic stream grammar (protocols.md §4.1, §4.2, test A2), for tests of
//! every encoder that writes Anthropic client streams.

use serde_json::Value;

/// The stop reasons the current SDKs know (§3.2).
const STOP_REASONS: [&str; 7] = [
    "end_turn",
    "max_tokens",
    "stop_sequence",
    "tool_use",
    "pause_turn",
    "refusal",
    "model_context_window_exceeded",
];

/// Checks that `sse_text` is a complete, well-formed Anthropic Messages stream as a client
/// receives it, and says where it is not.
///
/// The rules (test A2): every frame has an `event:` line and a JSON object `data:` whose `type`
/// equals the event name, and no frame is `[DONE]`; `message_start` comes first and once;
/// content blocks have dense indices from 0, one open at a time, each started block is
/// stopped, deltas fit their block's type (`text_delta`/`citations_delta` in text,
/// `thinking_delta` then at most one `signature_delta` in thinking, `input_json_delta` in tool
/// use, none in redacted thinking); then `message_delta` (a known `stop_reason`, an
/// `output_tokens` count) and `message_stop` last. Alternatively an `error` event (with
/// `error.type` and `error.message`) ends the stream, possibly as its only event. `ping` may
/// appear anywhere after `message_start`.
pub fn is_well_formed(sse_text: &str) -> Result<(), String> {
    let mut checker = Checker::default();
    let mut rest = sse_text;
    let mut n = 0usize;
    while !rest.is_empty() {
        let Some(end) = rest.find("\n\n") else {
            return Err(format!("frame {n}: not terminated by a blank line"));
        };
        let frame = &rest[..end];
        rest = &rest[end + 2..];
        checker
            .frame(frame)
            .map_err(|e| format!("frame {n}: {e}"))?;
        n += 1;
    }
    match checker.state {
        State::Ended => Ok(()),
        State::Init => Err("the stream is empty".to_owned()),
        State::Started => Err("the stream ends without message_stop or error".to_owned()),
    }
}

#[derive(Default, PartialEq, Eq)]
enum State {
    #[default]
    Init,
    Started,
    Ended,
}

#[derive(Default)]
struct Checker {
    state: State,
    next_index: u64,
    /// The open block: index, type, whether its signature was seen.
    open: Option<(u64, String, bool)>,
    message_delta: bool,
}

impl Checker {
    fn frame(&mut self, frame: &str) -> Result<(), String> {
        let mut event = None;
        let mut data: Option<String> = None;
        for line in frame.split('\n') {
            if line.starts_with(':') || line.is_empty() {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => event = Some(value),
                "data" => match &mut data {
                    Some(d) => {
                        d.push('\n');
                        d.push_str(value);
                    }
                    None => data = Some(value.to_owned()),
                },
                _ => {}
            }
        }
        let event = event.ok_or("no `event:` line")?;
        let data = data.ok_or("no `data:` line")?;
        if data.trim() == "[DONE]" {
            return Err("`[DONE]` has no place in an Anthropic stream".to_owned());
        }
        let value: Value =
            serde_json::from_str(&data).map_err(|_| "data is not JSON".to_owned())?;
        if value.get("type").and_then(Value::as_str) != Some(event) {
            return Err(format!("data.type does not equal the event name `{event}`"));
        }
        if self.state == State::Ended {
            return Err(format!("`{event}` after the end of the stream"));
        }
        if self.state == State::Init && event != "message_start" && event != "error" {
            return Err(format!("`{event}` before message_start"));
        }
        let index = || value.get("index").and_then(Value::as_u64);
        let str_at = |path: &[&str]| -> Option<&str> {
            path.iter()
                .try_fold(&value, |v, k| v.get(k))
                .and_then(Value::as_str)
        };
        match event {
            "message_start" => {
                if self.state != State::Init {
                    return Err("a second message_start".to_owned());
                }
                let m = value.get("message").ok_or("no `message`")?;
                if m.get("type").and_then(Value::as_str) != Some("message")
                    || m.get("role").and_then(Value::as_str) != Some("assistant")
                    || m.get("id").and_then(Value::as_str).is_none()
                    || m.get("model").and_then(Value::as_str).is_none()
                    || m.get("content") != Some(&Value::Array(Vec::new()))
                {
                    return Err("message must have id, model, type=message, role=assistant \
                                and empty content"
                        .to_owned());
                }
                usage(m.get("usage"), true)?;
                self.state = State::Started;
            }
            "ping" => {}
            "error" => {
                if str_at(&["error", "type"]).is_none() || str_at(&["error", "message"]).is_none() {
                    return Err("error without error.type and error.message".to_owned());
                }
                self.state = State::Ended;
            }
            "content_block_start" => {
                if self.message_delta {
                    return Err("a block after message_delta".to_owned());
                }
                if let Some((open, ..)) = &self.open {
                    return Err(format!("block {open} is still open"));
                }
                let i = index().ok_or("no index")?;
                if i != self.next_index {
                    return Err(format!("index {i}, expected {}", self.next_index));
                }
                let kind = str_at(&["content_block", "type"]).ok_or("no content_block.type")?;
                if kind == "tool_use"
                    && (str_at(&["content_block", "id"]).is_none()
                        || str_at(&["content_block", "name"]).is_none()
                        || !value
                            .get("content_block")
                            .and_then(|b| b.get("input"))
                            .is_some_and(Value::is_object))
                {
                    return Err("tool_use without id, name and input object".to_owned());
                }
                self.next_index += 1;
                self.open = Some((i, kind.to_owned(), false));
            }
            "content_block_delta" => {
                let i = index().ok_or("no index")?;
                let Some((open, kind, signed)) = &mut self.open else {
                    return Err(format!("delta for block {i}, none open"));
                };
                if *open != i {
                    return Err(format!("delta for block {i} while block {open} is open"));
                }
                let delta = str_at(&["delta", "type"]).ok_or("no delta.type")?;
                let fits = match (kind.as_str(), delta) {
                    ("text", "text_delta" | "citations_delta") => true,
                    ("thinking", "thinking_delta" | "signature_delta") => !*signed,
                    ("tool_use" | "server_tool_use", "input_json_delta") => true,
                    _ => false,
                };
                if !fits {
                    return Err(format!("`{delta}` does not fit a `{kind}` block here"));
                }
                *signed |= delta == "signature_delta";
            }
            "content_block_stop" => {
                let i = index().ok_or("no index")?;
                match &self.open {
                    Some((open, ..)) if *open == i => self.open = None,
                    _ => return Err(format!("stop for block {i}, which is not open")),
                }
            }
            "message_delta" => {
                if self.message_delta {
                    return Err("a second message_delta".to_owned());
                }
                if let Some((open, ..)) = &self.open {
                    return Err(format!("message_delta while block {open} is open"));
                }
                let reason = str_at(&["delta", "stop_reason"]).ok_or("no delta.stop_reason")?;
                if !STOP_REASONS.contains(&reason) {
                    return Err(format!("unknown stop_reason `{reason}`"));
                }
                usage(value.get("usage"), false)?;
                self.message_delta = true;
            }
            "message_stop" => {
                if !self.message_delta {
                    return Err("message_stop without message_delta".to_owned());
                }
                self.state = State::Ended;
            }
            other => return Err(format!("unknown event `{other}`")),
        }
        Ok(())
    }
}

fn usage(u: Option<&Value>, input_required: bool) -> Result<(), String> {
    let u = u.ok_or("no usage")?;
    if u.get("output_tokens").and_then(Value::as_u64).is_none() {
        return Err("usage without output_tokens".to_owned());
    }
    if input_required && u.get("input_tokens").and_then(Value::as_u64).is_none() {
        return Err("usage without input_tokens".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(event: &str, data: &str) -> String {
        format!("event: {event}\ndata: {data}\n\n")
    }

    fn start() -> String {
        frame(
            "message_start",
            r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":0}}}"#,
        )
    }

    fn end() -> String {
        frame(
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}"#,
        ) + &frame("message_stop", r#"{"type":"message_stop"}"#)
    }

    fn block(i: u64) -> String {
        frame(
            "content_block_start",
            &format!(
                r#"{{"type":"content_block_start","index":{i},"content_block":{{"type":"text","text":""}}}}"#
            ),
        ) + &frame(
            "content_block_delta",
            &format!(
                r#"{{"type":"content_block_delta","index":{i},"delta":{{"type":"text_delta","text":"x"}}}}"#
            ),
        ) + &frame(
            "content_block_stop",
            &format!(r#"{{"type":"content_block_stop","index":{i}}}"#),
        )
    }

    #[test]
    fn accepts_the_reference_sequence() {
        let ping = frame("ping", r#"{"type":"ping"}"#);
        let s = start() + &ping + &block(0) + &block(1) + &end();
        assert_eq!(is_well_formed(&s), Ok(()));
        let err = frame(
            "error",
            r#"{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"#,
        );
        assert_eq!(is_well_formed(&(start() + &block(0) + &err)), Ok(()));
        assert_eq!(is_well_formed(&err), Ok(()));
    }

    #[test]
    fn rejects_each_broken_rule() {
        let cases = [
            (String::new(), "empty"),
            (block(0) + &end(), "before message_start"),
            (start() + &block(1) + &end(), "index 1, expected 0"),
            (start() + &block(0), "ends without"),
            (start() + &end() + &block(0), "after the end"),
            (
                start() + &end().replace("event: message_stop", "event: message_end"),
                "data.type",
            ),
            (start() + "data: [DONE]\n\n", "no `event:`"),
            (start() + "event: x\ndata: [DONE]\n\n", "[DONE]"),
            (start().replace("event: message_start\n", ""), "no `event:`"),
            (start() + &start(), "second message_start"),
            (
                start() + &block(0).replace("text_delta", "input_json_delta") + &end(),
                "does not fit",
            ),
            (
                start() + &end().replace("end_turn", "error"),
                "unknown stop_reason",
            ),
            (
                start() + "event: ping\ndata: {\"type\":\"ping\"}",
                "not terminated",
            ),
        ];
        for (stream, expected) in cases {
            let err = is_well_formed(&stream).expect_err(expected);
            assert!(err.contains(expected), "{err} does not mention {expected}");
        }
    }

    #[test]
    fn rejects_overlapping_blocks_and_late_signatures() {
        let b0 = block(0);
        let (open0, rest0) = b0.split_at(b0.find("event: content_block_stop").unwrap());
        let overlapping = start() + open0 + &block(1) + rest0 + &end();
        assert!(
            is_well_formed(&overlapping)
                .unwrap_err()
                .contains("still open")
        );

        let thinking = frame(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        ) + &frame(
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"s"}}"#,
        ) + &frame(
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"t"}}"#,
        );
        assert!(
            is_well_formed(&(start() + &thinking))
                .unwrap_err()
                .contains("does not fit")
        );
    }
}
