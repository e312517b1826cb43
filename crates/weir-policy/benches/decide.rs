//! What a policy decision costs per request (`cargo bench -p weir-policy --bench decide`):
//!
//! - `decide` with a company-sized policy (`tests/data/realistic.toml`: 4 teams, 4 classes,
//!   8 projects, 26 tool/vendor/jurisdiction rules, 24 data entries) on four kinds of request;
//! - the same plus the ledger records the gateway stores;
//! - parsing the policy (what a reload costs).
//!
//! Each figure is the median and 99th percentile of batches of 1,000 decisions, per decision,
//! in wall time; and, on Linux, the CPU time this thread spent per decision (from
//! `/proc/thread-self/schedstat`), which other processes competing for the cores do not inflate.

use std::hint::black_box;
use std::time::{Duration, Instant};

use weir_policy::{Date, Facts, Policy, Route, Target, decide};

const POLICY: &str = include_str!("../tests/data/realistic.toml");

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Nanoseconds this thread has spent on a CPU, where the kernel says.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU time per call of `f` over 200,000 calls.
fn cpu_per_call(mut f: impl FnMut()) -> Option<Duration> {
    const N: u32 = 200_000;
    let before = cpu_ns()?;
    for _ in 0..N {
        f();
    }
    let after = cpu_ns()?;
    Some(Duration::from_nanos(after.saturating_sub(before)) / N)
}

/// Per-call median and p99 of `f`, from 300 batches of 1,000 calls.
fn measure(mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..10_000 {
        f();
    }
    let mut per_call = Vec::with_capacity(300);
    for _ in 0..300 {
        let t = Instant::now();
        for _ in 0..1_000 {
            f();
        }
        per_call.push(t.elapsed() / 1_000);
    }
    per_call.sort();
    (percentile(&per_call, 0.5), percentile(&per_call, 0.99))
}

fn main() {
    let policy = Policy::parse(POLICY, "policy.toml").expect("the realistic policy parses");
    let today = Date::parse("2026-07-20").expect("date");

    let cloud = [
        Target {
            vendor: "anthropic",
            jurisdiction: "US",
            model: "claude-sonnet-4-5",
        },
        Target {
            vendor: "openai",
            jurisdiction: "US",
            model: "gpt-4.1",
        },
        Target {
            vendor: "ollama",
            jurisdiction: "local",
            model: "qwen2.5-coder:7b",
        },
    ];
    let local = [Target {
        vendor: "ollama",
        jurisdiction: "local",
        model: "qwen2.5-coder:7b",
    }];
    let reroutes = [Route {
        name: "local",
        targets: &local,
    }];
    let route = Some(Route {
        name: "default",
        targets: &cloud,
    });

    let cases: [(&str, Facts<'_>); 4] = [
        (
            "internal project, allowed, 3 targets, 2 findings",
            Facts {
                tool: Some("codex"),
                version: Some("0.31.2"),
                user: Some("dave@acme.com"),
                cwd: Some("/home/dave/src/acme-mobile/app"),
                remotes: &["git@github.com:acme/mobile-app.git"],
                model: Some("claude-sonnet-4-5"),
                route,
                reroutes: &reroutes,
                findings: &["time-zone", "working-directory"],
                ..Facts::default()
            },
        ),
        (
            "restricted project, secret rerouted to local",
            Facts {
                tool: Some("claude-code"),
                version: Some("2.0.14"),
                user: Some("alice@acme.com"),
                cwd: Some("/srv/acme/payments/api"),
                remotes: &["https://github.com/acme/payments.git"],
                model: Some("claude-sonnet-4-5"),
                route,
                reroutes: &reroutes,
                findings: &["secret", "email", "invisible"],
                ..Facts::default()
            },
        ),
        (
            "banned tool, refused",
            Facts {
                tool: Some("claude-code"),
                version: Some("2.0.14"),
                user: Some("mallory@acme.com"),
                cwd: Some("/home/mallory/work"),
                model: Some("claude-sonnet-4-5"),
                route,
                reroutes: &reroutes,
                ..Facts::default()
            },
        ),
        (
            "unknown tool, no user, no project",
            Facts {
                route,
                ..Facts::default()
            },
        ),
    ];

    println!(
        "policy: {} rules, {} bytes",
        policy.rules().len(),
        POLICY.len()
    );
    for (name, facts) in &cases {
        let d = decide(&policy, facts, today);
        let (p50, p99) = measure(|| {
            black_box(decide(black_box(&policy), black_box(facts), today));
        });
        let (l50, _) = measure(|| {
            let d = decide(black_box(&policy), black_box(facts), today);
            black_box(d.ledger_entries());
        });
        let cpu = cpu_per_call(|| {
            black_box(decide(black_box(&policy), black_box(facts), today));
        })
        .map_or_else(
            || "n/a".to_owned(),
            |c| format!("{:.2} µs", c.as_secs_f64() * 1e6),
        );
        println!(
            "{name}: decide p50 {:.2} µs, p99 {:.2} µs, CPU {cpu}; with ledger records p50 \
             {:.2} µs ({} rules applied, {})",
            p50.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6,
            l50.as_secs_f64() * 1e6,
            d.rules.len(),
            if d.is_refused() { "refused" } else { "allowed" }
        );
    }

    let parse_cpu = cpu_per_call(|| {
        black_box(Policy::parse(black_box(POLICY), "policy.toml").is_ok());
    });
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        black_box(Policy::parse(black_box(POLICY), "policy.toml").expect("parses"));
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "parse the policy: p50 {:.1} µs, p99 {:.1} µs, CPU {}",
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        parse_cpu.map_or_else(
            || "n/a".to_owned(),
            |c| format!("{:.1} µs", c.as_secs_f64() * 1e6)
        )
    );
}
