//! What [`crate::decide`] returns: the verdict, what it means for routing and data, and an
//! explanation listing every rule that applied.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::DataAction;
use crate::date::Date;
use crate::policy::{Mode, RuleKind};

/// The outcome of deciding one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The policy file the rules come from (rules are cited as `policy:line`).
    pub policy: Arc<str>,
    /// SHA-256 of the policy text, in hex.
    pub digest: Arc<str>,
    /// The day the decision was made for.
    pub date: Date,
    /// Enforce, or observe (decided and recorded, not acted on).
    pub mode: Mode,
    /// Why the request is refused; `None` when it may go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// The project the request belongs to: the matched project, or the name the client gave.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<Arc<str>>,
    /// The project's class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<Arc<str>>,
    /// Teams the user belongs to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<Arc<str>>,
    /// The model the client asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The route the request goes to: the one its model selected, or the one a data action
    /// rerouted it to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Whether a data action changed the route.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rerouted: bool,
    /// Every target of `route`, in the route's order, each allowed or denied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetVerdict>,
    /// The action for each finding category present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<DataVerdict>,
    /// Every rule that applied, in the order they were considered.
    pub rules: Vec<Applied>,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// What refused it.
    pub kind: RefusalKind,
    /// The deciding rule's id.
    pub rule: Arc<str>,
    /// Its line; `None` for built-in defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// One line for a person in a terminal, starting with `weir: policy`.
    pub message: String,
}

/// What refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefusalKind {
    /// The tool (or its version) is denied.
    Tool,
    /// A finding's action is `block`.
    Data,
    /// A data action reroutes to a route that is not available.
    Route,
    /// Every target of the route is denied.
    Targets,
}

/// One target of the route, allowed or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetVerdict {
    /// The vendor.
    pub vendor: String,
    /// Its jurisdiction.
    pub jurisdiction: String,
    /// The model asked of it.
    pub model: String,
    /// Whether the request may go there.
    pub allowed: bool,
    /// The rule that decided (a denying class limit when there is one, otherwise the
    /// vendor/jurisdiction rule or default).
    pub rule: Arc<str>,
    /// Its line; `None` for built-in defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// The action for one finding category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataVerdict {
    /// The category.
    pub category: String,
    /// What to do; `None` when the policy says nothing about the category (the gateway's own
    /// detection settings apply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<DataAction>,
    /// The rule that decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Arc<str>>,
    /// Its line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// A rule that applied to the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The rule's id.
    pub rule: Arc<str>,
    /// What kind of rule.
    pub kind: RuleKind,
    /// Its line; `None` for built-in defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// What it was applied to: `tool claude-code 2.0.14`, `target 1 deepseek (CN)`, `secret`.
    pub subject: Arc<str>,
    /// What it says.
    pub effect: Effect,
    /// Whether it decided.
    pub status: Status,
    /// The reason written in the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Arc<str>>,
}

/// What a rule says about its subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Permitted (`allow`).
    Allow,
    /// Forbidden (`deny`).
    Deny,
    /// The request belongs to this class (`class:NAME`).
    Class(Arc<str>),
    /// The user belongs to the team (`member`).
    Member,
    /// The policy is in observe mode (`observe`).
    Observe,
    /// A data action (`redact`, `reroute:local`, ...).
    Data(DataAction),
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Allow => f.write_str("allow"),
            Effect::Deny => f.write_str("deny"),
            Effect::Class(c) => write!(f, "class:{c}"),
            Effect::Member => f.write_str("member"),
            Effect::Observe => f.write_str("observe"),
            Effect::Data(a) => write!(f, "{a}"),
        }
    }
}

impl FromStr for Effect {
    type Err = String;

    fn from_str(s: &str) -> Result<Effect, String> {
        Ok(match s {
            "allow" => Effect::Allow,
            "deny" => Effect::Deny,
            "member" => Effect::Member,
            "observe" => Effect::Observe,
            _ => match s.strip_prefix("class:") {
                Some(c) => Effect::Class(c.into()),
                None => Effect::Data(s.parse().map_err(|_| format!("unknown effect \"{s}\""))?),
            },
        })
    }
}

impl Serialize for Effect {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Effect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Effect, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether an applied rule decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// It decided its subject.
    Decided,
    /// It matched, but a rule of higher precedence decided.
    Overridden,
    /// It would match, but the date is outside its `from`/`until`.
    NotInEffect,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Decided => "decided",
            Status::Overridden => "overridden",
            Status::NotInEffect => "not in effect",
        }
    }
}

/// One policy record for the ledger: the deciding rule, its effect, and why, as plain strings
/// (the ledger's `Decision {rule, effect, reason}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The rule's id and where it is written: `tool.claude-code (policy.toml:5)`.
    pub rule: String,
    /// `enforce`/`observe` (the first record), `allow`, `deny`, `class:NAME`, `member`, a data
    /// action, or `refuse` (the last record of a refused request).
    pub effect: String,
    /// The subject and the rule's reason.
    pub reason: String,
}

impl Decision {
    /// Whether the policy refuses the request (whether or not the refusal is enforced).
    pub fn is_refused(&self) -> bool {
        self.refusal.is_some()
    }

    /// Whether the gateway acts on this decision (enforce mode). In observe mode the request
    /// goes as if there were no policy, and the decision is only recorded.
    pub fn is_enforced(&self) -> bool {
        self.mode == Mode::Enforce
    }

    /// The refusal the gateway must act on: the refusal, in enforce mode only.
    pub fn enforced_refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref().filter(|_| self.is_enforced())
    }

    /// Indices (into the route's targets) of the targets the request may go to, in order.
    pub fn allowed_targets(&self) -> impl Iterator<Item = usize> + '_ {
        self.targets
            .iter()
            .enumerate()
            .filter(|(_, t)| t.allowed)
            .map(|(i, _)| i)
    }

    /// The action for `category`, if the category is present and the policy names one.
    pub fn action(&self, category: &str) -> Option<&DataAction> {
        self.data
            .iter()
            .find(|d| d.category == category)
            .and_then(|d| d.action.as_ref())
    }

    /// `policy:line`, or `built-in` for a rule without a line.
    pub fn cite(&self, line: Option<usize>) -> String {
        match line {
            Some(l) => format!("{}:{l}", self.policy),
            None => "built-in".to_owned(),
        }
    }

    /// The records the ledger keeps, in order:
    ///
    /// 1. `policy (ORIGIN sha256:DIGEST)`, effect `enforce` or `observe`, reason `decided for
    ///    DATE`: which version of the file decided, in which mode, for which day;
    /// 2. every rule that decided something (`allow`, `deny`, `class:NAME`, `member`, a data
    ///    action), subject and reason in the reason;
    /// 3. when the policy refuses the request (enforced or, in observe mode, not), the deciding
    ///    rule again with effect `refuse` and the refusal message as the reason.
    pub fn ledger_entries(&self) -> Vec<LedgerEntry> {
        let mut out = Vec::with_capacity(self.rules.len() + 2);
        out.push(LedgerEntry {
            rule: format!(
                "policy ({} sha256:{})",
                self.policy,
                &self.digest[..self.digest.len().min(12)]
            ),
            effect: self.mode.as_str().to_owned(),
            reason: format!("decided for {}", self.date),
        });
        out.extend(
            self.rules
                .iter()
                .filter(|a| a.status == Status::Decided && a.effect != Effect::Observe)
                .map(|a| LedgerEntry {
                    rule: format!("{} ({})", a.rule, self.cite(a.line)),
                    effect: a.effect.to_string(),
                    reason: match &a.reason {
                        Some(r) => format!("{}: {r}", a.subject),
                        None => a.subject.to_string(),
                    },
                }),
        );
        if let Some(r) = &self.refusal {
            out.push(LedgerEntry {
                rule: format!("{} ({})", r.rule, self.cite(r.line)),
                effect: "refuse".to_owned(),
                reason: r.message.clone(),
            });
        }
        out
    }
}

/// The explanation a person reads (`weir policy explain`).
impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.is_refused() {
            "refused"
        } else {
            "allowed"
        };
        let mode = match self.mode {
            Mode::Enforce => "",
            Mode::Observe => " (observe mode: not enforced)",
        };
        writeln!(f, "{verdict} on {}{mode}", self.date)?;
        if let Some(r) = &self.refusal {
            writeln!(f, "  {}", r.message)?;
        }
        match (&self.project, &self.class) {
            (Some(p), Some(c)) => writeln!(f, "project: {p} ({c})")?,
            (Some(p), None) => writeln!(f, "project: {p}")?,
            (None, Some(c)) => writeln!(f, "class: {c}")?,
            (None, None) => {}
        }
        if !self.teams.is_empty() {
            writeln!(f, "teams: {}", self.teams.join(", "))?;
        }
        if let Some(model) = &self.model {
            writeln!(f, "model: {model}")?;
        }
        if let Some(route) = &self.route {
            let how = if self.rerouted { " (rerouted)" } else { "" };
            writeln!(f, "route: {route}{how}")?;
            for (i, t) in self.targets.iter().enumerate() {
                writeln!(
                    f,
                    "  {}. {} ({}) {}: {} by {} ({})",
                    i + 1,
                    t.vendor,
                    t.jurisdiction,
                    t.model,
                    if t.allowed { "allowed" } else { "denied" },
                    t.rule,
                    self.cite(t.line)
                )?;
            }
        }
        if !self.data.is_empty() {
            writeln!(f, "data:")?;
            for d in &self.data {
                match (&d.action, &d.rule) {
                    (Some(a), Some(rule)) => {
                        writeln!(f, "  {}: {a} by {rule} ({})", d.category, self.cite(d.line))?
                    }
                    _ => writeln!(f, "  {}: no policy action", d.category)?,
                }
            }
        }
        writeln!(f, "rules:")?;
        for a in &self.rules {
            write!(
                f,
                "  {:<13} {:<16} {} ({}): {}",
                a.status.as_str(),
                a.effect.to_string(),
                a.rule,
                self.cite(a.line),
                a.subject
            )?;
            if let Some(r) = &a.reason {
                write!(f, ": {r}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
