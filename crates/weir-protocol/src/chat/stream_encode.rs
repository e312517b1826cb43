//! Canonical [`Event`]s → a Chat Completions chunk stream for the client (protocols.md §4.1 C
//! framing, §4.3.3 client side).
//!
//! What the official SDKs rely on, and this encoder guarantees for any input sequence:
//! - `choices[].index` is always 0, and `id`, `created`, `model` never change;
//! - the first chunk carries `role: "assistant"` and no later chunk does (openai-node throws
//!   without it);
//! - tool calls get dense indices 0, 1, 2… in first-seen order; a call's first delta carries
//!   `id`, `type` and `function.name`, later deltas only `index` and `function.arguments`
//!   (openai-python's accumulator concatenates repeated strings, §4.6 bug 3);
//! - exactly one `finish_reason`, then the usage chunk when the client asked for it, then
//!   `[DONE]`; an error ends the stream with an error frame and no `[DONE]`.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::BytesMut;
use serde::Serialize;
use serde_json::Value;

use super::usage::ClientUsage;
use super::{client_finish_reason, client_id};
use crate::canonical::{Block, Delta, Event, Key, Reply, StopReason, Usage};
use crate::{Protocol, StreamContext, sse};

/// Renders canonical events as the Chat Completions stream a client expects.
#[derive(Debug)]
pub struct StreamEncoder {
    reply: Arc<Reply>,
    /// The client-facing id, fixed by the first chunk.
    id: String,
    started: bool,
    finished: bool,
    done: bool,
    /// What each key the stream announced is, for routing its deltas.
    blocks: HashMap<Key, Slot>,
    /// The next dense tool index.
    next_tool: u32,
    usage: Option<Usage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// A tool call with its client-side index.
    Tool(u32),
    /// Text, reasoning or anything else whose deltas are routed by their own type.
    Other,
}

impl StreamEncoder {
    /// An encoder answering the request described by `reply`.
    pub fn new(reply: Arc<Reply>) -> Self {
        StreamEncoder {
            reply,
            id: client_id(""),
            started: false,
            finished: false,
            done: false,
            blocks: HashMap::new(),
            next_tool: 0,
            usage: None,
        }
    }

    /// Appends the SSE bytes for `event` to `out`: nothing, one chunk, or several (the finish
    /// and usage chunks and `[DONE]` at `End`). Accepts any sequence without panicking; nothing
    /// is written after `End` or `Error`.
    pub fn encode(&mut self, event: &Event, out: &mut BytesMut) {
        if self.done {
            return;
        }
        match event {
            Event::Start { id, usage } => {
                // Input counters announced up front (A `message_start`) stand until the vendor
                // reports final ones.
                if self.usage.is_none() {
                    self.usage = *usage;
                }
                self.start(id, out)
            }
            Event::BlockStart { key, block } => self.block_start(*key, block, out),
            Event::Delta { key, delta } => self.delta(*key, delta, out),
            Event::BlockStop { .. } => {}
            Event::Finish { reason, .. } => self.finish(*reason, out),
            Event::Usage(usage) => self.usage = Some(*usage),
            Event::Ping => out.extend_from_slice(b": ping\n\n"),
            Event::End => {
                self.finish(StopReason::EndTurn, out);
                if self.reply.request.include_usage {
                    let usage = self.usage.unwrap_or(Usage {
                        input: self.reply.input_estimate,
                        ..Usage::default()
                    });
                    self.write(Vec::new(), Some(Some(ClientUsage::from(&usage))), out);
                }
                out.extend_from_slice(&sse::encode(None, "[DONE]"));
                self.done = true;
            }
            Event::Error(error) => {
                let ctx = StreamContext {
                    model: Some(self.reply.model.clone()),
                    ..StreamContext::default()
                };
                out.extend_from_slice(&error.stream_frame(Protocol::OpenAiChat, &ctx));
                self.done = true;
            }
        }
    }

    /// The first chunk: `role` and an empty `content`, as OpenAI sends it.
    fn start(&mut self, upstream_id: &str, out: &mut BytesMut) {
        if self.started {
            return;
        }
        self.id = client_id(upstream_id);
        self.started = true;
        let delta = ChunkDelta {
            role: Some("assistant"),
            content: Some(""),
            ..ChunkDelta::default()
        };
        self.write_delta(delta, None, out);
    }

    fn block_start(&mut self, key: Key, block: &Block, out: &mut BytesMut) {
        if self.finished {
            return;
        }
        let Block::ToolCall { id, name, extras } = block else {
            self.blocks.insert(key, Slot::Other);
            return;
        };
        if name.is_empty() {
            // A call without a name cannot be rendered (openai-node rejects it); its arguments
            // are dropped with it.
            self.blocks.insert(key, Slot::Other);
            return;
        }
        self.start("", out);
        let index = self.next_tool;
        self.next_tool += 1;
        self.blocks.insert(key, Slot::Tool(index));
        let reply = Arc::clone(&self.reply);
        let fallback_id;
        let id = if id.is_empty() {
            fallback_id = format!("call_{index}");
            &fallback_id
        } else {
            id
        };
        let delta = ChunkDelta {
            tool_calls: Some(vec![ToolDelta {
                index,
                id: Some(id),
                kind: Some("function"),
                function: FunctionDelta {
                    name: Some(reply.client_tool_name(name)),
                    arguments: "",
                },
                extra_content: extras.as_ref(),
            }]),
            ..ChunkDelta::default()
        };
        self.write_delta(delta, None, out);
    }

    fn delta(&mut self, key: Key, delta: &Delta, out: &mut BytesMut) {
        if self.finished {
            return;
        }
        let chunk = match delta {
            Delta::Text(text) if !text.is_empty() => ChunkDelta {
                content: Some(text),
                ..ChunkDelta::default()
            },
            Delta::Reasoning(text) if !text.is_empty() => ChunkDelta {
                reasoning_content: Some(text),
                ..ChunkDelta::default()
            },
            Delta::Arguments(fragment) if !fragment.is_empty() => {
                // Arguments only for a call whose head was sent: a fragment cannot carry the
                // id and name it would otherwise be missing.
                let Some(Slot::Tool(index)) = self.blocks.get(&key).copied() else {
                    return;
                };
                ChunkDelta {
                    tool_calls: Some(vec![ToolDelta {
                        index,
                        id: None,
                        kind: None,
                        function: FunctionDelta {
                            name: None,
                            arguments: fragment,
                        },
                        extra_content: None,
                    }]),
                    ..ChunkDelta::default()
                }
            }
            // Signatures have no Chat Completions field; empty pieces say nothing.
            _ => return,
        };
        self.start("", out);
        self.write_delta(chunk, None, out);
    }

    /// The finish chunk, once: `tool_calls` when calls were sent and the model stopped on its
    /// own.
    fn finish(&mut self, reason: StopReason, out: &mut BytesMut) {
        if self.finished {
            return;
        }
        self.start("", out);
        self.finished = true;
        let reason = client_finish_reason(reason, self.next_tool > 0);
        self.write_delta(ChunkDelta::default(), Some(reason), out);
    }

    fn write_delta(
        &self,
        delta: ChunkDelta<'_>,
        finish_reason: Option<&'static str>,
        out: &mut BytesMut,
    ) {
        let choice = ChunkChoice {
            index: 0,
            delta,
            logprobs: None,
            finish_reason,
        };
        self.write(vec![choice], None, out);
    }

    /// One `data:` chunk. With `include_usage`, every chunk but the usage chunk carries
    /// `"usage": null`, as OpenAI's do.
    fn write(
        &self,
        choices: Vec<ChunkChoice<'_>>,
        usage: Option<Option<ClientUsage>>,
        out: &mut BytesMut,
    ) {
        let usage = match usage {
            Some(u) => Some(u),
            None if self.reply.request.include_usage => Some(None),
            None => None,
        };
        let chunk = Chunk {
            id: &self.id,
            object: "chat.completion.chunk",
            created: self.reply.created,
            model: &self.reply.model,
            choices,
            usage,
        };
        // Plain strings, numbers and JSON values: serialising cannot fail.
        let json = serde_json::to_string(&chunk).unwrap_or_default();
        out.extend_from_slice(&sse::encode(None, &json));
    }
}

#[derive(Serialize)]
struct Chunk<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: Vec<ChunkChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Option<ClientUsage>>,
}

#[derive(Serialize)]
struct ChunkChoice<'a> {
    index: u32,
    delta: ChunkDelta<'a>,
    logprobs: Option<()>,
    finish_reason: Option<&'static str>,
}

#[derive(Serialize, Default)]
struct ChunkDelta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<Vec<ToolDelta<'a>>>,
}

#[derive(Serialize)]
struct ToolDelta<'a> {
    index: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    function: FunctionDelta<'a>,
    /// Gemini's thought signature, in the call's first delta only (§2.4 rule 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_content: Option<&'a Value>,
}

#[derive(Serialize)]
struct FunctionDelta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    arguments: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::{Request, Signature, Tool, ToolKind, vendor_tool_name};
    use crate::chat::is_well_formed;
    use crate::{ApiError, ErrorKind};
    use proptest::prelude::*;

    fn reply(include_usage: bool, tools: &[&str]) -> Arc<Reply> {
        let req = Request {
            include_usage,
            stream: true,
            tools: tools
                .iter()
                .map(|n| Tool {
                    name: (*n).to_owned(),
                    description: None,
                    schema: serde_json::json!({"type": "object"}),
                    strict: None,
                    kind: ToolKind::Function,
                    cache: None,
                })
                .collect(),
            ..Request::default()
        };
        Arc::new(Reply::new("client-model", Arc::new(req), 42, 1_700_000_000))
    }

    fn encode_all(reply: Arc<Reply>, events: &[Event]) -> String {
        let mut enc = StreamEncoder::new(reply);
        let mut out = BytesMut::new();
        for e in events {
            enc.encode(e, &mut out);
        }
        String::from_utf8(out.to_vec()).unwrap()
    }

    fn start() -> Event {
        Event::Start {
            id: "msg_01Abc".into(),
            usage: None,
        }
    }

    fn text(key: Key, s: &str) -> Event {
        Event::Delta {
            key,
            delta: Delta::Text(s.into()),
        }
    }

    fn block(key: Key, block: Block) -> Event {
        Event::BlockStart { key, block }
    }

    fn call(key: Key, id: &str, name: &str) -> Event {
        block(
            key,
            Block::ToolCall {
                id: id.into(),
                name: name.into(),
                extras: None,
            },
        )
    }

    fn args(key: Key, s: &str) -> Event {
        Event::Delta {
            key,
            delta: Delta::Arguments(s.into()),
        }
    }

    fn finish(reason: StopReason) -> Event {
        Event::Finish {
            reason,
            stop_sequence: None,
        }
    }

    fn usage() -> Event {
        Event::Usage(Usage {
            input: 5,
            cache_read: 100,
            cache_write: 0,
            output: 20,
            reasoning: Some(8),
        })
    }

    /// Snapshots and the grammar check together: every snapshot must also be well-formed.
    fn checked(reply: Arc<Reply>, events: &[Event]) -> String {
        let text = encode_all(reply, events);
        assert_eq!(is_well_formed(&text), Ok(()), "{text}");
        text
    }

    #[test]
    fn text_stream_snapshot() {
        let text = checked(
            reply(false, &[]),
            &[
                start(),
                block(0, Block::Text),
                text(0, "Hello"),
                Event::Ping,
                text(0, ", world"),
                Event::BlockStop { key: 0 },
                finish(StopReason::EndTurn),
                usage(),
                Event::End,
            ],
        );
        insta::assert_snapshot!("stream_text", text);
    }

    #[test]
    fn reasoning_then_text_snapshot() {
        let text = checked(
            reply(false, &[]),
            &[
                start(),
                block(0, Block::Reasoning { item_id: None }),
                Event::Delta {
                    key: 0,
                    delta: Delta::Reasoning("Think".into()),
                },
                Event::Delta {
                    key: 0,
                    delta: Delta::Signature(Signature::from_vendor("anthropic", "EqQB")),
                },
                Event::BlockStop { key: 0 },
                block(1, Block::Text),
                text(1, "Answer"),
                Event::BlockStop { key: 1 },
                finish(StopReason::MaxTokens),
                Event::End,
            ],
        );
        assert!(!text.contains("EqQB"), "signatures have no Chat field");
        insta::assert_snapshot!("stream_reasoning_text", text);
    }

    #[test]
    fn parallel_tool_calls_snapshot() {
        // §4.3.3: dense tool index (block keys 3 and 7 become 0 and 1), id/name/type once,
        // fragments routed by key, client tool names restored, choice index 0 throughout.
        let long = format!("mcp__server__{}", "x".repeat(70));
        let text = checked(
            reply(true, &[&long]),
            &[
                start(),
                block(1, Block::Text),
                text(1, "Two calls."),
                Event::BlockStop { key: 1 },
                call(3, "toolu_A", "Read"),
                call(7, "toolu_B", &vendor_tool_name(&long)),
                args(3, "{\"pa"),
                args(7, "{\"q\":"),
                args(3, "th\":\"a\"}"),
                args(7, "1}"),
                Event::BlockStop { key: 3 },
                Event::BlockStop { key: 7 },
                finish(StopReason::ToolUse),
                usage(),
                Event::End,
            ],
        );
        assert!(text.contains(&format!("\"name\":\"{long}\"")));
        insta::assert_snapshot!("stream_parallel_tools", text);
    }

    #[test]
    fn usage_after_finish_snapshot() {
        // §4.1/§4.2: with include_usage, `"usage": null` on every chunk, then a choice-less
        // usage chunk after the finish chunk, then [DONE]; usage arriving after Finish counts.
        let text = checked(
            reply(true, &[]),
            &[
                start(),
                block(0, Block::Text),
                text(0, "ok"),
                Event::BlockStop { key: 0 },
                finish(StopReason::EndTurn),
                usage(),
                Event::End,
            ],
        );
        insta::assert_snapshot!("stream_usage_after_finish", text);
    }

    #[test]
    fn mid_stream_error_snapshot() {
        // §5.3: a data frame with a top-level `error`, and no [DONE].
        let text = checked(
            reply(false, &[]),
            &[
                start(),
                block(0, Block::Text),
                text(0, "partial"),
                Event::Error(ApiError::new(ErrorKind::Overloaded, "Overloaded")),
                Event::End,
            ],
        );
        assert!(!text.contains("[DONE]"));
        insta::assert_snapshot!("stream_error", text);
    }

    #[test]
    fn end_without_finish_still_finishes() {
        // custom.md: End without Finish → a finish chunk first (tool_calls if calls were sent).
        let text = checked(
            reply(false, &[]),
            &[start(), call(0, "c", "a"), args(0, "{}"), Event::End],
        );
        assert!(text.contains(r#""finish_reason":"tool_calls""#), "{text}");
        let text = checked(reply(false, &[]), &[Event::End]);
        assert!(text.contains(r#""finish_reason":"stop""#), "{text}");
        assert!(text.contains(r#""role":"assistant""#), "{text}");
    }

    #[test]
    fn no_usage_chunk_unless_asked() {
        // §4.3.3: without include_usage, no choice-less chunk (strict parsers choke on it).
        let text = checked(
            reply(false, &[]),
            &[start(), finish(StopReason::EndTurn), usage(), Event::End],
        );
        assert!(!text.contains("\"usage\""), "{text}");
        let text = checked(
            reply(true, &[]),
            &[start(), finish(StopReason::EndTurn), Event::End],
        );
        // No usage from the vendor: the input estimate stands in.
        assert!(
            text.contains(r#""choices":[],"usage":{"prompt_tokens":42"#),
            "{text}"
        );
    }

    #[test]
    fn nothing_after_end_and_no_content_after_finish() {
        let text = checked(
            reply(false, &[]),
            &[
                start(),
                finish(StopReason::EndTurn),
                block(0, Block::Text),
                text(0, "late"),
                call(1, "c", "a"),
                Event::End,
                text(0, "later"),
                Event::Error(ApiError::new(ErrorKind::Internal, "x")),
                Event::Ping,
            ],
        );
        assert!(!text.contains("late"), "{text}");
        assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    }

    #[test]
    fn start_usage_stands_until_the_vendor_reports_more() {
        let announced = Usage {
            input: 7,
            cache_read: 3,
            ..Usage::default()
        };
        let events = [
            Event::Start {
                id: "x".into(),
                usage: Some(announced),
            },
            finish(StopReason::EndTurn),
            Event::End,
        ];
        let text = checked(reply(true, &[]), &events);
        assert!(text.contains(r#""usage":{"prompt_tokens":10,"#), "{text}");
    }

    #[test]
    fn calls_without_id_get_one_and_calls_without_name_are_dropped() {
        let text = checked(
            reply(false, &[]),
            &[
                start(),
                call(0, "", "a"),
                call(1, "c", ""),
                args(1, "{}"),
                Event::End,
            ],
        );
        assert!(text.contains(r#""id":"call_0""#), "{text}");
        assert_eq!(text.matches(r#""tool_calls":["#).count(), 1, "{text}");
    }

    #[test]
    fn arguments_for_unknown_keys_are_dropped() {
        // A fragment without its call's head would make the accumulator build a nameless call.
        let text = checked(
            reply(false, &[]),
            &[
                start(),
                args(9, "{}"),
                finish(StopReason::EndTurn),
                Event::End,
            ],
        );
        assert!(!text.contains("tool_calls\":["), "{text}");
        assert!(text.contains(r#""finish_reason":"stop""#));
    }

    fn event() -> impl Strategy<Value = Event> {
        let key = 0u32..4;
        let s = prop_oneof![Just(String::new()), "[a-z\"{}]{1,4}"];
        let reason = prop_oneof![
            Just(StopReason::EndTurn),
            Just(StopReason::ToolUse),
            Just(StopReason::MaxTokens),
            Just(StopReason::Refusal),
            Just(StopReason::StopSequence),
        ];
        let block_kind = prop_oneof![
            Just(Block::Text),
            Just(Block::Reasoning { item_id: None }),
            Just(Block::RedactedReasoning { data: "r".into() }),
            ("[a-z_]{0,5}", "[A-Za-z.]{0,5}").prop_map(|(id, name)| Block::ToolCall {
                id,
                name,
                extras: None
            }),
        ];
        let delta = prop_oneof![
            s.clone().prop_map(Delta::Text),
            s.clone().prop_map(Delta::Reasoning),
            s.clone().prop_map(Delta::Arguments),
            Just(Delta::Signature(Signature::from_vendor("v", "x"))),
        ];
        prop_oneof![
            1 => Just(Event::Start {
                id: "id-1".into(),
                usage: None
            }),
            2 => (key.clone(), block_kind).prop_map(|(key, block)| Event::BlockStart { key, block }),
            4 => (key.clone(), delta).prop_map(|(key, delta)| Event::Delta { key, delta }),
            1 => key.prop_map(|key| Event::BlockStop { key }),
            1 => reason.prop_map(|reason| Event::Finish {
                reason,
                stop_sequence: None
            }),
            1 => (0u64..50).prop_map(|n| Event::Usage(Usage {
                input: n,
                ..Usage::default()
            })),
            1 => Just(Event::Ping),
            1 => Just(Event::End),
            1 => Just(Event::Error(ApiError::new(ErrorKind::Overloaded, "busy"))),
        ]
    }

    proptest! {
        #[test]
        fn any_event_sequence_gives_a_well_formed_stream(
            events in proptest::collection::vec(event(), 0..24),
            include_usage in any::<bool>(),
        ) {
            let mut all = events.clone();
            // Every stream the gateway produces ends; make sure this one does too.
            all.push(Event::End);
            let text = encode_all(reply(include_usage, &[]), &all);
            prop_assert_eq!(is_well_formed(&text), Ok(()), "{}", text);
            let errored = all
                .iter()
                .position(|e| matches!(e, Event::Error(_)))
                .is_some_and(|i| i < all.iter().position(|e| matches!(e, Event::End)).unwrap_or(usize::MAX));
            prop_assert_eq!(text.contains("[DONE]"), !errored);
        }
    }
}
