//! The `[dlp]` table: what weir does with secrets and personal data found in a request, the
//! organisation's own rules, and the files whose content must not leave.
//!
//! A minimal policy until the policy engine lands: one action per category, overrides per
//! rule, and a route for the "reroute" action.
//!
//! ```toml
//! [dlp]
//! reroute = "local"                    # the route "reroute" sends requests to
//! vault_ttl = "2h"                     # how long placeholders stay restorable
//! paths = [".env", "*.pem"]            # replaces the default list
//!
//! [dlp.actions]                        # per category: redact | block | reroute | allow
//! secret = "redact"
//! email = "allow"
//!
//! [dlp.rules]                          # per rule id: an action, or "off"
//! generic-password-assignment = "off"
//!
//! [[dlp.custom]]                       # the organisation's own rules
//! id = "falcon"
//! name = "Project Falcon code name"
//! terms = ["falcon-core", "Project Falcon"]
//!
//! [[dlp.custom]]
//! id = "internal-host"
//! name = "Internal host name"
//! pattern = '''\b[a-z0-9-]+\.corp\.acme\.io\b'''
//! anchors = [".corp.acme.io"]
//! action = "block"
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use weir_detect::{Category, RuleSpec};

use crate::load::{Ctx, Scalar, duration};

/// What happens to a request that carries a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Recorded in the ledger; the request goes as it is.
    Allow,
    /// Replaced by a placeholder before the request leaves, restored in the answer.
    Redact,
    /// Sent to the `reroute` route instead of the one the model names.
    Reroute,
    /// Refused with an error naming the rule and where (never the value).
    Block,
}

impl Action {
    /// The name used in configuration and the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Redact => "redact",
            Action::Reroute => "reroute",
            Action::Block => "block",
        }
    }

    fn parse(s: &str) -> Option<Action> {
        [
            Action::Allow,
            Action::Redact,
            Action::Reroute,
            Action::Block,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// The files whose content is held back when a request carries it (glob on the file name).
pub const DEFAULT_PATHS: &[&str] = &[
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "credentials.json",
    "credentials",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    ".htpasswd",
    "secrets.yaml",
    "secrets.yml",
];

/// The `[dlp]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DlpSettings {
    /// Whether requests are scanned at all.
    pub enabled: bool,
    /// The action per category.
    pub actions: BTreeMap<Category, Action>,
    /// Per-rule overrides; `None` switches the rule off.
    pub rules: BTreeMap<String, Option<Action>>,
    /// The organisation's own rules (category `organisation`), ready for the detector.
    pub custom: Vec<RuleSpec>,
    /// Action per custom rule id, when the rule sets its own.
    pub custom_actions: BTreeMap<String, Action>,
    /// File-name globs whose content must not leave.
    pub paths: Vec<String>,
    /// The route "reroute" sends requests to.
    pub reroute: Option<String>,
    /// How long a client's placeholders stay restorable after its last request.
    pub vault_ttl: Duration,
}

impl DlpSettings {
    /// The action for a finding of `rule` (of `category`); `None` when the rule is off.
    pub fn action(&self, rule: &str, category: Category) -> Option<Action> {
        if let Some(a) = self.rules.get(rule) {
            return *a;
        }
        if let Some(a) = self.custom_actions.get(rule) {
            return Some(*a);
        }
        Some(
            self.actions
                .get(&category)
                .copied()
                .unwrap_or(Action::Redact),
        )
    }
}

impl Default for DlpSettings {
    fn default() -> Self {
        DlpSettings {
            enabled: true,
            actions: Category::ALL.iter().map(|c| (*c, Action::Redact)).collect(),
            rules: BTreeMap::new(),
            custom: Vec::new(),
            custom_actions: BTreeMap::new(),
            paths: DEFAULT_PATHS.iter().map(|s| s.to_string()).collect(),
            reroute: None,
            vault_ttl: Duration::from_secs(4 * 3600),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDlp {
    enabled: Option<bool>,
    actions: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    rules: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    custom: Option<Vec<Spanned<RawCustom>>>,
    paths: Option<Vec<Spanned<String>>>,
    reroute: Option<Spanned<String>>,
    vault_ttl: Option<Spanned<Scalar>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustom {
    id: Spanned<String>,
    name: Option<String>,
    terms: Option<Vec<String>>,
    pattern: Option<String>,
    anchors: Option<Vec<String>>,
    action: Option<Spanned<String>>,
}

fn action(cx: &mut Ctx<'_>, v: &Spanned<String>, what: &str, off: bool) -> Option<Option<Action>> {
    let s = v.get_ref().trim();
    if off && s == "off" {
        return Some(None);
    }
    match Action::parse(s) {
        Some(a) => Some(Some(a)),
        None => {
            let extra = if off { ", or \"off\"" } else { "" };
            cx.error(
                v.span(),
                format!("{what} must be \"redact\", \"block\", \"reroute\" or \"allow\"{extra}"),
            );
            None
        }
    }
}

/// Builds a case-insensitive whole-word pattern for literal terms.
fn terms_pattern(terms: &[String]) -> String {
    let alts: Vec<String> = terms.iter().map(|t| regex_escape(t.trim())).collect();
    format!(
        r"(?i)(?:^|\b|[^A-Za-z0-9_])(?P<secret>{})(?:\b|[^A-Za-z0-9_]|$)",
        alts.join("|")
    )
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) fn settings(cx: &mut Ctx<'_>, raw: Option<&RawDlp>, routes: &[String]) -> DlpSettings {
    let mut s = DlpSettings::default();
    let Some(raw) = raw else { return s };
    s.enabled = raw.enabled.unwrap_or(true);
    for (k, v) in raw.actions.iter().flatten() {
        let Some(category) = Category::parse(k.get_ref().trim()) else {
            let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
            cx.error(
                k.span(),
                format!(
                    "dlp.actions: unknown category `{}`; categories are {}",
                    k.get_ref(),
                    names.join(", ")
                ),
            );
            continue;
        };
        if let Some(Some(a)) = action(cx, v, &format!("dlp.actions.{category}"), false) {
            s.actions.insert(category, a);
        }
    }
    for (k, v) in raw.rules.iter().flatten() {
        if let Some(a) = action(cx, v, &format!("dlp.rules.{}", k.get_ref()), true) {
            s.rules.insert(k.get_ref().trim().to_owned(), a);
        }
    }
    for c in raw.custom.iter().flatten() {
        let span = c.span();
        let c = c.get_ref();
        let id = c.id.get_ref().trim().to_owned();
        let pattern = match (&c.terms, &c.pattern) {
            (Some(t), None) if !t.is_empty() && t.iter().all(|t| !t.trim().is_empty()) => {
                terms_pattern(t)
            }
            (None, Some(p)) => p.clone(),
            _ => {
                cx.error(span, format!("dlp.custom `{id}`: give either `terms` (a list of words or phrases) or `pattern` (a regex with `anchors`)"));
                continue;
            }
        };
        let anchors = match (&c.terms, &c.anchors) {
            (Some(t), _) => t.iter().map(|t| t.trim().to_owned()).collect(),
            (None, Some(a)) if !a.is_empty() => a.clone(),
            (None, _) => {
                cx.error(span, format!("dlp.custom `{id}`: a `pattern` needs `anchors`: literal text every match contains (weir looks for the anchors first, then runs the pattern around them)"));
                continue;
            }
        };
        if let Some(a) = &c.action {
            if let Some(Some(a)) = action(cx, a, &format!("dlp.custom `{id}` action"), false) {
                s.custom_actions.insert(id.clone(), a);
            }
        }
        let spec = RuleSpec {
            id: id.clone(),
            name: c.name.clone().unwrap_or_else(|| id.clone()),
            category: Category::Organisation,
            pattern,
            anchors,
            digits: None,
            before: 1,
            max_len: 512,
            entropy: None,
            check: None,
            generic: false,
            allow: Vec::new(),
            examples: Vec::new(),
            negatives: Vec::new(),
        };
        // Compile it now, so a broken pattern is a configuration error with a line number.
        if let Err(e) = weir_detect::Detector::new(vec![spec.clone()]) {
            cx.error(c.id.span(), format!("dlp.custom: {e}"));
            continue;
        }
        s.custom.push(spec);
    }
    if let Some(paths) = &raw.paths {
        s.paths = paths
            .iter()
            .map(|p| p.get_ref().trim().to_owned())
            .collect();
    }
    if let Some(r) = &raw.reroute {
        let name = r.get_ref().trim();
        if !routes.iter().any(|n| n == name) {
            cx.error(
                r.span(),
                format!(
                    "dlp.reroute names route `{name}`, but no [[routes]] entry has that name (routes: {})",
                    if routes.is_empty() { "none".to_owned() } else { routes.join(", ") }
                ),
            );
        }
        s.reroute = Some(name.to_owned());
    }
    let uses_reroute = s.actions.values().any(|a| *a == Action::Reroute)
        || s.rules.values().any(|a| *a == Some(Action::Reroute))
        || s.custom_actions.values().any(|a| *a == Action::Reroute);
    if uses_reroute && s.reroute.is_none() {
        if let Some(a) = raw.actions.iter().flatten().next() {
            cx.error(a.0.span(), "an action is \"reroute\" but dlp.reroute names no route: set dlp.reroute = \"ROUTE\" to the [[routes]] name requests go to instead");
        }
    }
    s.vault_ttl = duration(
        cx,
        "dlp.vault_ttl",
        raw.vault_ttl.as_ref(),
        s.vault_ttl,
        false,
    );
    s
}
