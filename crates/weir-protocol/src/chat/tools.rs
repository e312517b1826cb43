//! Responses `custom` (free-form) tools carried over Chat Completions, per the convention the
//! three codecs share: the definition becomes a function taking one string property `input`
//! (its grammar, if any, appended to the description), and a call's raw input travels as the
//! JSON text `{"input": <raw>}`. The Responses encoders unwrap it again (protocols.md §2.5).

use serde_json::{Value, json};

/// The parameter schema of a custom tool seen as a function.
pub(super) fn custom_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"input": {"type": "string"}},
        "required": ["input"]
    })
}

/// A custom tool's description with its input format appended, so the model still learns the
/// grammar it must follow.
pub(super) fn custom_description(
    description: Option<&str>,
    format: Option<&Value>,
) -> Option<String> {
    let note = format.and_then(format_note);
    match (description, note) {
        (Some(d), Some(n)) => Some(format!("{d}\n\n{n}")),
        (Some(d), None) => Some(d.to_owned()),
        (None, Some(n)) => Some(n),
        (None, None) => None,
    }
}

/// What a Responses custom-tool `format` asks of the input, in words.
fn format_note(format: &Value) -> Option<String> {
    match format.get("type").and_then(Value::as_str) {
        // Free text: nothing to add.
        Some("text") | None => None,
        Some("grammar") => {
            let syntax = format.get("syntax").and_then(Value::as_str).unwrap_or("");
            let definition = format.get("definition").and_then(Value::as_str)?;
            let syntax = if syntax.is_empty() {
                String::new()
            } else {
                format!("{syntax} ")
            };
            Some(format!(
                "The `input` string must follow this {syntax}grammar:\n{definition}"
            ))
        }
        Some(_) => Some(format!(
            "The `input` string must follow this format: {format}"
        )),
    }
}

/// The function-call arguments that carry a custom tool's raw input.
pub(super) fn wrap_custom_input(raw: &str) -> String {
    json!({ "input": raw }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_calls_wrap_raw_input_as_json() {
        // custom.md: a custom CALL is a function call whose arguments are `{"input": <raw>}`.
        let raw = "*** Begin Patch\n*** Add File: a \"q\"\n*** End Patch";
        let wrapped = wrap_custom_input(raw);
        let back: Value = serde_json::from_str(&wrapped).unwrap();
        assert_eq!(back["input"], raw);
    }

    #[test]
    fn grammars_are_appended_to_descriptions() {
        // custom.md: the format/grammar (if any) is appended to the description.
        let grammar = json!({"type": "grammar", "syntax": "lark", "definition": "start: \"x\""});
        assert_eq!(
            custom_description(Some("Edit files."), Some(&grammar)).as_deref(),
            Some("Edit files.\n\nThe `input` string must follow this lark grammar:\nstart: \"x\"")
        );
        assert_eq!(
            custom_description(Some("Free."), Some(&json!({"type": "text"}))).as_deref(),
            Some("Free.")
        );
        assert_eq!(custom_description(None, None), None);
        assert_eq!(custom_schema()["required"][0], "input");
    }
}
