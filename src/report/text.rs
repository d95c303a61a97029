//! `--format text` (default): one line per finding, then the inventory.

use std::io::{self, Write};

use super::{sanitize, shown_value, ReportOptions, Sink};
use crate::inventory::{Inventory, StoreStats};
use crate::outcome::FileOutcome;

/// Human-readable reporter.
pub struct TextReport<W: Write> {
    out: W,
    opts: ReportOptions,
}

impl<W: Write> TextReport<W> {
    /// A reporter writing to `out`.
    pub fn new(out: W, opts: ReportOptions) -> Self {
        TextReport { out, opts }
    }
}

fn kinds_line(s: &StoreStats) -> String {
    s.findings
        .iter()
        .map(|(k, n)| format!("{k} {n} ({} distinct)", s.distinct.get(k).copied().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<W: Write> Sink for TextReport<W> {
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        if self.opts.summary_only {
            return Ok(());
        }
        let path = sanitize(&o.path.display().to_string());
        for f in &o.findings {
            let tag = if f.test_data { "  (test data)" } else { "" };
            let (line, col, kind, value) = (f.line, f.column, &f.kind, shown_value(f, &self.opts));
            writeln!(self.out, "{path}:{line}:{col}  {kind}  {value}  {:.2}{tag}", f.score)?;
        }
        Ok(())
    }

    fn finish(&mut self, inv: &Inventory) -> io::Result<()> {
        let w = &mut self.out;
        if !self.opts.summary_only && inv.total_findings() > 0 {
            writeln!(w)?;
        }
        writeln!(w, "Inventory of personal data, by data store")?;
        writeln!(w, "==========================================")?;
        for (name, s) in &inv.stores {
            writeln!(w, "{}", sanitize(name))?;
            writeln!(
                w,
                "  files: {} scanned, {} with personal data, {} skipped; {} bytes",
                s.files_scanned, s.files_with_pii, s.files_skipped, s.bytes
            )?;
            if !s.findings.is_empty() {
                writeln!(w, "  found: {}", kinds_line(s))?;
            }
            if let (Some(a), Some(b)) = (&s.oldest_modified, &s.newest_modified) {
                writeln!(w, "  files with personal data modified {a} .. {b}")?;
            }
            if s.media_files > 0 {
                writeln!(
                    w,
                    "  media (audio, video, images; may hold personal data, not content-scanned): {} files, {} bytes",
                    s.media_files, s.media_bytes
                )?;
            }
        }
        let t = &inv.total;
        writeln!(w)?;
        writeln!(
            w,
            "Total: {} findings in {} of {} files scanned",
            inv.total_findings(),
            t.files_with_pii,
            t.files_scanned
        )?;
        if !t.findings.is_empty() {
            writeln!(w, "  {}", kinds_line(t))?;
        }
        if t.test_data > 0 || t.suppressed > 0 {
            writeln!(
                w,
                "  of which known test data: {}; suppressed (piiscan:allow, baseline): {}",
                t.test_data, t.suppressed
            )?;
        }
        let line = |m: &std::collections::BTreeMap<String, u64>| {
            m.iter().map(|(r, n)| format!("{r} {n}")).collect::<Vec<_>>().join(", ")
        };
        writeln!(w, "Scanned by format: {}", if inv.formats.is_empty() { "none".into() } else { line(&inv.formats) })?;
        if !inv.skipped.is_empty() {
            writeln!(w, "Skipped: {}", line(&inv.skipped))?;
        }
        if !inv.failed.is_empty() {
            writeln!(w, "Failed: {}", line(&inv.failed))?;
        }
        if !inv.members_unread.is_empty() {
            writeln!(w, "Members of scanned archives not read: {}", line(&inv.members_unread))?;
        }
        writeln!(
            w,
            "Scanned {:.1} MB in {:.2} s ({:.1} MB/s)",
            t.bytes as f64 / 1e6,
            inv.elapsed_secs,
            inv.mb_per_sec
        )?;
        w.flush()
    }
}
