//! The control API under `/_emulator/`: replace the script, read and clear recorded requests.

use http::{Method, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::body::{self, Body};
use crate::script::Script;
use crate::state::State;

/// Answers a control request.
pub fn handle(state: &State, method: &Method, path: &str, body: &[u8]) -> Response<Body> {
    let path = path.trim_end_matches('/');
    match (method.as_str(), path) {
        ("PUT" | "POST", "/_emulator/script") => match serde_json::from_slice::<Script>(body) {
            Ok(script) => {
                state.set_script(script);
                body::status_only(StatusCode::NO_CONTENT)
            }
            Err(e) => error(StatusCode::BAD_REQUEST, &format!("invalid script: {e}")),
        },
        ("GET", "/_emulator/script") => match serde_json::to_value(state.script()) {
            Ok(script) => body::json(StatusCode::OK, &script),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        ("GET", "/_emulator/requests") => {
            let requests: Vec<Value> = state
                .requests()
                .iter()
                .map(|r| {
                    let mut headers = Map::new();
                    for (name, value) in &r.headers {
                        let joined = match headers.get(name).and_then(Value::as_str) {
                            Some(previous) => format!("{previous}, {value}"),
                            None => value.clone(),
                        };
                        headers.insert(name.clone(), Value::String(joined));
                    }
                    json!({
                        "method": r.method,
                        "path": r.path,
                        "headers": headers,
                        "body": String::from_utf8_lossy(&r.body),
                    })
                })
                .collect();
            body::json(StatusCode::OK, &Value::Array(requests))
        }
        ("DELETE", "/_emulator/requests") => {
            state.clear_requests();
            body::status_only(StatusCode::NO_CONTENT)
        }
        (_, "/_emulator/script" | "/_emulator/requests") => {
            error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => error(StatusCode::NOT_FOUND, "unknown control endpoint"),
    }
}

fn error(status: StatusCode, message: &str) -> Response<Body> {
    body::json(status, &json!({"error": {"message": message}}))
}
