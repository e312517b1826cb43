//! `weir-emulator`: run the vendor emulator as a standalone server.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use weir_emulator::{Emulator, Script};

/// A faithful, scriptable model-vendor server (Anthropic Messages, OpenAI Chat Completions,
/// OpenAI Responses) on one port.
#[derive(Debug, Parser)]
#[command(
    name = "weir-emulator",
    version,
    after_help = "\
Model endpoints are routed by path suffix: /v1/messages, /v1/messages/count_tokens,
/chat/completions, /responses, /models.

Control API:
  PUT    /_emulator/script     replace the script (JSON, same shape as --script); 204
  GET    /_emulator/script     the current script
  GET    /_emulator/requests   recorded requests: [{method, path, headers, body}]
  DELETE /_emulator/requests   forget recorded requests; 204

A script, e.g.:
  {\"rules\": [{\"when\": {\"protocol\": \"anthropic\", \"stream\": true}, \"times\": 1,
              \"reply\": {\"fault\": {\"kind\": \"die_after_events\", \"events\": 3}}}],
   \"default\": {\"text\": \"hello\", \"tool_calls\": [{\"name\": \"ls\", \"arguments\": \"{}\"}]},
   \"require_key\": \"sk-test\", \"rate_limit\": {\"requests\": 10, \"window_ms\": 1000}}
Fault kinds: status, die_after_events, stall_after_events, stall_before_headers,
malformed_after_events, error_event_after_events.

Prints `listening on http://IP:PORT` once bound, then serves until SIGINT/SIGTERM."
)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Script to start with (JSON); default: every request gets the text "ok".
    #[arg(long, value_name = "FILE.json")]
    script: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let script = match &args.script {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str::<Script>(&text)
                .with_context(|| format!("parsing script {}", path.display()))?
        }
        None => Script::new(),
    };
    let emulator = Emulator::start_on(args.listen, script)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{}", emulator.addr())?;
    stdout.flush()?;
    wait_for_signal().await?;
    emulator.shutdown().await;
    Ok(())
}

async fn wait_for_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("waiting for SIGINT")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    Ok(())
}
