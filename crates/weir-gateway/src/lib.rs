//! weir's network side: the HTTP front that coding tools talk to, the clients that talk to
//! vendors, routing with retries and failover, and the streaming path between them.
//!
//! The request path (see DESIGN.md): [`front`] decodes the endpoint and checks access and input;
//! the [`weir_config::Router`] picks targets; [`forward`] tries them in order up to the commit
//! barrier; [`stream`] relays the committed answer. Protocol knowledge (errors, SSE, model
//! rewriting) lives in `weir-protocol`; this crate only moves bytes and decides when.
#![warn(missing_docs)]

pub mod body;
pub mod forward;
pub mod front;
pub mod guard;
pub mod headers;
pub mod health;
pub mod keys;
pub mod probe;
pub mod server;
pub mod state;
pub mod stream;
pub mod tokens;
pub mod upstream;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::net::TcpListener;
use weir_config::{Config, Env, Router};

use crate::guard::Guard;
use crate::health::Health;
use crate::keys::KeyError;
use crate::state::Shared;

/// Why the gateway cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A secret weir needs could not be read.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Listening beyond loopback without an access token.
    #[error(
        "refusing to listen on {0} without an access token: anyone who can reach this address could \
         use your vendor keys. Set access_token = \"env:NAME\" (or \"file:PATH\") in weir.toml, or \
         listen on 127.0.0.1"
    )]
    ExposedWithoutToken(SocketAddr),
}

/// A configured gateway, ready to serve.
#[derive(Clone)]
pub struct Gateway {
    shared: Arc<Shared>,
}

impl Gateway {
    /// Builds a gateway for `config` serving on `listen`: reads keys through `env`, probes local
    /// vendors that zero-config may enable, and builds the router.
    pub async fn new(
        mut config: Config,
        env: &(dyn Env + Sync),
        listen: SocketAddr,
    ) -> Result<Gateway, StartError> {
        // Load the tokenizer for local count_tokens off the request path.
        std::thread::spawn(tokens::warm);
        let token = keys::access_token(&config, env)?;
        let loopback = listen.ip().is_loopback();
        if !loopback && token.is_none() {
            return Err(StartError::ExposedWithoutToken(listen));
        }
        let keys = keys::vendor_keys(&config, env);
        let client = upstream::client(config.timeouts.connect);
        probe::probe(&mut config, &client).await;
        for note in &config.notes {
            tracing::info!(line = note.line, "{}", note.message);
        }
        let router = Router::new(&config);
        let guard = Guard {
            check_host: loopback,
            allowed_hosts: config.allowed_hosts.clone(),
            token,
        };
        Ok(Gateway {
            shared: Arc::new(Shared {
                config,
                router,
                keys,
                guard,
                health: Health::default(),
                client,
                started: SystemTime::now(),
            }),
        })
    }

    /// The configuration in force (after probing).
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Serves `listener` until `shutdown` completes, then lets in-flight requests finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        server::serve(self.shared, listener, shutdown).await
    }
}
