//! `--format csv`: one row per finding, the JSONL fields as columns.
//!
//! Every row has every column (a CSV reader rejects ragged rows): the
//! optional JSONL fields are written empty when absent, the location as its
//! JSON text, pieces as `start-end` pairs separated by `;`.

use std::io::{self, Write};

use serde::Serialize;

use super::jsonl::FindingRow;
use super::{ReportOptions, Sink};
use crate::inventory::Inventory;
use crate::outcome::FileOutcome;

/// One CSV row: the JSONL row with its optional fields always present.
#[derive(Serialize)]
struct CsvRow<'a> {
    path: &'a str,
    kind: &'a str,
    start: u64,
    end: u64,
    line: u64,
    column: u64,
    score: f64,
    value: &'a str,
    fingerprint: super::jsonl::Hex16,
    rule: &'a str,
    test_data: bool,
    location: &'a str,
    in_extracted_text: bool,
    pieces: String,
    spoken: bool,
}

/// CSV reporter.
pub struct CsvReport<W: Write> {
    out: csv::Writer<W>,
    opts: ReportOptions,
}

impl<W: Write> CsvReport<W> {
    /// A reporter writing to `out`.
    pub fn new(out: W, opts: ReportOptions) -> Self {
        CsvReport { out: csv::Writer::from_writer(out), opts }
    }
}

impl<W: Write> Sink for CsvReport<W> {
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        if self.opts.summary_only {
            return Ok(());
        }
        let path = o.path.display().to_string();
        for f in &o.findings {
            let r = FindingRow::new(&path, f, &self.opts);
            let row = CsvRow {
                path: r.path,
                kind: r.kind,
                start: r.start,
                end: r.end,
                line: r.line,
                column: r.column,
                score: r.score,
                value: &r.value,
                fingerprint: r.fingerprint,
                rule: r.rule,
                test_data: r.test_data,
                location: r.location.map_or("", |l| l.json()),
                in_extracted_text: r.in_extracted_text,
                pieces: r.pieces.iter().map(|(s, e)| format!("{s}-{e}")).collect::<Vec<_>>().join(";"),
                spoken: r.spoken,
            };
            self.out.serialize(row).map_err(io::Error::other)?;
        }
        Ok(())
    }
    fn finish(&mut self, _: &Inventory) -> io::Result<()> {
        self.out.flush()
    }
}
