//! `Router`: explicit routes first, then vendors' own globs; disabled vendors left out.

use std::collections::HashMap;

use weir_config::{Config, Resolved, Router};

fn config(text: &str, vars: &[&str]) -> Config {
    let env: HashMap<String, String> = vars
        .iter()
        .map(|k| ((*k).to_owned(), "secret".to_owned()))
        .collect();
    Config::from_toml(text, "weir.toml", &env).unwrap_or_else(|e| panic!("{e}"))
}

/// `(route, [vendor/model, ...])`.
fn summary(r: Option<Resolved>) -> Option<(String, Vec<String>)> {
    r.map(|r| {
        (
            r.route,
            r.targets
                .iter()
                .map(|t| format!("{}/{}", t.vendor.name, t.model))
                .collect(),
        )
    })
}

fn resolve(router: &Router, model: &str) -> Option<(String, Vec<String>)> {
    summary(router.resolve(model))
}

fn some(route: &str, targets: &[&str]) -> Option<(String, Vec<String>)> {
    Some((
        route.to_owned(),
        targets.iter().map(|t| (*t).to_owned()).collect(),
    ))
}

const ROUTES: &str = r#"
[vendors.ollama]

[[routes]]
name = "claude"
models = ["claude-*"]
targets = ["anthropic", "dashscope:qwen3-coder-plus", "ollama:qwen2.5-coder:7b"]

[[routes]]
name = "cheap"
models = ["claude-3-5-haiku*", "gpt-4o-mini"]
targets = ["deepseek", "ollama:llama3.2"]

[[routes]]
name = "frontier"
models = ["gpt-5*"]
targets = ["openai"]

[[routes]]
models = ["local"]
targets = ["ollama"]
"#;

#[test]
fn explicit_routes_in_order_with_disabled_targets_left_out() {
    let c = config(ROUTES, &["ANTHROPIC_API_KEY", "DASHSCOPE_API_KEY"]);
    let router = Router::new(&c);
    assert!(router.has_vendors());
    assert_eq!(
        resolve(&router, "claude-sonnet-4-5"),
        some(
            "claude",
            &[
                "anthropic/claude-sonnet-4-5",
                "dashscope/qwen3-coder-plus",
                "ollama/qwen2.5-coder:7b"
            ]
        )
    );
    // The first matching route wins, even when a later one names the model more precisely.
    assert_eq!(
        resolve(&router, "claude-3-5-haiku-latest").unwrap().0,
        "claude"
    );
    // deepseek has no key: left out.
    assert_eq!(
        resolve(&router, "gpt-4o-mini"),
        some("cheap", &["ollama/llama3.2"])
    );
    // Every target disabled: the route still claims the model.
    assert_eq!(resolve(&router, "gpt-5"), None);
    // `vendor` alone keeps the client's model name.
    assert_eq!(
        resolve(&router, "local"),
        some("routes[3]", &["ollama/local"])
    );
    // Not routed: vendors' own globs, file vendors first (ollama serves `*`).
    assert_eq!(
        resolve(&router, "qwen3-max"),
        some("vendor:ollama", &["ollama/qwen3-max"])
    );
}

#[test]
fn resolved_targets_carry_the_whole_vendor() {
    let c = config(ROUTES, &["ANTHROPIC_API_KEY", "DASHSCOPE_API_KEY"]);
    let r = Router::new(&c).resolve("claude-opus-4").unwrap();
    assert_eq!(&*r.targets[0].vendor, c.vendor("anthropic").unwrap());
    assert_eq!(&*r.targets[1].vendor, c.vendor("dashscope").unwrap());
}

#[test]
fn vendor_globs_in_vendor_order() {
    let c = config(
        r#"
[vendors.qwen]
preset = "dashscope-cn"
models = ["qwen3-coder*"]
"#,
        &[
            "ANTHROPIC_API_KEY",
            "DASHSCOPE_API_KEY",
            "DASHSCOPE_CN_API_KEY",
            "OPENROUTER_API_KEY",
        ],
    );
    let router = Router::new(&c);
    assert_eq!(
        resolve(&router, "qwen3-coder-plus"),
        some("vendor:qwen", &["qwen/qwen3-coder-plus"])
    );
    assert_eq!(
        resolve(&router, "qwen-max"),
        some("vendor:dashscope", &["dashscope/qwen-max"])
    );
    assert_eq!(
        resolve(&router, "claude-haiku-4-5"),
        some("vendor:anthropic", &["anthropic/claude-haiku-4-5"])
    );
    assert_eq!(
        resolve(&router, "meta-llama/llama-4"),
        some("vendor:openrouter", &["openrouter/meta-llama/llama-4"])
    );
    assert_eq!(resolve(&router, "mystery-model"), None);
    assert_eq!(resolve(&router, ""), None);
}

#[test]
fn probed_vendors_serve_only_once_enabled() {
    let mut c = config("", &[]);
    let router = Router::new(&c);
    assert!(!router.has_vendors());
    assert_eq!(resolve(&router, "llama3.2"), None);
    assert!(router.listed_models().is_empty());

    c.enable("ollama");
    let router = Router::new(&c);
    assert!(router.has_vendors());
    assert_eq!(
        resolve(&router, "llama3.2"),
        some("vendor:ollama", &["ollama/llama3.2"])
    );
}

#[test]
fn listed_models() {
    let c = config(
        r#"
[vendors.box]
protocol = "openai-chat"
base_url = "http://localhost:8000/v1"
models = ["mistral-7b", "llama-*", "gpt-4o-mini"]

[[routes]]
models = ["gpt-4o", "claude-*", "gpt-5"]
targets = ["openai", "anthropic:claude-sonnet-4-5", "box:mistral-7b"]

[[routes]]
models = ["nobody"]
targets = ["deepseek"]
"#,
        &["ANTHROPIC_API_KEY"],
    );
    let router = Router::new(&c);
    assert_eq!(
        router.listed_models(),
        [
            ("gpt-4o".to_owned(), "anthropic".to_owned()),
            ("gpt-5".to_owned(), "anthropic".to_owned()),
            ("claude-sonnet-4-5".to_owned(), "anthropic".to_owned()),
            ("mistral-7b".to_owned(), "box".to_owned()),
            ("gpt-4o-mini".to_owned(), "box".to_owned()),
        ]
    );
}

#[test]
fn target_models_split_at_the_first_colon() {
    let c = config(
        "[vendors.ollama]\n[[routes]]\nmodels = [\"coder\"]\ntargets = [\"ollama:qwen2.5-coder:7b\"]\n",
        &[],
    );
    assert_eq!(c.routes[0].targets[0].vendor, "ollama");
    assert_eq!(
        c.routes[0].targets[0].model.as_deref(),
        Some("qwen2.5-coder:7b")
    );
    assert_eq!(
        resolve(&Router::new(&c), "coder"),
        some("routes[0]", &["ollama/qwen2.5-coder:7b"])
    );
}
