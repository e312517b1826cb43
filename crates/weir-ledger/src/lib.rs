//! weir's ledger.
#![warn(missing_docs)]

pub mod chain;
pub mod content;
pub mod entry;
pub mod store;

pub use chain::{Head, Sealed};
pub use content::Block;
pub use entry::*;
pub use store::{Stats, Store, StoreError, StoredBlock};
