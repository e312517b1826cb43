//! Scanning a git repository's history with the `git` binary: `git log --raw` names every file
//! version (blob) reachable from any ref with the commit and path that first introduced it,
//! `git cat-file --batch` streams their contents, and worker threads scan them.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{Mutex, mpsc};

use anyhow::{Context as _, anyhow, bail};
use weir_detect::Scratch;

use super::Context;
use super::output::Reported;

/// A file version to scan: its blob id, and where it first appeared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// The blob's object id (hex).
    pub id: String,
    /// Index of the commit that introduced it, in the commits list.
    pub commit: usize,
    /// Its path in that commit.
    pub path: String,
}

/// What `git log --raw -z` lists: the commits in order, and each distinct blob once, at the
/// first commit (in that order) that added or changed a file to it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct History {
    /// Commit ids, in the order listed.
    pub commits: Vec<String>,
    /// Blobs, first appearance first.
    pub blobs: Vec<Blob>,
}

const NULL_ID: &str = "0000000000000000000000000000000000000000";

/// Reads the output of `git log --format=%x01%H --raw -z --no-abbrev` (commits marked by a
/// `\x01` before their id, then `:modes ids status` and path fields, NUL-separated).
pub fn parse_log(mut input: impl BufRead) -> std::io::Result<History> {
    let mut history = History::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut field = Vec::new();
    // The raw entry whose path comes next: (new blob id) when it should be kept.
    let mut pending: Option<Option<String>> = None;
    loop {
        field.clear();
        if input.read_until(0, &mut field)? == 0 {
            break;
        }
        if field.last() == Some(&0) {
            field.pop();
        }
        let text = String::from_utf8_lossy(&field);
        if let Some(keep) = pending.take() {
            if let (Some(id), Some(commit)) = (keep, history.commits.len().checked_sub(1)) {
                if seen.insert(id.clone()) {
                    history.blobs.push(Blob {
                        id,
                        commit,
                        path: text.into_owned(),
                    });
                }
            }
            continue;
        }
        let text = text.trim_start_matches('\n');
        if let Some(commit) = text.strip_prefix('\x01') {
            history.commits.push(commit.trim().to_owned());
        } else if let Some(meta) = text.strip_prefix(':') {
            // ":old-mode new-mode old-id new-id status"
            let parts: Vec<&str> = meta.split(' ').collect();
            let keep = match parts.as_slice() {
                [_, new_mode, _, new_id, status, ..] => {
                    let gitlink = *new_mode == "160000";
                    let deleted = status.starts_with('D') || *new_id == NULL_ID;
                    (!gitlink && !deleted).then(|| (*new_id).to_owned())
                }
                _ => None,
            };
            pending = Some(keep);
        }
    }
    Ok(history)
}

/// Runs git in `repo` with `args`, failing with git's own message.
fn git(repo: &Path) -> Command {
    let mut command = Command::new("git");
    command.arg("-C").arg(repo).env("GIT_TERMINAL_PROMPT", "0");
    command
}

/// Checks that `repo` is a git repository git can read.
fn check_repo(repo: &Path) -> anyhow::Result<()> {
    let output = git(repo)
        .args(["rev-parse", "--git-dir"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| anyhow!("cannot run git ({e}): install git, or scan files without --git"))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        bail!(
            "{} is not a git repository git can read ({}): pass --git the path of a repository (a directory with a .git), or scan its files with `weir scan {}`",
            repo.display(),
            message.trim(),
            repo.display()
        );
    }
    Ok(())
}

/// Lists every blob reachable from any ref of `repo`, each once, with where it first appeared.
pub fn history(repo: &Path) -> anyhow::Result<History> {
    check_repo(repo)?;
    let mut child = git(repo)
        .args([
            "log",
            "--all",
            "--reverse",
            "--topo-order",
            "-m",
            "--raw",
            "-z",
            "--no-abbrev",
            "--no-renames",
            "--no-color",
            "--format=%x01%H",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| anyhow!("cannot run git ({e}): install git, or scan files without --git"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let history = parse_log(BufReader::with_capacity(1 << 16, stdout))
        .with_context(|| format!("cannot read git's history of {}", repo.display()))?;
    let status = child.wait()?;
    let errors = errors.join().unwrap_or_default();
    if !status.success() {
        // A repository without commits has no history: nothing to scan.
        if errors.contains("does not have any commits")
            || history.commits.is_empty() && errors.trim().is_empty()
        {
            return Ok(History::default());
        }
        bail!(
            "git could not list the history of {}: {}: check that the repository is not corrupt (`git -C {} fsck`)",
            repo.display(),
            errors.trim(),
            repo.display()
        );
    }
    Ok(history)
}

/// Scans every blob of `history`: one thread streams them from `git cat-file --batch`, the
/// others scan.
pub fn scan_history(
    repo: &Path,
    history: &History,
    ctx: &Context,
) -> anyhow::Result<Vec<Reported>> {
    if history.blobs.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = git(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| anyhow!("cannot run git ({e}): install git, or scan files without --git"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let ids: Vec<String> = history.blobs.iter().map(|b| b.id.clone()).collect();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(&mut stdin);
        for id in ids {
            out.write_all(id.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()
    });
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (send, receive) = mpsc::sync_channel::<(usize, Vec<u8>)>(workers * 4);
    let receive = Mutex::new(receive);
    let found = Mutex::new(Vec::new());
    let read = std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut scratch = Scratch::new(ctx.detector);
                loop {
                    let next = receive.lock().expect("no scan thread panics").recv();
                    let Ok((index, data)) = next else { break };
                    let blob = &history.blobs[index];
                    let commit = &history.commits[blob.commit];
                    let reported = ctx.scan_blob(&data, &blob.path, Some(commit), &mut scratch);
                    if !reported.is_empty() {
                        found
                            .lock()
                            .expect("no scan thread panics")
                            .extend(reported);
                    }
                }
            });
        }
        let result = read_batch(stdout, history, ctx, &send);
        drop(send);
        result
    });
    if read.is_err() {
        // Unblock the writer: git stops, its stdin closes.
        let _ = child.kill();
    }
    let wrote = writer
        .join()
        .map_err(|_| anyhow!("the git writer thread panicked"))?;
    let status = child.wait()?;
    read.with_context(|| format!("cannot read file contents from git in {}", repo.display()))?;
    wrote.context("cannot send object ids to git cat-file")?;
    if !status.success() {
        bail!(
            "git cat-file failed in {}: check the repository with `git -C {} fsck`",
            repo.display(),
            repo.display()
        );
    }
    Ok(found.into_inner().expect("no scan thread panics"))
}

/// Reads `git cat-file --batch` output: for each blob asked for, `ID TYPE SIZE\n`, the
/// content and `\n` (or `ID missing\n`). Sends the ones to scan to the workers.
fn read_batch(
    stdout: impl Read,
    history: &History,
    ctx: &Context,
    send: &mpsc::SyncSender<(usize, Vec<u8>)>,
) -> anyhow::Result<()> {
    let mut input = BufReader::with_capacity(1 << 16, stdout);
    let mut header = String::new();
    for index in 0..history.blobs.len() {
        header.clear();
        if input.read_line(&mut header)? == 0 {
            bail!("git cat-file stopped early");
        }
        let parts: Vec<&str> = header.split_whitespace().collect();
        let size: u64 = match parts.as_slice() {
            [_, "blob", size] => size.parse().context("git cat-file gave a bad size")?,
            [_, "missing"] => {
                ctx.stats.unreadable.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            _ => bail!("unexpected line from git cat-file: {}", header.trim()),
        };
        if size > ctx.max_file_size {
            ctx.stats.too_large.fetch_add(1, Ordering::Relaxed);
            std::io::copy(&mut (&mut input).take(size + 1), &mut std::io::sink())?;
            continue;
        }
        let mut data = vec![0; size as usize + 1];
        input.read_exact(&mut data)?;
        data.pop();
        if send.send((index, data)).is_err() {
            bail!("the scanning threads stopped");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_lists_each_blob_once_at_its_first_commit() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let c = "c".repeat(40);
        let log = format!(
            "\x01c1\0\n:000000 100644 {NULL_ID} {a} A\0x y.txt\0:000000 100644 {NULL_ID} {b} A\0é.txt\0\
             \x01c2\0\n:100644 100644 {a} {c} M\0x y.txt\0:000000 160000 {NULL_ID} {} A\0sub\0\
             \x01c3\0\n:100644 000000 {c} {NULL_ID} D\0x y.txt\0:000000 100644 {NULL_ID} {a} A\0copy.txt\0",
            "d".repeat(40)
        );
        let history = parse_log(log.as_bytes()).unwrap();
        assert_eq!(history.commits, ["c1", "c2", "c3"]);
        let blob = |id: &str, commit, path: &str| Blob {
            id: id.to_owned(),
            commit,
            path: path.to_owned(),
        };
        assert_eq!(
            history.blobs,
            [
                blob(&a, 0, "x y.txt"),
                blob(&b, 0, "é.txt"),
                blob(&c, 1, "x y.txt")
            ]
        );
    }

    #[test]
    fn an_empty_log_is_an_empty_history() {
        assert_eq!(parse_log(&b""[..]).unwrap(), History::default());
    }
}
