//! Scanning files and directories: a parallel walk that respects ignore files, each file read
//! whole and scanned on the walking thread with that thread's own buffers.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use ignore::{WalkBuilder, WalkState};
use weir_detect::Scratch;

use super::output::Reported;
use super::{Context, path_label};

/// Scans `paths` (files and directories, which exist) recursively.
pub fn scan_paths(paths: &[PathBuf], no_ignore: bool, ctx: &Context) -> Vec<Reported> {
    let Some((first, rest)) = paths.split_first() else {
        return Vec::new();
    };
    let mut walk = WalkBuilder::new(first);
    for path in rest {
        walk.add(path);
    }
    if no_ignore {
        walk.standard_filters(false);
    } else {
        // .gitignore applies outside a git repository too: a copied or unpacked tree.
        walk.require_git(false).hidden(false);
    }
    walk.filter_entry(|entry| entry.file_name() != ".git");
    let found = Mutex::new(Vec::new());
    walk.build_parallel().run(|| {
        let mut scratch = Scratch::new(ctx.detector);
        let found = &found;
        Box::new(move |entry| {
            match entry {
                Ok(entry) => {
                    if entry.file_type().is_some_and(|t| t.is_file()) {
                        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                        let reported = scan_file(entry.path(), size, ctx, &mut scratch);
                        if !reported.is_empty() {
                            found
                                .lock()
                                .expect("no scan thread panics")
                                .extend(reported);
                        }
                    }
                }
                Err(e) => {
                    ctx.stats.unreadable.fetch_add(1, Ordering::Relaxed);
                    ctx.progress.warn(&format!("skipped: {e}"));
                }
            }
            WalkState::Continue
        })
    });
    found.into_inner().expect("no scan thread panics")
}

/// Reads and scans one file, unless it is too large, binary or unreadable (counted).
fn scan_file(path: &Path, size: u64, ctx: &Context, scratch: &mut Scratch) -> Vec<Reported> {
    if size > ctx.max_file_size {
        ctx.stats.too_large.fetch_add(1, Ordering::Relaxed);
        return Vec::new();
    }
    let hay = match std::fs::read(path) {
        Ok(hay) => hay,
        Err(e) => {
            ctx.stats.unreadable.fetch_add(1, Ordering::Relaxed);
            ctx.progress
                .warn(&format!("cannot read {}: {e}; skipped", path.display()));
            return Vec::new();
        }
    };
    ctx.scan_blob(&hay, &path_label(path), None, scratch)
}
