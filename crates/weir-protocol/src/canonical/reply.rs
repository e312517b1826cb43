//! What a client-side encoder needs to know about the request it answers.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Request, ToolKind};

/// The request an answer belongs to, as the client-side encoders need it: the model name the
/// client used, the client's own request (Responses echoes its parameters; Chat Completions
/// needs `include_usage`; custom tools are answered as custom tool calls), an input-token
/// estimate for encoders that must report input before the vendor does, and a timestamp.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The model name the client asked for; every answer carries it.
    pub model: String,
    /// The client's request, decoded.
    pub request: Arc<Request>,
    /// Estimated input tokens, used until the vendor reports its own count.
    pub input_estimate: u64,
    /// Unix seconds for `created` / `created_at` fields.
    pub created: u64,
    names: HashMap<String, String>,
}

impl Reply {
    /// The reply context for `request`.
    pub fn new(
        model: impl Into<String>,
        request: Arc<Request>,
        input_estimate: u64,
        created: u64,
    ) -> Self {
        let names = request
            .tools
            .iter()
            .filter_map(|t| {
                let short = vendor_tool_name(&t.name);
                (short != t.name).then(|| (short, t.name.clone()))
            })
            .collect();
        Reply {
            model: model.into(),
            request,
            input_estimate,
            created,
            names,
        }
    }

    /// The client's name for a tool the vendor called `vendor_name` (undoing
    /// [`vendor_tool_name`]).
    pub fn client_tool_name<'a>(&'a self, vendor_name: &'a str) -> &'a str {
        self.names
            .get(vendor_name)
            .map(String::as_str)
            .unwrap_or(vendor_name)
    }

    /// Whether the client declared `name` as a Responses `custom` tool.
    pub fn is_custom_tool(&self, name: &str) -> bool {
        self.request
            .tools
            .iter()
            .any(|t| t.name == name && matches!(t.kind, ToolKind::Custom { .. }))
    }
}

/// The id a client sees for a vendor's answer id `upstream`: kept when it already carries the
/// client protocol's `prefix` (`msg_`, `chatcmpl-`, `resp_`), otherwise the prefix and the id's
/// ASCII letters and digits (`<prefix>weir` when none are left). Derived, never random, so a
/// streamed and a non-streamed answer agree and snapshot tests stay stable.
pub fn client_id(prefix: &str, upstream: &str) -> String {
    if upstream.len() > prefix.len() && upstream.starts_with(prefix) {
        return upstream.to_owned();
    }
    let tail: String = upstream
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if tail.is_empty() {
        format!("{prefix}weir")
    } else {
        format!("{prefix}{tail}")
    }
}

/// Longest tool name OpenAI accepts.
const MAX_TOOL_NAME: usize = 64;

/// A tool name an OpenAI-protocol vendor accepts: at most 64 characters of `[A-Za-z0-9_-]`.
/// Valid names are unchanged; others (Claude Code's long `mcp__server__tool` names, names with
/// dots) become their first 55 valid characters, `_`, and 8 hex digits of their SHA-256, so
/// the mapping is deterministic and [`Reply::client_tool_name`] can undo it.
pub fn vendor_tool_name(name: &str) -> String {
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if !name.is_empty() && name.len() <= MAX_TOOL_NAME && name.chars().all(valid) {
        return name.to_owned();
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    let mut out: String = name
        .chars()
        .map(|c| if valid(c) { c } else { '_' })
        .take(55)
        .collect();
    out.push('_');
    for b in &digest[..4] {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A tool-call id Anthropic accepts (`[A-Za-z0-9_-]+`): other characters become `_` (Kimi's
/// `functions.Bash:0` becomes `functions_Bash_0`); an empty id becomes `toolu_weir`. The same
/// rewrite is applied to the call and to its result, so the pair stays matched.
pub fn anthropic_tool_id(id: &str) -> String {
    if id.is_empty() {
        return "toolu_weir".to_owned();
    }
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::Tool;

    fn tool(name: &str) -> Tool {
        Tool {
            name: name.into(),
            description: None,
            schema: serde_json::json!({"type": "object"}),
            strict: None,
            kind: ToolKind::Function,
            cache: None,
        }
    }

    #[test]
    fn long_tool_names_shorten_and_restore() {
        let long = format!("mcp__server__{}", "x".repeat(80));
        let short = vendor_tool_name(&long);
        assert_eq!(short.len(), 64);
        assert_ne!(short, vendor_tool_name(&format!("{long}y")));
        assert_eq!(vendor_tool_name("Read"), "Read");
        let req = Request {
            tools: vec![tool(&long), tool("Read"), tool("a.b")],
            ..Request::default()
        };
        let reply = Reply::new("m", Arc::new(req), 0, 0);
        assert_eq!(reply.client_tool_name(&short), long);
        assert_eq!(reply.client_tool_name(&vendor_tool_name("a.b")), "a.b");
        assert_eq!(reply.client_tool_name("Read"), "Read");
    }

    #[test]
    fn client_ids_keep_or_derive_the_vendor_id() {
        assert_eq!(client_id("msg_", "msg_01abc"), "msg_01abc");
        assert_eq!(client_id("msg_", "chatcmpl-9x_Y"), "msg_chatcmpl9xY");
        assert_eq!(client_id("resp_", "resp_"), "resp_resp");
        assert_eq!(client_id("resp_", "__"), "resp_weir");
        assert_eq!(client_id("chatcmpl-", "--"), "chatcmpl-weir");
    }

    #[test]
    fn tool_ids_fit_anthropic_charset() {
        assert_eq!(anthropic_tool_id("functions.Bash:0"), "functions_Bash_0");
        assert_eq!(anthropic_tool_id("call_abc-1"), "call_abc-1");
        assert_eq!(anthropic_tool_id(""), "toolu_weir");
    }
}
