//! Canonical [`Event`]s → the SSE stream an Anthropic client reads (protocols.md §4.1 A framing,
//! §4.3.1 client side).
//!
//! An Anthropic stream has one open content block at a time, with dense indices from 0, while a
//! canonical stream may interleave blocks (parallel Chat Completions tool calls). The encoder
//! serialises them:
//! - text and thinking blocks open lazily, on their first non-empty delta, so no empty text block
//!   is ever written (classic bug #6); a delta for another block closes an open text/thinking
//!   block and opens the other;
//! - a tool call opens on its `BlockStart` and cannot be split, so while one is open, every
//!   other block's content is buffered and written after it stops (start, its content as one
//!   delta, stop), in first-seen order; a buffered tool call that has not stopped yet becomes
//!   the open block instead, and the rest waits for it;
//! - `Finish` and `Usage` are remembered and written as `message_delta` + `message_stop` at
//!   `End` (classic bug #7).

use std::collections::HashMap;
use std::sync::Arc;

use bytes::BytesMut;
use serde::Serialize;

use super::wire::{WireUsage, message_id};
use crate::canonical::{
    Block, Delta, Event, Key, Reply, Signature, StopReason, Usage, anthropic_tool_id,
};
use crate::{ApiError, Protocol, StreamContext, sse};

/// Encodes one answer as an Anthropic Messages SSE stream.
///
/// Accepts any sequence of events without panicking and always writes a stream that
/// [`super::is_well_formed`] accepts once it has seen `End` or `Error`: `message_start` first
/// (written by whichever event comes first, except `Error`), dense indices, one open block at a
/// time, and `message_delta` + `message_stop` or an `error` event last. Events for unknown keys,
/// deltas that do not fit their block, repeated starts and everything after `End`/`Error` are
/// ignored. Ids are derived from the canonical ones, never random.
#[derive(Debug)]
pub struct StreamEncoder {
    reply: Arc<Reply>,
    started: bool,
    done: bool,
    next_index: u32,
    open: Option<Open>,
    keys: HashMap<Key, KeyInfo>,
    /// Content of blocks that could not be written while a tool call was open, first-seen
    /// order. Non-empty only while a tool call is open.
    buffer: Vec<Buffered>,
    tool_emitted: bool,
    finish: Option<(StopReason, Option<String>)>,
    /// The usage `message_start` reported (the request's estimate when the vendor gave none).
    start_usage: Usage,
    usage: Option<Usage>,
}

#[derive(Debug)]
struct Open {
    key: Key,
    index: u32,
    kind: OpenKind,
}

#[derive(Debug)]
enum OpenKind {
    Text,
    Reasoning { signature: Option<Signature> },
    Tool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Reasoning,
    Tool,
    Redacted,
}

#[derive(Debug)]
struct KeyInfo {
    kind: Kind,
    stopped: bool,
}

#[derive(Debug)]
struct Buffered {
    key: Key,
    content: BufferedContent,
}

#[derive(Debug)]
enum BufferedContent {
    Text(String),
    Reasoning {
        text: String,
        signature: Option<Signature>,
    },
    Tool {
        id: String,
        name: String,
        arguments: String,
    },
    Redacted(String),
}

impl StreamEncoder {
    /// An encoder answering the request `reply` describes.
    pub fn new(reply: Arc<Reply>) -> Self {
        StreamEncoder {
            reply,
            started: false,
            done: false,
            next_index: 0,
            open: None,
            keys: HashMap::new(),
            buffer: Vec::new(),
            tool_emitted: false,
            finish: None,
            start_usage: Usage::default(),
            usage: None,
        }
    }

    /// Appends the SSE frames for `event` to `out` (possibly none).
    pub fn encode(&mut self, event: &Event, out: &mut BytesMut) {
        if self.done {
            return;
        }
        match event {
            Event::Start { id, usage } => self.start(id, usage.as_ref(), out),
            Event::BlockStart { key, block } => {
                self.start("", None, out);
                self.block_start(*key, block, out);
            }
            Event::Delta { key, delta } => {
                self.start("", None, out);
                self.delta(*key, delta, out);
            }
            Event::BlockStop { key } => {
                self.start("", None, out);
                self.block_stop(*key, out);
            }
            Event::Finish {
                reason,
                stop_sequence,
            } => self.finish = Some((*reason, stop_sequence.clone())),
            Event::Usage(u) => self.usage = Some(*u),
            Event::Ping => {
                self.start("", None, out);
                write(out, &Frame::Ping);
            }
            Event::End => {
                self.start("", None, out);
                self.end(out);
            }
            Event::Error(e) => self.error(e, out),
        }
    }

    /// Writes `message_start` unless it was written already.
    fn start(&mut self, id: &str, usage: Option<&Usage>, out: &mut BytesMut) {
        if self.started {
            return;
        }
        self.started = true;
        self.start_usage = match usage {
            Some(u) if u.total_input() > 0 => Usage { output: 0, ..*u },
            _ => Usage {
                input: self.reply.input_estimate,
                ..Usage::default()
            },
        };
        let id = message_id(id);
        write(
            out,
            &Frame::MessageStart {
                message: StartMessage {
                    id: &id,
                    kind: "message",
                    role: "assistant",
                    model: &self.reply.model,
                    content: [],
                    stop_reason: None,
                    stop_sequence: None,
                    usage: WireUsage::from_usage(&self.start_usage),
                },
            },
        );
    }

    fn block_start(&mut self, key: Key, block: &Block, out: &mut BytesMut) {
        if self.keys.contains_key(&key) {
            return;
        }
        let kind = match block {
            Block::Text => Kind::Text,
            Block::Reasoning { .. } => Kind::Reasoning,
            Block::RedactedReasoning { .. } => Kind::Redacted,
            Block::ToolCall { .. } => Kind::Tool,
        };
        self.keys.insert(
            key,
            KeyInfo {
                kind,
                stopped: kind == Kind::Redacted,
            },
        );
        let content = match block {
            // Opened lazily, on their first non-empty delta.
            Block::Text | Block::Reasoning { .. } => return,
            Block::RedactedReasoning { data } => BufferedContent::Redacted(data.clone()),
            Block::ToolCall { id, name, .. } => BufferedContent::Tool {
                id: anthropic_tool_id(id),
                name: self.reply.client_tool_name(name).to_owned(),
                arguments: String::new(),
            },
        };
        if self.tool_is_open() {
            self.buffer.push(Buffered { key, content });
        } else {
            self.close_open(out);
            self.emit(key, content, out);
        }
    }

    fn delta(&mut self, key: Key, delta: &Delta, out: &mut BytesMut) {
        let implicit = match delta {
            Delta::Text(_) => Some(Kind::Text),
            Delta::Reasoning(_) | Delta::Signature(_) => Some(Kind::Reasoning),
            // A tool call cannot be opened without its id and name.
            Delta::Arguments(_) => None,
        };
        let info = match (self.keys.get(&key), implicit) {
            (Some(info), _) => info,
            (None, Some(kind)) => self.keys.entry(key).or_insert(KeyInfo {
                kind,
                stopped: false,
            }),
            (None, None) => return,
        };
        let fits = matches!(
            (info.kind, delta),
            (Kind::Text, Delta::Text(_))
                | (Kind::Reasoning, Delta::Reasoning(_) | Delta::Signature(_))
                | (Kind::Tool, Delta::Arguments(_))
        );
        let empty = match delta {
            Delta::Text(t) | Delta::Reasoning(t) | Delta::Arguments(t) => t.is_empty(),
            Delta::Signature(s) => s.value.is_empty(),
        };
        if info.stopped || !fits || empty {
            return;
        }
        let kind = info.kind;

        if let Some(open) = self.open.as_mut().filter(|o| o.key == key) {
            let index = open.index;
            match (&mut open.kind, delta) {
                (OpenKind::Reasoning { signature }, Delta::Signature(s)) => {
                    // Written just before the block's stop, as Anthropic does.
                    *signature = Some(s.clone());
                }
                _ => write_delta(out, index, delta),
            }
            return;
        }
        if let Some(b) = self.buffer.iter_mut().find(|b| b.key == key) {
            b.content.append(delta);
            return;
        }
        if kind == Kind::Tool {
            // Tool calls are open or buffered from their start until they stop; nothing else
            // can hold their arguments.
            return;
        }
        if self.tool_is_open() {
            let mut content = match kind {
                Kind::Text => BufferedContent::Text(String::new()),
                _ => BufferedContent::Reasoning {
                    text: String::new(),
                    signature: None,
                },
            };
            content.append(delta);
            self.buffer.push(Buffered { key, content });
            return;
        }
        self.close_open(out);
        let index = self.next_index();
        let (start, open_kind) = match kind {
            Kind::Text => (StartBlock::Text { text: "" }, OpenKind::Text),
            _ => (
                StartBlock::Thinking {
                    thinking: "",
                    signature: "",
                },
                OpenKind::Reasoning { signature: None },
            ),
        };
        write(
            out,
            &Frame::ContentBlockStart {
                index,
                content_block: start,
            },
        );
        let mut open = Open {
            key,
            index,
            kind: open_kind,
        };
        match (&mut open.kind, delta) {
            (OpenKind::Reasoning { signature }, Delta::Signature(s)) => {
                *signature = Some(s.clone())
            }
            _ => write_delta(out, index, delta),
        }
        self.open = Some(open);
    }

    fn block_stop(&mut self, key: Key, out: &mut BytesMut) {
        let Some(info) = self.keys.get_mut(&key) else {
            return;
        };
        if info.stopped {
            return;
        }
        info.stopped = true;
        if self.open.as_ref().is_some_and(|o| o.key == key) {
            self.close_open(out);
        }
    }

    fn end(&mut self, out: &mut BytesMut) {
        // Closing the open block may promote a buffered tool call; close until nothing is left.
        self.close_open(out);
        while self.open.is_some() {
            self.close_open(out);
        }
        let (reason, stop_sequence) = self.finish.take().unwrap_or((StopReason::EndTurn, None));
        let reason = match reason {
            StopReason::EndTurn if self.tool_emitted => StopReason::ToolUse,
            r => r,
        };
        let mut usage = self.usage.unwrap_or(Usage {
            output: 0,
            ..self.start_usage
        });
        if usage.total_input() == 0 {
            // A zero here would overwrite message_start's count in the client (§3.3, §4.5).
            usage = Usage {
                output: usage.output,
                ..self.start_usage
            };
        }
        write(
            out,
            &Frame::MessageDelta {
                delta: MessageDeltaBody {
                    stop_reason: reason.anthropic(),
                    stop_sequence: stop_sequence
                        .as_deref()
                        .filter(|_| reason == StopReason::StopSequence),
                },
                usage: WireUsage::from_usage(&usage),
            },
        );
        write(out, &Frame::MessageStop);
        self.done = true;
    }

    fn error(&mut self, e: &ApiError, out: &mut BytesMut) {
        let ctx = StreamContext {
            model: Some(self.reply.model.clone()),
            ..StreamContext::default()
        };
        out.extend_from_slice(&e.stream_frame(Protocol::Anthropic, &ctx));
        self.done = true;
    }

    fn tool_is_open(&self) -> bool {
        matches!(
            self.open,
            Some(Open {
                kind: OpenKind::Tool,
                ..
            })
        )
    }

    fn next_index(&mut self) -> u32 {
        let i = self.next_index;
        self.next_index = self.next_index.saturating_add(1);
        i
    }

    /// Stops the open block (its signature first, for thinking), then writes what was buffered
    /// behind it.
    fn close_open(&mut self, out: &mut BytesMut) {
        let Some(open) = self.open.take() else {
            return;
        };
        if let OpenKind::Reasoning {
            signature: Some(sig),
        } = &open.kind
        {
            write_signature(out, open.index, sig);
        }
        write(out, &Frame::ContentBlockStop { index: open.index });
        self.drain_buffer(out);
    }

    /// Writes buffered blocks in first-seen order. A tool call that has not stopped becomes the
    /// open block, and whatever follows it stays buffered.
    fn drain_buffer(&mut self, out: &mut BytesMut) {
        while !self.buffer.is_empty() {
            let b = self.buffer.remove(0);
            let stopped = self.keys.get(&b.key).is_none_or(|i| i.stopped);
            self.emit(b.key, b.content, out);
            if !stopped && self.tool_is_open() {
                return;
            }
            // A complete unit (or a text/thinking block that may continue in a new block):
            // close it and go on.
            if let Some(open) = self.open.take() {
                if let OpenKind::Reasoning {
                    signature: Some(sig),
                } = &open.kind
                {
                    write_signature(out, open.index, sig);
                }
                write(out, &Frame::ContentBlockStop { index: open.index });
            }
        }
    }

    /// Starts a block with `content` (as one delta) and leaves it open; empty text/thinking
    /// content writes nothing. Only called when no block is open.
    fn emit(&mut self, key: Key, content: BufferedContent, out: &mut BytesMut) {
        match content {
            BufferedContent::Text(text) => {
                if text.is_empty() {
                    return;
                }
                let index = self.next_index();
                write(
                    out,
                    &Frame::ContentBlockStart {
                        index,
                        content_block: StartBlock::Text { text: "" },
                    },
                );
                write_delta(out, index, &Delta::Text(text));
                self.open = Some(Open {
                    key,
                    index,
                    kind: OpenKind::Text,
                });
            }
            BufferedContent::Reasoning { text, signature } => {
                if text.is_empty() && signature.is_none() {
                    return;
                }
                let index = self.next_index();
                write(
                    out,
                    &Frame::ContentBlockStart {
                        index,
                        content_block: StartBlock::Thinking {
                            thinking: "",
                            signature: "",
                        },
                    },
                );
                if !text.is_empty() {
                    write_delta(out, index, &Delta::Reasoning(text));
                }
                self.open = Some(Open {
                    key,
                    index,
                    kind: OpenKind::Reasoning { signature },
                });
            }
            BufferedContent::Tool {
                id,
                name,
                arguments,
            } => {
                let index = self.next_index();
                self.tool_emitted = true;
                write(
                    out,
                    &Frame::ContentBlockStart {
                        index,
                        content_block: StartBlock::ToolUse {
                            id: &id,
                            name: &name,
                            input: Empty {},
                        },
                    },
                );
                if !arguments.is_empty() {
                    write_delta(out, index, &Delta::Arguments(arguments));
                }
                self.open = Some(Open {
                    key,
                    index,
                    kind: OpenKind::Tool,
                });
            }
            BufferedContent::Redacted(data) => {
                let index = self.next_index();
                write(
                    out,
                    &Frame::ContentBlockStart {
                        index,
                        content_block: StartBlock::RedactedThinking { data: &data },
                    },
                );
                write(out, &Frame::ContentBlockStop { index });
            }
        }
    }
}

impl BufferedContent {
    fn append(&mut self, delta: &Delta) {
        match (self, delta) {
            (BufferedContent::Text(buf), Delta::Text(t))
            | (BufferedContent::Reasoning { text: buf, .. }, Delta::Reasoning(t))
            | (BufferedContent::Tool { arguments: buf, .. }, Delta::Arguments(t)) => {
                buf.push_str(t)
            }
            (BufferedContent::Reasoning { signature, .. }, Delta::Signature(s)) => {
                *signature = Some(s.clone())
            }
            _ => {}
        }
    }
}

fn write_delta(out: &mut BytesMut, index: u32, delta: &Delta) {
    let delta = match delta {
        Delta::Text(text) => WireDelta::Text { text },
        Delta::Reasoning(thinking) => WireDelta::Thinking { thinking },
        Delta::Arguments(partial_json) => WireDelta::InputJson { partial_json },
        Delta::Signature(s) => return write_signature(out, index, s),
    };
    write(out, &Frame::ContentBlockDelta { index, delta });
}

fn write_signature(out: &mut BytesMut, index: u32, sig: &Signature) {
    let signature = sig.to_client();
    write(
        out,
        &Frame::ContentBlockDelta {
            index,
            delta: WireDelta::Signature {
                signature: &signature,
            },
        },
    );
}

fn write(out: &mut BytesMut, frame: &Frame<'_>) {
    // These structs always serialise; an empty object would still be a well-formed frame.
    let data = serde_json::to_string(frame).unwrap_or_else(|_| "{}".to_owned());
    out.extend_from_slice(&sse::encode(Some(frame.name()), &data));
}

/// One A stream event; the serde tag is both `data.type` and the SSE event name.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Frame<'a> {
    MessageStart {
        message: StartMessage<'a>,
    },
    ContentBlockStart {
        index: u32,
        content_block: StartBlock<'a>,
    },
    ContentBlockDelta {
        index: u32,
        delta: WireDelta<'a>,
    },
    ContentBlockStop {
        index: u32,
    },
    MessageDelta {
        delta: MessageDeltaBody<'a>,
        usage: WireUsage,
    },
    MessageStop,
    Ping,
}

impl Frame<'_> {
    fn name(&self) -> &'static str {
        match self {
            Frame::MessageStart { .. } => "message_start",
            Frame::ContentBlockStart { .. } => "content_block_start",
            Frame::ContentBlockDelta { .. } => "content_block_delta",
            Frame::ContentBlockStop { .. } => "content_block_stop",
            Frame::MessageDelta { .. } => "message_delta",
            Frame::MessageStop => "message_stop",
            Frame::Ping => "ping",
        }
    }
}

#[derive(Serialize)]
struct StartMessage<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    role: &'static str,
    model: &'a str,
    content: [(); 0],
    stop_reason: Option<&'static str>,
    stop_sequence: Option<&'static str>,
    usage: WireUsage,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StartBlock<'a> {
    Text {
        text: &'a str,
    },
    Thinking {
        thinking: &'a str,
        signature: &'a str,
    },
    RedactedThinking {
        data: &'a str,
    },
    ToolUse {
        id: &'a str,
        name: &'a str,
        input: Empty,
    },
}

/// Serialises as `{}`.
#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(tag = "type")]
enum WireDelta<'a> {
    #[serde(rename = "text_delta")]
    Text { text: &'a str },
    #[serde(rename = "thinking_delta")]
    Thinking { thinking: &'a str },
    #[serde(rename = "signature_delta")]
    Signature { signature: &'a str },
    #[serde(rename = "input_json_delta")]
    InputJson { partial_json: &'a str },
}

#[derive(Serialize)]
struct MessageDeltaBody<'a> {
    stop_reason: &'static str,
    stop_sequence: Option<&'a str>,
}

#[cfg(test)]
mod tests;
