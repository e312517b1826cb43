//! Canonical [`Event`]s → the SSE stream a Responses client reads (protocols.md §4.1 R,
//! §4.3.4, §4.3.5).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytes::BytesMut;
use serde::Serialize;

use super::ids;
use super::wire::{
    CustomToolCallItem, Echo, FunctionCallItem, MessageItem, OutputContent, OutputItem,
    ReasoningItem, ResponseObject, SummaryText,
};
use crate::canonical::{Block, Delta, Event, Key, Reply, Signature, StopReason, Usage};
use crate::{ApiError, Protocol, StreamContext, sse};

/// Encodes one answer as a Responses stream for the client `reply` describes.
///
/// Grammar written (checked by [`super::is_well_formed`]): every frame is `event: <type>` with
/// data carrying the same `type` and a `sequence_number` counting from 0. `response.created`
/// and `response.in_progress` come first (a snapshot echoing the request, no output). Each
/// block becomes an output item whose `output_index` is its position in the order items are
/// added; several may be open at once, every event names its item. A text block's message item
/// is added with its first non-empty text (an empty block adds nothing, and no index is
/// reserved for a message that never comes); a call to a tool the client declared `custom` is
/// buffered and written whole, as a `custom_tool_call`, when it stops. Every added item gets
/// one `output_item.done` carrying the whole item, which is what Codex acts on. `End` closes
/// the items still open and writes `response.completed` (or `response.incomplete`, by the stop
/// reason) with every item and the full usage; `Error` writes the protocol's `error` +
/// `response.failed` frames. Nothing is written after either; `Ping` repeats
/// `response.in_progress` once the stream has started; events
/// that break the canonical contract (a delta for an unknown key, a second `Start`) are ignored.
#[derive(Debug)]
pub struct StreamEncoder {
    reply: Arc<Reply>,
    echo: Echo,
    writer: Writer,
    started: bool,
    done: bool,
    id: String,
    start_usage: Option<Usage>,
    usage: Option<Usage>,
    finish: Option<StopReason>,
    /// Added output items, in `output_index` order.
    slots: Vec<Slot>,
    blocks: HashMap<Key, BlockState>,
    /// Keys in the order their blocks started (the order open items are closed at the end).
    order: Vec<Key>,
    used_ids: HashSet<String>,
}

#[derive(Debug)]
enum BlockState {
    /// A text block with no text yet: no item added.
    PendingText,
    /// An added item (index into `slots`).
    Added(usize),
    /// A call to a client `custom` tool, buffered until it stops.
    Custom {
        call_id: String,
        name: String,
        input: String,
    },
    /// Finished, or not representable (redacted reasoning): later events are ignored.
    Closed,
}

#[derive(Debug)]
struct Slot {
    id: String,
    kind: SlotKind,
    /// Text, reasoning summary or arguments received so far.
    buf: String,
    /// The item as its `output_item.done` gave it; `None` while open.
    done: Option<OutputItem>,
}

#[derive(Debug)]
enum SlotKind {
    Message,
    Reasoning {
        part_open: bool,
        signature: Option<Signature>,
    },
    Function {
        call_id: String,
        name: String,
    },
    /// A custom tool call, written whole when its block stopped.
    Custom,
}

/// Numbers and writes frames.
#[derive(Debug, Default)]
struct Writer {
    seq: u64,
}

#[derive(Serialize)]
struct Frame<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    sequence_number: u64,
    #[serde(flatten)]
    body: T,
}

impl Writer {
    fn emit<T: Serialize>(&mut self, out: &mut BytesMut, kind: &str, body: T) {
        let frame = Frame {
            kind,
            sequence_number: self.seq,
            body,
        };
        let data = serde_json::to_string(&frame).unwrap_or_default();
        self.seq += 1;
        out.extend_from_slice(&sse::encode(Some(kind), &data));
    }
}

#[derive(Serialize)]
struct ResponseBody<'a> {
    response: ResponseObject<'a>,
}

#[derive(Serialize)]
struct ItemBody<'a> {
    output_index: usize,
    item: &'a OutputItem,
}

#[derive(Serialize)]
struct ContentPartBody<'a> {
    item_id: &'a str,
    output_index: usize,
    content_index: u32,
    part: &'a OutputContent,
}

#[derive(Serialize)]
struct TextDeltaBody<'a> {
    item_id: &'a str,
    output_index: usize,
    content_index: u32,
    delta: &'a str,
    logprobs: [u8; 0],
}

#[derive(Serialize)]
struct TextDoneBody<'a> {
    item_id: &'a str,
    output_index: usize,
    content_index: u32,
    text: &'a str,
    logprobs: [u8; 0],
}

#[derive(Serialize)]
struct SummaryPartBody<'a> {
    item_id: &'a str,
    output_index: usize,
    summary_index: u32,
    part: &'a SummaryText,
}

#[derive(Serialize)]
struct SummaryDeltaBody<'a> {
    item_id: &'a str,
    output_index: usize,
    summary_index: u32,
    delta: &'a str,
}

#[derive(Serialize)]
struct SummaryDoneBody<'a> {
    item_id: &'a str,
    output_index: usize,
    summary_index: u32,
    text: &'a str,
}

#[derive(Serialize)]
struct DeltaBody<'a> {
    item_id: &'a str,
    output_index: usize,
    delta: &'a str,
}

#[derive(Serialize)]
struct ArgumentsDoneBody<'a> {
    item_id: &'a str,
    output_index: usize,
    name: &'a str,
    arguments: &'a str,
}

#[derive(Serialize)]
struct InputDoneBody<'a> {
    item_id: &'a str,
    output_index: usize,
    input: &'a str,
}

impl StreamEncoder {
    /// An encoder for the answer to the request `reply` describes.
    pub fn new(reply: Arc<Reply>) -> Self {
        let echo = Echo::new(&reply.request);
        StreamEncoder {
            reply,
            echo,
            writer: Writer::default(),
            started: false,
            done: false,
            id: ids::response_id(""),
            start_usage: None,
            usage: None,
            finish: None,
            slots: Vec::new(),
            blocks: HashMap::new(),
            order: Vec::new(),
            used_ids: HashSet::new(),
        }
    }

    /// Appends the frames for `event` to `out` (none after the stream has ended).
    pub fn encode(&mut self, event: &Event, out: &mut BytesMut) {
        if self.done {
            return;
        }
        match event {
            Event::Start { id, usage } => {
                if !self.started {
                    self.id = ids::response_id(id);
                    self.start_usage = *usage;
                    self.start(out);
                }
            }
            Event::BlockStart { key, block } => {
                self.start(out);
                self.block_start(*key, block, out);
            }
            Event::Delta { key, delta } => {
                self.start(out);
                self.delta(*key, delta, out);
            }
            Event::BlockStop { key } => {
                self.start(out);
                self.block_stop(*key, out);
            }
            Event::Finish { reason, .. } => self.finish = Some(*reason),
            Event::Usage(u) => self.usage = Some(*u),
            // Codex times out a stream that goes quiet between events, and comments do not count:
            // a vendor's keep-alive becomes a repeated `response.in_progress`, which Codex and
            // the SDK accumulators ignore (protocols.md §4.1).
            Event::Ping if self.started => self.in_progress(out),
            Event::Ping => {}
            Event::End => {
                self.start(out);
                self.end(out);
            }
            Event::Error(e) => {
                self.start(out);
                self.error(e, out);
            }
        }
    }

    /// `response.created` and `response.in_progress`, once.
    fn start(&mut self, out: &mut BytesMut) {
        if self.started {
            return;
        }
        self.started = true;
        for kind in ["response.created", "response.in_progress"] {
            let response =
                ResponseObject::new(&self.id, &self.reply.model, self.reply.created, &self.echo);
            self.writer.emit(out, kind, ResponseBody { response });
        }
    }

    /// A repeated `response.in_progress`, as a keep-alive.
    fn in_progress(&mut self, out: &mut BytesMut) {
        let response =
            ResponseObject::new(&self.id, &self.reply.model, self.reply.created, &self.echo);
        self.writer
            .emit(out, "response.in_progress", ResponseBody { response });
    }

    /// An id no earlier item of this stream has (vendors have been seen repeating call ids).
    fn unique(&mut self, id: String) -> String {
        let id = if self.used_ids.contains(&id) {
            format!("{id}_{}", self.slots.len())
        } else {
            id
        };
        self.used_ids.insert(id.clone());
        id
    }

    fn block_start(&mut self, key: Key, block: &Block, out: &mut BytesMut) {
        if self.blocks.contains_key(&key) {
            return;
        }
        self.order.push(key);
        let state = match block {
            Block::Text => BlockState::PendingText,
            Block::RedactedReasoning { .. } => BlockState::Closed,
            Block::Reasoning { .. } => {
                let id = self.unique(ids::reasoning_item_id(&self.id, self.slots.len()));
                let item = OutputItem::Reasoning(ReasoningItem::new(id.clone(), "", None));
                let kind = SlotKind::Reasoning {
                    part_open: false,
                    signature: None,
                };
                BlockState::Added(self.add(id, kind, &item, out))
            }
            Block::ToolCall {
                id: call_id, name, ..
            } => {
                let name = self.reply.client_tool_name(name).to_owned();
                if self.reply.is_custom_tool(&name) {
                    BlockState::Custom {
                        call_id: call_id.clone(),
                        name,
                        input: String::new(),
                    }
                } else {
                    let id = self.unique(ids::function_item_id(call_id));
                    let item = OutputItem::FunctionCall(FunctionCallItem {
                        id: id.clone(),
                        kind: "function_call",
                        status: "in_progress",
                        arguments: String::new(),
                        call_id: call_id.clone(),
                        name: name.clone(),
                    });
                    let kind = SlotKind::Function {
                        call_id: call_id.clone(),
                        name,
                    };
                    BlockState::Added(self.add(id, kind, &item, out))
                }
            }
        };
        self.blocks.insert(key, state);
    }

    /// Writes `output_item.added` for `item` and returns its slot index (= `output_index`).
    fn add(&mut self, id: String, kind: SlotKind, item: &OutputItem, out: &mut BytesMut) -> usize {
        let index = self.slots.len();
        self.writer.emit(
            out,
            "response.output_item.added",
            ItemBody {
                output_index: index,
                item,
            },
        );
        self.slots.push(Slot {
            id,
            kind,
            buf: String::new(),
            done: None,
        });
        index
    }

    fn delta(&mut self, key: Key, delta: &Delta, out: &mut BytesMut) {
        let Some(state) = self.blocks.get_mut(&key) else {
            return;
        };
        match (state, delta) {
            (BlockState::PendingText, Delta::Text(text)) if !text.is_empty() => {
                let id = self.unique(ids::message_item_id(&self.id, self.slots.len()));
                let item = OutputItem::Message(MessageItem::new(id.clone(), "in_progress", vec![]));
                let index = self.add(id, SlotKind::Message, &item, out);
                let slot = &self.slots[index];
                self.writer.emit(
                    out,
                    "response.content_part.added",
                    ContentPartBody {
                        item_id: &slot.id,
                        output_index: index,
                        content_index: 0,
                        part: &OutputContent::text(""),
                    },
                );
                self.blocks.insert(key, BlockState::Added(index));
                self.text(index, text, out);
            }
            (BlockState::Added(index), _) => {
                let index = *index;
                self.slot_delta(index, delta, out);
            }
            (BlockState::Custom { input, .. }, Delta::Arguments(a)) => input.push_str(a),
            _ => {}
        }
    }

    fn text(&mut self, index: usize, text: &str, out: &mut BytesMut) {
        let slot = &mut self.slots[index];
        slot.buf.push_str(text);
        self.writer.emit(
            out,
            "response.output_text.delta",
            TextDeltaBody {
                item_id: &slot.id,
                output_index: index,
                content_index: 0,
                delta: text,
                logprobs: [],
            },
        );
    }

    fn slot_delta(&mut self, index: usize, delta: &Delta, out: &mut BytesMut) {
        let slot = &mut self.slots[index];
        if slot.done.is_some() {
            return;
        }
        match (&mut slot.kind, delta) {
            (SlotKind::Message, Delta::Text(t)) if !t.is_empty() => self.text(index, t, out),
            (SlotKind::Reasoning { part_open, .. }, Delta::Reasoning(t)) if !t.is_empty() => {
                if !*part_open {
                    *part_open = true;
                    self.writer.emit(
                        out,
                        "response.reasoning_summary_part.added",
                        SummaryPartBody {
                            item_id: &slot.id,
                            output_index: index,
                            summary_index: 0,
                            part: &SummaryText::new(""),
                        },
                    );
                }
                slot.buf.push_str(t);
                self.writer.emit(
                    out,
                    "response.reasoning_summary_text.delta",
                    SummaryDeltaBody {
                        item_id: &slot.id,
                        output_index: index,
                        summary_index: 0,
                        delta: t,
                    },
                );
            }
            (SlotKind::Reasoning { signature, .. }, Delta::Signature(s)) => {
                *signature = Some(s.clone());
            }
            (SlotKind::Function { .. }, Delta::Arguments(a)) if !a.is_empty() => {
                slot.buf.push_str(a);
                self.writer.emit(
                    out,
                    "response.function_call_arguments.delta",
                    DeltaBody {
                        item_id: &slot.id,
                        output_index: index,
                        delta: a,
                    },
                );
            }
            _ => {}
        }
    }

    fn block_stop(&mut self, key: Key, out: &mut BytesMut) {
        let Some(state) = self.blocks.insert(key, BlockState::Closed) else {
            // Never started: remember nothing, so a later start still works.
            self.blocks.remove(&key);
            return;
        };
        match state {
            BlockState::Added(index) => self.close(index, out),
            BlockState::Custom {
                call_id,
                name,
                input,
            } => self.custom_call(&call_id, &name, &input, out),
            BlockState::PendingText | BlockState::Closed => {}
        }
    }

    /// Writes the closing events of an open item and records its final form.
    fn close(&mut self, index: usize, out: &mut BytesMut) {
        let include_encrypted = self.reply.request.include_encrypted_reasoning;
        let slot = &mut self.slots[index];
        if slot.done.is_some() {
            return;
        }
        let item_id = slot.id.as_str();
        let text = slot.buf.as_str();
        let item = match &slot.kind {
            // Written whole when it was added; never open.
            SlotKind::Custom => return,
            SlotKind::Message => {
                self.writer.emit(
                    out,
                    "response.output_text.done",
                    TextDoneBody {
                        item_id,
                        output_index: index,
                        content_index: 0,
                        text,
                        logprobs: [],
                    },
                );
                let part = OutputContent::text(text);
                self.writer.emit(
                    out,
                    "response.content_part.done",
                    ContentPartBody {
                        item_id,
                        output_index: index,
                        content_index: 0,
                        part: &part,
                    },
                );
                OutputItem::Message(MessageItem::new(
                    item_id.to_owned(),
                    "completed",
                    vec![part],
                ))
            }
            SlotKind::Reasoning {
                part_open,
                signature,
            } => {
                if *part_open {
                    self.writer.emit(
                        out,
                        "response.reasoning_summary_text.done",
                        SummaryDoneBody {
                            item_id,
                            output_index: index,
                            summary_index: 0,
                            text,
                        },
                    );
                    self.writer.emit(
                        out,
                        "response.reasoning_summary_part.done",
                        SummaryPartBody {
                            item_id,
                            output_index: index,
                            summary_index: 0,
                            part: &SummaryText::new(text),
                        },
                    );
                }
                let encrypted = signature
                    .as_ref()
                    .filter(|_| include_encrypted)
                    .map(Signature::to_client);
                OutputItem::Reasoning(ReasoningItem::new(item_id.to_owned(), text, encrypted))
            }
            SlotKind::Function { call_id, name } => {
                self.writer.emit(
                    out,
                    "response.function_call_arguments.done",
                    ArgumentsDoneBody {
                        item_id,
                        output_index: index,
                        name,
                        arguments: text,
                    },
                );
                OutputItem::FunctionCall(FunctionCallItem {
                    id: item_id.to_owned(),
                    kind: "function_call",
                    status: "completed",
                    arguments: text.to_owned(),
                    call_id: call_id.clone(),
                    name: name.clone(),
                })
            }
        };
        self.writer.emit(
            out,
            "response.output_item.done",
            ItemBody {
                output_index: index,
                item: &item,
            },
        );
        slot.done = Some(item);
    }

    /// A whole custom tool call: added, its input, done (custom.md: the input unwrapped from the
    /// `{"input": …}` a function-only vendor answered with).
    fn custom_call(&mut self, call_id: &str, name: &str, arguments: &str, out: &mut BytesMut) {
        let input = ids::unwrap_custom_input(arguments);
        let id = self.unique(ids::custom_item_id(call_id));
        let mut item = CustomToolCallItem {
            id: id.clone(),
            kind: "custom_tool_call",
            status: "in_progress",
            call_id: call_id.to_owned(),
            input: String::new(),
            name: name.to_owned(),
        };
        let index = self.add(
            id.clone(),
            SlotKind::Custom,
            &OutputItem::CustomToolCall(item.clone()),
            out,
        );
        if !input.is_empty() {
            self.writer.emit(
                out,
                "response.custom_tool_call_input.delta",
                DeltaBody {
                    item_id: &id,
                    output_index: index,
                    delta: &input,
                },
            );
        }
        self.writer.emit(
            out,
            "response.custom_tool_call_input.done",
            InputDoneBody {
                item_id: &id,
                output_index: index,
                input: &input,
            },
        );
        item.status = "completed";
        item.input = input;
        let item = OutputItem::CustomToolCall(item);
        self.writer.emit(
            out,
            "response.output_item.done",
            ItemBody {
                output_index: index,
                item: &item,
            },
        );
        self.slots[index].done = Some(item);
    }

    fn end(&mut self, out: &mut BytesMut) {
        for key in std::mem::take(&mut self.order) {
            self.block_stop(key, out);
        }
        let output: Vec<OutputItem> = self.slots.iter().filter_map(|s| s.done.clone()).collect();
        let stop = self.finish.unwrap_or(StopReason::EndTurn);
        let usage = self.final_usage();
        let kind = match stop.responses().0 {
            "incomplete" => "response.incomplete",
            _ => "response.completed",
        };
        let response =
            ResponseObject::new(&self.id, &self.reply.model, self.reply.created, &self.echo)
                .finished(stop, &output, &usage);
        self.writer.emit(out, kind, ResponseBody { response });
        self.done = true;
    }

    /// The latest usage; input counters from `Start` (or weir's estimate) when the vendor never
    /// reported any (protocols.md §4.5).
    fn final_usage(&self) -> Usage {
        let mut usage = self.usage.or(self.start_usage).unwrap_or_default();
        if usage.total_input() == 0 {
            match self.start_usage.filter(|s| s.total_input() > 0) {
                Some(s) => {
                    usage.input = s.input;
                    usage.cache_read = s.cache_read;
                    usage.cache_write = s.cache_write;
                }
                None => usage.input = self.reply.input_estimate,
            }
        }
        usage
    }

    fn error(&mut self, error: &ApiError, out: &mut BytesMut) {
        let ctx = StreamContext {
            next_sequence_number: self.writer.seq,
            response_id: Some(self.id.clone()),
            model: Some(self.reply.model.clone()),
        };
        out.extend_from_slice(&error.stream_frame(Protocol::OpenAiResponses, &ctx));
        self.writer.seq += 2;
        self.done = true;
    }
}
