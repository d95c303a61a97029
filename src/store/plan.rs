//! Which files of a walk need reading, and which are unchanged since the
//! database last read them (incremental rescans).
//!
//! A file is unchanged when the database holds it, not gone, read under
//! the same ruleset fingerprint, with a result that depends only on its
//! content (scanned, or skipped as binary, media, image-only, encrypted or
//! too large), and its size and modification time are the same. A time is
//! trusted only when it was already in the past when the file was read (two
//! seconds before, more than any file system's time granularity): a file
//! changed in the same tick as it was read keeps its time (git calls such
//! entries "racily clean"). For such a file, and one without a time, the
//! content hash (SHA-256) decides: it is taken *before* the file is read,
//! so a change while reading only makes the next run read it again.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::time::SystemTime;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::{file_id, nanos, Database};
use crate::error::Result;
use crate::walk::FileEntry;

/// How far in the past a modification time must be, at the time of
/// reading, to be trusted (covers FAT's 2-second times).
const RACY_NS: i64 = 2_000_000_000;

/// Reasons a skip depends on the file's content and the ruleset only, so
/// that an unchanged file keeps it.
const CARRIED_REASONS: [&str; 5] = ["binary", "media", "image_only", "encrypted", "too_large"];

/// The outcome of planning a run.
#[derive(Debug)]
pub struct Plan {
    /// Files to read, in walk order.
    pub read: Vec<FileEntry>,
    /// Row ids and data stores of files unchanged since they were read:
    /// not read again, their rows and findings carried over.
    pub unchanged: Vec<(i64, String)>,
    /// Files to read that were named on the command line.
    pub explicit: std::collections::HashSet<PathBuf>,
    /// Roots under which the walk found nothing (missing, empty, or not
    /// mounted): nothing under them is marked gone.
    pub empty_roots: Vec<PathBuf>,
    /// Content hashes taken now of files about to be read whose time
    /// cannot be trusted, to be stored with their rows.
    pub hashes: HashMap<PathBuf, String>,
    /// Files the database holds that were read under another ruleset
    /// fingerprint (another build, rules, settings or key): read again.
    pub other_ruleset: usize,
    /// When planning started: the read time stored with each file read.
    pub started: SystemTime,
}

/// What the database knows of one file.
struct Prior {
    size: u64,
    mtime_ns: Option<i64>,
    hash: Option<String>,
    ruleset: String,
    bucket: String,
    reason: Option<String>,
    read_at_ns: i64,
    explicit: bool,
}

/// Split `files` into those to read and those unchanged. With `full`, every
/// file is read (but hashes are still taken where needed). `cutoff` is the
/// `--modified-before` time: a file newer than it is left to the scanner,
/// which skips it.
pub fn plan(
    db: &Database,
    roots: &[PathBuf],
    files: Vec<FileEntry>,
    ruleset: &str,
    full: bool,
    cutoff: Option<SystemTime>,
) -> Result<Plan> {
    let started = SystemTime::now();
    let now_ns = nanos(started);
    let mut priors: Vec<Option<Prior>> = Vec::with_capacity(files.len());
    let mut other_ruleset = 0;
    {
        let mut q = db
            .conn()
            .prepare_cached(
                "SELECT size, mtime_ns, content_hash, ruleset, bucket, reason, read_at_ns, explicit
                 FROM files WHERE id = ?1 AND gone_run IS NULL",
            )
            .map_err(|e| db.error(e))?;
        for f in &files {
            let prior = q
                .query_row([file_id(&f.path)], |r| {
                    Ok(Prior {
                        size: r.get::<_, i64>(0)? as u64,
                        mtime_ns: r.get(1)?,
                        hash: r.get(2)?,
                        ruleset: r.get(3)?,
                        bucket: r.get(4)?,
                        reason: r.get(5)?,
                        read_at_ns: r.get(6)?,
                        explicit: r.get(7)?,
                    })
                })
                .ok();
            if prior.as_ref().is_some_and(|p| p.ruleset != ruleset) {
                other_ruleset += 1;
            }
            priors.push(prior);
        }
    }
    // Stat (and hash where needed) in parallel: a share's files are many.
    let decided: Vec<(bool, Option<String>)> = files
        .par_iter()
        .zip(priors.par_iter())
        .map(|(f, prior)| {
            if f.blob.is_some() {
                return (false, None);
            }
            let Ok(meta) = std::fs::metadata(&f.path) else {
                return (false, None);
            };
            let mtime = meta.modified().ok();
            let mtime_ns = mtime.map(nanos);
            let racy_now = mtime_ns.is_none_or(|m| m >= now_ns - RACY_NS);
            let newer_than_cutoff = matches!((mtime, cutoff), (Some(m), Some(c)) if m >= c);
            let mut hash = None;
            let mut hash_now = || {
                if hash.is_none() {
                    hash = content_hash(&f.path);
                }
                hash.clone()
            };
            let unchanged = !full
                && !newer_than_cutoff
                && prior.as_ref().is_some_and(|p| {
                    p.ruleset == ruleset
                        // Named on the command line, a binary file is read.
                        && p.explicit == f.explicit
                        && (p.bucket == "scanned" || p.reason.as_deref().is_some_and(|r| CARRIED_REASONS.contains(&r)))
                        && p.size == meta.len()
                        && p.mtime_ns == mtime_ns
                        && match p.mtime_ns {
                            Some(m) if m < p.read_at_ns - RACY_NS => true,
                            _ => p.hash.is_some() && p.hash == hash_now(),
                        }
                });
            if unchanged {
                (true, None)
            } else {
                (false, if racy_now { hash_now() } else { None })
            }
        })
        .collect();
    let mut seen = vec![false; roots.len()];
    for f in &files {
        if let Some(i) = crate::walk::root_index(roots, &f.path) {
            seen[i] = true;
        }
    }
    let empty_roots = roots.iter().zip(seen).filter(|(_, s)| !s).map(|(r, _)| r.clone()).collect();
    let mut plan = Plan {
        read: Vec::new(),
        unchanged: Vec::new(),
        explicit: Default::default(),
        empty_roots,
        hashes: HashMap::new(),
        other_ruleset,
        started,
    };
    for (f, (unchanged, hash)) in files.into_iter().zip(decided) {
        if unchanged {
            plan.unchanged.push((file_id(&f.path), f.store));
        } else {
            if let Some(h) = hash {
                plan.hashes.insert(f.path.clone(), h);
            }
            if f.explicit {
                plan.explicit.insert(f.path.clone());
            }
            plan.read.push(f);
        }
    }
    Ok(plan)
}

/// SHA-256 of a file's bytes, as hex; `None` if it cannot be read.
pub fn content_hash(path: &std::path::Path) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
