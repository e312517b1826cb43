//! Typed reads of JSON fields with errors that name the field and the expected type.
//!
//! Client bodies are read as `serde_json::Value` so that a wrong type can be reported as
//! "`messages[2].content` must be a string or an array of content parts" rather than serde's
//! positional message, and so that `null` reads as absent everywhere (SDKs send explicit nulls).

use serde_json::{Map, Value};

use crate::canonical::TranslateError;

/// A JSON object together with its path in the body, for error messages.
pub(super) struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: String,
}

/// A `Malformed` error saying what `path` must be.
pub(super) fn malformed(path: &str, expected: &str) -> TranslateError {
    TranslateError::Malformed(format!("`{path}` must be {expected}"))
}

/// `parent.key`, or `key` at the top level.
pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

impl<'a> Obj<'a> {
    /// `value` as an object at `path`.
    pub fn of(value: &'a Value, path: impl Into<String>) -> Result<Obj<'a>, TranslateError> {
        let path = path.into();
        match value {
            Value::Object(map) => Ok(Obj { map, path }),
            _ => Err(malformed(path_or_body(&path), "an object")),
        }
    }

    /// The path of `key` in this object.
    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The field, `None` when absent or null.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn wrong(&self, key: &str, expected: &str) -> TranslateError {
        malformed(&self.at(key), expected)
    }

    /// A string field.
    pub fn str(&self, key: &str) -> Result<Option<&'a str>, TranslateError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.wrong(key, "a string")),
        }
    }

    /// A required string field.
    pub fn req_str(&self, key: &str) -> Result<&'a str, TranslateError> {
        self.str(key)?
            .ok_or_else(|| TranslateError::Malformed(format!("`{}` is required", self.at(key))))
    }

    /// A boolean field.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, TranslateError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong(key, "true or false")),
        }
    }

    /// A non-negative integer field.
    pub fn u64(&self, key: &str) -> Result<Option<u64>, TranslateError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a non-negative integer")),
        }
    }

    /// A number field.
    pub fn f64(&self, key: &str) -> Result<Option<f64>, TranslateError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a number")),
        }
    }

    /// An array field.
    pub fn array(&self, key: &str) -> Result<Option<&'a Vec<Value>>, TranslateError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(self.wrong(key, "an array")),
        }
    }
}

/// How the top level is named in messages.
fn path_or_body(path: &str) -> &str {
    if path.is_empty() {
        "the request body"
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_name_the_field() {
        let v = json!({"a": 1, "b": null, "c": "x"});
        let o = Obj::of(&v, "messages[0]").unwrap();
        assert_eq!(
            o.str("a").unwrap_err(),
            TranslateError::Malformed("`messages[0].a` must be a string".into())
        );
        assert_eq!(o.str("b").unwrap(), None);
        assert_eq!(o.str("c").unwrap(), Some("x"));
        assert_eq!(
            o.u64("c").unwrap_err(),
            TranslateError::Malformed("`messages[0].c` must be a non-negative integer".into())
        );
        assert!(Obj::of(&json!([1]), "").is_err());
    }
}
