//! Records: the unit within which identifiers vouch for each other.
//!
//! A name next to the subject's email in one CSV row is the subject; the
//! same name in another row is somebody else until shown otherwise. So each
//! file is cut into records by its layout, decided from the file name and
//! the content:
//!
//! | layout | record | location reported |
//! |---|---|---|
//! | CSV / TSV / PSV | a row (quoted line breaks included) | `{"row": n, "column": header}` (data rows from 1) |
//! | JSON Lines | a line | `{"line": n}` |
//! | JSON | each object that is an element of the outermost array of objects (`customers[3]`); else the document | `{"pointer": "/customers/3"}` |
//! | mbox | a message | `{"message": n}` |
//! | e-mail, transcripts (VTT, SRT, JSON with `segments`/`results`), other text up to 64 KiB | the whole document (a letter, a CV, a message, a call is about its person) | `{"line": n}`, transcripts also `{"time": {"start","end"}}` of the cue |
//! | logs (`.log`), text over 64 KiB | a line / a paragraph; identifiers also vouch within [`WINDOW`] bytes | `{"line": n}` |
//!
//! The formats issue will replace these heuristics with its extractors'
//! structure; the record boundaries are the only thing matching needs.

use memchr::memchr_iter;
use serde_json::{json, Value};

use crate::extract::csvx;
pub use crate::extract::transcript::{cues, Cue};

/// Bytes either side of a weak identifier within which a strong one of the
/// same subject vouches for it, in layouts whose records are lines or
/// paragraphs.
pub const WINDOW: usize = 400;

/// Whole-document records for plain text up to this size.
const DOCUMENT_MAX: usize = 64 * 1024;

/// How a file is cut into records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// Delimited rows.
    Csv {
        /// The delimiter.
        delim: u8,
    },
    /// One JSON value per line.
    JsonLines,
    /// One JSON document.
    Json,
    /// A Unix mailbox.
    Mbox,
    /// A transcript (one call).
    Transcript,
    /// One document.
    Document,
    /// Lines (logs).
    Lines,
    /// Paragraphs (large text).
    Paragraphs,
}

impl Layout {
    /// The layout of a file, from its extension and (for JSON and large
    /// text) its content.
    pub fn of(path: &std::path::Path, text: &[u8]) -> Layout {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
        match ext.as_str() {
            "csv" => Layout::Csv { delim: csvx::sniff_delim(text, false) },
            "tsv" | "tab" => Layout::Csv { delim: b'\t' },
            "psv" => Layout::Csv { delim: b'|' },
            "jsonl" | "ndjson" => Layout::JsonLines,
            "json" => {
                let head = &text[..text.len().min(4096)];
                let has = |k: &[u8]| memchr::memmem::find(head, k).is_some();
                if has(b"\"segments\"") || has(b"\"transcripts\"") || has(b"\"audio_segments\"") {
                    Layout::Transcript
                } else {
                    Layout::Json
                }
            }
            "mbox" => Layout::Mbox,
            "vtt" | "srt" => Layout::Transcript,
            "log" => Layout::Lines,
            _ if text.len() <= DOCUMENT_MAX => Layout::Document,
            _ => Layout::Paragraphs,
        }
    }

    /// Whether nearby identifiers vouch for each other across records.
    pub fn uses_window(&self) -> bool {
        matches!(self, Layout::Lines | Layout::Paragraphs)
    }
}

/// Where a record sits.
#[derive(Debug, Clone, PartialEq)]
pub enum Loc {
    /// A CSV data row (1-based; the header row is 0).
    Row(u64),
    /// A line (1-based).
    Line(u64),
    /// A JSON pointer.
    Pointer(String),
    /// A message in a mailbox (1-based).
    Message(u64),
    /// The whole document.
    Document,
    /// A paragraph starting on this line.
    Paragraph(u64),
}

/// One record: a byte range of the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Start byte.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
    /// Where it is.
    pub loc: Loc,
}

/// Cut `text` into records (sorted, not overlapping; bytes outside every
/// record, such as a CSV header, belong to none).
pub fn segment(layout: &Layout, text: &[u8]) -> Vec<Record> {
    match layout {
        Layout::Csv { delim } => csv_rows(text, *delim),
        Layout::JsonLines | Layout::Lines => lines(text),
        Layout::Json => {
            let r = json_records(text);
            if r.is_empty() {
                vec![Record { start: 0, end: text.len(), loc: Loc::Document }]
            } else {
                r
            }
        }
        Layout::Mbox => mbox(text),
        Layout::Transcript | Layout::Document => vec![Record { start: 0, end: text.len(), loc: Loc::Document }],
        Layout::Paragraphs => paragraphs(text),
    }
}

fn lines(text: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    let mut start = 0;
    for (n, nl) in (1..).zip(memchr_iter(b'\n', text).chain(std::iter::once(text.len()))) {
        if nl > start {
            out.push(Record { start, end: nl, loc: Loc::Line(n) });
        }
        start = nl + 1;
    }
    out
}

fn paragraphs(text: &[u8]) -> Vec<Record> {
    let mut out: Vec<Record> = Vec::new();
    let mut open: Option<(usize, u64)> = None;
    let mut start = 0;
    for (n, nl) in (1..).zip(memchr_iter(b'\n', text).chain(std::iter::once(text.len()))) {
        let blank = text[start..nl].iter().all(u8::is_ascii_whitespace);
        match (blank, open) {
            (false, None) => open = Some((start, n)),
            (true, Some((s, l))) => {
                out.push(Record { start: s, end: start, loc: Loc::Paragraph(l) });
                open = None;
            }
            _ => {}
        }
        start = nl + 1;
    }
    if let Some((s, l)) = open {
        out.push(Record { start: s, end: text.len(), loc: Loc::Paragraph(l) });
    }
    out
}

fn mbox(text: &[u8]) -> Vec<Record> {
    crate::extract::mail::messages(text, true)
        .into_iter()
        .enumerate()
        .map(|(i, (s, e))| Record { start: s, end: e, loc: Loc::Message(i as u64 + 1) })
        .collect()
}

/// CSV rows with the `csv` crate (quoting, line breaks in quoted cells);
/// the first row is a header when the scan's header sniffing says so.
fn csv_rows(text: &[u8], delim: u8) -> Vec<Record> {
    let header =
        matches!(crate::detect::FieldContext::sniff_csv(text, delim == b'\t'), crate::detect::FieldContext::Csv { .. });
    // A malformed row ends the structure; the rest is one record.
    let starts = csvx::row_starts(text, delim);
    let ends: Vec<usize> = starts.iter().skip(1).copied().chain(std::iter::once(text.len())).collect();
    starts
        .iter()
        .zip(ends)
        .enumerate()
        .filter(|(i, _)| !(header && *i == 0))
        .map(|(i, (&s, e))| Record { start: s, end: e, loc: Loc::Row(if header { i as u64 } else { i as u64 + 1 }) })
        .collect()
}

/// The header cells of a CSV file (lower-cased), if it has a header row.
pub fn csv_headers(text: &[u8], delim: u8) -> Option<Vec<String>> {
    match crate::detect::FieldContext::sniff_csv(text, delim == b'\t') {
        crate::detect::FieldContext::Csv { headers, .. } => {
            Some(headers.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect())
        }
        crate::detect::FieldContext::None => None,
    }
}

/// The objects that are elements of the outermost array of objects, with
/// their JSON pointers. A structural scan (strings and escapes skipped), not
/// a parse: malformed JSON yields what was seen before the damage.
fn json_records(text: &[u8]) -> Vec<Record> {
    struct Frame {
        array: bool,
        index: u64,
        key: String,
    }
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Depth (stack length) at which the current record object was opened.
    let mut record: Option<(usize, usize, String)> = None;
    let mut last_string = String::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => {
                let s = i + 1;
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                last_string = String::from_utf8_lossy(&text[s..i.min(text.len())]).into_owned();
            }
            b':' => {
                if let Some(f) = stack.last_mut() {
                    f.key = std::mem::take(&mut last_string);
                }
            }
            b',' => {
                if let Some(f) = stack.last_mut() {
                    if f.array {
                        f.index += 1;
                    }
                }
            }
            c @ (b'{' | b'[') => {
                if c == b'{' && record.is_none() && stack.last().is_some_and(|f| f.array) {
                    record = Some((
                        stack.len(),
                        i,
                        pointer(&stack.iter().map(|f| (f.array, f.index, f.key.as_str())).collect::<Vec<_>>()),
                    ));
                }
                stack.push(Frame { array: c == b'[', index: 0, key: String::new() });
            }
            b'}' | b']' => {
                stack.pop();
                if let Some((depth, s, p)) = &record {
                    if stack.len() == *depth {
                        out.push(Record { start: *s, end: i + 1, loc: Loc::Pointer(p.clone()) });
                        record = None;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn pointer(frames: &[(bool, u64, &str)]) -> String {
    let mut p = String::new();
    for (array, index, key) in frames {
        p.push('/');
        if *array {
            p.push_str(&index.to_string());
        } else {
            p.push_str(&key.replace('~', "~0").replace('/', "~1"));
        }
    }
    p
}

/// A short label for a record in reports: `row 12`, `/customers/3`,
/// `message 2`, `line 14`, `paragraph at line 5`, `whole document`.
pub fn label(loc: &Loc) -> String {
    match loc {
        Loc::Row(r) => format!("row {r}"),
        Loc::Line(l) => format!("line {l}"),
        Loc::Pointer(p) => p.clone(),
        Loc::Message(m) => format!("message {m}"),
        Loc::Document => "whole document".into(),
        Loc::Paragraph(l) => format!("paragraph at line {l}"),
    }
}

/// The location of a record as JSON (with a CSV column name when known).
pub fn loc_json(loc: &Loc, column: Option<&str>) -> Value {
    match loc {
        Loc::Row(r) => match column {
            Some(c) => json!({ "row": r, "column": c }),
            None => json!({ "row": r }),
        },
        Loc::Line(l) | Loc::Paragraph(l) => json!({ "line": l }),
        Loc::Pointer(p) => json!({ "pointer": p }),
        Loc::Message(m) => json!({ "message": m }),
        Loc::Document => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_with_header_and_quotes() {
        let t = b"name,email\n\"Doe, Jane\",j@x.com\n\"multi\nline\",k@y.com\n";
        let r = segment(&Layout::Csv { delim: b',' }, t);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].loc, Loc::Row(1));
        assert_eq!(&t[r[1].start..r[1].end], b"\"multi\nline\",k@y.com\n");
        assert_eq!(csvx::column_at(t, r[0].start, r[0].start + 13, b','), 1);
    }

    #[test]
    fn json_objects_in_outer_array() {
        let t = br#"{"meta":{"n":2},"customers":[{"name":"A","orders":[{"id":1}]},{"name":"B \"q\" ]"}]}"#;
        let r = segment(&Layout::Json, t);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].loc, Loc::Pointer("/customers/0".into()));
        assert_eq!(r[1].loc, Loc::Pointer("/customers/1".into()));
        assert!(serde_json::from_slice::<Value>(&t[r[1].start..r[1].end]).is_ok());
        // Malformed input gives what it can and does not panic.
        let _ = segment(&Layout::Json, b"[{\"a\":\"\\");
        assert_eq!(segment(&Layout::Json, b"{\"a\":1}")[0].loc, Loc::Document);
    }

    #[test]
    fn paragraphs_and_mbox() {
        let t = b"a b\nc\n\n\nd\n";
        let p = segment(&Layout::Paragraphs, t);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].loc, Loc::Paragraph(5));
        let m = b"From a\nx\n\nFrom b\ny\n";
        let r = segment(&Layout::Mbox, m);
        assert_eq!(r.len(), 2);
        assert_eq!(&m[r[1].start..r[1].end], b"From b\ny\n");
    }
}
