//! The rules that ship with weir, compiled into the binary from `rules/*.toml`.
//!
//! Every rule was written for weir from the issuing vendor's published key format; each
//! carries examples and negative examples that `tests/rules.rs` runs.

use crate::engine::Detector;
use crate::rule::{self, RuleError, RuleSpec};

/// The rules files, by name.
pub const FILES: &[(&str, &str)] = &[
    ("ai.toml", include_str!("../rules/ai.toml")),
    ("cloud.toml", include_str!("../rules/cloud.toml")),
    ("code.toml", include_str!("../rules/code.toml")),
    ("comms.toml", include_str!("../rules/comms.toml")),
    ("saas.toml", include_str!("../rules/saas.toml")),
    ("infra.toml", include_str!("../rules/infra.toml")),
    ("payment.toml", include_str!("../rules/payment.toml")),
    ("keys.toml", include_str!("../rules/keys.toml")),
    ("generic.toml", include_str!("../rules/generic.toml")),
    ("personal.toml", include_str!("../rules/personal.toml")),
];

/// Every built-in rule, in file order.
pub fn specs() -> Result<Vec<RuleSpec>, RuleError> {
    let mut all = Vec::new();
    for (file, text) in FILES {
        all.extend(rule::parse_file(file, text)?);
    }
    Ok(all)
}

/// A detector with every built-in rule plus `extra` (an organisation's own).
pub fn detector(extra: Vec<RuleSpec>) -> Result<Detector, RuleError> {
    let mut all = specs()?;
    all.extend(extra);
    Detector::new(all)
}
