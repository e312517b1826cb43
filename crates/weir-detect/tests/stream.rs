//! A [`Stream`] finds what [`Detector::scan`] finds in the whole input, however the input is
//! cut into pieces.

use std::sync::OnceLock;

use proptest::prelude::*;
use weir_detect::{Detector, Finding, Stream, builtin};

/// Every built-in rule.
fn full() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| builtin::detector(vec![]).unwrap())
}

/// The built-in rules that reach at most 300 bytes (most of them): a small reach makes a small
/// window, so inputs of a few kilobytes already cross many window edges.
fn short() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| {
        let specs = builtin::specs()
            .unwrap()
            .into_iter()
            .filter(|s| s.before + s.max_len <= 300)
            .collect();
        Detector::new(specs).unwrap()
    })
}

/// Every example of every built-in rule.
fn examples() -> &'static [String] {
    static E: OnceLock<Vec<String>> = OnceLock::new();
    E.get_or_init(|| {
        full()
            .rules()
            .iter()
            .flat_map(|r| r.spec.examples.iter().cloned())
            .collect()
    })
}

/// Findings of `hay` fed to a stream in pieces cut at `cuts`, checking the stream's bounds.
fn streamed(detector: &Detector, hay: &[u8], cuts: &[usize]) -> Vec<Finding> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(hay.len())).collect();
    cuts.sort_unstable();
    let mut stream = Stream::new(detector);
    let mut out = Vec::new();
    let mut prev = 0;
    for cut in cuts.into_iter().chain([hay.len()]) {
        out.extend(stream.feed(&hay[prev..cut]));
        assert!(stream.retained() <= Stream::capacity(detector));
        prev = cut;
    }
    assert!(stream.scanned() <= 2 * hay.len() + Stream::capacity(detector));
    out.extend(stream.finish());
    out
}

fn check(detector: &Detector, hay: &[u8], cuts: &[usize]) {
    let whole = detector.scan(hay);
    assert_eq!(streamed(detector, hay, cuts), whole, "cut at {cuts:?}");
}

#[derive(Debug, Clone)]
enum Part {
    Example(usize),
    Text(String),
    Digits(Vec<String>, char),
}

fn part() -> impl Strategy<Value = Part> {
    prop_oneof![
        3 => any::<prop::sample::Index>().prop_map(|i| Part::Example(i.index(examples().len()))),
        2 => "[a-zA-Z0-9 \\-_=:\"'./\n]{0,40}".prop_map(Part::Text),
        1 => (
            prop::collection::vec("[0-9]{1,6}", 1..20),
            prop::sample::select(vec![' ', '-', '.', '/', '(', ')', 'x']),
        )
            .prop_map(|(groups, sep)| Part::Digits(groups, sep)),
    ]
}

fn render(parts: &[Part]) -> Vec<u8> {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Example(i) => out.push_str(&examples()[*i]),
            Part::Text(t) => out.push_str(t),
            Part::Digits(groups, sep) => out.push_str(&groups.join(&sep.to_string())),
        }
    }
    out.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn stream_finds_what_a_whole_scan_finds(
        parts in prop::collection::vec(part(), 0..80),
        cuts in prop::collection::vec(0usize..8000, 0..12),
    ) {
        let hay = render(&parts);
        check(short(), &hay, &cuts);
    }
}

#[test]
fn window_edges_through_every_example() {
    // All the examples, joined every which way, cut at every window-sized stride and
    // byte-by-byte through a window's worth.
    let d = short();
    let mut hay = Vec::new();
    for (i, e) in examples().iter().enumerate() {
        hay.extend_from_slice(e.as_bytes());
        hay.extend_from_slice([&b" "[..], b"\n", b"", b"=", b"\"", b"1234 "][i % 6]);
    }
    let whole = d.scan(&hay);
    assert!(whole.len() > 100, "the examples are found: {}", whole.len());
    assert_eq!(streamed(d, &hay, &[]), whole);
    let cap = Stream::capacity(d);
    assert!(hay.len() > 10 * cap, "{} vs {cap}", hay.len());
    for step in [1, 7, 64, cap / 2 - 1, cap, cap + 13] {
        let cuts: Vec<usize> = (0..hay.len()).step_by(step).collect();
        assert_eq!(streamed(d, &hay, &cuts), whole, "step {step}");
    }
}

#[test]
fn full_rule_set_across_a_window_edge() {
    let d = full();
    let cap = Stream::capacity(d);
    assert!(
        cap <= 6 * d.reach() + 1024,
        "capacity {cap} for reach {}",
        d.reach()
    );
    let mut hay = Vec::new();
    let mut i = 0;
    while hay.len() < 2 * cap + 1000 {
        let e = &examples()[i % examples().len()];
        hay.extend_from_slice(e.as_bytes());
        hay.extend_from_slice(b" | ");
        i += 1;
    }
    check(d, &hay, &[cap / 3, cap - 5, cap + 1, 2 * cap - 100]);
}

#[test]
fn long_digit_runs_do_not_depend_on_the_cut() {
    let d = short();
    let mut hay = Vec::new();
    for n in [3000, 70, 64, 63, 20, 16, 11] {
        hay.extend_from_slice(b"id ");
        for k in 0..n {
            hay.push(b'0' + (k * 7 % 10) as u8);
            if k % 4 == 3 {
                hay.push(b' ');
            }
        }
        hay.extend_from_slice(b" end\n");
    }
    let cuts: Vec<usize> = (0..hay.len()).step_by(97).collect();
    check(d, &hay, &cuts);
    check(d, &hay, &[]);
}
