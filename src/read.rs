//! Reading one file's bytes: reused buffers for small files, memory maps for
//! large ones, binary sniffing, and UTF-16 transcoding with an offset map.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use memmap2::Mmap;

/// How many leading bytes are checked for NUL (as ripgrep does).
pub const BINARY_SNIFF: usize = 8 * 1024;

/// Files at least this large are memory-mapped (when mapping is enabled).
pub const MMAP_MIN: u64 = 4 * 1024 * 1024;

/// The bytes of one file.
pub enum Loaded {
    /// The first `len` bytes of the reader's reused buffer.
    Buffer(usize),
    /// A read-only memory map.
    Mapped(Mmap),
}

/// Reads files; one per worker thread, so its buffer is reused.
#[derive(Debug)]
pub struct FileReader {
    buf: Vec<u8>,
    use_mmap: bool,
}

impl FileReader {
    /// A reader; `use_mmap = false` always reads into the buffer.
    pub fn new(use_mmap: bool) -> FileReader {
        FileReader { buf: Vec::new(), use_mmap }
    }

    /// Load `path`, whose size is expected to be `size`.
    pub fn load(&mut self, path: &Path, size: u64) -> io::Result<Loaded> {
        let mut file = File::open(path)?;
        if self.use_mmap && size >= MMAP_MIN {
            // SAFETY: the map is read-only and private to this scan. If
            // another process truncates the file while it is mapped, reading
            // the lost pages raises SIGBUS; that is the documented risk of
            // mapping files (ripgrep takes it too), accepted for large files
            // only. If mapping fails we fall back to reading.
            if let Ok(map) = unsafe { Mmap::map(&file) } {
                let _ = map.advise(memmap2::Advice::Sequential);
                return Ok(Loaded::Mapped(map));
            }
        }
        self.buf.clear();
        // Cap the reservation: the size may have changed since the walk.
        self.buf.reserve(size.min(MMAP_MIN) as usize + 1);
        file.read_to_end(&mut self.buf)?;
        // Do not let one huge file keep a huge buffer alive for the rest of the run.
        if self.buf.capacity() > 4 * MMAP_MIN as usize && self.buf.len() < MMAP_MIN as usize {
            self.buf.shrink_to(MMAP_MIN as usize);
        }
        Ok(Loaded::Buffer(self.buf.len()))
    }

    /// The bytes of a loaded file.
    pub fn bytes<'a>(&'a self, loaded: &'a Loaded) -> &'a [u8] {
        match loaded {
            Loaded::Buffer(n) => &self.buf[..*n],
            Loaded::Mapped(m) => &m[..],
        }
    }
}

/// Tell the kernel we are done with `[from, to)` of a map, so a scan of a
/// file larger than memory keeps a bounded resident set.
pub fn release(map: &Mmap, from: usize, to: usize) {
    let page = 4096;
    let from = from.div_ceil(page) * page;
    let to = to / page * page;
    if to > from {
        // SAFETY: DontNeed on a read-only, file-backed private mapping only
        // drops our resident pages; later reads fault them back in from the
        // file, so the slice stays valid.
        let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from) };
    }
}

/// The text encoding of a file's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8, ASCII, or unknown bytes (scanned as bytes; invalid UTF-8 is fine).
    Bytes,
    /// UTF-16 little-endian with BOM.
    Utf16Le,
    /// UTF-16 big-endian with BOM.
    Utf16Be,
}

impl TextEncoding {
    /// Name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Bytes => "utf-8",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
        }
    }
}

/// Sniff the encoding from a BOM (via `encoding_rs`).
pub fn sniff_encoding(bytes: &[u8]) -> TextEncoding {
    match encoding_rs::Encoding::for_bom(bytes) {
        Some((enc, _)) if enc == encoding_rs::UTF_16LE => TextEncoding::Utf16Le,
        Some((enc, _)) if enc == encoding_rs::UTF_16BE => TextEncoding::Utf16Be,
        _ => TextEncoding::Bytes,
    }
}

/// Whether bytes look binary: a NUL byte in the first [`BINARY_SNIFF`] bytes.
pub fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_SNIFF)]).is_some()
}

/// UTF-16 text transcoded to UTF-8, with a map back to original offsets.
#[derive(Debug, Default)]
pub struct Transcoded {
    /// The UTF-8 text.
    pub text: Vec<u8>,
    /// `map[i]` is the file offset of the UTF-16 code unit(s) that produced
    /// text byte `i`; `map[text.len()]` is the end of the input.
    pub map: crate::offsets::OffsetMap,
}

impl Transcoded {
    /// Map a text span back to file offsets: (start of the first unit, end of the last).
    pub fn to_file(&self, start: usize, end: usize) -> (u64, u64) {
        (self.map.get(start).unwrap_or(0), self.map.get(end).unwrap_or(0))
    }
}

/// The UTF-16 code units of `bytes` (little- or big-endian); an odd
/// trailing byte is ignored.
pub fn utf16_units(bytes: &[u8], le: bool) -> impl Iterator<Item = u16> + '_ {
    bytes
        .chunks_exact(2)
        .map(move |c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
}

/// Transcode UTF-16 (after the BOM) to UTF-8 with an offset map.
/// Unpaired surrogates become U+FFFD, an odd trailing byte is ignored.
pub fn transcode_utf16(bytes: &[u8], enc: TextEncoding) -> Transcoded {
    let le = enc == TextEncoding::Utf16Le;
    let body = &bytes[2.min(bytes.len())..];
    let units = utf16_units(body, le);
    let mut out = Transcoded { text: Vec::with_capacity(body.len() / 2 + 16), map: Default::default() };
    let mut off: u64 = 2;
    let mut buf = [0u8; 4];
    for r in char::decode_utf16(units) {
        let (ch, width) = match r {
            Ok(c) => (c, c.len_utf16() as u64 * 2),
            Err(_) => (char::REPLACEMENT_CHARACTER, 2),
        };
        for &b in ch.encode_utf8(&mut buf).as_bytes() {
            out.text.push(b);
            out.map.push(off);
        }
        off += width;
    }
    out.map.push(off);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn utf16_map() {
        let s = "é a@b.uk";
        let mut bytes = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(sniff_encoding(&bytes), TextEncoding::Utf16Le);
        let t = transcode_utf16(&bytes, TextEncoding::Utf16Le);
        assert_eq!(t.text, s.as_bytes());
        let at = s.find('a').unwrap();
        // 'é' is 2 UTF-8 bytes but one UTF-16 unit: 'a' is unit 2, offset 2 + 2*2.
        assert_eq!(t.to_file(at, s.len()), (6, bytes.len() as u64));
    }
}
