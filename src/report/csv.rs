//! `--format csv`: one row per finding, the JSONL fields as columns.

use std::io::{self, Write};

use super::jsonl::FindingRow;
use super::{ReportOptions, Sink};
use crate::inventory::Inventory;
use crate::outcome::FileOutcome;

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
            self.out.serialize(FindingRow::new(&path, f, &self.opts)).map_err(io::Error::other)?;
        }
        Ok(())
    }
    fn finish(&mut self, _: &Inventory) -> io::Result<()> {
        self.out.flush()
    }
}
