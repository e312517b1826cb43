//! The measurements: interleaved latency pairs (direct vs. through weir) and weir's memory under
//! many concurrent streams.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::Uri;
use tokio::task::JoinSet;
use weir_emulator::Emulator;

use crate::child::{self, CpuUse, WeirChild};
use crate::client::{self, HttpClient, Timed};
use crate::stats::Summary;

/// One side of a comparison: a client with its own keep-alive connection, and where it sends.
pub struct Side {
    /// The client (one pooled connection when used sequentially).
    pub client: HttpClient,
    /// `http://ADDR/v1/messages`.
    pub uri: Uri,
}

impl Side {
    /// A side sending to `addr`.
    pub fn new(addr: SocketAddr) -> anyhow::Result<Side> {
        Ok(Side {
            client: client::new(1),
            uri: format!("http://{addr}/v1/messages").parse()?,
        })
    }
}

/// The samples of one interleaved run.
#[derive(Debug, Clone)]
pub struct Pairs {
    /// Requests sent straight to the emulator.
    pub direct: Vec<Timed>,
    /// Requests sent through weir.
    pub weir: Vec<Timed>,
    /// Distinct connections the direct side used (1 when keep-alive held).
    pub direct_connections: usize,
    /// Distinct connections the weir side used.
    pub weir_connections: usize,
    /// What weir's process used during the measured pairs.
    pub weir_cpu: CpuUse,
}

impl Pairs {
    /// Total-time distribution of one side.
    pub fn total(samples: &[Timed]) -> Summary {
        Summary::of(&samples.iter().map(|t| t.total).collect::<Vec<_>>())
    }

    /// First-byte distribution of one side.
    pub fn first_byte(samples: &[Timed]) -> Summary {
        Summary::of(&samples.iter().map(|t| t.first_byte).collect::<Vec<_>>())
    }

    /// The median number of body reads an answer of one side arrived in.
    pub fn chunks(samples: &[Timed]) -> usize {
        let mut c: Vec<usize> = samples.iter().map(|t| t.chunks).collect();
        c.sort_unstable();
        c.get(c.len() / 2).copied().unwrap_or(0)
    }

    /// The SSE events per answer (the most common count; 0 when not streaming).
    pub fn events(&self) -> usize {
        self.weir.iter().map(|t| t.events).max().unwrap_or(0)
    }
}

/// What one interleaved run sends.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    /// The request body.
    pub body: &'a Bytes,
    /// Whether the body asks for a stream.
    pub stream: bool,
    /// Pairs sent first and not measured.
    pub warmup: usize,
    /// Pairs measured.
    pub n: usize,
}

/// Sends `plan.warmup` then `plan.n` pairs of the same request, direct then through weir, one
/// after another, and keeps the timings of the measured pairs, and the CPU time the weir
/// process (`weir_pid`) used meanwhile. Any failure ends the run.
pub async fn interleaved(
    direct: &Side,
    weir: &Side,
    weir_pid: u32,
    emulator: &Emulator,
    plan: Plan<'_>,
) -> anyhow::Result<Pairs> {
    let Plan {
        body,
        stream,
        warmup,
        n,
    } = plan;
    let mut out = Pairs {
        direct: Vec::with_capacity(n),
        weir: Vec::with_capacity(n),
        direct_connections: 0,
        weir_connections: 0,
        weir_cpu: CpuUse::default(),
    };
    let mut cpu_before = CpuUse::default();
    let mut direct_conns = HashSet::new();
    let mut weir_conns = HashSet::new();
    for i in 0..warmup + n {
        if i == warmup {
            cpu_before = child::cpu_use(weir_pid)?;
        }
        let d = client::timed_messages(&direct.client, &direct.uri, body, stream)
            .await
            .with_context(|| format!("request {} straight to the emulator failed", i + 1))?;
        let w = client::timed_messages(&weir.client, &weir.uri, body, stream)
            .await
            .with_context(|| format!("request {} through weir failed", i + 1))?;
        if d.events != w.events {
            bail!(
                "request {}: weir relayed {} events, the emulator sent {} directly",
                i + 1,
                w.events,
                d.events
            );
        }
        if i % 64 == 63 {
            // The emulator records every request; keep its memory (and ours) flat.
            emulator.clear_requests();
        }
        if i >= warmup {
            direct_conns.extend(d.local);
            weir_conns.extend(w.local);
            out.direct.push(d);
            out.weir.push(w);
        }
    }
    out.weir_cpu = child::cpu_use(weir_pid)?.since(cpu_before);
    emulator.clear_requests();
    out.direct_connections = direct_conns.len();
    out.weir_connections = weir_conns.len();
    Ok(out)
}

/// What the concurrent-streams run measured.
#[derive(Debug, Clone)]
pub struct Memory {
    /// Streams opened.
    pub streams: usize,
    /// Streams read to the end that ended with `message_stop`.
    pub completed: usize,
    /// The first failures (at most 10), for the report.
    pub failures: Vec<String>,
    /// Number of failed streams.
    pub failed: usize,
    /// Most streams whose headers had arrived and whose end had not, at one time.
    pub max_open: usize,
    /// SSE events per completed stream.
    pub events: usize,
    /// weir's `VmRSS` when idle after startup, bytes.
    pub baseline_rss: u64,
    /// weir's `VmHWM` at the end, bytes.
    pub peak_hwm: u64,
    /// The largest `VmRSS` sampled during the run, bytes.
    pub peak_sampled: u64,
    /// `VmRSS` sampled.
    pub samples: usize,
    /// weir's `VmRSS` one second after the last stream ended, bytes.
    pub after_rss: u64,
    /// From the first request to the last stream's end.
    pub wall: Duration,
    /// What weir's process used from the first request to the last stream's end.
    pub weir_cpu: CpuUse,
}

/// Counts a failed stream and keeps the first few reasons.
fn fail(memory: &mut Memory, why: String) {
    memory.failed += 1;
    if memory.failures.len() < 10 {
        memory.failures.push(why);
    }
}

/// Decrements the open-stream count when a stream ends, however it ends.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Reads one stream through weir to its end.
async fn one_stream(
    client: HttpClient,
    uri: Uri,
    body: Bytes,
    open: Arc<AtomicUsize>,
    max_open: Arc<AtomicUsize>,
) -> anyhow::Result<usize> {
    let request = client::messages_request(&uri, &body)?;
    let response = client.request(request).await.context("request failed")?;
    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
    let _open = Open(open);
    max_open.fetch_max(now, Ordering::SeqCst);
    let (parts, mut incoming) = response.into_parts();
    let mut received = Vec::new();
    while let Some(frame) = incoming.frame().await {
        if let Ok(data) = frame.context("stream broke")?.into_data() {
            received.extend_from_slice(&data);
        }
    }
    if !parts.status.is_success() {
        bail!(
            "HTTP {}: {}",
            parts.status,
            String::from_utf8_lossy(&received[..received.len().min(300)])
        );
    }
    client::check_stream(&received)
}

/// Opens `streams` concurrent streaming requests through `weir`, reads them all to the end, and
/// samples weir's `VmRSS` every 50 ms meanwhile.
pub async fn concurrent_streams(
    weir: &mut WeirChild,
    body: &Bytes,
    streams: usize,
    limit: Duration,
) -> anyhow::Result<Memory> {
    // Let weir settle after its health check, then take the idle baseline.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let baseline_rss = weir.status_bytes("VmRSS")?;
    let client = client::new(streams);
    let uri: Uri = format!("http://{}/v1/messages", weir.addr()).parse()?;
    let open = Arc::new(AtomicUsize::new(0));
    let max_open = Arc::new(AtomicUsize::new(0));
    let cpu_before = child::cpu_use(weir.pid())?;
    let started = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..streams {
        set.spawn(one_stream(
            client.clone(),
            uri.clone(),
            body.clone(),
            Arc::clone(&open),
            Arc::clone(&max_open),
        ));
    }
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(deadline);
    let mut memory = Memory {
        streams,
        completed: 0,
        failures: Vec::new(),
        failed: 0,
        max_open: 0,
        events: 0,
        baseline_rss,
        peak_hwm: 0,
        peak_sampled: baseline_rss,
        samples: 0,
        after_rss: 0,
        wall: Duration::ZERO,
        weir_cpu: CpuUse::default(),
    };
    loop {
        tokio::select! {
            biased;
            _ = tick.tick() => {
                if let Ok(rss) = weir.status_bytes("VmRSS") {
                    memory.peak_sampled = memory.peak_sampled.max(rss);
                    memory.samples += 1;
                }
            }
            joined = set.join_next() => match joined {
                None => break,
                Some(Ok(Ok(events))) => {
                    memory.completed += 1;
                    memory.events = memory.events.max(events);
                }
                Some(Ok(Err(e))) => fail(&mut memory, format!("{e:#}")),
                Some(Err(e)) => fail(&mut memory, format!("stream task failed: {e}")),
            },
            () = &mut deadline => {
                let left = set.len();
                set.abort_all();
                for _ in 0..left {
                    fail(&mut memory, format!("not finished within {}s", limit.as_secs()));
                }
                break;
            }
        }
    }
    memory.wall = started.elapsed();
    memory.weir_cpu = child::cpu_use(weir.pid())?.since(cpu_before);
    memory.max_open = max_open.load(Ordering::SeqCst);
    weir.check_alive()?;
    memory.peak_hwm = weir.status_bytes("VmHWM")?;
    drop(client);
    tokio::time::sleep(Duration::from_secs(1)).await;
    memory.after_rss = weir.status_bytes("VmRSS")?;
    Ok(memory)
}
