//! The ledger commands (`weir log`, `log show`, `report`, `export`, `verify`) run as the real
//! binary against a ledger written by a real gateway talking to emulated vendors, all on
//! 127.0.0.1 and stopped before the commands run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use tokio::net::TcpListener;
use weir_config::Config;
use weir_emulator::{Emulator, Fault, Reply, Script, Usage};
use weir_gateway::Gateway;
use weir_ledger::chain;
use weir_ledger::entry::Digest;

const VENDOR_KEY: &str = "sk-test-vendor-key-0123456789";

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "weir-cli-{name}-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one request became: the id the client got, and the bodies each vendor received.
#[derive(Debug)]
struct Sent {
    id: String,
    request: Vec<u8>,
    /// (vendor, body), in the order the attempts were made.
    attempts: Vec<(String, Vec<u8>)>,
}

/// A ledger recorded by a real gateway, and the configuration that names it.
struct Recorded {
    dir: TempDir,
    config: PathBuf,
    sent: Vec<Sent>,
}

impl Recorded {
    fn data(&self) -> PathBuf {
        self.dir.0.join("data")
    }

    fn ledger(&self) -> PathBuf {
        self.data().join("weir/ledger.db")
    }

    /// Runs `weir ARGS -c CONFIG`.
    fn weir(&self, args: &[&str]) -> Output {
        weir(&self.dir.0, &self.config, args)
    }
}

fn weir(home: &Path, config: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .arg("-c")
        .arg(config)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("HOME", home)
        .env_remove("WEIR_CONFIG")
        .env_remove("WEIR_LOG")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "weir failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
    o
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn vendor_table(name: &str, protocol: &str, base: &str, jurisdiction: &str) -> String {
    format!(
        "[vendors.{name}]\nprotocol = \"{protocol}\"\nbase_url = \"{base}\"\napi_key = \"env:TEST_VENDOR_KEY\"\njurisdiction = \"{jurisdiction}\"\n\n"
    )
}

/// Starts two emulated vendors (`up` in the US speaking Anthropic, `cn` in China speaking
/// OpenAI Chat) and an overloaded one (`busy`), runs a gateway in front of them with its ledger
/// in a temporary directory, sends four requests, and stops everything:
///
/// 1. claude-code, project web → up (ok)
/// 2. claude-code, project api → up (ok)
/// 3. codex, project web → cn (ok)
/// 4. claude-code, project web → busy (529) then up (failed_over)
async fn record() -> Recorded {
    record_with("").await
}

/// [`record`] with more configuration (a `[ledger]` table, say).
async fn record_with(extra: &str) -> Recorded {
    let dir = TempDir::new("ledger");
    let up = Emulator::start(Script::reply(
        Reply::text("Hello from up").with_usage(Usage::new(11, 7)),
    ))
    .await
    .unwrap();
    let cn = Emulator::start(Script::reply(
        Reply::text("Hello from cn").with_usage(Usage::new(5, 3)),
    ))
    .await
    .unwrap();
    let busy = Emulator::start(Script::reply(Reply::fault(Fault::status(529))))
        .await
        .unwrap();
    let toml = format!(
        "auto_vendors = false\n\n{}{}{}\
         [[routes]]\nmodels = [\"claude-*\"]\ntargets = [\"up:vendor-model-x\"]\n\n\
         [[routes]]\nmodels = [\"gpt-*\"]\ntargets = [\"cn\"]\n\n\
         [[routes]]\nmodels = [\"failing-*\"]\ntargets = [\"busy\", \"up\"]\n\n{extra}",
        vendor_table("up", "anthropic", &up.anthropic_base_url(), "US"),
        vendor_table("cn", "openai-chat", &cn.openai_base_url(), "CN"),
        vendor_table("busy", "anthropic", &busy.anthropic_base_url(), "US"),
    );
    let config = dir.0.join("weir.toml");
    std::fs::write(&config, &toml).unwrap();

    let env: HashMap<String, String> = [
        ("TEST_VENDOR_KEY".to_string(), VENDOR_KEY.to_string()),
        (
            "XDG_DATA_HOME".to_string(),
            dir.0.join("data").display().to_string(),
        ),
    ]
    .into();
    let parsed = Config::from_toml(&toml, "weir.toml", &env).unwrap();
    let ledger = weir_gateway::open_ledger(&parsed.ledger, &env).expect("ledger opens");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let gateway = Gateway::with_ledger(parsed, &env, addr, ledger)
        .await
        .expect("gateway starts");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(async move {
        let _ = gateway
            .serve(listener, async move {
                let _ = stopped.await;
            })
            .await;
    });

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let anthropic = |model: &str, text: &str| {
        format!(
            r#"{{"model":"{model}","max_tokens":64,"messages":[{{"role":"user","content":"{text}"}}]}}"#
        )
    };
    let requests = [
        (
            "/v1/messages",
            "claude-cli/2.1.3 (external, cli)",
            "web",
            anthropic("claude-test-1", "Explain this repository, please"),
        ),
        (
            "/v1/messages",
            "claude-cli/2.1.3 (external, cli)",
            "api",
            anthropic("claude-test-1", "Write a test for the parser"),
        ),
        (
            "/v1/chat/completions",
            "codex_cli_rs/0.169.0 (Debian 12; x86_64)",
            "web",
            r#"{"model":"gpt-test","messages":[{"role":"user","content":"Fix the failing build"}]}"#
                .to_owned(),
        ),
        (
            "/v1/messages",
            "claude-cli/2.1.3 (external, cli)",
            "web",
            anthropic("failing-1", "Summarise the diff"),
        ),
    ];
    // Nothing here may panic while the gateway runs: it is stopped first, then checked.
    let mut answers = Vec::new();
    for (path, agent, project, body) in &requests {
        let answer = client
            .post(format!("http://{addr}{path}"))
            .header("content-type", "application/json")
            .header("user-agent", *agent)
            .header("x-weir-project", *project)
            .body(body.clone())
            .send()
            .await;
        let answer = match answer {
            Ok(resp) => {
                let status = resp.status();
                // Anthropic clients read `request-id`, OpenAI ones `x-request-id`.
                let id = resp
                    .headers()
                    .get("request-id")
                    .or_else(|| resp.headers().get("x-request-id"))
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let _ = resp.bytes().await;
                Ok((status, id))
            }
            Err(e) => Err(e),
        };
        answers.push(answer);
    }
    let _ = stop.send(());
    let _ = served.await;
    let ids: Vec<String> = answers
        .into_iter()
        .zip(&requests)
        .map(|(answer, (path, _, _, body))| {
            let (status, id) = answer.unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(status, 200, "{path} {body}");
            id.expect("a request id")
        })
        .collect();

    let mut up_bodies = up.requests().into_iter().map(|r| r.body.to_vec());
    let mut cn_bodies = cn.requests().into_iter().map(|r| r.body.to_vec());
    let mut busy_bodies = busy.requests().into_iter().map(|r| r.body.to_vec());
    let mut next = |name: &str| {
        let body = match name {
            "up" => up_bodies.next(),
            "cn" => cn_bodies.next(),
            _ => busy_bodies.next(),
        };
        (
            name.to_owned(),
            body.expect("the vendor received the request"),
        )
    };
    let plans: [&[&str]; 4] = [&["up"], &["up"], &["cn"], &["busy", "up"]];
    let sent = ids
        .into_iter()
        .zip(&requests)
        .zip(plans)
        .map(|((id, r), plan)| Sent {
            id,
            request: r.3.clone().into_bytes(),
            attempts: plan.iter().map(|v| next(v)).collect(),
        })
        .collect();
    up.shutdown().await;
    cn.shutdown().await;
    busy.shutdown().await;
    Recorded {
        config: config.clone(),
        dir,
        sent,
    }
}

fn entry_count(ledger: &Path) -> u64 {
    let conn = rusqlite::Connection::open(ledger).unwrap();
    conn.query_row("SELECT count(*) FROM entries", [], |r| r.get::<_, i64>(0))
        .unwrap() as u64
}

#[tokio::test]
async fn log_lists_every_exchange_with_its_vendor_and_outcome() {
    let r = record().await;
    let lines = json_lines(&ok(r.weir(&["log", "--format", "json"])));
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    let sent: Vec<&str> = r.sent.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, sent, "every exchange, oldest first");
    let column = |name: &str| -> Vec<Value> { lines.iter().map(|l| l[name].clone()).collect() };
    assert_eq!(column("vendor"), ["up", "up", "cn", "up"]);
    assert_eq!(column("jurisdiction"), ["US", "US", "CN", "US"]);
    assert_eq!(column("outcome"), ["ok", "ok", "ok", "failed_over"]);
    assert_eq!(
        column("tool"),
        ["claude-code", "claude-code", "codex", "claude-code"]
    );
    assert_eq!(column("project"), ["web", "api", "web", "web"]);
    assert_eq!(column("model")[0], "vendor-model-x");
    assert_eq!(column("model_requested")[0], "claude-test-1");
    assert_eq!(column("input_tokens"), [11, 11, 5, 11]);
    assert_eq!(column("output_tokens"), [7, 7, 3, 7]);
    for (line, s) in lines.iter().zip(&r.sent) {
        let out: usize = s.attempts.iter().map(|a| a.1.len()).sum();
        assert_eq!(line["bytes_out"], out, "bytes out over every attempt");
        assert!(line["bytes_in"].as_u64().unwrap() > 0);
        assert!(line["time"].as_str().unwrap().ends_with('Z'));
        assert_eq!(line["status"], 200);
    }
    assert_eq!(column("attempts"), [1, 1, 1, 2]);

    let table = stdout(&ok(r.weir(&["log"])));
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 5, "a header and four rows:\n{table}");
    assert!(rows[0].starts_with("time (UTC)") && rows[0].contains("tokens in/out"));
    assert!(rows[4].contains(&r.sent[3].id) && rows[4].contains("failed_over"));
    assert!(rows[3].contains("cn") && rows[3].contains("CN") && rows[3].contains("5/3"));
    assert!(rows[1].contains(" B "), "human sizes: {}", rows[1]);
}

#[tokio::test]
async fn log_filters_narrow_the_list() {
    let r = record().await;
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["log", "--format", "json"];
        all.extend_from_slice(args);
        json_lines(&ok(r.weir(&all)))
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let id = |i: usize| r.sent[i].id.clone();
    assert_eq!(ids(&["--vendor", "cn"]), [id(2)]);
    assert_eq!(ids(&["--jurisdiction", "cn"]), [id(2)], "any case");
    assert_eq!(ids(&["--tool", "codex"]), [id(2)]);
    assert_eq!(ids(&["--project", "api"]), [id(1)]);
    assert_eq!(ids(&["--outcome", "failed-over"]), [id(3)]);
    assert_eq!(
        ids(&["--outcome", "ok", "--project", "web"]),
        [id(0), id(2)]
    );
    assert_eq!(ids(&["--limit", "2"]), [id(2), id(3)], "the newest two");
    assert_eq!(ids(&["--since", "1h"]).len(), 4);
    assert_eq!(ids(&["--outcome", "running"]), Vec::<String>::new());
    let old = ok(r.weir(&[
        "log",
        "--since",
        "2001-01-01",
        "--until",
        "2001-02-01T00:00:00Z",
    ]));
    assert!(stdout(&old).is_empty());
    assert!(stderr(&old).contains("no exchanges"), "{}", stderr(&old));

    let bad = r.weir(&["log", "--outcome", "fine"]);
    assert_eq!(bad.status.code(), Some(2), "a usage error");
    let msg = stderr(&bad);
    assert!(
        msg.contains("unknown outcome `fine`") && msg.contains("failed_over, vendor_error"),
        "{msg}"
    );
    let bad = r.weir(&["log", "--since", "last tuesday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("2026-11-21"), "{}", stderr(&bad));
}

#[tokio::test]
async fn log_show_writes_the_exact_bytes_each_vendor_received() {
    let r = record().await;
    for s in &r.sent {
        let raw = ok(r.weir(&["log", "show", &s.id, "--raw"]));
        let last = &s.attempts.last().unwrap().1;
        assert_eq!(
            &raw.stdout, last,
            "the body that left for the answering vendor"
        );
        assert!(raw.stderr.is_empty());
        let request = ok(r.weir(&["log", "show", &s.id, "--raw", "--content", "request"]));
        assert_eq!(request.stdout, s.request, "the client's request as it came");
    }
    // The Anthropic body went out with only its model rewritten.
    assert_eq!(
        String::from_utf8(r.sent[0].attempts[0].1.clone()).unwrap(),
        String::from_utf8(r.sent[0].request.clone())
            .unwrap()
            .replace("claude-test-1", "vendor-model-x")
    );
    let answer = ok(r.weir(&["log", "show", &r.sent[0].id, "--raw", "--content", "answer"]));
    assert!(stdout(&answer).contains("Hello from up"));

    let failover = &r.sent[3];
    let text = stdout(&ok(r.weir(&["log", "show", &failover.id])));
    for needle in [
        failover.id.as_str(),
        "outcome    failed_over (HTTP 200)",
        "1. busy",
        "result failed_over, status 529",
        "2. up",
        "result answered, status 200",
        "key fp:",
        "client     claude-code 2.1.3",
        "project    web",
        "seq ",
        "tokens     11 in, 7 out",
        "sent to up (failing-1, US; attempt 2 of 2)",
        "\"messages\": [",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
    assert!(!text.contains(VENDOR_KEY), "never a key");

    let json: Value = serde_json::from_slice(
        &ok(r.weir(&["log", "show", &failover.id, "--format", "json"])).stdout,
    )
    .unwrap();
    assert_eq!(json["id"], failover.id.as_str());
    assert_eq!(json["outcome"], "failed_over");
    assert_eq!(json["entries"].as_array().unwrap().len(), 2);
    assert_eq!(
        json["exchange"]["finish"]["attempts"][0]["target"]["vendor"],
        "busy"
    );

    let missing = r.weir(&["log", "show", "req_nothing"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no exchange req_nothing"));
}

#[tokio::test]
async fn report_totals_match_what_was_sent() {
    let r = record().await;
    let all_out: usize = r
        .sent
        .iter()
        .flat_map(|s| &s.attempts)
        .map(|a| a.1.len())
        .sum();
    let doc: Value = serde_json::from_slice(
        &ok(r.weir(&["report", "--format", "json", "--by", "vendor"])).stdout,
    )
    .unwrap();
    assert_eq!(doc["by"], serde_json::json!(["vendor"]));
    assert_eq!(doc["total"]["exchanges"], 4);
    assert_eq!(doc["total"]["sent"], 4);
    assert_eq!(doc["total"]["bytes_out"], all_out);
    assert_eq!(doc["total"]["input_tokens"], 11 * 3 + 5);
    assert_eq!(doc["total"]["outcomes"]["failed_over"], 1);
    let rows = doc["rows"].as_array().unwrap();
    let up = rows.iter().find(|r| r["group"]["vendor"] == "up").unwrap();
    assert_eq!(up["exchanges"], 3);
    assert_eq!(up["outcomes"]["ok"], 2);
    let cn = rows.iter().find(|r| r["group"]["vendor"] == "cn").unwrap();
    assert_eq!(cn["bytes_out"], r.sent[2].attempts[0].1.len());

    let csv = ok(r.weir(&["report", "--format", "csv", "--by", "jurisdiction,tool"]));
    let records = parse_csv(&stdout(&csv));
    assert_eq!(
        records[0][..9],
        [
            "jurisdiction",
            "tool",
            "exchanges",
            "sent",
            "bytes_out",
            "bytes_in",
            "input_tokens",
            "output_tokens",
            "ok"
        ]
    );
    assert_eq!(records.len(), 3, "a header and two groups: {records:?}");
    let out: usize = records[1..]
        .iter()
        .map(|r| r[4].parse::<usize>().unwrap())
        .sum();
    assert_eq!(out, all_out);
    assert!(records[1..].iter().any(|r| r[0] == "CN" && r[1] == "codex"));

    let table = stdout(&ok(r.weir(&["report"])));
    let last = table.lines().last().unwrap();
    assert!(
        last.starts_with("total") && last.contains("ok 3, failed_over 1"),
        "{table}"
    );
}

/// RFC 4180 records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "records end with CRLF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && record.is_empty(), "a final CRLF");
    records
}

#[tokio::test]
async fn export_streams_entries_whose_hashes_recompute() {
    let r = record().await;
    let lines = json_lines(&ok(r.weir(&["export"])));
    let header = &lines[0];
    assert_eq!(header["type"], "ledger");
    assert_eq!(header["format"], 1);
    assert!(
        header["origin"]
            .as_str()
            .unwrap()
            .starts_with("weir-ledger/")
    );
    assert!(header["public_key"].as_str().unwrap().contains('+'));

    let entries: Vec<&Value> = lines.iter().filter(|l| l["type"] == "entry").collect();
    assert_eq!(entries.len() as u64, entry_count(&r.ledger()));
    assert_eq!(entries.len(), 8, "a start and a finish per exchange");
    let mut head = Digest::default();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["seq"], i + 1);
        let body = B64.decode(e["body_b64"].as_str().unwrap()).unwrap();
        head = chain::link(&head, &chain::leaf(&body));
        assert_eq!(e["hash"], head.hex(), "entry {}", i + 1);
        let readable: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(e["body"], readable);
        assert_eq!(e["kind"], readable["event"]["kind"]);
    }
    assert_eq!(header["head"], head.hex());
    assert!(lines.iter().any(|l| l["type"] == "checkpoint"));
    assert!(!lines.iter().any(|l| l["type"] == "block"));

    // With content, to a file, and verified from that file alone.
    let file = r.dir.0.join("export.jsonl");
    let done = ok(r.weir(&["export", "--content", "--output", file.to_str().unwrap()]));
    assert!(
        stderr(&done).contains("exported 8 entries"),
        "{}",
        stderr(&done)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.lines().any(|l| l.contains("\"type\":\"block\"")));
    let verified = ok(r.weir(&["verify", "--export", file.to_str().unwrap()]));
    assert!(
        stdout(&verified).starts_with("ledger verified: 8 entries"),
        "{}",
        stdout(&verified)
    );

    // An edited export fails verification at the edited entry.
    let edited: Vec<String> = text
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if v["type"] == "entry" && v["seq"] == 5 {
                let body = B64.decode(v["body_b64"].as_str().unwrap()).unwrap();
                let body = String::from_utf8(body)
                    .unwrap()
                    .replace("\"web\"", "\"wob\"");
                v["body_b64"] = B64.encode(body).into();
            }
            v.to_string()
        })
        .collect();
    let tampered = r.dir.0.join("tampered.jsonl");
    std::fs::write(&tampered, edited.join("\n")).unwrap();
    let bad = r.weir(&["verify", "--export", tampered.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1), "{}", stdout(&bad));
    assert!(
        stdout(&bad).contains("first bad entry: seq 5"),
        "{}",
        stdout(&bad)
    );

    // A partial export starts where asked, with the head before it.
    let tail = json_lines(&ok(r.weir(&["export", "--since-seq", "7"])));
    assert_eq!(tail[0]["first_seq"], 7);
    assert_eq!(tail[0]["prev_hash"], entries[5]["hash"]);
    assert_eq!(tail.iter().filter(|l| l["type"] == "entry").count(), 2);
}

#[tokio::test]
async fn verify_passes_an_untouched_ledger_and_names_an_edited_entry() {
    let r = record().await;
    let good = ok(r.weir(&["verify"]));
    let text = stdout(&good);
    assert!(
        text.starts_with("ledger verified: 8 entries, head ")
            && text.contains("(signatures checked)")
            && text.contains("content blocks checked"),
        "{text}"
    );
    assert!(text.contains("public key (from the key file): weir-ledger/"));
    let json: Value =
        serde_json::from_slice(&ok(r.weir(&["verify", "--format", "json"])).stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["entries"], 8);
    assert!(
        json["checkpoints"].as_u64().unwrap() >= 2,
        "the database's and the file's"
    );
    assert_eq!(json["key_source"], "key_file");

    // One byte of entry 3 changed in the database.
    let conn = rusqlite::Connection::open(r.ledger()).unwrap();
    let mut body: Vec<u8> = conn
        .query_row("SELECT body FROM entries WHERE seq = 3", [], |row| {
            row.get(0)
        })
        .unwrap();
    let at = body.windows(7).position(|w| w == b"\"node\":").unwrap() + 8;
    body[at] = if body[at] == b'x' { b'y' } else { b'x' };
    conn.execute("UPDATE entries SET body = ?1 WHERE seq = 3", [&body])
        .unwrap();
    drop(conn);

    let bad = r.weir(&["verify"]);
    assert_eq!(bad.status.code(), Some(1));
    let text = stdout(&bad);
    assert!(text.contains("first bad entry: seq 3 \u{2014} "), "{text}");
    assert!(text.contains("ledger verification FAILED"), "{text}");
    let json: Value =
        serde_json::from_slice(&r.weir(&["verify", "--format", "json"]).stdout).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["first_bad"]["seq"], 3);
}

#[tokio::test]
async fn verify_catches_a_truncated_ledger_with_the_checkpoint_kept_outside() {
    let r = record().await;
    // Whoever truncates the database also removes its own checkpoints and the public key.
    let conn = rusqlite::Connection::open(r.ledger()).unwrap();
    conn.execute_batch(
        "DELETE FROM entries WHERE seq > 6; DELETE FROM checkpoints; DELETE FROM meta WHERE key = 'public_key';",
    )
    .unwrap();
    drop(conn);
    let bad = r.weir(&["verify"]);
    assert_eq!(bad.status.code(), Some(1), "{}", stdout(&bad));
    let text = stdout(&bad);
    assert!(text.contains("first bad entry: seq 7"), "{text}");
    assert!(text.contains("truncated or rolled back"), "{text}");

    // Without the configured checkpoint file, a copy given on the command line does the same.
    let kept = r.dir.0.join("saved.checkpoint");
    std::fs::rename(r.data().join("weir/checkpoint"), &kept).unwrap();
    let undetected = ok(r.weir(&["verify"]));
    assert!(stdout(&undetected).starts_with("ledger verified: 6 entries"));
    let bad = r.weir(&["verify", "--checkpoint", kept.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stdout(&bad).contains("first bad entry: seq 7"));
}

#[tokio::test]
async fn content_the_ledger_did_not_keep_is_explained() {
    let r = record_with("[ledger]\nretention = \"hashes-only\"\n").await;
    let id = &r.sent[0].id;
    let raw = r.weir(&["log", "show", id, "--raw"]);
    assert_eq!(raw.status.code(), Some(1));
    assert!(
        raw.stdout.is_empty(),
        "nothing but the bytes, and there are none"
    );
    let msg = stderr(&raw);
    assert!(
        msg.contains("cannot be written: not kept ([ledger] retention = \"hashes-only\""),
        "{msg}"
    );
    let text = stdout(&ok(r.weir(&["log", "show", id])));
    assert!(text.contains("digest only"), "{text}");
    assert!(
        text.contains(&format!(
            "{} bytes: not kept",
            r.sent[0].attempts[0].1.len()
        )),
        "{text}"
    );
    // The exchanges are listed and verify all the same.
    assert_eq!(
        json_lines(&ok(r.weir(&["log", "--format", "json"]))).len(),
        4
    );
    ok(r.weir(&["verify"]));
}

#[test]
fn a_missing_ledger_is_explained_and_not_created() {
    let dir = TempDir::new("empty");
    let config = dir.0.join("weir.toml");
    std::fs::write(&config, "auto_vendors = false\n").unwrap();
    let ledger = dir.0.join("data/weir/ledger.db");
    for (args, code) in [
        (&["log"][..], 1),
        (&["log", "show", "req_x"][..], 1),
        (&["report"][..], 1),
        (&["export"][..], 1),
        (&["verify"][..], 2),
    ] {
        let o = weir(&dir.0, &config, args);
        assert_eq!(o.status.code(), Some(code), "{args:?}");
        let msg = stderr(&o);
        assert!(
            msg.contains(&format!("no ledger at {}", ledger.display()))
                && msg.contains("weir has not recorded anything yet (it records when `weir serve` or `weir run` handles a request)"),
            "{args:?}: {msg}"
        );
        assert!(o.stdout.is_empty());
    }
    assert!(!ledger.exists(), "nothing was created");
    assert!(
        !dir.0.join("data/weir/ledger.key").exists(),
        "no key was made"
    );
}
