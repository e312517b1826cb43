//! weir's ledger: a tamper-evident record of every exchange weir handles, and of the content
//! that left, stored once by hash.
//!
//! - [`entry`]: what is recorded (an exchange's start and its finish) and its canonical bytes;
//! - [`chain`]: how entries are sealed into a hash chain;
//! - [`content`]: how request and answer bodies become blocks stored once by hash;
//! - [`checkpoint`]: Ed25519-signed checkpoints of the chain's head;
//! - [`verify`]: recomputing all of it and naming the first entry that does not hold;
//! - [`store`]: the backend interface, with [`sqlite`], [`postgres`] and [`memory`] backends;
//! - [`writer`]: the writer thread, group commit, and the durability contract;
//! - [`query`]: exchanges reassembled from entries for `weir log` and `weir report`.
#![warn(missing_docs)]

pub mod chain;
pub mod checkpoint;
pub mod content;
pub mod entry;
pub mod mask;
pub mod memory;
pub mod open;
pub mod postgres;
pub mod query;
pub mod sqlite;
pub mod store;
pub mod verify;
pub mod writer;

pub use chain::{Head, Sealed};
pub use content::Block;
pub use entry::*;
pub use memory::MemoryStore;
pub use store::{Stats, Store, StoreError, StoredBlock};
pub use writer::{Durability, Ledger, LedgerError, Options};
