//! Files that must not leave: a request that carries the content of `.env`, `id_rsa`, `*.pem`
//! or `credentials.json` is found by what the agent did, not by what the content looks like. A
//! tool call that names such a file (a read, a `cat`, an `open`) marks its result, and the
//! result's text is the finding.
//!
//! Tool calls and their results are paired by id in all three protocols: Anthropic `tool_use` /
//! `tool_result`, Chat `tool_calls` / `role: tool`, Responses `function_call` /
//! `function_call_output`.

use serde_json::Value;

/// A file-name pattern: `*.pem`, `.env.*`, `id_rsa` (a `*` at one end at most).
fn matches(glob: &str, name: &str) -> bool {
    if let Some(suffix) = glob.strip_prefix('*') {
        name.len() > suffix.len() && name.ends_with(suffix)
    } else if let Some(prefix) = glob.strip_suffix('*') {
        name.len() > prefix.len() && name.starts_with(prefix)
    } else {
        name == glob
    }
}

/// The first file name in `text` (a path, a command line, tool arguments) that matches one of
/// `globs`.
pub fn sensitive_name<'a>(text: &'a str, globs: &[String]) -> Option<&'a str> {
    text.split(|c: char| c.is_whitespace() || "\"'`/\\,;:=()[]{}<>|&".contains(c))
        .filter(|t| !t.is_empty())
        .find(|t| globs.iter().any(|g| matches(g, t)))
}

/// Cheap test before any parsing: can `body` name one of `globs` at all?
fn may_name(body: &[u8], globs: &[String]) -> bool {
    globs.iter().any(|g| {
        let lit = g.trim_matches('*');
        !lit.is_empty() && memchr::memmem::find(body, lit.as_bytes()).is_some()
    })
}

/// A tool result carrying a sensitive file: where it is (the path of the result's content in
/// the body, as [`crate::json::render`] writes it) and which file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SensitiveResult {
    /// Rendered path of the value holding the result's content.
    pub location: String,
    /// The file name the call named.
    pub file: String,
}

fn strings_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings_in(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings_in(x, out)),
        _ => {}
    }
}

/// The tool results in `body` whose call named a file matching `globs`.
pub fn sensitive_results(body: &[u8], globs: &[String]) -> Vec<SensitiveResult> {
    if globs.is_empty() || !may_name(body, globs) {
        return Vec::new();
    }
    let Ok(doc) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    // Calls that name a sensitive file, by id.
    let mut calls: Vec<(String, String)> = Vec::new();
    let mut note = |id: Option<&str>, args: Vec<String>| {
        if let Some(id) = id {
            if let Some(name) = args.iter().find_map(|a| sensitive_name(a, globs)) {
                calls.push((id.to_owned(), name.to_owned()));
            }
        }
    };
    let messages = doc.get("messages").or_else(|| doc.get("input"));
    let items: Vec<&Value> = messages
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    for m in &items {
        for block in m
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if block.get("type").and_then(Value::as_str) == Some("tool_use") {
                let mut args = Vec::new();
                strings_in(block.get("input").unwrap_or(&Value::Null), &mut args);
                note(block.get("id").and_then(Value::as_str), args);
            }
        }
        for call in m
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let args = call
                .pointer("/function/arguments")
                .and_then(Value::as_str)
                .map(|a| vec![a.to_owned()])
                .unwrap_or_default();
            note(call.get("id").and_then(Value::as_str), args);
        }
        if m.get("type").and_then(Value::as_str) == Some("function_call") {
            let args = m
                .get("arguments")
                .and_then(Value::as_str)
                .map(|a| vec![a.to_owned()])
                .unwrap_or_default();
            note(m.get("call_id").and_then(Value::as_str), args);
        }
    }
    if calls.is_empty() {
        return Vec::new();
    }
    let file_of = |id: Option<&str>| {
        id.and_then(|id| calls.iter().find(|(c, _)| c == id).map(|(_, f)| f.clone()))
    };
    let key = if doc.get("messages").is_some() {
        "messages"
    } else {
        "input"
    };
    let mut out = Vec::new();
    for (i, m) in items.iter().enumerate() {
        for (j, block) in m
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if block.get("type").and_then(Value::as_str) == Some("tool_result") {
                if let Some(file) = file_of(block.get("tool_use_id").and_then(Value::as_str)) {
                    out.push(SensitiveResult {
                        location: format!("{key}[{i}].content[{j}].content"),
                        file,
                    });
                }
            }
        }
        if m.get("role").and_then(Value::as_str) == Some("tool") {
            if let Some(file) = file_of(m.get("tool_call_id").and_then(Value::as_str)) {
                out.push(SensitiveResult {
                    location: format!("{key}[{i}].content"),
                    file,
                });
            }
        }
        if m.get("type").and_then(Value::as_str) == Some("function_call_output") {
            if let Some(file) = file_of(m.get("call_id").and_then(Value::as_str)) {
                out.push(SensitiveResult {
                    location: format!("{key}[{i}].output"),
                    file,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs() -> Vec<String> {
        [".env", ".env.*", "*.pem", "id_rsa", "credentials.json"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn names_are_found_in_paths_and_commands() {
        let g = globs();
        assert_eq!(sensitive_name("/srv/app/.env", &g), Some(".env"));
        assert_eq!(
            sensitive_name("cat ./certs/server.pem | head", &g),
            Some("server.pem")
        );
        assert_eq!(
            sensitive_name("{\"file_path\":\"/home/u/.ssh/id_rsa\"}", &g),
            Some("id_rsa")
        );
        assert_eq!(
            sensitive_name(".env.production", &g),
            Some(".env.production")
        );
        assert_eq!(sensitive_name("src/environment.rs", &g), None);
        assert_eq!(sensitive_name("docs/pem-format.md", &g), None);
    }

    #[test]
    fn results_of_calls_naming_a_sensitive_file_are_found_in_every_protocol() {
        let g = globs();
        let anthropic = br#"{"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/app/.env"}},{"type":"tool_use","id":"t2","name":"Read","input":{"file_path":"/app/main.rs"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"A=1"},{"type":"tool_result","tool_use_id":"t2","content":"fn main(){}"}]}]}"#;
        assert_eq!(
            sensitive_results(anthropic, &g),
            vec![SensitiveResult {
                location: "messages[1].content[0].content".into(),
                file: ".env".into()
            }]
        );
        let chat = br#"{"messages":[{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"shell","arguments":"{\"cmd\":\"cat id_rsa\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"-----BEGIN"}]}"#;
        assert_eq!(
            sensitive_results(chat, &g)[0].location,
            "messages[1].content"
        );
        let responses = br#"{"input":[{"type":"function_call","call_id":"f1","name":"read","arguments":"{\"path\":\"credentials.json\"}"},{"type":"function_call_output","call_id":"f1","output":"{}"}]}"#;
        assert_eq!(
            sensitive_results(responses, &g)[0].location,
            "input[1].output"
        );
        assert!(sensitive_results(br#"{"messages":[]}"#, &g).is_empty());
    }
}
