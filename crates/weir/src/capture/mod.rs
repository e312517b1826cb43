//! `weir capture`: play the model vendor for a coding tool and write down every request it
//! sends, exactly as sent, so that `weir inspect` (or a person) can see what the tool discloses.
//!
//! The server answers each API with the smallest valid reply ([`reply`]) so the tool proceeds,
//! writes each request as a capture file ([`weir_detect::capture`]) before answering it, and
//! stops on Ctrl-C or after `--count` requests. It listens on loopback only: it answers anyone
//! who can reach it and writes what they send to disk.

mod reply;
mod schema;
mod store;

use std::convert::Infallible;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request as HttpRequest, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use weir_detect::Request;
use weir_gateway::guard::{Denied, Guard};

use crate::cli::CaptureArgs;
use crate::ledger::time::{iso_ms, now_ms};

/// Largest request body taken (coding agents send hundreds of KB; a screenshot or a long
/// session more).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// How long a client may take to send its headers, and then its body.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
const BODY_TIMEOUT: Duration = Duration::from_secs(120);
/// How long stopping waits for answers still being sent.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What every connection shares.
struct Capture {
    dir: PathBuf,
    listener: String,
    text: String,
    /// Requests taken so far (the next one's number is this plus one).
    taken: AtomicU64,
    /// Stop after this many.
    count: Option<u64>,
    /// Notified when `count` requests were answered.
    done: Notify,
    /// Numbering starts after the files already in `dir`.
    first_seq: u64,
    guard: Guard,
}

/// Runs `weir capture` until Ctrl-C, SIGTERM or `--count` requests.
pub async fn capture(args: CaptureArgs) -> anyhow::Result<ExitCode> {
    if !args.listen.ip().is_loopback() {
        bail!(
            "weir capture listens on loopback only, and {} is not a loopback address: it answers \
             anyone who can reach it and writes what they send to disk. Use 127.0.0.1:PORT or \
             [::1]:PORT (port 0 picks a free one)",
            args.listen.ip()
        );
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the output directory {}", args.out.display()))?;
    let first_seq = store::last_seq(&args.out)
        .with_context(|| format!("cannot read the output directory {}", args.out.display()))?
        + 1;
    let listener = TcpListener::bind(args.listen).await.with_context(|| {
        format!(
            "cannot listen on {} (is another program using it? choose another with --listen)",
            args.listen
        )
    })?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    print_instructions(&url, &args);
    let state = Arc::new(Capture {
        dir: args.out.clone(),
        listener: url,
        text: args.reply.clone(),
        taken: AtomicU64::new(0),
        count: args.count,
        done: Notify::new(),
        first_seq,
        guard: Guard {
            check_host: true,
            allowed_hosts: Vec::new(),
            token: None,
        },
    });
    serve(listener, Arc::clone(&state)).await;
    let taken = state.taken.load(Ordering::SeqCst);
    let taken = state.count.map_or(taken, |c| taken.min(c));
    println!(
        "weir capture: {taken} request{} written to {}",
        if taken == 1 { "" } else { "s" },
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn print_instructions(url: &str, args: &CaptureArgs) {
    let stop = match args.count {
        Some(n) => format!(
            "after {n} request{} or on Ctrl-C",
            if n == 1 { "" } else { "s" }
        ),
        None => "on Ctrl-C".to_owned(),
    };
    println!(
        "weir capture: listening on {url}, writing requests to {}",
        args.out.display()
    );
    println!("Point a coding tool at it (any API key will do); it stops {stop}:");
    println!("  Claude Code:  ANTHROPIC_BASE_URL={url} ANTHROPIC_API_KEY=capture claude -p \"hi\"");
    println!("  Qwen Code, OpenAI SDKs:  OPENAI_BASE_URL={url}/v1 OPENAI_API_KEY=capture");
    println!(
        "  Gemini CLI:   GOOGLE_GEMINI_BASE_URL={url} GEMINI_API_KEY=capture gemini -p \"hi\""
    );
    println!(
        "  Codex:        WEIR_CAPTURE_KEY=capture codex -c model_provider=capture \
         -c 'model_providers.capture={{name=\"weir capture\", base_url=\"{url}/v1\", \
         wire_api=\"responses\", env_key=\"WEIR_CAPTURE_KEY\", supports_websockets=false}}' \
         exec \"hi\""
    );
}

/// Accepts connections until stopped, then lets answers in flight finish.
async fn serve(listener: TcpListener, state: Arc<Capture>) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let stop = crate::serve::stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, say: back off rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = Arc::clone(&state);
                let service = service_fn(move |req| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, Infallible>(handle(&state, req).await) }
                });
                let conn = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .into_owned();
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    // A client that goes away mid-request is its own business.
                    let _ = conn.await;
                });
            }
            () = state.done.notified() => break,
            () = &mut stop => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {}
    }
}

/// One request: check it comes from this machine, write it, answer it.
async fn handle(state: &Capture, req: HttpRequest<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    if let Err(denied) = state.guard.check(&parts.headers, parts.uri.host()) {
        let why = match denied {
            Denied::Host(host) => format!("its Host `{host}` names another machine"),
            Denied::Origin(origin) => format!("it comes from the web page `{origin}`"),
            Denied::Token => "it has no access token".to_owned(),
        };
        let message = format!(
            "weir capture refused a request because {why}: it takes requests from this machine \
             only (DNS-rebinding defence); use 127.0.0.1 or localhost in the base URL"
        );
        eprintln!("{message}");
        return error(403, &message);
    }
    let body =
        match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY).collect()).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(_)) => {
                return error(
                    413,
                    "the request body is larger than weir capture takes (64 MiB) or was cut off",
                );
            }
            Err(_) => return error(408, "the request body did not arrive in time"),
        };
    let taken = state.taken.fetch_add(1, Ordering::SeqCst) + 1;
    if state.count.is_some_and(|c| taken > c) {
        return error(
            503,
            "weir capture has taken the requests it was asked for and is stopping",
        );
    }
    let seq = state.first_seq + taken - 1;
    let request = to_request(&parts, body.to_vec());
    let at = now_ms();
    let file = weir_detect::capture::write(&request, &iso_ms(at), &state.listener);
    let name = weir_detect::capture::file_name(seq, &request.method, &request.path);
    let answer = reply::reply(
        &request,
        reply::Context {
            text: &state.text,
            seq,
            now_secs: at / 1000,
        },
    );
    let written = store::write_atomic(&state.dir, &name, &file).await;
    let shown_path = weir_detect::capture::mask_path(&request.path);
    let response = match written {
        Ok(()) => {
            println!(
                "{seq:04} {} {shown_path} ({} bytes) -> {name}, answered {}{}",
                request.method,
                request.body.len(),
                answer.played,
                if answer.status == 200 {
                    String::new()
                } else {
                    format!(" ({})", answer.status)
                }
            );
            Response::builder()
                .status(answer.status)
                .header("content-type", answer.content_type)
                .header("cache-control", "no-cache")
                .body(Full::new(Bytes::from(answer.body)))
                .unwrap_or_else(|_| error(500, "weir capture could not build its answer"))
        }
        Err(e) => {
            eprintln!(
                "weir capture: cannot write {name} in {}: {e}",
                state.dir.display()
            );
            error(500, "weir capture could not write the request to disk")
        }
    };
    if state.count.is_some_and(|c| taken == c) {
        state.done.notify_one();
    }
    response
}

/// The detectors' view of an HTTP request: lowercase names (hyper gives them so), values as
/// sent (bytes that are not UTF-8 replaced), and the HTTP/2 authority as `host`.
fn to_request(parts: &http::request::Parts, body: Vec<u8>) -> Request {
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if !headers.iter().any(|(n, _)| n == "host")
        && let Some(authority) = parts.uri.authority()
    {
        headers.insert(0, ("host".to_owned(), authority.as_str().to_owned()));
    }
    Request {
        method: parts.method.as_str().to_owned(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        headers,
        body,
    }
}

/// An error every client can parse (see [`reply`]'s 404).
fn error(status: u16, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "type": "error",
        "error": { "type": "weir_capture_error", "code": status, "message": message },
    });
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    #[test]
    fn requests_keep_the_query_and_gain_a_host_from_the_authority() {
        let req = http::Request::builder()
            .method("POST")
            .uri("http://127.0.0.1:9/v1/messages?beta=true")
            .header("X-Api-Key", "k")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        let r = to_request(&parts, b"{}".to_vec());
        assert_eq!(r.path, "/v1/messages?beta=true");
        assert_eq!(r.header("host"), Some("127.0.0.1:9"));
        assert_eq!(r.header("x-api-key"), Some("k"));
    }

    #[test]
    fn the_default_listener_is_loopback_on_a_free_port() {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(["weir", "capture", "--out", "x"]).unwrap();
        let crate::cli::Command::Capture(args) = cli.command else {
            panic!("not capture");
        };
        assert_eq!(args.listen, SocketAddr::from(([127, 0, 0, 1], 0)));
        assert_eq!(args.reply, "Captured by weir.");
        assert_eq!(args.count, None);
    }
}
