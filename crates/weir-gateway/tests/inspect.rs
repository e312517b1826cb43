//! Inspection through the gateway: the tool that sent a request is identified into the ledger
//! (name, version, session), what the request discloses and its hidden markers are recorded as
//! findings, `[inspect.actions]` strips or normalises them before the request leaves (the
//! vendor receives a request its protocol accepts, without them), and a request with nothing
//! to change leaves byte for byte as it came.

mod support;

use support::*;
use weir_ledger::query::{self, Exchange};
use weir_ledger::sqlite::SqliteStore;
use weir_ledger::{Finding, Store};

/// Treatments that change requests.
const REWRITE: &str = "[inspect.actions]
tag = \"strip\"
invisible = \"strip\"
bidi = \"strip\"
confusable = \"normalize\"
time-zone = \"normalize\"
home-directory = \"normalize\"
user-name = \"normalize\"
";

/// A system prompt shaped like a coding agent's environment block, with a hidden tag-character
/// message, a zero-width space and a right-to-left override in the tool's own text.
fn agent_system() -> String {
    let tags: String = "uid=42"
        .chars()
        .map(|c| char::from_u32(0xE0000 + c as u32).unwrap())
        .collect();
    format!(
        "You are a coding agent.{tags}\n<environment_context>\n  <cwd>/home/alice-weir/src/kestrel</cwd>\n  \
         <shell>bash</shell>\n  <timezone>Asia/Kuala_Lumpur</timezone>\n</environment_context>\n\
         Follow the rules\u{200B} below.\u{202E} Keep edits small."
    )
}

fn anthropic(system: &str, user: &str) -> serde_json::Value {
    serde_json::json!({
        "model": "claude-test",
        "max_tokens": 64,
        "system": [{"type": "text", "text": system}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": user}]}],
        "metadata": {"user_id": "{\"device_id\":\"9f2c4e1ab3d84f0e9a7b6c5d4e3f2a1b\",\"session_id\":\"7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6\"}"}
    })
}

async fn start(extra: &str) -> (Emulator, Weir) {
    let emu = Emulator::start(Script::reply(Reply::text("done")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}{extra}",
        vendor("up", "anthropic", &emu),
        route(&["*"], &["up"])
    );
    let weir = Weir::start(&toml).await;
    (emu, weir)
}

async fn send_claude(weir: &Weir, body: &[u8]) -> reqwest::Response {
    client()
        .post(weir.url("/v1/messages?beta=true"))
        .header("content-type", "application/json")
        .header("anthropic-version", "2023-06-01")
        .header("user-agent", "claude-cli/2.1.329 (external, cli)")
        .header("x-app", "cli")
        .header(
            "x-claude-code-session-id",
            "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6",
        )
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

async fn exchanges(weir: Weir) -> (DataDir, Vec<Exchange>) {
    let data = weir.stop().await;
    let mut store = SqliteStore::open(&data.ledger()).unwrap();
    let xs = query::exchanges(&store.entries(0, 10_000).unwrap());
    (data, xs)
}

fn findings(x: &Exchange) -> &[Finding] {
    &x.finish.as_ref().expect("finished").findings
}

fn finding<'a>(x: &'a Exchange, rule: &str) -> &'a Finding {
    findings(x)
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {:?}", findings(x)))
}

#[tokio::test]
async fn the_tool_is_identified_and_what_it_discloses_is_recorded_by_field_not_value() {
    let (emu, weir) = start("").await;
    let body = serde_json::to_vec(&anthropic(&agent_system(), "fix the test")).unwrap();
    let resp = send_claude(&weir, &body).await;
    assert_eq!(resp.status(), 200);
    // Reported only: the request leaves exactly as it came.
    assert_eq!(emu.requests()[0].body.as_ref(), body.as_slice());

    let (_data, xs) = exchanges(weir).await;
    let x = &xs[0];
    let client = &x.start.as_ref().unwrap().client;
    assert_eq!(client.tool.as_deref(), Some("claude-code"));
    assert_eq!(client.version.as_deref(), Some("2.1.329"));
    assert_eq!(
        client.session.as_deref(),
        Some("7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6")
    );
    let tz = finding(x, "time-zone");
    assert_eq!(
        (tz.category.as_str(), tz.action.as_str()),
        ("fingerprint", "reported")
    );
    assert_eq!(tz.location, "system[0].text");
    assert_eq!(finding(x, "working-directory").location, "system[0].text");
    assert_eq!(finding(x, "device-id").location, "metadata.user_id");
    let tag = finding(x, "tag");
    assert_eq!(
        (tag.category.as_str(), tag.action.as_str()),
        ("marker", "reported")
    );
    for f in findings(x) {
        assert!(
            !f.location.contains("alice") && !f.location.contains("Kuala"),
            "a finding names its field, never the value: {f:?}"
        );
    }
}

#[tokio::test]
async fn normalised_requests_still_decode_and_carry_none_of_what_was_removed() {
    let (emu, weir) = start(REWRITE).await;
    let body = serde_json::to_vec(&anthropic(&agent_system(), "don\u{2019}t break it")).unwrap();
    let resp = send_claude(&weir, &body).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());

    let sent = emu.requests()[0].body.clone();
    let v: serde_json::Value = serde_json::from_slice(&sent).expect("still JSON");
    // The protocol decoder accepts it (the emulator answered), and the shape is intact.
    assert_eq!(v["messages"][0]["role"], "user");
    let system = v["system"][0]["text"].as_str().unwrap();
    assert!(
        !system
            .chars()
            .any(|c| ('\u{E0000}'..='\u{E007F}').contains(&c)),
        "tags stripped"
    );
    assert!(!system.contains('\u{200B}') && !system.contains('\u{202E}'));
    assert!(!system.contains("Asia/Kuala_Lumpur") && system.contains("<timezone>UTC</timezone>"));
    assert!(!system.contains("alice-weir"), "{system}");
    assert!(system.contains("<cwd>~/src/kestrel</cwd>"), "{system}");
    // The person's own curly apostrophe is prose, not a marker: it stays.
    assert_eq!(
        v["messages"][0]["content"][0]["text"],
        "don\u{2019}t break it"
    );

    let (_data, xs) = exchanges(weir).await;
    let x = &xs[0];
    assert_eq!(finding(x, "tag").action, "stripped");
    assert_eq!(finding(x, "time-zone").action, "normalized");
    assert_eq!(finding(x, "home-directory").action, "normalized");
    // What left is what the ledger says left.
    let attempt = &x.finish.as_ref().unwrap().attempts[0];
    assert_eq!(attempt.sent.bytes, sent.len() as u64);
}

#[tokio::test]
async fn normalisation_is_stable_across_turns_and_survives_translation() {
    // An OpenAI Chat client, translated to the Anthropic vendor.
    let (emu, weir) = start(REWRITE).await;
    let body = serde_json::json!({
        "model": "gpt-test",
        "messages": [
            {"role": "system", "content": agent_system()},
            {"role": "user", "content": "list /home/alice-weir/src/kestrel"}
        ]
    });
    for _ in 0..2 {
        let resp = client()
            .post(weir.url("/v1/chat/completions"))
            .header("content-type", "application/json")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    }
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 2);
    // The same input normalises the same way every turn (the vendor's prompt cache holds).
    assert_eq!(reqs[0].body, reqs[1].body);
    let sent = String::from_utf8(reqs[0].body.to_vec()).unwrap();
    assert!(
        !sent.contains("alice-weir") && !sent.contains("Kuala_Lumpur"),
        "{sent}"
    );
    assert!(sent.contains("~/src/kestrel"), "{sent}");
}

#[tokio::test]
async fn a_request_with_nothing_to_change_leaves_byte_identical() {
    let (emu, weir) = start(REWRITE).await;
    // Escapes and spacing as a client might write them: nothing may be re-encoded.
    let body = br#"{ "model":"claude-test","max_tokens":64,
        "messages":[{"role":"user","content":"Explain \u0041 and \"quotes\" \/ slashes"}] }"#;
    let resp = send_claude(&weir, body).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(emu.requests()[0].body.as_ref(), body.as_slice());
}
