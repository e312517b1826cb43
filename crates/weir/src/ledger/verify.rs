//! `weir verify`: recompute the chain, the content and the checkpoints, and name the first entry
//! that does not hold.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use weir_ledger::checkpoint::{PublicKey, Signer};
use weir_ledger::entry::{Digest, Draft};
use weir_ledger::verify::{self, Report};
use weir_ledger::{Block, Head, Sealed, Stats, Store, StoreError, StoredBlock};

use super::open;
use super::table::grouped;
use crate::cli::{TextFormat, VerifyArgs};

/// Other problems listed after the first.
const MORE_PROBLEMS: usize = 20;

/// Progress is shown every this many entries (on a terminal).
const PROGRESS_EVERY: u64 = 100_000;

/// Exit code when the ledger could not be read at all.
const CANNOT_VERIFY: u8 = 2;

/// Where the public key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum KeySource {
    Option,
    KeyFile,
    Database,
    Export,
    None,
}

/// `weir verify`.
pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    match prepare(&args) {
        Ok(mut p) => run(&args, &mut p),
        Err(e) => {
            eprintln!("weir: {e:#}");
            Ok(ExitCode::from(CANNOT_VERIFY))
        }
    }
}

/// A ledger ready to verify.
struct Prepared {
    store: Box<dyn Store>,
    location: String,
    key: Option<PublicKey>,
    key_source: KeySource,
    external: Vec<String>,
    warnings: Vec<String>,
}

fn prepare(args: &VerifyArgs) -> anyhow::Result<Prepared> {
    let mut warnings = Vec::new();
    let given_key = args
        .public_key
        .as_deref()
        .map(|k| {
            k.parse::<PublicKey>().map_err(|e| {
                anyhow!("--public-key: {e} (it looks like `weir-ledger/<hex>+<8 hex>+<base64>`; `weir verify` prints the ledger's key)")
            })
        })
        .transpose()?;
    let mut external = Vec::new();
    for path in &args.checkpoint {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the checkpoint file {}", path.display()))?;
        let notes = split_notes(&text);
        if notes.is_empty() {
            bail!("{} holds no checkpoint", path.display());
        }
        external.extend(notes);
    }

    if let Some(path) = &args.export {
        let store = ExportStore::load(path)?;
        if !store.content {
            warnings.push("this export was made without --content: content is not checked (its blocks count as erased)".into());
        }
        let (key, key_source) = match given_key {
            Some(k) => (Some(k), KeySource::Option),
            None => match store.public_key.as_deref().map(str::parse::<PublicKey>) {
                Some(Ok(k)) => {
                    warnings.push(
                        "the public key was read from the export itself: a rewritten and re-signed export would pass; pass the ledger's key with --public-key to rule that out"
                            .into(),
                    );
                    (Some(k), KeySource::Export)
                }
                _ => {
                    warnings.push("no public key (none in the export, no --public-key): checkpoint signatures are not checked, only the heads they state".into());
                    (None, KeySource::None)
                }
            },
        };
        return Ok(Prepared {
            location: path.display().to_string(),
            store: Box::new(store),
            key,
            key_source,
            external,
            warnings,
        });
    }

    let mut ledger = open(args.config.config.as_deref())?;
    let settings = &ledger.settings;
    let file = &settings.checkpoint_file;
    if file.is_file() {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the checkpoint file {}", file.display()))?;
        external.extend(split_notes(&text));
    }
    let db = |e: StoreError| anyhow!("{e}");
    let origin = ledger.store.meta("origin").map_err(db)?;
    let recorded = ledger.store.meta("public_key").map_err(db)?;
    let (key, key_source) = if let Some(k) = given_key {
        (Some(k), KeySource::Option)
    } else if let Some(k) = key_from_file(&settings.key_file, origin.as_deref(), &mut warnings) {
        if recorded
            .as_deref()
            .is_some_and(|r| r.trim() != k.to_string())
        {
            warnings.push(format!(
                "the database records another public key than the key file {} holds: checkpoints are checked against the key file's",
                settings.key_file.display()
            ));
        }
        (Some(k), KeySource::KeyFile)
    } else {
        match recorded.as_deref().map(str::parse::<PublicKey>) {
            Some(Ok(k)) => {
                warnings.push(format!(
                    "the public key was read from the database itself (the key file {} is not here): a chain rewritten and re-signed with another key would pass; pass the ledger's key with --public-key to rule that out",
                    settings.key_file.display()
                ));
                (Some(k), KeySource::Database)
            }
            Some(Err(e)) => {
                warnings.push(format!("the public key recorded in the database is unreadable ({e}): checkpoint signatures are not checked"));
                (None, KeySource::None)
            }
            None => {
                warnings.push("no public key (no key file, none in the database): checkpoint signatures are not checked, only the heads they state".into());
                (None, KeySource::None)
            }
        }
    };
    Ok(Prepared {
        location: ledger.location.describe(),
        store: ledger.store,
        key,
        key_source,
        external,
        warnings,
    })
}

/// The public key of the seed in the key file, if the file is there and readable. Never
/// creates it.
fn key_from_file(
    path: &Path,
    origin: Option<&str>,
    warnings: &mut Vec<String>,
) -> Option<PublicKey> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            warnings.push(format!("cannot read the key file {}: {e}", path.display()));
            return None;
        }
    };
    let Some(seed) = B64
        .decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
    else {
        warnings.push(format!(
            "the key file {} does not hold a base64 Ed25519 seed; it is ignored",
            path.display()
        ));
        return None;
    };
    let origin = origin?;
    Some(Signer::from_seed(origin, seed).public())
}

/// The checkpoint notes in a file (one, or several one after another).
fn split_notes(text: &str) -> Vec<String> {
    let mut notes = Vec::new();
    let mut current = String::new();
    let mut in_signatures = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if in_signatures && !bare.starts_with('\u{2014}') {
            if !current.trim().is_empty() {
                notes.push(std::mem::take(&mut current));
            }
            current.clear();
            in_signatures = false;
            if bare.is_empty() {
                continue;
            }
        }
        if current.is_empty() && bare.is_empty() {
            continue;
        }
        current.push_str(line);
        if bare.is_empty() {
            in_signatures = true;
        }
    }
    if !current.trim().is_empty() {
        notes.push(current);
    }
    notes
}

fn run(args: &VerifyArgs, p: &mut Prepared) -> anyhow::Result<ExitCode> {
    let json = args.format == TextFormat::Json;
    for w in &p.warnings {
        eprintln!("warning: {w}");
    }
    let show_progress = !json && std::io::stderr().is_terminal();
    let mut shown = 0u64;
    let mut progress = |n: u64| {
        if show_progress && n / PROGRESS_EVERY > shown / PROGRESS_EVERY {
            shown = n;
            eprint!("\rverifying: {} entries checked", grouped(n));
            let _ = std::io::stderr().flush();
        }
    };
    let result = verify::verify(p.store.as_mut(), p.key.as_ref(), &p.external, &mut progress);
    if shown > 0 {
        eprint!("\r\x1b[K");
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("weir: cannot verify the ledger at {}: {e}", p.location);
            return Ok(ExitCode::from(CANNOT_VERIFY));
        }
    };
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &ReportJson::of(&report, p))?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &report, p)?;
    }
    out.flush()?;
    Ok(if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_text(out: &mut impl Write, r: &Report, p: &Prepared) -> std::io::Result<()> {
    let signatures = if r.signatures_checked {
        "signatures checked"
    } else {
        "signatures NOT checked: no public key"
    };
    match r.first_bad() {
        None => {
            writeln!(
                out,
                "ledger verified: {} entries, head {}, {} checkpoints ({signatures}), {} content blocks checked, {} erased, in {} ms",
                grouped(r.entries),
                r.head.hash.hex(),
                grouped(r.checkpoints),
                grouped(r.blocks),
                grouped(r.erased),
                r.took.as_millis()
            )?;
            writeln!(out, "ledger: {}", p.location)?;
            if let Some(k) = &p.key {
                writeln!(
                    out,
                    "public key ({}): {k}",
                    match p.key_source {
                        KeySource::Option => "given",
                        KeySource::KeyFile => "from the key file",
                        KeySource::Database => "from the database",
                        KeySource::Export => "from the export",
                        KeySource::None => "none",
                    }
                )?;
            }
        }
        Some(first) => {
            writeln!(
                out,
                "ledger verification FAILED: {} problem{} in {} ({} entries read)",
                r.problems.len(),
                if r.problems.len() == 1 { "" } else { "s" },
                p.location,
                grouped(r.entries)
            )?;
            writeln!(out)?;
            writeln!(
                out,
                "first bad entry: seq {} \u{2014} {}",
                first.seq, first.what
            )?;
            let rest = &r.problems[1..];
            if !rest.is_empty() {
                writeln!(out)?;
                writeln!(out, "other problems:")?;
                for problem in rest.iter().take(MORE_PROBLEMS) {
                    writeln!(out, "  seq {}: {}", problem.seq, problem.what)?;
                }
                if rest.len() > MORE_PROBLEMS {
                    writeln!(
                        out,
                        "  ... and {} more (--format json lists them)",
                        rest.len() - MORE_PROBLEMS
                    )?;
                }
            }
            writeln!(out)?;
            writeln!(
                out,
                "Entries from seq {} on cannot be trusted as recorded. Keep this database as it is for investigation; `weir log show` and `weir export` still read it.",
                first.seq
            )?;
            writeln!(
                out,
                "({} checkpoints, {signatures})",
                grouped(r.checkpoints)
            )?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct ReportJson<'a> {
    ok: bool,
    ledger: &'a str,
    entries: u64,
    head_seq: u64,
    head: String,
    checkpoints: u64,
    signatures_checked: bool,
    public_key: Option<String>,
    key_source: KeySource,
    blocks: u64,
    erased: u64,
    took_ms: u128,
    first_bad: Option<ProblemJson<'a>>,
    problems: Vec<ProblemJson<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct ProblemJson<'a> {
    seq: u64,
    what: &'a str,
}

impl<'a> ReportJson<'a> {
    fn of(r: &'a Report, p: &'a Prepared) -> ReportJson<'a> {
        let problem = |x: &'a verify::Problem| ProblemJson {
            seq: x.seq,
            what: &x.what,
        };
        ReportJson {
            ok: r.problems.is_empty(),
            ledger: &p.location,
            entries: r.entries,
            head_seq: r.head.seq,
            head: r.head.hash.hex(),
            checkpoints: r.checkpoints,
            signatures_checked: r.signatures_checked,
            public_key: p.key.as_ref().map(ToString::to_string),
            key_source: p.key_source,
            blocks: r.blocks,
            erased: r.erased,
            took_ms: r.took.as_millis(),
            first_bad: r.first_bad().map(problem),
            problems: r.problems.iter().map(problem).collect(),
            warnings: &p.warnings,
        }
    }
}

/// A file written by `weir export`, read into memory and served as a read-only store, so that
/// the same verification runs on it.
struct ExportStore {
    entries: Vec<Sealed>,
    blocks: HashMap<Digest, StoredBlock>,
    checkpoints: Vec<(u64, String)>,
    origin: Option<String>,
    public_key: Option<String>,
    head: Option<Head>,
    /// Whether the export holds content blocks; without them every block reads as erased.
    content: bool,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Ledger {
        format: u32,
        origin: Option<String>,
        public_key: Option<String>,
        first_seq: Option<u64>,
        last_seq: Option<u64>,
        head: Option<String>,
        #[serde(default)]
        content: bool,
    },
    Entry {
        seq: u64,
        at_ms: i64,
        exchange: String,
        kind: String,
        body_b64: String,
        hash: String,
    },
    Block {
        hash: String,
        node: bool,
        data_b64: Option<String>,
    },
    Checkpoint {
        seq: u64,
        note: String,
    },
}

impl ExportStore {
    fn load(path: &PathBuf) -> anyhow::Result<ExportStore> {
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot open the export {}", path.display()))?;
        let mut store = ExportStore {
            entries: Vec::new(),
            blocks: HashMap::new(),
            checkpoints: Vec::new(),
            origin: None,
            public_key: None,
            head: None,
            content: false,
        };
        let mut header = false;
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let n = i + 1;
            let line = line.with_context(|| format!("cannot read {}", path.display()))?;
            if line.trim().is_empty() {
                continue;
            }
            let bad = |what: &str| anyhow!("{}:{n}: {what}", path.display());
            let parsed: Line = serde_json::from_str(&line)
                .map_err(|e| bad(&format!("not a line of a weir export ({e})")))?;
            match parsed {
                Line::Ledger {
                    format,
                    origin,
                    public_key,
                    first_seq,
                    last_seq,
                    head,
                    content,
                } => {
                    store.content = content;
                    if format != super::export::FORMAT {
                        return Err(bad(&format!(
                            "export format {format}; this weir reads format {}",
                            super::export::FORMAT
                        )));
                    }
                    if let Some(first) = first_seq.filter(|&f| f > 1) {
                        return Err(bad(&format!(
                            "this export starts at entry {first}: only an export from the first entry can be verified on its own (export without --since-seq)"
                        )));
                    }
                    store.origin = origin;
                    store.public_key = public_key;
                    if let (Some(seq), Some(hash)) =
                        (last_seq, head.as_deref().and_then(Digest::from_hex))
                    {
                        store.head = Some(Head { seq, hash });
                    }
                    header = true;
                }
                Line::Entry {
                    seq,
                    at_ms,
                    exchange,
                    kind,
                    body_b64,
                    hash,
                } => {
                    let body = B64
                        .decode(body_b64)
                        .map_err(|_| bad("body_b64 is not base64"))?;
                    let hash =
                        Digest::from_hex(&hash).ok_or_else(|| bad("hash is not 64 hex digits"))?;
                    store.entries.push(Sealed {
                        seq,
                        at_ms,
                        exchange,
                        kind,
                        body,
                        hash,
                    });
                }
                Line::Block {
                    hash,
                    node,
                    data_b64,
                } => {
                    let hash =
                        Digest::from_hex(&hash).ok_or_else(|| bad("hash is not 64 hex digits"))?;
                    let data = data_b64
                        .map(|d| B64.decode(d))
                        .transpose()
                        .map_err(|_| bad("data_b64 is not base64"))?;
                    store.blocks.insert(hash, StoredBlock { node, data });
                }
                Line::Checkpoint { seq, note } => store.checkpoints.push((seq, note)),
            }
        }
        if !header {
            bail!(
                "{} has no header line: it was not written by `weir export`",
                path.display()
            );
        }
        // As a database returns them: by sequence number.
        store.entries.sort_by_key(|e| e.seq);
        store.checkpoints.sort_by_key(|c| c.0);
        Ok(store)
    }

    fn read_only<T>() -> Result<T, StoreError> {
        Err(StoreError::Database(
            "an export is read-only and holds no index by time or exchange".into(),
        ))
    }
}

impl Store for ExportStore {
    fn append(&mut self, _: &[Draft], _: &[Block]) -> Result<Vec<Sealed>, StoreError> {
        ExportStore::read_only()
    }

    fn head(&mut self) -> Result<Head, StoreError> {
        Ok(self.head.unwrap_or_else(|| {
            self.entries.last().map_or(Head::default(), |e| Head {
                seq: e.seq,
                hash: e.hash,
            })
        }))
    }

    fn entries(&mut self, after: u64, limit: usize) -> Result<Vec<Sealed>, StoreError> {
        let from = self.entries.partition_point(|e| e.seq <= after);
        Ok(self.entries[from..].iter().take(limit).cloned().collect())
    }

    fn entries_between(&mut self, _: i64, _: i64) -> Result<Vec<Sealed>, StoreError> {
        ExportStore::read_only()
    }

    fn exchange(&mut self, _: &str) -> Result<Vec<Sealed>, StoreError> {
        ExportStore::read_only()
    }

    fn unfinished(&mut self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        ExportStore::read_only()
    }

    fn block(&mut self, hash: &Digest) -> Result<Option<StoredBlock>, StoreError> {
        if !self.content {
            return Ok(Some(StoredBlock {
                node: false,
                data: None,
            }));
        }
        Ok(self.blocks.get(hash).cloned())
    }

    fn erase(&mut self, _: &[Digest]) -> Result<u64, StoreError> {
        ExportStore::read_only()
    }

    fn put_checkpoint(&mut self, _: u64, _: &str) -> Result<(), StoreError> {
        ExportStore::read_only()
    }

    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StoreError> {
        Ok(self.checkpoints.clone())
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(match key {
            "origin" => self.origin.clone(),
            "public_key" => self.public_key.clone(),
            _ => None,
        })
    }

    fn set_meta(&mut self, _: &str, _: &str) -> Result<(), StoreError> {
        ExportStore::read_only()
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        Ok(Stats {
            entries: self.entries.len() as u64,
            entry_bytes: self.entries.iter().map(|e| e.body.len() as u64).sum(),
            blocks: self.blocks.len() as u64,
            block_bytes: self
                .blocks
                .values()
                .filter_map(|b| b.data.as_ref())
                .map(|d| d.len() as u64)
                .sum(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_files_may_hold_several_notes() {
        let a = "o\n1\nAAAA\ntime 1\n\n\u{2014} o sig1\n";
        let b = "o\n2\nBBBB\ntime 2\n\n\u{2014} o sig2\n\u{2014} p sig3\n";
        assert_eq!(split_notes(a), [a]);
        assert_eq!(split_notes(&format!("{a}{b}")), [a, b]);
        assert_eq!(split_notes(&format!("\n{a}\n\n{b}\n")), [a, b]);
        assert!(split_notes("").is_empty());
    }
}
