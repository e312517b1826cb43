//! The front: which endpoint a request is for, the checks every request passes (access, content
//! type, size, JSON), routing, and errors in the protocol of the endpoint the client called.

use std::sync::{Arc, OnceLock};
use std::time::{Instant, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use weir_protocol::models::{self, ListedModel};
use weir_protocol::request::{self, PeekError};
use weir_protocol::{ApiError, Endpoint, ErrorKind, Protocol};

use crate::body::{self, Body, ReadError};
use crate::forward::{self, Candidate, Exchange};
use crate::keys::VendorKey;
use crate::record::StartFacts;
use crate::state::Shared;

/// What a request path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Model(Endpoint),
    Models,
    Model1,
    Health,
    Ready,
    Unknown,
}

fn target(path: &str) -> Target {
    match path {
        "/v1/messages" => Target::Model(Endpoint::Messages),
        "/v1/messages/count_tokens" => Target::Model(Endpoint::CountTokens),
        "/v1/chat/completions" | "/chat/completions" => Target::Model(Endpoint::ChatCompletions),
        "/v1/responses" | "/responses" => Target::Model(Endpoint::Responses),
        "/v1/models" | "/models" => Target::Models,
        "/healthz" => Target::Health,
        "/readyz" => Target::Ready,
        p if p.starts_with("/v1/models/") || p.starts_with("/models/") => Target::Model1,
        _ => Target::Unknown,
    }
}

/// The protocol to answer in when the path alone does not say (unknown paths, model listings):
/// Anthropic clients always send `anthropic-version`.
fn protocol_hint(path: &str, headers: &HeaderMap) -> Protocol {
    if headers.contains_key("anthropic-version") || path.contains("/messages") {
        Protocol::Anthropic
    } else if path.contains("/responses") {
        Protocol::OpenAiResponses
    } else {
        Protocol::OpenAiChat
    }
}

/// The path and query of a request URI (the query may identify the tool or carry its options).
fn path_and_query(uri: &http::Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned())
}

/// A fresh request id: `req_` and 24 base-62 characters.
pub fn request_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut id = String::with_capacity(28);
    id.push_str("req_");
    for _ in 0..24 {
        id.push(ALPHABET[fastrand::usize(..ALPHABET.len())] as char);
    }
    id
}

/// Handles one request from a client.
pub async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    let rid = request_id();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = dispatch(&shared, req, &rid).await;
    tracing::info!(
        request_id = %rid,
        %method,
        path = %path,
        status = response.status().as_u16(),
        vendor = response.headers().get("x-weir-vendor").and_then(|v| v.to_str().ok()).unwrap_or("-"),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

async fn dispatch(shared: &Shared, req: Request<Incoming>, rid: &str) -> Response<Body> {
    if crate::tunnel::is_proxy_request(&req, shared.listen) {
        return crate::tunnel::handle(shared, req, rid).await;
    }
    let (req, project) = project_from_path(req);
    let path = req.uri().path();
    let target = target(path);
    let hint = match target {
        Target::Model(e) => e.protocol(),
        _ => protocol_hint(path, req.headers()),
    };
    if let Err(denied) = shared.guard.check(req.headers(), req.uri().host()) {
        let exempt = matches!(target, Target::Health | Target::Ready)
            && matches!(denied, crate::guard::Denied::Token);
        if !exempt {
            let kind = match denied {
                crate::guard::Denied::Token => ErrorKind::Authentication,
                _ => ErrorKind::PermissionDenied,
            };
            return forward::error_response(
                hint,
                rid,
                ApiError::new(kind, denied.to_string()),
                false,
            );
        }
    }
    let method = req.method().clone();
    match (target, method) {
        (Target::Model(endpoint), Method::POST) => {
            proxy(shared, req, endpoint, rid, project.as_deref()).await
        }
        (Target::Models, Method::GET) => list_models(shared),
        (Target::Model1, Method::GET) => one_model(shared, req.uri().path(), hint, rid),
        (Target::Health, Method::GET) => json(StatusCode::OK, health_body()),
        (Target::Ready, Method::GET) => ready(shared),
        (Target::Unknown, method) => forward::error_response(
            hint,
            rid,
            ApiError::new(
                ErrorKind::NotFound,
                format!(
                    "weir: no endpoint {method} {}; weir serves POST /v1/messages, \
                     /v1/messages/count_tokens, /v1/chat/completions, /v1/responses and GET \
                     /v1/models",
                    shorten(req.uri().path())
                ),
            ),
            false,
        ),
        (_, method) => forward::error_response(
            hint,
            rid,
            ApiError::new(
                ErrorKind::NotFound,
                format!(
                    "weir: {} does not accept {method}",
                    shorten(req.uri().path())
                ),
            ),
            false,
        ),
    }
}

/// A request under `/project/NAME/` (how `weir run --project` names the project), with that
/// prefix taken off its path, and the name.
fn project_from_path(req: Request<Incoming>) -> (Request<Incoming>, Option<String>) {
    let Some((name, rest)) = crate::policy::project_in_path(req.uri().path()) else {
        return (req, None);
    };
    let name = name.to_owned();
    let rest = match req.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    let (mut parts, body) = req.into_parts();
    match rest.parse() {
        Ok(uri) => parts.uri = uri,
        Err(_) => return (Request::from_parts(parts, body), None),
    }
    (Request::from_parts(parts, body), Some(name))
}

async fn proxy(
    shared: &Shared,
    req: Request<Incoming>,
    endpoint: Endpoint,
    rid: &str,
    url_project: Option<&str>,
) -> Response<Body> {
    let protocol = endpoint.protocol();
    let fail = |error: ApiError| forward::error_response(protocol, rid, error, false);
    let (parts, incoming) = req.into_parts();
    if let Some(ct) = parts.headers.get(http::header::CONTENT_TYPE) {
        if !is_json(ct) {
            return fail(ApiError::new(
                ErrorKind::UnsupportedMediaType,
                format!(
                    "weir: request body must be JSON (content-type: application/json), got `{}`",
                    shorten(ct.to_str().unwrap_or("<non-text>"))
                ),
            ));
        }
    }
    let limit = shared.config.limits.max_body_bytes;
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return fail(too_large(limit));
    }
    let bytes = match body::read_limited(incoming, limit, shared.config.timeouts.idle).await {
        Ok(b) => b,
        Err(ReadError::TooLarge { .. }) => return fail(too_large(limit)),
        Err(e) => {
            return fail(ApiError::new(
                ErrorKind::InvalidRequest,
                format!("weir: {e}"),
            ));
        }
    };
    let peek = match request::peek(&bytes) {
        Ok(p) => p,
        Err(e @ (PeekError::NotJson(_) | PeekError::WrongType(_))) => {
            return fail(ApiError::new(
                ErrorKind::InvalidRequest,
                format!("weir: {e}"),
            ));
        }
    };
    let Some(model) = peek.model else {
        let mut e = ApiError::new(
            ErrorKind::InvalidRequest,
            "weir: `model` is required: name the model to use",
        );
        e.param = Some("model".into());
        return fail(e);
    };
    let Some(resolved) = shared.router.resolve(&model) else {
        return fail(
            ApiError::new(
                ErrorKind::NotFound,
                format!(
                    "weir: no route or vendor serves model `{}`. Add a [[routes]] entry for it in \
                     weir.toml, or set the key variable of a vendor that serves it (enabled \
                     vendors: {})",
                    shorten(&model),
                    enabled_vendors(shared)
                ),
            )
            .with_code("model_not_found"),
        );
    };
    let asked = crate::policy::Asked::of(&parts.headers, url_project);
    let today = shared.clock.today();
    let plan = shared
        .policy
        .as_ref()
        .filter(|p| p.mode() == weir_policy::Mode::Enforce)
        .map(|p| crate::inspect::Plan {
            policy: p.clone(),
            today,
            project: asked.project.clone(),
            user: asked.user.clone(),
        });
    let inspected = shared
        .inspector
        .inspect(
            parts.method.as_str(),
            &path_and_query(&parts.uri),
            &parts.headers,
            &bytes,
            plan,
        )
        .await;
    let bytes = inspected.body.clone().unwrap_or(bytes);
    let scanned = shared.dlp.scan(&bytes).await;
    let mut subject = weir_policy::Request {
        tool: inspected.client.tool.clone(),
        version: inspected.client.version.clone(),
        user: asked.user.clone(),
        project: asked.project.clone(),
        cwd: inspected.cwd.clone(),
        remotes: inspected.remotes.clone(),
        model: Some(model.clone()),
        findings: inspected
            .categories
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
        ..weir_policy::Request::default()
    };
    if let Ok(s) = &scanned {
        for c in s.categories() {
            if !subject.findings.iter().any(|f| f == c.as_str()) {
                subject.findings.push(c.as_str().to_owned());
            }
        }
    }
    let mut decide = |route: &weir_config::Resolved| {
        shared
            .policy
            .as_ref()
            .map(|policy| crate::policy::decide(policy, &shared.router, &mut subject, route, today))
    };
    let mut decision = decide(&resolved);
    let mut inspection = match scanned {
        Ok(scanned) => shared.dlp.act(&parts.headers, &bytes, scanned, &|c| {
            decision
                .as_ref()
                .and_then(|d| crate::policy::dlp_action(d, c.as_str()))
        }),
        Err(error) => crate::dlp::Inspection {
            block: Some(error),
            ..Default::default()
        },
    };
    inspection.findings.extend(inspected.findings);
    let client = inspected.client;
    // Where the request goes: where the policy reroutes it, else where [dlp] reroutes it,
    // else where its model goes.
    let enforced = decision.as_ref().filter(|d| d.is_enforced());
    let policy_reroutes = enforced.is_some_and(|d| {
        d.data
            .iter()
            .any(|v| matches!(v.action, Some(weir_policy::DataAction::Reroute(_))))
    });
    let resolved = match enforced
        .filter(|d| d.rerouted)
        .and_then(|d| d.route.as_deref())
    {
        Some(route) => shared.router.route_named(route, &model),
        None if inspection.reroute && !policy_reroutes => {
            let route = shared.config.dlp.reroute.as_deref().unwrap_or_default();
            match shared.router.route_named(route, &model) {
                Some(r) => Some(r),
                None if inspection.block.is_none() => {
                    return fail(ApiError::new(
                        ErrorKind::Unavailable,
                        format!(
                            "weir: this request carries data that policy sends only to route \
                             `{route}` (dlp.reroute), and that route has no enabled vendor; \
                             enable one of its vendors or change the [dlp] action"
                        ),
                    ));
                }
                None => None,
            }
        }
        None => Some(resolved),
    };
    // A route the decision was not made for (a [dlp] reroute) is decided again: its targets
    // pass the same checks.
    if let (Some(d), Some(r)) = (&decision, &resolved)
        && d.route.as_deref() != Some(r.route.as_str())
        && !d.is_refused()
    {
        decision = decide(r);
    }
    let decisions = decision
        .as_ref()
        .map(crate::policy::records)
        .unwrap_or_default();
    let project: Option<String> = decision
        .as_ref()
        .and_then(|d| d.project.as_deref().map(str::to_owned))
        .or_else(|| subject.project.clone());
    let refusal = decision
        .as_ref()
        .and_then(|d| d.enforced_refusal())
        .map(crate::policy::refusal_error);
    if let Some(error) = refusal.or(inspection.block) {
        let recorded = match (&inspection.recorded, &inspection.redacted) {
            (Some(r), _) | (None, Some(r)) => r.clone(),
            (None, None) => bytes.clone(),
        };
        let route = resolved.as_ref().map_or("", |r| r.route.as_str());
        return refuse(
            shared,
            StartFacts {
                id: rid,
                protocol,
                path: parts.uri.path(),
                model: &model,
                stream: peek.stream,
                route,
                targets: Vec::new(),
                user: subject.user.as_deref(),
                project: project.as_deref(),
                client,
                body: &recorded,
                findings: inspection.findings,
                decisions,
            },
            error,
        )
        .await;
    }
    let Some(resolved) = resolved else {
        return fail(ApiError::new(
            ErrorKind::Unavailable,
            "weir: the route this request was rerouted to has no enabled vendor",
        ));
    };
    let resolved = match &decision {
        Some(d) => crate::policy::allowed(d, resolved),
        None => resolved,
    };
    let body = inspection.redacted.unwrap_or_else(|| bytes.clone());
    let recorded = inspection.recorded.unwrap_or_else(|| body.clone());
    let mut candidates = Vec::with_capacity(resolved.targets.len());
    let mut skipped = Vec::new();
    let mut missing_keys = 0;
    for target in resolved.targets {
        let vendor = &target.vendor;
        let vendor_protocol = if endpoint == Endpoint::CountTokens {
            if !vendor.count_tokens || vendor.endpoint(Protocol::Anthropic).is_none() {
                skipped.push(format!("{} does not offer count_tokens", vendor.name));
                continue;
            }
            Protocol::Anthropic
        } else {
            match speak(protocol, vendor) {
                Some(p) => p,
                None => {
                    skipped.push(format!("{} has no endpoint configured", vendor.name));
                    continue;
                }
            }
        };
        let key = match shared.keys.get(&vendor.name) {
            Some(VendorKey::Present(k)) => Some(k),
            Some(VendorKey::NotNeeded) | None => None,
            Some(VendorKey::Missing(reason)) => {
                missing_keys += 1;
                skipped.push(format!("{}: {reason}", vendor.name));
                continue;
            }
        };
        candidates.push(Candidate {
            target,
            key,
            protocol: vendor_protocol,
        });
    }
    if candidates.is_empty() && endpoint == Endpoint::CountTokens {
        // No vendor on the route counts tokens itself: weir counts them.
        return count_locally(protocol, rid, bytes).await;
    }
    if candidates.is_empty() {
        let kind = if missing_keys > 0 {
            ErrorKind::Unavailable
        } else {
            ErrorKind::InvalidRequest
        };
        return fail(ApiError::new(
            kind,
            format!(
                "weir: route `{}` has no usable target for model `{}`: {}",
                resolved.route,
                shorten(&model),
                skipped.join("; ")
            ),
        ));
    }
    let recording = match shared
        .recorder
        .start(StartFacts {
            id: rid,
            protocol,
            path: parts.uri.path(),
            model: &model,
            stream: peek.stream,
            route: &resolved.route,
            targets: candidates.iter().map(forward::target_record).collect(),
            user: subject.user.as_deref(),
            project: project.as_deref(),
            client,
            body: &recorded,
            findings: inspection.findings,
            decisions,
        })
        .await
    {
        Ok(r) => r,
        Err(error) => return fail(error),
    };
    let exchange = Exchange {
        endpoint,
        client_model: model,
        stream: peek.stream,
        body,
        headers: &parts.headers,
        request_id: rid,
        route: &resolved.route,
        canonical: OnceLock::new(),
        recording,
        originals: inspection.originals,
    };
    forward::forward(shared, &candidates, &exchange).await
}

/// A request the policy or the data-loss scan refused: recorded (with every finding masked, and
/// the policy's decision) and answered with the client protocol's permission error.
async fn refuse(shared: &Shared, facts: StartFacts<'_>, error: ApiError) -> Response<Body> {
    let (rid, protocol) = (facts.id, facts.protocol);
    tracing::warn!(request_id = %rid, findings = facts.findings.len(), code = error.code.as_deref().unwrap_or(""), "request refused");
    let recording = shared.recorder.start(facts).await;
    let response = forward::error_response(protocol, rid, error.clone(), false);
    if let Ok(recording) = recording {
        let body = error.body(protocol, rid);
        recording
            .finish(crate::record::Ending {
                outcome: weir_ledger::Outcome::Blocked,
                status: response.status().as_u16(),
                error: Some(&error),
                answer: &body,
                streamed: false,
            })
            .await;
    }
    response
}

/// The protocol weir speaks to `vendor` for a `client` request: the client's own when the vendor
/// has it (a byte-exact passthrough), otherwise the first the vendor has in a fixed order of
/// preference. Anthropic Messages comes first among translations because its block model keeps
/// the most (signatures, `is_error`, cache hints); Chat Completions before Responses because every
/// OpenAI-compatible server has it.
fn speak(client: Protocol, vendor: &weir_config::Vendor) -> Option<Protocol> {
    let order = match client {
        Protocol::Anthropic => [
            Protocol::Anthropic,
            Protocol::OpenAiChat,
            Protocol::OpenAiResponses,
        ],
        Protocol::OpenAiChat => [
            Protocol::OpenAiChat,
            Protocol::Anthropic,
            Protocol::OpenAiResponses,
        ],
        Protocol::OpenAiResponses => [
            Protocol::OpenAiResponses,
            Protocol::Anthropic,
            Protocol::OpenAiChat,
        ],
    };
    order.into_iter().find(|p| vendor.endpoint(*p).is_some())
}

/// `count_tokens` answered by weir: the request's text counted with a real tokenizer, marked as
/// an estimate. The count runs off the async workers (a long history takes milliseconds).
async fn count_locally(protocol: Protocol, rid: &str, body: bytes::Bytes) -> Response<Body> {
    let counted = tokio::task::spawn_blocking(move || {
        weir_protocol::translate::decode_request(protocol, &body)
            .map(|request| crate::tokens::estimate(&request))
    })
    .await;
    let n = match counted {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => return forward::error_response(protocol, rid, e.into_api_error(), false),
        Err(_) => {
            let e = ApiError::new(ErrorKind::Internal, "weir: counting tokens failed");
            return forward::error_response(protocol, rid, e, false);
        }
    };
    let mut response = json(
        StatusCode::OK,
        format!("{{\"input_tokens\":{n}}}").into_bytes(),
    );
    let h = response.headers_mut();
    h.insert(
        crate::tokens::ESTIMATE_HEADER,
        HeaderValue::from_static("estimate"),
    );
    if let Ok(v) = HeaderValue::from_str(rid) {
        h.insert(protocol.request_id_header(), v);
    }
    response
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorKind::RequestTooLarge,
        format!(
            "weir: request body is larger than the limit of {} MiB; raise [limits] max_body in weir.toml if this is intended",
            limit / (1024 * 1024)
        ),
    )
}

fn is_json(ct: &HeaderValue) -> bool {
    let Ok(ct) = ct.to_str() else { return false };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn listed(shared: &Shared) -> Vec<ListedModel> {
    let created = shared
        .started
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    shared
        .router
        .listed_models()
        .into_iter()
        .map(|(id, owned_by)| ListedModel {
            id,
            owned_by,
            created,
        })
        .collect()
}

fn list_models(shared: &Shared) -> Response<Body> {
    json(StatusCode::OK, models::list_body(&listed(shared)))
}

fn one_model(shared: &Shared, path: &str, protocol: Protocol, rid: &str) -> Response<Body> {
    let id = path
        .trim_start_matches("/v1")
        .trim_start_matches("/models/");
    let found = listed(shared).into_iter().find(|m| m.id == id).or_else(|| {
        let resolved = shared.router.resolve(id)?;
        let first = resolved.targets.first()?;
        Some(ListedModel {
            id: id.to_owned(),
            owned_by: first.vendor.name.clone(),
            created: 0,
        })
    });
    match found {
        Some(m) => json(StatusCode::OK, models::model_body(&m)),
        None => forward::error_response(
            protocol,
            rid,
            ApiError::new(
                ErrorKind::NotFound,
                format!("weir: no route serves model `{}`", shorten(id)),
            )
            .with_code("model_not_found"),
            false,
        ),
    }
}

fn health_body() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "status": "ok",
        "service": "weir",
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .unwrap_or_default()
}

fn ready(shared: &Shared) -> Response<Body> {
    let vendors: Vec<&str> = shared
        .config
        .vendors
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    let ledger_down = shared.recorder.ledger().is_some_and(|l| !l.healthy())
        && shared.config.ledger.on_failure == weir_config::OnLedgerFailure::Closed;
    if ledger_down {
        return json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::to_vec(&serde_json::json!({
                "status": "not ready",
                "reason": "the ledger cannot write, so requests are refused (on_ledger_failure = \"closed\"); check its database",
            }))
            .unwrap_or_default(),
        );
    }
    if shared.router.has_vendors() {
        json(
            StatusCode::OK,
            serde_json::to_vec(&serde_json::json!({"status": "ready", "vendors": vendors}))
                .unwrap_or_default(),
        )
    } else {
        json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::to_vec(&serde_json::json!({
                "status": "not ready",
                "reason": "no vendor is enabled: set a vendor's key variable (for example ANTHROPIC_API_KEY) or add a [vendors.NAME] table to weir.toml",
            }))
            .unwrap_or_default(),
        )
    }
}

fn enabled_vendors(shared: &Shared) -> String {
    if shared.config.vendors.is_empty() {
        return "none".into();
    }
    shared
        .config
        .vendors
        .iter()
        .map(|v| v.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn json(status: StatusCode, body: Vec<u8>) -> Response<Body> {
    let mut r = Response::new(body::full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Client-supplied text echoed in an error, cut short and stripped of control characters.
pub(crate) fn shorten(s: &str) -> String {
    let mut out: String = s.chars().filter(|c| !c.is_control()).take(120).collect();
    if s.chars().count() > 120 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_endpoints_ignoring_nothing_but_the_query() {
        assert_eq!(target("/v1/messages"), Target::Model(Endpoint::Messages));
        assert_eq!(
            target("/v1/messages/count_tokens"),
            Target::Model(Endpoint::CountTokens)
        );
        assert_eq!(
            target("/chat/completions"),
            Target::Model(Endpoint::ChatCompletions)
        );
        assert_eq!(target("/v1/responses"), Target::Model(Endpoint::Responses));
        assert_eq!(target("/v1/models/claude-x"), Target::Model1);
        assert_eq!(target("/v2/messages"), Target::Unknown);
    }

    #[test]
    fn json_content_types() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/vnd.api+json",
        ] {
            assert!(is_json(&HeaderValue::from_static(ok)), "{ok}");
        }
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            assert!(!is_json(&HeaderValue::from_static(bad)), "{bad}");
        }
    }

    #[test]
    fn request_ids_look_like_request_ids() {
        let a = request_id();
        assert!(a.starts_with("req_") && a.len() == 28);
        assert_ne!(a, request_id());
    }

    #[test]
    fn unknown_paths_answer_in_the_likely_protocol() {
        let mut h = HeaderMap::new();
        assert_eq!(protocol_hint("/v2/foo", &h), Protocol::OpenAiChat);
        h.insert("anthropic-version", HeaderValue::from_static("2023-06-01"));
        assert_eq!(protocol_hint("/v2/foo", &h), Protocol::Anthropic);
    }
}
