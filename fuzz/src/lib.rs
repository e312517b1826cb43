//! Property checks shared by the fuzz targets and by
//! `crates/weir-protocol/tests/fuzz_corpus.rs`, which replays the seed corpus as a regular test
//! (it includes this file as a module, so it may use only `weir_protocol` and `bytes`).
//!
//! Each check panics when a property fails.
//!
//! The detector's checks are in [`detect`] (`src/detect.rs`), left out of test builds:
//! weir-protocol's corpus test includes this file and does not depend on weir-detect, and
//! weir-detect's corpus test includes `detect.rs` itself.

use std::sync::Arc;

use bytes::BytesMut;
use weir_protocol::canonical::{Profile, Reply};
use weir_protocol::relay::{RelayError, RelayState, StreamRelay};
use weir_protocol::sse::{Frame, Framer};
use weir_protocol::translate::{StreamTranslator, decode_request, encode_request};
use weir_protocol::{ApiError, ErrorKind, Protocol, StreamContext, anthropic, chat, responses};

#[cfg(not(test))]
pub mod detect;

/// A split point for `data` chosen by its first two bytes, so the fuzzer picks it by mutating
/// them.
pub fn split_point(data: &[u8]) -> usize {
    match data {
        [a, b, ..] => usize::from(u16::from_le_bytes([*a, *b])) % (data.len() + 1),
        _ => 0,
    }
}

/// `data` cut at the positions in `cuts` (any order; positions past the end are clamped).
pub fn chunks_at<'a>(data: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
    cuts.sort_unstable();
    let mut chunks = Vec::with_capacity(cuts.len() + 1);
    let mut prev = 0;
    for cut in cuts.into_iter().chain([data.len()]) {
        chunks.push(&data[prev..cut]);
        prev = cut;
    }
    chunks
}

/// The framer's frames are the same whether `data` comes whole, cut at `cuts`, or one byte at
/// a time; and the frames' raw bytes followed by what is pending are exactly `data`.
pub fn check_sse_framer(data: &[u8], cuts: &[usize]) {
    let whole = frame_all(&[data]);
    assert_eq!(
        whole,
        frame_all(&chunks_at(data, cuts)),
        "split at {cuts:?}"
    );
    let bytewise: Vec<&[u8]> = data.chunks(1).collect();
    assert_eq!(whole, frame_all(&bytewise), "fed byte by byte");

    let (frames, pending) = whole;
    let mut joined: Vec<u8> = frames.iter().flat_map(|f| f.raw.iter().copied()).collect();
    joined.extend_from_slice(&pending);
    assert_eq!(joined, data, "frames + pending must be the input");
    for frame in &frames {
        assert!(frame.raw.ends_with(b"\n") || frame.raw.ends_with(b"\r"));
    }
}

/// For every protocol, with and without a model rewrite, the relay's output and findings are
/// the same whether `data` comes whole, cut at `cuts`, or one byte at a time. Without a rewrite
/// the output is a prefix of the input.
pub fn check_stream_relay(data: &[u8], cuts: &[usize]) {
    let split = chunks_at(data, cuts);
    let bytewise: Vec<&[u8]> = data.chunks(1).collect();
    for protocol in Protocol::ALL {
        for model in [None, Some("weir-fuzz-model")] {
            let whole = relay_all(protocol, model, &[data]);
            assert_eq!(
                whole,
                relay_all(protocol, model, &split),
                "{protocol} split at {cuts:?}"
            );
            assert_eq!(
                whole,
                relay_all(protocol, model, &bytewise),
                "{protocol} byte by byte"
            );
            if model.is_none() {
                assert!(
                    data.starts_with(&whole.out),
                    "{protocol}: passthrough must be byte-exact"
                );
            }
            if whole.state == RelayState::VendorError {
                assert!(whole.vendor_error.is_some());
            }
            if whole.state == RelayState::Waiting {
                assert_eq!(whole.events, 0);
            }
        }
    }
}

fn frame_all(chunks: &[&[u8]]) -> (Vec<Frame>, Vec<u8>) {
    let mut framer = Framer::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        framer.push(chunk);
        while let Some(frame) = framer.next_frame() {
            frames.push(frame);
        }
    }
    frames.extend(framer.finish());
    (frames, framer.pending().to_vec())
}

/// Everything observable about one relayed stream.
#[derive(Debug, PartialEq)]
struct RelayRun {
    out: Vec<u8>,
    error: Option<RelayError>,
    state: RelayState,
    events: u64,
    vendor_error: Option<ApiError>,
    context: StreamContext,
}

fn relay_all(protocol: Protocol, model: Option<&str>, chunks: &[&[u8]]) -> RelayRun {
    let mut relay = StreamRelay::new(protocol, model.map(str::to_owned));
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
    RelayRun {
        out: out.to_vec(),
        error,
        state: relay.state(),
        events: relay.events(),
        vendor_error: relay.vendor_error().cloned(),
        context: relay.context(),
    }
}

/// The client protocols a `vendor` stream is translated for (every other protocol; the same
/// protocol is relayed, see [`check_stream_relay`]).
pub fn clients_of(vendor: Protocol) -> impl Iterator<Item = Protocol> {
    Protocol::ALL.into_iter().filter(move |&c| c != vendor)
}

/// A client request of protocol `client` declaring a function tool `get_weather` and (for
/// Responses, as Codex does) a custom tool `apply_patch`, so the translators' tool mapping is
/// exercised.
pub fn client_request_body(client: Protocol) -> &'static str {
    match client {
        Protocol::Anthropic => {
            r#"{"model":"fuzz-model","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"get_weather","input_schema":{"type":"object"}},{"name":"apply_patch","input_schema":{"type":"object"}}]}"#
        }
        Protocol::OpenAiChat => {
            r#"{"model":"fuzz-model","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}},{"type":"function","function":{"name":"apply_patch","parameters":{"type":"object"}}}]}"#
        }
        Protocol::OpenAiResponses => {
            r#"{"model":"fuzz-model","stream":true,"input":"hi","include":["reasoning.encrypted_content"],"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}},{"type":"custom","name":"apply_patch"}]}"#
        }
    }
}

/// Whether `sse` is a complete, well-formed client stream of protocol `client`.
pub fn well_formed(client: Protocol, sse: &str) -> Result<(), String> {
    match client {
        Protocol::Anthropic => anthropic::is_well_formed(sse),
        Protocol::OpenAiChat => chat::is_well_formed(sse),
        Protocol::OpenAiResponses => responses::is_well_formed(sse),
    }
}

/// The client's bytes for a `vendor` stream arriving in `chunks`, driven the way the gateway
/// drives a translator: a malformed vendor event, or a stream that ends without completing,
/// ends the client's stream with weir's own error ([`StreamTranslator::fail`]).
pub fn translate_chunks(vendor: Protocol, client: Protocol, chunks: &[&[u8]]) -> Vec<u8> {
    let request = decode_request(client, client_request_body(client).as_bytes())
        .expect("the fuzz client request decodes");
    let reply = Reply::new("fuzz-model", Arc::new(request), 10, 1_700_000_000);
    let mut t = StreamTranslator::new(vendor, client, "fuzz-vendor", Arc::new(reply));
    let mut out = BytesMut::new();
    let bad_gateway = |why: &str| ApiError::new(ErrorKind::BadGateway, format!("weir: {why}"));
    for chunk in chunks {
        if t.feed(chunk, &mut out).is_err() {
            out.extend_from_slice(&t.fail(bad_gateway("the vendor sent a malformed event")));
            return out.to_vec();
        }
    }
    let flushed = t.finish(&mut out);
    let ended = matches!(t.state(), RelayState::Finished | RelayState::VendorError);
    if flushed.is_err() || !ended {
        out.extend_from_slice(&t.fail(bad_gateway("the vendor's stream ended early")));
    }
    out.to_vec()
}

/// Any bytes as a `vendor` stream, translated for each other protocol: no panic; the client's
/// stream is well-formed in its protocol; and it is the same whether `data` comes whole or cut
/// at `cuts`.
pub fn check_translate(vendor: Protocol, data: &[u8], cuts: &[usize]) {
    let split = chunks_at(data, cuts);
    for client in clients_of(vendor) {
        let whole = translate_chunks(vendor, client, &[data]);
        assert_eq!(
            whole,
            translate_chunks(vendor, client, &split),
            "{vendor} → {client}: split at {cuts:?}"
        );
        let text = std::str::from_utf8(&whole).expect("client streams are UTF-8");
        if let Err(e) = well_formed(client, text) {
            panic!("{vendor} → {client}: {e}\n{text}");
        }
    }
}

/// Any bytes as a client request of protocol `client`: decoding never panics, and a request
/// that decodes encodes for a vendor of each other protocol without panicking. An encoded body
/// is a request of that protocol, so it decodes again.
pub fn check_request(client: Protocol, data: &[u8]) {
    let Ok(request) = decode_request(client, data) else {
        return;
    };
    for vendor in clients_of(client) {
        let profile = Profile::named("fuzz-vendor");
        if let Ok(body) = encode_request(vendor, &request, &request.model, &profile) {
            if let Err(e) = decode_request(vendor, &body) {
                panic!(
                    "{client} → {vendor}: the encoded request does not decode: {e}\n{}",
                    String::from_utf8_lossy(&body)
                );
            }
        }
    }
}
