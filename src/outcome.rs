//! What happened to each file: scanned (with findings) or skipped, and why.

use std::path::PathBuf;
use std::time::SystemTime;

use crate::finding::Finding;

/// Why a file was not scanned. Every file ends in exactly one bucket:
/// scanned (by format), skipped (by reason) or failed (by error); see
/// [`SkipReason::failed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// NUL bytes in the first 8 KiB, in no format piiscan reads (and not
    /// named on the command line).
    Binary,
    /// Audio, video or an image: may hold personal data (call recordings,
    /// CCTV, scans) but is not content-scanned; listed in the inventory.
    Media,
    /// A PDF without a text layer (scanned pages): not scanned.
    ImageOnly,
    /// Larger than `--max-filesize`.
    TooLarge,
    /// Modified after the `--modified-before`/`--older-than` cut-off.
    NewerThanCutoff,
    /// A hidden file, or a hidden directory not entered (`--hidden` reads
    /// them): passed over by rule, and listed so that an inventory states
    /// its blind spots.
    Hidden,
    /// A symbolic link, not followed (`--follow` follows links).
    SymlinkNotFollowed,
    /// Excluded by an ignore file (`.gitignore` inside a git repository,
    /// `.ignore`, `.piiscanignore`; `--no-ignore` reads it): listed with
    /// the ignore file and line that excluded it.
    Ignored,
    /// Encrypted (a password-protected archive or document).
    Encrypted,
    /// Malformed or truncated content the extractor could not read.
    Malformed,
    /// An archive over a safety limit (nesting depth, expanded size,
    /// compression ratio: a possible zip bomb).
    LimitExceeded,
    /// A symbolic link loop (with `--follow`).
    SymlinkLoop,
    /// Permission denied or another read error.
    Unreadable,
    /// The file disappeared between the walk and the read.
    Vanished,
    /// The walker could not list a directory.
    WalkError,
    /// piiscan itself failed on this file (a bug: a panic, caught so that
    /// the run goes on and the file is counted, instead of the run hanging
    /// or stopping).
    InternalError,
}

impl SkipReason {
    /// Stable code used in reports.
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::Media => "media",
            SkipReason::ImageOnly => "image_only",
            SkipReason::TooLarge => "too_large",
            SkipReason::NewerThanCutoff => "newer_than_cutoff",
            SkipReason::Hidden => "hidden",
            SkipReason::SymlinkNotFollowed => "symlink_not_followed",
            SkipReason::Ignored => "ignored",
            SkipReason::Encrypted => "encrypted",
            SkipReason::Malformed => "malformed",
            SkipReason::LimitExceeded => "limit_exceeded",
            SkipReason::SymlinkLoop => "symlink_loop",
            SkipReason::Unreadable => "unreadable",
            SkipReason::Vanished => "vanished",
            SkipReason::WalkError => "walk_error",
            SkipReason::InternalError => "internal_error",
        }
    }

    /// `failed` (an error while reading) rather than `skipped` (by rule).
    pub fn failed(self) -> bool {
        matches!(
            self,
            SkipReason::Malformed
                | SkipReason::LimitExceeded
                | SkipReason::SymlinkLoop
                | SkipReason::Unreadable
                | SkipReason::Vanished
                | SkipReason::WalkError
                | SkipReason::InternalError
        )
    }

    /// Whether the user should see a warning (as opposed to a count only).
    pub fn warns(self) -> bool {
        !matches!(self, SkipReason::Binary | SkipReason::NewerThanCutoff | SkipReason::Media) && !self.passed_over()
    }

    /// Left out by a rule of the walk the user can change (hidden files,
    /// links not followed, the `--modified-before` cut-off): counted and
    /// listed, but not a file that could not be read.
    pub const PASSED_OVER: [SkipReason; 4] =
        [SkipReason::NewerThanCutoff, SkipReason::Hidden, SkipReason::SymlinkNotFollowed, SkipReason::Ignored];

    /// Whether this reason is one of [`SkipReason::PASSED_OVER`].
    pub fn passed_over(self) -> bool {
        Self::PASSED_OVER.contains(&self)
    }
}

/// The result of handling one file (or one walk problem).
#[derive(Debug, Clone, Default)]
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
    /// Encoding scanned as (`utf-8`, `utf-16le`, `windows-1252`...).
    pub encoding: &'static str,
    /// The format it was read as (`text`, `csv`, `json`, `docx`, `zip`...),
    /// or, for a skipped file, what it was recognised as (`media`...).
    pub format: &'static str,
    /// Findings, sorted by offset.
    pub findings: Vec<Finding>,
    /// Findings not reported: inline `piiscan:allow` or in the baseline.
    pub suppressed: u64,
    /// Members or parts of a scanned container that could not be read
    /// (an encrypted member, a damaged part), with the reason.
    pub problems: Vec<crate::extract::Problem>,
    /// A part: only some of the file's findings, final and in order, sent
    /// while the file is still being read (a big export). More parts and
    /// then the file's own outcome (`partial == false`, holding everything
    /// else about the file and the findings after the parts') follow.
    pub partial: bool,
}
