//! `weir policy check`, `weir policy explain` and `weir report --policy` run as the real binary:
//! policies valid and not (errors at their line and column), decisions explained for a tool, a
//! project, a model, a finding and a day, and a ledger written here with the weir-ledger API
//! (policy records shaped as the gateway writes them) decided again and summed up.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use weir_ledger::{
    Attempt, AttemptResult, Client, Content, Draft, Event, Finding, Finish, Latency, Outcome,
    Start, Store, Target,
};
use weir_policy::{Date, Facts, Policy, Route};

/// Routes `claude-*` to `up` (an Anthropic-speaking vendor in the US) and has a route called
/// `local` to `box` (a server on this machine); the ledger is a file in the same directory.
const CONFIG: &str = r#"auto_vendors = false
policy = "policy.toml"

[vendors.up]
protocol = "anthropic"
base_url = "http://127.0.0.1:9"
api_key = "env:WEIR_TEST_POLICY_KEY"
jurisdiction = "US"

[vendors.box]
protocol = "openai-chat"
base_url = "http://127.0.0.1:9/v1"
jurisdiction = "local"

[[routes]]
name = "default"
models = ["claude-*"]
targets = ["up"]

[[routes]]
name = "local"
models = ["local-*"]
targets = ["box:qwen-local"]

[ledger]
path = "LEDGER"
"#;

/// Line numbers matter: the tests cite them.
const POLICY: &str = r#"mode = "enforce"

[defaults]
class = "internal"

[class.internal]

[class.restricted]
jurisdictions = ["local"]
reason = "restricted code stays on our own hardware"

[class.restricted.data]
secret = "reroute:local"

[[project]]
name = "payments"
class = "restricted"
paths = ["/srv/acme/payments"]

[[tool]]
name = "claude-code"
effect = "deny"
from = 2026-07-10
reason = "classified high-risk by security (SEC-114)"
"#;

/// A temporary directory with weir.toml and policy.toml, removed when dropped.
struct Setup {
    dir: PathBuf,
}

impl Setup {
    fn new(name: &str) -> Setup {
        Setup::with_policy(name, POLICY)
    }

    fn with_policy(name: &str, policy: &str) -> Setup {
        let dir = std::env::temp_dir().join(format!(
            "weir-cli-policy-{name}-{}-{:016x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let s = Setup { dir };
        let config = CONFIG.replace("LEDGER", &s.ledger().display().to_string());
        s.write("weir.toml", &config);
        s.write("policy.toml", policy);
        s
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn config(&self) -> PathBuf {
        self.dir.join("weir.toml")
    }

    fn ledger(&self) -> PathBuf {
        self.dir.join("ledger.db")
    }

    /// How the gateway names the policy in decisions: its path beside weir.toml.
    fn origin(&self) -> String {
        self.dir.join("policy.toml").display().to_string()
    }

    /// Runs `weir ARGS -c weir.toml`, from the directory (so nothing else is found).
    fn weir(&self, args: &[&str]) -> Output {
        self.weir_with(args, Some(&self.config()))
    }

    fn weir_with(&self, args: &[&str], config: Option<&Path>) -> Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_weir"));
        cmd.args(args)
            .current_dir(&self.dir)
            .env("XDG_DATA_HOME", self.dir.join("data"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("HOME", &self.dir)
            .env_remove("WEIR_CONFIG")
            .env_remove("WEIR_LOG");
        if let Some(c) = config {
            cmd.arg("-c").arg(c);
        }
        cmd.output().unwrap()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "weir failed ({:?}):\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(&o),
        stderr(&o)
    );
    o
}

#[track_caller]
fn fails(o: Output) -> Output {
    assert_eq!(
        o.status.code(),
        Some(1),
        "expected exit code 1:\nstdout:\n{}\nstderr:\n{}",
        stdout(&o),
        stderr(&o)
    );
    o
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

// ---- weir policy check ----

#[test]
fn check_shows_a_valid_policy_with_its_rules_and_lines() {
    let s = Setup::new("check-ok");
    let o = ok(s.weir(&["policy", "check"]));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("{}: ok\n", s.origin())),
        "first line names the file: {out}"
    );
    assert!(out.contains("mode: enforce"), "{out}");
    assert!(
        out.contains("classes: internal, restricted (least strict first)"),
        "{out}"
    );
    assert!(out.contains("reroute:local goes to box (local)"), "{out}");
    let rule_lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    for expected in [
        ["1", "mode", "mode"],
        ["13", "data", "class.restricted.data.secret"],
        ["15", "project", "project.payments"],
        ["20", "tool", "tool.claude-code"],
    ] {
        assert!(
            rule_lines.iter().any(|l| l[..] == expected[..]),
            "rule {expected:?} listed with its line: {out}"
        );
    }
    // The digest shown is the one the ledger records.
    let policy = Policy::parse(POLICY, "policy.toml").unwrap();
    assert!(
        out.contains(&format!("digest: sha256:{}", &policy.digest()[..12])),
        "{out}"
    );
}

#[test]
fn check_given_the_weir_toml_checks_the_policy_it_names() {
    let s = Setup::new("check-config-file");
    let o = ok(s.weir_with(&["policy", "check", "weir.toml"], None));
    let out = stdout(&o);
    // Named as weir.toml names it, relative to weir.toml's directory.
    assert!(out.starts_with("policy.toml: ok\n"), "{out}");
    assert!(
        out.contains("names checked against weir.toml: 2 route(s)"),
        "{out}"
    );
}

#[test]
fn check_reports_an_unknown_key_at_its_line_and_column_with_a_suggestion() {
    let s = Setup::with_policy(
        "check-key",
        "[[tool]]\nname = \"codex\"\neffect = \"deny\"\nuntill = 2026-01-01\n",
    );
    let o = fails(s.weir(&["policy", "check"]));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{}:4:1: unknown key \"untill\"", s.origin())),
        "{err}"
    );
    assert!(err.contains("(did you mean \"until\"?)"), "{err}");
    assert!(!stdout(&o).contains(": ok"), "{}", stdout(&o));
}

#[test]
fn check_reports_a_reroute_to_a_missing_route_and_an_unknown_vendor() {
    let s = Setup::new("check-names");
    // A draft next to weir.toml, checked against its routes and vendors.
    s.write(
        "draft.toml",
        "[data]\nsecret = \"reroute:nowhere\"\n\n[[vendor]]\nname = \"nosuchvendor\"\neffect = \"deny\"\n",
    );
    let o = fails(s.weir(&["policy", "check", "draft.toml"]));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with(
            "draft.toml:2:10: reroute:nowhere names no route; routes are default, local"
        ),
        "{err}"
    );
    assert!(
        lines[1]
            .starts_with("draft.toml:5:8: unknown vendor \"nosuchvendor\"; vendors are up, box,"),
        "{err}"
    );
    assert!(err.contains("draft.toml: 2 error(s)"), "{err}");
}

#[test]
fn check_warns_of_a_reroute_to_a_route_without_an_enabled_vendor_and_notes_observe_mode() {
    let s = Setup::with_policy(
        "check-warn",
        "mode = \"observe\"\n\n[data]\nsecret = \"reroute:offline\"\n",
    );
    s.write(
        "offline.toml",
        "auto_vendors = false\npolicy = \"policy.toml\"\n\n[[routes]]\nname = \"offline\"\nmodels = [\"local-*\"]\ntargets = [\"ollama\"]\n",
    );
    let o = ok(s.weir_with(&["policy", "check"], Some(&s.dir.join("offline.toml"))));
    let out = stdout(&o);
    assert!(out.contains("mode: observe"), "{out}");
    assert!(
        out.contains("note: observe mode: requests are decided and recorded, never refused"),
        "{out}"
    );
    assert!(
        out.contains("warning: reroute:offline: route offline has no enabled vendor"),
        "{out}"
    );
}

#[test]
fn check_without_a_policy_says_everything_is_allowed_and_how_to_add_one() {
    let s = Setup::new("check-none");
    s.write("plain.toml", "auto_vendors = false\n");
    let o = ok(s.weir_with(&["policy", "check"], Some(&s.dir.join("plain.toml"))));
    let out = stdout(&o);
    assert!(out.contains("no policy: everything is allowed"), "{out}");
    assert!(out.contains("policy = \"policy.toml\""), "{out}");
}

// ---- weir policy explain, from flags ----

fn explain_json(s: &Setup, args: &[&str]) -> Value {
    let mut all = vec!["policy", "explain", "--format", "json"];
    all.extend_from_slice(args);
    json(&ok(s.weir(&all)))
}

#[test]
fn a_banned_tool_is_allowed_the_day_before_and_refused_from_the_ban_date() {
    let s = Setup::new("explain-ban");
    let on = |date: &str| {
        explain_json(
            &s,
            &[
                "--tool",
                "claude-code",
                "--version",
                "2.1.3",
                "--model",
                "claude-sonnet",
                "--date",
                date,
            ],
        )
    };
    let before = on("2026-07-09");
    assert!(before.get("refusal").is_none(), "{before:#}");
    let ban = before["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "tool.claude-code")
        .expect("the ban is listed");
    assert_eq!(ban["status"], "not-in-effect");
    assert_eq!(ban["line"], 20);

    for date in ["2026-07-10", "2026-07-11"] {
        let d = on(date);
        assert_eq!(d["date"], date);
        assert_eq!(d["refusal"]["kind"], "tool", "{d:#}");
        assert_eq!(d["refusal"]["rule"], "tool.claude-code");
        assert_eq!(d["refusal"]["line"], 20);
        let message = d["refusal"]["message"].as_str().unwrap();
        assert!(message.contains("SEC-114"), "{message}");
    }

    // The same, for a person.
    let o = ok(s.weir(&[
        "policy",
        "explain",
        "--tool",
        "claude-code",
        "--date",
        "2026-07-10",
    ]));
    let out = stdout(&o);
    assert!(out.starts_with("refused on 2026-07-10\n"), "{out}");
    assert!(
        out.contains(&format!("tool.claude-code ({}:20)", s.origin())),
        "{out}"
    );
}

#[test]
fn a_restricted_project_found_by_its_directory_may_only_go_to_local_targets() {
    let s = Setup::new("explain-restricted");
    let d = explain_json(
        &s,
        &[
            "--tool",
            "codex",
            "--cwd",
            "/srv/acme/payments/api",
            "--model",
            "claude-sonnet",
        ],
    );
    assert_eq!(d["project"], "payments");
    assert_eq!(d["class"], "restricted");
    assert_eq!(d["route"], "default");
    assert_eq!(d["targets"][0]["vendor"], "up");
    assert_eq!(d["targets"][0]["allowed"], false);
    assert_eq!(d["targets"][0]["rule"], "class.restricted");
    assert_eq!(d["refusal"]["kind"], "targets", "{d:#}");

    // The local vendor is allowed for it...
    let d = explain_json(
        &s,
        &[
            "--tool",
            "codex",
            "--cwd",
            "/srv/acme/payments",
            "--vendor",
            "box",
        ],
    );
    assert!(d.get("refusal").is_none(), "{d:#}");
    assert_eq!(d["targets"][0]["jurisdiction"], "local");
    assert_eq!(d["targets"][0]["allowed"], true);

    // ...and another directory is not restricted.
    let d = explain_json(
        &s,
        &[
            "--tool",
            "codex",
            "--cwd",
            "/srv/acme/web",
            "--model",
            "claude-sonnet",
        ],
    );
    assert_eq!(d["class"], "internal");
    assert!(d.get("refusal").is_none(), "{d:#}");
}

#[test]
fn a_relative_cwd_is_taken_from_the_current_directory() {
    let s = Setup::new("explain-relative-cwd");
    s.write(
        "policy.toml",
        &format!(
            "{POLICY}\n[[project]]\nname = \"here\"\nclass = \"restricted\"\npaths = [\"{}\"]\n",
            s.dir.display()
        ),
    );
    let d = explain_json(&s, &["--cwd", "src/lib"]);
    assert_eq!(d["project"], "here", "{d:#}");
}

#[test]
fn a_secret_in_a_restricted_project_is_rerouted_to_the_local_route() {
    let s = Setup::new("explain-reroute");
    let d = explain_json(
        &s,
        &[
            "--tool",
            "codex",
            "--project",
            "payments",
            "--model",
            "claude-sonnet",
            "--finding",
            "secret",
        ],
    );
    assert!(d.get("refusal").is_none(), "{d:#}");
    assert_eq!(d["route"], "local");
    assert_eq!(d["rerouted"], true);
    assert_eq!(d["targets"][0]["vendor"], "box");
    assert_eq!(d["targets"][0]["model"], "qwen-local");
    assert_eq!(d["targets"][0]["allowed"], true);
    assert_eq!(d["data"][0]["category"], "secret");
    assert_eq!(d["data"][0]["action"], "reroute:local");
    assert_eq!(d["data"][0]["line"], 13);
}

#[test]
fn explain_json_has_the_decision_shape() {
    let s = Setup::new("explain-json");
    let d = explain_json(&s, &["--tool", "aider", "--date", "2026-07-10"]);
    assert_eq!(d["policy"], s.origin().as_str());
    let digest = d["digest"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(d["date"], "2026-07-10");
    assert_eq!(d["mode"], "enforce");
    for rule in d["rules"].as_array().unwrap() {
        for key in ["rule", "kind", "subject", "effect", "status"] {
            assert!(rule.get(key).is_some(), "{key} in {rule}");
        }
    }
    assert!(d.get("route").is_none(), "no model, no route: {d:#}");
}

#[test]
fn explain_rejects_an_unknown_vendor_category_and_model_clearly() {
    let s = Setup::new("explain-errors");
    let err = stderr(&fails(s.weir(&["policy", "explain", "--vendor", "nosuch"])));
    assert!(err.contains("unknown vendor \"nosuch\""), "{err}");
    assert!(err.contains("vendors are up, box, anthropic"), "{err}");
    let err = stderr(&fails(s.weir(&[
        "policy",
        "explain",
        "--finding",
        "secrets",
    ])));
    assert!(
        err.contains("unknown finding category \"secrets\"; categories are secret,"),
        "{err}"
    );
    let err = stderr(&fails(s.weir(&["policy", "explain", "--model", "gpt-4"])));
    assert!(err.contains("nothing serves model \"gpt-4\""), "{err}");
    // A date that does not exist is a usage error (exit code 2, as clap reports them).
    let o = s.weir(&["policy", "explain", "--date", "2026-02-30"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("February 2026 has 28 days"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn explain_with_a_draft_policy_decides_with_it() {
    let s = Setup::new("explain-draft");
    s.write(
        "draft.toml",
        "[[tool]]\nname = \"aider\"\neffect = \"deny\"\nreason = \"not approved\"\n",
    );
    let d = explain_json(&s, &["--policy", "draft.toml", "--tool", "aider"]);
    assert_eq!(d["policy"], "draft.toml");
    assert_eq!(d["refusal"]["rule"], "tool.aider");
}

// ---- a ledger written here: explain ID and report --policy ----

fn at(date: &str, hour: i64) -> i64 {
    Date::parse(date).unwrap().days() * 86_400_000 + hour * 3_600_000
}

/// One exchange to write: who, when, what was found, and the policy (text) in force.
struct Recorded<'a> {
    id: &'a str,
    at_ms: i64,
    tool: &'a str,
    version: &'a str,
    project: &'a str,
    findings: Vec<Finding>,
    /// The policy text that decided, or `None`: no policy in force.
    policy: Option<&'a str>,
}

fn target(vendor: &str, jurisdiction: &str, model: &str) -> Target {
    Target {
        vendor: vendor.into(),
        model: model.into(),
        jurisdiction: jurisdiction.into(),
        host: "127.0.0.1:9".into(),
    }
}

/// The drafts the gateway writes for `r`: a start on the route it took (`default`, claude-sonnet
/// to up, or `local` when the policy rerouted it), and a finish whose decisions are the policy's
/// ledger entries; an enforced refusal is `blocked` and sent nowhere.
fn drafts(s: &Setup, r: &Recorded<'_>) -> Vec<Draft> {
    let model = "claude-sonnet";
    let route_targets = [weir_policy::Target {
        vendor: "up",
        jurisdiction: "US",
        model,
    }];
    let local_targets = [weir_policy::Target {
        vendor: "box",
        jurisdiction: "local",
        model: "qwen-local",
    }];
    let reroutes = [Route {
        name: "local",
        targets: &local_targets,
    }];
    let categories: Vec<&str> = r
        .findings
        .iter()
        .map(|f| match f.category.as_str() {
            "fingerprint" | "marker" => f.rule.as_str(),
            c => c,
        })
        .collect();
    let decision = r.policy.map(|text| {
        let policy = Policy::parse(text, &s.origin()).unwrap();
        let facts = Facts {
            tool: Some(r.tool),
            version: Some(r.version),
            project: Some(r.project),
            model: Some(model),
            route: Some(Route {
                name: "default",
                targets: &route_targets,
            }),
            reroutes: &reroutes,
            findings: &categories,
            ..Facts::default()
        };
        weir_policy::decide(&policy, &facts, Date::from_unix_seconds(r.at_ms / 1000))
    });
    let blocked = decision
        .as_ref()
        .is_some_and(|d| d.enforced_refusal().is_some());
    // Like the gateway, the start names the route the request took and the targets it was
    // allowed to go to.
    let (route, went_to) = match &decision {
        Some(d) if d.rerouted && d.is_enforced() => ("local", target("box", "local", "qwen-local")),
        _ => ("default", target("up", "US", model)),
    };
    let start = Start {
        node: "test".into(),
        client: Client {
            tool: Some(r.tool.into()),
            version: Some(r.version.into()),
            session: None,
        },
        user: None,
        project: Some(r.project.into()),
        protocol: "anthropic".into(),
        path: "/v1/messages".into(),
        model: model.into(),
        stream: false,
        route: route.into(),
        targets: vec![went_to.clone()],
        request: Content::default(),
    };
    let finish = Finish {
        outcome: if blocked {
            Outcome::Blocked
        } else {
            Outcome::Ok
        },
        status: if blocked { 403 } else { 200 },
        error: None,
        attempts: if blocked {
            vec![]
        } else {
            vec![Attempt {
                target: went_to,
                protocol: "anthropic".into(),
                key: None,
                result: AttemptResult::Answered,
                status: Some(200),
                sent: Content {
                    digest: None,
                    bytes: 100,
                    stored: false,
                },
                received: 10,
                first_byte_ms: None,
            }]
        },
        response: Content::default(),
        tokens: None,
        latency: Latency::default(),
        findings: r.findings.clone(),
        decisions: decision
            .iter()
            .flat_map(|d| d.ledger_entries())
            .map(|e| weir_ledger::Decision {
                rule: e.rule,
                effect: e.effect,
                reason: e.reason,
            })
            .collect(),
    };
    vec![
        Draft {
            at_ms: r.at_ms,
            exchange: r.id.into(),
            event: Event::Start(Box::new(start)),
        },
        Draft {
            at_ms: r.at_ms + 500,
            exchange: r.id.into(),
            event: Event::Finish(Box::new(finish)),
        },
    ]
}

fn finding(rule: &str, category: &str) -> Finding {
    Finding {
        rule: rule.into(),
        category: category.into(),
        location: "/messages/0/content".into(),
        action: "reported".into(),
    }
}

/// A ledger of six exchanges in July 2026:
///
/// | id | day | tool | project | policy | what it decided |
/// |---|---|---|---|---|---|
/// | req_before | 07-09 | claude-code | web | enforce | allowed (the ban starts the next day) |
/// | req_banned | 07-10 | claude-code | web | enforce | refused: blocked |
/// | req_secret | 07-10 | codex | payments | enforce | a secret: rerouted to local |
/// | req_trial | 07-11 | claude-code | api | observe | would refuse; went through |
/// | req_tz | 07-11 | codex | web | observe | a time-zone fingerprint; allowed |
/// | req_nopolicy | 07-12 | codex | web | none | no records |
fn ledger(s: &Setup) {
    let observe = POLICY.replace("mode = \"enforce\"", "mode = \"observe\"");
    let exchanges = [
        Recorded {
            id: "req_before",
            at_ms: at("2026-07-09", 10),
            tool: "claude-code",
            version: "2.1.3",
            project: "web",
            findings: vec![],
            policy: Some(POLICY),
        },
        Recorded {
            id: "req_banned",
            at_ms: at("2026-07-10", 10),
            tool: "claude-code",
            version: "2.1.3",
            project: "web",
            findings: vec![],
            policy: Some(POLICY),
        },
        Recorded {
            id: "req_secret",
            at_ms: at("2026-07-10", 11),
            tool: "codex",
            version: "0.40.0",
            project: "payments",
            findings: vec![finding("aws-access-key", "secret")],
            policy: Some(POLICY),
        },
        Recorded {
            id: "req_trial",
            at_ms: at("2026-07-11", 10),
            tool: "claude-code",
            version: "2.1.4",
            project: "api",
            findings: vec![],
            policy: Some(&observe),
        },
        Recorded {
            id: "req_tz",
            at_ms: at("2026-07-11", 11),
            tool: "codex",
            version: "0.40.0",
            project: "web",
            findings: vec![finding("time-zone", "fingerprint")],
            policy: Some(&observe),
        },
        Recorded {
            id: "req_nopolicy",
            at_ms: at("2026-07-12", 10),
            tool: "codex",
            version: "0.40.0",
            project: "web",
            findings: vec![],
            policy: None,
        },
    ];
    let mut store = weir_ledger::sqlite::SqliteStore::open(&s.ledger()).unwrap();
    for r in &exchanges {
        store.append(&drafts(s, r), &[]).unwrap();
    }
}

#[test]
fn explain_an_exchange_decides_it_again_beside_what_was_recorded() {
    let s = Setup::new("explain-id");
    ledger(&s);

    // Refused then, refused now, by the same policy.
    let out = stdout(&ok(s.weir(&["policy", "explain", "req_banned"])));
    assert!(
        out.starts_with("req_banned at 2026-07-10T10:00:00Z, outcome blocked\n"),
        "{out}"
    );
    assert!(
        out.contains("claude-code 2.1.3, project web, model claude-sonnet, route default"),
        "{out}"
    );
    assert!(out.contains("  refused on 2026-07-10\n"), "{out}");
    let recorded_refusal = out
        .lines()
        .find(|l| l.trim_start().starts_with("refuse "))
        .unwrap_or_else(|| panic!("the refuse record is shown: {out}"));
    assert!(
        recorded_refusal.contains(&format!("tool.claude-code ({}:20)", s.origin())),
        "{out}"
    );
    assert!(out.contains("same verdict: refused then and now"), "{out}");
    assert!(!out.contains("the policy changed since"), "{out}");

    // Allowed the day before the ban; refused when decided for a later day.
    let out = stdout(&ok(s.weir(&[
        "policy",
        "explain",
        "req_before",
        "--date",
        "2026-07-10",
    ])));
    assert!(
        out.contains("the verdict changed: allowed then, refused now"),
        "{out}"
    );

    // Recorded by the observe-mode trial, whose text (and so digest) differs.
    let out = stdout(&ok(s.weir(&["policy", "explain", "req_trial"])));
    assert!(out.contains(", observe, decided for 2026-07-11):"), "{out}");
    assert!(out.contains("the policy changed since: sha256:"), "{out}");
    assert!(out.contains("same verdict: refused then and now"), "{out}");

    // Before any policy.
    let out = stdout(&ok(s.weir(&["policy", "explain", "req_nopolicy"])));
    assert!(out.contains("then: no policy records"), "{out}");
}

#[test]
fn explain_an_exchange_as_json_uses_its_findings_and_route() {
    let s = Setup::new("explain-id-json");
    ledger(&s);
    let d = json(&ok(s.weir(&[
        "policy",
        "explain",
        "req_secret",
        "--format",
        "json",
    ])));
    assert_eq!(d["exchange"], "req_secret");
    assert_eq!(d["time"], "2026-07-10T11:00:00.000Z");
    assert_eq!(d["outcome"], "ok");
    assert_eq!(d["decision"]["date"], "2026-07-10");
    assert_eq!(d["decision"]["project"], "payments");
    // Recorded on route local; decided again from the model's own route, and rerouted.
    assert_eq!(d["decision"]["route"], "local");
    assert_eq!(d["decision"]["rerouted"], true);
    assert_eq!(d["decision"]["targets"][0]["vendor"], "box");
    assert_eq!(d["recorded"][0]["effect"], "enforce");
    assert!(
        d["recorded"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["effect"] == "reroute:local"),
        "{d:#}"
    );

    // An inspection finding is decided under its kind, not under `fingerprint`.
    let d = json(&ok(
        s.weir(&["policy", "explain", "req_tz", "--format", "json"])
    ));
    assert_eq!(d["decision"]["data"][0]["category"], "time-zone", "{d:#}");
    assert_eq!(d["recorded"][0]["effect"], "observe");
}

#[test]
fn explain_an_unknown_exchange_says_where_ids_come_from() {
    let s = Setup::new("explain-id-unknown");
    ledger(&s);
    let err = stderr(&fails(s.weir(&["policy", "explain", "req_nosuch"])));
    assert!(
        err.contains("no exchange req_nosuch in the ledger at"),
        "{err}"
    );
    assert!(err.contains("`weir log` lists exchange ids"), "{err}");
}

#[test]
fn report_policy_counts_refusals_enforced_and_observed_by_rule_tool_and_project() {
    let s = Setup::new("report");
    ledger(&s);
    let period = ["--since", "2026-07-01", "--until", "2026-08-01"];
    let mut args = vec!["report", "--policy", "--format", "json"];
    args.extend(period);
    let r = json(&ok(s.weir(&args)));
    let total = &r["total"];
    assert_eq!(total["exchanges"], 6, "{r:#}");
    assert_eq!(total["decided"], 5);
    assert_eq!(total["allowed"], 3);
    assert_eq!(total["refused"], 1);
    assert_eq!(total["would_refuse"], 1);
    assert_eq!(total["rerouted"], 1);
    assert_eq!(total["would_reroute"], 0);
    assert_eq!(r["modes"]["enforce"], 3);
    assert_eq!(r["modes"]["observe"], 2);

    let rules = r["rules"].as_array().unwrap();
    let ban = format!("tool.claude-code ({}:20)", s.origin());
    let refuse = rules
        .iter()
        .find(|x| x["effect"] == "refuse" && x["rule"] == ban.as_str())
        .unwrap_or_else(|| panic!("the ban's refusals: {r:#}"));
    assert_eq!(refuse["enforced"], 1);
    assert_eq!(refuse["observed"], 1);
    assert_eq!(refuse["tools"]["claude-code"], 2);
    assert_eq!(refuse["projects"]["web"], 1);
    assert_eq!(refuse["projects"]["api"], 1);
    assert!(
        !rules
            .iter()
            .any(|x| x["effect"] == "deny" && x["rule"] == ban.as_str()),
        "the rule that refused is counted once, as refuse: {r:#}"
    );
    let reroute = rules
        .iter()
        .find(|x| x["effect"] == "reroute:local")
        .unwrap_or_else(|| panic!("the reroute: {r:#}"));
    assert_eq!(reroute["enforced"], 1);
    assert_eq!(reroute["projects"]["payments"], 1);

    let tool = |name: &str| {
        r["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(tool("claude-code")["refused"], 1);
    assert_eq!(tool("claude-code")["would_refuse"], 1);
    assert_eq!(tool("codex")["exchanges"], 3);
    assert_eq!(tool("codex")["decided"], 2);

    let mut args = vec!["report", "--policy"];
    args.extend(period);
    let out = stdout(&ok(s.weir(&args)));
    assert!(
        out.contains("made in enforce mode (3 exchanges) and observe mode (2 exchanges)"),
        "{out}"
    );
    assert!(
        out.contains("6 exchange(s), 5 decided: 3 allowed, 1 refused, 1 would refuse, 1 rerouted"),
        "{out}"
    );

    // The trial alone: the heading says nothing was enforced.
    let out = stdout(&ok(s.weir(&[
        "report",
        "--policy",
        "--since",
        "2026-07-11",
        "--until",
        "2026-07-12",
    ])));
    assert!(
        out.contains("made in observe mode: nothing was refused"),
        "{out}"
    );

    // Filters apply.
    let r = json(&ok(s.weir(&[
        "report",
        "--policy",
        "--format",
        "json",
        "--since",
        "2026-07-01",
        "--until",
        "2026-08-01",
        "--tool",
        "codex",
    ])));
    assert_eq!(r["total"]["exchanges"], 3);
    assert_eq!(r["total"]["refused"], 0);

    let err = stderr(&fails(s.weir(&["report", "--policy", "--format", "csv"])));
    assert!(err.contains("--policy writes a table or JSON"), "{err}");
}

#[test]
fn help_teaches_with_examples() {
    let s = Setup::new("help");
    for args in [
        &["policy", "check", "--help"][..],
        &["policy", "explain", "--help"][..],
    ] {
        let out = stdout(&ok(s.weir_with(args, None)));
        assert!(out.contains("Examples:"), "{out}");
        assert!(out.contains("weir policy"), "{out}");
    }
    let out = stdout(&ok(s.weir_with(&["report", "--help"], None)));
    assert!(out.contains("weir report --policy --since 7d"), "{out}");
}
