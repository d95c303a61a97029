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
        let digits = crate::finding::hex16(self.0);
        s.serialize_str(std::str::from_utf8(&digits).expect("hex digits are ASCII"))
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<&'static str>,
}

/// The score as reported: two decimals.
pub(super) fn score(f: &Finding) -> f64 {
    (f64::from(f.score) * 100.0).round() / 100.0
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
            score: score(f),
            value: shown_value(f, opts),
            fingerprint: Hex16(f.fingerprint),
            rule: &f.rule,
            test_data: f.test_data,
            location: f.location.as_ref(),
            in_extracted_text: !f.file_offsets,
            pieces: &f.pieces,
            spoken: f.spoken,
            scope: f.scope,
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
        // The same fields, in the same order, as serialising a `FindingRow`
        // (a test checks they agree), written directly: the path is escaped
        // once per file rather than once per finding, which made the
        // (single, ordered) writer thread a fifth of a dense scan's work.
        let path = serde_json::to_string(&o.path.display().to_string())?;
        // Each line is built in one buffer with integers written by `itoa`
        // and handed to the writer at once: `write!` through the formatting
        // machinery was most of this thread's work per finding.
        let mut line: Vec<u8> = Vec::with_capacity(256);
        let mut num = itoa::Buffer::new();
        for f in &o.findings {
            line.clear();
            line.extend_from_slice(b"{\"path\":");
            line.extend_from_slice(path.as_bytes());
            line.extend_from_slice(b",\"kind\":");
            serde_json::to_writer(&mut line, &*f.kind)?;
            for (name, v) in [
                (&b",\"start\":"[..], f.start),
                (b",\"end\":", f.end),
                (b",\"line\":", f.line),
                (b",\"column\":", f.column),
            ] {
                line.extend_from_slice(name);
                line.extend_from_slice(num.format(v).as_bytes());
            }
            line.extend_from_slice(b",\"score\":");
            serde_json::to_writer(&mut line, &score(f))?;
            line.extend_from_slice(b",\"value\":");
            serde_json::to_writer(&mut line, &shown_value(f, &self.opts))?;
            line.extend_from_slice(b",\"fingerprint\":\"");
            line.extend_from_slice(&crate::finding::hex16(f.fingerprint));
            line.extend_from_slice(b"\",\"rule\":");
            serde_json::to_writer(&mut line, &*f.rule)?;
            line.extend_from_slice(if f.test_data { b",\"test_data\":true" } else { b",\"test_data\":false" });
            if let Some(l) = &f.location {
                line.extend_from_slice(b",\"location\":");
                line.extend_from_slice(l.json().as_bytes());
            }
            if !f.file_offsets {
                line.extend_from_slice(b",\"in_extracted_text\":true");
            }
            if !f.pieces.is_empty() {
                line.extend_from_slice(b",\"pieces\":");
                serde_json::to_writer(&mut line, &f.pieces)?;
            }
            if f.spoken {
                line.extend_from_slice(b",\"spoken\":true");
            }
            if let Some(scope) = f.scope {
                line.extend_from_slice(b",\"scope\":");
                serde_json::to_writer(&mut line, scope)?;
            }
            line.extend_from_slice(b"}\n");
            self.out.write_all(&line)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Location;

    fn finding(optional: bool) -> Finding {
        Finding {
            kind: "email".into(),
            rule: "email\"odd\\rule".into(),
            start: 3,
            end: 20,
            line: 1,
            column: 4,
            char_column: 4,
            test_data: optional,
            score: 0.8549,
            value: "jane\"doe\"@example.com\n".into(),
            masked: "j***@e******.com".into(),
            fingerprint: 0x00ab_cdef_0123_4567,
            location: optional.then(|| Location::new(&serde_json::json!({"row": 2, "column": "e\"mail"})).unwrap()),
            file_offsets: !optional,
            pieces: if optional { vec![(3, 9), (12, 20)] } else { Vec::new() },
            spoken: optional,
            scope: optional.then_some("private"),
        }
    }

    /// The direct writer and the serialised `FindingRow` agree byte for byte.
    #[test]
    fn direct_lines_equal_serialised_rows() {
        for show_values in [false, true] {
            let opts = ReportOptions { show_values, summary_only: false };
            let findings = vec![finding(false), finding(true)];
            let path = std::path::PathBuf::from("dir/we\"ird\\ name\t.csv");
            let o = FileOutcome { path: path.clone(), findings, ..FileOutcome::default() };
            let mut report = JsonlReport::new(Vec::new(), opts);
            report.file(&o).unwrap();
            let got = String::from_utf8(report.out).unwrap();
            let p = path.display().to_string();
            let want: String = o
                .findings
                .iter()
                .map(|f| serde_json::to_string(&FindingRow::new(&p, f, &opts)).unwrap() + "\n")
                .collect();
            assert_eq!(got, want);
        }
    }
}
