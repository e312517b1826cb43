//! What inspection costs, measured (`cargo bench -p weir-detect --bench inspect`). Each case
//! is its own function; `main` runs them in turn.
//!
//! Environment facts and client identification run on every request, so each is timed on a
//! 200 KB coding-agent request (budget: well under a millisecond together), and the fact
//! scanner's throughput on plain source text is reported in MB/s.
//!
//! Source text comes from `WEIR_BENCH_TREE` (default: cargo's registry sources), up to
//! `WEIR_BENCH_MB` megabytes (default 50).

mod tree;

use std::time::Instant;

use tree::percentile;

use weir_detect::Request;
use weir_detect::environ::{self, Fact};
use weir_detect::identify::identify;

const SOURCE: &[&str] = &[
    "rs", "c", "h", "go", "py", "js", "ts", "java", "toml", "md", "sh",
];

fn json_string(s: &str) -> String {
    let mut out = Vec::new();
    weir_detect::json::encode(s.as_bytes(), &mut out);
    format!("\"{}\"", String::from_utf8_lossy(&out))
}

/// An Anthropic request shaped like a coding agent's: an environment block, ids in metadata,
/// and tool results quoting source files, about `size` bytes in all.
fn agent_request(sources: &[String], size: usize) -> Request {
    let env = "You are a coding agent.\n<env>\nWorking directory: /home/aisyah/kedai-kopi\n\
               Platform: linux\nShell: zsh\nOS Version: Linux 6.8.0-45-generic\n\
               Today's date: 2025-08-18\n</env>\nCurrent branch: feature/loyalty\n\n\
               Recent commits:\n3f9c2ab Add loyalty points\nb71e0d4 Fix rounding\n";
    let user_id = r#"{"device_id":"f3a1c2e4b5d6a7980f1e2d3c4b5a69788f7e6d5c4b3a29180f1e2d3c4b5a6978","account_uuid":"","session_id":"5b2c1d4e-8f9a-4b3c-9d2e-1f0a8b7c6d5e"}"#;
    let mut body = format!(
        "{{\"model\":\"m\",\"max_tokens\":4096,\"metadata\":{{\"user_id\":{}}},\"system\":[{{\"type\":\"text\",\"text\":{}}}],\"messages\":[",
        json_string(user_id),
        json_string(env)
    );
    let mut used = body.len();
    for (i, src) in sources.iter().enumerate() {
        if used >= size {
            break;
        }
        let mut cut = src.len().min(8192);
        while !src.is_char_boundary(cut) {
            cut -= 1;
        }
        let text = &src[..cut];
        let path = format!("/home/aisyah/kedai-kopi/src/file{i}.rs");
        let turn = format!(
            "{}{{\"role\":\"assistant\",\"content\":[{{\"type\":\"tool_use\",\"id\":\"t{i}\",\"name\":\"Read\",\"input\":{{\"file_path\":{}}}}}]}},\
             {{\"role\":\"user\",\"content\":[{{\"type\":\"tool_result\",\"tool_use_id\":\"t{i}\",\"content\":{}}}]}}",
            if i > 0 { "," } else { "" },
            json_string(&path),
            json_string(text)
        );
        used += turn.len();
        body.push_str(&turn);
    }
    body.push_str("]}");
    Request {
        method: "POST".into(),
        path: "/v1/messages?beta=true".into(),
        headers: [
            ("user-agent", "claude-cli/2.1.0 (external, cli)"),
            ("x-app", "cli"),
            (
                "anthropic-beta",
                "claude-code-20250219,interleaved-thinking-2025-05-14",
            ),
            (
                "x-claude-code-session-id",
                "5b2c1d4e-8f9a-4b3c-9d2e-1f0a8b7c6d5e",
            ),
            ("x-stainless-os", "Linux"),
            ("x-stainless-arch", "x64"),
            ("x-stainless-lang", "js"),
            ("x-stainless-runtime", "node"),
            ("x-stainless-runtime-version", "v22.17.0"),
            ("x-stainless-package-version", "0.60.0"),
            ("anthropic-version", "2023-06-01"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect(),
        body: body.into_bytes(),
    }
}

/// The fact scanner alone, file by file over source text: best of three, in MB/s.
fn environ_throughput(sources: &[String]) {
    let bytes: usize = sources.iter().map(|s| s.len()).sum();
    let mut best = f64::MAX;
    let mut facts = 0;
    let mut out: Vec<Fact> = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        facts = 0;
        for s in sources {
            out.clear();
            environ::scan_text(None, s, &mut out);
            facts += out.len();
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "environ scan_text: {:.0} MB/s on one core ({facts} facts in {:.1} MB of source)",
        bytes as f64 / best / 1e6,
        bytes as f64 / 1e6
    );
}

/// The secret detector on the same text, for scale: both share the anchor stage, so on a
/// loaded machine the ratio says more than either figure.
fn dlp_throughput_for_reference(sources: &[String]) {
    let detector = weir_detect::builtin::detector(Vec::new()).expect("rules compile");
    let mut scratch = weir_detect::Scratch::new(&detector);
    let bytes: usize = sources.iter().map(|s| s.len()).sum();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        for s in sources {
            detector.scan_with(s.as_bytes(), &mut scratch);
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "for reference, DLP scan on the same text: {:.0} MB/s",
        bytes as f64 / best / 1e6
    );
}

/// A 200 KB agent request: every header and body string scanned for facts, and the client
/// identified, cold, many times.
fn environ_and_identify_request(sources: &[String]) {
    let req = agent_request(sources, 200 * 1024);
    let mut scan = Vec::new();
    let mut ident = Vec::new();
    let mut facts = 0;
    for _ in 0..300 {
        let t = Instant::now();
        facts = environ::scan_request(&req).len();
        scan.push(t.elapsed());
        let t = Instant::now();
        let id = identify(&req);
        ident.push(t.elapsed());
        assert_eq!(id.tool, "claude-code");
    }
    scan.sort();
    ident.sort();
    let p50 = percentile(&scan, 0.5).as_secs_f64();
    println!(
        "200 KB agent request ({} bytes, {facts} facts): scan_request p50 {:.3} ms p99 {:.3} ms \
         ({:.0} MB/s); identify p50 {:.3} ms p99 {:.3} ms",
        req.body.len(),
        p50 * 1e3,
        percentile(&scan, 0.99).as_secs_f64() * 1e3,
        req.body.len() as f64 / p50 / 1e6,
        percentile(&ident, 0.5).as_secs_f64() * 1e3,
        percentile(&ident, 0.99).as_secs_f64() * 1e3,
    );
}

/// The whole inspection the gateway runs on every request (identification, facts and markers
/// over every text with its role), and the rewrite when every kind is normalised.
fn whole_inspection_request(sources: &[String]) {
    use weir_detect::inspect::{self, Treatment};
    let req = agent_request(sources, 200 * 1024);
    let mut times = Vec::new();
    let mut rewrites = Vec::new();
    let mut found = (0, 0);
    for _ in 0..300 {
        let t = Instant::now();
        let inspection = inspect::inspect(&req);
        times.push(t.elapsed());
        found = (inspection.facts.len(), inspection.markers.len());
        let t = Instant::now();
        let rewritten = inspection.rewrite(&req.body, &|_| Treatment::Normalize, &|kind, _| {
            format!("{}-0000", kind.as_str())
        });
        rewrites.push(t.elapsed());
        assert!(rewritten.is_some());
    }
    times.sort();
    rewrites.sort();
    println!(
        "200 KB agent request, whole inspection ({} facts, {} markers): p50 {:.3} ms p99 {:.3} ms; \
         normalising it: p50 {:.3} ms p99 {:.3} ms",
        found.0,
        found.1,
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        percentile(&rewrites, 0.5).as_secs_f64() * 1e3,
        percentile(&rewrites, 0.99).as_secs_f64() * 1e3,
    );
}

fn main() {
    let sources: Vec<String> = tree::files(&tree::root(), tree::budget(50), SOURCE, 1 << 20)
        .into_iter()
        .filter_map(|b| String::from_utf8(b).ok())
        .collect();
    if sources.is_empty() {
        println!("no source files found; set WEIR_BENCH_TREE");
        return;
    }
    environ_throughput(&sources);
    dlp_throughput_for_reference(&sources);
    environ_and_identify_request(&sources);
    whole_inspection_request(&sources);
}
