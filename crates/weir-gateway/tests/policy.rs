//! The policy on the request path, end to end with vendor emulators: a tool banned from a date
//! (clock moved while weir runs), a restricted project kept on local targets even when the route
//! lists a cloud vendor first, a secret in a restricted project rerouted to the local route,
//! data actions of the policy replacing the configured ones, observe mode, and reloads under
//! load that drop nothing.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use support::*;
use weir_gateway::clock::SetClock;
use weir_ledger::query::{self, Exchange};
use weir_ledger::sqlite::SqliteStore;
use weir_ledger::{Outcome, Store};
use weir_policy::{Date, Policy};

const CLAUDE_UA: &str = "claude-cli/2.1.3 (external, cli)";

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn clock(s: &str) -> Arc<SetClock> {
    Arc::new(SetClock::new(day(s)))
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

async fn send(
    weir: &Weir,
    path: &str,
    headers: &[(&str, &str)],
    body: &serde_json::Value,
) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(weir.url(path))
        .header("anthropic-version", "2023-06-01")
        .json(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap()
}

/// An Anthropic request whose system prompt names the working directory, as Claude Code's does.
fn in_dir(dir: &str, user: &str) -> serde_json::Value {
    serde_json::json!({
        "model": "m",
        "max_tokens": 64,
        "system": [{"type": "text", "text": format!("You are a coding agent.\n<env>\nWorking directory: {dir}\nPlatform: linux\n</env>")}],
        "messages": [{"role": "user", "content": user}],
    })
}

fn local_vendor(name: &str, emulator: &Emulator) -> String {
    vendor("_", "anthropic", emulator)
        .replace("[vendors._]", &format!("[vendors.{name}]"))
        .replace("jurisdiction = \"US\"", "jurisdiction = \"local\"")
}

async fn ledger(weir: Weir) -> Vec<Exchange> {
    let data = weir.stop().await;
    let mut store = SqliteStore::open(&data.ledger()).unwrap();
    query::exchanges(&store.entries(0, 10_000).unwrap())
}

fn effects(x: &Exchange) -> Vec<String> {
    x.finish
        .as_ref()
        .unwrap()
        .decisions
        .iter()
        .map(|d| d.effect.clone())
        .collect()
}

const BAN: &str = r#"[[tool]]
name = "claude-code"
effect = "deny"
from = 2026-07-10
reason = "classified high-risk by security (SEC-114)"
"#;

#[tokio::test]
async fn a_tool_banned_from_a_date_works_the_day_before_and_is_refused_from_that_day() {
    let emu = Emulator::start(Script::reply(Reply::text("hello")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("v", "anthropic", &emu),
        route(&["m"], &["v"])
    );
    let clock = clock("2026-07-09");
    let weir = Weir::start_policy(&toml, BAN, clock.clone()).await;
    let ua = [("user-agent", CLAUDE_UA)];

    let ok = send(&weir, "/v1/messages", &ua, &anthropic_body("m", false)).await;
    assert_eq!(ok.status(), 200);

    clock.set(day("2026-07-10"));
    let refused = send(&weir, "/v1/messages", &ua, &anthropic_body("m", false)).await;
    assert_eq!(refused.status(), 403);
    let v: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(v["type"], "error");
    assert_eq!(v["error"]["type"], "permission_error");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("weir: policy"), "{message}");
    assert!(message.contains("claude-code"), "{message}");
    assert!(
        message.contains("classified high-risk by security (SEC-114)"),
        "{message}"
    );
    assert!(
        message.contains(&format!("policy.toml:{}", line_of(BAN, "[[tool]]"))),
        "{message}"
    );

    // A stream is refused the same way, before any event; other tools are not affected.
    let refused = send(&weir, "/v1/messages", &ua, &anthropic_body("m", true)).await;
    assert_eq!(refused.status(), 403);
    let sdk = [("user-agent", "Anthropic/Python 0.60.0")];
    assert_eq!(
        send(&weir, "/v1/messages", &sdk, &anthropic_body("m", false))
            .await
            .status(),
        200
    );

    clock.set(day("2026-07-11"));
    assert_eq!(
        send(&weir, "/v1/messages", &ua, &anthropic_body("m", false))
            .await
            .status(),
        403
    );
    // Only the allowed requests reached the vendor.
    assert_eq!(emu.requests().len(), 2);

    let xs = ledger(weir).await;
    assert_eq!(xs.len(), 5);
    let refused: Vec<&Exchange> = xs
        .iter()
        .filter(|x| x.outcome() == Some(Outcome::Blocked))
        .collect();
    assert_eq!(refused.len(), 3);
    for x in &refused {
        let e = effects(x);
        assert_eq!(e.first().map(String::as_str), Some("enforce"));
        assert_eq!(e.last().map(String::as_str), Some("refuse"));
        assert!(x.finish.as_ref().unwrap().attempts.is_empty());
        let d = &x.finish.as_ref().unwrap().decisions[0];
        assert!(
            d.rule.starts_with("policy (policy.toml sha256:"),
            "{}",
            d.rule
        );
    }
    let first = &xs[0].finish.as_ref().unwrap().decisions;
    assert_eq!(first[0].reason, "decided for 2026-07-09");
    assert!(!effects(&xs[0]).contains(&"refuse".to_owned()));
}

#[tokio::test]
async fn refusals_speak_the_client_protocol() {
    let emu = Emulator::start(Script::reply(Reply::text("hello")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("v", "openai-chat", &emu),
        route(&["m"], &["v"])
    );
    let policy = "[defaults]\ntool = { effect = \"deny\", reason = \"only approved tools: see go/ai-tools\" }\n\n[[tool]]\nname = \"claude-code\"\neffect = \"allow\"\n";
    let weir = Weir::start_policy(&toml, policy, clock("2026-11-21")).await;

    let resp = send(&weir, "/v1/chat/completions", &[], &chat_body("m", true)).await;
    assert_eq!(resp.status(), 403);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "weir_policy");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("only approved tools: see go/ai-tools"),
        "{message}"
    );

    let responses = serde_json::json!({"model": "m", "input": "hi"});
    let resp = send(&weir, "/v1/responses", &[], &responses).await;
    assert_eq!(resp.status(), 403);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "weir_policy");

    let ua = [("user-agent", CLAUDE_UA)];
    assert_eq!(
        send(&weir, "/v1/chat/completions", &ua, &chat_body("m", false))
            .await
            .status(),
        200
    );
    assert_eq!(emu.requests().len(), 1);
}

const PROJECTS: &str = r#"[class.internal]

[class.restricted]
jurisdictions = ["local"]
reason = "restricted code stays on our own hardware"

[[project]]
name = "payments"
class = "restricted"
paths = ["/srv/acme/payments"]
remotes = ["github.com/acme/payments"]
"#;

#[tokio::test]
async fn a_restricted_project_reaches_only_local_targets_even_when_a_cloud_vendor_is_first() {
    let cloud = Emulator::start(Script::reply(Reply::text("from the cloud")))
        .await
        .unwrap();
    let local = Emulator::start(Script::reply(Reply::text("from this machine")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}{}",
        vendor("cloud", "anthropic", &cloud),
        local_vendor("box", &local),
        route(&["m"], &["cloud", "box"])
    );
    let weir = Weir::start_policy(&toml, PROJECTS, clock("2026-11-21")).await;

    // Identified by the working directory the tool discloses.
    let resp = send(
        &weir,
        "/v1/messages",
        &[],
        &in_dir("/srv/acme/payments/api", "fix the bug"),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-weir-vendor"], "box");
    // By the header, and by the URL `weir run --project` gives the tool.
    let resp = send(
        &weir,
        "/v1/messages",
        &[("x-weir-project", "payments")],
        &anthropic_body("m", false),
    )
    .await;
    assert_eq!(resp.headers()["x-weir-vendor"], "box");
    let resp = send(
        &weir,
        "/project/payments/v1/messages",
        &[],
        &anthropic_body("m", true),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-weir-vendor"], "box");
    assert!(resp.text().await.unwrap().contains("message_stop"));
    assert!(
        cloud.requests().is_empty(),
        "restricted code went to the cloud"
    );
    assert_eq!(local.requests().len(), 3);

    // Another project goes to the first target as usual.
    let resp = send(
        &weir,
        "/v1/messages",
        &[],
        &in_dir("/srv/acme/website", "fix the bug"),
    )
    .await;
    assert_eq!(resp.headers()["x-weir-vendor"], "cloud");
    assert_eq!(cloud.requests().len(), 1);

    let xs = ledger(weir).await;
    let start = |i: usize| xs[i].start.as_ref().unwrap();
    assert_eq!(start(0).project.as_deref(), Some("payments"));
    assert_eq!(start(2).project.as_deref(), Some("payments"));
    assert_eq!(start(3).project, None);
    // Only the local target was offered to the failover.
    let targets: Vec<&str> = start(0).targets.iter().map(|t| t.vendor.as_str()).collect();
    assert_eq!(targets, ["box"]);
    let e = effects(&xs[0]);
    assert!(e.contains(&"class:restricted".to_owned()), "{e:?}");
    assert!(
        e.contains(&"deny".to_owned()),
        "the cloud target is recorded as denied: {e:?}"
    );
}

#[tokio::test]
async fn a_restricted_project_with_no_local_target_is_refused_naming_the_class() {
    let cloud = Emulator::start(Script::reply(Reply::text("from the cloud")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("cloud", "openai-chat", &cloud),
        route(&["m"], &["cloud"])
    );
    let weir = Weir::start_policy(&toml, PROJECTS, clock("2026-11-21")).await;
    let resp = send(
        &weir,
        "/v1/chat/completions",
        &[("x-weir-project", "payments")],
        &chat_body("m", false),
    )
    .await;
    assert_eq!(resp.status(), 403);
    let v: serde_json::Value = resp.json().await.unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("payments") && message.contains("restricted"),
        "{message}"
    );
    assert!(message.contains("cloud"), "{message}");
    assert!(cloud.requests().is_empty());
}

#[tokio::test]
async fn a_secret_in_a_restricted_project_is_rerouted_to_the_local_route() {
    let cloud = Emulator::start(Script::reply(Reply::text("from the cloud")))
        .await
        .unwrap();
    let local = Emulator::start(Script::reply(Reply::text("from this machine")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}[[routes]]\nname = \"default\"\nmodels = [\"m\"]\ntargets = [\"cloud\"]\n\n[[routes]]\nname = \"local\"\nmodels = [\"local-model\"]\ntargets = [\"box:qwen-coder\"]\n\n",
        vendor("cloud", "anthropic", &cloud),
        local_vendor("box", &local),
    );
    let policy = r#"[class.restricted]
jurisdictions = ["US", "local"]

[class.restricted.data]
secret = "reroute:local"

[[project]]
name = "payments"
class = "restricted"
remotes = ["github.com/acme/payments"]
"#;
    let weir = Weir::start_policy(&toml, policy, clock("2026-11-21")).await;
    let key = format!("AKIA{}", "Q3VXZ7N2LK5RT4PW");
    let with_secret = |remote: &str| {
        let mut b = in_dir("/home/dev/payments", &format!("deploy with {key}"));
        b["system"][0]["text"] =
            format!("Git remote: {remote}\nWorking directory: /home/dev/payments").into();
        b
    };
    let resp = send(
        &weir,
        "/v1/messages",
        &[],
        &with_secret("git@github.com:acme/payments.git"),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-weir-vendor"], "box");
    assert_eq!(resp.headers()["x-weir-route"], "local");
    assert!(cloud.requests().is_empty());
    let sent = String::from_utf8_lossy(&local.requests()[0].body).into_owned();
    assert!(
        sent.contains("qwen-coder"),
        "the local route's model: {sent}"
    );

    // The same project without a secret, and the secret in another project, stay on the cloud
    // route ([dlp] redacts the secret there, as configured).
    let mut plain = with_secret("git@github.com:acme/payments.git");
    plain["messages"][0]["content"] = "explain the code".into();
    assert_eq!(
        send(&weir, "/v1/messages", &[], &plain).await.headers()["x-weir-vendor"],
        "cloud"
    );
    let resp = send(
        &weir,
        "/v1/messages",
        &[],
        &with_secret("git@github.com:acme/website.git"),
    )
    .await;
    assert_eq!(resp.headers()["x-weir-vendor"], "cloud");
    assert!(!String::from_utf8_lossy(&cloud.requests()[1].body).contains(&key));

    let xs = ledger(weir).await;
    let f = &xs[0].finish.as_ref().unwrap();
    assert!(
        f.findings
            .iter()
            .any(|f| f.category == "secret" && f.action == "rerouted"),
        "{:?}",
        f.findings
    );
    assert!(effects(&xs[0]).contains(&"reroute:local".to_owned()));
    assert_eq!(xs[0].start.as_ref().unwrap().route, "local");
}

#[tokio::test]
async fn the_policy_data_actions_replace_the_configured_ones() {
    let emu = Emulator::start(Script::reply(Reply::text("ok")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("v", "anthropic", &emu),
        route(&["m"], &["v"])
    );
    let policy = "[data]\ntime-zone = \"normalize\"\nemail = \"block\"\nsecret = \"allow\"\n";
    let weir = Weir::start_policy(&toml, policy, clock("2026-11-21")).await;

    // time-zone: [inspect] reports it by default; the policy normalises it.
    let mut b = in_dir("/home/dev/x", "hello");
    b["system"][0]["text"] = "Time zone: Asia/Kuala_Lumpur\nWorking directory: /home/dev/x".into();
    assert_eq!(send(&weir, "/v1/messages", &[], &b).await.status(), 200);
    let sent = String::from_utf8_lossy(&emu.requests()[0].body).into_owned();
    assert!(
        !sent.contains("Asia/Kuala_Lumpur") && sent.contains("UTC"),
        "{sent}"
    );

    // secret: [dlp] redacts by default; the policy lets it through (recorded).
    let key = format!("AKIA{}", "Q3VXZ7N2LK5RT4PW");
    let b = serde_json::json!({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": format!("key {key}")}]});
    assert_eq!(send(&weir, "/v1/messages", &[], &b).await.status(), 200);
    assert!(String::from_utf8_lossy(&emu.requests()[1].body).contains(&key));

    // email: blocked by the policy, with the policy's message, never the value.
    let b = serde_json::json!({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": "mail aisyah.rahman@maybank.com.my"}]});
    let resp = send(&weir, "/v1/messages", &[], &b).await;
    assert_eq!(resp.status(), 403);
    let text = resp.text().await.unwrap();
    assert!(
        text.contains("weir: policy") && text.contains("email"),
        "{text}"
    );
    assert!(!text.contains("aisyah"), "{text}");
    assert_eq!(emu.requests().len(), 2);

    let xs = ledger(weir).await;
    let tz = xs[0]
        .finish
        .as_ref()
        .unwrap()
        .findings
        .iter()
        .find(|f| f.rule == "time-zone")
        .unwrap()
        .action
        .clone();
    assert_eq!(tz, "normalized");
}

#[tokio::test]
async fn observe_mode_decides_and_records_but_acts_on_nothing() {
    let cloud = Emulator::start(Script::reply(Reply::text("from the cloud")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("cloud", "anthropic", &cloud),
        route(&["m"], &["cloud"])
    );
    let policy = format!("mode = \"observe\"\n\n{BAN}\n{PROJECTS}\n[data]\nemail = \"block\"\n");
    let weir = Weir::start_policy(&toml, &policy, clock("2026-07-10")).await;
    let b = serde_json::json!({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": "mail aisyah.rahman@maybank.com.my"}]});
    let resp = send(
        &weir,
        "/project/payments/v1/messages",
        &[("user-agent", CLAUDE_UA)],
        &b,
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(cloud.requests().len(), 1);
    let xs = ledger(weir).await;
    assert_eq!(xs[0].outcome(), Some(Outcome::Ok));
    let e = effects(&xs[0]);
    assert_eq!(e.first().map(String::as_str), Some("observe"));
    assert_eq!(e.last().map(String::as_str), Some("refuse"), "{e:?}");
    // [dlp] still does what it is configured to do (redact by default).
    let f = &xs[0].finish.as_ref().unwrap().findings;
    assert!(
        f.iter()
            .any(|f| f.category == "email" && f.action == "redacted"),
        "{f:?}"
    );
}

#[tokio::test]
async fn reloads_under_load_drop_nothing_and_take_effect() {
    let text = "The quick brown fox jumps over the lazy dog.";
    let emu = Emulator::start(
        Script::new()
            .rule(
                When::any().stream(true),
                Reply::text(text).with_chunk_chars(8).with_delay_ms(2),
            )
            .with_default(Reply::text(text).with_delay_ms(2)),
    )
    .await
    .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("v", "anthropic", &emu),
        route(&["m"], &["v"])
    );
    let clock = clock("2026-07-01");
    let weir = Weir::start_policy(&toml, BAN, clock).await;
    let env: std::collections::HashMap<String, String> =
        [("TEST_VENDOR_KEY".to_string(), VENDOR_KEY.to_string())].into();

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for i in 0..4 {
        let (url, stop, done) = (weir.url("/v1/messages"), stop.clone(), done.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut failures = Vec::new();
            // Bounded: stops when told, or after 5000 requests.
            for n in 0..5000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let stream = (i + n) % 2 == 0;
                let resp = http
                    .post(&url)
                    .header("anthropic-version", "2023-06-01")
                    .header("user-agent", CLAUDE_UA)
                    .json(&anthropic_body("m", stream))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 200 => {
                        let body = r.text().await.unwrap_or_default();
                        if body.contains("quick brown fox") || body.contains("message_stop") {
                            done.fetch_add(1, Ordering::Relaxed);
                        } else {
                            failures.push(format!("incomplete answer: {body}"));
                        }
                    }
                    Ok(r) => failures.push(format!(
                        "{}: {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    )),
                    Err(e) => failures.push(e.to_string()),
                }
            }
            failures
        }));
    }
    // 100 reloads, alternating two configurations and two policies, while the clients run.
    let other_toml = toml.replace(
        "auto_vendors = false",
        "auto_vendors = false\n[retry]\nmax_attempts = 2\n",
    );
    for n in 0..100 {
        let (t, p) = if n % 2 == 0 {
            (&other_toml, PROJECTS)
        } else {
            (&toml, BAN)
        };
        let config = weir_config::Config::from_toml(t, "test.toml", &env).unwrap();
        let policy = Policy::parse(p, "policy.toml").unwrap();
        weir.gateway
            .reload(config, Some(Arc::new(policy)), &env)
            .await
            .expect("reload");
        // At least one request completes between two reloads (bounded wait).
        let before = done.load(Ordering::Relaxed);
        for _ in 0..2000 {
            if done.load(Ordering::Relaxed) > before {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut failures = Vec::new();
    for c in clients {
        failures.extend(c.await.unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let completed = done.load(Ordering::Relaxed);
    eprintln!("{completed} requests completed across 100 reloads");
    assert!(completed >= 100, "only {completed} requests completed");

    // A reload takes effect for the next request: a ban in force today refuses it.
    let config = weir_config::Config::from_toml(&toml, "test.toml", &env).unwrap();
    let ban_now = BAN.replace("2026-07-10", "2026-01-01");
    let policy = Policy::parse(&ban_now, "policy.toml").unwrap();
    weir.gateway
        .reload(config, Some(Arc::new(policy)), &env)
        .await
        .unwrap();
    let resp = send(
        &weir,
        "/v1/messages",
        &[("user-agent", CLAUDE_UA)],
        &anthropic_body("m", false),
    )
    .await;
    assert_eq!(resp.status(), 403);
}
