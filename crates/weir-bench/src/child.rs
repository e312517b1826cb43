//! The weir process under test: its configuration, its start, its memory figures, and a guard
//! that kills it when the bench ends, fails or panics.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::client;

/// How long weir may take to answer `GET /healthz` after it is spawned.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `weir-bench-PID-NANOS` under the system temp dir.
    pub fn new() -> anyhow::Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!("weir-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("creating temp dir {}", path.display()))?;
        Ok(TempDir(path))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The weir configuration: one local Anthropic vendor (the emulator), every model routed to it.
pub fn config_toml(emulator: SocketAddr) -> String {
    format!(
        "# weir-bench: every model goes to the in-process vendor emulator.\n\
         auto_vendors = false\n\n\
         [vendors.emu]\n\
         protocol = \"anthropic\"\n\
         base_url = \"http://{emulator}\"\n\
         jurisdiction = \"local\"\n\
         auth = \"none\"\n\n\
         [[routes]]\n\
         models = [\"*\"]\n\
         targets = [\"emu\"]\n"
    )
}

/// A free loopback port: bind port 0, note the port, release it.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A running `weir serve`. Dropping it kills the process (also while unwinding from a panic or
/// returning an error), so no weir outlives the bench.
pub struct WeirChild {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl WeirChild {
    /// Writes the configuration into `dir`, spawns `binary serve`, and waits (bounded) until
    /// `GET /healthz` answers 200. weir's log goes to `dir/NAME.log`.
    pub async fn start(
        binary: &Path,
        dir: &Path,
        name: &str,
        emulator: SocketAddr,
        log_filter: &str,
    ) -> anyhow::Result<WeirChild> {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, config_toml(emulator))
            .with_context(|| format!("writing {}", config.display()))?;
        let log = dir.join(format!("{name}.log"));
        let log_file =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
        let child = Command::new(binary)
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .arg("--listen")
            .arg(addr.to_string())
            .env("WEIR_LOG", log_filter)
            // The ledger (strict, SQLite, the default) lives in the bench's directory.
            .env("XDG_DATA_HOME", dir)
            .env_remove("WEIR_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log_file))
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut weir = WeirChild { child, addr, log };
        weir.wait_healthy().await?;
        Ok(weir)
    }

    async fn wait_healthy(&mut self) -> anyhow::Result<()> {
        let client = client::new(1);
        let uri: hyper::Uri = format!("http://{}/healthz", self.addr).parse()?;
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "weir exited during startup ({status}); its log:\n{}",
                    self.log_tail(30)
                );
            }
            if let Ok(Ok(status)) = tokio::time::timeout(
                Duration::from_millis(500),
                client::get_status(&client, uri.clone()),
            )
            .await
                && status == 200
            {
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                bail!(
                    "weir did not answer GET /healthz on {} within {}s; its log:\n{}",
                    self.addr,
                    START_TIMEOUT.as_secs(),
                    self.log_tail(30)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the process has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!("weir exited ({status}); its log:\n{}", self.log_tail(30));
        }
        Ok(())
    }

    /// A field of `/proc/PID/status` in bytes (`VmRSS`, `VmHWM`, ...).
    pub fn status_bytes(&self, field: &str) -> anyhow::Result<u64> {
        proc_status_bytes(self.pid(), field)
    }

    /// The soft limit on open files of the process.
    pub fn nofile_limit(&self) -> Option<u64> {
        nofile_limit(&format!("/proc/{}/limits", self.pid()))
    }

    /// The last `lines` lines of weir's log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        let tail = &all[all.len().saturating_sub(lines)..];
        if tail.is_empty() {
            "  (empty)".to_owned()
        } else {
            tail.iter()
                .map(|l| format!("  | {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        }
    }

    /// Lines of weir's log at WARN or ERROR level.
    pub fn log_warnings(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for WeirChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU time and context switches of a process, summed over its threads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuUse {
    /// Time on a CPU, nanoseconds.
    pub cpu_ns: u64,
    /// Context switches (a thread going to sleep or being preempted).
    pub switches: u64,
}

impl CpuUse {
    /// What was used between `earlier` and `self`.
    pub fn since(self, earlier: CpuUse) -> CpuUse {
        CpuUse {
            cpu_ns: self.cpu_ns.saturating_sub(earlier.cpu_ns),
            switches: self.switches.saturating_sub(earlier.switches),
        }
    }
}

/// Sums `se.sum_exec_runtime` and `nr_switches` of `/proc/PID/task/*/sched` (threads that
/// exited in between are not counted; weir's worker threads live as long as the process).
pub fn cpu_use(pid: u32) -> anyhow::Result<CpuUse> {
    let dir = format!("/proc/{pid}/task");
    let mut total = CpuUse::default();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {dir}"))? {
        let Ok(text) = std::fs::read_to_string(entry?.path().join("sched")) else {
            continue;
        };
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            match key.trim() {
                "se.sum_exec_runtime" => {
                    let ms = value.trim().parse::<f64>().unwrap_or(0.0);
                    total.cpu_ns += (ms * 1e6) as u64;
                }
                "nr_switches" => total.switches += value.trim().parse::<u64>().unwrap_or(0),
                _ => {}
            }
        }
    }
    Ok(total)
}

/// A field of `/proc/PID/status` (reported in kB) in bytes.
pub fn proc_status_bytes(pid: u32, field: &str) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    text.lines()
        .find_map(|line| {
            let rest = line.strip_prefix(field)?.strip_prefix(':')?;
            let kb = rest.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()?;
            Some(kb * 1024)
        })
        .with_context(|| format!("no {field} in {path}"))
}

/// The soft `Max open files` limit from a `/proc/.../limits` file.
pub fn nofile_limit(path: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .next()?;
    if soft == "unlimited" {
        Some(u64::MAX)
    } else {
        soft.parse().ok()
    }
}
