//! Reporters. Each output format is one file and one [`Sink`]; the scan
//! pipeline never knows which format it feeds.
//!
//! A sink gets one call per file, in path order, with that file's outcome
//! and findings, then [`Sink::finish`] with the inventory. A big file's
//! findings may come first in parts (outcomes with `partial` set, findings
//! only, in order) so that they need not all be held; a sink that needs a
//! whole file says so ([`Sink::whole_files`]) and gets them joined. (A
//! per-finding callback, as in ripgrep's `Sink`, bought nothing more:
//! findings leave the engine in sorted batches.)

mod baseline;
mod csv;
mod json;
mod jsonl;
mod sarif;
mod text;

use std::borrow::Cow;
use std::io::{self, Write};

use crate::finding::Finding;
use crate::inventory::Inventory;
use crate::outcome::FileOutcome;

pub use self::csv::CsvReport;
pub use baseline::BaselineWriter;
pub use json::JsonReport;
pub use jsonl::JsonlReport;
pub use sarif::{uri_reference, SarifReport};
pub use text::TextReport;

/// JSON Schema of one JSONL finding line (also printed by `piiscan schema`).
pub const FINDING_SCHEMA: &str = include_str!("finding.schema.json");

/// Receives scan results.
pub trait Sink {
    /// One file's outcome (scanned with findings, or skipped), or a part of
    /// a big file's findings sent ahead of it ([`FileOutcome::partial`]).
    fn file(&mut self, outcome: &FileOutcome) -> io::Result<()>;
    /// Whether this sink needs all of a file's findings in one call (its
    /// parts are then joined first, in memory). Per-finding reporters
    /// stream, so a big export is never held whole.
    fn whole_files(&self) -> bool {
        false
    }
    /// The end of the run.
    fn finish(&mut self, inventory: &Inventory) -> io::Result<()>;
}

/// What reporters may show.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Show raw values instead of masked ones.
    pub show_values: bool,
    /// Only the inventory, no per-finding lines.
    pub summary_only: bool,
}

/// The value a report shows for a finding.
pub fn shown_value<'a>(f: &'a Finding, opts: &ReportOptions) -> Cow<'a, str> {
    if opts.show_values && !crate::fingerprint::is_secret(&f.kind) {
        Cow::Owned(sanitize(&f.value))
    } else {
        Cow::Borrowed(&f.masked)
    }
}

/// Replace control characters so a hostile file name or value cannot drive
/// the terminal (escape sequences, carriage returns).
pub fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect()
}

/// A sink that forwards to several.
pub struct Tee<'a>(pub Vec<&'a mut dyn Sink>);

impl Sink for Tee<'_> {
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.file(o))
    }
    fn whole_files(&self) -> bool {
        self.0.iter().any(|s| s.whole_files())
    }
    fn finish(&mut self, inv: &Inventory) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.finish(inv))
    }
}

/// Warnings on stderr for files that could not be scanned: the path and the
/// cause, never content.
pub struct Warnings<W: Write>(pub W);

impl<W: Write> Sink for Warnings<W> {
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        // A media member (an image in a mail, a photo in a zip) is a normal
        // skip, like a media file: counted in reports, not a warning line
        // per part (a mailbox of 10,000 images would print 10,000 lines).
        for p in o.problems.iter().filter(|p| p.reason.warns()) {
            let sep = if p.detail.is_empty() { "" } else { ": " };
            writeln!(
                self.0,
                "piiscan: warning: {}!/{}: not read ({}){sep}{}",
                sanitize(&o.path.display().to_string()),
                sanitize(&p.member),
                p.reason.code(),
                sanitize(&p.detail)
            )?;
        }
        if let Some((r, d)) = &o.skipped {
            if r.warns() {
                let sep = if d.is_empty() { "" } else { ": " };
                writeln!(
                    self.0,
                    "piiscan: warning: {}: {} ({}){sep}{}",
                    sanitize(&o.path.display().to_string()),
                    if r.failed() { "failed" } else { "skipped" },
                    r.code(),
                    sanitize(d)
                )?;
            }
        }
        Ok(())
    }
    fn finish(&mut self, _: &Inventory) -> io::Result<()> {
        self.0.flush()
    }
}
