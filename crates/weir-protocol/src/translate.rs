//! Translation between the client's protocol and the vendor's: the dispatch over the three
//! codecs, and the stream translator that turns a vendor's SSE stream into the client's.
//!
//! Every translation goes through the canonical model ([`crate::canonical`]): the client's
//! request is decoded once and encoded for each vendor the gateway tries; the vendor's answer is
//! decoded into canonical form and encoded in the client's protocol. Same-protocol exchanges do
//! not come here; they are forwarded byte for byte ([`crate::relay`]).

use std::sync::Arc;

use bytes::BytesMut;

use crate::canonical::{
    Block, Delta, Event, Part, Profile, Reply, Request, Response, TranslateError,
};
use crate::relay::{RelayError, RelayState};
use crate::sse::{Frame, Framer};
use crate::{ApiError, ErrorKind, Protocol, anthropic, chat, responses};

/// Decodes a client's request body of protocol `p`.
pub fn decode_request(p: Protocol, body: &[u8]) -> Result<Request, TranslateError> {
    match p {
        Protocol::Anthropic => anthropic::decode_request(body),
        Protocol::OpenAiChat => chat::decode_request(body),
        Protocol::OpenAiResponses => responses::decode_request(body),
    }
}

/// Encodes `req` for a vendor of protocol `p` with quirks `profile`, asking for `model` (the
/// vendor's name for it; the request's own `model` is the client's).
pub fn encode_request(
    p: Protocol,
    req: &Request,
    model: &str,
    profile: &Profile,
) -> Result<Vec<u8>, TranslateError> {
    match p {
        Protocol::Anthropic => anthropic::encode_request_as(req, model, profile),
        Protocol::OpenAiChat => chat::encode_request_as(req, model, profile),
        Protocol::OpenAiResponses => responses::encode_request_as(req, model, profile),
    }
}

/// Decodes a vendor's (non-streamed) answer of protocol `p`; `origin` is the vendor's name, which
/// tags the reasoning signatures it made.
pub fn decode_response(p: Protocol, body: &[u8], origin: &str) -> Result<Response, TranslateError> {
    match p {
        Protocol::Anthropic => anthropic::decode_response(body, origin),
        Protocol::OpenAiChat => chat::decode_response(body, origin),
        Protocol::OpenAiResponses => responses::decode_response(body, origin),
    }
}

/// Encodes an answer for a client of protocol `p`.
pub fn encode_response(p: Protocol, resp: &Response, reply: &Reply) -> Vec<u8> {
    match p {
        Protocol::Anthropic => anthropic::encode_response(resp, reply),
        Protocol::OpenAiChat => chat::encode_response(resp, reply),
        Protocol::OpenAiResponses => responses::encode_response(resp, reply),
    }
}

/// The canonical events of a complete answer, for a client that asked for a stream from a
/// vendor that answered in one piece.
pub fn response_events(resp: &Response) -> Vec<Event> {
    let mut events = vec![Event::Start {
        id: resp.id.clone(),
        usage: Some(resp.usage),
    }];
    for (key, part) in (0u32..).zip(&resp.content) {
        match part {
            Part::Text { text, .. } => {
                events.push(Event::BlockStart {
                    key,
                    block: Block::Text,
                });
                events.push(Event::Delta {
                    key,
                    delta: Delta::Text(text.clone()),
                });
            }
            Part::Reasoning(r) if r.redacted.is_some() => {
                let data = r.redacted.clone().unwrap_or_default();
                events.push(Event::BlockStart {
                    key,
                    block: Block::RedactedReasoning { data },
                });
            }
            Part::Reasoning(r) => {
                events.push(Event::BlockStart {
                    key,
                    block: Block::Reasoning {
                        item_id: r.item_id.clone(),
                    },
                });
                events.push(Event::Delta {
                    key,
                    delta: Delta::Reasoning(r.text.clone()),
                });
                if let Some(sig) = &r.signature {
                    events.push(Event::Delta {
                        key,
                        delta: Delta::Signature(sig.clone()),
                    });
                }
            }
            Part::ToolCall(call) => {
                events.push(Event::BlockStart {
                    key,
                    block: Block::ToolCall {
                        id: call.id.clone(),
                        name: call.name.clone(),
                        extras: call.extras.clone(),
                    },
                });
                events.push(Event::Delta {
                    key,
                    delta: Delta::Arguments(call.arguments.clone()),
                });
            }
            Part::Image { .. } | Part::Document { .. } | Part::ToolResult(_) => continue,
        }
        events.push(Event::BlockStop { key });
    }
    events.push(Event::Finish {
        reason: resp.stop,
        stop_sequence: resp.stop_sequence.clone(),
    });
    events.push(Event::Usage(resp.usage));
    events.push(Event::End);
    events
}

/// The client's stream for a sequence of canonical events (a complete answer turned into a
/// stream, see [`response_events`]).
pub fn encode_stream(client: Protocol, reply: Arc<Reply>, events: &[Event]) -> BytesMut {
    let mut encoder = Encoder::new(client, reply);
    let mut out = BytesMut::new();
    for event in events {
        encoder.encode(event, &mut out);
    }
    out
}

enum Decoder {
    Anthropic(anthropic::StreamDecoder),
    Chat(chat::StreamDecoder),
    Responses(responses::StreamDecoder),
}

impl Decoder {
    fn event(
        &mut self,
        name: Option<&str>,
        data: &str,
        out: &mut Vec<Event>,
    ) -> Result<(), TranslateError> {
        match self {
            Decoder::Anthropic(d) => d.event(name, data, out),
            Decoder::Chat(d) => d.event(name, data, out),
            Decoder::Responses(d) => d.event(name, data, out),
        }
    }

    fn end(&mut self, out: &mut Vec<Event>) {
        match self {
            Decoder::Anthropic(d) => d.end(out),
            Decoder::Chat(d) => d.end(out),
            Decoder::Responses(d) => d.end(out),
        }
    }

    fn is_done(&self) -> bool {
        match self {
            Decoder::Anthropic(d) => d.is_done(),
            Decoder::Chat(d) => d.is_done(),
            Decoder::Responses(d) => d.is_done(),
        }
    }
}

// Boxed: the encoders differ a lot in size, and one lives per stream.
enum Encoder {
    Anthropic(Box<anthropic::StreamEncoder>),
    Chat(Box<chat::StreamEncoder>),
    Responses(Box<responses::StreamEncoder>),
}

impl Encoder {
    fn new(client: Protocol, reply: Arc<Reply>) -> Encoder {
        match client {
            Protocol::Anthropic => {
                Encoder::Anthropic(Box::new(anthropic::StreamEncoder::new(reply)))
            }
            Protocol::OpenAiChat => Encoder::Chat(Box::new(chat::StreamEncoder::new(reply))),
            Protocol::OpenAiResponses => {
                Encoder::Responses(Box::new(responses::StreamEncoder::new(reply)))
            }
        }
    }

    fn encode(&mut self, event: &Event, out: &mut BytesMut) {
        match self {
            Encoder::Anthropic(e) => e.encode(event, out),
            Encoder::Chat(e) => e.encode(event, out),
            Encoder::Responses(e) => e.encode(event, out),
        }
    }
}

/// Translates one vendor SSE stream into the client's protocol, event by event.
///
/// It offers what the gateway needs of a stream on its way to the client, as the same-protocol
/// [`crate::relay::StreamRelay`] does: where the stream stands (for the commit barrier), the
/// vendor's in-stream error if any, and a way to end the stream with an error of weir's own
/// ([`StreamTranslator::fail`]) that is well-formed in the client's protocol.
pub struct StreamTranslator {
    framer: Framer,
    decoder: Decoder,
    encoder: Encoder,
    events: Vec<Event>,
    state: RelayState,
    relayed: u64,
    vendor_error: Option<ApiError>,
    /// The client's stream has its terminator (the vendor's end or error, or weir's own).
    ended: bool,
    /// The vendor sent an event weir could not read: nothing more is read, and the client's
    /// stream still needs its terminator from [`StreamTranslator::fail`].
    broken: bool,
}

impl StreamTranslator {
    /// A translator from a `vendor` stream (made by the vendor named `origin`) to a `client`
    /// stream answering `reply`.
    pub fn new(vendor: Protocol, client: Protocol, origin: &str, reply: Arc<Reply>) -> Self {
        let decoder = match vendor {
            Protocol::Anthropic => Decoder::Anthropic(anthropic::StreamDecoder::new(origin)),
            Protocol::OpenAiChat => Decoder::Chat(chat::StreamDecoder::new(origin)),
            Protocol::OpenAiResponses => Decoder::Responses(responses::StreamDecoder::new(origin)),
        };
        let encoder = Encoder::new(client, reply);
        StreamTranslator {
            framer: Framer::new(),
            decoder,
            encoder,
            events: Vec::new(),
            state: RelayState::Waiting,
            relayed: 0,
            vendor_error: None,
            ended: false,
            broken: false,
        }
    }

    /// Feeds bytes from the vendor; the client's bytes for every event they complete are appended
    /// to `out`. A malformed vendor event is an error; the events before it were translated.
    pub fn feed(&mut self, chunk: &[u8], out: &mut BytesMut) -> Result<(), RelayError> {
        if self.ended || self.broken {
            return Ok(());
        }
        self.framer.push(chunk);
        while let Some(frame) = self.framer.next_frame() {
            self.frame(frame, out)?;
            if self.ended {
                break;
            }
        }
        Ok(())
    }

    /// Declares the end of the vendor's stream: the last held-back event is translated, and a
    /// stream that did not complete ends with the client protocol's error event.
    pub fn finish(&mut self, out: &mut BytesMut) -> Result<(), RelayError> {
        if self.ended || self.broken {
            return Ok(());
        }
        if let Some(frame) = self.framer.finish() {
            self.frame(frame, out)?;
        }
        if !self.ended {
            self.decoder.end(&mut self.events);
            self.emit(out);
        }
        Ok(())
    }

    /// Where the stream stands.
    pub fn state(&self) -> RelayState {
        self.state
    }

    /// Number of canonical events translated so far.
    pub fn events(&self) -> u64 {
        self.relayed
    }

    /// The vendor's in-stream error, once the state is [`RelayState::VendorError`].
    pub fn vendor_error(&self) -> Option<&ApiError> {
        self.vendor_error.as_ref()
    }

    /// Ends the stream with `error` (weir's own: a timeout, a broken connection, a malformed
    /// vendor event), rendered in the client's protocol, and returns its bytes; nothing once the
    /// stream has ended.
    pub fn fail(&mut self, error: ApiError) -> BytesMut {
        let mut out = BytesMut::new();
        if !self.ended {
            self.ended = true;
            self.encoder.encode(&Event::Error(error), &mut out);
        }
        out
    }

    fn frame(&mut self, frame: Frame, out: &mut BytesMut) -> Result<(), RelayError> {
        let Some(data) = frame.data.as_deref().filter(|d| !d.is_empty()) else {
            return Ok(());
        };
        if self
            .decoder
            .event(frame.event.as_deref(), data, &mut self.events)
            .is_err()
        {
            self.emit(out);
            // Stop reading, but leave the client's stream open for `fail`: the gateway ends it
            // with its own error, which must still reach the client.
            self.broken = true;
            return Err(RelayError::Malformed);
        }
        self.emit(out);
        Ok(())
    }

    fn emit(&mut self, out: &mut BytesMut) {
        for event in self.events.drain(..) {
            self.relayed += 1;
            match &event {
                Event::Error(e) => {
                    self.vendor_error = Some(e.clone());
                    self.state = RelayState::VendorError;
                    self.ended = true;
                }
                Event::End => {
                    self.state = RelayState::Finished;
                    self.ended = true;
                }
                _ => {
                    if self.state == RelayState::Waiting {
                        self.state = RelayState::Streaming;
                    }
                }
            }
            self.encoder.encode(&event, out);
        }
        if self.decoder.is_done() && !self.ended {
            // A decoder that finished without saying how: treat as a clean end.
            self.ended = true;
        }
    }
}

/// The error a malformed vendor answer becomes.
pub fn malformed_vendor_answer(vendor: &str, e: &TranslateError) -> ApiError {
    ApiError::new(
        ErrorKind::BadGateway,
        format!("weir: vendor {vendor} sent an answer weir could not read: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::Request;

    fn translator(vendor: Protocol, client: Protocol) -> StreamTranslator {
        let reply = Reply::new("m", Arc::new(Request::default()), 7, 1_700_000_000);
        StreamTranslator::new(vendor, client, "v", Arc::new(reply))
    }

    fn well_formed(client: Protocol, out: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(out).unwrap();
        match client {
            Protocol::Anthropic => anthropic::is_well_formed(text),
            Protocol::OpenAiChat => chat::is_well_formed(text),
            Protocol::OpenAiResponses => responses::is_well_formed(text),
        }
    }

    /// A malformed vendor event stops the translation, and the error the gateway then ends the
    /// stream with still reaches the client: before, the malformed event marked the stream as
    /// ended, `fail` wrote nothing, and the client was left with a stream without terminator.
    #[test]
    fn a_malformed_vendor_event_still_ends_the_client_stream_with_an_error() {
        let vendor = b"data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n\
                       data: not json\n\n\
                       data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"}}]}\n\n";
        for client in [Protocol::Anthropic, Protocol::OpenAiResponses] {
            let mut t = translator(Protocol::OpenAiChat, client);
            let mut out = BytesMut::new();
            assert_eq!(t.feed(vendor, &mut out), Err(RelayError::Malformed));
            assert!(well_formed(client, &out).is_err(), "not terminated yet");
            // Nothing more is read once the vendor's stream is broken.
            let before = out.len();
            assert_eq!(t.feed(b"data: [DONE]\n\n", &mut out), Ok(()));
            assert_eq!(t.finish(&mut out), Ok(()));
            assert_eq!(out.len(), before);
            let end = t.fail(ApiError::new(ErrorKind::BadGateway, "malformed"));
            assert!(!end.is_empty(), "{client}: fail must write the error");
            out.extend_from_slice(&end);
            let result = well_formed(client, &out);
            assert!(result.is_ok(), "{client}: {result:?}\n{out:?}");
            // Once ended, nothing more.
            assert!(t.fail(ApiError::new(ErrorKind::Timeout, "late")).is_empty());
        }
    }
}
