//! A checker for the Responses stream grammar weir writes to clients (protocols.md §4.1 R,
//! §4.2 R, §8.2 R2/R3), shared by this module's property tests and the cross-protocol tests.

use std::collections::HashMap;

use serde_json::Value;

use crate::sse::Framer;

/// Checks that `sse_text` is a complete, well-formed Responses stream as a client reads it.
///
/// Rules: every frame has an `event:` line equal to its data's `type`; data is a JSON object
/// with a `sequence_number` that starts at 0 and strictly increases; `response.created` comes
/// first and `response.in_progress` second, with the same response id; `output_item.added`
/// carries `output_index` equal to the number of items added before it; every other item event
/// names an added, not yet done, item (by `output_index` and/or a matching `item_id`); each
/// `*.done` text, arguments or input equals the concatenation of that part's deltas; every
/// added item gets exactly one `output_item.done` with the same id and type; an `error` event
/// is followed by `response.failed`; the stream ends with `response.completed`,
/// `response.incomplete` or `response.failed` and nothing after it. A completed or incomplete
/// response carries the same id, status matching the event, one output entry per added item
/// equal to that item's `output_item.done`, and usage with `input_tokens`,
/// `input_tokens_details.cached_tokens`, `output_tokens`, `output_tokens_details.reasoning_tokens`
/// and `total_tokens` (Codex fails the turn without them). Comment-only frames are ignored.
///
/// Returns a description of the first violation.
pub fn is_well_formed(sse_text: &str) -> Result<(), String> {
    check(sse_text, true)
}

/// [`is_well_formed`], or with `complete` false only that `sse_text` is a well-formed prefix of
/// a stream (no terminal event required).
pub(crate) fn check(sse_text: &str, complete: bool) -> Result<(), String> {
    let mut framer = Framer::new();
    framer.push(sse_text.as_bytes());
    let mut frames = Vec::new();
    while let Some(f) = framer.next_frame() {
        frames.push(f);
    }
    frames.extend(framer.finish());
    if !framer.pending().is_empty() {
        return Err("the stream ends inside a frame".to_owned());
    }
    let mut state = State::default();
    for (n, frame) in frames.iter().enumerate() {
        if frame.event.is_none() && frame.data.is_none() {
            continue;
        }
        state
            .frame(frame.event.as_deref(), frame.data.as_deref())
            .map_err(|e| format!("frame {n}: {e}"))?;
    }
    if complete && !state.terminal {
        return Err(
            "the stream has no response.completed, response.incomplete or response.failed"
                .to_owned(),
        );
    }
    Ok(())
}

#[derive(Default)]
struct State {
    frames: usize,
    last_seq: Option<u64>,
    response_id: Option<String>,
    items: Vec<ItemCheck>,
    /// Concatenated deltas per (output index, part family, part index).
    deltas: HashMap<(usize, &'static str, u64), String>,
    expect_failed: bool,
    terminal: bool,
}

struct ItemCheck {
    id: String,
    kind: String,
    done: Option<Value>,
    /// The arguments `function_call_arguments.done` announced.
    arguments: Option<String>,
}

impl State {
    fn frame(&mut self, event: Option<&str>, data: Option<&str>) -> Result<(), String> {
        if self.terminal {
            return Err("a frame follows the terminal event".to_owned());
        }
        let event = event.ok_or("a frame has no `event:` line")?;
        let data = data.ok_or("a frame has no data")?;
        let value: Value = serde_json::from_str(data).map_err(|_| "data is not JSON".to_owned())?;
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .ok_or("data has no `type`")?;
        if kind != event {
            return Err(format!("event `{event}` carries data of type `{kind}`"));
        }
        let seq = value
            .get("sequence_number")
            .and_then(Value::as_u64)
            .ok_or("data has no `sequence_number`")?;
        match self.last_seq {
            None if seq != 0 => return Err(format!("the first sequence_number is {seq}, not 0")),
            Some(prev) if seq <= prev => {
                return Err(format!("sequence_number {seq} does not increase on {prev}"));
            }
            _ => {}
        }
        self.last_seq = Some(seq);
        let position = self.frames;
        self.frames += 1;
        match (position, kind) {
            (0, "response.created") | (1, "response.in_progress") => {}
            (0, _) => return Err(format!("the first event is `{kind}`, not response.created")),
            (1, _) => {
                return Err(format!(
                    "the second event is `{kind}`, not response.in_progress"
                ));
            }
            _ => {}
        }
        if self.expect_failed && kind != "response.failed" {
            return Err(format!(
                "`{kind}` follows an error event instead of response.failed"
            ));
        }
        match kind {
            "response.created" | "response.in_progress" => self.snapshot(&value, position == 0),
            "response.output_item.added" => self.added(&value),
            "response.output_item.done" => self.item_done(&value),
            "error" => {
                self.expect_failed = true;
                Ok(())
            }
            "response.completed" | "response.incomplete" => self.finished(&value, kind),
            "response.failed" => {
                self.expect_failed = false;
                self.terminal = true;
                let response = value
                    .get("response")
                    .ok_or("response.failed has no response")?;
                if response.get("status").and_then(Value::as_str) != Some("failed") {
                    return Err("response.failed does not have status failed".to_owned());
                }
                if !response.get("error").is_some_and(Value::is_object) {
                    return Err("response.failed has no error object".to_owned());
                }
                Ok(())
            }
            _ => self.item_event(&value, kind),
        }
    }

    fn snapshot(&mut self, value: &Value, first: bool) -> Result<(), String> {
        let id = value
            .get("response")
            .and_then(|r| r.get("id"))
            .and_then(Value::as_str)
            .ok_or("the response snapshot has no id")?;
        if first {
            self.response_id = Some(id.to_owned());
        } else if self.response_id.as_deref() != Some(id) {
            return Err("the response id changed".to_owned());
        }
        Ok(())
    }

    fn added(&mut self, value: &Value) -> Result<(), String> {
        let index = output_index(value).ok_or("output_item.added has no output_index")?;
        if index != self.items.len() {
            return Err(format!(
                "output_item.added has output_index {index}, but {} items were added before",
                self.items.len()
            ));
        }
        let item = value.get("item").ok_or("output_item.added has no item")?;
        let id = item
            .get("id")
            .and_then(Value::as_str)
            .ok_or("an added item has no id")?;
        let kind = item
            .get("type")
            .and_then(Value::as_str)
            .ok_or("an added item has no type")?;
        self.items.push(ItemCheck {
            id: id.to_owned(),
            kind: kind.to_owned(),
            done: None,
            arguments: None,
        });
        Ok(())
    }

    fn item_done(&mut self, value: &Value) -> Result<(), String> {
        let index = self.open_item(value, "response.output_item.done")?;
        let item = value.get("item").ok_or("output_item.done has no item")?;
        let check = &mut self.items[index];
        if item.get("id").and_then(Value::as_str) != Some(check.id.as_str())
            || item.get("type").and_then(Value::as_str) != Some(check.kind.as_str())
        {
            return Err(format!(
                "output_item.done for index {index} changes the item's id or type"
            ));
        }
        if let Some(args) = &check.arguments
            && item.get("arguments").and_then(Value::as_str) != Some(args.as_str())
        {
            return Err(format!(
                "output_item.done for index {index} has other arguments than function_call_arguments.done"
            ));
        }
        check.done = Some(item.clone());
        Ok(())
    }

    /// The index of the open item `value` names.
    fn open_item(&self, value: &Value, kind: &str) -> Result<usize, String> {
        let item_id = value.get("item_id").and_then(Value::as_str);
        let index = match (output_index(value), item_id) {
            (Some(i), _) => i,
            (None, Some(id)) => self
                .items
                .iter()
                .position(|it| it.id == id)
                .ok_or_else(|| format!("`{kind}` names an item that was not added"))?,
            (None, None) => return Err(format!("`{kind}` does not name its item")),
        };
        let item = self
            .items
            .get(index)
            .ok_or_else(|| format!("`{kind}` has output_index {index}, which was not added"))?;
        if item_id.is_some_and(|id| id != item.id) {
            return Err(format!(
                "`{kind}` has an item_id that is not the id at output_index {index}"
            ));
        }
        if item.done.is_some() {
            return Err(format!(
                "`{kind}` for output_index {index}, which is already done"
            ));
        }
        Ok(index)
    }

    fn item_event(&mut self, value: &Value, kind: &str) -> Result<(), String> {
        let index = self.open_item(value, kind)?;
        let sub = |field: &str| value.get(field).and_then(Value::as_u64).unwrap_or(0);
        let text = |field: &str| -> Result<String, String> {
            value
                .get(field)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("`{kind}` has no `{field}`"))
        };
        let (family, part, is_delta, field) = match kind {
            "response.output_text.delta" => ("text", sub("content_index"), true, "delta"),
            "response.output_text.done" => ("text", sub("content_index"), false, "text"),
            "response.refusal.delta" => ("refusal", sub("content_index"), true, "delta"),
            "response.refusal.done" => ("refusal", sub("content_index"), false, "refusal"),
            "response.reasoning_summary_text.delta" => {
                ("summary", sub("summary_index"), true, "delta")
            }
            "response.reasoning_summary_text.done" => {
                ("summary", sub("summary_index"), false, "text")
            }
            "response.reasoning_text.delta" => ("reasoning", sub("content_index"), true, "delta"),
            "response.reasoning_text.done" => ("reasoning", sub("content_index"), false, "text"),
            "response.function_call_arguments.delta" => ("arguments", 0, true, "delta"),
            "response.function_call_arguments.done" => ("arguments", 0, false, "arguments"),
            "response.custom_tool_call_input.delta" => ("input", 0, true, "delta"),
            "response.custom_tool_call_input.done" => ("input", 0, false, "input"),
            _ => return Ok(()),
        };
        let piece = text(field)?;
        let acc = self.deltas.entry((index, family, part)).or_default();
        if is_delta {
            acc.push_str(&piece);
        } else {
            if *acc != piece {
                return Err(format!("`{kind}` does not equal the concatenated deltas"));
            }
            if family == "arguments" {
                self.items[index].arguments = Some(piece);
            }
        }
        Ok(())
    }

    fn finished(&mut self, value: &Value, kind: &str) -> Result<(), String> {
        self.terminal = true;
        let response = value
            .get("response")
            .ok_or("the terminal event has no response")?;
        if response.get("id").and_then(Value::as_str) != self.response_id.as_deref() {
            return Err("the terminal response has another id than response.created".to_owned());
        }
        let status = response.get("status").and_then(Value::as_str);
        let expected = if kind == "response.completed" {
            "completed"
        } else {
            "incomplete"
        };
        if status != Some(expected) {
            return Err(format!("`{kind}` has status {status:?}"));
        }
        if expected == "incomplete"
            && response
                .get("incomplete_details")
                .and_then(|d| d.get("reason"))
                .and_then(Value::as_str)
                .is_none()
        {
            return Err("response.incomplete has no incomplete_details.reason".to_owned());
        }
        let output = response
            .get("output")
            .and_then(Value::as_array)
            .ok_or("the terminal response has no output array")?;
        if output.len() != self.items.len() {
            return Err(format!(
                "the terminal output has {} items, but {} were added",
                output.len(),
                self.items.len()
            ));
        }
        for (i, (item, check)) in output.iter().zip(&self.items).enumerate() {
            match &check.done {
                None => return Err(format!("item {i} never got output_item.done")),
                Some(done) if done != item => {
                    return Err(format!("output item {i} differs from its output_item.done"));
                }
                Some(_) => {}
            }
        }
        let usage = response
            .get("usage")
            .ok_or("the terminal response has no usage")?;
        for path in [
            &["input_tokens"][..],
            &["input_tokens_details", "cached_tokens"],
            &["output_tokens"],
            &["output_tokens_details", "reasoning_tokens"],
            &["total_tokens"],
        ] {
            let field = path.iter().try_fold(usage, |v, k| v.get(k));
            if !field.is_some_and(Value::is_u64) {
                return Err(format!("usage has no `{}`", path.join(".")));
            }
        }
        Ok(())
    }
}

fn output_index(value: &Value) -> Option<usize> {
    value
        .get("output_index")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}
