//! Opening a ledger by where it lives.

use std::path::PathBuf;

use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::store::{Store, StoreError};

/// Where a ledger lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database and the schema weir's tables are in.
    Postgres {
        /// Connection URL (may hold a password: never logged, see the `Debug` impl).
        url: String,
        /// Schema.
        schema: String,
    },
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Location {
    /// The location for people: the file, or the database without its password.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres { url, schema } => {
                format!("{} (schema {schema})", without_password(url))
            }
        }
    }
}

/// `url` with any password replaced by `***`.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// Opens (creating when new) the store at `location`.
pub fn connect(location: &Location) -> Result<Box<dyn Store>, StoreError> {
    match location {
        Location::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Database(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            Ok(Box::new(SqliteStore::open(path)?))
        }
        Location::Postgres { url, schema } => Ok(Box::new(PgStore::connect(url, schema)?)),
    }
}

/// The ledger's name, used as the checkpoint origin: created once (`weir-ledger/` and 16 random
/// hex digits) and kept in the store, so checkpoints of two ledgers are never confused.
pub fn origin(store: &mut dyn Store) -> Result<String, StoreError> {
    if let Some(o) = store.meta("origin")? {
        return Ok(o);
    }
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| StoreError::Database(format!("no randomness: {e}")))?;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let origin = format!("weir-ledger/{hex}");
    store.set_meta("origin", &origin)?;
    Ok(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            without_password("postgres://weir:s3cret@db:5432/audit"),
            "postgres://weir:***@db:5432/audit"
        );
        assert_eq!(
            without_password("postgres://weir@db/audit"),
            "postgres://weir@db/audit"
        );
        let l = Location::Postgres {
            url: "postgres://u:pw@h/d".into(),
            schema: "weir".into(),
        };
        assert!(!format!("{l:?}").contains("pw"));
    }
}
