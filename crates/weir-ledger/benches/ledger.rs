//! The ledger's cost in strict mode: durable exchanges per second (a start and a finish entry
//! each, every append committed to stable storage before it returns) with many exchanges in
//! flight, and the latency one exchange's two appends add when it is alone, on SQLite and on
//! PostgreSQL.
//!
//! `cargo bench -p weir-ledger --bench ledger`; PostgreSQL at `WEIR_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/test`), in a scratch schema dropped afterwards. Set
//! `WEIR_BENCH_SKIP_PG=1` to measure SQLite only.

use std::time::{Duration, Instant};

use weir_ledger::postgres::PgStore;
use weir_ledger::sqlite::SqliteStore;
use weir_ledger::*;

/// Exchanges in flight at once for the throughput figure.
const IN_FLIGHT: usize = 64;
/// Exchanges per throughput run.
const EXCHANGES: usize = 5_000;
/// Exchanges for the latency figure (one at a time).
const ALONE: usize = 300;

fn exchange(i: usize) -> (Draft, Vec<Block>, Draft) {
    let body = format!(
        r#"{{"model":"m","max_tokens":1024,"messages":[{{"role":"user","content":"request {i}: {}"}}]}}"#,
        "some source code ".repeat(60)
    );
    let tree = content::split(body.as_bytes());
    let content = Content {
        digest: Some(tree.root),
        bytes: body.len() as u64,
        stored: true,
    };
    let id = format!("req_{i:024}");
    let start = Draft {
        at_ms: writer::now_ms(),
        exchange: id.clone(),
        event: Event::Start(Box::new(Start {
            node: "bench".into(),
            model: "m".into(),
            request: content,
            ..Start::default()
        })),
    };
    let finish = Draft {
        at_ms: writer::now_ms(),
        exchange: id,
        event: Event::Finish(Box::new(Finish {
            outcome: Outcome::Ok,
            status: 200,
            error: None,
            attempts: vec![Attempt {
                target: Target::default(),
                protocol: "anthropic".into(),
                key: Some("fp:0123abcd".into()),
                result: AttemptResult::Answered,
                status: Some(200),
                sent: content,
                received: 900,
                first_byte_ms: Some(3),
            }],
            response: Content::default(),
            tokens: Some(Tokens {
                input: 300,
                output: 80,
                ..Tokens::default()
            }),
            latency: Latency {
                first_byte_ms: Some(3),
                total_ms: 9,
            },
            findings: vec![],
            decisions: vec![],
        })),
    };
    (start, tree.blocks, finish)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn measure(name: &str, store: Box<dyn Store>) {
    let ledger = Ledger::open(
        store,
        None,
        Options {
            node: "bench".into(),
            ..Options::default()
        },
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    // Throughput: IN_FLIGHT clients, each appending a start then a finish, durably.
    let started = Instant::now();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for c in 0..IN_FLIGHT {
            let ledger = ledger.clone();
            tasks.push(tokio::spawn(async move {
                for i in (c..EXCHANGES).step_by(IN_FLIGHT) {
                    let (start, blocks, finish) = exchange(i);
                    ledger.append(vec![start], blocks).await.unwrap();
                    ledger.append(vec![finish], vec![]).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    let took = started.elapsed();
    let rate = EXCHANGES as f64 / took.as_secs_f64();
    // Latency: one exchange at a time, both appends.
    let mut alone = Vec::with_capacity(ALONE);
    runtime.block_on(async {
        for i in 0..ALONE {
            let (start, blocks, finish) = exchange(EXCHANGES + i);
            let t = Instant::now();
            ledger.append(vec![start], blocks).await.unwrap();
            ledger.append(vec![finish], vec![]).await.unwrap();
            alone.push(t.elapsed());
        }
    });
    alone.sort();
    println!(
        "{name:<10} {rate:>8.0} durable exchanges/s ({IN_FLIGHT} in flight, {} entries/s) | one exchange alone: p50 {:>6.2} ms, p99 {:>6.2} ms (start + finish, each committed)",
        (rate * 2.0) as u64,
        percentile(&alone, 0.5).as_secs_f64() * 1e3,
        percentile(&alone, 0.99).as_secs_f64() * 1e3,
    );
    ledger.close();
}

fn main() {
    // `cargo test --benches` runs this with --bench absent; measure only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("weir-ledger-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    measure(
        "sqlite",
        Box::new(SqliteStore::open(&dir.join("ledger.db")).unwrap()),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    if std::env::var_os("WEIR_BENCH_SKIP_PG").is_some() {
        return;
    }
    let url = std::env::var("WEIR_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("weir_bench_{}", std::process::id());
    let store =
        PgStore::connect(&url, &schema).unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
    measure("postgresql", Box::new(store));
    let mut admin = ::postgres::Client::connect(&url, ::postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}
