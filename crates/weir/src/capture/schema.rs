//! A JSON document that fits a JSON schema, for answering structured-output requests.
//!
//! Tools that ask for JSON parse the answer and retry when it does not fit (Gemini CLI's model
//! router asks for `{"complexity_reasoning": string, "complexity_score": integer}` before every
//! prompt). The smallest plausible document is enough: every declared property, the first enum
//! value, the minimum number of array items, and the configured text for strings. Both JSON
//! Schema (`"object"`) and Gemini's OpenAPI subset (`"OBJECT"`) spellings are read.

use serde_json::{Map, Value, json};

/// Nesting followed before giving up with `null` (schemas can be recursive through `$ref`).
const MAX_DEPTH: usize = 16;

/// An example document for `schema`, with `text` in every string.
pub fn example(schema: &Value, text: &str) -> Value {
    fill(schema, text, 0)
}

fn fill(schema: &Value, text: &str, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    let Some(s) = schema.as_object() else {
        // `true` (anything goes) or a malformed schema: a string is as good as anything.
        return json!(text);
    };
    if let Some(c) = s.get("const") {
        return c.clone();
    }
    if let Some(first) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    for alternatives in ["anyOf", "oneOf", "allOf"] {
        if let Some(first) = s
            .get(alternatives)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return fill(first, text, depth + 1);
        }
    }
    let kind = match s.get("type") {
        Some(Value::String(t)) => t.to_ascii_lowercase(),
        // `["string", "null"]`: the first that is not null.
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| !t.eq_ignore_ascii_case("null"))
            .unwrap_or("null")
            .to_ascii_lowercase(),
        _ if s.contains_key("properties") => "object".to_owned(),
        _ if s.contains_key("items") => "array".to_owned(),
        _ => "string".to_owned(),
    };
    match kind.as_str() {
        "object" => {
            let mut out = Map::new();
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                for (name, sub) in props {
                    out.insert(name.clone(), fill(sub, text, depth + 1));
                }
            }
            Value::Object(out)
        }
        "array" => {
            let n = s
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(0)
                .min(8);
            let item = s.get("items").cloned().unwrap_or(Value::Bool(true));
            Value::Array((0..n).map(|_| fill(&item, text, depth + 1)).collect())
        }
        "integer" => json!(s.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        "number" => s.get("minimum").cloned().unwrap_or(json!(1)),
        "boolean" => json!(false),
        "null" => Value::Null,
        _ => json!(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_get_every_property_of_its_type() {
        let s = json!({"type": "object", "properties": {
            "a": {"type": "string"}, "b": {"type": "integer", "minimum": 5},
            "c": {"type": "boolean"}, "d": {"type": ["number", "null"]},
            "e": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "f": {"enum": ["low", "high"]}, "g": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        }});
        assert_eq!(
            example(&s, "t"),
            json!({"a": "t", "b": 5, "c": false, "d": 1, "e": ["t", "t"], "f": "low", "g": 1})
        );
    }

    #[test]
    fn gemini_upper_case_types_are_read() {
        let s = json!({"type": "OBJECT", "properties": {"score": {"type": "INTEGER"},
            "why": {"type": "STRING"}}});
        assert_eq!(example(&s, "x"), json!({"score": 1, "why": "x"}));
    }

    #[test]
    fn recursion_stops() {
        let mut s = json!({"type": "string"});
        for _ in 0..40 {
            s = json!({"type": "array", "minItems": 1, "items": s});
        }
        let v = example(&s, "x");
        assert!(v.to_string().len() < 200, "{v}");
    }
}
