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

/// A gateway serving in the background, with its data directory (ledger, key, checkpoint) in a
/// temporary directory removed when it is dropped.
pub struct Weir {
    pub addr: SocketAddr,
    /// The gateway itself (to reload it while it serves).
    pub gateway: Gateway,
    /// `XDG_DATA_HOME` of this gateway: the ledger is `data/weir/ledger.db`.
    pub data: std::path::PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

/// A stopped gateway's data directory, removed when dropped.
pub struct DataDir(pub std::path::PathBuf);

impl DataDir {
    /// The SQLite ledger file.
    pub fn ledger(&self) -> std::path::PathBuf {
        self.0.join("weir/ledger.db")
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        if self.0.starts_with(std::env::temp_dir()) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A fresh temporary directory.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "weir-{name}-{}-{:016x}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Weir {
    /// Starts weir with `toml` as its configuration and `TEST_VENDOR_KEY` in its environment.
    pub async fn start(toml: &str) -> Weir {
        let env: HashMap<String, String> =
            [("TEST_VENDOR_KEY".to_string(), VENDOR_KEY.to_string())].into();
        Weir::start_env(toml, env).await
    }

    /// Starts weir with `toml` and `env` (plus `XDG_DATA_HOME`, a fresh temporary directory,
    /// unless `env` sets it).
    pub async fn start_env(toml: &str, mut env: HashMap<String, String>) -> Weir {
        let data = match env.get("XDG_DATA_HOME") {
            Some(d) => std::path::PathBuf::from(d),
            None => temp_dir("data"),
        };
        env.insert("XDG_DATA_HOME".into(), data.display().to_string());
        let config = Config::from_toml(toml, "test.toml", &env)
            .unwrap_or_else(|e| panic!("test config invalid:\n{e}"));
        let ledger = weir_gateway::open_ledger(&config.ledger, &env).expect("ledger opens");
        Weir::start_with(config, env, data, ledger).await
    }

    /// Starts weir with a configuration and a ledger made by the test.
    pub async fn start_with(
        config: Config,
        env: HashMap<String, String>,
        data: std::path::PathBuf,
        ledger: Option<weir_ledger::Ledger>,
    ) -> Weir {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let gateway = Gateway::with_ledger(config, &env, addr, ledger)
            .await
            .expect("gateway starts");
        Weir::serve(gateway, listener, data)
    }

    /// Starts weir with `toml`, the policy `policy` (the text of `policy.toml`) and policy
    /// dates read from `clock`.
    pub async fn start_policy(
        toml: &str,
        policy: &str,
        clock: std::sync::Arc<weir_gateway::clock::SetClock>,
    ) -> Weir {
        let data = temp_dir("data");
        let env: HashMap<String, String> = [
            ("TEST_VENDOR_KEY".to_string(), VENDOR_KEY.to_string()),
            ("XDG_DATA_HOME".to_string(), data.display().to_string()),
        ]
        .into();
        let config = Config::from_toml(toml, "test.toml", &env)
            .unwrap_or_else(|e| panic!("test config invalid:\n{e}"));
        let policy = weir_policy::Policy::parse(policy, "policy.toml")
            .unwrap_or_else(|e| panic!("test policy invalid:\n{e}"));
        let ledger = weir_gateway::open_ledger(&config.ledger, &env).expect("ledger opens");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let gateway = Gateway::with_ledger(config, &env, addr, ledger)
            .await
            .expect("gateway starts")
            .with_policy(Some(std::sync::Arc::new(policy)))
            .with_clock(clock);
        Weir::serve(gateway, listener, data)
    }

    fn serve(gateway: Gateway, listener: TcpListener, data: std::path::PathBuf) -> Weir {
        let addr = listener.local_addr().unwrap();
        let handle = gateway.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            let _ = gateway
                .serve(listener, async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Weir {
            addr,
            gateway: handle,
            data,
            stop: Some(stop),
            done: Some(done),
        }
    }

    /// Stops the gateway and waits until it has finished (its ledger closed and checkpointed).
    /// Its data directory stays until the returned guard is dropped.
    pub async fn stop(mut self) -> DataDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
        DataDir(std::mem::take(&mut self.data))
    }

    /// The SQLite ledger file of this gateway.
    pub fn ledger_path(&self) -> std::path::PathBuf {
        self.data.join("weir/ledger.db")
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
        // The ledger's writer may still hold the file open; removing the directory is safe on
        // Unix all the same.
        if !self.data.as_os_str().is_empty() && self.data.starts_with(std::env::temp_dir()) {
            let _ = std::fs::remove_dir_all(&self.data);
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
