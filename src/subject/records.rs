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
//! The structure comes from the extractors (the same reading as `scan`):
//! CSV rows from the CSV extractor's row index, JSON records from the JSON
//! extractor's structural pass, transcript cues, sheet rows; only plain
//! text is cut here, by lines, paragraphs or messages.

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
    /// One JSON document, with its record objects (start, end, pointer)
    /// as the extractor's index found them.
    Json(Vec<(usize, usize, String)>),
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
    /// Spreadsheet rows: where each starts in the sheet's text, and its
    /// 1-based number.
    Rows(Vec<(usize, u64)>),
}

impl Layout {
    /// The layout of one segment of a file, from the structure its
    /// extractor found (the same reading as `scan`'s): delimited rows,
    /// JSON records or lines, transcript cues, sheet rows. Text without such
    /// structure is judged by `name` (the file's, or the member's inside a
    /// container) and size: a mailbox's messages, a log's lines, a
    /// document, or paragraphs of a large text.
    pub fn of_segment(name: &std::path::Path, seg: &crate::extract::Segment<'_>) -> Layout {
        use crate::extract::Locator;
        match &seg.locator {
            Locator::Csv(c) => return Layout::Csv { delim: c.delim() },
            Locator::Json(ix) if ix.is_transcript() => return Layout::Transcript,
            Locator::Json(ix) if ix.is_lines() => return Layout::JsonLines,
            Locator::Json(ix) => return Layout::Json(ix.records.clone()),
            Locator::Cues(_) => return Layout::Transcript,
            Locator::Cells { cells, .. } => {
                let mut rows: Vec<(usize, u64)> = Vec::new();
                for &(start, r, _) in cells {
                    if rows.last().is_none_or(|&(_, last)| last != u64::from(r) + 1) {
                        rows.push((start, u64::from(r) + 1));
                    }
                }
                return Layout::Rows(rows);
            }
            _ => {}
        }
        match crate::extract::ext_of(&name.to_string_lossy()).as_str() {
            "mbox" => Layout::Mbox,
            "log" => Layout::Lines,
            _ if seg.text.len() <= DOCUMENT_MAX => Layout::Document,
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
        Layout::Json(records) if !records.is_empty() => records
            .iter()
            .map(|(start, end, pointer)| Record { start: *start, end: *end, loc: Loc::Pointer(pointer.clone()) })
            .collect(),
        Layout::Mbox => mbox(text),
        Layout::Json(_) | Layout::Transcript | Layout::Document => {
            vec![Record { start: 0, end: text.len(), loc: Loc::Document }]
        }
        Layout::Paragraphs => paragraphs(text),
        Layout::Rows(rows) => rows
            .iter()
            .enumerate()
            .map(|(i, &(start, n))| Record {
                start,
                end: rows.get(i + 1).map_or(text.len(), |r| r.0),
                loc: Loc::Row(n),
            })
            .collect(),
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
