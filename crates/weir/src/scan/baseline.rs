//! Baselines: the fingerprints of findings already known, so that a scan reports only new ones.
//!
//! A baseline is JSON written by `weir scan --write-baseline`:
//! `{"weir_baseline": 1, "findings": [{"fingerprint": .., "rule_id": .., "path": .., "line": ..}]}`.
//! It holds no secret: a fingerprint is a SHA-256 of the rule id and the secret. Reading is
//! lenient: any JSON (or JSON Lines, such as `weir scan --format json` output) whose objects
//! have `fingerprint` fields, or a JSON array of fingerprint strings, works.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::output::Reported;

/// The baseline of `findings`, as written by `--write-baseline`.
pub fn render(findings: &[Reported]) -> Value {
    let entries: Vec<Value> = findings
        .iter()
        .map(|r| {
            let mut entry = json!({
                "fingerprint": r.fingerprint,
                "rule_id": r.rule_id,
                "path": r.path,
                "line": r.line,
            });
            if let Some(commit) = &r.commit {
                entry["commit"] = json!(commit);
            }
            entry
        })
        .collect();
    json!({ "weir_baseline": 1, "findings": entries })
}

/// The fingerprints in a baseline's text. Fails when it is neither JSON nor JSON Lines.
pub fn parse(text: &str) -> Result<HashSet<String>, String> {
    let mut out = HashSet::new();
    match serde_json::from_str::<Value>(text) {
        Ok(value) => collect(&value, &mut out),
        Err(whole) => {
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let value: Value = serde_json::from_str(line).map_err(|_| {
                    format!(
                        "it is not JSON ({whole}) nor JSON Lines (line {}: not JSON)",
                        n + 1
                    )
                })?;
                collect(&value, &mut out);
            }
        }
    }
    Ok(out)
}

fn collect(value: &Value, out: &mut HashSet<String>) {
    match value {
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::String(s) => {
                        out.insert(s.clone());
                    }
                    other => collect(other, out),
                }
            }
        }
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("fingerprint", Value::String(s)) => {
                        out.insert(s.clone());
                    }
                    (_, Value::Array(_) | Value::Object(_)) => collect(v, out),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// `findings` without those whose fingerprint is in `baseline`, and how many were dropped.
pub fn filter(findings: Vec<Reported>, baseline: &HashSet<String>) -> (Vec<Reported>, usize) {
    let before = findings.len();
    let kept: Vec<Reported> = findings
        .into_iter()
        .filter(|r| !baseline.contains(&r.fingerprint))
        .collect();
    let dropped = before - kept.len();
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(fingerprint: &str) -> Reported {
        Reported {
            path: "a.env".into(),
            line: 1,
            column: 1,
            rule_id: "anthropic-api-key".into(),
            rule_name: "Anthropic API key".into(),
            category: "secret",
            fingerprint: fingerprint.into(),
            preview: "sk-a****AA".into(),
            commit: None,
        }
    }

    #[test]
    fn a_written_baseline_reads_back() {
        let findings = vec![finding("f1"), finding("f2")];
        let text = render(&findings).to_string();
        let read = parse(&text).unwrap();
        assert_eq!(read, HashSet::from(["f1".to_owned(), "f2".to_owned()]));
        let (kept, dropped) = filter(vec![finding("f1"), finding("f3")], &read);
        assert_eq!(dropped, 1);
        assert_eq!(kept, vec![finding("f3")]);
    }

    #[test]
    fn json_lines_and_plain_arrays_are_baselines_too() {
        let lines = format!(
            "{}\n\n{}\n",
            super::super::output::json_line(&finding("a")),
            super::super::output::json_line(&finding("b"))
        );
        assert_eq!(parse(&lines).unwrap().len(), 2);
        assert_eq!(parse(r#"["x","y"]"#).unwrap().len(), 2);
        assert!(parse("not json").is_err());
    }
}
