//! Errors in each client protocol's own shape.
//!
//! A client's SDK decides what to show and whether to retry from the HTTP status and the error
//! envelope, so every error weir returns (its own, or a vendor's, normalised) is rendered in the
//! protocol the client spoke: status, JSON body, and the in-stream event for errors that happen
//! after the stream has started.

use std::borrow::Cow;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use serde::Serialize;
use serde_json::Value;

use crate::{Protocol, sse};

/// What went wrong, in terms every protocol can express. Each kind maps to one HTTP status and one
/// error type per protocol (see [`ApiError::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Malformed or unsupported request. 400; A `invalid_request_error`; C/R
    /// `invalid_request_error`.
    InvalidRequest,
    /// Missing or wrong credentials. 401; A `authentication_error`; C/R type
    /// `invalid_request_error`, code `invalid_api_key`.
    Authentication,
    /// The vendor account has no credit. A 402 `billing_error`; C/R 429 with code
    /// `insufficient_quota` (and `x-should-retry: false`, see [`ApiError::should_retry`]).
    Billing,
    /// Forbidden (by the vendor, or by weir's access rules). 403; A `permission_error`; C/R
    /// `permission_error`.
    PermissionDenied,
    /// Unknown model, route or path. 404; A `not_found_error`; C/R `invalid_request_error` with
    /// code `model_not_found` when the error is about a model (set [`ApiError::code`]).
    NotFound,
    /// Body above the limit. 413; A `request_too_large`; C/R `invalid_request_error`.
    RequestTooLarge,
    /// The body is not JSON by its content type. 415; A `invalid_request_error`; C/R
    /// `invalid_request_error`.
    UnsupportedMediaType,
    /// The prompt does not fit the model's context window. 400; A `invalid_request_error` whose
    /// message starts `prompt is too long` (Claude Code compacts on that phrase); C/R code
    /// `context_length_exceeded` (Codex acts on that code).
    ContextLengthExceeded,
    /// Rate limited. 429; A `rate_limit_error`; C/R type `requests`, code `rate_limit_exceeded`
    /// (as OpenAI sends it).
    RateLimited,
    /// An error inside weir or the vendor. 500; A `api_error`; C/R `server_error`.
    Internal,
    /// The vendor could not be reached or answered garbage. 502; A `api_error`; C/R
    /// `server_error`.
    BadGateway,
    /// Nothing is available to serve the request right now (every target cooling down, a required
    /// subsystem down). 503; A `api_error`; C/R `server_error`.
    Unavailable,
    /// The vendor did not answer in time. 504; A `timeout_error`; C/R `server_error`.
    Timeout,
    /// The vendor is overloaded. A 529 `overloaded_error`; C/R 503 `server_error`.
    Overloaded,
}

/// An error to show to a client, independent of protocol until rendered.
///
/// `message` is shown to a person: it says what happened and what to do, and never contains a
/// secret (callers must not put request content or keys into it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The kind, which decides status and type.
    pub kind: ErrorKind,
    /// Human-readable message.
    pub message: String,
    /// OpenAI `code` override (e.g. `model_not_found`); when `None` the kind's default code is
    /// used (which may be `null`).
    pub code: Option<String>,
    /// OpenAI `param`: the request field at fault, if known.
    pub param: Option<String>,
    /// How long the client should wait before retrying (sent as `retry-after`, and as
    /// `retry-after-ms` when not a whole number of seconds).
    pub retry_after: Option<Duration>,
    /// Steers SDK retries through `x-should-retry`; `None` sends no header.
    pub should_retry: Option<bool>,
}

/// What a mid-stream error event needs to know about the stream it ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamContext {
    /// Responses API: the `sequence_number` the next event must carry.
    pub next_sequence_number: u64,
    /// Responses API: the response id announced in `response.created`, if seen.
    pub response_id: Option<String>,
    /// The model name the client sees.
    pub model: Option<String>,
}

impl ApiError {
    /// An error of `kind` with `message` and no other details.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
            code: None,
            param: None,
            retry_after: None,
            should_retry: None,
        }
    }

    /// Sets the OpenAI `code`.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets `retry_after`.
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// Sets `should_retry`.
    pub fn with_should_retry(mut self, retry: bool) -> Self {
        self.should_retry = Some(retry);
        self
    }

    /// The HTTP status for this error in protocol `p`.
    pub fn status(&self, p: Protocol) -> u16 {
        let openai = p != Protocol::Anthropic;
        match self.kind {
            ErrorKind::InvalidRequest | ErrorKind::ContextLengthExceeded => 400,
            ErrorKind::Authentication => 401,
            ErrorKind::Billing if openai => 429,
            ErrorKind::Billing => 402,
            ErrorKind::PermissionDenied => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::RequestTooLarge => 413,
            ErrorKind::UnsupportedMediaType => 415,
            ErrorKind::RateLimited => 429,
            ErrorKind::Internal => 500,
            ErrorKind::BadGateway => 502,
            ErrorKind::Unavailable => 503,
            ErrorKind::Timeout => 504,
            ErrorKind::Overloaded if openai => 503,
            ErrorKind::Overloaded => 529,
        }
    }

    /// The JSON error body in protocol `p`. Anthropic: `{"type":"error","error":{"type","message"},
    /// "request_id"}`; OpenAI (C and R): `{"error":{"message","type","param","code"}}`.
    ///
    /// For [`ErrorKind::ContextLengthExceeded`] the Anthropic message is made to start with
    /// `prompt is too long` if it does not already.
    pub fn body(&self, p: Protocol, request_id: &str) -> Vec<u8> {
        match p {
            Protocol::Anthropic => to_json(&AnthropicBody {
                kind: "error",
                error: self.anthropic_error(),
                request_id: Some(request_id),
            }),
            Protocol::OpenAiChat | Protocol::OpenAiResponses => to_json(&OpenAiBody {
                error: self.openai_error(),
            }),
        }
    }

    /// Response headers that go with this error (`retry-after`, `retry-after-ms`,
    /// `x-should-retry`), as lower-case names and values. `content-type` and the request-id header
    /// are the caller's.
    ///
    /// `retry-after` is in whole seconds, rounded up; `retry-after-ms` is added when the delay is
    /// not a whole number of seconds. [`ErrorKind::Billing`] sends `x-should-retry: false` unless
    /// [`ApiError::should_retry`] says otherwise: OpenAI clients see it as a 429, which they would
    /// otherwise retry.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::new();
        if let Some(after) = self.retry_after {
            let fractional = after.subsec_nanos() != 0;
            headers.push((
                "retry-after",
                (after.as_secs() + u64::from(fractional)).to_string(),
            ));
            if fractional {
                let ms = after.as_millis() + u128::from(after.subsec_nanos() % 1_000_000 != 0);
                headers.push(("retry-after-ms", ms.to_string()));
            }
        }
        let should_retry = self
            .should_retry
            .or((self.kind == ErrorKind::Billing).then_some(false));
        if let Some(retry) = should_retry {
            headers.push(("x-should-retry", retry.to_string()));
        }
        headers
    }

    /// The SSE bytes that end a stream of protocol `p` with this error after the response has
    /// started: Anthropic `event: error`; Chat Completions a `data:` frame with a top-level
    /// `error` object; Responses an `error` event followed by `response.failed` (with
    /// `ctx.response_id` and consecutive sequence numbers starting at
    /// `ctx.next_sequence_number`).
    ///
    /// Responses codes are `context_length_exceeded`, `rate_limit_exceeded`,
    /// `insufficient_quota`, [`ApiError::code`] when set, otherwise `invalid_request_error` for
    /// client errors and `server_error` for the rest. A rate-limit message gets `Please try again
    /// in Ns.` appended when [`ApiError::retry_after`] is set (Codex reads the delay from that
    /// text). Without `ctx.response_id` a fresh `resp_…` id is made up.
    pub fn stream_frame(&self, p: Protocol, ctx: &StreamContext) -> Bytes {
        match p {
            Protocol::Anthropic => {
                let body = to_json(&AnthropicBody {
                    kind: "error",
                    error: self.anthropic_error(),
                    request_id: None,
                });
                sse::encode(Some("error"), &String::from_utf8_lossy(&body))
            }
            Protocol::OpenAiChat => {
                let body = to_json(&OpenAiBody {
                    error: self.openai_error(),
                });
                sse::encode(None, &String::from_utf8_lossy(&body))
            }
            Protocol::OpenAiResponses => self.responses_stream_frame(ctx),
        }
    }

    /// Normalises a vendor's error response (any protocol's envelope, or plain text) into an
    /// [`ApiError`], so it can be re-rendered in the client's protocol.
    ///
    /// The kind comes from the status, refined by the envelope: an Anthropic `overloaded_error`
    /// or a 529 is [`ErrorKind::Overloaded`], a 503 whose message mentions overload too; an
    /// OpenAI `insufficient_quota` is [`ErrorKind::Billing`]; a context-overflow message in any
    /// vendor's wording (`prompt is too long`, `context_length_exceeded`, `maximum context
    /// length`, `exceeds the context window`, `longer than the model's context length`, Ollama's
    /// `Prompt too long`) is [`ErrorKind::ContextLengthExceeded`] with the message rewritten to
    /// start `prompt is too long` when the original does not. The vendor's message is kept
    /// (truncated to 1,000 characters). `retry_after` is the caller's (it comes from headers).
    ///
    /// Envelopes understood: Anthropic `{"type":"error","error":{type,message}}`, OpenAI
    /// `{"error":{message,type,param,code}}` (also with `error` a plain string), the Responses
    /// stream's `{"type":"error",code,message}` and `{"response":{"error":{code,message}}}`, and
    /// bare `{"message"}` / `{"detail"}` objects. An OpenAI `code` is kept when it is one clients
    /// act on (`invalid_api_key`, `model_not_found`, `context_length_exceeded`,
    /// `rate_limit_exceeded`, `insufficient_quota`) and the kind does not imply it already. A
    /// status outside 400–599 (an error reported inside a 200 stream) leaves the kind to the
    /// envelope's `type` and `code`, [`ErrorKind::Internal`] when they say nothing.
    pub fn from_vendor(status: u16, body: &[u8]) -> ApiError {
        let fields = match serde_json::from_slice::<Value>(body) {
            Ok(value) => VendorFields::from_json(&value),
            Err(_) => VendorFields::from_text(body),
        };
        fields.into_error(Some(status))
    }

    /// [`ApiError::from_vendor`] for an error event inside a stream (no HTTP status to go by).
    pub(crate) fn from_stream_event(event: &Value) -> ApiError {
        VendorFields::from_json(event).into_error(None)
    }

    fn anthropic_error(&self) -> AnthropicError<'_> {
        let message = if self.kind == ErrorKind::ContextLengthExceeded {
            with_overflow_prefix(&self.message)
        } else {
            Cow::Borrowed(self.message.as_str())
        };
        AnthropicError {
            kind: self.kind.anthropic_type(),
            message,
        }
    }

    fn openai_error(&self) -> OpenAiError<'_> {
        OpenAiError {
            message: &self.message,
            kind: self.kind.openai_type(),
            param: self.param.as_deref(),
            code: self.code.as_deref().or(self.kind.openai_code()),
        }
    }

    fn responses_stream_frame(&self, ctx: &StreamContext) -> Bytes {
        let code = self
            .code
            .as_deref()
            .unwrap_or_else(|| self.kind.responses_stream_code());
        let mut message = Cow::Borrowed(self.message.as_str());
        if self.kind == ErrorKind::RateLimited
            && let Some(after) = self.retry_after
            && !contains_ignore_case(&message, "try again in")
        {
            let sep = if message.is_empty() { "" } else { " " };
            message = Cow::Owned(format!(
                "{message}{sep}Please try again in {}.",
                seconds_text(after)
            ));
        }
        let fresh_id;
        let id = match &ctx.response_id {
            Some(id) => id.as_str(),
            None => {
                fresh_id = format!("resp_{:032x}", fastrand::u128(..));
                &fresh_id
            }
        };
        let error = to_json(&ResponsesErrorEvent {
            kind: "error",
            code,
            message: &message,
            param: self.param.as_deref(),
            sequence_number: ctx.next_sequence_number,
        });
        let failed = to_json(&ResponsesFailedEvent {
            kind: "response.failed",
            sequence_number: ctx.next_sequence_number.saturating_add(1),
            response: FailedResponse {
                id,
                object: "response",
                status: "failed",
                model: ctx.model.as_deref(),
                output: &[],
                error: ResponseError {
                    code,
                    message: &message,
                },
                incomplete_details: None,
                usage: None,
            },
        });
        let mut out = BytesMut::new();
        out.extend_from_slice(&sse::encode(
            Some("error"),
            &String::from_utf8_lossy(&error),
        ));
        out.extend_from_slice(&sse::encode(
            Some("response.failed"),
            &String::from_utf8_lossy(&failed),
        ));
        out.freeze()
    }
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 14] = [
        ErrorKind::InvalidRequest,
        ErrorKind::Authentication,
        ErrorKind::Billing,
        ErrorKind::PermissionDenied,
        ErrorKind::NotFound,
        ErrorKind::RequestTooLarge,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::ContextLengthExceeded,
        ErrorKind::RateLimited,
        ErrorKind::Internal,
        ErrorKind::BadGateway,
        ErrorKind::Unavailable,
        ErrorKind::Timeout,
        ErrorKind::Overloaded,
    ];

    fn anthropic_type(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest
            | ErrorKind::UnsupportedMediaType
            | ErrorKind::ContextLengthExceeded => "invalid_request_error",
            ErrorKind::Authentication => "authentication_error",
            ErrorKind::Billing => "billing_error",
            ErrorKind::PermissionDenied => "permission_error",
            ErrorKind::NotFound => "not_found_error",
            ErrorKind::RequestTooLarge => "request_too_large",
            ErrorKind::RateLimited => "rate_limit_error",
            ErrorKind::Internal | ErrorKind::BadGateway | ErrorKind::Unavailable => "api_error",
            ErrorKind::Timeout => "timeout_error",
            ErrorKind::Overloaded => "overloaded_error",
        }
    }

    fn openai_type(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest
            | ErrorKind::Authentication
            | ErrorKind::NotFound
            | ErrorKind::RequestTooLarge
            | ErrorKind::UnsupportedMediaType
            | ErrorKind::ContextLengthExceeded => "invalid_request_error",
            ErrorKind::Billing => "insufficient_quota",
            ErrorKind::PermissionDenied => "permission_error",
            ErrorKind::RateLimited => "requests",
            ErrorKind::Internal
            | ErrorKind::BadGateway
            | ErrorKind::Unavailable
            | ErrorKind::Timeout
            | ErrorKind::Overloaded => "server_error",
        }
    }

    /// The OpenAI `code` a kind implies, when it implies one.
    fn openai_code(self) -> Option<&'static str> {
        match self {
            ErrorKind::Authentication => Some("invalid_api_key"),
            ErrorKind::ContextLengthExceeded => Some("context_length_exceeded"),
            ErrorKind::RateLimited => Some("rate_limit_exceeded"),
            ErrorKind::Billing => Some("insufficient_quota"),
            _ => None,
        }
    }

    /// The `code` of a Responses `error` / `response.failed` event (which is never null).
    fn responses_stream_code(self) -> &'static str {
        match self.openai_code() {
            Some(code) if self != ErrorKind::Authentication => code,
            _ if self.is_client_error() => "invalid_request_error",
            _ => "server_error",
        }
    }

    fn is_client_error(self) -> bool {
        !matches!(
            self,
            ErrorKind::Internal
                | ErrorKind::BadGateway
                | ErrorKind::Unavailable
                | ErrorKind::Timeout
                | ErrorKind::Overloaded
        )
    }

    fn from_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::Authentication,
            402 => ErrorKind::Billing,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            413 => ErrorKind::RequestTooLarge,
            415 => ErrorKind::UnsupportedMediaType,
            429 => ErrorKind::RateLimited,
            500 => ErrorKind::Internal,
            502 => ErrorKind::BadGateway,
            503 => ErrorKind::Unavailable,
            504 => ErrorKind::Timeout,
            529 => ErrorKind::Overloaded,
            // 400 and every other client error.
            400..=499 => ErrorKind::InvalidRequest,
            _ => ErrorKind::Internal,
        }
    }

    /// The kind an envelope's `code` (checked first) or `type` names, in any protocol.
    fn from_labels(error_type: &str, code: &str) -> Option<ErrorKind> {
        let by_code = match code {
            "invalid_api_key" => Some(ErrorKind::Authentication),
            "model_not_found" => Some(ErrorKind::NotFound),
            "context_length_exceeded" => Some(ErrorKind::ContextLengthExceeded),
            "rate_limit_exceeded" => Some(ErrorKind::RateLimited),
            "insufficient_quota" => Some(ErrorKind::Billing),
            "server_error" => Some(ErrorKind::Internal),
            _ => None,
        };
        by_code.or(match error_type {
            "invalid_request_error" => Some(ErrorKind::InvalidRequest),
            "authentication_error" => Some(ErrorKind::Authentication),
            "billing_error" | "insufficient_quota" => Some(ErrorKind::Billing),
            "permission_error" => Some(ErrorKind::PermissionDenied),
            "not_found_error" => Some(ErrorKind::NotFound),
            "request_too_large" => Some(ErrorKind::RequestTooLarge),
            "rate_limit_error" | "requests" | "tokens" => Some(ErrorKind::RateLimited),
            "api_error" | "server_error" => Some(ErrorKind::Internal),
            "timeout_error" => Some(ErrorKind::Timeout),
            "overloaded_error" => Some(ErrorKind::Overloaded),
            _ => None,
        })
    }
}

/// OpenAI codes clients act on, kept when a vendor sends them.
const KNOWN_CODES: [&str; 5] = [
    "invalid_api_key",
    "model_not_found",
    "context_length_exceeded",
    "rate_limit_exceeded",
    "insufficient_quota",
];

/// Lower-case phrases vendors use for a prompt that does not fit the context window.
const OVERFLOW_PHRASES: [&str; 7] = [
    "prompt is too long",
    "prompt too long",
    "context_length_exceeded",
    "maximum context length",
    "exceeds the context window",
    "longer than the model's context length",
    "model_max_prompt_tokens_exceeded",
];

/// Longest vendor message kept, in characters.
const MAX_VENDOR_MESSAGE: usize = 1000;

/// What a vendor's error envelope says, whatever its shape.
#[derive(Debug, Default)]
struct VendorFields {
    error_type: Option<String>,
    code: Option<String>,
    message: Option<String>,
    param: Option<String>,
    /// The body was an HTML page (from a proxy), not worth showing.
    html: bool,
}

impl VendorFields {
    fn from_json(value: &Value) -> VendorFields {
        let Some(obj) = value.as_object() else {
            return VendorFields {
                message: value.as_str().map(str::to_owned),
                ..VendorFields::default()
            };
        };
        let inner = obj
            .get("error")
            .filter(|e| !e.is_null())
            .or_else(|| obj.get("response")?.get("error").filter(|e| !e.is_null()));
        // A top-level `type` of `error` marks the Anthropic / Responses envelope; any other
        // top-level `type` may describe the error itself.
        let top_type =
            text(obj.get("type")).filter(|t| t != "error" && !t.starts_with("response."));
        let top_message = text(obj.get("message")).or_else(|| match obj.get("detail") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(d) if !d.is_null() => Some(d.to_string()),
            _ => None,
        });
        match inner {
            Some(Value::Object(e)) => VendorFields {
                error_type: text(e.get("type")).or(top_type),
                code: text(e.get("code")).or_else(|| text(obj.get("code"))),
                message: text(e.get("message")).or(top_message),
                param: text(e.get("param")),
                html: false,
            },
            Some(Value::String(s)) => VendorFields {
                error_type: top_type,
                code: text(obj.get("code")),
                message: Some(s.clone()),
                param: None,
                html: false,
            },
            _ => VendorFields {
                error_type: top_type,
                code: text(obj.get("code")),
                message: top_message,
                param: text(obj.get("param")),
                html: false,
            },
        }
    }

    fn from_text(body: &[u8]) -> VendorFields {
        let text = String::from_utf8_lossy(body);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let html = text.starts_with('<');
        VendorFields {
            message: Some(text).filter(|t| !t.is_empty() && !html),
            html,
            ..VendorFields::default()
        }
    }

    fn into_error(self, status: Option<u16>) -> ApiError {
        let is_error_status = |s: &u16| (400..=599).contains(s);
        // In a stream there is no status; some vendors (OpenRouter) put one in `code`.
        let status = status.filter(is_error_status).or_else(|| {
            let code = self.code.as_deref()?.parse::<u16>().ok();
            code.filter(is_error_status)
        });
        let mut kind = self.kind(status);
        let mut message = match self.message.as_deref().map(str::trim) {
            Some(m) if !m.is_empty() => truncate(m, MAX_VENDOR_MESSAGE),
            _ => match (status, self.html) {
                (Some(s), true) => format!("the vendor answered HTTP {s} with an HTML page"),
                (Some(s), false) => format!("the vendor answered HTTP {s} without details"),
                (None, _) => "the vendor reported an error without details".to_owned(),
            },
        };
        let overflow = [&self.message, &self.code, &self.error_type]
            .into_iter()
            .flatten()
            .map(|s| s.to_lowercase())
            .any(|s| OVERFLOW_PHRASES.iter().any(|p| s.contains(p)));
        if overflow {
            kind = ErrorKind::ContextLengthExceeded;
            message = with_overflow_prefix(&message).into_owned();
        }
        let code = self
            .code
            .filter(|c| KNOWN_CODES.contains(&c.as_str()) && kind.openai_code().is_none());
        ApiError {
            kind,
            message,
            code,
            param: self.param,
            retry_after: None,
            should_retry: None,
        }
    }

    fn kind(&self, status: Option<u16>) -> ErrorKind {
        let error_type = self.error_type.as_deref().unwrap_or("");
        let code = self.code.as_deref().unwrap_or("");
        if error_type == "insufficient_quota"
            || code == "insufficient_quota"
            || error_type == "billing_error"
        {
            return ErrorKind::Billing;
        }
        if error_type == "overloaded_error" || status == Some(529) {
            return ErrorKind::Overloaded;
        }
        let kind = match status {
            Some(s) => ErrorKind::from_status(s),
            None => ErrorKind::from_labels(error_type, code).unwrap_or(ErrorKind::Internal),
        };
        let says_overloaded = [&self.message, &self.error_type]
            .into_iter()
            .flatten()
            .any(|s| contains_ignore_case(s, "overload"));
        let vague =
            kind == ErrorKind::Unavailable || (status.is_none() && kind == ErrorKind::Internal);
        if says_overloaded && vague {
            return ErrorKind::Overloaded;
        }
        kind
    }
}

/// A string field, or a number field as text (some vendors send numeric codes).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether `haystack` contains `needle` (which must be lower-case), ignoring case.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(needle)
}

/// `message`, starting with `prompt is too long` (Claude Code compacts on that phrase).
fn with_overflow_prefix(message: &str) -> Cow<'_, str> {
    let starts = message
        .get(..18)
        .is_some_and(|s| s.eq_ignore_ascii_case("prompt is too long"));
    if starts {
        Cow::Borrowed(message)
    } else {
        Cow::Owned(format!("prompt is too long: {message}"))
    }
}

/// At most `max` characters of `s`, the last one `…` when something was cut.
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some(_) => {
            let mut out: String = s.chars().take(max - 1).collect();
            out.push('…');
            out
        }
    }
}

/// A delay as Codex's `try again in N s` pattern reads it: `20s`, `1.5s`, `0.25s`.
fn seconds_text(after: Duration) -> String {
    if after.subsec_nanos() == 0 {
        return format!("{}s", after.as_secs());
    }
    let ms = after.as_millis() + u128::from(after.subsec_nanos() % 1_000_000 != 0);
    let text = format!("{}.{:03}", ms / 1000, ms % 1000);
    format!("{}s", text.trim_end_matches('0').trim_end_matches('.'))
}

fn to_json(value: &impl Serialize) -> Vec<u8> {
    // These bodies are plain structs of strings, numbers and options: serialising them to a
    // `Vec` cannot fail.
    serde_json::to_vec(value).expect("error bodies always serialise")
}

#[derive(Serialize)]
struct AnthropicBody<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    error: AnthropicError<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

#[derive(Serialize)]
struct AnthropicError<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    message: Cow<'a, str>,
}

#[derive(Serialize)]
struct OpenAiBody<'a> {
    error: OpenAiError<'a>,
}

#[derive(Serialize)]
struct OpenAiError<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    param: Option<&'a str>,
    code: Option<&'a str>,
}

#[derive(Serialize)]
struct ResponsesErrorEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    code: &'a str,
    message: &'a str,
    param: Option<&'a str>,
    sequence_number: u64,
}

#[derive(Serialize)]
struct ResponsesFailedEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    sequence_number: u64,
    response: FailedResponse<'a>,
}

#[derive(Serialize)]
struct FailedResponse<'a> {
    id: &'a str,
    object: &'static str,
    status: &'static str,
    model: Option<&'a str>,
    output: &'static [()],
    error: ResponseError<'a>,
    incomplete_details: Option<()>,
    usage: Option<()>,
}

#[derive(Serialize)]
struct ResponseError<'a> {
    code: &'a str,
    message: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    fn sample(kind: ErrorKind) -> ApiError {
        let err = ApiError::new(kind, format!("sample {kind:?} message"));
        match kind {
            ErrorKind::NotFound => err.with_code("model_not_found"),
            ErrorKind::RateLimited => err.with_retry_after(Duration::from_secs(20)),
            ErrorKind::ContextLengthExceeded => {
                ApiError::new(kind, "prompt is too long: 210000 tokens > 200000 maximum")
            }
            ErrorKind::InvalidRequest => ApiError {
                param: Some("messages".into()),
                ..err
            },
            _ => err,
        }
    }

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn every_kind_in_every_protocol() {
        let mut out = String::new();
        for kind in ErrorKind::ALL {
            let err = sample(kind);
            writeln!(out, "{kind:?} {:?}", err.headers()).unwrap();
            for p in Protocol::ALL {
                let body = err.body(p, "req_0123");
                // Every body is valid JSON.
                serde_json::from_slice::<Value>(&body).unwrap();
                writeln!(
                    out,
                    "  {:<16} {} {}",
                    p.as_str(),
                    err.status(p),
                    text(&body)
                )
                .unwrap();
            }
        }
        insta::assert_snapshot!("bodies", out);
    }

    #[test]
    fn every_kind_as_a_stream_frame() {
        let ctx = StreamContext {
            next_sequence_number: 7,
            response_id: Some("resp_abc".into()),
            model: Some("gpt-5-codex".into()),
        };
        let mut out = String::new();
        for kind in ErrorKind::ALL {
            let err = sample(kind);
            writeln!(out, "## {kind:?}").unwrap();
            for p in Protocol::ALL {
                out.push_str(text(&err.stream_frame(p, &ctx)));
            }
        }
        insta::assert_snapshot!("stream_frames", out);
    }

    #[test]
    fn stream_frames_parse_as_sse_with_json_data() {
        let ctx = StreamContext::default();
        for kind in ErrorKind::ALL {
            for p in Protocol::ALL {
                let mut framer = sse::Framer::new();
                framer.push(&sample(kind).stream_frame(p, &ctx));
                let mut frames = Vec::new();
                while let Some(f) = framer.next_frame() {
                    frames.push(f);
                }
                assert!(framer.pending().is_empty());
                let expected = if p == Protocol::OpenAiResponses { 2 } else { 1 };
                assert_eq!(frames.len(), expected);
                for f in &frames {
                    let data: Value = serde_json::from_str(f.data.as_deref().unwrap()).unwrap();
                    if let Some(event) = &f.event {
                        assert_eq!(data["type"], event.as_str());
                    }
                }
            }
        }
    }

    #[test]
    fn responses_frame_without_id_makes_one_up() {
        let err = ApiError::new(ErrorKind::Internal, "boom");
        let frame = err.stream_frame(Protocol::OpenAiResponses, &StreamContext::default());
        let text = text(&frame);
        let failed = text.split("data: ").nth(2).unwrap().trim();
        let failed: Value = serde_json::from_str(failed).unwrap();
        let id = failed["response"]["id"].as_str().unwrap();
        assert!(id.starts_with("resp_") && id.len() == 37, "{id}");
        assert_eq!(failed["sequence_number"], 1);
        assert_eq!(failed["response"]["model"], Value::Null);
    }

    #[test]
    fn rate_limit_message_tells_codex_when_to_retry() {
        let ctx = StreamContext::default();
        let err = ApiError::new(ErrorKind::RateLimited, "Slow down.")
            .with_retry_after(Duration::from_millis(1500));
        let frame = err.stream_frame(Protocol::OpenAiResponses, &ctx);
        assert!(text(&frame).contains(r#""message":"Slow down. Please try again in 1.5s.""#));
        let already = ApiError::new(ErrorKind::RateLimited, "Please try again in 3s.")
            .with_retry_after(Duration::from_secs(3));
        let frame = already.stream_frame(Protocol::OpenAiResponses, &ctx);
        assert_eq!(text(&frame).matches("try again").count(), 2); // once per event
        assert_eq!(seconds_text(Duration::from_millis(250)), "0.25s");
        assert_eq!(seconds_text(Duration::from_micros(1_000_001)), "1.001s");
    }

    #[test]
    fn headers_round_retry_after_up_and_add_milliseconds() {
        let h = |e: ApiError| e.headers();
        let base = ApiError::new(ErrorKind::RateLimited, "x");
        assert_eq!(h(base.clone()), vec![]);
        assert_eq!(
            h(base.clone().with_retry_after(Duration::from_secs(20))),
            vec![("retry-after", "20".to_owned())]
        );
        assert_eq!(
            h(base
                .clone()
                .with_retry_after(Duration::from_millis(1500))
                .with_should_retry(true)),
            vec![
                ("retry-after", "2".to_owned()),
                ("retry-after-ms", "1500".to_owned()),
                ("x-should-retry", "true".to_owned())
            ]
        );
        assert_eq!(
            h(base.with_retry_after(Duration::from_micros(200_001))),
            vec![
                ("retry-after", "1".to_owned()),
                ("retry-after-ms", "201".to_owned())
            ]
        );
        // Billing is a 429 to OpenAI clients, which must not retry it.
        assert_eq!(
            h(ApiError::new(ErrorKind::Billing, "x")),
            vec![("x-should-retry", "false".to_owned())]
        );
        assert_eq!(
            h(ApiError::new(ErrorKind::Billing, "x").with_should_retry(true)),
            vec![("x-should-retry", "true".to_owned())]
        );
    }

    #[test]
    fn anthropic_context_overflow_message_always_starts_with_the_phrase() {
        let err = ApiError::new(ErrorKind::ContextLengthExceeded, "too many tokens");
        let body: Value = serde_json::from_slice(&err.body(Protocol::Anthropic, "r")).unwrap();
        assert_eq!(
            body["error"]["message"],
            "prompt is too long: too many tokens"
        );
        let body: Value = serde_json::from_slice(&err.body(Protocol::OpenAiChat, "r")).unwrap();
        assert_eq!(body["error"]["message"], "too many tokens");
        assert_eq!(body["error"]["code"], "context_length_exceeded");
    }

    fn vendor(status: u16, body: &str) -> ApiError {
        ApiError::from_vendor(status, body.as_bytes())
    }

    #[test]
    fn anthropic_overloaded_529() {
        let err = vendor(
            529,
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}"#,
        );
        assert_eq!(err, ApiError::new(ErrorKind::Overloaded, "Overloaded"));
        assert_eq!(err.status(Protocol::Anthropic), 529);
        assert_eq!(err.status(Protocol::OpenAiChat), 503);
    }

    #[test]
    fn openai_rate_limit_429() {
        let err = vendor(
            429,
            r#"{
    "error": {
        "message": "Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2.0s. Visit https://platform.openai.com/account/rate-limits to learn more.",
        "type": "tokens",
        "param": null,
        "code": "rate_limit_exceeded"
    }
}"#,
        );
        assert_eq!(err.kind, ErrorKind::RateLimited);
        assert_eq!(err.code, None); // the kind's default code already says it
        assert!(err.message.starts_with("Rate limit reached for gpt-4o"));
        let body: Value = serde_json::from_slice(&err.body(Protocol::OpenAiChat, "r")).unwrap();
        assert_eq!(body["error"]["code"], "rate_limit_exceeded");
    }

    #[test]
    fn openai_insufficient_quota_is_billing() {
        let err = vendor(
            429,
            r#"{"error":{"message":"You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
        );
        assert_eq!(err.kind, ErrorKind::Billing);
        assert_eq!(err.status(Protocol::Anthropic), 402);
        assert_eq!(err.status(Protocol::OpenAiResponses), 429);
        assert!(
            err.headers()
                .contains(&("x-should-retry", "false".to_owned()))
        );
    }

    #[test]
    fn deepseek_openai_shaped_error_from_an_anthropic_endpoint() {
        let err = vendor(
            400,
            r#"{"error":{"message":"This model's maximum context length is 65536 tokens. However, you requested 70521 tokens (62521 in the messages, 8000 in the completion). Please reduce the length of the messages or completion.","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}"#,
        );
        assert_eq!(err.kind, ErrorKind::ContextLengthExceeded);
        assert!(
            err.message
                .starts_with("prompt is too long: This model's maximum context length")
        );
        assert_eq!(err.code, None);
        let body: Value = serde_json::from_slice(&err.body(Protocol::Anthropic, "r")).unwrap();
        assert_eq!(body["error"]["type"], "invalid_request_error");

        let auth = vendor(
            401,
            r#"{"error":{"message":"Authentication Fails, Your api key: ****abcd is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}"#,
        );
        assert_eq!(auth.kind, ErrorKind::Authentication);
    }

    #[test]
    fn ollama_prompt_too_long() {
        let err = vendor(
            400,
            r#"{"type":"error","error":{"type":"invalid_request_error","message":"Prompt too long: 40123 tokens exceeds max context window of 32768"}}"#,
        );
        assert_eq!(err.kind, ErrorKind::ContextLengthExceeded);
        assert_eq!(
            err.message,
            "prompt is too long: Prompt too long: 40123 tokens exceeds max context window of 32768"
        );
        // Ollama's native API puts the message in a plain string.
        let native = vendor(
            500,
            r#"{"error":"prompt too long; exceeded max context length by 512 tokens"}"#,
        );
        assert_eq!(native.kind, ErrorKind::ContextLengthExceeded);
    }

    #[test]
    fn anthropic_prompt_is_too_long_is_kept_verbatim() {
        let msg = "prompt is too long: 210571 tokens > 200000 maximum";
        let err = vendor(
            400,
            &format!(
                r#"{{"type":"error","error":{{"type":"invalid_request_error","message":"{msg}"}}}}"#
            ),
        );
        assert_eq!(err, ApiError::new(ErrorKind::ContextLengthExceeded, msg));
    }

    #[test]
    fn plain_text_502_from_a_proxy() {
        let err = vendor(
            502,
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure\n",
        );
        assert_eq!(
            err,
            ApiError::new(
                ErrorKind::BadGateway,
                "upstream connect error or disconnect/reset before headers. reset reason: connection failure"
            )
        );
        let html = vendor(
            502,
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
        );
        assert_eq!(
            html,
            ApiError::new(
                ErrorKind::BadGateway,
                "the vendor answered HTTP 502 with an HTML page"
            )
        );
        assert_eq!(
            vendor(504, "").message,
            "the vendor answered HTTP 504 without details"
        );
    }

    #[test]
    fn status_mapping() {
        let cases = [
            (400, ErrorKind::InvalidRequest),
            (401, ErrorKind::Authentication),
            (402, ErrorKind::Billing),
            (403, ErrorKind::PermissionDenied),
            (404, ErrorKind::NotFound),
            (408, ErrorKind::InvalidRequest),
            (413, ErrorKind::RequestTooLarge),
            (415, ErrorKind::UnsupportedMediaType),
            (422, ErrorKind::InvalidRequest),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Internal),
            (501, ErrorKind::Internal),
            (502, ErrorKind::BadGateway),
            (503, ErrorKind::Unavailable),
            (504, ErrorKind::Timeout),
            (529, ErrorKind::Overloaded),
        ];
        for (status, kind) in cases {
            assert_eq!(
                vendor(status, r#"{"error":{"message":"x"}}"#).kind,
                kind,
                "{status}"
            );
        }
        assert_eq!(vendor(503, r#"{"error":{"message":"The engine is currently overloaded, please try again later"}}"#).kind, ErrorKind::Overloaded);
        assert_eq!(
            vendor(503, "Service Overloaded").kind,
            ErrorKind::Overloaded
        );
        assert_eq!(
            vendor(
                500,
                r#"{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"#
            )
            .kind,
            ErrorKind::Overloaded
        );
    }

    #[test]
    fn known_codes_are_kept_and_others_dropped() {
        let err = vendor(
            404,
            r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#,
        );
        assert_eq!(
            (err.kind, err.code.as_deref()),
            (ErrorKind::NotFound, Some("model_not_found"))
        );
        let err = vendor(
            400,
            r#"{"error":{"message":"bad","type":"invalid_request_error","param":"tools[0]","code":"invalid_value"}}"#,
        );
        assert_eq!((err.code, err.param.as_deref()), (None, Some("tools[0]")));
        let err = vendor(429, r#"{"error":{"code":1302,"message":"rate limited"}}"#);
        assert_eq!((err.kind, err.code), (ErrorKind::RateLimited, None));
        // In a stream, a numeric code that is an HTTP status stands in for the status.
        let ev = |s: &str| ApiError::from_stream_event(&serde_json::from_str(s).unwrap());
        assert_eq!(
            ev(r#"{"error":{"code":502,"message":"Provider returned error"}}"#).kind,
            ErrorKind::BadGateway
        );
        assert_eq!(
            ev(r#"{"error":{"code":1302,"message":"x"}}"#).kind,
            ErrorKind::Internal
        );
    }

    #[test]
    fn long_messages_are_truncated() {
        let long = "é".repeat(5000);
        let err = vendor(500, &format!(r#"{{"error":{{"message":"{long}"}}}}"#));
        assert_eq!(err.message.chars().count(), 1000);
        assert!(err.message.ends_with('…'));
    }

    #[test]
    fn stream_events_are_classified_by_their_labels() {
        let ev = |s: &str| ApiError::from_stream_event(&serde_json::from_str(s).unwrap());
        assert_eq!(
            ev(r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
            ApiError::new(ErrorKind::Overloaded, "Overloaded")
        );
        assert_eq!(
            ev(r#"{"type":"error","code":"rate_limit_exceeded","message":"slow","param":null,"sequence_number":3}"#).kind,
            ErrorKind::RateLimited
        );
        let failed = ev(
            r#"{"type":"response.failed","sequence_number":9,"response":{"id":"resp_1","status":"failed","error":{"code":"context_length_exceeded","message":"Your input exceeds the context window of this model."}}}"#,
        );
        assert_eq!(failed.kind, ErrorKind::ContextLengthExceeded);
        assert_eq!(
            failed.message,
            "prompt is too long: Your input exceeds the context window of this model."
        );
        assert_eq!(
            ev(r#"{"error":{"message":"oops"}}"#).kind,
            ErrorKind::Internal
        );
        assert_eq!(
            ev(r#"{"error":{"message":"x","type":"invalid_request_error"}}"#).kind,
            ErrorKind::InvalidRequest
        );
        assert_eq!(
            ev(r#"{"error":{"message":"model overloaded"}}"#).kind,
            ErrorKind::Overloaded
        );
    }

    #[test]
    fn from_vendor_never_panics_on_odd_bodies() {
        for body in [
            &b""[..],
            b"null",
            b"[]",
            b"42",
            b"\"text\"",
            b"{\"error\":[]}",
            b"\xff\xfe",
            b"{\"error\":{\"message\":5}}",
        ] {
            let err = ApiError::from_vendor(500, body);
            assert!(!err.message.is_empty());
        }
        assert_eq!(ApiError::from_vendor(500, b"\"text\"").message, "text");
    }
}
