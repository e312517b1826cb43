//! Facts in request headers: the OS, architecture and runtime an SDK or tool announces, the
//! locale, addresses a proxy added, and the ids tools send as headers.

use std::ops::Range;

use super::scan::{is_locale, is_offset, is_os, is_zone, trim};
use super::shapes::is_ip;
use super::{Fact, FactKind, scan_text};

/// Headers whose values are credentials or plumbing: never scanned, never reported.
const SKIP: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "cookie",
    "set-cookie",
    "host",
    "content-type",
    "content-length",
    "content-encoding",
    "accept",
    "accept-encoding",
    "connection",
    "anthropic-version",
    "anthropic-beta",
];

/// Session ids sent as headers.
const SESSION: &[&str] = &[
    "session_id",
    "session-id",
    "x-session-id",
    "x-claude-code-session-id",
    "conversation_id",
    "conversation-id",
    "thread-id",
    "thread_id",
    "x-codex-window-id",
    "x-conversation-id",
    "vscode-sessionid",
    "x-opencode-session",
];

/// Device and machine ids sent as headers.
const DEVICE: &[&str] = &[
    "vscode-machineid",
    "x-machine-id",
    "x-device-id",
    "x-client-device-id",
];

/// Account and organisation ids sent as headers.
const ACCOUNT: &[&str] = &[
    "chatgpt-account-id",
    "openai-organization",
    "openai-project",
    "x-organization-id",
    "x-account-id",
];

/// Installation ids sent as headers.
const INSTALL: &[&str] = &["x-installation-id", "x-install-id"];

/// Headers a proxy or load balancer adds with the client's address.
const CLIENT_IP: &[&str] = &[
    "x-forwarded-for",
    "x-real-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "x-client-ip",
    "x-original-forwarded-for",
];

/// CPU architectures as user agents and SDKs name them.
const ARCHES: &[&str] = &[
    "x86_64", "x64", "amd64", "arm64", "aarch64", "i386", "i686", "x86", "ia32", "armv7l", "armv7",
    "arm", "ppc64le", "ppc64", "s390x", "riscv64", "win64", "wow64",
];

/// Language runtimes as user-agent products name them.
const RUNTIMES: &[&str] = &[
    "node",
    "nodejs",
    "node.js",
    "bun",
    "deno",
    "python",
    "cpython",
    "pypy",
    "go",
    "rust",
    "java",
    "ruby",
    "dotnet",
    ".net",
    "gl-node",
    "gl-python",
    "gl-go",
    "gl-java",
    "php",
];

/// Appends the facts header `name: value` discloses to `out`; spans are in `value`.
pub fn scan_header(name: &str, value: &str, out: &mut Vec<Fact>) {
    let name = name.to_ascii_lowercase();
    let name = name.as_str();
    if SKIP.contains(&name) {
        return;
    }
    let whole = trim(value.as_bytes(), 0..value.len());
    let push = |out: &mut Vec<Fact>, kind, span: Range<usize>| {
        if !span.is_empty() {
            out.push(Fact {
                kind,
                value: value[span.clone()].to_owned(),
                span,
            });
        }
    };
    let token = |v: &str| !v.is_empty() && v.len() <= 256 && !v.contains(char::is_whitespace);
    match name {
        "user-agent" | "x-goog-api-client" | "x-client-name" => user_agent(value, out),
        "x-stainless-os" if !value[whole.clone()].eq_ignore_ascii_case("unknown") => {
            push(out, FactKind::Os, whole)
        }
        "x-stainless-arch" if !value[whole.clone()].eq_ignore_ascii_case("unknown") => {
            push(out, FactKind::Arch, whole)
        }
        "x-stainless-runtime" | "x-stainless-runtime-version" => {
            push(out, FactKind::Runtime, whole)
        }
        "accept-language" => locales(value, out),
        "via" => push(out, FactKind::Proxy, whole),
        "forwarded" => {
            // `for=192.0.2.60;proto=http;by=203.0.113.43`
            for (at, part) in pieces(value, &[',', ';']) {
                let p = part.trim_start();
                let lead = part.len() - p.len();
                if let Some(v) = p.strip_prefix("for=").or_else(|| p.strip_prefix("by=")) {
                    let from = at + lead + (p.len() - v.len());
                    let v = v.trim_matches('"');
                    let q = value[from..].find(v).map_or(from, |o| from + o);
                    if is_ip(v) {
                        push(out, FactKind::IpAddress, q..q + v.len());
                    }
                }
            }
        }
        n if CLIENT_IP.contains(&n) => {
            for (at, part) in pieces(value, &[',']) {
                let r = trim(value.as_bytes(), at..at + part.len());
                if is_ip(&value[r.clone()]) {
                    push(out, FactKind::IpAddress, r);
                }
            }
        }
        n if SESSION.contains(&n) && token(&value[whole.clone()]) => {
            push(out, FactKind::SessionId, whole)
        }
        n if DEVICE.contains(&n) && token(&value[whole.clone()]) => {
            push(out, FactKind::DeviceId, whole)
        }
        n if ACCOUNT.contains(&n) && token(&value[whole.clone()]) => {
            push(out, FactKind::AccountId, whole)
        }
        n if INSTALL.contains(&n) && token(&value[whole.clone()]) => {
            push(out, FactKind::InstallId, whole)
        }
        n if n.contains("timezone") || n.contains("time-zone") || n.ends_with("-tz") => {
            let v = &value[whole.clone()];
            if is_offset(v) {
                push(out, FactKind::UtcOffset, whole);
            } else if is_zone(v) {
                push(out, FactKind::TimeZone, whole);
            }
        }
        n if n.contains("locale") => locales(value, out),
        n => {
            // Anything else: by its name as a key (`x-cwd`), and by the shapes it holds.
            let key = n.strip_prefix("x-").unwrap_or(n).replace('-', "_");
            scan_text(Some(&key), value, out);
        }
    }
}

/// `value` split at any of `seps`, each piece with its offset.
fn pieces<'a>(value: &'a str, seps: &'a [char]) -> impl Iterator<Item = (usize, &'a str)> {
    let mut at = 0;
    value.split(seps).map(move |p| {
        let r = (at, p);
        at += p.len() + 1;
        r
    })
}

fn locales(value: &str, out: &mut Vec<Fact>) {
    for (at, part) in pieces(value, &[',']) {
        let tag_len = part.find(';').unwrap_or(part.len());
        let r = trim(value.as_bytes(), at..at + tag_len);
        if is_locale(value[r.clone()].as_bytes()) {
            out.push(Fact {
                kind: FactKind::Locale,
                value: value[r.clone()].to_owned(),
                span: r,
            });
        }
    }
}

/// A user agent's products (`node/v22.3.0`, `Darwin/23.1.0`) and comments
/// (`(Ubuntu 24.4.0; x86_64)`, `(linux; x64)`).
fn user_agent(value: &str, out: &mut Vec<Fact>) {
    let b = value.as_bytes();
    let mut push = |kind, span: Range<usize>| {
        if !span.is_empty() {
            out.push(Fact {
                kind,
                value: value[span.clone()].to_owned(),
                span,
            });
        }
    };
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'(' {
            let Some(close) = b[i..].iter().position(|&c| c == b')').map(|p| i + p) else {
                break;
            };
            for (at, part) in pieces(&value[i + 1..close], &[';', ',']) {
                let r = trim(b, i + 1 + at..i + 1 + at + part.len());
                comment_part(value, r, &mut push);
            }
            i = close + 1;
        } else if b[i].is_ascii_whitespace() {
            i += 1;
        } else {
            let end = (i..b.len())
                .find(|&j| b[j].is_ascii_whitespace() || b[j] == b'(')
                .unwrap_or(b.len());
            let product = &value[i..end];
            if let Some((name, version)) = product.split_once('/') {
                let lower = name.to_ascii_lowercase();
                if lower == "runtime" {
                    push(FactKind::Runtime, i + name.len() + 1..end);
                } else if RUNTIMES.contains(&lower.as_str()) {
                    push(FactKind::Runtime, i..end);
                } else if is_os(name.as_bytes()) && version.bytes().any(|c| c.is_ascii_digit()) {
                    push(FactKind::Os, i..i + name.len());
                    push(FactKind::OsVersion, i + name.len() + 1..end);
                }
            }
            i = end;
        }
    }
}

/// One `;`-separated part of a user-agent comment: an architecture, or an OS and its version.
fn comment_part(value: &str, r: Range<usize>, push: &mut impl FnMut(FactKind, Range<usize>)) {
    let part = &value[r.clone()];
    if ARCHES.iter().any(|a| a.eq_ignore_ascii_case(part)) {
        push(FactKind::Arch, r);
        return;
    }
    if !is_os(part.as_bytes()) {
        return;
    }
    // The OS is the words before the first one with a digit; the rest is its version.
    let mut os_end = r.start;
    let mut at = r.start;
    for word in part.split(' ') {
        if word.bytes().any(|c| c.is_ascii_digit()) {
            break;
        }
        os_end = at + word.len();
        at += word.len() + 1;
    }
    push(FactKind::Os, r.start..os_end);
    if at < r.end {
        push(FactKind::OsVersion, at..r.end);
    }
}
