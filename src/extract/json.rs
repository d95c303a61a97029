//! JSON and JSON Lines: locations as JSON pointers, escapes decoded.
//!
//! The file is scanned as stored (keys sit right before their values, so
//! `"dateOfBirth": "1982-03-14"` or `"msisdn": ...` give context through the
//! ordinary context window). A structural pass (strings and escapes honoured,
//! not a full parse: malformed input yields what was seen before the damage)
//! records where each value is, for `{"pointer": "/customers/3/email"}` (in
//! JSON Lines also `"record": n`), and every string holding a backslash
//! escape is decoded into an extra segment with a map back to the file, so
//! `jane\u0040example.com` is found with the span of its escaped form.
//!
//! Speech transcripts in JSON (Whisper-style `segments[{start, end, text}]`,
//! Amazon-Transcribe-style `results.items[{start_time, end_time}]` and
//! `results.audio_segments[{start_time, end_time, transcript}]`) add the
//! cue's `time` to each finding, and consecutive segments are also scanned
//! joined, so a value split over two of them is found (both pieces).

use std::borrow::Cow;

use serde_json::{json, Value};

use super::text::compose;
use super::{Locator, Origin, Segment};

/// Where each value is.
#[derive(Debug, Default)]
pub struct JsonIndex {
    /// (start, end, pointer, record) of every scalar value, by start.
    values: Vec<(usize, usize, String, usize)>,
    /// Several top-level values (JSON Lines).
    lines: bool,
    /// Transcript times by pointer prefix (`/segments/3`).
    times: Vec<(String, f64, f64)>,
    /// The objects that are elements of the outermost array of objects
    /// (`/customers/3`): (start, end, pointer). A subject request weighs
    /// evidence per such record.
    pub records: Vec<(usize, usize, String)>,
}

impl JsonIndex {
    /// Several top-level values (JSON Lines).
    pub fn is_lines(&self) -> bool {
        self.lines
    }

    /// A speech transcript (segments with times).
    pub fn is_transcript(&self) -> bool {
        !self.times.is_empty()
    }
}

impl JsonIndex {
    /// The location of `pos`.
    pub fn at(&self, pos: usize) -> Option<Value> {
        let i = self.values.partition_point(|v| v.0 <= pos);
        let (s, e, p, rec) = self.values.get(i.checked_sub(1)?)?;
        if pos < *s || pos >= *e {
            return None;
        }
        let shown = if p.split('/').any(super::looks_like_value) {
            p.split('/').map(super::shown_name).collect::<Vec<_>>().join("/")
        } else {
            p.clone()
        };
        let mut v = json!({ "pointer": shown });
        if self.lines {
            v["record"] = json!(rec + 1);
        }
        if let Some((_, t0, t1)) =
            self.times.iter().find(|(pre, _, _)| p.starts_with(pre.as_str()) && p[pre.len()..].starts_with('/'))
        {
            v["time"] = json!({ "start": t0, "end": t1 });
        }
        Some(v)
    }
}

/// A string value: its span (quotes excluded) and whether it has escapes.
struct Str {
    start: usize,
    end: usize,
    escaped: bool,
    pointer: String,
}

/// Scan the structure: every scalar's span and pointer.
fn index(text: &[u8]) -> (JsonIndex, Vec<Str>) {
    #[derive(Debug)]
    struct Frame {
        array: bool,
        index: usize,
        key: String,
    }
    let mut ix = JsonIndex::default();
    let mut strings = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut record = 0usize;
    let mut tops = 0usize;
    let mut expect_key = false;
    // Depth, start and pointer of the record object open now.
    let mut open: Option<(usize, usize, String)> = None;
    let mut i = 0;
    let pointer = |stack: &[Frame]| {
        let mut p = String::new();
        for f in stack {
            p.push('/');
            if f.array {
                p.push_str(&f.index.to_string());
            } else {
                p.push_str(&f.key.replace('~', "~0").replace('/', "~1"));
            }
        }
        p
    };
    while i < text.len() {
        let c = text[i];
        match c {
            b'"' => {
                let s = i + 1;
                let mut escaped = false;
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    if text[i] == b'\\' {
                        escaped = true;
                        i += 1;
                    }
                    i += 1;
                }
                let e = i.min(text.len());
                if expect_key && stack.last().is_some_and(|f| !f.array) {
                    if let Some(f) = stack.last_mut() {
                        f.key = String::from_utf8_lossy(&text[s..e]).into_owned();
                    }
                    expect_key = false;
                } else {
                    let p = pointer(&stack);
                    ix.values.push((s, e, p.clone(), record));
                    strings.push(Str { start: s, end: e, escaped, pointer: p });
                }
            }
            b'{' | b'[' => {
                if stack.is_empty() {
                    tops += 1;
                    record = tops - 1;
                }
                if c == b'{' && open.is_none() && stack.last().is_some_and(|f| f.array) {
                    open = Some((stack.len(), i, pointer(&stack)));
                }
                stack.push(Frame { array: c == b'[', index: 0, key: String::new() });
                expect_key = c == b'{';
            }
            b'}' | b']' => {
                stack.pop();
                if open.as_ref().is_some_and(|(depth, ..)| stack.len() == *depth) {
                    if let Some((_, s, p)) = open.take() {
                        ix.records.push((s, i + 1, p));
                    }
                }
            }
            b',' => {
                if let Some(f) = stack.last_mut() {
                    if f.array {
                        f.index += 1;
                    } else {
                        expect_key = true;
                    }
                }
            }
            b':' => expect_key = false,
            b'-' | b'0'..=b'9' => {
                let s = i;
                while i + 1 < text.len() && matches!(text[i + 1], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    i += 1;
                }
                ix.values.push((s, i + 1, pointer(&stack), record));
            }
            _ => {}
        }
        i += 1;
    }
    ix.lines = tops > 1;
    (ix, strings)
}

/// Decode a JSON string body (without quotes) with a map: `out[k]` came
/// from `body[map[k]]`.
fn unescape(body: &[u8]) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::with_capacity(body.len());
    let mut map = Vec::with_capacity(body.len() + 1);
    let mut i = 0;
    let mut buf = [0u8; 4];
    while i < body.len() {
        if body[i] != b'\\' || i + 1 >= body.len() {
            out.push(body[i]);
            map.push(i);
            i += 1;
            continue;
        }
        let (ch, len): (Option<char>, usize) = match body[i + 1] {
            b'n' => (Some('\n'), 2),
            b't' => (Some('\t'), 2),
            b'r' => (Some('\r'), 2),
            b'b' | b'f' => (Some(' '), 2),
            b'u' => {
                let hex = |at: usize| {
                    body.get(at..at + 4)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                };
                match hex(i + 2) {
                    Some(hi @ 0xD800..=0xDBFF) if body.get(i + 6..i + 8) == Some(b"\\u") => match hex(i + 8) {
                        Some(lo @ 0xDC00..=0xDFFF) => {
                            (char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)), 12)
                        }
                        _ => (Some(char::REPLACEMENT_CHARACTER), 6),
                    },
                    Some(u) => (Some(char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER)), 6),
                    None => (None, 2),
                }
            }
            other => (Some(other as char), 2),
        };
        let len = len.min(body.len() - i);
        if let Some(c) = ch {
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                out.push(b);
                map.push(i);
            }
        }
        i += len;
    }
    map.push(body.len());
    (out, map)
}

/// Transcript segment times, if the document is a transcript.
fn transcript_times(text: &[u8]) -> Vec<(String, f64, f64)> {
    let head = &text[..text.len().min(4096)];
    let has = |k: &[u8]| memchr::memmem::find(head, k).is_some();
    if !(has(b"\"segments\"") || has(b"\"results\"")) || text.len() > 64 << 20 {
        return Vec::new();
    }
    let Ok(v) = serde_json::from_slice::<Value>(text) else { return Vec::new() };
    let num = |x: &Value| x.as_f64().or_else(|| x.as_str().and_then(|s| s.parse().ok()));
    let mut out = Vec::new();
    let mut add = |prefix: &str, list: Option<&Value>, s: &str, e: &str| {
        for (k, seg) in list.and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let (Some(a), Some(b)) = (seg.get(s).and_then(num), seg.get(e).and_then(num)) {
                out.push((format!("{prefix}/{k}"), a, b));
            }
        }
    };
    add("/segments", v.get("segments"), "start", "end");
    let r = v.get("results");
    add("/results/items", r.and_then(|r| r.get("items")), "start_time", "end_time");
    add("/results/audio_segments", r.and_then(|r| r.get("audio_segments")), "start_time", "end_time");
    out
}

/// Extract JSON or JSON Lines text.
pub fn extract(t: Cow<'_, [u8]>, origin: Origin, emit: &mut dyn FnMut(Segment<'_>)) -> &'static str {
    let (mut ix, strings) = index(&t);
    ix.times = transcript_times(&t);
    let transcript = !ix.times.is_empty();
    let lines = ix.lines;
    // Extras: strings with escapes, decoded.
    for s in strings.iter().filter(|s| s.escaped) {
        let (dec, map) = unescape(&t[s.start..s.end]);
        let abs: Vec<usize> = map.iter().map(|&m| s.start + m).collect();
        let mut seg = Segment::new(Cow::Owned(dec), compose(abs.iter().copied(), &origin));
        seg.extra = true;
        seg.location = ix.at(s.start);
        seg.line_offset = memchr::memchr_iter(b'\n', &t[..s.start]).count() as u64;
        emit(seg);
    }
    // Transcripts: consecutive text segments joined, for values split over two.
    if transcript {
        let texts: Vec<&Str> = strings
            .iter()
            .filter(|s| {
                s.pointer.starts_with("/segments/") && s.pointer.ends_with("/text")
                    || s.pointer.starts_with("/results/audio_segments/") && s.pointer.ends_with("/transcript")
            })
            .collect();
        let mut joined = super::Joined::default();
        for s in &texts {
            joined.push(&t, s.start, s.end);
        }
        joined.emit(&origin, None, emit);
        // Amazon Transcribe's word items: one word (or punctuation mark)
        // each, read as the sentence they make (a name alone in an item has
        // its cue in the items before it; a number read digit by digit is
        // one item a digit).
        let item = |s: &Str| {
            let rest = s.pointer.strip_prefix("/results/items/")?;
            let (n, tail) = rest.split_once('/')?;
            Some((n.to_string(), tail.to_string()))
        };
        let punct: std::collections::HashSet<String> = strings
            .iter()
            .filter_map(|s| item(s).filter(|(_, tail)| tail == "type" && &t[s.start..s.end] == b"punctuation"))
            .map(|(n, _)| n)
            .collect();
        let mut words = super::Joined { whole: true, ..Default::default() };
        for s in &strings {
            let Some((n, tail)) = item(s) else { continue };
            if tail == "alternatives/0/content" && s.end > s.start {
                if punct.contains(&n) {
                    words.push_glued(&t, s.start, s.end);
                } else {
                    words.push(&t, s.start, s.end);
                }
            }
        }
        words.emit(&origin, None, emit);
        // The whole-call text fields, for spoken forms.
        for s in strings.iter().filter(|s| s.pointer == "/text" || s.pointer.starts_with("/results/transcripts/")) {
            let mut one = super::Joined::default();
            one.push(&t, s.start, s.end);
            one.emit(&origin, ix.at(s.start), emit);
        }
    }
    let mut main = Segment::new(t, origin);
    main.locator = Locator::Json(ix);
    emit(main);
    match (transcript, lines) {
        (true, _) => "transcript_json",
        (false, true) => "jsonl",
        (false, false) => "json",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_objects_in_the_outer_array() {
        let t = br#"{"meta":{"n":2},"customers":[{"name":"A","orders":[{"id":1}]},{"name":"B \"q\" ]"}]}"#;
        let r = index(t).0.records;
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!((r[0].2.as_str(), r[1].2.as_str()), ("/customers/0", "/customers/1"));
        assert!(serde_json::from_slice::<Value>(&t[r[1].0..r[1].1]).is_ok());
        // Malformed input gives what it can and does not panic.
        let _ = index(b"[{\"a\":\"\\");
        assert!(index(b"{\"a\":1}").0.records.is_empty());
    }

    #[test]
    fn pointers_and_escapes() {
        let t = br#"{"customers":[{"name":"A","email":"jane\u0040example.org","n":7700900123},{"x":"y"}]}"#;
        let (ix, strings) = index(t);
        let at = |needle: &[u8]| ix.at(t.windows(needle.len()).position(|w| w == needle).unwrap());
        assert_eq!(at(b"jane"), Some(json!({"pointer": "/customers/0/email"})));
        assert_eq!(at(b"7700"), Some(json!({"pointer": "/customers/0/n"})));
        assert!(at(b"\"y\"").is_none());
        let s = strings.iter().find(|s| s.escaped).unwrap();
        let (dec, map) = unescape(&t[s.start..s.end]);
        assert_eq!(dec, b"jane@example.org");
        assert_eq!(map.len(), dec.len() + 1);
        assert_eq!(&t[s.start + map[4]..s.start + map[5]], b"\\u0040");
        let l = b"{\"a\":\"x\"}\n{\"a\":\"y\"}\n";
        let (ix, _) = index(l);
        assert_eq!(ix.at(16), Some(json!({"pointer": "/a", "record": 2})));
        // Damaged input: no panic.
        let _ = index(b"{\"a\":\"\\");
        let _ = unescape(b"\\u12");
        let _ = unescape(b"\\uD800\\u");
    }

    /// Amazon Transcribe word items are read as the sentence they make,
    /// punctuation glued to the word before it, and every piece mapped
    /// back to its item.
    #[test]
    fn transcribe_items_are_read_as_one_text() {
        let words =
            [("thanks", "pronunciation"), (",", "punctuation"), ("Keira", "pronunciation"), (".", "punctuation")];
        let items: Vec<String> = words
            .iter()
            .enumerate()
            .map(|(i, (w, ty))| {
                format!(
                    r#"{{"start_time":"{i}.0","end_time":"{i}.5","alternatives":[{{"content":"{w}"}}],"type":"{ty}"}}"#
                )
            })
            .collect();
        let doc = format!(r#"{{"results":{{"transcripts":[{{"transcript":"x"}}],"items":[{}]}}}}"#, items.join(","));
        let mut whole = Vec::new();
        extract(Cow::Borrowed(doc.as_bytes()), Origin::File, &mut |seg| {
            if seg.extra && !seg.only_crossing && seg.rewritten.is_empty() {
                whole.push((String::from_utf8_lossy(&seg.text).into_owned(), seg.gaps.len()));
            }
        });
        assert_eq!(whole, vec![("thanks, Keira.".to_string(), 3)]);
    }
}
