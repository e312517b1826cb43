//! A store held in memory, with a switch that makes writes fail: what tests use to show how the
//! ledger and the gateway behave when the database cannot write (disk full, I/O error), and
//! that they recover once it can again.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::chain::{self, Head, Sealed};
use crate::content::Block;
use crate::entry::{Digest, Draft};
use crate::store::{Stats, Store, StoreError, StoredBlock};

/// An in-memory [`Store`]. Clones share the same contents.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<std::sync::Mutex<Inner>>,
    failing: Arc<AtomicBool>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<Sealed>,
    blocks: HashMap<Digest, StoredBlock>,
    checkpoints: Vec<(u64, String)>,
    meta: HashMap<String, String>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// While `on`, every append fails as a full disk would.
    pub fn fail_writes(&self, on: bool) {
        self.failing.store(on, Ordering::SeqCst);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep using it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn append(&mut self, drafts: &[Draft], blocks: &[Block]) -> Result<Vec<Sealed>, StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Database(
                "database or disk is full (simulated)".into(),
            ));
        }
        let mut inner = self.lock();
        let mut head = inner
            .entries
            .last()
            .map(|s| Head {
                seq: s.seq,
                hash: s.hash,
            })
            .unwrap_or_default();
        let sealed = chain::seal_all(&mut head, drafts);
        inner.entries.extend(sealed.iter().cloned());
        for b in blocks {
            inner.blocks.entry(b.hash).or_insert_with(|| StoredBlock {
                node: b.node,
                data: Some(b.data.clone()),
            });
        }
        Ok(sealed)
    }

    fn head(&mut self) -> Result<Head, StoreError> {
        Ok(self
            .lock()
            .entries
            .last()
            .map(|s| Head {
                seq: s.seq,
                hash: s.hash,
            })
            .unwrap_or_default())
    }

    fn entries(&mut self, after: u64, limit: usize) -> Result<Vec<Sealed>, StoreError> {
        Ok(self
            .lock()
            .entries
            .iter()
            .filter(|e| e.seq > after)
            .take(limit)
            .cloned()
            .collect())
    }

    fn entries_between(&mut self, since_ms: i64, until_ms: i64) -> Result<Vec<Sealed>, StoreError> {
        Ok(self
            .lock()
            .entries
            .iter()
            .filter(|e| e.at_ms >= since_ms && e.at_ms < until_ms)
            .cloned()
            .collect())
    }

    fn exchange(&mut self, id: &str) -> Result<Vec<Sealed>, StoreError> {
        Ok(self
            .lock()
            .entries
            .iter()
            .filter(|e| e.exchange == id)
            .cloned()
            .collect())
    }

    fn unfinished(&mut self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let inner = self.lock();
        let ended: std::collections::HashSet<&str> = inner
            .entries
            .iter()
            .filter(|e| e.kind != "start")
            .map(|e| e.exchange.as_str())
            .collect();
        Ok(inner
            .entries
            .iter()
            .filter(|e| e.kind == "start" && !ended.contains(e.exchange.as_str()))
            .map(|e| (e.exchange.clone(), e.body.clone()))
            .collect())
    }

    fn block(&mut self, hash: &Digest) -> Result<Option<StoredBlock>, StoreError> {
        Ok(self.lock().blocks.get(hash).cloned())
    }

    fn erase(&mut self, hashes: &[Digest]) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let mut n = 0;
        for h in hashes {
            if let Some(b) = inner.blocks.get_mut(h) {
                if b.data.take().is_some() {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    fn put_checkpoint(&mut self, seq: u64, note: &str) -> Result<(), StoreError> {
        let mut inner = self.lock();
        inner.checkpoints.retain(|(s, _)| *s != seq);
        inner.checkpoints.push((seq, note.to_owned()));
        inner.checkpoints.sort_by_key(|(s, _)| *s);
        Ok(())
    }

    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StoreError> {
        Ok(self.lock().checkpoints.clone())
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock().meta.get(key).cloned())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock().meta.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        let inner = self.lock();
        Ok(Stats {
            entries: inner.entries.len() as u64,
            entry_bytes: inner.entries.iter().map(|e| e.body.len() as u64).sum(),
            blocks: inner.blocks.len() as u64,
            block_bytes: inner
                .blocks
                .values()
                .filter_map(|b| b.data.as_ref())
                .map(|d| d.len() as u64)
                .sum(),
        })
    }
}
