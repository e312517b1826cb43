//! Finding categories and what the policy does about each.
//!
//! A category is a plain string, the same one the detectors write into findings. Three kinds of
//! detector report them, and each kind admits the actions that make sense for it:
//!
//! | kind | categories | actions |
//! |---|---|---|
//! | content (DLP) | `secret`, `private-key`, `password`, `email`, `phone`, `national-id`, `payment-card`, `iban`, `organisation`, `path` | `allow`, `report`, `redact`, `block`, `reroute:<route>` |
//! | environment facts | `time-zone`, `locale`, `os`, `shell`, `hostname`, `user-name`, `working-directory`, `git-remote`, `git-branch`, `git-commit`, `git-author`, `install-id`, `device-id`, `account-id`, `ip-address`, `proxy`, `cloud-metadata` | also `strip`, `normalize` |
//! | hidden markers | `invisible`, `tag`, `bidi`, `variation-selector`, `unusual-space`, `confusable`, `boilerplate` | `allow`, `report`, `strip`, `normalize`, `block`, `reroute:<route>` |

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which detector reports a category, and so which actions apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Secrets and personal data in the content (the DLP detector).
    Content,
    /// What a request discloses about the machine and the person.
    Environment,
    /// Characters and variations a reader would not see.
    Marker,
}

/// Every category a policy may name, with its kind. A policy naming another category is
/// rejected, so that a typo cannot silently leave a category without its action.
pub const CATEGORIES: &[(&str, FindingKind)] = &[
    ("secret", FindingKind::Content),
    ("private-key", FindingKind::Content),
    ("password", FindingKind::Content),
    ("email", FindingKind::Content),
    ("phone", FindingKind::Content),
    ("national-id", FindingKind::Content),
    ("payment-card", FindingKind::Content),
    ("iban", FindingKind::Content),
    ("organisation", FindingKind::Content),
    ("path", FindingKind::Content),
    ("time-zone", FindingKind::Environment),
    ("utc-offset", FindingKind::Environment),
    ("locale", FindingKind::Environment),
    ("date-format", FindingKind::Environment),
    ("os", FindingKind::Environment),
    ("os-version", FindingKind::Environment),
    ("arch", FindingKind::Environment),
    ("runtime", FindingKind::Environment),
    ("shell", FindingKind::Environment),
    ("hostname", FindingKind::Environment),
    ("user-name", FindingKind::Environment),
    ("home-directory", FindingKind::Environment),
    ("working-directory", FindingKind::Environment),
    ("git-remote", FindingKind::Environment),
    ("git-branch", FindingKind::Environment),
    ("git-commit", FindingKind::Environment),
    ("git-author", FindingKind::Environment),
    ("install-id", FindingKind::Environment),
    ("device-id", FindingKind::Environment),
    ("account-id", FindingKind::Environment),
    ("session-id", FindingKind::Environment),
    ("ip-address", FindingKind::Environment),
    ("proxy", FindingKind::Environment),
    ("cloud-metadata", FindingKind::Environment),
    ("invisible", FindingKind::Marker),
    ("tag", FindingKind::Marker),
    ("bidi", FindingKind::Marker),
    ("variation-selector", FindingKind::Marker),
    ("unusual-space", FindingKind::Marker),
    ("confusable", FindingKind::Marker),
    ("boilerplate", FindingKind::Marker),
];

/// The kind of a category, if the policy knows it.
pub fn kind_of(category: &str) -> Option<FindingKind> {
    CATEGORIES
        .iter()
        .find(|(name, _)| *name == category)
        .map(|(_, k)| *k)
}

/// What happens to a request that carries a finding of some category.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DataAction {
    /// The request goes as it is; the finding is recorded.
    Allow,
    /// The request goes as it is; the finding is recorded and shown to the user.
    Report,
    /// The finding is replaced by a placeholder before the request leaves, and restored in the
    /// answer.
    Redact,
    /// The finding is removed (invisible characters, markers, disclosed facts).
    Strip,
    /// The finding is rewritten to a plain form (confusables to ASCII, dates to ISO, time zone
    /// to UTC, home paths to `~`, ids to a pseudonym).
    Normalize,
    /// The request is refused.
    Block,
    /// The request goes to the named route instead of the one its model selects.
    Reroute(String),
}

impl DataAction {
    /// Whether the action applies to findings of `kind`.
    pub fn fits(&self, kind: FindingKind) -> bool {
        match self {
            DataAction::Allow | DataAction::Report | DataAction::Block | DataAction::Reroute(_) => {
                true
            }
            DataAction::Redact => kind != FindingKind::Marker,
            DataAction::Strip | DataAction::Normalize => kind != FindingKind::Content,
        }
    }

    /// The route a `reroute` action names.
    pub fn route(&self) -> Option<&str> {
        match self {
            DataAction::Reroute(r) => Some(r),
            _ => None,
        }
    }
}

/// Why a text is not an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown action \"{0}\"; actions are allow, report, redact, strip, normalize, block and reroute:<route>"
)]
pub struct ActionError(String);

impl FromStr for DataAction {
    type Err = ActionError;

    fn from_str(s: &str) -> Result<DataAction, ActionError> {
        Ok(match s.trim() {
            "allow" => DataAction::Allow,
            "report" => DataAction::Report,
            "redact" => DataAction::Redact,
            "strip" => DataAction::Strip,
            "normalize" => DataAction::Normalize,
            "block" => DataAction::Block,
            other => match other.strip_prefix("reroute:").map(str::trim) {
                Some(route) if !route.is_empty() => DataAction::Reroute(route.to_owned()),
                _ => return Err(ActionError(other.to_owned())),
            },
        })
    }
}

impl fmt::Display for DataAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataAction::Allow => f.write_str("allow"),
            DataAction::Report => f.write_str("report"),
            DataAction::Redact => f.write_str("redact"),
            DataAction::Strip => f.write_str("strip"),
            DataAction::Normalize => f.write_str("normalize"),
            DataAction::Block => f.write_str("block"),
            DataAction::Reroute(r) => write!(f, "reroute:{r}"),
        }
    }
}

impl Serialize for DataAction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DataAction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DataAction, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_text() {
        for text in [
            "allow",
            "report",
            "redact",
            "strip",
            "normalize",
            "block",
            "reroute:local",
        ] {
            let a: DataAction = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        assert_eq!(
            "reroute: local".parse::<DataAction>(),
            Ok(DataAction::Reroute("local".into()))
        );
        assert!("reroute:".parse::<DataAction>().is_err());
        assert!("reroute".parse::<DataAction>().is_err());
        assert!("deny".parse::<DataAction>().is_err());
    }

    #[test]
    fn actions_fit_their_kinds() {
        assert!(DataAction::Redact.fits(FindingKind::Content));
        assert!(!DataAction::Redact.fits(FindingKind::Marker));
        assert!(!DataAction::Normalize.fits(FindingKind::Content));
        assert!(DataAction::Normalize.fits(FindingKind::Marker));
        assert!(DataAction::Strip.fits(FindingKind::Environment));
        assert!(DataAction::Reroute("x".into()).fits(FindingKind::Marker));
    }

    #[test]
    fn every_category_is_listed_once() {
        for (i, (name, _)) in CATEGORIES.iter().enumerate() {
            assert!(!CATEGORIES[..i].iter().any(|(n, _)| n == name), "{name}");
            assert_eq!(kind_of(name), Some(CATEGORIES[i].1));
        }
        assert_eq!(kind_of("secrets"), None);
    }
}
