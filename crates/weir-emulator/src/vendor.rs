//! The model endpoints: routing by path suffix, authentication, rate limiting, fault
//! injection and rendering in the endpoint's protocol.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Response, StatusCode};
use serde_json::json;

use crate::answer::Answer;
use crate::body::{self, Body};
use crate::errors::{Family, VendorError};
use crate::request::{Parsed, Protocol};
use crate::script::{Fault, Reply};
use crate::state::{RateCheck, State};
use crate::{anthropic, chat, ids, responses, stream};

/// The connection must be dropped without a response.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("emulated connection drop")
    }
}

impl std::error::Error for Dropped {}

/// A model endpoint, recognised by the end of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Generate(Protocol),
    CountTokens,
    Models,
    Unknown,
}

impl Endpoint {
    fn of(path: &str) -> Endpoint {
        if path.ends_with("/v1/messages/count_tokens") {
            Endpoint::CountTokens
        } else if path.ends_with("/v1/messages") {
            Endpoint::Generate(Protocol::Anthropic)
        } else if path.ends_with("/chat/completions") {
            Endpoint::Generate(Protocol::Chat)
        } else if path.ends_with("/responses") {
            Endpoint::Generate(Protocol::Responses)
        } else if path.ends_with("/models") {
            Endpoint::Models
        } else {
            Endpoint::Unknown
        }
    }

    fn family(self) -> Family {
        match self {
            Endpoint::Generate(Protocol::Anthropic) | Endpoint::CountTokens => Family::Anthropic,
            _ => Family::OpenAi,
        }
    }

    fn method(self) -> Method {
        match self {
            Endpoint::Models => Method::GET,
            _ => Method::POST,
        }
    }
}

/// Answers a request to a model endpoint (`path` without the query).
pub async fn handle(
    state: &State,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response<Body>, Dropped> {
    let endpoint = Endpoint::of(path);
    let family = endpoint.family();
    if endpoint == Endpoint::Unknown {
        return Ok(
            VendorError::new(404, format!("Unknown request URL: {method} {path}."))
                .response(family),
        );
    }
    if *method != endpoint.method() {
        return Ok(VendorError {
            status: 405,
            error_type: Some("invalid_request_error".into()),
            message: Some(format!("Method {method} is not allowed for {path}.")),
            ..VendorError::default()
        }
        .response(family));
    }
    if let Some(key) = state.require_key()
        && !authorized(endpoint, headers, &key)
    {
        let message = match family {
            Family::Anthropic => "invalid x-api-key",
            Family::OpenAi => "Incorrect API key provided.",
        };
        return Ok(VendorError::new(401, message).response(family));
    }
    match endpoint {
        Endpoint::Models => Ok(with_request_id(
            body::json(
                StatusCode::OK,
                &json!({"object": "list", "data": [{
                    "id": "emulated-model",
                    "object": "model",
                    "created": 1_700_000_000,
                    "owned_by": "emulator",
                }]}),
            ),
            family,
        )),
        Endpoint::CountTokens => match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(serde_json::Value::Object(_)) => Ok(with_request_id(
                body::json(StatusCode::OK, &anthropic::count_tokens(body.len())),
                family,
            )),
            _ => Ok(VendorError::new(400, "The request body is not valid JSON.").response(family)),
        },
        Endpoint::Generate(protocol) => generate(state, protocol, body).await,
        Endpoint::Unknown => Ok(VendorError::new(404, "Unknown request URL.").response(family)),
    }
}

/// Whether the request carries `key` where the endpoint's vendor expects it.
fn authorized(endpoint: Endpoint, headers: &HeaderMap, key: &str) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let bearer = header("authorization")
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let x_api_key = header("x-api-key");
    match endpoint {
        Endpoint::Generate(Protocol::Chat | Protocol::Responses) => bearer == Some(key),
        _ => bearer == Some(key) || x_api_key == Some(key),
    }
}

async fn generate(
    state: &State,
    protocol: Protocol,
    raw: Bytes,
) -> Result<Response<Body>, Dropped> {
    let family = Endpoint::Generate(protocol).family();
    let request = match Parsed::new(protocol, &raw) {
        Ok(request) => request,
        Err(message) => return Ok(VendorError::new(400, message).response(family)),
    };
    let rate = state.rate_check();
    if let Some(check) = rate
        && !check.allowed
    {
        let mut error = VendorError::new(
            429,
            format!(
                "Rate limit reached: {} requests per {} ms.",
                check.limit.requests, check.limit.window_ms
            ),
        );
        error.retry_after = Some(check.reset.as_millis().div_ceil(1000).max(1) as u64);
        let mut response = error.response(family);
        rate_headers(&mut response, family, &check);
        return Ok(response);
    }
    let reply = state.pick(&request, &raw);
    let mut response = reply_response(&request, &reply).await?;
    if let Some(check) = rate {
        rate_headers(&mut response, family, &check);
    }
    Ok(response)
}

async fn reply_response(request: &Parsed, reply: &Reply) -> Result<Response<Body>, Dropped> {
    let family = Endpoint::Generate(request.protocol).family();
    let fault = reply.fault.as_ref();
    match fault {
        Some(Fault::StallBeforeHeaders { ms }) => sleep(*ms).await,
        Some(Fault::StallAfterEvents { ms, .. }) if !request.stream => sleep(*ms).await,
        _ => {}
    }
    match fault {
        Some(Fault::Status {
            status,
            retry_after,
            message,
            error_type,
            code,
        }) => {
            return Ok(VendorError {
                status: *status,
                error_type: error_type.clone(),
                message: message.clone(),
                code: code.clone(),
                retry_after: *retry_after,
            }
            .response(family));
        }
        Some(Fault::DieAfterEvents { .. }) if !request.stream => return Err(Dropped),
        Some(Fault::MalformedAfterEvents { .. }) if !request.stream => {
            return Ok(with_request_id(
                body::raw_json(StatusCode::OK, "{\"type\": oops"),
                family,
            ));
        }
        Some(Fault::ErrorEventAfterEvents {
            error_type,
            message,
            ..
        }) if !request.stream => {
            return Ok(VendorError {
                status: 500,
                error_type: error_type.clone(),
                message: message.clone(),
                ..VendorError::default()
            }
            .response(family));
        }
        _ => {}
    }
    let delay = reply.delay_ms.unwrap_or(0);
    let response = match request.protocol {
        Protocol::Anthropic => {
            let answer = Answer::new(reply, request, "toolu_");
            let ids = anthropic::Ids::new();
            if request.stream {
                let error =
                    |_: usize, t: Option<&str>, m: Option<&str>| anthropic::error_frame(t, m);
                let faults = stream::FaultFrames {
                    malformed: anthropic::malformed(),
                    error: &error,
                };
                stream::response(anthropic::frames(&answer, &ids), fault, delay, &faults)
            } else {
                body::json(StatusCode::OK, &anthropic::message(&answer, &ids))
            }
        }
        Protocol::Chat => {
            let answer = Answer::new(reply, request, "call_");
            let ids = chat::Ids::new();
            if request.stream {
                let error = |_: usize, t: Option<&str>, m: Option<&str>| chat::error_frame(t, m);
                let faults = stream::FaultFrames {
                    malformed: chat::malformed(),
                    error: &error,
                };
                let frames = chat::frames(&answer, &ids, request.include_usage());
                stream::response(frames, fault, delay, &faults)
            } else {
                body::json(StatusCode::OK, &chat::completion(&answer, &ids))
            }
        }
        Protocol::Responses => {
            let answer = Answer::new(reply, request, "call_");
            let ctx = responses::Context::new(&request.body);
            if request.stream {
                let error = |n: usize, t: Option<&str>, m: Option<&str>| {
                    responses::error_frame(&ctx, &answer.model, n, t, m)
                };
                let faults = stream::FaultFrames {
                    malformed: responses::malformed(),
                    error: &error,
                };
                stream::response(responses::frames(&answer, &ctx), fault, delay, &faults)
            } else {
                body::json(StatusCode::OK, &responses::response(&answer, &ctx))
            }
        }
    };
    Ok(with_request_id(response, family))
}

async fn sleep(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

fn with_request_id(mut response: Response<Body>, family: Family) -> Response<Body> {
    let name = match family {
        Family::Anthropic => "request-id",
        Family::OpenAi => "x-request-id",
    };
    body::set_header(&mut response, name, &ids::request_id());
    response
}

/// Adds the vendor's request rate-limit headers.
fn rate_headers(response: &mut Response<Body>, family: Family, check: &RateCheck) {
    let limit = check.limit.requests.to_string();
    let remaining = check.remaining.to_string();
    match family {
        Family::Anthropic => {
            let reset_at = ids::unix_now() + check.reset.as_millis().div_ceil(1000) as u64;
            body::set_header(response, "anthropic-ratelimit-requests-limit", &limit);
            body::set_header(
                response,
                "anthropic-ratelimit-requests-remaining",
                &remaining,
            );
            body::set_header(
                response,
                "anthropic-ratelimit-requests-reset",
                &ids::rfc3339(reset_at),
            );
        }
        Family::OpenAi => {
            body::set_header(response, "x-ratelimit-limit-requests", &limit);
            body::set_header(response, "x-ratelimit-remaining-requests", &remaining);
            body::set_header(
                response,
                "x-ratelimit-reset-requests",
                &go_duration(check.reset),
            );
        }
    }
}

/// A duration in OpenAI's reset format: `120ms`, `1s`, `1.5s`, `6m0s`.
fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        let secs = ms as f64 / 1000.0;
        format!("{secs}s")
    } else {
        format!("{}m{}s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_suffix() {
        assert_eq!(
            Endpoint::of("/v1/messages"),
            Endpoint::Generate(Protocol::Anthropic)
        );
        assert_eq!(
            Endpoint::of("/anthropic/v1/messages"),
            Endpoint::Generate(Protocol::Anthropic)
        );
        assert_eq!(
            Endpoint::of("/v1/messages/count_tokens"),
            Endpoint::CountTokens
        );
        assert_eq!(
            Endpoint::of("/compatible-mode/v1/chat/completions"),
            Endpoint::Generate(Protocol::Chat)
        );
        assert_eq!(
            Endpoint::of("/chat/completions"),
            Endpoint::Generate(Protocol::Chat)
        );
        assert_eq!(
            Endpoint::of("/v1/responses"),
            Endpoint::Generate(Protocol::Responses)
        );
        assert_eq!(Endpoint::of("/v1/models"), Endpoint::Models);
        assert_eq!(Endpoint::of("/v1/embeddings"), Endpoint::Unknown);
    }

    #[test]
    fn openai_durations() {
        assert_eq!(go_duration(Duration::from_millis(120)), "120ms");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_millis(2000)), "2s");
        assert_eq!(go_duration(Duration::from_secs(360)), "6m0s");
    }
}
