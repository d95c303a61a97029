//! Office documents: .docx, .xlsx, .pptx (Office Open XML) and .odt, .ods,
//! .odp (OpenDocument), read with `zip` + `quick-xml`.
//!
//! - **Text documents** (docx, odt): the text of each paragraph is joined
//!   across its formatting runs (a phone number split over two runs is one
//!   finding), paragraphs end with a line break; the body, tables, headers,
//!   footers, footnotes and comments are read. Findings carry
//!   `{"part": "word/document.xml", "paragraph": n}`.
//! - **Slides** (pptx, odp): the same per slide, `{"slide": n}`.
//! - **Spreadsheets** (xlsx, ods): each sheet becomes tab-separated rows
//!   (shared and inline strings resolved), so the first row gives column
//!   context exactly as in a CSV file; findings carry `{"sheet": "Customers",
//!   "cell": "B3"}`. A number cell of 10 digits starting 1, 2, 3, 7 or 8 is
//!   read with its lost leading zero (`7700900123` → `07700900123`): a UK
//!   phone number typed into a spreadsheet is stored that way.

use std::borrow::Cow;
use std::io::{Read, Seek};

use quick_xml::events::Event;
use quick_xml::reader::Reader;
use serde_json::json;

use super::archive::read_limited;
use super::{csvx, Cx, Locator, Origin, Problem, Refusal, Segment};
use crate::outcome::SkipReason;

/// Which office format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Word.
    Docx,
    /// Excel.
    Xlsx,
    /// PowerPoint.
    Pptx,
    /// OpenDocument text.
    Odt,
    /// OpenDocument spreadsheet.
    Ods,
    /// OpenDocument presentation.
    Odp,
}

/// The office format of a zip, if it is one.
pub fn kind<R: Read + Seek>(za: &zip::ZipArchive<R>) -> Option<Kind> {
    // Some writers store member paths with backslashes (`xl\\workbook.xml`).
    let has = |n: &str| member_index(za, n).is_some();
    if has("word/document.xml") {
        Some(Kind::Docx)
    } else if has("xl/workbook.xml") {
        Some(Kind::Xlsx)
    } else if has("ppt/presentation.xml") {
        Some(Kind::Pptx)
    } else if has("content.xml") && has("mimetype") {
        Some(Kind::Odt) // refined from `mimetype` in `extract`
    } else {
        None
    }
}

/// Which OpenDocument an ODF package is, by its `mimetype` member
/// ([`kind`] says only "OpenDocument").
pub fn odf_kind(mimetype: Option<&[u8]>) -> Kind {
    match mimetype {
        Some(m) if m.ends_with(b"spreadsheet") => Kind::Ods,
        Some(m) if m.ends_with(b"presentation") => Kind::Odp,
        _ => Kind::Odt,
    }
}

/// The index of member `name`, as writers actually store it: exactly, with
/// backslashes (`xl\\workbook.xml`), or in another letter case
/// (`xl/sharedstrings.xml`; Excel itself opens such files, since OPC part
/// names compare case-insensitively).
pub(crate) fn member_index<R: Read + Seek>(za: &zip::ZipArchive<R>, name: &str) -> Option<usize> {
    za.index_for_name(name).or_else(|| za.index_for_name(&name.replace('/', "\\"))).or_else(|| {
        let same = |n: &str| {
            n.len() == name.len()
                && n.bytes().zip(name.bytes()).all(|(a, b)| a.eq_ignore_ascii_case(&b) || (a == b'\\' && b == b'/'))
        };
        za.file_names().flatten().find(|n| same(n)).and_then(|n| za.index_for_name(&n))
    })
}

fn read_member<R: Read + Seek>(
    za: &mut zip::ZipArchive<R>,
    name: &str,
    cx: &mut Cx,
) -> Result<Option<Vec<u8>>, Refusal> {
    let Some(i) = member_index(za, name) else {
        return Ok(None);
    };
    let f = za.by_index(i).map_err(|e| (SkipReason::Malformed, format!("{name}: {e}")))?;
    if f.encrypted() {
        return Err((SkipReason::Encrypted, "password-protected".into()));
    }
    let c = f.compressed_size();
    read_limited(f, c, cx).map(Some).map_err(|(r, d)| (r, format!("{name}: {d}")))
}

/// Embedded files (`word/embeddings/`, `xl/embeddings/`, `ppt/embeddings/`,
/// an OpenDocument's `Object 1/`): a spreadsheet pasted into a letter, a
/// document inside a document. Each goes through the extractor of its own
/// format one level deeper, under the same nesting limit as archives.
fn embedded<R: Read + Seek>(
    za: &mut zip::ZipArchive<R>,
    names: &[String],
    cx: &mut Cx,
    emit: &mut dyn FnMut(Segment<'_>),
) -> Result<(), Refusal> {
    let mut parts: Vec<&String> = names
        .iter()
        .filter(|n| {
            !n.ends_with('/')
                && (n.starts_with("word/embeddings/")
                    || n.starts_with("xl/embeddings/")
                    || n.starts_with("ppt/embeddings/"))
        })
        .collect();
    parts.sort();
    for part in parts {
        if cx.past_depth(part) {
            continue;
        }
        let data = read_member(za, part, cx).and_then(|d| d.ok_or((SkipReason::Malformed, "missing".into())));
        super::archive::take(part.clone(), data, cx, emit)?;
    }
    Ok(())
}

/// An XML part as UTF-8. Parts are UTF-8 almost always, but some writers
/// declare and write another charset (`encoding="ISO-8859-1"`) or UTF-16
/// with a byte-order mark; the parser reads UTF-8 only, so those are
/// decoded first (the declaration, else Windows-1252 for bytes that are
/// not UTF-8), instead of losing every accented name.
fn as_utf8(xml: &[u8]) -> Cow<'_, [u8]> {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(xml) {
        if enc != encoding_rs::UTF_8 {
            return Cow::Owned(enc.decode_with_bom_removal(xml).0.into_owned().into_bytes());
        }
    }
    if std::str::from_utf8(xml).is_ok() {
        return Cow::Borrowed(xml);
    }
    let enc = super::text::declared(xml).unwrap_or(encoding_rs::WINDOWS_1252);
    Cow::Owned(enc.decode_without_bom_handling(xml).0.into_owned().into_bytes())
}

/// Events of an XML part that text extraction needs.
enum Ev<'a> {
    Start(&'a [u8], &'a quick_xml::events::BytesStart<'a>),
    End(&'a [u8]),
    /// Text, and where it is in the part.
    Text(&'a str, Src),
}

/// Where a piece of text is in its XML part: the byte range of the text
/// node (or of the reference `&apos;`), and whether those bytes are the
/// text itself byte for byte (no reference, no line-end folding, no CDATA
/// markup, a part stored as UTF-8), so that part of it can be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Src {
    /// First byte in the part.
    pub start: usize,
    /// End byte in the part.
    pub end: usize,
    /// The bytes are the text.
    pub exact: bool,
    /// `start..end` are offsets in the part as stored (not in a copy
    /// transcoded from another character set).
    pub stored: bool,
}

/// Text of an extracted segment mapped to the XML part it came from:
/// (text start, text end, source), sorted by text start. Redaction writes
/// through it.
pub type NodeMap = Vec<(usize, usize, Src)>;

/// Walk an XML part: start/end tags (local names) and text, references
/// resolved. Stops quietly at malformed XML (what was read is kept).
fn walk(xml: &[u8], f: &mut dyn FnMut(Ev<'_>)) -> bool {
    let xml = as_utf8(xml);
    // Offsets in a transcoded part are not offsets in the stored one.
    let utf8 = matches!(xml, Cow::Borrowed(_));
    let mut r = Reader::from_reader(&xml[..]);
    r.config_mut().check_end_names = false;
    loop {
        let start = r.buffer_position() as usize;
        let ev = r.read_event();
        let end = r.buffer_position() as usize;
        let src = |exact: bool| Src { start, end, exact: exact && utf8, stored: utf8 };
        match ev {
            Ok(Event::Start(e)) => {
                let n = e.local_name();
                f(Ev::Start(n.as_ref().as_bytes(), &e));
            }
            Ok(Event::Empty(e)) => {
                let n = e.local_name();
                f(Ev::Start(n.as_ref().as_bytes(), &e));
                f(Ev::End(n.as_ref().as_bytes()));
            }
            Ok(Event::End(e)) => {
                let n = e.local_name();
                f(Ev::End(n.as_ref().as_bytes()));
            }
            Ok(Event::Text(t)) => {
                let c = t.xml10_content();
                let exact = c.as_bytes() == &xml[start..end.min(xml.len())];
                f(Ev::Text(&c, src(exact)))
            }
            Ok(Event::CData(t)) => f(Ev::Text(&t, src(false))),
            Ok(Event::GeneralRef(g)) => {
                let s = match g.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&g).unwrap_or("").to_string(),
                };
                f(Ev::Text(&s, src(false)));
            }
            Ok(Event::Eof) => return true,
            Err(_) => return false,
            Ok(_) => {}
        }
    }
}

fn attr(e: &quick_xml::events::BytesStart<'_>, local: &[u8]) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().as_ref().as_bytes() == local).map(|a| a.value.into_owned())
}

/// Paragraph text of a word-processing or slide part: text joined across
/// runs, one line per paragraph. `para`, `text`, `tab`, `brk`: local tag names.
fn paragraphs(xml: &[u8], para: &[&[u8]], text: &[u8], tab: &[u8], brk: &[u8]) -> (String, Vec<usize>, bool) {
    let (out, starts, _, ok) = paragraphs_mapped(xml, para, text, tab, brk, false);
    (out, starts, ok)
}

/// The paragraph text of a part as [`paragraphs`] reads it, with the map of
/// its text back into the part when `mapped` (only redaction needs it).
fn paragraphs_mapped(
    xml: &[u8],
    para: &[&[u8]],
    text: &[u8],
    tab: &[u8],
    brk: &[u8],
    mapped: bool,
) -> (String, Vec<usize>, NodeMap, bool) {
    let mut out = String::new();
    let mut starts = Vec::new();
    let mut nodes = NodeMap::new();
    let mut in_text = false;
    let ok = walk(xml, &mut |ev| match ev {
        Ev::Start(n, _) if para.contains(&n) => starts.push(out.len()),
        Ev::Start(n, _) if n == text => in_text = true,
        Ev::Start(n, _) if n == tab => out.push('\t'),
        Ev::Start(n, _) if n == brk => out.push('\n'),
        Ev::Start(b"s", e) if text.is_empty() => {
            let c = attr(e, b"c").and_then(|c| c.parse().ok()).unwrap_or(1usize).min(64);
            out.push_str(&" ".repeat(c));
        }
        Ev::End(n) if para.contains(&n) => out.push('\n'),
        Ev::End(n) if n == text => in_text = false,
        Ev::Text(t, src) if in_text || text.is_empty() => {
            if mapped {
                nodes.push((out.len(), out.len() + t.len(), src));
            }
            out.push_str(t);
        }
        _ => {}
    });
    (out, starts, nodes, ok)
}

/// The text of a paragraph part (`word/document.xml`, a header, a slide,
/// an OpenDocument's `content.xml`) exactly as the extractor reads it for
/// a document of `kind`, with its map back into the part; `None` for a
/// part the extractor does not read as paragraphs.
pub fn part_text(kind: Kind, part: &str, xml: &[u8]) -> Option<(String, NodeMap)> {
    let (text, _, nodes, _) = match kind {
        Kind::Docx if part.starts_with("word/") => paragraphs_mapped(xml, &[b"p"], b"t", b"tab", b"br", true),
        Kind::Pptx if part.starts_with("ppt/slides/") => paragraphs_mapped(xml, &[b"p"], b"t", b"tab", b"br", true),
        Kind::Odt | Kind::Odp if part == "content.xml" => {
            paragraphs_mapped(xml, &[b"p", b"h"], b"", b"tab", b"line-break", true)
        }
        _ => return None,
    };
    Some((text, nodes))
}

fn doc_segment(part: &str, text: String, starts: Vec<usize>, key: &'static str) -> Segment<'static> {
    let mut seg = Segment::new(Cow::Owned(text.into_bytes()), Origin::Inside);
    seg.location = Some(json!({ "part": part }));
    seg.locator = Locator::Numbered { part: part.to_string(), key, starts };
    seg
}

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
pub(super) fn number_text(v: &str) -> String {
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

fn xlsx<R: Read + Seek>(
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
        Ev::Start(b"si", _) => cur = Some((String::new(), NodeMap::new())),
        Ev::End(b"si") => shared.push(cur.take().unwrap_or_default()),
        Ev::Start(b"rPh", _) => in_rph = true,
        Ev::End(b"rPh") => in_rph = false,
        Ev::Start(b"t", _) => in_t = true,
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
            if let Ev::Start(b"Relationship", e) = ev {
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
            if let Ev::Start(b"sheet", e) = ev {
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

/// Where a cell's text comes from, for writing it back.
#[derive(Debug, Clone)]
pub enum CellSrc {
    /// Shared string number `n`.
    Shared(usize),
    /// Text in the sheet part itself (an inline or formula string), mapped.
    Inline(NodeMap),
    /// A number, boolean or error value (its text is formatted from it).
    Value,
}

/// A sheet's non-empty cells in document order: row, column (0-based),
/// text, and where the text comes from (inline text mapped only when
/// `mapped`).
pub fn sheet_cells(xml: &[u8], shared: &[String], mapped: bool) -> Vec<(usize, usize, String, CellSrc)> {
    let mut cells: Vec<(usize, usize, String, CellSrc)> = Vec::new();
    // row, col, type, value, its map
    let mut cur: Option<(usize, usize, String, String, NodeMap)> = None;
    let mut in_v = false;
    walk(xml, &mut |ev| match ev {
        Ev::Start(b"c", e) => {
            let (r, c) = attr(e, b"r").and_then(|r| parse_ref(&r)).unwrap_or((cells.last().map_or(0, |l| l.0), 0));
            cur = Some((r, c, attr(e, b"t").unwrap_or_default(), String::new(), NodeMap::new()));
        }
        Ev::Start(b"v" | b"t", _) => in_v = true,
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

fn ods_sheets(xml: &[u8], emit: &mut dyn FnMut(Segment<'_>)) {
    let mut sheet: Option<(String, Vec<Cell>)> = None;
    let (mut row, mut col) = (0usize, 0usize);
    let mut cell: Option<(usize, String, Option<String>)> = None; // repeat, text, numeric value
    let mut out: Vec<Segment<'static>> = Vec::new();
    walk(xml, &mut |ev| match ev {
        Ev::Start(b"table", e) => {
            sheet = Some((attr(e, b"name").unwrap_or_default(), Vec::new()));
            row = 0;
        }
        Ev::End(b"table") => {
            if let Some((n, cells)) = sheet.take() {
                out.push(sheet_segment(&n, cells));
            }
        }
        Ev::Start(b"table-row", _) => col = 0,
        Ev::End(b"table-row") => row += 1,
        Ev::Start(b"table-cell" | b"covered-table-cell", e) => {
            let rep = attr(e, b"number-columns-repeated").and_then(|r| r.parse().ok()).unwrap_or(1usize).min(1024);
            let num = match attr(e, b"value-type").as_deref() {
                Some("float" | "percentage" | "currency") => attr(e, b"value"),
                _ => None,
            };
            cell = Some((rep, String::new(), num));
        }
        Ev::End(b"p") => {
            if let Some(c) = cell.as_mut() {
                c.1.push(' ');
            }
        }
        Ev::Text(t, _) => {
            if let Some(c) = cell.as_mut() {
                c.1.push_str(t);
            }
        }
        Ev::End(b"table-cell" | b"covered-table-cell") => {
            if let (Some((rep, text, num)), Some((_, cells))) = (cell.take(), sheet.as_mut()) {
                let text = match num {
                    Some(n) => number_text(&n),
                    None => text.trim().to_string(),
                };
                if !text.is_empty() && cells.len() < 4_000_000 {
                    cells.push((row, col, text));
                }
                col += rep;
            }
        }
        _ => {}
    });
    for s in out {
        emit(s);
    }
}

/// Extract an office document.
pub fn extract<R: Read + Seek>(
    kind: Kind,
    za: &mut zip::ZipArchive<R>,
    cx: &mut Cx,
    emit: &mut dyn FnMut(Segment<'_>),
) -> Result<&'static str, Refusal> {
    // Member names with `/`, whatever separator the writer used.
    let names: Vec<String> = za.file_names().filter_map(|n| n.ok()).map(|n| n.replace('\\', "/")).collect();
    let mut damaged = false;
    let kind = if matches!(kind, Kind::Odt) { odf_kind(read_member(za, "mimetype", cx)?.as_deref()) } else { kind };
    match kind {
        Kind::Docx => {
            let mut parts: Vec<&String> = names
                .iter()
                .filter(|n| {
                    n.as_str() == "word/document.xml"
                        || (n.starts_with("word/header") || n.starts_with("word/footer")) && n.ends_with(".xml")
                        || matches!(n.as_str(), "word/comments.xml" | "word/footnotes.xml" | "word/endnotes.xml")
                })
                .collect();
            parts.sort();
            for part in parts {
                let Some(x) = read_member(za, part, cx)? else { continue };
                let (text, starts, ok) = paragraphs(&x, &[b"p"], b"t", b"tab", b"br");
                damaged |= !ok;
                emit(doc_segment(part, text, starts, "paragraph"));
            }
        }
        Kind::Pptx => {
            let mut slides: Vec<(usize, &String)> = names
                .iter()
                .filter_map(|n| {
                    let k = n.strip_prefix("ppt/slides/slide")?.strip_suffix(".xml")?.parse().ok()?;
                    Some((k, n))
                })
                .collect();
            slides.sort();
            for (k, part) in slides {
                let Some(x) = read_member(za, part, cx)? else { continue };
                let (text, _, ok) = paragraphs(&x, &[b"p"], b"t", b"tab", b"br");
                damaged |= !ok;
                let mut seg = Segment::new(Cow::Owned(text.into_bytes()), Origin::Inside);
                seg.location = Some(json!({ "slide": k, "part": part }));
                emit(seg);
            }
        }
        Kind::Xlsx => xlsx(za, cx, emit)?,
        Kind::Odt | Kind::Odp => {
            if let Some(x) = read_member(za, "content.xml", cx)? {
                let (text, starts, ok) = paragraphs(&x, &[b"p", b"h"], b"", b"tab", b"line-break");
                damaged |= !ok;
                emit(doc_segment("content.xml", text, starts, "paragraph"));
            }
        }
        Kind::Ods => {
            if let Some(x) = read_member(za, "content.xml", cx)? {
                ods_sheets(&x, emit);
            }
        }
    }
    embedded(za, &names, cx, emit)?;
    if damaged {
        cx.problems.push(Problem {
            member: "(document)".into(),
            reason: SkipReason::Malformed,
            detail: "damaged XML: read up to the damage".into(),
        });
    }
    Ok(match kind {
        Kind::Docx => "docx",
        Kind::Xlsx => "xlsx",
        Kind::Pptx => "pptx",
        Kind::Odt => "odt",
        Kind::Ods => "ods",
        Kind::Odp => "odp",
    })
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

    #[test]
    fn runs_are_joined() {
        let x = br#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>Call 07700 </w:t></w:r><w:r><w:t>900123</w:t></w:r></w:p><w:p><w:r><w:t>O&apos;Brien</w:t></w:r></w:p></w:body></w:document>"#;
        let (t, starts, ok) = paragraphs(x, &[b"p"], b"t", b"tab", b"br");
        assert!(ok);
        assert_eq!(t, "Call 07700 900123\nO'Brien\n");
        assert_eq!(starts, [0, 18]);
        let (_, _, ok) = paragraphs(b"<w:p><w:t>abc</w:t", &[b"p"], b"t", b"tab", b"br");
        let _ = ok;
    }

    #[test]
    fn parts_in_another_charset_are_decoded() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><w:p><w:t>Ren\xe9e M\xfcller</w:t></w:p>";
        let (t, _, ok) = paragraphs(latin1, &[b"p"], b"t", b"tab", b"br");
        assert!(ok);
        assert_eq!(t, "Ren\u{e9}e M\u{fc}ller\n");
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("<p><t>Zo\u{eb}</t></p>".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(paragraphs(&utf16, &[b"p"], b"t", b"tab", b"br").0, "Zo\u{eb}\n");
    }

    #[test]
    fn members_are_found_whatever_their_case_or_slashes() {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for n in ["xl\\workbook.xml", "xl/sharedstrings.xml"] {
            w.start_file(n, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(b"<x/>").unwrap();
        }
        let za = zip::ZipArchive::new(std::io::Cursor::new(w.finish().unwrap().into_inner())).unwrap();
        assert_eq!(kind(&za), Some(Kind::Xlsx));
        assert!(member_index(&za, "xl/sharedStrings.xml").is_some());
        assert!(member_index(&za, "xl/styles.xml").is_none());
    }
}
