//! An Anthropic-protocol vendor's SSE stream → canonical [`Event`]s (protocols.md §4.2).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::response::usage_of;
use crate::canonical::{Block, Delta, Event, Key, Signature, StopReason, TranslateError, Usage};
use crate::{ApiError, ErrorKind};

/// Id given to the answer when the vendor's first event is not `message_start`.
const SYNTHETIC_ID: &str = "msg_weir";

/// Keys handed out when a vendor repeats a block index: far above any real index, so they
/// cannot collide with the indices used as keys.
const FRESH_KEYS: Key = 1 << 31;

/// Decodes one Anthropic-protocol vendor stream.
///
/// Block keys are the vendor's block indices (a repeated index gets a fresh key, so keys are
/// never reused). `Start` comes first: from `message_start`, or synthesised when the vendor
/// starts with something else. An `error` event as the very first event becomes a lone
/// `Error`, so the gateway can still answer with an HTTP error. Server-tool blocks
/// (`server_tool_use`, `*_tool_result`) and their deltas, citations, and unknown events are
/// ignored.
#[derive(Debug)]
pub struct StreamDecoder {
    origin: String,
    started: bool,
    done: bool,
    finished: bool,
    /// Input counters from `message_start`.
    start_usage: Usage,
    /// Vendor block index → canonical key; `None` for ignored (server-tool) blocks.
    open: HashMap<u64, Option<OpenBlock>>,
    used: HashSet<Key>,
    fresh: Key,
}

#[derive(Debug)]
struct OpenBlock {
    key: Key,
    /// A `tool_use` start that carried a non-empty `input`: used as the arguments only if no
    /// `input_json_delta` follows (some compatible servers send the whole input up front).
    /// Anthropic's own `input: {}` is never used (classic bug #5).
    early_input: Option<String>,
    saw_arguments: bool,
}

impl StreamDecoder {
    /// A decoder for a stream from the vendor named `origin` (tags thinking signatures).
    pub fn new(origin: &str) -> Self {
        StreamDecoder {
            origin: origin.to_owned(),
            started: false,
            done: false,
            finished: false,
            start_usage: Usage::default(),
            open: HashMap::new(),
            used: HashSet::new(),
            fresh: FRESH_KEYS,
        }
    }

    /// Decodes one SSE event (`name` is its `event:` line, `data` its data) into `out`.
    ///
    /// The event's type is its name, or `data.type` when it has none (the SDKs dispatch on the
    /// name). Data that is not a JSON object, or a block event without an `index`, is
    /// [`TranslateError::Malformed`]; the decoder's state is then unchanged and the caller ends
    /// the stream. After `End` or `Error` every input is ignored.
    pub fn event(
        &mut self,
        name: Option<&str>,
        data: &str,
        out: &mut Vec<Event>,
    ) -> Result<(), TranslateError> {
        if self.done {
            return Ok(());
        }
        let value: Value = serde_json::from_str(data).map_err(|_| {
            TranslateError::Malformed(
                "the vendor sent stream data that is not JSON; expected Anthropic stream events"
                    .to_owned(),
            )
        })?;
        if !value.is_object() {
            return Err(TranslateError::Malformed(
                "the vendor sent stream data that is not a JSON object".to_owned(),
            ));
        }
        let field_type = value.get("type").and_then(Value::as_str);
        let kind = name.filter(|n| !n.is_empty()).or(field_type).unwrap_or("");
        match kind {
            "message_start" => self.message_start(&value, out),
            "content_block_start" => {
                let index = index_of(&value)?;
                self.ensure_started(out);
                self.block_start(index, value.get("content_block"), out);
            }
            "content_block_delta" => {
                let index = index_of(&value)?;
                self.ensure_started(out);
                self.block_delta(index, value.get("delta"), out);
            }
            "content_block_stop" => {
                let index = index_of(&value)?;
                self.ensure_started(out);
                self.block_stop(index, out);
            }
            "message_delta" => {
                self.ensure_started(out);
                self.message_delta(&value, out);
            }
            "message_stop" => {
                self.ensure_started(out);
                self.close_all(out);
                out.push(Event::End);
                self.done = true;
            }
            "error" => {
                out.push(Event::Error(ApiError::from_stream_event(&value)));
                self.done = true;
            }
            // A keep-alive before the answer began has nothing to keep alive for the client.
            "ping" if self.started => out.push(Event::Ping),
            _ => {}
        }
        Ok(())
    }

    /// The vendor's stream ended: `End` if the answer was complete (`message_stop`, or a
    /// `message_delta` with a stop reason), otherwise `Error` (bad gateway). Nothing once done.
    pub fn end(&mut self, out: &mut Vec<Event>) {
        if self.done {
            return;
        }
        self.done = true;
        if self.finished {
            self.close_all(out);
            out.push(Event::End);
        } else {
            out.push(Event::Error(ApiError::new(
                ErrorKind::BadGateway,
                "the vendor's stream ended before the answer was complete",
            )));
        }
    }

    /// Whether `End` or `Error` has been emitted.
    pub fn is_done(&self) -> bool {
        self.done
    }

    fn ensure_started(&mut self, out: &mut Vec<Event>) {
        if !self.started {
            self.started = true;
            out.push(Event::Start {
                id: SYNTHETIC_ID.to_owned(),
                usage: None,
            });
        }
    }

    fn message_start(&mut self, value: &Value, out: &mut Vec<Event>) {
        if self.started {
            return;
        }
        self.started = true;
        let message = value.get("message");
        let id = message
            .and_then(|m| m.get("id"))
            .and_then(Value::as_str)
            .unwrap_or(SYNTHETIC_ID);
        let usage = message.and_then(|m| m.get("usage")).map(usage_of);
        if let Some(u) = usage {
            self.start_usage = u;
        }
        out.push(Event::Start {
            id: id.to_owned(),
            usage,
        });
    }

    fn block_start(&mut self, index: u64, block: Option<&Value>, out: &mut Vec<Event>) {
        let text = |key: &str| {
            block
                .and_then(|b| b.get(key))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (canonical, first_delta, early_input) = match text("type").as_str() {
            "text" => {
                let t = text("text");
                (
                    Block::Text,
                    Some(t).filter(|t| !t.is_empty()).map(Delta::Text),
                    None,
                )
            }
            "thinking" => {
                let t = text("thinking");
                (
                    Block::Reasoning { item_id: None },
                    Some(t).filter(|t| !t.is_empty()).map(Delta::Reasoning),
                    None,
                )
            }
            "redacted_thinking" => (Block::RedactedReasoning { data: text("data") }, None, None),
            "tool_use" => {
                let early = block
                    .and_then(|b| b.get("input"))
                    .and_then(Value::as_object)
                    .filter(|o| !o.is_empty())
                    .map(|o| Value::Object(o.clone()).to_string());
                (
                    Block::ToolCall {
                        id: text("id"),
                        name: text("name"),
                        extras: None,
                    },
                    None,
                    early,
                )
            }
            // Server tools and anything newer: no other protocol can carry them.
            _ => {
                self.open.insert(index, None);
                return;
            }
        };
        let key = self.key_for(index);
        self.open.insert(
            index,
            Some(OpenBlock {
                key,
                early_input,
                saw_arguments: false,
            }),
        );
        out.push(Event::BlockStart {
            key,
            block: canonical,
        });
        if let Some(delta) = first_delta {
            out.push(Event::Delta { key, delta });
        }
    }

    fn key_for(&mut self, index: u64) -> Key {
        let key = match Key::try_from(index) {
            Ok(k) if k < FRESH_KEYS && !self.used.contains(&k) => k,
            _ => {
                let k = self.fresh;
                self.fresh = self.fresh.saturating_add(1);
                k
            }
        };
        self.used.insert(key);
        key
    }

    fn block_delta(&mut self, index: u64, delta: Option<&Value>, out: &mut Vec<Event>) {
        let Some(Some(block)) = self.open.get_mut(&index) else {
            return;
        };
        let text = |key: &str| {
            delta
                .and_then(|d| d.get(key))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let kind = delta
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let canonical = match kind {
            "text_delta" => text("text").map(|t| Delta::Text(t.to_owned())),
            "thinking_delta" => text("thinking").map(|t| Delta::Reasoning(t.to_owned())),
            "signature_delta" => {
                text("signature").map(|s| Delta::Signature(Signature::from_vendor(&self.origin, s)))
            }
            "input_json_delta" => {
                block.saw_arguments = true;
                text("partial_json").map(|t| Delta::Arguments(t.to_owned()))
            }
            // citations_delta and anything newer.
            _ => None,
        };
        if let Some(delta) = canonical {
            out.push(Event::Delta {
                key: block.key,
                delta,
            });
        }
    }

    fn block_stop(&mut self, index: u64, out: &mut Vec<Event>) {
        if let Some(Some(block)) = self.open.remove(&index) {
            stop(block, out);
        }
    }

    fn message_delta(&mut self, value: &Value, out: &mut Vec<Event>) {
        let delta = value.get("delta");
        let reason = delta
            .and_then(|d| d.get("stop_reason"))
            .and_then(Value::as_str);
        if let Some(reason) = reason {
            self.finished = true;
            out.push(Event::Finish {
                // A reason newer than weir: the answer did end, the way it usually does.
                reason: StopReason::from_anthropic(reason).unwrap_or(StopReason::EndTurn),
                stop_sequence: delta
                    .and_then(|d| d.get("stop_sequence"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
        if let Some(u) = value.get("usage").filter(|u| u.is_object()) {
            let late = usage_of(u);
            // message_delta's input counters are authoritative when present; some compatible
            // vendors send zeros (or nothing) there, which must not wipe out message_start's.
            let pick = |late: u64, early: u64| if late > 0 { late } else { early };
            let usage = Usage {
                input: pick(late.input, self.start_usage.input),
                cache_read: pick(late.cache_read, self.start_usage.cache_read),
                cache_write: pick(late.cache_write, self.start_usage.cache_write),
                output: late.output,
                reasoning: None,
            };
            out.push(Event::Usage(usage));
        }
    }

    /// Stops blocks the vendor left open, in index order, so the canonical stream is complete.
    fn close_all(&mut self, out: &mut Vec<Event>) {
        let mut open: Vec<(u64, OpenBlock)> = self
            .open
            .drain()
            .filter_map(|(i, b)| b.map(|b| (i, b)))
            .collect();
        open.sort_by_key(|(i, _)| *i);
        for (_, block) in open {
            stop(block, out);
        }
    }
}

fn stop(block: OpenBlock, out: &mut Vec<Event>) {
    if !block.saw_arguments
        && let Some(input) = block.early_input
    {
        out.push(Event::Delta {
            key: block.key,
            delta: Delta::Arguments(input),
        });
    }
    out.push(Event::BlockStop { key: block.key });
}

fn index_of(value: &Value) -> Result<u64, TranslateError> {
    value.get("index").and_then(Value::as_u64).ok_or_else(|| {
        TranslateError::Malformed(
            "the vendor sent a content block event without a numeric `index`".to_owned(),
        )
    })
}

#[cfg(test)]
mod tests;
