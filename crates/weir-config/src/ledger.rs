//! The `[ledger]` table: where the ledger lives, what it keeps, and what happens when it cannot
//! write.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::load::{Ctx, Scalar, duration};
use crate::{Env, SecretSource};

/// Where the ledger is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerStore {
    /// A SQLite file (the default: `ledger.db` in weir's data directory).
    Sqlite(PathBuf),
    /// A PostgreSQL database, shared by replicas.
    Postgres {
        /// The connection URL, or where to read it (it may hold a password).
        url: LedgerUrl,
        /// The schema weir's tables live in.
        schema: String,
    },
}

/// A PostgreSQL connection URL: written in the file, or read from the environment or a file
/// when it holds a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerUrl {
    /// Written in `weir.toml`.
    Inline(String),
    /// Read when weir starts.
    Secret(SecretSource),
}

/// What content the ledger keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// The client's request, what left for each vendor, and the answer.
    Full,
    /// What left for each vendor (after redaction) and the answer; of the client's own request
    /// only its hash.
    Redacted,
    /// Hashes and lengths only: proves what was sent, cannot replay it.
    HashesOnly,
    /// No content and no hashes: the exchange records alone.
    None,
}

/// When an append counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerDurability {
    /// Durable on disk before the request leaves and before the answer's last byte.
    Strict,
    /// Queued; a crash may lose the last entries.
    Relaxed,
}

/// What weir does when the ledger cannot write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnLedgerFailure {
    /// Refuse requests (nothing leaves unrecorded).
    Closed,
    /// Let requests through, unrecorded, and log an error.
    Open,
}

/// The `[ledger]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerSettings {
    /// Whether weir keeps a ledger at all.
    pub enabled: bool,
    /// Where.
    pub store: LedgerStore,
    /// What content it keeps.
    pub retention: Retention,
    /// When an append counts as done.
    pub durability: LedgerDurability,
    /// What happens when it cannot write.
    pub on_failure: OnLedgerFailure,
    /// A signed checkpoint after this many entries...
    pub checkpoint_every: u64,
    /// ...or after this long.
    pub checkpoint_interval: Duration,
    /// Where the latest checkpoint is also written, outside the database.
    pub checkpoint_file: PathBuf,
    /// The Ed25519 key that signs checkpoints (created on first run, mode 0600).
    pub key_file: PathBuf,
    /// This instance's name in the ledger (recovery marks only its own unfinished exchanges).
    pub node: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLedger {
    enabled: Option<bool>,
    path: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    schema: Option<Spanned<String>>,
    retention: Option<Spanned<String>>,
    durability: Option<Spanned<String>>,
    on_ledger_failure: Option<Spanned<String>>,
    checkpoint_every: Option<Spanned<i64>>,
    checkpoint_interval: Option<Spanned<Scalar>>,
    checkpoint_file: Option<Spanned<String>>,
    key_file: Option<Spanned<String>>,
    node: Option<Spanned<String>>,
}

/// weir's data directory: `$XDG_DATA_HOME/weir`, or `~/.local/share/weir`.
pub fn data_dir(env: &dyn Env) -> PathBuf {
    if let Some(d) = env.var("XDG_DATA_HOME") {
        return PathBuf::from(d).join("weir");
    }
    match env.var("HOME") {
        Some(h) => PathBuf::from(h).join(".local/share/weir"),
        None => PathBuf::from(".weir"),
    }
}

fn expand(path: &str, env: &dyn Env) -> PathBuf {
    match (path.strip_prefix("~/"), env.var("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(path),
    }
}

fn choice<T: Copy>(
    cx: &mut Ctx<'_>,
    field: &str,
    value: Option<&Spanned<String>>,
    options: &[(&str, T)],
    default: T,
) -> T {
    let Some(v) = value else { return default };
    match options.iter().find(|(name, _)| *name == v.get_ref().trim()) {
        Some((_, t)) => *t,
        None => {
            let names: Vec<String> = options.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            cx.error(
                v.span(),
                format!("ledger.{field} must be one of {}", names.join(", ")),
            );
            default
        }
    }
}

pub(crate) fn settings(cx: &mut Ctx<'_>, env: &dyn Env, raw: Option<&RawLedger>) -> LedgerSettings {
    let empty = RawLedger::default();
    let raw = raw.unwrap_or(&empty);
    let dir = data_dir(env);
    let path = |v: &Option<Spanned<String>>, default: &str| {
        v.as_ref()
            .map_or_else(|| dir.join(default), |p| expand(p.get_ref().trim(), env))
    };
    let store = match &raw.url {
        Some(url) => {
            if raw.path.is_some() {
                cx.error(url.span(), "ledger.url and ledger.path cannot both be set: the ledger is either a PostgreSQL database (url) or a SQLite file (path)");
            }
            let source = match url.get_ref().trim() {
                u if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                    Some(LedgerUrl::Inline(u.to_owned()))
                }
                u => match SecretSource::parse(u) {
                    Ok(s) => Some(LedgerUrl::Secret(s)),
                    Err(_) => {
                        cx.error(url.span(), "ledger.url must be a PostgreSQL URL (\"postgres://user@host:5432/db\"), or \"env:NAME\" / \"file:PATH\" naming where to read one");
                        None
                    }
                },
            };
            let schema = raw
                .schema
                .as_ref()
                .map_or("weir".to_owned(), |s| s.get_ref().trim().to_owned());
            if !is_identifier(&schema) {
                if let Some(s) = &raw.schema {
                    cx.error(s.span(), "ledger.schema must be a plain lowercase name (letters, digits and _), like \"weir\"");
                }
            }
            source.map_or_else(
                || LedgerStore::Sqlite(dir.join("ledger.db")),
                |url| LedgerStore::Postgres { url, schema },
            )
        }
        None => {
            if let Some(s) = &raw.schema {
                cx.error(
                    s.span(),
                    "ledger.schema applies to a PostgreSQL ledger only; set ledger.url too",
                );
            }
            LedgerStore::Sqlite(path(&raw.path, "ledger.db"))
        }
    };
    let retention = choice(
        cx,
        "retention",
        raw.retention.as_ref(),
        &[
            ("full", Retention::Full),
            ("redacted", Retention::Redacted),
            ("hashes-only", Retention::HashesOnly),
            ("none", Retention::None),
        ],
        Retention::Full,
    );
    let durability = choice(
        cx,
        "durability",
        raw.durability.as_ref(),
        &[
            ("strict", LedgerDurability::Strict),
            ("relaxed", LedgerDurability::Relaxed),
        ],
        LedgerDurability::Strict,
    );
    let on_failure = choice(
        cx,
        "on_ledger_failure",
        raw.on_ledger_failure.as_ref(),
        &[
            ("closed", OnLedgerFailure::Closed),
            ("open", OnLedgerFailure::Open),
        ],
        OnLedgerFailure::Closed,
    );
    let checkpoint_every = match &raw.checkpoint_every {
        None => 1000,
        Some(n) => match u64::try_from(*n.get_ref()) {
            Ok(n) if n >= 1 => n,
            _ => {
                cx.error(
                    n.span(),
                    "ledger.checkpoint_every must be a whole number of entries, at least 1",
                );
                1000
            }
        },
    };
    let checkpoint_interval = duration(
        cx,
        "ledger.checkpoint_interval",
        raw.checkpoint_interval.as_ref(),
        Duration::from_secs(60),
        false,
    );
    let node = raw
        .node
        .as_ref()
        .map(|n| n.get_ref().trim().to_owned())
        .or_else(|| env.var("HOSTNAME"))
        .unwrap_or_else(|| "local".to_owned());
    LedgerSettings {
        enabled: raw.enabled.unwrap_or(true),
        store,
        retention,
        durability,
        on_failure,
        checkpoint_every,
        checkpoint_interval,
        checkpoint_file: path(&raw.checkpoint_file, "checkpoint"),
        key_file: path(&raw.key_file, "ledger.key"),
        node,
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::Config;

    fn env() -> HashMap<String, String> {
        [("HOME".to_string(), "/home/u".to_string())].into()
    }

    #[test]
    fn an_empty_file_keeps_a_strict_full_sqlite_ledger_in_the_data_directory() {
        let c = Config::from_toml("", "t.toml", &env()).unwrap();
        let l = c.ledger;
        assert!(l.enabled);
        assert_eq!(
            l.store,
            LedgerStore::Sqlite("/home/u/.local/share/weir/ledger.db".into())
        );
        assert_eq!(l.retention, Retention::Full);
        assert_eq!(l.durability, LedgerDurability::Strict);
        assert_eq!(l.on_failure, OnLedgerFailure::Closed);
        assert_eq!(
            l.key_file,
            PathBuf::from("/home/u/.local/share/weir/ledger.key")
        );
        assert_eq!(
            (l.checkpoint_every, l.checkpoint_interval),
            (1000, Duration::from_secs(60))
        );
    }

    #[test]
    fn a_postgres_url_selects_postgres() {
        let text = "[ledger]\nurl = \"postgres://weir@db:5432/audit\"\nschema = \"audit\"\nretention = \"hashes-only\"\non_ledger_failure = \"open\"\n";
        let l = Config::from_toml(text, "t.toml", &env()).unwrap().ledger;
        assert_eq!(
            l.store,
            LedgerStore::Postgres {
                url: LedgerUrl::Inline("postgres://weir@db:5432/audit".into()),
                schema: "audit".into()
            }
        );
        assert_eq!(l.retention, Retention::HashesOnly);
        assert_eq!(l.on_failure, OnLedgerFailure::Open);
        let l = Config::from_toml("[ledger]\nurl = \"env:LEDGER_URL\"\n", "t.toml", &env())
            .unwrap()
            .ledger;
        assert!(matches!(
            l.store,
            LedgerStore::Postgres {
                url: LedgerUrl::Secret(_),
                ..
            }
        ));
    }

    #[test]
    fn mistakes_are_named_with_their_line() {
        let text = "[ledger]\nretention = \"some\"\ndurability = \"fast\"\nurl = \"mysql://x\"\ncheckpoint_every = 0\n";
        let errors = Config::from_toml(text, "t.toml", &env())
            .unwrap_err()
            .to_string();
        assert!(
            errors.contains("t.toml:2")
                && errors.contains("\"full\", \"redacted\", \"hashes-only\", \"none\""),
            "{errors}"
        );
        assert!(
            errors.contains("t.toml:3") && errors.contains("durability"),
            "{errors}"
        );
        assert!(
            errors.contains("t.toml:4") && errors.contains("PostgreSQL URL"),
            "{errors}"
        );
        assert!(
            errors.contains("t.toml:5") && errors.contains("checkpoint_every"),
            "{errors}"
        );
        let errors = Config::from_toml("[ledger]\nsize = 1\n", "t.toml", &env())
            .unwrap_err()
            .to_string();
        assert!(errors.contains("size"), "{errors}");
    }
}
