//! Field context: the column header (CSV) that names the field a value
//! sits in. `dob` in a header makes the dates below it birth dates, just as
//! `DOB:` before a value does in prose. (JSON keys sit right before their
//! values and are found by the ordinary context window.)

use memchr::memrchr;

/// Where a value's field label comes from.
#[derive(Debug, Clone, Default)]
pub enum FieldContext {
    /// No field structure known.
    #[default]
    None,
    /// Delimited text with a header row.
    Csv {
        /// The delimiter.
        delim: u8,
        /// Header cells (lower-cased, quotes removed).
        headers: Vec<Vec<u8>>,
        /// Byte offset where the first data row starts.
        body_start: usize,
    },
}

/// How far back a line start is searched; longer lines get no label.
const MAX_LINE: usize = 64 * 1024;

/// Where the text starts after a preamble of comment lines (`#` first, at
/// most 32 of them, each shorter than [`MAX_LINE`]): 0 without one.
pub(crate) fn preamble_end(text: &[u8]) -> usize {
    let mut at = 0;
    for _ in 0..32 {
        if text.get(at) != Some(&b'#') {
            break;
        }
        match memchr::memchr(b'\n', &text[at..text.len().min(at + MAX_LINE)]) {
            Some(p) => at += p + 1,
            None => return 0,
        }
    }
    at
}

impl FieldContext {
    /// Build CSV context from the first line if it looks like a header.
    pub fn sniff_csv(hay: &[u8], tsv_hint: bool) -> FieldContext {
        // A preamble of `#` lines (`#MSC=MSC-MAN-02|VER=R16.2`) comes
        // before the header in switch and mediation exports.
        let skip = preamble_end(hay);
        let end = skip + memchr::memchr(b'\n', &hay[skip..hay.len().min(skip + MAX_LINE)]).unwrap_or(0);
        if end == skip {
            return FieldContext::None;
        }
        let first = &hay[skip..end];
        let delim = if tsv_hint {
            b'\t'
        } else {
            *[b',', b';', b'\t', b'|'].iter().max_by_key(|d| first.iter().filter(|b| *b == *d).count()).unwrap_or(&b',')
        };
        let cells = split_fields(first, delim);
        // A redacted data row ("[NAME]",[EMAIL],… or "****",***@***) has few
        // digits left, but is no header: read as one, its placeholders would
        // label columns, and lower-case names below it would count.
        if cells.iter().any(|&(s, e)| is_placeholder(&first[s..e]) || first[s..e].windows(3).any(|w| w == b"***")) {
            return FieldContext::None;
        }
        let headers: Vec<Vec<u8>> = cells
            .into_iter()
            .map(|(s, e)| {
                first[s..e].iter().filter(|b| **b != b'"' && **b != b'\r').map(u8::to_ascii_lowercase).collect()
            })
            .collect();
        // A header has no digits in most cells; a data row usually does. A
        // coded header (`c7`, `fld_12`, `col 3`) is a short name: a letter
        // first, then letters, digits, `_`, `-` or spaces, at least as many
        // letters as digits. A value (`AB123456C`, `40-47-84`, `jd0@x.com`)
        // is not.
        let coded = |h: &[u8]| {
            let letters = h.iter().filter(|b| b.is_ascii_alphabetic()).count();
            h.len() <= 12
                && h.first().is_some_and(u8::is_ascii_alphabetic)
                && h.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b' '))
                && letters >= h.len() - letters
        };
        let digity = headers.iter().filter(|h| h.iter().any(u8::is_ascii_digit) && !coded(h)).count();
        // Empty cells inside the row count against it too (trailing ones
        // are common after a header's last column): Unicode's
        // `0000;<control>;Cc;0;BN;;;;;N;NULL;;;;` is a record, and read as a
        // header its `Cc` made every `Lo`/`Lu` below it a cc'd name.
        let used = headers.iter().rposition(|h| !h.is_empty()).map_or(0, |p| p + 1);
        let empty = headers[..used].iter().filter(|h| h.is_empty()).count();
        if headers.len() < 2 || digity * 2 > headers.len() || (digity + empty) * 2 > used {
            return FieldContext::None;
        }
        FieldContext::Csv { delim, headers, body_start: end + 1 }
    }

    /// The label of the field containing `pos`, if known.
    pub fn label<'a>(&'a self, hay: &[u8], pos: usize) -> Option<&'a [u8]> {
        self.column(hay, pos).and_then(|c| self.headers().get(c)).map(Vec::as_slice)
    }

    /// The header cells (empty without a header).
    pub fn headers(&self) -> &[Vec<u8>] {
        match self {
            FieldContext::Csv { headers, .. } => headers,
            FieldContext::None => &[],
        }
    }

    /// The index of the column containing `pos` (not checked against the
    /// header count), if the text has a header: lets a caller judge each
    /// header once per file instead of once per value.
    pub fn column(&self, hay: &[u8], pos: usize) -> Option<usize> {
        let FieldContext::Csv { delim, body_start, .. } = self else {
            return None;
        };
        if pos < *body_start {
            return None;
        }
        let floor = pos.saturating_sub(MAX_LINE);
        let ls = match memrchr(b'\n', &hay[floor..pos]) {
            Some(p) => floor + p + 1,
            None if floor == 0 => 0,
            None => return None,
        };
        Some(column_from(hay, ls, pos, *delim, 0, false).0)
    }
}

/// The column and quoting state at `pos`, counting delimiters outside
/// double quotes from `from`, where the column was `col` and quoting
/// `quoted` (from a row's start: 0 and false). The one column count of
/// delimited text: field labels here, row/column locations and subject
/// records in `extract::csvx`.
pub(crate) fn column_from(
    text: &[u8],
    from: usize,
    pos: usize,
    delim: u8,
    mut col: usize,
    mut quoted: bool,
) -> (usize, bool) {
    for &b in text.get(from..pos.min(text.len())).unwrap_or_default() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delim && !quoted {
            col += 1;
        }
    }
    (col, quoted)
}

/// Whether `s..e` lies inside a redaction placeholder: `[NAME]`,
/// `[DATE_OF_BIRTH]`, `[EMAIL:lpopmido]` (what `piiscan redact` writes in
/// its `label` and `hash` styles, or a template's `Dear [NAME]`).
///
/// A cue word there stands for a removed value, not for a field: counted as
/// context, `[DATE_OF_BIRTH]` would make the next date a birth date and
/// `[NAME] cal` would make `cal` a name, so a rescan after redaction would
/// find personal data the original scan did not. Context searches skip such
/// matches. A kind is at most [`PLACEHOLDER_MAX`] bytes of `A-Z`, `0-9`, `_`.
pub(crate) fn in_placeholder(hay: &[u8], s: usize, e: usize) -> bool {
    let kind = placeholder_byte;
    if e - s > PLACEHOLDER_MAX || !hay[s..e].iter().all(kind) {
        return false;
    }
    let floor = s.saturating_sub(PLACEHOLDER_MAX);
    let open = hay[floor..s].iter().rposition(|b| !kind(b)).map(|p| floor + p);
    let ceil = (e + PLACEHOLDER_MAX).min(hay.len());
    let close = hay[e..ceil].iter().position(|b| !kind(b)).map(|p| e + p);
    matches!((open, close), (Some(o), Some(c)) if hay[o] == b'[' && matches!(hay[c], b']' | b':'))
}

/// The end of the redaction placeholder that opens at `hay[i]` (`[NAME]`,
/// `[EMAIL:lpopmido]`), if one does: a kind as [`in_placeholder`] reads it,
/// then `]`, or `:`, up to 16 lower-case letters (the hash style's token)
/// and `]`.
pub(crate) fn placeholder_end(hay: &[u8], i: usize) -> Option<usize> {
    let rest = hay.get(i..)?.strip_prefix(b"[")?;
    let k = rest.iter().take(PLACEHOLDER_MAX + 1).take_while(|b| placeholder_byte(b)).count();
    if k == 0 || k > PLACEHOLDER_MAX {
        return None;
    }
    match rest.get(k)? {
        b']' => Some(i + 1 + k + 1),
        b':' => {
            let t = rest[k + 1..].iter().take(17).take_while(|b| b.is_ascii_lowercase()).count();
            (t > 0 && t <= 16 && rest.get(k + 1 + t) == Some(&b']')).then_some(i + 1 + k + 1 + t + 1)
        }
        _ => None,
    }
}

/// Whether a whole cell (quotes and spaces around it ignored) is a
/// redaction placeholder.
fn is_placeholder(cell: &[u8]) -> bool {
    let cell = cell.trim_ascii();
    let cell = cell.strip_prefix(b"\"").unwrap_or(cell);
    let cell = cell.strip_suffix(b"\"").unwrap_or(cell);
    let k = 1 + cell.iter().skip(1).take_while(|b| placeholder_byte(b)).count();
    cell.first() == Some(&b'[') && cell.last() == Some(&b']') && k > 1 && k < cell.len() && in_placeholder(cell, 1, k)
}

/// A byte of a placeholder's kind (`DATE_OF_BIRTH`).
fn placeholder_byte(b: &u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_'
}

/// The longest placeholder kind [`in_placeholder`] recognises (the longest
/// built-in kind, `UK_BANK_ACCOUNT`, has 15 bytes).
const PLACEHOLDER_MAX: usize = 32;

/// Field spans of one line, honouring double quotes.
pub(crate) fn split_fields(line: &[u8], delim: u8) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, &b) in line.iter().enumerate() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delim && !quoted {
            out.push((start, i));
            start = i + 1;
        }
    }
    out.push((start, line.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn a_comment_preamble_is_not_the_header() {
        let hay = b"#MSC=MSC-MAN-02|VER=R16.2.1.3\n#FILE_SEQ=64852\ntype|orig|imsi\nMOC|447700900123|234150123456789\n";
        let f = FieldContext::sniff_csv(hay, false);
        let pos = hay.windows(6).position(|w| w == b"234150").unwrap();
        assert_eq!(f.label(hay, pos), Some(&b"imsi"[..]));
        assert_eq!(preamble_end(b"no preamble\n"), 0);
        assert_eq!(preamble_end(b"# only a comment, no line end"), 0);
    }

    #[test]
    fn csv_label() {
        let hay = b"name,\"Date of Birth\",city\nJane,14/03/1982,Leeds\n";
        let f = FieldContext::sniff_csv(hay, false);
        let pos = hay.windows(2).position(|w| w == b"14").unwrap();
        assert_eq!(f.label(hay, pos), Some(&b"date of birth"[..]));
        let no = FieldContext::sniff_csv(b"1,2,3\n4,5,6\n", false);
        assert!(matches!(no, FieldContext::None));
        // A redacted data row is not a header.
        let red = b"CUST-1,\"[NAME]\",[EMAIL],[PHONE],[UK_POSTCODE]\nCUST-2,\"Kemp, Ann\",a@b.uk,x,y\n";
        assert!(matches!(FieldContext::sniff_csv(red, false), FieldContext::None));
        let masked = b"ACC-1,\"**** *****\",****@****.***,***********\nACC-2,\"ann kemp\",a@b.uk,x\n";
        assert!(matches!(FieldContext::sniff_csv(masked, false), FieldContext::None));
        assert!(matches!(FieldContext::sniff_csv(b"id,name,[note]\n1,x,y\n", false), FieldContext::Csv { .. }));
        // A record with empty fields inside is no header; trailing empty
        // header cells are.
        let ucd = b"0000;<control>;Cc;0;BN;;;;;N;NULL;;;;\n0041;LATIN CAPITAL LETTER A;Lu;0;L;;;;;N;;;;0061;\n";
        assert!(matches!(FieldContext::sniff_csv(ucd, false), FieldContext::None));
        assert!(matches!(FieldContext::sniff_csv(b"name,email,,\nJo,j@x.uk,,\n", false), FieldContext::Csv { .. }));
    }

    #[test]
    fn placeholders() {
        let at = |hay: &[u8], w: &[u8]| {
            let s = hay.windows(w.len()).position(|x| x == w).unwrap();
            in_placeholder(hay, s, s + w.len())
        };
        assert!(at(b"x [DATE_OF_BIRTH], 1982", b"BIRTH"));
        assert!(at(b"[NAME] cal", b"NAME"));
        assert!(at(b"a [EMAIL:lpopmido] b", b"EMAIL"));
        assert!(at(b"[CUSTOMER_NAME]", b"CUSTOMER"));
        // Not placeholders: lower case, no brackets, a space inside, too long.
        assert!(!at(b"[name] cal", b"name"));
        assert!(!at(b"NAME: cal", b"NAME"));
        assert!(!at(b"(NAME) cal", b"NAME"));
        assert!(!at(b"[FULL NAME] cal", b"NAME"));
        assert!(!at(b"[DATE_OF_BIRTH", b"BIRTH"));
        let long = format!("[{}_NAME]", "X".repeat(40));
        assert!(!at(long.as_bytes(), b"NAME"));
        // Where a whole placeholder ends, from its `[`.
        assert_eq!(placeholder_end(b"x [NAME] y", 2), Some(8));
        assert_eq!(placeholder_end(b"[EMAIL:lpopmido].", 0), Some(16));
        assert_eq!(placeholder_end(b"[EMAIL:]", 0), None);
        assert_eq!(placeholder_end(b"[EMAIL:LPOP]", 0), None);
        assert_eq!(placeholder_end(b"[name]", 0), None);
        assert_eq!(placeholder_end(b"[NAME", 0), None);
        assert_eq!(placeholder_end(long.as_bytes(), 0), None);
    }
}
