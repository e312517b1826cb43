//! `weir run -- <agent> [args]`: run a coding agent with its model traffic going through weir.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use weir_config::ProcessEnv;
use weir_gateway::Gateway;

use crate::agents::{self, Agent};
use crate::cli::RunArgs;
use crate::config_file;
use crate::serve::init_logging;

/// A gateway started inside this process for the agent's lifetime.
struct InProcess {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Runs the agent; its exit code becomes weir's.
pub async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    init_logging("warn");
    let loaded = config_file::load_with_policy(args.config.config.as_deref())?;
    let config = loaded.config;
    let (program, rest) = args
        .command
        .split_first()
        .context("name the agent to run, e.g. `weir run -- claude`")?;
    let agent = Agent::from_program(program);
    let key = match &config.access_token {
        Some(source) => weir_gateway::keys::read(source, &ProcessEnv)
            .map_err(|e| anyhow::anyhow!("the access token ({source}) could not be read: {e}"))?
            .expose()
            .to_owned(),
        None => "weir-managed-key".to_owned(),
    };
    let (addr, in_process) = ensure_gateway(config, loaded.policy).await?;
    let base = match &args.project {
        Some(project) => format!("http://{addr}/project/{project}"),
        None => format!("http://{addr}"),
    };
    let no_proxy = std::env::var("NO_PROXY")
        .or_else(|_| std::env::var("no_proxy"))
        .ok();
    let mut setup =
        agents::setup(agent, &base, &key, no_proxy.as_deref()).map_err(|e| anyhow::anyhow!(e))?;
    if args.proxy {
        setup
            .set
            .extend(agents::proxy(agent, &addr.to_string(), &key));
    }
    eprintln!(
        "weir: {program} → {base}{} ({})",
        if args.proxy {
            ", other hosts through weir's proxy"
        } else {
            ""
        },
        if in_process.is_some() {
            "started for this run"
        } else {
            "already running"
        }
    );

    let mut command = tokio::process::Command::new(program);
    command
        .args(&setup.args)
        .args(rest)
        .envs(setup.set.iter().map(|(k, v)| (k, v)));
    for name in &setup.remove {
        command.env_remove(name);
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let hint = agent
                .install_hint()
                .map(|h| format!(" (install it with `{h}`)"))
                .unwrap_or_default();
            anyhow::bail!("`{program}` was not found on PATH{hint}");
        }
        Err(e) => return Err(e).with_context(|| format!("cannot start `{program}`")),
    };
    // The agent shares the terminal: Ctrl-C reaches it directly, and weir waits for it to exit
    // instead of dying first and leaving it without its gateway.
    let status = loop {
        tokio::select! {
            status = child.wait() => break status.context("waiting for the agent")?,
            _ = tokio::signal::ctrl_c() => continue,
        }
    };
    if let Some(server) = in_process {
        let _ = server.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), server.task).await;
    }
    Ok(exit_code(status))
}

fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    if let Some(code) = status.code() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return ExitCode::from(u8::try_from(128 + signal).unwrap_or(1));
        }
    }
    ExitCode::from(1)
}

/// Reuses a weir already answering on the configured address, or starts one in this process
/// (on an ephemeral port when the configured one is taken by something else).
async fn ensure_gateway(
    config: weir_config::Config,
    policy: Option<std::sync::Arc<weir_policy::Policy>>,
) -> anyhow::Result<(SocketAddr, Option<InProcess>)> {
    let listen = config.listen;
    if is_weir(listen).await {
        return Ok((listen, None));
    }
    let listener = match TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            let fallback = SocketAddr::new(listen.ip(), 0);
            TcpListener::bind(fallback)
                .await
                .with_context(|| format!("cannot listen on {fallback}"))?
        }
        Err(e) => return Err(e).with_context(|| format!("cannot listen on {listen}")),
    };
    let addr = listener.local_addr()?;
    let gateway = Gateway::new(config, &ProcessEnv, addr)
        .await?
        .with_policy(policy);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(gateway.serve(listener, async move {
        let _ = stopped.await;
    }));
    Ok((addr, Some(InProcess { stop, task })))
}

/// Whether a weir answers `GET /healthz` at `addr`.
async fn is_weir(addr: SocketAddr) -> bool {
    let probe = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut buf = Vec::with_capacity(512);
        stream.take(4096).read_to_end(&mut buf).await.ok()?;
        Some(String::from_utf8_lossy(&buf).contains("\"service\":\"weir\""))
    };
    tokio::time::timeout(Duration::from_millis(500), probe)
        .await
        .ok()
        .flatten()
        .unwrap_or(false)
}
