//! A weir gateway and vendor emulators started inside the test, on 127.0.0.1 ephemeral ports,
//! stopped when dropped.
#![allow(dead_code, unused_imports)]

use std::collections::HashMap;
use std::net::SocketAddr;

use tokio::net::TcpListener;
use weir_config::Config;
use weir_gateway::Gateway;

pub use weir_emulator::{Emulator, Fault, Reply, Script, When};

/// The key every test vendor is configured with (through `env:TEST_VENDOR_KEY`).
pub const VENDOR_KEY: &str = "sk-test-vendor-key-0123456789";

/// A gateway serving in the background.
pub struct Weir {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Weir {
    /// Starts weir with `toml` as its configuration and `TEST_VENDOR_KEY` in its environment.
    pub async fn start(toml: &str) -> Weir {
        let env: HashMap<String, String> =
            [("TEST_VENDOR_KEY".to_string(), VENDOR_KEY.to_string())].into();
        Weir::start_env(toml, env).await
    }

    /// Starts weir with `toml` and exactly `env`.
    pub async fn start_env(toml: &str, env: HashMap<String, String>) -> Weir {
        let config = Config::from_toml(toml, "test.toml", &env)
            .unwrap_or_else(|e| panic!("test config invalid:\n{e}"));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let gateway = Gateway::new(config, &env, addr)
            .await
            .expect("gateway starts");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(gateway.serve(listener, async move {
            let _ = stopped.await;
        }));
        Weir {
            addr,
            stop: Some(stop),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Weir {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A `[vendors.NAME]` table for an emulator speaking `protocol`.
pub fn vendor(name: &str, protocol: &str, emulator: &Emulator) -> String {
    let base = if protocol == "anthropic" {
        emulator.anthropic_base_url()
    } else {
        emulator.openai_base_url()
    };
    vendor_at(name, protocol, &base)
}

/// A `[vendors.NAME]` table for any base URL.
pub fn vendor_at(name: &str, protocol: &str, base: &str) -> String {
    format!(
        "[vendors.{name}]\nprotocol = \"{protocol}\"\nbase_url = \"{base}\"\napi_key = \"env:TEST_VENDOR_KEY\"\njurisdiction = \"US\"\n\n"
    )
}

/// A `[[routes]]` table.
pub fn route(models: &[&str], targets: &[&str]) -> String {
    let q = |xs: &[&str]| {
        xs.iter()
            .map(|x| format!("\"{x}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[[routes]]\nmodels = [{}]\ntargets = [{}]\n\n",
        q(models),
        q(targets)
    )
}

/// The configuration prefix every test uses: no automatic vendors, no probing.
pub const BASE: &str = "auto_vendors = false\n\n";

/// An address nothing listens on.
pub async fn closed_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    addr
}

/// A minimal Anthropic request.
pub fn anthropic_body(model: &str, stream: bool) -> serde_json::Value {
    serde_json::json!({
        "model": model,
        "max_tokens": 64,
        "stream": stream,
        "messages": [{"role": "user", "content": "Say hello"}],
    })
}

/// A minimal Chat Completions request.
pub fn chat_body(model: &str, stream: bool) -> serde_json::Value {
    serde_json::json!({
        "model": model,
        "stream": stream,
        "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "Say hello"}],
    })
}

/// A minimal Responses request.
pub fn responses_body(model: &str, stream: bool) -> serde_json::Value {
    serde_json::json!({"model": model, "stream": stream, "input": "Say hello"})
}

/// SSE events as (event name, data), parsed independently of weir's own framer.
pub fn sse_events(text: &str) -> Vec<(Option<String>, String)> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .filter_map(|block| {
            let mut event = None;
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = Some(v.trim().to_string());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.strip_prefix(' ').unwrap_or(v).to_string());
                }
            }
            (!data.is_empty()).then(|| (event, data.join("\n")))
        })
        .collect()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}
