//! `--format json`: one document with findings, every file's bucket, and the inventory.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::jsonl::FindingRow;
use super::{ReportOptions, Sink};
use crate::inventory::Inventory;
use crate::outcome::FileOutcome;

/// JSON reporter (buffers findings until the end).
pub struct JsonReport<W: Write> {
    out: W,
    opts: ReportOptions,
    findings: Vec<Value>,
    files: Vec<Value>,
}

impl<W: Write> JsonReport<W> {
    /// A reporter writing to `out`.
    pub fn new(out: W, opts: ReportOptions) -> Self {
        JsonReport { out, opts, findings: Vec::new(), files: Vec::new() }
    }
}

impl<W: Write> Sink for JsonReport<W> {
    /// A file's entry counts its findings.
    fn whole_files(&self) -> bool {
        true
    }
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        let mut status = match &o.skipped {
            None => json!({"status": "scanned", "format": o.format, "encoding": o.encoding,
                           "findings": o.findings.len(), "suppressed": o.suppressed}),
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
        self.files.push(file);
        if !self.opts.summary_only {
            let path = o.path.display().to_string();
            for f in &o.findings {
                self.findings.push(serde_json::to_value(FindingRow::new(&path, f, &self.opts))?);
            }
        }
        Ok(())
    }
    fn finish(&mut self, inv: &Inventory) -> io::Result<()> {
        let doc = json!({
            "findings": std::mem::take(&mut self.findings),
            "files": std::mem::take(&mut self.files),
            "inventory": inv,
        });
        serde_json::to_writer_pretty(&mut self.out, &doc)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
