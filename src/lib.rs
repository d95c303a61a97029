//! # piiscan
//!
//! Finds personal data (PII) in files — shares, exports, logs, mail, chat
//! logs and transcripts — offline, fast, and without changing anything.
//!
//! ## The pipeline, as built
//! ```text
//! cli ─► config ─► walk | git ─► read ─► extract ─► detect ─► allow ─► sinks
//!                  paths         bytes   segments   findings  test data,  reports (text, jsonl, json, csv, sarif),
//!                                        + where               suppression inventory, baseline writer, redactor
//! ```
//! - [`cli`] turns flags (and `.piiscan.toml`) into plain configuration;
//!   clap types stop there.
//! - [`walk`] lists files with `ignore` (gitignore, `.piiscanignore`, globs,
//!   symlink-loop detection), sorted by path; [`git`] lists staged blobs or
//!   files changed since a revision instead.
//! - [`read`] loads bytes (reused buffer, or a memory map for large files
//!   whose pages are released behind the scan), sniffs binary files and
//!   transcodes UTF-16 with a map back to file offsets.
//! - [`extract`] turns each file into text segments with provenance, one
//!   extractor per format (CSV, JSON, XML/HTML, mail, office, PDF, archives
//!   with limits, transcripts; spoken forms normalised in
//!   [`extract::spoken`]); every file ends scanned (by format), skipped or
//!   failed. Plain-text formats are scanned as stored (exact offsets) and
//!   their structure only adds locations and extra segments for what the
//!   stored bytes hide (escapes, entities, values split over cues).
//! - [`detect`] runs the [`rules`] (data in `patterns/*.toml`, compiled once):
//!   an anchor skip, one overlapping lazy-DFA pass that reports where each
//!   pattern's matches end, each pattern only in its own windows, validation
//!   ([`detect::validate`]), context scoring, overlap resolution; and two
//!   detectors in code for what no regex describes, driven by their pattern
//!   files' tables: names ([`detect::names`], lexicons plus context) and
//!   credentials ([`detect::credentials`], a label, then the value after it;
//!   secret kinds are never kept or shown, [`fingerprint::is_secret`]).
//!   Postal addresses ([`detect::address`]) are a third detector with a
//!   different place in the pipeline: it runs over each batch of final
//!   findings, walking back from every postcode through its record, because
//!   a UK address is anchored by its postcode and the regex pass already
//!   finds and validates those. The address keeps the postcode as a finding
//!   of its own and reports its other parts as `pieces`.
//!   Bytes in, byte offsets out.
//! - [`scan`] runs files in parallel (a rayon pool, per-thread caches) and
//!   hands [`outcome::FileOutcome`]s to [`report::Sink`]s in path order,
//!   whatever the thread count, after [`allow`] has marked known-fake data
//!   and dropped suppressed findings. The [`inventory`] is aggregated from the
//!   same outcomes.
//! - Memory does not grow with a file's findings: the engine hands final
//!   findings over in batches as it goes ([`detect::Engine::scan_batches`]),
//!   a file read as one segment (CSV, log, text) sends them on in parts
//!   ([`outcome::FileOutcome::partial`]); the part of the file being
//!   reported goes straight to the sinks, parts of files further ahead wait
//!   within a budget ([`scan::PART_BUDGET`]). Sinks that need a whole file
//!   (the redactor) say so and get parts joined; the JSON and SARIF
//!   documents are written as findings arrive. Decoded texts map back to
//!   stored offsets through runs ([`offsets::OffsetMap`]), not a number
//!   per byte.
//! - A big text (8 MiB and up) of the only file in flight is scanned in
//!   chunks on every thread ([`chunked`]): each chunk with a wide overlap of context on both sides,
//!   the seams checked (both neighbours must report the same findings
//!   around each cut, else the later chunk is scanned again with more
//!   history), the findings merged in order: the same output as one pass.
//! - [`redact`] is a sink too: it rewrites exactly the reported spans,
//!   atomically, and keeps an evidence log. Inside zip archives and
//!   zip-based office documents ([`redact::container`]) it writes through
//!   the extractors' own readings: office text parts through a map from the
//!   extracted text back to the XML text nodes, workbook cells where their
//!   text is stored (xlsx and ods), archive members scanned again as files
//!   of their own and redacted through their own format. Mail is rewritten
//!   part by part in its own transfer encodings (quoted-printable edited
//!   in place through a decoding that keeps each byte's place, base64
//!   encoded again, RFC 2047 words written again, attachments and forwards
//!   as members); tar entries keep their headers but for size and checksum;
//!   gzip/bzip2/xz are recompressed around their redacted content. PDF,
//!   .xls, .xlsb and .7z are refused by name; a member that cannot be read
//!   refuses its file unless the caller asks for it to be replaced by a
//!   placeholder. An interrupted run ([`scan::Scanner::with_stop`]) finishes
//!   the files it started, so its summary is exact.
//! - [`store`] keeps the inventory in a SQLite database (`scan --db`): a
//!   [`store::Recorder`] is one more sink, writing each file's row and
//!   findings (masked values and keyed fingerprints only) in transactions
//!   that end between files; [`store::plan`] runs before the scan and
//!   leaves out of the walk the files unchanged since they were read with
//!   the same ruleset fingerprint (size and time, or a content hash where
//!   the time cannot be trusted), so a rescan reads only what changed;
//!   [`store::merge`] combines shards' databases; [`store::summary`] sums a
//!   database up for [`report::inventory`] (text, CSV, one HTML page).
//! - [`subject`] answers data subject requests on the same machinery:
//!   [`scan::Scanner::read_segments`] reads every file through the same
//!   extractors as `scan` (one reading path: office documents, mail parts,
//!   archive members, encodings), the engine supplies validated emails, phones, postcodes and dates,
//!   and a matcher compares every candidate, name window and identifier
//!   window with all requests at once by keyed digest, then weighs evidence
//!   per record (row, object, message, call). Erasure feeds the matched
//!   spans to the [`redact`] sink.
//!
//! Findings carry masked values and keyed [`fingerprint`]s; raw values reach
//! output only when asked for.
//!
//! Departures from the architecture sketch: extraction is a second
//! dispatch inside the scan (not a separate pass), and findings keep
//! file offsets wherever the bytes are plain text; a sink receives one call per
//! file, or per part of a big file, rather than per finding (findings come
//! in sorted batches); the engine is two-phase through one overlapping DFA rather
//! than per-kind prefilters; names use a word tokenizer with hash lookups
//! rather than an Aho-Corasick automaton over the lexicons (apostrophes,
//! hyphens and diacritics need no spelled-out variants).
//!
//! ## Example
//! ```
//! use std::sync::Arc;
//! use piiscan::detect::{Engine, EngineOptions, FieldContext};
//! use piiscan::rules::RuleSet;
//!
//! let engine = Engine::new(Arc::new(RuleSet::builtin().unwrap()), EngineOptions::default());
//! let text = b"Contact Jane on 07700 900123 or jane.doe@example.co.uk";
//! let mut found = Vec::new();
//! engine.scan(text, &FieldContext::None, &mut found, &mut |_| {});
//! let kinds: Vec<&str> = found.iter().map(|f| &*engine.rules().rules[f.rule].kind).collect();
//! assert_eq!(kinds, ["name", "phone", "email"]);
//! assert_eq!(&text[found[1].start..found[1].end], b"07700 900123");
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod allow;
pub mod chunked;
pub mod cli;
pub mod detect;
pub mod error;
pub mod extract;
pub mod finding;
pub mod fingerprint;
pub mod git;
pub mod inventory;
pub mod offsets;
pub mod outcome;
pub mod read;
pub mod redact;
pub mod report;
pub mod rules;
pub mod scan;
pub mod store;
pub mod subject;
pub mod walk;

pub use error::{Error, Result};
pub use finding::Finding;

/// Helpers for the unit tests.
#[cfg(test)]
pub(crate) mod testing {
    /// A seeded xorshift64 generator: the unit tests compare fast paths
    /// with plain versions on random inputs, reproducibly.
    pub fn rng(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }
}
