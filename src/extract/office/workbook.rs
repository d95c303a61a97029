//! Workbooks in the office formats: the cells of .xlsx sheets (shared
//! strings, inline strings, numbers) and of .ods sheets, laid out as the
//! tab-separated text of a sheet segment, each cell optionally mapped back
//! to where its text is stored (redaction writes through that map).

use super::*;

/// A1-style column letters of a 0-based column.
pub fn col_letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// (row, column), 0-based, of an A1 reference.
fn parse_ref(r: &str) -> Option<(usize, usize)> {
    let letters: String = r.chars().take_while(char::is_ascii_alphabetic).collect();
    let digits = &r[letters.len()..];
    let mut col = 0usize;
    for ch in letters.chars() {
        col = col.checked_mul(26)?.checked_add((ch.to_ascii_uppercase() as u8 - b'A') as usize + 1)?;
    }
    let row: usize = digits.parse().ok()?;
    (col > 0 && row > 0).then(|| (row - 1, col - 1))
}

/// A number cell as text: integers without `.0`, and a 10-digit UK national
/// number with its lost leading zero restored.
pub(in crate::extract) fn number_text(v: &str) -> String {
    let v = v.trim();
    let int = v.strip_suffix(".0").unwrap_or(v);
    if int.len() == 10
        && int.bytes().all(|b| b.is_ascii_digit())
        && matches!(int.as_bytes()[0], b'1' | b'2' | b'3' | b'7' | b'8')
    {
        return format!("0{int}");
    }
    int.to_string()
}

/// A cell: row, column (0-based), text.
pub type Cell = (usize, usize, String);

/// A sheet as tab-separated text with a cell locator.
pub fn sheet_segment(sheet: &str, cells: Vec<Cell>) -> Segment<'static> {
    let mut cells = cells;
    cells.sort_by_key(|c| (c.0, c.1));
    let mut text = String::new();
    let mut spans = Vec::new();
    let (mut row, mut col) = (0usize, 0usize);
    let mut first = true;
    for (r, c, v) in cells {
        if first {
            first = false;
            row = r;
        }
        while row < r {
            text.push('\n');
            row += 1;
            col = 0;
        }
        while col < c {
            text.push('\t');
            col += 1;
        }
        spans.push((text.len(), r.min(u32::MAX as usize) as u32, c.min(u32::MAX as usize) as u32));
        text.extend(v.chars().map(|ch| if ch == '\t' || ch == '\n' || ch == '\r' { ' ' } else { ch }));
    }
    text.push('\n');
    let mut seg = Segment::new(Cow::Owned(text.into_bytes()), Origin::Inside);
    seg.field = csvx::field_context(&seg.text, true);
    seg.location = Some(json!({ "sheet": sheet }));
    seg.locator = Locator::Cells { sheet: sheet.to_string(), cells: spans };
    seg
}

pub(super) fn xlsx<R: Read + Seek>(
    za: &mut zip::ZipArchive<R>,
    cx: &mut Cx,
    emit: &mut dyn FnMut(Segment<'_>),
) -> Result<(), Refusal> {
    let shared: Vec<String> = match read_member(za, "xl/sharedStrings.xml", cx)? {
        Some(x) => shared_strings(&x, false).into_iter().map(|(t, _)| t).collect(),
        None => Vec::new(),
    };
    let rels = read_member(za, "xl/_rels/workbook.xml.rels", cx)?;
    let book = read_member(za, "xl/workbook.xml", cx)?;
    for (name, part) in xlsx_sheets(rels.as_deref(), book.as_deref()) {
        let Some(x) = read_member(za, &part, cx)? else { continue };
        let cells = sheet_cells(&x, &shared, false).into_iter().map(|(r, c, t, _)| (r, c, t)).collect();
        emit(sheet_segment(&name, cells));
    }
    Ok(())
}

/// The shared strings of a workbook (`xl/sharedStrings.xml`): each text
/// (phonetic runs left out), with its map back into the part when `mapped`
/// (only redaction needs it; a scan would allocate it for every string).
pub fn shared_strings(xml: &[u8], mapped: bool) -> Vec<(String, NodeMap)> {
    let mut shared: Vec<(String, NodeMap)> = Vec::new();
    let mut cur: Option<(String, NodeMap)> = None;
    let mut in_t = false;
    let mut in_rph = false;
    walk(xml, &mut |ev| match ev {
        Ev::Start(b"si", _, _) => cur = Some((String::new(), NodeMap::new())),
        Ev::End(b"si") => shared.push(cur.take().unwrap_or_default()),
        Ev::Start(b"rPh", _, _) => in_rph = true,
        Ev::End(b"rPh") => in_rph = false,
        Ev::Start(b"t", _, _) => in_t = true,
        Ev::End(b"t") => in_t = false,
        Ev::Text(t, src) if in_t && !in_rph => {
            if let Some((c, map)) = cur.as_mut() {
                if mapped {
                    map.push((c.len(), c.len() + t.len(), src));
                }
                c.push_str(t);
            }
        }
        _ => {}
    });
    shared
}

/// The sheets of a workbook, in order: (name, part), from the workbook and
/// its relationships.
pub fn xlsx_sheets(rels_xml: Option<&[u8]>, book_xml: Option<&[u8]>) -> Vec<(String, String)> {
    let mut rels: Vec<(String, String)> = Vec::new();
    if let Some(x) = rels_xml {
        walk(x, &mut |ev| {
            if let Ev::Start(b"Relationship", e, _) = ev {
                if let (Some(id), Some(t)) = (attr(e, b"Id"), attr(e, b"Target")) {
                    let t = t.trim_start_matches('/').trim_start_matches("xl/").to_string();
                    rels.push((id, format!("xl/{t}")));
                }
            }
        });
    }
    let mut sheets: Vec<(String, String)> = Vec::new();
    if let Some(x) = book_xml {
        walk(x, &mut |ev| {
            if let Ev::Start(b"sheet", e, _) = ev {
                let name = attr(e, b"name").unwrap_or_default();
                if let Some(part) =
                    attr(e, b"id").and_then(|id| rels.iter().find(|(r, _)| *r == id)).map(|(_, p)| p.clone())
                {
                    sheets.push((name, part));
                }
            }
        });
    }
    sheets
}

/// A cell with its source: row, column (0-based), text, where the text is.
pub type SourcedCell = (usize, usize, String, CellSrc);

/// Where a cell's text comes from, for writing it back.
#[derive(Debug, Clone)]
pub enum CellSrc {
    /// Shared string number `n`.
    Shared(usize),
    /// Text in the sheet part itself (an inline or formula string), mapped.
    Inline(NodeMap),
    /// A number, boolean or error value (its text is formatted from it).
    Value,
    /// An OpenDocument number cell: its value is an attribute of the cell
    /// tag (at `tag`), shown as the text of its paragraphs (mapped).
    OdsValue {
        /// The cell's start tag.
        tag: Src,
        /// The displayed text.
        shown: NodeMap,
    },
}

/// A sheet's non-empty cells in document order: row, column (0-based),
/// text, and where the text comes from (inline text mapped only when
/// `mapped`).
pub fn sheet_cells(xml: &[u8], shared: &[String], mapped: bool) -> Vec<SourcedCell> {
    let mut cells: Vec<SourcedCell> = Vec::new();
    // row, col, type, value, its map
    let mut cur: Option<(usize, usize, String, String, NodeMap)> = None;
    let mut in_v = false;
    walk(xml, &mut |ev| match ev {
        Ev::Start(b"c", e, _) => {
            let (r, c) = attr(e, b"r").and_then(|r| parse_ref(&r)).unwrap_or((cells.last().map_or(0, |l| l.0), 0));
            cur = Some((r, c, attr(e, b"t").unwrap_or_default(), String::new(), NodeMap::new()));
        }
        Ev::Start(b"v" | b"t", _, _) => in_v = true,
        Ev::End(b"v" | b"t") => in_v = false,
        Ev::Text(t, src) if in_v => {
            if let Some(c) = cur.as_mut() {
                if mapped {
                    c.4.push((c.3.len(), c.3.len() + t.len(), src));
                }
                c.3.push_str(t);
            }
        }
        Ev::End(b"c") => {
            if let Some((r, c, t, v, map)) = cur.take() {
                let (text, src) = match t.as_str() {
                    "s" => {
                        let i = v.trim().parse::<usize>().ok();
                        (
                            i.and_then(|i| shared.get(i).cloned()).unwrap_or_default(),
                            i.map_or(CellSrc::Value, CellSrc::Shared),
                        )
                    }
                    "str" | "inlineStr" => (v, CellSrc::Inline(map)),
                    "b" | "e" => (v, CellSrc::Value),
                    _ => (number_text(&v), CellSrc::Value),
                };
                if !text.is_empty() && cells.len() < 4_000_000 {
                    cells.push((r, c, text, src));
                }
            }
        }
        _ => {}
    });
    cells
}

pub(super) fn ods_sheets(xml: &[u8], emit: &mut dyn FnMut(Segment<'_>)) {
    for (name, cells) in ods_cells(xml, false) {
        emit(sheet_segment(&name, cells.into_iter().map(|(r, c, t, _)| (r, c, t)).collect()));
    }
}

/// The sheets of an OpenDocument spreadsheet (`content.xml`): each sheet's
/// name and non-empty cells (row, column, text, source). A cell's text is
/// its paragraphs joined by spaces and trimmed, mapped back to its text
/// nodes when `mapped` ([`CellSrc::Inline`]); a number, percentage or
/// currency cell is its `office:value` ([`CellSrc::OdsValue`]). A cell repeated
/// over columns counts once, at its first column.
pub fn ods_cells(xml: &[u8], mapped: bool) -> Vec<(String, Vec<SourcedCell>)> {
    let mut sheets: Vec<(String, Vec<SourcedCell>)> = Vec::new();
    let mut sheet: Option<(String, Vec<SourcedCell>)> = None;
    let (mut row, mut col) = (0usize, 0usize);
    // repeat, text, its map, numeric value, the cell's tag
    let mut cell: Option<(usize, String, NodeMap, Option<String>, Src)> = None;
    walk(xml, &mut |ev| match ev {
        Ev::Start(b"table", e, _) => {
            sheet = Some((attr(e, b"name").unwrap_or_default(), Vec::new()));
            row = 0;
        }
        Ev::End(b"table") => sheets.extend(sheet.take()),
        Ev::Start(b"table-row", _, _) => col = 0,
        Ev::End(b"table-row") => row += 1,
        Ev::Start(b"table-cell" | b"covered-table-cell", e, tag) => {
            let rep = attr(e, b"number-columns-repeated").and_then(|r| r.parse().ok()).unwrap_or(1usize).min(1024);
            let num = match attr(e, b"value-type").as_deref() {
                Some("float" | "percentage" | "currency") => attr(e, b"value"),
                _ => None,
            };
            cell = Some((rep, String::new(), NodeMap::new(), num, tag));
        }
        Ev::End(b"p") => {
            if let Some(c) = cell.as_mut() {
                c.1.push(' ');
            }
        }
        Ev::Text(t, src) => {
            if let Some(c) = cell.as_mut() {
                if mapped {
                    c.2.push((c.1.len(), c.1.len() + t.len(), src));
                }
                c.1.push_str(t);
            }
        }
        Ev::End(b"table-cell" | b"covered-table-cell") => {
            if let (Some((rep, text, map, num, tag)), Some((_, cells))) = (cell.take(), sheet.as_mut()) {
                let (text, src) = match num {
                    Some(n) => (number_text(&n), CellSrc::OdsValue { tag, shown: map }),
                    None => {
                        let lead = text.len() - text.trim_start().len();
                        (text.trim().to_string(), CellSrc::Inline(trimmed(map, lead)))
                    }
                };
                if !text.is_empty() && cells.len() < 4_000_000 {
                    cells.push((row, col, text, src));
                }
                col += rep;
            }
        }
        _ => {}
    });
    sheets
}

/// A text's node map after `lead` bytes of blanks were trimmed from its
/// start: a node that began in them begins after them.
fn trimmed(map: NodeMap, lead: usize) -> NodeMap {
    map.into_iter()
        .filter(|&(_, e, _)| e > lead)
        .map(|(s, e, mut src)| {
            if s < lead && src.exact {
                src.start += lead - s;
            }
            (s.saturating_sub(lead), e - lead, src)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_and_numbers() {
        assert_eq!(col_letters(0), "A");
        assert_eq!(col_letters(27), "AB");
        assert_eq!(parse_ref("B3"), Some((2, 1)));
        assert_eq!(parse_ref("AB10"), Some((9, 27)));
        assert_eq!(parse_ref("3"), None);
        assert_eq!(number_text("7700900123"), "07700900123");
        assert_eq!(number_text("42.0"), "42");
        assert_eq!(number_text("4929123456789"), "4929123456789");
    }
}
