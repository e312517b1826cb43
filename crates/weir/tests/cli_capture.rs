//! `weir capture` as the real binary on 127.0.0.1: each vendor API a coding tool speaks gets an
//! answer its client can parse (complete event sequences when streaming), and every request
//! lands in its own capture file, byte for byte, with the credentials masked.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const KEY: &str = "sk-ant-api03-capture-test-key-0123456789";

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "weir-capture-{name}-{}-{:016x}",
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

/// A running `weir capture`, killed when dropped if it has not exited.
struct Server {
    child: Child,
    url: String,
    /// Lines it printed after the URL, collected by a thread.
    lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(out: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_weir"))
            .args(["capture", "--listen", "127.0.0.1:0", "--out"])
            .arg(out)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .trim_end_matches(',')
            .to_owned();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Server { child, url, lines }
    }

    /// Waits (up to 20 s) for the process to exit on its own; its exit status.
    fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "weir capture did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn printed(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// One request a test sends, and how to check the answer.
struct Call {
    method: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<Value>,
    check: fn(u16, &str, &[u8]),
}

fn post(path: &'static str, body: Value, check: fn(u16, &str, &[u8])) -> Call {
    Call {
        method: "POST",
        path,
        headers: vec![("x-api-key", KEY), ("anthropic-version", "2023-06-01")],
        body: Some(body),
        check,
    }
}

fn get(path: &'static str, check: fn(u16, &str, &[u8])) -> Call {
    Call {
        method: "GET",
        path,
        headers: vec![("authorization", "Bearer sk-openai-capture-test-key")],
        body: None,
        check,
    }
}

fn json_body(status: u16, content_type: &str, body: &[u8]) -> Value {
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(body));
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    serde_json::from_slice(body).unwrap()
}

/// `(event, data)` pairs of an SSE body, with the framing checked.
fn sse(status: u16, content_type: &str, body: &[u8]) -> Vec<(Option<String>, String)> {
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let text = std::str::from_utf8(body).unwrap();
    assert!(text.ends_with("\n\n"), "the stream ends with a blank line");
    text.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let mut name = None;
            let mut data = String::new();
            for line in e.lines() {
                match line.split_once(": ") {
                    Some(("event", n)) => name = Some(n.to_owned()),
                    Some(("data", d)) => data.push_str(d),
                    _ => panic!("not an SSE line: {line:?}"),
                }
            }
            (name, data)
        })
        .collect()
}

fn data(d: &str) -> Value {
    serde_json::from_str(d).unwrap_or_else(|e| panic!("{e}: {d}"))
}

const TEXT: &str = "Captured by weir, test.";

fn calls() -> Vec<Call> {
    vec![
        post(
            "/v1/messages?beta=true",
            json!({"model": "claude-x", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}),
            |s, ct, b| {
                let v = json_body(s, ct, b);
                assert_eq!(v["type"], "message");
                assert_eq!(v["content"][0]["text"], TEXT);
            },
        ),
        post(
            "/v1/messages?beta=true",
            json!({"model": "claude-x", "stream": true, "messages": []}),
            |s, ct, b| {
                let events = sse(s, ct, b);
                let names: Vec<&str> = events.iter().map(|(n, _)| n.as_deref().unwrap()).collect();
                assert_eq!(
                    names,
                    [
                        "message_start",
                        "content_block_start",
                        "content_block_delta",
                        "content_block_stop",
                        "message_delta",
                        "message_stop"
                    ]
                );
                for (name, d) in &events {
                    assert_eq!(data(d)["type"].as_str(), name.as_deref());
                }
                assert_eq!(data(&events[2].1)["delta"]["text"], TEXT);
            },
        ),
        post(
            "/v1/messages/count_tokens?beta=true",
            json!({"model": "claude-x", "messages": [{"role": "user", "content": "hello there"}]}),
            |s, ct, b| assert!(json_body(s, ct, b)["input_tokens"].as_u64().unwrap() > 0),
        ),
        post(
            "/v1/chat/completions",
            json!({"model": "qwen3-coder-plus", "messages": [{"role": "user", "content": "hi"}]}),
            |s, ct, b| {
                let v = json_body(s, ct, b);
                assert_eq!(v["choices"][0]["message"]["content"], TEXT);
                assert!(v["usage"]["total_tokens"].as_u64().unwrap() > 0);
            },
        ),
        post(
            "/v1/chat/completions",
            json!({"model": "q", "stream": true, "stream_options": {"include_usage": true}, "messages": []}),
            |s, ct, b| {
                let events = sse(s, ct, b);
                assert_eq!(events.last().unwrap().1, "[DONE]");
                let chunks: Vec<Value> = events[..events.len() - 1]
                    .iter()
                    .map(|(_, d)| data(d))
                    .collect();
                let text: String = chunks
                    .iter()
                    .filter_map(|c| {
                        c.pointer("/choices/0/delta/content")
                            .and_then(Value::as_str)
                    })
                    .collect();
                assert_eq!(text, TEXT);
                assert!(
                    chunks
                        .iter()
                        .any(|c| c["choices"][0]["finish_reason"] == "stop")
                );
                assert!(
                    chunks
                        .iter()
                        .any(|c| c["usage"]["total_tokens"].as_u64() > Some(0))
                );
            },
        ),
        post(
            "/v1/responses",
            json!({"model": "gpt-5", "input": "hi"}),
            |s, ct, b| {
                let v = json_body(s, ct, b);
                assert_eq!(v["status"], "completed");
                assert_eq!(v["output"][0]["content"][0]["text"], TEXT);
            },
        ),
        post(
            "/v1/responses",
            json!({"model": "gpt-5", "stream": true, "input": "hi"}),
            |s, ct, b| {
                let events = sse(s, ct, b);
                let values: Vec<Value> = events.iter().map(|(_, d)| data(d)).collect();
                for (i, ((name, _), v)) in events.iter().zip(&values).enumerate() {
                    assert_eq!(v["type"].as_str(), name.as_deref());
                    assert_eq!(v["sequence_number"], json!(i));
                }
                assert_eq!(events[0].0.as_deref(), Some("response.created"));
                assert_eq!(
                    events.last().unwrap().0.as_deref(),
                    Some("response.completed")
                );
                let text: String = values
                    .iter()
                    .filter(|v| v["type"] == "response.output_text.delta")
                    .map(|v| v["delta"].as_str().unwrap())
                    .collect();
                assert_eq!(text, TEXT);
            },
        ),
        post(
            "/v1beta/models/gemini-2.5-pro:generateContent",
            json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
            |s, ct, b| {
                let v = json_body(s, ct, b);
                assert_eq!(v["candidates"][0]["content"]["parts"][0]["text"], TEXT);
            },
        ),
        post(
            "/v1beta/models/gemini-2.5-pro:streamGenerateContent",
            json!({"contents": []}),
            |s, ct, b| {
                let v = json_body(s, ct, b);
                assert_eq!(v[0]["candidates"][0]["finishReason"], "STOP");
            },
        ),
        post(
            "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
            json!({"contents": [], "generationConfig": {"responseMimeType": "application/json",
                "responseJsonSchema": {"type": "object", "properties": {"score": {"type": "integer"}}}}}),
            |s, ct, b| {
                let events = sse(s, ct, b);
                let v = data(&events[0].1);
                let text = v["candidates"][0]["content"]["parts"][0]["text"]
                    .as_str()
                    .unwrap();
                assert_eq!(data(text), json!({"score": 1}));
            },
        ),
        post(
            "/v1beta/models/gemini-2.5-pro:countTokens",
            json!({"contents": []}),
            |s, ct, b| assert!(json_body(s, ct, b)["totalTokens"].as_u64().unwrap() > 0),
        ),
        get("/v1/models", |s, ct, b| {
            assert_eq!(json_body(s, ct, b)["object"], "list");
        }),
        get("/v1beta/models", |s, ct, b| {
            assert!(
                json_body(s, ct, b)["models"]
                    .as_array()
                    .is_some_and(|m| !m.is_empty())
            );
        }),
        get(
            "/v1/organizations/me?key=AIzaSyCaptureTestKey",
            |s, ct, b| {
                assert_eq!(s, 404);
                assert!(ct.starts_with("application/json"));
                let v: Value = serde_json::from_slice(b).unwrap();
                assert!(
                    v["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("/v1/organizations/me")
                );
            },
        ),
    ]
}

#[tokio::test]
async fn every_api_is_answered_and_every_request_written() {
    let out = TempDir::new("all");
    let calls = calls();
    let count = calls.len().to_string();
    let mut server = Server::start(&out.0, &["--count", &count, "--reply", TEXT]);
    let client = client();
    let mut sent = Vec::new();
    for call in &calls {
        let mut req = client.request(
            call.method.parse().unwrap(),
            format!("{}{}", server.url, call.path),
        );
        for (n, v) in &call.headers {
            req = req.header(*n, *v);
        }
        let body = call
            .body
            .as_ref()
            .map(|b| b.to_string().into_bytes())
            .unwrap_or_default();
        if call.body.is_some() {
            req = req
                .header("content-type", "application/json")
                .body(body.clone());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = resp.bytes().await.unwrap();
        (call.check)(status, &ct, &bytes);
        sent.push(body);
    }
    assert!(
        server.wait().success(),
        "it stops by itself after --count requests"
    );

    let mut files: Vec<PathBuf> = std::fs::read_dir(&out.0)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names.len(),
        calls.len(),
        "one file per request, no temporary left: {names:?}"
    );
    assert_eq!(names[0], "0001-post-v1_messages.json");
    assert_eq!(
        names[9],
        "0010-post-v1beta_models_gemini-2.5-pro_streamGenerateContent.json"
    );
    for ((file, call), body) in files.iter().zip(&calls).zip(&sent) {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            !text.contains(KEY) && !text.contains("sk-openai-capture"),
            "a key leaked: {text}"
        );
        assert!(
            !text.contains("AIzaSyCaptureTestKey"),
            "a query key leaked: {text}"
        );
        let requests = weir_detect::capture::read(text.as_bytes()).unwrap();
        let [r] = &requests[..] else {
            panic!("{requests:?}")
        };
        assert_eq!(r.method, call.method);
        assert_eq!(r.path.split("key=").next(), call.path.split("key=").next());
        assert_eq!(&r.body, body, "the body is kept byte for byte");
        assert!(r.header("host").unwrap().starts_with("127.0.0.1:"));
        let auth = r.header("x-api-key").or(r.header("authorization")).unwrap();
        assert!(auth.contains("<masked sha256:"), "{auth}");
        let envelope: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(envelope["weir_capture"], 1);
        assert_eq!(envelope["listener"].as_str(), Some(server.url.as_str()));
        assert!(envelope["received_at"].as_str().unwrap().ends_with('Z'));
    }
    let printed = server.printed();
    assert!(
        printed
            .iter()
            .any(|l| l.contains(&format!("{} requests written", calls.len()))),
        "{printed:?}"
    );
}

#[tokio::test]
async fn ctrl_c_stops_it_and_numbering_continues_in_the_same_directory() {
    let out = TempDir::new("sigint");
    std::fs::write(out.0.join("0041-post-v1_messages.json"), b"{}").unwrap();
    let mut server = Server::start(&out.0, &[]);
    let resp = client()
        .post(format!("{}/v1/messages", server.url))
        .body(r#"{"model":"m"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(out.0.join("0042-post-v1_messages.json").exists());
    let killed = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(server.wait().success());
    assert!(
        server
            .printed()
            .iter()
            .any(|l| l.contains("1 request written"))
    );
}

#[tokio::test]
async fn a_foreign_host_is_refused_and_not_written() {
    let out = TempDir::new("host");
    let server = Server::start(&out.0, &[]);
    let resp = client()
        .post(format!("{}/v1/messages", server.url))
        .header("host", "attacker.example")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let v: Value = resp.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("attacker.example"),
        "{v}"
    );
    assert_eq!(std::fs::read_dir(&out.0).unwrap().count(), 0);
}

#[test]
fn a_non_loopback_address_is_refused() {
    let out = TempDir::new("public");
    let output = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["capture", "--listen", "0.0.0.0:0", "--out"])
        .arg(&out.0)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("loopback only") && stderr.contains("0.0.0.0"),
        "{stderr}"
    );
}

#[test]
fn help_teaches_how_to_point_tools_at_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(["capture", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "ANTHROPIC_BASE_URL",
        "OPENAI_BASE_URL",
        "GOOGLE_GEMINI_BASE_URL",
        "--count",
        "masked",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}
