//! Environment facts on text shaped like what coding agents send (environment blocks, git
//! status, turn metadata, tool output), where every fact must be found with its kind and exact
//! span, and on ordinary source code and prose, where nothing may be. The fixtures are written
//! for these tests after the shapes the agents use, not copied from any agent.

use proptest::prelude::*;
use weir_detect::Request;
use weir_detect::environ::{
    Fact, FactKind, normalized, rewrite, scan_header, scan_request, scan_text,
};
use weir_detect::request::Field;

fn scan(key: Option<&str>, text: &str) -> Vec<Fact> {
    let mut out = Vec::new();
    scan_text(key, text, &mut out);
    for f in &out {
        assert_eq!(
            &text[f.span.clone()],
            f.value,
            "value is the text at the span"
        );
    }
    out
}

/// (kind, value) pairs found in `text`, in order.
fn found(key: Option<&str>, text: &str) -> Vec<(&'static str, String)> {
    scan(key, text)
        .into_iter()
        .map(|f| (f.kind.as_str(), f.value))
        .collect()
}

fn header(name: &str, value: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    scan_header(name, value, &mut out);
    for f in &out {
        assert_eq!(&value[f.span.clone()], f.value);
    }
    out.into_iter()
        .map(|f| (f.kind.as_str(), f.value))
        .collect()
}

fn pairs(expected: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    expected.iter().map(|&(k, v)| (k, v.to_owned())).collect()
}

#[test]
fn an_environment_block_and_git_status() {
    let text = "\
# Environment
 - Primary working directory: /home/aisyah/kedai-kopi
 - Is a git repository: true
 - Platform: linux
 - Shell: zsh
 - OS Version: Linux 6.8.0-45-generic
Today's date is 2025-08-18.

Current branch: feature/loyalty

Main branch (the one pull requests target): main

Git user: Aisyah Rahman

Recent commits:
3f9c2ab Add loyalty points
b71e0d4 Fix rounding in totals
";
    assert_eq!(
        found(None, text),
        pairs(&[
            ("working-directory", "/home/aisyah/kedai-kopi"),
            ("home-directory", "/home/aisyah"),
            ("user-name", "aisyah"),
            ("os", "linux"),
            ("shell", "zsh"),
            ("os-version", "Linux 6.8.0-45-generic"),
            ("date-format", "2025-08-18"),
            ("git-branch", "feature/loyalty"),
            ("git-branch", "main"),
            ("git-author", "Aisyah Rahman"),
            ("git-commit", "3f9c2ab"),
            ("git-commit", "b71e0d4"),
        ])
    );
}

#[test]
fn spans_are_exact() {
    let text = " - Primary working directory: /home/aisyah/kedai-kopi\n";
    let facts = scan(None, text);
    let at = text.find("/home").unwrap();
    let spans: Vec<_> = facts.iter().map(|f| (f.kind, f.span.clone())).collect();
    assert_eq!(
        spans,
        vec![
            (FactKind::WorkingDirectory, at..at + 23),
            (FactKind::HomeDirectory, at..at + 12),
            (FactKind::UserName, at + 6..at + 12),
        ]
    );
}

#[test]
fn an_environment_context_in_tags() {
    let text = "<environment_context>\n  <cwd>/Users/wei.ling/work/payroll</cwd>\n  \
                <shell>bash</shell>\n  <current_date>2025-08-18</current_date>\n  \
                <timezone>Asia/Kuala_Lumpur</timezone>\n</environment_context>";
    assert_eq!(
        found(None, text),
        pairs(&[
            ("working-directory", "/Users/wei.ling/work/payroll"),
            ("home-directory", "/Users/wei.ling"),
            ("user-name", "wei.ling"),
            ("shell", "bash"),
            ("date-format", "2025-08-18"),
            ("time-zone", "Asia/Kuala_Lumpur"),
        ])
    );
}

#[test]
fn a_setup_message_with_a_localised_date_and_a_workspace_list() {
    let text = "Some context before we start.\n\
                Today's date is Montag, 18. August 2025 (as the user's locale writes it).\n\
                My operating system is: linux\n\
                - **Workspace Directories:**\n  - /srv/home/budi/proyek\n\
                Today's date is 2025年8月18日月曜日 (as the user's locale writes it).\n";
    assert_eq!(
        found(None, text),
        pairs(&[
            ("date-format", "Montag, 18. August 2025"),
            ("os", "linux"),
            ("working-directory", "/srv/home/budi/proyek"),
            ("home-directory", "/srv/home/budi"),
            ("user-name", "budi"),
            ("date-format", "2025年8月18日月曜日"),
        ])
    );
}

#[test]
fn turn_metadata_json_in_a_header() {
    let value = r#"{"installation_id":"5f0c2a9e-3b1d-4c8e-9a7f-2d6b1e0c4f3a","session_id":"7d2e1f0a-9b8c-4d3e-8f1a-0b9c8d7e6f5a","agent_name":"/root","workspaces":{"/home/bob/src/ledger":{"associated_remote_urls":{"origin":"git@github.com:bob/ledger.git"},"latest_git_commit_hash":"3db7a44d94cd85fddf3aff765d129e9ac11b9b30"}}}"#;
    assert_eq!(
        header("x-codex-turn-metadata", value),
        pairs(&[
            ("install-id", "5f0c2a9e-3b1d-4c8e-9a7f-2d6b1e0c4f3a"),
            ("session-id", "7d2e1f0a-9b8c-4d3e-8f1a-0b9c8d7e6f5a"),
            ("working-directory", "/home/bob/src/ledger"),
            ("home-directory", "/home/bob"),
            ("user-name", "bob"),
            ("git-remote", "git@github.com:bob/ledger.git"),
            ("git-commit", "3db7a44d94cd85fddf3aff765d129e9ac11b9b30"),
        ])
    );
}

#[test]
fn ids_nested_as_json_inside_a_string() {
    let text = r#"{"device_id":"f3a1c2e4b5d6a7980f1e2d3c4b5a69788f7e6d5c4b3a29180f1e2d3c4b5a6978","account_uuid":"8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f","session_id":"5b2c1d4e-8f9a-4b3c-9d2e-1f0a8b7c6d5e"}"#;
    assert_eq!(
        found(Some("user_id"), text),
        pairs(&[
            (
                "device-id",
                "f3a1c2e4b5d6a7980f1e2d3c4b5a69788f7e6d5c4b3a29180f1e2d3c4b5a6978"
            ),
            ("account-id", "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"),
            ("session-id", "5b2c1d4e-8f9a-4b3c-9d2e-1f0a8b7c6d5e"),
        ])
    );
    // The same object quoted once more (JSON inside a string inside a string).
    let escaped = text.replace('"', "\\\"");
    assert_eq!(found(None, &escaped).len(), 3);
    // The older compound form, with an empty account.
    let compound = "user_f3a1c2e4b5d6a7980f1e2d3c4b5a69788f7e6d5c4b3a29180f1e2d3c4b5a6978_account__session_5b2c1d4e-8f9a-4b3c-9d2e-1f0a8b7c6d5e";
    assert_eq!(
        found(Some("user_id"), compound),
        pairs(&[
            (
                "device-id",
                "f3a1c2e4b5d6a7980f1e2d3c4b5a69788f7e6d5c4b3a29180f1e2d3c4b5a6978"
            ),
            ("session-id", "5b2c1d4e-8f9a-4b3c-9d2e-1f0a8b7c6d5e"),
        ])
    );
    // A key that names a fact makes the whole value that fact.
    assert_eq!(
        found(
            Some("prompt_cache_key"),
            "01a1fdd2-7c50-7d73-92c2-4512cf3309a4"
        ),
        pairs(&[("session-id", "01a1fdd2-7c50-7d73-92c2-4512cf3309a4")])
    );
    assert_eq!(
        found(Some("cwd"), "/work/app"),
        pairs(&[("working-directory", "/work/app")])
    );
}

#[test]
fn windows_and_macos_paths() {
    assert_eq!(
        found(
            None,
            r"I'm currently working in the directory: C:\Users\Budi Santoso\proyek"
        ),
        pairs(&[
            ("working-directory", r"C:\Users\Budi Santoso\proyek"),
            ("home-directory", r"C:\Users\Budi Santoso"),
            ("user-name", "Budi Santoso"),
        ])
    );
    // Doubled backslashes, as a path quoted in source code reads.
    assert_eq!(
        found(None, r#"let p = "C:\\Users\\dev01\\AppData\\Local";"#),
        pairs(&[
            ("home-directory", r"C:\\Users\\dev01"),
            ("user-name", "dev01"),
        ])
    );
    assert_eq!(
        found(
            None,
            "open /Users/Jane Doe/Projects/app and /mnt/c/Users/raj/x"
        ),
        pairs(&[
            ("home-directory", "/Users/Jane Doe"),
            ("user-name", "Jane Doe"),
            ("home-directory", "/mnt/c/Users/raj"),
            ("user-name", "raj"),
        ])
    );
    assert_eq!(
        found(None, "config in /root/.codex/config.toml"),
        pairs(&[("home-directory", "/root"), ("user-name", "root")])
    );
}

#[test]
fn a_munged_project_directory_names_the_user_again() {
    let text = "memory at /home/siti-aminah/.claude/projects/-home-siti-aminah-src-app/memory/";
    assert_eq!(
        found(None, text),
        pairs(&[
            ("home-directory", "/home/siti-aminah"),
            ("user-name", "siti-aminah"),
            ("working-directory", "-home-siti-aminah-src-app"),
            ("user-name", "siti-aminah"),
        ])
    );
}

#[test]
fn git_output_in_a_tool_result() {
    let text = "\
commit 3f9c2ab1d0e4c5b6a7f8091a2b3c4d5e6f708192 (HEAD -> main)
Author: Aisyah Rahman <aisyah@kedai.my>
Date:   Mon Aug 18 10:00:00 2025 +0800

    Add loyalty points

origin\tgit@github.com:kedai/kopi.git (fetch)
origin\thttps://bob:hunter2@gitlab.example.com/kedai/kopi.git (push)
On branch release/2.4
HEAD is now at 9e8d7c6 Merge
";
    assert_eq!(
        found(None, text),
        pairs(&[
            ("git-commit", "3f9c2ab1d0e4c5b6a7f8091a2b3c4d5e6f708192"),
            ("git-author", "Aisyah Rahman"),
            ("email", "aisyah@kedai.my"),
            ("utc-offset", "+0800"),
            ("git-remote", "git@github.com:kedai/kopi.git"),
            // The password in the URL is not part of what is reported.
            ("git-remote", "gitlab.example.com/kedai/kopi.git"),
            ("git-branch", "release/2.4"),
            ("git-commit", "9e8d7c6"),
        ])
    );
}

#[test]
fn an_environment_dump() {
    let text = "HOME=/home/aisyah\nUSER=aisyah\nSHELL=/usr/bin/fish\nLANG=ms_MY.UTF-8\n\
                TZ=Asia/Kuala_Lumpur\nHOSTNAME=kl-devbox-42\n\
                export HTTPS_PROXY=http://proxy.corp.example:3128\nNO_PROXY=localhost,.corp.example\n\
                AWS_REGION=ap-southeast-1\nuser.name=Aisyah Rahman\nuser.email=aisyah@kedai.my\n";
    assert_eq!(
        found(None, text),
        pairs(&[
            ("home-directory", "/home/aisyah"),
            ("user-name", "aisyah"),
            ("user-name", "aisyah"),
            ("shell", "/usr/bin/fish"),
            ("locale", "ms_MY.UTF-8"),
            ("time-zone", "Asia/Kuala_Lumpur"),
            ("hostname", "kl-devbox-42"),
            ("proxy", "http://proxy.corp.example:3128"),
            ("proxy", "localhost,.corp.example"),
            ("cloud-metadata", "ap-southeast-1"),
            ("git-author", "Aisyah Rahman"),
            ("email", "aisyah@kedai.my"),
        ])
    );
}

#[test]
fn time_zones_offsets_and_dates() {
    assert_eq!(
        found(
            None,
            "new Date() prints Wed Aug 20 2025 10:00:00 GMT+0800 (Malaysia Time)"
        ),
        pairs(&[("utc-offset", "GMT+0800"), ("time-zone", "Malaysia Time")])
    );
    assert_eq!(
        found(
            None,
            "ls -l /etc/localtime -> /usr/share/zoneinfo/America/Argentina/Buenos_Aires"
        ),
        pairs(&[("time-zone", "America/Argentina/Buenos_Aires")])
    );
    assert_eq!(
        found(
            None,
            "Timezone: UTC+08:00\nLocale: en-GB\nThe current date is: Saturday, November 21, \
             2026. Note: this date overrides earlier ones.\nToday's date is Montag, 18. August 2025. Bitte."
        ),
        pairs(&[
            ("utc-offset", "UTC+08:00"),
            ("locale", "en-GB"),
            ("date-format", "Saturday, November 21, 2026"),
            ("date-format", "Montag, 18. August 2025"),
        ])
    );
}

#[test]
fn addresses_and_cloud_metadata() {
    assert_eq!(
        found(
            None,
            "listening on 10.1.2.3:8080 and [fe80::1c2:3ff:fe4a:5b6c]:80; ssh 100.64.12.7"
        ),
        pairs(&[
            ("ip-address", "10.1.2.3"),
            ("ip-address", "fe80::1c2:3ff:fe4a:5b6c"),
            ("ip-address", "100.64.12.7"),
        ])
    );
    assert_eq!(
        found(
            None,
            "curl http://169.254.169.254/latest/meta-data/ on i-0abc123def4567890 in ip-10-0-1-23.ec2.internal"
        ),
        pairs(&[
            ("cloud-metadata", "169.254.169.254"),
            ("cloud-metadata", "i-0abc123def4567890"),
            ("hostname", "ip-10-0-1-23.ec2.internal"),
        ])
    );
}

#[test]
fn headers_disclose_os_runtime_locale_and_addresses() {
    assert_eq!(
        header(
            "user-agent",
            "codex_exec/0.169.0 (Debian 12.0.0; x86_64) dumb (codex_exec; 0.169.0)"
        ),
        pairs(&[
            ("os", "Debian"),
            ("os-version", "12.0.0"),
            ("arch", "x86_64")
        ])
    );
    assert_eq!(
        header(
            "user-agent",
            "GeminiCLI/0.61.0/gemini-pro (linux; x64; terminal)"
        ),
        pairs(&[("os", "linux"), ("arch", "x64")])
    );
    assert_eq!(
        header(
            "user-agent",
            "python-requests/2.31.0 CPython/3.11.4 Darwin/23.1.0"
        ),
        pairs(&[
            ("runtime", "CPython/3.11.4"),
            ("os", "Darwin"),
            ("os-version", "23.1.0"),
        ])
    );
    assert_eq!(
        header(
            "x-goog-api-client",
            "google-genai-sdk/1.30.0 gl-node/v22.23.3"
        ),
        pairs(&[("runtime", "gl-node/v22.23.3")])
    );
    assert_eq!(header("x-stainless-os", "Linux"), pairs(&[("os", "Linux")]));
    assert_eq!(
        header("x-stainless-arch", "arm64"),
        pairs(&[("arch", "arm64")])
    );
    assert_eq!(
        header("x-stainless-runtime-version", "v22.17.0"),
        pairs(&[("runtime", "v22.17.0")])
    );
    assert_eq!(
        header("accept-language", "ms-MY,ms;q=0.9,en-US;q=0.8"),
        pairs(&[("locale", "ms-MY"), ("locale", "en-US")])
    );
    assert_eq!(
        header("x-forwarded-for", "100.64.12.7, 10.0.0.2"),
        pairs(&[("ip-address", "100.64.12.7"), ("ip-address", "10.0.0.2")])
    );
    assert_eq!(
        header("forwarded", "for=81.2.69.160;proto=https"),
        pairs(&[("ip-address", "81.2.69.160")])
    );
    assert_eq!(header("via", "1.1 squid"), pairs(&[("proxy", "1.1 squid")]));
    assert_eq!(
        header("x-cursor-timezone", "Asia/Jakarta"),
        pairs(&[("time-zone", "Asia/Jakarta")])
    );
    for name in ["session-id", "session_id", "x-claude-code-session-id"] {
        assert_eq!(
            header(name, "2ea7933a-0513-4f0d-afa9-66dcde4b2165"),
            pairs(&[("session-id", "2ea7933a-0513-4f0d-afa9-66dcde4b2165")]),
            "{name}"
        );
    }
    assert_eq!(
        header("vscode-machineid", "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
        pairs(&[("device-id", "a1b2c3d4e5f60718293a4b5c6d7e8f90")])
    );
    // Credentials are never looked at.
    assert!(header("authorization", "Bearer /home/aisyah 10.1.2.3").is_empty());
    assert!(header("x-api-key", "sk-x").is_empty());
    assert!(header("user-agent", "claude-cli/2.1.0 (external, cli)").is_empty());
}

#[test]
fn ordinary_source_code_discloses_nothing() {
    let code = r#"
use std::io::{self, Read};
use crate::engine::Detector;

/// Parses a version like 1.2.3.4 and returns its parts.
fn parse_version(s: &str) -> Option<[u32; 4]> {
    let date = "2024-03-15"; // release date, not today's
    let sha = "e83c5163316f89bfbde7d9ab23ca2e25604af290"; // a hash in a comment
    let hex = 0xdeadbeef_u32;
    let url = "https://github.com/rust-lang/regex";
    let route = "/api/v1/users/42/home/settings";
    let ratio = 0.5 + 1.25 * 3.0;
    let cmp = a::b::c();
    let chrome = "Mozilla/5.0 Chrome/120.0.0.0 Safari/537.36";
    let win = "Windows version 10.0.19045.3803";
    let oid = "1.3.6.1.4.1.311";
    let local = "127.0.0.1:8080";
    let shell = Command::new("sh").arg("-c").spawn();
    let user = get_user(); let home = dirs::home_dir();
    let platform = std::env::consts::OS;
    todo_list.update(date);
    if path.starts_with("/home/user/") { return None; }
    let hostname = self.host; let le = F32::<LE>::new(x);
    let req = b"GET /home/me HTTP/1.1\r\n"; let u = json!({"hostname": "example.com"});
    let id = oid("2.5.13.22"); let doc = "ssh 192.0.2.1 or 2001:db8::1";
    // Needs a kernel version is 3.1 or later.
    None
}
"#;
    assert_eq!(found(None, code), vec![]);
}

#[test]
fn ordinary_prose_and_configs_disclose_nothing() {
    let text = "\
User: please fix the failing test in the parser
Assistant: Today is a good day to refactor. The shell is where you run commands.
The platform team owns the deploy; ask the author of the RFC.
Branch protection is on. See https://github.com/org/repo for details.
jobs:
  test:
    steps:
      - run: cargo test
        shell: bash
    platform: linux/amd64
Shared files live in /Users/Shared and C:\\Users\\Public.
The commit fixed 3 bugs; version 2.10.4.1 shipped on 04/05/2025.
";
    assert_eq!(found(None, text), vec![]);
}

#[test]
fn normalisation_replaces_what_identifies() {
    let text = "<timezone>Asia/Kuala_Lumpur</timezone>\n\
                Today's date is Montag, 18. August 2025 (as the user's locale writes it).\n\
                Working directory: /home/aisyah/kedai-kopi\n\
                Git user: Aisyah Rahman\nOS Version: Linux 6.8.0\n";
    let facts = scan(None, text);
    let pseudonym = |k: FactKind, v: &str| format!("{}-{}", k.as_str(), v.len());
    let out = rewrite(text, &facts, &pseudonym);
    assert_eq!(
        out,
        "<timezone>UTC</timezone>\n\
         Today's date is 2025-08-18 (as the user's locale writes it).\n\
         Working directory: ~/kedai-kopi\n\
         Git user: git-author-13\nOS Version: Linux 6.8.0\n"
    );
    let fact = |kind, value: &str| Fact {
        kind,
        value: value.to_owned(),
        span: 0..value.len(),
    };
    assert_eq!(
        normalized(&fact(FactKind::UtcOffset, "+0800"), &pseudonym),
        None
    );
    assert_eq!(
        normalized(&fact(FactKind::DateFormat, "2025-08-18"), &pseudonym),
        None
    );
    assert_eq!(
        normalized(&fact(FactKind::DateFormat, "04/05/2025"), &pseudonym),
        None
    );
    assert_eq!(
        normalized(&fact(FactKind::DateFormat, "8/18/2025"), &pseudonym).as_deref(),
        Some("2025-08-18")
    );
    assert_eq!(
        normalized(&fact(FactKind::SessionId, "5b2c1d4e-8f9a"), &pseudonym).as_deref(),
        Some("session-id-13")
    );
    assert_eq!(normalized(&fact(FactKind::Os, "linux"), &pseudonym), None);
}

#[test]
fn a_request_is_scanned_field_by_field() {
    let body = r#"{"metadata":{"user_id":"{\"device_id\":\"f3a1c2e4b5d6a7980f1e2d3c4b5a69788f7e6d5c4b3a29180f1e2d3c4b5a6978\",\"session_id\":\"5b2c1d4e-8f9a-4b3c-9d2e-1f0a8b7c6d5e\"}"},"system":[{"type":"text","text":"Working directory: /home/aisyah/app\nPlatform: darwin"}],"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","data":"L2hvbWUvYWlzeWFo/home/x"}}]}]}"#;
    let req = Request {
        method: "POST".into(),
        path: "/v1/messages".into(),
        headers: vec![("x-stainless-os".into(), "MacOS".into())],
        body: body.as_bytes().to_vec(),
    };
    let got: Vec<(String, &str, String)> = scan_request(&req)
        .into_iter()
        .map(|d| (d.field.to_string(), d.fact.kind.as_str(), d.fact.value))
        .collect();
    let device = "f3a1c2e4b5d6a7980f1e2d3c4b5a69788f7e6d5c4b3a29180f1e2d3c4b5a6978";
    assert_eq!(
        got,
        vec![
            ("header x-stainless-os".into(), "os", "MacOS".into()),
            ("metadata.user_id".into(), "device-id", device.into()),
            (
                "metadata.user_id".into(),
                "session-id",
                "5b2c1d4e-8f9a-4b3c-9d2e-1f0a8b7c6d5e".into()
            ),
            (
                "system[0].text".into(),
                "working-directory",
                "/home/aisyah/app".into()
            ),
            (
                "system[0].text".into(),
                "home-directory",
                "/home/aisyah".into()
            ),
            ("system[0].text".into(), "user-name", "aisyah".into()),
            ("system[0].text".into(), "os", "darwin".into()),
        ]
    );
    assert!(matches!(scan_request(&req)[0].field, Field::Header(_)));
}

/// Text made of fragments that start parsers, so random inputs reach deep into them.
fn fragments() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "Working directory:",
        " /home/",
        "/Users/",
        "C:\\Users\\",
        "\\\\",
        "<cwd>",
        "</cwd>",
        "\"session_id\":\"",
        "\\\"",
        "TZ=",
        "Asia/",
        "Tokyo",
        "git@",
        "github.com:",
        ".git",
        " (fetch)",
        "0.",
        "1",
        "255.",
        "::",
        "fe80",
        "GMT+",
        "0800 (",
        "Time)",
        "user_",
        "_account_",
        "_session_",
        "Recent commits:",
        "\n",
        "abc1234 ",
        "Today's date is ",
        "18. August 2025",
        "é",
        "日",
        "😀",
        " ",
        ":",
        "=",
        "\"",
        "-",
        "i-",
        "0abc123d",
        "/projects/-",
        "home-",
        "/root/.",
        "Author: ",
        "<a@b.co>",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

fn check(text: &str, facts: &[Fact]) -> Result<(), TestCaseError> {
    for f in facts {
        prop_assert!(f.span.start < f.span.end && f.span.end <= text.len());
        prop_assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end));
        prop_assert_eq!(&text[f.span.clone()], f.value.as_str());
    }
    Ok(())
}

proptest! {
    #[test]
    fn scanning_never_panics_and_spans_are_char_boundaries(
        text in prop_oneof![fragments(), "\\PC{0,300}", any::<String>()],
        key in prop::option::of(prop::sample::select(vec!["cwd", "user_id", "timezone", "x"])),
    ) {
        let mut facts = Vec::new();
        scan_text(key, &text, &mut facts);
        check(&text, &facts)?;
        let mut facts = Vec::new();
        scan_header("user-agent", &text, &mut facts);
        check(&text, &facts)?;
        let mut facts = Vec::new();
        scan_header("x-codex-turn-metadata", &text, &mut facts);
        check(&text, &facts)?;
        let rewritten = rewrite(&text, &facts, &|k, _| k.as_str().to_owned());
        prop_assert!(rewritten.len() < text.len() + 64 * facts.len() + 1);
    }
}
