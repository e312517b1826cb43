//! Finding local vendors that answer on their default address (zero-config Ollama).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use weir_config::Config;

use crate::upstream::UpstreamClient;

/// How long a local vendor has to answer the probe.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// Enables every vendor in `config.probe` whose server answers `GET /api/version` (Ollama's
/// version endpoint) at the root of its base URL.
pub async fn probe(config: &mut Config, client: &UpstreamClient) {
    let candidates: Vec<(String, String)> = config
        .probe
        .iter()
        .filter_map(|v| {
            let base = v.endpoints.first()?.base_url.trim_end_matches('/');
            let root = base.strip_suffix("/v1").unwrap_or(base);
            Some((v.name.clone(), format!("{root}/api/version")))
        })
        .collect();
    for (name, url) in candidates {
        let Ok(request) = http::Request::get(&url).body(Full::new(Bytes::new())) else {
            continue;
        };
        let answered = matches!(
            tokio::time::timeout(PROBE_TIMEOUT, client.request(request)).await,
            Ok(Ok(r)) if r.status().is_success()
        );
        if answered {
            tracing::info!(vendor = %name, %url, "local vendor answered; enabling it");
            config.enable(&name);
        }
    }
}
