//! `--format json`: one document with findings, every file's bucket, and the inventory.
//!
//! The document is written as the scan goes: its `findings` array first,
//! one element per finding as each file's findings arrive (a big export's
//! in parts), then `files` and `inventory` at the end. Nothing but one small
//! entry per file is held, so memory does not grow with the number of
//! findings (issue 21: the buffered document peaked at 2.66 GB on Debian's
//! `/usr/share/doc`).

use std::io::{self, Write};

use serde_json::{json, Value};

use super::jsonl::FindingRow;
use super::{write_indented, ReportOptions, Sink, StreamedArray};
use crate::inventory::Inventory;
use crate::outcome::FileOutcome;

/// Depth of the `files` array's elements.
const FILES_INDENT: usize = 4;

/// JSON reporter (streams findings; keeps one entry per file for the end).
pub struct JsonReport<W: Write> {
    out: W,
    opts: ReportOptions,
    /// The findings array, once its opening is written.
    findings: Option<StreamedArray>,
    /// Findings of the current file sent ahead in parts.
    parts: usize,
    /// Each file's entry, rendered as it will stand in the `files` array.
    files: Vec<Vec<u8>>,
}

impl<W: Write> JsonReport<W> {
    /// A reporter writing to `out`.
    pub fn new(out: W, opts: ReportOptions) -> Self {
        JsonReport { out, opts, findings: None, parts: 0, files: Vec::new() }
    }

    /// The findings array, opened on first use.
    fn findings(&mut self) -> io::Result<&mut StreamedArray> {
        if self.findings.is_none() {
            self.out.write_all(b"{\n  \"findings\": [")?;
        }
        Ok(self.findings.get_or_insert_with(|| StreamedArray::new(4)))
    }

    fn write_findings(&mut self, o: &FileOutcome) -> io::Result<()> {
        self.findings()?;
        if self.opts.summary_only {
            return Ok(());
        }
        let path = o.path.display().to_string();
        let arr = self.findings.as_mut().expect("opened above");
        for f in &o.findings {
            arr.push(&mut self.out, &FindingRow::new(&path, f, &self.opts))?;
        }
        Ok(())
    }
}

impl<W: Write> Sink for JsonReport<W> {
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        self.write_findings(o)?;
        if o.partial {
            self.parts += o.findings.len();
            return Ok(());
        }
        let count = std::mem::take(&mut self.parts) + o.findings.len();
        let mut status = match &o.skipped {
            None => json!({"status": "scanned", "format": o.format, "encoding": o.encoding,
                           "findings": count, "suppressed": o.suppressed}),
            Some((r, d)) => {
                json!({"status": if r.failed() { "failed" } else { "skipped" }, "reason": r.code(), "detail": d})
            }
        };
        if !o.problems.is_empty() {
            status["unread_members"] = o
                .problems
                .iter()
                .map(|p| json!({"member": p.member, "reason": p.reason.code(), "detail": p.detail}))
                .collect();
        }
        let mut file = json!({"path": o.path.display().to_string(), "store": o.store, "size": o.size});
        if let (Value::Object(a), Value::Object(b)) = (&mut file, status) {
            a.extend(b);
        }
        let mut rendered = Vec::new();
        write_indented(&mut rendered, FILES_INDENT, &file)?;
        self.files.push(rendered);
        Ok(())
    }

    fn finish(&mut self, inv: &Inventory) -> io::Result<()> {
        self.findings()?;
        let arr = self.findings.take().expect("opened above");
        arr.close(&mut self.out)?;
        self.out.write_all(b",\n  \"files\": [")?;
        let mut files = StreamedArray::new(FILES_INDENT);
        for f in std::mem::take(&mut self.files) {
            files.push_rendered(&mut self.out, &f)?;
        }
        files.close(&mut self.out)?;
        self.out.write_all(b",\n  \"inventory\": ")?;
        write_indented(&mut self.out, 2, inv)?;
        self.out.write_all(b"\n}\n")?;
        self.out.flush()
    }
}
