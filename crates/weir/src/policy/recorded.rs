//! The policy records the ledger keeps for an exchange, read back.
//!
//! The gateway writes [`weir_policy::Decision::ledger_entries`] into `Finish.decisions`: first
//! `policy (ORIGIN sha256:DIGEST)` with effect `enforce` or `observe` and reason `decided for
//! DATE`, then every rule that decided, then (when the policy refused the request, enforced or
//! not) the deciding rule again with effect `refuse`.

use weir_ledger::Decision;
use weir_policy::Mode;

/// An exchange's policy records, taken apart.
#[derive(Debug, Clone, Copy)]
pub struct Recorded<'a> {
    /// The mode the decision was made in; `None` when the first record is not a policy record.
    pub mode: Option<Mode>,
    /// `ORIGIN sha256:DIGEST`: which policy decided.
    pub policy: Option<&'a str>,
    /// The day it was decided for.
    pub date: Option<&'a str>,
    /// The records of the rules that decided.
    pub rules: &'a [Decision],
    /// The `refuse` record, when the policy refused the request.
    pub refusal: Option<&'a Decision>,
}

impl<'a> Recorded<'a> {
    /// The records of `decisions` (an exchange's `Finish.decisions`); `None` when there are
    /// none (no policy was in force).
    pub fn of(decisions: &'a [Decision]) -> Option<Recorded<'a>> {
        let (first, mut rest) = decisions.split_first()?;
        let head = first
            .rule
            .strip_prefix("policy (")
            .and_then(|r| r.strip_suffix(')'));
        let mode = match first.effect.as_str() {
            "enforce" => Some(Mode::Enforce),
            "observe" => Some(Mode::Observe),
            _ => None,
        };
        let (mode, policy, date) = match (head, mode) {
            (Some(head), Some(mode)) => (
                Some(mode),
                Some(head),
                first.reason.strip_prefix("decided for "),
            ),
            // Not the policy's first record: every record is a rule.
            _ => {
                rest = decisions;
                (None, None, None)
            }
        };
        let refusal = rest.last().filter(|d| d.effect == "refuse");
        if refusal.is_some() {
            rest = &rest[..rest.len() - 1];
        }
        Some(Recorded {
            mode,
            policy,
            date,
            rules: rest,
            refusal,
        })
    }

    /// The policy's digest as recorded (the first 12 hex digits).
    pub fn digest(&self) -> Option<&'a str> {
        self.policy
            .and_then(|p| p.rsplit_once(" sha256:"))
            .map(|(_, d)| d)
    }

    /// The data rule that rerouted the request (or would have, in observe mode). A refused
    /// request was not rerouted, whatever its rules said.
    pub fn reroute(&self) -> Option<&'a Decision> {
        if self.refusal.is_some() {
            return None;
        }
        self.rules.iter().find(|d| d.effect.starts_with("reroute:"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(rule: &str, effect: &str, reason: &str) -> Decision {
        Decision {
            rule: rule.into(),
            effect: effect.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn reads_the_records_a_refused_decision_leaves() {
        let records = [
            d(
                "policy (policy.toml sha256:0123456789ab)",
                "observe",
                "decided for 2026-07-10",
            ),
            d(
                "tool.claude-code (policy.toml:5)",
                "deny",
                "tool claude-code 2.1.3: banned",
            ),
            d(
                "tool.claude-code (policy.toml:5)",
                "refuse",
                "weir: policy denies claude-code",
            ),
        ];
        let r = Recorded::of(&records).expect("records");
        assert_eq!(r.mode, Some(Mode::Observe));
        assert_eq!(r.policy, Some("policy.toml sha256:0123456789ab"));
        assert_eq!(r.digest(), Some("0123456789ab"));
        assert_eq!(r.date, Some("2026-07-10"));
        assert_eq!(r.rules.len(), 1);
        assert_eq!(
            r.refusal.map(|d| d.rule.as_str()),
            Some("tool.claude-code (policy.toml:5)")
        );
        assert!(Recorded::of(&[]).is_none(), "no records, no policy");
    }

    #[test]
    fn a_reroute_counts_only_when_not_refused() {
        let mut records = vec![
            d(
                "policy (policy.toml sha256:0123456789ab)",
                "enforce",
                "decided for 2026-07-10",
            ),
            d("data.secret (policy.toml:9)", "reroute:local", "secret"),
        ];
        let r = Recorded::of(&records).expect("records");
        assert_eq!(
            r.reroute().map(|d| d.rule.as_str()),
            Some("data.secret (policy.toml:9)")
        );
        records.push(d("data.secret (policy.toml:9)", "refuse", "not available"));
        assert!(Recorded::of(&records).expect("records").reroute().is_none());
    }

    #[test]
    fn records_without_the_policy_header_are_all_rules() {
        let records = [d("vendor.x (p:1)", "deny", "target 1 x (CN) m")];
        let r = Recorded::of(&records).expect("records");
        assert_eq!(r.mode, None);
        assert_eq!(r.rules.len(), 1);
    }
}
