//! The ledger as the gateway uses it: one writer thread that orders every append, commits them
//! in groups, and signs checkpoints.
//!
//! # Durability contract
//!
//! In `strict` mode (the default), [`Ledger::append`] returns only once its entries are durable:
//! the SQLite transaction committed with `synchronous=FULL` in WAL mode, or the PostgreSQL
//! transaction committed with `synchronous_commit=on`. The gateway appends an exchange's start
//! entry before the request leaves for a vendor, and its finish entry before the client gets the
//! last byte of the answer, so an exchange a client saw complete is always in the ledger.
//!
//! Group commit keeps this cheap: while one transaction commits, appends queue up, and the next
//! transaction takes all of them (up to [`MAX_BATCH`] entries); nobody waits for a timer.
//!
//! In `relaxed` mode an append returns once queued; a crash may lose the last few entries.
//!
//! An exchange whose start entry has no finish is marked `interrupted` when the ledger next
//! opens (only exchanges started by this node: replicas sharing a database keep their own).
//!
//! When a write fails, the appends of that transaction get the error (the gateway refuses the
//! request, fail closed, unless configured otherwise) and the next transaction tries again, so
//! the ledger recovers by itself once the database can write.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::chain::Head;
use crate::checkpoint::{self, Checkpoint, PublicKey, Signer};
use crate::content::Block;
use crate::entry::{Canonical, Digest, Draft, Event};
use crate::store::{Store, StoreError};

/// Most entries in one transaction.
pub const MAX_BATCH: usize = 512;

/// Block keys remembered as already stored, so that a resent conversation is not shipped to
/// the database again on every turn.
const KNOWN_BLOCKS: usize = 200_000;

/// When an append counts as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Once committed to stable storage.
    Strict,
    /// Once queued.
    Relaxed,
}

/// How the writer runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// See [`Durability`].
    pub durability: Durability,
    /// Sign a checkpoint after this many entries...
    pub checkpoint_every: u64,
    /// ...or this long after the last one, whichever comes first (if there are new entries).
    pub checkpoint_interval: Duration,
    /// Where the latest checkpoint is also written, outside the database.
    pub checkpoint_file: Option<PathBuf>,
    /// This weir instance's name (recorded in start entries; recovery marks only its own).
    pub node: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            durability: Durability::Strict,
            checkpoint_every: 1000,
            checkpoint_interval: Duration::from_secs(60),
            checkpoint_file: None,
            node: "local".into(),
        }
    }
}

/// Why an append did not happen.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LedgerError {
    /// The database refused the write.
    #[error("the ledger could not record this exchange ({0})")]
    Write(String),
    /// The writer has stopped (weir is shutting down, or the writer failed).
    #[error("the ledger is closed")]
    Closed,
}

enum Job {
    Append {
        drafts: Vec<Draft>,
        blocks: Vec<Block>,
        done: Option<tokio::sync::oneshot::Sender<Result<(), LedgerError>>>,
    },
    Close(std::sync::mpsc::SyncSender<()>),
}

/// A handle to the ledger; clones share one writer.
#[derive(Clone)]
pub struct Ledger {
    tx: mpsc::Sender<Job>,
    healthy: Arc<AtomicBool>,
    durability: Durability,
    public: Option<PublicKey>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("healthy", &self.healthy())
            .finish()
    }
}

impl Ledger {
    /// Opens the ledger on `store`: marks this node's unfinished exchanges `interrupted`, records
    /// the public key, and starts the writer thread.
    pub fn open(
        mut store: Box<dyn Store>,
        signer: Option<Signer>,
        options: Options,
    ) -> Result<Ledger, StoreError> {
        let recovered = recover(store.as_mut(), &options.node)?;
        if recovered > 0 {
            tracing::warn!(
                exchanges = recovered,
                "the ledger had exchanges that never finished (weir stopped during them); they are marked interrupted"
            );
        }
        let public = signer.as_ref().map(Signer::public);
        if let Some(p) = &public {
            store.set_meta("public_key", &p.to_string())?;
        }
        let head = store.head()?;
        let last_checkpoint = store.checkpoints()?.last().map_or(0, |(s, _)| *s);
        let (tx, rx) = mpsc::channel();
        let healthy = Arc::new(AtomicBool::new(true));
        let writer = Writer {
            store,
            signer,
            options: options.clone(),
            healthy: Arc::clone(&healthy),
            head,
            last_checkpoint,
            last_checkpoint_at: Instant::now(),
            known: Known::default(),
        };
        std::thread::Builder::new()
            .name("weir-ledger".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| StoreError::Database(format!("cannot start the ledger writer: {e}")))?;
        Ok(Ledger {
            tx,
            healthy,
            durability: options.durability,
            public,
        })
    }

    /// Appends `drafts` with the content `blocks` they reference. In strict mode this returns
    /// once they are durable.
    pub async fn append(&self, drafts: Vec<Draft>, blocks: Vec<Block>) -> Result<(), LedgerError> {
        if self.durability == Durability::Relaxed {
            self.append_detached(drafts, blocks);
            return Ok(());
        }
        let (done, wait) = tokio::sync::oneshot::channel();
        self.tx
            .send(Job::Append {
                drafts,
                blocks,
                done: Some(done),
            })
            .map_err(|_| LedgerError::Closed)?;
        wait.await.unwrap_or(Err(LedgerError::Closed))
    }

    /// Appends without waiting (for entries written from a destructor: a client that went
    /// away). Failures are logged by the writer.
    pub fn append_detached(&self, drafts: Vec<Draft>, blocks: Vec<Block>) {
        let _ = self.tx.send(Job::Append {
            drafts,
            blocks,
            done: None,
        });
    }

    /// Whether the last write succeeded.
    pub fn healthy(&self) -> bool {
        self.healthy.load(Ordering::SeqCst)
    }

    /// The key that checks this ledger's checkpoints.
    pub fn public_key(&self) -> Option<&PublicKey> {
        self.public.as_ref()
    }

    /// Writes what is queued, signs a final checkpoint, closes the database, and waits for the
    /// writer to finish all of it. Other handles stop working.
    pub fn close(&self) {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        if self.tx.send(Job::Close(tx)).is_ok() {
            let _ = rx.recv_timeout(Duration::from_secs(30));
        }
    }
}

/// Appends an `interrupted` entry for every exchange `node` started and never finished.
fn recover(store: &mut dyn Store, node: &str) -> Result<usize, StoreError> {
    let open: Vec<String> = store
        .unfinished()?
        .into_iter()
        .filter(|(_, body)| match Canonical::decode(body) {
            Ok(c) => matches!(&c.event, Event::Start(s) if s.node == node),
            Err(_) => false,
        })
        .map(|(id, _)| id)
        .collect();
    let at_ms = now_ms();
    let drafts: Vec<Draft> = open
        .iter()
        .map(|id| Draft {
            at_ms,
            exchange: id.clone(),
            event: Event::Interrupted {
                reason: "weir stopped before the exchange finished".into(),
            },
        })
        .collect();
    for chunk in drafts.chunks(MAX_BATCH) {
        store.append(chunk, &[])?;
    }
    Ok(drafts.len())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Block keys known to be stored: two generations, so the memory stays bounded and recently
/// seen keys survive a rotation.
#[derive(Default)]
struct Known {
    current: std::collections::HashSet<Digest>,
    previous: std::collections::HashSet<Digest>,
}

impl Known {
    fn contains(&self, d: &Digest) -> bool {
        self.current.contains(d) || self.previous.contains(d)
    }

    fn insert(&mut self, d: Digest) {
        if self.current.len() >= KNOWN_BLOCKS {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(d);
    }
}

struct Writer {
    store: Box<dyn Store>,
    signer: Option<Signer>,
    options: Options,
    healthy: Arc<AtomicBool>,
    head: Head,
    last_checkpoint: u64,
    last_checkpoint_at: Instant,
    known: Known,
}

type Waiter = tokio::sync::oneshot::Sender<Result<(), LedgerError>>;

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Job>) {
        loop {
            let wait = self
                .options
                .checkpoint_interval
                .saturating_sub(self.last_checkpoint_at.elapsed())
                .max(Duration::from_millis(10));
            let first = match rx.recv_timeout(wait) {
                Ok(job) => job,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    self.maybe_checkpoint();
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.checkpoint();
                    return;
                }
            };
            let mut drafts = Vec::new();
            let mut blocks = Vec::new();
            let mut waiters: Vec<Waiter> = Vec::new();
            let mut close = None;
            let mut next = Some(first);
            while let Some(job) = next.take() {
                match job {
                    Job::Append {
                        drafts: d,
                        blocks: b,
                        done,
                    } => {
                        drafts.extend(d);
                        blocks.extend(b.into_iter().filter(|b| !self.known.contains(&b.hash)));
                        waiters.extend(done);
                    }
                    Job::Close(ack) => {
                        close = Some(ack);
                        break;
                    }
                }
                if drafts.len() < MAX_BATCH {
                    next = rx.try_recv().ok();
                }
            }
            if !drafts.is_empty() {
                self.commit(&drafts, blocks, waiters);
            }
            if let Some(ack) = close {
                self.checkpoint();
                // The database is closed before the caller hears back (SQLite folds its WAL
                // into the file then).
                drop(self);
                let _ = ack.send(());
                return;
            }
            self.maybe_checkpoint();
        }
    }

    fn commit(&mut self, drafts: &[Draft], mut blocks: Vec<Block>, waiters: Vec<Waiter>) {
        let mut seen = std::collections::HashSet::new();
        blocks.retain(|b| seen.insert(b.hash));
        match self.store.append(drafts, &blocks) {
            Ok(sealed) => {
                if !self.healthy.swap(true, Ordering::SeqCst) {
                    tracing::info!("the ledger is writing again");
                }
                if let Some(last) = sealed.last() {
                    self.head = Head {
                        seq: last.seq,
                        hash: last.hash,
                    };
                }
                for b in &blocks {
                    self.known.insert(b.hash);
                }
                for w in waiters {
                    let _ = w.send(Ok(()));
                }
            }
            Err(e) => {
                if self.healthy.swap(false, Ordering::SeqCst) {
                    tracing::error!(error = %e, "the ledger cannot write");
                }
                let error = LedgerError::Write(e.to_string());
                for w in waiters {
                    let _ = w.send(Err(error.clone()));
                }
            }
        }
    }

    fn maybe_checkpoint(&mut self) {
        let due = self.head.seq >= self.last_checkpoint + self.options.checkpoint_every.max(1)
            || self.last_checkpoint_at.elapsed() >= self.options.checkpoint_interval;
        if due {
            self.checkpoint();
        }
    }

    /// Signs the current head, if it moved since the last checkpoint, into the database and the
    /// checkpoint file.
    fn checkpoint(&mut self) {
        self.last_checkpoint_at = Instant::now();
        let Some(signer) = &self.signer else { return };
        if self.head.seq == 0 || self.head.seq == self.last_checkpoint {
            return;
        }
        let note = signer.sign(&Checkpoint {
            origin: signer.public().origin().to_owned(),
            seq: self.head.seq,
            head: self.head.hash,
            at_ms: now_ms(),
        });
        if let Err(e) = self.store.put_checkpoint(self.head.seq, &note) {
            tracing::error!(error = %e, "the ledger could not store a checkpoint");
            return;
        }
        if let Some(path) = &self.options.checkpoint_file {
            if let Err(e) = checkpoint::write_file(path, &note) {
                tracing::error!(path = %path.display(), error = %e, "the ledger could not write its checkpoint file");
            }
        }
        self.last_checkpoint = self.head.seq;
    }
}
