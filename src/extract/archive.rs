//! Archives: zip (nested, or after a prefix such as a self-extractor),
//! 7z, tar, and single-stream compressors (gzip, xz, bzip2), so `.tar.gz`,
//! `.tar.xz`, `.tar.bz2` and `.csv.gz` are all read. Members are read one at a
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

/// The most a member of `compressed` bytes may expand to now, by the
/// ratio guard, the per-member cap and what is left of the file's budget.
fn cap_for(compressed: u64, cx: &Cx) -> u64 {
    let l: Limits = cx.limits;
    let by_ratio = l.ratio_floor.max(compressed.saturating_mul(l.max_ratio));
    by_ratio.min(l.max_member).min(l.max_expanded.saturating_sub(cx.expanded))
}

/// Why a member that expanded past `cap_for(compressed)` was stopped.
fn past_cap(compressed: u64, cx: &Cx) -> Refusal {
    let l: Limits = cx.limits;
    let by_ratio = l.ratio_floor.max(compressed.saturating_mul(l.max_ratio));
    let cap = cap_for(compressed, cx);
    let why = if cap == by_ratio {
        format!("expands more than {}x its compressed size: possible compression bomb, stopped", l.max_ratio)
    } else if cap == l.max_expanded.saturating_sub(cx.expanded) {
        format!("more than {} MiB expanded from one file: stopped", l.max_expanded >> 20)
    } else {
        format!("a member over {} MiB: stopped", l.max_member >> 20)
    };
    (SkipReason::LimitExceeded, why)
}

/// Read at most what the limits allow from a member of `compressed` bytes.
pub fn read_limited(r: impl Read, compressed: u64, cx: &mut Cx) -> Result<Vec<u8>, Refusal> {
    let cap = cap_for(compressed, cx);
    let mut out = Vec::new();
    r.take(cap + 1).read_to_end(&mut out).map_err(|e| (SkipReason::Malformed, format!("cannot decompress: {e}")))?;
    if out.len() as u64 > cap {
        return Err(past_cap(compressed, cx));
    }
    cx.expanded += out.len() as u64;
    Ok(out)
}

/// A `Write` that refuses bytes past its cap: for decoders that push their
/// output (xz) rather than being read from.
struct Capped {
    out: Vec<u8>,
    cap: u64,
    over: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() as u64 + buf.len() as u64 > self.cap {
            self.over = true;
            return Err(std::io::Error::other("past the expansion cap"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
    if za.index_for_name("xl/workbook.bin").is_some() {
        drop(za);
        return super::sheets::xlsb(bytes, cx, emit);
    }
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

/// The first bytes of a 7z archive.
pub const SEVENZ_MAGIC: &[u8] = b"7z\xBC\xAF\x27\x1C";

/// The most memory the 7z reader may give one header buffer or one
/// decoder's dictionary (KiB): 7-Zip's own "ultra" level uses 64 MiB, so
/// 256 MiB reads every archive 7-Zip writes by default while a header that
/// declares gigabytes is refused before anything is allocated.
const SEVENZ_MEMORY_KIB: usize = 256 * 1024;

/// A 7z archive: members decoded one after another (a solid block can
/// only be read in order), each through its own extractor under the same
/// limits as zip members. The ratio guard counts against the whole
/// archive's size, as a solid block has no per-member compressed size.
/// Encrypted content is reported, not decrypted (the AES feature is off).
pub fn sevenz(bytes: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) -> Result<&'static str, Refusal> {
    use sevenz_rust2::{ArchiveReader, EntryDecision, Password};
    if let Some(r) = too_deep(cx) {
        return Err(r);
    }
    let unreadable = |e: sevenz_rust2::Error| match e {
        sevenz_rust2::Error::UnsupportedCompressionMethod(m) if m.to_ascii_uppercase().contains("AES") => {
            (SkipReason::Encrypted, "password-protected 7z".to_string())
        }
        sevenz_rust2::Error::PasswordRequired | sevenz_rust2::Error::MaybeBadPassword(_) => {
            (SkipReason::Encrypted, "password-protected 7z".to_string())
        }
        sevenz_rust2::Error::MaxMemLimited { .. } => (
            SkipReason::LimitExceeded,
            format!("7z needs more than {} MiB to decode: refused", SEVENZ_MEMORY_KIB >> 10),
        ),
        e => (SkipReason::Malformed, format!("7z: {e}")),
    };
    let mut ar = ArchiveReader::new_with_memory_limit(Cursor::new(bytes), Password::empty(), SEVENZ_MEMORY_KIB)
        .map_err(unreadable)?;
    ar.set_thread_count(1);
    let archive = ar.archive();
    let files: Vec<usize> = (0..archive.files.len()).filter(|&i| !archive.files[i].is_directory).collect();
    let encrypted: std::collections::HashSet<String> =
        files.iter().filter(|&&i| archive.is_file_encrypted(i)).map(|&i| archive.files[i].name.clone()).collect();
    if !files.is_empty() && encrypted.len() == files.len() {
        return Err((SkipReason::Encrypted, format!("all {} member(s) are password-protected", files.len())));
    }
    for name in &encrypted {
        cx.problems.push(Problem {
            member: name.clone(),
            reason: SkipReason::Encrypted,
            detail: "password-protected".into(),
        });
    }
    let packed = bytes.len() as u64;
    let mut stop: Option<Refusal> = None;
    let r = ar.for_each_entries_with_decision(|entry, reader| {
        if entry.is_directory || !entry.has_stream {
            return Ok(EntryDecision::Continue);
        }
        if encrypted.contains(&entry.name) {
            return Ok(EntryDecision::SkipBlock);
        }
        let data = read_limited(reader, packed, cx);
        // A member that could not be decoded leaves its solid block
        // unreadable past it; later blocks are still read.
        let broken = matches!(data, Err((SkipReason::Malformed, _)));
        match take(entry.name.clone(), data, cx, emit) {
            Ok(()) if broken => Ok(EntryDecision::SkipBlock),
            Ok(()) => Ok(EntryDecision::Continue),
            Err(r) => {
                stop = Some(r);
                Ok(EntryDecision::Stop)
            }
        }
    });
    if let Some(r) = stop {
        return Err(r);
    }
    if let Err(e) = r {
        let (reason, detail) = unreadable(e);
        cx.problems.push(Problem { member: "(rest)".into(), reason, detail });
    }
    Ok("7z")
}

/// Which single-stream compressor a file is (`.gz`, `.xz`, `.bz2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compressed {
    /// gzip (`.gz`, `.tgz`).
    Gzip,
    /// xz (`.xz`, `.txz`).
    Xz,
    /// bzip2 (`.bz2`, `.tbz2`, `.tbz`).
    Bzip2,
}

impl Compressed {
    /// The compressor of these bytes, by magic number.
    pub fn sniff(bytes: &[u8]) -> Option<Compressed> {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            Some(Compressed::Gzip)
        } else if bytes.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
            Some(Compressed::Xz)
        } else if bytes.len() >= 10
            && bytes.starts_with(b"BZh")
            && (b'1'..=b'9').contains(&bytes[3])
            && (bytes[4..10] == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]
                || bytes[4..10] == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90])
        {
            Some(Compressed::Bzip2)
        } else {
            None
        }
    }

    fn label(self) -> &'static str {
        match self {
            Compressed::Gzip => "gzip",
            Compressed::Xz => "xz",
            Compressed::Bzip2 => "bzip2",
        }
    }

    /// The name of what is inside: `a.tar.gz` → `a.tar`, `a.tgz` → `a.tar`.
    pub fn inner_name(self, name: &str) -> String {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let (tar_exts, own): (&[&str], &[&str]) = match self {
            Compressed::Gzip => (&["tgz"], &["gz", "gzip"]),
            Compressed::Xz => (&["txz"], &["xz"]),
            Compressed::Bzip2 => (&["tbz2", "tbz"], &["bz2", "bzip2"]),
        };
        match base.rsplit_once('.') {
            Some((stem, e)) if tar_exts.iter().any(|t| e.eq_ignore_ascii_case(t)) => format!("{stem}.tar"),
            Some((stem, e)) if own.iter().any(|t| e.eq_ignore_ascii_case(t)) => stem.to_string(),
            _ => format!("{base}.out"),
        }
    }
}

/// A compressed file: decompressed under the limits and read as the file
/// it holds (`.tar.gz`, `.tar.xz`, `.tar.bz2`, `.csv.gz`...).
pub fn decompress(
    kind: Compressed,
    name: &str,
    bytes: &[u8],
    cx: &mut Cx,
    emit: &mut dyn FnMut(Segment<'_>),
) -> Result<&'static str, Refusal> {
    if let Some(r) = too_deep(cx) {
        return Err(r);
    }
    let packed = bytes.len() as u64;
    let data = match kind {
        Compressed::Gzip => read_limited(flate2::read::MultiGzDecoder::new(bytes), packed, cx)?,
        Compressed::Bzip2 => read_limited(bzip2::read::MultiBzDecoder::new(bytes), packed, cx)?,
        Compressed::Xz => {
            let mut w = Capped { out: Vec::new(), cap: cap_for(packed, cx), over: false };
            let r = lzma_rs::xz_decompress(&mut std::io::BufReader::new(bytes), &mut w);
            if w.over {
                return Err(past_cap(packed, cx));
            }
            r.map_err(|e| (SkipReason::Malformed, format!("cannot decompress: {e}")))?;
            cx.expanded += w.out.len() as u64;
            w.out
        }
    };
    member(&kind.inner_name(name), &data, cx, emit)?;
    Ok(kind.label())
}

/// A tar archive.
pub fn tar(_name: &str, bytes: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) -> Result<&'static str, Refusal> {
    if let Some(r) = too_deep(cx) {
        return Err(r);
    }
    let mut ar = tar::Archive::new(bytes);
    // Read to the real end: archives appended with `tar -A` or `cat` carry
    // end-of-archive blocks in the middle.
    ar.set_ignore_zeros(true);
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

/// Whether `bytes` are a tar archive: the POSIX `ustar` magic, or an old
/// (v7) header named `.tar` whose checksum is right.
pub fn is_tar(bytes: &[u8], ext: &str) -> bool {
    if bytes.len() >= 512 && &bytes[257..262] == b"ustar" {
        return true;
    }
    if ext != "tar" || bytes.len() < 512 {
        return false;
    }
    let h = &bytes[..512];
    let field = std::str::from_utf8(&h[148..156]).unwrap_or("");
    let Ok(want) = u32::from_str_radix(field.trim_matches(|c: char| c == ' ' || c == '\0'), 8) else {
        return false;
    };
    let sum: u32 = h.iter().enumerate().map(|(i, &b)| if (148..156).contains(&i) { 32 } else { b as u32 }).sum();
    sum == want && h[0] != 0
}

/// Whether `bytes` are a zip after a prefix (a self-extracting `.exe`, a
/// script with an archive appended): the end-of-central-directory record
/// is near the end, and the file is named as a zip or starts as an
/// executable does.
pub fn is_prefixed_zip(bytes: &[u8], ext: &str) -> bool {
    let named = matches!(ext, "zip" | "exe" | "jar" | "sfx") || bytes.starts_with(b"MZ") || bytes.starts_with(b"#!");
    if !named || bytes.len() < 22 {
        return false;
    }
    // The record is 22 bytes plus a comment of at most 65,535.
    let tail = &bytes[bytes.len().saturating_sub(22 + 65_535)..];
    memchr::memmem::rfind(tail, b"PK\x05\x06").is_some()
}
