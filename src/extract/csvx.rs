//! Delimited text (CSV, TSV, PSV): the header names each field, and a
//! column without a telling header is judged by its content.
//!
//! **Header**: the first line is a header when most of its cells have no
//! digit (see [`FieldContext::sniff_csv`]); a `dob`/`date_of_birth`/`birth`
//! header makes the dates below it birth dates, `email`, `phone`, `mobile`,
//! `msisdn`, `postcode`, `nino`, `sort_code`, `account` likewise raise their
//! kinds' scores (each pattern's context words are matched against the
//! header of the value's column).
//!
//! **Content** (obscure or missing headers): a column is taken for a date of
//! birth when, over the first 200 rows, at least 80% of its non-empty cells
//! are dates and at least 70% of those dates lie 16 or more years in the
//! past, spread over at least 5 different years, its header (if any) names
//! no event (`created`, `invoice`, `due`...), and another column of the file
//! holds emails or names (person records). Event dates (orders, invoices,
//! logins) are recent or bunched; birth dates are old and spread.
//!
//! The same sampling names three more kinds of column (issue 18): NHS
//! numbers (at least 80% of non-empty cells are ten digits passing the
//! modulus 11 check, which a random ten-digit number passes 1 time in 11),
//! and a sort-code column (80% `12-34-56` or `12 34 56`, or six bare
//! digits when the rows also hold a name of two capitalised words) beside
//! an account column (80% eight digits), which are then one bank account
//! per row. Device columns too (issue 23): IMEIs (80% Luhn-valid 15-digit
//! numbers with a handset reporting-body prefix) and IMSIs (80% 14-15 digit
//! numbers starting with a known network's MCC+MNC), as call-detail records
//! without a header hold them. A column whose header already names its kind
//! is left alone. And people (issue 18): a column under a coded header or
//! none (`c7`, `fld_12`) is a name column when 80% of its non-empty cells
//! are one to four words of letters, 60% hold a given name or surname of the
//! lexicons that is no English word, and under 30% are UK places; it is
//! labelled `full_name`, under which a whole cell is a name (see the names
//! detector), known to the lexicons or not.
//!
//! Findings carry `{"row": n, "column": header}` (data rows from 1; the
//! column's header, or its 1-based number without one), and
//! `"column_kind": "inferred"` when the column's kind was judged from its
//! content.

use std::cell::Cell;
use std::collections::BTreeSet;

use serde_json::Value;

use crate::detect::context::column_from;
use crate::detect::validate::date::{current_year, parse_date};
use crate::detect::FieldContext;
use crate::finding::Location;

/// Rows sampled to judge columns by content.
const SAMPLE_ROWS: usize = 200;

/// Header words that name an event date, never a birth date.
const EVENT_WORDS: &[&str] = &[
    "created",
    "updated",
    "modified",
    "invoice",
    "due",
    "paid",
    "order",
    "ship",
    "login",
    "start",
    "end",
    "expir",
    "renew",
    "contract",
    "joined",
    "call",
    "txn",
    "transaction",
    "timestamp",
    "date_added",
    "last",
];

/// The label given to a column judged to hold dates of birth.
pub const INFERRED_DOB: &[u8] = b"date_of_birth";
/// The label given to a column judged to hold NHS numbers.
pub const INFERRED_NHS: &[u8] = b"nhs_number";
/// The labels given to a sort-code column and the account column beside it.
pub const INFERRED_SORT_CODE: &[u8] = b"sort_code";
/// See [`INFERRED_SORT_CODE`].
pub const INFERRED_ACCOUNT: &[u8] = b"account_number";
/// A column of Luhn-valid 15-digit numbers with a handset reporting-body
/// prefix (a random 15-digit number passes about one time in sixty).
pub const INFERRED_IMEI: &[u8] = b"imei";
/// A column of 14-15 digit numbers that start with a mobile network's
/// MCC+MNC.
pub const INFERRED_IMSI: &[u8] = b"imsi";

/// A column of people's names under a coded header or none: most cells one
/// to four words of letters, most holding a given name or surname of the
/// lexicons, few of them places.
pub const INFERRED_NAME: &[u8] = b"full_name";

/// Whether a header label was inferred from content.
fn is_inferred_label(h: &[u8]) -> bool {
    [INFERRED_DOB, INFERRED_NHS, INFERRED_SORT_CODE, INFERRED_ACCOUNT, INFERRED_IMEI, INFERRED_IMSI, INFERRED_NAME]
        .contains(&h)
}

/// A header that names nothing: empty, or a code (`c7`, `fld_12`, `col3`).
fn coded_header(h: &[u8]) -> bool {
    h.is_empty() || (h.len() <= 10 && h.iter().any(u8::is_ascii_digit))
}

/// A cell that reads as a person's name, and whether the lexicons know one
/// of its words: one to four words of letters (`'`, `-`, `.` inside).
fn name_cell(cell: &[u8]) -> Option<bool> {
    let words: Vec<&[u8]> = cell.split(|b| *b == b' ').filter(|w| !w.is_empty()).collect();
    let shaped = (1..=4).contains(&words.len()) && words.iter().all(|w| crate::detect::names::letters_word(w));
    shaped.then(|| words.iter().any(|w| crate::detect::names::lexicon_name(w)))
}

/// Field context for delimited text: the header row, with columns judged by
/// content where the header does not tell.
pub fn field_context(text: &[u8], tsv: bool) -> FieldContext {
    let sniffed = FieldContext::sniff_csv(text, tsv);
    let delim = match &sniffed {
        FieldContext::Csv { delim, .. } => *delim,
        FieldContext::None => sniff_delim(text, tsv),
    };
    let (mut headers, body_start) = match sniffed {
        FieldContext::Csv { headers, body_start, .. } => (headers, body_start),
        FieldContext::None => (Vec::new(), 0),
    };
    let mut inferred: Vec<(usize, &[u8])> =
        infer_dob_columns(&text[body_start..], delim, &headers).into_iter().map(|c| (c, INFERRED_DOB)).collect();
    inferred.extend(infer_number_columns(&text[body_start..], delim, &headers));
    if inferred.is_empty() && headers.is_empty() {
        return FieldContext::None;
    }
    for (c, label) in inferred {
        if headers.len() <= c {
            headers.resize(c + 1, Vec::new());
        }
        headers[c] = label.to_vec();
    }
    FieldContext::Csv { delim, headers, body_start }
}

/// Columns of NHS numbers, and sort-code columns with the account column
/// beside them, judged from the first [`SAMPLE_ROWS`] rows (see the module
/// docs). A header that names the kind already is left as it is.
fn infer_number_columns(body: &[u8], delim: u8, headers: &[Vec<u8>]) -> Vec<(usize, &'static [u8])> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).delimiter(delim).flexible(true).from_reader(body);
    // Per column: (non-empty, NHS-valid, sort code with separators, eight
    // digits, six bare digits, IMEI-valid, IMSI-valid).
    let mut cols: Vec<[usize; 7]> = Vec::new();
    // Per column: (cells shaped as names, of them known to the lexicons, places).
    let mut people: Vec<[usize; 3]> = Vec::new();
    // A cell of two or more capitalised words: a person's name in the row.
    let mut names = false;
    for rec in rdr.byte_records().take(SAMPLE_ROWS) {
        let Ok(rec) = rec else { break };
        if cols.len() < rec.len() {
            cols.resize(rec.len(), [0; 7]);
            people.resize(rec.len(), [0; 3]);
        }
        for (i, cell) in rec.iter().enumerate() {
            let cell = cell.trim_ascii();
            if cell.is_empty() {
                continue;
            }
            let c = &mut cols[i];
            c[0] += 1;
            if coded_header(headers.get(i).map_or(&[][..], Vec::as_slice)) {
                if let Some(known) = name_cell(cell) {
                    let p = &mut people[i];
                    p[0] += 1;
                    p[1] += usize::from(known);
                    p[2] += usize::from(crate::detect::address::is_place(cell));
                }
            }
            if !names && cell.first().is_some_and(u8::is_ascii_uppercase) {
                let words: Vec<&[u8]> = cell.split(|b| *b == b' ').filter(|w| !w.is_empty()).collect();
                names = words.len() >= 2
                    && words.iter().all(|w| w[0].is_ascii_uppercase() && w.iter().all(|b| b.is_ascii_alphabetic()));
            }
            if cell.len() > 16 || !cell.first().is_some_and(u8::is_ascii_digit) {
                continue;
            }
            let digits: Vec<u8> = cell.iter().filter(|b| b.is_ascii_digit()).copied().collect();
            let seps_ok = cell.iter().all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-'));
            if !seps_ok {
                continue;
            }
            match digits.len() {
                10 => c[1] += usize::from(crate::detect::validate::nhs_valid(&String::from_utf8_lossy(&digits))),
                // Written as sort codes are (`12-34-56`, `12 34 56`); six
                // bare digits beside eight are as often a port and a
                // counter (RADIUS accounting) as a bank account, and count
                // only where the rows also hold people's names.
                6 if cell.len() == 8 => c[2] += 1,
                6 => c[4] += 1,
                8 if cell.len() == 8 => c[3] += 1,
                14..=16 => {
                    let d = String::from_utf8_lossy(&digits);
                    c[5] += usize::from(crate::detect::validate::imei_valid(&d));
                    c[6] += usize::from(crate::detect::validate::imsi_valid(&d));
                }
                _ => {}
            }
        }
    }
    let most = |k: usize, c: &[usize; 7]| c[0] >= 5 && c[k] * 10 >= c[0] * 8;
    let named = |i: usize, words: &[&str]| {
        headers.get(i).is_some_and(|h| words.iter().any(|w| memchr::memmem::find(h, w.as_bytes()).is_some()))
    };
    let mut out = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        let p = people[i];
        if c[0] >= 5 && p[0] * 10 >= c[0] * 8 && p[1] * 10 >= c[0] * 6 && p[2] * 10 < c[0] * 3 {
            out.push((i, INFERRED_NAME));
        }
        if most(1, c) && !named(i, &["nhs"]) {
            out.push((i, INFERRED_NHS));
        }
        if most(5, c) && !named(i, &["imei"]) {
            out.push((i, INFERRED_IMEI));
        } else if most(6, c) && !named(i, &["imsi"]) {
            out.push((i, INFERRED_IMSI));
        }
        // Sort codes written both ways in one column (`12-34-56` in some
        // rows, `123456` in others) count together where bare ones count.
        let sort_like = c[2] + if names { c[4] } else { 0 };
        if c[0] >= 5 && sort_like * 10 >= c[0] * 8 {
            let beside = [i + 1, i.wrapping_sub(1)].into_iter().find(|&j| cols.get(j).is_some_and(|a| most(3, a)));
            if let Some(j) = beside {
                if !named(i, &["sort"]) {
                    out.push((i, INFERRED_SORT_CODE));
                }
                if !named(j, &["acc", "a/c"]) {
                    out.push((j, INFERRED_ACCOUNT));
                }
            }
        }
    }
    out
}

/// Whether text that is not named as delimited is so anyway: its first
/// lines (at least 3, at most 20; `#` comment lines left out) all hold the
/// same number (two or more) of one of `,` `;` `|` tab, outside quotes.
/// Returns that delimiter.
pub fn looks_delimited(text: &[u8]) -> Option<u8> {
    // Judge on a bounded head: a memory-mapped file of one 200 MB line must
    // not be paged in whole just to learn it is no table.
    let text = &text[..text.len().min(256 * 1024)];
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        // Comment lines (`#MSC=...` before the header, `#EOF|RECORDS=16`
        // after the rows) are no rows.
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
        .take(20)
        .collect();
    // The last line may be cut short by the sample; a file of a few lines
    // is judged on all of them.
    if lines.len() < 3 || lines.iter().any(|l| l.len() > 64 * 1024) {
        return None;
    }
    [b',', b'\t', b'|', b';'].into_iter().find(|&d| {
        let count = |l: &[u8]| {
            let mut quoted = false;
            l.iter()
                .filter(|&&b| {
                    if b == b'"' {
                        quoted = !quoted;
                    }
                    b == d && !quoted
                })
                .count()
        };
        let n = count(lines[0]);
        n >= 2 && lines.iter().all(|l| count(l) == n)
    })
}

/// The delimiter of delimited text: tab for TSV, else the most frequent of
/// `,` `;` tab `|` on the first line.
pub fn sniff_delim(text: &[u8], tsv: bool) -> u8 {
    if tsv {
        return b'\t';
    }
    let text = &text[crate::detect::context::preamble_end(text)..];
    let first = &text[..memchr::memchr(b'\n', text).unwrap_or(text.len()).min(64 * 1024)];
    *[b',', b';', b'\t', b'|'].iter().max_by_key(|d| first.iter().filter(|b| *b == *d).count()).unwrap_or(&b',')
}

fn infer_dob_columns(body: &[u8], delim: u8, headers: &[Vec<u8>]) -> Vec<usize> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).delimiter(delim).flexible(true).from_reader(body);
    let mut cols: Vec<(usize, usize, usize, BTreeSet<i32>)> = Vec::new(); // (non-empty, dates, old dates, years)
    let mut person = false;
    let now = current_year();
    for rec in rdr.byte_records().take(SAMPLE_ROWS) {
        let Ok(rec) = rec else { break };
        if cols.len() < rec.len() {
            cols.resize(rec.len(), (0, 0, 0, BTreeSet::new()));
        }
        for (i, cell) in rec.iter().enumerate() {
            let cell = cell.trim_ascii();
            if cell.is_empty() {
                continue;
            }
            let c = &mut cols[i];
            c.0 += 1;
            if memchr::memchr(b'@', cell).is_some() {
                person = true;
            }
            if cell.len() <= 32 && cell.iter().any(u8::is_ascii_digit) {
                if let Some(d) = parse_date(cell) {
                    c.1 += 1;
                    if d.year() <= now - 16 {
                        c.2 += 1;
                    }
                    c.3.insert(d.year());
                }
            } else if cell.split(|b| *b == b' ').filter(|w| w.first().is_some_and(u8::is_ascii_uppercase)).count() >= 2
            {
                person = true;
            }
        }
    }
    if !person {
        return Vec::new();
    }
    cols.iter()
        .enumerate()
        .filter(|(i, (n, dates, old, years))| {
            let header = headers.get(*i).map(|h| String::from_utf8_lossy(h).to_string()).unwrap_or_default();
            let named = ["dob", "d_o_b", "birth", "born"].iter().any(|w| header.contains(w));
            !named
                && *n >= 5
                && *dates * 10 >= *n * 8
                && *old * 10 >= *dates * 7
                && years.len() >= 5
                && !EVENT_WORDS.iter().any(|w| header.contains(w))
        })
        .map(|(i, _)| i)
        .collect()
}

/// The start offset of each record of delimited text (quoted line breaks
/// included), read with the `csv` crate; a malformed row ends the list.
pub fn row_starts(text: &[u8], delim: u8) -> Vec<usize> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).delimiter(delim).flexible(true).from_reader(text);
    let mut starts = Vec::new();
    let mut rec = csv::ByteRecord::new();
    loop {
        let pos = rdr.position().byte() as usize;
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => starts.push(pos),
            Ok(false) | Err(_) => break,
        }
    }
    starts
}

/// The 0-based column of byte `pos` in the row starting at `row_start`
/// (delimiters inside quotes do not count).
pub fn column_at(text: &[u8], row_start: usize, pos: usize, delim: u8) -> usize {
    column_from(text, row_start, pos, delim, 0, false).0
}

/// Where [`CsvLocator::row_col`] last stopped.
#[derive(Debug, Clone, Copy)]
struct RowCursor {
    row_start: usize,
    pos: usize,
    col: usize,
    quoted: bool,
}

/// Row and column of positions in delimited text.
#[derive(Debug, Default)]
pub struct CsvLocator {
    /// Start offset of each record (header excluded), from the `csv` crate.
    starts: Vec<usize>,
    delim: u8,
    /// Column names as JSON strings, quoted and escaped once per file;
    /// `None` for an empty name (the column number stands in).
    headers: Vec<Option<String>>,
    /// Columns whose kind was judged from their content.
    inferred: Vec<bool>,
    /// Where the last position asked for was counted.
    cursor: Cell<Option<RowCursor>>,
}

impl CsvLocator {
    /// The delimiter.
    pub fn delim(&self) -> u8 {
        self.delim
    }

    /// Index the rows of `text`.
    pub fn new(text: &[u8], field: &FieldContext) -> CsvLocator {
        // Column names as written (not the labels inferred from content).
        let (delim, body_start) = match field {
            FieldContext::Csv { delim, body_start, .. } => (*delim, *body_start),
            FieldContext::None => (sniff_delim(text, false), 0),
        };
        let written = match FieldContext::sniff_csv(text, delim == b'\t') {
            FieldContext::Csv { headers, .. } if body_start > 0 => headers,
            _ => Vec::new(),
        };
        // A header cell that is itself a value means the first row was
        // data, and no column is named by it: an email or a number
        // ([`super::looks_like_value`]), or a person's full name (two or
        // three words, each a given name or surname of the lexicons, none
        // an English word; headers come lower-cased), as in
        // `Alice Quibbleworth,alice@…`.
        let full_name = |h: &[u8]| {
            let words: Vec<&[u8]> = h.split(|b| *b == b' ').filter(|w| !w.is_empty()).collect();
            (2..=3).contains(&words.len()) && words.iter().all(|w| crate::detect::names::lexicon_name(w))
        };
        let data_row = written.iter().any(|h| super::looks_like_value(&String::from_utf8_lossy(h)) || full_name(h));
        let headers: Vec<Option<String>> = written
            .iter()
            .map(|h| {
                (!h.is_empty() && !data_row).then(|| serde_json::Value::from(String::from_utf8_lossy(h)).to_string())
            })
            .collect();
        // Inferred: labelled by content, not by a header saying the same.
        let inferred = match field {
            FieldContext::Csv { headers: labels, .. } => labels
                .iter()
                .enumerate()
                .map(|(i, l)| is_inferred_label(l) && written.get(i).is_none_or(|w| w != l))
                .collect(),
            FieldContext::None => Vec::new(),
        };
        let body_start = body_start.min(text.len());
        let starts = row_starts(&text[body_start..], delim).into_iter().map(|s| body_start + s).collect();
        CsvLocator { starts, delim, headers, inferred, cursor: Cell::new(None) }
    }

    /// `{"column", "row"}` of `pos`, written directly (no map per finding:
    /// a large export has millions).
    pub fn location(&self, text: &[u8], pos: usize) -> Option<Location> {
        let (row, col) = self.row_col(text, pos)?;
        let inferred = self.inferred.get(col).copied().unwrap_or(false);
        Some(Location::cell(self.headers.get(col).and_then(Option::as_deref), col, row, inferred))
    }

    /// 1-based row and 0-based column of `pos`. Findings come in order, most
    /// several to a row: the column count carries on from the last position
    /// asked in the same row instead of starting again at the row's start.
    fn row_col(&self, text: &[u8], pos: usize) -> Option<(usize, usize)> {
        let i = self.starts.partition_point(|&s| s <= pos);
        if i == 0 {
            return None;
        }
        let row_start = self.starts[i - 1];
        let (mut from, mut col, mut quoted) = (row_start, 0, false);
        if let Some(c) = self.cursor.get().filter(|c| c.row_start == row_start && c.pos <= pos) {
            (from, col, quoted) = (c.pos, c.col, c.quoted);
        }
        let (col, quoted) = column_from(text, from, pos, self.delim, col, quoted);
        self.cursor.set(Some(RowCursor { row_start, pos, col, quoted }));
        Some((i, col))
    }

    /// `{"row", "column"}` of `pos`.
    pub fn at(&self, text: &[u8], pos: usize) -> Option<Value> {
        Some(self.location(text, pos)?.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Issue 18: a coded column most of whose cells are people's names is a
    /// name column; a column of towns is not, nor a named column.
    #[test]
    fn a_coded_column_of_names_is_inferred() {
        let csv = "c1,c2,c3\n1,Habibu,Hull\n2,Keira,Bath\n3,Samatar Qorxo,Leeds\n4,Tom Barnes,York\n\
                   5,Priya,Ely\n6,Olamide Adeyemi,Derby\n7,Sarah Jones,Leeds\n8,Mohammed Khan,Leeds\n";
        let FieldContext::Csv { headers, .. } = field_context(csv.as_bytes(), false) else { panic!("csv") };
        assert_eq!(headers[1], INFERRED_NAME);
        assert_eq!(headers[2], b"c3");
        let named = csv.replace("c1,c2,c3", "id,agent_notes,town");
        let FieldContext::Csv { headers, .. } = field_context(named.as_bytes(), false) else { panic!("csv") };
        assert_eq!(headers[1], b"agent_notes");
    }

    /// A first row of values is not a header a location may show: its
    /// emails, numbers and full names would be raw personal data there.
    #[test]
    fn a_header_row_of_values_names_no_column() {
        for (csv, shown) in [
            ("Alice Walsh,12 High Street,Leeds\nBob Ryan,3 Low Road,York\nCara Bell,4 Mill Lane,Hull\n", false),
            ("x,alice.q@example-corp.co.uk,07700 900123\ny,bob@fakemail.org,07700 900456\n", false),
            ("name,street,town\nBob Ryan,3 Low Road,York\nCara Bell,4 Mill Lane,Hull\n", true),
        ] {
            let loc = CsvLocator::new(csv.as_bytes(), &field_context(csv.as_bytes(), false));
            let pos = csv.rfind('\n').and_then(|e| csv[..e].rfind('\n')).unwrap() + 1;
            let v = loc.location(csv.as_bytes(), pos).unwrap().value();
            let column = v["column"].as_str().unwrap();
            assert_eq!(column == "name", shown, "{csv:?}: {v}");
            assert!(shown || column == "1", "{v}");
        }
    }

    #[test]
    fn comment_lines_around_rows_do_not_hide_a_table() {
        let t = b"#MSC=MAN-02|VER=R16\ntype|orig|imsi\nMOC|1|2\nMTC|3|4\n#EOF|RECORDS=2\n";
        assert_eq!(looks_delimited(t), Some(b'|'));
        assert_eq!(sniff_delim(t, false), b'|');
        assert_eq!(looks_delimited(b"a|b\nc|d|e\nf|g\n"), None);
    }

    /// The cursor counts as the plain count from the row's start, for
    /// positions asked in order (several per row) and out of it.
    #[test]
    fn row_cursor_counts_as_from_the_row_start() {
        let mut rnd = crate::testing::rng(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| (rnd() % n as u64) as usize;
        let cells = ["a", "\"x,y\"", "\"say \"\"hi\"\", ok\"", "", "07700 900123", "\"multi\nline\""];
        let mut text = String::from("h1,h2,h3,h4\n");
        for _ in 0..200 {
            for k in 0..1 + next(6) {
                if k > 0 {
                    text.push(',');
                }
                text.push_str(cells[next(cells.len())]);
            }
            text.push('\n');
        }
        let t = text.as_bytes();
        let loc = CsvLocator::new(t, &field_context(t, false));
        let plain = |pos: usize| {
            let i = loc.starts.partition_point(|&s| s <= pos);
            (i > 0).then(|| (i, column_at(t, loc.starts[i - 1], pos, b',')))
        };
        let mut pos = 0;
        let mut deep = 0;
        for _ in 0..3000 {
            pos = if next(8) == 0 { next(t.len()) } else { (pos + next(9)).min(t.len()) };
            let want = plain(pos);
            assert_eq!(loc.row_col(t, pos), want, "at {pos}");
            deep += usize::from(want.is_some_and(|(_, c)| c >= 2));
        }
        assert!(deep > 300, "{deep}");
    }

    #[test]
    fn infers_birth_dates_not_event_dates() {
        let mut t = String::new();
        for i in 0..20 {
            t.push_str(&format!(
                "Jane Doe{i},jd{i}@x.com,{:02}/0{}/19{:02},0{}/03/2024\n",
                1 + i,
                1 + i % 9,
                50 + i,
                1 + i % 9
            ));
        }
        let f = field_context(t.as_bytes(), false);
        let FieldContext::Csv { headers, .. } = &f else { panic!("no context") };
        assert_eq!(headers.get(2).map(Vec::as_slice), Some(INFERRED_DOB));
        assert!(headers.get(3).is_none_or(|h| h.as_slice() != INFERRED_DOB), "recent dates are events");
        let loc = CsvLocator::new(t.as_bytes(), &f);
        let pos = t.find("jd3@").unwrap();
        assert_eq!(loc.at(t.as_bytes(), pos), Some(json!({"row": 4, "column": "2"})));
        // Without person columns nothing is inferred.
        let mut u = String::new();
        for i in 0..20 {
            u.push_str(&format!("{i},{:02}/01/19{:02}\n", 1 + i, 50 + i));
        }
        assert!(matches!(field_context(u.as_bytes(), false), FieldContext::None));
    }

    /// Issue 18: NHS-number columns and a sort-code column beside an
    /// account column are named from their content under coded headers
    /// (and without a header), and their cells' locations say so.
    #[test]
    fn infers_nhs_and_bank_columns() {
        // Valid NHS numbers: nine digits and their modulus 11 check digit.
        let valid: Vec<String> = (0..40u64)
            .map(|k| 401_023_213 + k * 7_919)
            .filter_map(|p| (0..10).map(|c| format!("{p}{c}")).find(|n| crate::detect::validate::nhs_valid(n)))
            .take(6)
            .collect();
        assert_eq!(valid.len(), 6);
        let mut csv = String::from("c1,c2,c3,c4\n");
        for (k, n) in valid.iter().enumerate() {
            csv.push_str(&format!("x{k},{n},40-47-8{k},7087249{k}\n"));
        }
        let FieldContext::Csv { headers, .. } = field_context(csv.as_bytes(), false) else { panic!() };
        assert_eq!(headers[1], INFERRED_NHS);
        assert_eq!(headers[2], INFERRED_SORT_CODE);
        assert_eq!(headers[3], INFERRED_ACCOUNT);
        assert_eq!(headers[0], b"c1");
        let field = field_context(csv.as_bytes(), false);
        let loc = CsvLocator::new(csv.as_bytes(), &field);
        let at = csv.find("40-47-80").unwrap();
        assert_eq!(loc.at(csv.as_bytes(), at).unwrap(), json!({"column": "c3", "column_kind": "inferred", "row": 1}));
        let at = csv.find("x0").unwrap();
        assert_eq!(loc.at(csv.as_bytes(), at).unwrap(), json!({"column": "c1", "row": 1}));
        // Eight-digit numbers alone are no account column; a header that
        // names the kind is kept.
        let mut csv = String::from("ref,nhs\n");
        for (k, n) in valid.iter().enumerate() {
            csv.push_str(&format!("1234567{k},{n}\n"));
        }
        let FieldContext::Csv { headers, .. } = field_context(csv.as_bytes(), false) else { panic!() };
        assert_eq!(headers, vec![b"ref".to_vec(), b"nhs".to_vec()]);
        // A payroll (BACS) export without a header writes sort codes both
        // ways in one column; with people's names in the rows it is still
        // a sort-code column beside an account column.
        let mut csv = String::new();
        for k in 0..8 {
            let sort = if k % 2 == 0 { format!("40478{k}") } else { format!("40-47-8{k}") };
            csv.push_str(&format!("\"EMP{k}\",\"R WEBB\",\"{sort}\",\"7087249{k}\",\"4966.33\"\n"));
        }
        let FieldContext::Csv { headers, .. } = field_context(csv.as_bytes(), false) else { panic!() };
        assert_eq!(headers.get(2).map(Vec::as_slice), Some(INFERRED_SORT_CODE));
        assert_eq!(headers.get(3).map(Vec::as_slice), Some(INFERRED_ACCOUNT));
    }
}
