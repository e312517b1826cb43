//! The decision function, table by table: every rule kind, date boundaries, precedence,
//! unknown tools and vendors, observe mode, project classification, target filtering and data
//! actions per class.

mod common;

use common::{Req, line_of, policy, req};
use proptest::prelude::*;
use weir_policy::{DataAction, Effect, Mode, Policy, RefusalKind, RuleKind, Status};

// ---------------------------------------------------------------------------------------------
// Tools: dates, versions, teams, classes, unknown tools.

const TOOLS: &str = r#"
[[team]]
name = "platform"
members = ["alice@acme.com", "*@platform.acme.com"]

[[team]]
name = "security"
members = ["sec@acme.com"]

[class.internal]
[class.restricted]
jurisdictions = ["local"]

[[project]]
name = "payments"
class = "restricted"
paths = ["/srv/payments"]

[[tool]] # ban-claude
name = "claude-code"
effect = "deny"
from = 2026-07-10
until = 2026-09-30
reason = "classified high-risk"

[[tool]] # platform-claude
name = "claude-code"
effect = "allow"
team = "platform"

[[tool]] # old-codex
name = "codex"
versions = "<0.30"
effect = "deny"
reason = "leaks the working directory"

[[tool]] # codex-platform
name = "codex"
effect = "allow"
team = "platform"

[[tool]] # aider-allow
name = "aider"
effect = "allow"

[[tool]] # aider-deny
name = "aider"
effect = "deny"
reason = "under review"

[[tool]] # cursor-restricted
name = ["cursor", "opencode"]
effect = "deny"
class = "restricted"

[[tool]] # gemini-team
name = "gemini-cli"
effect = "allow"
team = "security"

[[tool]] # gemini-class
name = "gemini-cli"
effect = "deny"
class = "restricted"

[[tool]] # unknown-tool
name = "unknown"
effect = "deny"
reason = "unidentified tools are not allowed"
"#;

/// (date, request, refused?, deciding tool rule id or None for a default)
#[test]
fn tool_rules_table() {
    let p = policy(TOOLS);
    let rows: &[(&str, Req, bool, &str)] = &[
        // The ban's dates: the day before, the first day, the day after, the last day, after.
        (
            "2026-07-09",
            req("claude-code", "2.0.14"),
            false,
            "defaults.tool",
        ),
        (
            "2026-07-10",
            req("claude-code", "2.0.14"),
            true,
            "tool.claude-code",
        ),
        (
            "2026-07-11",
            req("claude-code", "2.0.14"),
            true,
            "tool.claude-code",
        ),
        (
            "2026-09-29",
            req("claude-code", "2.0.14"),
            true,
            "tool.claude-code",
        ),
        (
            "2026-09-30",
            req("claude-code", "2.0.14"),
            true,
            "tool.claude-code",
        ),
        (
            "2026-10-01",
            req("claude-code", "2.0.14"),
            false,
            "defaults.tool",
        ),
        // A team-scoped allow beats the unscoped ban (more specific).
        (
            "2026-07-10",
            req("claude-code", "2.0.14").user("alice@acme.com"),
            false,
            "tool.claude-code#2",
        ),
        (
            "2026-07-10",
            req("claude-code", "").user("Bob@Platform.Acme.com"),
            false,
            "tool.claude-code#2",
        ),
        (
            "2026-07-10",
            req("claude-code", "").user("mallory@acme.com"),
            true,
            "tool.claude-code",
        ),
        // A version range is more specific than a team: old codex is denied even for platform.
        ("2026-07-10", req("codex", "0.29.9"), true, "tool.codex"),
        (
            "2026-07-10",
            req("codex", "0.29.9").user("alice@acme.com"),
            true,
            "tool.codex",
        ),
        ("2026-07-10", req("codex", "0.30.0"), false, "defaults.tool"),
        (
            "2026-07-10",
            req("codex", "0.30.0").user("alice@acme.com"),
            false,
            "tool.codex#2",
        ),
        // An unknown version matches no ranged rule.
        ("2026-07-10", req("codex", ""), false, "defaults.tool"),
        (
            "2026-07-10",
            req("codex", "nightly"),
            false,
            "defaults.tool",
        ),
        // Equal specificity: deny beats allow, whatever the file order.
        ("2026-07-10", req("aider", "0.86.1"), true, "tool.aider#2"),
        // Class scope: only requests of that class.
        ("2026-07-10", req("cursor", "1.0"), false, "defaults.tool"),
        (
            "2026-07-10",
            req("cursor", "1.0").cwd("/srv/payments/api"),
            true,
            "tool.cursor",
        ),
        (
            "2026-07-10",
            req("opencode", "0.3").cwd("/srv/payments"),
            true,
            "tool.cursor",
        ),
        // Team scope outranks class scope at the same subject.
        (
            "2026-07-10",
            req("gemini-cli", "0.1")
                .user("sec@acme.com")
                .cwd("/srv/payments"),
            false,
            "tool.gemini-cli",
        ),
        (
            "2026-07-10",
            req("gemini-cli", "0.1").cwd("/srv/payments"),
            true,
            "tool.gemini-cli#2",
        ),
        // Unknown tools: no tool, an empty one, and the id `unknown`, all meet the `unknown`
        // rule; a tool no rule names gets the default.
        ("2026-07-10", req("", ""), true, "tool.unknown"),
        ("2026-07-10", req("unknown", ""), true, "tool.unknown"),
        (
            "2026-07-10",
            req("brand-new-agent", "1.0"),
            false,
            "defaults.tool",
        ),
        // Tool ids compare without case.
        (
            "2026-07-10",
            req("Claude-Code", ""),
            true,
            "tool.claude-code",
        ),
    ];
    for (i, (date, r, refused, rule)) in rows.iter().enumerate() {
        let d = r.decide(&p, date);
        assert_eq!(d.is_refused(), *refused, "row {i}: {r:?} on {date}\n{d}");
        let decided: Vec<&str> = d
            .rules
            .iter()
            .filter(|a| {
                a.status == Status::Decided
                    && matches!(a.kind, RuleKind::Tool | RuleKind::Default)
                    && a.subject.starts_with("tool ")
            })
            .map(|a| &*a.rule)
            .collect();
        assert_eq!(decided, [*rule], "row {i}: {r:?} on {date}\n{d}");
        if *refused {
            let refusal = d.refusal.as_ref().unwrap();
            assert_eq!(refusal.kind, RefusalKind::Tool, "row {i}");
            assert_eq!(&*refusal.rule, *rule, "row {i}");
        }
    }
}

#[test]
fn tool_refusals_read_as_one_line() {
    let p = policy(TOOLS);
    let at = |needle: &str| line_of(TOOLS, needle);
    let cases = [
        (
            req("claude-code", "2.0.14"),
            format!(
                "weir: policy denies tool claude-code since 2026-07-10 until 2026-09-30: \
                 classified high-risk (policy.toml:{})",
                at("# ban-claude")
            ),
        ),
        (
            req("codex", "0.29.9"),
            format!(
                "weir: policy denies tool codex 0.29.9 (versions <0.30): leaks the working \
                 directory (policy.toml:{})",
                at("# old-codex")
            ),
        ),
        (
            req("cursor", "1.0").cwd("/srv/payments"),
            format!(
                "weir: policy denies tool cursor for project payments (restricted): rule at \
                 policy.toml:{}",
                at("# cursor-restricted")
            ),
        ),
        (
            req("", ""),
            format!(
                "weir: policy denies tool unknown: unidentified tools are not allowed \
                 (policy.toml:{})",
                at("# unknown-tool")
            ),
        ),
    ];
    for (r, message) in cases {
        let d = r.decide(&p, "2026-07-10");
        assert_eq!(d.refusal.unwrap().message, message);
    }
}

#[test]
fn a_rule_outside_its_dates_is_listed_as_not_in_effect() {
    let p = policy(TOOLS);
    let d = req("claude-code", "2.0.14").decide(&p, "2026-07-09");
    let ban = d
        .rules
        .iter()
        .find(|a| &*a.rule == "tool.claude-code")
        .unwrap();
    assert_eq!(ban.status, Status::NotInEffect);
    assert_eq!(ban.effect, Effect::Deny);
    assert_eq!(ban.line, Some(line_of(TOOLS, "# ban-claude")));
    // And the overridden rule is listed when a more specific one decides.
    let d = req("claude-code", "")
        .user("alice@acme.com")
        .decide(&p, "2026-07-10");
    let statuses: Vec<(&str, Status)> = d
        .rules
        .iter()
        .filter(|a| a.kind == RuleKind::Tool)
        .map(|a| (&*a.rule, a.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("tool.claude-code", Status::Overridden),
            ("tool.claude-code#2", Status::Decided)
        ]
    );
}

#[test]
fn default_for_unknown_tools_can_deny_with_a_reason() {
    let text = r#"
[defaults]
tool = { effect = "deny", reason = "only approved tools (go/ai-tools)" }

[[tool]]
name = ["claude-code", "codex"]
effect = "allow"
"#;
    let p = policy(text);
    assert!(!req("codex", "1").decide(&p, "2026-01-01").is_refused());
    assert!(!req("claude-code", "").decide(&p, "2026-01-01").is_refused());
    let d = req("qwen-code", "0.1").decide(&p, "2026-01-01");
    assert_eq!(
        d.refusal.unwrap().message,
        format!(
            "weir: policy denies tool qwen-code: only approved tools (go/ai-tools) (policy.toml:{})",
            line_of(text, "tool = {")
        )
    );
    let d = req("", "").decide(&p, "2026-01-01");
    assert!(
        d.refusal
            .unwrap()
            .message
            .starts_with("weir: policy denies tool unknown:")
    );
}

// ---------------------------------------------------------------------------------------------
// Vendors and jurisdictions.

const TARGETS: &str = r#"
[groups]
FIVE-EYES = ["US", "GB", "CA", "AU", "NZ"]

[[team]]
name = "research"
members = ["r@acme.com"]

[[jurisdiction]] # deny-cn
name = "CN"
effect = "deny"
reason = "export control"

[[vendor]] # allow-qwen-local
name = "qwen-eu"
effect = "allow"

[[jurisdiction]] # deny-eu
name = "EU"
effect = "deny"

[[jurisdiction]] # allow-fr
name = "FR"
effect = "allow"

[[vendor]] # deny-gpt4o
name = "openai"
models = ["gpt-4o*"]
effect = "deny"
from = 2026-08-01

[[vendor]] # allow-openai
name = "openai"
effect = "allow"

[[vendor]] # deny-deepseek
name = "deepseek"
effect = "deny"

[[jurisdiction]] # research-cn
name = "CN"
effect = "allow"
team = "research"

[[jurisdiction]] # five-eyes
name = "FIVE-EYES"
effect = "deny"
until = 2026-06-30
"#;

#[test]
fn vendor_and_jurisdiction_rules_table() {
    let p = policy(TARGETS);
    // (date, user, vendor, jurisdiction, model, allowed?, deciding rule)
    let rows: &[(&str, &str, &str, &str, &str, bool, &str)] = &[
        (
            "2026-07-01",
            "",
            "kimi",
            "CN",
            "k2",
            false,
            "jurisdiction.CN",
        ),
        // A vendor rule beats a jurisdiction rule.
        (
            "2026-07-01",
            "",
            "qwen-eu",
            "CN",
            "qwen3",
            true,
            "vendor.qwen-eu",
        ),
        // One jurisdiction beats a group containing it; the group covers the other members.
        (
            "2026-07-01",
            "",
            "mistral",
            "FR",
            "large",
            true,
            "jurisdiction.FR",
        ),
        (
            "2026-07-01",
            "",
            "aleph",
            "DE",
            "x",
            false,
            "jurisdiction.EU",
        ),
        (
            "2026-07-01",
            "",
            "eu-vendor",
            "eu",
            "x",
            false,
            "jurisdiction.EU",
        ),
        // Vendor with models beats the vendor; its dates bound it.
        (
            "2026-07-31",
            "",
            "openai",
            "US",
            "gpt-4o-mini",
            true,
            "vendor.openai#2",
        ),
        (
            "2026-08-01",
            "",
            "openai",
            "US",
            "gpt-4o-mini",
            false,
            "vendor.openai",
        ),
        (
            "2026-08-02",
            "",
            "openai",
            "US",
            "gpt-4o",
            false,
            "vendor.openai",
        ),
        (
            "2026-08-02",
            "",
            "openai",
            "US",
            "o3",
            true,
            "vendor.openai#2",
        ),
        // Vendor deny beats a team-scoped jurisdiction allow (subject first).
        (
            "2026-07-01",
            "r@acme.com",
            "deepseek",
            "CN",
            "v3",
            false,
            "vendor.deepseek",
        ),
        // Team-scoped jurisdiction allow beats the unscoped jurisdiction deny.
        (
            "2026-07-01",
            "r@acme.com",
            "kimi",
            "CN",
            "k2",
            true,
            "jurisdiction.CN#2",
        ),
        // A group rule with an `until`: the last day and the day after.
        (
            "2026-06-30",
            "",
            "anthropic",
            "US",
            "claude",
            false,
            "jurisdiction.FIVE-EYES",
        ),
        (
            "2026-07-01",
            "",
            "anthropic",
            "US",
            "claude",
            true,
            "defaults.vendor",
        ),
        // An unknown vendor in an unnamed jurisdiction: the default.
        (
            "2026-07-01",
            "",
            "newco",
            "SG",
            "m",
            true,
            "defaults.vendor",
        ),
        (
            "2026-07-01",
            "",
            "ollama",
            "local",
            "qwen2.5-coder",
            true,
            "defaults.vendor",
        ),
    ];
    for (i, (date, user, vendor, place, model, allowed, rule)) in rows.iter().enumerate() {
        let mut r = req("codex", "1.0").route("default", &[(vendor, place, model)]);
        if !user.is_empty() {
            r = r.user(user);
        }
        let d = r.decide(&p, date);
        let t = &d.targets[0];
        assert_eq!(t.allowed, *allowed, "row {i}\n{d}");
        assert_eq!(&*t.rule, *rule, "row {i}\n{d}");
        assert_eq!(
            d.is_refused(),
            !allowed,
            "row {i}: a lone target decides the request"
        );
    }
}

#[test]
fn unknown_vendors_follow_the_vendor_default() {
    let text = r#"
[defaults]
vendor = { effect = "deny", reason = "vendor not approved" }

[[vendor]]
name = ["anthropic", "ollama"]
effect = "allow"
"#;
    let p = policy(text);
    let d = req("codex", "1")
        .route(
            "default",
            &[("newco", "US", "m1"), ("anthropic", "US", "c")],
        )
        .decide(&p, "2026-01-01");
    assert!(!d.is_refused());
    assert_eq!(d.allowed_targets().collect::<Vec<_>>(), [1]);
    let d = req("codex", "1")
        .route("default", &[("newco", "US", "m1")])
        .decide(&p, "2026-01-01");
    assert_eq!(
        d.refusal.unwrap().message,
        format!(
            "weir: policy denies vendor newco (US): vendor not approved (policy.toml:{})",
            line_of(text, "vendor = {")
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Projects, classes and routing.

const PROJECTS: &str = r#"
[defaults]
class = "internal"

[class.public]

[class.internal]
jurisdictions = ["US", "EU", "local"]

[class.restricted] # restricted
jurisdictions = ["local"]
vendors = ["azure-private"]
reason = "restricted code stays on our own hardware"

[class.restricted.data]
secret = "reroute:local" # restricted-secret
email = "redact"

[[project]] # payments
name = "payments"
class = "restricted"
paths = ["/srv/acme/payments", "payments-*"]
remotes = ["github.com/acme/payments", "git@gitlab.acme.io:pay/**"]

[[project]] # website
name = "website"
class = "public"
paths = ["/srv/acme/website", "/srv/acme"]
remotes = ["github.com/acme/website"]

[[project]] # tools
name = "tools"
class = "internal"
remotes = ["github.com/acme/infra", "github.com/acme/tools-*"]

[[project]] # sdk
name = "sdk"
class = "public"
remotes = ["github.com/acme/sdk-*"]

[[vendor]] # no-deepseek
name = "deepseek"
effect = "deny"

[data]
secret = "redact" # global-secret
private-key = "block" # global-key
time-zone = "normalize"
invisible = "strip"
"#;

#[test]
fn projects_are_classified_by_name_remote_and_directory() {
    let p = policy(PROJECTS);
    // (request, project, class, deciding project rule)
    let rows: &[(Req, Option<&str>, &str, &str)] = &[
        (
            req("codex", "1").named("payments"),
            Some("payments"),
            "restricted",
            "project.payments",
        ),
        (
            req("codex", "1").named("PAYMENTS"),
            Some("payments"),
            "restricted",
            "project.payments",
        ),
        (
            req("codex", "1").remote("git@github.com:acme/payments.git"),
            Some("payments"),
            "restricted",
            "project.payments",
        ),
        (
            req("codex", "1").remote("https://gitlab.acme.io/pay/core/ledger"),
            Some("payments"),
            "restricted",
            "project.payments",
        ),
        (
            req("codex", "1").cwd("/srv/acme/payments/src"),
            Some("payments"),
            "restricted",
            "project.payments",
        ),
        (
            req("codex", "1").cwd("/home/dev/payments-api"),
            Some("payments"),
            "restricted",
            "project.payments",
        ),
        (
            req("codex", "1").cwd("/srv/acme/website"),
            Some("website"),
            "public",
            "project.website",
        ),
        (
            req("codex", "1").remote("https://github.com/acme/infra"),
            Some("tools"),
            "internal",
            "project.tools",
        ),
        // Several match: the strictest class wins, whatever the name or directory says.
        (
            req("codex", "1")
                .named("website")
                .remote("github.com/acme/payments"),
            Some("payments"),
            "restricted",
            "project.payments",
        ),
        (
            req("codex", "1").cwd("/srv/acme/payments"),
            Some("payments"),
            "restricted",
            "project.payments",
        ),
        // Same class, different evidence: a git remote is stronger than a directory.
        (
            req("codex", "1")
                .cwd("/srv/acme/x")
                .remote("github.com/acme/sdk-go"),
            Some("sdk"),
            "public",
            "project.sdk",
        ),
        // Nothing matches: the default class; a name the policy does not know is kept.
        (
            req("codex", "1").cwd("/home/dev/scratch"),
            None,
            "internal",
            "defaults.class",
        ),
        (
            req("codex", "1").named("side-thing"),
            Some("side-thing"),
            "internal",
            "defaults.class",
        ),
    ];
    for (i, (r, project, class, rule)) in rows.iter().enumerate() {
        let d = r.decide(&p, "2026-07-10");
        assert_eq!(d.project.as_deref(), *project, "row {i}\n{d}");
        assert_eq!(d.class.as_deref(), Some(*class), "row {i}\n{d}");
        let decided: Vec<&str> = d
            .rules
            .iter()
            .filter(|a| a.status == Status::Decided && matches!(a.effect, Effect::Class(_)))
            .map(|a| &*a.rule)
            .collect();
        assert_eq!(decided, [*rule], "row {i}\n{d}");
    }
}

#[test]
fn the_project_explanation_cites_the_pattern_not_the_value() {
    let p = policy(PROJECTS);
    let d = req("codex", "1")
        .remote("https://deploy:hunter2@github.com/acme/payments.git")
        .cwd("/home/alice/src/x")
        .decide(&p, "2026-07-10");
    let a = d
        .rules
        .iter()
        .find(|a| &*a.rule == "project.payments")
        .unwrap();
    assert_eq!(
        a.reason.as_deref(),
        Some("git remote matches github.com/acme/payments")
    );
    let all = serde_json::to_string(&d).unwrap() + &d.to_string();
    assert!(!all.contains("hunter2"), "{all}");
    assert!(!all.contains("alice"), "{all}");
}

#[test]
fn restricted_projects_keep_only_allowed_targets_in_route_order() {
    let p = policy(PROJECTS);
    let route = [
        ("anthropic", "US", "claude-sonnet-4-5"),
        ("ollama", "local", "qwen2.5-coder:7b"),
        ("azure-private", "US", "gpt-4.1"),
        ("vllm", "local", "qwen3-coder"),
    ];
    let d = req("claude-code", "2")
        .cwd("/srv/acme/payments")
        .route("default", &route)
        .decide(&p, "2026-07-10");
    assert!(!d.is_refused(), "{d}");
    assert_eq!(d.allowed_targets().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(&*d.targets[0].rule, "class.restricted");
    assert_eq!(d.targets[0].line, Some(line_of(PROJECTS, "# restricted")));
    // The same route for an internal project keeps every target but none in CN or denied.
    let d = req("claude-code", "2")
        .cwd("/home/x")
        .route("default", &route)
        .decide(&p, "2026-07-10");
    assert_eq!(d.allowed_targets().collect::<Vec<_>>(), [0, 1, 2, 3]);
}

#[test]
fn a_class_limit_is_a_gate_that_rules_cannot_widen() {
    let text = r#"
[class.restricted]
jurisdictions = ["local"]

[[project]]
name = "p"
class = "restricted"
paths = ["/p"]

[[vendor]]
name = "anthropic"
effect = "allow"

[[vendor]]
name = "ollama"
effect = "deny"
"#;
    let p = policy(text);
    let d = req("codex", "1")
        .cwd("/p")
        .route("r", &[("anthropic", "US", "c"), ("ollama", "local", "q")])
        .decide(&p, "2026-01-01");
    // anthropic: outside the class; ollama: inside it but denied by its rule.
    assert_eq!(d.allowed_targets().count(), 0);
    assert_eq!(&*d.targets[0].rule, "class.restricted");
    assert_eq!(&*d.targets[1].rule, "vendor.ollama");
    let overridden = d
        .rules
        .iter()
        .find(|a| &*a.rule == "vendor.anthropic")
        .unwrap();
    assert_eq!(overridden.status, Status::Overridden);
    assert_eq!(
        d.refusal.unwrap().message,
        format!(
            "weir: policy denies every target of route r for project p (restricted): anthropic \
             (US) by rule at policy.toml:{}, ollama (local) by rule at policy.toml:{}",
            line_of(text, "[class.restricted]"),
            line_of(text, "name = \"ollama\"") - 1
        )
    );
}

#[test]
fn no_allowed_target_refuses_with_the_class_reason() {
    let p = policy(PROJECTS);
    let d = req("claude-code", "2")
        .named("payments")
        .route(
            "default",
            &[("anthropic", "US", "claude"), ("openai", "US", "gpt")],
        )
        .decide(&p, "2026-07-10");
    let r = d.refusal.as_ref().unwrap();
    assert_eq!(r.kind, RefusalKind::Targets);
    assert_eq!(
        r.message,
        format!(
            "weir: policy denies vendors anthropic (US), openai (US) for project payments \
             (restricted): restricted code stays on our own hardware (policy.toml:{})",
            line_of(PROJECTS, "# restricted")
        )
    );
    // One target, denied by a vendor rule without a reason: the brief's message shape.
    let d = req("claude-code", "2")
        .named("tools")
        .route("default", &[("deepseek", "US", "v3")])
        .decide(&p, "2026-07-10");
    assert_eq!(
        d.refusal.unwrap().message,
        format!(
            "weir: policy denies vendor deepseek (US) for project tools (internal): rule at \
             policy.toml:{}",
            line_of(PROJECTS, "# no-deepseek")
        )
    );
}

#[test]
fn a_route_without_targets_is_not_a_policy_refusal() {
    let p = policy(PROJECTS);
    let d = req("codex", "1")
        .named("payments")
        .route("empty", &[])
        .decide(&p, "2026-07-10");
    assert!(!d.is_refused());
    assert_eq!(d.route.as_deref(), Some("empty"));
    let d = req("codex", "1").named("payments").decide(&p, "2026-07-10");
    assert_eq!(d.route, None);
    assert!(d.targets.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Data actions.

#[test]
fn data_actions_per_class_table() {
    let p = policy(PROJECTS);
    let local = [("ollama", "local", "qwen2.5-coder:7b")];
    let cloud = [("anthropic", "US", "claude")];
    // (project, finding, expected action, deciding rule)
    let rows: &[(&str, &str, Option<&str>, Option<&str>)] = &[
        ("tools", "secret", Some("redact"), Some("data.secret")),
        (
            "payments",
            "secret",
            Some("reroute:local"),
            Some("class.restricted.data.secret"),
        ),
        (
            "payments",
            "email",
            Some("redact"),
            Some("class.restricted.data.email"),
        ),
        ("tools", "email", None, None),
        (
            "payments",
            "private-key",
            Some("block"),
            Some("data.private-key"),
        ),
        (
            "website",
            "time-zone",
            Some("normalize"),
            Some("data.time-zone"),
        ),
        (
            "website",
            "invisible",
            Some("strip"),
            Some("data.invisible"),
        ),
        ("website", "something-new", None, None),
    ];
    for (i, (project, category, action, rule)) in rows.iter().enumerate() {
        let d = req("codex", "1")
            .named(project)
            .finding(category)
            .finding(category)
            .route("default", &cloud)
            .reroute("local", &local)
            .decide(&p, "2026-07-10");
        assert_eq!(d.data.len(), 1, "row {i}: repeats are one category");
        let v = &d.data[0];
        assert_eq!(v.category, *category);
        assert_eq!(
            v.action.as_ref().map(|a| a.to_string()).as_deref(),
            *action,
            "row {i}"
        );
        assert_eq!(v.rule.as_deref(), *rule, "row {i}");
    }
}

#[test]
fn a_secret_in_a_restricted_project_reroutes_to_the_local_route() {
    let p = policy(PROJECTS);
    let d = req("claude-code", "2")
        .named("payments")
        .finding("secret")
        .route("default", &[("anthropic", "US", "claude")])
        .reroute("local", &[("ollama", "local", "qwen2.5-coder:7b")])
        .decide(&p, "2026-07-10");
    assert!(!d.is_refused(), "{d}");
    assert!(d.rerouted);
    assert_eq!(d.route.as_deref(), Some("local"));
    assert_eq!(d.targets.len(), 1);
    assert_eq!(d.targets[0].vendor, "ollama");
    assert!(d.targets[0].allowed);
    assert_eq!(
        d.action("secret"),
        Some(&DataAction::Reroute("local".into()))
    );
}

#[test]
fn a_request_already_on_the_reroute_route_stays_there() {
    let p = policy(PROJECTS);
    let d = req("codex", "1")
        .named("payments")
        .finding("secret")
        .route("local", &[("ollama", "local", "q")])
        .decide(&p, "2026-07-10");
    assert!(!d.rerouted);
    assert!(!d.is_refused());
    assert_eq!(d.route.as_deref(), Some("local"));
}

#[test]
fn a_reroute_to_a_route_the_gateway_did_not_pass_is_refused() {
    let p = policy(PROJECTS);
    let d = req("codex", "1")
        .named("payments")
        .finding("secret")
        .route("default", &[("anthropic", "US", "claude")])
        .decide(&p, "2026-07-10");
    let r = d.refusal.unwrap();
    assert_eq!(r.kind, RefusalKind::Route);
    assert_eq!(
        r.message,
        format!(
            "weir: policy reroutes requests containing secret for project payments (restricted) \
             to route local, which is not available (policy.toml:{})",
            line_of(PROJECTS, "# restricted-secret")
        )
    );
    assert!(
        d.targets.is_empty(),
        "no target of the original route is offered"
    );
}

#[test]
fn block_refuses_and_names_the_category() {
    let p = policy(PROJECTS);
    let d = req("codex", "1")
        .named("tools")
        .finding("time-zone")
        .finding("private-key")
        .route("default", &[("anthropic", "US", "claude")])
        .decide(&p, "2026-07-10");
    let r = d.refusal.unwrap();
    assert_eq!(r.kind, RefusalKind::Data);
    assert_eq!(
        r.message,
        format!(
            "weir: policy blocks requests containing private-key for project tools (internal): \
             rule at policy.toml:{}",
            line_of(PROJECTS, "# global-key")
        )
    );
}

#[test]
fn the_first_written_reroute_wins_and_defaults_fill_the_rest() {
    let text = r#"
[defaults]
data = "report"

[data]
password = "reroute:second"
secret = "reroute:first"
"#;
    let p = Policy::parse(text, "policy.toml").unwrap();
    let d = req("codex", "1")
        .finding("secret")
        .finding("password")
        .finding("email")
        .route("default", &[("anthropic", "US", "c")])
        .reroute("first", &[("a", "US", "m")])
        .reroute("second", &[("b", "US", "m")])
        .decide(&p, "2026-01-01");
    assert_eq!(d.route.as_deref(), Some("second"));
    assert_eq!(d.action("email"), Some(&DataAction::Report));
    assert_eq!(
        d.data
            .iter()
            .find(|v| v.category == "email")
            .unwrap()
            .rule
            .as_deref(),
        Some("defaults.data")
    );
    assert_eq!(p.reroute_routes(), ["second", "first"]);
}

#[test]
fn refusals_come_in_a_fixed_order() {
    let text = r#"
[[tool]]
name = "codex"
effect = "deny"

[data]
secret = "block"

[[vendor]]
name = "anthropic"
effect = "deny"
"#;
    let p = policy(text);
    let r = req("codex", "1")
        .finding("secret")
        .route("d", &[("anthropic", "US", "c")]);
    assert_eq!(
        r.decide(&p, "2026-01-01").refusal.unwrap().kind,
        RefusalKind::Tool
    );
    let r = req("aider", "1")
        .finding("secret")
        .route("d", &[("anthropic", "US", "c")]);
    assert_eq!(
        r.decide(&p, "2026-01-01").refusal.unwrap().kind,
        RefusalKind::Data
    );
    let r = req("aider", "1").route("d", &[("anthropic", "US", "c")]);
    assert_eq!(
        r.decide(&p, "2026-01-01").refusal.unwrap().kind,
        RefusalKind::Targets
    );
    // Every rule is evaluated and explained whatever refuses first.
    let d = req("codex", "1")
        .finding("secret")
        .route("d", &[("anthropic", "US", "c")])
        .decide(&p, "2026-01-01");
    let kinds: Vec<RuleKind> = d.rules.iter().map(|a| a.kind).collect();
    assert!(kinds.contains(&RuleKind::Tool));
    assert!(kinds.contains(&RuleKind::Data));
    assert!(kinds.contains(&RuleKind::Vendor));
}

// ---------------------------------------------------------------------------------------------
// Observe mode, explanations, ledger records.

#[test]
fn observe_mode_decides_the_same_and_enforces_nothing() {
    let enforce = policy(TOOLS);
    let observe = policy(&format!("mode = \"observe\"\n{TOOLS}"));
    assert_eq!(observe.mode(), Mode::Observe);
    let r = req("claude-code", "2.0.14");
    let a = r.decide(&enforce, "2026-07-10");
    let b = r.decide(&observe, "2026-07-10");
    assert!(a.is_refused() && b.is_refused());
    assert!(a.enforced_refusal().is_some());
    assert!(b.enforced_refusal().is_none());
    assert!(!b.is_enforced());
    assert_eq!(b.rules[0].effect, Effect::Observe);
    assert_eq!(b.rules[0].line, Some(1));
    // Apart from the mode, the decisions agree (messages cite lines one further down).
    assert_eq!(
        a.refusal.as_ref().unwrap().rule,
        b.refusal.as_ref().unwrap().rule
    );
    assert_eq!(a.rules.len() + 1, b.rules.len());
    let entries = b.ledger_entries();
    assert_eq!(entries[0].effect, "observe");
    assert!(entries[0].rule.starts_with("policy (policy.toml sha256:"));
    assert_eq!(entries[0].reason, format!("decided for {}", b.date));
    assert_eq!(entries[1].effect, "deny");
    // The would-be refusal is the last record, as in enforce mode.
    let last = entries.last().unwrap();
    assert_eq!(last.effect, "refuse");
    assert_eq!(last.reason, b.refusal.as_ref().unwrap().message);
    assert_eq!(a.ledger_entries().last().unwrap().effect, "refuse");
    assert_eq!(a.ledger_entries()[0].effect, "enforce");
}

#[test]
fn ledger_entries_are_the_deciding_rules() {
    let p = policy(PROJECTS);
    let d = req("claude-code", "2.0.14")
        .named("payments")
        .finding("secret")
        .route("default", &[("anthropic", "US", "claude")])
        .reroute("local", &[("ollama", "local", "qwen")])
        .decide(&p, "2026-07-10");
    let entries = d.ledger_entries();
    let restricted = line_of(PROJECTS, "# restricted");
    assert_eq!(entries[0].effect, "enforce");
    assert_eq!(entries[0].reason, "decided for 2026-07-10");
    assert_eq!(
        entries[0].rule,
        format!("policy (policy.toml sha256:{})", &p.digest()[..12])
    );
    let got: Vec<(String, String, String)> = entries
        .into_iter()
        .skip(1)
        .map(|e| (e.rule, e.effect, e.reason))
        .collect();
    assert_eq!(
        got,
        [
            (
                format!(
                    "project.payments (policy.toml:{})",
                    line_of(PROJECTS, "# payments")
                ),
                "class:restricted".to_owned(),
                "project payments: named by the client".to_owned()
            ),
            (
                "defaults.tool (built-in)".to_owned(),
                "allow".to_owned(),
                "tool claude-code 2.0.14".to_owned()
            ),
            (
                format!(
                    "class.restricted.data.secret (policy.toml:{})",
                    line_of(PROJECTS, "# restricted-secret")
                ),
                "reroute:local".to_owned(),
                "secret: restricted code stays on our own hardware".to_owned()
            ),
            (
                format!("class.restricted (policy.toml:{restricted})"),
                "allow".to_owned(),
                "target 1 ollama (local) qwen".to_owned()
            ),
            (
                "defaults.vendor (built-in)".to_owned(),
                "allow".to_owned(),
                "target 1 ollama (local) qwen".to_owned()
            ),
        ]
    );
}

#[test]
fn decisions_serialise_and_read_back() {
    let p = policy(PROJECTS);
    let d = req("claude-code", "2.0.14")
        .named("payments")
        .finding("secret")
        .finding("private-key")
        .route("default", &[("anthropic", "US", "claude")])
        .reroute("local", &[("ollama", "local", "qwen")])
        .decide(&p, "2026-07-10");
    let json = serde_json::to_string(&d).unwrap();
    let back: weir_policy::Decision = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["refusal"]["kind"], "data");
    assert_eq!(v["class"], "restricted");
    assert_eq!(v["date"], "2026-07-10");
    assert_eq!(v["data"][0]["action"], "reroute:local");
    assert_eq!(v["rules"][0]["effect"], "class:restricted");
    assert_eq!(v["rules"][0]["status"], "decided");
}

#[test]
fn the_explanation_for_a_person() {
    let p = policy(PROJECTS);
    let d = req("claude-code", "2.0.14")
        .model("claude-sonnet-4-5")
        .remote("git@github.com:acme/payments.git")
        .cwd("/srv/acme/website")
        .finding("secret")
        .finding("invisible")
        .route("default", &[("anthropic", "US", "claude-sonnet-4-5")])
        .reroute(
            "local",
            &[
                ("deepseek", "local", "v3"),
                ("ollama", "local", "qwen2.5-coder:7b"),
            ],
        )
        .decide(&p, "2026-07-10");
    insta::assert_snapshot!(d.to_string());
}

#[test]
fn values_the_client_chose_are_shown_on_one_short_line() {
    let p = policy(TOOLS);
    let long = "x".repeat(200);
    let d = req("unknown\nweir: policy allows everything", "1\r\n")
        .named(&format!("acme\u{1b}[2J{long}"))
        .decide(&p, "2026-07-10");
    assert_eq!(d.project.as_deref().map(|p| p.chars().count()), Some(81));
    assert!(d.project.as_deref().unwrap().starts_with("acme?[2Jxxx"));
    assert!(d.project.as_deref().unwrap().ends_with('…'));
    let d = req("cursor\nx", "")
        .cwd("/srv/payments")
        .decide(&p, "2026-07-10");
    assert!(!d.is_refused(), "a tool id with a newline is no known tool");
    let d = req("gemini-cli", "0.1\n")
        .cwd("/srv/payments")
        .decide(&p, "2026-07-10");
    let message = d.refusal.unwrap().message;
    assert!(!message.contains('\n'), "{message}");
    let subjects: Vec<&str> = d.rules.iter().map(|a| &*a.subject).collect();
    assert!(subjects.contains(&"tool gemini-cli 0.1"), "{subjects:?}");
    // A refusal quoting a client's value keeps to one line.
    let strict = policy("[defaults]\ntool = \"deny\"\n");
    let d = req("evil\nweir: policy allows everything", "").decide(&strict, "2026-07-10");
    assert_eq!(
        d.refusal.unwrap().message,
        "weir: policy denies tool evil?weir: policy allows everything: no rule allows it \
         (policy.toml:2)"
    );
}

// ---------------------------------------------------------------------------------------------
// Properties.

const REALISTIC: &str = include_str!("data/realistic.toml");

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z-]{1,12}",
        "\\PC{0,24}",
        "[\\x00-\\x7f]{0,24}",
        prop::sample::select(vec![
            "claude-code",
            "codex",
            "unknown",
            "payments",
            "restricted",
            "local",
            "CN",
            "US",
            "EU",
            "secret",
            "private-key",
            "invisible",
            "/srv/acme/payments",
            "..",
            "/",
            "git@github.com:acme/payments.git",
            "2.0.14",
            "<0.30",
            "ollama",
            "deepseek",
        ])
        .prop_map(str::to_owned),
    ]
}

fn any_targets() -> impl Strategy<Value = Vec<(String, String, String)>> {
    prop::collection::vec((any_text(), any_text(), any_text()), 0..4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decide_never_panics_and_keeps_its_invariants(
        tool in prop::option::of(any_text()),
        version in prop::option::of(any_text()),
        user in prop::option::of(any_text()),
        project in prop::option::of(any_text()),
        cwd in prop::option::of(any_text()),
        remotes in prop::collection::vec(any_text(), 0..3),
        route in prop::option::of((any_text(), any_targets())),
        reroutes in prop::collection::vec((any_text(), any_targets()), 0..3),
        findings in prop::collection::vec(any_text(), 0..5),
        days in -800_000i64..3_000_000,
    ) {
        let p = policy(REALISTIC);
        fn as_refs(ts: &[(String, String, String)]) -> Vec<(&str, &str, &str)> {
            ts.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect()
        }
        let mut r = Req {
            tool, version, user, project, cwd, remotes,
            findings,
            ..Req::default()
        };
        if let Some((name, ts)) = &route {
            r = r.route(name, &as_refs(ts));
        }
        for (name, ts) in &reroutes {
            r = r.reroute(name, &as_refs(ts));
        }
        let date = weir_policy::Date::from_days(days).to_string();
        let d = r.decide(&p, &date);
        prop_assert_eq!(&d, &r.decide(&p, &date), "deterministic");
        let lines = REALISTIC.lines().count();
        for a in &d.rules {
            prop_assert!(a.line.is_none_or(|l| l >= 1 && l <= lines));
        }
        if !d.targets.is_empty() && d.allowed_targets().next().is_none() {
            prop_assert!(d.is_refused());
        }
        if let Some(refusal) = &d.refusal {
            prop_assert!(refusal.message.starts_with("weir: policy "));
            prop_assert!(!refusal.message.contains('\n'));
        }
        let _ = d.ledger_entries();
        let _ = d.to_string();
    }
}

#[test]
fn the_strictest_matching_class_wins_over_a_narrower_pattern() {
    // A pattern covering a whole organisation with a stricter class covers every repository
    // in it, even one a narrower pattern names: the fallback for "everything else" is
    // `defaults.class`, not a broad project.
    let text = r#"
[class.public]
[class.internal]

[[project]]
name = "site"
class = "public"
remotes = ["github.com/acme/site"]

[[project]]
name = "everything"
class = "internal"
remotes = ["github.com/acme"]
"#;
    let p = policy(text);
    let d = req("codex", "1")
        .remote("https://github.com/acme/site")
        .decide(&p, "2026-01-01");
    assert_eq!(d.project.as_deref(), Some("everything"));
    assert_eq!(d.class.as_deref(), Some("internal"));
}
