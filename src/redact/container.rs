//! Redaction inside containers: zip archives and the office documents built
//! on zip (.docx, .pptx, .odt, .odp), rewritten member by member.
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
//!   run and removed from the others, the markup between them kept.
//!
//! Every other member is copied byte for byte, compressed data included
//! (`raw_copy_file`), in the same order, with the archive comment; changed
//! members keep their name, compression method, time and permissions. What
//! cannot be done this way (a part in another character set, a finding over
//! an entity or CDATA, a member that cannot be read, a format inside that
//! has no writer here) refuses the whole file with the reason: the original
//! is never half-redacted.

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
const MAX_DEPTH: usize = 4;

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
        _ => Err(format!("redaction inside this format ({}) is not supported yet", o.format)),
    }
}

/// The first member of a finding's location (`a.zip!/b.csv` → `a.zip`).
fn first_member(f: &Finding) -> Option<String> {
    let loc = f.location.as_ref()?.value();
    let m = loc.get("member")?.as_str()?;
    Some(m.split("!/").next().unwrap_or(m).to_string())
}

/// The part of an office document a finding is in.
fn part_of(f: &Finding) -> Option<String> {
    let loc = f.location.as_ref()?.value();
    if let Some(p) = loc.get("part").and_then(|p| p.as_str()) {
        return Some(p.to_string());
    }
    loc.get("slide").and_then(serde_json::Value::as_u64).map(|k| format!("ppt/slides/slide{k}.xml"))
}

fn zip(bytes: &[u8], o: &FileOutcome, cx: &mut Context<'_, '_>, depth: usize) -> Result<Vec<u8>, String> {
    let mut za = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("zip: {e}"))?;
    let kind = office::kind(&za).map(|k| match k {
        OfficeKind::Odt => match read(&mut za, "mimetype").ok().as_deref() {
            Some(m) if m.ends_with(b"presentation") => OfficeKind::Odp,
            Some(m) if m.ends_with(b"spreadsheet") => OfficeKind::Ods,
            _ => OfficeKind::Odt,
        },
        k => k,
    });
    // What changes: members to redact as files, parts to redact in place.
    let mut members: BTreeSet<String> = BTreeSet::new();
    let mut parts: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in &o.findings {
        if let Some(m) = first_member(f) {
            members.insert(m);
        } else if matches!(kind, Some(OfficeKind::Xlsx | OfficeKind::Ods)) {
            return Err(format!("redaction inside {} cells is not supported yet", o.format));
        } else if let (Some(_), Some(p)) = (kind, part_of(f)) {
            parts.entry(p).or_default().push(f);
        } else {
            return Err(format!("redaction inside this format ({}) is not supported yet", o.format));
        }
    }
    let mut changed: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for m in members {
        let data = read(&mut za, &m)?;
        let inner = (cx.scan)(&m, &data);
        if let Some((reason, _)) = &inner.skipped {
            return Err(format!("member {m} could not be read again ({})", reason.code()));
        }
        if !inner.problems.is_empty() {
            return Err(format!("member {m} holds parts that cannot be read"));
        }
        let new = if inner.findings.iter().all(|f| f.file_offsets) {
            (cx.plain)(&inner, &data).map_err(|e| format!("member {m}: {e}"))?
        } else {
            rewrite(&m, &data, &inner, cx, depth + 1).map_err(|e| format!("member {m}: {e}"))?
        };
        changed.insert(m, new);
    }
    for (p, found) in parts {
        let xml = read(&mut za, &p)?;
        let k = kind.ok_or("not an office document")?;
        let (text, nodes) = office::part_text(k, &p, &xml).ok_or_else(|| format!("part {p}: not a text part"))?;
        let new = replace_in_part(&xml, &text, &nodes, &found, cx.style).map_err(|e| format!("part {p}: {e}"))?;
        changed.insert(p, new);
    }
    write_zip(&mut za, &changed)
}

fn read(za: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, String> {
    let mut f = za.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    if f.encrypted() {
        return Err(format!("{name}: encrypted"));
    }
    let mut out = Vec::new();
    f.read_to_end(&mut out).map_err(|e| format!("{name}: {e}"))?;
    Ok(out)
}

/// The archive again: changed members written anew with their own options,
/// every other member copied raw, order and comment kept.
fn write_zip(za: &mut zip::ZipArchive<Cursor<&[u8]>>, changed: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>, String> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let err = |e: zip::result::ZipError| format!("zip: {e}");
    for i in 0..za.len() {
        let f = za.by_index_raw(i).map_err(err)?;
        let name = f.name().map_err(err)?.into_owned();
        match changed.get(&name) {
            Some(new) => {
                let options = f.options();
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
) -> Result<Vec<u8>, String> {
    // (start, end, bytes) edits of the XML.
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for f in found {
        let (s, e) = (f.start as usize, f.end as usize);
        if s >= e || e > text.len() || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            return Err("a finding outside the part's text (the document changed?)".into());
        }
        let rep = replacement(style(f), &f.kind, &text[s..e], f.fingerprint);
        let mut first = true;
        for &(ns, ne, src) in nodes.iter().filter(|&&(ns, ne, _)| ns < e && s < ne) {
            let (a, b) = (s.max(ns), e.min(ne));
            let (xa, xb) = if src.exact {
                (src.start + (a - ns), src.start + (b - ns))
            } else if a == ns && b == ne {
                // A reference or CDATA wholly inside the value goes with it.
                (src.start, src.end)
            } else {
                return Err("a value partly inside an entity or CDATA: not rewritten".into());
            };
            let put = if first { escape(&rep) } else { Vec::new() };
            first = false;
            edits.push((xa, xb, put));
        }
        if first {
            return Err("a finding over no text of the part".into());
        }
    }
    edits.sort_by_key(|&(a, b, _)| (a, b));
    let mut out = Vec::with_capacity(xml.len());
    let mut at = 0;
    for (a, b, put) in edits {
        if a < at {
            // Two findings over the same text: the first one's replacement stands.
            continue;
        }
        out.extend_from_slice(&xml[at..a]);
        out.extend_from_slice(&put);
        at = b;
    }
    out.extend_from_slice(&xml[at..]);
    Ok(out)
}

fn escape(s: &str) -> Vec<u8> {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").into_bytes()
}
