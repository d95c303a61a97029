//! Text encodings: UTF-8 as stored; UTF-16 with a BOM (Excel's "Unicode
//! text") and legacy single-byte text (Windows-1252, a superset of the
//! printable Latin-1) transcoded to UTF-8 with a map back to file offsets.
//!
//! Windows-1252 is assumed only when the bytes are not valid UTF-8, have no
//! NUL, and have bytes above 0x7F that are not UTF-8 sequences: a CSV written
//! by an old Windows tool (`Zoë` as one byte `0xEB`). Anything else that is
//! not valid UTF-8 is scanned as bytes (ASCII data in it is still found).

use crate::offsets::OffsetMap;
use std::borrow::Cow;

use super::Refusal;
use crate::outcome::SkipReason;
use crate::read::{self, TextEncoding};

/// Decoded text.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// UTF-8 (or raw bytes).
    pub text: Cow<'a, [u8]>,
    /// File offset per text byte (+ end), when transcoded.
    pub map: Option<OffsetMap>,
    /// Encoding name for reports.
    pub encoding: &'static str,
}

/// Legacy decoding only for files up to this size (the map costs 8 bytes
/// per text byte); larger ones are scanned as bytes.
const LEGACY_MAX: usize = 64 << 20;

/// Decode `bytes`; binary content (NUL in the first 8 KiB, no BOM) is
/// refused unless `explicit`.
///
/// `release(pos)` is told as the UTF-8 check passes `pos`.
pub fn decode<'a>(bytes: &'a [u8], explicit: bool, release: &dyn Fn(usize)) -> Result<Decoded<'a>, Refusal> {
    match read::sniff_encoding(bytes) {
        enc @ (TextEncoding::Utf16Le | TextEncoding::Utf16Be) => {
            let t = read::transcode_utf16(bytes, enc);
            Ok(Decoded { text: Cow::Owned(t.text), map: Some(t.map), encoding: enc.name() })
        }
        TextEncoding::Bytes => {
            if read::looks_binary(bytes) {
                if !explicit {
                    return Err((SkipReason::Binary, String::new()));
                }
                return Ok(Decoded { text: Cow::Borrowed(bytes), map: None, encoding: "binary" });
            }
            if bytes.len() <= LEGACY_MAX && !is_utf8(bytes, release) {
                if let Some(enc) =
                    declared(bytes).filter(|e| *e != encoding_rs::WINDOWS_1252 && *e != encoding_rs::UTF_8)
                {
                    let (text, map) = transcode(bytes, enc);
                    return Ok(Decoded { text: Cow::Owned(text), map: Some(map), encoding: enc.name() });
                }
                let (text, map) = windows_1252(bytes);
                return Ok(Decoded { text: Cow::Owned(text), map: Some(map), encoding: "windows-1252" });
            }
            Ok(Decoded { text: Cow::Borrowed(bytes), map: None, encoding: "utf-8" })
        }
    }
}

/// Whether `bytes` are valid UTF-8, checked a megabyte at a time (a
/// sequence cut by a chunk's end is carried over), telling `release`.
fn is_utf8(bytes: &[u8], release: &dyn Fn(usize)) -> bool {
    const CHUNK: usize = 1 << 20;
    let mut i = 0;
    while i < bytes.len() {
        let end = (i + CHUNK).min(bytes.len());
        match std::str::from_utf8(&bytes[i..end]) {
            Ok(_) => i = end,
            Err(e) if e.error_len().is_none() && end < bytes.len() && e.valid_up_to() > 0 => i += e.valid_up_to(),
            Err(_) => return false,
        }
        release(i);
    }
    true
}

/// The encoding a text declares near its start: an XML declaration
/// (`<?xml ... encoding="ISO-8859-2"?>`), an HTML `<meta charset=...>` or
/// `content="text/html; charset=..."`, an Emacs/Python coding line
/// (`coding: koi8-r`). Only consulted when the bytes are not UTF-8.
pub fn declared(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(2048)];
    for key in [&b"encoding="[..], b"charset=", b"coding:", b"coding="] {
        let mut from = 0;
        while let Some(i) = memchr::memmem::find(&head[from..], key) {
            let at = from + i + key.len();
            from = at;
            let rest = &head[at..];
            let rest = match rest.first() {
                Some(b'"' | b'\'') => &rest[1..],
                Some(b' ') => rest.trim_ascii_start(),
                _ => rest,
            };
            let end = rest
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')))
                .unwrap_or(rest.len());
            if let Some(e) = encoding_rs::Encoding::for_label_no_replacement(&rest[..end]) {
                return Some(e);
            }
        }
    }
    None
}

/// Any encoding → UTF-8 with a map back to file offsets: each output byte
/// maps to the first byte of the input sequence that produced it.
pub fn transcode(bytes: &[u8], enc: &'static encoding_rs::Encoding) -> (Vec<u8>, OffsetMap) {
    let mut dec = enc.new_decoder_without_bom_handling();
    let mut text = Vec::with_capacity(bytes.len() + bytes.len() / 4);
    let mut map = OffsetMap::new();
    let mut buf = [0u8; 64];
    let mut seq_start = 0usize;
    for i in 0..=bytes.len() {
        let last = i == bytes.len();
        let input = if last { &[][..] } else { &bytes[i..i + 1] };
        let (_, _, written, _) = dec.decode_to_utf8(input, &mut buf, last);
        if written > 0 {
            text.extend_from_slice(&buf[..written]);
            map.push_repeat(seq_start as u64, written);
            seq_start = i + 1;
        }
    }
    map.push(bytes.len() as u64);
    (text, map)
}

/// Windows-1252 → UTF-8, byte by byte (a single-byte encoding maps each byte
/// to one character), with the map.
pub fn windows_1252(bytes: &[u8]) -> (Vec<u8>, OffsetMap) {
    let mut text = Vec::with_capacity(bytes.len() + bytes.len() / 8);
    let mut map = OffsetMap::new();
    let mut one = [0u8; 4];
    for (i, &b) in bytes.iter().enumerate() {
        if b < 0x80 {
            text.push(b);
            map.push(i as u64);
            continue;
        }
        let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(std::slice::from_ref(&b));
        let c = s.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
        for &u in c.encode_utf8(&mut one).as_bytes() {
            text.push(u);
            map.push(i as u64);
        }
    }
    map.push(bytes.len() as u64);
    (text, map)
}

/// Compose a map from a segment's offsets to its base text's offsets
/// (`sub`) with the base's origin: the segment's map to the file.
pub fn compose(sub: impl IntoIterator<Item = usize>, base: &super::Origin) -> super::Origin {
    use super::Origin;
    match base {
        Origin::File => Origin::Map(sub.into_iter().map(|o| o as u64).collect()),
        Origin::Map(m) => Origin::Map(sub.into_iter().map(|o| m.get(o).unwrap_or(0)).collect()),
        // Findings inside a container keep the inner text's offsets: a
        // derived segment (spoken forms, joined cues) maps to them, or
        // every rewrite before a value would shift it.
        Origin::Inside => Origin::InsideMap(sub.into_iter().map(|o| o as u64).collect()),
        Origin::InsideMap(m) => Origin::InsideMap(sub.into_iter().map(|o| m.get(o).unwrap_or(0)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_text_maps_back() {
        let b = b"Zo\xeb Smith, zoe@example.org \x80 5";
        let d = decode(b, false, &|_| {}).unwrap();
        assert_eq!(d.encoding, "windows-1252");
        let t = std::str::from_utf8(&d.text).unwrap();
        assert!(t.starts_with("Zoë Smith"));
        assert!(t.contains('€'));
        let at = t.find("zoe@").unwrap();
        let m = d.map.unwrap();
        assert_eq!(&b[m.get(at).unwrap() as usize..m.get(at + 15).unwrap() as usize], b"zoe@example.org");
        assert_eq!(decode("plain é".as_bytes(), false, &|_| {}).unwrap().encoding, "utf-8");
        assert!(decode(b"\0\x01\x02", false, &|_| {}).is_err());
    }

    #[test]
    fn a_declared_charset_is_honoured() {
        // ISO-8859-2: 0xB3 is `ł` (in Windows-1252 it would be `³`).
        let b = b"<?xml version=\"1.0\" encoding=\"ISO-8859-2\"?><n>\xa3ukasz Kowalski \xb3</n>";
        let d = decode(b, false, &|_| {}).unwrap();
        assert_eq!(d.encoding, "ISO-8859-2");
        let t = std::str::from_utf8(&d.text).unwrap();
        assert!(t.contains("Łukasz Kowalski ł"), "{t}");
        let at = t.find("Kowalski").unwrap();
        let m = d.map.unwrap();
        assert_eq!(&b[m.get(at).unwrap() as usize..m.get(at + 8).unwrap() as usize], b"Kowalski");
        // Shift_JIS: two bytes a character, still mapped to the first.
        let sj = b"<meta charset=\"shift_jis\">\x93\xfa\x96\x7b jo@example.org";
        let d = decode(sj, false, &|_| {}).unwrap();
        assert_eq!(d.encoding, "Shift_JIS");
        let t = std::str::from_utf8(&d.text).unwrap();
        assert!(t.contains("日本 jo@example.org"), "{t}");
        let at = t.find("jo@").unwrap();
        assert_eq!(d.map.unwrap().get(at).unwrap() as usize, sj.len() - 14);
    }
}
