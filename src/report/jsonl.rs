//! `--format jsonl`: one JSON object per finding (schema: `finding.schema.json`).

use std::io::{self, Write};

use serde::Serialize;

use super::{shown_value, ReportOptions, Sink};
use crate::finding::Finding;
use crate::inventory::Inventory;
use crate::outcome::FileOutcome;

/// A finding as serialised in JSON reports.
#[derive(Serialize)]
pub(super) struct FindingRow<'a> {
    pub path: String,
    pub kind: &'a str,
    pub start: u64,
    pub end: u64,
    pub line: u64,
    pub column: u64,
    pub score: f64,
    pub value: String,
    pub fingerprint: &'a str,
    pub rule: &'a str,
}

impl<'a> FindingRow<'a> {
    pub fn new(o: &FileOutcome, f: &'a Finding, opts: &ReportOptions) -> FindingRow<'a> {
        FindingRow {
            path: o.path.display().to_string(),
            kind: &f.kind,
            start: f.start,
            end: f.end,
            line: f.line,
            column: f.column,
            score: (f64::from(f.score) * 100.0).round() / 100.0,
            value: shown_value(f, opts),
            fingerprint: &f.fingerprint,
            rule: &f.rule,
        }
    }
}

/// JSON Lines reporter.
pub struct JsonlReport<W: Write> {
    out: W,
    opts: ReportOptions,
}

impl<W: Write> JsonlReport<W> {
    /// A reporter writing to `out`.
    pub fn new(out: W, opts: ReportOptions) -> Self {
        JsonlReport { out, opts }
    }
}

impl<W: Write> Sink for JsonlReport<W> {
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        if self.opts.summary_only {
            return Ok(());
        }
        for f in &o.findings {
            serde_json::to_writer(&mut self.out, &FindingRow::new(o, f, &self.opts))?;
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }
    fn finish(&mut self, inv: &Inventory) -> io::Result<()> {
        if self.opts.summary_only {
            serde_json::to_writer(&mut self.out, &serde_json::json!({ "inventory": inv }))?;
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }
}
