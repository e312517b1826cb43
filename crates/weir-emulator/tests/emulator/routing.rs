//! Routing by path suffix, the model list, unknown paths, shutdown and the binary.

use std::io::Write;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use weir_emulator::{Emulator, Script};

use crate::common::*;

#[tokio::test]
async fn any_prefix_routes_by_suffix() {
    let emu = start(Script::new()).await;
    let base = emu.anthropic_base_url();
    for path in ["/anthropic/v1/messages?beta=true", "/api/v1/messages"] {
        let response = post(format!("{base}{path}"), &anthropic_body(false)).await;
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["type"], "message", "{path}");
    }
    for path in ["/compatible-mode/v1/chat/completions", "/chat/completions"] {
        let body: Value = post(format!("{base}{path}"), &chat_body(false))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(body["object"], "chat.completion", "{path}");
    }
    let body: Value = post(format!("{base}/openai/responses"), &responses_body(false))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["object"], "response");
}

#[tokio::test]
async fn model_list_and_unknown_paths() {
    let emu = start(Script::new()).await;
    let models: Value = client()
        .get(format!("{}/models", emu.openai_base_url()))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        models,
        json!({"object": "list", "data": [{"id": "emulated-model", "object": "model", "created": 1700000000, "owned_by": "emulator"}]})
    );
    let missing = post(
        format!("{}/v1/embeddings", emu.anthropic_base_url()),
        &json!({}),
    )
    .await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.expect("json");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(body["error"].get("code").is_some());
    assert_eq!(
        emu.requests().len(),
        2,
        "model-side requests are all recorded"
    );
}

#[tokio::test]
async fn shutdown_and_drop_release_the_port() {
    let emu = start(Script::new()).await;
    let addr = emu.addr();
    // Keep a connection open to check it does not hold the server up.
    post_chat(&emu, &chat_body(false)).await;
    emu.shutdown().await;
    let again = Emulator::start_on(addr, Script::new())
        .await
        .expect("rebind after shutdown");
    drop(again);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let third = Emulator::start_on(addr, Script::new())
        .await
        .expect("rebind after drop");
    third.shutdown().await;
}

#[tokio::test]
async fn binary_prints_address_and_serves_script() {
    let mut file = std::env::temp_dir();
    file.push(format!("weir-emulator-test-{}.json", std::process::id()));
    std::fs::File::create(&file)
        .and_then(|mut f| f.write_all(br#"{"default": {"text": "from file"}}"#))
        .expect("write script");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_weir-emulator"))
        .arg("--script")
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("prompt line")
    .expect("read");
    let base = line
        .trim_end()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let body: Value = post(format!("{base}/v1/chat/completions"), &chat_body(false))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["choices"][0]["message"]["content"], "from file");

    let pid = child.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("exits on SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status}");
    let _ = std::fs::remove_file(&file);
}
