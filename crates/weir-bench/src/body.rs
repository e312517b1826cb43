//! Realistic Anthropic Messages request bodies of a chosen size.
//!
//! A coding agent's request is mostly source code: a system prompt, then turns where the user
//! pastes files and the assistant answers with more code. The bodies here imitate that with
//! generated Rust-like code (quotes, braces and newlines, so JSON escaping is exercised), in a
//! `messages` array that alternates user and assistant turns and ends with a user turn.

use bytes::Bytes;
use serde_json::{Value, json};

/// The model every bench request names (weir routes it with `models = ["*"]`).
pub const MODEL: &str = "claude-sonnet-4-5";

/// Largest content of one message turn, in characters.
const TURN_CHARS: usize = 6 * 1024;

/// A small deterministic generator (xorshift64*), so every run sends the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = items.len() as u64;
        items[usize::try_from(self.next() % len).unwrap_or(0)]
    }
}

const NOUNS: &[&str] = &[
    "header", "request", "buffer", "route", "vendor", "stream", "config", "token", "ledger",
    "event", "frame", "target", "budget", "policy", "session", "chunk",
];
const VERBS: &[&str] = &[
    "parse", "read", "write", "check", "build", "resolve", "encode", "decode", "merge", "split",
    "flush", "apply",
];
const TYPES: &[&str] = &[
    "String",
    "u64",
    "Vec<u8>",
    "Bytes",
    "Option<&str>",
    "usize",
    "bool",
];

/// Generates Rust-like source code, one function at a time.
struct CodeGen {
    rng: Rng,
    counter: u32,
}

impl CodeGen {
    fn new(seed: u64) -> CodeGen {
        CodeGen {
            rng: Rng(seed | 1),
            counter: 0,
        }
    }

    /// One function of a dozen lines.
    fn function(&mut self) -> String {
        self.counter += 1;
        let n = self.counter;
        let verb = self.rng.pick(VERBS);
        let noun = self.rng.pick(NOUNS);
        let other = self.rng.pick(NOUNS);
        let ty = self.rng.pick(TYPES);
        let limit = self.rng.next() % 4096;
        format!(
            "/// {verb}s the {noun} and returns its {other}.\n\
             pub fn {verb}_{noun}_{n}(input: &str, max: usize) -> Result<{ty}, Error> {{\n    \
                 let parts: Vec<&str> = input.split(':').map(str::trim).collect();\n    \
                 if parts.len() < 2 || input.len() > max {{\n        \
                     return Err(Error::new(\"{noun}: expected `name: value`, got \\\"{{input}}\\\"\"));\n    \
                 }}\n    \
                 let {other} = parts[1].parse::<u64>().map_err(|e| Error::wrap(e, \"{verb}\"))?;\n    \
                 if {other} > {limit} {{\n        \
                     tracing::warn!({noun} = %parts[0], {other}, \"over the limit\");\n    \
                 }}\n    \
                 Ok({other}.try_into()?)\n\
             }}\n\n"
        )
    }

    /// At least `chars` characters of code.
    fn code(&mut self, chars: usize) -> String {
        let mut out = String::with_capacity(chars + 512);
        while out.len() < chars {
            out.push_str(&self.function());
        }
        out
    }
}

/// The content of turn `i` (user turns paste files, assistant turns answer with code).
fn turn_text(code: &mut CodeGen, i: usize, chars: usize) -> String {
    let body = code.code(chars);
    if i % 2 == 0 {
        format!(
            "Here is src/module_{i}.rs:\n```rust\n{body}```\nThe tests fail with \"called \
             `Result::unwrap()` on an `Err` value\". Fix it without changing the public API."
        )
    } else {
        format!(
            "The error comes from the limit check. Here is the corrected code:\n```rust\n{body}```\n"
        )
    }
}

fn request(messages: &[Value], stream: bool) -> Value {
    json!({
        "model": MODEL,
        "max_tokens": 4096,
        "stream": stream,
        "system": "You are a coding agent. Answer with code when code is asked for; keep \
                   explanations short. The repository is a Rust workspace.",
        "messages": messages,
    })
}

fn size(v: &Value) -> usize {
    serde_json::to_vec(v).map_or(0, |b| b.len())
}

/// A Messages request body of about `target` bytes: never more (unless `target` is too small
/// for the request around the text), at most a byte or two less.
pub fn anthropic(target: usize, stream: bool) -> Bytes {
    let mut code = CodeGen::new(0x5eed_0000 + target as u64);
    let mut messages: Vec<Value> = Vec::new();
    // What is left for the last user turn's text once `messages` and an empty last turn are in.
    let room = |messages: &[Value]| {
        let mut with_last = messages.to_vec();
        with_last.push(json!({"role": "user", "content": ""}));
        target.saturating_sub(size(&request(&with_last, stream)))
    };
    let mut left = room(&messages);
    // Whole turns while a pair surely fits (a turn is a little over TURN_CHARS characters, some
    // of which take two bytes escaped), in user/assistant pairs so the last turn is a user turn.
    while left > 4 * TURN_CHARS {
        for i in 0..2 {
            let role = if i == 0 { "user" } else { "assistant" };
            let text = turn_text(&mut code, messages.len(), TURN_CHARS);
            messages.push(json!({"role": role, "content": text}));
        }
        left = room(&messages);
    }
    // The last user turn takes what is left, trimmed until the whole body fits.
    let mut last = turn_text(&mut code, messages.len(), left);
    messages.push(json!({"role": "user", "content": ""}));
    loop {
        let at = messages.len() - 1;
        messages[at]["content"] = Value::String(last.clone());
        let v = request(&messages, stream);
        let len = size(&v);
        if len <= target || last.is_empty() {
            return Bytes::from(serde_json::to_vec(&v).unwrap_or_default());
        }
        // An escaped character takes two bytes: cut half the excess (at least one character)
        // at a time so the body lands within a byte of `target`.
        let chars = (len - target).div_ceil(2);
        let cut = last
            .char_indices()
            .rev()
            .nth(chars - 1)
            .map_or(0, |(i, _)| i);
        last.truncate(cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_hit_their_size_and_are_valid_requests() {
        for (target, stream) in [(1024, false), (1024, true), (200 * 1024, false)] {
            let body = anthropic(target, stream);
            assert!(
                body.len() <= target && body.len() + 2 >= target,
                "{}",
                body.len()
            );
            let v: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["model"], MODEL);
            assert_eq!(v["stream"], stream);
            let messages = v["messages"].as_array().unwrap();
            assert_eq!(messages.last().unwrap()["role"], "user");
            assert_eq!(messages.len() % 2, 1);
        }
    }
}
