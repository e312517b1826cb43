//! A Responses vendor's SSE stream → canonical [`Event`]s (protocols.md §4.2 R, §4.3.2).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::response_decode::{incomplete_reason, reasoning, str_of, usage};
use crate::canonical::{Block, Delta, Event, Key, Signature, StopReason, TranslateError};
use crate::{ApiError, ErrorKind};

/// Decodes one Responses vendor stream.
///
/// Every output item gets its own [`Key`] when its `output_item.added` arrives (a message item
/// only when its first non-empty text arrives, so empty messages make no blocks), and deltas are
/// routed to it by `item_id`, else by `output_index` — never to "the current block", so
/// interleaved items stay apart (§4.6 #1). An item's `output_item.done` completes it: a call
/// that streamed no argument deltas gets its full arguments in one delta, a reasoning item's
/// `encrypted_content` becomes a [`Delta::Signature`] tagged with the vendor, then the block
/// stops. `response.completed` / `response.incomplete` give `Finish`, `Usage` and `End`;
/// `response.failed` gives `Error`. An `error` event is remembered and reported by
/// [`StreamDecoder::end`] if no `response.failed` follows.
#[derive(Debug)]
pub struct StreamDecoder {
    origin: String,
    started: bool,
    done: bool,
    next_key: Key,
    items: Vec<Item>,
    by_id: HashMap<String, usize>,
    by_index: HashMap<u64, usize>,
    saw_call: bool,
    refusal: bool,
    pending_error: Option<ApiError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Reasoning,
    Message,
    Call,
}

#[derive(Debug)]
struct Item {
    key: Key,
    kind: Kind,
    /// `BlockStart` was emitted.
    open: bool,
    /// `BlockStop` was emitted.
    stopped: bool,
    /// Some text or arguments arrived as deltas.
    got_delta: bool,
    /// The reasoning part (summary or content, and its index) the last delta belonged to: a
    /// new part is set off by a blank line.
    part: Option<(bool, u64)>,
}

type Obj = Map<String, Value>;

impl StreamDecoder {
    /// A decoder for a stream from the vendor weir calls `origin` (the tag on its reasoning).
    pub fn new(origin: &str) -> Self {
        StreamDecoder {
            origin: origin.to_owned(),
            started: false,
            done: false,
            next_key: 0,
            items: Vec::new(),
            by_id: HashMap::new(),
            by_index: HashMap::new(),
            saw_call: false,
            refusal: false,
            pending_error: None,
        }
    }

    /// Whether `End` or `Error` has been emitted; later input is ignored.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Decodes one SSE event (`name` from its `event:` line, `data` its data). A `[DONE]` or
    /// empty data is ignored. Errors with [`TranslateError::Malformed`] when `data` is not a
    /// JSON object.
    pub fn event(
        &mut self,
        name: Option<&str>,
        data: &str,
        out: &mut Vec<Event>,
    ) -> Result<(), TranslateError> {
        if self.done {
            return Ok(());
        }
        let trimmed = data.trim();
        if trimmed.is_empty() || trimmed == "[DONE]" {
            return Ok(());
        }
        let value: Value = serde_json::from_str(trimmed).map_err(|_| {
            TranslateError::Malformed("the vendor sent a stream event that is not JSON".to_owned())
        })?;
        let Some(obj) = value.as_object() else {
            return Err(TranslateError::Malformed(
                "the vendor sent a stream event that is not a JSON object".to_owned(),
            ));
        };
        let kind = str_of(obj.get("type"))
            .or(name.filter(|n| !n.is_empty()))
            .unwrap_or("");
        if kind == "error" {
            self.pending_error = Some(ApiError::from_stream_event(&value));
            return Ok(());
        }
        if kind == "response.failed" {
            let detailed = obj
                .get("response")
                .and_then(|r| r.get("error"))
                .is_some_and(Value::is_object);
            let error = match self.pending_error.take() {
                Some(earlier) if !detailed => earlier,
                _ => ApiError::from_stream_event(&value),
            };
            self.finish_with(Event::Error(error), out);
            return Ok(());
        }
        if !self.started {
            self.started = true;
            let id = obj
                .get("response")
                .and_then(|r| str_of(r.get("id")))
                .unwrap_or_default();
            out.push(Event::Start {
                id: id.to_owned(),
                usage: None,
            });
        }
        match kind {
            "response.output_item.added" => {
                if let Some(item) = obj.get("item").and_then(Value::as_object) {
                    self.added(item, index_of(obj), out);
                }
            }
            "response.output_text.delta" | "response.refusal.delta" => {
                if kind == "response.refusal.delta" {
                    self.refusal = true;
                }
                self.text(obj, out);
            }
            "response.reasoning_summary_text.delta" => self.reasoning_delta(obj, false, out),
            "response.reasoning_text.delta" => self.reasoning_delta(obj, true, out),
            "response.function_call_arguments.delta" | "response.custom_tool_call_input.delta" => {
                if let Some(i) = self.find(obj)
                    && self.items[i].kind == Kind::Call
                    && self.items[i].open
                    && !self.items[i].stopped
                    && let Some(delta) = str_of(obj.get("delta")).filter(|d| !d.is_empty())
                {
                    self.items[i].got_delta = true;
                    let key = self.items[i].key;
                    out.push(delta_event(key, Delta::Arguments(delta.to_owned())));
                }
            }
            "response.output_item.done" => {
                if let Some(item) = obj.get("item").and_then(Value::as_object) {
                    self.item_done(item, index_of(obj), out);
                }
            }
            "response.completed" | "response.incomplete" => {
                let response = obj.get("response");
                self.unstreamed_output(response, out);
                self.stop_all(out);
                let reason = if kind == "response.incomplete" {
                    incomplete_reason(response.and_then(|r| r.get("incomplete_details")))
                } else if self.refusal {
                    StopReason::Refusal
                } else if self.saw_call {
                    StopReason::ToolUse
                } else {
                    StopReason::EndTurn
                };
                out.push(Event::Finish {
                    reason,
                    stop_sequence: None,
                });
                let usage = response
                    .and_then(|r| r.get("usage"))
                    .filter(|u| u.is_object())
                    .map(usage)
                    .unwrap_or_default();
                out.push(Event::Usage(usage));
                self.finish_with(Event::End, out);
            }
            _ => {}
        }
        Ok(())
    }

    /// The vendor's byte stream ended: emits the remembered `error` event, or a
    /// [`ErrorKind::BadGateway`] error, unless the stream already ended.
    pub fn end(&mut self, out: &mut Vec<Event>) {
        if self.done {
            return;
        }
        let error = self.pending_error.take().unwrap_or_else(|| {
            ApiError::new(
                ErrorKind::BadGateway,
                "the vendor's stream ended before the answer was complete",
            )
        });
        self.finish_with(Event::Error(error), out);
    }

    fn finish_with(&mut self, event: Event, out: &mut Vec<Event>) {
        self.done = true;
        out.push(event);
    }

    fn key(&mut self) -> Key {
        let k = self.next_key;
        self.next_key = self.next_key.wrapping_add(1);
        k
    }

    fn register(&mut self, kind: Kind, id: Option<&str>, index: Option<u64>) -> usize {
        let key = self.key();
        let i = self.items.len();
        self.items.push(Item {
            key,
            kind,
            open: false,
            stopped: false,
            got_delta: false,
            part: None,
        });
        if let Some(id) = id {
            self.by_id.insert(id.to_owned(), i);
        }
        if let Some(index) = index {
            self.by_index.insert(index, i);
        }
        i
    }

    /// The item an event refers to, by `item_id`, else by `output_index`.
    fn find(&self, obj: &Obj) -> Option<usize> {
        if let Some(id) = str_of(obj.get("item_id"))
            && let Some(&i) = self.by_id.get(id)
        {
            return Some(i);
        }
        index_of(obj).and_then(|n| self.by_index.get(&n).copied())
    }

    fn known(&self, item: &Obj, index: Option<u64>) -> Option<usize> {
        match str_of(item.get("id")) {
            Some(id) => self.by_id.get(id).copied(),
            None => index.and_then(|n| self.by_index.get(&n).copied()),
        }
    }

    fn added(&mut self, item: &Obj, index: Option<u64>, out: &mut Vec<Event>) -> Option<usize> {
        if let Some(i) = self.known(item, index) {
            return Some(i);
        }
        let id = str_of(item.get("id"));
        match str_of(item.get("type")) {
            Some("reasoning") => {
                let i = self.register(Kind::Reasoning, id, index);
                self.items[i].open = true;
                out.push(Event::BlockStart {
                    key: self.items[i].key,
                    block: Block::Reasoning {
                        item_id: id.map(str::to_owned),
                    },
                });
                Some(i)
            }
            Some("message") => Some(self.register(Kind::Message, id, index)),
            Some(t @ ("function_call" | "custom_tool_call")) => {
                let call_id = str_of(item.get("call_id")).or(id).unwrap_or_default();
                let name = str_of(item.get("name")).unwrap_or_default();
                let i = self.register(Kind::Call, id, index);
                self.saw_call = true;
                self.items[i].open = true;
                let key = self.items[i].key;
                out.push(Event::BlockStart {
                    key,
                    block: Block::ToolCall {
                        id: call_id.to_owned(),
                        name: name.to_owned(),
                        extras: None,
                    },
                });
                let field = if t == "function_call" {
                    "arguments"
                } else {
                    "input"
                };
                if let Some(args) = str_of(item.get(field)).filter(|a| !a.is_empty()) {
                    self.items[i].got_delta = true;
                    out.push(delta_event(key, Delta::Arguments(args.to_owned())));
                }
                Some(i)
            }
            // Hosted-tool items (web search, …) have no canonical block.
            _ => None,
        }
    }

    /// Text for a message item; its block opens with the first non-empty text.
    fn text(&mut self, obj: &Obj, out: &mut Vec<Event>) {
        let i = match self.find(obj) {
            Some(i) => i,
            None => self.register(Kind::Message, str_of(obj.get("item_id")), index_of(obj)),
        };
        let Some(delta) = str_of(obj.get("delta")).filter(|d| !d.is_empty()) else {
            return;
        };
        self.message_text(i, delta, out);
    }

    fn message_text(&mut self, i: usize, text: &str, out: &mut Vec<Event>) {
        let item = &mut self.items[i];
        if item.kind != Kind::Message || item.stopped {
            return;
        }
        if !item.open {
            item.open = true;
            out.push(Event::BlockStart {
                key: item.key,
                block: Block::Text,
            });
        }
        item.got_delta = true;
        out.push(delta_event(item.key, Delta::Text(text.to_owned())));
    }

    fn reasoning_delta(&mut self, obj: &Obj, content: bool, out: &mut Vec<Event>) {
        let i = match self.find(obj) {
            Some(i) => i,
            None => {
                let id = str_of(obj.get("item_id"));
                let i = self.register(Kind::Reasoning, id, index_of(obj));
                self.items[i].open = true;
                out.push(Event::BlockStart {
                    key: self.items[i].key,
                    block: Block::Reasoning {
                        item_id: id.map(str::to_owned),
                    },
                });
                i
            }
        };
        let field = if content {
            "content_index"
        } else {
            "summary_index"
        };
        let part = (content, obj.get(field).and_then(Value::as_u64).unwrap_or(0));
        let item = &mut self.items[i];
        let Some(delta) = str_of(obj.get("delta")).filter(|d| !d.is_empty()) else {
            return;
        };
        if item.kind != Kind::Reasoning || item.stopped {
            return;
        }
        let mut text = String::new();
        if item.got_delta && item.part.is_some_and(|p| p != part) {
            text.push_str("\n\n");
        }
        text.push_str(delta);
        item.part = Some(part);
        item.got_delta = true;
        out.push(delta_event(item.key, Delta::Reasoning(text)));
    }

    fn item_done(&mut self, item: &Obj, index: Option<u64>, out: &mut Vec<Event>) {
        let Some(i) = self.added(item, index, out) else {
            return;
        };
        if self.items[i].stopped {
            return;
        }
        let key = self.items[i].key;
        let got_delta = self.items[i].got_delta;
        match self.items[i].kind {
            Kind::Message => {
                if !got_delta {
                    let mut text = String::new();
                    for part in item
                        .get("content")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        match str_of(part.get("type")) {
                            Some("output_text") => {
                                text.push_str(str_of(part.get("text")).unwrap_or_default())
                            }
                            Some("refusal") => {
                                self.refusal = true;
                                text.push_str(str_of(part.get("refusal")).unwrap_or_default());
                            }
                            _ => {}
                        }
                    }
                    if !text.is_empty() {
                        self.message_text(i, &text, out);
                    }
                }
            }
            Kind::Reasoning => {
                let r = reasoning(&Value::Object(item.clone()), &self.origin);
                if !got_delta && !r.text.is_empty() {
                    out.push(delta_event(key, Delta::Reasoning(r.text)));
                }
                if let Some(encrypted) =
                    str_of(item.get("encrypted_content")).filter(|e| !e.is_empty())
                {
                    out.push(delta_event(
                        key,
                        Delta::Signature(Signature::from_vendor(&self.origin, encrypted)),
                    ));
                }
            }
            Kind::Call => {
                if !got_delta {
                    let field = match str_of(item.get("type")) {
                        Some("custom_tool_call") => "input",
                        _ => "arguments",
                    };
                    if let Some(args) = str_of(item.get(field)).filter(|a| !a.is_empty()) {
                        out.push(delta_event(key, Delta::Arguments(args.to_owned())));
                    }
                }
            }
        }
        self.stop(i, out);
    }

    fn stop(&mut self, i: usize, out: &mut Vec<Event>) {
        let item = &mut self.items[i];
        if item.open && !item.stopped {
            out.push(Event::BlockStop { key: item.key });
        }
        item.stopped = true;
    }

    fn stop_all(&mut self, out: &mut Vec<Event>) {
        for i in 0..self.items.len() {
            self.stop(i, out);
        }
    }

    /// Some servers send the whole answer only in the terminal event: when no item was
    /// streamed, the terminal response's output items are decoded as if streamed.
    fn unstreamed_output(&mut self, response: Option<&Value>, out: &mut Vec<Event>) {
        if !self.items.is_empty() {
            return;
        }
        let items = response
            .and_then(|r| r.get("output"))
            .and_then(Value::as_array);
        for (n, item) in items.into_iter().flatten().enumerate() {
            if let Some(item) = item.as_object() {
                self.item_done(item, Some(n as u64), out);
            }
        }
    }
}

fn index_of(obj: &Obj) -> Option<u64> {
    obj.get("output_index").and_then(Value::as_u64)
}

fn delta_event(key: Key, delta: Delta) -> Event {
    Event::Delta { key, delta }
}
