//! Data-loss prevention through the gateway, for all three client protocols: secrets in a
//! system prompt, a user message, a tool result, JSON-escaped and repeated across messages are
//! replaced by placeholders before the request leaves (the vendor emulator never receives
//! them), the vendor's answer is restored before the client sees it (text and tool-call
//! arguments, streamed in small deltas so placeholders are split), blocked requests are refused
//! in the client's protocol without naming the value, rerouted ones go to the other route, and
//! the ledger records findings but never a secret.

mod support;

use support::*;
use weir_ledger::query;
use weir_ledger::sqlite::SqliteStore;
use weir_ledger::{Outcome, Store};

/// An AWS access key id (AKIA + 16 base32 characters), built at run time so this file holds no
/// credential-shaped literal.
fn aws_key() -> String {
    let body: String = (0..16)
        .map(|i| b"Q7ZK3MPW2TRX6BNV"[(i * 7) % 16] as char)
        .collect();
    format!("AKIA{body}")
}

/// A GitHub personal access token (ghp_ + 36 base62 characters).
fn github_token() -> String {
    let alphabet = b"aZ3kP9qL2mX7vB4nR8tY1wC6dF5gH0jS";
    let body: String = (0..36)
        .map(|i| alphabet[(i * 11 + 5) % alphabet.len()] as char)
        .collect();
    format!("ghp_{body}")
}

const STRICT: &str = "[dlp.actions]\nsecret = \"redact\"\n\n";

async fn post(weir: &Weir, path: &str, body: &serde_json::Value) -> reqwest::Response {
    client()
        .post(weir.url(path))
        .header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .header("x-api-key", "client-a")
        .json(body)
        .send()
        .await
        .unwrap()
}

fn leaked(emu: &Emulator, secrets: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for r in emu.requests() {
        let body = String::from_utf8_lossy(&r.body);
        for s in secrets {
            // Also look for the secret as JSON would escape it.
            if body.contains(s) || body.contains(&s.replace('/', "\\/")) {
                out.push(format!("{} received {s}", r.path));
            }
        }
    }
    out
}

/// An Anthropic conversation carrying the key in the system prompt, a user message (with a \u
/// escape hiding its first letter), a tool result, and the token twice.
fn anthropic_conversation(key: &str, token: &str, stream: bool) -> serde_json::Value {
    let escaped_key = format!("\\u0041{}", &key[1..]);
    let raw = format!(
        r#"{{"model":"m","max_tokens":100,"stream":{stream},
            "system":"Deploy with key {key} only.",
            "messages":[
              {{"role":"user","content":"my token is {token}, key {escaped_key}"}},
              {{"role":"assistant","content":[{{"type":"tool_use","id":"toolu_1","name":"Read","input":{{"file_path":"/app/config.yml"}}}}]}},
              {{"role":"user","content":[{{"type":"tool_result","tool_use_id":"toolu_1","content":"github: {token}\naws: {key}\n"}},{{"type":"text","text":"Repeat my token: {token}"}}]}}
            ]}}"#
    );
    serde_json::from_str(&raw).unwrap()
}

async fn setup(protocol: &str, reply: Reply) -> (Emulator, Weir) {
    let emu = Emulator::start(Script::reply(reply)).await.unwrap();
    let toml = format!(
        "{BASE}{STRICT}{}{}",
        vendor("v", protocol, &emu),
        route(&["m"], &["v"])
    );
    (emu, Weir::start(&toml).await)
}

fn echo_reply(chunk: usize) -> Reply {
    let mut r = Reply::text("You said: {echo}").with_tool_call("Write", r#"{"content":"{echo}"}"#);
    r.chunk_chars = Some(chunk);
    r
}

#[tokio::test]
async fn anthropic_secrets_are_redacted_upstream_and_restored_downstream() {
    let (key, token) = (aws_key(), github_token());
    let (emu, weir) = setup("anthropic", echo_reply(0)).await;
    let resp = post(
        &weir,
        "/v1/messages",
        &anthropic_conversation(&key, &token, false),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let answer: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(leaked(&emu, &[&key, &token]), Vec::<String>::new());

    // What the vendor saw: placeholders, the same one for every occurrence of a secret.
    let sent = String::from_utf8(emu.requests()[0].body.to_vec()).unwrap();
    let token_placeholders: Vec<&str> = sent
        .match_indices("[REDACTED:github-pat:")
        .map(|(i, _)| &sent[i..i + sent[i..].find(']').unwrap() + 1])
        .collect();
    assert_eq!(token_placeholders.len(), 3, "{sent}");
    assert!(token_placeholders.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(
        sent.matches("[REDACTED:aws-access-key-id:").count(),
        3,
        "{sent}"
    );
    // Everything else is as the client wrote it.
    assert!(sent.contains(r#""file_path":"/app/config.yml""#));

    // What the client got back: the vendor echoed the placeholders; the client sees secrets.
    // (The emulator echoes the text blocks of the last user message.)
    let text = answer["content"][0]["text"].as_str().unwrap();
    assert_eq!(text, format!("You said: Repeat my token: {token}"));
    let input = &answer["content"][1]["input"]["content"];
    assert_eq!(input.as_str().unwrap(), format!("Repeat my token: {token}"));
    assert!(!answer.to_string().contains("REDACTED"));

    // The ledger has findings, not secrets.
    let data = weir.stop().await;
    let raw = std::fs::read(data.ledger()).unwrap();
    let hay = String::from_utf8_lossy(&raw);
    assert!(!hay.contains(&key) && !hay.contains(&token));
    let mut store = SqliteStore::open(&data.ledger()).unwrap();
    let xs = query::exchanges(&store.entries(0, 1000).unwrap());
    let finish = xs[0].finish.as_ref().unwrap();
    let mut rules: Vec<(&str, &str)> = finish
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.action.as_str()))
        .collect();
    rules.sort();
    rules.dedup();
    assert_eq!(
        rules,
        vec![
            ("aws-access-key-id", "redacted"),
            ("github-pat", "redacted")
        ]
    );
    assert!(finish.findings.iter().any(|f| f.location == "system"));
    assert!(
        finish
            .findings
            .iter()
            .any(|f| f.location == "messages[2].content[0].content")
    );
}

/// Streams `body` to `path` and returns (text, tool arguments) the client assembled from the
/// deltas, and the raw stream.
async fn streamed(weir: &Weir, path: &str, body: &serde_json::Value) -> (String, String, String) {
    let resp = post(weir, path, body).await;
    assert_eq!(resp.status(), 200);
    let raw = resp.text().await.unwrap();
    let (mut text, mut args) = (String::new(), String::new());
    for (_, data) in sse_events(&raw) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&data) else {
            continue;
        };
        for (ptr, is_text) in [
            ("/delta/text", true),
            ("/delta/partial_json", false),
            ("/choices/0/delta/content", true),
            ("/choices/0/delta/tool_calls/0/function/arguments", false),
        ] {
            if let Some(s) = v.pointer(ptr).and_then(|s| s.as_str()) {
                if is_text {
                    text.push_str(s)
                } else {
                    args.push_str(s)
                }
            }
        }
        match v["type"].as_str() {
            Some("response.output_text.delta") => text.push_str(v["delta"].as_str().unwrap()),
            Some("response.function_call_arguments.delta") => {
                args.push_str(v["delta"].as_str().unwrap())
            }
            _ => {}
        }
    }
    (text, args, raw)
}

#[tokio::test]
async fn streamed_answers_are_restored_in_text_and_tool_arguments_in_every_protocol() {
    let (key, token) = (aws_key(), github_token());
    let said = format!("deploy {token} with {key}");
    for (protocol, path) in [
        ("anthropic", "/v1/messages"),
        ("openai-chat", "/v1/chat/completions"),
        ("openai-responses", "/v1/responses"),
    ] {
        // Three characters per delta: every placeholder is split across several.
        let (emu, weir) = setup(protocol, echo_reply(3)).await;
        let body = match protocol {
            "anthropic" => serde_json::json!({"model": "m", "max_tokens": 100, "stream": true,
                "messages": [{"role": "user", "content": said}]}),
            "openai-chat" => serde_json::json!({"model": "m", "stream": true,
                "messages": [{"role": "system", "content": format!("key {key}")},
                             {"role": "user", "content": said}]}),
            _ => {
                serde_json::json!({"model": "m", "stream": true, "instructions": format!("key {key}"),
                "input": [{"role": "user", "content": [{"type": "input_text", "text": said}]}]})
            }
        };
        let (text, args, raw) = streamed(&weir, path, &body).await;
        assert_eq!(
            leaked(&emu, &[&key, &token]),
            Vec::<String>::new(),
            "{protocol}"
        );
        assert_eq!(text, format!("You said: {said}"), "{protocol}: {raw}");
        let args: serde_json::Value =
            serde_json::from_str(&args).unwrap_or_else(|e| panic!("{protocol}: {e}: {args}"));
        assert_eq!(args["content"], said, "{protocol}");
        assert!(!raw.contains("REDACTED"), "{protocol}: {raw}");
    }
}

#[tokio::test]
async fn a_translated_stream_is_restored_too() {
    // A Chat client served by an Anthropic vendor: restoration works on the client's protocol.
    let key = aws_key();
    let (emu, weir) = setup("anthropic", echo_reply(2)).await;
    let body = serde_json::json!({"model": "m", "stream": true,
        "messages": [{"role": "user", "content": format!("use {key}")}]});
    let (text, args, _) = streamed(&weir, "/v1/chat/completions", &body).await;
    assert_eq!(leaked(&emu, &[&key]), Vec::<String>::new());
    assert_eq!(text, format!("You said: use {key}"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&args).unwrap()["content"],
        format!("use {key}")
    );
}

#[tokio::test]
async fn a_resent_conversation_keeps_its_placeholders_byte_identical() {
    let (key, token) = (aws_key(), github_token());
    let (emu, weir) = setup("anthropic", Reply::text("noted")).await;
    let first = anthropic_conversation(&key, &token, false);
    post(&weir, "/v1/messages", &first).await;
    let mut second = first.clone();
    second["messages"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"role": "user", "content": "and now?"}));
    post(&weir, "/v1/messages", &second).await;
    let reqs = emu.requests();
    let (a, b) = (&reqs[0].body, &reqs[1].body);
    // The second body is the first one with the new message added, byte for byte: the
    // placeholders did not change between turns.
    let added = br#",{"content":"and now?","role":"user"}"#;
    let at = b.windows(added.len()).position(|w| w == added).unwrap();
    let without = [&b[..at], &b[at + added.len()..]].concat();
    assert_eq!(
        String::from_utf8_lossy(a),
        String::from_utf8_lossy(&without)
    );
    assert_eq!(leaked(&emu, &[&key, &token]), Vec::<String>::new());
}

#[tokio::test]
async fn blocked_requests_get_a_protocol_error_naming_rule_and_place_never_the_value() {
    let key = aws_key();
    let emu = Emulator::start(Script::new()).await.unwrap();
    let toml = format!(
        "{BASE}[dlp.rules]\naws-access-key-id = \"block\"\n\n{}{}",
        vendor("v", "openai-chat", &emu),
        route(&["m"], &["v"])
    );
    let weir = Weir::start(&toml).await;
    for (path, body) in [
        (
            "/v1/messages",
            serde_json::json!({"model": "m", "max_tokens": 10,
            "messages": [{"role": "user", "content": format!("key {key}")}]}),
        ),
        (
            "/v1/chat/completions",
            serde_json::json!({"model": "m",
            "messages": [{"role": "user", "content": format!("key {key}")}]}),
        ),
        (
            "/v1/responses",
            serde_json::json!({"model": "m", "input": format!("key {key}")}),
        ),
    ] {
        let resp = post(&weir, path, &body).await;
        assert_eq!(resp.status(), 403, "{path}");
        let text = resp.text().await.unwrap();
        assert!(!text.contains(&key), "{path}: {text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let message = if path == "/v1/messages" {
            assert_eq!(v["type"], "error");
            assert_eq!(v["error"]["type"], "permission_error");
            v["error"]["message"].as_str().unwrap().to_owned()
        } else {
            assert_eq!(v["error"]["code"], "weir_dlp_blocked");
            v["error"]["message"].as_str().unwrap().to_owned()
        };
        assert!(message.contains("aws-access-key-id"), "{message}");
        let place = if path == "/v1/responses" {
            "input"
        } else {
            "messages[0].content"
        };
        assert!(message.contains(place), "{message}");
    }
    assert!(emu.requests().is_empty(), "nothing left");
    let data = weir.stop().await;
    let raw = std::fs::read(data.ledger()).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains(&key));
    let mut store = SqliteStore::open(&data.ledger()).unwrap();
    let xs = query::exchanges(&store.entries(0, 1000).unwrap());
    assert_eq!(xs.len(), 3);
    for x in &xs {
        assert_eq!(x.outcome(), Some(Outcome::Blocked));
        let f = &x.finish.as_ref().unwrap().findings;
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].rule.as_str(), f[0].action.as_str()),
            ("aws-access-key-id", "blocked")
        );
    }
}

#[tokio::test]
async fn reroute_sends_the_request_to_the_named_route_and_allow_only_records() {
    let key = aws_key();
    let cloud = Emulator::start(Script::new()).await.unwrap();
    let local = Emulator::start(Script::reply(Reply::text("local answer")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}[dlp]\nreroute = \"local\"\n[dlp.actions]\nsecret = \"reroute\"\nemail = \"allow\"\n\n{}{}{}[[routes]]\nname = \"local\"\nmodels = [\"local-model\"]\ntargets = [\"l\"]\n\n",
        vendor("c", "openai-chat", &cloud),
        vendor("l", "openai-chat", &local),
        route(&["m"], &["c"])
    );
    let weir = Weir::start(&toml).await;
    let with_key = serde_json::json!({"model": "m", "messages": [{"role": "user", "content": format!("key {key}")}]});
    let resp = post(&weir, "/v1/chat/completions", &with_key).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-weir-vendor"], "l");
    assert!(cloud.requests().is_empty());
    // The rerouted request goes as it is (the local model may see it).
    assert!(String::from_utf8_lossy(&local.requests()[0].body).contains(&key));

    let email = "aisyah.rahman@maybank.com.my";
    let with_email = serde_json::json!({"model": "m", "messages": [{"role": "user", "content": format!("mail {email}")}]});
    let resp = post(&weir, "/v1/chat/completions", &with_email).await;
    assert_eq!(resp.headers()["x-weir-vendor"], "c");
    assert!(String::from_utf8_lossy(&cloud.requests()[0].body).contains(email));
    let data = weir.stop().await;
    let mut store = SqliteStore::open(&data.ledger()).unwrap();
    let xs = query::exchanges(&store.entries(0, 1000).unwrap());
    let actions: Vec<(String, String)> = xs
        .iter()
        .flat_map(|x| x.finish.as_ref().unwrap().findings.clone())
        .map(|f| (f.rule, f.action))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("aws-access-key-id".to_owned(), "rerouted".to_owned()),
            ("email-address".to_owned(), "reported".to_owned())
        ]
    );
}

#[tokio::test]
async fn the_content_of_a_sensitive_file_is_held_back_whatever_it_looks_like() {
    let (emu, weir) = setup("anthropic", Reply::text("ok")).await;
    // Nothing in the file looks like a credential; what marks it is the file it came from.
    let content = "DB_HOST=10.1.2.3\nFEATURE_FLAGS=beta,canary\nREGION=ap-southeast-1\n";
    let body = serde_json::json!({"model": "m", "max_tokens": 50, "messages": [
        {"role": "user", "content": "check my config"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_9", "name": "Read",
            "input": {"file_path": "/srv/app/.env"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": content}]},
    ]});
    let resp = post(&weir, "/v1/messages", &body).await;
    assert_eq!(resp.status(), 200);
    let sent = String::from_utf8(emu.requests()[0].body.to_vec()).unwrap();
    assert!(!sent.contains("FEATURE_FLAGS"), "{sent}");
    assert!(sent.contains("[REDACTED:sensitive-file:"), "{sent}");
    assert!(sent.contains("/srv/app/.env"), "the call itself is kept");

    // Blocking instead names the file and where its content is.
    let emu2 = Emulator::start(Script::new()).await.unwrap();
    let toml = format!(
        "{BASE}[dlp.actions]\npath = \"block\"\n\n{}{}",
        vendor("v", "anthropic", &emu2),
        route(&["m"], &["v"])
    );
    let weir2 = Weir::start(&toml).await;
    let resp = post(&weir2, "/v1/messages", &body).await;
    assert_eq!(resp.status(), 403);
    let v: serde_json::Value = resp.json().await.unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(".env") && message.contains("messages[2].content[0].content"),
        "{message}"
    );
    assert!(!message.contains("FEATURE_FLAGS"));
    assert!(emu2.requests().is_empty());
}
