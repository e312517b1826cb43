//! Identification and environment facts checked against real captured requests, when there
//! are some: `WEIR_CAPTURES` (default `/work/captures`) holds `<agent>-<env>/` directories of
//! `weir capture` files, each with an `env.json` naming the environment the run set up.
//!
//! For every request: the tool and version must be the run's, and every value of `env.json`
//! that appears in a header or body string must be reported there with its kind (or lie inside
//! another fact, like a user name inside a git remote). Ignored by default: the captures are
//! not part of the repository. Run with
//! `cargo test -p weir-detect --test captures -- --ignored --nocapture`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use weir_detect::Request;
use weir_detect::environ::{Disclosure, FactKind, rewrite, scan_request};
use weir_detect::identify::identify;
use weir_detect::request::Field;

/// `env.json` keys and the kind each must be reported as.
const KINDS: &[(&str, FactKind)] = &[
    ("tz", FactKind::TimeZone),
    ("lang", FactKind::Locale),
    ("home", FactKind::HomeDirectory),
    ("user_name", FactKind::UserName),
    ("cwd", FactKind::WorkingDirectory),
    ("git_remote", FactKind::GitRemote),
    ("git_branch", FactKind::GitBranch),
    ("git_commit", FactKind::GitCommit),
    ("git_author_name", FactKind::GitAuthor),
    ("git_author_email", FactKind::Email),
    ("hostname", FactKind::Hostname),
];

/// Values too common to be checked wherever they appear (`main` is a branch and a word).
const GENERIC: &[&str] = &["main", "master", "UTC"];

fn load(path: &Path) -> Request {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let headers = v["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_ascii_lowercase(),
                h[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let body = match &v["body"] {
        Value::String(s) => s.clone().into_bytes(),
        Value::Null => Vec::new(),
        other => serde_json::to_vec(other).unwrap(),
    };
    Request {
        method: v["method"].as_str().unwrap_or("").to_owned(),
        path: v["path"].as_str().unwrap_or("").to_owned(),
        headers,
        body,
    }
}

/// Every header value and decoded body string, by field.
fn fields(req: &Request) -> Vec<(Field, String)> {
    let mut out: Vec<(Field, String)> = req
        .headers
        .iter()
        .map(|(n, v)| (Field::Header(n.clone()), v.clone()))
        .collect();
    let mut decoded = Vec::new();
    let _ = weir_detect::json::strings(&req.body, |path, raw| {
        weir_detect::json::decode(&req.body[raw], &mut decoded, None);
        out.push((
            Field::Body(weir_detect::json::render(&req.body, path)),
            String::from_utf8_lossy(&decoded).into_owned(),
        ));
    });
    out
}

/// Where `needle` occurs in `hay` as a whole word (not inside a longer name).
fn occurrences(hay: &str, needle: &str) -> Vec<usize> {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    hay.match_indices(needle)
        .map(|(i, _)| i)
        .filter(|&i| {
            !word(hay[..i].chars().next_back()) && !word(hay[i + needle.len()..].chars().next())
        })
        .collect()
}

#[test]
#[ignore]
fn captured_requests_are_identified_and_their_environment_reported() {
    let root = std::env::var("WEIR_CAPTURES").unwrap_or_else(|_| "/work/captures".into());
    let Ok(dirs) = std::fs::read_dir(&root) else {
        eprintln!("no captures at {root}");
        return;
    };
    let mut dirs: Vec<_> = dirs
        .flatten()
        .map(|d| d.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut failures = Vec::new();
    for dir in dirs {
        let Ok(env) = std::fs::read(dir.join("env.json")) else {
            continue;
        };
        let env: Value = serde_json::from_slice(&env).unwrap();
        let run = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(char::is_numeric))
            })
            .collect();
        files.sort();
        // kind -> field -> values, for the summary.
        let mut disclosed: BTreeMap<&str, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let req = load(&file);
            let id = identify(&req);
            println!(
                "{run}/{name}: {} {} session {:?}",
                id.tool,
                id.version.as_deref().unwrap_or("-"),
                id.session
            );
            for s in &id.signals {
                println!("    signal: {s}");
            }
            if Some(id.tool.as_str()) != env["tool"].as_str() {
                failures.push(format!("{run}/{name}: identified as {}", id.tool));
            }
            if id.version.as_deref() != env["version"].as_str() {
                failures.push(format!("{run}/{name}: version {:?}", id.version));
            }
            let found: Vec<Disclosure> = scan_request(&req);
            for d in &found {
                disclosed
                    .entry(d.fact.kind.as_str())
                    .or_default()
                    .entry(d.field.to_string())
                    .or_default()
                    .push(d.fact.value.clone());
            }
            for (field, text) in fields(&req) {
                let here: Vec<&Disclosure> = found.iter().filter(|d| d.field == field).collect();
                // Normalised, the text keeps no home directory, no time zone, no author.
                let facts: Vec<_> = here.iter().map(|d| d.fact.clone()).collect();
                let normal = rewrite(&text, &facts, &|k, _| format!("<{k}>"));
                for key in ["home", "tz", "git_author_name", "git_author_email"] {
                    if let Some(v) = env[key].as_str().filter(|v| !GENERIC.contains(v)) {
                        if !occurrences(&normal, v).is_empty() {
                            failures.push(format!(
                                "{run}/{name}: {key} left in {field} after normalising"
                            ));
                        }
                    }
                }
                for &(key, kind) in KINDS {
                    let Some(value) = env[key].as_str() else {
                        continue;
                    };
                    // A commit shows as its full hash or an abbreviation of it.
                    let shown: Vec<String> = if kind == FactKind::GitCommit {
                        (7..=value.len())
                            .rev()
                            .map(|n| value[..n].to_owned())
                            .collect()
                    } else {
                        vec![value.to_owned()]
                    };
                    for v in shown {
                        let at = occurrences(&text, &v);
                        if at.is_empty() || GENERIC.contains(&v.as_str()) {
                            continue;
                        }
                        // Reported where it stands, or (each time) inside a larger fact.
                        let exact = here
                            .iter()
                            .any(|d| d.fact.kind == kind && d.fact.value == v);
                        let inside = at.iter().all(|&a| {
                            here.iter().any(|d| {
                                d.fact.span.start <= a
                                    && a + v.len() <= d.fact.span.end
                                    && d.fact.value != v
                            })
                        });
                        if !exact && !inside {
                            failures.push(format!(
                                "{run}/{name}: {key} {v:?} in {field} (byte {}) not reported as {kind}",
                                at[0]
                            ));
                        }
                    }
                }
            }
        }
        println!("  disclosed by {run}:");
        for (kind, by_field) in &disclosed {
            for (field, values) in by_field {
                let mut values = values.clone();
                values.sort();
                values.dedup();
                let shown: Vec<String> = values
                    .iter()
                    .map(|v| v.chars().take(70).collect())
                    .collect();
                println!("    {kind:<18} {field}: {}", shown.join(" | "));
            }
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{} failures", failures.len());
}
