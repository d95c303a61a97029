//! Redaction inside tar archives and single-stream compressed files
//! (`.gz`, `.bz2`, `.xz`, and so `.tar.gz`, `.tar.bz2`, `.tar.xz`).
//!
//! A **tar** member holding findings is redacted as a file of its own
//! ([`container::member`]: scanned again, then redacted at its offsets or
//! inside it); its header is kept byte for byte except the size and the
//! checksum, which are written again; every other header and member, and
//! whatever follows the last one (end blocks, a joined archive's second
//! half), is copied as it is. A member whose size a PAX or GNU record
//! states elsewhere, a sparse member, or a name used twice refuses the
//! archive: its bytes would not be where the header says.
//!
//! A **compressed** file is decompressed, what it holds redacted as a file
//! of its own (named as the extractor names it: `logs.tar.gz` holds
//! `logs.tar`), and compressed again with the same compressor; a gzip
//! header keeps its file name, time, comment and operating system.

use std::io::{Read, Write};

use super::container::{self, first_member, Context};
use crate::extract::archive::Compressed;
use crate::outcome::FileOutcome;

/// The tar archive `bytes` with `o`'s findings redacted.
pub(super) fn tar(bytes: &[u8], o: &FileOutcome, cx: &mut Context<'_, '_>, depth: usize) -> Result<Vec<u8>, String> {
    let (drop, mut wanted) = cx.unreadable(o)?;
    for f in &o.findings {
        wanted.insert(first_member(f).ok_or("a finding in a tar archive outside its members")?);
    }
    let mut ar = tar::Archive::new(bytes);
    ar.set_ignore_zeros(true);
    let mut seen = std::collections::BTreeSet::new();
    // (header start, data end padded to 512, new header and data).
    let mut edits: Vec<container::Edit> = Vec::new();
    for entry in ar.entries().map_err(|e| format!("tar: {e}"))? {
        let mut entry = entry.map_err(|e| format!("tar: {e}"))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path().map(|p| p.display().to_string()).unwrap_or_else(|_| "?".into());
        if !seen.insert(name.clone()) && (wanted.contains(&name) || drop.contains_key(&name)) {
            return Err(format!("member {name}: its name is used twice: not rewritten"));
        }
        let (head, start, size) =
            (entry.raw_header_position() as usize, entry.raw_file_position() as usize, entry.size());
        // Where the member's data ends, padded to a block.
        let end = (start + (size as usize).div_ceil(512) * 512).min(bytes.len());
        if let Some(reason) = drop.get(&name) {
            let mtime = entry.header().mtime().unwrap_or(0);
            edits.push((head, end, placeholder_entry(&name, reason, mtime)?));
            continue;
        }
        if !wanted.contains(&name) {
            continue;
        }
        // The size must be the one in the header block right before the data:
        // no PAX or GNU record elsewhere saying otherwise, no sparse map.
        let h = bytes.get(head..head + 512).ok_or("tar: a header past the end")?;
        let pax_size = match entry.pax_extensions() {
            Ok(Some(pax)) => pax.flatten().any(|x| x.key() == Ok("size")),
            Ok(None) => false,
            Err(_) => true,
        };
        if pax_size {
            return Err(format!("member {name}: a PAX record states its size: not rewritten"));
        }
        if start != head + 512 || header_size(h) != Some(size) || entry.header().entry_type().is_gnu_sparse() {
            return Err(format!(
                "member {name}: its size is not in its own header (PAX, GNU or sparse): not rewritten"
            ));
        }
        let mut data = Vec::with_capacity(size as usize);
        entry.read_to_end(&mut data).map_err(|e| format!("tar: {e}"))?;
        let new = container::member(&name, &name, &data, cx, depth)?;
        let mut block = h.to_vec();
        set_size(&mut block, new.len() as u64).ok_or_else(|| format!("member {name}: too large for its header"))?;
        block.extend_from_slice(&new);
        block.resize(block.len().div_ceil(512) * 512, 0);
        edits.push((head, end, block));
    }
    if let Some(m) = wanted.iter().chain(drop.keys()).find(|m| !seen.contains(*m)) {
        return Err(format!("member {m}: not found again in the archive"));
    }
    Ok(container::apply(bytes, edits))
}

/// The tar entry (header blocks and padded data) of the placeholder for
/// member `name`, removed for `reason`.
fn placeholder_entry(name: &str, reason: &str, mtime: u64) -> Result<Vec<u8>, String> {
    let text = container::placeholder(name, reason);
    let mut h = tar::Header::new_gnu();
    h.set_size(text.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(mtime);
    h.set_entry_type(tar::EntryType::Regular);
    let mut b = tar::Builder::new(Vec::new());
    b.append_data(&mut h, container::placeholder_name(name), text.as_slice()).map_err(|e| format!("tar: {e}"))?;
    // Without the end-of-archive blocks `into_inner` would add.
    Ok(b.get_ref().clone())
}

/// The size field of a ustar/v7 header, when it is octal (not base-256).
fn header_size(h: &[u8]) -> Option<u64> {
    let field = std::str::from_utf8(&h[124..136]).ok()?;
    u64::from_str_radix(field.trim_matches(|c: char| c == ' ' || c == '\0'), 8).ok()
}

/// Write `size` into a header's size field (11 octal digits and a NUL) and
/// the checksum again; `None` past what 11 octal digits hold (8 GiB).
fn set_size(h: &mut [u8], size: u64) -> Option<()> {
    if size >= 1 << 33 {
        return None;
    }
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[148..156].fill(b' ');
    let sum: u32 = h[..512].iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    Some(())
}

/// The compressed file `bytes` (named `name`) with `o`'s findings redacted
/// in what it holds.
pub(super) fn compressed(
    kind: Compressed,
    name: &str,
    bytes: &[u8],
    o: &FileOutcome,
    cx: &mut Context<'_, '_>,
    depth: usize,
) -> Result<Vec<u8>, String> {
    let inner = kind.inner_name(name);
    if o.findings.iter().any(|f| first_member(f).as_deref() != Some(inner.as_str())) {
        return Err(format!("a finding outside {inner}: not rewritten"));
    }
    let err = |e: std::io::Error| format!("{inner}: {e}");
    let mut data = Vec::new();
    match kind {
        Compressed::Gzip => {
            // The first member's header; every member's data (concatenated
            // members are one file to readers, so written back as one).
            let mut d = flate2::read::GzDecoder::new(bytes);
            let _ = d.read(&mut [0u8; 1]).map_err(err)?;
            let header = d.header().cloned().ok_or("gzip: no header")?;
            flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut data).map_err(err)?;
            let new = container::member(&inner, &inner, &data, cx, depth)?;
            let mut b = flate2::GzBuilder::new().mtime(header.mtime()).operating_system(header.operating_system());
            if let Some(x) = header.extra() {
                b = b.extra(x);
            }
            if let Some(n) = header.filename() {
                b = b.filename(n);
            }
            if let Some(c) = header.comment() {
                b = b.comment(c);
            }
            let mut w = b.write(Vec::new(), flate2::Compression::default());
            w.write_all(&new).map_err(err)?;
            w.finish().map_err(err)
        }
        Compressed::Bzip2 => {
            bzip2::read::MultiBzDecoder::new(bytes).read_to_end(&mut data).map_err(err)?;
            let new = container::member(&inner, &inner, &data, cx, depth)?;
            let level = bytes.get(3).map_or(9, |b| b.saturating_sub(b'0')).clamp(1, 9);
            let mut w = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(level as u32));
            w.write_all(&new).map_err(err)?;
            w.finish().map_err(err)
        }
        Compressed::Xz => {
            lzma_rs::xz_decompress(&mut std::io::BufReader::new(bytes), &mut data).map_err(|e| format!("xz: {e}"))?;
            let new = container::member(&inner, &inner, &data, cx, depth)?;
            let mut out = Vec::new();
            lzma_rs::xz_compress(&mut std::io::BufReader::new(new.as_slice()), &mut out).map_err(err)?;
            Ok(out)
        }
    }
}
