//! The texts of a request: every header value, the URL, and every string value of the JSON
//! body, decoded, each with where it sits and who wrote it.
//!
//! Who wrote a text is read from the request's shape, for the protocols coding tools speak:
//! Anthropic Messages (`system`, `messages[i]` with a `role`, `tool_result` blocks), OpenAI Chat
//! Completions (`messages[i].role`: `system`, `developer`, `user`, `assistant`, `tool`), OpenAI
//! Responses (`instructions`, `input[i]` items with a `role` or a `type` such as
//! `function_call_output`) and Gemini (`systemInstruction`, `contents[i]` with `user`/`model`
//! roles, `functionResponse` parts). Tool and function descriptions are the tool's own
//! instructions; `metadata`, `user` and cache keys are metadata.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use crate::json::{self, Step};
use crate::request::{Field, Request, Role};

/// Where a text sits in its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A header value, by lowercase name.
    Header(String),
    /// The URL path and query.
    Path,
    /// A string value of the body: its path and the raw bytes between its quotes.
    Body {
        /// The path to the value.
        path: Vec<Step>,
        /// The raw (still escaped) string in the body.
        raw: Range<usize>,
    },
}

/// One text of a request, borrowed from it unless decoding changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a> {
    /// Where it sits.
    pub place: Place,
    /// The object key that holds it (`user_id`, `text`), when it is an object member.
    pub key: Option<Cow<'a, str>>,
    /// Who wrote it.
    pub role: Role,
    /// The decoded text (invalid UTF-8 replaced).
    pub text: Cow<'a, str>,
}

impl Text<'_> {
    /// The field as people read it; `body` is the request body the text came from.
    pub fn field(&self, body: &[u8]) -> Field {
        match &self.place {
            Place::Header(name) => Field::Header(name.clone()),
            Place::Path => Field::Path,
            Place::Body { path, .. } => Field::Body(json::render(body, path)),
        }
    }
}

/// The texts of `req`: headers first, then the URL, then the body's strings in document order.
/// A body that is not JSON contributes nothing (its bytes are not text a tool composed).
pub fn texts(req: &Request) -> Vec<Text<'_>> {
    let mut out: Vec<Text> = req
        .headers
        .iter()
        .map(|(name, value)| Text {
            place: Place::Header(name.clone()),
            key: None,
            role: Role::Meta,
            text: Cow::Borrowed(value),
        })
        .collect();
    out.push(Text {
        place: Place::Path,
        key: None,
        role: Role::Meta,
        text: Cow::Borrowed(&req.path),
    });
    body_texts(&req.body, &mut out);
    out
}

/// Appends the string values of a JSON body, with their roles, to `out`. Opaque values (see
/// [`json::OPAQUE_KEYS`]) are left out.
pub fn body_texts<'a>(body: &'a [u8], out: &mut Vec<Text<'a>>) {
    let mut found: Vec<(Vec<Step>, Range<usize>)> = Vec::new();
    let walked = json::strings(body, |path, raw| {
        if !json::is_opaque(body, path) {
            found.push((path.to_vec(), raw));
        }
    });
    if walked.is_err() {
        return;
    }
    let shape = Shape::read(body, &found);
    for (path, raw) in found {
        let key = json::last_key(body, &path).map(decoded);
        out.push(Text {
            role: shape.role(body, &path),
            key,
            text: decoded(&body[raw.clone()]),
            place: Place::Body { path, raw },
        });
    }
}

/// The text of a raw JSON string: borrowed when it has no escapes and is valid UTF-8, as
/// nearly every value is.
fn decoded(raw: &[u8]) -> Cow<'_, str> {
    if memchr::memchr(b'\\', raw).is_none() {
        if let Ok(s) = std::str::from_utf8(raw) {
            return Cow::Borrowed(s);
        }
        return String::from_utf8_lossy(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    json::decode(raw, &mut out, None);
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// `text` with spans replaced: `edits` are (span, replacement) pairs, applied in order of start
/// (the outer of two spans that start together first); a span that overlaps one already
/// applied, or that does not fall on character boundaries of `text`, is skipped. Returns the
/// new text and the indices (into `edits`) of the edits applied. The one splicing mechanism of
/// fact normalisation, marker stripping and request rewriting.
pub fn replace_spans<S: AsRef<str>>(
    text: &str,
    edits: &[(Range<usize>, S)],
) -> (String, Vec<usize>) {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| (edits[i].0.start, std::cmp::Reverse(edits[i].0.end)));
    let mut out = String::with_capacity(text.len());
    let mut applied = Vec::new();
    let mut at = 0;
    for i in order {
        let Range { start, end } = edits[i].0;
        if start < at || text.get(start..end).is_none() {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(edits[i].1.as_ref());
        at = end;
        applied.push(i);
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// The `role` and `type` members of a request's turns and content blocks.
#[derive(Default)]
struct Shape {
    /// Turn index → its `role`.
    role: HashMap<usize, String>,
    /// Turn index → its `type` (Responses input items).
    turn_type: HashMap<usize, String>,
    /// (turn, block) → the block's `type`.
    block_type: HashMap<(usize, usize), String>,
}

/// The top-level members that hold the conversation's turns.
const TURNS: [&[u8]; 3] = [b"messages", b"input", b"contents"];
/// The members of a turn that hold its blocks.
const BLOCKS: [&[u8]; 2] = [b"content", b"parts"];

fn key_is(body: &[u8], step: Option<&Step>, names: &[&[u8]]) -> bool {
    matches!(step, Some(Step::Key(r)) if names.contains(&&body[r.clone()]))
}

fn index(step: Option<&Step>) -> Option<usize> {
    match step {
        Some(Step::Index(i)) => Some(*i),
        _ => None,
    }
}

impl Shape {
    fn read(body: &[u8], found: &[(Vec<Step>, Range<usize>)]) -> Shape {
        let mut shape = Shape::default();
        for (path, raw) in found {
            if !key_is(body, path.first(), &TURNS) {
                continue;
            }
            let Some(turn) = index(path.get(1)) else {
                continue;
            };
            let value = || String::from_utf8_lossy(&body[raw.clone()]).into_owned();
            match path.len() {
                3 if key_is(body, path.get(2), &[b"role"]) => {
                    shape.role.insert(turn, value());
                }
                3 if key_is(body, path.get(2), &[b"type"]) => {
                    shape.turn_type.insert(turn, value());
                }
                5 if key_is(body, path.get(2), &BLOCKS)
                    && key_is(body, path.get(4), &[b"type"]) =>
                {
                    if let Some(block) = index(path.get(3)) {
                        shape.block_type.insert((turn, block), value());
                    }
                }
                _ => {}
            }
        }
        shape
    }

    fn role(&self, body: &[u8], path: &[Step]) -> Role {
        let Some(Step::Key(first)) = path.first() else {
            return Role::Other;
        };
        match &body[first.clone()] {
            b"system" | b"instructions" | b"systemInstruction" | b"system_instruction" => {
                Role::System
            }
            b"tools" | b"functions" | b"tool_choice" => Role::System,
            b"metadata" | b"user" | b"prompt_cache_key" | b"safety_identifier"
            | b"client_metadata" => Role::Meta,
            b"prompt" => Role::User,
            b"input" if path.len() == 1 => Role::User,
            name if TURNS.contains(&name) => self.turn_role(body, path),
            _ => Role::Other,
        }
    }

    fn turn_role(&self, body: &[u8], path: &[Step]) -> Role {
        let Some(turn) = index(path.get(1)) else {
            return Role::Other;
        };
        // The turn's own structural members say nothing a person wrote.
        if path.len() == 3 && key_is(body, path.get(2), &[b"role", b"type", b"id", b"call_id"]) {
            return Role::Other;
        }
        let block = key_is(body, path.get(2), &BLOCKS)
            .then(|| index(path.get(3)))
            .flatten();
        let block_type = block.and_then(|b| self.block_type.get(&(turn, b)));
        if matches!(block_type.map(String::as_str), Some("tool_result"))
            || path
                .iter()
                .any(|s| key_is(body, Some(s), &[b"functionResponse"]))
            || matches!(
                self.turn_type.get(&turn).map(String::as_str),
                Some(
                    "function_call_output" | "custom_tool_call_output" | "local_shell_call_output"
                )
            )
        {
            return Role::ToolResult;
        }
        if matches!(
            self.turn_type.get(&turn).map(String::as_str),
            Some("function_call" | "custom_tool_call" | "reasoning" | "local_shell_call")
        ) {
            return Role::Assistant;
        }
        match self.role.get(&turn).map(String::as_str) {
            Some("system" | "developer") => Role::System,
            Some("user") => Role::User,
            Some("assistant" | "model") => Role::Assistant,
            Some("tool" | "function") => Role::ToolResult,
            _ => Role::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(body: &str) -> Vec<(String, Role, String)> {
        let mut out = Vec::new();
        body_texts(body.as_bytes(), &mut out);
        out.iter()
            .map(|t| match t.field(body.as_bytes()) {
                Field::Body(p) => (p, t.role, t.text.to_string()),
                other => (other.to_string(), t.role, t.text.to_string()),
            })
            .collect()
    }

    fn role_of(all: &[(String, Role, String)], path: &str) -> Role {
        all.iter()
            .find(|(p, _, _)| p == path)
            .unwrap_or_else(|| panic!("no text at {path}: {all:?}"))
            .1
    }

    #[test]
    fn anthropic_roles() {
        let all = roles(
            r#"{"model":"m","system":[{"type":"text","text":"You are a tool."}],
            "messages":[{"role":"user","content":[{"type":"text","text":"hi \u2019"}]},
            {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/home/a/x"}}]},
            {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"file body"},
              {"type":"tool_result","tool_use_id":"t2","content":[{"type":"text","text":"more"}]}]}],
            "tools":[{"name":"Read","description":"Reads a file"}],
            "metadata":{"user_id":"u"}}"#,
        );
        assert_eq!(role_of(&all, "model"), Role::Other);
        assert_eq!(role_of(&all, "system[0].text"), Role::System);
        assert_eq!(role_of(&all, "messages[0].content[0].text"), Role::User);
        assert_eq!(
            role_of(&all, "messages[1].content[0].input.file_path"),
            Role::Assistant
        );
        assert_eq!(
            role_of(&all, "messages[2].content[0].content"),
            Role::ToolResult
        );
        assert_eq!(
            role_of(&all, "messages[2].content[1].content[0].text"),
            Role::ToolResult
        );
        assert_eq!(role_of(&all, "tools[0].description"), Role::System);
        assert_eq!(role_of(&all, "metadata.user_id"), Role::Meta);
        assert!(
            all.iter().any(|(_, _, t)| t == "hi \u{2019}"),
            "escapes decoded"
        );
    }

    #[test]
    fn chat_and_responses_roles() {
        let all = roles(
            r#"{"messages":[{"role":"system","content":"sys"},{"role":"developer","content":"dev"},
            {"role":"user","content":"u"},{"role":"tool","tool_call_id":"c","content":"out"}],"user":"me"}"#,
        );
        assert_eq!(role_of(&all, "messages[0].content"), Role::System);
        assert_eq!(role_of(&all, "messages[1].content"), Role::System);
        assert_eq!(role_of(&all, "messages[2].content"), Role::User);
        assert_eq!(role_of(&all, "messages[3].content"), Role::ToolResult);
        assert_eq!(role_of(&all, "user"), Role::Meta);

        let all = roles(
            r#"{"instructions":"be brief","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"q"}]},
            {"type":"function_call","call_id":"c","name":"shell","arguments":"{}"},
            {"type":"function_call_output","call_id":"c","output":"listing"}],"prompt_cache_key":"k"}"#,
        );
        assert_eq!(role_of(&all, "instructions"), Role::System);
        assert_eq!(role_of(&all, "input[0].content[0].text"), Role::User);
        assert_eq!(role_of(&all, "input[1].arguments"), Role::Assistant);
        assert_eq!(role_of(&all, "input[2].output"), Role::ToolResult);
        assert_eq!(role_of(&all, "prompt_cache_key"), Role::Meta);
        assert_eq!(roles(r#"{"input":"plain"}"#)[0].1, Role::User);
    }

    #[test]
    fn gemini_roles() {
        let all = roles(
            r#"{"systemInstruction":{"parts":[{"text":"sys"}]},"contents":[{"role":"user","parts":[{"text":"q"}]},
            {"role":"model","parts":[{"functionCall":{"name":"ls","args":{"dir":"/"}}}]},
            {"role":"user","parts":[{"functionResponse":{"name":"ls","response":{"output":"a b"}}}]}]}"#,
        );
        assert_eq!(
            role_of(&all, "systemInstruction.parts[0].text"),
            Role::System
        );
        assert_eq!(role_of(&all, "contents[0].parts[0].text"), Role::User);
        assert_eq!(
            role_of(&all, "contents[1].parts[0].functionCall.args.dir"),
            Role::Assistant
        );
        assert_eq!(
            role_of(
                &all,
                "contents[2].parts[0].functionResponse.response.output"
            ),
            Role::ToolResult
        );
    }

    #[test]
    fn headers_and_url_are_metadata_and_a_non_json_body_adds_nothing() {
        let req = Request {
            method: "POST".into(),
            path: "/v1/messages?beta=true".into(),
            headers: vec![("user-agent".into(), "tool/1".into())],
            body: b"not json".to_vec(),
        };
        let all = texts(&req);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].field(&req.body), Field::Header("user-agent".into()));
        assert_eq!(all[1].field(&req.body), Field::Path);
        assert!(all.iter().all(|t| t.role == Role::Meta));
    }
}
