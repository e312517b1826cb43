//! Who may talk to weir: the DNS-rebinding defence on a loopback listener (`Host` and `Origin`
//! must name this machine) and the access token a non-loopback listener requires.

use http::HeaderMap;
use weir_config::ApiKey;

/// What the guard enforces, fixed at start.
#[derive(Debug, Clone)]
pub struct Guard {
    /// Check `Host`/`Origin` (the listener is on loopback).
    pub check_host: bool,
    /// Extra host names accepted besides the loopback names.
    pub allowed_hosts: Vec<String>,
    /// The token every request must carry, if any.
    pub token: Option<ApiKey>,
}

/// Why a request was turned away. Messages are shown to the client and never echo a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// `Host` does not name this machine.
    #[error(
        "weir: Host `{0}` is not accepted on this loopback listener (DNS-rebinding defence); use \
         localhost or 127.0.0.1, or add the name to allowed_hosts in weir.toml"
    )]
    Host(String),
    /// `Origin` is a foreign web page.
    #[error(
        "weir: requests from web origin `{0}` are refused on this loopback listener; add its host \
         to allowed_hosts in weir.toml if this is intended"
    )]
    Origin(String),
    /// The access token is missing or wrong.
    #[error(
        "weir: this listener requires its access token; send it as `x-api-key`, `Authorization: \
         Bearer` or `x-weir-token` (for coding tools, set it as the tool's API key)"
    )]
    Token,
}

impl Guard {
    /// Checks one request's headers. `authority` is the request URI's host (HTTP/2 `:authority`),
    /// used when there is no `Host` header.
    pub fn check(&self, headers: &HeaderMap, authority: Option<&str>) -> Result<(), Denied> {
        if self.check_host {
            let host = headers
                .get(http::header::HOST)
                .and_then(|v| v.to_str().ok())
                .or(authority);
            if let Some(host) = host {
                if !self.host_allowed(strip_port(host)) {
                    return Err(Denied::Host(crate::front::shorten(host)));
                }
            }
            if let Some(origin) = headers.get(http::header::ORIGIN) {
                let origin = origin.to_str().unwrap_or("<non-text>");
                let host = origin_host(origin);
                if !host.is_some_and(|h| self.host_allowed(h)) {
                    return Err(Denied::Origin(crate::front::shorten(origin)));
                }
            }
        }
        if let Some(token) = &self.token {
            if !presented_tokens(headers)
                .any(|t| constant_time_eq(t.as_bytes(), token.expose().as_bytes()))
            {
                return Err(Denied::Token);
            }
        }
        Ok(())
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        is_loopback_name(host)
            || self
                .allowed_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host))
    }
}

fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host == "[::1]"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `host:port` → `host`, keeping `[v6]` literals whole.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

fn origin_host(origin: &str) -> Option<&str> {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))?;
    let authority = rest.split('/').next()?;
    Some(strip_port(authority))
}

fn presented_tokens(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    let bearer = headers
        .get_all(http::header::AUTHORIZATION)
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let plain = ["x-api-key", "x-weir-token"]
        .into_iter()
        .flat_map(move |n| headers.get_all(n).into_iter())
        .filter_map(|v| v.to_str().ok())
        .map(str::trim);
    bearer.chain(plain)
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn loopback() -> Guard {
        Guard {
            check_host: true,
            allowed_hosts: vec!["weir.internal".into()],
            token: None,
        }
    }

    #[test]
    fn loopback_hosts_pass() {
        for host in [
            "localhost:9347",
            "127.0.0.1:9347",
            "[::1]:9347",
            "localhost",
            "127.0.0.2",
            "weir.internal:80",
        ] {
            let h = headers(&[("host", host)]);
            assert_eq!(loopback().check(&h, None), Ok(()), "{host}");
        }
    }

    #[test]
    fn rebinding_hosts_are_refused() {
        for host in [
            "attacker.example",
            "attacker.example:9347",
            "127.0.0.1.nip.io",
            "10.0.0.5",
        ] {
            let h = headers(&[("host", host)]);
            assert!(
                matches!(loopback().check(&h, None), Err(Denied::Host(_))),
                "{host}"
            );
        }
    }

    #[test]
    fn foreign_origins_are_refused() {
        let ok = headers(&[("host", "localhost"), ("origin", "http://localhost:3000")]);
        assert_eq!(loopback().check(&ok, None), Ok(()));
        for origin in [
            "https://attacker.example",
            "null",
            "file://",
            "http://evil.localhost.example",
        ] {
            let h = headers(&[("host", "localhost"), ("origin", origin)]);
            assert!(
                matches!(loopback().check(&h, None), Err(Denied::Origin(_))),
                "{origin}"
            );
        }
    }

    #[test]
    fn token_is_required_in_any_accepted_header() {
        let g = Guard {
            check_host: false,
            allowed_hosts: vec![],
            token: Some(ApiKey::new("s3cret-token")),
        };
        assert_eq!(g.check(&headers(&[]), None), Err(Denied::Token));
        assert_eq!(
            g.check(&headers(&[("x-api-key", "wrong")]), None),
            Err(Denied::Token)
        );
        assert_eq!(
            g.check(&headers(&[("x-api-key", "s3cret-token")]), None),
            Ok(())
        );
        assert_eq!(
            g.check(&headers(&[("authorization", "Bearer s3cret-token")]), None),
            Ok(())
        );
        assert_eq!(
            g.check(&headers(&[("x-weir-token", "s3cret-token")]), None),
            Ok(())
        );
        assert!(!Denied::Token.to_string().contains("s3cret"));
    }

    #[test]
    fn non_loopback_listener_skips_host_check() {
        let g = Guard {
            check_host: false,
            allowed_hosts: vec![],
            token: None,
        };
        assert_eq!(
            g.check(&headers(&[("host", "weir.corp.example")]), None),
            Ok(())
        );
    }
}
