//! Archives: zip (nested), gzip, tar, tar.gz. Members are read one at a
//! time through the extractors of their own formats, under [`Limits`]:
//!
//! - nesting at most `max_depth` archives deep (4);
//! - at most `max_expanded` bytes (1 GiB) expanded from one file on disk,
//!   all members and levels together;
//! - a member may expand to at most `max_ratio` (100) times its compressed
//!   size once past `ratio_floor` (1 MiB): a bomb is stopped after a few
//!   megabytes, not after it has filled memory;
//! - encrypted members are reported (`encrypted`), never guessed at.
//!
//! A member that cannot be read is reported with its place
//! (`archive.zip!/folder/file.csv`) and the reason, and the rest of the
//! archive is still scanned. Findings inside carry
//! `{"member": "folder/file.csv"}`.

use std::io::{Cursor, Read};

use super::{extract, nest, office, Cx, Limits, Problem, Refusal, Segment};
use crate::outcome::SkipReason;

/// Read at most what the limits allow from a member of `compressed` bytes.
pub fn read_limited(r: impl Read, compressed: u64, cx: &mut Cx) -> Result<Vec<u8>, Refusal> {
    let l: Limits = cx.limits;
    let by_ratio = l.ratio_floor.max(compressed.saturating_mul(l.max_ratio));
    let left = l.max_expanded.saturating_sub(cx.expanded);
    let cap = by_ratio.min(l.max_member).min(left);
    let mut out = Vec::new();
    r.take(cap + 1).read_to_end(&mut out).map_err(|e| (SkipReason::Malformed, format!("cannot decompress: {e}")))?;
    cx.expanded += out.len() as u64;
    if out.len() as u64 > cap {
        let why = if cap == by_ratio {
            format!("expands more than {}x its compressed size: possible compression bomb, stopped", l.max_ratio)
        } else if cap == left {
            format!("more than {} MiB expanded from one file: stopped", l.max_expanded >> 20)
        } else {
            format!("a member over {} MiB: stopped", l.max_member >> 20)
        };
        return Err((SkipReason::LimitExceeded, why));
    }
    Ok(out)
}

/// Recurse into one member, prefixing its location and its problems.
fn member(name: &str, data: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) -> Result<(), Refusal> {
    member_as(name, name, data, cx, emit)
}

/// Recurse into one member (or a mail attachment) one level deeper: read
/// as the file `name`, located and its problems prefixed as `label`.
pub(super) fn member_as(
    label: &str,
    name: &str,
    data: &[u8],
    cx: &mut Cx,
    emit: &mut dyn FnMut(Segment<'_>),
) -> Result<(), Refusal> {
    let before = cx.problems.len();
    cx.depth += 1;
    let r = extract(name, data, cx, &mut |mut seg: Segment<'_>| {
        seg.location = nest(label, seg.location.take());
        emit(seg)
    });
    cx.depth -= 1;
    for p in &mut cx.problems[before..] {
        p.member = format!("{label}!/{}", p.member);
    }
    r.map(|_| ())
}

/// Scan a member that was (or could not be) read. A limit breach stops
/// the whole archive (a bomb is not read further); any other problem is
/// recorded against the member and the archive goes on.
pub(super) fn take(
    mname: String,
    data: Result<Vec<u8>, Refusal>,
    cx: &mut Cx,
    emit: &mut dyn FnMut(Segment<'_>),
) -> Result<(), Refusal> {
    let r = data.and_then(|d| member(&mname, &d, cx, emit));
    match r {
        Ok(()) => Ok(()),
        Err((SkipReason::LimitExceeded, d)) => Err((SkipReason::LimitExceeded, format!("{mname}: {d}"))),
        Err((reason, detail)) => {
            cx.problems.push(Problem { member: mname, reason, detail });
            Ok(())
        }
    }
}

fn too_deep(cx: &Cx) -> Option<Refusal> {
    (cx.depth >= cx.limits.max_depth)
        .then(|| (SkipReason::LimitExceeded, format!("archives nested more than {} deep", cx.limits.max_depth)))
}

/// A zip file: an office document, or an archive.
pub fn zip(_name: &str, bytes: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) -> Result<&'static str, Refusal> {
    let mut za = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| (SkipReason::Malformed, format!("zip: {e}")))?;
    if let Some(kind) = office::kind(&za) {
        return office::extract(kind, &mut za, cx, emit);
    }
    if let Some(r) = too_deep(cx) {
        return Err(r);
    }
    let (mut files, mut encrypted) = (0usize, 0usize);
    for i in 0..za.len() {
        let (mname, enc, dir, csize) = match za.by_index_raw(i) {
            Ok(f) => (
                f.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("#{i}")),
                f.encrypted(),
                f.is_dir(),
                f.compressed_size(),
            ),
            Err(e) => {
                cx.problems.push(Problem {
                    member: format!("#{i}"),
                    reason: SkipReason::Malformed,
                    detail: e.to_string(),
                });
                continue;
            }
        };
        if dir {
            continue;
        }
        files += 1;
        if enc {
            encrypted += 1;
            cx.problems.push(Problem {
                member: mname,
                reason: SkipReason::Encrypted,
                detail: "password-protected".into(),
            });
            continue;
        }
        let data = match za.by_index(i) {
            Ok(f) => read_limited(f, csize, cx),
            Err(e) => Err((SkipReason::Malformed, e.to_string())),
        };
        take(mname, data, cx, emit)?;
    }
    if files > 0 && encrypted == files {
        return Err((SkipReason::Encrypted, format!("all {files} member(s) are password-protected")));
    }
    Ok("zip")
}

/// A gzip file (`.gz`, `.tgz`, `.tar.gz`).
pub fn gzip(name: &str, bytes: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) -> Result<&'static str, Refusal> {
    if let Some(r) = too_deep(cx) {
        return Err(r);
    }
    let data = read_limited(flate2::read::GzDecoder::new(bytes), bytes.len() as u64, cx)?;
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let inner = match base.rsplit_once('.') {
        Some((stem, e)) if e.eq_ignore_ascii_case("tgz") => format!("{stem}.tar"),
        Some((stem, e)) if e.eq_ignore_ascii_case("gz") => stem.to_string(),
        _ => format!("{base}.out"),
    };
    member(&inner, &data, cx, emit)?;
    Ok("gzip")
}

/// A tar archive.
pub fn tar(_name: &str, bytes: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) -> Result<&'static str, Refusal> {
    if let Some(r) = too_deep(cx) {
        return Err(r);
    }
    let mut ar = tar::Archive::new(bytes);
    let entries = ar.entries().map_err(|e| (SkipReason::Malformed, format!("tar: {e}")))?;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                cx.problems.push(Problem {
                    member: "(rest)".into(),
                    reason: SkipReason::Malformed,
                    detail: format!("tar: {e}"),
                });
                break;
            }
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let mname = entry.path().map(|p| p.display().to_string()).unwrap_or_else(|_| "?".into());
        let size = entry.size();
        let data = read_limited(&mut entry, size, cx);
        take(mname, data, cx, emit)?;
    }
    Ok("tar")
}
