//! What happened to each file: scanned (with findings) or skipped, and why.

use std::path::PathBuf;
use std::time::SystemTime;

use crate::finding::Finding;

/// Why a file was not scanned. Every file ends in exactly one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// NUL bytes in the first 8 KiB (and not named on the command line).
    Binary,
    /// Larger than `--max-filesize`.
    TooLarge,
    /// Modified after the `--modified-before`/`--older-than` cut-off.
    NewerThanCutoff,
    /// A symbolic link loop (with `--follow`).
    SymlinkLoop,
    /// Permission denied or another read error.
    Unreadable,
    /// The file disappeared between the walk and the read.
    Vanished,
    /// The walker could not list a directory.
    WalkError,
}

impl SkipReason {
    /// Stable code used in reports.
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too_large",
            SkipReason::NewerThanCutoff => "newer_than_cutoff",
            SkipReason::SymlinkLoop => "symlink_loop",
            SkipReason::Unreadable => "unreadable",
            SkipReason::Vanished => "vanished",
            SkipReason::WalkError => "walk_error",
        }
    }

    /// Whether the user should see a warning (as opposed to a count only).
    pub fn warns(self) -> bool {
        !matches!(self, SkipReason::Binary | SkipReason::NewerThanCutoff)
    }
}

/// The result of handling one file (or one walk problem).
#[derive(Debug, Clone)]
pub struct FileOutcome {
    /// The path.
    pub path: PathBuf,
    /// Its data store.
    pub store: String,
    /// Size in bytes (0 if unknown).
    pub size: u64,
    /// Modification time, if known.
    pub modified: Option<SystemTime>,
    /// `None` if scanned, else why not.
    pub skipped: Option<(SkipReason, String)>,
    /// Encoding scanned as (`utf-8`, `utf-16le`...).
    pub encoding: &'static str,
    /// Findings, sorted by offset.
    pub findings: Vec<Finding>,
    /// Findings not reported: inline `piiscan:allow` or in the baseline.
    pub suppressed: u64,
}
