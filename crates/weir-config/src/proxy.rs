//! The `[proxy]` table: weir as the forward proxy of a coding tool (`HTTPS_PROXY`), which hosts
//! the tool may reach besides its model vendor.
//!
//! Tunnels are not decrypted: weir sees the destination host and port, decides, records, and
//! relays bytes. The lists hold host patterns: `example.com` (that host), `*.example.com` (its
//! subdomains and itself), `*` (every host), each optionally with `:port`.
//!
//! ```toml
//! [proxy]
//! enabled = true                                  # accept CONNECT and proxy requests
//! deny = ["statsig.anthropic.com", "*.sentry.io"] # always refused
//! allow = []                                      # when not empty, only these are reachable
//! ```

use serde::Deserialize;
use toml::Spanned;

use crate::load::Ctx;

/// The `[proxy]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// Whether weir answers `CONNECT` and absolute-form proxy requests at all.
    pub enabled: bool,
    /// When not empty, the only destinations a tunnel may reach.
    pub allow: Vec<HostPattern>,
    /// Destinations always refused (checked before `allow`).
    pub deny: Vec<HostPattern>,
}

impl Default for ProxySettings {
    fn default() -> Self {
        ProxySettings {
            enabled: true,
            allow: Vec::new(),
            deny: Vec::new(),
        }
    }
}

/// What the lists say about one destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostVerdict {
    /// It may be reached.
    Allowed,
    /// A `deny` entry names it.
    Denied(HostPattern),
    /// `allow` is not empty and no entry names it.
    NotAllowed,
}

impl ProxySettings {
    /// Whether a tunnel to `host:port` may open. `deny` wins over `allow`.
    pub fn verdict(&self, host: &str, port: u16) -> HostVerdict {
        if let Some(p) = self.deny.iter().find(|p| p.matches(host, port)) {
            return HostVerdict::Denied(p.clone());
        }
        if self.allow.is_empty() || self.allow.iter().any(|p| p.matches(host, port)) {
            HostVerdict::Allowed
        } else {
            HostVerdict::NotAllowed
        }
    }
}

/// A destination pattern of the `allow`/`deny` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    /// As written.
    pub text: String,
    /// 1-based line in the configuration file.
    pub line: usize,
    host: HostMatch,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    Any,
    Exact(String),
    /// The domain and its subdomains (written `*.domain`).
    Domain(String),
}

impl HostPattern {
    /// Parses a pattern; the error says what is wrong.
    pub fn parse(text: &str, line: usize) -> Result<HostPattern, String> {
        let t = text.trim();
        let port_of = |p: &str| {
            p.parse::<u16>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("`{p}` is not a port number (1 to 65535)"))
        };
        // `[v6]` and `[v6]:port`; a bare address with several colons is IPv6 without a port.
        let (host, port) = if let Some(rest) = t.strip_prefix('[') {
            let (h, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("`{t}`: an IPv6 address in brackets needs its `]`"))?;
            match after.strip_prefix(':') {
                Some(p) => (h, Some(port_of(p)?)),
                None if after.is_empty() => (h, None),
                None => return Err(format!("`{t}`: expected `:port` after `]`")),
            }
        } else {
            match t.split_once(':') {
                Some((h, p)) if !p.contains(':') => (h, Some(port_of(p)?)),
                _ => (t, None),
            }
        };
        let host = host.to_ascii_lowercase();
        let host = match host.as_str() {
            "" => return Err("a host pattern cannot be empty; use \"*\" for every host".into()),
            "*" => HostMatch::Any,
            h if h.starts_with("*.") && h.len() > 2 && !h[2..].contains('*') => {
                HostMatch::Domain(h[2..].trim_end_matches('.').to_owned())
            }
            h if h.contains('*') => {
                return Err(format!(
                    "`{t}`: a wildcard may only begin a pattern (`*.example.com`) or stand alone (`*`)"
                ));
            }
            h => HostMatch::Exact(h.trim_end_matches('.').to_owned()),
        };
        Ok(HostPattern {
            text: t.to_owned(),
            line,
            host,
            port,
        })
    }

    /// Whether `host:port` matches (host names compare case-insensitively).
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        let host = host
            .trim_matches(|c| c == '[' || c == ']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        match &self.host {
            HostMatch::Any => true,
            HostMatch::Exact(h) => *h == host,
            HostMatch::Domain(d) => {
                host == *d
                    || host
                        .strip_suffix(d.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProxy {
    enabled: Option<bool>,
    allow: Option<Vec<Spanned<String>>>,
    deny: Option<Vec<Spanned<String>>>,
}

pub(crate) fn settings(cx: &mut Ctx<'_>, raw: Option<&RawProxy>) -> ProxySettings {
    let mut s = ProxySettings::default();
    let Some(raw) = raw else { return s };
    s.enabled = raw.enabled.unwrap_or(true);
    let list = |cx: &mut Ctx<'_>, items: &Option<Vec<Spanned<String>>>, name: &str| {
        let mut out = Vec::new();
        for item in items.iter().flatten() {
            match HostPattern::parse(item.get_ref(), cx.line(&item.span())) {
                Ok(p) => out.push(p),
                Err(e) => cx.error(item.span(), format!("proxy.{name}: {e}")),
            }
        }
        out
    };
    s.allow = list(cx, &raw.allow, "allow");
    s.deny = list(cx, &raw.deny, "deny");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> HostPattern {
        HostPattern::parse(s, 1).unwrap()
    }

    #[test]
    fn patterns_match_hosts_domains_and_ports() {
        assert!(p("api.example.com").matches("API.example.com", 443));
        assert!(!p("api.example.com").matches("x.api.example.com", 443));
        assert!(p("*.example.com").matches("example.com", 443));
        assert!(p("*.example.com").matches("a.b.example.com", 80));
        assert!(!p("*.example.com").matches("badexample.com", 443));
        assert!(p("*").matches("anything", 1));
        assert!(p("host:8443").matches("host", 8443));
        assert!(!p("host:8443").matches("host", 443));
        assert!(p("[::1]:443").matches("::1", 443));
        assert!(p("10.0.0.1").matches("10.0.0.1", 22));
        assert!(p("[::1]").matches("[::1]", 22));
        assert!(p("::1").matches("::1", 22));
    }

    #[test]
    fn bad_patterns_say_why() {
        assert!(HostPattern::parse("", 1).unwrap_err().contains("empty"));
        assert!(
            HostPattern::parse("a*.com", 1)
                .unwrap_err()
                .contains("wildcard")
        );
        assert!(
            HostPattern::parse("h:99999", 1)
                .unwrap_err()
                .contains("port")
        );
    }

    #[test]
    fn deny_wins_and_a_non_empty_allow_list_is_exclusive() {
        let s = ProxySettings {
            enabled: true,
            allow: vec![p("*.example.com")],
            deny: vec![p("telemetry.example.com")],
        };
        assert_eq!(s.verdict("api.example.com", 443), HostVerdict::Allowed);
        assert!(matches!(
            s.verdict("telemetry.example.com", 443),
            HostVerdict::Denied(d) if d.text == "telemetry.example.com"
        ));
        assert_eq!(s.verdict("other.org", 443), HostVerdict::NotAllowed);
        assert_eq!(
            ProxySettings::default().verdict("other.org", 443),
            HostVerdict::Allowed
        );
    }
}
