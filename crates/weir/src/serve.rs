//! `weir serve`.

use std::process::ExitCode;

use anyhow::Context;
use tokio::net::TcpListener;
use weir_config::ProcessEnv;
use weir_gateway::Gateway;

use crate::cli::ServeArgs;
use crate::config_file;

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

/// Runs the gateway until Ctrl-C or SIGTERM.
pub async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging("info");
    let (mut config, origin) = config_file::load(args.config.config.as_deref())?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    let listen = config.listen;
    let gateway = Gateway::new(config, &ProcessEnv, listen).await?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (is another weir or program using it? choose another with --listen)"))?;
    let addr = listener.local_addr()?;
    let vendors: Vec<&str> = gateway
        .config()
        .vendors
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    let settings = &gateway.config().ledger;
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
    gateway.serve(listener, stop_signal()).await?;
    tracing::info!("weir stopped");
    Ok(ExitCode::SUCCESS)
}
