//! weir as a coding tool's forward proxy (`HTTPS_PROXY=http://127.0.0.1:PORT`): the other hosts a
//! tool contacts besides its model vendor (update checks, telemetry, plugin catalogues).
//!
//! `CONNECT host:port` opens a tunnel that weir does not decrypt; a plain-HTTP request in absolute
//! form (`GET http://host/path`) is forwarded. Either way weir decides by the `[proxy]` lists,
//! writes one ledger entry (destination, tool, verdict) before a byte is relayed, and refuses
//! with a plain `403` whose body says which list entry refused it. A request in absolute form
//! whose authority is weir itself is served as an ordinary request.

use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use http_body::Frame;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use weir_config::HostVerdict;
use weir_ledger::{Client, Tunnel};

use crate::body::{self, Body};
use crate::state::Shared;

/// The policy's enforced refusal of the tool that opens a tunnel (its message), if any.
fn tool_refused(shared: &Shared, client: &weir_ledger::Client) -> Option<String> {
    let policy = shared.policy.as_ref()?;
    let facts = weir_policy::Facts {
        tool: client.tool.as_deref(),
        version: client.version.as_deref(),
        ..weir_policy::Facts::default()
    };
    let decision = weir_policy::decide(policy, &facts, shared.clock.today());
    decision
        .enforced_refusal()
        .filter(|r| r.kind == weir_policy::RefusalKind::Tool)
        .map(|r| r.message.clone())
}

/// Whether `req` is a proxy request: `CONNECT`, or an absolute-form URI naming another host.
pub fn is_proxy_request(req: &Request<Incoming>, own: SocketAddr) -> bool {
    if req.method() == Method::CONNECT {
        return true;
    }
    let uri = req.uri();
    if uri.scheme().is_none() {
        return false;
    }
    // HTTP/2 always carries an authority; only HTTP/1 absolute form is a proxy request.
    if req.version() == http::Version::HTTP_2 {
        return false;
    }
    match uri.authority() {
        Some(a) => !is_own(a.host(), a.port_u16().unwrap_or(80), own),
        None => false,
    }
}

fn is_own(host: &str, port: u16, own: SocketAddr) -> bool {
    if port != own.port() {
        return false;
    }
    let host = host.trim_matches(|c| c == '[' || c == ']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip == own.ip() || (ip.is_loopback() && own.ip().is_loopback()))
}

/// Handles a proxy request (see [`is_proxy_request`]).
pub async fn handle(shared: &Shared, mut req: Request<Incoming>, rid: &str) -> Response<Body> {
    let proxy = &shared.config.proxy;
    if !proxy.enabled {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "weir: forward-proxy requests are switched off ([proxy] enabled = false in weir.toml)",
        );
    }
    // Web pages cannot send CONNECT, and nothing legitimate proxies with an Origin.
    if req.headers().contains_key(http::header::ORIGIN) {
        return refuse(
            StatusCode::FORBIDDEN,
            "weir: proxy requests from a web origin are refused",
        );
    }
    if let Some(token) = &shared.guard.token {
        if !proxy_credentials(req.headers()).is_some_and(|(_, secret)| {
            crate::guard::constant_time_eq(secret.as_bytes(), token.expose().as_bytes())
        }) {
            let mut r = refuse(
                StatusCode::PROXY_AUTHENTICATION_REQUIRED,
                "weir: this proxy requires weir's access token as the proxy password \
                 (HTTPS_PROXY=http://TOOL:TOKEN@HOST:PORT)",
            );
            r.headers_mut().insert(
                http::header::PROXY_AUTHENTICATE,
                http::HeaderValue::from_static("Basic realm=\"weir\""),
            );
            return r;
        }
    }
    let connect = req.method() == Method::CONNECT;
    let Some((host, port)) = destination(req.uri(), connect) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "weir: a proxy request must name its destination as host:port",
        );
    };
    let verdict = proxy.verdict(&host, port);
    let reason = match &verdict {
        HostVerdict::Allowed => None,
        HostVerdict::Denied(p) => Some(format!(
            "{host}:{port} is denied by [proxy] deny entry `{}` (weir.toml line {})",
            p.text, p.line
        )),
        HostVerdict::NotAllowed => Some(format!(
            "{host}:{port} is not in the [proxy] allow list of weir.toml"
        )),
    };
    let client = client_of(req.headers());
    // A tool the policy refuses reaches nothing through weir, not only its model vendor.
    let reason = reason.or_else(|| tool_refused(shared, &client));
    let tunnel = Tunnel {
        node: shared.config.ledger.node.clone(),
        client,
        method: req.method().to_string(),
        host: host.clone(),
        port,
        allowed: reason.is_none(),
        reason: reason.clone(),
    };
    tracing::info!(
        request_id = rid,
        tool = tunnel.client.tool.as_deref().unwrap_or("-"),
        method = %tunnel.method,
        destination = %format!("{host}:{port}"),
        allowed = tunnel.allowed,
        "proxy"
    );
    if let Err(e) = shared.recorder.tunnel(rid, tunnel).await {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, &e);
    }
    if let Some(reason) = reason {
        let reason = reason.strip_prefix("weir: ").unwrap_or(&reason);
        return refuse(StatusCode::FORBIDDEN, &format!("weir: {reason}"));
    }
    if !connect {
        return forward_plain(shared, req).await;
    }
    let upstream = match tokio::time::timeout(
        shared.config.timeouts.connect,
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return refuse(
                StatusCode::BAD_GATEWAY,
                &format!("weir: cannot connect to {host}:{port}: {e}"),
            );
        }
        Err(_) => {
            return refuse(
                StatusCode::GATEWAY_TIMEOUT,
                &format!("weir: connecting to {host}:{port} timed out"),
            );
        }
    };
    let _ = upstream.set_nodelay(true);
    let on_upgrade = hyper::upgrade::on(&mut req);
    let rid = rid.to_owned();
    tokio::spawn(async move {
        let Ok(upgraded) = on_upgrade.await else {
            return;
        };
        let mut client = TokioIo::new(upgraded);
        let mut upstream = upstream;
        match tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
            Ok((up, down)) => tracing::info!(
                request_id = %rid,
                destination = %format!("{host}:{port}"),
                bytes_up = up,
                bytes_down = down,
                "tunnel closed"
            ),
            Err(e) => tracing::debug!(request_id = %rid, error = %e, "tunnel ended with an error"),
        }
    });
    Response::builder()
        .status(StatusCode::OK)
        .body(body::full(Bytes::new()))
        .unwrap_or_else(|_| Response::new(body::full(Bytes::new())))
}

/// Host and port of a proxy request: `CONNECT host:port` (port required), or the absolute URI.
fn destination(uri: &Uri, connect: bool) -> Option<(String, u16)> {
    let authority = uri.authority()?;
    let host = authority.host().trim_matches(|c| c == '[' || c == ']');
    if host.is_empty() {
        return None;
    }
    let port = match (authority.port_u16(), connect, uri.scheme_str()) {
        (Some(p), _, _) => p,
        (None, true, _) => return None,
        (None, false, Some("https")) => 443,
        (None, false, _) => 80,
    };
    Some((host.to_ascii_lowercase(), port))
}

/// The user name and password of `Proxy-Authorization: Basic …` (`weir run` puts the tool's
/// name in the user name), or a bearer token with an empty user name.
fn proxy_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers
        .get(http::header::PROXY_AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    if let Some(token) = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
    {
        return Some((String::new(), token.trim().to_owned()));
    }
    let encoded = v
        .strip_prefix("Basic ")
        .or_else(|| v.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':').unwrap_or((&text, ""));
    Some((user.to_owned(), password.to_owned()))
}

/// The tool behind a proxy request: the proxy user name `weir run` sets, else its user agent.
fn client_of(headers: &HeaderMap) -> Client {
    let named = proxy_credentials(headers)
        .map(|(user, _)| user)
        .filter(|u| {
            !u.is_empty()
                && u.len() <= 64
                && u.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        });
    match named {
        Some(tool) => Client {
            tool: Some(tool),
            ..Client::default()
        },
        None => crate::inspect::client_of(headers),
    }
}

/// Headers that belong to one hop and are not forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "proxy-connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-authenticate",
    "te",
    "trailer",
    "upgrade",
];

/// Forwards a plain-HTTP proxy request and streams the answer back.
async fn forward_plain(shared: &Shared, req: Request<Incoming>) -> Response<Body> {
    let (parts, incoming) = req.into_parts();
    let limit = shared.config.limits.max_body_bytes;
    let bytes = match body::read_limited(incoming, limit, shared.config.timeouts.idle).await {
        Ok(b) => b,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &format!("weir: {e}")),
    };
    let mut out = Request::builder().method(parts.method).uri(parts.uri);
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            out = out.header(name, value);
        }
    }
    let Ok(out) = out.body(http_body_util::Full::new(bytes)) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "weir: the proxy request could not be rebuilt",
        );
    };
    match shared.client.request(out).await {
        Ok(resp) => {
            let (mut parts, incoming) = resp.into_parts();
            for name in HOP_BY_HOP {
                parts.headers.remove(name);
            }
            Response::from_parts(parts, Relay(incoming).boxed_unsync())
        }
        Err(e) => refuse(
            StatusCode::BAD_GATEWAY,
            &format!("weir: {}", crate::upstream::describe(&e)),
        ),
    }
}

/// A vendor-independent body relayed as it arrives; a broken upstream ends it early.
struct Relay(Incoming);

impl http_body::Body for Relay {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match Pin::new(&mut self.0).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
            Poll::Ready(Some(Err(_)) | None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A refusal in plain text: proxy clients show the status line and, at best, the body.
fn refuse(status: StatusCode, message: &str) -> Response<Body> {
    let mut r = Response::new(body::full(format!("{message}\n")));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_of_connect_and_absolute_requests() {
        let u: Uri = "example.com:443".parse().unwrap();
        assert_eq!(destination(&u, true), Some(("example.com".into(), 443)));
        let u: Uri = "http://Example.com/x".parse().unwrap();
        assert_eq!(destination(&u, false), Some(("example.com".into(), 80)));
        let u: Uri = "[::1]:8443".parse().unwrap();
        assert_eq!(destination(&u, true), Some(("::1".into(), 8443)));
    }

    #[test]
    fn proxy_user_names_the_tool() {
        let mut h = HeaderMap::new();
        let basic = base64::engine::general_purpose::STANDARD.encode("claude-code:tok");
        h.insert(
            http::header::PROXY_AUTHORIZATION,
            format!("Basic {basic}").parse().unwrap(),
        );
        assert_eq!(
            proxy_credentials(&h),
            Some(("claude-code".into(), "tok".into()))
        );
        assert_eq!(client_of(&h).tool.as_deref(), Some("claude-code"));
    }

    #[test]
    fn own_address_is_not_a_proxy_destination() {
        let own: SocketAddr = "127.0.0.1:9347".parse().unwrap();
        assert!(is_own("127.0.0.1", 9347, own));
        assert!(is_own("localhost", 9347, own));
        assert!(!is_own("127.0.0.1", 9348, own));
        assert!(!is_own("example.com", 9347, own));
    }
}
