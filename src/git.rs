//! Git-aware file selection, through the `git` command line (no library:
//! what `git` itself says is what the user sees).
//!
//! * `--staged`: the contents of the index (what the next commit will hold),
//!   not the working tree, for files added, copied, modified or renamed.
//! * `--since REV`: files changed since a revision, as in the working tree.
//!
//! Paths are relative to the current directory (`git diff --relative`).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::walk::FileEntry;

fn git(args: &[&str]) -> Result<Vec<u8>> {
    let out = Command::new("git").args(args).output().map_err(|e| Error::Config(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        return Err(Error::Config(format!("git {}: {}", args.first().unwrap_or(&""), msg.trim())));
    }
    Ok(out.stdout)
}

fn names(out: &[u8]) -> Vec<String> {
    out.split(|&b| b == 0).filter(|n| !n.is_empty()).map(|n| String::from_utf8_lossy(n).into_owned()).collect()
}

/// Files staged for commit, with their staged contents.
pub fn staged() -> Result<Vec<FileEntry>> {
    let list = git(&["diff", "--cached", "--name-only", "--relative", "-z", "--diff-filter=ACMR"])?;
    let mut files = Vec::new();
    for name in names(&list) {
        let blob = git(&["show", &format!(":./{name}")])?;
        files.push(FileEntry {
            path: PathBuf::from(&name),
            store: ".".into(),
            explicit: false,
            blob: Some(Arc::from(blob)),
        });
    }
    files.sort();
    Ok(files)
}

/// Files changed since `rev` (committed or not), as they are on disk.
pub fn changed_since(rev: &str) -> Result<Vec<FileEntry>> {
    if rev.starts_with('-') {
        return Err(Error::Config(format!("--since: `{rev}` is not a revision")));
    }
    let list = git(&["diff", "--name-only", "--relative", "-z", "--diff-filter=ACMR", rev, "--"])?;
    let mut files: Vec<FileEntry> = names(&list)
        .into_iter()
        .map(|n| FileEntry { path: PathBuf::from(n), store: ".".into(), explicit: false, blob: None })
        .collect();
    files.sort();
    Ok(files)
}
