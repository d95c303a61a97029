//! Redaction inside containers: zip archives and the office documents built
//! on zip (.docx, .xlsx, .ods, .pptx, .odt, .odp), rewritten member by member;
//! mail is rewritten part by part in [`super::mail`].
//!
//! A finding inside a container carries the member or part it was found in
//! (`location`) and offsets in that member's or part's *text*, not in the
//! file. So:
//!
//! - a **member** of an archive (or a document embedded in a document) is
//!   read out and handed to the caller's [`MemberScan`], which finds what
//!   to redact in it as if it were a file of its own (the same rules, or the
//!   same subject request); it is then redacted through its own format,
//!   recursively, up to the extractors' depth limit;
//! - a **part** of an office document (`word/document.xml`, a slide,
//!   `content.xml`) is read again by the extractor's own function
//!   ([`office::part_text`]), which gives the same text with a map back to
//!   the XML text nodes; each finding's span is replaced in the nodes it
//!   covers: a value split over formatting runs is replaced in the first
//!   run and removed from the others, the markup between them kept;
//! - a **cell** of a workbook ([`super::cells`]) is replaced where its text
//!   is stored: in the shared strings (every cell showing that string changes with it) or in
//!   the sheet (inline and formula strings); in an .ods, in the cell's
//!   paragraphs in `content.xml`. A number cell holding personal data
//!   becomes a string cell showing the replacement (its value, and the
//!   formula that computed it, go).
//!
//! Every other member is copied byte for byte, compressed data included
//! (`raw_copy_file`), in the same order, with the archive comment; changed
//! members keep their name, compression method, time and permissions. What
//! cannot be done this way (a part in another character set, a finding over
//! an entity or CDATA, a format inside that has no writer here) refuses the
//! whole file with the reason: the original is never half-redacted. A
//! member that cannot be read refuses it too, unless the caller asked for
//! such members to be replaced by a placeholder ([`Context::unreadable`]).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Write};

use super::style::{replacement, Style};
use crate::extract::office::{self, Kind as OfficeKind};
use crate::finding::Finding;
use crate::outcome::FileOutcome;

/// Finds what to redact in a member, given its name and bytes, as if it
/// were a file: findings at offsets in those bytes (or, for a container,
/// located inside it).
pub type MemberScan<'a> = dyn FnMut(&str, &[u8]) -> FileOutcome + 'a;

/// Members nested deeper than this are refused (no deeper than the
/// extractors read by default).
pub(super) const MAX_DEPTH: usize = 4;

/// Redacts a member's findings at offsets in its bytes.
pub type PlainRedact<'p> = dyn Fn(&FileOutcome, &[u8]) -> Result<Vec<u8>, String> + 'p;

/// What redaction needs besides the findings: the style of each, the
/// member scan, and how to redact a member that turns out to be plain text.
pub struct Context<'c, 'a> {
    /// The style of a finding.
    pub style: &'c dyn Fn(&Finding) -> Style,
    /// Finds what to redact in a member.
    pub scan: &'c mut MemberScan<'a>,
    /// Redacts a member's findings at offsets in its bytes (text, CSV,
    /// UTF-16...), as a file of its own.
    pub plain: &'c PlainRedact<'c>,
    /// Replace members that cannot be read by a placeholder instead of
    /// refusing the file.
    pub drop_unreadable: bool,
    /// The members so replaced.
    pub removed: &'c mut Vec<Removed>,
}

/// A member that could not be read, replaced by a placeholder.
#[derive(Debug, Clone)]
pub struct Removed {
    /// Where it was (`bundle.zip!/data.bin`, `attachment 3: scan.tiff`).
    pub member: String,
    /// Why it could not be read (`binary`, `encrypted`...).
    pub reason: String,
    /// The placeholder's name.
    pub placeholder: String,
}

impl Context<'_, '_> {
    /// The members of a container to replace by placeholders (problems
    /// directly in it: name → reason) and the members holding such
    /// problems deeper (rewritten, so their own are replaced); an error
    /// when there are problems and replacing was not asked for, or a
    /// problem has no member to replace.
    pub(super) fn unreadable(
        &mut self,
        o: &FileOutcome,
    ) -> Result<(BTreeMap<String, String>, BTreeSet<String>), String> {
        let (mut here, mut deeper) = (BTreeMap::new(), BTreeSet::new());
        if o.problems.is_empty() {
            return Ok((here, deeper));
        }
        if !self.drop_unreadable {
            return Err(format!("{} member(s) could not be read, so it cannot be shown to be clean", o.problems.len()));
        }
        for p in &o.problems {
            match p.member.split_once("!/") {
                Some((first, _)) => {
                    deeper.insert(first.to_string());
                }
                None if p.member.starts_with('#') || p.member.starts_with('(') => {
                    return Err(format!(
                        "a part that cannot be read has no name to remove ({}): not rewritten",
                        p.member
                    ));
                }
                None => {
                    here.insert(p.member.clone(), p.reason.code().to_string());
                    // A mail attachment's member is `attachment 3: scan.tiff`.
                    let file = match p.member.strip_prefix("attachment ") {
                        Some(a) => a.split_once(": ").map_or(a, |(_, n)| n),
                        None => &p.member,
                    };
                    self.removed.push(Removed {
                        member: p.member.clone(),
                        reason: p.reason.code().to_string(),
                        placeholder: placeholder_name(file),
                    });
                }
            }
        }
        Ok((here, deeper))
    }
}

/// The name of the placeholder for member `name`.
pub(super) fn placeholder_name(name: &str) -> String {
    format!("{name}.removed.txt")
}

/// The text of the placeholder for member `name`, removed for `reason`.
pub(super) fn placeholder(name: &str, reason: &str) -> Vec<u8> {
    format!(
        "piiscan removed {name} from this file: it could not be read ({reason}), so it could not be shown \
         to be free of personal data.\nThe removal is recorded in the redaction's evidence log.\n"
    )
    .into_bytes()
}

/// The container `bytes` (named `name`) with `o`'s findings redacted.
pub fn rewrite(
    name: &str,
    bytes: &[u8],
    o: &FileOutcome,
    cx: &mut Context<'_, '_>,
    depth: usize,
) -> Result<Vec<u8>, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} containers: not rewritten"));
    }
    match crate::extract::detect(name, bytes) {
        crate::extract::Kind::Zip => zip(bytes, o, cx, depth),
        crate::extract::Kind::Tar => super::archive::tar(bytes, o, cx, depth),
        crate::extract::Kind::Compressed(c) => super::archive::compressed(c, name, bytes, o, cx, depth),
        crate::extract::Kind::Eml => super::mail::rewrite(bytes, false, o, cx, depth),
        crate::extract::Kind::Mbox => super::mail::rewrite(bytes, true, o, cx, depth),
        _ => Err(format!("redaction inside this format ({}) is not supported yet", o.format)),
    }
}

/// Member `label` of a container at `depth` (an archive member, a mail
/// attachment), stored as `data`, redacted as a file named `name` of its
/// own: scanned again by the caller's rules, then redacted at its offsets or,
/// for a container, inside it.
pub(super) fn member(
    label: &str,
    name: &str,
    data: &[u8],
    cx: &mut Context<'_, '_>,
    depth: usize,
) -> Result<Vec<u8>, String> {
    let inner = (cx.scan)(name, data);
    if let Some((reason, _)) = &inner.skipped {
        return Err(format!("member {label} could not be read again ({})", reason.code()));
    }
    if !inner.problems.is_empty() && !cx.drop_unreadable {
        return Err(format!("member {label} holds parts that cannot be read"));
    }
    if inner.problems.is_empty() && inner.findings.iter().all(|f| f.file_offsets) {
        (cx.plain)(&inner, data).map_err(|e| format!("member {label}: {e}"))
    } else {
        let before = cx.removed.len();
        let new = rewrite(name, data, &inner, cx, depth + 1).map_err(|e| format!("member {label}: {e}"))?;
        for r in &mut cx.removed[before..] {
            r.member = format!("{label}!/{}", r.member);
        }
        Ok(new)
    }
}

/// The first member of a finding's location (`a.zip!/b.csv` → `a.zip`).
pub(super) fn first_member(f: &Finding) -> Option<String> {
    let loc = f.location.as_ref()?.value();
    let m = loc.get("member")?.as_str()?;
    Some(m.split("!/").next().unwrap_or(m).to_string())
}

/// The part of an office document a finding is in.
fn part_of(f: &Finding) -> Option<String> {
    Some(f.location.as_ref()?.value().get("part")?.as_str()?.to_string())
}

fn zip(bytes: &[u8], o: &FileOutcome, cx: &mut Context<'_, '_>, depth: usize) -> Result<Vec<u8>, String> {
    let mut za = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("zip: {e}"))?;
    // Data before the archive (a self-extracting .exe, a script): kept as
    // it is, the archive written after it with offsets from the file's start.
    let prefix = prefix_len(&mut za)?;
    // A name used twice: the reader sees only one of them, so the other was
    // never scanned, and would not be written back.
    if za.has_duplicate_names() {
        return Err("a member name used twice: not rewritten".into());
    }
    let kind = office::kind(&za).map(|k| match k {
        OfficeKind::Odt => office::odf_kind(read(&mut za, "mimetype").ok().as_deref()),
        k => k,
    });
    // What changes: members to redact as files, parts to redact in place.
    let mut members: BTreeSet<String> = BTreeSet::new();
    let mut parts: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    let mut cells: Vec<&Finding> = Vec::new();
    let mut ods: Vec<&Finding> = Vec::new();
    for f in &o.findings {
        if let Some(m) = first_member(f) {
            members.insert(m);
        } else if kind == Some(OfficeKind::Xlsx) {
            cells.push(f);
        } else if kind == Some(OfficeKind::Ods) {
            ods.push(f);
        } else if let (Some(_), Some(p)) = (kind, part_of(f)) {
            parts.entry(p).or_default().push(f);
        } else {
            return Err(format!("redaction inside this format ({}) is not supported yet", o.format));
        }
    }
    let (drop, deeper) = cx.unreadable(o)?;
    members.extend(deeper);
    // Unreadable members replaced: placeholder name and text, by index.
    let mut placeholders: BTreeMap<usize, (String, Vec<u8>)> = BTreeMap::new();
    for (m, reason) in &drop {
        placeholders.insert(index(&za, m)?, (placeholder_name(m), placeholder(m, reason)));
    }
    // New contents by member index (whatever case or separator its stored
    // name has).
    let mut changed: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
    // The texts replaced in parts and cells, to check no other part holds them.
    let mut values: Vec<String> = Vec::new();
    for m in members {
        let i = index(&za, &m)?;
        let data = read_at(&mut za, i)?;
        changed.insert(i, member(&m, &m, &data, cx, depth)?);
    }
    for (p, found) in parts {
        let i = index(&za, &p)?;
        let xml = read_at(&mut za, i)?;
        let k = kind.ok_or("not an office document")?;
        let (text, nodes) = office::part_text(k, &p, &xml).ok_or_else(|| format!("part {p}: not a text part"))?;
        let new = replace_in_part(&xml, &text, &nodes, &found, cx.style, &mut values)
            .map_err(|e| format!("part {p}: {e}"))?;
        changed.insert(i, new);
    }
    if !cells.is_empty() {
        changed.extend(super::cells::workbook(&mut za, &cells, cx.style, &mut values)?);
    }
    if !ods.is_empty() {
        changed.extend(super::cells::ods_workbook(&mut za, &ods, cx.style, &mut values)?);
    }
    nowhere_else(&mut za, &changed, &values)?;
    write_zip(&mut za, &changed, &placeholders, &bytes[..prefix])
}

/// How many bytes come before the archive's first member (a
/// self-extractor's program): where its first local header starts.
fn prefix_len(za: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<usize, String> {
    let mut first = za.offset() + za.central_directory_start();
    for i in 0..za.len() {
        let f = za.by_index_raw(i).map_err(|e| format!("zip: {e}"))?;
        first = first.min(f.header_start());
    }
    Ok(first as usize)
}

/// Refuse the document when a replaced value is still in one of its XML
/// parts after the rewrite: a part the extractor does not read as text
/// (a hyperlink's `mailto:` in the relationships, tracked deletions, the
/// author in `docProps/core.xml`). A file said to be redacted must not
/// hold the value anywhere.
fn nowhere_else(
    za: &mut zip::ZipArchive<Cursor<&[u8]>>,
    changed: &BTreeMap<usize, Vec<u8>>,
    values: &[String],
) -> Result<(), String> {
    let probes: Vec<Vec<u8>> =
        values.iter().filter(|v| v.len() >= 5).flat_map(|v| [v.as_bytes().to_vec(), escape(v)]).collect();
    if probes.is_empty() {
        return Ok(());
    }
    for i in 0..za.len() {
        let name = za.name_for_index(i).and_then(Result::ok).map(|n| n.into_owned()).unwrap_or_default();
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let data = match changed.get(&i) {
            Some(d) => d.clone(),
            None => read_at(za, i)?,
        };
        if probes.iter().any(|p| memchr::memmem::find(&data, p).is_some()) {
            return Err(format!("a value is still in {name} after the rewrite (markup or a part the extractor does not read as text): not rewritten"));
        }
    }
    Ok(())
}

/// A replacement of bytes `start..end` of an XML part.
pub(super) type Edit = (usize, usize, Vec<u8>);

/// The edits that replace text `a..b` of a mapped text with `put`: in each
/// node the span covers, its part of the span (`put` in the first, nothing
/// in the others; the caller passes an empty `put` for later cells).
pub(super) fn node_edits(
    nodes: &office::NodeMap,
    a: usize,
    b: usize,
    put: Vec<u8>,
    edits: &mut Vec<Edit>,
) -> Result<(), String> {
    let mut put = Some(put);
    for &(ns, ne, src) in nodes.iter().filter(|&&(ns, ne, _)| ns < b && a < ne) {
        if !src.stored {
            return Err("a part stored in another character set than UTF-8: not rewritten".into());
        }
        let (x, y) = (a.max(ns), b.min(ne));
        let (xa, xb) = if src.exact {
            (src.start + (x - ns), src.start + (y - ns))
        } else if x == ns && y == ne {
            // A reference or CDATA wholly inside the value goes with it.
            (src.start, src.end)
        } else {
            return Err("a value partly inside an entity or CDATA: not rewritten".into());
        };
        edits.push((xa, xb, put.take().unwrap_or_default()));
    }
    if put.is_some() {
        return Err("a value over no text of the part".into());
    }
    Ok(())
}

/// `xml` with the edits applied; where two overlap (two findings over the
/// same text, a shared string used by two cells), the first stands.
pub(super) fn apply(xml: &[u8], mut edits: Vec<Edit>) -> Vec<u8> {
    edits.sort_by_key(|&(a, b, _)| (a, b));
    let mut out = Vec::with_capacity(xml.len());
    let mut at = 0;
    for (a, b, put) in edits {
        if a < at {
            continue;
        }
        out.extend_from_slice(&xml[at..a]);
        out.extend_from_slice(&put);
        at = b;
    }
    out.extend_from_slice(&xml[at..]);
    out
}

/// The index of member `name` as the extractors report it (`/`-separated),
/// found as the extractors find it, whatever case or separator the writer
/// stored.
pub(super) fn index(za: &zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<usize, String> {
    office::member_index(za, name).ok_or_else(|| format!("{name}: no such member"))
}

/// Member `name`'s content.
pub(super) fn read(za: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, String> {
    let i = index(za, name)?;
    read_at(za, i)
}

/// Member `i`'s content.
pub(super) fn read_at(za: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize) -> Result<Vec<u8>, String> {
    let mut f = za.by_index(i).map_err(|e| format!("member {i}: {e}"))?;
    if f.encrypted() {
        return Err(format!("{}: encrypted", f.name().unwrap_or_default()));
    }
    let mut out = Vec::new();
    f.read_to_end(&mut out).map_err(|e| format!("member {i}: {e}"))?;
    Ok(out)
}

/// The archive again, after `prefix`: changed members written anew with
/// their own options, placeholders in the place of the members they
/// replace, every other member copied raw, order and comment kept; offsets
/// count from the start of the file.
fn write_zip(
    za: &mut zip::ZipArchive<Cursor<&[u8]>>,
    changed: &BTreeMap<usize, Vec<u8>>,
    placeholders: &BTreeMap<usize, (String, Vec<u8>)>,
    prefix: &[u8],
) -> Result<Vec<u8>, String> {
    let mut out = Cursor::new(prefix.to_vec());
    out.set_position(prefix.len() as u64);
    let mut w = zip::ZipWriter::new(out);
    let err = |e: zip::result::ZipError| format!("zip: {e}");
    for i in 0..za.len() {
        let f = za.by_index_raw(i).map_err(err)?;
        if let Some((name, text)) = placeholders.get(&i) {
            let options =
                zip::write::SimpleFileOptions::default().last_modified_time(f.last_modified().unwrap_or_default());
            drop(f);
            w.start_file(name.as_str(), options).map_err(err)?;
            w.write_all(text).map_err(|e| format!("zip: {e}"))?;
            continue;
        }
        match changed.get(&i) {
            Some(new) => {
                let (name, options) = (f.name().map_err(err)?.into_owned(), f.options());
                drop(f);
                w.start_file(name, options.large_file(new.len() as u64 >= u32::MAX as u64)).map_err(err)?;
                w.write_all(new).map_err(|e| format!("zip: {e}"))?;
            }
            None => w.raw_copy_file(f).map_err(err)?,
        }
    }
    w.set_raw_comment(za.comment().into()).map_err(err)?;
    Ok(w.finish().map_err(err)?.into_inner())
}

/// A part's XML with each finding's span of its text replaced in the text
/// nodes it covers.
fn replace_in_part(
    xml: &[u8],
    text: &str,
    nodes: &office::NodeMap,
    found: &[&Finding],
    style: &dyn Fn(&Finding) -> Style,
    values: &mut Vec<String>,
) -> Result<Vec<u8>, String> {
    let mut edits: Vec<Edit> = Vec::new();
    for (s, e, f) in merged(text, found)? {
        let rep = replacement(style(f), &f.kind, &text[s..e], f.fingerprint);
        node_edits(nodes, s, e, escape(&rep), &mut edits)?;
        values.push(text[s..e].to_string());
    }
    Ok(apply(xml, edits))
}

/// The findings' spans in `text` with overlapping ones joined (a name
/// inside a longer name of another subject): each union with the first
/// finding's kind and style, so no part of the longer value is left. A
/// span outside the text, or not on character boundaries, means the text is
/// not the one the findings were made on.
pub(super) fn merged<'f>(text: &str, found: &[&'f Finding]) -> Result<Vec<(usize, usize, &'f Finding)>, String> {
    let mut sorted: Vec<&Finding> = found.to_vec();
    sorted.sort_by_key(|f| (f.start, std::cmp::Reverse(f.end)));
    let mut out: Vec<(usize, usize, &Finding)> = Vec::new();
    for f in sorted {
        let (s, e) = (f.start as usize, f.end as usize);
        match out.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e, f)),
        }
    }
    match out
        .iter()
        .find(|&&(s, e, _)| s >= e || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e))
    {
        Some(_) => Err("a finding outside the text (the document changed?)".into()),
        None => Ok(out),
    }
}

pub(super) fn escape(s: &str) -> Vec<u8> {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").into_bytes()
}
