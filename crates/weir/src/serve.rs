//! `weir serve`, and reloading its configuration and policy while it serves.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use weir_config::ProcessEnv;
use weir_gateway::Gateway;
use weir_gateway::clock::SetClock;

use crate::cli::ServeArgs;
use crate::config_file::{self, Loaded};

/// How often the configuration and policy files are looked at for changes.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Installs the log subscriber: `WEIR_LOG` (an `env_logger`-style filter) or `default`.
pub fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WEIR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Runs the gateway until Ctrl-C or SIGTERM, reloading on file change or SIGHUP.
pub async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging("info");
    let given = args.config.config.clone();
    let Loaded {
        mut config,
        origin,
        policy,
        files,
    } = config_file::load_with_policy(given.as_deref())?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    let listen = config.listen;
    let mut gateway = Gateway::new(config, &ProcessEnv, listen)
        .await?
        .with_policy(policy);
    if let Some(date) = args.policy_date {
        tracing::info!(%date, "policy dates are decided as of {date} (--policy-date)");
        gateway = gateway.with_clock(Arc::new(SetClock::new(date)));
    }
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (is another weir or program using it? choose another with --listen)"))?;
    let addr = listener.local_addr()?;
    let config = gateway.config();
    let vendors: Vec<&str> = config.vendors.iter().map(|v| v.name.as_str()).collect();
    let settings = &config.ledger;
    let ledger = match &settings.store {
        _ if !settings.enabled => "off".to_owned(),
        weir_config::LedgerStore::Sqlite(path) => path.display().to_string(),
        weir_config::LedgerStore::Postgres { schema, .. } => {
            format!("PostgreSQL (schema {schema})")
        }
    };
    tracing::info!(
        config = %origin,
        %ledger,
        vendors = %if vendors.is_empty() { "none".to_owned() } else { vendors.join(", ") },
        "weir listening on http://{addr}"
    );
    if vendors.is_empty() {
        tracing::warn!(
            "no vendor is enabled: set a key variable (ANTHROPIC_API_KEY, OPENAI_API_KEY, ...) or add [vendors.NAME] to weir.toml"
        );
    }
    let watcher = tokio::spawn(watch(gateway.clone(), given, args.listen, files));
    gateway.serve(listener, stop_signal()).await?;
    watcher.abort();
    tracing::info!("weir stopped");
    Ok(ExitCode::SUCCESS)
}

/// Reloads when a watched file's content changes or on SIGHUP, for as long as weir serves.
async fn watch(
    gateway: Gateway,
    given: Option<PathBuf>,
    listen: Option<std::net::SocketAddr>,
    mut files: Vec<PathBuf>,
) {
    #[cfg(unix)]
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut seen = contents(&files);
    let mut tick = tokio::time::interval(WATCH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        #[cfg(unix)]
        let signalled = async {
            match hangup.as_mut() {
                Some(h) => {
                    h.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let signalled = std::future::pending::<()>();
        let why = tokio::select! {
            () = signalled => "SIGHUP",
            _ = tick.tick() => {
                let now = contents(&files);
                if now == seen {
                    continue;
                }
                seen = now;
                "a file changed"
            }
        };
        if let Some(read) = reload(&gateway, given.as_deref(), listen, why).await {
            files = read;
            seen = contents(&files);
        }
    }
}

/// Each file's bytes (`None` while it cannot be read, e.g. mid-replace).
fn contents(files: &[PathBuf]) -> Vec<Option<Vec<u8>>> {
    files.iter().map(|f| std::fs::read(f).ok()).collect()
}

/// Loads and checks the files again and puts them in force; on any error the old ones stay
/// and the errors are logged. Returns the files read, when the reload took.
async fn reload(
    gateway: &Gateway,
    given: Option<&std::path::Path>,
    listen: Option<std::net::SocketAddr>,
    why: &str,
) -> Option<Vec<PathBuf>> {
    let loaded = match config_file::load_with_policy(given) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(
                "not reloaded ({why}): {e:#}\nthe configuration and policy in force stay until the files are fixed"
            );
            return None;
        }
    };
    let mut config = loaded.config;
    if let Some(listen) = listen {
        config.listen = listen;
    }
    match gateway.reload(config, loaded.policy, &ProcessEnv).await {
        Ok(done) => {
            tracing::info!(config = %loaded.origin, "configuration and policy reloaded ({why})");
            for note in done.needs_restart {
                tracing::warn!("{note}");
            }
            Some(loaded.files)
        }
        Err(e) => {
            tracing::error!(
                "not reloaded ({why}): {e}\nthe configuration and policy in force stay"
            );
            None
        }
    }
}
