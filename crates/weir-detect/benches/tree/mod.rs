//! The source tree the detector benchmarks read: `WEIR_BENCH_TREE` (default: cargo's registry
//! sources, present after any build), up to `WEIR_BENCH_MB` megabytes of files with the given
//! extensions, in a fixed order so runs compare. Shared by the benchmark files.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The tree's root.
pub fn root() -> PathBuf {
    std::env::var("WEIR_BENCH_TREE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            let home = std::env::var("CARGO_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|_| {
                    PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo")
                });
            home.join("registry/src")
        })
}

/// `WEIR_BENCH_MB` in bytes, or `default_mb` megabytes.
pub fn budget(default_mb: usize) -> usize {
    std::env::var("WEIR_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_mb)
        << 20
}

/// Files under `root` with one of `extensions`, each at most `max_file` bytes, until `budget`
/// bytes are read.
pub fn files(root: &Path, budget: usize, extensions: &[&str], max_file: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut total = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
            {
                if let Ok(b) = std::fs::read(&p) {
                    if b.len() <= max_file {
                        total += b.len();
                        out.push(b);
                    }
                }
            }
            if total >= budget {
                return out;
            }
        }
    }
    out
}

/// The `p` quantile of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}
