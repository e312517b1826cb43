//! Property checks shared by the fuzz targets and by
//! `crates/weir-protocol/tests/fuzz_corpus.rs`, which replays the seed corpus as a regular test
//! (it includes this file as a module, so it may use only `weir_protocol` and `bytes`).
//!
//! Each check panics when a property fails.

use bytes::BytesMut;
use weir_protocol::relay::{RelayError, RelayState, StreamRelay};
use weir_protocol::sse::{Frame, Framer};
use weir_protocol::{ApiError, Protocol, StreamContext};

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
