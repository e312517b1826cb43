//! weir's network side: the HTTP front that coding tools talk to, the clients that talk to
//! vendors, routing with retries and failover, and the streaming path between them.
//!
//! The request path (see DESIGN.md): [`front`] decodes the endpoint and checks access and input;
//! the [`weir_config::Router`] picks targets; [`forward`] tries them in order up to the commit
//! barrier; [`stream`] relays the committed answer. Protocol knowledge (errors, SSE, model
//! rewriting) lives in `weir-protocol`; this crate only moves bytes and decides when.
#![warn(missing_docs)]

pub mod body;
pub mod clock;
pub mod dlp;
pub mod forward;
pub mod front;
pub mod guard;
pub mod headers;
pub mod health;
pub mod inspect;
pub mod keys;
pub mod policy;
pub mod probe;
pub mod record;
pub mod restore;
pub mod server;
pub mod state;
pub mod stream;
pub mod tokens;
pub mod tunnel;
pub mod upstream;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::net::TcpListener;
use weir_config::{Config, Env, LedgerSettings, LedgerStore, LedgerUrl, Router};
use weir_ledger::Ledger;
use weir_ledger::checkpoint::Signer;
use weir_ledger::open::Location;

use weir_policy::Policy;

use crate::clock::{Clock, SystemClock};
use crate::guard::Guard;
use crate::health::Health;
use crate::keys::KeyError;
use crate::record::Recorder;
use crate::state::{Live, Shared};

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
    /// A data-loss-prevention rule could not be compiled.
    #[error("cannot use the [dlp] rules: {0}. Fix the rule in weir.toml")]
    Rules(#[from] weir_detect::RuleError),
    /// The ledger could not be opened.
    #[error(
        "cannot open the ledger at {location}: {reason}. Fix the [ledger] settings in weir.toml, \
         or set enabled = false under [ledger] to run without one"
    )]
    Ledger {
        /// Where it was to be.
        location: String,
        /// What went wrong.
        reason: String,
    },
}

/// Where the configured ledger lives, with its URL read if it is kept in a secret.
pub fn ledger_location(settings: &LedgerSettings, env: &dyn Env) -> Result<Location, StartError> {
    Ok(match &settings.store {
        LedgerStore::Sqlite(path) => Location::Sqlite(path.clone()),
        LedgerStore::Postgres { url, schema } => {
            let url = match url {
                LedgerUrl::Inline(u) => u.clone(),
                LedgerUrl::Secret(source) => keys::read(source, env)
                    .map_err(|reason| StartError::Ledger {
                        location: source.to_string(),
                        reason,
                    })?
                    .expose()
                    .to_owned(),
            };
            Location::Postgres {
                url,
                schema: schema.clone(),
            }
        }
    })
}

/// Opens the ledger the settings ask for (`None` when it is switched off): connects, recovers
/// exchanges left unfinished by a crash, loads or creates the signing key, and starts the
/// writer.
pub fn open_ledger(settings: &LedgerSettings, env: &dyn Env) -> Result<Option<Ledger>, StartError> {
    if !settings.enabled {
        return Ok(None);
    }
    let location = ledger_location(settings, env)?;
    let settings = settings.clone();
    let described = location.describe();
    let fail = |reason: String| StartError::Ledger {
        location: described.clone(),
        reason,
    };
    // The PostgreSQL client runs its own runtime: it is opened off the async workers.
    std::thread::spawn(move || -> Result<Ledger, String> {
        let mut store = weir_ledger::open::connect(&location).map_err(|e| e.to_string())?;
        let origin = weir_ledger::open::origin(store.as_mut()).map_err(|e| e.to_string())?;
        let signer =
            Signer::load_or_create(&settings.key_file, &origin).map_err(|e| e.to_string())?;
        let options = weir_ledger::Options {
            durability: match settings.durability {
                weir_config::LedgerDurability::Strict => weir_ledger::Durability::Strict,
                weir_config::LedgerDurability::Relaxed => weir_ledger::Durability::Relaxed,
            },
            checkpoint_every: settings.checkpoint_every,
            checkpoint_interval: settings.checkpoint_interval,
            checkpoint_file: Some(settings.checkpoint_file.clone()),
            node: settings.node.clone(),
        };
        Ledger::open(store, Some(signer), options).map_err(|e| e.to_string())
    })
    .join()
    .map_err(|_| fail("the ledger could not be opened".into()))?
    .map(Some)
    .map_err(fail)
}

/// A configured gateway, ready to serve.
#[derive(Clone)]
pub struct Gateway {
    live: Arc<Live>,
}

/// What a reload changed, and what it could not change without a restart.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reloaded {
    /// Settings that differ in the new configuration but keep their old value until weir
    /// restarts (`listen`, `[ledger]`), each as a sentence for the log.
    pub needs_restart: Vec<String>,
}

impl Gateway {
    /// Builds a gateway for `config` serving on `listen`: reads keys through `env`, probes local
    /// vendors that zero-config may enable, and builds the router.
    pub async fn new(
        config: Config,
        env: &(dyn Env + Sync),
        listen: SocketAddr,
    ) -> Result<Gateway, StartError> {
        // Refuse an exposed listener before anything is created on disk.
        if !listen.ip().is_loopback() && keys::access_token(&config, env)?.is_none() {
            return Err(StartError::ExposedWithoutToken(listen));
        }
        let ledger = open_ledger(&config.ledger, env)?;
        Gateway::with_ledger(config, env, listen, ledger).await
    }

    /// Like [`Gateway::new`], with a ledger opened by the caller (`None`: no ledger).
    pub async fn with_ledger(
        config: Config,
        env: &(dyn Env + Sync),
        listen: SocketAddr,
        ledger: Option<Ledger>,
    ) -> Result<Gateway, StartError> {
        // Load the tokenizer for local count_tokens off the request path.
        std::thread::spawn(tokens::warm);
        let recorder = Recorder::new(
            ledger,
            config.ledger.retention,
            config.ledger.on_failure,
            config.ledger.node.clone(),
        );
        let kept = Kept {
            health: Arc::new(Health::default()),
            client: upstream::client(config.timeouts.connect),
            recorder: Arc::new(recorder),
            dlp: None,
            pseudonym_key: None,
            policy: None,
            clock: Arc::new(SystemClock),
            listen,
            started: SystemTime::now(),
        };
        let shared = assemble(config, env, kept).await?;
        Ok(Gateway {
            live: Arc::new(Live::new(shared)),
        })
    }

    /// Puts `policy` in force (`None`: no policy).
    pub fn with_policy(self, policy: Option<Arc<Policy>>) -> Gateway {
        let mut shared = (*self.live.get()).clone();
        log_policy(policy.as_deref());
        shared.policy = policy;
        self.live.set(shared);
        self
    }

    /// Reads policy dates from `clock` instead of the system clock.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Gateway {
        let mut shared = (*self.live.get()).clone();
        shared.clock = clock;
        self.live.set(shared);
        self
    }

    /// The configuration in force (after probing).
    pub fn config(&self) -> Arc<Config> {
        self.live.get().config.clone()
    }

    /// The policy in force.
    pub fn policy(&self) -> Option<Arc<Policy>> {
        self.live.get().policy.clone()
    }

    /// Puts a new configuration and policy in force without stopping: requests that arrive
    /// from now on use them; requests already running finish with the old ones. Vendor keys
    /// are read again (a rotated key takes effect), local vendors probed again. What cannot
    /// change while serving (the listening address, the ledger) keeps its value and is named
    /// in [`Reloaded::needs_restart`]. On error nothing changes.
    pub async fn reload(
        &self,
        config: Config,
        policy: Option<Arc<Policy>>,
        env: &(dyn Env + Sync),
    ) -> Result<Reloaded, StartError> {
        let old = self.live.get();
        let mut reloaded = Reloaded::default();
        if config.listen != old.config.listen {
            reloaded.needs_restart.push(format!(
                "listen changed to {}, but weir keeps listening on {} until it restarts",
                config.listen, old.listen
            ));
        }
        if config.ledger != old.config.ledger {
            reloaded
                .needs_restart
                .push("[ledger] changed; the ledger in use stays until weir restarts".to_owned());
        }
        let kept = Kept {
            health: old.health.clone(),
            client: old.client.clone(),
            recorder: old.recorder.clone(),
            dlp: (config.dlp == old.config.dlp).then(|| old.dlp.clone()),
            pseudonym_key: Some(old.inspector.key()),
            policy,
            clock: old.clock.clone(),
            listen: old.listen,
            started: old.started,
        };
        let shared = assemble(config, env, kept).await?;
        log_policy(shared.policy.as_deref());
        self.live.set(shared);
        Ok(reloaded)
    }

    /// Serves `listener` until `shutdown` completes, then lets in-flight requests finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        let served = server::serve(self.live.clone(), listener, shutdown).await;
        // Every exchange has ended: write what is queued and sign the final head.
        if let Some(ledger) = self.live.get().recorder.ledger() {
            let ledger = ledger.clone();
            let _ = tokio::task::spawn_blocking(move || ledger.close()).await;
        }
        served
    }
}

/// What a new [`Shared`] takes over from the one before it (or starts with).
struct Kept {
    health: Arc<Health>,
    client: upstream::UpstreamClient,
    recorder: Arc<Recorder>,
    /// The scanner to keep (its vault holds the placeholders of running conversations), when
    /// `[dlp]` is unchanged.
    dlp: Option<Arc<dlp::Dlp>>,
    /// The pseudonym key in use, so that pseudonyms stay the same across a reload.
    pseudonym_key: Option<[u8; 32]>,
    policy: Option<Arc<Policy>>,
    clock: Arc<dyn Clock>,
    listen: SocketAddr,
    started: SystemTime,
}

/// Builds the state for `config`.
async fn assemble(
    mut config: Config,
    env: &(dyn Env + Sync),
    kept: Kept,
) -> Result<Shared, StartError> {
    let token = keys::access_token(&config, env)?;
    let loopback = kept.listen.ip().is_loopback();
    if !loopback && token.is_none() {
        return Err(StartError::ExposedWithoutToken(kept.listen));
    }
    let keys = keys::vendor_keys(&config, env);
    probe::probe(&mut config, &kept.client).await;
    for note in &config.notes {
        tracing::info!(line = note.line, "{}", note.message);
    }
    let router = Router::new(&config);
    let dlp = match kept.dlp {
        Some(dlp) => dlp,
        None => {
            let dlp = Arc::new(dlp::Dlp::new(config.dlp.clone())?);
            if dlp.enabled() {
                tracing::info!(
                    rules = dlp.rules(),
                    "requests are scanned for secrets and personal data ([dlp] in weir.toml sets what happens to them)"
                );
            } else {
                tracing::warn!("[dlp] enabled = false: requests leave unscanned");
            }
            dlp
        }
    };
    let pseudonym_key = kept.pseudonym_key.unwrap_or_else(|| {
        inspect::Inspector::load_key(&config.ledger.key_file.with_file_name("pseudonym.key"))
    });
    let inspector = Arc::new(inspect::Inspector::new(
        config.inspect.clone(),
        pseudonym_key,
    ));
    let guard = Guard {
        check_host: loopback,
        allowed_hosts: config.allowed_hosts.clone(),
        token,
    };
    Ok(Shared {
        recorder: kept.recorder,
        inspector,
        dlp,
        config: Arc::new(config),
        router,
        keys,
        guard,
        health: kept.health,
        client: kept.client,
        policy: kept.policy,
        clock: kept.clock,
        listen: kept.listen,
        started: kept.started,
    })
}

fn log_policy(policy: Option<&Policy>) {
    if let Some(p) = policy {
        tracing::info!(
            policy = p.origin(),
            mode = p.mode().as_str(),
            sha256 = &p.digest()[..12],
            "policy in force"
        );
    }
}
