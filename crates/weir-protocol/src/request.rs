//! The little weir must know about a request body before routing it: that it is a JSON object,
//! which model it names and whether it asks for a stream. Everything else stays untouched bytes.

use serde::Deserialize;

/// What routing needs from a client request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPeek {
    /// The `model` field, if the body has one.
    pub model: Option<String>,
    /// Whether `stream` is `true`.
    pub stream: bool,
}

/// Why a body could not be peeked. The message is safe to show to the client: it never quotes
/// the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeekError {
    /// The body is not valid JSON (or not a JSON object).
    #[error("request body is not a valid JSON object: {0}")]
    NotJson(String),
    /// `model` or `stream` has the wrong type.
    #[error("request body has a field of the wrong type: {0}")]
    WrongType(String),
}

#[derive(Deserialize)]
struct Peek {
    #[serde(default)]
    model: Option<serde_json::Value>,
    #[serde(default)]
    stream: Option<serde_json::Value>,
}

/// Checks that `body` is one well-formed JSON object and reads `model` and `stream` from its top
/// level. The whole body is validated (serde skips other fields but still parses them), so a body
/// that passes is safe to forward.
pub fn peek(body: &[u8]) -> Result<RequestPeek, PeekError> {
    // serde's derived struct visitor also accepts a JSON array (fields by position), so the
    // object requirement is checked here.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(PeekError::NotJson("expected a JSON object".into()));
    }
    let peek: Peek = serde_json::from_slice(body).map_err(|e| {
        // serde_json's message names line and column, never the content.
        PeekError::NotJson(e.to_string())
    })?;
    let model = match peek.model {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err(PeekError::WrongType("`model` must be a string".into())),
    };
    let stream = match peek.stream {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(b)) => b,
        Some(_) => return Err(PeekError::WrongType("`stream` must be a boolean".into())),
    };
    Ok(RequestPeek { model, stream })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_model_and_stream() {
        let p = peek(
            br#"{"model":"claude-x","messages":[{"role":"user","content":"hi"}],"stream":true}"#,
        )
        .unwrap();
        assert_eq!(p.model.as_deref(), Some("claude-x"));
        assert!(p.stream);
    }

    #[test]
    fn missing_fields_are_none_and_false() {
        let p = peek(br#"{"messages":[]}"#).unwrap();
        assert_eq!(
            p,
            RequestPeek {
                model: None,
                stream: false
            }
        );
    }

    #[test]
    fn rejects_broken_json_anywhere_in_the_body() {
        assert!(matches!(
            peek(br#"{"model":"m","messages":[}"#),
            Err(PeekError::NotJson(_))
        ));
        assert!(matches!(peek(b"[1,2]"), Err(PeekError::NotJson(_))));
        assert!(matches!(peek(b""), Err(PeekError::NotJson(_))));
        assert!(matches!(
            peek(br#"{"model":"m"} trailing"#),
            Err(PeekError::NotJson(_))
        ));
    }

    #[test]
    fn rejects_wrong_types() {
        assert!(matches!(
            peek(br#"{"model":5}"#),
            Err(PeekError::WrongType(_))
        ));
        assert!(matches!(
            peek(br#"{"model":"m","stream":"yes"}"#),
            Err(PeekError::WrongType(_))
        ));
    }
}
