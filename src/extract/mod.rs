//! Formats: every file is read by exactly one extractor, chosen by content
//! (magic bytes) and name, which turns it into text **segments** with
//! provenance, so that every finding maps back to its place.
//!
//! ```text
//! bytes ─► detect ─► text (UTF-8 / UTF-16 / Windows-1252) ─► csv | json | xml | transcript | mail | plain
//!                 └► zip | gzip | xz | bzip2 | tar (members recurse, with limits) ─► office (docx xlsx pptx odt ods)
//!                 └► xls (OLE) | xlsb (calamine) ─► the same sheets as xlsx
//!                 └► pdf (text layer, page by page; image-only PDFs reported)
//!                 └► media: listed, not scanned
//! ```
//!
//! A [`Segment`] is text to scan plus how its offsets map back:
//! [`Origin::File`] (the file's own bytes), [`Origin::Map`] (decoded text
//! — UTF-16, Windows-1252, JSON escapes, XML entities, transcript cues joined
//! — with a table back to file offsets), [`Origin::Inside`] (text from
//! inside a container or an encoded part: positions are in the extracted
//! text, and `location` names the member, part, sheet or cell), or
//! [`Origin::InsideMap`] (text derived from such text, with a table back to
//! its positions). Plain-text
//! formats are scanned as they are stored (the fast path, exact offsets);
//! their structure only adds locations, field context and *extra* segments
//! for what the raw bytes hide (escapes, entities, values split over cues).
//!
//! Extractors never panic on input and keep memory bounded: members are
//! decompressed one at a time, each capped, with a budget for the whole
//! archive, a ratio guard against bombs and a nesting limit ([`Limits`]).

pub mod archive;
pub mod contain;
pub mod csvx;
pub mod json;
pub mod mail;
pub mod office;
pub mod pdf;
pub mod sheets;
pub mod spoken;
pub mod text;
pub mod transcript;
pub mod xml;

use std::borrow::Cow;

use serde_json::{json, Value};

use crate::detect::FieldContext;
use crate::outcome::SkipReason;

/// How a segment's offsets map back to the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The segment is the file's bytes: offsets are file offsets.
    File,
    /// `map[i]` is the file offset of segment byte `i` (`map.len() ==
    /// text.len() + 1`, the last entry the end).
    Map(crate::offsets::OffsetMap),
    /// Inside a container or an encoded part: no file offsets.
    Inside,
    /// Derived from text inside a container (its spoken forms rewritten,
    /// its cues joined): `map[i]` is the offset in that inner text of
    /// segment byte `i`, so findings keep the inner text's offsets that a
    /// member's redaction replaces.
    InsideMap(crate::offsets::OffsetMap),
}

impl Origin {
    /// The file offset of segment byte `pos` (inside a container, the
    /// offset in the container's extracted text: findings there say they
    /// have no file offsets).
    pub fn to_file(&self, pos: usize) -> u64 {
        match self {
            Origin::Map(m) | Origin::InsideMap(m) => m.get(pos).unwrap_or(0),
            Origin::File | Origin::Inside => pos as u64,
        }
    }

    /// Whether offsets are inside a container (not file offsets).
    pub fn is_inside(&self) -> bool {
        matches!(self, Origin::Inside | Origin::InsideMap(_))
    }
}

/// Where in a structured text a position is (row and column, JSON pointer,
/// cue time, spreadsheet cell...).
#[derive(Debug, Default)]
pub enum Locator {
    /// Nothing beyond the line.
    #[default]
    None,
    /// Delimited rows.
    Csv(csvx::CsvLocator),
    /// JSON values by pointer (and transcript times).
    Json(json::JsonIndex),
    /// Transcript cues.
    Cues(Vec<transcript::Cue>),
    /// Sorted (start offset, location) spans: XML elements, mail parts.
    Spans(Vec<(usize, Value)>),
    /// Sheet cells as sorted (start offset, row, column), 0-based: the
    /// location `{"sheet", "cell": "C7"}` is built only for a finding. (A
    /// JSON object per cell cost about 500 bytes: a workbook of a million
    /// cells held 600 MB of locations nobody asked for.)
    Cells {
        /// The sheet's name.
        sheet: String,
        /// Where each cell's text starts, and the cell.
        cells: Vec<(usize, u32, u32)>,
    },
    /// Numbered parts of a document (`{"part": ..., "paragraph": 3}`):
    /// sorted start offsets, numbered from 1, built only for a finding.
    Numbered {
        /// The document part (`word/document.xml`).
        part: String,
        /// What a number counts (`paragraph`, `slide`).
        key: &'static str,
        /// Where each numbered piece starts.
        starts: Vec<usize>,
    },
}

/// Whether a name of the structure (a column header, a JSON key) is itself
/// a value: an email address, or a number of six digits and more (a phone,
/// an account). Such a name would carry raw personal data into a finding's
/// location (a headerless export whose first row was read as its header,
/// an object keyed by email address), so locations show it masked.
pub fn looks_like_value(name: &str) -> bool {
    name.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        || name.bytes().filter(u8::is_ascii_digit).count() >= 6
}

/// A structure name as a location shows it ([`looks_like_value`]).
pub fn shown_name(name: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_value(name) {
        std::borrow::Cow::Owned(crate::fingerprint::mask_alnum(name))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

impl Locator {
    /// The location of `pos` merged under `base`, as a finding carries it.
    pub fn location(&self, base: Option<&Value>, text: &[u8], pos: usize) -> Option<crate::finding::Location> {
        if let (None, Locator::Csv(c)) = (base, self) {
            return c.location(text, pos);
        }
        merge(base, self.at(text, pos)).and_then(|v| crate::finding::Location::new(&v))
    }

    /// The location of position `pos` of `text`, if the structure knows it.
    pub fn at(&self, text: &[u8], pos: usize) -> Option<Value> {
        match self {
            Locator::None => None,
            Locator::Csv(c) => c.at(text, pos),
            Locator::Json(j) => j.at(pos),
            Locator::Cues(c) => transcript::cue_location(c, pos),
            Locator::Spans(s) => {
                let i = s.partition_point(|(start, _)| *start <= pos);
                (i > 0).then(|| s[i - 1].1.clone())
            }
            Locator::Cells { sheet, cells } => {
                let i = cells.partition_point(|&(start, ..)| start <= pos);
                let (_, r, c) = *cells.get(i.checked_sub(1)?)?;
                let cell = format!("{}{}", office::col_letters(c as usize), r as u64 + 1);
                Some(serde_json::json!({ "sheet": sheet, "cell": cell }))
            }
            Locator::Numbered { part, key, starts } => {
                let i = starts.partition_point(|&start| start <= pos);
                (i > 0).then(|| serde_json::json!({ "part": part, *key: i }))
            }
        }
    }
}

/// Text to scan, with provenance.
#[derive(Debug)]
pub struct Segment<'a> {
    /// The text (UTF-8, or bytes).
    pub text: Cow<'a, [u8]>,
    /// How offsets map back.
    pub origin: Origin,
    /// Location common to the whole segment (`{"member": ...}`).
    pub location: Option<Value>,
    /// Column headers, for delimited text.
    pub field: FieldContext,
    /// Finer locations.
    pub locator: Locator,
    /// An extra segment over bytes the main one already covers: keep only
    /// findings that overlap nothing found on the main segments.
    pub extra: bool,
    /// File-offset gaps between pieces joined into this text (transcript
    /// cues): a finding across one is reported with each piece's span.
    pub gaps: Vec<(u64, u64)>,
    /// Keep only findings that cross a gap (the rest were found in one piece).
    pub only_crossing: bool,
    /// Spans of `text` rewritten from spoken forms: keep only findings that
    /// overlap one, and mark them `spoken`.
    pub rewritten: Vec<(usize, usize)>,
    /// Line of the segment's first byte in the file, minus one (for extra
    /// segments over part of the file).
    pub line_offset: u64,
    /// The only segment of its file, so its findings are final as they are
    /// found and may be passed on before the file is done (a big CSV
    /// export or log). Set by extractors that know no other segment follows.
    pub sole: bool,
}

impl<'a> Segment<'a> {
    /// A main segment.
    pub fn new(text: Cow<'a, [u8]>, origin: Origin) -> Segment<'a> {
        Segment {
            text,
            origin,
            location: None,
            field: FieldContext::None,
            locator: Locator::None,
            extra: false,
            gaps: Vec::new(),
            only_crossing: false,
            rewritten: Vec::new(),
            line_offset: 0,
            sole: false,
        }
    }

    /// The same, with a location for the whole segment.
    pub fn at(mut self, location: Option<Value>) -> Segment<'a> {
        self.location = location;
        self
    }
}

/// Safety limits for containers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of archives (an archive in an archive is depth 2).
    pub max_depth: u32,
    /// Total bytes expanded from one file on disk, all members and levels.
    pub max_expanded: u64,
    /// Largest expansion ratio of a member over its compressed size...
    pub max_ratio: u64,
    /// ...once it is past this many bytes (small text compresses well).
    pub ratio_floor: u64,
    /// Largest single member.
    pub max_member: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_depth: 4, max_expanded: 1 << 30, max_ratio: 100, ratio_floor: 1 << 20, max_member: 512 << 20 }
    }
}

/// A member (or part) that could not be read, inside a file that was.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where: `archive.zip!/secret.csv`.
    pub member: String,
    /// Why.
    pub reason: SkipReason,
    /// Detail (never content).
    pub detail: String,
}

/// The state of one file's extraction.
pub struct Cx<'r> {
    /// Limits.
    pub limits: Limits,
    /// Bytes expanded so far from this file.
    pub expanded: u64,
    /// Nesting depth (0: the file itself).
    pub depth: u32,
    /// Scan files with NUL bytes anyway (named on the command line).
    pub explicit: bool,
    /// Members and parts not read.
    pub problems: Vec<Problem>,
    /// The encoding the top-level text was read as.
    pub encoding: &'static str,
    /// Releases a memory-mapped file's pages before the given offset: a
    /// whole-file pass (the UTF-8 check) calls it as it goes, so a big file
    /// is not all resident before the scan starts.
    pub release: Option<&'r dyn Fn(usize)>,
}

impl std::fmt::Debug for Cx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cx").field("depth", &self.depth).field("expanded", &self.expanded).finish_non_exhaustive()
    }
}

impl Cx<'_> {
    /// Whether reading `member` one level deeper would pass the nesting
    /// limit that archives, forwarded messages and embedded documents share;
    /// if so, `member` is recorded as a `limit_exceeded` problem (the rest of
    /// the file is still read).
    pub fn past_depth(&mut self, member: &str) -> bool {
        let past = self.depth >= self.limits.max_depth;
        if past {
            self.problems.push(Problem {
                member: member.to_string(),
                reason: SkipReason::LimitExceeded,
                detail: format!("nested more than {} deep (archives, messages, documents)", self.limits.max_depth),
            });
        }
        past
    }

    /// A fresh context.
    pub fn new(limits: Limits, explicit: bool) -> Cx<'static> {
        Cx { limits, expanded: 0, depth: 0, explicit, problems: Vec::new(), encoding: "", release: None }
    }
}

/// Why a whole file was not read.
pub type Refusal = (SkipReason, String);

/// What a file is, from its first bytes and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A zip container (office documents included).
    Zip,
    /// gzip, xz or bzip2.
    Compressed(archive::Compressed),
    /// An OLE compound file (`.xls`; `.doc` and `.msg` are not read).
    Cfb,
    /// A tar archive.
    Tar,
    /// A 7z archive.
    SevenZ,
    /// PDF.
    Pdf,
    /// A mail message (`.eml`, `.msg` as text).
    Eml,
    /// A Unix mailbox.
    Mbox,
    /// Audio, video, image.
    Media,
    /// Anything else: text of some format (or binary).
    Text,
}

const MEDIA: &[&str] = &[
    "mp3", "wav", "m4a", "aac", "flac", "ogg", "oga", "opus", "wma", "amr", "aiff", "mp4", "m4v", "mov", "avi", "mkv",
    "webm", "wmv", "mpg", "mpeg", "3gp", "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "heic", "heif", "webp",
    "raw", "cr2", "nef",
];

/// The lower-case extension of a name.
pub fn ext_of(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, e)) if !stem.is_empty() => e.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Detect the kind of a file.
pub fn detect(name: &str, bytes: &[u8]) -> Kind {
    let ext = ext_of(name);
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if let Some(c) = archive::Compressed::sniff(bytes) {
        return Kind::Compressed(c);
    }
    if archive::is_tar(bytes, &ext) {
        return Kind::Tar;
    }
    if bytes.starts_with(archive::SEVENZ_MAGIC) {
        return Kind::SevenZ;
    }
    if bytes.starts_with(sheets::CFB_MAGIC) {
        return Kind::Cfb;
    }
    if archive::is_prefixed_zip(bytes, &ext) {
        return Kind::Zip;
    }
    if bytes.starts_with(b"%PDF-") {
        return Kind::Pdf;
    }
    if MEDIA.contains(&ext.as_str()) {
        return Kind::Media;
    }
    match ext.as_str() {
        "eml" => Kind::Eml,
        "mbox" | "mbx" => Kind::Mbox,
        // Structured text keeps its own extractor even if it starts like a
        // header block.
        "csv" | "tsv" | "psv" | "tab" | "json" | "jsonl" | "ndjson" | "geojson" | "xml" | "html" | "htm" | "xhtml"
        | "svg" | "plist" | "vtt" | "srt" => Kind::Text,
        // Mail by content: a saved message named `.txt` or with no
        // extension, a Maildir file (`1700000000.M1P2.host:2,S`).
        _ if mail::looks_like_message(bytes) => {
            if bytes.starts_with(b"From ") {
                Kind::Mbox
            } else {
                Kind::Eml
            }
        }
        _ => Kind::Text,
    }
}

/// Extract a file (or member) named `name`: feed its segments to `emit` and
/// return the format it was read as, or why it could not be.
pub fn extract(
    name: &str,
    bytes: &[u8],
    cx: &mut Cx,
    emit: &mut dyn FnMut(Segment<'_>),
) -> Result<&'static str, Refusal> {
    match detect(name, bytes) {
        Kind::Media => Err((SkipReason::Media, String::new())),
        Kind::Zip => archive::zip(name, bytes, cx, emit),
        Kind::Compressed(c) => archive::decompress(c, name, bytes, cx, emit),
        Kind::Cfb => match sheets::xls(bytes, cx, emit) {
            Some(r) => r,
            None => plain(name, bytes, cx, emit),
        },
        Kind::Tar => archive::tar(name, bytes, cx, emit),
        Kind::SevenZ => archive::sevenz(bytes, cx, emit),
        Kind::Pdf => pdf::extract(bytes, cx, emit),
        Kind::Eml | Kind::Mbox => mail::extract(name, bytes, cx, emit),
        Kind::Text => plain(name, bytes, cx, emit),
    }
}

/// Text (of some structure), or a binary file refused as such.
fn plain(name: &str, bytes: &[u8], cx: &mut Cx, emit: &mut dyn FnMut(Segment<'_>)) -> Result<&'static str, Refusal> {
    let top = cx.depth == 0;
    let decoded = text::decode(bytes, cx.explicit, &|p| cx.release.map_or((), |r| r(p)))?;
    if top {
        cx.encoding = decoded.encoding;
    }
    let (t, origin) = match (decoded.map, top) {
        (_, false) => (decoded.text, Origin::Inside),
        (None, true) => (decoded.text, Origin::File),
        (Some(m), true) => (decoded.text, Origin::Map(m)),
    };
    Ok(structured(name, t, origin, emit))
}

/// Text of a known structure: the main segment with its locator and field
/// context, plus the extras the structure reveals.
fn structured(name: &str, t: Cow<'_, [u8]>, origin: Origin, emit: &mut dyn FnMut(Segment<'_>)) -> &'static str {
    match ext_of(name).as_str() {
        "csv" | "tsv" | "psv" | "tab" => csv(t, origin, matches!(ext_of(name).as_str(), "tsv" | "tab"), emit),
        "json" | "jsonl" | "ndjson" | "geojson" => json::extract(t, origin, emit),
        "xml" | "html" | "htm" | "xhtml" | "svg" | "plist" => xml::extract(&ext_of(name), t, origin, emit),
        "vtt" | "srt" => transcript::extract(t, origin, emit),
        // Anything else is plain text, or delimited text under another name (`.dat`, `.txt`, no extension:
        // call-detail records, switch exports): read as CSV.
        _ => match csvx::looks_delimited(&t) {
            Some(delim) => csv(t, origin, delim == b'\t', emit),
            None => text_segment(t, origin, emit),
        },
    }
}

/// Delimited text: one segment with its columns judged and located.
fn csv(t: Cow<'_, [u8]>, origin: Origin, tsv: bool, emit: &mut dyn FnMut(Segment<'_>)) -> &'static str {
    let mut seg = Segment::new(t, origin);
    seg.field = csvx::field_context(&seg.text, tsv);
    seg.locator = Locator::Csv(csvx::CsvLocator::new(&seg.text, &seg.field));
    seg.sole = true;
    emit(seg);
    "csv"
}

/// Plain text, with its spoken forms rewritten beside it.
fn text_segment(t: Cow<'_, [u8]>, origin: Origin, emit: &mut dyn FnMut(Segment<'_>)) -> &'static str {
    let spoken = spoken_plain(&t, &origin, emit);
    let mut seg = Segment::new(t, origin);
    seg.sole = !spoken;
    emit(seg);
    "text"
}

/// Merge two optional JSON objects (the second's keys win).
pub fn merge(a: Option<&Value>, b: Option<Value>) -> Option<Value> {
    match (a, b) {
        (None, b) => b,
        (Some(a), None) => Some(a.clone()),
        (Some(a), Some(Value::Object(b))) => {
            let mut m = a.as_object().cloned().unwrap_or_default();
            m.extend(b);
            Some(Value::Object(m))
        }
        (Some(a), Some(_)) => Some(a.clone()),
    }
}

/// Put a member's segment under its container: its `member` becomes
/// `outer!/inner` (or `outer` when it had none).
pub fn nest(outer: &str, loc: Option<Value>) -> Option<Value> {
    let mut m = match loc {
        Some(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let member = match m.get("member").and_then(Value::as_str) {
        Some(inner) => format!("{outer}!/{inner}"),
        None => outer.to_string(),
    };
    m.insert("member".into(), json!(member));
    Some(Value::Object(m))
}

/// Pieces of a base text (transcript cues) joined into one text, so that a
/// value read out over several of them is found.
#[derive(Debug, Default)]
pub struct Joined {
    /// The joined text (pieces separated by one space; a turn after a
    /// question by a blank line, [`Joined::push_line`]).
    pub text: Vec<u8>,
    /// Base-text offset of each byte, plus the end.
    pub map: Vec<usize>,
    /// Gaps between pieces, in base-text offsets.
    pub gaps: Vec<(usize, usize)>,
    /// Where in `text` each joint (the inserted space or blank line) starts.
    joints: Vec<usize>,
    end: usize,
    /// Scan the whole joined text, not only around the joints: the pieces
    /// are single words (a speech recogniser's word items), so a value or
    /// its context is never inside one piece alone.
    pub whole: bool,
}

impl Joined {
    /// Append `base[start..end]` (leading spaces dropped after the first piece).
    pub fn push(&mut self, base: &[u8], start: usize, end: usize) {
        self.push_after(b" ", base, start, end);
    }

    /// Append `base[start..end]` after a blank line: the turn that answers
    /// the piece before it (a question). `detect::answer` sees a turn of its
    /// own, and no spoken value runs from one speaker into the other (the
    /// normaliser ends a run at a blank line).
    pub fn push_line(&mut self, base: &[u8], start: usize, end: usize) {
        self.push_after(b"\n\n", base, start, end);
    }

    /// Append a piece after the joint `sep` (none before the first piece).
    fn push_after(&mut self, sep: &[u8], base: &[u8], mut start: usize, end: usize) {
        if !self.text.is_empty() {
            while start < end && base[start].is_ascii_whitespace() {
                start += 1;
            }
            self.gaps.push((self.end, start));
            self.joints.push(self.text.len());
            self.text.extend_from_slice(sep);
            self.map.extend(std::iter::repeat_n(self.end, sep.len()));
        }
        self.append(base, start, end);
    }

    /// Append `base[start..end]` with no space before it: punctuation that
    /// follows a word (`Tom` `,`), still a piece of its own.
    pub fn push_glued(&mut self, base: &[u8], start: usize, end: usize) {
        if !self.text.is_empty() {
            self.gaps.push((self.end, start));
        }
        self.append(base, start, end);
    }

    fn append(&mut self, base: &[u8], start: usize, end: usize) {
        for (k, &b) in base[start..end].iter().enumerate() {
            self.text.push(if b == b'\n' || b == b'\r' { b' ' } else { b });
            self.map.push(start + k);
        }
        self.end = end;
    }

    /// Emit the joined text (when it joins several pieces) and its spoken
    /// normalisation (when it has spoken forms) as extra segments.
    pub fn emit(self, origin: &Origin, location: Option<Value>, emit: &mut dyn FnMut(Segment<'_>)) {
        if self.text.is_empty() {
            return;
        }
        let gaps: Vec<(u64, u64)> = self.gaps.iter().map(|&(a, b)| (origin.to_file(a), origin.to_file(b))).collect();
        let mut map = self.map;
        map.push(self.end);
        // Only the neighbourhood of what is new is scanned again: around
        // each rewritten spoken form (with the turn before it: the question
        // it may answer, `QUESTION_WINDOW`), and around each joint between
        // pieces (a value is at most a few dozen bytes; context words sit
        // within 40 bytes before it).
        if let Some(n) = spoken::has_candidates(&self.text).then(|| spoken::normalize(&self.text)).flatten() {
            let via: Vec<usize> = n.map.iter().map(|&i| map[i.min(map.len() - 1)]).collect();
            for (ws, we) in windows(&n.rewritten, n.text.len(), QUESTION_WINDOW) {
                let mut seg = Segment::new(
                    Cow::Owned(n.text[ws..we].to_vec()),
                    text::compose(via[ws..=we].iter().copied(), origin),
                );
                seg.extra = true;
                seg.gaps = gaps.clone();
                seg.rewritten =
                    n.rewritten.iter().filter(|&&(s, e)| s >= ws && e <= we).map(|&(s, e)| (s - ws, e - ws)).collect();
                seg.location = location.clone();
                emit(seg);
            }
        }
        let joints: Vec<(usize, usize)> = self.joints.iter().map(|&i| (i, i + 1)).collect();
        let spans = if self.whole { vec![(0, self.text.len())] } else { windows(&joints, self.text.len(), WINDOW) };
        for (ws, we) in spans {
            let mut seg = Segment::new(
                Cow::Owned(self.text[ws..we].to_vec()),
                text::compose(map[ws..=we].iter().copied(), origin),
            );
            seg.extra = true;
            seg.gaps = gaps.clone();
            seg.only_crossing = !self.whole;
            seg.location = location.clone();
            emit(seg);
        }
    }
}

/// Windows around each span (`before` bytes before it, [`WINDOW`] after),
/// merged where they touch.
fn windows(spans: &[(usize, usize)], len: usize, before: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &(s, e) in spans {
        let (ws, we) = (s.saturating_sub(before), (e + WINDOW).min(len));
        match out.last_mut() {
            Some(l) if ws <= l.1 => l.1 = l.1.max(we),
            _ => out.push((ws, we)),
        }
    }
    out
}

/// Bytes scanned again on each side of a spoken form or a joint.
const WINDOW: usize = 96;

/// Bytes scanned again before a rewritten spoken form: a value read out in
/// an answer takes its cue from the question in the turn before
/// (`detect::answer`), and in a transcript that turn lies behind a timing
/// line and the speaker's label.
const QUESTION_WINDOW: usize = 320;

/// Spoken forms in plain text that reads like speech (chat logs, notes of
/// calls): an extra segment, for texts up to [`SPOKEN_MAX`] bytes. Whether
/// one was emitted.
pub fn spoken_plain(t: &[u8], origin: &Origin, emit: &mut dyn FnMut(Segment<'_>)) -> bool {
    if t.len() > SPOKEN_MAX || !spoken::worth_it(t) {
        return false;
    }
    let Some(n) = spoken::normalize(t) else { return false };
    let mut seg = Segment::new(Cow::Owned(n.text), text::compose(n.map.iter().copied(), origin));
    seg.extra = true;
    seg.rewritten = n.rewritten;
    emit(seg);
    true
}

/// Largest plain text searched for spoken forms.
pub const SPOKEN_MAX: usize = 4 << 20;
