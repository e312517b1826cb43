//! Content stored once by hash: a body becomes a tree of blocks whose leaves are its larger JSON
//! values, so that a conversation resent on every turn costs only its new messages.
//!
//! # Format
//!
//! A block is either a *leaf* (bytes of the body) or a *node* (a list of pieces). Its key is
//! `SHA-256(0x02 ‖ bytes)` for a leaf and `SHA-256(0x03 ‖ bytes)` for a node. A node's bytes are
//! its pieces, one after another:
//!
//! ```text
//! 0x00 ‖ u32 big-endian length ‖ bytes     inline bytes (short stretches: punctuation, keys)
//! 0x01 ‖ 32-byte key                        a leaf
//! 0x02 ‖ 32-byte key                        a node
//! ```
//!
//! The body is the concatenation of its pieces, recursively: reassembly is byte-exact.
//!
//! # Splitting
//!
//! A JSON body is split along its structure: an object or array of at least [`SPLIT_AT`] bytes
//! becomes a node whose pieces are its members' values (keys and punctuation inline); smaller
//! values become one leaf (or inline bytes under [`LEAF_MIN`] bytes). A message resent on the next
//! turn has the same bytes, hence the same key, and is stored once; moving a marker such as
//! `cache_control` from one message to the next changes only the small pieces around it. A body
//! that is not JSON (an event stream) is cut into [`CHUNK`]-byte leaves.

use sha2::{Digest as _, Sha256};

use crate::entry::Digest;
use crate::store::StoredBlock;

/// Values at least this long are split into their parts.
pub const SPLIT_AT: usize = 256;

/// Pieces shorter than this are kept inline in their node.
pub const LEAF_MIN: usize = 64;

/// Leaf size for bodies that are not JSON.
pub const CHUNK: usize = 64 * 1024;

/// Nesting beyond this is stored as one leaf (and reassembly refuses deeper trees).
const MAX_DEPTH: usize = 64;

const INLINE: u8 = 0x00;
const LEAF: u8 = 0x01;
const NODE: u8 = 0x02;

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

impl Block {
    fn leaf(data: &[u8]) -> Block {
        Block {
            hash: key(false, data),
            node: false,
            data: data.to_vec(),
        }
    }

    fn node(data: Vec<u8>) -> Block {
        Block {
            hash: key(true, &data),
            node: true,
            data,
        }
    }
}

/// The key of a block's bytes.
pub fn key(node: bool, data: &[u8]) -> Digest {
    let mut h = Sha256::new();
    h.update([if node { 0x03 } else { 0x02 }]);
    h.update(data);
    Digest(h.finalize().into())
}

/// A body as a tree of blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// The root block's key (what an entry records).
    pub root: Digest,
    /// Every block of the tree, root last, each once.
    pub blocks: Vec<Block>,
}

/// Splits `body` into blocks: along its JSON structure when it is JSON, in fixed chunks
/// otherwise.
pub fn split(body: &[u8]) -> Tree {
    let mut blocks = Vec::new();
    let start = skip_ws(body, 0);
    let piece = match value_end(body, start) {
        Some(e) if start < body.len() && skip_ws(body, e) == body.len() => {
            let mut b = Builder::default();
            b.inline(&body[..start]);
            b.value(body, start, e, 0, &mut blocks);
            b.inline(&body[e..]);
            b.finish(&mut blocks)
        }
        _ => chunked(body, &mut blocks),
    };
    tree(piece, blocks)
}

/// Splits `body` into fixed chunks only (for bodies whose structure repeats nothing, such as an
/// answer's event stream).
pub fn split_chunks(body: &[u8]) -> Tree {
    let mut blocks = Vec::new();
    let piece = chunked(body, &mut blocks);
    tree(piece, blocks)
}

/// The tree whose root is `piece` (a leaf made of it when it is inline bytes).
fn tree(piece: Piece, mut blocks: Vec<Block>) -> Tree {
    let root = match piece {
        Piece::Ref(hash) => hash,
        Piece::Inline(bytes) => {
            let block = Block::leaf(&bytes);
            let hash = block.hash;
            blocks.push(block);
            hash
        }
    };
    dedup(&mut blocks);
    Tree { root, blocks }
}

fn dedup(blocks: &mut Vec<Block>) {
    let mut seen = std::collections::HashSet::new();
    blocks.retain(|b| seen.insert(b.hash));
}

fn chunked(body: &[u8], blocks: &mut Vec<Block>) -> Piece {
    if body.len() <= CHUNK {
        let block = Block::leaf(body);
        let hash = block.hash;
        blocks.push(block);
        return Piece::Ref(hash);
    }
    let mut b = Builder::default();
    for chunk in body.chunks(CHUNK) {
        let block = Block::leaf(chunk);
        b.reference(LEAF, block.hash);
        blocks.push(block);
    }
    b.finish(blocks)
}

/// What a value became: a block reference or bytes to inline.
enum Piece {
    Ref(Digest),
    Inline(Vec<u8>),
}

/// One piece of a node being built.
enum Item {
    Inline(Vec<u8>),
    Ref(u8, Digest),
}

/// Pieces of one node being built; adjacent inline bytes are merged.
#[derive(Default)]
struct Builder {
    items: Vec<Item>,
}

impl Builder {
    fn inline(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        match self.items.last_mut() {
            Some(Item::Inline(open)) => open.extend_from_slice(bytes),
            _ => self.items.push(Item::Inline(bytes.to_vec())),
        }
    }

    fn reference(&mut self, tag: u8, hash: Digest) {
        self.items.push(Item::Ref(tag, hash));
    }

    /// The node: one block, or, for a long list (a conversation's messages), a tree of blocks
    /// cut where a reference's key says so. The cuts depend only on the pieces before them, so
    /// a list that grows at its end keeps its earlier groups, and their blocks, unchanged.
    fn finish(self, out: &mut Vec<Block>) -> Piece {
        let mut items = self.items;
        if let [Item::Inline(bytes)] = items.as_mut_slice() {
            return Piece::Inline(std::mem::take(bytes));
        }
        while items.len() > FANOUT {
            let mut groups = Vec::new();
            let mut group = Vec::new();
            for item in items {
                let cut = matches!(item, Item::Ref(_, h) if h.0[0] % GROUP == 0);
                group.push(item);
                if cut {
                    groups.push(node_item(std::mem::take(&mut group), out));
                }
            }
            if !group.is_empty() {
                groups.push(node_item(group, out));
            }
            items = groups;
        }
        let block = Block::node(encode(&items));
        let hash = block.hash;
        out.push(block);
        Piece::Ref(hash)
    }

    fn value(&mut self, body: &[u8], start: usize, end: usize, depth: usize, out: &mut Vec<Block>) {
        let bytes = &body[start..end];
        if bytes.len() < LEAF_MIN {
            self.inline(bytes);
            return;
        }
        let container = matches!(bytes[0], b'{' | b'[');
        if !container || bytes.len() < SPLIT_AT || depth >= MAX_DEPTH {
            let block = Block::leaf(bytes);
            self.reference(LEAF, block.hash);
            out.push(block);
            return;
        }
        let mut child = Builder::default();
        child.container(body, start, end, depth + 1, out);
        match child.finish(out) {
            Piece::Ref(hash) => self.reference(NODE, hash),
            Piece::Inline(b) => self.inline(&b),
        }
    }

    /// The parts of an object or array spanning `start..end` (already known to be well formed).
    fn container(
        &mut self,
        body: &[u8],
        start: usize,
        end: usize,
        depth: usize,
        out: &mut Vec<Block>,
    ) {
        let object = body[start] == b'{';
        let mut at = start + 1;
        let mut glue = start;
        loop {
            at = skip_ws(body, at);
            if at >= end - 1 {
                break;
            }
            if object {
                // The key, its colon and the whitespace around them stay inline.
                let Some(k) = value_end(body, at) else { break };
                at = skip_ws(body, k);
                at = skip_ws(body, at + 1);
            }
            // Malformed input may run past the closing bracket: the rest stays inline.
            let Some(v) = value_end(body, at).filter(|&v| at < end - 1 && v < end) else {
                break;
            };
            self.inline(&body[glue..at]);
            self.value(body, at, v, depth, out);
            glue = v;
            at = skip_ws(body, v);
            if body.get(at) == Some(&b',') {
                at += 1;
            }
        }
        self.inline(&body[glue..end]);
    }
}

/// Lists longer than this are grouped into sub-nodes.
const FANOUT: usize = 32;

/// A reference whose key's first byte is a multiple of this ends a group (groups of about this
/// many references).
const GROUP: u8 = 8;

fn node_item(items: Vec<Item>, out: &mut Vec<Block>) -> Item {
    if items.len() == 1 && matches!(items[0], Item::Ref(..)) {
        return items.into_iter().next().unwrap_or(Item::Inline(Vec::new()));
    }
    let block = Block::node(encode(&items));
    let hash = block.hash;
    out.push(block);
    Item::Ref(NODE, hash)
}

fn encode(items: &[Item]) -> Vec<u8> {
    let mut data = Vec::new();
    for item in items {
        match item {
            Item::Inline(bytes) => {
                data.push(INLINE);
                data.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
                data.extend_from_slice(bytes);
            }
            Item::Ref(tag, hash) => {
                data.push(*tag);
                data.extend_from_slice(&hash.0);
            }
        }
    }
    data
}

fn skip_ws(b: &[u8], mut at: usize) -> usize {
    while at < b.len() && matches!(b[at], b' ' | b'\t' | b'\n' | b'\r') {
        at += 1;
    }
    at
}

/// The end of the JSON value starting at `at`, or `None` if the bytes there are not one. Only
/// structure is checked (strings, brackets, commas); scalars are taken as they come.
fn value_end(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    let mut stack: Vec<u8> = Vec::new();
    loop {
        let c = *b.get(i)?;
        match c {
            b'"' => {
                i += 1;
                loop {
                    match *b.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'{' | b'[' => {
                stack.push(if c == b'{' { b'}' } else { b']' });
                i += 1;
                continue;
            }
            b'}' | b']' => {
                if stack.pop() != Some(c) {
                    return None;
                }
                i += 1;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' if !stack.is_empty() => {
                i += 1;
                continue;
            }
            _ => {
                // A scalar: up to the next delimiter.
                let start = i;
                while i < b.len()
                    && !matches!(
                        b[i],
                        b',' | b'}'
                            | b']'
                            | b':'
                            | b' '
                            | b'\t'
                            | b'\n'
                            | b'\r'
                            | b'"'
                            | b'{'
                            | b'['
                    )
                {
                    i += 1;
                }
                if i == start {
                    return None;
                }
            }
        }
        if stack.is_empty() {
            return Some(i);
        }
    }
}

/// Why content could not be put back together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssembleError {
    /// A block is not in the store.
    #[error("content block {0} is missing")]
    Missing(Digest),
    /// A block was erased (retention).
    #[error("content block {0} was erased")]
    Erased(Digest),
    /// A block's bytes do not hash to its key: the store was altered.
    #[error("content block {0} does not match its hash")]
    Corrupt(Digest),
    /// A node's bytes cannot be read, or the tree is too deep.
    #[error("content block {0} is not a well-formed node")]
    Malformed(Digest),
    /// The store could not be read.
    #[error("{0}")]
    Store(String),
}

/// Puts the body with root `root` back together, checking every block against its key.
/// `fetch` reads a block from the store.
pub fn assemble<E: std::fmt::Display>(
    root: &Digest,
    fetch: &mut impl FnMut(&Digest) -> Result<Option<StoredBlock>, E>,
) -> Result<Vec<u8>, AssembleError> {
    let mut out = Vec::new();
    walk(
        root,
        None,
        fetch,
        &mut |bytes| out.extend_from_slice(bytes),
        0,
    )?;
    Ok(out)
}

/// Checks every block under `root` against its key without keeping the bytes; erased blocks are
/// counted, not errors. `checked` remembers blocks already checked, so shared blocks are read
/// once over many calls.
pub fn check<E: std::fmt::Display>(
    root: &Digest,
    fetch: &mut impl FnMut(&Digest) -> Result<Option<StoredBlock>, E>,
    checked: &mut std::collections::HashSet<Digest>,
) -> Result<u64, AssembleError> {
    let mut erased = 0;
    check_walk(root, None, fetch, checked, &mut erased, 0)?;
    Ok(erased)
}

fn fetch_checked<E: std::fmt::Display>(
    hash: &Digest,
    want_node: Option<bool>,
    fetch: &mut impl FnMut(&Digest) -> Result<Option<StoredBlock>, E>,
) -> Result<(bool, Vec<u8>), AssembleError> {
    let block = fetch(hash)
        .map_err(|e| AssembleError::Store(e.to_string()))?
        .ok_or(AssembleError::Missing(*hash))?;
    let data = block.data.ok_or(AssembleError::Erased(*hash))?;
    if want_node.is_some_and(|n| n != block.node) || key(block.node, &data) != *hash {
        return Err(AssembleError::Corrupt(*hash));
    }
    Ok((block.node, data))
}

fn walk<E: std::fmt::Display>(
    hash: &Digest,
    want_node: Option<bool>,
    fetch: &mut impl FnMut(&Digest) -> Result<Option<StoredBlock>, E>,
    emit: &mut impl FnMut(&[u8]),
    depth: usize,
) -> Result<(), AssembleError> {
    if depth > MAX_DEPTH + 2 {
        return Err(AssembleError::Malformed(*hash));
    }
    let (node, data) = fetch_checked(hash, want_node, fetch)?;
    if !node {
        emit(&data);
        return Ok(());
    }
    for piece in pieces(hash, &data)? {
        match piece {
            Part::Inline(bytes) => emit(bytes),
            Part::Ref(node, child) => walk(&child, Some(node), fetch, emit, depth + 1)?,
        }
    }
    Ok(())
}

fn check_walk<E: std::fmt::Display>(
    hash: &Digest,
    want_node: Option<bool>,
    fetch: &mut impl FnMut(&Digest) -> Result<Option<StoredBlock>, E>,
    checked: &mut std::collections::HashSet<Digest>,
    erased: &mut u64,
    depth: usize,
) -> Result<(), AssembleError> {
    if depth > MAX_DEPTH + 2 {
        return Err(AssembleError::Malformed(*hash));
    }
    if checked.contains(hash) {
        return Ok(());
    }
    let (node, data) = match fetch_checked(hash, want_node, fetch) {
        Err(AssembleError::Erased(_)) => {
            *erased += 1;
            return Ok(());
        }
        other => other?,
    };
    if node {
        for piece in pieces(hash, &data)? {
            if let Part::Ref(node, child) = piece {
                check_walk(&child, Some(node), fetch, checked, erased, depth + 1)?;
            }
        }
    }
    checked.insert(*hash);
    Ok(())
}

/// The keys of the blocks a node refers to, in order (for walking a tree without rebuilding
/// its body, as an export does).
pub fn children(hash: &Digest, data: &[u8]) -> Result<Vec<Digest>, AssembleError> {
    Ok(pieces(hash, data)?
        .into_iter()
        .filter_map(|p| match p {
            Part::Ref(_, d) => Some(d),
            Part::Inline(_) => None,
        })
        .collect())
}

enum Part<'a> {
    Inline(&'a [u8]),
    Ref(bool, Digest),
}

fn pieces<'a>(hash: &Digest, data: &'a [u8]) -> Result<Vec<Part<'a>>, AssembleError> {
    let bad = || AssembleError::Malformed(*hash);
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let tag = data[at];
        at += 1;
        match tag {
            INLINE => {
                let len = data.get(at..at + 4).ok_or_else(bad)?;
                let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
                at += 4;
                out.push(Part::Inline(data.get(at..at + len).ok_or_else(bad)?));
                at += len;
            }
            LEAF | NODE => {
                let d = data
                    .get(at..at + 32)
                    .and_then(Digest::from_slice)
                    .ok_or_else(bad)?;
                out.push(Part::Ref(tag == NODE, d));
                at += 32;
            }
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    fn store(tree: &Tree, into: &mut HashMap<Digest, StoredBlock>) {
        for b in &tree.blocks {
            into.insert(
                b.hash,
                StoredBlock {
                    node: b.node,
                    data: Some(b.data.clone()),
                },
            );
        }
    }

    fn rebuild(
        root: &Digest,
        blocks: &HashMap<Digest, StoredBlock>,
    ) -> Result<Vec<u8>, AssembleError> {
        assemble(root, &mut |h: &Digest| {
            Ok::<_, String>(blocks.get(h).cloned())
        })
    }

    fn conversation(turns: usize) -> Vec<Vec<u8>> {
        let mut messages: Vec<serde_json::Value> = Vec::new();
        let mut bodies = Vec::new();
        for t in 0..turns {
            messages.push(serde_json::json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": format!("toolu_{t}"), "content": format!("fn f{t}() {{}}\n").repeat(40 + (t * 37) % 200)}]}));
            let mut sent = messages.clone();
            if let Some(last) = sent.last_mut() {
                last["content"][0]["cache_control"] = serde_json::json!({"type": "ephemeral"});
            }
            bodies.push(serde_json::to_vec(&serde_json::json!({"model": "m", "max_tokens": 100, "system": "You are a coding agent. ".repeat(100), "messages": sent})).unwrap());
            messages.push(serde_json::json!({"role": "assistant", "content": [{"type": "text", "text": format!("turn {t} answer ").repeat(10)}]}));
        }
        bodies
    }

    #[test]
    fn bodies_come_back_byte_exact() {
        for body in conversation(5) {
            let tree = split(&body);
            let mut blocks = HashMap::new();
            store(&tree, &mut blocks);
            assert_eq!(rebuild(&tree.root, &blocks).unwrap(), body);
        }
    }

    #[test]
    fn a_resent_conversation_costs_its_new_content() {
        let bodies = conversation(30);
        let mut blocks = HashMap::new();
        for body in &bodies {
            store(&split(body), &mut blocks);
        }
        let stored: usize = blocks
            .values()
            .map(|b| b.data.as_ref().unwrap().len())
            .sum();
        let last = bodies.last().unwrap().len();
        let sent: usize = bodies.iter().map(Vec::len).sum();
        assert!(
            (stored as f64) < 1.5 * last as f64,
            "stored {stored} bytes for a {last}-byte final turn ({sent} sent)"
        );
    }

    #[test]
    fn a_changed_block_is_named() {
        let body = conversation(3).pop().unwrap();
        let tree = split(&body);
        let mut blocks = HashMap::new();
        store(&tree, &mut blocks);
        let victim = tree.blocks.iter().find(|b| !b.node).unwrap().hash;
        if let Some(b) = blocks.get_mut(&victim) {
            b.data.as_mut().unwrap()[0] ^= 1;
        }
        assert_eq!(
            rebuild(&tree.root, &blocks),
            Err(AssembleError::Corrupt(victim))
        );
        let mut checked = Default::default();
        assert_eq!(
            check(
                &tree.root,
                &mut |h: &Digest| Ok::<_, String>(blocks.get(h).cloned()),
                &mut checked
            ),
            Err(AssembleError::Corrupt(victim))
        );
    }

    #[test]
    fn erased_blocks_are_counted_not_failed() {
        let body = conversation(2).pop().unwrap();
        let tree = split(&body);
        let mut blocks = HashMap::new();
        store(&tree, &mut blocks);
        let victim = tree.blocks.iter().find(|b| !b.node).unwrap().hash;
        blocks.get_mut(&victim).unwrap().data = None;
        let mut checked = Default::default();
        let erased = check(
            &tree.root,
            &mut |h: &Digest| Ok::<_, String>(blocks.get(h).cloned()),
            &mut checked,
        )
        .unwrap();
        assert_eq!(erased, 1);
        assert_eq!(
            rebuild(&tree.root, &blocks),
            Err(AssembleError::Erased(victim))
        );
    }

    #[test]
    fn non_json_and_large_bodies_are_chunked() {
        let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let tree = split(&body);
        let mut blocks = HashMap::new();
        store(&tree, &mut blocks);
        assert_eq!(rebuild(&tree.root, &blocks).unwrap(), body);
        assert_eq!(tree.blocks.len(), 5, "four chunks and their node");
        let tree = split_chunks(b"data: {}\n\n");
        store(&tree, &mut blocks);
        assert_eq!(rebuild(&tree.root, &blocks).unwrap(), b"data: {}\n\n");
        let tree = split(b"");
        store(&tree, &mut blocks);
        assert_eq!(rebuild(&tree.root, &blocks).unwrap(), b"");
    }

    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[a-z \\\\\"\u{e9}]{0,300}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(6, 200, 12, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..12).prop_map(serde_json::Value::from),
                prop::collection::btree_map("[a-z_]{1,8}", inner, 0..12)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_comes_back_byte_exact(v in json(), pretty in any::<bool>(), pad in "[ \n]{0,3}") {
            let mut body = pad.clone().into_bytes();
            body.extend(if pretty { serde_json::to_vec_pretty(&v).unwrap() } else { serde_json::to_vec(&v).unwrap() });
            body.extend(pad.as_bytes());
            let tree = split(&body);
            let mut blocks = HashMap::new();
            store(&tree, &mut blocks);
            prop_assert_eq!(rebuild(&tree.root, &blocks).unwrap(), body);
        }

        #[test]
        fn any_bytes_come_back_byte_exact(body in prop::collection::vec(any::<u8>(), 0..3000)) {
            let tree = split(&body);
            let mut blocks = HashMap::new();
            store(&tree, &mut blocks);
            prop_assert_eq!(rebuild(&tree.root, &blocks).unwrap(), body);
        }
    }
}
