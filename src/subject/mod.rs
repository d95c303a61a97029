//! Data subject requests: every place one person (or a batch of people)
//! appears, with how sure each place is, for access, portability and
//! erasure requests.
//!
//! ```text
//! requests ─► request::hash ─► matcher::Index ─┐
//!  (or a hashed request file)                   ▼
//! walk ─► read ─► engine (emails, phones, postcodes, dates) ─► matcher ─► evidence per record ─► sinks
//!                 words (names), letter/digit groups (ids) ─┘                                   (report, export, erase)
//! ```
//!
//! - [`request`]: what is known of a person, normalised per kind and turned
//!   into keyed digests; plaintext and hashed requests match identically.
//! - [`names`]: the written variants of a name and the words of a text.
//! - [`records`]: rows, objects, messages, calls: the unit in which
//!   identifiers vouch for each other.
//! - [`matcher`]: one pass per file for all subjects; strength by evidence.
//!
//! The files are read by the same [`Scanner`] as `scan` (walk, limits,
//! binary and UTF-16 handling, parallel and ordered), so every file is
//! accounted for the same way.

pub mod matcher;
pub mod names;
pub mod records;
pub mod request;

pub use matcher::{subject_rules, ExportRecord, FileMatches, Index, Matcher, Occurrence, Strength};
pub use request::{HashedFile, HashedRequest, Request};

use crate::error::Result;
use crate::outcome::FileOutcome;
use crate::scan::{Progress, Progressed, Scanner};

/// One file: what happened to it, and who was found in it.
#[derive(Debug)]
pub struct FileResult {
    /// Scanned or skipped (and why), size, encoding.
    pub outcome: FileOutcome,
    /// Occurrences and exportable records.
    pub matches: FileMatches,
}

impl Progressed for FileResult {
    fn bytes(&self) -> u64 {
        self.outcome.size
    }
    fn hits(&self) -> usize {
        self.matches.occurrences.len()
    }
}

/// Match every file of the scanner's walk against all subjects, in one pass,
/// feeding results to `consume` in path order. The scanner's engine must be
/// built from [`subject_rules`].
pub fn run(scanner: &Scanner, matcher: &Matcher, consume: &mut dyn FnMut(FileResult) -> Result<()>) -> Result<()> {
    scanner.run_with(
        |entry, worker, _| {
            let (outcome, m) = scanner.with_text(entry, worker, |text, scratch, _| {
                matcher.match_text(scanner.engine(), scratch, &entry.path, text)
            });
            FileResult { outcome, matches: m.unwrap_or_default() }
        },
        |outcome| FileResult { outcome, matches: FileMatches::default() },
        consume,
        &Progress::default(),
        &mut |_| {},
    )
}
