//! Redaction of workbook cells: .xlsx and .ods sheets, through the
//! extractor's own reading of their cells ([`office::sheet_cells`],
//! [`office::ods_cells`]). A finding's span in a sheet's text is split
//! over the cells it covers; each cell's part is replaced where the cell's
//! text is stored: an .xlsx shared string (every cell showing it changes
//! with it), an inline or formula string, an .ods cell's paragraphs. A
//! number cell holding personal data becomes a string cell showing the
//! replacement; its value and the formula that computed it go.

use std::collections::BTreeMap;
use std::io::Cursor;

use super::container::{apply, escape, index, merged, node_edits, read, read_at, Edit};
use super::style::{replacement, Style};
use crate::extract::office;
use crate::finding::Finding;

/// The parts of a workbook changed by redacting `found` (findings in sheet
/// texts, located by sheet): a cell's text is replaced where it is stored,
/// in the shared strings or in the sheet itself. A number cell becomes an
/// inline string cell.
pub(super) fn workbook(
    za: &mut zip::ZipArchive<Cursor<&[u8]>>,
    found: &[&Finding],
    style: &dyn Fn(&Finding) -> Style,
    values: &mut Vec<String>,
) -> Result<BTreeMap<usize, Vec<u8>>, String> {
    const SHARED: &str = "xl/sharedStrings.xml";
    let shared_xml = read(za, SHARED).ok();
    let shared = shared_xml.as_deref().map(|x| office::shared_strings(x, true)).unwrap_or_default();
    let texts: Vec<String> = shared.iter().map(|(t, _)| t.clone()).collect();
    let rels = read(za, "xl/_rels/workbook.xml.rels").ok();
    let book = read(za, "xl/workbook.xml").ok();
    let mut edits: BTreeMap<String, Vec<Edit>> = BTreeMap::new();
    let mut done = 0;
    for (name, part) in office::xlsx_sheets(rels.as_deref(), book.as_deref()) {
        let here = in_sheet(found, &name);
        if here.is_empty() {
            continue;
        }
        let xml = read(za, &part)?;
        let mut cells = office::sheet_cells(&xml, &texts, true);
        cells.sort_by_key(|c| (c.0, c.1));
        done += here.len();
        sheet_edits(&name, &cells, &here, style, values, &mut |cell, a, b, put| match &cell.3 {
            office::CellSrc::Shared(i) => {
                let map = &shared.get(*i).ok_or("a shared string out of range")?.1;
                node_edits(map, a, b, put, edits.entry(SHARED.to_string()).or_default())
            }
            office::CellSrc::Inline(map) => node_edits(map, a, b, put, edits.entry(part.clone()).or_default()),
            office::CellSrc::Value => {
                let r = format!("{}{}", office::col_letters(cell.1), cell.0 + 1);
                let edit = value_cell(&xml, &r, &put).ok_or_else(|| format!("sheet {name}: cell {r} not rewritten"))?;
                edits.entry(part.clone()).or_default().push(edit);
                Ok(())
            }
            office::CellSrc::OdsValue { .. } => Err("an OpenDocument cell in a workbook".into()),
        })?;
    }
    if done != found.len() {
        return Err("a finding in a sheet the workbook does not list: not rewritten".into());
    }
    let mut out = BTreeMap::new();
    for (part, e) in edits {
        let i = index(za, &part)?;
        let xml = if part == SHARED { shared_xml.clone().ok_or("no shared strings")? } else { read_at(za, i)? };
        out.insert(i, apply(&xml, e));
    }
    Ok(out)
}

/// The findings located in sheet `name`.
fn in_sheet<'f>(found: &[&'f Finding], name: &str) -> Vec<&'f Finding> {
    found
        .iter()
        .copied()
        .filter(|f| f.location.as_ref().is_some_and(|l| l.value().get("sheet").and_then(|s| s.as_str()) == Some(name)))
        .collect()
}

/// Replaces `a..b` of a cell's text with the given bytes.
type CellEdit<'e> = dyn FnMut(&office::SourcedCell, usize, usize, Vec<u8>) -> Result<(), String> + 'e;

/// For each finding span in a sheet (overlaps joined), the cells it covers
/// and its part of each: `each(cell, a, b, put)` replaces `a..b` of the
/// cell's text with `put` (the replacement in the first cell, nothing in
/// the others). `cells` in row, column order, as the extractor lays the
/// sheet's text out.
fn sheet_edits(
    name: &str,
    cells: &[office::SourcedCell],
    here: &[&Finding],
    style: &dyn Fn(&Finding) -> Style,
    values: &mut Vec<String>,
    each: &mut CellEdit<'_>,
) -> Result<(), String> {
    // The sheet's text exactly as the extractor builds it, and each cell's
    // start in it.
    let seg = office::sheet_segment(name, cells.iter().map(|(r, c, t, _)| (*r, *c, t.clone())).collect());
    let crate::extract::Locator::Cells { cells: starts, .. } = &seg.locator else {
        return Err("sheet without cells".into());
    };
    let text = String::from_utf8_lossy(&seg.text);
    for (s, e, f) in merged(&text, here).map_err(|e| format!("sheet {name}: {e}"))? {
        let rep = escape(&replacement(style(f), &f.kind, &text[s..e], f.fingerprint));
        values.push(text[s..e].to_string());
        let mut first = true;
        for (k, &(start, ..)) in starts.iter().enumerate() {
            let end = start + cells[k].2.len();
            if !(start < e && s < end) {
                continue;
            }
            let (a, b) = (s.max(start) - start, e.min(end) - start);
            let put = if first { rep.clone() } else { Vec::new() };
            first = false;
            each(&cells[k], a, b, put).map_err(|e| format!("sheet {name}: {e}"))?;
        }
        if first {
            return Err(format!("sheet {name}: a finding over no cell"));
        }
    }
    Ok(())
}

/// The cells of an OpenDocument spreadsheet changed by redacting `found`:
/// each cell's text replaced in its text nodes in `content.xml`; a number
/// cell becomes a string cell.
pub(super) fn ods_workbook(
    za: &mut zip::ZipArchive<Cursor<&[u8]>>,
    found: &[&Finding],
    style: &dyn Fn(&Finding) -> Style,
    values: &mut Vec<String>,
) -> Result<BTreeMap<usize, Vec<u8>>, String> {
    let i = index(za, "content.xml")?;
    let xml = read_at(za, i)?;
    let mut edits: Vec<Edit> = Vec::new();
    let mut done = 0;
    for (name, mut cells) in office::ods_cells(&xml, true) {
        let here = in_sheet(found, &name);
        if here.is_empty() {
            continue;
        }
        cells.sort_by_key(|c| (c.0, c.1));
        done += here.len();
        sheet_edits(&name, &cells, &here, style, values, &mut |cell, a, b, put| match &cell.3 {
            office::CellSrc::Inline(map) => node_edits(map, a, b, put, &mut edits),
            office::CellSrc::OdsValue { tag, shown } => {
                let r = format!("{}{}", office::col_letters(cell.1), cell.0 + 1);
                ods_value_cell(&xml, tag, shown, put, &mut edits).ok_or_else(|| format!("cell {r} not rewritten"))
            }
            _ => Err("a cell of an unknown kind".into()),
        })?;
    }
    if done != found.len() {
        return Err("a finding in a sheet content.xml does not hold: not rewritten".into());
    }
    Ok(BTreeMap::from([(i, apply(&xml, edits))]))
}

/// The edits that turn an OpenDocument number cell into a string cell
/// showing `put`: the tag's value type becomes `string`, its value
/// attribute and the formula that computed it go; the first text node shown is replaced, the others
/// emptied. `None` for a cell that shows no text to replace.
fn ods_value_cell(
    xml: &[u8],
    tag: &office::Src,
    shown: &office::NodeMap,
    put: Vec<u8>,
    edits: &mut Vec<Edit>,
) -> Option<()> {
    static VALUE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(
            r#"\s(?:office:)?(?:value|date-value|time-value|boolean-value|currency)=(?:"[^"]*"|'[^']*')|\s(?:table:)?formula=(?:"[^"]*"|'[^']*')"#,
        )
        .expect("pattern")
    });
    static TYPE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r#"(value-type=["'])(?:float|percentage|currency)(["'])"#).expect("pattern")
    });
    if shown.is_empty() || !tag.stored || shown.iter().any(|(_, _, s)| !s.exact) {
        return None;
    }
    let old = xml.get(tag.start..tag.end)?;
    let without = VALUE.replace_all(old, &b""[..]);
    let new = TYPE.replace_all(&without, &b"${1}string${2}"[..]).into_owned();
    // Whatever else carries the number (an attribute in a form not
    // recognised) would keep the value: refuse.
    if VALUE.is_match(&new) || TYPE.is_match(&new) {
        return None;
    }
    edits.push((tag.start, tag.end, new));
    let mut put = Some(put);
    for (_, _, src) in shown {
        edits.push((src.start, src.end, put.take().unwrap_or_default()));
    }
    Some(())
}

/// The edit that turns number cell `r` (`<c r="B3" s="1"><v>7700900123</v></c>`)
/// into a string cell holding `put` (`<c r="B3" s="1" t="inlineStr"><is><t>…`),
/// its other attributes kept; a formula that computed the value goes with
/// it. `None` when the cell is not found as written by common writers.
fn value_cell(xml: &[u8], r: &str, put: &[u8]) -> Option<Edit> {
    let pat = format!(" r=\"{r}\"");
    for at in memchr::memmem::find_iter(xml, pat.as_bytes()) {
        let open = memchr::memrchr(b'<', &xml[..at])?;
        if !xml[open..at].starts_with(b"<c") || xml[open + 2..at].contains(&b'>') {
            continue;
        }
        let gt = at + memchr::memchr(b'>', &xml[at..])?;
        if xml[gt - 1] == b'/' {
            return None;
        }
        let close = gt + memchr::memmem::find(&xml[gt..], b"</c>")?;
        let attrs = String::from_utf8_lossy(&xml[open + 2..gt]);
        // Without the old type attribute.
        let mut kept = String::new();
        let mut rest = attrs.as_ref();
        while let Some(i) = rest.find(" t=\"") {
            kept.push_str(&rest[..i]);
            let after = &rest[i + 4..];
            rest = after.find('"').map_or("", |j| &after[j + 1..]);
        }
        kept.push_str(rest);
        let mut cell = format!("<c{kept} t=\"inlineStr\"><is><t xml:space=\"preserve\">").into_bytes();
        cell.extend_from_slice(put);
        cell.extend_from_slice(b"</t></is></c>");
        return Some((open, close + 4, cell));
    }
    None
}
