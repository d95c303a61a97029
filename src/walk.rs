//! Walking the roots: which files to scan, in a deterministic order.
//!
//! Built on `ignore` (ripgrep's walker): `.ignore` and `.piiscanignore` are
//! honoured everywhere, `.gitignore` only inside a git repository (as
//! ripgrep does: an unpacked source tarball's `.gitignore` does not hide its
//! files), globs from `-g`. With `--follow`, symlink loops are reported, not
//! followed.
//!
//! What the walk passes over by rule is listed, not dropped: a hidden file
//! or a hidden directory (not entered) is a `hidden` entry, a symbolic link
//! not followed a `symlink_not_followed` one, each counted in the summary
//! and listed in `--format json`, so that an inventory states its blind
//! spots. So is an entry an ignore file excludes: an `ignored` entry whose
//! detail names the ignore file and its line (an ignored directory is one
//! entry, not entered). `ignore` yields only what it keeps, so those are
//! found by a second, unfiltered walk that enters only directories the
//! first walk entered; it runs only when the first walk (or a parent of a
//! root) met an ignore file or a `.git`, so a tree without them is walked
//! once. Maildir++ folders (`.Sent/cur/...`) are mail, not hidden files,
//! and are entered.
//! The walk itself runs in parallel; the result is sorted by path so that
//! output never depends on thread timing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};

use crate::error::{Error, Result};
use crate::outcome::SkipReason;

/// Walk settings.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Include hidden files and directories.
    pub hidden: bool,
    /// Do not honour ignore files.
    pub no_ignore: bool,
    /// Globs (`!` negates), as ripgrep's `-g`.
    pub globs: Vec<String>,
    /// Maximum depth below each root.
    pub max_depth: Option<usize>,
    /// Follow symbolic links.
    pub follow: bool,
    /// Walker threads.
    pub threads: usize,
    /// Only this part of the input.
    pub shard: Option<Shard>,
}

/// Part `k` of `n` of the input (`--shard K/N`): a file (or a walk problem)
/// belongs to the part its path's stable hash falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 0.
    pub k: u64,
    /// How many parts.
    pub n: u64,
}

impl Shard {
    /// Whether `path`, found under `root`, is in this part. The key is the
    /// path relative to the root given, `/`-separated (a share mounted at
    /// another place on another machine splits the same way), hashed with
    /// SHA-256: the split does not depend on walk order, threads or
    /// platform.
    pub fn holds(self, root: &Path, path: &Path) -> bool {
        use sha2::{Digest, Sha256};
        let rel = match path.strip_prefix(root) {
            // A file given by name: its own name.
            Ok(r) if r.as_os_str().is_empty() => Path::new(path.file_name().unwrap_or(path.as_os_str())),
            Ok(r) => r,
            Err(_) => path,
        };
        let key: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let digest = Sha256::digest(key.join("/").as_bytes());
        let h = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
        h % self.n == self.k
    }
}

/// One file to scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileEntry {
    /// The path, as reached from the root given.
    pub path: PathBuf,
    /// The data store it belongs to (see [`store_of`]).
    pub store: String,
    /// Named explicitly on the command line (binary files are then scanned).
    pub explicit: bool,
    /// The content, when it does not come from the file system (the git
    /// index, with `--staged`).
    pub blob: Option<std::sync::Arc<[u8]>>,
}

impl FileEntry {
    /// A container's member, given by name and content, to be read as a
    /// file of its own (redaction and erasure inside containers).
    pub fn member(name: &str, bytes: &[u8]) -> FileEntry {
        FileEntry { path: name.into(), store: String::new(), explicit: false, blob: Some(bytes.into()) }
    }
}

/// Something the walk could not enter or list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkProblem {
    /// The path concerned, if known.
    pub path: PathBuf,
    /// The data store.
    pub store: String,
    /// Why.
    pub reason: SkipReason,
    /// Details (an OS error message; never file content).
    pub detail: String,
}

/// The data store of `path` under `root`: the root's first-level folder, or
/// the root itself for files directly in it (or a root that is a file).
pub fn store_of(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut comps = rel.components();
    match (comps.next(), comps.next()) {
        (Some(first), Some(_)) => root.join(first).display().to_string(),
        _ => root.display().to_string(),
    }
}

/// The root `path` was found under: the longest of `roots` that holds it.
pub fn root_index(roots: &[PathBuf], path: &Path) -> Option<usize> {
    roots
        .iter()
        .enumerate()
        .filter(|(_, r)| path.starts_with(r))
        .max_by_key(|(_, r)| r.as_os_str().len())
        .map(|(i, _)| i)
}

/// The ignore files piiscan honours, highest precedence first within one
/// directory (as `ignore` ranks them: custom, `.ignore`, `.gitignore`).
const IGNORE_FILES: [&str; 3] = [".piiscanignore", ".ignore", ".gitignore"];

/// A walker over `root` with the user's settings; `filtered` false turns
/// the ignore files off (the second walk that finds what they excluded).
fn builder(root: &Path, opts: &WalkOptions, filtered: bool) -> Result<WalkBuilder> {
    let ignore = filtered && !opts.no_ignore;
    let mut b = WalkBuilder::new(root);
    // Hidden entries are judged below (listed, not silently dropped).
    b.hidden(false)
        .ignore(ignore)
        .git_ignore(ignore)
        .git_global(ignore)
        .git_exclude(ignore)
        .parents(ignore)
        .require_git(true)
        .follow_links(opts.follow)
        .max_depth(opts.max_depth)
        .threads(opts.threads.max(1));
    if ignore {
        b.add_custom_ignore_filename(IGNORE_FILES[0]);
    }
    if !opts.globs.is_empty() {
        let mut ob = OverrideBuilder::new(root);
        for g in &opts.globs {
            ob.add(g).map_err(|e| Error::Config(format!("bad glob `{g}`: {e}")))?;
        }
        b.overrides(ob.build().map_err(|e| Error::Config(format!("bad globs: {e}")))?);
    }
    Ok(b)
}

/// Walk `roots`, returning sorted files and problems.
pub fn walk(roots: &[PathBuf], opts: &WalkOptions) -> Result<(Vec<FileEntry>, Vec<WalkProblem>)> {
    let files = Mutex::new(Vec::new());
    let problems = Mutex::new(Vec::new());
    for root in roots {
        std::fs::symlink_metadata(root).map_err(|e| Error::Path { path: root.clone(), source: e })?;
        let b = builder(root, opts, true)?;
        let root_is_file = std::fs::metadata(root).map(|m| m.is_file()).unwrap_or(false);
        // Directories entered, and whether an ignore file could have been
        // at work (for the second walk below).
        let entered = Mutex::new(HashSet::new());
        let met_ignore = AtomicBool::new(!opts.no_ignore && ancestors_hold_ignore_files(root));
        b.build_parallel().run(|| {
            let files = &files;
            let problems = &problems;
            let entered = &entered;
            let met_ignore = &met_ignore;
            Box::new(move |res| {
                match res {
                    Ok(ent) => {
                        let name = ent.file_name().as_encoded_bytes();
                        if name == b".git" || IGNORE_FILES.iter().any(|f| f.as_bytes() == name) {
                            met_ignore.store(true, Ordering::Relaxed);
                        }
                        if let Some((reason, detail)) = passed_over(&ent, opts) {
                            let path = ent.path().to_path_buf();
                            problems.lock().unwrap_or_else(|p| p.into_inner()).push(WalkProblem {
                                store: store_of(root, &path),
                                path,
                                reason,
                                detail: detail.into(),
                            });
                            return WalkState::Skip;
                        }
                        let is_file = ent.file_type().is_some_and(|t| t.is_file())
                            || (ent.path_is_symlink()
                                && std::fs::metadata(ent.path()).is_ok_and(|m| m.is_file())
                                && opts.follow);
                        if ent.file_type().is_some_and(|t| t.is_dir()) {
                            entered.lock().unwrap_or_else(|p| p.into_inner()).insert(ent.path().to_path_buf());
                        }
                        if is_file {
                            let explicit = ent.depth() == 0 && root_is_file;
                            files.lock().unwrap_or_else(|p| p.into_inner()).push(FileEntry {
                                path: ent.path().to_path_buf(),
                                store: store_of(root, ent.path()),
                                explicit,
                                blob: None,
                            });
                        }
                    }
                    Err(err) => {
                        let (path, reason, detail) = classify(&err);
                        let path = path.unwrap_or_else(|| root.clone());
                        problems.lock().unwrap_or_else(|p| p.into_inner()).push(WalkProblem {
                            store: store_of(root, &path),
                            path,
                            reason,
                            detail,
                        });
                    }
                }
                WalkState::Continue
            })
        });
        if met_ignore.into_inner() && !root_is_file {
            let entered = entered.into_inner().unwrap_or_else(|p| p.into_inner());
            let kept: HashSet<PathBuf> = {
                let f = files.lock().unwrap_or_else(|p| p.into_inner());
                let pr = problems.lock().unwrap_or_else(|p| p.into_inner());
                f.iter().map(|e| e.path.clone()).chain(pr.iter().map(|e| e.path.clone())).collect()
            };
            let ignored = ignored_entries(root, opts, &entered, &kept)?;
            problems.lock().unwrap_or_else(|p| p.into_inner()).extend(ignored);
        }
    }
    let mut files = files.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut problems = problems.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(shard) = opts.shard {
        // The root a path was found under: the longest given that holds it.
        let root_of = |p: &Path| root_index(roots, p).map(|i| &roots[i]);
        let mine = |p: &Path| root_of(p).is_none_or(|r| shard.holds(r, p));
        files.retain(|f| mine(&f.path));
        problems.retain(|w| mine(&w.path));
    }
    files.sort();
    files.dedup_by(|a, b| a.path == b.path);
    problems.sort();
    Ok((files, problems))
}

/// Whether a directory above `root` holds an ignore file or a `.git`
/// (`ignore` reads the parents' ignore files too).
fn ancestors_hold_ignore_files(root: &Path) -> bool {
    let Ok(abs) = root.canonicalize() else { return false };
    abs.ancestors().skip(1).any(|d| d.join(".git").exists() || IGNORE_FILES.iter().any(|f| d.join(f).is_file()))
}

/// What the ignore files excluded below `root`: the second walk, with the
/// ignore files off, enters only the directories the first walk entered;
/// an entry it meets that the first walk neither kept nor listed was
/// excluded by an ignore file (hidden files and links are listed by the
/// first walk, so they are in `kept`).
fn ignored_entries(
    root: &Path,
    opts: &WalkOptions,
    entered: &HashSet<PathBuf>,
    kept: &HashSet<PathBuf>,
) -> Result<Vec<WalkProblem>> {
    let out = Mutex::new(Vec::new());
    builder(root, opts, false)?.build_parallel().run(|| {
        let out = &out;
        Box::new(move |res| {
            let Ok(ent) = res else { return WalkState::Continue };
            let path = ent.path();
            if ent.depth() == 0 || entered.contains(path) {
                return WalkState::Continue;
            }
            if kept.contains(path) {
                return WalkState::Skip;
            }
            let dir = ent.file_type().is_some_and(|t| t.is_dir());
            out.lock().unwrap_or_else(|p| p.into_inner()).push(WalkProblem {
                store: store_of(root, path),
                path: path.to_path_buf(),
                reason: SkipReason::Ignored,
                detail: which_ignore_file(path, dir),
            });
            WalkState::Skip
        })
    });
    Ok(out.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// Name the ignore file (and its line) that excludes `path`: the nearest
/// directory first, and within one directory the file `ignore` ranks
/// highest, as the walk itself decides. Git's own excludes
/// (`.git/info/exclude`, the global file) are named generically when no
/// ignore file in the tree matches.
fn which_ignore_file(path: &Path, is_dir: bool) -> String {
    // The directories as the user reached them, then (for the parents'
    // ignore files) those above the root, canonical.
    let mut dirs: Vec<(PathBuf, PathBuf)> = path
        .ancestors()
        .skip(1)
        .filter_map(|d| Some((d.to_path_buf(), path.strip_prefix(d).ok()?.to_path_buf())))
        .collect();
    if let (Some((top, _)), Ok(abs)) = (dirs.last().cloned(), path.canonicalize()) {
        let top = if top.as_os_str().is_empty() { PathBuf::from(".") } else { top };
        if let Ok(top) = top.canonicalize() {
            for d in top.ancestors().skip(1) {
                if let Ok(rel) = abs.strip_prefix(d) {
                    dirs.push((d.to_path_buf(), rel.to_path_buf()));
                }
            }
        }
    }
    for (dir, rel) in dirs {
        let mut files: Vec<PathBuf> = IGNORE_FILES.iter().map(|f| dir.join(f)).collect();
        files.push(dir.join(".git/info/exclude"));
        for file in files.into_iter().filter(|f| f.is_file()) {
            let (gi, _) = ignore::gitignore::Gitignore::new(&file);
            if let ignore::Match::Ignore(glob) = gi.matched(&rel, is_dir) {
                let line = std::fs::read_to_string(&file)
                    .ok()
                    .and_then(|t| t.lines().position(|l| l.trim_end() == glob.original()).map(|n| n + 1));
                let at = line.map(|n| format!(":{n}")).unwrap_or_default();
                return format!("excluded by {}{at} (`{}`); --no-ignore reads it", file.display(), glob.original());
            }
        }
    }
    "excluded by git's excludes (.git/info/exclude or the global excludes file); --no-ignore reads it".into()
}

/// Why the walk passes over an entry below a root, if it does: a hidden
/// entry (name starting with `.`; a hidden directory is one entry, not
/// entered), or a symbolic link not followed. A Maildir++ folder (`.Sent`,
/// `.My Folder`: hidden by that convention, with `cur/` inside) is mail,
/// and is entered.
fn passed_over(ent: &ignore::DirEntry, opts: &WalkOptions) -> Option<(SkipReason, &'static str)> {
    if ent.depth() == 0 {
        return None;
    }
    let dir = ent.file_type().is_some_and(|t| t.is_dir());
    let hidden = !opts.hidden
        && ent.file_name().as_encoded_bytes().first() == Some(&b'.')
        && !(dir && ent.path().join("cur").is_dir());
    match (hidden, dir) {
        (true, true) => Some((SkipReason::Hidden, "hidden directory, not entered (--hidden reads it)")),
        (true, false) => Some((SkipReason::Hidden, "hidden file (--hidden reads it)")),
        _ if !opts.follow && ent.path_is_symlink() => {
            Some((SkipReason::SymlinkNotFollowed, "symbolic link, not followed (--follow follows links)"))
        }
        _ => None,
    }
}

/// Turn an `ignore` error into a path, a reason and an OS message.
fn classify(err: &ignore::Error) -> (Option<PathBuf>, SkipReason, String) {
    match err {
        ignore::Error::WithPath { path, err } => {
            let (_, r, d) = classify(err);
            (Some(path.clone()), r, d)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => classify(err),
        ignore::Error::Loop { child, ancestor } => {
            (Some(child.clone()), SkipReason::SymlinkLoop, format!("symbolic link loop back to {}", ancestor.display()))
        }
        ignore::Error::Io(e) => {
            let reason = match e.kind() {
                std::io::ErrorKind::NotFound => SkipReason::Vanished,
                std::io::ErrorKind::PermissionDenied => SkipReason::Unreadable,
                _ => SkipReason::WalkError,
            };
            (None, reason, e.to_string())
        }
        other => (None, SkipReason::WalkError, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn stores() {
        let r = Path::new("/mnt/share");
        assert_eq!(store_of(r, Path::new("/mnt/share/hr/2020/a.csv")), "/mnt/share/hr");
        assert_eq!(store_of(r, Path::new("/mnt/share/a.csv")), "/mnt/share");
        assert_eq!(store_of(Path::new("x.txt"), Path::new("x.txt")), "x.txt");
    }
}
