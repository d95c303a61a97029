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

mod workbook;
pub use workbook::*;

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
    /// A start (or empty) tag, and where the tag is in the part (`exact`:
    /// a start tag, content may follow; not: an empty tag).
    Start(&'a [u8], &'a quick_xml::events::BytesStart<'a>, Src),
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
                f(Ev::Start(n.as_ref().as_bytes(), &e, src(true)));
            }
            Ok(Event::Empty(e)) => {
                let n = e.local_name();
                f(Ev::Start(n.as_ref().as_bytes(), &e, src(false)));
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
        Ev::Start(n, _, _) if para.contains(&n) => starts.push(out.len()),
        Ev::Start(n, _, _) if n == text => in_text = true,
        Ev::Start(n, _, _) if n == tab => out.push('\t'),
        Ev::Start(n, _, _) if n == brk => out.push('\n'),
        Ev::Start(b"s", e, _) if text.is_empty() => {
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
