//! The control API and the Rust-side request log.

use serde_json::{Value, json};
use weir_emulator::Script;

use crate::common::*;

#[tokio::test]
async fn control_api_script_and_requests() {
    let emu = start(Script::new()).await;
    let base = emu.anthropic_base_url();
    let http = client();

    let script = json!({"default": {"text": "from control"}, "rules": [
        {"when": {"model": "m2"}, "times": 1, "reply": {"fault": {"kind": "status", "status": 500}}}
    ]});
    let put = http
        .put(format!("{base}/_emulator/script"))
        .json(&script)
        .send()
        .await
        .expect("put");
    assert_eq!(put.status(), 204);
    let current: Value = http
        .get(format!("{base}/_emulator/script"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(current["default"]["text"], "from control");
    assert_eq!(current["rules"][0]["times"], 1);
    let bad = http
        .put(format!("{base}/_emulator/script"))
        .body(r#"{"default": {"text": 5}}"#)
        .send()
        .await
        .expect("put");
    assert_eq!(bad.status(), 400);

    let response = http
        .post(format!("{base}/v1/messages?beta=true"))
        .header("x-api-key", "sk-test")
        .header("anthropic-version", "2023-06-01")
        .json(&anthropic_body(false))
        .send()
        .await
        .expect("send");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["content"][0]["text"], "from control");

    let log: Value = http
        .get(format!("{base}/_emulator/requests"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let log = log.as_array().expect("array");
    assert_eq!(log.len(), 1, "control requests are not recorded");
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["path"], "/v1/messages?beta=true");
    assert_eq!(log[0]["headers"]["x-api-key"], "sk-test");
    assert_eq!(log[0]["headers"]["anthropic-version"], "2023-06-01");
    let sent: Value = serde_json::from_str(log[0]["body"].as_str().expect("body")).expect("json");
    assert_eq!(sent, anthropic_body(false));

    let deleted = http
        .delete(format!("{base}/_emulator/requests"))
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), 204);
    assert!(emu.requests().is_empty());

    let unknown = http
        .get(format!("{base}/_emulator/nothing"))
        .send()
        .await
        .expect("get");
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn recorded_requests_in_rust() {
    let emu = start(Script::new()).await;
    post_chat(&emu, &chat_body(false)).await;
    post_responses(&emu, &responses_body(true)).await;
    let requests = emu.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, "/v1/chat/completions");
    assert_eq!(requests[1].path, "/v1/responses");
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].header("Authorization"), Some("Bearer k"));
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert!(
        requests[0]
            .headers
            .iter()
            .all(|(n, _)| n == &n.to_lowercase())
    );
    assert_eq!(requests[0].json(), chat_body(false));
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}
