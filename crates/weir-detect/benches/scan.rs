//! What DLP costs, measured (`cargo bench -p weir-detect --bench scan`):
//!
//! - scan throughput on a large source tree, one core, full rule set (budget: ≥ 1 GB/s);
//! - the scan of a 200 KB coding-agent request, cold (budget: part of p50 ≤ 1 ms per exchange);
//! - a resent conversation: what the memo saves when each turn resends the previous ones.
//!
//! The tree is `WEIR_BENCH_TREE` (default: cargo's registry sources, present after any build),
//! read up to `WEIR_BENCH_MB` megabytes (default 200) of source files.

mod tree;

use std::time::{Duration, Instant};

use tree::percentile;

use weir_detect::body::{self, Memo};
use weir_detect::{Scratch, builtin};

const SOURCE: &[&str] = &[
    "rs", "c", "h", "cc", "cpp", "go", "py", "js", "ts", "java", "rb", "toml", "json", "yaml",
    "yml", "md", "sh",
];

/// An Anthropic request of about `size` bytes: a system prompt and turns quoting source files.
fn request(sources: &[Vec<u8>], size: usize, turns: usize) -> Vec<u8> {
    let mut messages = Vec::new();
    let mut used = 0;
    let mut i = 0;
    while used < size && i < sources.len() {
        let text = String::from_utf8_lossy(&sources[i][..sources[i].len().min(8192)]).into_owned();
        used += text.len();
        messages.push(serde_like_string(&text));
        i += 1;
    }
    let per_turn = messages.len().div_ceil(turns.max(1));
    let mut body = String::from(
        "{\"model\":\"claude-x\",\"max_tokens\":4096,\"system\":\"You are a coding agent.\",\"messages\":[",
    );
    for (n, chunk) in messages.chunks(per_turn.max(1)).enumerate() {
        if n > 0 {
            body.push(',');
        }
        let role = if n % 2 == 0 { "user" } else { "assistant" };
        body.push_str(&format!("{{\"role\":\"{role}\",\"content\":["));
        for (k, m) in chunk.iter().enumerate() {
            if k > 0 {
                body.push(',');
            }
            body.push_str(&format!("{{\"type\":\"text\",\"text\":{m}}}"));
        }
        body.push_str("]}");
    }
    body.push_str("]}");
    body.into_bytes()
}

fn serde_like_string(s: &str) -> String {
    let mut out = Vec::new();
    weir_detect::json::encode(s.as_bytes(), &mut out);
    format!("\"{}\"", String::from_utf8_lossy(&out))
}

fn main() {
    let detector = builtin::detector(Vec::new()).expect("rules compile");
    let root = tree::root();
    let sources = tree::files(&root, tree::budget(200), SOURCE, 4 << 20);
    let bytes: usize = sources.iter().map(|f| f.len()).sum();
    println!("rules: {}", detector.rules().len());
    println!(
        "tree: {} ({} files, {:.1} MB)",
        root.display(),
        sources.len(),
        bytes as f64 / 1e6
    );
    if sources.is_empty() {
        println!("no source files found; set WEIR_BENCH_TREE");
        return;
    }

    // 1. Throughput, file by file, best of three runs.
    let mut scratch = Scratch::new(&detector);
    let mut best = f64::MAX;
    let mut found = 0;
    for _ in 0..3 {
        let t = Instant::now();
        found = 0;
        for f in &sources {
            found += detector.scan_with(f, &mut scratch).len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "scan throughput: {:.0} MB/s on one core ({found} findings in {:.1} MB)",
        bytes as f64 / best / 1e6,
        bytes as f64 / 1e6
    );

    // 2. A 200 KB request, scanned cold (no memo), many times.
    let req = request(&sources, 200 * 1024, 20);
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let _ = body::scan(&detector, None, &req).expect("valid JSON");
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "200 KB request ({} bytes), cold scan: p50 {:.3} ms, p99 {:.3} ms",
        req.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3
    );

    // 3. A conversation resent turn after turn: each turn adds one message.
    let memo = Memo::new(7, 100_000);
    let full = request(&sources, 2 << 20, 40);
    let mut cold_total = Duration::ZERO;
    let mut warm_total = Duration::ZERO;
    let mut scanned = 0;
    let mut remembered = 0;
    let turns = 40;
    for turn in 1..=turns {
        let body = request(&sources, (2 << 20) * turn / turns, turn);
        let t = Instant::now();
        let (_, cost) = body::scan(&detector, Some(&memo), &body).expect("valid JSON");
        warm_total += t.elapsed();
        scanned += cost.scanned;
        remembered += cost.remembered;
        let t = Instant::now();
        let _ = body::scan(&detector, None, &body).expect("valid JSON");
        cold_total += t.elapsed();
    }
    let _ = full;
    println!(
        "resent conversation, {turns} turns up to 2 MB: {:.1} MB scanned, {:.1} MB answered from the memo; \
         total {:.1} ms with the memo vs {:.1} ms without ({:.1}x)",
        scanned as f64 / 1e6,
        remembered as f64 / 1e6,
        warm_total.as_secs_f64() * 1e3,
        cold_total.as_secs_f64() * 1e3,
        cold_total.as_secs_f64() / warm_total.as_secs_f64()
    );
}
