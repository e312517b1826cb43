//! Reading policy files: every error at its line and column with a message that says how to fix
//! it, the `[policy]` section of weir.toml, references to the configuration, and the documented
//! example.

use proptest::prelude::*;
use weir_policy::{Mode, Policy, References, RuleKind};

fn errors(text: &str) -> Vec<String> {
    match Policy::parse(text, "policy.toml") {
        Ok(_) => Vec::new(),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

/// The file has exactly this one error.
#[track_caller]
fn assert_error(text: &str, expected: &str) {
    assert_eq!(errors(text), [expected], "policy:\n{text}");
}

const TOOL_KEYS: &str = "id, name, versions, effect, team, class, from, until, reason";

#[test]
fn an_empty_file_allows_everything() {
    for text in ["", "# nothing yet\n\n"] {
        let p = Policy::parse(text, "policy.toml").unwrap();
        assert_eq!(p.mode(), Mode::Enforce);
        assert!(p.rules().is_empty());
        let targets = [weir_policy::Target {
            vendor: "deepseek",
            jurisdiction: "CN",
            model: "v3",
        }];
        let facts = weir_policy::Facts {
            tool: Some("anything"),
            route: Some(weir_policy::Route {
                name: "default",
                targets: &targets,
            }),
            findings: &["secret", "invisible"],
            ..Default::default()
        };
        let d = weir_policy::decide(&p, &facts, weir_policy::Date::from_days(20_000));
        assert!(!d.is_refused());
        assert_eq!(d.allowed_targets().collect::<Vec<_>>(), [0]);
        assert!(d.data.iter().all(|v| v.action.is_none()));
    }
}

#[test]
fn unknown_keys_are_errors_with_the_nearest_key() {
    assert_error(
        "[[tool]]\nname = \"claude-code\"\neffect = \"deny\"\nuntill = 2026-07-10\n",
        &format!(
            "policy.toml:4:1: unknown key \"untill\", expected one of {TOOL_KEYS} (did you mean \
             \"until\"?)"
        ),
    );
    assert_error(
        "[[tools]]\nname = \"x\"\n",
        "policy.toml:1:3: unknown key \"tools\", expected one of mode, defaults, groups, team, \
         class, project, tool, vendor, jurisdiction, data (did you mean \"tool\"?)",
    );
    assert_error(
        "[defaults]\nunknown_tool = \"deny\"\n",
        "policy.toml:2:1: unknown key \"unknown_tool\", expected one of tool, vendor, class, data",
    );
    assert_error(
        "[class.restricted]\njurisdiction = [\"local\"]\n",
        "policy.toml:2:1: unknown key \"jurisdiction\", expected one of jurisdictions, vendors, \
         reason, data (did you mean \"jurisdictions\"?)",
    );
    assert_error(
        "[class.p]\n[[project]]\nname = \"x\"\nclass = \"p\"\npath = [\"/x\"]\n",
        "policy.toml:5:1: unknown key \"path\", expected one of name, class, paths, remotes (did \
         you mean \"paths\"?)",
    );
    assert_error(
        "[[team]]\nname = \"t\"\nmember = [\"a\"]\nmembers = [\"a\"]\n",
        "policy.toml:3:1: unknown key \"member\", expected one of name, members (did you mean \
         \"members\"?)",
    );
    assert_error(
        "[[vendor]]\nname = \"openai\"\neffect = \"deny\"\nmodel = \"gpt-4o\"\n",
        "policy.toml:4:1: unknown key \"model\", expected one of id, name, models, effect, team, \
         class, from, until, reason (did you mean \"models\"?)",
    );
    assert_error(
        "[[jurisdiction]]\nname = \"CN\"\neffect = \"deny\"\nmodels = [\"x\"]\n",
        "policy.toml:4:1: unknown key \"models\", expected one of id, name, effect, team, class, \
         from, until, reason",
    );
    assert_error(
        "[defaults]\ntool = { effect = \"deny\", why = \"x\" }\n",
        "policy.toml:2:27: unknown key \"why\", expected one of effect, reason",
    );
}

#[test]
fn dates_are_checked() {
    let rule = |extra: &str| format!("[[tool]]\nname = \"codex\"\neffect = \"deny\"\n{extra}\n");
    assert_error(
        &rule("from = \"2026-02-30\""),
        "policy.toml:4:8: from = \"2026-02-30\" is not a date: February 2026 has 28 days",
    );
    assert_error(
        &rule("until = \"10/07/2026\""),
        "policy.toml:4:9: until = \"10/07/2026\" is not a date: write dates as YYYY-MM-DD, like \
         2026-07-10",
    );
    assert_error(
        &rule("from = 2026-07-10T09:00:00Z"),
        "policy.toml:4:8: from must be a date without a time, like 2026-07-10 (rules start and \
         end on whole days, UTC)",
    );
    assert_error(
        &rule("from = 20260710"),
        "policy.toml:4:8: from must be a date like 2026-07-10, not an integer",
    );
    assert_error(
        &rule("from = 2026-07-10\nuntil = 2026-07-01"),
        "policy.toml:5:9: until 2026-07-01 is before from 2026-07-10: the rule would never apply",
    );
    // The same day for both is one day of effect, not an error; strings and dates both work.
    assert_eq!(
        errors(&rule("from = 2026-07-10\nuntil = \"2026-07-10\"")),
        Vec::<String>::new()
    );
}

#[test]
fn version_ranges_are_checked() {
    let rule = |versions: &str| {
        format!("[[tool]]\nname = \"codex\"\neffect = \"deny\"\nversions = \"{versions}\"\n")
    };
    assert_error(
        &rule(">=two"),
        "policy.toml:4:12: versions = \">=two\": `two` is not a version: expected numbers like \
         2.1 or 2.1.3, or a wildcard like 2.*; ranges look like \">=2.1, <2.3\", \"^1.4\", \
         \"~0.30.1\", \"2.*\" or \"<1 || >=3\"",
    );
    assert_error(
        &rule(">=2.3, <2.1"),
        "policy.toml:4:12: versions = \">=2.3, <2.1\": `>=2.3, <2.1` matches no version",
    );
    assert_eq!(errors(&rule(">=2.1, <2.3")), Vec::<String>::new());
}

#[test]
fn references_are_checked_against_the_configuration() {
    let text = "[data]\nsecret = \"reroute:locl\"\n\n[class.r]\nvendors = [\"olama\"]\n\n[[vendor]]\nname = \"deepseek\"\neffect = \"deny\"\n";
    let p = Policy::parse(text, "policy.toml").unwrap();
    let refs = References {
        routes: vec!["default".into(), "local".into()],
        vendors: Some(vec!["anthropic".into(), "ollama".into(), "deepseek".into()]),
    };
    let e = p.check(&refs).unwrap_err().to_string();
    assert_eq!(
        e,
        "policy.toml:2:10: reroute:locl names no route; routes are default, local\n\
         policy.toml:5:12: unknown vendor \"olama\"; vendors are anthropic, ollama, deepseek"
    );
    // Vendors are not checked when the configuration does not say which exist.
    let e = p
        .check(&References {
            routes: vec![],
            vendors: None,
        })
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "policy.toml:2:10: reroute:locl names no route; routes are none"
    );
    let fixed = text.replace("locl", "local").replace("olama", "ollama");
    assert!(
        Policy::parse(&fixed, "policy.toml")
            .unwrap()
            .check(&refs)
            .is_ok()
    );
}

#[test]
fn names_within_the_file_are_checked() {
    assert_error(
        "[[project]]\nname = \"x\"\nclass = \"secret\"\n",
        "policy.toml:3:9: unknown class \"secret\": declare it with a [class.secret] table",
    );
    assert_error(
        "[class.public]\n[[tool]]\nname = \"codex\"\neffect = \"deny\"\nclass = \"restrictd\"\n",
        "policy.toml:5:9: unknown class \"restrictd\"; classes are public (declare others with \
         [class.NAME])",
    );
    assert_error(
        "[defaults]\nclass = \"internal\"\n",
        "policy.toml:2:9: unknown class \"internal\": declare it with a [class.internal] table",
    );
    assert_error(
        "[[team]]\nname = \"ops\"\nmembers = [\"a@b\"]\n[[tool]]\nname = \"codex\"\neffect = \"allow\"\nteam = [\"ops\", \"dev\"]\n",
        "policy.toml:7:16: unknown team \"dev\"; teams are ops",
    );
    assert_error(
        "[[tool]]\nid = \"SEC-1\"\nname = \"codex\"\neffect = \"deny\"\n[[tool]]\nid = \"SEC-1\"\nname = \"aider\"\neffect = \"deny\"\n",
        "policy.toml:6:6: id \"SEC-1\" is used by another rule",
    );
    assert_error(
        "[[tool]]\nid = \"tool.codex\"\nname = \"codex\"\neffect = \"deny\"\n",
        "policy.toml:2:6: id \"tool.codex\" may contain only letters, digits, - and _",
    );
    assert_error(
        "[class.c]\n[[project]]\nname = \"x\"\nclass = \"c\"\n[[project]]\nname = \"x\"\nclass = \"c\"\n",
        "policy.toml:5:1: project \"x\" is declared twice",
    );
    assert_error(
        "[[team]]\nname = \"t\"\nmembers = [\"a\"]\n[[team]]\nname = \"t\"\nmembers = [\"b\"]\n",
        "policy.toml:4:1: team \"t\" is declared twice",
    );
}

#[test]
fn rules_need_a_subject_and_an_effect() {
    assert_error(
        "[[tool]]\nname = \"codex\"\n",
        "policy.toml:1:1: this rule has no effect: add effect = \"deny\" or effect = \"allow\"",
    );
    assert_error(
        "[[tool]]\neffect = \"deny\"\n",
        "policy.toml:1:1: this rule names no tool: add name = \"…\"",
    );
    assert_error(
        "[[vendor]]\nname = \"x\"\neffect = \"block\"\n",
        "policy.toml:3:10: effect must be \"allow\" or \"deny\", not \"block\"",
    );
    assert_error(
        "[[tool]]\nname = 5\neffect = \"deny\"\n",
        "policy.toml:2:8: name must be a string or a list of strings, not an integer",
    );
    assert_error(
        "[[tool]]\nname = []\neffect = \"deny\"\n",
        "policy.toml:2:8: name is an empty list",
    );
    assert_error(
        "[[tool]]\nname = \"Claude Code\"\neffect = \"deny\"\n",
        "policy.toml:2:8: tool \"Claude Code\" is not a tool id: ids are like claude-code, codex, \
         qwen-code, gemini-cli, aider, opencode, cursor, openai-python, unknown",
    );
    assert_error(
        "[[team]]\nname = \"t\"\n",
        "policy.toml:1:1: team \"t\" has no members: list identities (as weir identifies users, \
         from a token or a header), e.g. members = [\"alice@acme.com\", \"*@ops.acme.com\"]",
    );
    assert_error(
        "[class.c]\n[[project]]\nname = \"x\"\n",
        "policy.toml:2:1: this project has no class: add class = \"NAME\" naming a [class.NAME] \
         table",
    );
    assert_error(
        "tool = \"codex\"\n",
        "policy.toml:1:8: tool must be written as [[tool]] tables, not a string",
    );
    assert_error(
        "mode = \"dry-run\"\n",
        "policy.toml:1:8: mode must be \"enforce\" or \"observe\", not \"dry-run\"",
    );
}

#[test]
fn jurisdictions_and_groups_are_checked() {
    assert_error(
        "[[jurisdiction]]\nname = \"EUR\"\neffect = \"deny\"\n",
        "policy.toml:2:8: unknown jurisdiction \"EUR\"; use a two-letter country code (ISO \
         3166-1), \"local\", or a group (EU)",
    );
    assert_error(
        "[groups]\nXX = [\"US\"]\n",
        "policy.toml:2:1: group name \"XX\" must be longer than two letters (two letters are a \
         country code) and not \"local\"",
    );
    assert_error(
        "[groups]\nNORDICS = [\"SE\", \"Norway\"]\n",
        "policy.toml:2:18: \"Norway\" in groups.NORDICS is not a jurisdiction: use two-letter \
         country codes (ISO 3166-1) or \"local\"",
    );
    // Codes are case-insensitive; user groups are usable in rules and classes.
    let ok = "[groups]\nnordics = [\"se\", \"no\"]\n[class.c]\njurisdictions = [\"Nordics\", \"Local\"]\n[[jurisdiction]]\nname = [\"cn\", \"NORDICS\"]\neffect = \"deny\"\n";
    assert_eq!(errors(ok), Vec::<String>::new());
}

#[test]
fn data_categories_and_actions_are_checked() {
    assert!(errors("[data]\nsecrets = \"redact\"\n")[0].starts_with(
        "policy.toml:2:1: unknown category \"secrets\" (did you mean \"secret\"?); categories \
             are secret, private-key,"
    ));
    assert_error(
        "[data]\nsecret = \"deny\"\n",
        "policy.toml:2:10: data.secret: unknown action \"deny\"; actions are allow, report, \
         redact, strip, normalize, block and reroute:<route>",
    );
    assert_error(
        "[data]\ninvisible = \"redact\"\n",
        "policy.toml:2:13: data.invisible: \"redact\" does not apply to invisible, which is a \
         hidden marker",
    );
    assert_error(
        "[data]\nsecret = \"normalize\"\n",
        "policy.toml:2:10: data.secret: \"normalize\" does not apply to secret, which is content \
         found by DLP",
    );
    assert_error(
        "[class.r.data]\nemail = \"reroute:\"\n",
        "policy.toml:2:9: class.r.data.email: unknown action \"reroute:\"; actions are allow, \
         report, redact, strip, normalize, block and reroute:<route>",
    );
    assert_error(
        "[defaults]\ndata = \"drop\"\n",
        "policy.toml:2:8: defaults.data: unknown action \"drop\"; actions are allow, report, \
         redact, strip, normalize, block and reroute:<route>",
    );
}

#[test]
fn a_syntax_error_is_reported_at_its_place() {
    let e = errors("[[tool]]\nname = \"codex\neffect = \"deny\"\n");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("policy.toml:2:"), "{}", e[0]);
}

#[test]
fn every_error_in_a_file_is_reported_in_file_order() {
    let text = r#"mode = "observe"

[defaults]
tool = "maybe"
class = "secret"

[[team]]
name = "ops"
members = "*@ops.acme.com"

[class.restricted]
jurisdictions = ["local", "Mars"]

[class.restricted.data]
secret = "reroute:local"
passwords = "block"

[[project]]
name = "payments"
class = "restricted"
path = ["/srv/payments"]

[[tool]]
name = "claude-code"
effect = "deny"
from = 2026-07-10
untill = 2026-09-30
reason = "classified high-risk"

[[tool]]
name = "codex"
versions = "<=0.3O"
effect = "deny"
team = "dev"

[[vendor]]
name = "deepseek"
effect = "deny"
until = "2026-13-01"

[data]
confusable = "redact"
"#;
    let e = Policy::parse(text, "policy.toml").unwrap_err();
    insta::assert_snapshot!(e.to_string());
}

#[test]
fn a_policy_section_of_weir_toml_keeps_its_lines() {
    let weir = r#"listen = "127.0.0.1:8787"

[[routes]]
name = "local"
models = ["*"]
targets = ["ollama"]

[policy]
mode = "observe"

[[policy.tool]]
name = "claude-code"
effect = "deny"
untill = 2026-07-10
"#;
    let e = Policy::parse_section(weir, "weir.toml", "policy").unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "weir.toml:14:1: unknown key \"untill\", expected one of {TOOL_KEYS} (did you mean \
             \"until\"?)"
        )
    );
    let fixed = weir.replace("untill", "from");
    let p = Policy::parse_section(&fixed, "weir.toml", "policy")
        .unwrap()
        .unwrap();
    assert_eq!(p.mode(), Mode::Observe);
    let tool = p
        .rules()
        .into_iter()
        .find(|r| r.kind == RuleKind::Tool)
        .unwrap();
    assert_eq!(tool.line, Some(11));
    assert_eq!(p.origin(), "weir.toml");
    // No section: no policy. A section that is not a table: an error.
    assert_eq!(
        Policy::parse_section("listen = \"x\"\n", "weir.toml", "policy"),
        Ok(None)
    );
    assert_eq!(
        Policy::parse_section("policy = \"policy.toml\"\n", "weir.toml", "policy")
            .unwrap_err()
            .to_string(),
        "weir.toml:1:10: [policy] must be a table, not a string"
    );
}

#[test]
fn the_digest_identifies_the_text() {
    let a = Policy::parse("mode = \"enforce\"\n", "p").unwrap();
    let b = Policy::parse("mode = \"enforce\"\n", "p").unwrap();
    let c = Policy::parse("mode = \"enforce\" # changed\n", "p").unwrap();
    assert_eq!(a.digest(), b.digest());
    assert_ne!(a.digest(), c.digest());
    assert_eq!(a.digest().len(), 64);
}

/// The example in the crate documentation, taken from the source so that it cannot rot.
fn documented_example() -> String {
    let lib = include_str!("../src/lib.rs");
    let mut out = String::new();
    let mut inside = false;
    for line in lib.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            continue;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        if doc.starts_with("```") {
            if inside {
                break;
            }
            inside = doc == "```toml";
            continue;
        }
        if inside {
            out.push_str(doc);
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_documented_example_is_valid() {
    let text = documented_example();
    assert!(text.contains("[[tool]]"), "example not found");
    let p = Policy::parse(&text, "policy.toml").unwrap_or_else(|e| panic!("{e}"));
    p.check(&References {
        routes: vec!["local".into()],
        vendors: None,
    })
    .unwrap();
    assert_eq!(
        p.classes().collect::<Vec<_>>(),
        ["public", "internal", "restricted"]
    );
    assert_eq!(p.teams().collect::<Vec<_>>(), ["platform", "contractors"]);
    assert_eq!(p.reroute_routes(), ["local"]);
}

#[test]
fn the_realistic_policy_has_a_realistic_size() {
    let p = Policy::parse(include_str!("data/realistic.toml"), "policy.toml").unwrap();
    let rules = p
        .rules()
        .into_iter()
        .filter(|r| {
            matches!(
                r.kind,
                RuleKind::Tool | RuleKind::Vendor | RuleKind::Jurisdiction
            )
        })
        .count();
    assert!((20..=50).contains(&rules), "{rules} allow/deny rules");
    let lines: Vec<usize> = p.rules().iter().filter_map(|r| r.line).collect();
    assert!(
        lines.windows(2).all(|w| w[0] <= w[1]),
        "rules() is in file order"
    );
}

#[test]
fn every_dlp_category_is_known() {
    for c in weir_detect::Category::ALL {
        assert_eq!(
            weir_policy::data::kind_of(c.as_str()),
            Some(weir_policy::FindingKind::Content),
            "{}",
            c.as_str()
        );
    }
}

#[test]
fn every_inspection_kind_is_known() {
    use weir_detect::inspect::Kind;
    for k in Kind::all() {
        let want = match k {
            // An email is personal data first: the DLP category of the same name decides.
            Kind::Fact(f) if f.as_str() == "email" => weir_policy::FindingKind::Content,
            Kind::Fact(_) => weir_policy::FindingKind::Environment,
            Kind::Marker(_) => weir_policy::FindingKind::Marker,
        };
        assert_eq!(
            weir_policy::data::kind_of(k.as_str()),
            Some(want),
            "{}",
            k.as_str()
        );
    }
}

proptest! {
    #[test]
    fn parse_never_panics(text in "\\PC{0,200}") {
        let _ = Policy::parse(&text, "p.toml");
    }

    #[test]
    fn parse_never_panics_on_damaged_policies(
        drop in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        swap in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..4),
    ) {
        let mut lines: Vec<&str> = include_str!("data/realistic.toml").lines().collect();
        for i in drop {
            if !lines.is_empty() {
                let i = i.index(lines.len());
                lines.remove(i);
            }
        }
        for (a, b) in swap {
            if !lines.is_empty() {
                let (a, b) = (a.index(lines.len()), b.index(lines.len()));
                lines.swap(a, b);
            }
        }
        let text = lines.join("\n");
        match Policy::parse(&text, "p.toml") {
            Ok(p) => { let _ = p.rules(); }
            Err(e) => {
                let n = text.lines().count().max(1);
                for err in &e.0 {
                    prop_assert!(err.line >= 1 && err.line <= n + 1, "{err}");
                }
            }
        }
    }
}
