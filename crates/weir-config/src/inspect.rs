//! The `[inspect]` table: what weir does about the environment facts and hidden markers it
//! finds in a request. Everything is reported (shown by `weir inspect`, recorded in the ledger);
//! per kind, weir can also strip or normalise it before the request leaves.
//!
//! ```toml
//! [inspect]
//! [inspect.actions]          # per kind: report | strip | normalize
//! tag = "strip"              # Unicode tag characters removed
//! invisible = "strip"
//! confusable = "normalize"   # look-alikes rewritten to their plain form
//! time-zone = "normalize"    # to UTC
//! home-directory = "normalize"
//! user-name = "normalize"    # a stable per-install pseudonym
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;
use weir_detect::inspect::{Kind, Treatment};

use crate::load::Ctx;

/// The `[inspect]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectSettings {
    /// Whether requests are inspected at all.
    pub enabled: bool,
    /// The treatment per kind; kinds not listed are reported.
    pub actions: BTreeMap<Kind, Treatment>,
}

impl Default for InspectSettings {
    fn default() -> Self {
        InspectSettings {
            enabled: true,
            actions: BTreeMap::new(),
        }
    }
}

impl InspectSettings {
    /// The treatment of findings of `kind`.
    pub fn treatment(&self, kind: Kind) -> Treatment {
        self.actions.get(&kind).copied().unwrap_or_default()
    }

    /// Whether any kind is rewritten (so that a request must be rewritten, not only read).
    pub fn rewrites(&self) -> bool {
        self.actions.values().any(|t| *t != Treatment::Report)
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInspect {
    enabled: Option<bool>,
    actions: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

pub(crate) fn settings(cx: &mut Ctx<'_>, raw: Option<&RawInspect>) -> InspectSettings {
    let mut s = InspectSettings::default();
    let Some(raw) = raw else { return s };
    s.enabled = raw.enabled.unwrap_or(true);
    for (k, v) in raw.actions.iter().flatten() {
        let name = k.get_ref().trim();
        let Some(kind) = Kind::parse(name) else {
            let names: Vec<&str> = Kind::all().map(Kind::as_str).collect();
            cx.error(
                k.span(),
                format!(
                    "inspect.actions: unknown kind `{name}`; kinds are {}",
                    names.join(", ")
                ),
            );
            continue;
        };
        let Some(t) = Treatment::parse(v.get_ref().trim()) else {
            cx.error(
                v.span(),
                format!("inspect.actions.{name} must be \"report\", \"strip\" or \"normalize\""),
            );
            continue;
        };
        if t == Treatment::Strip && matches!(kind, Kind::Fact(_)) {
            cx.error(
                v.span(),
                format!(
                    "inspect.actions.{name}: \"strip\" removes hidden characters and applies to \
                     markers; for `{name}` use \"normalize\" or \"report\""
                ),
            );
            continue;
        }
        s.actions.insert(kind, t);
    }
    s
}
