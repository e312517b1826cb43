//! `weir-bench`: measures what weir adds between a client and a model vendor.
//!
//! The bench runs the vendor emulator in-process, starts the release `weir` binary as a child
//! process pointed at it, and compares requests sent straight to the emulator with the same
//! requests sent through weir. It measures and reports; it asserts nothing about the budgets
//! (they are printed next to each figure for comparison). It fails (exit code 1) when any
//! request through weir fails, and it kills its weir child however it ends.
//!
//! Run it with `scripts/bench` (builds both binaries in release mode first).

mod body;
mod child;
mod client;
mod phases;
mod report;
mod stats;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::{Parser, ValueEnum};
use weir_emulator::{Emulator, Reply, Script, When};

use crate::child::{TempDir, WeirChild};
use crate::phases::{Plan, Side};
use crate::report::{Machine, Report};

const AFTER_LONG_HELP: &str = "\
The figures:

  1. Added latency, non-streaming. A Messages request (a realistic body of 1 KB, then 200 KB:
     system prompt and user/assistant turns of pasted code) with a short reply. Requests go
     alternately straight to the emulator and through weir (direct, weir, direct, weir...),
     each side on its own keep-alive connection, after a warm-up of a tenth of N (at least
     20 pairs). Time runs from sending the request to the last byte of the answer. Reported:
     p50 and p99 of each side, and added = p50(weir) - p50(direct), p99(weir) - p99(direct).
     Defaults: N = 2000 pairs for 1 KB, 500 for 200 KB.

  2. Added latency, streaming. The 1 KB request with \"stream\": true; the answer is 56 SSE
     events (50 text deltas). Time to first byte (first byte of the response body) and time to
     last byte, both sides, N = 2000 pairs. Added per-event cost = (added time to last byte -
     added time to first byte) / events per stream; as a cross-check, (added time to last byte
     - added 1 KB non-streaming time) / events. The emulator sends the events back to back
     (each its own HTTP chunk) unless --stream-delay-ms is given.

  3. Peak memory with 1,000 concurrent streams, on a fresh weir process. The emulator answers
     100 events 50 ms apart (about 5 s per stream); the bench opens 1,000 streaming requests
     through weir at once, reads each to its end and checks it ended with message_stop, while
     sampling weir's VmRSS (/proc/PID/status) every 50 ms. Reported: baseline RSS (idle after
     startup), peak RSS (VmHWM at the end), peak - baseline, and streams completed.
     Needs about 2,100 open files in this process and in weir: raise the limit with
     `ulimit -n 4096` if it is lower (scripts/bench raises the soft limit to the hard one).

Budgets printed for comparison (the design's, not checked): 1 KB p50 <= 100 us, p99 <= 500 us;
200 KB p50 <= 1 ms, p99 <= 3 ms (a budget that covers DLP, not built yet, and the ledger: strict SQLite, on by default);
<= 50 us per streamed event; <= 100 MB for 1,000 streams.

Each figure also shows the CPU time and context switches of the weir process (summed over its
threads from /proc/PID/task/*/sched): per request, per streamed answer, or over the memory run.
That CPU time includes the kernel's work to park and wake weir's threads, which is large on
virtual machines when threads wake each other across cores.

Client, emulator and weir run on the same machine and share its cores: the figures include
that contention, equally for both sides. On virtual machines a wake-up across cores can cost
tens of microseconds, and a request through weir has more of them than a direct one; run
under `taskset -c 0` to see the figures without cross-core wake-ups. --quick divides N by 10
(a smoke run).

Exit codes: 0 measured; 1 a request failed, weir could not start, or the bench could not run;
2 usage.";

/// Measures what weir adds: latency (non-streaming and streaming) and memory under 1,000
/// concurrent streams, against an in-process vendor emulator.
#[derive(Debug, Parser)]
#[command(name = "weir-bench", version, about, after_long_help = AFTER_LONG_HELP)]
struct Args {
    /// Also write the figures as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Divide the request counts by 10 (a quick smoke run; figures are noisier).
    #[arg(long)]
    quick: bool,
    /// Measured pairs for the 1 KB non-streaming figure [default: 2000].
    #[arg(long, value_name = "N")]
    n_small: Option<usize>,
    /// Measured pairs for the 200 KB non-streaming figure [default: 500].
    #[arg(long, value_name = "N")]
    n_large: Option<usize>,
    /// Measured pairs for the streaming figure [default: 2000].
    #[arg(long, value_name = "N")]
    n_stream: Option<usize>,
    /// Concurrent streams for the memory figure.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    streams: usize,
    /// Delay between the emulator's stream events in the streaming-latency figure, in ms.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    stream_delay_ms: u64,
    /// Run only these figures (repeatable) [default: all].
    #[arg(long, value_enum, value_name = "FIGURE")]
    only: Vec<Figure>,
    /// The weir binary [default: `weir` next to this binary, i.e. target/release/weir].
    #[arg(long, value_name = "PATH")]
    weir: Option<PathBuf>,
    /// weir's log filter (WEIR_LOG); `info` is weir's default and logs one line per request.
    #[arg(long, value_name = "FILTER", default_value = "info")]
    weir_log: String,
}

/// The figures the bench can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Figure {
    /// Non-streaming, 1 KB body.
    Small,
    /// Non-streaming, 200 KB body.
    Large,
    /// Streaming, 1 KB body.
    Stream,
    /// Memory with concurrent streams.
    Memory,
}

/// Size of the small request body.
const SMALL_BYTES: usize = 1024;
/// Size of the large request body.
const LARGE_BYTES: usize = 200 * 1024;
/// Text deltas in the streaming-latency answer (8 characters each).
const STREAM_DELTAS: usize = 50;
/// Events in each stream of the memory figure (Anthropic adds 6 around the text deltas).
const MEMORY_EVENTS: usize = 100;
/// Spacing of the memory figure's events.
const MEMORY_DELAY_MS: u64 = 50;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("\nweir-bench: FAILED: {e:#}");
            ExitCode::FAILURE
        }
    }
}

impl Args {
    fn wants(&self, figure: Figure) -> bool {
        self.only.is_empty() || self.only.contains(&figure)
    }

    fn n(&self, explicit: Option<usize>, default: usize) -> usize {
        explicit.unwrap_or(if self.quick { default / 10 } else { default })
    }
}

/// Code-like text of exactly `chars` ASCII characters.
fn code_text(chars: usize) -> String {
    const LINE: &str = "if let Some(frame) = stream.next().await { out.push(frame?); }\n";
    LINE.chars().cycle().take(chars).collect()
}

/// The emulator's answers for the latency figures: a short text, or a stream of 50 deltas.
fn latency_script(delay_ms: u64) -> Script {
    Script::reply(Reply::text(
        "Done: the limit check now returns early on empty input.",
    ))
    .rule(
        When::any().stream(true),
        Reply::text(code_text(STREAM_DELTAS * 8))
            .with_chunk_chars(8)
            .with_delay_ms(delay_ms),
    )
}

/// The emulator's answer for the memory figure: 100 events, 50 ms apart.
fn memory_script() -> Script {
    Script::reply(
        Reply::text(code_text((MEMORY_EVENTS - 6) * 8))
            .with_chunk_chars(8)
            .with_delay_ms(MEMORY_DELAY_MS),
    )
}

/// The weir binary to run: `--weir`, or `weir` next to this binary.
fn weir_binary(args: &Args) -> anyhow::Result<PathBuf> {
    let path = match &args.weir {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .context("locating this binary")?
            .with_file_name("weir"),
    };
    if !path.is_file() {
        bail!(
            "no weir binary at {}: build it with `cargo build --release -p weir` (scripts/bench \
             does), or pass --weir PATH",
            path.display()
        );
    }
    Ok(path)
}

/// Open files the memory figure needs in one process: a socket per stream on each side, plus
/// some for everything else.
fn files_needed(streams: usize) -> u64 {
    2 * streams as u64 + 100
}

/// Fails with advice when `limit` (open files of `what`) is too low for `streams` streams.
fn check_file_limit(what: &str, limit: Option<u64>, streams: usize) -> anyhow::Result<()> {
    let need = files_needed(streams);
    match limit {
        Some(have) if have < need => bail!(
            "{what} may open only {have} files, and {streams} concurrent streams need about \
             {need} (each stream is a client socket and a vendor socket). Raise the limit first, \
             e.g. `ulimit -n {}` (scripts/bench raises the soft limit to the hard one), or pass \
             a smaller --streams",
            need.next_power_of_two()
        ),
        _ => Ok(()),
    }
}

/// Starts the emulator and the client's runtime, runs the bench, and stops everything.
fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let binary = weir_binary(args)?;
    if args.wants(Figure::Memory) {
        check_file_limit(
            "this process",
            child::nofile_limit("/proc/self/limits"),
            args.streams,
        )?;
    }
    // The emulator gets its own runtime (one worker thread) so its work does not queue behind
    // the client's; the client runs on this thread.
    let emulator_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("emulator")
        .enable_all()
        .build()
        .context("starting the emulator's runtime")?;
    let emulator = emulator_runtime
        .block_on(Emulator::start(latency_script(args.stream_delay_ms)))
        .context("starting the emulator")?;
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the client's runtime")?;
    // On SIGINT or SIGTERM the bench future is dropped, and with it the weir child (killed).
    let result = client_runtime.block_on(async {
        tokio::select! {
            result = bench(args, &binary, &emulator) => result,
            signal = stop_signal() => Err(anyhow!("interrupted by {signal}")),
        }
    });
    drop(client_runtime);
    emulator_runtime.block_on(emulator.shutdown());
    result
}

/// Resolves with the signal's name when SIGINT or SIGTERM arrives.
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => tokio::select! {
            _ = int.recv() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        },
        _ => std::future::pending().await,
    }
}

/// Adds the tail of weir's log to an error.
fn with_log(e: anyhow::Error, weir: &WeirChild) -> anyhow::Error {
    anyhow!("{e:#}\nweir's log (last lines):\n{}", weir.log_tail(15))
}

/// A progress line on stderr (the table goes to stdout).
fn progress(msg: &str) {
    eprintln!("weir-bench: {msg}");
}

/// Runs the selected figures and prints (and writes) the report. Every weir child is killed
/// when this future ends or is dropped.
async fn bench(args: &Args, binary: &Path, emulator: &Emulator) -> anyhow::Result<ExitCode> {
    let dir = TempDir::new()?;
    let mut report = Report::new(
        Machine::detect(),
        binary,
        &args.weir_log,
        args.quick,
        emulator.addr(),
    );
    let warmup = |n: usize| (n / 10).max(20);

    let latency = [Figure::Small, Figure::Large, Figure::Stream]
        .iter()
        .any(|f| args.wants(*f));
    if latency {
        let mut weir =
            WeirChild::start(binary, dir.path(), "weir", emulator.addr(), &args.weir_log).await?;
        progress(&format!(
            "weir pid {} on {}; emulator on {}",
            weir.pid(),
            weir.addr(),
            emulator.addr()
        ));
        let direct = Side::new(emulator.addr())?;
        let through = Side::new(weir.addr())?;
        for (figure, bytes, n, stream) in [
            (
                Figure::Small,
                SMALL_BYTES,
                args.n(args.n_small, 2000),
                false,
            ),
            (Figure::Large, LARGE_BYTES, args.n(args.n_large, 500), false),
            (
                Figure::Stream,
                SMALL_BYTES,
                args.n(args.n_stream, 2000),
                true,
            ),
        ] {
            if !args.wants(figure) {
                continue;
            }
            let body = body::anthropic(bytes, stream);
            progress(&format!(
                "{figure:?}: {} B body, {} warm-up + {n} measured pairs{}",
                body.len(),
                warmup(n),
                if stream { ", streaming" } else { "" }
            ));
            let plan = Plan {
                body: &body,
                stream,
                warmup: warmup(n),
                n,
            };
            let pairs = phases::interleaved(&direct, &through, weir.pid(), emulator, plan)
                .await
                .map_err(|e| with_log(e, &weir))?;
            weir.check_alive()?;
            if stream {
                report.stream = Some((body.len(), pairs));
            } else if figure == Figure::Small {
                report.small = Some((body.len(), pairs));
            } else {
                report.large = Some((body.len(), pairs));
            }
        }
        report.latency_warnings = weir.log_warnings();
    }

    let mut failed_streams = 0;
    if args.wants(Figure::Memory) {
        emulator.set_script(memory_script());
        let mut weir = WeirChild::start(
            binary,
            dir.path(),
            "weir-memory",
            emulator.addr(),
            &args.weir_log,
        )
        .await?;
        check_file_limit("the weir process", weir.nofile_limit(), args.streams)?;
        progress(&format!(
            "Memory: fresh weir pid {}; {} concurrent streams of {MEMORY_EVENTS} events {MEMORY_DELAY_MS} ms apart",
            weir.pid(),
            args.streams
        ));
        let body = body::anthropic(SMALL_BYTES, true);
        let limit = Duration::from_secs(60 + args.streams as u64 / 20);
        let memory = phases::concurrent_streams(&mut weir, &body, args.streams, limit)
            .await
            .map_err(|e| with_log(e, &weir))?;
        emulator.clear_requests();
        failed_streams = memory.failed;
        report.memory_warnings = weir.log_warnings();
        report.memory = Some(memory);
    }

    print!("{}", report.table());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report.json())?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
        eprintln!("weir-bench: figures written to {}", path.display());
    }
    if failed_streams > 0 {
        bail!(
            "{failed_streams} of {} streams through weir did not complete (see above)",
            args.streams
        );
    }
    Ok(ExitCode::SUCCESS)
}
