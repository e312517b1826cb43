//! Content stored once by hash.

use crate::entry::Digest;

/// A content block ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Its hash (the key it is stored under).
    pub hash: Digest,
    /// Whether it is a node (a list of pieces) rather than leaf bytes.
    pub node: bool,
    /// Its bytes.
    pub data: Vec<u8>,
}
