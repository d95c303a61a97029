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
pub mod inventory;
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

/// A finding's score as every report gives it (two decimals).
pub fn reported_score(f: &Finding) -> f64 {
    jsonl::score(f)
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

/// A JSON array written element by element, pretty-printed at a given
/// depth, so a document reporter (`json`, `sarif`) never holds its
/// findings: each element goes out as it arrives, and memory does not grow
/// with their number.
pub(crate) struct StreamedArray {
    /// Spaces before each element.
    indent: usize,
    /// Elements written so far.
    count: u64,
}

impl StreamedArray {
    pub(crate) fn new(indent: usize) -> Self {
        StreamedArray { indent, count: 0 }
    }

    /// Write one element (after the array's `[`).
    pub(crate) fn push<W: Write, T: serde::Serialize>(&mut self, out: &mut W, value: &T) -> io::Result<()> {
        self.next(out)?;
        write_indented(out, self.indent, value)
    }

    /// Write one element rendered before by [`write_indented`] at this
    /// array's indentation.
    pub(crate) fn push_rendered<W: Write>(&mut self, out: &mut W, rendered: &[u8]) -> io::Result<()> {
        self.next(out)?;
        out.write_all(rendered)
    }

    /// The separator and indentation before the next element.
    fn next<W: Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(if self.count == 0 { b"\n" } else { b",\n" })?;
        out.write_all(&b" ".repeat(self.indent))?;
        self.count += 1;
        Ok(())
    }

    /// Close the array (the `]`, on its own line if it has elements).
    pub(crate) fn close<W: Write>(&self, out: &mut W) -> io::Result<()> {
        if self.count > 0 {
            out.write_all(b"\n")?;
            out.write_all(&b" ".repeat(self.indent.saturating_sub(2)))?;
        }
        out.write_all(b"]")
    }
}

/// `value` pretty-printed (two-space steps) as if it stood `indent` spaces
/// deep in a document: every line after the first is indented (the first
/// follows what the caller wrote: a key, or the element's own indentation).
pub(crate) fn write_indented<W: Write, T: serde::Serialize>(out: &mut W, indent: usize, value: &T) -> io::Result<()> {
    /// Inserts the indentation after every newline it passes on. JSON
    /// strings escape their newlines, so only the formatter's are seen.
    struct Indent<'a, W: Write> {
        out: &'a mut W,
        pad: &'a [u8],
    }
    impl<W: Write> Write for Indent<'_, W> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut rest = buf;
            while let Some(i) = memchr::memchr(b'\n', rest) {
                self.out.write_all(&rest[..=i])?;
                self.out.write_all(self.pad)?;
                rest = &rest[i + 1..];
            }
            self.out.write_all(rest)?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.out.flush()
        }
    }
    let pad = vec![b' '; indent];
    let mut w = Indent { out, pad: &pad };
    serde_json::to_writer_pretty(&mut w, value).map_err(io::Error::other)
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
pub struct Warnings<W: Write> {
    out: W,
    verbose: bool,
}

impl<W: Write> Warnings<W> {
    /// Warnings for what could not be read; with `verbose`, also a line for
    /// every normal skip (media, binary, passed over by a walk rule).
    pub fn new(out: W, verbose: bool) -> Self {
        Warnings { out, verbose }
    }
}

impl<W: Write> Sink for Warnings<W> {
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        // A media member (an image in a mail, a photo in a zip) is a normal
        // skip, like a media file: counted in reports, not a warning line
        // per part (a mailbox of 10,000 images would print 10,000 lines).
        // `-v` lists them, as `note` lines.
        for p in o.problems.iter().filter(|p| self.verbose || p.reason.warns()) {
            let sep = if p.detail.is_empty() { "" } else { ": " };
            writeln!(
                self.out,
                "piiscan: {}: {}!/{}: not read ({}){sep}{}",
                if p.reason.warns() { "warning" } else { "note" },
                sanitize(&o.path.display().to_string()),
                sanitize(&p.member),
                p.reason.code(),
                sanitize(&p.detail)
            )?;
        }
        if let Some((r, d)) = &o.skipped {
            if self.verbose || r.warns() {
                let sep = if d.is_empty() { "" } else { ": " };
                writeln!(
                    self.out,
                    "piiscan: {}: {}: {} ({}){sep}{}",
                    if r.warns() { "warning" } else { "note" },
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
        self.out.flush()
    }
}
