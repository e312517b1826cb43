//! How each known coding agent is pointed at weir: the variables, and for Codex the provider
//! settings, that make its traffic go to weir's listener. Pure data and string building, so each
//! agent's setup is testable without running it.

/// Loopback names added to `NO_PROXY`: several agents send even loopback traffic through
/// `HTTPS_PROXY` when one is set.
const LOOPBACK: &str = "127.0.0.1,localhost,::1";

/// A known agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    /// Claude Code (`claude`): Anthropic Messages.
    Claude,
    /// Codex CLI (`codex`): OpenAI Responses, configured through a custom provider.
    Codex,
    /// Qwen Code (`qwen`): OpenAI Chat Completions.
    Qwen,
    /// Gemini CLI (`gemini`): Google's native Gemini API.
    Gemini,
    /// aider: OpenAI Chat Completions or Anthropic, through litellm.
    Aider,
    /// opencode: Anthropic or OpenAI per provider.
    Opencode,
    /// Anything else: gets the common variables.
    Other,
}

impl Agent {
    /// Identifies the agent from the program name (`claude`, `/usr/bin/codex`, `qwen.cmd`).
    pub fn from_program(program: &str) -> Agent {
        let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
        let stem = base.split('.').next().unwrap_or(base);
        match stem {
            "claude" => Agent::Claude,
            "codex" => Agent::Codex,
            "qwen" => Agent::Qwen,
            "gemini" => Agent::Gemini,
            "aider" => Agent::Aider,
            "opencode" => Agent::Opencode,
            _ => Agent::Other,
        }
    }

    /// How to install it, for the "not found" message.
    pub fn install_hint(self) -> Option<&'static str> {
        match self {
            Agent::Claude => Some("npm install -g @anthropic-ai/claude-code"),
            Agent::Codex => Some("npm install -g @openai/codex"),
            Agent::Qwen => Some("npm install -g @qwen-code/qwen-code"),
            Agent::Gemini => Some("npm install -g @google/gemini-cli"),
            Agent::Aider => Some("pip install aider-chat"),
            Agent::Opencode => Some("npm install -g opencode-ai"),
            Agent::Other => None,
        }
    }
}

impl Agent {
    /// The tool id weir records for it (as the tool identification names it).
    pub fn tool_id(self) -> &'static str {
        match self {
            Agent::Claude => "claude-code",
            Agent::Codex => "codex",
            Agent::Qwen => "qwen-code",
            Agent::Gemini => "gemini-cli",
            Agent::Aider => "aider",
            Agent::Opencode => "opencode",
            Agent::Other => "unknown",
        }
    }
}

/// The variables that make weir at `addr` the agent's forward proxy. The proxy user name is the
/// tool's id (so weir knows who opened each tunnel) and the password `key` (weir's access token
/// when it has one). Loopback stays in `NO_PROXY`: model traffic goes to weir directly.
pub fn proxy(agent: Agent, addr: &str, key: &str) -> Vec<(String, String)> {
    let url = format!("http://{}:{}@{addr}", agent.tool_id(), userinfo(key));
    ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"]
        .into_iter()
        .map(|k| (k.to_owned(), url.clone()))
        .collect()
}

/// `s` percent-encoded for the user-info part of a URL.
fn userinfo(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What to change in the agent's environment and command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Setup {
    /// Variables to set.
    pub set: Vec<(String, String)>,
    /// Variables to remove (a real vendor key the agent would otherwise send).
    pub remove: Vec<String>,
    /// Arguments inserted right after the program name.
    pub args: Vec<String>,
}

/// The setup for `agent` talking to weir at `base` (`http://127.0.0.1:PORT`) with `key` as its
/// API key (weir's access token, or a placeholder: weir holds the vendors' real keys).
/// `no_proxy` is the current `NO_PROXY` value, extended with the loopback names.
pub fn setup(agent: Agent, base: &str, key: &str, no_proxy: Option<&str>) -> Result<Setup, String> {
    let v1 = format!("{base}/v1");
    let mut s = Setup::default();
    let mut set = |k: &str, v: &str| s.set.push((k.to_owned(), v.to_owned()));
    match agent {
        Agent::Claude => {
            set("ANTHROPIC_BASE_URL", base);
            set("ANTHROPIC_AUTH_TOKEN", key);
            s.remove.push("ANTHROPIC_API_KEY".into());
        }
        Agent::Codex => {
            set("WEIR_API_KEY", key);
            for (k, v) in [
                ("model_provider", "weir"),
                ("model_providers.weir.name", "weir"),
                ("model_providers.weir.base_url", v1.as_str()),
                ("model_providers.weir.wire_api", "responses"),
                ("model_providers.weir.env_key", "WEIR_API_KEY"),
            ] {
                s.args.push("-c".into());
                s.args.push(format!("{k}={}", toml_string(v)));
            }
            // weir serves Responses over HTTP with SSE, not over a WebSocket: say so rather
            // than rely on Codex's default for custom providers.
            s.args.push("-c".into());
            s.args
                .push("model_providers.weir.supports_websockets=false".into());
        }
        Agent::Qwen => {
            set("OPENAI_BASE_URL", &v1);
            set("OPENAI_API_KEY", key);
        }
        Agent::Gemini => {
            return Err(
                "Gemini CLI speaks Google's native Gemini API (generateContent), which this \
                 version of weir does not serve yet. Use a tool that speaks the Anthropic or \
                 OpenAI API, or run Gemini models through them (weir routes gemini-* models to \
                 Google's OpenAI-compatible endpoint)."
                    .into(),
            );
        }
        Agent::Aider => {
            set("OPENAI_API_BASE", &v1);
            set("OPENAI_API_KEY", key);
            set("ANTHROPIC_BASE_URL", base);
            set("ANTHROPIC_API_KEY", key);
        }
        Agent::Opencode => {
            let provider = serde_json::json!({"options": {"baseURL": v1, "apiKey": key}});
            let content =
                serde_json::json!({"provider": {"anthropic": provider, "openai": provider}});
            set("OPENCODE_CONFIG_CONTENT", &content.to_string());
            set("ANTHROPIC_BASE_URL", &v1);
        }
        Agent::Other => {
            set("ANTHROPIC_BASE_URL", base);
            set("ANTHROPIC_API_KEY", key);
            set("OPENAI_BASE_URL", &v1);
            set("OPENAI_API_BASE", &v1);
            set("OPENAI_API_KEY", key);
        }
    }
    let no_proxy = match no_proxy.filter(|v| !v.trim().is_empty()) {
        Some(existing) => format!("{existing},{LOOPBACK}"),
        None => LOOPBACK.to_owned(),
    };
    s.set.push(("NO_PROXY".into(), no_proxy.clone()));
    s.set.push(("no_proxy".into(), no_proxy));
    Ok(s)
}

/// A TOML basic string (Codex parses `-c` values as TOML).
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(s: &'a Setup, k: &str) -> Option<&'a str> {
        s.set.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_proxy_url_names_the_tool_and_escapes_the_key() {
        let vars = proxy(Agent::Claude, "127.0.0.1:9347", "a:b@c");
        assert_eq!(vars.len(), 4);
        assert!(
            vars.iter()
                .all(|(_, v)| v == "http://claude-code:a%3Ab%40c@127.0.0.1:9347")
        );
        assert!(vars.iter().any(|(k, _)| k == "HTTPS_PROXY"));
    }

    #[test]
    fn agents_are_known_by_program_name() {
        assert_eq!(Agent::from_program("claude"), Agent::Claude);
        assert_eq!(Agent::from_program("/usr/local/bin/codex"), Agent::Codex);
        assert_eq!(Agent::from_program("C:\\bin\\qwen.cmd"), Agent::Qwen);
        assert_eq!(Agent::from_program("python3"), Agent::Other);
    }

    #[test]
    fn claude_gets_base_url_and_token_and_loses_a_real_key() {
        let s = setup(Agent::Claude, "http://127.0.0.1:9347", "weir", None).unwrap();
        assert_eq!(get(&s, "ANTHROPIC_BASE_URL"), Some("http://127.0.0.1:9347"));
        assert_eq!(get(&s, "ANTHROPIC_AUTH_TOKEN"), Some("weir"));
        assert_eq!(s.remove, vec!["ANTHROPIC_API_KEY".to_string()]);
        assert_eq!(get(&s, "NO_PROXY"), Some(LOOPBACK));
    }

    #[test]
    fn codex_gets_a_responses_provider() {
        let s = setup(Agent::Codex, "http://127.0.0.1:1", "k", None).unwrap();
        assert_eq!(s.args[0], "-c");
        assert!(
            s.args
                .contains(&"model_providers.weir.base_url=\"http://127.0.0.1:1/v1\"".to_string())
        );
        assert!(
            s.args
                .contains(&"model_providers.weir.wire_api=\"responses\"".to_string())
        );
        assert!(
            s.args
                .contains(&"model_providers.weir.env_key=\"WEIR_API_KEY\"".to_string())
        );
        assert!(
            s.args
                .contains(&"model_providers.weir.supports_websockets=false".to_string())
        );
        // Every value comes as `-c key=value`, the form Codex accepts before its subcommand.
        assert!(
            s.args
                .chunks(2)
                .all(|pair| pair[0] == "-c" && pair[1].contains('='))
        );
        assert_eq!(get(&s, "WEIR_API_KEY"), Some("k"));
    }

    #[test]
    fn openai_agents_get_the_v1_base() {
        let s = setup(Agent::Qwen, "http://127.0.0.1:1", "k", Some("corp.example")).unwrap();
        assert_eq!(get(&s, "OPENAI_BASE_URL"), Some("http://127.0.0.1:1/v1"));
        assert_eq!(
            get(&s, "no_proxy"),
            Some("corp.example,127.0.0.1,localhost,::1")
        );
        let s = setup(Agent::Opencode, "http://127.0.0.1:1", "k", None).unwrap();
        let cfg: serde_json::Value =
            serde_json::from_str(get(&s, "OPENCODE_CONFIG_CONTENT").unwrap()).unwrap();
        assert_eq!(
            cfg["provider"]["anthropic"]["options"]["baseURL"],
            "http://127.0.0.1:1/v1"
        );
    }

    #[test]
    fn gemini_is_refused_with_an_explanation() {
        let err = setup(Agent::Gemini, "http://x", "k", None).unwrap_err();
        assert!(err.contains("native Gemini API"));
    }
}
