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
use crate::scan::{Progress, Progressed, Scanner, Worker};
use crate::walk::FileEntry;

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
///
/// Each file is read by its format's extractor, as `scan` reads it
/// ([`Scanner::read_segments`]): office documents, PDF text, mail parts and
/// attachments, archive members, legacy encodings. Each segment is matched
/// on its own (its records are its rows, objects, messages or document);
/// an extra segment (decoded escapes or entities) adds only occurrences
/// that no main segment found. Spoken forms and cue-joined texts are left
/// to the matcher's own spoken pass.
pub fn run(scanner: &Scanner, matcher: &Matcher, consume: &mut dyn FnMut(FileResult) -> Result<()>) -> Result<()> {
    scanner.run_with(
        |entry, worker, _| match_file(scanner, matcher, entry, worker),
        |outcome| FileResult { outcome, matches: FileMatches::default() },
        consume,
        &Progress::default(),
        &mut |_| {},
    )
}

/// Match one file (or a container's member given as a blob) against all
/// subjects, as [`run`] does each file of its walk.
pub fn match_file(scanner: &Scanner, matcher: &Matcher, entry: &FileEntry, worker: &mut Worker) -> FileResult {
    let mut main = FileMatches::default();
    let mut extra = FileMatches::default();
    let outcome = scanner.read_segments(entry, worker, &mut |seg, scratch, _, _| {
        if !seg.rewritten.is_empty() || !seg.gaps.is_empty() {
            return;
        }
        let name = member_name(seg).map_or_else(|| entry.path.clone(), std::path::PathBuf::from);
        let m = matcher.match_segment(scanner.engine(), scratch, &name, seg);
        let into = if seg.extra { &mut extra } else { &mut main };
        into.occurrences.extend(m.occurrences);
        into.records.extend(m.records);
    });
    main.add_extra(extra);
    FileResult { outcome, matches: main }
}

/// The innermost member's file name, for a segment inside a container
/// (`archive.zip!/export.csv` → `export.csv`; a mail attachment
/// `attachment 2: cv.docx` → `cv.docx`).
fn member_name(seg: &crate::extract::Segment<'_>) -> Option<String> {
    if !seg.origin.is_inside() {
        return None;
    }
    let m = seg.location.as_ref()?.get("member")?.as_str()?;
    let last = m.rsplit("!/").next().unwrap_or(m);
    let last = match last.strip_prefix("attachment ") {
        Some(rest) => rest.split_once(": ").map_or(rest, |(_, f)| f),
        None => last,
    };
    Some(last.to_string())
}
