//! The one interface every backend implements, and the schema they share.
//!
//! A store is used by one thread at a time (the ledger's writer, or a CLI command). Its methods
//! are blocking; the gateway never calls them on an async worker.
//!
//! Schema (same tables and columns in SQLite and PostgreSQL; PostgreSQL keeps them in their own
//! schema, `weir` unless configured):
//!
//! | table | columns | notes |
//! |---|---|---|
//! | `entries` | `seq` (primary key), `at_ms`, `exchange`, `kind`, `body`, `hash` | `body` holds the canonical bytes; the other columns repeat what it says, for queries, and verification checks that they agree |
//! | `blocks` | `hash` (primary key), `node`, `data` | content blocks; `data` is NULL once erased |
//! | `checkpoints` | `seq` (primary key), `note` | signed checkpoints, as text |
//! | `meta` | `key` (primary key), `value` | format version, the checkpoint public key |
//! | `head` | `id` = 1, `seq`, `hash` | PostgreSQL only: the row every append locks, so that replicas sharing one ledger extend one chain |

use crate::chain::{Head, Sealed};
use crate::content::Block;
use crate::entry::{Digest, Draft};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or could not be reached; the message says what it reported.
    #[error("ledger database error: {0}")]
    Database(String),
    /// The database holds something this weir cannot read (a newer format, a damaged row).
    #[error("ledger database is not in a format this weir reads: {0}")]
    Format(String),
}

/// A content block as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlock {
    /// Whether it is a node (a list of pieces) rather than leaf bytes.
    pub node: bool,
    /// Its bytes; `None` once erased.
    pub data: Option<Vec<u8>>,
}

/// Sizes of what a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Entries.
    pub entries: u64,
    /// Bytes of canonical entry bodies.
    pub entry_bytes: u64,
    /// Content blocks.
    pub blocks: u64,
    /// Bytes of content blocks (not erased).
    pub block_bytes: u64,
}

/// A ledger backend.
pub trait Store: Send {
    /// Seals `drafts` after the current head, in order, and writes them together with `blocks`
    /// (blocks already present are left as they are) in one transaction that is durable when
    /// this returns. Returns the sealed entries. On error nothing was written.
    fn append(&mut self, drafts: &[Draft], blocks: &[Block]) -> Result<Vec<Sealed>, StoreError>;

    /// The current end of the chain.
    fn head(&mut self) -> Result<Head, StoreError>;

    /// Up to `limit` entries with `seq > after`, in `seq` order, exactly as stored.
    fn entries(&mut self, after: u64, limit: usize) -> Result<Vec<Sealed>, StoreError>;

    /// Entries with `since_ms <= at_ms < until_ms`, in `seq` order.
    fn entries_between(&mut self, since_ms: i64, until_ms: i64) -> Result<Vec<Sealed>, StoreError>;

    /// The entries of one exchange, in `seq` order.
    fn exchange(&mut self, id: &str) -> Result<Vec<Sealed>, StoreError>;

    /// Ids of exchanges that have a start entry and no other entry.
    fn unfinished(&mut self) -> Result<Vec<(String, Vec<u8>)>, StoreError>;

    /// A block, if present.
    fn block(&mut self, hash: &Digest) -> Result<Option<StoredBlock>, StoreError>;

    /// Erases the bytes of these blocks (retention); their rows stay, marked erased.
    fn erase(&mut self, hashes: &[Digest]) -> Result<u64, StoreError>;

    /// Records a signed checkpoint for `seq`.
    fn put_checkpoint(&mut self, seq: u64, note: &str) -> Result<(), StoreError>;

    /// Every checkpoint, by `seq`.
    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StoreError>;

    /// A `meta` value.
    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError>;

    /// Sets a `meta` value.
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError>;

    /// What the store holds.
    fn stats(&mut self) -> Result<Stats, StoreError>;
}
