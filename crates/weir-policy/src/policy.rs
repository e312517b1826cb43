//! The validated policy: rules as the decision function reads them.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::glob::{PathPattern, Wildcard};
use crate::version::VersionRange;
use crate::{DataAction, PolicyError, PolicyErrors};

/// Whether decisions are enforced or only recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Refusals refuse, reroutes reroute, data actions apply.
    #[default]
    Enforce,
    /// Everything is decided and recorded, nothing is acted on: a dry run of the policy.
    Observe,
}

impl Mode {
    /// The name used in the policy file.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Observe => "observe",
        }
    }
}

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Permitted.
    Allow,
    /// Forbidden.
    Deny,
}

impl Verdict {
    /// The name used in the policy file.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
        }
    }
}

/// What a rule is about; also how rule ids start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// The policy's `mode`.
    Mode,
    /// A `[defaults]` entry, or the built-in default when the file has none.
    Default,
    /// A `[[team]]`: who belongs to it.
    Team,
    /// A `[[project]]`: which requests belong to it, and its class.
    Project,
    /// A `[class.NAME]`: where its requests may go.
    Class,
    /// A `[[tool]]` rule.
    Tool,
    /// A `[[vendor]]` rule.
    Vendor,
    /// A `[[jurisdiction]]` rule.
    Jurisdiction,
    /// A `[data]` or `[class.NAME.data]` entry.
    Data,
}

impl RuleKind {
    /// The name used in rule ids and explanations.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Mode => "mode",
            RuleKind::Default => "defaults",
            RuleKind::Team => "team",
            RuleKind::Project => "project",
            RuleKind::Class => "class",
            RuleKind::Tool => "tool",
            RuleKind::Vendor => "vendor",
            RuleKind::Jurisdiction => "jurisdiction",
            RuleKind::Data => "data",
        }
    }
}

/// A rule's identity: its id, what kind it is, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    /// The rule's `id`, or one derived from its kind and subject (`tool.claude-code`), unique in
    /// the file.
    pub id: Arc<str>,
    /// What the rule is about.
    pub kind: RuleKind,
    /// The line it starts on (its table header or its key); `None` for built-in defaults.
    pub line: Option<usize>,
}

/// The dates and scope every allow/deny rule can carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    /// First day the rule applies (from 00:00 UTC).
    pub from: Option<Date>,
    /// Last day the rule applies (through 24:00 UTC).
    pub until: Option<Date>,
    /// Teams it is limited to (indices into `Policy::teams`); empty: everyone.
    pub teams: Vec<usize>,
    /// Classes it is limited to (indices into `Policy::classes`); empty: every request.
    pub classes: Vec<usize>,
}

impl Scope {
    pub(crate) fn in_effect(&self, today: Date) -> bool {
        self.from.is_none_or(|f| f <= today) && self.until.is_none_or(|u| today <= u)
    }
}

/// A `[[tool]]` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolRule {
    pub rule: RuleRef,
    /// Tool ids it names.
    pub names: Vec<String>,
    pub versions: Option<VersionRange>,
    pub verdict: Verdict,
    pub scope: Scope,
    pub reason: Option<Arc<str>>,
}

/// How a jurisdiction is written in a rule: one code, or a group of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// `US`, `CN`, `local`, ...
    One(String),
    /// A group (`EU`, or one from `[groups]`) and its members.
    Group(String, Vec<String>),
}

/// What a `[[vendor]]` or `[[jurisdiction]]` rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TargetSubject {
    Vendor {
        names: Vec<String>,
        /// Model globs; empty: every model.
        models: Vec<Wildcard>,
    },
    Jurisdiction(Vec<Place>),
}

/// A `[[vendor]]` or `[[jurisdiction]]` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TargetRule {
    pub rule: RuleRef,
    pub subject: TargetSubject,
    pub verdict: Verdict,
    pub scope: Scope,
    pub reason: Option<Arc<str>>,
}

/// A `[data]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DataRule {
    pub rule: RuleRef,
    pub category: String,
    pub action: DataAction,
}

/// A `[class.NAME]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Class {
    pub rule: RuleRef,
    pub name: Arc<str>,
    /// Jurisdictions its requests may go to (groups expanded); `None`: no limit of its own.
    pub jurisdictions: Option<Vec<String>>,
    /// Vendors its requests may go to; `None`: no limit of its own.
    pub vendors: Option<Vec<String>>,
    pub reason: Option<Arc<str>>,
    pub data: Vec<DataRule>,
}

impl Class {
    /// Whether the class limits where requests go at all.
    pub(crate) fn limits_targets(&self) -> bool {
        self.jurisdictions.is_some() || self.vendors.is_some()
    }
}

/// A `[[project]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Project {
    pub rule: RuleRef,
    pub name: Arc<str>,
    pub class: usize,
    pub paths: Vec<PathPattern>,
    pub remotes: Vec<PathPattern>,
}

/// A `[[team]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Team {
    pub rule: RuleRef,
    pub name: Arc<str>,
    /// Identity patterns, lower-cased.
    pub members: Vec<Wildcard>,
}

/// An allow/deny default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DefaultVerdict {
    pub rule: RuleRef,
    pub verdict: Verdict,
    pub reason: Option<Arc<str>>,
}

/// The `[defaults]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Defaults {
    pub tool: DefaultVerdict,
    pub target: DefaultVerdict,
    /// Class of a request no project matches.
    pub class: Option<(RuleRef, usize)>,
    /// Action for a category no data rule names.
    pub data: Option<(RuleRef, DataAction)>,
}

impl Default for Defaults {
    fn default() -> Self {
        let builtin = |what: &str| RuleRef {
            id: format!("defaults.{what}").into(),
            kind: RuleKind::Default,
            line: None,
        };
        Defaults {
            tool: DefaultVerdict {
                rule: builtin("tool"),
                verdict: Verdict::Allow,
                reason: None,
            },
            target: DefaultVerdict {
                rule: builtin("vendor"),
                verdict: Verdict::Allow,
                reason: None,
            },
            class: None,
            data: None,
        }
    }
}

/// A name the file uses that only the configuration can vouch for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub kind: ReferenceKind,
    pub name: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReferenceKind {
    Route,
    Vendor,
}

/// The names a policy may refer to, from the configuration it runs with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    /// Route names (`[[routes]]` of weir.toml): every `reroute:<route>` must name one.
    pub routes: Vec<String>,
    /// Vendor names the configuration knows (its own and the catalogue's). `None`: vendor names
    /// are not checked.
    pub vendors: Option<Vec<String>>,
}

/// A validated policy. Immutable; share it behind an `Arc` and swap the whole value to reload.
///
/// The empty policy ([`Policy::default`]) allows everything and decides no data action.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    pub(crate) origin: Arc<str>,
    pub(crate) digest: Arc<str>,
    pub(crate) mode: Mode,
    pub(crate) mode_rule: Option<RuleRef>,
    pub(crate) defaults: Defaults,
    pub(crate) teams: Vec<Team>,
    /// In the order written: least strict first.
    pub(crate) classes: Vec<Class>,
    pub(crate) projects: Vec<Project>,
    pub(crate) tools: Vec<ToolRule>,
    pub(crate) targets: Vec<TargetRule>,
    pub(crate) data: Vec<DataRule>,
    pub(crate) references: Vec<Reference>,
}

impl Policy {
    /// The file name given when parsing; explanations cite rules as `origin:line`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// SHA-256 of the text the policy was parsed from, in hex: records which version of the
    /// file made a decision.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Enforce or observe.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Class names, least strict first.
    pub fn classes(&self) -> impl Iterator<Item = &str> {
        self.classes.iter().map(|c| &*c.name)
    }

    /// Team names, in file order.
    pub fn teams(&self) -> impl Iterator<Item = &str> {
        self.teams.iter().map(|t| &*t.name)
    }

    /// Every route a data action may reroute to. The gateway passes their targets in
    /// [`crate::Facts::reroutes`] so that one call decides a rerouted request completely.
    pub fn reroute_routes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let all = self
            .data
            .iter()
            .chain(self.classes.iter().flat_map(|c| c.data.iter()))
            .map(|d| &d.action)
            .chain(self.defaults.data.as_ref().map(|(_, a)| a));
        for a in all {
            if let Some(r) = a.route()
                && !out.contains(&r)
            {
                out.push(r);
            }
        }
        out
    }

    /// Every rule written in the file, in file order (for `weir policy check`).
    pub fn rules(&self) -> Vec<&RuleRef> {
        let mut out: Vec<&RuleRef> = Vec::new();
        out.extend(self.mode_rule.iter());
        let d = &self.defaults;
        out.extend(
            [&d.tool.rule, &d.target.rule]
                .into_iter()
                .filter(|r| r.line.is_some()),
        );
        out.extend(d.class.iter().map(|(r, _)| r));
        out.extend(d.data.iter().map(|(r, _)| r));
        out.extend(self.teams.iter().map(|t| &t.rule));
        out.extend(self.classes.iter().map(|c| &c.rule));
        out.extend(
            self.classes
                .iter()
                .flat_map(|c| c.data.iter().map(|d| &d.rule)),
        );
        out.extend(self.projects.iter().map(|p| &p.rule));
        out.extend(self.tools.iter().map(|t| &t.rule));
        out.extend(self.targets.iter().map(|t| &t.rule));
        out.extend(self.data.iter().map(|d| &d.rule));
        out.sort_by_key(|r| r.line);
        out
    }

    /// Checks the names the file shares with the configuration: every `reroute:<route>` names a
    /// route, and (when `refs.vendors` is given) every vendor a rule or class names is known.
    /// Run it after parsing, and again whenever the configuration reloads.
    pub fn check(&self, refs: &References) -> Result<(), PolicyErrors> {
        let mut errors = Vec::new();
        for r in &self.references {
            let message = match r.kind {
                ReferenceKind::Route if !refs.routes.contains(&r.name) => format!(
                    "reroute:{} names no route; routes are {}",
                    r.name,
                    list_or_none(&refs.routes)
                ),
                ReferenceKind::Vendor => match &refs.vendors {
                    Some(vendors) if !vendors.contains(&r.name) => format!(
                        "unknown vendor \"{}\"; vendors are {}",
                        r.name,
                        list_or_none(vendors)
                    ),
                    _ => continue,
                },
                ReferenceKind::Route => continue,
            };
            errors.push(PolicyError {
                origin: self.origin.to_string(),
                line: r.line,
                column: r.column,
                message,
            });
        }
        if errors.is_empty() {
            Ok(())
        } else {
            errors.sort_by_key(|e| (e.line, e.column));
            Err(PolicyErrors(errors))
        }
    }
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}
