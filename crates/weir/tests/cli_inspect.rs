//! `weir inspect` as a user runs it: captures, bare bodies and HAR files in; the tool, what the
//! request discloses and its markers out, for a person or as JSON; `--diff` between two
//! captures of one tool; clear errors for inputs it cannot read.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn weir(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .env(
            "XDG_DATA_HOME",
            std::env::temp_dir().join("weir-cli-inspect-nodata"),
        )
        .output()
        .expect("weir runs")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "weir-cli-inspect-{name}-{}-{:x}",
        std::process::id(),
        fastrand_u64()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fastrand_u64() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// A capture of a Codex-like request made in `tz` by `user`, in weir's capture format.
fn capture(dir: &Path, name: &str, tz: &str, user: &str, marker: &str) -> PathBuf {
    let body = serde_json::json!({
        "model": "gpt-5.5",
        "instructions": format!("You are a coding agent.{marker}"),
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text",
            "text": format!("<environment_context>\n  <cwd>/home/{user}/src/app</cwd>\n  <shell>zsh</shell>\n  <timezone>{tz}</timezone>\n</environment_context>")}]}],
        "prompt_cache_key": "0b9d7a52-8d3e-4f1c-9a6b-2c4d5e6f7a8b"
    });
    let file = serde_json::json!({
        "weir_capture": 1,
        "method": "POST",
        "path": "/v1/responses",
        "headers": [["user-agent", "codex_cli_rs/0.169.0 (Debian 12; x86_64) xterm"],
                    ["originator", "codex_cli_rs"],
                    ["session_id", "0b9d7a52-8d3e-4f1c-9a6b-2c4d5e6f7a8b"]],
        "body": body
    });
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&file).unwrap()).unwrap();
    path
}

#[test]
fn text_report_names_the_tool_the_facts_and_the_markers() {
    let d = dir("text");
    let tags: String = "hi"
        .chars()
        .map(|c| char::from_u32(0xE0000 + c as u32).unwrap())
        .collect();
    let f = capture(&d, "a.json", "Asia/Kuala_Lumpur", "bob-weir", &tags);
    let out = weir(&["inspect", f.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Codex 0.169.0"), "{text}");
    assert!(
        text.contains("time zone") && text.contains("Asia/Kuala_Lumpur"),
        "{text}"
    );
    assert!(
        text.contains("working directory") && text.contains("/home/bob-weir/src/app"),
        "{text}"
    );
    assert!(
        text.contains("user name") && text.contains("bob-weir"),
        "{text}"
    );
    assert!(
        text.contains("U+E0068 U+E0069") && text.contains("hidden text: hi"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn json_report_has_the_documented_fields() {
    let d = dir("json");
    let f = capture(&d, "a.json", "Europe/Berlin", "carol", "");
    let out = weir(&["inspect", "--format", "json", f.to_str().unwrap()]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v[0];
    assert_eq!(r["source"], format!("{}#0", f.display()));
    assert_eq!(r["client"]["tool"], "codex");
    assert_eq!(r["client"]["version"], "0.169.0");
    assert_eq!(
        r["client"]["session"],
        "0b9d7a52-8d3e-4f1c-9a6b-2c4d5e6f7a8b"
    );
    let tz = r["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "time-zone")
        .expect("time zone reported");
    assert_eq!(tz["value"], "Europe/Berlin");
    assert_eq!(tz["field"], "input[0].content[0].text");
    assert_eq!(tz["role"], "user");
    let [a, b] = [
        tz["span"][0].as_u64().unwrap(),
        tz["span"][1].as_u64().unwrap(),
    ];
    assert_eq!(b - a, "Europe/Berlin".len() as u64);
    assert_eq!(r["markers"], serde_json::json!([]));
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn diff_shows_what_varies_with_the_environment() {
    let d = dir("diff");
    let a = capture(&d, "a.json", "UTC", "alice", "");
    let b = capture(&d, "b.json", "America/Los_Angeles", "alice", "");
    let out = weir(&[
        "inspect",
        "--diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("B only  time zone") && text.contains("America/Los_Angeles"),
        "{text}"
    );
    assert!(
        !text.contains("user name"),
        "the same user is not a difference: {text}"
    );

    let out = weir(&[
        "inspect",
        "--diff",
        "--format",
        "json",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["facts"]["only_b"][0],
        serde_json::json!(["time-zone", "America/Los_Angeles"])
    );
    assert_eq!(v["client"], serde_json::json!([]));

    let same = weir(&[
        "inspect",
        "--diff",
        a.to_str().unwrap(),
        a.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&same.stdout).contains("no difference"));
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn bare_bodies_and_har_files_are_read() {
    let d = dir("har");
    let body = r#"{"model":"qwen3-coder-plus","messages":[{"role":"system","content":"My operating system is: linux\nI'm currently working in the directory: /home/dana/proj"}]}"#;
    let bare = d.join("body.json");
    std::fs::write(&bare, body).unwrap();
    let har = d.join("x.har");
    let har_doc = serde_json::json!({"log": {"version": "1.2", "entries": [{"request": {
        "method": "POST", "url": "http://127.0.0.1:9/v1/chat/completions",
        "headers": [{"name": "User-Agent", "value": "QwenCode/0.24.4 (linux; x64)"}],
        "postData": {"mimeType": "application/json", "text": body}}}]}});
    std::fs::write(&har, har_doc.to_string()).unwrap();
    let out = weir(&[
        "inspect",
        "--format",
        "json",
        bare.to_str().unwrap(),
        har.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    for r in v.as_array().unwrap() {
        assert!(
            r["facts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["kind"] == "working-directory" && f["value"] == "/home/dana/proj"),
            "{r}"
        );
    }
    assert_eq!(v[1]["client"]["tool"], "qwen-code");
    assert_eq!(v[1]["path"], "/v1/chat/completions");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn unreadable_inputs_are_clear_errors() {
    let out = weir(&["inspect", "/nonexistent/capture.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read /nonexistent/capture.json"),
        "{err}"
    );

    let d = dir("bad");
    let f = d.join("notes.txt");
    std::fs::write(&f, "not a request").unwrap();
    let out = weir(&["inspect", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("notes.txt"));

    let out = weir(&["inspect", "--diff", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exactly two inputs"));
    let _ = std::fs::remove_dir_all(d);
}
