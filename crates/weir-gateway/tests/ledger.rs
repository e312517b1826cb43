//! The ledger as the gateway keeps it: every exchange recorded with where it went, the content
//! that left replayable byte for byte, failures to write refused in the client's protocol, and
//! no credential anywhere in the database.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use support::*;
use weir_ledger::content;
use weir_ledger::query::{self, Exchange};
use weir_ledger::sqlite::SqliteStore;
use weir_ledger::{AttemptResult, Ledger, MemoryStore, Outcome, Store};

fn exchanges(store: &mut dyn Store) -> Vec<Exchange> {
    query::exchanges(&store.entries(0, 100_000).unwrap())
}

fn replay(store: &mut dyn Store, digest: &weir_ledger::Digest) -> Vec<u8> {
    content::assemble(digest, &mut |h: &weir_ledger::Digest| store.block(h)).unwrap()
}

async fn post(weir: &Weir, path: &str, body: &serde_json::Value) -> reqwest::Response {
    client()
        .post(weir.url(path))
        .header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .header("user-agent", "claude-cli/2.1.3 (external, cli)")
        .header("x-weir-project", "billing")
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_exchange_is_recorded_with_where_it_went_and_what_left() {
    let emu = Emulator::start(Script::reply(Reply::text("Hello there")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("up", "anthropic", &emu),
        route(&["claude-*"], &["up:vendor-model-x"])
    );
    let weir = Weir::start(&toml).await;
    let ok = post(&weir, "/v1/messages", &anthropic_body("claude-test", false)).await;
    assert_eq!(ok.status(), 200);
    let id = ok.headers()["request-id"].to_str().unwrap().to_owned();
    let streamed = post(&weir, "/v1/messages", &anthropic_body("claude-test", true)).await;
    let sid = streamed.headers()["request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = streamed.text().await.unwrap();
    assert!(text.contains("message_stop"));
    let data = weir.stop().await;
    let path = data.ledger();

    let mut store = SqliteStore::open(&path).unwrap();
    let xs = exchanges(&mut store);
    assert_eq!(xs.len(), 2);
    let x = xs.iter().find(|x| x.id == id).unwrap();
    assert_eq!(x.outcome(), Some(Outcome::Ok));
    assert_eq!(x.tool(), Some("claude-code"));
    assert_eq!(x.project(), Some("billing"));
    assert_eq!(
        (x.vendor(), x.jurisdiction(), x.model()),
        (Some("up"), Some("US"), Some("vendor-model-x"))
    );
    let finish = x.finish.as_ref().unwrap();
    assert_eq!(finish.attempts.len(), 1);
    assert_eq!(finish.attempts[0].result, AttemptResult::Answered);
    assert_eq!(finish.attempts[0].status, Some(200));
    assert_eq!(
        finish.attempts[0]
            .key
            .as_deref()
            .map(|k| k.starts_with("fp:")),
        Some(true)
    );
    assert!(
        finish.tokens.is_some_and(|t| t.output > 0),
        "{:?}",
        finish.tokens
    );
    // What left is replayed byte for byte: exactly what the vendor received.
    let sent = finish.attempts[0].sent.digest.unwrap();
    assert_eq!(replay(&mut store, &sent), emu.requests()[0].body);
    assert_eq!(finish.bytes_out(), emu.requests()[0].body.len() as u64);

    let s = xs.iter().find(|x| x.id == sid).unwrap();
    assert_eq!(s.outcome(), Some(Outcome::Ok));
    let answer = s.finish.as_ref().unwrap().response.digest.unwrap();
    assert_eq!(
        replay(&mut store, &answer),
        text.as_bytes(),
        "the stream as the client got it"
    );

    // Closing signed the final head, in the database and in the file beside it.
    let note = std::fs::read_to_string(data.0.join("weir/checkpoint")).unwrap();
    let report = weir_ledger::verify::verify(&mut store, None, &[note], &mut |_| {}).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.entries, 4);
}

#[tokio::test]
async fn failover_and_vendor_errors_are_recorded_as_such() {
    let down = closed_port().await;
    let emu = Emulator::start(
        Script::new()
            .rule(
                When::any().model("refuse"),
                Reply::fault(Fault::Status {
                    status: 400,
                    retry_after: None,
                    message: Some("bad request".into()),
                    error_type: None,
                    code: None,
                }),
            )
            .with_default(Reply::text("from the second")),
    )
    .await
    .unwrap();
    let toml = format!(
        "{BASE}{}{}{}{}",
        vendor_at("dead", "anthropic", &format!("http://{down}")),
        vendor("live", "anthropic", &emu),
        route(&["claude-*"], &["dead:m", "live:m"]),
        route(&["refuse"], &["live:refuse"]),
    );
    let weir = Weir::start(&toml).await;
    let a = post(&weir, "/v1/messages", &anthropic_body("claude-x", false)).await;
    assert_eq!(a.status(), 200);
    let b = post(&weir, "/v1/messages", &anthropic_body("refuse", false)).await;
    assert_eq!(b.status(), 400);
    let data = weir.stop().await;
    let path = data.ledger();
    let mut store = SqliteStore::open(&path).unwrap();
    let xs = exchanges(&mut store);
    let a = &xs[0];
    assert_eq!(a.outcome(), Some(Outcome::FailedOver));
    let attempts = &a.finish.as_ref().unwrap().attempts;
    assert_eq!(
        attempts
            .iter()
            .map(|t| (t.target.vendor.as_str(), t.result))
            .collect::<Vec<_>>(),
        [
            ("dead", AttemptResult::FailedOver),
            ("live", AttemptResult::Answered)
        ]
    );
    assert_eq!(a.vendor(), Some("live"));
    let planned: Vec<&str> = a
        .start
        .as_ref()
        .unwrap()
        .targets
        .iter()
        .map(|t| t.vendor.as_str())
        .collect();
    assert_eq!(
        planned,
        ["dead", "live"],
        "the start entry lists every target in order"
    );
    let b = &xs[1];
    assert_eq!(b.outcome(), Some(Outcome::VendorError));
    let f = b.finish.as_ref().unwrap();
    assert_eq!(f.status, 400);
    assert!(
        f.error.as_deref().is_some_and(|e| e.contains("400")),
        "{:?}",
        f.error
    );
}

/// A gateway in front of an OpenAI-compatible emulator, recording into a memory store whose
/// writes the test can make fail; `extra` is appended to its configuration.
async fn with_memory_ledger(extra: &str) -> (Emulator, Weir, MemoryStore) {
    let emu = Emulator::start(Script::reply(Reply::text("hi")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}{extra}",
        vendor("up", "openai-chat", &emu),
        route(&["*"], &["up:m"])
    );
    let env: HashMap<String, String> =
        [("TEST_VENDOR_KEY".to_string(), VENDOR_KEY.to_string())].into();
    let config = weir_config::Config::from_toml(&toml, "test.toml", &env).unwrap();
    let store = MemoryStore::new();
    let ledger = Ledger::open(
        Box::new(store.clone()),
        None,
        weir_ledger::Options::default(),
    )
    .unwrap();
    let weir = Weir::start_with(config, env, temp_dir("memory"), Some(ledger)).await;
    (emu, weir, store)
}

/// A non-streaming Chat request for `gpt-x`.
async fn ask(weir: &Weir) -> reqwest::Response {
    client()
        .post(weir.url("/v1/chat/completions"))
        .json(&chat_body("gpt-x", false))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_body_sent_unchanged_is_recorded_once_and_replays_as_sent() {
    let emu = Emulator::start(Script::reply(Reply::text("hi")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("up", "openai-chat", &emu),
        route(&["*"], &["up"])
    );
    let weir = Weir::start(&toml).await;
    assert_eq!(ask(&weir).await.status(), 200);
    let data = weir.stop().await;
    let mut store = SqliteStore::open(&data.ledger()).unwrap();
    let x = exchanges(&mut store).pop().unwrap();
    let request = x.start.as_ref().unwrap().request;
    let sent = x.finish.as_ref().unwrap().attempts[0].sent;
    assert_eq!(sent, request, "the client's body left as it came");
    assert_eq!(
        replay(&mut store, &sent.digest.unwrap()),
        emu.requests()[0].body
    );
}

#[tokio::test]
async fn a_ledger_that_cannot_write_refuses_requests_and_recovers_without_restart() {
    let (emu, weir, store) = with_memory_ledger("").await;

    store.fail_writes(true);
    let refused = ask(&weir).await;
    assert_eq!(refused.status(), 503);
    let body: serde_json::Value = refused.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("ledger") && message.contains("not sent"),
        "{message}"
    );
    assert!(
        message.contains("on_ledger_failure"),
        "says what to do: {message}"
    );
    assert!(emu.requests().is_empty(), "nothing left unrecorded");
    let ready = client().get(weir.url("/readyz")).send().await.unwrap();
    assert_eq!(
        ready.status(),
        503,
        "not ready while the ledger cannot write"
    );

    store.fail_writes(false);
    let ok = ask(&weir).await;
    assert_eq!(ok.status(), 200, "the next request is recorded and sent");
    assert_eq!(emu.requests().len(), 1);
    let ready = client().get(weir.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    weir.stop().await;
}

#[tokio::test]
async fn on_ledger_failure_open_lets_requests_through() {
    let (_emu, weir, store) = with_memory_ledger("[ledger]\non_ledger_failure = \"open\"\n").await;
    store.fail_writes(true);
    let ok = ask(&weir).await;
    assert_eq!(ok.status(), 200);
    weir.stop().await;
}

/// Everything written to the log, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_canary_key_in_headers_and_body_never_reaches_the_database_or_the_log() {
    const CANARY: &str = "sk-ant-api03-CANARYcanaryCANARYcanary0123456789abcdefXYZ";
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let path = runtime.block_on(async {
        let emu = Emulator::start(
            Script::new()
                .rule(
                    When::any().stream(true),
                    Reply::fault(Fault::Status {
                        status: 401,
                        retry_after: None,
                        message: Some(format!("invalid key {CANARY}")),
                        error_type: None,
                        code: None,
                    }),
                )
                .with_default(Reply::text(format!("you sent {CANARY}"))),
        )
        .await
        .unwrap();
        let toml = format!(
            "{BASE}{}{}",
            vendor("up", "anthropic", &emu),
            route(&["*"], &["up:m"])
        );
        let weir = Weir::start(&toml).await;
        for stream in [false, true] {
            let mut body = anthropic_body("claude-x", stream);
            body["messages"][0]["content"] = format!("here is my key {CANARY} keep it safe").into();
            body["metadata"] = serde_json::json!({"user_id": CANARY});
            let r = client()
                .post(weir.url("/v1/messages"))
                .header("x-api-key", CANARY)
                .header("authorization", format!("Bearer {CANARY}"))
                .header("anthropic-version", "2023-06-01")
                .header("x-weir-project", CANARY)
                .json(&body)
                .send()
                .await
                .unwrap();
            let _ = r.text().await;
        }
        let data = weir.stop().await;
        // Read everything weir wrote: the database, its WAL, the checkpoint.
        let mut all = Vec::new();
        for entry in std::fs::read_dir(data.0.join("weir")).unwrap() {
            all.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        (data, all)
    });
    let (data, files) = path;
    let path = data.ledger();
    let needle = &CANARY.as_bytes()[16..];
    assert!(
        !files.windows(needle.len()).any(|w| w == needle),
        "the canary reached weir's files"
    );
    let mut store = SqliteStore::open(&path).unwrap();
    let xs = exchanges(&mut store);
    assert_eq!(xs.len(), 2, "both exchanges are recorded");
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(log.contains("request"), "the log was captured: {log}");
    assert!(
        !log.contains(&CANARY[16..]),
        "the canary reached the log:\n{log}"
    );
}
