//! `weir serve` with a policy file: refused at start when invalid (every error with its line),
//! the ban decided as of `--policy-date`, and the policy reloaded while serving when the file
//! changes or on SIGHUP; a file that does not parse is rejected with its errors and the policy in
//! force stays.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use weir_emulator::{Emulator, Reply, Script};

const VENDOR_KEY: &str = "sk-test-vendor-key-0123456789";
/// How long weir may take to start, and to notice a changed file.
const WITHIN: Duration = Duration::from_secs(20);

const BAN: &str = "[[tool]]\nname = \"claude-code\"\neffect = \"deny\"\nfrom = 2026-07-10\nreason = \"classified high-risk\"\n";

struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        let d = std::env::temp_dir().join(format!(
            "weir-reload-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `weir serve`, stopped (SIGTERM, then SIGKILL) when dropped.
struct Serve {
    child: Child,
    log: PathBuf,
    base: String,
}

impl Serve {
    fn start(dir: &Path, extra: &[&str]) -> Result<Serve, String> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let log = dir.join(format!("weir-{port}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_weir"))
            .args(["serve", "-c"])
            .arg(dir.join("weir.toml"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("HOME", dir)
            .env("TEST_VENDOR_KEY", VENDOR_KEY)
            .env_remove("WEIR_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut serve = Serve {
            child,
            log,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + WITHIN;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = serve.child.try_wait() {
                return Err(serve.log());
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(serve);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("weir did not start within {WITHIN:?}:\n{}", serve.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name}");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        self.signal("TERM");
        for _ in 0..200 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Status and body of one Claude Code-looking request.
async fn ask(base: &str) -> (u16, String) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/v1/messages"))
        .header("anthropic-version", "2023-06-01")
        .header("user-agent", "claude-cli/2.1.3 (external, cli)")
        .json(&serde_json::json!({"model": "m", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Waits (bounded) until `ask` answers `status`.
async fn until_status(base: &str, status: u16) -> String {
    let deadline = Instant::now() + WITHIN;
    loop {
        let (s, body) = ask(base).await;
        if s == status {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "still {s} after {WITHIN:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (bounded) until the log contains `needle` `times` times.
async fn until_logged(serve: &Serve, needle: &str, times: usize) -> String {
    let deadline = Instant::now() + WITHIN;
    loop {
        let log = serve.log();
        if log.matches(needle).count() >= times {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "no {needle:?} in the log:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn setup() -> (Dir, Emulator) {
    let emu = Emulator::start(Script::reply(Reply::text("hello")))
        .await
        .unwrap();
    let dir = Dir::new();
    let toml = format!(
        "auto_vendors = false\npolicy = \"policy.toml\"\n\n[vendors.v]\nprotocol = \"anthropic\"\nbase_url = \"{}\"\napi_key = \"env:TEST_VENDOR_KEY\"\njurisdiction = \"US\"\n\n[[routes]]\nmodels = [\"m\"]\ntargets = [\"v\"]\n",
        emu.anthropic_base_url()
    );
    std::fs::write(dir.0.join("weir.toml"), toml).unwrap();
    (dir, emu)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_policy_stops_weir_from_starting_with_every_error_and_its_line() {
    let (dir, _emu) = setup().await;
    std::fs::write(
        dir.0.join("policy.toml"),
        "[[tool]]\nname = \"claude-code\"\neffect = \"deny\"\nuntill = 2026-08-01\n\n[[vendor]]\nname = \"nosuchvendor\"\neffect = \"deny\"\n",
    )
    .unwrap();
    let log = match Serve::start(&dir.0, &[]) {
        Err(log) => log,
        Ok(s) => panic!("weir started with an invalid policy:\n{}", s.log()),
    };
    assert!(log.contains("policy.toml:4:1"), "{log}");
    assert!(log.contains("until"), "the nearest key is suggested: {log}");
    assert!(log.contains("weir policy check"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_date_decides_and_the_policy_reloads_on_change_and_sighup() {
    let (dir, emu) = setup().await;
    let policy = dir.0.join("policy.toml");
    std::fs::write(&policy, BAN).unwrap();

    // The day before the ban the tool works...
    let before = Serve::start(&dir.0, &["--policy-date", "2026-07-09"]).unwrap();
    assert_eq!(ask(&before.base).await.0, 200);
    drop(before);

    // ...and from its day it is refused.
    let serve = Serve::start(&dir.0, &["--policy-date", "2026-07-10"]).unwrap();
    let (status, body) = ask(&serve.base).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("classified high-risk") && body.contains("policy.toml:1"),
        "{body}"
    );

    // The file changes: the new policy is in force without a restart.
    std::fs::write(&policy, "# nothing banned\n").unwrap();
    until_status(&serve.base, 200).await;
    until_logged(&serve, "reloaded (a file changed)", 1).await;

    // A broken file is rejected with its errors; the policy in force stays.
    std::fs::write(
        &policy,
        "[[tool]]\nname = \"claude-code\"\neffect = \"deny\"\nuntill = 2026-08-01\n",
    )
    .unwrap();
    let log = until_logged(&serve, "not reloaded", 1).await;
    assert!(log.contains("policy.toml:4:1"), "{log}");
    for _ in 0..5 {
        assert_eq!(ask(&serve.base).await.0, 200);
    }

    // Fixed, and SIGHUP: reloaded at once.
    std::fs::write(&policy, BAN).unwrap();
    serve.signal("HUP");
    until_status(&serve.base, 403).await;
    until_logged(&serve, "reloaded (", 2).await;
    serve.signal("HUP");
    until_logged(&serve, "reloaded (SIGHUP)", 1).await;
    assert!(!emu.requests().is_empty());
}
