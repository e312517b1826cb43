//! Which request headers leave for a vendor, and which response headers come back.
//!
//! Outgoing headers are built from an allowlist (protocols.md §6.2): the client's credentials,
//! session ids, SDK telemetry (`x-stainless-*`), proxy metadata and hop-by-hop headers never
//! reach a vendor; weir sets the vendor's key in the vendor's own auth style.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use weir_config::{ApiKey, AuthStyle, Vendor, VendorEndpoint};
use weir_protocol::Protocol;

/// The `anthropic-version` sent when the client did not send one.
pub const DEFAULT_ANTHROPIC_VERSION: &str = "2023-06-01";

/// weir's `user-agent` toward vendors.
pub const USER_AGENT: &str = concat!("weir/", env!("CARGO_PKG_VERSION"));

/// Headers for a request to `vendor` at `endpoint`, derived from the client's `client` headers.
pub fn outgoing(
    client: &HeaderMap,
    vendor: &Vendor,
    endpoint: &VendorEndpoint,
    key: Option<&ApiKey>,
) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(8);
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    out.insert(
        header::ACCEPT_ENCODING,
        HeaderValue::from_static("identity"),
    );
    out.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    let accept = client
        .get(header::ACCEPT)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("application/json"));
    out.insert(header::ACCEPT, accept);

    if endpoint.protocol == Protocol::Anthropic {
        let version = client
            .get("anthropic-version")
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static(DEFAULT_ANTHROPIC_VERSION));
        out.insert(HeaderName::from_static("anthropic-version"), version);
        if vendor.forward_anthropic_beta {
            for beta in client.get_all("anthropic-beta") {
                out.append(HeaderName::from_static("anthropic-beta"), beta.clone());
            }
        }
    }

    if let Some(key) = key {
        match endpoint.auth {
            AuthStyle::XApiKey => {
                if let Ok(v) = HeaderValue::from_str(key.expose()) {
                    out.insert(HeaderName::from_static("x-api-key"), sensitive(v));
                }
            }
            AuthStyle::Bearer => {
                if let Ok(v) = HeaderValue::from_str(&format!("Bearer {}", key.expose())) {
                    out.insert(header::AUTHORIZATION, sensitive(v));
                }
            }
            AuthStyle::None => {}
        }
    }
    out
}

fn sensitive(mut v: HeaderValue) -> HeaderValue {
    v.set_sensitive(true);
    v
}

/// Vendor response headers passed back to the client: rate-limit state and retry hints, which
/// clients act on. Everything else (cookies, vendor tracing, server banners) stays behind.
pub fn passed_back(name: &HeaderName) -> bool {
    let n = name.as_str();
    n == "retry-after"
        || n == "retry-after-ms"
        || n.starts_with("anthropic-ratelimit-")
        || n.starts_with("x-ratelimit-")
}

/// The vendor's own request id, for `x-weir-upstream-request-id`.
pub fn upstream_request_id(headers: &HeaderMap) -> Option<&HeaderValue> {
    ["request-id", "x-request-id", "x-ds-trace-id"]
        .iter()
        .find_map(|n| headers.get(*n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_config::{Jurisdiction, VendorOrigin};

    fn vendor(beta: bool) -> Vendor {
        Vendor {
            name: "v".into(),
            display_name: "V".into(),
            endpoints: vec![],
            key: None,
            jurisdiction: Jurisdiction::Country("US".into()),
            models: vec![],
            count_tokens: false,
            forward_anthropic_beta: beta,
            profile: weir_protocol::canonical::Profile::named("v"),
            origin: VendorOrigin::Probed,
        }
    }

    fn endpoint(protocol: Protocol, auth: AuthStyle) -> VendorEndpoint {
        VendorEndpoint {
            protocol,
            base_url: "http://x".into(),
            auth,
        }
    }

    fn client_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("x-api-key", "sk-ant-client-secret"),
            ("authorization", "Bearer client-token"),
            ("anthropic-version", "2023-06-01"),
            (
                "anthropic-beta",
                "claude-code-20250219,interleaved-thinking-2025-05-14",
            ),
            ("x-stainless-os", "Linux"),
            ("x-claude-code-session-id", "abc"),
            ("x-forwarded-for", "10.0.0.1"),
            ("cookie", "a=b"),
            ("openai-organization", "org-1"),
            ("connection", "keep-alive"),
            ("user-agent", "claude-cli/2.0.0 (external, cli)"),
        ] {
            h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn client_credentials_and_metadata_never_leave() {
        let key = ApiKey::new("vendor-key");
        let out = outgoing(
            &client_headers(),
            &vendor(true),
            &endpoint(Protocol::Anthropic, AuthStyle::XApiKey),
            Some(&key),
        );
        assert_eq!(out.get("x-api-key").unwrap(), "vendor-key");
        assert!(out.get("authorization").is_none());
        for dropped in [
            "x-stainless-os",
            "x-claude-code-session-id",
            "x-forwarded-for",
            "cookie",
            "openai-organization",
            "connection",
        ] {
            assert!(out.get(dropped).is_none(), "{dropped} must be dropped");
        }
        assert_eq!(out.get("user-agent").unwrap(), USER_AGENT);
        assert_eq!(out.get("anthropic-version").unwrap(), "2023-06-01");
        assert!(out.get("anthropic-beta").is_some());
    }

    #[test]
    fn anthropic_beta_only_to_vendors_that_accept_it() {
        let out = outgoing(
            &client_headers(),
            &vendor(false),
            &endpoint(Protocol::Anthropic, AuthStyle::Bearer),
            Some(&ApiKey::new("k")),
        );
        assert!(out.get("anthropic-beta").is_none());
        assert_eq!(out.get("authorization").unwrap(), "Bearer k");
        assert!(out.get("x-api-key").is_none());
    }

    #[test]
    fn openai_targets_get_no_anthropic_headers() {
        let out = outgoing(
            &client_headers(),
            &vendor(true),
            &endpoint(Protocol::OpenAiChat, AuthStyle::Bearer),
            None,
        );
        assert!(out.get("anthropic-version").is_none());
        assert!(out.get("anthropic-beta").is_none());
        assert!(
            out.get("authorization").is_none(),
            "no key configured: no auth header"
        );
    }

    #[test]
    fn default_anthropic_version_is_set() {
        let out = outgoing(
            &HeaderMap::new(),
            &vendor(false),
            &endpoint(Protocol::Anthropic, AuthStyle::None),
            None,
        );
        assert_eq!(
            out.get("anthropic-version").unwrap(),
            DEFAULT_ANTHROPIC_VERSION
        );
    }

    #[test]
    fn only_rate_limit_and_retry_headers_come_back() {
        for (name, back) in [
            ("retry-after", true),
            ("anthropic-ratelimit-requests-remaining", true),
            ("x-ratelimit-reset-tokens", true),
            ("set-cookie", false),
            ("server", false),
            ("request-id", false),
        ] {
            assert_eq!(passed_back(&HeaderName::from_static(name)), back, "{name}");
        }
    }
}
