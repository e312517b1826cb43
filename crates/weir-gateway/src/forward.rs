//! One client request's way to a vendor: the attempt loop with retries and failover, the commit
//! barrier, and the response handed back.
//!
//! Retries and failover happen only before the commit barrier (protocols.md §1.4): until a
//! vendor has produced a first well-formed event (streaming) or a whole body (non-streaming),
//! nothing has reached the client, so a failure can still become a retry, a failover to the next
//! target, or a proper HTTP error. After it, a failure ends the stream with the protocol's error
//! event and nothing is retried: a client cannot reconcile two partial answers.
//!
//! What is retried or failed over: connect failures, 429/503/529 (the target is skipped for its
//! `Retry-After`, and weir waits that out itself when it is short and no other target is left),
//! a stream that breaks before its first event, and 401/403 from a vendor that has served before
//! (a cut-off: the target is skipped for the cut-off cool-down and a warning is logged). Every
//! other vendor error goes back to the client in the client's protocol.
//!
//! Each target is spoken to in the client's protocol when it has it (the body goes through as
//! it came, with the model name rewritten) and in another one otherwise: the client's request
//! is decoded once into the canonical model, encoded for each target that needs it, and the
//! answer translated back (`weir_protocol::translate`). A target that cannot express the request
//! (an image for a text-only vendor) is passed over without a cool-down.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use weir_config::{ApiKey, ResolvedTarget};
use weir_ledger::{AttemptResult, Outcome};
use weir_protocol::canonical::{Reply, Request as Canonical};
use weir_protocol::relay::{RelayState, StreamRelay};
use weir_protocol::translate;
use weir_protocol::{ApiError, Endpoint, ErrorKind, Protocol, json};

use crate::body::{self, Body};
use crate::headers;
use crate::health::Cooling;
use crate::record::{Ending, Recording};
use crate::state::Shared;
use crate::stream::{Pipe, RelayStream};
use crate::upstream;

/// Largest vendor error body weir reads (the message is all it needs).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Largest non-streaming vendor response weir accepts.
const MAX_RESPONSE_BODY: usize = 64 * 1024 * 1024;

/// A client request, decoded just enough to route it.
#[derive(Debug)]
pub struct Exchange<'a> {
    /// The vendor-facing operation (same protocol as the client's).
    pub endpoint: Endpoint,
    /// The model name the client asked for (and sees in the answer).
    pub client_model: String,
    /// Whether the client asked for a stream.
    pub stream: bool,
    /// The client's body, as received.
    pub body: Bytes,
    /// The client's headers.
    pub headers: &'a HeaderMap,
    /// weir's id for this request.
    pub request_id: &'a str,
    /// The route that matched.
    pub route: &'a str,
    /// The client's request in canonical form, decoded the first time a target needs
    /// translation.
    pub(crate) canonical: OnceLock<Result<Arc<Canonical>, ApiError>>,
    /// The ledger's record of this exchange.
    pub(crate) recording: Arc<Recording>,
    /// The placeholders redaction put in the body, to restore in the answer.
    pub(crate) originals: Option<Arc<weir_detect::vault::Originals>>,
}

impl Exchange<'_> {
    /// The client's request in canonical form (decoded once, on first use).
    pub fn canonical(&self) -> Result<&Arc<Canonical>, &ApiError> {
        self.canonical
            .get_or_init(|| {
                translate::decode_request(self.endpoint.protocol(), &self.body)
                    .map(Arc::new)
                    .map_err(|e| e.into_api_error())
            })
            .as_ref()
    }

    /// A rough input-token count for answers that must report input before the vendor does
    /// (Anthropic `message_start`): a byte count over four, which errs high for JSON-heavy
    /// bodies, as an estimate used for context accounting should.
    fn input_estimate(&self) -> u64 {
        (self.body.len() / 4) as u64
    }
}

/// A target that may be tried, with its key and the protocol weir speaks to it.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    /// Vendor and model.
    pub target: ResolvedTarget,
    /// The vendor's key, if it needs one.
    pub key: Option<&'a ApiKey>,
    /// The vendor endpoint's protocol: the client's when the vendor speaks it (a byte-exact
    /// passthrough), another one otherwise (a translation).
    pub protocol: Protocol,
}

/// What one attempt at one target came to.
enum Attempt {
    /// The vendor answered; this response goes to the client. `answer` is its whole body when
    /// it has one (and whether that is an event stream); a streamed body records its own end.
    Committed {
        response: Response<Body>,
        answer: Option<(Bytes, bool)>,
    },
    /// This error goes to the client; no other target is tried.
    Final(ApiError),
    /// This target cannot serve this request (it cannot express something the request needs);
    /// the next one is tried, and nothing is held against this one.
    Unsuitable(ApiError),
    /// Try the next target; skip this one for `cooldown`.
    Failover {
        error: ApiError,
        cooldown: Duration,
        why: String,
    },
}

/// Runs the attempt loop over `candidates` and returns the response for the client.
pub async fn forward(
    shared: &Shared,
    candidates: &[Candidate<'_>],
    ex: &Exchange<'_>,
) -> Response<Body> {
    let policy = shared.config.retry;
    let mut attempts: u32 = 0;
    let mut waited = Duration::ZERO;
    let mut last: Option<ApiError> = None;
    loop {
        // The shortest `Retry-After` a vendor asked for in this pass: the only wait weir does
        // itself (a cool-down without one is not waited out; the client hears about it).
        let mut asked_wait: Option<Duration> = None;
        let mut cooling: Vec<(String, Cooling)> = Vec::new();
        for candidate in candidates {
            if attempts >= policy.max_attempts {
                break;
            }
            let vendor = &candidate.target.vendor.name;
            if let Some(c) = shared.health.cooling(vendor, Instant::now()) {
                cooling.push((vendor.clone(), c));
                continue;
            }
            attempts += 1;
            match attempt(shared, candidate, ex).await {
                Attempt::Committed { response, answer } => {
                    let Some((body, streamed)) = answer else {
                        return response;
                    };
                    ex.recording
                        .finish(Ending {
                            outcome: if ex.recording.failed_over() {
                                Outcome::FailedOver
                            } else {
                                Outcome::Ok
                            },
                            status: response.status().as_u16(),
                            error: None,
                            answer: &body,
                            streamed,
                        })
                        .await;
                    return restore_answer(ex, response, &body, streamed);
                }
                Attempt::Final(error) => {
                    let vendor_said = ex.recording.vendor_answered();
                    ex.recording.settle(
                        if vendor_said {
                            AttemptResult::Refused
                        } else {
                            AttemptResult::Failed
                        },
                        0,
                    );
                    let outcome = if vendor_said {
                        Outcome::VendorError
                    } else {
                        Outcome::Failed
                    };
                    return failed(ex, outcome, error, attempts > 1).await;
                }
                Attempt::Unsuitable(error) => {
                    tracing::info!(
                        request_id = ex.request_id,
                        vendor = %vendor,
                        reason = %error.message,
                        "vendor cannot serve this request; trying the next target"
                    );
                    attempts -= 1;
                    last = Some(error);
                }
                Attempt::Failover {
                    error,
                    cooldown,
                    why,
                } => {
                    tracing::warn!(
                        request_id = ex.request_id,
                        vendor = %vendor,
                        reason = %why,
                        cooldown_s = cooldown.as_secs_f64(),
                        "vendor attempt failed before the response started; trying the next target"
                    );
                    ex.recording.settle(AttemptResult::FailedOver, 0);
                    shared
                        .health
                        .cool(vendor, cooldown, why, error.kind, Instant::now());
                    if let Some(after) = error.retry_after {
                        asked_wait = Some(asked_wait.map_or(after, |w| w.min(after)));
                    }
                    last = Some(error);
                }
            }
        }
        match asked_wait {
            Some(wait) if attempts < policy.max_attempts && waited + wait <= policy.max_wait => {
                tokio::time::sleep(wait).await;
                waited += wait;
            }
            _ => {
                let error = last.unwrap_or_else(|| all_cooling(ex.route, &cooling));
                let outcome = if ex.recording.failed_over() {
                    Outcome::Failed
                } else {
                    Outcome::Rejected
                };
                return failed(ex, outcome, error, attempts > 1).await;
            }
        }
    }
}

/// Answers `error` and records the exchange's end with it.
async fn failed(
    ex: &Exchange<'_>,
    outcome: Outcome,
    error: ApiError,
    retried: bool,
) -> Response<Body> {
    let protocol = ex.endpoint.protocol();
    let status = error.status(protocol);
    let body = error.body(protocol, ex.request_id);
    ex.recording
        .finish(Ending {
            outcome,
            status,
            error: Some(&error),
            answer: &body,
            streamed: false,
        })
        .await;
    error_response(protocol, ex.request_id, error, retried)
}

/// The error for a request whose every target is cooling down: the kind of the cool-down that
/// ends first, with the time left as `Retry-After`, so the client's SDK waits just that long.
fn all_cooling(route: &str, cooling: &[(String, Cooling)]) -> ApiError {
    let Some((_, first)) = cooling.iter().min_by_key(|(_, c)| c.left) else {
        return ApiError::new(
            ErrorKind::Unavailable,
            format!("weir: route `{route}` has no target to try"),
        );
    };
    let reasons: Vec<String> = cooling
        .iter()
        .map(|(v, c)| {
            format!(
                "{v} is skipped for {}s ({})",
                c.left.as_secs().max(1),
                c.reason
            )
        })
        .collect();
    let kind = match first.kind {
        k @ (ErrorKind::RateLimited | ErrorKind::Overloaded) => k,
        _ => ErrorKind::Unavailable,
    };
    ApiError::new(
        kind,
        format!(
            "weir: no target of route `{route}` is available right now: {}",
            reasons.join("; ")
        ),
    )
    .with_retry_after(first.left)
}

async fn attempt(shared: &Shared, candidate: &Candidate<'_>, ex: &Exchange<'_>) -> Attempt {
    let vendor = &candidate.target.vendor;
    let client_protocol = ex.endpoint.protocol();
    let Some(endpoint) = vendor.endpoint(candidate.protocol) else {
        return Attempt::Final(ApiError::new(
            ErrorKind::Internal,
            format!(
                "weir: vendor {} has no {} endpoint",
                vendor.name, candidate.protocol
            ),
        ));
    };
    let timeouts = shared.config.timeouts;
    let policy = shared.config.retry;
    let started = Instant::now();
    let rewrite_model = candidate.target.model != ex.client_model;
    let (body, vendor_endpoint, reply) = if candidate.protocol == client_protocol {
        let body = if rewrite_model {
            json::replace_string(&ex.body, &["model"], &candidate.target.model)
                .map(Bytes::from)
                .unwrap_or_else(|| ex.body.clone())
        } else {
            ex.body.clone()
        };
        (body, ex.endpoint, None)
    } else {
        match translate_request(candidate, ex) {
            Ok((body, reply)) => (body, Endpoint::generation(candidate.protocol), Some(reply)),
            Err(error) => return Attempt::Unsuitable(error),
        }
    };
    let url = vendor_endpoint.url(&endpoint.base_url);
    ex.recording.sent(
        target_record(candidate),
        candidate.protocol,
        candidate.key,
        &body,
    );
    let mut request = match Request::post(&url).body(Full::new(body)) {
        Ok(r) => r,
        Err(_) => {
            return Attempt::Final(ApiError::new(
                ErrorKind::Internal,
                format!(
                    "weir: vendor {} has an invalid base_url; check weir.toml",
                    vendor.name
                ),
            ));
        }
    };
    *request.headers_mut() = headers::outgoing(ex.headers, vendor, endpoint, candidate.key);

    let response =
        match tokio::time::timeout(timeouts.first_byte, shared.client.request(request)).await {
            Err(_) => {
                return Attempt::Failover {
                    error: ApiError::new(
                        ErrorKind::Timeout,
                        format!(
                            "weir: vendor {} did not answer within {}s",
                            vendor.name,
                            timeouts.first_byte.as_secs()
                        ),
                    ),
                    cooldown: policy.failure_cooldown,
                    why: "no answer in time".into(),
                };
            }
            Ok(Err(e)) if upstream::is_connect_error(&e) => {
                return Attempt::Failover {
                    error: ApiError::new(
                        ErrorKind::BadGateway,
                        format!(
                            "weir: could not connect to vendor {} ({url}): {}",
                            vendor.name,
                            upstream::describe(&e)
                        ),
                    ),
                    cooldown: policy.failure_cooldown,
                    why: "unreachable".into(),
                };
            }
            Ok(Err(e)) => {
                return Attempt::Final(ApiError::new(
                    ErrorKind::BadGateway,
                    format!(
                        "weir: the request to vendor {} failed: {}",
                        vendor.name,
                        upstream::describe(&e)
                    ),
                ));
            }
            Ok(Ok(r)) => r,
        };

    let status = response.status();
    ex.recording.answered(status.as_u16());
    if !status.is_success() {
        return vendor_error(shared, vendor.name.as_str(), response, started).await;
    }
    let client_model = rewrite_model.then(|| ex.client_model.clone());
    let streamed = ex.stream && is_event_stream(response.headers());
    match reply {
        None if streamed => {
            let pipe = Pipe::Relay(
                StreamRelay::new(client_protocol, client_model),
                client_protocol,
            );
            stream_response(shared, candidate, ex, response, pipe, started).await
        }
        None => full_response(shared, candidate, ex, response, client_model, started).await,
        Some(reply) if streamed => {
            let translator = translate::StreamTranslator::new(
                candidate.protocol,
                client_protocol,
                &vendor.name,
                reply,
            );
            let pipe = Pipe::Translate(Box::new(translator));
            stream_response(shared, candidate, ex, response, pipe, started).await
        }
        Some(reply) => translated_response(shared, candidate, ex, response, reply, started).await,
    }
}

/// Where an attempt goes, as the ledger records it.
pub fn target_record(candidate: &Candidate<'_>) -> weir_ledger::Target {
    let vendor = &candidate.target.vendor;
    let base_url = vendor
        .endpoint(candidate.protocol)
        .map_or("", |e| e.base_url.as_str());
    let host = base_url
        .parse::<http::Uri>()
        .ok()
        .and_then(|u| u.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    weir_ledger::Target {
        vendor: vendor.name.clone(),
        model: candidate.target.model.clone(),
        jurisdiction: vendor.jurisdiction.to_string(),
        host,
    }
}

/// The client's request encoded for the candidate's protocol, and what the answer's encoder
/// needs to know. An error means this vendor cannot serve the request as asked.
fn translate_request(
    candidate: &Candidate<'_>,
    ex: &Exchange<'_>,
) -> Result<(Bytes, Arc<Reply>), ApiError> {
    let client = ex.canonical().map_err(Clone::clone)?;
    let profile = &candidate.target.vendor.profile;
    let model = &candidate.target.model;
    let body =
        translate::encode_request(candidate.protocol, client, model, profile).map_err(|e| {
            let mut error = e.into_api_error();
            error.message = format!(
                "{} (vendor {}, via {})",
                error.message, candidate.target.vendor.name, candidate.protocol
            );
            error
        })?;
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let reply = Reply::new(
        ex.client_model.clone(),
        Arc::clone(client),
        ex.input_estimate(),
        created,
    );
    Ok((Bytes::from(body), Arc::new(reply)))
}

async fn vendor_error(
    shared: &Shared,
    vendor: &str,
    response: Response<Incoming>,
    started: Instant,
) -> Attempt {
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    let remaining = shared.config.timeouts.idle.min(remaining(shared, started));
    let body = body::read_limited(response.into_body(), MAX_ERROR_BODY, remaining)
        .await
        .unwrap_or_default();
    let mut error = ApiError::from_vendor(status, &body);
    error.message = format!("{vendor} answered {status}: {}", error.message);
    error.retry_after = retry_after;
    classify(shared, vendor, error)
}

/// Decides what a vendor's refusal means for the attempt loop.
fn classify(shared: &Shared, vendor: &str, error: ApiError) -> Attempt {
    let policy = shared.config.retry;
    match error.kind {
        ErrorKind::RateLimited | ErrorKind::Overloaded | ErrorKind::Unavailable => {
            Attempt::Failover {
                cooldown: error.retry_after.unwrap_or(policy.failure_cooldown),
                why: match error.kind {
                    ErrorKind::RateLimited => "rate limited".into(),
                    _ => "overloaded".into(),
                },
                error,
            }
        }
        ErrorKind::Authentication | ErrorKind::PermissionDenied
            if shared.health.has_served(vendor) =>
        {
            tracing::warn!(
                vendor,
                "vendor refused a key it accepted before: treating it as a cut-off and skipping it"
            );
            Attempt::Failover {
                error,
                cooldown: policy.cutoff_cooldown,
                why: "cut off (refused after serving)".into(),
            }
        }
        _ => Attempt::Final(error),
    }
}

async fn stream_response(
    shared: &Shared,
    candidate: &Candidate<'_>,
    ex: &Exchange<'_>,
    response: Response<Incoming>,
    mut relay: Pipe,
    started: Instant,
) -> Attempt {
    let vendor = candidate.target.vendor.name.as_str();
    let timeouts = shared.config.timeouts;
    let policy = shared.config.retry;
    let (parts, mut upstream) = response.into_parts();
    let mut out = BytesMut::new();
    let mut received: u64 = 0;
    let failover = |kind, message: String| Attempt::Failover {
        error: ApiError::new(kind, message),
        cooldown: policy.failure_cooldown,
        why: "stream failed before its first event".into(),
    };
    // The commit barrier: nothing goes to the client until the first well-formed event.
    loop {
        let wait = timeouts.idle.min(remaining(shared, started));
        match tokio::time::timeout(wait, upstream.frame()).await {
            Err(_) => {
                return failover(
                    ErrorKind::Timeout,
                    format!(
                        "weir: vendor {vendor} sent no event within {}s",
                        wait.as_secs()
                    ),
                );
            }
            Ok(None) => {
                // A short stream may complete only now (an event held back by the framer).
                if relay.finish(&mut out).is_err() || relay.state() == RelayState::Waiting {
                    return failover(
                        ErrorKind::BadGateway,
                        format!("weir: vendor {vendor} closed the stream before sending any event"),
                    );
                }
                break;
            }
            Ok(Some(Err(e))) => {
                return failover(
                    ErrorKind::BadGateway,
                    format!("weir: vendor {vendor}'s stream broke before its first event: {e}"),
                );
            }
            Ok(Some(Ok(frame))) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                received += data.len() as u64;
                if relay.feed(&data, &mut out).is_err() {
                    return failover(
                        ErrorKind::BadGateway,
                        format!("weir: vendor {vendor} sent a malformed first event"),
                    );
                }
                if relay.state() != RelayState::Waiting {
                    break;
                }
            }
        }
    }
    if relay.state() == RelayState::VendorError {
        // The vendor refused inside the stream before anything reached the client: still a
        // proper HTTP error, or a failover.
        let mut error = relay.vendor_error().cloned().unwrap_or_else(|| {
            ApiError::new(ErrorKind::BadGateway, "the vendor reported an error")
        });
        error.message = format!("{vendor} reported: {}", error.message);
        return classify(shared, vendor, error);
    }
    shared.health.served(vendor);
    let deadline = started + timeouts.total;
    let stream = RelayStream::new(
        out.freeze(),
        upstream,
        relay,
        timeouts.idle,
        deadline,
        vendor,
        Arc::clone(&ex.recording),
        received,
        ex.originals
            .clone()
            .filter(|o| !o.is_empty())
            .map(|o| crate::restore::StreamRestore::new(ex.endpoint.protocol(), o)),
    );
    Attempt::Committed {
        response: event_stream(stream.into_body(), &parts.headers, ex, vendor),
        answer: None,
    }
}

/// The response with the placeholders in `body` (the whole answer, as recorded) restored;
/// unchanged when the request had nothing redacted.
fn restore_answer(
    ex: &Exchange<'_>,
    response: Response<Body>,
    body: &Bytes,
    streamed: bool,
) -> Response<Body> {
    let Some(originals) = ex.originals.as_ref().filter(|o| !o.is_empty()) else {
        return response;
    };
    let restored = if streamed {
        let mut r = crate::restore::StreamRestore::new(ex.endpoint.protocol(), originals.clone());
        let mut out = r.feed(body).to_vec();
        out.extend_from_slice(&r.finish());
        (out != body.as_ref()).then_some(out)
    } else {
        crate::restore::restore_json(body, originals)
    };
    match restored {
        Some(new) => response.map(|_| body::full(new)),
        None => response,
    }
}

/// A `200 text/event-stream` response carrying `body`.
fn event_stream(
    body: Body,
    vendor_headers: &HeaderMap,
    ex: &Exchange<'_>,
    vendor: &str,
) -> Response<Body> {
    let mut builder = Response::builder().status(StatusCode::OK);
    if let Some(h) = builder.headers_mut() {
        h.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        h.insert(
            http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        );
        h.insert("x-accel-buffering", HeaderValue::from_static("no"));
        response_headers(h, vendor_headers, ex, vendor);
    }
    builder
        .body(body)
        .unwrap_or_else(|_| internal_error(ex.endpoint.protocol(), ex.request_id))
}

/// A vendor's complete answer in another protocol, translated for the client: as one JSON body,
/// or as a stream of the client's protocol when the client asked for one and the vendor
/// answered in one piece.
async fn translated_response(
    shared: &Shared,
    candidate: &Candidate<'_>,
    ex: &Exchange<'_>,
    response: Response<Incoming>,
    reply: Arc<Reply>,
    started: Instant,
) -> Attempt {
    let vendor = candidate.target.vendor.name.as_str();
    let client = ex.endpoint.protocol();
    let (parts, upstream) = response.into_parts();
    let bytes = match read_answer(shared, vendor, upstream, started).await {
        Ok(b) => b,
        Err(failover) => return failover,
    };
    let answer = match translate::decode_response(candidate.protocol, &bytes, vendor) {
        Ok(a) => a,
        Err(e) => {
            return Attempt::Failover {
                error: translate::malformed_vendor_answer(vendor, &e),
                cooldown: shared.config.retry.failure_cooldown,
                why: "unreadable answer".into(),
            };
        }
    };
    shared.health.served(vendor);
    ex.recording
        .settle(AttemptResult::Answered, bytes.len() as u64);
    if ex.stream {
        let events = translate::response_events(&answer);
        let bytes = translate::encode_stream(client, reply, &events).freeze();
        return Attempt::Committed {
            response: event_stream(body::full(bytes.clone()), &parts.headers, ex, vendor),
            answer: Some((bytes, true)),
        };
    }
    let body = translate::encode_response(client, &answer, &reply);
    let mut builder = Response::builder().status(StatusCode::OK);
    if let Some(h) = builder.headers_mut() {
        h.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response_headers(h, &parts.headers, ex, vendor);
    }
    let body = Bytes::from(body);
    Attempt::Committed {
        response: builder
            .body(body::full(body.clone()))
            .unwrap_or_else(|_| internal_error(client, ex.request_id)),
        answer: Some((body, false)),
    }
}

async fn full_response(
    shared: &Shared,
    candidate: &Candidate<'_>,
    ex: &Exchange<'_>,
    response: Response<Incoming>,
    client_model: Option<String>,
    started: Instant,
) -> Attempt {
    let vendor = candidate.target.vendor.name.as_str();
    let protocol = ex.endpoint.protocol();
    let (parts, upstream) = response.into_parts();
    let bytes = match read_answer(shared, vendor, upstream, started).await {
        Ok(b) => b,
        Err(failover) => return failover,
    };
    ex.recording
        .settle(AttemptResult::Answered, bytes.len() as u64);
    let bytes = match client_model {
        Some(model) => json::replace_string(&bytes, &["model"], &model)
            .map(Bytes::from)
            .unwrap_or(bytes),
        None => bytes,
    };
    shared.health.served(vendor);
    let mut builder = Response::builder().status(parts.status);
    if let Some(h) = builder.headers_mut() {
        let content_type = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static("application/json"));
        h.insert(http::header::CONTENT_TYPE, content_type);
        response_headers(h, &parts.headers, ex, vendor);
    }
    Attempt::Committed {
        response: builder
            .body(body::full(bytes.clone()))
            .unwrap_or_else(|_| internal_error(protocol, ex.request_id)),
        answer: Some((bytes, is_event_stream(&parts.headers))),
    }
}

/// Reads a vendor's complete answer; a broken one is a failover (nothing has reached the client).
async fn read_answer(
    shared: &Shared,
    vendor: &str,
    upstream: Incoming,
    started: Instant,
) -> Result<Bytes, Attempt> {
    body::read_limited(upstream, MAX_RESPONSE_BODY, remaining(shared, started))
        .await
        .map_err(|e| Attempt::Failover {
            error: ApiError::new(
                ErrorKind::BadGateway,
                format!("weir: vendor {vendor}'s response could not be read: {e}"),
            ),
            cooldown: shared.config.retry.failure_cooldown,
            why: "response broke".into(),
        })
}

fn response_headers(
    out: &mut HeaderMap,
    vendor_headers: &HeaderMap,
    ex: &Exchange<'_>,
    vendor: &str,
) {
    for (name, value) in vendor_headers {
        if headers::passed_back(name) {
            out.append(name.clone(), value.clone());
        }
    }
    if let Some(id) = headers::upstream_request_id(vendor_headers) {
        out.insert("x-weir-upstream-request-id", id.clone());
    }
    if let Ok(v) = HeaderValue::from_str(ex.request_id) {
        out.insert(ex.endpoint.protocol().request_id_header(), v);
    }
    if let Ok(v) = HeaderValue::from_str(vendor) {
        out.insert("x-weir-vendor", v);
    }
    if let Ok(v) = HeaderValue::from_str(ex.route) {
        out.insert("x-weir-route", v);
    }
}

fn remaining(shared: &Shared, started: Instant) -> Duration {
    (started + shared.config.timeouts.total).saturating_duration_since(Instant::now())
}

fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
        })
}

/// Reads `retry-after-ms` or `retry-after` (seconds or an HTTP date).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Renders `error` for the client. After internal retries or failover, `x-should-retry: false`
/// keeps the client's SDK from multiplying weir's own attempts.
pub fn error_response(
    protocol: Protocol,
    request_id: &str,
    mut error: ApiError,
    retried: bool,
) -> Response<Body> {
    if retried && error.should_retry.is_none() {
        error.should_retry = Some(false);
    }
    let status =
        StatusCode::from_u16(error.status(protocol)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = Response::builder().status(status);
    if let Some(h) = builder.headers_mut() {
        h.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(v) = HeaderValue::from_str(request_id) {
            h.insert(protocol.request_id_header(), v);
        }
        for (name, value) in error.headers() {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
        }
    }
    builder
        .body(body::full(error.body(protocol, request_id)))
        .unwrap_or_else(|_| internal_error(protocol, request_id))
}

fn internal_error(protocol: Protocol, request_id: &str) -> Response<Body> {
    let error = ApiError::new(
        ErrorKind::Internal,
        "weir: internal error building the response",
    );
    let mut r = Response::new(body::full(error.body(protocol, request_id)));
    *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_ms_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn event_stream_detection_ignores_parameters_and_case() {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            HeaderValue::from_static("Text/Event-Stream; charset=utf-8"),
        );
        assert!(is_event_stream(&h));
        h.insert("content-type", HeaderValue::from_static("application/json"));
        assert!(!is_event_stream(&h));
    }
}
