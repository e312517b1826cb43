//! Crash test: `weir serve` under load is killed with SIGKILL at random moments, then restarted
//! on the same ledger, over and over. At the end the ledger must hold every exchange a client saw
//! complete (finished `ok`), every exchange it started must have ended (finished, or marked
//! `interrupted` by the restart's recovery), and the whole chain must verify against the signed
//! checkpoints, including every checkpoint file left behind by a killed weir.
//!
//! `WEIR_CRASH_CYCLES` sets the number of kill/restart cycles (default 100); `scripts/crash` runs
//! many more in a release build.
#![cfg(unix)]

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use weir_emulator::{Emulator, Fault, Reply, Script, When};
use weir_ledger::checkpoint::Signer;
use weir_ledger::query::Exchange;
use weir_ledger::sqlite::SqliteStore;
use weir_ledger::{Outcome, Store as _};

const DEFAULT_CYCLES: usize = 100;
/// Requests fired per cycle, concurrently.
const REQUESTS_PER_CYCLE: usize = 8;
/// The latest a request starts after the cycle begins.
const MAX_STAGGER_MS: u64 = 40;
/// The latest the kill comes after the cycle begins.
const MAX_KILL_MS: u64 = 150;
/// The latest a second kill comes after weir is started again.
const MAX_EARLY_KILL_MS: u64 = 120;
/// How long weir may take to answer `/healthz` after it is started.
const START_WITHIN: Duration = Duration::from_secs(20);
/// How long weir may take to stop after SIGTERM.
const STOP_WITHIN: Duration = Duration::from_secs(20);
/// Any one client request, from sending to the last byte.
const REQUEST_WITHIN: Duration = Duration::from_secs(15);

const VENDOR_KEY: &str = "sk-test-vendor-key-crash-0123456789";

/// The emulator's replies. The request's body names its pace, so one cycle mixes quick answers,
/// slow ones and long streams, and kills land in every phase of an exchange.
fn script() -> Script {
    let text = "The quick brown fox jumps over the lazy dog, twice over.";
    Script::new()
        .rule(
            When::any().stream(false).body_contains("pace-fast"),
            Reply::text(text),
        )
        .rule(
            When::any().stream(false).body_contains("pace-slow"),
            Reply::text(text).with_fault(Fault::stall_after(0, 60)),
        )
        .rule(
            When::any().stream(true).body_contains("pace-fast"),
            Reply::text(text).with_chunk_chars(16).with_delay_ms(2),
        )
        .rule(
            When::any().stream(true).body_contains("pace-slow"),
            Reply::text(text).with_chunk_chars(6).with_delay_ms(8),
        )
        .with_default(Reply::text(text).with_delay_ms(4))
}

/// The client protocols exercised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    Anthropic,
    Chat,
}

/// One request of a cycle.
#[derive(Debug, Clone)]
struct Plan {
    api: Api,
    model: &'static str,
    stream: bool,
    pace: &'static str,
    after: Duration,
}

impl Plan {
    fn random() -> Plan {
        let api = if fastrand::bool() {
            Api::Anthropic
        } else {
            Api::Chat
        };
        // Chat clients reach the Anthropic vendor too (a translated exchange) or the Chat one.
        let model = match api {
            Api::Anthropic => "claude-crash",
            Api::Chat if fastrand::bool() => "gpt-crash",
            Api::Chat => "claude-crash",
        };
        Plan {
            api,
            model,
            stream: fastrand::bool(),
            pace: ["pace-fast", "pace-slow", "pace-default"][fastrand::usize(..3)],
            after: Duration::from_millis(fastrand::u64(0..=MAX_STAGGER_MS)),
        }
    }

    /// One quick request of each protocol, model and mode.
    fn every_kind() -> Vec<Plan> {
        let mut plans = Vec::new();
        for (api, model) in [
            (Api::Anthropic, "claude-crash"),
            (Api::Chat, "gpt-crash"),
            (Api::Chat, "claude-crash"),
        ] {
            for stream in [false, true] {
                plans.push(Plan {
                    api,
                    model,
                    stream,
                    pace: "pace-fast",
                    after: Duration::ZERO,
                });
            }
        }
        plans
    }

    fn path(&self) -> &'static str {
        match self.api {
            Api::Anthropic => "/v1/messages",
            Api::Chat => "/v1/chat/completions",
        }
    }

    fn id_header(&self) -> &'static str {
        match self.api {
            Api::Anthropic => "request-id",
            Api::Chat => "x-request-id",
        }
    }

    fn body(&self, n: usize) -> serde_json::Value {
        let content = format!("crash test request {n} ({}): say hello", self.pace);
        match self.api {
            Api::Anthropic => serde_json::json!({
                "model": self.model,
                "max_tokens": 64,
                "stream": self.stream,
                "messages": [{"role": "user", "content": content}],
            }),
            Api::Chat => serde_json::json!({
                "model": self.model,
                "stream": self.stream,
                "stream_options": {"include_usage": true},
                "messages": [{"role": "user", "content": content}],
            }),
        }
    }
}

/// What the client saw of one request.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// The HTTP status, if response headers arrived.
    status: Option<u16>,
    /// weir's request id, from the response headers.
    id: Option<String>,
    /// What was asked, for messages.
    what: String,
    /// Whether the whole answer arrived: a full JSON body with status 200, or a stream up to its
    /// terminal event.
    complete: bool,
}

/// Sends one request and reads its answer as far as it goes.
async fn exchange(client: reqwest::Client, base: String, plan: Plan, n: usize) -> Seen {
    tokio::time::sleep(plan.after).await;
    let mut seen = Seen {
        what: format!(
            "{:?} {} {} {}",
            plan.api,
            plan.model,
            if plan.stream { "stream" } else { "no stream" },
            plan.pace
        ),
        ..Seen::default()
    };
    let sent = client
        .post(format!("{base}{}", plan.path()))
        .header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .header("user-agent", "weir-crash-test/1")
        .json(&plan.body(n))
        .send()
        .await;
    let Ok(mut resp) = sent else {
        return seen;
    };
    seen.status = Some(resp.status().as_u16());
    seen.id = resp
        .headers()
        .get(plan.id_header())
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(_) => return seen,
        }
    }
    if seen.status != Some(200) {
        return seen;
    }
    seen.complete = if plan.stream {
        stream_complete(plan.api, &body)
    } else {
        answer_complete(plan.api, &body)
    };
    seen
}

/// Whether a non-streaming answer is whole.
fn answer_complete(api: Api, body: &[u8]) -> bool {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    match api {
        Api::Anthropic => v["type"] == "message" && v["content"][0]["text"].is_string(),
        Api::Chat => {
            v["object"] == "chat.completion" && v["choices"][0]["message"]["content"].is_string()
        }
    }
}

/// Whether a stream reached its terminal event (a complete SSE event: `message_stop` for
/// Anthropic, `data: [DONE]` for Chat Completions).
fn stream_complete(api: Api, body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    // Only events followed by their blank line are complete.
    let whole = match text.rfind("\n\n") {
        Some(end) => &text[..end],
        None => return false,
    };
    whole.split("\n\n").any(|event| {
        let mut name = None;
        let mut data = Vec::new();
        for line in event.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                name = Some(v.trim());
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push(v.trim());
            }
        }
        match api {
            Api::Anthropic => name == Some("message_stop"),
            Api::Chat => data == ["[DONE]"],
        }
    })
}

/// Where one weir keeps its files.
struct Setup {
    dir: PathBuf,
    config: PathBuf,
    log: PathBuf,
    ledger: PathBuf,
    key: PathBuf,
    checkpoint: PathBuf,
    emulator: String,
    port: u16,
}

impl Setup {
    fn new(emulator: &Emulator) -> Setup {
        let dir = std::env::temp_dir().join(format!(
            "weir-crash-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut setup = Setup {
            config: dir.join("weir.toml"),
            log: dir.join("weir.log"),
            ledger: dir.join("ledger.db"),
            key: dir.join("ledger.key"),
            checkpoint: dir.join("checkpoint"),
            emulator: emulator.addr().to_string(),
            port: 0,
            dir,
        };
        setup.new_port();
        setup
    }

    /// Picks a free port and writes the configuration for it.
    fn new_port(&mut self) {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        self.port = probe.local_addr().unwrap().port();
        drop(probe);
        let toml = format!(
            r#"auto_vendors = false
listen = "127.0.0.1:{port}"

[vendors.ant]
protocol = "anthropic"
base_url = "http://{emu}"
api_key = "env:TEST_VENDOR_KEY"
jurisdiction = "US"

[vendors.oai]
protocol = "openai-chat"
base_url = "http://{emu}/v1"
api_key = "env:TEST_VENDOR_KEY"
jurisdiction = "US"

[[routes]]
models = ["claude-*"]
targets = ["ant"]

[[routes]]
models = ["gpt-*"]
targets = ["oai"]

[ledger]
path = "{ledger}"
key_file = "{key}"
checkpoint_file = "{checkpoint}"
checkpoint_every = 20
"#,
            port = self.port,
            emu = self.emulator,
            ledger = self.ledger.display(),
            key = self.key.display(),
            checkpoint = self.checkpoint.display(),
        );
        std::fs::write(&self.config, toml).unwrap();
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The end of weir's log, for failure messages.
    fn log_tail(&self) -> String {
        let Ok(mut f) = File::open(&self.log) else {
            return "(no log)".into();
        };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = f.seek(SeekFrom::Start(len.saturating_sub(6000)));
        let mut s = String::new();
        let _ = f.read_to_string(&mut s);
        s
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        // Kept when the test fails, for a look at the ledger and the log.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A running `weir serve`; killed when dropped.
struct Weir {
    child: Child,
}

impl Weir {
    fn spawn(setup: &Setup) -> Weir {
        let log = File::options()
            .create(true)
            .append(true)
            .open(&setup.log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_weir"))
            .arg("serve")
            .arg("-c")
            .arg(&setup.config)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &setup.dir)
            .env("XDG_DATA_HOME", setup.dir.join("data"))
            .env("XDG_CONFIG_HOME", setup.dir.join("config"))
            .env("TEST_VENDOR_KEY", VENDOR_KEY)
            .env("WEIR_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("weir starts");
        Weir { child }
    }

    /// Starts weir and waits until it answers `/healthz`. A port taken meanwhile by another
    /// program gets weir a new one.
    async fn start(setup: &mut Setup) -> Weir {
        for _ in 0..3 {
            let mut weir = Weir::spawn(setup);
            if weir.wait_healthy(setup).await {
                return weir;
            }
            let tail = setup.log_tail();
            assert!(
                tail.contains("cannot listen"),
                "weir did not start:\n{tail}"
            );
            setup.new_port();
        }
        panic!("weir found no port to listen on:\n{}", setup.log_tail());
    }

    /// Waits for `/healthz`; false if weir exited first.
    async fn wait_healthy(&mut self, setup: &Setup) -> bool {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let deadline = Instant::now() + START_WITHIN;
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return false;
            }
            let url = format!("{}/healthz", setup.base());
            if let Ok(r) = client.get(url).send().await {
                if r.status() == 200 && self.child.try_wait().unwrap().is_none() {
                    return true;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "weir did not answer /healthz within {START_WITHIN:?}:\n{}",
            setup.log_tail()
        );
    }

    /// SIGKILL, and wait for the process to be gone. weir must have been running until then.
    fn kill(mut self, setup: &Setup) {
        // `Child::kill` sends SIGKILL on Unix.
        self.child.kill().expect("SIGKILL");
        let status = self.child.wait().expect("weir is reaped");
        assert_eq!(
            status.signal(),
            Some(9),
            "weir exited by itself ({status}) before it was killed:\n{}",
            setup.log_tail()
        );
    }

    /// SIGTERM, and wait (bounded) for weir to stop on its own.
    async fn stop(mut self, setup: &Setup) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM to weir failed");
        let deadline = Instant::now() + STOP_WITHIN;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "weir stopped with {status}:\n{}",
                    setup.log_tail()
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "weir did not stop within {STOP_WITHIN:?} of SIGTERM:\n{}",
                setup.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Weir {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_WITHIN)
        .build()
        .unwrap()
}

/// Fires `plans` at weir and returns what each client saw; `kill_after`, if set, is when the
/// gateway is killed, counted from when the first request may leave.
async fn fire(
    setup: &Setup,
    plans: &[Plan],
    first: usize,
    weir: Weir,
    kill_after: Option<Duration>,
) -> (Vec<Seen>, Option<Weir>) {
    let client = client();
    let tasks: Vec<_> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| tokio::spawn(exchange(client.clone(), setup.base(), p.clone(), first + i)))
        .collect();
    let weir = match kill_after {
        Some(after) => {
            tokio::time::sleep(after).await;
            weir.kill(setup);
            None
        }
        None => Some(weir),
    };
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await.expect("the client task does not panic"));
    }
    (seen, weir)
}

fn read_all(store: &mut SqliteStore) -> Vec<weir_ledger::Sealed> {
    let mut all = Vec::new();
    loop {
        let after = all.last().map_or(0, |e: &weir_ledger::Sealed| e.seq);
        let page = store.entries(after, 5000).expect("entries read");
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

#[test]
fn every_exchange_a_client_saw_complete_survives_sigkill() {
    let cycles = match std::env::var("WEIR_CRASH_CYCLES") {
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .unwrap_or_else(|_| panic!("WEIR_CRASH_CYCLES must be a whole number, not {v:?}")),
        Err(_) => DEFAULT_CYCLES,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Far beyond what the cycles need; a hang fails the test instead of stalling CI.
    let budget = Duration::from_secs(120 + 5 * cycles as u64);
    runtime.block_on(async {
        tokio::time::timeout(budget, run(cycles))
            .await
            .unwrap_or_else(|_| panic!("the crash test did not finish within {budget:?}"));
    });
}

async fn run(cycles: usize) {
    let began = Instant::now();
    let emulator = Emulator::start(script()).await.unwrap();
    let mut setup = Setup::new(&emulator);
    let mut weir = Weir::start(&mut setup).await;

    let mut seen: Vec<Seen> = Vec::new();
    // Every distinct checkpoint file a killed weir left behind.
    let mut checkpoints: BTreeSet<String> = BTreeSet::new();
    let mut early_kills = 0;
    for _ in 0..cycles {
        let plans: Vec<Plan> = (0..REQUESTS_PER_CYCLE).map(|_| Plan::random()).collect();
        let kill_after = Duration::from_millis(fastrand::u64(0..=MAX_KILL_MS));
        let (batch, _) = fire(&setup, &plans, seen.len(), weir, Some(kill_after)).await;
        seen.extend(batch);
        if let Ok(note) = std::fs::read_to_string(&setup.checkpoint) {
            checkpoints.insert(note);
        }
        // Now and then weir is killed again while it starts: during the ledger's recovery.
        if fastrand::u8(..10) == 0 {
            let early = Weir::spawn(&setup);
            tokio::time::sleep(Duration::from_millis(fastrand::u64(0..=MAX_EARLY_KILL_MS))).await;
            early.kill(&setup);
            early_kills += 1;
        }
        weir = Weir::start(&mut setup).await;
    }
    let crashed = seen.len();

    // After all that, weir still serves: one request of every kind, nobody killed, must all
    // complete.
    let plans = Plan::every_kind();
    let (last, weir) = fire(&setup, &plans, seen.len(), weir, None).await;
    for (plan, s) in plans.iter().zip(&last) {
        assert!(
            s.complete,
            "after the crashes, a request weir was not killed during did not complete: {plan:?} \
             saw {s:?}\n{}",
            setup.log_tail()
        );
    }
    seen.extend(last);
    weir.expect("still running").stop(&setup).await;
    emulator.shutdown().await;
    if let Ok(note) = std::fs::read_to_string(&setup.checkpoint) {
        checkpoints.insert(note);
    }

    check_ledger(&setup, &seen, &checkpoints, crashed);
    eprintln!(
        "crash test: {cycles} cycles ({early_kills} with a second kill while weir started) in {:.1?}",
        began.elapsed()
    );
}

fn check_ledger(setup: &Setup, seen: &[Seen], checkpoints: &BTreeSet<String>, crashed: usize) {
    let mut store = SqliteStore::open(&setup.ledger).expect("the ledger opens");
    let origin = store
        .meta("origin")
        .unwrap()
        .expect("the ledger has an origin");
    let seed_text = std::fs::read_to_string(&setup.key).expect("the key file exists");
    let seed: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(seed_text.trim())
        .expect("the key file holds base64")
        .try_into()
        .expect("the key file holds 32 bytes");
    let public = Signer::from_seed(&origin, seed).public();

    // The chain, its checkpoints in the database, and every checkpoint file seen on the way.
    let external: Vec<String> = checkpoints.iter().cloned().collect();
    let report = weir_ledger::verify::verify(&mut store, Some(&public), &external, &mut |_| {})
        .expect("verification runs");
    assert!(
        report.problems.is_empty(),
        "the ledger does not verify: {:#?}",
        report.problems
    );
    assert!(report.signatures_checked && report.checkpoints > 0);

    let entries = read_all(&mut store);
    let exchanges = weir_ledger::query::exchanges(&entries);
    let by_id: HashMap<&str, &Exchange> = exchanges.iter().map(|x| (x.id.as_str(), x)).collect();

    // Every exchange has a start and exactly one ending: a finish, or `interrupted`.
    let mut endings: HashMap<&str, usize> = HashMap::new();
    for e in entries.iter().filter(|e| e.kind != "start") {
        *endings.entry(e.exchange.as_str()).or_default() += 1;
    }
    for x in &exchanges {
        let endings = endings.get(x.id.as_str()).copied().unwrap_or(0);
        assert!(
            x.start.is_some(),
            "exchange {} has entries but no start: {:?}",
            x.id,
            x.seqs
        );
        assert_eq!(
            endings, 1,
            "exchange {} should have exactly one finish or interrupted entry (entries {:?})",
            x.id, x.seqs
        );
    }

    let mut completed = 0;
    let mut answered = 0;
    // Broken promises: answers a client got whose exchange the ledger lost or misrecorded.
    let mut unstarted = Vec::new();
    let mut lost = Vec::new();
    for s in seen {
        let Some(id) = &s.id else { continue };
        let x = by_id.get(id.as_str());
        if s.status == Some(200) {
            // The headers of a 200 come after the vendor answered, so after the durable start.
            answered += 1;
            if x.is_none_or(|x| x.start.is_none()) {
                unstarted.push(format!("{id} ({})", s.what));
            }
        }
        if s.complete {
            completed += 1;
            let finished_ok = x
                .and_then(|x| x.finish.as_ref())
                .is_some_and(|f| f.outcome == Outcome::Ok);
            if !finished_ok {
                let ledger = match x {
                    None => "nothing".to_owned(),
                    Some(x) => format!("{:?} (interrupted: {:?})", x.outcome(), x.interrupted),
                };
                lost.push(format!("{id} ({}): the ledger says {ledger}", s.what));
            }
        }
    }
    let interrupted = exchanges
        .iter()
        .filter(|x| x.outcome() == Some(Outcome::Interrupted))
        .count();
    let ok = exchanges
        .iter()
        .filter(|x| x.outcome() == Some(Outcome::Ok))
        .count();
    eprintln!(
        "crash test: {crashed} requests under kills + {} after; {answered} got 200 headers, \
         {completed} complete; ledger: {} entries, {} exchanges ({ok} ok, {interrupted} \
         interrupted), {} checkpoints checked",
        seen.len() - crashed,
        report.entries,
        exchanges.len(),
        report.checkpoints,
    );
    assert!(
        lost.is_empty() && unstarted.is_empty(),
        "{} exchange(s) a client saw complete are not finished `ok` in the ledger, e.g. {:#?}; \
         {} exchange(s) whose 200 headers a client got have no start entry, e.g. {:#?}",
        lost.len(),
        &lost[..lost.len().min(5)],
        unstarted.len(),
        &unstarted[..unstarted.len().min(5)],
    );
    assert!(
        completed > 0,
        "no request completed: the load never got through"
    );
    assert!(
        interrupted > 0,
        "no exchange was interrupted: the kills never landed mid-exchange"
    );
}

#[test]
fn terminal_events_are_recognised() {
    let anthropic = b"event: message_start\ndata: {}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    assert!(stream_complete(Api::Anthropic, anthropic));
    assert!(!stream_complete(
        Api::Anthropic,
        &anthropic[..anthropic.len() - 1]
    ));
    assert!(stream_complete(Api::Chat, b"data: {}\n\ndata: [DONE]\n\n"));
    assert!(!stream_complete(Api::Chat, b"data: {}\n\ndata: [DON"));
    assert!(!stream_complete(Api::Chat, b"data: {}\n\n"));
}
