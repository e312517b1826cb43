//! Replays the fuzz seed corpus (`fuzz/corpus/<target>/*` at the repository root) through the
//! fuzz targets' own property checks (`fuzz/src/lib.rs`), so the corpus runs with `cargo test`
//! and a crash input committed there becomes a regression test.

#[path = "../../../fuzz/src/lib.rs"]
mod checks;

use std::fs;
use std::path::{Path, PathBuf};

use weir_protocol::Protocol;

/// Corpus directories another crate's corpus test replays (`scan_split`: weir-detect's).
const OTHER_TARGETS: [&str; 1] = ["scan_split"];

fn corpus_files() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut files = Vec::new();
    for target in fs::read_dir(&root).expect("fuzz/corpus exists") {
        let target = target.unwrap().path();
        if !target.is_dir() {
            continue;
        }
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
        if OTHER_TARGETS.contains(&name.as_str()) {
            continue;
        }
        for file in fs::read_dir(&target).unwrap() {
            let path = file.unwrap().path();
            if path.is_file() {
                files.push((name.clone(), path));
            }
        }
    }
    files.sort();
    files
}

/// Cut points next to every line terminator (where chunking mistakes show), in order.
fn line_cuts(data: &[u8]) -> Vec<usize> {
    (0..=data.len())
        .filter(|&i| {
            let near = |j: usize| matches!(data.get(j), Some(b'\r' | b'\n'));
            near(i) || (i > 0 && near(i - 1))
        })
        .collect()
}

/// A few cut sets from a fixed pseudo-random sequence, so the test is reproducible.
fn pseudo_random_cuts(len: usize) -> Vec<Vec<usize>> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % (len as u64 + 1)).unwrap()
    };
    (1..=4)
        .map(|n| (0..n * 3).map(|_| next()).collect())
        .collect()
}

/// The stream fuzz targets (every corpus file is a stream).
const STREAM_TARGETS: [&str; 2] = ["sse_framer", "stream_relay"];

/// The translation targets and the vendor protocol their input is.
const TRANSLATE_TARGETS: [(&str, Protocol); 3] = [
    ("translate_from_anthropic", Protocol::Anthropic),
    ("translate_from_chat", Protocol::OpenAiChat),
    ("translate_from_responses", Protocol::OpenAiResponses),
];

/// The request targets and the client protocol their input is.
const REQUEST_TARGETS: [(&str, Protocol); 3] = [
    ("decode_request_anthropic", Protocol::Anthropic),
    ("decode_request_chat", Protocol::OpenAiChat),
    ("decode_request_responses", Protocol::OpenAiResponses),
];

fn all_targets() -> impl Iterator<Item = &'static str> {
    STREAM_TARGETS
        .into_iter()
        .chain(TRANSLATE_TARGETS.iter().map(|(t, _)| *t))
        .chain(REQUEST_TARGETS.iter().map(|(t, _)| *t))
}

#[test]
fn seed_corpus_passes_every_fuzz_check() {
    let files = corpus_files();
    for target in all_targets() {
        let seeds = files.iter().filter(|(t, _)| t == target).count();
        assert!(
            seeds >= 3,
            "fuzz/corpus/{target} needs seed files, has {seeds}"
        );
    }
    for (target, path) in &files {
        assert!(
            all_targets().any(|t| t == target),
            "unknown fuzz target directory {target}"
        );
        let data = fs::read(path).unwrap();
        eprintln!("replaying {}", path.display());
        if let Some((_, client)) = REQUEST_TARGETS.iter().find(|(t, _)| t == target) {
            checks::check_request(*client, &data);
            continue;
        }
        let cuts = line_cuts(&data);

        // What the fuzz targets themselves check for this input.
        checks::check_sse_framer(&data, &[checks::split_point(&data)]);
        checks::check_stream_relay(&data, &[checks::split_point(&data)]);

        // And more splits than one fuzz run would try. Every stream corpus file is a stream, so
        // both stream checks apply to every one of them.
        for &cut in &cuts {
            checks::check_sse_framer(&data, &[cut]);
        }
        checks::check_sse_framer(&data, &cuts);
        checks::check_stream_relay(&data, &cuts);
        for random in pseudo_random_cuts(data.len()) {
            checks::check_sse_framer(&data, &random);
            checks::check_stream_relay(&data, &random);
        }

        // Every stream seed is also a vendor stream of each protocol for the translators (a
        // stream of another protocol exercises their handling of unexpected events).
        for (_, vendor) in TRANSLATE_TARGETS {
            checks::check_translate(vendor, &data, &[checks::split_point(&data)]);
            checks::check_translate(vendor, &data, &cuts);
            for random in pseudo_random_cuts(data.len()) {
                checks::check_translate(vendor, &data, &random);
            }
        }
    }
}

/// The translation seeds of a protocol really are complete streams of it: translated whole, the
/// client sees an answer or the vendor's own error, not weir's "ended early" error (so the seeds
/// keep reaching the end of the translators' happy and error paths). `truncated` seeds are the
/// exception and must end with weir's error.
#[test]
fn translation_seeds_reach_the_end_their_names_promise() {
    for (target, path) in corpus_files() {
        let Some((_, vendor)) = TRANSLATE_TARGETS.iter().find(|(t, _)| *t == target) else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = fs::read(&path).unwrap();
        for client in checks::clients_of(*vendor) {
            let out = checks::translate_chunks(*vendor, client, &[&data]);
            let out = String::from_utf8(out).unwrap();
            // weir's own error, or the decoder's for a stream cut short.
            let weir_error = out.contains("weir: the vendor")
                || out.contains("ended before the answer was complete");
            let expect_weir_error = name.contains("truncated") || name.contains("malformed");
            assert_eq!(weir_error, expect_weir_error, "{name} → {client}\n{out}");
        }
    }
}

#[test]
fn chunks_at_covers_the_input() {
    let data = b"abcdef";
    let chunks = checks::chunks_at(data, &[4, 1, 99, 1]);
    assert_eq!(chunks, vec![&b"a"[..], b"", b"bcd", b"ef", b""]);
    assert_eq!(checks::split_point(b"\x03\x00abc"), 3);
    assert_eq!(checks::split_point(b"x"), 0);
}

/// The relay seeds still mean what their names say (so they keep exercising those paths): the
/// protocol is the name's prefix; `error`/`rate_limited` seeds end in a vendor error,
/// `malformed` ones in a relay error, the others cleanly.
#[test]
fn relay_seeds_reach_the_end_their_names_promise() {
    use bytes::BytesMut;
    use weir_protocol::relay::{RelayError, RelayState, StreamRelay};

    for (target, path) in corpus_files() {
        if target != "stream_relay" {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let protocol = if name.starts_with("anthropic_") {
            Protocol::Anthropic
        } else if name.starts_with("chat_") {
            Protocol::OpenAiChat
        } else if name.starts_with("responses_") {
            Protocol::OpenAiResponses
        } else {
            continue;
        };
        let mut relay = StreamRelay::new(protocol, Some("alias".into()));
        let mut out = BytesMut::new();
        let result = relay.feed(&fs::read(&path).unwrap(), &mut out);
        if name.contains("malformed") {
            assert_eq!(result, Err(RelayError::Malformed), "{name}");
        } else if name.contains("error") || name.contains("rate_limited") {
            assert_eq!(
                (result, relay.state()),
                (Ok(()), RelayState::VendorError),
                "{name}"
            );
            assert!(relay.vendor_error().is_some(), "{name}");
        } else {
            assert_eq!(
                (result, relay.state()),
                (Ok(()), RelayState::Finished),
                "{name}"
            );
        }
    }
}
