//! Verification: recompute everything the ledger claims and name the first entry that does not
//! hold.
//!
//! From the database alone this detects an edited entry (its body or a column), a deleted,
//! inserted or reordered entry, and a changed, missing or foreign content block. Against a
//! checkpoint kept outside the database (and the ledger's public key) it also detects a
//! truncated tail, a database rolled back to an older copy, and a chain rewritten and re-signed
//! with another key.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use crate::chain::{self, Head};
use crate::checkpoint::{self, PublicKey};
use crate::content::{self, AssembleError};
use crate::entry::{Canonical, Content, Digest, Event};
use crate::store::{Store, StoreError};

/// Entries read per round trip.
const PAGE: usize = 2000;

/// Problems listed at most (the first is what matters).
const MAX_PROBLEMS: usize = 100;

/// Something that does not hold, at an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The first sequence number concerned.
    pub seq: u64,
    /// What is wrong, in words.
    pub what: String,
}

/// What verification found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Entries checked.
    pub entries: u64,
    /// The head recomputed.
    pub head: Head,
    /// Checkpoints checked (database and external).
    pub checkpoints: u64,
    /// Whether checkpoint signatures were checked (a public key was given).
    pub signatures_checked: bool,
    /// Content blocks checked.
    pub blocks: u64,
    /// Content blocks found erased (retention; not a problem).
    pub erased: u64,
    /// Problems, ordered by sequence number; empty when the ledger verifies.
    pub problems: Vec<Problem>,
    /// How long verification took.
    pub took: Duration,
}

impl Report {
    /// The first bad entry, if any.
    pub fn first_bad(&self) -> Option<&Problem> {
        self.problems.first()
    }
}

/// Verifies the whole ledger in `store`. `key` checks checkpoint signatures (without it only
/// their heads are compared); `external` are checkpoint notes kept outside the database.
/// `progress` is called with the number of entries checked so far, every page.
pub fn verify(
    store: &mut dyn Store,
    key: Option<&PublicKey>,
    external: &[String],
    progress: &mut dyn FnMut(u64),
) -> Result<Report, StoreError> {
    let started = Instant::now();
    let mut report = Report {
        signatures_checked: key.is_some(),
        ..Report::default()
    };
    let mut problems: Vec<Problem> = Vec::new();

    // Checkpoints: the heads they claim, by sequence number.
    let mut claims: BTreeMap<u64, Vec<(Digest, String)>> = BTreeMap::new();
    let stored = store.checkpoints()?;
    let notes = stored
        .iter()
        .map(|(seq, n)| (format!("checkpoint {seq} in the database"), n.clone()))
        .chain(
            external
                .iter()
                .map(|n| ("the external checkpoint".to_string(), n.clone())),
        );
    for (source, text) in notes {
        report.checkpoints += 1;
        let parsed = match key {
            Some(k) => checkpoint::open(&text, k),
            None => checkpoint::parse(&text),
        };
        match parsed {
            Ok(c) => claims.entry(c.seq).or_default().push((c.head, source)),
            Err(e) => {
                let seq = checkpoint::parse(&text).map(|c| c.seq).unwrap_or(0);
                note(&mut problems, seq, format!("{source}: {e}"));
            }
        }
    }

    let mut prev = Head::default();
    let mut recomputed = Digest::default();
    let mut checked: HashSet<Digest> = HashSet::new();
    loop {
        let page = store.entries(prev.seq, PAGE)?;
        if page.is_empty() {
            break;
        }
        for row in page {
            let expected = prev.seq + 1;
            if row.seq != expected {
                note(
                    &mut problems,
                    expected,
                    format!(
                        "entries {expected}..{} are missing (deleted, or the sequence was altered)",
                        row.seq - 1
                    ),
                );
            }
            let leaf = chain::leaf(&row.body);
            if chain::link(&prev.hash, &leaf) != row.hash {
                note(
                    &mut problems,
                    row.seq,
                    "its bytes do not match the chain (the entry was edited, inserted or moved)"
                        .into(),
                );
            }
            recomputed = chain::link(&recomputed, &leaf);
            match Canonical::decode(&row.body) {
                Err(e) => note(
                    &mut problems,
                    row.seq,
                    format!("its body cannot be read: {e}"),
                ),
                Ok(c) => {
                    if c.seq != row.seq {
                        note(
                            &mut problems,
                            row.seq,
                            format!("its body says it is entry {}", c.seq),
                        );
                    }
                    if c.at_ms != row.at_ms
                        || c.exchange != row.exchange
                        || c.event.kind() != row.kind
                    {
                        note(
                            &mut problems,
                            row.seq,
                            "a column (time, exchange or kind) differs from the signed body".into(),
                        );
                    }
                    for content in contents(&c.event) {
                        let Some(digest) = content.digest.filter(|_| content.stored) else {
                            continue;
                        };
                        let before = checked.len();
                        match content::check(
                            &digest,
                            &mut |h: &Digest| store.block(h),
                            &mut checked,
                        ) {
                            Ok(erased) => report.erased += erased,
                            Err(AssembleError::Store(e)) => return Err(StoreError::Database(e)),
                            Err(e) => note(&mut problems, row.seq, format!("its content: {e}")),
                        }
                        report.blocks += (checked.len() - before) as u64;
                    }
                }
            }
            if let Some(claimed) = claims.get(&row.seq) {
                for (head, source) in claimed {
                    if *head != row.hash {
                        note(
                            &mut problems,
                            row.seq,
                            format!(
                                "{source} signed a different head for this entry (the ledger was rewritten or rolled back)"
                            ),
                        );
                    }
                }
            }
            prev = Head {
                seq: row.seq,
                hash: row.hash,
            };
            report.entries += 1;
        }
        progress(report.entries);
    }
    if let Some((&seq, claimed)) = claims.range(prev.seq + 1..).next() {
        note(
            &mut problems,
            prev.seq + 1,
            format!(
                "{} covers entries up to {seq}, but the ledger ends at {} (truncated or rolled back)",
                claimed[0].1, prev.seq
            ),
        );
    }
    let head = store.head()?;
    if head != prev {
        note(
            &mut problems,
            prev.seq.min(head.seq) + 1,
            format!(
                "the chain head row says entry {} but the entries end at {}",
                head.seq, prev.seq
            ),
        );
    }
    problems.sort_by_key(|p| p.seq);
    report.problems = problems;
    report.head = Head {
        seq: prev.seq,
        hash: recomputed,
    };
    report.took = started.elapsed();
    Ok(report)
}

fn note(problems: &mut Vec<Problem>, seq: u64, what: String) {
    if problems.len() < MAX_PROBLEMS {
        problems.push(Problem { seq, what });
    }
}

/// Every content reference of an event.
pub fn contents(event: &Event) -> Vec<Content> {
    match event {
        Event::Start(s) => vec![s.request],
        Event::Finish(f) => f
            .attempts
            .iter()
            .map(|a| a.sent)
            .chain(std::iter::once(f.response))
            .collect(),
        Event::Interrupted { .. } | Event::Tunnel(_) => Vec::new(),
    }
}
