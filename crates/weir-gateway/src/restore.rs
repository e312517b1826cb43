//! Putting secrets back: the placeholders weir wrote into a request, found in the vendor's
//! answer and replaced by what they stand for before the client sees it.
//!
//! A whole answer is restored string by string. A stream is restored event by event, in the
//! client's protocol: text and tool-argument deltas go through [`Pieces`] per content block (or
//! choice, or output item), which holds back the end of a delta while it could be the start of
//! a placeholder, so a placeholder the vendor splits over several deltas is restored all the
//! same. What a block still holds when it ends goes out in one more delta, just before the
//! block's end event. Every other string in an event (a finished item, a final response) is
//! restored whole.
//!
//! Only strings are edited; every other byte of an event stays as the vendor (or translator)
//! wrote it.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use serde_json::Value;
use weir_detect::json::{self, Step};
use weir_detect::vault::{self, Context, Originals, PREFIX, Pieces};
use weir_protocol::Protocol;
use weir_protocol::sse::{self, Framer};

/// Keys whose string value is JSON text (tool-call arguments): a secret restored into it is
/// written JSON-escaped.
fn context_of(key: Option<&[u8]>) -> Context {
    match key {
        Some(b"arguments") | Some(b"partial_json") => Context::JsonText,
        _ => Context::Text,
    }
}

/// `json` with every placeholder in its strings restored; `None` when it holds none.
pub fn restore_json(json_doc: &[u8], originals: &Originals) -> Option<Vec<u8>> {
    if originals.is_empty() || memchr::memmem::find(json_doc, PREFIX).is_none() {
        return None;
    }
    let mut edits: Vec<(std::ops::Range<usize>, Vec<u8>)> = Vec::new();
    let mut decoded = Vec::new();
    json::strings(json_doc, |path, range| {
        let raw = &json_doc[range.clone()];
        if memchr::memmem::find(raw, b"REDACTED").is_none() && !raw.contains(&b'\\') {
            return;
        }
        json::decode(raw, &mut decoded, None);
        let context = context_of(json::last_key(json_doc, path));
        if let Some(restored) = vault::restore(&decoded, originals, context) {
            let mut enc = Vec::with_capacity(restored.len() + 8);
            json::encode(&restored, &mut enc);
            edits.push((range, enc));
        }
    })
    .ok()?;
    if edits.is_empty() {
        return None;
    }
    Some(splice(json_doc, edits))
}

fn splice(doc: &[u8], edits: Vec<(std::ops::Range<usize>, Vec<u8>)>) -> Vec<u8> {
    let mut out = Vec::with_capacity(doc.len());
    let mut at = 0;
    for (r, new) in edits {
        out.extend_from_slice(&doc[at..r.start]);
        out.extend_from_slice(&new);
        at = r.end;
    }
    out.extend_from_slice(&doc[at..]);
    out
}

#[derive(Debug)]
struct Open {
    pieces: Pieces,
    context: Context,
    /// The event whose delta left text held back, to shape the flushing one on.
    template: Option<(Option<String>, Value)>,
}

/// Restores a client-protocol event stream as it passes.
#[derive(Debug)]
pub struct StreamRestore {
    protocol: Protocol,
    originals: Arc<Originals>,
    framer: Framer,
    /// Text channels by key: one content block's text, one tool call's arguments.
    channels: HashMap<String, Open>,
}

impl StreamRestore {
    /// A restorer for a stream in `protocol`, with the placeholders issued for its request.
    pub fn new(protocol: Protocol, originals: Arc<Originals>) -> StreamRestore {
        StreamRestore {
            protocol,
            originals,
            framer: Framer::new(),
            channels: HashMap::new(),
        }
    }

    /// The client bytes for `chunk`: complete events, restored (a partial event waits).
    pub fn feed(&mut self, chunk: &[u8]) -> Bytes {
        self.framer.push(chunk);
        let mut out = BytesMut::new();
        while let Some(frame) = self.framer.next_frame() {
            self.event(frame, &mut out);
        }
        out.freeze()
    }

    /// The stream ended: whatever is still buffered.
    pub fn finish(&mut self) -> Bytes {
        let mut out = BytesMut::new();
        while let Some(frame) = self.framer.finish() {
            self.event(frame, &mut out);
        }
        out.extend_from_slice(self.framer.pending());
        self.flush_all(&mut out);
        out.freeze()
    }

    fn event(&mut self, frame: sse::Frame, out: &mut BytesMut) {
        let Some(data) = frame.data.as_deref() else {
            out.extend_from_slice(&frame.raw);
            return;
        };
        let Ok(value) = serde_json::from_str::<Value>(data) else {
            // `[DONE]` and other non-JSON data: the end of a Chat stream.
            self.flush_all(out);
            out.extend_from_slice(&frame.raw);
            return;
        };
        // Channels that end with this event flush before it.
        for ended in self.ending(&value) {
            self.flush(&ended, out);
        }
        let doc = data.as_bytes();
        let mut edits = Vec::new();
        let mut decoded = Vec::new();
        let mut walk = Vec::new();
        let _ = json::strings(doc, |path, range| walk.push((path.to_vec(), range)));
        for (path, range) in walk {
            let raw = &doc[range.clone()];
            let key = json::last_key(doc, &path);
            let context = context_of(key);
            let channel = self.channel_of(&value, doc, &path);
            match channel {
                Some(channel) => {
                    json::decode(raw, &mut decoded, None);
                    let open = self.channels.entry(channel.clone()).or_insert(Open {
                        pieces: Pieces::default(),
                        context,
                        template: None,
                    });
                    let emitted = open.pieces.feed(&decoded, &self.originals, context);
                    // Text is held back only from the latest piece: this event is the one a
                    // flush copies.
                    open.template = open
                        .pieces
                        .is_holding()
                        .then(|| (frame.event.clone(), value.clone()));
                    if emitted != decoded {
                        let mut enc = Vec::new();
                        json::encode(&emitted, &mut enc);
                        edits.push((range, enc));
                    }
                }
                None => {
                    if memchr::memmem::find(raw, b"REDACTED").is_none() && !raw.contains(&b'\\') {
                        continue;
                    }
                    json::decode(raw, &mut decoded, None);
                    if let Some(r) = vault::restore(&decoded, &self.originals, context) {
                        let mut enc = Vec::new();
                        json::encode(&r, &mut enc);
                        edits.push((range, enc));
                    }
                }
            }
        }
        if edits.is_empty() {
            out.extend_from_slice(&frame.raw);
        } else {
            let new = splice(doc, edits);
            let text = String::from_utf8_lossy(&new);
            out.extend_from_slice(&sse::encode(frame.event.as_deref(), &text));
        }
        // After message_stop nothing more belongs to this message.
        if self.protocol == Protocol::Anthropic
            && value.get("type").and_then(Value::as_str) == Some("message_stop")
        {
            self.channels.clear();
        }
    }

    /// The channel a string at `path` in event `value` is a delta of, if it is one.
    fn channel_of(&self, value: &Value, doc: &[u8], path: &[Step]) -> Option<String> {
        let ty = value.get("type").and_then(Value::as_str).unwrap_or("");
        let delta_event = match self.protocol {
            Protocol::Anthropic => ty == "content_block_delta",
            Protocol::OpenAiChat => true,
            Protocol::OpenAiResponses => ty.ends_with(".delta"),
        };
        if !delta_event {
            return None;
        }
        let keys = path_keys(doc, path);
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let key = match self.protocol {
            Protocol::Anthropic => {
                let index = value.get("index")?.as_u64()?;
                match keys.as_slice() {
                    ["delta", field @ ("text" | "partial_json" | "thinking")] => {
                        format!("{index}/{field}")
                    }
                    _ => return None,
                }
            }
            Protocol::OpenAiChat => {
                let choice = index_at(path, 0)?;
                let ci = value
                    .pointer(&format!("/choices/{choice}/index"))?
                    .as_u64()?;
                match keys.as_slice() {
                    [
                        "choices",
                        "delta",
                        field @ ("content" | "reasoning_content" | "refusal"),
                    ] => {
                        format!("{ci}/{field}")
                    }
                    ["choices", "delta", "tool_calls", "function", "arguments"] => {
                        let t = index_at(path, 1)?;
                        let ti = value
                            .pointer(&format!("/choices/{choice}/delta/tool_calls/{t}/index"))
                            .and_then(Value::as_u64)
                            .unwrap_or(t as u64);
                        format!("{ci}/tool/{ti}")
                    }
                    _ => return None,
                }
            }
            Protocol::OpenAiResponses => {
                if keys.as_slice() != ["delta"] {
                    return None;
                }
                let o = value
                    .get("output_index")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let c = value
                    .get("content_index")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                format!("{o}/{c}/{}", ty.trim_end_matches(".delta"))
            }
        };
        Some(key)
    }

    /// Channels that `value` ends (its block stops, its choice finishes, its item is done).
    fn ending(&self, value: &Value) -> Vec<String> {
        let ty = value.get("type").and_then(Value::as_str).unwrap_or("");
        let prefix = match self.protocol {
            Protocol::Anthropic => match ty {
                "content_block_stop" => {
                    let Some(i) = value.get("index").and_then(Value::as_u64) else {
                        return Vec::new();
                    };
                    format!("{i}/")
                }
                "message_delta" | "message_stop" => String::new(),
                _ => return Vec::new(),
            },
            Protocol::OpenAiChat => {
                let finished: Vec<u64> = value
                    .get("choices")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|c| c.get("finish_reason").is_some_and(|f| !f.is_null()))
                    .filter_map(|c| c.get("index").and_then(Value::as_u64))
                    .collect();
                return self
                    .channels
                    .keys()
                    .filter(|ch| finished.iter().any(|i| ch.starts_with(&format!("{i}/"))))
                    .cloned()
                    .collect();
            }
            Protocol::OpenAiResponses => {
                if ty.ends_with(".done") {
                    let o = value
                        .get("output_index")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    let c = value.get("content_index").and_then(Value::as_u64);
                    match c {
                        Some(c) => format!("{o}/{c}/"),
                        None => format!("{o}/"),
                    }
                } else if matches!(
                    ty,
                    "response.completed" | "response.incomplete" | "response.failed"
                ) {
                    String::new()
                } else {
                    return Vec::new();
                }
            }
        };
        self.channels
            .keys()
            .filter(|c| c.starts_with(&prefix))
            .cloned()
            .collect()
    }

    fn flush_all(&mut self, out: &mut BytesMut) {
        let all: Vec<String> = self.channels.keys().cloned().collect();
        for c in all {
            self.flush(&c, out);
        }
    }

    /// Sends what `channel` still holds as one more delta shaped like its last one.
    fn flush(&mut self, channel: &str, out: &mut BytesMut) {
        let Some(mut open) = self.channels.remove(channel) else {
            return;
        };
        if !open.pieces.is_holding() {
            return;
        }
        let rest = open.pieces.finish(&self.originals, open.context);
        let Some((event, mut value)) = open.template.take() else {
            return;
        };
        let text = String::from_utf8_lossy(&rest).into_owned();
        if set_delta(self.protocol, &mut value, text) {
            let data = serde_json::to_string(&value).unwrap_or_default();
            out.extend_from_slice(&sse::encode(event.as_deref(), &data));
        }
    }
}

/// Replaces the delta text of a template event with `text`, clearing what must not repeat.
fn set_delta(protocol: Protocol, value: &mut Value, text: String) -> bool {
    match protocol {
        Protocol::Anthropic => {
            let Some(delta) = value.get_mut("delta").and_then(Value::as_object_mut) else {
                return false;
            };
            for field in ["text", "partial_json", "thinking"] {
                if delta.contains_key(field) {
                    delta.insert(field.to_owned(), Value::String(text));
                    return true;
                }
            }
            false
        }
        Protocol::OpenAiChat => {
            let Some(choice) = value
                .get_mut("choices")
                .and_then(Value::as_array_mut)
                .and_then(|c| c.first_mut())
            else {
                return false;
            };
            if let Some(o) = choice.as_object_mut() {
                o.insert("finish_reason".into(), Value::Null);
            }
            let Some(delta) = choice.get_mut("delta").and_then(Value::as_object_mut) else {
                return false;
            };
            delta.remove("role");
            if let Some(calls) = delta.get_mut("tool_calls").and_then(Value::as_array_mut) {
                for call in calls.iter_mut() {
                    if let Some(c) = call.as_object_mut() {
                        c.remove("id");
                        c.remove("type");
                    }
                    if let Some(f) = call.get_mut("function").and_then(Value::as_object_mut) {
                        f.remove("name");
                        f.insert("arguments".into(), Value::String(text.clone()));
                    }
                }
                return true;
            }
            for field in ["content", "reasoning_content", "refusal"] {
                if delta.contains_key(field) {
                    delta.insert(field.to_owned(), Value::String(text));
                    return true;
                }
            }
            false
        }
        Protocol::OpenAiResponses => match value.as_object_mut() {
            Some(o) if o.contains_key("delta") => {
                o.insert("delta".into(), Value::String(text));
                true
            }
            _ => false,
        },
    }
}

fn path_keys(doc: &[u8], path: &[Step]) -> Vec<String> {
    path.iter()
        .filter_map(|s| match s {
            Step::Key(r) => Some(String::from_utf8_lossy(&doc[r.clone()]).into_owned()),
            Step::Index(_) => None,
        })
        .collect()
}

/// The `n`th array index on `path`.
fn index_at(path: &[Step], n: usize) -> Option<usize> {
    path.iter()
        .filter_map(|s| match s {
            Step::Index(i) => Some(*i),
            Step::Key(_) => None,
        })
        .nth(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};
    use weir_detect::vault::{Scope, Vault};

    fn originals() -> (Arc<Originals>, String) {
        let mut v = Vault::new([1; 32], Duration::from_secs(60));
        let now = Instant::now();
        let p = v.placeholder(
            Scope([0; 16]),
            "aws-access-key-id",
            b"AKIAZ3MHQ6T2LZ4RX7PB",
            now,
        );
        (
            v.originals(Scope([0; 16]), now),
            String::from_utf8(p).unwrap(),
        )
    }

    fn anthropic_stream(p: &str, cut: usize) -> Vec<u8> {
        let (a, b) = p.split_at(cut);
        let delta = |t: &str| {
            format!(
                "event: content_block_delta\ndata: {}\n\n",
                serde_json::json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":t}})
            )
        };
        let tool = |t: &str| {
            format!(
                "event: content_block_delta\ndata: {}\n\n",
                serde_json::json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":t}})
            )
        };
        [
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n".to_owned(),
            delta(&format!("key is {a}")),
            delta(b),
            delta(" ok"),
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n".to_owned(),
            tool("{\"k\": \""),
            tool(a),
            tool(&format!("{b}\"}}")),
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n".to_owned(),
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n".to_owned(),
        ]
        .concat()
        .into_bytes()
    }

    fn texts(stream: &[u8]) -> (String, String) {
        let mut f = Framer::new();
        f.push(stream);
        let (mut text, mut args) = (String::new(), String::new());
        while let Some(fr) = f.next_frame() {
            let v: Value = serde_json::from_str(fr.data.as_deref().unwrap()).unwrap();
            if let Some(t) = v.pointer("/delta/text").and_then(Value::as_str) {
                text.push_str(t);
            }
            if let Some(t) = v.pointer("/delta/partial_json").and_then(Value::as_str) {
                args.push_str(t);
            }
        }
        (text, args)
    }

    #[test]
    fn a_placeholder_split_across_deltas_is_restored_in_text_and_tool_arguments() {
        let (o, p) = originals();
        for cut in 0..=p.len() {
            let input = anthropic_stream(&p, cut);
            let mut r = StreamRestore::new(Protocol::Anthropic, o.clone());
            let mut out = Vec::new();
            // Fed in awkward pieces, as the network delivers it.
            for piece in input.chunks(7) {
                out.extend_from_slice(&r.feed(piece));
            }
            out.extend_from_slice(&r.finish());
            let (text, args) = texts(&out);
            assert_eq!(text, "key is AKIAZ3MHQ6T2LZ4RX7PB ok", "cut {cut}");
            let parsed: Value = serde_json::from_str(&args).unwrap();
            assert_eq!(parsed["k"], "AKIAZ3MHQ6T2LZ4RX7PB", "cut {cut}");
            assert!(!String::from_utf8_lossy(&out).contains("REDACTED"));
        }
    }

    #[test]
    fn whole_answers_are_restored_with_arguments_escaped() {
        let mut v = Vault::new([1; 32], Duration::from_secs(60));
        let now = Instant::now();
        let p = String::from_utf8(v.placeholder(Scope([0; 16]), "pw", b"a\"b", now)).unwrap();
        let o = v.originals(Scope([0; 16]), now);
        let answer = serde_json::json!({
            "choices": [{"message": {"content": format!("pw {p}"), "tool_calls": [{"function": {"name": "f", "arguments": format!("{{\"pw\":\"{p}\"}}")}}]}}]
        })
        .to_string();
        let restored = restore_json(answer.as_bytes(), &o).unwrap();
        let v: Value = serde_json::from_slice(&restored).unwrap();
        assert_eq!(v.pointer("/choices/0/message/content").unwrap(), "pw a\"b");
        let args = v
            .pointer("/choices/0/message/tool_calls/0/function/arguments")
            .unwrap();
        let args: Value = serde_json::from_str(args.as_str().unwrap()).unwrap();
        assert_eq!(args["pw"], "a\"b");
        assert_eq!(restore_json(b"{\"a\":\"plain\"}", &o), None);
    }
}
