//! `--format sarif`: SARIF 2.1.0 for code-scanning pages (GitHub, Azure
//! DevOps...). One rule per pattern; each result has a region (line,
//! character column, byte offset and length), the keyed fingerprint as its
//! `partialFingerprints`, and never a raw value (the message carries the
//! masked value unless `--show-values`). Known-fake test data is reported at
//! level `note`, everything else at `warning`.
//!
//! The log is written as the scan goes: the tool and its rules first, then
//! each result as its file's findings arrive, and the closing brackets at
//! the end. Results are never held, so memory does not grow with their
//! number (the buffered log peaked at 5.6 GB on Debian's `/usr/share/doc`).

use std::io::{self, Write};
use std::sync::Arc;

use serde_json::{json, Value};

use super::{shown_value, write_indented, ReportOptions, Sink, StreamedArray};
use crate::inventory::Inventory;
use crate::outcome::FileOutcome;
use crate::rules::RuleSet;

/// SARIF reporter (streams its results).
pub struct SarifReport<W: Write> {
    out: W,
    opts: ReportOptions,
    rules: Arc<RuleSet>,
    /// The results array, once the log's opening is written.
    results: Option<StreamedArray>,
}

impl<W: Write> SarifReport<W> {
    /// A reporter for findings of `rules`, writing to `out`.
    pub fn new(out: W, opts: ReportOptions, rules: Arc<RuleSet>) -> Self {
        SarifReport { out, opts, rules, results: None }
    }

    /// The log up to its results array: schema, version, the tool and its
    /// rules, written on first use.
    fn open(&mut self) -> io::Result<()> {
        if self.results.is_some() {
            return Ok(());
        }
        let rules: Vec<Value> = self.rules.rules.iter().map(rule_descriptor).collect();
        let tool = json!({"driver": {"name": "piiscan", "version": env!("CARGO_PKG_VERSION"), "rules": rules}});
        self.out.write_all(
            b"{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": ",
        )?;
        write_indented(&mut self.out, 6, &tool)?;
        self.out.write_all(b",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [")?;
        self.results = Some(StreamedArray::new(8));
        Ok(())
    }
}

/// One rule of the tool's driver.
fn rule_descriptor(r: &crate::rules::Rule) -> Value {
    let what = if r.description.is_empty() { format!("{} ({})", r.kind, r.id) } else { r.description.clone() };
    json!({
        "id": &*r.id,
        "name": &*r.id,
        "shortDescription": {"text": format!("Personal data: {}", r.kind)},
        "fullDescription": {"text": what},
        "help": {"text": format!(
            "A value of kind `{}` was found. If it is real personal data, remove or redact it and replace it \
             with known-fake data (Ofcom drama numbers, example.com addresses, documentation IP ranges, test \
             card numbers). If it is fake on purpose, add `piiscan:allow` on the line or record it in a baseline.",
            r.kind)},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["privacy", "pii", &*r.kind]},
    })
}

/// A relative path as a URI reference: `/` separators, and every byte
/// outside the unreserved set percent-encoded.
pub fn uri_reference(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl<W: Write> Sink for SarifReport<W> {
    fn file(&mut self, o: &FileOutcome) -> io::Result<()> {
        self.open()?;
        let uri = uri_reference(&o.path.display().to_string());
        for f in &o.findings {
            let index = self.rules.rules.iter().position(|r| r.id == f.rule).unwrap_or(0);
            // Inside a container the region is the file as a whole; the
            // member, part or cell is said in the message and properties.
            let region = if f.file_offsets {
                json!({"startLine": f.line, "startColumn": f.char_column, "byteOffset": f.start, "byteLength": f.end - f.start})
            } else {
                json!({"startLine": 1})
            };
            let inside = match (&f.location, f.file_offsets) {
                (Some(l), false) => format!(" in {}", l.json()),
                _ => String::new(),
            };
            let mut props = json!({"kind": &*f.kind, "score": (f64::from(f.score) * 100.0).round() / 100.0, "testData": f.test_data});
            if let Some(l) = &f.location {
                props["location"] = l.value();
            }
            if let Some(scope) = f.scope {
                props["scope"] = json!(scope);
            }
            let result = json!({
                "ruleId": &*f.rule,
                "ruleIndex": index,
                "level": if f.test_data { "note" } else { "warning" },
                "message": {"text": format!("Personal data ({}) found: {}{}{inside}", f.kind, shown_value(f, &self.opts),
                    if f.test_data { " (known test data)" } else { "" })},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": region,
                }}],
                "partialFingerprints": {"piiscanFingerprint/v1": f.fingerprint_hex()},
                "properties": props,
            });
            self.results.as_mut().expect("opened above").push(&mut self.out, &result)?;
        }
        Ok(())
    }

    fn finish(&mut self, _: &Inventory) -> io::Result<()> {
        self.open()?;
        self.results.take().expect("opened above").close(&mut self.out)?;
        self.out.write_all(b"\n    }\n  ]\n}\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris() {
        assert_eq!(super::uri_reference("a dir/x#1.txt"), "a%20dir/x%231.txt");
        assert_eq!(super::uri_reference("./src/a.rs"), "src/a.rs");
    }
}
