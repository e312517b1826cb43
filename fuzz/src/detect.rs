//! Property checks for weir-detect, shared by the `scan_split` fuzz target and by
//! `crates/weir-detect/tests/fuzz_corpus.rs`, which includes this file as a module (so it may
//! use only `weir_detect` and `std`).
//!
//! Each check panics when a property fails.

use std::sync::OnceLock;

use weir_detect::{Detector, Finding, Stream, builtin};

/// Every built-in rule.
pub fn full() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| builtin::detector(vec![]).expect("built-in rules compile"))
}

/// The built-in rules that reach at most 300 bytes: a small window, so that inputs of a few
/// kilobytes cross window edges many times.
pub fn short() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| {
        let specs = builtin::specs()
            .expect("built-in rules parse")
            .into_iter()
            .filter(|s| s.before + s.max_len <= 300)
            .collect();
        Detector::new(specs).expect("built-in rules compile")
    })
}

/// Splits fuzz input into cut points and a haystack: the first byte says how many cuts
/// (0 to 15), each the next two bytes (little-endian, taken modulo the haystack's length + 1);
/// the rest is the haystack.
pub fn cuts_and_hay(data: &[u8]) -> (Vec<usize>, &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return (Vec::new(), data);
    };
    let n = usize::from(n % 16).min(rest.len() / 2);
    let (raw, hay) = rest.split_at(2 * n);
    let cuts = raw
        .chunks_exact(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (hay.len() + 1))
        .collect();
    (cuts, hay)
}

/// The findings of `hay` fed to a [`Stream`] in pieces cut at `cuts` (any order, clamped),
/// checking on the way that it keeps no more than its capacity, scans each byte at most twice,
/// and emits findings in order.
pub fn stream_findings(detector: &Detector, hay: &[u8], cuts: &[usize]) -> Vec<Finding> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(hay.len())).collect();
    cuts.sort_unstable();
    let capacity = Stream::capacity(detector);
    let mut stream = Stream::new(detector);
    let mut out = Vec::new();
    let mut prev = 0;
    for cut in cuts.into_iter().chain([hay.len()]) {
        out.extend(stream.feed(&hay[prev..cut]));
        prev = cut;
        assert!(
            stream.retained() <= capacity,
            "retains {} > {capacity}",
            stream.retained()
        );
        assert!(stream.scanned() <= 2 * prev + capacity, "work not linear");
    }
    out.extend(stream.finish());
    assert!(
        out.windows(2).all(|w| w[0].end <= w[1].start),
        "out of order"
    );
    out
}

/// A stream over `hay` cut at `cuts` finds exactly what a scan of the whole finds, with the
/// short-reach rules and with every rule; so does one fed byte by byte.
pub fn check_stream_split(hay: &[u8], cuts: &[usize]) {
    for detector in [short(), full()] {
        let whole = detector.scan(hay);
        assert_eq!(
            stream_findings(detector, hay, cuts),
            whole,
            "split at {cuts:?}"
        );
    }
    let bytewise: Vec<usize> = (0..hay.len()).collect();
    assert_eq!(
        stream_findings(short(), hay, &bytewise),
        short().scan(hay),
        "fed byte by byte"
    );
    // A bound that does not grow with the input: about four times the reach.
    let d = full();
    assert!(Stream::capacity(d) <= 6 * d.reach() + 1024);
}

/// The `scan_split` fuzz target's check: the input's first bytes choose the cuts.
pub fn check_scan_split(data: &[u8]) {
    let (cuts, hay) = cuts_and_hay(data);
    check_stream_split(hay, &cuts);
}
