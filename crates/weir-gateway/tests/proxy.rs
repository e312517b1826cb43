//! weir as a forward proxy: CONNECT tunnels relay bytes untouched, plain-HTTP proxy requests
//! are forwarded, denied destinations get a clear refusal, every destination lands in the
//! ledger with the tool that asked, and a proxy request naming weir itself is served normally.

mod support;

use std::net::SocketAddr;

use base64::Engine as _;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use weir_ledger::query;
use weir_ledger::sqlite::SqliteStore;
use weir_ledger::{Outcome, Store};

/// A TCP server that echoes what it reads, uppercased, until the peer closes (one connection).
async fn echo_server() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let Ok((mut s, _)) = listener.accept().await else {
            return;
        };
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let up = buf[..n].to_ascii_uppercase();
                    if s.write_all(&up).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    (addr, task)
}

/// Sends a raw HTTP/1.1 request head and reads the response head (up to the blank line).
async fn exchange_head(stream: &mut TcpStream, head: &str) -> String {
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut byte))
            .await
            .expect("response head in time")
            .unwrap();
        assert!(
            n > 0,
            "connection closed after {:?}",
            String::from_utf8_lossy(&got)
        );
        got.push(byte[0]);
    }
    String::from_utf8(got).unwrap()
}

fn proxy_auth(tool: &str) -> String {
    let b = base64::engine::general_purpose::STANDARD.encode(format!("{tool}:x"));
    format!("Proxy-Authorization: Basic {b}\r\n")
}

fn config(deny: &str) -> String {
    format!("{BASE}[proxy]\ndeny = [{deny}]\n")
}

#[tokio::test]
async fn connect_tunnels_bytes_and_records_the_destination() {
    let (echo, echo_task) = echo_server().await;
    let weir = Weir::start(&config("\"telemetry.example.com\"")).await;
    let mut s = TcpStream::connect(weir.addr).await.unwrap();
    let head = exchange_head(
        &mut s,
        &format!(
            "CONNECT {echo} HTTP/1.1\r\nHost: {echo}\r\n{}\r\n",
            proxy_auth("claude-code")
        ),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    s.write_all(b"bytes weir never reads").await.unwrap();
    let mut back = vec![0u8; 22];
    s.read_exact(&mut back).await.unwrap();
    assert_eq!(back, b"BYTES WEIR NEVER READS");
    drop(s);
    let _ = echo_task.await;

    let data = weir.stop().await;
    let mut store = SqliteStore::open(&data.ledger()).unwrap();
    let xs = query::exchanges(&store.entries(0, 1000).unwrap());
    let tunnel = xs
        .iter()
        .find_map(|x| x.tunnel.as_ref())
        .expect("the tunnel is in the ledger");
    assert_eq!(tunnel.host, "127.0.0.1");
    assert_eq!(tunnel.port, echo.port());
    assert_eq!(tunnel.method, "CONNECT");
    assert!(tunnel.allowed);
    assert_eq!(tunnel.client.tool.as_deref(), Some("claude-code"));
}

#[tokio::test]
async fn a_denied_host_is_refused_with_the_entry_that_denies_it_and_recorded() {
    let weir = Weir::start(&config("\"*.example.com\"")).await;
    let mut s = TcpStream::connect(weir.addr).await.unwrap();
    s.write_all(
        b"CONNECT telemetry.example.com:443 HTTP/1.1\r\nHost: telemetry.example.com:443\r\nUser-Agent: claude-cli/2.1.3 (external, cli)\r\n\r\n",
    )
    .await
    .unwrap();
    let mut all = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut all)).await;
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    assert!(
        text.contains("telemetry.example.com:443 is denied by [proxy] deny entry `*.example.com` (weir.toml line 4)"),
        "{text}"
    );
    drop(s);

    let data = weir.stop().await;
    let mut store = SqliteStore::open(&data.ledger()).unwrap();
    let xs = query::exchanges(&store.entries(0, 1000).unwrap());
    let x = xs.iter().find(|x| x.tunnel.is_some()).expect("recorded");
    let t = x.tunnel.as_ref().unwrap();
    assert!(!t.allowed);
    assert_eq!((t.host.as_str(), t.port), ("telemetry.example.com", 443));
    assert_eq!(x.outcome(), Some(Outcome::Blocked));
    assert_eq!(
        x.tool(),
        Some("claude-code"),
        "identified from the user agent"
    );
}

#[tokio::test]
async fn plain_http_proxy_requests_are_forwarded_and_weir_itself_is_served() {
    let emu = Emulator::start(Script::reply(Reply::text("through the proxy")))
        .await
        .unwrap();
    let toml = format!(
        "{BASE}{}{}",
        vendor("up", "anthropic", &emu),
        route(&["*"], &["up"])
    );
    let weir = Weir::start(&toml).await;
    // Another host: forwarded as it is (the emulator lists the models it serves).
    let mut s = TcpStream::connect(weir.addr).await.unwrap();
    let head = exchange_head(
        &mut s,
        &format!(
            "GET http://{}/v1/models HTTP/1.1\r\nHost: {}\r\n\r\n",
            emu.addr(),
            emu.addr()
        ),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    drop(s);
    // weir itself in absolute form: an ordinary model request, not a tunnel.
    let body = serde_json::to_string(&anthropic_body("m", false)).unwrap();
    let mut s = TcpStream::connect(weir.addr).await.unwrap();
    let head = exchange_head(
        &mut s,
        &format!(
            "POST http://{addr}/v1/messages HTTP/1.1\r\nHost: {addr}\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\ncontent-length: {}\r\n\r\n{body}",
            body.len(),
            addr = weir.addr
        ),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("x-weir-vendor: up"),
        "{head}"
    );
    drop(s);

    let data = weir.stop().await;
    let mut store = SqliteStore::open(&data.ledger()).unwrap();
    let xs = query::exchanges(&store.entries(0, 1000).unwrap());
    assert_eq!(xs.iter().filter(|x| x.tunnel.is_some()).count(), 1);
    assert_eq!(xs.iter().filter(|x| x.start.is_some()).count(), 1);
}

#[tokio::test]
async fn the_proxy_can_be_switched_off() {
    let weir = Weir::start(&format!("{BASE}[proxy]\nenabled = false\n")).await;
    let mut s = TcpStream::connect(weir.addr).await.unwrap();
    let head = exchange_head(
        &mut s,
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 405"), "{head}");
}

#[tokio::test]
async fn with_an_access_token_the_proxy_password_must_be_it() {
    let (echo, echo_task) = echo_server().await;
    let env = [("WEIR_TOKEN".to_string(), "team-token-123".to_string())].into();
    let weir = Weir::start_env(&format!("{BASE}access_token = \"env:WEIR_TOKEN\"\n"), env).await;
    let connect = |auth: String| format!("CONNECT {echo} HTTP/1.1\r\nHost: {echo}\r\n{auth}\r\n");

    let mut s = TcpStream::connect(weir.addr).await.unwrap();
    let head = exchange_head(&mut s, &connect(proxy_auth("claude-code"))).await;
    assert!(head.starts_with("HTTP/1.1 407"), "a wrong password: {head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("proxy-authenticate: basic"),
        "{head}"
    );
    drop(s);

    let basic = base64::engine::general_purpose::STANDARD.encode("claude-code:team-token-123");
    let mut s = TcpStream::connect(weir.addr).await.unwrap();
    let head = exchange_head(
        &mut s,
        &connect(format!("Proxy-Authorization: Basic {basic}\r\n")),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    s.write_all(b"ok").await.unwrap();
    let mut back = [0u8; 2];
    s.read_exact(&mut back).await.unwrap();
    assert_eq!(&back, b"OK");
    drop(s);
    let _ = echo_task.await;
}

#[tokio::test]
async fn a_tool_the_policy_refuses_reaches_no_host_through_the_proxy() {
    let (echo, _echo_task) = echo_server().await;
    let policy = "[[tool]]\nname = \"claude-code\"\neffect = \"deny\"\nfrom = 2026-07-10\nreason = \"classified high-risk\"\n";
    let clock = std::sync::Arc::new(weir_gateway::clock::SetClock::new(
        weir_policy::Date::parse("2026-07-10").unwrap(),
    ));
    let weir = Weir::start_policy(&config(""), policy, clock).await;
    let head = |tool: &str| {
        format!(
            "CONNECT {echo} HTTP/1.1\r\nHost: {echo}\r\n{}\r\n",
            proxy_auth(tool)
        )
    };
    let mut s = TcpStream::connect(weir.addr).await.unwrap();
    s.write_all(head("claude-code").as_bytes()).await.unwrap();
    // Read until the refusal's message has arrived (bounded).
    let mut all = Vec::new();
    let mut chunk = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !String::from_utf8_lossy(&all).contains("policy.toml:1)") {
        match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => all.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    assert!(
        text.contains("weir: policy denies tool claude-code") && text.contains("policy.toml:1)"),
        "{text}"
    );
    // Another tool is not affected.
    let mut s = TcpStream::connect(weir.addr).await.unwrap();
    let ok = exchange_head(&mut s, &head("codex")).await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    drop(s);

    let data = weir.stop().await;
    let mut store = SqliteStore::open(&data.ledger()).unwrap();
    let xs = query::exchanges(&store.entries(0, 1000).unwrap());
    let refused: Vec<_> = xs
        .iter()
        .filter_map(|x| x.tunnel.as_ref())
        .filter(|t| !t.allowed)
        .collect();
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("classified high-risk")
    );
}
