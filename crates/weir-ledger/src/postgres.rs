//! The PostgreSQL backend: the ledger in a schema of its own, which several weir replicas may
//! share.
//!
//! The tables are those of the shared schema (see [`crate::store`]), plus `head`: one row that
//! every append locks (`SELECT … FOR UPDATE`) before it seals, so that replicas appending at the
//! same time extend one chain, one after the other.
//!
//! Every statement names its tables with the schema (the session's `search_path` does not
//! matter), and the session commits synchronously (`synchronous_commit = on`), so that an append
//! is durable when it returns.
//!
//! A lost connection is re-established by the next call. A call that finds the connection dead
//! before anything was committed reconnects and runs once more, so that the first call after
//! the database comes back succeeds. An append whose `COMMIT` went unanswered is settled after
//! reconnecting, under the head's lock: if its last entry is in the ledger it was written,
//! otherwise it is sealed and written again.

use std::time::Duration;

use postgres::config::Host;
use postgres::{Client, Config, NoTls, Row, Statement};

use crate::chain::{self, Head, Sealed};
use crate::content::Block;
use crate::entry::{Digest, Draft};
use crate::sqlite::SCHEMA_FORMAT;
use crate::store::{Stats, Store, StoreError, StoredBlock};

/// How long connecting may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long sent data may stay unacknowledged before the connection is considered dead, when
/// the URL does not say (`tcp_user_timeout`); without it a call could wait for hours on a
/// database host that vanished.
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

/// The tables of a complete ledger schema.
const TABLES: [&str; 5] = ["entries", "blocks", "checkpoints", "meta", "head"];

/// The columns of an entry, in the order [`sealed_from_row`] reads them.
const ENTRY_COLUMNS: &str = "seq, at_ms, exchange, kind, body, hash";

/// A ledger in a PostgreSQL schema.
pub struct PgStore {
    config: Config,
    schema: String,
    conn: Option<Conn>,
}

/// A live connection and its prepared statements.
struct Conn {
    client: Client,
    st: Statements,
}

/// Every statement the store runs, prepared once per connection.
struct Statements {
    head_lock: Statement,
    entry_hash: Statement,
    write: Statement,
    head: Statement,
    entries_after: Statement,
    entries_between: Statement,
    exchange: Statement,
    unfinished: Statement,
    block: Statement,
    erase: Statement,
    put_checkpoint: Statement,
    checkpoints: Statement,
    meta: Statement,
    set_meta: Statement,
    stats: Statement,
}

impl Statements {
    fn prepare(client: &mut Client, schema: &str) -> Result<Statements, postgres::Error> {
        let s = quote(schema);
        let mut p = |sql: String| client.prepare(&sql);
        Ok(Statements {
            head_lock: p(format!(
                "SELECT seq, hash FROM {s}.head WHERE id = 1 FOR UPDATE"
            ))?,
            entry_hash: p(format!("SELECT hash FROM {s}.entries WHERE seq = $1"))?,
            // One round trip per append: the entries, the blocks and the new head.
            write: p(format!(
                "WITH e AS (
                     INSERT INTO {s}.entries (seq, at_ms, exchange, kind, body, hash)
                     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[],
                                          $5::bytea[], $6::bytea[])
                 ), b AS (
                     INSERT INTO {s}.blocks (hash, node, data)
                     SELECT * FROM unnest($7::bytea[], $8::boolean[], $9::bytea[])
                     ON CONFLICT (hash) DO NOTHING
                 )
                 UPDATE {s}.head SET seq = $10, hash = $11 WHERE id = 1"
            ))?,
            head: p(format!("SELECT seq, hash FROM {s}.head WHERE id = 1"))?,
            entries_after: p(format!(
                "SELECT {ENTRY_COLUMNS} FROM {s}.entries WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))?,
            entries_between: p(format!(
                "SELECT {ENTRY_COLUMNS} FROM {s}.entries
                 WHERE at_ms >= $1 AND at_ms < $2 ORDER BY seq"
            ))?,
            exchange: p(format!(
                "SELECT {ENTRY_COLUMNS} FROM {s}.entries WHERE exchange = $1 ORDER BY seq"
            ))?,
            unfinished: p(format!(
                "SELECT st.seq, st.exchange, st.body FROM {s}.entries AS st
                 WHERE st.kind = 'start'
                   AND NOT EXISTS (
                       SELECT 1 FROM {s}.entries AS o
                       WHERE o.exchange = st.exchange AND o.seq <> st.seq
                   )
                 ORDER BY st.seq"
            ))?,
            block: p(format!("SELECT node, data FROM {s}.blocks WHERE hash = $1"))?,
            erase: p(format!(
                "UPDATE {s}.blocks SET data = NULL WHERE hash = ANY($1::bytea[]) AND data IS NOT NULL"
            ))?,
            put_checkpoint: p(format!(
                "INSERT INTO {s}.checkpoints (seq, note) VALUES ($1, $2)
                 ON CONFLICT (seq) DO UPDATE SET note = EXCLUDED.note"
            ))?,
            checkpoints: p(format!(
                "SELECT seq, note FROM {s}.checkpoints ORDER BY seq"
            ))?,
            meta: p(format!("SELECT value FROM {s}.meta WHERE key = $1"))?,
            set_meta: p(format!(
                "INSERT INTO {s}.meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
            ))?,
            stats: p(format!(
                "SELECT (SELECT count(*) FROM {s}.entries),
                        (SELECT coalesce(sum(octet_length(body)), 0)::bigint FROM {s}.entries),
                        (SELECT count(*) FROM {s}.blocks),
                        (SELECT coalesce(sum(octet_length(data)), 0)::bigint FROM {s}.blocks)"
            ))?,
        })
    }
}

impl PgStore {
    /// Connects to the database at `url` (a `postgres://` URL or a `key=value` string) and opens
    /// the ledger in `schema`, creating the schema and its tables if they are missing. Several
    /// processes may do this at the same time.
    ///
    /// `schema` must be a plain lowercase identifier (`[a-z_][a-z0-9_]*`, at most 63 bytes).
    /// Fails with [`StoreError::Format`] if the schema holds a ledger of another format.
    pub fn connect(url: &str, schema: &str) -> Result<PgStore, StoreError> {
        if !is_plain_identifier(schema) {
            return Err(StoreError::Database(format!(
                "the ledger schema name {schema:?} is not a plain identifier \
                 (lowercase letters, digits and _, not starting with a digit, at most 63 bytes)"
            )));
        }
        let mut config: Config = url.parse().map_err(|e| {
            StoreError::Database(format!(
                "the ledger's PostgreSQL URL is not valid: {}",
                explain(&e)
            ))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(TCP_USER_TIMEOUT);
        }
        let mut store = PgStore {
            config,
            schema: schema.to_owned(),
            conn: None,
        };
        let mut client = store.open_client()?;
        create_schema(&mut client, schema)
            .map_err(|e| e.during(&format!("creating the ledger schema {schema}")))?;
        let st = Statements::prepare(&mut client, schema)
            .map_err(|e| store.failed("preparing the ledger's statements", e))?;
        store.conn = Some(Conn { client, st });
        Ok(store)
    }

    /// The schema the ledger is in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// A new session, committing synchronously.
    fn open_client(&self) -> Result<Client, StoreError> {
        let mut client = self
            .config
            .connect(NoTls)
            .map_err(|e| self.failed("connecting to the ledger database", e))?;
        client
            .batch_execute("SET synchronous_commit = on")
            .map_err(|e| self.failed("setting up the session", e))?;
        Ok(client)
    }

    fn reconnect(&self) -> Result<Conn, StoreError> {
        let mut client = self.open_client()?;
        let st = Statements::prepare(&mut client, &self.schema)
            .map_err(|e| self.failed("preparing the ledger's statements", e))?;
        Ok(Conn { client, st })
    }

    /// A database error, saying where the database is (never with the password).
    fn failed(&self, what: &str, e: postgres::Error) -> StoreError {
        StoreError::Database(format!(
            "{what} (ledger at {}, schema {}): {}",
            describe(&self.config),
            self.schema,
            explain(&e)
        ))
    }

    /// Runs `op` on a live connection, connecting first if there is none. If the connection
    /// turns out to be dead, it is dropped, and `op` runs once more on a new one, unless the
    /// connection was new (then the database is really unreachable) or the failure was a
    /// `COMMIT` (then the caller must find out whether it happened).
    fn run<T>(
        &mut self,
        mut op: impl FnMut(&mut Client, &Statements) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let mut retried = false;
        loop {
            let (conn, fresh) = match self.conn.take() {
                Some(c) if !c.client.is_closed() => (c, false),
                _ => (self.reconnect().map_err(Failure::Store)?, true),
            };
            let Conn { client, st } = self.conn.insert(conn);
            let e = match op(client, st) {
                Ok(v) => return Ok(v),
                Err(Failure::Pg(e)) if connection_lost(&e, client) => e,
                Err(Failure::Commit(e, sealed)) if connection_lost(&e, client) => {
                    self.conn = None;
                    return Err(Failure::Commit(e, sealed));
                }
                Err(Failure::Commit(e, _)) => return Err(Failure::Pg(e)),
                Err(f) => return Err(f),
            };
            self.conn = None;
            if fresh || retried {
                return Err(Failure::Pg(e));
            }
            tracing::warn!(error = %explain(&e), "the ledger's database connection was lost; reconnecting");
            retried = true;
        }
    }
}

impl Store for PgStore {
    fn append(&mut self, drafts: &[Draft], blocks: &[Block]) -> Result<Vec<Sealed>, StoreError> {
        const WHAT: &str = "appending to the ledger";
        if drafts.is_empty() && blocks.is_empty() {
            return Ok(Vec::new());
        }
        let (lost, first) = match self.run(|c, st| write(c, st, drafts, blocks, None)) {
            Ok(Written::New(sealed)) => return Ok(sealed),
            Ok(Written::Already) => return Ok(Vec::new()), // only when settling
            Err(Failure::Commit(e, sealed)) => (e, sealed),
            Err(f) => return Err(f.during(WHAT)),
        };
        // The connection died while committing: the entries may or may not be in. Find out
        // under the head's lock, which the first transaction held until it was settled either
        // way, and write them if they are not.
        tracing::warn!(error = %explain(&lost), "the ledger's database connection was lost while committing an append; checking whether it was written");
        let settle = first.last().map(|s| (s.seq, s.hash));
        match self.run(|c, st| write(c, st, drafts, blocks, settle)) {
            Ok(Written::New(sealed)) => Ok(sealed),
            Ok(Written::Already) => Ok(first),
            Err(f) => Err(f.during(&format!(
                "{WHAT}: the connection was lost while committing ({}), \
                 and whether the entries were written could not be settled",
                explain(&lost)
            ))),
        }
    }

    fn head(&mut self) -> Result<Head, StoreError> {
        self.run(|c, st| match c.query_opt(&st.head, &[])? {
            Some(row) => head_from(&row),
            None => Err(Failure::Format("the head row is missing".into())),
        })
        .map_err(|f| f.during("reading the ledger's head"))
    }

    fn entries(&mut self, after: u64, limit: usize) -> Result<Vec<Sealed>, StoreError> {
        // Sequence numbers are positive bigints: none lies after i64::MAX.
        let Ok(after) = i64::try_from(after) else {
            return Ok(Vec::new());
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(|c, st| sealed_rows(c.query(&st.entries_after, &[&after, &limit])?))
            .map_err(|f| f.during("reading ledger entries"))
    }

    fn entries_between(&mut self, since_ms: i64, until_ms: i64) -> Result<Vec<Sealed>, StoreError> {
        self.run(|c, st| sealed_rows(c.query(&st.entries_between, &[&since_ms, &until_ms])?))
            .map_err(|f| f.during("reading ledger entries by time"))
    }

    fn exchange(&mut self, id: &str) -> Result<Vec<Sealed>, StoreError> {
        self.run(|c, st| sealed_rows(c.query(&st.exchange, &[&id])?))
            .map_err(|f| f.during(&format!("reading the entries of exchange {id}")))
    }

    fn unfinished(&mut self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.run(|c, st| {
            c.query(&st.unfinished, &[])?
                .iter()
                .map(|row| {
                    positive_seq(row.try_get(0)?, "entry")?;
                    Ok((row.try_get(1)?, row.try_get(2)?))
                })
                .collect()
        })
        .map_err(|f| f.during("finding unfinished exchanges"))
    }

    fn block(&mut self, hash: &Digest) -> Result<Option<StoredBlock>, StoreError> {
        self.run(|c, st| {
            let Some(row) = c.query_opt(&st.block, &[&&hash.0[..]])? else {
                return Ok(None);
            };
            Ok(Some(StoredBlock {
                node: row.try_get(0)?,
                data: row.try_get(1)?,
            }))
        })
        .map_err(|f| f.during(&format!("reading content block {hash}")))
    }

    /// Returns how many blocks this call erased (blocks already erased, or absent, count 0).
    fn erase(&mut self, hashes: &[Digest]) -> Result<u64, StoreError> {
        let keys: Vec<&[u8]> = hashes.iter().map(|h| &h.0[..]).collect();
        self.run(|c, st| Ok(c.execute(&st.erase, &[&keys])?))
            .map_err(|f| f.during("erasing content blocks"))
    }

    fn put_checkpoint(&mut self, seq: u64, note: &str) -> Result<(), StoreError> {
        let what = format!("recording the checkpoint at {seq}");
        let n = to_i64(seq).map_err(|f| f.during(&what))?;
        self.run(|c, st| {
            c.execute(&st.put_checkpoint, &[&n, &note])?;
            Ok(())
        })
        .map_err(|f| f.during(&what))
    }

    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StoreError> {
        self.run(|c, st| {
            c.query(&st.checkpoints, &[])?
                .iter()
                .map(|row| {
                    // A checkpoint may sign the empty chain (seq 0).
                    let seq: i64 = row.try_get(0)?;
                    let seq = u64::try_from(seq).map_err(|_| {
                        Failure::Format(format!("a checkpoint has sequence number {seq}"))
                    })?;
                    Ok((seq, row.try_get(1)?))
                })
                .collect()
        })
        .map_err(|f| f.during("reading checkpoints"))
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        self.run(|c, st| match c.query_opt(&st.meta, &[&key])? {
            Some(row) => Ok(Some(row.try_get(0)?)),
            None => Ok(None),
        })
        .map_err(|f| f.during(&format!("reading meta key {key}")))
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.run(|c, st| {
            c.execute(&st.set_meta, &[&key, &value])?;
            Ok(())
        })
        .map_err(|f| f.during(&format!("setting meta key {key}")))
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        self.run(|c, st| {
            let row = c.query_one(&st.stats, &[])?;
            // Counts and lengths are never negative.
            let n = |i: usize| -> Result<u64, Failure> {
                Ok(u64::try_from(row.try_get::<_, i64>(i)?).unwrap_or(0))
            };
            Ok(Stats {
                entries: n(0)?,
                entry_bytes: n(1)?,
                blocks: n(2)?,
                block_bytes: n(3)?,
            })
        })
        .map_err(|f| f.during("measuring the ledger"))
    }
}

/// What an append's transaction did.
enum Written {
    /// It sealed and wrote these entries.
    New(Vec<Sealed>),
    /// The entries of an earlier attempt were found in the ledger; nothing was written.
    Already,
}

/// Seals `drafts` after the locked head and writes them with `blocks`, in one transaction.
///
/// With `settle`, the `(seq, hash)` of the last entry an earlier attempt sealed: if that entry is
/// in the ledger, the earlier attempt was committed and nothing is written.
fn write(
    client: &mut Client,
    st: &Statements,
    drafts: &[Draft],
    blocks: &[Block],
    settle: Option<(u64, Digest)>,
) -> Result<Written, Failure> {
    // Dropping the transaction on an early return rolls it back.
    let mut tx = client.transaction()?;
    let Some(row) = tx.query_opt(&st.head_lock, &[])? else {
        return Err(Failure::Format("the head row is missing".into()));
    };
    let mut head = head_from(&row)?;
    if let Some((seq, hash)) = settle {
        if let Some(row) = tx.query_opt(&st.entry_hash, &[&to_i64(seq)?])? {
            if row.try_get::<_, &[u8]>(0)? == &hash.0[..] {
                return Ok(Written::Already);
            }
        }
    }
    let sealed = chain::seal_all(&mut head, drafts);

    let seqs = sealed
        .iter()
        .map(|s| to_i64(s.seq))
        .collect::<Result<Vec<i64>, Failure>>()?;
    let at_ms: Vec<i64> = sealed.iter().map(|s| s.at_ms).collect();
    let exchanges: Vec<&str> = sealed.iter().map(|s| s.exchange.as_str()).collect();
    let kinds: Vec<&str> = sealed.iter().map(|s| s.kind.as_str()).collect();
    let bodies: Vec<&[u8]> = sealed.iter().map(|s| s.body.as_slice()).collect();
    let hashes: Vec<&[u8]> = sealed.iter().map(|s| &s.hash.0[..]).collect();
    let block_hashes: Vec<&[u8]> = blocks.iter().map(|b| &b.hash.0[..]).collect();
    let nodes: Vec<bool> = blocks.iter().map(|b| b.node).collect();
    let data: Vec<&[u8]> = blocks.iter().map(|b| b.data.as_slice()).collect();
    let head_seq = to_i64(head.seq)?;
    let head_hash: &[u8] = &head.hash.0;
    tx.execute(
        &st.write,
        &[
            &seqs,
            &at_ms,
            &exchanges,
            &kinds,
            &bodies,
            &hashes,
            &block_hashes,
            &nodes,
            &data,
            &head_seq,
            &head_hash,
        ],
    )?;
    match tx.commit() {
        Ok(()) => Ok(Written::New(sealed)),
        Err(e) => Err(Failure::Commit(e, sealed)),
    }
}

/// Creates the schema and its tables if any is missing, under a lock that serialises
/// processes doing the same, and checks the format of an existing ledger.
fn create_schema(client: &mut Client, schema: &str) -> Result<(), Failure> {
    let mut tx = client.transaction()?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[&format!("weir-ledger schema {schema}")],
    )?;
    let present: Vec<String> = tx
        .query(
            "SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = $1",
            &[&schema],
        )?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let s = quote(schema);
    if present.iter().any(|t| t == "meta") {
        let format: Option<String> = tx
            .query_opt(
                &format!("SELECT value FROM {s}.meta WHERE key = 'format'"),
                &[],
            )?
            .map(|r| r.try_get(0))
            .transpose()?;
        if let Some(v) = format.filter(|v| v != SCHEMA_FORMAT) {
            return Err(Failure::Format(format!(
                "its format is {v:?}, this weir reads format {SCHEMA_FORMAT}"
            )));
        }
    }
    if TABLES.iter().all(|t| present.iter().any(|p| p == t)) {
        // Nothing to create: no privilege beyond using the tables is needed.
        return Ok(());
    }
    let exists: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)",
            &[&schema],
        )?
        .try_get(0)?;
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA {s}"))?;
    }
    tx.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {s}.entries (
             seq      bigint PRIMARY KEY,
             at_ms    bigint NOT NULL,
             exchange text   NOT NULL,
             kind     text   NOT NULL,
             body     bytea  NOT NULL,
             hash     bytea  NOT NULL
         );
         CREATE INDEX IF NOT EXISTS entries_exchange ON {s}.entries (exchange);
         CREATE INDEX IF NOT EXISTS entries_at_ms ON {s}.entries (at_ms);
         CREATE TABLE IF NOT EXISTS {s}.blocks (
             hash bytea   PRIMARY KEY,
             node boolean NOT NULL,
             data bytea
         );
         CREATE TABLE IF NOT EXISTS {s}.checkpoints (
             seq  bigint PRIMARY KEY,
             note text   NOT NULL
         );
         CREATE TABLE IF NOT EXISTS {s}.meta (
             key   text PRIMARY KEY,
             value text NOT NULL
         );
         CREATE TABLE IF NOT EXISTS {s}.head (
             id   int    PRIMARY KEY CHECK (id = 1),
             seq  bigint NOT NULL,
             hash bytea  NOT NULL
         );
         INSERT INTO {s}.head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'))
             ON CONFLICT DO NOTHING;
         INSERT INTO {s}.meta (key, value) VALUES ('format', '{SCHEMA_FORMAT}')
             ON CONFLICT DO NOTHING;"
    ))?;
    tx.commit()?;
    Ok(())
}

/// What went wrong inside an operation, before it is said which operation it was.
enum Failure {
    /// The database reported an error, or the connection failed.
    Pg(postgres::Error),
    /// `COMMIT` of these entries failed (whether it took effect is unknown if the connection
    /// was lost).
    Commit(postgres::Error, Vec<Sealed>),
    /// A row holds something the columns should not.
    Format(String),
    /// Reconnecting failed (the message says where).
    Store(StoreError),
}

impl From<postgres::Error> for Failure {
    fn from(e: postgres::Error) -> Failure {
        Failure::Pg(e)
    }
}

impl Failure {
    fn during(self, what: &str) -> StoreError {
        match self {
            Failure::Pg(e) | Failure::Commit(e, _) => {
                StoreError::Database(format!("{what}: {}", explain(&e)))
            }
            Failure::Format(m) => StoreError::Format(format!("{what}: {m}")),
            Failure::Store(StoreError::Database(m)) => StoreError::Database(format!("{what}: {m}")),
            Failure::Store(StoreError::Format(m)) => StoreError::Format(format!("{what}: {m}")),
        }
    }
}

/// A postgres error with its causes: the server's message or the I/O error that ended the
/// connection (a `postgres::Error` alone says only "db error").
fn explain(e: &postgres::Error) -> String {
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    message
}

/// Whether `e` means the session is gone (as opposed to a statement the database refused).
fn connection_lost(e: &postgres::Error, client: &Client) -> bool {
    if client.is_closed() || e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        // connection_exception, admin_shutdown, crash_shutdown, cannot_connect_now
        let code = code.code();
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03");
    }
    std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

fn is_plain_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    s.len() <= 63
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The schema as a quoted identifier (it is a plain identifier, so nothing needs escaping).
fn quote(schema: &str) -> String {
    format!("\"{schema}\"")
}

/// Where `config` connects to: hosts, ports and database, never the password.
fn describe(config: &Config) -> String {
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            };
            match ports.get(i).or(ports.first()) {
                Some(port) => format!("{host}:{port}"),
                None => host,
            }
        })
        .collect();
    let hosts = if hosts.is_empty() {
        "the default host".to_owned()
    } else {
        hosts.join(",")
    };
    match config.get_dbname() {
        Some(db) => format!("{hosts}/{db}"),
        None => hosts,
    }
}

fn to_i64(seq: u64) -> Result<i64, Failure> {
    i64::try_from(seq).map_err(|_| Failure::Format(format!("sequence number {seq} is too large")))
}

fn positive_seq(seq: i64, what: &str) -> Result<u64, Failure> {
    match u64::try_from(seq) {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Failure::Format(format!(
            "{what} has sequence number {seq}; they start at 1"
        ))),
    }
}

fn head_from(row: &Row) -> Result<Head, Failure> {
    let seq: i64 = row.try_get(0)?;
    let seq = u64::try_from(seq)
        .map_err(|_| Failure::Format(format!("the head row has sequence number {seq}")))?;
    let hash: &[u8] = row.try_get(1)?;
    let hash = Digest::from_slice(hash).ok_or_else(|| {
        Failure::Format(format!(
            "the head row's hash is {} bytes, not 32",
            hash.len()
        ))
    })?;
    Ok(Head { seq, hash })
}

fn sealed_rows(rows: Vec<Row>) -> Result<Vec<Sealed>, Failure> {
    rows.iter().map(sealed_from_row).collect()
}

/// Reads a row of [`ENTRY_COLUMNS`] as stored.
fn sealed_from_row(row: &Row) -> Result<Sealed, Failure> {
    let seq = positive_seq(row.try_get(0)?, "an entry")?;
    let hash: &[u8] = row.try_get(5)?;
    let hash = Digest::from_slice(hash).ok_or_else(|| {
        Failure::Format(format!(
            "entry {seq}: hash column is {} bytes, not 32",
            hash.len()
        ))
    })?;
    Ok(Sealed {
        seq,
        at_ms: row.try_get(1)?,
        exchange: row.try_get(2)?,
        kind: row.try_get(3)?,
        body: row.try_get(4)?,
        hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Event;
    use std::sync::{Arc, Barrier};

    fn url() -> String {
        std::env::var("WEIR_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
    }

    /// A schema of its own, dropped with everything in it at the end of the test.
    struct TestSchema {
        name: String,
        admin: Client,
    }

    impl TestSchema {
        fn new() -> TestSchema {
            let admin = Client::connect(&url(), NoTls).unwrap_or_else(|e| {
                panic!(
                    "these tests need PostgreSQL, at WEIR_TEST_POSTGRES \
                     (default postgres://postgres@127.0.0.1:5432/test): {e}"
                )
            });
            let mut r = [0u8; 8];
            getrandom::fill(&mut r).expect("the system has a random source");
            let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
            TestSchema {
                name: format!("weir_test_{hex}"),
                admin,
            }
        }

        /// The test URL, naming this test's sessions so that they can be ended.
        fn url(&self) -> String {
            let url = url();
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}application_name={}", self.name)
        }

        fn connect(&self) -> PgStore {
            PgStore::connect(&self.url(), &self.name).unwrap()
        }

        /// Ends this test's store sessions from the server side, as a database restart would.
        fn end_sessions(&mut self) -> usize {
            self.admin
                .query(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
                     WHERE application_name = $1",
                    &[&self.name],
                )
                .unwrap()
                .len()
        }
    }

    impl Drop for TestSchema {
        fn drop(&mut self) {
            let _ = self
                .admin
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
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

    fn block(n: u8, node: bool) -> Block {
        Block {
            hash: Digest([n; 32]),
            node,
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
    fn appending_continues_the_chain_across_reconnect() {
        let t = TestSchema::new();
        let first = {
            let mut s = t.connect();
            assert_eq!(s.head().unwrap(), Head::default());
            assert_eq!(s.meta("format").unwrap().as_deref(), Some(SCHEMA_FORMAT));
            s.append(&[draft(1, "req_a"), draft(2, "req_b")], &[block(1, false)])
                .unwrap()
        };
        let mut s = t.connect();
        assert_eq!(
            s.head().unwrap(),
            Head {
                seq: 2,
                hash: first[1].hash
            }
        );
        assert_eq!(s.append(&[draft(3, "req_a")], &[]).unwrap()[0].seq, 3);
        let all = s.entries(0, usize::MAX).unwrap();
        assert_eq!(&all[..2], &first[..]);
        assert_chain(&all);
        assert_eq!(s.head().unwrap().hash, all[2].hash);
    }

    #[test]
    fn a_failed_append_writes_nothing_and_the_next_one_works() {
        let mut t = TestSchema::new();
        let mut s = t.connect();
        s.append(&[draft(1, "req_a")], &[]).unwrap();
        let before = s.head().unwrap();
        let n = &t.name;
        t.admin
            .batch_execute(&format!(
                "CREATE FUNCTION {n}.refuse() RETURNS trigger LANGUAGE plpgsql
                     AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
                 CREATE TRIGGER refuse_entry BEFORE INSERT ON {n}.entries FOR EACH ROW
                     WHEN (NEW.exchange = 'boom') EXECUTE FUNCTION {n}.refuse();
                 CREATE TRIGGER refuse_block BEFORE INSERT ON {n}.blocks FOR EACH ROW
                     WHEN (NEW.node) EXECUTE FUNCTION {n}.refuse();"
            ))
            .unwrap();

        let err = s
            .append(&[draft(2, "req_b"), draft(3, "boom")], &[block(2, false)])
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Database(m) if m.contains("appending to the ledger") && m.contains("refused by the test")),
            "{err}"
        );
        s.append(&[draft(2, "req_b")], &[block(2, false), block(3, true)])
            .unwrap_err();

        assert_eq!(s.head().unwrap(), before);
        assert_eq!(s.stats().unwrap().entries, 1);
        assert_eq!(s.block(&Digest([2; 32])).unwrap(), None);

        let next = s.append(&[draft(2, "req_b")], &[block(2, false)]).unwrap();
        assert_eq!(next[0].seq, 2);
        assert_chain(&s.entries(0, usize::MAX).unwrap());
    }

    #[test]
    fn two_replicas_appending_at_once_extend_one_chain() {
        const EACH: i64 = 200;
        let t = TestSchema::new();
        let start = Arc::new(Barrier::new(2));
        let replicas: Vec<_> = (0..2)
            .map(|r| {
                let (url, schema, start) = (t.url(), t.name.clone(), start.clone());
                std::thread::spawn(move || {
                    // Both create the schema at once, then append at once.
                    start.wait();
                    let mut s = PgStore::connect(&url, &schema).unwrap();
                    for i in 0..EACH {
                        let e = format!("req_{r}_{i}");
                        s.append(&[draft(i, &e)], &[block((i % 7) as u8, false)])
                            .unwrap();
                    }
                })
            })
            .collect();
        for r in replicas {
            r.join().unwrap();
        }
        let mut s = t.connect();
        let all = s.entries(0, usize::MAX).unwrap();
        assert_eq!(all.len(), 2 * EACH as usize);
        assert_chain(&all);
        assert_eq!(
            s.head().unwrap(),
            Head {
                seq: all.len() as u64,
                hash: all[all.len() - 1].hash
            }
        );
        assert_eq!(s.stats().unwrap().blocks, 7);
    }

    #[test]
    fn the_next_call_reconnects_after_the_session_is_ended() {
        let mut t = TestSchema::new();
        let mut s = t.connect();
        s.append(&[draft(1, "req_a")], &[]).unwrap();
        assert_eq!(t.end_sessions(), 1);
        assert_eq!(s.head().unwrap().seq, 1);
        assert_eq!(t.end_sessions(), 1);
        assert_eq!(s.append(&[draft(2, "req_a")], &[]).unwrap()[0].seq, 2);
        assert_chain(&s.entries(0, usize::MAX).unwrap());
    }

    #[test]
    fn settling_an_unanswered_commit_writes_the_entries_once() {
        let t = TestSchema::new();
        let mut s = t.connect();
        let first = s
            .append(&[draft(1, "req_a"), draft(2, "req_a")], &[])
            .unwrap();
        let last = first.last().map(|e| (e.seq, e.hash));
        let again = s.run(|c, st| write(c, st, &[draft(1, "req_a")], &[], last));
        assert!(matches!(again, Ok(Written::Already)));
        assert_eq!(s.head().unwrap().seq, 2);
        // An entry with that seq but another hash is someone else's: write ours after it.
        let other = Some((2, Digest([9; 32])));
        let Ok(Written::New(next)) = s.run(|c, st| write(c, st, &[draft(3, "req_b")], &[], other))
        else {
            panic!("written");
        };
        assert_eq!(next[0].seq, 3);
        assert_chain(&s.entries(0, usize::MAX).unwrap());
    }

    #[test]
    fn blocks_are_stored_once_and_erased_once() {
        let t = TestSchema::new();
        let mut s = t.connect();
        let mut again = block(1, true);
        again.data = b"other".to_vec();
        s.append(&[], &[block(1, false), again.clone(), block(2, false)])
            .unwrap();
        s.append(&[draft(1, "req_a")], &[again]).unwrap();
        let h = |n| Digest([n; 32]);
        assert_eq!(
            s.block(&h(1)).unwrap(),
            Some(StoredBlock {
                node: false,
                data: Some(vec![1; 3])
            })
        );
        assert_eq!(s.erase(&[h(1), h(1), h(9)]).unwrap(), 1);
        assert_eq!(s.erase(&[h(1), h(2)]).unwrap(), 1);
        assert_eq!(s.block(&h(1)).unwrap().and_then(|b| b.data), None);
        let stats = s.stats().unwrap();
        assert_eq!((stats.blocks, stats.block_bytes, stats.entries), (2, 0, 1));
    }

    #[test]
    fn a_schema_in_another_format_is_refused() {
        let t = TestSchema::new();
        t.connect().set_meta("format", "2").unwrap();
        let err = PgStore::connect(&t.url(), &t.name).err().expect("refused");
        assert!(
            matches!(&err, StoreError::Format(m) if m.contains("\"2\"")),
            "{err}"
        );
    }

    #[test]
    fn schema_names_must_be_plain_identifiers() {
        for bad in [
            "",
            "Weir",
            "1weir",
            "weir-ledger",
            "we\"ir",
            "weir;drop",
            &"w".repeat(64),
        ] {
            let err = PgStore::connect("postgres://nobody@127.0.0.1:1/none", bad)
                .err()
                .expect("refused before connecting");
            assert!(err.to_string().contains("plain identifier"), "{err}");
        }
        for good in ["weir", "_w", "weir_2", &"w".repeat(63)] {
            assert!(is_plain_identifier(good), "{good}");
        }
    }

    #[test]
    fn errors_do_not_reveal_the_password() {
        let err = PgStore::connect("postgres://weir:sekrit@127.0.0.1:1/ledger", "weir")
            .err()
            .expect("nothing listens on port 1");
        let m = err.to_string();
        assert!(!m.contains("sekrit"), "{m}");
        assert!(m.contains("127.0.0.1:1/ledger"), "{m}");
    }
}
