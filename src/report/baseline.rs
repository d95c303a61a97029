//! `--write-baseline FILE`: every reported finding as (path, kind, keyed
//! fingerprint), sorted, written at the end. See [`crate::allow`].

use std::io;
use std::path::PathBuf;

use super::Sink;
use crate::allow::{Baseline, BaselineEntry};
use crate::inventory::Inventory;
use crate::outcome::FileOutcome;

/// Collects findings into a baseline file.
pub struct BaselineWriter {
    path: PathBuf,
    entries: Vec<BaselineEntry>,
}

impl BaselineWriter {
    /// A writer for `path`.
    pub fn new(path: PathBuf) -> Self {
        BaselineWriter { path, entries: Vec::new() }
    }
}

impl Sink for BaselineWriter {
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        let path = o.path.display().to_string();
        for f in &o.findings {
            self.entries.push(BaselineEntry {
                path: path.clone(),
                kind: f.kind.to_string(),
                fingerprint: f.fingerprint_hex(),
            });
        }
        Ok(())
    }

    fn finish(&mut self, _: &Inventory) -> io::Result<()> {
        let mut findings = std::mem::take(&mut self.entries);
        findings.sort();
        findings.dedup();
        let b = Baseline {
            version: 1,
            note: "piiscan baseline: accepted findings by path and keyed fingerprint (HMAC-SHA256 with the scan key); no values".into(),
            findings,
        };
        let text = serde_json::to_string_pretty(&b)?;
        std::fs::write(&self.path, text + "\n")
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.path.display())))
    }
}
