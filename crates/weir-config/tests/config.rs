//! `Config::from_toml`: defaults, the file format, every error class with its position, zero
//! config, presets.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use weir_config::{
    AuthStyle, Config, ConfigError, ConfigErrors, Jurisdiction, SecretSource, VendorOrigin,
    catalogue, defaults,
};
use weir_protocol::Protocol;

fn env(vars: &[(&str, &str)]) -> HashMap<String, String> {
    vars.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn ok_with(text: &str, vars: &[(&str, &str)]) -> Config {
    match Config::from_toml(text, "weir.toml", &env(vars)) {
        Ok(c) => c,
        Err(e) => panic!("unexpected errors:\n{e}"),
    }
}

fn ok(text: &str) -> Config {
    ok_with(text, &[])
}

fn errors(text: &str) -> ConfigErrors {
    errors_with(text, &[])
}

fn errors_with(text: &str, vars: &[(&str, &str)]) -> ConfigErrors {
    match Config::from_toml(text, "weir.toml", &env(vars)) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e,
    }
}

/// The only error, as `line:column` and its message.
fn single(text: &str) -> (String, String) {
    let errs = errors(text);
    assert_eq!(errs.0.len(), 1, "expected one error, got:\n{errs}");
    let ConfigError {
        line,
        column,
        message,
        ..
    } = errs.0[0].clone();
    (format!("{line}:{column}"), message)
}

fn assert_single(text: &str, at: &str, contains: &str) {
    let (pos, message) = single(text);
    assert_eq!(pos, at, "position of: {message}");
    assert!(
        message.contains(contains),
        "message {message:?} should contain {contains:?}"
    );
}

fn names(c: &Config) -> Vec<&str> {
    c.vendors.iter().map(|v| v.name.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// Defaults.

#[test]
fn empty_file_yields_every_default() {
    for text in ["", "\n", "# nothing here\n"] {
        let c = ok(text);
        assert_eq!(c.listen, defaults::LISTEN);
        assert_eq!(c.listen, "127.0.0.1:9347".parse::<SocketAddr>().unwrap());
        assert_eq!(c.access_token, None);
        assert!(c.allowed_hosts.is_empty());
        assert_eq!(c.limits.max_body_bytes, defaults::MAX_BODY_BYTES);
        assert_eq!(c.timeouts.header_read, defaults::HEADER_READ_TIMEOUT);
        assert_eq!(c.timeouts.connect, defaults::CONNECT_TIMEOUT);
        assert_eq!(c.timeouts.first_byte, defaults::FIRST_BYTE_TIMEOUT);
        assert_eq!(c.timeouts.idle, defaults::IDLE_TIMEOUT);
        assert_eq!(c.timeouts.total, defaults::TOTAL_TIMEOUT);
        assert_eq!(c.retry.max_attempts, defaults::MAX_ATTEMPTS);
        assert_eq!(c.retry.max_wait, defaults::MAX_RETRY_WAIT);
        assert_eq!(c.retry.cutoff_cooldown, defaults::CUTOFF_COOLDOWN);
        assert_eq!(c.retry.failure_cooldown, defaults::FAILURE_COOLDOWN);
        assert!(c.vendors.is_empty());
        assert!(c.routes.is_empty());
        assert_eq!(
            c.probe.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
            ["ollama"]
        );
        assert!(c.notes.is_empty());
    }
}

#[test]
fn empty_tables_also_yield_the_defaults() {
    let c = ok("[limits]\n[timeouts]\n[retry]\n[vendors]\n");
    assert_eq!(c.limits.max_body_bytes, 32 * 1024 * 1024);
    assert_eq!(c.timeouts.total, Duration::from_secs(1800));
    assert_eq!(c.retry.max_attempts, 4);
    assert!(c.vendors.is_empty());
}

// ---------------------------------------------------------------------------------------------
// The whole format.

const FULL: &str = r#"
listen = "0.0.0.0:9000"
access_token = "env:WEIR_TOKEN"
allowed_hosts = ["Weir.Internal"]
auto_vendors = true

[limits]
max_body = "8 MiB"

[timeouts]
header_read = "500ms"
connect = 5
first_byte = "2m"
idle = "90s"
total = "1h"

[retry]
max_attempts = 2
max_wait = "0s"
cutoff_cooldown = "10m"
failure_cooldown = 30

[vendors.qwen]
preset = "dashscope"
protocol = "openai-chat"
base_url = "https://dashscope-intl.aliyuncs.com/compatible-mode/v1/"
auth = "bearer"
api_key = "env:MY_QWEN_KEY"
jurisdiction = "sg"
models = ["qwen*"]
count_tokens = false
enabled = true

[[routes]]
name = "claude"
models = ["claude-*"]
targets = ["anthropic", "qwen:qwen3-coder-plus"]

[[routes]]
models = ["gpt-4o"]
targets = ["openai"]
"#;

#[test]
fn the_full_format() {
    let c = ok_with(
        FULL,
        &[
            ("WEIR_TOKEN", "t"),
            ("MY_QWEN_KEY", "k"),
            ("ANTHROPIC_API_KEY", "a"),
        ],
    );
    assert_eq!(c.listen, "0.0.0.0:9000".parse::<SocketAddr>().unwrap());
    assert_eq!(c.access_token, Some(SecretSource::Env("WEIR_TOKEN".into())));
    assert_eq!(c.allowed_hosts, ["weir.internal"]);
    assert_eq!(c.limits.max_body_bytes, 8 << 20);
    assert_eq!(c.timeouts.header_read, Duration::from_millis(500));
    assert_eq!(c.timeouts.connect, Duration::from_secs(5));
    assert_eq!(c.timeouts.first_byte, Duration::from_secs(120));
    assert_eq!(c.timeouts.idle, Duration::from_secs(90));
    assert_eq!(c.timeouts.total, Duration::from_secs(3600));
    assert_eq!(c.retry.max_attempts, 2);
    assert_eq!(c.retry.max_wait, Duration::ZERO);
    assert_eq!(c.retry.cutoff_cooldown, Duration::from_secs(600));
    assert_eq!(c.retry.failure_cooldown, Duration::from_secs(30));

    assert_eq!(names(&c), ["qwen", "anthropic"]);
    let qwen = &c.vendors[0];
    assert_eq!(qwen.display_name, "qwen");
    assert_eq!(qwen.origin, VendorOrigin::File { line: 23 });
    assert_eq!(qwen.key, Some(SecretSource::Env("MY_QWEN_KEY".into())));
    assert_eq!(qwen.jurisdiction, Jurisdiction::Country("SG".into()));
    assert_eq!(qwen.endpoints.len(), 3, "base_url + protocol replaces one");
    let chat = qwen.endpoint(Protocol::OpenAiChat).unwrap();
    assert_eq!(
        chat.base_url,
        "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
    );
    assert_eq!(chat.auth, AuthStyle::Bearer);
    assert_eq!(
        qwen.models.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        ["qwen*"]
    );
    assert!(!qwen.count_tokens);
    assert_eq!(
        c.vendors[1].origin,
        VendorOrigin::KeyVariable("ANTHROPIC_API_KEY".into())
    );

    assert_eq!(c.routes.len(), 2);
    assert_eq!(c.routes[0].name, "claude");
    assert_eq!(c.routes[0].line, 34);
    assert_eq!(c.routes[0].targets[1].vendor, "qwen");
    assert_eq!(
        c.routes[0].targets[1].model.as_deref(),
        Some("qwen3-coder-plus")
    );
    assert_eq!(c.routes[1].name, "routes[1]");
    assert_eq!(c.routes[1].line, 39);
    // openai is named by a route but its key variable is not set.
    assert!(
        c.notes
            .iter()
            .any(|n| n.line == Some(39) && n.message.contains("OPENAI_API_KEY is not set")),
        "{:?}",
        c.notes
    );
}

#[test]
fn ipv6_loopback_listen_needs_no_token() {
    let c = ok("listen = \"[::1]:9347\"\n");
    assert!(c.listen.ip().is_loopback());
}

#[test]
fn sizes_and_durations_accept_integers() {
    let c = ok("[limits]\nmax_body = 1048576\n[timeouts]\nidle = 7\n");
    assert_eq!(c.limits.max_body_bytes, 1 << 20);
    assert_eq!(c.timeouts.idle, Duration::from_secs(7));
}

// ---------------------------------------------------------------------------------------------
// Unknown keys, at every level.

#[test]
fn unknown_keys_are_errors_at_every_level() {
    assert_single("lisen = \"x\"\n", "1:1", "unknown field `lisen`");
    assert_single(
        "\n[limits]\nmax_bdy = 1\n",
        "3:1",
        "unknown field `max_bdy`",
    );
    assert_single("[timeouts]\nread = 1\n", "2:1", "unknown field `read`");
    assert_single(
        "[retry]\nmax_attempts = 2\nattempts = 2\n",
        "3:1",
        "unknown field `attempts`",
    );
    assert_single(
        "[vendors.anthropic]\nbase_ur = \"https://x\"\n",
        "2:1",
        "unknown field `base_ur`",
    );
    assert_single(
        "[[routes]]\nmodels = [\"a\"]\ntargets = [\"anthropic\"]\n  target = 1\n",
        "4:3",
        "unknown field `target`",
    );
    assert_single("[server]\nport = 1\n", "1:2", "unknown field `server`");
}

#[test]
fn syntax_and_type_errors_have_positions() {
    assert_single("listen = \n", "1:10", "");
    assert_single("auto_vendors = \"yes\"\n", "1:16", "invalid type");
    assert_single(
        "[vendors.a]\nmodels = \"x\"\n",
        "2:10",
        "invalid type: string",
    );
    assert_single("[timeouts]\nidle = 1.5\n", "2:8", "an integer or a string");
    assert_single(
        "[vendors.a]\nprotocol = \"openai-chat\"\n[vendors.a]\n",
        "3:10",
        "duplicate key",
    );
}

// ---------------------------------------------------------------------------------------------
// Every error class, with its position.

#[test]
fn listen_errors() {
    assert_single(
        "listen = \"localhost:9347\"\n",
        "1:10",
        "listen must be an IP address and a port",
    );
    assert_single(
        "\nlisten = \"0.0.0.0:9347\"\n",
        "2:10",
        "listening on 0.0.0.0:9347 exposes weir beyond this machine; set access_token = \
         \"env:NAME\"",
    );
    assert_single(
        "listen = \"192.168.1.2:80\"\n",
        "1:10",
        "or listen on 127.0.0.1",
    );
    ok("listen = \"0.0.0.0:9347\"\naccess_token = \"file:/run/weir/token\"\n");
}

#[test]
fn access_token_and_allowed_hosts_errors() {
    assert_single(
        "access_token = \"hunter2\"\n",
        "1:16",
        "access_token must be `env:NAME` or `file:PATH`",
    );
    assert_single(
        "allowed_hosts = [\"ok\", \"http://x/\"]\n",
        "1:24",
        "allowed_hosts entries must be host names",
    );
}

#[test]
fn limit_timeout_and_retry_errors() {
    assert_single(
        "[limits]\nmax_body = \"32 MB/s\"\n",
        "2:12",
        "limits.max_body must be",
    );
    assert_single("[limits]\nmax_body = 0\n", "2:12", "greater than zero");
    assert_single(
        "[timeouts]\nconnect = \"10 sec\"\n",
        "2:11",
        "timeouts.connect must be a whole number of seconds, or a string like \"500ms\"",
    );
    assert_single(
        "[timeouts]\ntotal = \"0s\"\n",
        "2:9",
        "timeouts.total must be longer than zero",
    );
    assert_single("[timeouts]\nidle = -1\n", "2:8", "timeouts.idle");
    assert_single(
        "[retry]\nmax_attempts = 0\n",
        "2:16",
        "retry.max_attempts must be a whole number of at least 1",
    );
    assert_single(
        "[retry]\nfailure_cooldown = \"soon\"\n",
        "2:20",
        "retry.failure_cooldown",
    );
}

#[test]
fn vendor_errors() {
    assert_single(
        "[vendors.Qwen]\npreset = \"dashscope\"\n",
        "1:10",
        "vendor name `Qwen` may contain only lower-case letters",
    );
    assert_single(
        "[vendors.q]\npreset = \"alibaba\"\n",
        "2:10",
        "unknown preset `alibaba`; the catalogue has: anthropic, openai, dashscope",
    );
    assert_single(
        "[vendors.q]\npreset = \"dashscope\"\nprotocol = \"openai\"\n",
        "3:12",
        "unknown protocol `openai`; expected one of: anthropic, openai-chat, openai-responses",
    );
    assert_single(
        "[vendors.anthropic]\nauth = \"Bearer\"\n",
        "2:8",
        "auth must be \"bearer\"",
    );
    assert_single(
        "[vendors.q]\nprotocol = \"openai-chat\"\nbase_url = \"api.example.com/v1\"\njurisdiction = \"US\"\n",
        "3:12",
        "base_url must start with https://",
    );
    assert_single(
        "[vendors.proxy]\nprotocol = \"anthropic\"\nbase_url = \"https://proxy.example.com/v1/\"\njurisdiction = \"DE\"\n",
        "3:12",
        "the Anthropic protocol appends /v1/messages itself; remove the trailing /v1",
    );
    assert_single(
        "[vendors.anthropic]\nbase_url = \"https://proxy.example.com/v1\"\n",
        "2:12",
        "remove the trailing /v1",
    );
    assert_single(
        "[vendors.q]\npreset = \"openai\"\njurisdiction = \"USA\"\n",
        "3:16",
        "jurisdiction must be a two-letter ISO 3166-1 country code",
    );
    assert_single(
        "[vendors.q]\nprotocol = \"openai-chat\"\nbase_url = \"https://api.example.com/v1\"\n",
        "1:10",
        "vendor `q` needs jurisdiction = \"CC\"",
    );
    assert_single(
        "[vendors.q]\nbase_url = \"http://localhost:1/v1\"\n",
        "1:10",
        "vendor `q` needs protocol = \"anthropic\", \"openai-chat\" or \"openai-responses\"",
    );
    assert_single(
        "[vendors.q]\nprotocol = \"anthropic\"\n",
        "1:10",
        "vendor `q` needs base_url",
    );
    assert_single(
        "[vendors.dashscope]\nbase_url = \"https://proxy.example.com/v1\"\n",
        "2:12",
        "preset `dashscope` has several endpoints (openai-chat, openai-responses, anthropic); \
         add protocol = \"...\"",
    );
    assert_single(
        "[vendors.gemini]\nprotocol = \"anthropic\"\n",
        "2:12",
        "preset `gemini` has no anthropic endpoint (it has openai-chat)",
    );
    assert_single(
        "[vendors.anthropic]\nmodels = [\"claude-*\", \"\"]\n",
        "2:23",
        "models: a model glob cannot be empty",
    );
}

#[test]
fn route_errors() {
    assert_single(
        "[[routes]]\ntargets = [\"anthropic\"]\n",
        "1:1",
        "route `routes[0]` needs models",
    );
    assert_single(
        "[[routes]]\nname = \"x\"\nmodels = [\"a\"]\n",
        "1:1",
        "route `x` needs targets",
    );
    assert_single(
        "[[routes]]\nmodels = []\ntargets = [\"anthropic\"]\n",
        "2:10",
        "route `routes[0]` has no models",
    );
    assert_single(
        "[[routes]]\nmodels = [\"a\"]\ntargets = []\n",
        "3:11",
        "route `routes[0]` has no targets",
    );
    assert_single(
        "[[routes]]\nmodels = [\"a\"]\ntargets = [\"anthropic\", \"anthropc:claude\"]\n",
        "3:25",
        "unknown vendor `anthropc` in route target; known vendors: anthropic, openai,",
    );
    assert_single(
        "[[routes]]\nmodels = [\"a\"]\ntargets = [\"ollama:\"]\n",
        "3:12",
        "has no model after `:`",
    );
    assert_single(
        "[[routes]]\nmodels = [\"a\"]\ntargets = [\":m\"]\n",
        "3:12",
        "has no vendor",
    );
    assert_single(
        "[[routes]]\nname = \"r\"\nmodels = [\"a\"]\ntargets = [\"openai\"]\n\n[[routes]]\nname = \"r\"\nmodels = [\"b\"]\ntargets = [\"openai\"]\n",
        "7:8",
        "route name `r` is already used by the route at line 1",
    );
    assert_single(
        "[[routes]]\nmodels = [\"\"]\ntargets = [\"openai\"]\n",
        "2:11",
        "models: a model glob cannot be empty",
    );
}

#[test]
fn route_targets_may_name_file_vendors_even_disabled_ones() {
    let c = ok(
        "[vendors.box]\nprotocol = \"openai-chat\"\nbase_url = \"http://127.0.0.1:8000/v1\"\nenabled = false\n\n[[routes]]\nmodels = [\"a\"]\ntargets = [\"box\"]\n",
    );
    assert!(c.vendors.is_empty());
    assert!(
        c.notes
            .iter()
            .any(|n| n.line == Some(6) && n.message.contains("`box` is disabled")),
        "{:?}",
        c.notes
    );
}

#[test]
fn errors_are_collected_in_file_order() {
    let text = r#"listen = "0.0.0.0:9347"

[timeouts]
idle = "forever"

[vendors.proxy]
protocol = "anthropic"
base_url = "https://proxy.example.com/v1"
api_key = "sk-ant-api03-pasted"

[[routes]]
models = ["claude-*"]
targets = ["proxy", "nowhere"]
"#;
    let errs = errors(text);
    let positions: Vec<(usize, usize)> = errs.0.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(
        positions,
        [(1, 10), (4, 8), (6, 10), (8, 12), (9, 11), (13, 21)]
    );
    insta::assert_snapshot!("collected_errors", errs.to_string());
}

#[test]
fn rendered_errors_of_a_bad_vendor_file() {
    let text = r#"[vendors.local-llm]
protocol = "openai-chat"
base_url = "localhost:8000/v1"

[vendors.eu]
protocol = "openai-responses"
base_url = "https://llm.example.eu/v1"
jurisdiction = "europe"
auth = "token"

[vendors.openrouter]
protocol = "anthropic"
base_url = "https://openrouter.ai/api/v1"
"#;
    insta::assert_snapshot!("bad_vendors", errors(text).to_string());
}

#[test]
fn rendered_errors_of_bad_routes() {
    let text = r#"[[routes]]
name = "coding"
models = ["claude-*", "gpt-5*"]
targets = ["anthropic", "openai:", "qwen:qwen3-coder-plus"]

[[routes]]
models = []
"#;
    insta::assert_snapshot!("bad_routes", errors(text).to_string());
}

#[test]
fn rendered_error_of_an_unknown_key() {
    insta::assert_snapshot!(
        "unknown_key",
        errors("[vendors.qwen]\npreset = \"dashscope\"\nkey = \"env:X\"\n").to_string()
    );
}

// ---------------------------------------------------------------------------------------------
// Keys.

#[test]
fn a_pasted_key_never_appears_in_errors() {
    let key = "sk-ant-api03-Zx9QwErTyUiOp1234567890abcdefGHIJKLmnop-QRSTUVWXYZ_0123456789AA";
    for template in [
        "[vendors.anthropic]\napi_key = \"KEY\"\n",
        "[vendors.anthropic]\napi_key = \"env:KEY\"\n",
        "access_token = \"KEY\"\n",
        "[vendors.x]\nprotocol = \"anthropic\"\nbase_url = \"https://a.example\"\njurisdiction = \"US\"\napi_key = \"KEY\"\n",
    ] {
        let text = template.replace("KEY", key);
        let errs = errors(&text);
        let rendered = format!("{errs}\n{errs:?}");
        assert!(!rendered.contains(key), "{rendered}");
        assert!(!rendered.contains("sk-ant"), "{rendered}");
        assert!(!rendered.contains("Zx9Q"), "{rendered}");
    }
    let (pos, message) = single(&format!("[vendors.anthropic]\napi_key = \"{key}\"\n"));
    assert_eq!(pos, "2:11");
    assert_eq!(
        message,
        "api_key must be `env:NAME` or `file:PATH`; weir never reads keys from the \
         configuration text. Put the key in an environment variable or a file and name it here."
    );
}

#[test]
fn key_variable_not_set_is_a_note() {
    let c = ok("\n[vendors.anthropic]\n");
    assert_eq!(names(&c), ["anthropic"]);
    assert_eq!(c.vendors[0].origin, VendorOrigin::File { line: 2 });
    assert_eq!(c.notes.len(), 1);
    assert_eq!(c.notes[0].line, Some(2));
    assert!(c.notes[0].message.contains("ANTHROPIC_API_KEY is not set"));

    let c = ok("[vendors.anthropic]\napi_key = \"env:MY_KEY\"\n");
    assert!(c.notes[0].message.contains("MY_KEY is not set"));
    let c = ok_with(
        "[vendors.anthropic]\napi_key = \"env:MY_KEY\"\n",
        &[("MY_KEY", "x")],
    );
    assert!(c.notes.is_empty());
    let c = ok("[vendors.anthropic]\napi_key = \"file:/etc/weir/anthropic\"\n");
    assert!(c.notes.is_empty());
    assert_eq!(
        c.vendors[0].key,
        Some(SecretSource::File("/etc/weir/anthropic".into()))
    );
}

#[test]
fn an_empty_key_variable_counts_as_unset() {
    let c = ok_with("", &[("ANTHROPIC_API_KEY", "")]);
    assert!(c.vendors.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Zero config.

#[test]
fn zero_config_enables_vendors_whose_key_variable_is_set() {
    let c = ok_with(
        "",
        &[
            ("ZHIPU_API_KEY", "z"),
            ("ANTHROPIC_API_KEY", "a"),
            ("GOOGLE_API_KEY", "g"),
            ("GEMINI_API_KEY", "g2"),
            ("VLLM_API_KEY", "v"),
            ("LMSTUDIO_API_KEY", "l"),
            ("UNRELATED", "u"),
        ],
    );
    assert_eq!(names(&c), ["anthropic", "zhipu", "gemini"]);
    assert_eq!(
        c.vendors[0].origin,
        VendorOrigin::KeyVariable("ANTHROPIC_API_KEY".into())
    );
    assert_eq!(
        c.vendors[1].origin,
        VendorOrigin::KeyVariable("ZHIPU_API_KEY".into())
    );
    assert_eq!(
        c.vendors[1].key,
        Some(SecretSource::Env("ZHIPU_API_KEY".into()))
    );
    assert_eq!(
        c.vendors[2].key,
        Some(SecretSource::Env("GEMINI_API_KEY".into())),
        "the first variable that is set wins"
    );
    assert_eq!(c.vendors[0], {
        let mut a = catalogue::vendor("anthropic").unwrap();
        a.origin = VendorOrigin::KeyVariable("ANTHROPIC_API_KEY".into());
        a
    });
    assert_eq!(c.probe.len(), 1);
    assert_eq!(c.probe[0].name, "ollama");
    assert_eq!(c.notes.len(), 3);
    assert!(c.notes.iter().all(|n| n.line.is_none()));
    assert!(
        c.notes[0]
            .message
            .contains("`anthropic` (Anthropic) is enabled because ANTHROPIC_API_KEY is set")
    );
}

#[test]
fn every_auto_vendor_can_be_enabled() {
    let vars: Vec<(&str, &str)> = catalogue::names()
        .filter_map(|n| catalogue::key_variables(n).first().map(|v| (*v, "x")))
        .collect();
    let c = ok_with("", &vars);
    assert_eq!(
        names(&c),
        [
            "anthropic",
            "openai",
            "dashscope",
            "dashscope-cn",
            "deepseek",
            "moonshot",
            "moonshot-cn",
            "zhipu",
            "zai",
            "gemini",
            "openrouter"
        ]
    );
}

#[test]
fn auto_vendors_false_enables_nothing_by_itself() {
    let c = ok_with("auto_vendors = false\n", &[("ANTHROPIC_API_KEY", "a")]);
    assert!(c.vendors.is_empty());
    assert!(c.probe.is_empty());
    let c = ok_with(
        "auto_vendors = false\n[vendors.openai]\n",
        &[("ANTHROPIC_API_KEY", "a"), ("OPENAI_API_KEY", "o")],
    );
    assert_eq!(names(&c), ["openai"]);
}

#[test]
fn enabled_false_keeps_a_catalogue_vendor_off() {
    let c = ok_with(
        "[vendors.anthropic]\nenabled = false\n[vendors.ollama]\nenabled = false\n",
        &[("ANTHROPIC_API_KEY", "a"), ("OPENAI_API_KEY", "o")],
    );
    assert_eq!(names(&c), ["openai"]);
    assert!(c.probe.is_empty());
}

#[test]
fn a_file_table_for_ollama_enables_it_directly() {
    let c = ok("[vendors.ollama]\n");
    assert_eq!(names(&c), ["ollama"]);
    assert!(c.probe.is_empty());
    assert_eq!(c.vendors[0].key, None);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn enable_moves_a_probed_vendor() {
    let mut c = ok_with("", &[("OPENAI_API_KEY", "o")]);
    c.enable("nope");
    c.enable("openai");
    assert_eq!(names(&c), ["openai"]);
    c.enable("ollama");
    assert_eq!(names(&c), ["openai", "ollama"]);
    assert_eq!(c.vendors[1].origin, VendorOrigin::Probed);
    assert!(c.probe.is_empty());
    c.enable("ollama");
    assert_eq!(names(&c), ["openai", "ollama"]);
}

#[test]
fn file_vendors_keep_file_order_then_catalogue_order() {
    let c = ok_with(
        r#"
[vendors.zeta]
protocol = "openai-chat"
base_url = "http://localhost:9000/v1"

[vendors.alpha]
preset = "openai"

[vendors.deepseek]
"#,
        &[
            ("OPENAI_API_KEY", "o"),
            ("DEEPSEEK_API_KEY", "d"),
            ("ANTHROPIC_API_KEY", "a"),
        ],
    );
    assert_eq!(
        names(&c),
        ["zeta", "alpha", "deepseek", "anthropic", "openai"]
    );
    assert_eq!(c.vendors[0].origin, VendorOrigin::File { line: 2 });
    assert_eq!(c.vendors[1].origin, VendorOrigin::File { line: 6 });
    assert_eq!(c.vendors[2].origin, VendorOrigin::File { line: 9 });
}

#[test]
fn local_servers_are_enabled_only_by_a_table() {
    let c = ok_with("", &[("VLLM_API_KEY", "v")]);
    assert!(c.vendors.is_empty());
    let c = ok_with("[vendors.vllm]\n", &[("VLLM_API_KEY", "v")]);
    assert_eq!(
        c.vendors[0].key,
        Some(SecretSource::Env("VLLM_API_KEY".into()))
    );
    assert!(c.notes.is_empty());
    // Without its variable, vLLM is used without a key.
    let c = ok("[vendors.vllm]\n");
    assert_eq!(c.vendors[0].key, None);
    assert!(c.vendors[0].is_local());
    assert!(c.notes[0].message.contains("VLLM_API_KEY is not set"));
}

#[test]
fn a_route_naming_a_catalogue_vendor_without_key_is_a_note() {
    let c = ok(
        "[[routes]]\nname = \"glm\"\nmodels = [\"glm-*\"]\ntargets = [\"zhipu\", \"ollama:glm4\", \"vllm\"]\n",
    );
    assert!(c.vendors.is_empty());
    let messages: Vec<&str> = c.notes.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].contains("route `glm`: vendor `zhipu` is not enabled because ZHIPUAI_API_KEY or ZHIPU_API_KEY is not set"));
    assert!(messages[1].contains("`ollama` is used only if it answers at http://localhost:11434"));
    assert!(
        messages[2]
            .contains("`vllm` is not enabled, so the route skips it; add a [vendors.vllm] table")
    );
    assert!(c.notes.iter().all(|n| n.line == Some(1)));
}

// ---------------------------------------------------------------------------------------------
// Vendors without a preset, and presets with overrides.

#[test]
fn a_vendor_without_preset() {
    let c = ok(
        "[vendors.box]\nprotocol = \"openai-chat\"\nbase_url = \"http://127.0.0.1:8000/v1/\"\nmodels = [\"llama-*\", \"mistral-7b\"]\n",
    );
    let v = &c.vendors[0];
    assert_eq!(v.name, "box");
    assert_eq!(v.display_name, "box");
    assert_eq!(v.jurisdiction, Jurisdiction::Local);
    assert_eq!(v.key, None);
    assert_eq!(v.endpoints.len(), 1);
    assert_eq!(v.endpoints[0].base_url, "http://127.0.0.1:8000/v1");
    assert_eq!(v.endpoints[0].auth, AuthStyle::Bearer);
    assert!(!v.count_tokens && !v.forward_anthropic_beta);
    assert_eq!(c.notes.len(), 1);
    assert!(c.notes[0].message.contains("`box` has no api_key"));

    let c = ok(
        "[vendors.box]\nprotocol = \"anthropic\"\nbase_url = \"http://[::1]:8000\"\nauth = \"none\"\n",
    );
    assert_eq!(c.vendors[0].endpoints[0].auth, AuthStyle::None);
    assert_eq!(c.vendors[0].jurisdiction, Jurisdiction::Local);
    assert!(c.notes.is_empty());

    let c = ok_with(
        "[vendors.corp]\nprotocol = \"anthropic\"\nbase_url = \"https://llm.corp.example\"\njurisdiction = \"de\"\napi_key = \"env:CORP_KEY\"\n",
        &[("CORP_KEY", "k")],
    );
    let v = &c.vendors[0];
    assert_eq!(v.endpoints[0].auth, AuthStyle::XApiKey);
    assert_eq!(v.jurisdiction, Jurisdiction::Country("DE".into()));
    assert_eq!(v.key, Some(SecretSource::Env("CORP_KEY".into())));
    assert!(v.models.is_empty());
    assert!(c.notes.is_empty());
}

#[test]
fn preset_overrides() {
    // The table's own name is its preset.
    let c = ok_with(
        "[vendors.dashscope]\njurisdiction = \"local\"\nmodels = [\"qwen3-*\"]\ncount_tokens = true\n",
        &[("DASHSCOPE_API_KEY", "k")],
    );
    let v = &c.vendors[0];
    assert_eq!(v.display_name, "Alibaba Model Studio (Singapore)");
    assert_eq!(
        v.endpoints,
        catalogue::vendor("dashscope").unwrap().endpoints
    );
    assert_eq!(v.jurisdiction, Jurisdiction::Local);
    assert_eq!(v.models.len(), 1);
    assert!(v.count_tokens);
    assert_eq!(names(&c), ["dashscope"], "not enabled twice");

    // protocol without base_url restricts to that endpoint.
    let c = ok("[vendors.dashscope]\nprotocol = \"anthropic\"\n");
    let v = &c.vendors[0];
    assert_eq!(v.endpoints.len(), 1);
    assert_eq!(
        v.endpoints[0].base_url,
        "https://dashscope-intl.aliyuncs.com/apps/anthropic"
    );
    assert_eq!(v.endpoints[0].auth, AuthStyle::XApiKey);

    // base_url with protocol replaces that endpoint, keeping the others.
    let c = ok(
        "[vendors.ds]\npreset = \"dashscope\"\nprotocol = \"anthropic\"\nbase_url = \"https://gw.example/anthropic/\"\nauth = \"bearer\"\n",
    );
    let v = &c.vendors[0];
    assert_eq!(v.endpoints.len(), 3);
    let a = v.endpoint(Protocol::Anthropic).unwrap();
    assert_eq!(a.base_url, "https://gw.example/anthropic");
    assert_eq!(a.auth, AuthStyle::Bearer);
    assert_eq!(
        v.endpoint(Protocol::OpenAiChat).unwrap().auth,
        AuthStyle::Bearer
    );
    assert_eq!(v.key, Some(SecretSource::Env("DASHSCOPE_API_KEY".into())));
    assert_eq!(v.jurisdiction, Jurisdiction::Country("SG".into()));

    // base_url with a protocol the preset lacks adds an endpoint.
    let c = ok(
        "[vendors.gemini]\nprotocol = \"openai-responses\"\nbase_url = \"https://gw.example/v1\"\n",
    );
    let v = &c.vendors[0];
    assert_eq!(v.endpoints.len(), 2);
    assert_eq!(
        v.endpoint(Protocol::OpenAiResponses).unwrap().auth,
        AuthStyle::Bearer
    );

    // base_url without protocol on a one-endpoint preset.
    let c = ok("[vendors.anthropic]\nbase_url = \"https://proxy.example.com/\"\n");
    let v = &c.vendors[0];
    assert_eq!(v.endpoints[0].base_url, "https://proxy.example.com");
    assert_eq!(v.endpoints[0].auth, AuthStyle::XApiKey);
    assert!(v.forward_anthropic_beta && v.count_tokens);

    // ... or on a preset whose endpoints share one base URL.
    let c = ok("[vendors.openai]\nbase_url = \"https://oai-proxy.example/v1\"\n");
    assert!(
        c.vendors[0]
            .endpoints
            .iter()
            .all(|e| e.base_url == "https://oai-proxy.example/v1")
    );
    assert_eq!(c.vendors[0].endpoints.len(), 2);

    // auth without protocol applies to every endpoint.
    let c = ok("[vendors.ollama]\nauth = \"bearer\"\napi_key = \"env:OLLAMA_KEY\"\n");
    assert!(
        c.vendors[0]
            .endpoints
            .iter()
            .all(|e| e.auth == AuthStyle::Bearer)
    );

    // A preset under another name keeps the preset's key variables.
    let c = ok_with(
        "[vendors.glm]\npreset = \"zhipu\"\n",
        &[("ZHIPU_API_KEY", "z")],
    );
    assert_eq!(names(&c), ["glm", "zhipu"]);
    assert_eq!(
        c.vendors[0].key,
        Some(SecretSource::Env("ZHIPU_API_KEY".into()))
    );
    assert_eq!(c.vendors[0].origin, VendorOrigin::File { line: 1 });
}

#[test]
fn inline_tables_work_too() {
    let c = ok(
        "vendors = { box = { protocol = \"openai-chat\", base_url = \"http://localhost:1/v1\", auth = \"none\" } }\nroutes = [{ models = [\"*\"], targets = [\"box\"] }]\n",
    );
    assert_eq!(names(&c), ["box"]);
    assert_eq!(c.routes[0].name, "routes[0]");
    assert_eq!(c.routes[0].line, 2);
}

#[test]
fn columns_count_characters_not_bytes() {
    let (pos, _) = single("# héllo wörld\n[[routes]] # ✓\nmodels = [\"a\"]\ntargets = [\"é\"]\n");
    assert_eq!(pos, "4:12");
    let (pos, _) = single("allowed_hosts = [\"ü\", \" \"]\n");
    assert_eq!(pos, "1:23");
}

#[test]
fn error_display_format() {
    let errs = Config::from_toml("x = 1\n", "/etc/weir/weir.toml", &env(&[])).unwrap_err();
    assert_eq!(errs.0[0].origin, "/etc/weir/weir.toml");
    assert!(
        errs.to_string()
            .starts_with("/etc/weir/weir.toml:1:1: unknown field `x`")
    );
}

#[test]
fn dlp_defaults_redact_every_category() {
    let c = ok("");
    assert!(c.dlp.enabled);
    assert_eq!(
        c.dlp
            .action("aws-access-key-id", weir_detect::Category::Secret),
        Some(weir_config::Action::Redact)
    );
    assert!(c.dlp.paths.iter().any(|p| p == ".env"));
}

#[test]
fn dlp_actions_rules_and_custom_rules() {
    let c = ok(concat!(
        "[dlp]\nvault_ttl = \"30m\"\n",
        "[dlp.actions]\nemail = \"allow\"\nsecret = \"block\"\n",
        "[dlp.rules]\ngeneric-password-assignment = \"off\"\nstripe-secret-key = \"redact\"\n",
        "[[dlp.custom]]\nid = \"falcon\"\nterms = [\"Project Falcon\"]\naction = \"block\"\n",
    ));
    use weir_config::Action;
    use weir_detect::Category;
    assert_eq!(
        c.dlp.action("email-address", Category::Email),
        Some(Action::Allow)
    );
    assert_eq!(
        c.dlp.action("github-pat", Category::Secret),
        Some(Action::Block)
    );
    assert_eq!(
        c.dlp.action("stripe-secret-key", Category::Secret),
        Some(Action::Redact)
    );
    assert_eq!(
        c.dlp
            .action("generic-password-assignment", Category::Password),
        None
    );
    assert_eq!(
        c.dlp.action("falcon", Category::Organisation),
        Some(Action::Block)
    );
    assert_eq!(c.dlp.vault_ttl, Duration::from_secs(1800));
    let d = weir_detect::Detector::new(c.dlp.custom.clone()).unwrap();
    let found = d.scan(b"status of project falcon rollout");
    assert_eq!(found.len(), 1);
    assert_eq!(d.rules()[found[0].rule].id(), "falcon");
    assert!(d.scan(b"falconry").is_empty());
}

#[test]
fn dlp_mistakes_are_reported_with_lines() {
    let e = errors(concat!(
        "[dlp.actions]\nsecrets = \"redact\"\nemail = \"hide\"\n",
        "[[dlp.custom]]\nid = \"host\"\npattern = \"corp[\"\nanchors = [\"corp\"]\n",
        "[[dlp.custom]]\nid = \"nothing\"\n",
    ))
    .to_string();
    assert!(e.contains("unknown category `secrets`"), "{e}");
    assert!(e.contains("dlp.actions.email must be"), "{e}");
    assert!(e.contains("rule `host`: pattern does not compile"), "{e}");
    assert!(e.contains("give either `terms`"), "{e}");
    let e = errors("[dlp]\nreroute = \"nowhere\"\n").to_string();
    assert!(e.contains("no [[routes]] entry has that name"), "{e}");
}

#[test]
fn the_policy_is_a_path_or_a_table() {
    assert_eq!(ok("").policy, weir_config::PolicySource::None);
    assert_eq!(
        ok("listen = \"127.0.0.1:9000\"\npolicy = \"rules/policy.toml\"\n").policy,
        weir_config::PolicySource::File {
            path: "rules/policy.toml".into(),
            line: 2
        }
    );
    // The table's own keys are the policy crate's to check, not weir.toml's.
    let c = ok(
        "[dlp]\nenabled = true\n\n[policy]\nmode = \"observe\"\n[[policy.tool]]\nname = \"x\"\n",
    );
    assert_eq!(c.policy, weir_config::PolicySource::Inline { line: 4 });
    assert_single(
        "policy = 3\n",
        "1:10",
        "policy must be the path of a policy file",
    );
    assert_single("policy = \"  \"\n", "1:10", "or a [policy] table");
}
