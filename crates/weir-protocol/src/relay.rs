//! The same-protocol stream relay: the vendor's SSE stream on its way to the client, event by
//! event, unbuffered beyond the event being completed.
//!
//! When client and vendor speak the same protocol weir forwards the vendor's events as they
//! came, with one edit: the model name, so the client sees the name it asked for. On the way the
//! relay notes what the gateway must know: whether a first well-formed event has arrived (the
//! commit barrier), whether the protocol's terminal event arrived (a clean end), whether the
//! vendor reported an error in the stream, and the context a weir error event needs if the
//! stream breaks.
//!
//! Forwarding is byte-exact except for the events whose model name is rewritten: those are
//! written anew as `event: X\n` (when the vendor sent an event line) and `data: <json>\n\n`, the
//! JSON being the vendor's with only the model string spliced in. Frames without data (comments
//! such as `: ping`, `event:`-only blocks) pass unchanged and do not count as events. The output
//! is the same however the vendor's bytes are split into chunks.

use bytes::BytesMut;
use serde_json::Value;

use crate::sse::{self, Frame, Framer};
use crate::{ApiError, Protocol, StreamContext, json};

/// The stream broke in a way the relay cannot forward.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    /// An event whose `data` is not a JSON object (or, for Chat Completions, neither a JSON
    /// object nor `[DONE]`).
    #[error("the vendor sent a malformed stream event")]
    Malformed,
}

/// Where a relayed stream stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayState {
    /// No complete event yet.
    Waiting,
    /// At least one well-formed event was relayed, no terminal event yet.
    Streaming,
    /// The protocol's terminal event was relayed: Anthropic `message_stop`; Chat Completions
    /// `data: [DONE]`; Responses `response.completed` or `response.incomplete`.
    Finished,
    /// The vendor ended the stream with an error event (Anthropic `event: error`; Chat
    /// Completions a chunk with a top-level `error`; Responses `response.failed`, or `error` as
    /// the first event). The error event itself was relayed.
    ///
    /// A Responses `error` event is this state only as the stream's first event. Later in the
    /// stream it does not end it: Codex ignores `error` events and fails the turn on
    /// `response.failed`, so the relay records the error ([`StreamRelay::vendor_error`]) and
    /// keeps relaying until `response.failed` arrives. If the vendor stops after the `error`
    /// event, the gateway sees a stream that ended while [`RelayState::Streaming`] and closes it
    /// with its own `response.failed`.
    VendorError,
}

/// Relays one same-protocol SSE stream.
#[derive(Debug)]
pub struct StreamRelay {
    protocol: Protocol,
    client_model: Option<String>,
    framer: Framer,
    state: RelayState,
    events: u64,
    /// A malformed event was seen; everything after it is ignored.
    broken: bool,
    vendor_error: Option<ApiError>,
    next_sequence_number: u64,
    response_id: Option<String>,
    /// The model name the vendor announced (reported when there is no client model).
    vendor_model: Option<String>,
}

impl StreamRelay {
    /// A relay for a stream of `protocol`. When `client_model` is `Some`, the model name in the
    /// events that carry one is replaced by it: Anthropic `message_start` (`message.model`); Chat
    /// Completions every chunk (`model`); Responses the events that carry the response object
    /// (`response.model`).
    pub fn new(protocol: Protocol, client_model: Option<String>) -> Self {
        StreamRelay {
            protocol,
            client_model,
            framer: Framer::new(),
            state: RelayState::Waiting,
            events: 0,
            broken: false,
            vendor_error: None,
            next_sequence_number: 0,
            response_id: None,
            vendor_model: None,
        }
    }

    /// Feeds bytes from the vendor. Every event completed by them is appended to `out` (rewritten
    /// where needed; comments such as `: ping` and unknown events pass unchanged). Bytes of an
    /// incomplete event stay buffered until it completes. After an error, or once the state is
    /// [`RelayState::Finished`] or [`RelayState::VendorError`], further bytes are ignored.
    ///
    /// When `Err` is returned, the events before the malformed one have been appended to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut BytesMut) -> Result<(), RelayError> {
        if self.stopped() {
            return Ok(());
        }
        self.framer.push(chunk);
        while let Some(frame) = self.framer.next_frame() {
            self.relay(frame, out)?;
            if self.stopped() {
                break;
            }
        }
        Ok(())
    }

    /// Declares the end of the vendor's stream. Only needed for streams whose lines end in a
    /// bare `\r`: an event ended by a `\r` that is the very last byte is held back until the next
    /// byte shows whether a `\n` follows (see [`crate::sse`]); this relays it. Bytes of an
    /// event cut off by the end of the stream are dropped.
    pub fn finish(&mut self, out: &mut BytesMut) -> Result<(), RelayError> {
        if self.stopped() {
            return Ok(());
        }
        match self.framer.finish() {
            Some(frame) => self.relay(frame, out),
            None => Ok(()),
        }
    }

    /// Where the stream stands.
    pub fn state(&self) -> RelayState {
        self.state
    }

    /// Number of well-formed data events relayed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The vendor's in-stream error, normalised, once the state is [`RelayState::VendorError`]
    /// (for Responses, already after an `error` event; see [`RelayState::VendorError`]).
    pub fn vendor_error(&self) -> Option<&ApiError> {
        self.vendor_error.as_ref()
    }

    /// What an error event written by weir needs to continue this stream correctly (next
    /// Responses `sequence_number`, the response id, the client's model name).
    ///
    /// The model is the client's when the relay rewrites it, otherwise the one the vendor
    /// announced, if any.
    pub fn context(&self) -> StreamContext {
        StreamContext {
            next_sequence_number: self.next_sequence_number,
            response_id: self.response_id.clone(),
            model: self
                .client_model
                .clone()
                .or_else(|| self.vendor_model.clone()),
        }
    }

    fn stopped(&self) -> bool {
        self.broken || matches!(self.state, RelayState::Finished | RelayState::VendorError)
    }

    fn relay(&mut self, frame: Frame, out: &mut BytesMut) -> Result<(), RelayError> {
        let data = match frame.data.as_deref() {
            // No data, or data that dispatches no event under the SSE rules: not an event.
            None | Some("") => {
                out.extend_from_slice(&frame.raw);
                return Ok(());
            }
            Some(data) => data,
        };
        if data.starts_with("[DONE]") {
            // The Chat Completions terminator; tolerated (and not counted) in the others.
            out.extend_from_slice(&frame.raw);
            if self.protocol == Protocol::OpenAiChat {
                self.events += 1;
                self.state = RelayState::Finished;
            }
            return Ok(());
        }
        let event = match serde_json::from_str::<Value>(data) {
            Ok(event @ Value::Object(_)) => event,
            _ => {
                self.broken = true;
                return Err(RelayError::Malformed);
            }
        };
        self.events += 1;
        if self.state == RelayState::Waiting {
            self.state = RelayState::Streaming;
        }
        let model_path = match self.protocol {
            Protocol::Anthropic => self.note_anthropic(frame.event.as_deref(), &event),
            Protocol::OpenAiChat => self.note_chat(&event),
            Protocol::OpenAiResponses => self.note_responses(frame.event.as_deref(), &event),
        };
        let current = model_path.and_then(|path| lookup(&event, path)?.as_str());
        if let Some(current) = current
            && self.vendor_model.as_deref() != Some(current)
        {
            self.vendor_model = Some(current.to_owned());
        }
        let rewritten = match (model_path, &self.client_model, current) {
            (Some(path), Some(client), Some(current)) if client != current => {
                json::replace_string(data.as_bytes(), path, client)
                    .and_then(|bytes| String::from_utf8(bytes).ok())
            }
            _ => None,
        };
        match rewritten {
            Some(data) => out.extend_from_slice(&sse::encode(frame.event.as_deref(), &data)),
            None => out.extend_from_slice(&frame.raw),
        }
        Ok(())
    }

    /// Notes state from an Anthropic event; returns where its model name is, if anywhere.
    fn note_anthropic(
        &mut self,
        name: Option<&str>,
        event: &Value,
    ) -> Option<&'static [&'static str]> {
        // The SDKs dispatch on the event name; `data.type` stands in when there is none.
        match event_type(name, event, true) {
            "message_start" => return Some(&["message", "model"]),
            "message_stop" => self.state = RelayState::Finished,
            "error" => self.fail(event),
            _ => {}
        }
        None
    }

    fn note_chat(&mut self, event: &Value) -> Option<&'static [&'static str]> {
        if event.get("error").is_some_and(|e| !e.is_null()) {
            self.fail(event);
            return None;
        }
        Some(&["model"])
    }

    fn note_responses(
        &mut self,
        name: Option<&str>,
        event: &Value,
    ) -> Option<&'static [&'static str]> {
        if let Some(n) = event.get("sequence_number").and_then(Value::as_u64) {
            self.next_sequence_number = n.saturating_add(1);
        }
        let kind = event_type(name, event, false);
        let response = event.get("response").filter(|r| r.is_object());
        if let Some(id) = response.and_then(|r| r.get("id")?.as_str())
            && (kind == "response.created" || self.response_id.is_none())
        {
            self.response_id = Some(id.to_owned());
        }
        match kind {
            "response.completed" | "response.incomplete" => self.state = RelayState::Finished,
            "response.failed" => {
                let has_details = response
                    .and_then(|r| r.get("error"))
                    .is_some_and(Value::is_object);
                if has_details || self.vendor_error.is_none() {
                    self.vendor_error = Some(ApiError::from_stream_event(event));
                }
                self.state = RelayState::VendorError;
            }
            // Before anything else nothing can have reached the client: the error ends the stream
            // (the gateway can still answer with an HTTP error). Later it is recorded, but the
            // stream goes on to its `response.failed` (see `RelayState::VendorError`).
            "error" if self.events == 1 => self.fail(event),
            "error" => self.vendor_error = Some(ApiError::from_stream_event(event)),
            _ => {}
        }
        response.map(|_| &["response", "model"][..])
    }

    fn fail(&mut self, event: &Value) {
        self.vendor_error = Some(ApiError::from_stream_event(event));
        self.state = RelayState::VendorError;
    }
}

/// The event's type: its SSE event name or its `type` field, whichever the protocol's clients go
/// by first (`name_first`), falling back to the other.
fn event_type<'a>(name: Option<&'a str>, event: &'a Value, name_first: bool) -> &'a str {
    let name = name.filter(|n| !n.is_empty());
    let field = event.get("type").and_then(Value::as_str);
    let (first, second) = if name_first {
        (name, field)
    } else {
        (field, name)
    };
    first.or(second).unwrap_or("")
}

fn lookup<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use proptest::prelude::*;

    const ANTHROPIC: &str = r#"event: message_start
data: {"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":377,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,"service_tier":"standard"}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"I am \"claude-sonnet-4-5-20250929\"."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"set_model","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"model\": \"claude-sonnet-4-5-20250929\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":65}}

event: message_stop
data: {"type":"message_stop"}

"#;

    const CHAT: &str = r#"data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_fc9f1d7035","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

: OPENROUTER PROCESSING

data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_fc9f1d7035","choices":[{"index":0,"delta":{"content":"The \"model\": gpt-4o-2024-08-06"},"logprobs":null,"finish_reason":null}],"usage":null}

data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_fc9f1d7035","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}

data: {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_fc9f1d7035","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}}

data: [DONE]

"#;

    const RESPONSES: &str = r#"event: response.created
data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_67c9fdcecf488190bdd9a0409de3a1ec","object":"response","created_at":1741290958,"status":"in_progress","model":"gpt-5-codex","output":[],"usage":null}}

event: response.in_progress
data: {"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_67c9fdcecf488190bdd9a0409de3a1ec","object":"response","created_at":1741290958,"status":"in_progress","model":"gpt-5-codex","output":[],"usage":null}}

event: response.output_item.added
data: {"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_67c9fdcf","type":"message","status":"in_progress","role":"assistant","content":[]}}

event: response.output_text.delta
data: {"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_67c9fdcf","output_index":0,"content_index":0,"delta":"{\"model\":\"gpt-5-codex\"}","logprobs":[]}

event: response.output_item.done
data: {"type":"response.output_item.done","sequence_number":4,"output_index":0,"item":{"id":"msg_67c9fdcf","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"{\"model\":\"gpt-5-codex\"}","annotations":[]}]}}

event: response.completed
data: {"type":"response.completed","sequence_number":5,"response":{"id":"resp_67c9fdcecf488190bdd9a0409de3a1ec","object":"response","created_at":1741290958,"status":"completed","model":"gpt-5-codex","output":[{"id":"msg_67c9fdcf","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"{\"model\":\"gpt-5-codex\"}","annotations":[]}]}],"usage":{"input_tokens":37,"input_tokens_details":{"cached_tokens":0},"output_tokens":11,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":48}}}

"#;

    fn fixture(p: Protocol) -> &'static str {
        match p {
            Protocol::Anthropic => ANTHROPIC,
            Protocol::OpenAiChat => CHAT,
            Protocol::OpenAiResponses => RESPONSES,
        }
    }

    #[derive(Debug, PartialEq)]
    struct Run {
        out: Vec<u8>,
        error: Option<RelayError>,
        state: RelayState,
        events: u64,
        vendor_error: Option<ApiError>,
        context: StreamContext,
    }

    fn run(p: Protocol, model: Option<&str>, chunks: &[&[u8]]) -> Run {
        let mut relay = StreamRelay::new(p, model.map(str::to_owned));
        let mut out = BytesMut::new();
        let mut error = None;
        for chunk in chunks {
            if let Err(e) = relay.feed(chunk, &mut out) {
                error.get_or_insert(e);
            }
        }
        if let Err(e) = relay.finish(&mut out) {
            error.get_or_insert(e);
        }
        Run {
            out: out.to_vec(),
            error,
            state: relay.state(),
            events: relay.events(),
            vendor_error: relay.vendor_error().cloned(),
            context: relay.context(),
        }
    }

    fn frames(bytes: &[u8]) -> Vec<Frame> {
        let mut framer = Framer::new();
        framer.push(bytes);
        std::iter::from_fn(|| framer.next_frame()).collect()
    }

    #[test]
    fn passthrough_is_byte_exact_without_a_client_model() {
        for (p, events) in [
            (Protocol::Anthropic, 10),
            (Protocol::OpenAiChat, 5),
            (Protocol::OpenAiResponses, 6),
        ] {
            let r = run(p, None, &[fixture(p).as_bytes()]);
            assert_eq!(String::from_utf8(r.out).unwrap(), fixture(p), "{p}");
            assert_eq!(
                (r.error, r.state, r.events),
                (None, RelayState::Finished, events),
                "{p}"
            );
        }
    }

    #[test]
    fn model_is_rewritten_in_the_right_events_and_nowhere_else() {
        let mut snapshot = String::new();
        for p in Protocol::ALL {
            let input = fixture(p).as_bytes();
            let r = run(p, Some("my-alias"), &[input]);
            assert_eq!(r.state, RelayState::Finished);
            let (before, after) = (frames(input), frames(&r.out));
            assert_eq!(before.len(), after.len());
            let mut rewritten = 0;
            for (b, a) in before.iter().zip(&after) {
                if a.raw == b.raw {
                    continue;
                }
                rewritten += 1;
                assert_eq!(a.event, b.event);
                let mut expected: Value = serde_json::from_str(b.data.as_deref().unwrap()).unwrap();
                let path: &[&str] = match p {
                    Protocol::Anthropic => &["message", "model"],
                    Protocol::OpenAiChat => &["model"],
                    Protocol::OpenAiResponses => &["response", "model"],
                };
                *path
                    .iter()
                    .try_fold(&mut expected, |v, k| v.get_mut(*k))
                    .unwrap() = "my-alias".into();
                let got: Value = serde_json::from_str(a.data.as_deref().unwrap()).unwrap();
                assert_eq!(got, expected);
            }
            let expected_rewrites = match p {
                Protocol::Anthropic => 1,       // message_start
                Protocol::OpenAiChat => 4,      // every chunk, not [DONE]
                Protocol::OpenAiResponses => 3, // created, in_progress, completed
            };
            assert_eq!(rewritten, expected_rewrites, "{p}");
            assert_eq!(r.context.model.as_deref(), Some("my-alias"));
            snapshot.push_str(&format!("## {p}\n{}", String::from_utf8(r.out).unwrap()));
        }
        insta::assert_snapshot!("rewritten_streams", snapshot);
    }

    #[test]
    fn same_model_name_is_forwarded_untouched() {
        let r = run(
            Protocol::OpenAiChat,
            Some("gpt-4o-2024-08-06"),
            &[CHAT.as_bytes()],
        );
        assert_eq!(r.out, CHAT.as_bytes());
    }

    #[test]
    fn states_follow_the_stream() {
        let mut relay = StreamRelay::new(Protocol::Anthropic, None);
        let mut out = BytesMut::new();
        assert_eq!(relay.state(), RelayState::Waiting);
        relay
            .feed(
                b": comment\n\nevent: ping\n\nevent: message_start\ndata: {\"type\":\"mess",
                &mut out,
            )
            .unwrap();
        assert_eq!((relay.state(), relay.events()), (RelayState::Waiting, 0));
        assert_eq!(&out[..], b": comment\n\nevent: ping\n\n");
        relay
            .feed(b"age_start\",\"message\":{}}\n\n", &mut out)
            .unwrap();
        assert_eq!((relay.state(), relay.events()), (RelayState::Streaming, 1));
        relay
            .feed(
                b"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
                &mut out,
            )
            .unwrap();
        assert_eq!(relay.state(), RelayState::Finished);
        let len = out.len();
        relay
            .feed(b"event: ping\ndata: {\"type\":\"ping\"}\n\n", &mut out)
            .unwrap();
        assert_eq!((out.len(), relay.events()), (len, 2));
    }

    #[test]
    fn bytes_after_the_terminal_event_in_the_same_chunk_are_dropped() {
        let input = format!("{CHAT}data: {{\"late\":true}}\n\n");
        let r = run(Protocol::OpenAiChat, None, &[input.as_bytes()]);
        assert_eq!(r.out, CHAT.as_bytes());
    }

    #[test]
    fn malformed_data_is_an_error_after_the_good_events() {
        for p in Protocol::ALL {
            let input = b"data: {\"type\":\"x\",\"model\":\"m\"}\n\n: c\n\ndata: {\"type\": oops}\n\ndata: {}\n\n";
            let mut relay = StreamRelay::new(p, None);
            let mut out = BytesMut::new();
            assert_eq!(relay.feed(input, &mut out), Err(RelayError::Malformed));
            assert_eq!(
                &out[..],
                b"data: {\"type\":\"x\",\"model\":\"m\"}\n\n: c\n\n"
            );
            assert_eq!(relay.events(), 1);
            // Afterwards everything is ignored.
            assert_eq!(relay.feed(b"data: {}\n\n", &mut out), Ok(()));
            assert_eq!(relay.events(), 1);
        }
        let r = run(Protocol::OpenAiChat, None, &[b"data: [1,2]\n\n"]);
        assert_eq!(r.error, Some(RelayError::Malformed));
        // Empty data dispatches nothing in SSE; `[DONE]` is tolerated outside Chat Completions.
        let r = run(Protocol::Anthropic, None, &[b"data:\n\ndata: [DONE]\n\n"]);
        assert_eq!((r.error, r.events, r.state), (None, 0, RelayState::Waiting));
    }

    #[test]
    fn anthropic_error_event_is_captured() {
        let input = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-x\"}}\n\n\
                     event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        let r = run(Protocol::Anthropic, None, &[input.as_bytes()]);
        assert_eq!(r.state, RelayState::VendorError);
        assert_eq!(r.out, input.as_bytes());
        assert_eq!(
            r.vendor_error,
            Some(ApiError::new(ErrorKind::Overloaded, "Overloaded"))
        );
        assert_eq!(r.context.model.as_deref(), Some("claude-x"));
    }

    #[test]
    fn chat_error_chunk_is_captured() {
        let input = "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n\
                     data: {\"error\":{\"message\":\"This model's maximum context length is 8192 tokens.\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}\n\n\
                     data: [DONE]\n\n";
        let r = run(Protocol::OpenAiChat, Some("alias"), &[input.as_bytes()]);
        assert_eq!(r.state, RelayState::VendorError);
        assert!(!String::from_utf8(r.out).unwrap().contains("[DONE]"));
        let err = r.vendor_error.unwrap();
        assert_eq!(err.kind, ErrorKind::ContextLengthExceeded);
        assert_eq!(err.param.as_deref(), Some("messages"));
    }

    #[test]
    fn responses_error_then_failed() {
        let created = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-5\",\"status\":\"in_progress\"}}\n\n";
        let error = "event: error\ndata: {\"type\":\"error\",\"code\":\"rate_limit_exceeded\",\"message\":\"Rate limit reached. Please try again in 3s.\",\"param\":null,\"sequence_number\":1}\n\n";
        let failed = "event: response.failed\ndata: {\"type\":\"response.failed\",\"sequence_number\":2,\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-5\",\"status\":\"failed\",\"error\":{\"code\":\"rate_limit_exceeded\",\"message\":\"Rate limit reached. Please try again in 3s.\"}}}\n\n";

        let mut relay = StreamRelay::new(Protocol::OpenAiResponses, None);
        let mut out = BytesMut::new();
        relay.feed(created.as_bytes(), &mut out).unwrap();
        relay.feed(error.as_bytes(), &mut out).unwrap();
        assert_eq!(relay.state(), RelayState::Streaming);
        assert_eq!(
            relay.vendor_error().map(|e| e.kind),
            Some(ErrorKind::RateLimited)
        );
        assert_eq!(
            relay.context(),
            StreamContext {
                next_sequence_number: 2,
                response_id: Some("resp_1".into()),
                model: Some("gpt-5".into())
            }
        );
        relay.feed(failed.as_bytes(), &mut out).unwrap();
        assert_eq!(relay.state(), RelayState::VendorError);
        assert_eq!(
            relay.vendor_error().map(|e| e.kind),
            Some(ErrorKind::RateLimited)
        );
        assert_eq!(relay.context().next_sequence_number, 3);
        assert_eq!(&out[..], format!("{created}{error}{failed}").as_bytes());
    }

    #[test]
    fn responses_error_as_first_event_ends_the_stream() {
        let error = "event: error\ndata: {\"type\":\"error\",\"code\":\"insufficient_quota\",\"message\":\"You exceeded your current quota.\",\"param\":null,\"sequence_number\":0}\n\n";
        let r = run(Protocol::OpenAiResponses, None, &[error.as_bytes()]);
        assert_eq!(r.state, RelayState::VendorError);
        assert_eq!(r.vendor_error.map(|e| e.kind), Some(ErrorKind::Billing));
        assert_eq!(r.context.next_sequence_number, 1);
    }

    #[test]
    fn responses_context_tracks_sequence_and_id() {
        let r = run(
            Protocol::OpenAiResponses,
            Some("alias"),
            &[RESPONSES.as_bytes()],
        );
        assert_eq!(
            r.context,
            StreamContext {
                next_sequence_number: 6,
                response_id: Some("resp_67c9fdcecf488190bdd9a0409de3a1ec".into()),
                model: Some("alias".into())
            }
        );
    }

    #[test]
    fn carriage_return_only_stream_completes_on_finish() {
        let input = CHAT.replace('\n', "\r");
        let mut relay = StreamRelay::new(Protocol::OpenAiChat, None);
        let mut out = BytesMut::new();
        relay.feed(input.as_bytes(), &mut out).unwrap();
        assert_eq!(relay.state(), RelayState::Streaming);
        relay.finish(&mut out).unwrap();
        assert_eq!(relay.state(), RelayState::Finished);
        assert_eq!(&out[..], input.as_bytes());
    }

    fn with_line_endings(s: &str, ending: u8) -> String {
        match ending {
            0 => s.to_owned(),
            1 => s.replace('\n', "\r\n"),
            _ => s.replace('\n', "\r"),
        }
    }

    fn cut(input: &[u8], mut cuts: Vec<usize>) -> Vec<&[u8]> {
        cuts.iter_mut().for_each(|c| *c %= input.len() + 1);
        cuts.sort_unstable();
        let mut prev = 0;
        let mut chunks = Vec::new();
        for c in cuts.into_iter().chain([input.len()]) {
            chunks.push(&input[prev..c]);
            prev = c;
        }
        chunks
    }

    proptest! {
        #[test]
        fn chunking_never_changes_the_output(
            which in 0usize..3,
            ending in 0u8..3,
            prefix_len in 0usize..2000,
            model in prop::option::of("[a-z\"\\\\é]{1,8}"),
            cuts in prop::collection::vec(any::<usize>(), 0..12),
        ) {
            let p = Protocol::ALL[which];
            // Also start from the middle of a stream, and mix in the other protocols' events.
            let all = format!("{}{}{}", fixture(p), fixture(Protocol::ALL[(which + 1) % 3]), fixture(p));
            let start = all.char_indices().map(|(i, _)| i).find(|&i| i >= prefix_len % all.len()).unwrap_or(0);
            let input = with_line_endings(&all[start..], ending);
            let whole = run(p, model.as_deref(), &[input.as_bytes()]);
            let split = run(p, model.as_deref(), &cut(input.as_bytes(), cuts));
            prop_assert_eq!(&whole, &split);
            let bytewise: Vec<&[u8]> = input.as_bytes().chunks(1).collect();
            prop_assert_eq!(&whole, &run(p, model.as_deref(), &bytewise));
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            input in prop::collection::vec(any::<u8>(), 0..256),
            cuts in prop::collection::vec(any::<usize>(), 0..4),
        ) {
            for p in Protocol::ALL {
                let whole = run(p, Some("m"), &[&input]);
                prop_assert_eq!(&whole, &run(p, Some("m"), &cut(&input, cuts.clone())));
                let passthrough = run(p, None, &[&input]);
                prop_assert!(input.starts_with(&passthrough.out));
            }
        }
    }
}
