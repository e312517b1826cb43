//! Every built-in rule against its own examples: each example must be found by that rule, each
//! negative example must not be, and each example turned into a placeholder must not be. A rule
//! without examples or negatives fails here.

use weir_detect::{Category, Detector, Finding, builtin};

fn detector() -> Detector {
    builtin::detector(Vec::new()).expect("built-in rules compile")
}

fn of_rule(d: &Detector, rule: usize, text: &str) -> Vec<Finding> {
    d.scan(text.as_bytes())
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}

/// The example with its reported part made into an obvious placeholder of the same length.
fn placeholder(text: &str, f: &Finding) -> String {
    let part = &text[f.start..f.end];
    let keep = part.len().saturating_sub(7);
    let mut fake = String::from(&part[..keep]);
    fake.push_str(&"EXAMPLE"[..part.len() - keep]);
    format!("{}{}{}", &text[..f.start], fake, &text[f.end..])
}

#[test]
fn every_rule_finds_its_examples_and_not_its_negatives() {
    let d = detector();
    let mut failures = Vec::new();
    for (i, rule) in d.rules().iter().enumerate() {
        let id = rule.id();
        if rule.spec.examples.is_empty() {
            failures.push(format!("{id}: no examples"));
        }
        if rule.spec.negatives.is_empty() {
            failures.push(format!("{id}: no negative examples"));
        }
        for ex in &rule.spec.examples {
            let found = of_rule(&d, i, ex);
            let Some(f) = found.first() else {
                let others: Vec<&str> = d
                    .scan(ex.as_bytes())
                    .iter()
                    .map(|f| d.rules()[f.rule].id())
                    .collect();
                failures.push(format!("{id}: example not found (found instead: {others:?}): {ex:?}"));
                continue;
            };
            let fake = placeholder(ex, f);
            if of_rule(&d, i, &fake).iter().any(|g| g.start < f.end && f.start < g.end) {
                failures.push(format!("{id}: placeholder still found: {fake:?}"));
            }
        }
        for neg in &rule.spec.negatives {
            if !of_rule(&d, i, neg).is_empty() {
                failures.push(format!("{id}: negative example found: {neg:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn rule_ids_are_kebab_case_and_names_are_set() {
    for r in detector().rules() {
        let id = r.id();
        assert!(
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{id}"
        );
        assert!(!r.name().is_empty(), "{id}");
    }
}

#[test]
fn at_least_two_hundred_credential_types() {
    let n = detector()
        .rules()
        .iter()
        .filter(|r| {
            matches!(
                r.category(),
                Category::Secret | Category::PrivateKey | Category::Password
            )
        })
        .count();
    assert!(n >= 200, "only {n} credential rules");
}
