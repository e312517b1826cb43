//! Replays the fuzz seed corpus (`fuzz/corpus/<target>/*` at the repository root) through the
//! fuzz targets' own property checks (`fuzz/src/lib.rs`), so the corpus runs with `cargo test`
//! and a crash input committed there becomes a regression test.

#[path = "../../../fuzz/src/lib.rs"]
mod checks;

use std::fs;
use std::path::{Path, PathBuf};

fn corpus_files() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut files = Vec::new();
    for target in fs::read_dir(&root).expect("fuzz/corpus exists") {
        let target = target.unwrap().path();
        if !target.is_dir() {
            continue;
        }
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
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

#[test]
fn seed_corpus_passes_every_fuzz_check() {
    let files = corpus_files();
    for target in ["sse_framer", "stream_relay"] {
        let seeds = files.iter().filter(|(t, _)| t == target).count();
        assert!(
            seeds >= 3,
            "fuzz/corpus/{target} needs seed files, has {seeds}"
        );
    }
    for (target, path) in &files {
        assert!(
            ["sse_framer", "stream_relay"].contains(&target.as_str()),
            "unknown fuzz target directory {target}"
        );
        let data = fs::read(path).unwrap();
        eprintln!("replaying {}", path.display());
        let cuts = line_cuts(&data);

        // What the fuzz targets themselves check for this input.
        checks::check_sse_framer(&data, &[checks::split_point(&data)]);
        checks::check_stream_relay(&data, &[checks::split_point(&data)]);

        // And more splits than one fuzz run would try. Every corpus file is a stream, so both
        // checks apply to every file.
        for &cut in &cuts {
            checks::check_sse_framer(&data, &[cut]);
        }
        checks::check_sse_framer(&data, &cuts);
        checks::check_stream_relay(&data, &cuts);
        for random in pseudo_random_cuts(data.len()) {
            checks::check_sse_framer(&data, &random);
            checks::check_stream_relay(&data, &random);
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
    use weir_protocol::Protocol;
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
