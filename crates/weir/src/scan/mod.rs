//! `weir scan`: find secrets and personal data in files, standard input or git history, with
//! the detectors of `weir-detect`.
//!
//! The detector is compiled once and shared; each scanning thread keeps its own
//! [`weir_detect::Scratch`]. Files are read whole. What is pure (positions, masking,
//! fingerprints, allow comments, baselines, output formats) lives in [`text`], [`output`] and
//! [`baseline`]; [`files`] and [`git`] do the reading.

pub mod baseline;
pub mod files;
pub mod git;
pub mod output;
pub mod progress;
pub mod text;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use weir_detect::{Detector, Scratch};

use crate::cli::{ScanArgs, ScanFormat};
use output::Reported;
use progress::Progress;
use text::LineIndex;

/// Exit code when findings are reported.
const FOUND: u8 = 1;
/// Exit code when the scan could not be done.
const FAILED: u8 = 2;

/// The label of standard input in findings.
pub const STDIN_LABEL: &str = "<stdin>";

/// Runs `weir scan`: 0 nothing found, 1 findings, 2 the scan could not be done.
pub fn main(args: ScanArgs) -> ExitCode {
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("weir: {e:#}");
            ExitCode::from(FAILED)
        }
    }
}

/// Counts kept while scanning, shared by the scanning threads.
#[derive(Debug, Default)]
pub struct Stats {
    /// Files (or blobs) scanned.
    pub files: AtomicU64,
    /// Bytes scanned.
    pub bytes: AtomicU64,
    /// Skipped as binary.
    pub binary: AtomicU64,
    /// Skipped as larger than the limit.
    pub too_large: AtomicU64,
    /// Could not be read.
    pub unreadable: AtomicU64,
    /// Findings not reported because of a `weir:allow` comment.
    pub allowed: AtomicU64,
}

/// What every scanning thread shares.
pub struct Context<'a> {
    /// The compiled rules.
    pub detector: &'a Detector,
    /// The counts.
    pub stats: &'a Stats,
    /// The progress line.
    pub progress: &'a Progress,
    /// Files larger than this are skipped.
    pub max_file_size: u64,
}

impl Context<'_> {
    /// Scans one file's content: skipped (and counted) when binary or too large; findings on a
    /// line with a `weir:allow` comment covering them are counted, not reported.
    pub fn scan_blob(
        &self,
        hay: &[u8],
        path: &str,
        commit: Option<&str>,
        scratch: &mut Scratch,
    ) -> Vec<Reported> {
        if hay.len() as u64 > self.max_file_size {
            self.stats.too_large.fetch_add(1, Ordering::Relaxed);
            return Vec::new();
        }
        if text::is_binary(hay) {
            self.stats.binary.fetch_add(1, Ordering::Relaxed);
            return Vec::new();
        }
        self.scan_text(hay, path, commit, scratch)
    }

    /// Scans `hay` whatever it holds.
    pub fn scan_text(
        &self,
        hay: &[u8],
        path: &str,
        commit: Option<&str>,
        scratch: &mut Scratch,
    ) -> Vec<Reported> {
        self.stats.files.fetch_add(1, Ordering::Relaxed);
        self.stats
            .bytes
            .fetch_add(hay.len() as u64, Ordering::Relaxed);
        self.progress.add(hay.len() as u64);
        let found = self.detector.scan_with(hay, scratch);
        if found.is_empty() {
            return Vec::new();
        }
        let rules = self.detector.rules();
        let lines = LineIndex::new(hay);
        let is_rule = |id: &str| self.detector.rule_by_id(id).is_some();
        let mut out = Vec::with_capacity(found.len());
        for f in found {
            let rule = &rules[f.rule];
            let at = lines.locate(hay, f.start);
            if text::allowed(lines.line(hay, at.line), rule.id(), is_rule) {
                self.stats.allowed.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let secret = &hay[f.start..f.end];
            out.push(Reported {
                path: path.to_owned(),
                line: at.line,
                column: at.column,
                rule_id: rule.id().to_owned(),
                rule_name: rule.name().to_owned(),
                category: rule.category().as_str(),
                fingerprint: text::fingerprint(rule.id(), secret),
                preview: text::mask(secret),
                commit: commit.map(str::to_owned),
            });
        }
        out
    }
}

/// How a path is shown: as found, without a leading `./`.
pub fn path_label(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_owned()
}

/// Whether something is piped or redirected into standard input (a pipe, file or socket, not
/// a terminal nor `/dev/null`).
fn stdin_is_piped() -> bool {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::FileTypeExt;
        let Ok(fd) = stdin.as_fd().try_clone_to_owned() else {
            return false;
        };
        std::fs::File::from(fd).metadata().is_ok_and(|m| {
            let t = m.file_type();
            t.is_fifo() || t.is_file() || t.is_socket()
        })
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// What was scanned, for the summary.
enum Scanned {
    Files,
    History { commits: usize },
}

fn run(args: ScanArgs) -> anyhow::Result<ExitCode> {
    // The same rules the gateway runs: built-in ones not switched off in [dlp.rules], and the
    // organisation's own from [[dlp.custom]].
    let (config, origin) = crate::config_file::load(args.config.config.as_deref())?;
    let mut specs = weir_detect::builtin::specs().map_err(|e| {
        anyhow!("the built-in rules do not load ({e}): this is a bug in weir, please report it")
    })?;
    specs.retain(|r| config.dlp.rules.get(&r.id) != Some(&None));
    specs.extend(config.dlp.custom.clone());
    let detector = weir_detect::Detector::new(specs)
        .map_err(|e| anyhow!("cannot use the rules of {origin}: {e}"))?;
    let known = match &args.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                anyhow!(
                    "cannot read the baseline {}: {e}: pass a file written by `weir scan --write-baseline FILE`",
                    path.display()
                )
            })?;
            baseline::parse(&text).map_err(|e| {
                anyhow!(
                    "the baseline {} is not one: {e}: write it with `weir scan --write-baseline FILE`",
                    path.display()
                )
            })?
        }
        None => Default::default(),
    };

    let stats = Stats::default();
    let started = Instant::now();
    let (mut findings, scanned) = match &args.git {
        Some(repo) => {
            let history = git::history(repo)?;
            let progress = Progress::new(!args.quiet, "file versions");
            let ctx = Context {
                detector: &detector,
                stats: &stats,
                progress: &progress,
                max_file_size: args.max_file_size,
            };
            let found = git::scan_history(repo, &history, &ctx);
            progress.finish();
            (
                found?,
                Scanned::History {
                    commits: history.commits.len(),
                },
            )
        }
        None => {
            let mut paths = args.paths.clone();
            if paths.is_empty() {
                paths.push(PathBuf::from(if stdin_is_piped() { "-" } else { "." }));
            }
            let read_stdin = paths.iter().any(|p| p.as_os_str() == "-");
            paths.retain(|p| p.as_os_str() != "-");
            for path in &paths {
                if let Err(e) = std::fs::metadata(path) {
                    bail!(
                        "cannot scan {}: {e}: check the path (a file or directory to scan, or `-` for standard input)",
                        path.display()
                    );
                }
            }
            let progress = Progress::new(!args.quiet, "files");
            let ctx = Context {
                detector: &detector,
                stats: &stats,
                progress: &progress,
                max_file_size: args.max_file_size,
            };
            let mut found = Vec::new();
            if read_stdin {
                let mut hay = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut hay)
                    .context("cannot read standard input")?;
                let mut scratch = Scratch::new(&detector);
                found.extend(ctx.scan_text(&hay, STDIN_LABEL, None, &mut scratch));
            }
            found.extend(files::scan_paths(&paths, args.no_ignore, &ctx));
            progress.finish();
            (found, Scanned::Files)
        }
    };
    let elapsed = started.elapsed();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    if let Some(path) = &args.write_baseline {
        let mut text = serde_json::to_string_pretty(&baseline::render(&findings))?;
        text.push('\n');
        std::fs::write(path, text).map_err(|e| {
            anyhow!(
                "cannot write the baseline {}: {e}: check that its directory exists and is writable",
                path.display()
            )
        })?;
        if !args.quiet {
            eprintln!(
                "weir: {}",
                summary(
                    &stats,
                    &scanned,
                    findings.len(),
                    0,
                    elapsed,
                    args.max_file_size
                )
            );
            eprintln!(
                "weir: wrote {} fingerprint(s) to {}; scan with --baseline {} to report only new findings",
                findings.len(),
                path.display(),
                path.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }

    let (findings, in_baseline) = baseline::filter(findings, &known);
    match write_findings(&args, &detector, &findings) {
        Ok(()) => {}
        // `weir scan | head`: the reader has what it wanted.
        Err(e) if crate::ledger::is_broken_pipe(&e) => {}
        Err(e) => return Err(e.context("cannot write the findings")),
    }
    if !args.quiet {
        eprintln!(
            "weir: {}",
            summary(
                &stats,
                &scanned,
                findings.len(),
                in_baseline,
                elapsed,
                args.max_file_size
            )
        );
    }
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FOUND)
    })
}

/// Whether to colour stdout: a terminal, and `NO_COLOR` unset or empty.
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn write_findings(
    args: &ScanArgs,
    detector: &Detector,
    findings: &[Reported],
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        ScanFormat::Text => {
            let colour = colour();
            for r in findings {
                writeln!(out, "{}", output::text_line(r, colour))?;
            }
        }
        ScanFormat::Json => {
            for r in findings {
                writeln!(out, "{}", output::json_line(r))?;
            }
        }
        ScanFormat::Sarif => {
            serde_json::to_writer_pretty(&mut out, &output::sarif(detector.rules(), findings))?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The summary line: what was scanned, how fast, what was found and what was skipped.
fn summary(
    stats: &Stats,
    scanned: &Scanned,
    found: usize,
    in_baseline: usize,
    elapsed: Duration,
    max_file_size: u64,
) -> String {
    let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
    let bytes = get(&stats.bytes);
    let secs = elapsed.as_secs_f64();
    let what = match scanned {
        Scanned::Files => format!("{} file(s)", get(&stats.files)),
        Scanned::History { commits } => {
            format!(
                "{} file version(s) from {commits} commit(s)",
                get(&stats.files)
            )
        }
    };
    let mut line = format!(
        "scanned {what} ({}) in {secs:.2}s ({}/s): {found} finding(s)",
        text::human_bytes(bytes),
        text::human_bytes((bytes as f64 / secs.max(1e-6)) as u64),
    );
    let mut skipped = Vec::new();
    if get(&stats.binary) > 0 {
        skipped.push(format!("{} binary", get(&stats.binary)));
    }
    if get(&stats.too_large) > 0 {
        skipped.push(format!(
            "{} larger than {} (--max-file-size)",
            get(&stats.too_large),
            text::human_bytes(max_file_size)
        ));
    }
    if get(&stats.unreadable) > 0 {
        skipped.push(format!("{} unreadable", get(&stats.unreadable)));
    }
    if !skipped.is_empty() {
        line.push_str(&format!("; skipped {}", skipped.join(", ")));
    }
    let mut hidden = Vec::new();
    if get(&stats.allowed) > 0 {
        hidden.push(format!("{} allowed by weir:allow", get(&stats.allowed)));
    }
    if in_baseline > 0 {
        hidden.push(format!("{in_baseline} in the baseline"));
    }
    if !hidden.is_empty() {
        line.push_str(&format!("; not reported: {}", hidden.join(", ")));
    }
    line
}
