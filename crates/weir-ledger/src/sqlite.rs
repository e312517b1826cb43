//! The SQLite backend: the ledger in one file, written through a write-ahead log with full
//! syncs, so that an append is on disk when it returns.
//!
//! The tables are those of the shared schema (see [`crate::store`]); SQLite has no `head`
//! table: the head is the last entry's row, and `BEGIN IMMEDIATE` (the database's one write
//! lock) keeps two writers from extending the chain from the same head.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::chain::{self, Head, Sealed};
use crate::content::Block;
use crate::entry::{Digest, Draft};
use crate::store::{Stats, Store, StoreError, StoredBlock};

/// The value of the `format` key in `meta` that this weir writes and reads.
pub(crate) const SCHEMA_FORMAT: &str = "1";

/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    seq      INTEGER PRIMARY KEY,
    at_ms    INTEGER NOT NULL,
    exchange TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    body     BLOB    NOT NULL,
    hash     BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_exchange ON entries (exchange);
CREATE INDEX IF NOT EXISTS entries_at_ms ON entries (at_ms);
CREATE TABLE IF NOT EXISTS blocks (
    hash BLOB    PRIMARY KEY,
    node INTEGER NOT NULL,
    data BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
    seq  INTEGER PRIMARY KEY,
    note TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// The columns of an entry, in the order [`sealed_from_row`] reads them.
const ENTRY_COLUMNS: &str = "seq, at_ms, exchange, kind, body, hash";

/// A ledger in an SQLite database.
pub struct SqliteStore {
    conn: Connection,
}

impl SqliteStore {
    /// Opens the ledger database at `path`, creating the file and its tables if they are
    /// missing. The directory must exist.
    ///
    /// Fails with [`StoreError::Format`] if the database was written in another format.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let what = || format!("opening the ledger database {}", path.display());
        let conn = Connection::open(path).map_err(|e| Failure::Sql(e).during(&what()))?;
        SqliteStore::init(conn, true).map_err(|e| e.during(&what()))
    }

    /// An empty ledger in memory, gone when dropped (for tests).
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let what = "opening an in-memory ledger database";
        let conn = Connection::open_in_memory().map_err(|e| Failure::Sql(e).during(what))?;
        SqliteStore::init(conn, false).map_err(|e| e.during(what))
    }

    fn init(mut conn: Connection, file: bool) -> Result<SqliteStore, Failure> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        if file {
            let mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                tracing::warn!(
                    journal_mode = %mode,
                    "the ledger database could not switch to write-ahead logging; appends will be slower"
                );
            }
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.set_prepared_statement_cache_capacity(32);

        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let has_meta: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')",
            [],
            |r| r.get(0),
        )?;
        if has_meta {
            check_format(
                tx.query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                    r.get::<_, String>(0)
                })
                .optional()?,
            )?;
        }
        tx.execute_batch(SCHEMA)?;
        tx.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('format', ?1)",
            [SCHEMA_FORMAT],
        )?;
        tx.commit()?;
        Ok(SqliteStore { conn })
    }

    fn write(&mut self, drafts: &[Draft], blocks: &[Block]) -> Result<Vec<Sealed>, Failure> {
        // Dropping the transaction on an early return rolls it back.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut head = read_head(&tx)?;
        let sealed = chain::seal_all(&mut head, drafts);
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO entries (seq, at_ms, exchange, kind, body, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for s in &sealed {
                insert.execute(params![
                    to_i64(s.seq)?,
                    s.at_ms,
                    s.exchange,
                    s.kind,
                    s.body,
                    &s.hash.0[..]
                ])?;
            }
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO blocks (hash, node, data) VALUES (?1, ?2, ?3)",
            )?;
            for b in blocks {
                insert.execute(params![&b.hash.0[..], b.node, b.data])?;
            }
        }
        tx.commit()?;
        Ok(sealed)
    }

    fn query_entries<P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
    ) -> Result<Vec<Sealed>, Failure> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(sealed_from_row(row)?);
        }
        Ok(out)
    }

    fn erase_all(&mut self, hashes: &[Digest]) -> Result<u64, Failure> {
        let tx = self.conn.transaction()?;
        let mut erased = 0;
        {
            let mut update = tx.prepare_cached(
                "UPDATE blocks SET data = NULL WHERE hash = ?1 AND data IS NOT NULL",
            )?;
            for h in hashes {
                erased += update.execute([&h.0[..]])? as u64;
            }
        }
        tx.commit()?;
        Ok(erased)
    }
}

impl Store for SqliteStore {
    fn append(&mut self, drafts: &[Draft], blocks: &[Block]) -> Result<Vec<Sealed>, StoreError> {
        if drafts.is_empty() && blocks.is_empty() {
            return Ok(Vec::new());
        }
        self.write(drafts, blocks)
            .map_err(|e| e.during("appending to the ledger"))
    }

    fn head(&mut self) -> Result<Head, StoreError> {
        read_head(&self.conn).map_err(|e| e.during("reading the ledger's head"))
    }

    fn entries(&mut self, after: u64, limit: usize) -> Result<Vec<Sealed>, StoreError> {
        // Sequence numbers are positive SQLite integers: none lies after i64::MAX.
        let Ok(after) = i64::try_from(after) else {
            return Ok(Vec::new());
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.query_entries(
            &format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
            params![after, limit],
        )
        .map_err(|e| e.during("reading ledger entries"))
    }

    fn entries_between(&mut self, since_ms: i64, until_ms: i64) -> Result<Vec<Sealed>, StoreError> {
        self.query_entries(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE at_ms >= ?1 AND at_ms < ?2 ORDER BY seq"
            ),
            params![since_ms, until_ms],
        )
        .map_err(|e| e.during("reading ledger entries by time"))
    }

    fn exchange(&mut self, id: &str) -> Result<Vec<Sealed>, StoreError> {
        self.query_entries(
            &format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE exchange = ?1 ORDER BY seq"),
            [id],
        )
        .map_err(|e| e.during(&format!("reading the entries of exchange {id}")))
    }

    fn unfinished(&mut self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let read = || -> Result<Vec<(String, Vec<u8>)>, Failure> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT s.seq, s.exchange, s.body FROM entries AS s
                 WHERE s.kind = 'start'
                   AND NOT EXISTS (
                       SELECT 1 FROM entries AS o
                       WHERE o.exchange = s.exchange AND o.seq <> s.seq
                   )
                 ORDER BY s.seq",
            )?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let seq = seq_from(row.get_ref(0)?, "entry")?;
                out.push((
                    text(row.get_ref(1)?, "entry", seq, "exchange")?,
                    bytes(row.get_ref(2)?, seq, "body")?,
                ));
            }
            Ok(out)
        };
        read().map_err(|e| e.during("finding unfinished exchanges"))
    }

    fn block(&mut self, hash: &Digest) -> Result<Option<StoredBlock>, StoreError> {
        let read = || -> Result<Option<StoredBlock>, Failure> {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT node, data FROM blocks WHERE hash = ?1")?;
            let mut rows = stmt.query([&hash.0[..]])?;
            let Some(row) = rows.next()? else {
                return Ok(None);
            };
            let node = match row.get_ref(0)? {
                ValueRef::Integer(n) => n != 0,
                _ => {
                    return Err(format_error(format!(
                        "block {hash}: node is not an integer"
                    )));
                }
            };
            let data = match row.get_ref(1)? {
                ValueRef::Null => None,
                ValueRef::Blob(b) => Some(b.to_vec()),
                _ => return Err(format_error(format!("block {hash}: data is not bytes"))),
            };
            Ok(Some(StoredBlock { node, data }))
        };
        read().map_err(|e| e.during(&format!("reading content block {hash}")))
    }

    /// Returns how many blocks this call erased (blocks already erased, or absent, count 0).
    fn erase(&mut self, hashes: &[Digest]) -> Result<u64, StoreError> {
        self.erase_all(hashes)
            .map_err(|e| e.during("erasing content blocks"))
    }

    fn put_checkpoint(&mut self, seq: u64, note: &str) -> Result<(), StoreError> {
        let write = || -> Result<(), Failure> {
            self.conn
                .prepare_cached("INSERT OR REPLACE INTO checkpoints (seq, note) VALUES (?1, ?2)")?
                .execute(params![to_i64(seq)?, note])?;
            Ok(())
        };
        write().map_err(|e| e.during(&format!("recording the checkpoint at {seq}")))
    }

    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StoreError> {
        let read = || -> Result<Vec<(u64, String)>, Failure> {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT seq, note FROM checkpoints ORDER BY seq")?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                // A checkpoint may sign the empty chain (seq 0).
                let seq = match row.get_ref(0)? {
                    ValueRef::Integer(n) => u64::try_from(n).map_err(|_| {
                        format_error(format!("a checkpoint has sequence number {n}"))
                    })?,
                    _ => {
                        return Err(format_error(
                            "a checkpoint has a sequence number that is not an integer".into(),
                        ));
                    }
                };
                out.push((seq, text(row.get_ref(1)?, "checkpoint", seq, "note")?));
            }
            Ok(out)
        };
        read().map_err(|e| e.during("reading checkpoints"))
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        let read = || -> Result<Option<String>, Failure> {
            Ok(self
                .conn
                .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()?)
        };
        read().map_err(|e| e.during(&format!("reading meta key {key}")))
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        let write = || -> Result<(), Failure> {
            self.conn
                .prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute([key, value])?;
            Ok(())
        };
        write().map_err(|e| e.during(&format!("setting meta key {key}")))
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        let read = || -> Result<Stats, Failure> {
            let (entries, entry_bytes, blocks, block_bytes): (i64, i64, i64, i64) = self
                .conn
                .prepare_cached(
                    "SELECT (SELECT count(*) FROM entries),
                            (SELECT coalesce(sum(length(body)), 0) FROM entries),
                            (SELECT count(*) FROM blocks),
                            (SELECT coalesce(sum(length(data)), 0) FROM blocks)",
                )?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            // Counts and lengths are never negative.
            let n = |v: i64| u64::try_from(v).unwrap_or(0);
            Ok(Stats {
                entries: n(entries),
                entry_bytes: n(entry_bytes),
                blocks: n(blocks),
                block_bytes: n(block_bytes),
            })
        };
        read().map_err(|e| e.during("measuring the ledger"))
    }
}

/// What went wrong inside an operation, before it is said which operation it was.
enum Failure {
    Sql(rusqlite::Error),
    Format(String),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Failure {
        Failure::Sql(e)
    }
}

impl Failure {
    fn during(self, what: &str) -> StoreError {
        match self {
            Failure::Sql(e) => StoreError::Database(format!("{what}: {e}")),
            Failure::Format(m) => StoreError::Format(format!("{what}: {m}")),
        }
    }
}

fn format_error(message: String) -> Failure {
    Failure::Format(message)
}

fn check_format(found: Option<String>) -> Result<(), Failure> {
    match found {
        None => Ok(()),
        Some(v) if v == SCHEMA_FORMAT => Ok(()),
        Some(v) => Err(format_error(format!(
            "its format is {v:?}, this weir reads format {SCHEMA_FORMAT}"
        ))),
    }
}

fn to_i64(seq: u64) -> Result<i64, Failure> {
    i64::try_from(seq).map_err(|_| format_error(format!("sequence number {seq} is too large")))
}

/// The last entry's sequence number and stored hash, or the empty chain's head.
fn read_head(conn: &Connection) -> Result<Head, Failure> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1")?;
    let mut rows = stmt.query([])?;
    let Some(row) = rows.next()? else {
        return Ok(Head::default());
    };
    let seq = seq_from(row.get_ref(0)?, "entry")?;
    let hash = digest_from(row.get_ref(1)?, seq)?;
    Ok(Head { seq, hash })
}

/// Reads a row of [`ENTRY_COLUMNS`] as stored, refusing values the columns cannot hold.
fn sealed_from_row(row: &Row<'_>) -> Result<Sealed, Failure> {
    let seq = seq_from(row.get_ref(0)?, "entry")?;
    let at_ms = match row.get_ref(1)? {
        ValueRef::Integer(v) => v,
        _ => {
            return Err(format_error(format!(
                "entry {seq}: at_ms is not an integer"
            )));
        }
    };
    Ok(Sealed {
        seq,
        at_ms,
        exchange: text(row.get_ref(2)?, "entry", seq, "exchange")?,
        kind: text(row.get_ref(3)?, "entry", seq, "kind")?,
        body: bytes(row.get_ref(4)?, seq, "body")?,
        hash: digest_from(row.get_ref(5)?, seq)?,
    })
}

fn seq_from(v: ValueRef<'_>, what: &str) -> Result<u64, Failure> {
    match v {
        ValueRef::Integer(n) if n > 0 => Ok(n.unsigned_abs()),
        ValueRef::Integer(n) => Err(format_error(format!(
            "{what} has sequence number {n}; they start at 1"
        ))),
        _ => Err(format_error(format!(
            "{what} has a sequence number that is not an integer"
        ))),
    }
}

fn digest_from(v: ValueRef<'_>, seq: u64) -> Result<Digest, Failure> {
    match v {
        ValueRef::Blob(b) => Digest::from_slice(b).ok_or_else(|| {
            format_error(format!(
                "entry {seq}: hash column is {} bytes, not 32",
                b.len()
            ))
        }),
        _ => Err(format_error(format!(
            "entry {seq}: hash column is not bytes"
        ))),
    }
}

/// A text column of the row of `owner` `seq` (`entry 5`, `checkpoint 9`).
fn text(v: ValueRef<'_>, owner: &str, seq: u64, column: &str) -> Result<String, Failure> {
    match v {
        ValueRef::Text(t) => String::from_utf8(t.to_vec())
            .map_err(|_| format_error(format!("{owner} {seq}: {column} is not UTF-8 text"))),
        _ => Err(format_error(format!("{owner} {seq}: {column} is not text"))),
    }
}

fn bytes(v: ValueRef<'_>, seq: u64, column: &str) -> Result<Vec<u8>, Failure> {
    match v {
        ValueRef::Blob(b) | ValueRef::Text(b) => Ok(b.to_vec()),
        _ => Err(format_error(format!("entry {seq}: {column} is not bytes"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Event;
    use std::path::PathBuf;

    /// A directory of its own under the system's temporary directory, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let mut r = [0u8; 8];
            getrandom::fill(&mut r).expect("the system has a random source");
            let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
            let dir = std::env::temp_dir().join(format!("weir-ledger-{name}-{hex}"));
            std::fs::create_dir_all(&dir).expect("temporary directory");
            TempDir(dir)
        }

        fn db(&self) -> PathBuf {
            self.0.join("ledger.db")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn draft(n: i64, exchange: &str) -> Draft {
        Draft {
            at_ms: n,
            exchange: exchange.to_owned(),
            event: Event::Interrupted {
                reason: format!("test {n}"),
            },
        }
    }

    fn block(n: u8) -> Block {
        Block {
            hash: Digest([n; 32]),
            node: false,
            data: vec![n; 3],
        }
    }

    /// Recomputes every head from the bodies and checks the chain is gap-free.
    fn assert_chain(entries: &[Sealed]) {
        if let Err(seq) = crate::chain::check(entries) {
            panic!("entry {seq} is missing or does not re-seal to its stored hash");
        }
    }

    #[test]
    fn appending_continues_the_chain_across_reopen() {
        let dir = TempDir::new("reopen");
        let first = {
            let mut s = SqliteStore::open(&dir.db()).unwrap();
            assert_eq!(s.head().unwrap(), Head::default());
            s.append(&[draft(1, "req_a"), draft(2, "req_b")], &[block(1)])
                .unwrap()
        };
        let mut s = SqliteStore::open(&dir.db()).unwrap();
        assert_eq!(
            s.head().unwrap(),
            Head {
                seq: 2,
                hash: first[1].hash
            }
        );
        let more = s.append(&[draft(3, "req_a")], &[]).unwrap();
        assert_eq!(more[0].seq, 3);
        let all = s.entries(0, usize::MAX).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(&all[..2], &first[..]);
        assert_chain(&all);
        assert_eq!(s.meta("format").unwrap().as_deref(), Some(SCHEMA_FORMAT));
        assert_eq!(
            s.block(&Digest([1; 32])).unwrap(),
            Some(StoredBlock {
                node: false,
                data: Some(vec![1; 3])
            })
        );
    }

    #[test]
    fn a_failed_append_writes_nothing_and_the_next_one_works() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        s.append(&[draft(1, "req_a")], &[]).unwrap();
        let before = s.head().unwrap();
        s.conn
            .execute_batch(
                "CREATE TRIGGER refuse_entry BEFORE INSERT ON entries WHEN NEW.exchange = 'boom'
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
                 CREATE TRIGGER refuse_block BEFORE INSERT ON blocks WHEN NEW.node = 1
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
            )
            .unwrap();

        // The second entry fails: the first must not stay.
        let err = s
            .append(&[draft(2, "req_b"), draft(3, "boom")], &[block(2)])
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Database(m) if m.contains("appending to the ledger") && m.contains("refused by the test")),
            "{err}"
        );
        // The block fails after the entries were inserted: they must not stay.
        let node = Block {
            node: true,
            ..block(3)
        };
        s.append(&[draft(2, "req_b")], &[block(2), node])
            .unwrap_err();

        assert_eq!(s.head().unwrap(), before);
        assert_eq!(s.stats().unwrap().entries, 1);
        assert_eq!(s.block(&Digest([2; 32])).unwrap(), None);

        let next = s.append(&[draft(2, "req_b")], &[block(2)]).unwrap();
        assert_eq!(next[0].seq, 2);
        assert_chain(&s.entries(0, usize::MAX).unwrap());
    }

    #[test]
    fn a_database_in_another_format_is_refused() {
        let dir = TempDir::new("format");
        SqliteStore::open(&dir.db())
            .unwrap()
            .set_meta("format", "2")
            .unwrap();
        let err = SqliteStore::open(&dir.db()).err().expect("refused");
        assert!(
            matches!(&err, StoreError::Format(m) if m.contains("\"2\"")),
            "{err}"
        );
    }

    #[test]
    fn a_malformed_hash_is_a_format_error_naming_the_entry() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        s.append(&[draft(1, "req_a"), draft(2, "req_a")], &[])
            .unwrap();
        s.conn
            .execute("UPDATE entries SET hash = x'0102' WHERE seq = 2", [])
            .unwrap();
        let err = s.entries(0, 10).unwrap_err();
        assert!(
            matches!(&err, StoreError::Format(m) if m.contains("entry 2")),
            "{err}"
        );
        assert!(matches!(s.head(), Err(StoreError::Format(_))));
        s.conn
            .execute(
                "UPDATE entries SET seq = -5, hash = zeroblob(32) WHERE seq = 2",
                [],
            )
            .unwrap();
        let err = s.exchange("req_a").unwrap_err();
        assert!(
            matches!(&err, StoreError::Format(m) if m.contains("-5")),
            "{err}"
        );
    }

    #[test]
    fn erasing_counts_only_blocks_it_erased() {
        let mut s = SqliteStore::open_in_memory().unwrap();
        s.append(&[], &[block(1), block(2)]).unwrap();
        let h = |n| Digest([n; 32]);
        assert_eq!(s.erase(&[h(1), h(1), h(9)]).unwrap(), 1);
        assert_eq!(s.erase(&[h(1), h(2)]).unwrap(), 1);
        assert_eq!(
            s.block(&h(1)).unwrap(),
            Some(StoredBlock {
                node: false,
                data: None
            })
        );
        // Present blocks are left as they are, erased or not.
        s.append(&[], &[block(1)]).unwrap();
        assert_eq!(s.block(&h(1)).unwrap().and_then(|b| b.data), None);
        assert_eq!(s.stats().unwrap().block_bytes, 0);
        assert_eq!(s.stats().unwrap().blocks, 2);
    }

    #[test]
    fn two_writers_on_one_file_extend_one_chain() {
        let dir = TempDir::new("writers");
        let path = dir.db();
        SqliteStore::open(&path).unwrap();
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut s = SqliteStore::open(&path).unwrap();
                    for i in 0..100 {
                        s.append(&[draft(i, &format!("req_{w}_{i}"))], &[]).unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let mut s = SqliteStore::open(&path).unwrap();
        let all = s.entries(0, usize::MAX).unwrap();
        assert_eq!(all.len(), 200);
        assert_chain(&all);
        assert_eq!(s.head().unwrap().hash, all[199].hash);
    }
}
