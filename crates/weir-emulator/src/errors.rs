//! HTTP errors in each vendor's own envelope.

use http::{Response, StatusCode};
use serde_json::{Value, json};

use crate::body::{self, Body};
use crate::ids;

/// Whose error envelope to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `{"type":"error","error":{"type","message"},"request_id"}` with header `request-id`.
    Anthropic,
    /// `{"error":{"message","type","param","code"}}` with header `x-request-id`.
    OpenAi,
}

/// An HTTP error.
#[derive(Debug, Clone, Default)]
pub struct VendorError {
    /// The HTTP status.
    pub status: u16,
    /// The error type (Anthropic `error.type`, OpenAI `error.type`); default from the status.
    pub error_type: Option<String>,
    /// The message; default from the status.
    pub message: Option<String>,
    /// OpenAI `error.code`; default from the status.
    pub code: Option<String>,
    /// Seconds for `retry-after`.
    pub retry_after: Option<u64>,
}

impl VendorError {
    /// An error with `status` and `message`.
    pub fn new(status: u16, message: impl Into<String>) -> VendorError {
        VendorError {
            status,
            message: Some(message.into()),
            ..VendorError::default()
        }
    }

    /// Renders the error for `family`.
    pub fn response(&self, family: Family) -> Response<Body> {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let code = status.as_u16();
        let request_id = ids::request_id();
        let message = self
            .message
            .clone()
            .unwrap_or_else(|| default_message(code).to_string());
        let (value, id_header) = match family {
            Family::Anthropic => {
                let error_type = self
                    .error_type
                    .clone()
                    .unwrap_or_else(|| anthropic_type(code).to_string());
                (
                    json!({
                        "type": "error",
                        "error": {"type": error_type, "message": message},
                        "request_id": request_id,
                    }),
                    "request-id",
                )
            }
            Family::OpenAi => {
                let error_type = self
                    .error_type
                    .clone()
                    .unwrap_or_else(|| openai_type(code).to_string());
                let error_code = match &self.code {
                    Some(c) => Value::String(c.clone()),
                    None => openai_code(code).map_or(Value::Null, |c| Value::String(c.into())),
                };
                (
                    json!({
                        "error": {
                            "message": message,
                            "type": error_type,
                            "param": null,
                            "code": error_code,
                        }
                    }),
                    "x-request-id",
                )
            }
        };
        let mut response = body::json(status, &value);
        body::set_header(&mut response, id_header, &request_id);
        if let Some(secs) = self.retry_after {
            body::set_header(&mut response, "retry-after", &secs.to_string());
        }
        if family == Family::Anthropic && code == 529 {
            body::set_header(&mut response, "x-should-retry", "true");
        }
        response
    }
}

/// Anthropic's error type for `status`.
pub fn anthropic_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

/// OpenAI's error type for `status`.
pub fn openai_type(status: u16) -> &'static str {
    match status {
        429 => "requests",
        500..=599 => "server_error",
        _ => "invalid_request_error",
    }
}

/// OpenAI's error code for `status`.
fn openai_code(status: u16) -> Option<&'static str> {
    match status {
        401 => Some("invalid_api_key"),
        429 => Some("rate_limit_exceeded"),
        _ => None,
    }
}

fn default_message(status: u16) -> &'static str {
    match status {
        400 => "Invalid request.",
        401 => "Invalid API key.",
        403 => "Your API key does not have permission to use the specified resource.",
        404 => "The requested resource could not be found.",
        413 => "Request exceeds the maximum allowed number of bytes.",
        429 => "Rate limit reached for requests.",
        529 => "Overloaded",
        503 => "The server is overloaded or not ready yet.",
        500..=599 => "The server had an error while processing your request.",
        _ => "The request failed.",
    }
}
