//! A Chat Completions vendor's chunk stream → canonical [`Event`]s (protocols.md §4.3.1 steps
//! 3–4).
//!
//! The vendor side of every C-upstream translation, hardened against the bugs catalogued in
//! §4.6:
//! - tool-call fragments are routed by the vendor's own key (`index`, else `id`), never to "the
//!   current block" (bug 1);
//! - a new `id` on a known index starts a new call (Ollama sends every parallel call as index 0,
//!   bug 2);
//! - usage is reported whenever it arrives, also after `finish_reason` (bug 7);
//! - content in the same chunk as `finish_reason` is processed first (bug 18);
//! - a stream that stops without a finish reason ends in an error, never in a made-up
//!   `end_turn` (bug 19).

use serde_json::Value;

use super::{usage, vendor_finish_reason};
use crate::canonical::{Block, Delta, Event, Key, Signature, StopReason, TranslateError};
use crate::{ApiError, ErrorKind};

/// Turns one vendor's Chat Completions SSE events into canonical events.
///
/// Feed it every event's data with [`StreamDecoder::event`], then call [`StreamDecoder::end`]
/// when the byte stream ends. It emits `Start` on the first chunk; text and reasoning blocks in
/// the order they arrive (one of them open at a time); a `ToolCall` block per call once its id
/// and name are known; at `finish_reason` a `BlockStop` for every open block and `Finish`;
/// `Usage` whenever a chunk carries usage; and finally `End` or `Error`.
#[derive(Debug)]
pub struct StreamDecoder {
    origin: String,
    started: bool,
    done: bool,
    next_key: Key,
    /// The open text or reasoning block.
    prose: Option<(Key, Prose)>,
    /// Every call seen, in first-seen order.
    calls: Vec<Call>,
    /// The finish reason, once seen.
    finished: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prose {
    Text,
    Reasoning,
}

/// A tool call as far as the vendor has described it.
#[derive(Debug)]
struct Call {
    index: Option<u64>,
    id: Option<String>,
    name: Option<String>,
    extras: Option<Value>,
    /// Its key once `BlockStart` was emitted.
    key: Option<Key>,
    /// Arguments received before `BlockStart`.
    pending: String,
    /// `BlockStop` emitted.
    stopped: bool,
}

impl StreamDecoder {
    /// A decoder for a stream from the vendor named `origin` (the tag on its reasoning).
    pub fn new(origin: &str) -> Self {
        StreamDecoder {
            origin: origin.to_owned(),
            started: false,
            done: false,
            next_key: 0,
            prose: None,
            calls: Vec::new(),
            finished: false,
        }
    }

    /// Whether `End` or `Error` has been emitted; later input is ignored.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Decodes one SSE event (`name` is ignored: Chat Completions streams carry meaning in
    /// `data` only). `[DONE]` ends the stream: with `End` when a finish reason was seen, with an
    /// `Error` otherwise. A chunk with an `error` object ends it with that error.
    ///
    /// Errors: `Malformed` when `data` is neither empty, `[DONE]` nor a JSON object; nothing is
    /// emitted for it.
    pub fn event(
        &mut self,
        _name: Option<&str>,
        data: &str,
        out: &mut Vec<Event>,
    ) -> Result<(), TranslateError> {
        if self.done || data.trim().is_empty() {
            // An empty data line is a keep-alive some servers send; it says nothing.
            return Ok(());
        }
        if data.trim() == "[DONE]" {
            if self.finished {
                self.finish_stream(Event::End, out);
            } else {
                let error = ApiError::new(
                    ErrorKind::BadGateway,
                    "the vendor ended the stream without a finish reason",
                );
                self.finish_stream(Event::Error(error), out);
            }
            return Ok(());
        }
        let chunk: Value = serde_json::from_str(data).map_err(|_| {
            TranslateError::Malformed("the vendor sent a stream event that is not JSON".to_owned())
        })?;
        if !chunk.is_object() {
            return Err(TranslateError::Malformed(
                "the vendor sent a stream event that is not a JSON object".to_owned(),
            ));
        }
        if chunk.get("error").is_some_and(|e| !e.is_null()) {
            self.finish_stream(Event::Error(ApiError::from_stream_event(&chunk)), out);
            return Ok(());
        }
        if !self.started {
            self.started = true;
            let id = chunk.get("id").and_then(Value::as_str).unwrap_or("");
            out.push(Event::Start {
                id: id.to_owned(),
                usage: None,
            });
        }
        if let Some(choice) = first_choice(&chunk) {
            self.choice(choice, out);
        }
        if self.done {
            return Ok(());
        }
        if let Some(u) = chunk.get("usage").and_then(usage::from_vendor) {
            out.push(Event::Usage(u));
        }
        Ok(())
    }

    /// The vendor's byte stream ended: `End` if a finish reason was seen (some vendors never
    /// send `[DONE]`), otherwise an `Error` — a cut stream must not look complete.
    pub fn end(&mut self, out: &mut Vec<Event>) {
        if self.done {
            return;
        }
        if self.finished {
            self.finish_stream(Event::End, out);
        } else {
            let error = ApiError::new(
                ErrorKind::BadGateway,
                "the vendor's stream ended before the answer was complete",
            );
            self.finish_stream(Event::Error(error), out);
        }
    }

    fn finish_stream(&mut self, last: Event, out: &mut Vec<Event>) {
        self.done = true;
        out.push(last);
    }

    fn key(&mut self) -> Key {
        let key = self.next_key;
        self.next_key = self.next_key.wrapping_add(1);
        key
    }

    /// One choice's delta, then its finish reason (content first, §4.6 bug 18).
    fn choice(&mut self, choice: &Value, out: &mut Vec<Event>) {
        if self.finished {
            // Usage may still come; content after the finish reason has nowhere to go.
            return;
        }
        if let Some(delta) = choice.get("delta").filter(|d| d.is_object()) {
            let reasoning = ["reasoning_content", "reasoning"]
                .iter()
                .filter_map(|k| delta.get(k).and_then(Value::as_str))
                .find(|s| !s.is_empty());
            if let Some(text) = reasoning {
                self.prose(Prose::Reasoning, Delta::Reasoning(text.to_owned()), out);
            }
            for field in ["content", "refusal"] {
                if let Some(text) = delta.get(field).and_then(Value::as_str)
                    && !text.is_empty()
                {
                    self.prose(Prose::Text, Delta::Text(text.to_owned()), out);
                }
            }
            if let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) {
                for entry in calls {
                    self.tool_entry(entry, out);
                }
            }
        }
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish(reason, choice, out);
        }
    }

    /// Text or reasoning: continues the open block of that kind, or closes whatever prose block
    /// is open and starts a new one (keys are never reused).
    fn prose(&mut self, kind: Prose, delta: Delta, out: &mut Vec<Event>) {
        let key = match self.prose {
            Some((key, open)) if open == kind => key,
            _ => {
                self.close_prose(out);
                let key = self.key();
                let block = match kind {
                    Prose::Text => Block::Text,
                    Prose::Reasoning => Block::Reasoning { item_id: None },
                };
                out.push(Event::BlockStart { key, block });
                self.prose = Some((key, kind));
                key
            }
        };
        out.push(Event::Delta { key, delta });
    }

    /// Closes the open text or reasoning block. A reasoning block first gets an empty signature
    /// tagged with the vendor, so encoders that hand reasoning to clients can record where it
    /// came from (the vendor needs it back, §2.4).
    fn close_prose(&mut self, out: &mut Vec<Event>) {
        if let Some((key, kind)) = self.prose.take() {
            if kind == Prose::Reasoning {
                out.push(Event::Delta {
                    key,
                    delta: Delta::Signature(Signature::from_vendor(&self.origin, "")),
                });
            }
            out.push(Event::BlockStop { key });
        }
    }

    /// One `tool_calls[]` entry: find (or create) its call, then start it or pass its fragment.
    fn tool_entry(&mut self, entry: &Value, out: &mut Vec<Event>) {
        let index = entry.get("index").and_then(Value::as_u64);
        let id = entry
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let function = entry.get("function");
        let name = function
            .and_then(|f| f.get("name"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let fragment = function
            .and_then(|f| f.get("arguments"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let slot = self.slot_for(index, id);
        let call = &mut self.calls[slot];
        if call.id.is_none() {
            call.id = id.map(str::to_owned);
        }
        if call.name.is_none() {
            call.name = name.map(str::to_owned);
        }
        if let Some(extras) = entry.get("extra_content").filter(|v| !v.is_null()) {
            call.extras = Some(extras.clone());
        }
        match call.key {
            Some(key) if !call.stopped => {
                if !fragment.is_empty() {
                    out.push(Event::Delta {
                        key,
                        delta: Delta::Arguments(fragment.to_owned()),
                    });
                }
            }
            Some(_) => {}
            None => {
                call.pending.push_str(fragment);
                if call.id.is_some() && call.name.is_some() {
                    self.start_call(slot, out);
                }
            }
        }
    }

    /// Which call an entry belongs to (§4.3.1 step 3 "Key"): by `index`, unless it carries an
    /// `id` different from the one bound to that index (then it is a new call); by `id` when
    /// there is no index; the most recent call when there is neither.
    fn slot_for(&mut self, index: Option<u64>, id: Option<&str>) -> usize {
        let existing = match (index, id) {
            (Some(index), _) => self
                .calls
                .iter()
                .rposition(|c| c.index == Some(index))
                .filter(|&i| match (&self.calls[i].id, id) {
                    (Some(bound), Some(id)) => bound == id,
                    _ => true,
                }),
            (None, Some(id)) => self.calls.iter().rposition(|c| c.id.as_deref() == Some(id)),
            (None, None) => self.calls.len().checked_sub(1),
        };
        existing.unwrap_or_else(|| {
            self.calls.push(Call {
                index,
                id: None,
                name: None,
                extras: None,
                key: None,
                pending: String::new(),
                stopped: false,
            });
            self.calls.len() - 1
        })
    }

    /// Emits `BlockStart` for call `slot` (closing open prose first, so text and calls do not
    /// overlap) and the arguments buffered so far.
    fn start_call(&mut self, slot: usize, out: &mut Vec<Event>) {
        self.close_prose(out);
        let key = self.key();
        let call = &mut self.calls[slot];
        call.key = Some(key);
        out.push(Event::BlockStart {
            key,
            block: Block::ToolCall {
                id: call.id.clone().unwrap_or_default(),
                name: call.name.clone().unwrap_or_default(),
                extras: call.extras.clone(),
            },
        });
        let pending = std::mem::take(&mut call.pending);
        if !pending.is_empty() {
            out.push(Event::Delta {
                key,
                delta: Delta::Arguments(pending),
            });
        }
    }

    /// `finish_reason`: start calls still waiting for an id (synthesised as `call_<n>`), close
    /// every open block, then `Finish`.
    fn finish(&mut self, reason: &str, choice: &Value, out: &mut Vec<Event>) {
        for slot in 0..self.calls.len() {
            let call = &mut self.calls[slot];
            if call.key.is_some() {
                continue;
            }
            if call.name.is_none() {
                if call.pending.is_empty() {
                    // An empty entry with nothing to call: vendors' stray terminators.
                    continue;
                }
                let error = ApiError::new(
                    ErrorKind::BadGateway,
                    "the vendor sent tool-call arguments without a tool name",
                );
                self.finish_stream(Event::Error(error), out);
                return;
            }
            if call.id.is_none() {
                call.id = Some(format!("call_{slot}"));
            }
            self.start_call(slot, out);
        }
        self.close_prose(out);
        let mut any_call = false;
        for call in &mut self.calls {
            if let Some(key) = call.key {
                any_call = true;
                if !call.stopped {
                    call.stopped = true;
                    out.push(Event::BlockStop { key });
                }
            }
        }
        let (reason, stop_sequence) = match vendor_finish_reason(reason) {
            // §3.2: some backends say `stop` after calling tools.
            StopReason::EndTurn if any_call => (StopReason::ToolUse, None),
            StopReason::EndTurn => match choice.get("stop_reason").and_then(Value::as_str) {
                // vLLM's extension names the stop string that matched.
                Some(s) => (StopReason::StopSequence, Some(s.to_owned())),
                None => (StopReason::EndTurn, None),
            },
            other => (other, None),
        };
        self.finished = true;
        out.push(Event::Finish {
            reason,
            stop_sequence,
        });
    }
}

/// The choice with index 0 (or the first choice, when the vendor omits indices).
fn first_choice(chunk: &Value) -> Option<&Value> {
    let choices = chunk.get("choices")?.as_array()?;
    choices
        .iter()
        .find(|c| c.get("index").and_then(Value::as_u64) == Some(0))
        .or_else(|| choices.first().filter(|c| c.get("index").is_none()))
        .filter(|c| c.is_object())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::Usage;
    use proptest::prelude::*;
    use serde_json::json;

    /// Decodes `chunks` (JSON values or raw `[DONE]`) and then the end of the byte stream.
    fn run(chunks: &[Value], done: bool) -> Vec<Event> {
        let mut d = StreamDecoder::new("ollama");
        let mut out = Vec::new();
        for c in chunks {
            d.event(None, &c.to_string(), &mut out).unwrap();
        }
        if done {
            d.event(None, "[DONE]", &mut out).unwrap();
        }
        d.end(&mut out);
        out
    }

    fn delta(d: Value) -> Value {
        json!({"id": "chatcmpl-1", "choices": [{"index": 0, "delta": d, "finish_reason": null}]})
    }

    fn finish(reason: &str) -> Value {
        json!({"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
    }

    fn start_call(key: Key, id: &str, name: &str) -> Event {
        Event::BlockStart {
            key,
            block: Block::ToolCall {
                id: id.into(),
                name: name.into(),
                extras: None,
            },
        }
    }

    fn args(key: Key, s: &str) -> Event {
        Event::Delta {
            key,
            delta: Delta::Arguments(s.into()),
        }
    }

    #[test]
    fn reasoning_then_text_then_finish_and_late_usage() {
        // §4.3.1 step 3: reasoning → thinking block, text → text block, never for "";
        // bug 7: usage after finish_reason still arrives.
        let events = run(
            &[
                delta(json!({"role": "assistant", "content": ""})),
                delta(json!({"reasoning_content": "hm"})),
                delta(json!({"content": "Hi"})),
                finish("stop"),
                json!({"id": "chatcmpl-1", "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 2}}),
            ],
            true,
        );
        assert_eq!(
            events,
            vec![
                Event::Start {
                    id: "chatcmpl-1".into(),
                    usage: None
                },
                Event::BlockStart {
                    key: 0,
                    block: Block::Reasoning { item_id: None }
                },
                Event::Delta {
                    key: 0,
                    delta: Delta::Reasoning("hm".into())
                },
                Event::Delta {
                    key: 0,
                    delta: Delta::Signature(Signature::from_vendor("ollama", ""))
                },
                Event::BlockStop { key: 0 },
                Event::BlockStart {
                    key: 1,
                    block: Block::Text
                },
                Event::Delta {
                    key: 1,
                    delta: Delta::Text("Hi".into())
                },
                Event::BlockStop { key: 1 },
                Event::Finish {
                    reason: StopReason::EndTurn,
                    stop_sequence: None
                },
                Event::Usage(Usage {
                    input: 10,
                    output: 2,
                    ..Usage::default()
                }),
                Event::End,
            ]
        );
    }

    #[test]
    fn interleaved_parallel_calls_are_routed_by_index() {
        // §4.6 bug 1: fragments go to their own call; a chunk may hold several entries.
        let events = run(
            &[
                delta(json!({"tool_calls": [
                    {"index": 0, "id": "call_a", "type": "function", "function": {"name": "Read", "arguments": ""}},
                    {"index": 1, "id": "call_b", "type": "function", "function": {"name": "Grep", "arguments": "{\"q\""}}
                ]})),
                delta(
                    json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"p\":1}"}}]}),
                ),
                delta(json!({"tool_calls": [{"index": 1, "function": {"arguments": ":2}"}}]})),
                finish("tool_calls"),
            ],
            true,
        );
        assert_eq!(
            events[1..],
            [
                start_call(0, "call_a", "Read"),
                start_call(1, "call_b", "Grep"),
                args(1, "{\"q\""),
                args(0, "{\"p\":1}"),
                args(1, ":2}"),
                Event::BlockStop { key: 0 },
                Event::BlockStop { key: 1 },
                Event::Finish {
                    reason: StopReason::ToolUse,
                    stop_sequence: None
                },
                Event::End,
            ]
        );
    }

    #[test]
    fn a_new_id_on_a_known_index_is_a_new_call() {
        // §4.6 bug 2: Ollama sends every parallel call with index 0; `stop` with calls → ToolUse.
        let events = run(
            &[
                delta(
                    json!({"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "a", "arguments": "{}"}}]}),
                ),
                delta(
                    json!({"tool_calls": [{"index": 0, "id": "c2", "function": {"name": "b", "arguments": "{\"x\""}}]}),
                ),
                delta(json!({"tool_calls": [{"index": 0, "function": {"arguments": ":1}"}}]})),
                finish("stop"),
            ],
            false,
        );
        assert_eq!(
            events[1..],
            [
                start_call(0, "c1", "a"),
                args(0, "{}"),
                start_call(1, "c2", "b"),
                args(1, "{\"x\""),
                args(1, ":1}"),
                Event::BlockStop { key: 0 },
                Event::BlockStop { key: 1 },
                Event::Finish {
                    reason: StopReason::ToolUse,
                    stop_sequence: None
                },
                Event::End,
            ]
        );
    }

    #[test]
    fn calls_without_index_or_id_and_without_any_id() {
        // §4.3.1 "Key": no index → by id; neither → the most recent call; ids synthesised.
        let events = run(
            &[
                delta(
                    json!({"tool_calls": [{"id": "x1", "function": {"name": "a", "arguments": "{"}}]}),
                ),
                delta(json!({"tool_calls": [{"function": {"arguments": "}"}}]})),
                delta(
                    json!({"tool_calls": [{"index": 5, "function": {"name": "b", "arguments": "[1]"}}]}),
                ),
                finish("tool_calls"),
            ],
            true,
        );
        assert_eq!(
            events[1..],
            [
                start_call(0, "x1", "a"),
                args(0, "{"),
                args(0, "}"),
                start_call(1, "call_1", "b"),
                args(1, "[1]"),
                Event::BlockStop { key: 0 },
                Event::BlockStop { key: 1 },
                Event::Finish {
                    reason: StopReason::ToolUse,
                    stop_sequence: None
                },
                Event::End,
            ]
        );
    }

    #[test]
    fn arguments_before_the_name_are_buffered() {
        // custom.md: BlockStart once id and name are known; fragments before that buffered.
        let events = run(
            &[
                delta(
                    json!({"tool_calls": [{"index": 0, "id": "c", "function": {"arguments": "{\"a\""}}]}),
                ),
                delta(
                    json!({"tool_calls": [{"index": 0, "function": {"name": "Read", "arguments": ":1}"}},
                    ], "content": "x"}),
                ),
                finish("tool_calls"),
            ],
            true,
        );
        assert_eq!(
            events[1..6],
            [
                Event::BlockStart {
                    key: 0,
                    block: Block::Text
                },
                Event::Delta {
                    key: 0,
                    delta: Delta::Text("x".into())
                },
                Event::BlockStop { key: 0 },
                start_call(1, "c", "Read"),
                args(1, "{\"a\":1}"),
            ]
        );
    }

    #[test]
    fn content_in_the_finish_chunk_comes_first() {
        // §4.6 bug 18; vLLM `stop_reason` → StopSequence (§3.2).
        let events = run(
            &[
                json!({"id": "x", "choices": [{"index": 0, "delta": {"content": "end"},
                "finish_reason": "stop", "stop_reason": "</s2>"}]}),
            ],
            false,
        );
        assert_eq!(
            events[1..],
            [
                Event::BlockStart {
                    key: 0,
                    block: Block::Text
                },
                Event::Delta {
                    key: 0,
                    delta: Delta::Text("end".into())
                },
                Event::BlockStop { key: 0 },
                Event::Finish {
                    reason: StopReason::StopSequence,
                    stop_sequence: Some("</s2>".into())
                },
                Event::End,
            ]
        );
    }

    #[test]
    fn gemini_extra_content_travels_with_the_call() {
        // §2.4 rule 4: thought signatures kept as extras.
        let events = run(
            &[
                delta(
                    json!({"tool_calls": [{"index": 0, "id": "c", "type": "function",
                    "function": {"name": "a", "arguments": "{}"},
                    "extra_content": {"google": {"thought_signature": "sig"}}}]}),
                ),
                finish("stop"),
            ],
            true,
        );
        assert_eq!(
            events[1],
            Event::BlockStart {
                key: 0,
                block: Block::ToolCall {
                    id: "c".into(),
                    name: "a".into(),
                    extras: Some(json!({"google": {"thought_signature": "sig"}}))
                }
            }
        );
    }

    #[test]
    fn truncated_streams_end_in_errors() {
        // §4.6 bug 19: EOF or [DONE] without a finish reason is an error, not end_turn.
        let cut = run(&[delta(json!({"content": "partial"}))], false);
        let Some(Event::Error(e)) = cut.last() else {
            panic!("{cut:?}");
        };
        assert_eq!(e.kind, ErrorKind::BadGateway);
        assert!(e.message.contains("ended before the answer was complete"));
        let done = run(&[delta(json!({"content": "partial"}))], true);
        let Some(Event::Error(e)) = done.last() else {
            panic!("{done:?}");
        };
        assert!(e.message.contains("without a finish reason"));
        // Vendors that omit [DONE] after a finish reason end cleanly.
        assert_eq!(run(&[finish("length")], false).last(), Some(&Event::End));
    }

    #[test]
    fn error_objects_end_the_stream() {
        // §5.1 C in-stream error; nothing after it.
        let mut d = StreamDecoder::new("v");
        let mut out = Vec::new();
        d.event(None, &delta(json!({"content": "a"})).to_string(), &mut out)
            .unwrap();
        d.event(
            None,
            r#"{"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}"#,
            &mut out,
        )
        .unwrap();
        assert!(d.is_done());
        let n = out.len();
        assert!(matches!(&out[n - 1], Event::Error(e) if e.kind == ErrorKind::RateLimited));
        d.event(None, "[DONE]", &mut out).unwrap();
        d.end(&mut out);
        assert_eq!(out.len(), n);
    }

    #[test]
    fn non_json_data_is_malformed() {
        let mut d = StreamDecoder::new("v");
        let mut out = Vec::new();
        assert!(matches!(
            d.event(None, "{oops", &mut out),
            Err(TranslateError::Malformed(_))
        ));
        assert!(matches!(
            d.event(None, "[1]", &mut out),
            Err(TranslateError::Malformed(_))
        ));
        d.event(None, " ", &mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn nameless_arguments_are_an_error_and_empty_entries_are_ignored() {
        let events = run(
            &[
                delta(json!({"tool_calls": [{"index": 3, "function": {"arguments": ""}}]})),
                finish("stop"),
            ],
            true,
        );
        assert_eq!(events.last(), Some(&Event::End));
        let events = run(
            &[
                delta(json!({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]})),
                finish("tool_calls"),
            ],
            true,
        );
        assert!(matches!(events.last(), Some(Event::Error(_))), "{events:?}");
    }

    /// JSON-ish chunk data: real chunk shapes with random fields, plus garbage.
    fn chunk_data() -> impl Strategy<Value = String> {
        let small_str = prop_oneof![
            Just(String::new()),
            Just("x".to_owned()),
            Just("{\"a\"".to_owned()),
            "[a-z]{0,3}".prop_map(|s| s)
        ];
        let opt_str = proptest::option::of(small_str.clone());
        let entry = (
            proptest::option::of(0u64..3),
            proptest::option::of(prop_oneof![Just("c1"), Just("c2"), Just("")]),
            opt_str.clone(),
            opt_str.clone(),
        )
            .prop_map(|(index, id, name, arguments)| {
                json!({"index": index, "id": id, "function": {"name": name, "arguments": arguments}})
            });
        let chunk = (
            opt_str.clone(),
            opt_str.clone(),
            proptest::collection::vec(entry, 0..3),
            proptest::option::of(prop_oneof![
                Just("stop"),
                Just("length"),
                Just("tool_calls"),
                Just("weird")
            ]),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(content, reasoning, calls, finish, usage, error)| {
                let mut v = json!({"id": "x", "choices": [{"index": 0, "delta": {
                    "content": content, "reasoning_content": reasoning, "tool_calls": calls},
                    "finish_reason": finish}]});
                if usage {
                    v["usage"] = json!({"prompt_tokens": 3, "completion_tokens": 1});
                }
                if error {
                    v["error"] = json!({"message": "boom"});
                }
                v.to_string()
            });
        prop_oneof![
            8 => chunk,
            1 => Just("[DONE]".to_owned()),
            1 => ".{0,12}",
            1 => Just(r#"{"choices": "no"}"#.to_owned()),
            1 => Just(r#"{"choices": [{"delta": {"tool_calls": [1, null, {"function": 3}]}}]}"#.to_owned()),
        ]
    }

    proptest! {
        #[test]
        fn never_panics_and_is_silent_once_done(data in proptest::collection::vec(chunk_data(), 0..12)) {
            let mut d = StreamDecoder::new("v");
            let mut out = Vec::new();
            for item in &data {
                let was_done = d.is_done();
                let before = out.len();
                let _ = d.event(None, item, &mut out);
                if was_done {
                    prop_assert_eq!(out.len(), before);
                }
            }
            let was_done = d.is_done();
            let before = out.len();
            d.end(&mut out);
            if was_done {
                prop_assert_eq!(out.len(), before);
            }
            prop_assert!(d.is_done());
            // Exactly one terminal event, last; Start (if any) first; keys never reused.
            let terminals = out.iter().filter(|e| matches!(e, Event::End | Event::Error(_))).count();
            prop_assert_eq!(terminals, 1);
            prop_assert!(matches!(out.last(), Some(Event::End | Event::Error(_))));
            for (i, e) in out.iter().enumerate() {
                if matches!(e, Event::Start { .. }) {
                    prop_assert_eq!(i, 0);
                }
            }
            let mut started = std::collections::HashSet::new();
            for e in &out {
                if let Event::BlockStart { key, .. } = e {
                    prop_assert!(started.insert(*key), "key {} reused", key);
                }
            }
        }
    }
}
