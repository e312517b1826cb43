//! The printed table and the JSON figures.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::phases::{Memory, Pairs};
use crate::stats::{Summary, round};

/// The design's budgets, printed next to the figures (never checked).
pub mod budget {
    /// 1 KB non-streaming, added p50, µs.
    pub const SMALL_P50_US: f64 = 100.0;
    /// 1 KB non-streaming, added p99, µs.
    pub const SMALL_P99_US: f64 = 500.0;
    /// 200 KB non-streaming, added p50, µs (includes DLP and the ledger, not built yet).
    pub const LARGE_P50_US: f64 = 1000.0;
    /// 200 KB non-streaming, added p99, µs.
    pub const LARGE_P99_US: f64 = 3000.0;
    /// Added cost per streamed event, µs.
    pub const PER_EVENT_US: f64 = 50.0;
    /// Peak RSS with 1,000 concurrent streams, bytes.
    pub const STREAMS_BYTES: u64 = 100_000_000;
}

/// Where the bench ran.
#[derive(Debug, Clone)]
pub struct Machine {
    /// Logical CPUs available.
    pub cores: usize,
    /// The CPU model, when `/proc/cpuinfo` names it.
    pub cpu: Option<String>,
}

impl Machine {
    /// Reads the machine's core count and CPU model.
    pub fn detect() -> Machine {
        let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        });
        Machine {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            cpu,
        }
    }
}

/// Everything measured.
#[derive(Debug)]
pub struct Report {
    machine: Machine,
    weir_path: PathBuf,
    weir_version: String,
    log_filter: String,
    quick: bool,
    emulator: SocketAddr,
    /// 1 KB non-streaming: (body bytes, samples).
    pub small: Option<(usize, Pairs)>,
    /// 200 KB non-streaming: (body bytes, samples).
    pub large: Option<(usize, Pairs)>,
    /// Streaming: (body bytes, samples).
    pub stream: Option<(usize, Pairs)>,
    /// Concurrent streams.
    pub memory: Option<Memory>,
    /// WARN/ERROR lines weir logged during the latency figures.
    pub latency_warnings: Vec<String>,
    /// WARN/ERROR lines weir logged during the memory figure.
    pub memory_warnings: Vec<String>,
}

/// What `binary --version` prints, waiting at most 5 s for it.
fn version(binary: &Path) -> Option<String> {
    use std::io::Read as _;
    let mut child = std::process::Command::new(binary)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let started = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < std::time::Duration::from_secs(5) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    Some(out.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A duration in µs for the table: `41.3 µs`, `412 µs`, `4.12 ms`.
fn us(x: f64) -> String {
    if x.abs() < 100.0 {
        format!("{x:.1} µs")
    } else if x.abs() < 10_000.0 {
        format!("{x:.0} µs")
    } else {
        format!("{:.2} ms", x / 1000.0)
    }
}

/// A signed difference in µs.
fn plus(x: f64) -> String {
    if x >= 0.0 {
        format!("+{}", us(x))
    } else {
        format!("-{}", us(-x))
    }
}

/// Bytes as MB (10^6 bytes).
fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// How a figure compares with its budget (a comparison, not an assertion).
fn versus(value: f64, budget: f64) -> &'static str {
    if value <= budget { "within" } else { "OVER" }
}

/// One non-streaming figure with its budgets: label, figure (body size and pairs), p50 and p99
/// budgets in µs.
type NonStreamingRow<'a> = (&'static str, &'a Option<(usize, Pairs)>, f64, f64);

impl Report {
    /// An empty report for a run of `weir_path`.
    pub fn new(
        machine: Machine,
        weir_path: &Path,
        log_filter: &str,
        quick: bool,
        emulator: SocketAddr,
    ) -> Report {
        let weir_version = version(weir_path).unwrap_or_else(|| "unknown version".to_owned());
        Report {
            machine,
            weir_path: weir_path.to_path_buf(),
            weir_version,
            log_filter: log_filter.to_owned(),
            quick,
            emulator,
            small: None,
            large: None,
            stream: None,
            memory: None,
            latency_warnings: Vec::new(),
            memory_warnings: Vec::new(),
        }
    }

    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let m = &self.machine;
        let _ = writeln!(t);
        let _ = writeln!(
            t,
            "weir-bench: what weir adds between a client and a vendor"
        );
        let _ = writeln!(
            t,
            "  weir       {} ({}), WEIR_LOG={}",
            self.weir_path.display(),
            self.weir_version,
            self.log_filter
        );
        let _ = writeln!(
            t,
            "  machine    {} cores{}; client (1 thread), emulator (1 thread) and weir share them",
            m.cores,
            m.cpu
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            t,
            "  emulator   in-process on {}; budgets are the design's, shown for comparison only{}",
            self.emulator,
            if self.quick {
                "\n  mode       --quick (N / 10)"
            } else {
                ""
            }
        );

        if self.small.is_some() || self.large.is_some() {
            let _ = writeln!(t);
            let _ = writeln!(
                t,
                "1. Added latency, non-streaming: POST /v1/messages, short reply; direct and through \
                 weir interleaved,\n   one keep-alive connection each; request sent -> last byte of the answer"
            );
            let _ = writeln!(
                t,
                "   {:<18} {:>5} | {:>9} {:>9} {:>10} {:>8} {:<6} | {:>9} {:>9} {:>10} {:>8} {:<6}",
                "body",
                "pairs",
                "direct",
                "weir",
                "added",
                "budget",
                "",
                "direct",
                "weir",
                "added",
                "budget",
                ""
            );
            let _ = writeln!(t, "   {:<18} {:>5} | {:^46} | {:^46}", "", "", "p50", "p99");
            for (label, figure, p50_budget, p99_budget) in self.non_streaming_rows() {
                let Some((bytes, pairs)) = figure else {
                    continue;
                };
                let d = Pairs::total(&pairs.direct);
                let w = Pairs::total(&pairs.weir);
                let (a50, a99) = (w.p50 - d.p50, w.p99 - d.p99);
                let _ = writeln!(
                    t,
                    "   {:<18} {:>5} | {:>9} {:>9} {:>10} {:>8} {:<6} | {:>9} {:>9} {:>10} {:>8} {:<6}",
                    format!("{label} ({bytes} B)"),
                    d.n,
                    us(d.p50),
                    us(w.p50),
                    plus(a50),
                    format!("≤{}", us(p50_budget)),
                    versus(a50, p50_budget),
                    us(d.p99),
                    us(w.p99),
                    plus(a99),
                    format!("≤{}", us(p99_budget)),
                    versus(a99, p99_budget),
                );
                if pairs.direct_connections != 1 || pairs.weir_connections != 1 {
                    let _ = writeln!(
                        t,
                        "   note: connections used: direct {}, weir {} (expected 1 each)",
                        pairs.direct_connections, pairs.weir_connections
                    );
                }
            }
            for (label, figure) in [("1 KB", &self.small), ("200 KB", &self.large)] {
                if let Some((_, pairs)) = figure {
                    let (cpu, switches) = per_request(pairs);
                    let _ = writeln!(
                        t,
                        "   {label:<7} weir process per request: {} CPU, {switches:.1} context switches",
                        us(cpu)
                    );
                }
            }
            if self.large.is_some() {
                let _ = writeln!(
                    t,
                    "   (the 200 KB budget also covers DLP and the ledger, which are not built yet)"
                );
            }
        }

        if let Some((bytes, pairs)) = &self.stream {
            let events = pairs.events();
            let _ = writeln!(t);
            let _ = writeln!(
                t,
                "2. Added latency, streaming: the {bytes} B request with \"stream\": true; {events} SSE \
                 events per answer\n   ({} text deltas), {} pairs interleaved",
                events.saturating_sub(6),
                pairs.weir.len()
            );
            let _ = writeln!(
                t,
                "   {:<22} | {:>9} {:>9} {:>10} | {:>9} {:>9} {:>10}",
                "", "direct", "weir", "added", "direct", "weir", "added"
            );
            let _ = writeln!(t, "   {:<22} | {:^30} | {:^30}", "", "p50", "p99");
            let rows = self.stream_rows(pairs);
            for (label, d, w) in [
                ("time to first byte", rows.d_first, rows.w_first),
                ("time to last byte", rows.d_total, rows.w_total),
            ] {
                let _ = writeln!(
                    t,
                    "   {:<22} | {:>9} {:>9} {:>10} | {:>9} {:>9} {:>10}",
                    label,
                    us(d.p50),
                    us(w.p50),
                    plus(w.p50 - d.p50),
                    us(d.p99),
                    us(w.p99),
                    plus(w.p99 - d.p99),
                );
            }
            let _ = writeln!(
                t,
                "   {:<22} | {:>9} {:>9} {:>10} | {:>9} {:>9} {:>10}   budget ≤{} per event: {}",
                "added per event",
                "",
                "",
                plus(rows.per_event_p50),
                "",
                "",
                plus(rows.per_event_p99),
                us(budget::PER_EVENT_US),
                versus(rows.per_event_p50, budget::PER_EVENT_US),
            );
            let _ = writeln!(
                t,
                "   (added per event = (added last byte - added first byte) / {events} events)"
            );
            let (cpu, switches) = per_request(pairs);
            let _ = writeln!(
                t,
                "   weir process per streamed answer: {} CPU ({} per event), {switches:.1} context \
                 switches",
                us(cpu),
                us(cpu / events.max(1) as f64)
            );
            let _ = writeln!(
                t,
                "   answers arrived in {} HTTP chunk(s) direct, {} through weir (median)",
                Pairs::chunks(&pairs.direct),
                Pairs::chunks(&pairs.weir)
            );
            if let Some(x) = rows.per_event_vs_small {
                let _ = writeln!(
                    t,
                    "   cross-check: (added last byte - added 1 KB non-streaming, p50) / {events} \
                     events = {}",
                    plus(x)
                );
            }
        }

        if let Some(mem) = &self.memory {
            let _ = writeln!(t);
            let _ = writeln!(
                t,
                "3. Memory with {} concurrent streams through a fresh weir: {} events {} ms apart \
                 per stream",
                mem.streams,
                if mem.events > 0 {
                    mem.events
                } else {
                    crate::MEMORY_EVENTS
                },
                crate::MEMORY_DELAY_MS
            );
            let growth = mem.peak_hwm.saturating_sub(mem.baseline_rss);
            let rows = [
                (
                    "streams completed with message_stop",
                    format!(
                        "{} / {}   (at most {} open at once; {} failed)",
                        mem.completed, mem.streams, mem.max_open, mem.failed
                    ),
                ),
                ("baseline RSS (idle after startup)", mb(mem.baseline_rss)),
                (
                    "peak RSS (VmHWM at the end)",
                    format!(
                        "{}   budget ≤{}: {}",
                        mb(mem.peak_hwm),
                        mb(budget::STREAMS_BYTES),
                        versus(mem.peak_hwm as f64, budget::STREAMS_BYTES as f64)
                    ),
                ),
                (
                    "peak - baseline",
                    format!(
                        "{}   ({:.1} KB per stream)",
                        mb(growth),
                        growth as f64 / mem.streams.max(1) as f64 / 1e3
                    ),
                ),
                (
                    "largest VmRSS sampled (50 ms)",
                    format!("{}   ({} samples)", mb(mem.peak_sampled), mem.samples),
                ),
                ("RSS 1 s after the last stream", mb(mem.after_rss)),
                ("wall time", format!("{:.2} s", mem.wall.as_secs_f64())),
                (
                    "weir CPU during the run",
                    format!(
                        "{:.2} s   ({} per relayed event)",
                        mem.weir_cpu.cpu_ns as f64 / 1e9,
                        us(mem.weir_cpu.cpu_ns as f64
                            / 1e3
                            / (mem.completed.max(1) * mem.events.max(1)) as f64)
                    ),
                ),
            ];
            for (label, value) in rows {
                let _ = writeln!(t, "   {label:<36} {value}");
            }
            for f in &mem.failures {
                let _ = writeln!(t, "   FAILED stream: {f}");
            }
        }

        for (when, warnings) in [
            ("latency figures", &self.latency_warnings),
            ("memory figure", &self.memory_warnings),
        ] {
            if !warnings.is_empty() {
                let _ = writeln!(
                    t,
                    "\nweir logged {} warning(s) during the {when}; the first:\n  {}",
                    warnings.len(),
                    warnings[0]
                );
            }
        }
        t
    }

    fn stream_rows(&self, pairs: &Pairs) -> StreamRows {
        let d_first = Pairs::first_byte(&pairs.direct);
        let w_first = Pairs::first_byte(&pairs.weir);
        let d_total = Pairs::total(&pairs.direct);
        let w_total = Pairs::total(&pairs.weir);
        let events = pairs.events().max(1) as f64;
        let per_event_vs_small = self.small.as_ref().map(|(_, small)| {
            let added_small = Pairs::total(&small.weir).p50 - Pairs::total(&small.direct).p50;
            ((w_total.p50 - d_total.p50) - added_small) / events
        });
        StreamRows {
            per_event_vs_small,
            d_first,
            w_first,
            d_total,
            w_total,
            per_event_p50: ((w_total.p50 - d_total.p50) - (w_first.p50 - d_first.p50)) / events,
            per_event_p99: ((w_total.p99 - d_total.p99) - (w_first.p99 - d_first.p99)) / events,
        }
    }

    /// The non-streaming figures with their budgets (label, figure, p50 budget, p99 budget), in
    /// the order both the table and the JSON list them.
    fn non_streaming_rows(&self) -> [NonStreamingRow<'_>; 2] {
        [
            (
                "1 KB",
                &self.small,
                budget::SMALL_P50_US,
                budget::SMALL_P99_US,
            ),
            (
                "200 KB",
                &self.large,
                budget::LARGE_P50_US,
                budget::LARGE_P99_US,
            ),
        ]
    }

    /// The figures as JSON (times in µs, sizes in bytes).
    pub fn json(&self) -> Value {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let non_streaming: Vec<Value> = self
            .non_streaming_rows()
            .into_iter()
        .filter_map(|(label, figure, b50, b99)| {
            let (bytes, pairs) = figure.as_ref()?;
            let d = Pairs::total(&pairs.direct);
            let w = Pairs::total(&pairs.weir);
            Some(json!({
                "label": label,
                "body_bytes": bytes,
                "pairs": d.n,
                "direct": d.json(),
                "weir": w.json(),
                "added_p50_us": round(w.p50 - d.p50),
                "added_p99_us": round(w.p99 - d.p99),
                "budget_added_p50_us": b50,
                "budget_added_p99_us": b99,
                "connections": {"direct": pairs.direct_connections, "weir": pairs.weir_connections},
                "weir_cpu_per_request_us": round(per_request(pairs).0),
                "weir_context_switches_per_request": round(per_request(pairs).1),
            }))
        })
        .collect();
        let streaming = self.stream.as_ref().map(|(bytes, pairs)| {
            let r = self.stream_rows(pairs);
            json!({
                "body_bytes": bytes,
                "pairs": r.d_total.n,
                "events_per_stream": pairs.events(),
                "direct_first_byte": r.d_first.json(),
                "weir_first_byte": r.w_first.json(),
                "direct_last_byte": r.d_total.json(),
                "weir_last_byte": r.w_total.json(),
                "added_first_byte_p50_us": round(r.w_first.p50 - r.d_first.p50),
                "added_first_byte_p99_us": round(r.w_first.p99 - r.d_first.p99),
                "added_last_byte_p50_us": round(r.w_total.p50 - r.d_total.p50),
                "added_last_byte_p99_us": round(r.w_total.p99 - r.d_total.p99),
                "added_per_event_p50_us": (r.per_event_p50 * 1000.0).round() / 1000.0,
                "added_per_event_p99_us": (r.per_event_p99 * 1000.0).round() / 1000.0,
                "added_per_event_vs_non_streaming_p50_us":
                    r.per_event_vs_small.map(|x| (x * 1000.0).round() / 1000.0),
                "body_reads_per_answer": {
                    "direct": Pairs::chunks(&pairs.direct),
                    "weir": Pairs::chunks(&pairs.weir),
                },
                "weir_cpu_per_answer_us": round(per_request(pairs).0),
                "weir_context_switches_per_answer": round(per_request(pairs).1),
                "budget_per_event_us": budget::PER_EVENT_US,
                "connections": {"direct": pairs.direct_connections, "weir": pairs.weir_connections},
            })
        });
        let memory = self.memory.as_ref().map(|m| {
            json!({
                "streams": m.streams,
                "completed": m.completed,
                "failed": m.failed,
                "failures": m.failures,
                "max_open_at_once": m.max_open,
                "events_per_stream": m.events,
                "event_spacing_ms": crate::MEMORY_DELAY_MS,
                "baseline_rss_bytes": m.baseline_rss,
                "peak_hwm_bytes": m.peak_hwm,
                "peak_minus_baseline_bytes": m.peak_hwm.saturating_sub(m.baseline_rss),
                "peak_sampled_rss_bytes": m.peak_sampled,
                "rss_samples": m.samples,
                "rss_after_bytes": m.after_rss,
                "wall_s": (m.wall.as_secs_f64() * 1000.0).round() / 1000.0,
                "weir_cpu_s": (m.weir_cpu.cpu_ns as f64 / 1e6).round() / 1e3,
                "weir_context_switches": m.weir_cpu.switches,
                "budget_peak_bytes": budget::STREAMS_BYTES,
            })
        });
        json!({
            "bench": "weir-bench",
            "unix_time": now,
            "quick": self.quick,
            "machine": {"cores": self.machine.cores, "cpu": self.machine.cpu},
            "weir": {
                "path": self.weir_path.display().to_string(),
                "version": self.weir_version,
                "log_filter": self.log_filter,
            },
            "non_streaming": non_streaming,
            "streaming": streaming,
            "memory": memory,
            "weir_warnings": {
                "latency": self.latency_warnings.len(),
                "memory": self.memory_warnings.len(),
            },
        })
    }
}

/// weir's CPU time (µs) and context switches per measured request of `pairs`.
fn per_request(pairs: &Pairs) -> (f64, f64) {
    let n = pairs.weir.len().max(1) as f64;
    (
        pairs.weir_cpu.cpu_ns as f64 / 1e3 / n,
        pairs.weir_cpu.switches as f64 / n,
    )
}

/// The streaming figure's distributions and derived per-event cost.
struct StreamRows {
    d_first: Summary,
    w_first: Summary,
    d_total: Summary,
    w_total: Summary,
    per_event_p50: f64,
    per_event_p99: f64,
    /// (added last byte - added 1 KB non-streaming total) / events, when both were measured: a
    /// per-event figure that does not depend on how the events were batched into reads.
    per_event_vs_small: Option<f64>,
}
