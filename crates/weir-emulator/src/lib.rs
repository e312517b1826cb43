//! A faithful, scriptable model-vendor server for weir's tests and benchmarks.
//!
//! One port speaks Anthropic Messages (`…/v1/messages`, `…/v1/messages/count_tokens`), OpenAI
//! Chat Completions (`…/chat/completions`), OpenAI Responses (`…/responses`) and a model list
//! (`…/models`), streaming and not, exactly as the vendors do on the wire. Replies and faults
//! come from a [`Script`]; every request to a model endpoint is recorded. The control API under
//! `/_emulator/` replaces the script (`PUT /_emulator/script`) and reads or clears the recorded
//! requests (`GET`/`DELETE /_emulator/requests`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use weir_emulator::{Emulator, Reply, Script};
//! let emulator = Emulator::start(Script::reply(Reply::text("hello"))).await?;
//! let base = emulator.anthropic_base_url(); // point the client here
//! # let _ = base;
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod answer;
mod anthropic;
mod body;
mod chat;
mod control;
mod errors;
mod ids;
mod request;
mod responses;
mod script;
mod server;
mod state;
mod stream;
mod vendor;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use request::RecordedRequest;
pub use script::{Fault, RateLimit, Reply, Rule, Script, ToolCall, Usage, When};

use state::State;

/// A running emulator. It stops when [`Emulator::shutdown`] is awaited or when dropped.
pub struct Emulator {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts an emulator on `127.0.0.1` with a free port.
    pub async fn start(script: Script) -> std::io::Result<Emulator> {
        Emulator::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), script).await
    }

    /// Starts an emulator on `addr`.
    pub async fn start_on(addr: SocketAddr, script: Script) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::new(script));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, Arc::clone(&state), stopped));
        Ok(Emulator {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL Anthropic clients expect: `http://IP:PORT`.
    pub fn anthropic_base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL OpenAI clients expect: `http://IP:PORT/v1`.
    pub fn openai_base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Replaces the script; rule counters and the rate-limit window start afresh.
    pub fn set_script(&self, script: Script) {
        self.state.set_script(script);
    }

    /// The requests received by model endpoints, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.state.clear_requests();
    }

    /// Stops accepting, aborts open connections and waits until the port is released.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // The task only ends by returning or by being aborted; either way it is gone.
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish()
    }
}
