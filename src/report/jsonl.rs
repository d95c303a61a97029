//! `--format jsonl`: one JSON object per finding (schema: `finding.schema.json`).

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use super::{shown_value, ReportOptions, Sink};
use crate::finding::Finding;
use crate::inventory::Inventory;
use crate::outcome::FileOutcome;

/// A fingerprint serialised as 16 lower-case hex digits without a heap
/// string (a report writes one per finding, millions on a big share).
pub(super) struct Hex16(pub u64);

impl Serialize for Hex16 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut buf = [0u8; 16];
        for (i, b) in buf.iter_mut().enumerate() {
            *b = HEX[((self.0 >> (60 - 4 * i)) & 0xf) as usize];
        }
        s.serialize_str(std::str::from_utf8(&buf).unwrap_or_default())
    }
}

/// A finding as serialised in JSON reports.
#[derive(Serialize)]
pub(super) struct FindingRow<'a> {
    pub path: &'a str,
    pub kind: &'a str,
    pub start: u64,
    pub end: u64,
    pub line: u64,
    pub column: u64,
    pub score: f64,
    pub value: Cow<'a, str>,
    pub fingerprint: Hex16,
    pub rule: &'a str,
    pub test_data: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<&'a crate::finding::Location>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub in_extracted_text: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub pieces: &'a [(u64, u64)],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub spoken: bool,
}

impl<'a> FindingRow<'a> {
    pub fn new(path: &'a str, f: &'a Finding, opts: &ReportOptions) -> FindingRow<'a> {
        FindingRow {
            path,
            kind: &f.kind,
            start: f.start,
            end: f.end,
            line: f.line,
            column: f.column,
            score: (f64::from(f.score) * 100.0).round() / 100.0,
            value: shown_value(f, opts),
            fingerprint: Hex16(f.fingerprint),
            rule: &f.rule,
            test_data: f.test_data,
            location: f.location.as_ref(),
            in_extracted_text: !f.file_offsets,
            pieces: &f.pieces,
            spoken: f.spoken,
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
        let path = o.path.display().to_string();
        for f in &o.findings {
            serde_json::to_writer(&mut self.out, &FindingRow::new(&path, f, &self.opts))?;
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
