//! The bench's HTTP client and one timed request.
//!
//! The client is hyper-util's pooled ("legacy") client over plain TCP with `TCP_NODELAY`, as an
//! SDK would use it: requests made one after another reuse one keep-alive connection.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{HttpConnector, HttpInfo};
use hyper_util::rt::TokioExecutor;

/// The pooled HTTP/1.1 client.
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A client keeping at most `idle_per_host` idle connections per host.
pub fn new(idle_per_host: usize) -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(idle_per_host)
        .pool_idle_timeout(Duration::from_secs(600))
        .build(connector)
}

/// A `GET`'s status code.
pub async fn get_status(client: &HttpClient, uri: Uri) -> anyhow::Result<u16> {
    let request = Request::get(uri).body(Full::new(Bytes::new()))?;
    let response = client.request(request).await?;
    let status = response.status().as_u16();
    // Read the body so the connection can be reused.
    let _ = response.into_body().collect().await;
    Ok(status)
}

/// A `POST /v1/messages` with `body`, with the headers Claude Code sends that matter here.
pub fn messages_request(uri: &Uri, body: &Bytes) -> anyhow::Result<Request<Full<Bytes>>> {
    Ok(Request::post(uri.clone())
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("anthropic-version", "2023-06-01")
        .header("user-agent", "weir-bench/0.1")
        .body(Full::new(body.clone()))?)
}

/// What one timed request came to.
#[derive(Debug, Clone, Copy)]
pub struct Timed {
    /// From sending the request to the first byte of the response body.
    pub first_byte: Duration,
    /// From sending the request to the end of the response body.
    pub total: Duration,
    /// SSE events received (`data:` lines); 0 for a non-streaming answer.
    pub events: usize,
    /// Non-empty body reads (data frames) the answer arrived in.
    pub chunks: usize,
    /// The client side of the connection used.
    pub local: Option<SocketAddr>,
}

/// Sends one Messages request and reads the whole answer, timing it; then checks that the
/// answer is a complete, successful Anthropic message (a stream must end with `message_stop`).
pub async fn timed_messages(
    client: &HttpClient,
    uri: &Uri,
    body: &Bytes,
    stream: bool,
) -> anyhow::Result<Timed> {
    let request = messages_request(uri, body)?;
    let started = Instant::now();
    let response = client.request(request).await.context("request failed")?;
    let (parts, mut incoming) = response.into_parts();
    let mut first_byte = None;
    let mut chunks = 0;
    let mut received = Vec::new();
    while let Some(frame) = incoming.frame().await {
        let frame = frame.context("response body broke")?;
        if let Ok(data) = frame.into_data()
            && !data.is_empty()
        {
            if first_byte.is_none() {
                first_byte = Some(started.elapsed());
            }
            chunks += 1;
            received.extend_from_slice(&data);
        }
    }
    let total = started.elapsed();
    let local = parts.extensions.get::<HttpInfo>().map(HttpInfo::local_addr);
    if !parts.status.is_success() {
        bail!(
            "HTTP {}: {}",
            parts.status,
            String::from_utf8_lossy(&received[..received.len().min(600)])
        );
    }
    let events = if stream {
        check_stream(&received)?
    } else {
        check_message(&received)?;
        0
    };
    Ok(Timed {
        first_byte: first_byte.unwrap_or(total),
        total,
        events,
        chunks,
        local,
    })
}

/// Checks a non-streaming answer: a JSON message with a text block.
pub fn check_message(body: &[u8]) -> anyhow::Result<()> {
    let v: serde_json::Value = serde_json::from_slice(body).context("answer is not JSON")?;
    if v["type"] != "message" || !v["content"][0]["text"].is_string() {
        bail!(
            "answer is not a message with text: {}",
            String::from_utf8_lossy(&body[..body.len().min(600)])
        );
    }
    Ok(())
}

/// Checks a streamed answer and counts its events: it must end with `message_stop` and carry
/// no `error` event.
pub fn check_stream(body: &[u8]) -> anyhow::Result<usize> {
    let text = std::str::from_utf8(body).context("stream is not UTF-8")?;
    let mut events = 0;
    let mut last_event = "";
    for line in text.lines() {
        if line.starts_with("data:") {
            events += 1;
        } else if let Some(name) = line.strip_prefix("event:") {
            last_event = name.trim();
            if last_event == "error" {
                bail!("stream carried an error event: {}", tail(text));
            }
        }
    }
    if last_event != "message_stop" {
        bail!(
            "stream did not end with message_stop (last event `{last_event}`): {}",
            tail(text)
        );
    }
    Ok(events)
}

fn tail(text: &str) -> &str {
    let mut start = text.len().saturating_sub(400);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
