//! Word-level helpers of the name detector: the tokenizer's byte classes,
//! lower-casing and packing a word for hash look-ups, and the tests on the
//! bytes around a word (glued to an address, a masked word in a gap).

pub(super) fn words_of(tsv: &str) -> impl Iterator<Item = &str> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').next())
        .map(str::trim)
}

/// A word of letters (any script) that opens with one, with `'`, `-` and
/// `.` inside: the shape of a part of a name written in a cell.
pub(crate) fn letters_word(w: &[u8]) -> bool {
    w.first().is_some_and(|&b| b.is_ascii_alphabetic() || b >= 0x80)
        && w.iter().all(|&b| b.is_ascii_alphabetic() || b >= 0x80 || matches!(b, b'\'' | b'-' | b'.'))
}

/// The last word of a cue, lower-cased, as [`NameDetector::cue_end_before`]
/// finds it in text: trailing punctuation dropped, then the letters and
/// apostrophes before it (no leading apostrophe). `None` when that is empty
/// or the cue ends in a digit.
pub(super) fn cue_key(cue: &str) -> Option<String> {
    let c = cue.to_ascii_lowercase();
    let t = c.trim_end_matches(|ch: char| !ch.is_ascii_alphanumeric());
    let start = t
        .char_indices()
        .rev()
        .find(|&(_, ch)| !(ch.is_ascii_alphabetic() || ch == '\''))
        .map_or(0, |(p, ch)| p + ch.len_utf8());
    let w = t[start..].trim_start_matches('\'');
    (!w.is_empty() && t.ends_with(|ch: char| ch.is_ascii_alphabetic())).then(|| w.to_string())
}

/// `word` lower-cased into `buf`, without allocating (a lookup per candidate
/// name); `None` when it does not fit or is not UTF-8.
pub(super) fn lower_into<'b>(word: &[u8], buf: &'b mut [u8; 24]) -> Option<&'b str> {
    let dst = buf.get_mut(..word.len())?;
    dst.copy_from_slice(word);
    dst.make_ascii_lowercase();
    std::str::from_utf8(dst).ok()
}

/// A word of at most 16 bytes, lower-cased, as one integer (zero-padded:
/// no word holds a NUL byte).
///
/// Built from two overlapping loads rather than a copy into a buffer: the
/// copy's narrow stores and the wide load after them defeat store
/// forwarding, which stalled this function (7% of a prose scan).
pub(super) fn pack16(word: &[u8]) -> Option<u128> {
    let n = word.len();
    let u64_at = |i: usize| u64::from_le_bytes(word[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |i: usize| u32::from_le_bytes(word[i..i + 4].try_into().expect("4 bytes"));
    // The second load ends at the word's end; shifting out the bytes it
    // shares with the first leaves bytes 8.. (or 4..) of the word.
    let (lo, hi) = match n {
        17.. => return None,
        8.. => (u64_at(0), u64_at(n - 8).checked_shr(8 * (16 - n) as u32).unwrap_or(0)),
        4.. => {
            let tail = u32_at(n - 4).checked_shr(8 * (8 - n) as u32).unwrap_or(0);
            (u64::from(u32_at(0)) | u64::from(tail) << 32, 0)
        }
        _ => (word.iter().rev().fold(0, |v, &b| v << 8 | u64::from(b)), 0),
    };
    Some(u128::from(ascii_lower8(lo)) | u128::from(ascii_lower8(hi)) << 64)
}

/// `make_ascii_lowercase` on the eight bytes of a word at once: the bytes
/// strictly between `@` and `[` (A-Z) get 0x20.
fn ascii_lower8(w: u64) -> u64 {
    w | super::super::bytes_between(w, 0x40, 0x5b) >> 2
}

/// A word starting at `start` is glued to what comes before it: an email
/// address or URL, digits (`ha9` of a postcode, `jane2` of a user name), a
/// redaction placeholder or mask (`nor[EMAIL]`, `nor**.***@`: what is left
/// of a damaged address), or a sigil or bracket of code (`$Ty`, `<Ty>`,
/// `&Val`, `#name`, a Markdown code span).
pub(super) fn glued_before(hay: &[u8], start: usize) -> bool {
    start > 0
        && matches!(
            hay[start - 1],
            b'@' | b'.' | b'/' | b'_' | b'\\' | b']' | b'*' | b'$' | b'<' | b'&' | b'#' | b'`' | b'0'..=b'9'
        )
}

/// A word ending at `end` is glued to what follows it (see [`glued_before`]).
pub(super) fn glued_after(hay: &[u8], end: usize) -> bool {
    end < hay.len()
        && (matches!(hay[end], b'@' | b'_' | b'[' | b'*' | b'`' | b'\\' | b'0'..=b'9')
            || (hay[end] == b':' && hay.get(end + 1) == Some(&b':'))
            || (matches!(hay[end], b'.' | b'/') && hay.get(end + 1).is_some_and(u8::is_ascii_alphanumeric)))
}

/// Whether the punctuation between a cue and a word holds a masked word
/// (the mask style's output): then the cue was for the value the mask
/// hides, not for the word after it. A masked word is `***`, a run of two or
/// more `*`, or a blank-separated token starting with `*` before the word
/// (`Dear **# Scott`, `It's ***** ling`, `From: "***?Fletcher"`). Markdown
/// bold after a cue (`**Name:** Jo`) is none: its `**` follows the cue.
pub(super) fn masked_gap(gap: &[u8]) -> bool {
    // The tokens with a blank after them: all but the one touching the word.
    let before_last_blank = gap.iter().rposition(u8::is_ascii_whitespace).map_or(&gap[..0], |p| &gap[..p]);
    gap.windows(3).any(|w| w == b"***")
        || gap.split(u8::is_ascii_whitespace).any(|t| t.len() >= 2 && t.iter().all(|&b| b == b'*'))
        || before_last_blank.split(u8::is_ascii_whitespace).any(|t| t.first() == Some(&b'*'))
}

/// Byte classes for the tokenizer: word byte, upper, lower, mark (`'`/`-`), non-ASCII.
pub(super) const B_WORD: u8 = 1;
pub(super) const B_UPPER: u8 = 2;
pub(super) const B_LOWER: u8 = 4;
pub(super) const B_MARK: u8 = 8;
pub(super) const B_HIGH: u8 = 16;

const fn byte_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b.is_ascii_uppercase() {
            B_WORD | B_UPPER
        } else if b.is_ascii_lowercase() {
            B_WORD | B_LOWER
        } else if b >= 0x80 {
            B_WORD | B_HIGH
        } else if b == b'\'' || b == b'-' {
            B_MARK
        } else {
            0
        };
        i += 1;
    }
    t
}

pub(super) static CLASS: [u8; 256] = byte_classes();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack16_is_the_lower_cased_word_zero_padded() {
        let plain = |w: &[u8]| {
            let mut buf = [0u8; 16];
            buf.get_mut(..w.len())?.copy_from_slice(w);
            buf.make_ascii_lowercase();
            Some(u128::from_le_bytes(buf))
        };
        let mut rnd = crate::testing::rng(0x9e37_79b9_7f4a_7c15);
        let alphabet = b"AaZz@[`{09'-\x80\xc3\xff_Mm";
        for len in 0..=18 {
            for _ in 0..300 {
                let w: Vec<u8> = (0..len).map(|_| alphabet[(rnd() % alphabet.len() as u64) as usize]).collect();
                assert_eq!(pack16(&w), plain(&w), "{w:?}");
            }
        }
        for b in 0..=255u8 {
            assert_eq!(pack16(&[b; 9]), plain(&[b; 9]), "byte {b:#x}");
        }
    }

    #[test]
    fn cue_keys_read_the_last_word() {
        assert_eq!(cue_key("next_of_kin").as_deref(), Some("kin"));
        assert_eq!(cue_key("It's").as_deref(), Some("it's"));
        assert_eq!(cue_key("name:").as_deref(), Some("name"));
        assert_eq!(cue_key("éname").as_deref(), Some("name"));
        assert_eq!(cue_key("line2"), None);
        // As in text: the gate reads ASCII letters only, on both sides.
        assert_eq!(cue_key("café").as_deref(), Some("caf"));
        assert_eq!(cue_key("é"), None);
    }
}
