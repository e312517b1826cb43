//! What a finding is reported as, and the three output formats (text, JSON Lines, SARIF).
//! Pure: rendering only, the caller writes.

use serde::Serialize;
use serde_json::{Value, json};
use weir_detect::Rule;

/// One finding as reported: where, which rule, and the secret only masked and fingerprinted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reported {
    /// The file's path as found (relative to the argument given), `<stdin>` for standard
    /// input, or the path in the repository for `--git`.
    pub path: String,
    /// 1-based line of the secret's start.
    pub line: usize,
    /// 1-based column of the secret's start, in characters.
    pub column: usize,
    /// The rule's id (`anthropic-api-key`).
    pub rule_id: String,
    /// The rule's name (`Anthropic API key`).
    pub rule_name: String,
    /// The rule's category (`secret`, `private-key`, `email`, ...).
    pub category: &'static str,
    /// Hex SHA-256 of `RULE-ID:SECRET`: names the secret without holding it.
    pub fingerprint: String,
    /// The secret masked: at most its first 4 and last 2 characters.
    pub preview: String,
    /// For `--git`: the commit that first introduced the file content holding it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

impl Reported {
    /// The order findings are reported in: by path, position, rule, then commit.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, Option<&str>) {
        (
            &self.path,
            self.line,
            self.column,
            &self.rule_id,
            self.commit.as_deref(),
        )
    }
}

/// The SARIF level of a category: credentials are errors, personal data warnings.
pub fn level(category: &str) -> &'static str {
    match category {
        "secret" | "private-key" | "password" => "error",
        _ => "warning",
    }
}

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// One finding as a line for people:
/// `path:line:col  rule-id  Rule name  preview` (and `  commit HASH` for `--git`), with ANSI
/// colours when `color`.
pub fn text_line(r: &Reported, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_owned()
        }
    };
    let rule_colour = if level(r.category) == "error" {
        RED
    } else {
        YELLOW
    };
    let mut line = format!(
        "{}  {}  {}  {}",
        paint(BOLD, &format!("{}:{}:{}", r.path, r.line, r.column)),
        paint(rule_colour, &r.rule_id),
        r.rule_name,
        paint(DIM, &r.preview),
    );
    if let Some(commit) = &r.commit {
        line.push_str(&paint(DIM, &format!("  commit {}", short(commit))));
    }
    line
}

/// A commit id shortened to 12 hex digits for people.
fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// One finding as a line of JSON (JSON Lines), without the trailing newline.
pub fn json_line(r: &Reported) -> String {
    serde_json::to_string(r).expect("a finding serializes")
}

/// Percent-encodes a relative path for a SARIF `uri`: unreserved characters and `/` stay.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The SARIF 2.1.0 log of a scan: one run, every rule of the detector in
/// `tool.driver.rules`, one result per finding.
pub fn sarif(rules: &[Rule], findings: &[Reported]) -> Value {
    let driver_rules: Vec<Value> = rules
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id(),
                "name": rule.name(),
                "shortDescription": { "text": format!("{} ({})", rule.name(), rule.category()) },
                "defaultConfiguration": { "level": level(rule.category().as_str()) },
                "properties": { "category": rule.category().as_str() },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|r| {
            let mut result = json!({
                "ruleId": r.rule_id,
                "level": level(r.category),
                "message": { "text": format!("{} found: {}", r.rule_name, r.preview) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&r.path) },
                        "region": { "startLine": r.line, "startColumn": r.column },
                    }
                }],
                "partialFingerprints": { "weir/v1": r.fingerprint },
                "properties": { "category": r.category },
            });
            if let Some(index) = rules.iter().position(|rule| rule.id() == r.rule_id) {
                result["ruleIndex"] = json!(index);
            }
            if let Some(commit) = &r.commit {
                result["properties"]["commit"] = json!(commit);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "weir",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": driver_rules,
                }
            },
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding() -> Reported {
        Reported {
            path: "src/my config.env".into(),
            line: 3,
            column: 7,
            rule_id: "anthropic-api-key".into(),
            rule_name: "Anthropic API key".into(),
            category: "secret",
            fingerprint: "ab".repeat(32),
            preview: "sk-a****AA".into(),
            commit: None,
        }
    }

    #[test]
    fn a_text_line_names_where_and_what() {
        let r = finding();
        assert_eq!(
            text_line(&r, false),
            "src/my config.env:3:7  anthropic-api-key  Anthropic API key  sk-a****AA"
        );
        let coloured = text_line(&r, true);
        assert!(coloured.contains("\x1b[31manthropic-api-key\x1b[0m"));
        let mut in_git = r;
        in_git.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
        assert!(text_line(&in_git, false).ends_with("  commit 0123456789ab"));
    }

    #[test]
    fn a_json_line_has_stable_fields() {
        let v: Value = serde_json::from_str(&json_line(&finding())).unwrap();
        assert_eq!(v["path"], "src/my config.env");
        assert_eq!(v["line"], 3);
        assert_eq!(v["column"], 7);
        assert_eq!(v["rule_id"], "anthropic-api-key");
        assert_eq!(v["rule_name"], "Anthropic API key");
        assert_eq!(v["category"], "secret");
        assert_eq!(v["preview"], "sk-a****AA");
        assert!(v.get("commit").is_none());
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("src/a b.rs"), "src/a%20b.rs");
        assert_eq!(uri("é#"), "%C3%A9%23");
        assert_eq!(uri("./x_y-z~.txt"), "./x_y-z~.txt");
    }

    #[test]
    fn sarif_has_the_2_1_0_shape() {
        let detector = weir_detect::builtin::detector(Vec::new()).unwrap();
        let log = sarif(detector.rules(), &[finding()]);
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "weir");
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), detector.rules().len());
        assert!(rules.iter().all(|r| r["id"].is_string()
            && r["name"].is_string()
            && r["shortDescription"]["text"].is_string()));
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "anthropic-api-key");
        assert_eq!(result["level"], "error");
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], "anthropic-api-key");
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "src/my%20config.env");
        assert_eq!(location["region"]["startLine"], 3);
        assert_eq!(location["region"]["startColumn"], 7);
        assert_eq!(result["partialFingerprints"]["weir/v1"], "ab".repeat(32));
    }
}
