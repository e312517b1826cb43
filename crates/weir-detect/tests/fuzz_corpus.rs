//! Replays the `scan_split` fuzz seed corpus (`fuzz/corpus/scan_split/*` at the repository
//! root) through the fuzz target's own check (`fuzz/src/detect.rs`), so the corpus runs with
//! `cargo test` and a crash input committed there becomes a regression test.

#[path = "../../../fuzz/src/detect.rs"]
mod checks;

use std::fs;
use std::path::{Path, PathBuf};

fn seeds() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/scan_split");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("fuzz/corpus/scan_split exists")
        .map(|f| f.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
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
fn seed_corpus_passes_the_scan_split_check() {
    let files = seeds();
    assert!(files.len() >= 3, "fuzz/corpus/scan_split needs seed files");
    let mut crossed = false;
    for path in &files {
        let data = fs::read(path).unwrap();
        eprintln!("replaying {}", path.display());
        // What the fuzz target checks for this input.
        checks::check_scan_split(&data);
        // And more splits than one fuzz run would try.
        let (_, hay) = checks::cuts_and_hay(&data);
        for cuts in pseudo_random_cuts(hay.len()) {
            checks::check_stream_split(hay, &cuts);
        }
        crossed |= hay.len() > weir_detect::Stream::capacity(checks::short());
    }
    assert!(
        crossed,
        "some seed is longer than the short detector's window"
    );
}

#[test]
fn cuts_come_from_the_first_bytes() {
    assert_eq!(
        checks::cuts_and_hay(b"\x02\x03\x00\x09\x00abcd"),
        (vec![3, 4], &b"abcd"[..])
    );
    assert_eq!(checks::cuts_and_hay(b""), (vec![], &b""[..]));
    assert_eq!(checks::cuts_and_hay(b"\x05x"), (vec![], &b"x"[..]));
}
