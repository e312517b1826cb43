//! `weir export`: the ledger as JSON Lines, streamed a page of entries at a time.

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use serde_json::value::RawValue;
use weir_ledger::entry::{Canonical, Digest};
use weir_ledger::{Store, content, verify};

use super::{json_line, open, time};
use crate::cli::ExportArgs;

/// Entries read per round trip.
const PAGE: usize = 1000;

/// The version of the export format.
pub const FORMAT: u32 = 1;

/// The first line of an export.
#[derive(Debug, Serialize)]
pub struct Header<'a> {
    /// `ledger`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// [`FORMAT`].
    pub format: u32,
    /// The ledger's name (checkpoint origin).
    pub origin: Option<&'a str>,
    /// The key that signs its checkpoints, as recorded in the database.
    pub public_key: Option<&'a str>,
    /// When the export was made.
    pub exported_at: String,
    /// The first entry exported.
    pub first_seq: u64,
    /// The chain's head before the first entry (zeros from the start), so a partial export can
    /// be checked from where it begins.
    pub prev_hash: Option<String>,
    /// The last entry exported (the head when the export began).
    pub last_seq: u64,
    /// The chain's head after it.
    pub head: String,
    /// Whether content blocks follow the entries that use them (`--content`).
    pub content: bool,
}

#[derive(Serialize)]
struct EntryLine<'a> {
    #[serde(rename = "type")]
    kind_of_line: &'static str,
    seq: u64,
    at_ms: i64,
    exchange: &'a str,
    kind: &'a str,
    body: Option<&'a RawValue>,
    body_b64: String,
    hash: String,
}

#[derive(Serialize)]
struct BlockLine {
    #[serde(rename = "type")]
    kind_of_line: &'static str,
    hash: String,
    node: bool,
    data_b64: Option<String>,
}

#[derive(Serialize)]
struct CheckpointLine<'a> {
    #[serde(rename = "type")]
    kind_of_line: &'static str,
    seq: u64,
    note: &'a str,
}

/// `weir export`.
pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let mut ledger = open(args.config.config.as_deref())?;
    let store = ledger.store.as_mut();
    let db = |e: weir_ledger::StoreError| anyhow!("{e}");
    let origin = store.meta("origin").map_err(db)?;
    let public_key = store.meta("public_key").map_err(db)?;
    // A consistent snapshot: entries appended while exporting are left for the next export.
    let head = store.head().map_err(db)?;
    let first = args.since_seq.unwrap_or(1);
    let prev_hash = if first <= 1 {
        Some(Digest::default().hex())
    } else {
        store
            .entries(first - 2, 1)
            .map_err(db)?
            .into_iter()
            .find(|e| e.seq == first - 1)
            .map(|e| e.hash.hex())
    };

    let (sink, path): (Box<dyn Write>, Option<&std::path::Path>) = match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            (Box::new(file), Some(path.as_path()))
        }
        None => (Box::new(std::io::stdout().lock()), None),
    };
    let mut out = BufWriter::with_capacity(256 * 1024, sink);
    json_line(
        &mut out,
        &Header {
            kind: "ledger",
            format: FORMAT,
            origin: origin.as_deref(),
            public_key: public_key.as_deref(),
            exported_at: time::iso_ms(time::now_ms()),
            first_seq: first,
            prev_hash,
            last_seq: head.seq,
            head: head.hash.hex(),
            content: args.content,
        },
    )?;

    let mut counts = Counts::default();
    let mut seen: HashSet<Digest> = HashSet::new();
    let mut after = first - 1;
    'pages: while after < head.seq {
        let page = store.entries(after, PAGE).map_err(db)?;
        if page.is_empty() {
            break;
        }
        for row in page {
            if row.seq > head.seq {
                break 'pages;
            }
            after = row.seq;
            let body = serde_json::from_slice::<&RawValue>(&row.body).ok();
            json_line(
                &mut out,
                &EntryLine {
                    kind_of_line: "entry",
                    seq: row.seq,
                    at_ms: row.at_ms,
                    exchange: &row.exchange,
                    kind: &row.kind,
                    body,
                    body_b64: B64.encode(&row.body),
                    hash: row.hash.hex(),
                },
            )?;
            counts.entries += 1;
            if args.content {
                if let Ok(c) = Canonical::decode(&row.body) {
                    for content in verify::contents(&c.event) {
                        if let Some(root) = content.digest.filter(|_| content.stored) {
                            blocks(store, root, &mut seen, &mut out, &mut counts)?;
                        }
                    }
                }
            }
        }
    }
    for (seq, note) in store.checkpoints().map_err(db)? {
        if seq + 1 < first || seq > head.seq {
            continue;
        }
        json_line(
            &mut out,
            &CheckpointLine {
                kind_of_line: "checkpoint",
                seq,
                note: &note,
            },
        )?;
        counts.checkpoints += 1;
    }
    out.flush()?;
    let sink = out.into_inner().map_err(|e| anyhow!("{}", e.error()))?;
    drop(sink);
    if let Some(path) = path {
        eprintln!(
            "exported {} entries, {} checkpoints{} to {}",
            counts.entries,
            counts.checkpoints,
            if args.content {
                format!(
                    ", {} content blocks ({} erased)",
                    counts.blocks, counts.erased
                )
            } else {
                String::new()
            },
            path.display()
        );
    }
    if counts.missing > 0 {
        eprintln!(
            "warning: {} content blocks referenced by entries are missing from the database (`weir verify` names the entries)",
            counts.missing
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Default)]
struct Counts {
    entries: u64,
    checkpoints: u64,
    blocks: u64,
    erased: u64,
    missing: u64,
}

/// Writes every block of the tree under `root` not written yet.
fn blocks(
    store: &mut dyn Store,
    root: Digest,
    seen: &mut HashSet<Digest>,
    out: &mut impl Write,
    counts: &mut Counts,
) -> anyhow::Result<()> {
    let mut todo = vec![root];
    while let Some(hash) = todo.pop() {
        if !seen.insert(hash) {
            continue;
        }
        let Some(block) = store.block(&hash).map_err(|e| anyhow!("{e}"))? else {
            counts.missing += 1;
            continue;
        };
        if let (true, Some(data)) = (block.node, &block.data) {
            // A malformed node is exported as it is; `weir verify` names it.
            todo.extend(content::children(&hash, data).unwrap_or_default());
        }
        counts.blocks += 1;
        counts.erased += u64::from(block.data.is_none());
        json_line(
            out,
            &BlockLine {
                kind_of_line: "block",
                hash: hash.hex(),
                node: block.node,
                data_b64: block.data.as_deref().map(|d| B64.encode(d)),
            },
        )?;
    }
    Ok(())
}
