//! Matching one file's text against every subject at once.
//!
//! Candidates come from three places, each looked up by keyed digest in one
//! hash map, so the cost per file does not depend on how many subjects are
//! searched for:
//! - the scan engine's validated emails, phones (as E.164), postcodes and
//!   dates (here *any* valid date, not only those with birth context);
//! - names: every word is looked up as a surname word; around a hit, the
//!   windows of up to [`names::MAX_WORDS`] joinable words are looked up as
//!   name variants (longest first);
//! - identifiers: windows of up to six letter/digit groups joined by single
//!   separators (`ACC-123456`, `QQ 12 34 56 C`), with a digit, looked up
//!   without their separators.
//!
//! Then evidence decides the strength of each occurrence, per record (see
//! [`super::records`]): an email, phone or id is a match on its own; a name,
//! postcode or date of birth is a match only beside a strong identifier of
//! the same subject, or another weak one of a different kind, in the same
//! record (or within [`records::WINDOW`] bytes in line-based files);
//! otherwise it is `possible`. A record that holds the subject's name but
//! also a date of birth (in birth context) that is not theirs, or an email
//! that looks like theirs (a surname word in the local part) but is not, is a
//! namesake: `excluded`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use rustc_hash::FxHashSet;
use serde_json::{json, Value};

use super::names::{self, Word};
use super::records::{self, Cue, Layout, Record};
use super::request::{domain, norm_email, norm_postcode, unhex, HashedRequest};
use crate::detect::{Engine, RawFinding, Scratch};
use crate::error::{Error, Result};
use crate::extract::spoken;
use crate::extract::{Origin, Segment};
use crate::fingerprint::{is_secret, mask, Key};

/// How sure a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strength {
    /// The subject's: a strong identifier, or corroborated.
    Match,
    /// Could be the subject's: a weak identifier alone.
    Possible,
    /// A namesake: the record says it is somebody else.
    Excluded,
}

impl Strength {
    /// Name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Strength::Match => "match",
            Strength::Possible => "possible",
            Strength::Excluded => "excluded",
        }
    }
}

/// Identifier kinds that identify a person on their own.
fn strong(kind: &str) -> bool {
    matches!(kind, domain::EMAIL | domain::PHONE | domain::ID)
}

/// Every subject's digests in one map.
#[derive(Debug)]
pub struct Index {
    /// Subject ids, in request order.
    pub ids: Vec<String>,
    map: HashMap<[u8; 32], Vec<u32>>,
    has_dob: Vec<bool>,
    has_email: Vec<bool>,
    any_names: bool,
    any_ids: bool,
}

impl Index {
    /// Build the index of hashed requests.
    pub fn new(reqs: &[HashedRequest]) -> Result<Index> {
        let mut map: HashMap<[u8; 32], Vec<u32>> = HashMap::new();
        let mut ix = Index {
            ids: Vec::new(),
            map: HashMap::new(),
            has_dob: Vec::new(),
            has_email: Vec::new(),
            any_names: false,
            any_ids: false,
        };
        for (i, r) in reqs.iter().enumerate() {
            ix.ids.push(r.id.clone());
            let has = |d: &str| r.digests.get(d).is_some_and(|s| !s.is_empty());
            ix.has_dob.push(has(domain::DOB));
            ix.has_email.push(has(domain::EMAIL));
            ix.any_names |= has(domain::NAME);
            ix.any_ids |= has(domain::ID);
            for set in r.digests.values() {
                for h in set {
                    let d = unhex(h).ok_or_else(|| Error::Config(format!("subject `{}`: bad digest", r.id)))?;
                    let v = map.entry(d).or_default();
                    if v.last() != Some(&(i as u32)) {
                        v.push(i as u32);
                    }
                }
            }
        }
        ix.map = map;
        Ok(ix)
    }

    fn get(&self, key: &Key, dom: &str, value: &str) -> &[u32] {
        self.map.get(&key.digest(dom, value)).map_or(&[], Vec::as_slice)
    }
}

/// Rules for subject matching: the scan's emails, phones, postcodes and
/// dates, with dates kept whatever their context (the subject's date of
/// birth is evidence wherever it is written) and no score threshold; and,
/// for an `export` only, the secrets, which identify no one but are blanked
/// in exported records.
pub fn subject_rules(mut rules: crate::rules::RuleSet, export: bool) -> crate::rules::RuleSet {
    rules.retain_kinds(|k| {
        matches!(k, domain::EMAIL | domain::PHONE | domain::POSTCODE | domain::DOB) || (export && is_secret(k))
    });
    for r in &mut rules.rules {
        if &*r.kind == domain::DOB {
            r.context_required = false;
        }
    }
    rules
}

/// One place a subject appears.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// Index of the subject in the [`Index`].
    pub subject: u32,
    /// Identifier kind (`name`, `email`, `phone`, `date_of_birth`,
    /// `uk_postcode`, `id`).
    pub kind: &'static str,
    /// Start byte in the file as stored.
    pub start: u64,
    /// End byte (exclusive).
    pub end: u64,
    /// Whether `start..end` are offsets in the file as stored; else they
    /// are offsets in the text of a container's member or part, which
    /// `location` names.
    pub file_offsets: bool,
    /// Start and end in the scanned text.
    pub text_span: (usize, usize),
    /// 1-based line.
    pub line: u64,
    /// Confidence.
    pub score: f32,
    /// Strength after evidence.
    pub strength: Strength,
    /// Record index in the file (records without structure: `None`).
    pub record: Option<usize>,
    /// Where: row/column, JSON pointer, message, cue time, line.
    pub location: Value,
    /// The record, for people: `row 12`, `/customers/3`, `whole document`.
    pub record_label: String,
    /// The value masked for display.
    pub masked: String,
    /// The raw value (only when asked for).
    pub value: Option<String>,
    /// Keyed fingerprint of the normalised value (as in scan findings).
    pub fingerprint: u64,
}

/// A matched record, ready for a portability export.
#[derive(Debug, Clone)]
pub struct ExportRecord {
    /// Subject index.
    pub subject: u32,
    /// Where the record is.
    pub location: Value,
    /// Byte range in the file.
    pub start: u64,
    /// End byte.
    pub end: u64,
    /// Identifier kinds matched in it.
    pub kinds: BTreeSet<&'static str>,
    /// The record's content (CSV row as header→value, JSON object,
    /// transcript segments with times, or text).
    pub content: Value,
}

/// Everything found in one file.
#[derive(Debug, Default)]
pub struct FileMatches {
    /// Occurrences, by start then subject.
    pub occurrences: Vec<Occurrence>,
    /// Records with matches (only when an export was asked for).
    pub records: Vec<ExportRecord>,
}

impl FileMatches {
    /// Add an extra segment's matches: only occurrences at file offsets
    /// that overlap no occurrence of the same subject already found (an
    /// entity-decoded name the stored text spelled with `&eacute;`), with
    /// their records.
    pub fn add_extra(&mut self, extra: FileMatches) {
        let taken = |o: &Occurrence| {
            self.occurrences
                .iter()
                .any(|m| m.subject == o.subject && m.file_offsets && m.start < o.end && o.start < m.end)
        };
        let new: Vec<Occurrence> = extra.occurrences.into_iter().filter(|o| o.file_offsets && !taken(o)).collect();
        if new.is_empty() {
            return;
        }
        self.records.extend(
            extra
                .records
                .into_iter()
                .filter(|r| new.iter().any(|o| o.subject == r.subject && o.start < r.end && r.start < o.end)),
        );
        self.occurrences.extend(new);
        // File offsets in order, then what is inside containers as found.
        self.occurrences.sort_by_key(|o| (!o.file_offsets, if o.file_offsets { (o.start, o.subject) } else { (0, 0) }));
    }
}

/// Words `lo..hi` of a text, held in a ring buffer.
struct Ring<'a> {
    ring: &'a [Word],
    lo: usize,
    hi: usize,
}

impl Ring<'_> {
    fn at(&self, k: usize) -> &Word {
        &self.ring[k % self.ring.len()]
    }
}

/// A candidate before evidence.
struct Hit {
    kind: &'static str,
    start: usize,
    end: usize,
    subjects: Vec<u32>,
    normalized: String,
    /// A date written where a birth date is expected (context word, column).
    birth: bool,
}

/// The matcher: index, key, and what to produce.
#[derive(Debug)]
pub struct Matcher {
    /// The subjects.
    pub index: Index,
    key: Key,
    keep_values: bool,
    export: bool,
}

impl Matcher {
    /// A matcher for `index` with the key its digests were made with.
    pub fn new(index: Index, key: Key, keep_values: bool, export: bool) -> Matcher {
        Matcher { index, key, keep_values, export }
    }

    /// Find every subject in one segment of a file, as its extractor
    /// produced it (the stored text, a decoded part, a member's or a
    /// document's text). `name` is what the segment's layout is judged by:
    /// the file's path, or the member's name inside a container.
    pub fn match_segment(&self, engine: &Engine, scratch: &mut Scratch, name: &Path, seg: &Segment<'_>) -> FileMatches {
        let bytes: &[u8] = &seg.text;
        let mut raw: Vec<RawFinding> = Vec::new();
        engine.scan_with(scratch, bytes, &seg.field, &mut raw, &mut |_| {});
        let layout = Layout::of_segment(name, seg);
        let recs = records::segment(&layout, bytes);
        let record_of = |pos: usize| -> Option<usize> {
            let i = recs.partition_point(|r| r.end <= pos);
            (i < recs.len() && recs[i].start <= pos).then_some(i)
        };
        let mut hits: Vec<Hit> = Vec::new();
        // Per record: name-like foreign emails, as the subjects they rule
        // out; and the subjects whose birth date a birth-context date is.
        let mut conflicts: HashMap<Option<usize>, BTreeSet<u32>> = HashMap::new();
        let mut birth_dates: HashMap<Option<usize>, BTreeSet<u32>> = HashMap::new();
        let mut email_spans: Vec<(usize, usize)> = Vec::new();
        let ix = &self.index;
        for r in &raw {
            let Some((kind, value)) = candidate(engine, r) else { continue };
            if kind == domain::EMAIL {
                email_spans.push((r.start, r.end));
            }
            let subjects = ix.get(&self.key, kind, &value).to_vec();
            let birth = kind == domain::DOB && engine.context(r.rule, bytes, &seg.field, r.start, r.end).0;
            if birth {
                // A date in birth context: whose birth date it is (if anyone's here).
                birth_dates.entry(record_of(r.start)).or_default().extend(subjects.iter().copied());
            }
            if kind == domain::EMAIL && subjects.is_empty() {
                let local = value.split('@').next().unwrap_or("");
                for w in names::words(local) {
                    for &s in ix.get(&self.key, domain::NAME_TOKEN, &w) {
                        if ix.has_email[s as usize] {
                            conflicts.entry(record_of(r.start)).or_default().insert(s);
                        }
                    }
                }
            }
            if !subjects.is_empty() {
                hits.push(Hit { kind, start: r.start, end: r.end, subjects, normalized: value, birth });
            }
        }
        if ix.any_names {
            self.names(bytes, &email_spans, &mut hits);
        }
        if ix.any_ids {
            self.ids(bytes, &mut hits);
        }
        if layout == Layout::Transcript || spoken::worth_it(bytes) {
            self.spoken(engine, scratch, bytes, &mut hits);
        }
        hits.sort_by_key(|h| (h.start, h.end));
        let conflict = |rec: Option<usize>, s: u32| {
            conflicts.get(&rec).is_some_and(|c| c.contains(&s))
                // A birth date in the record that is not theirs.
                || (ix.has_dob[s as usize] && birth_dates.get(&rec).is_some_and(|owners| !owners.contains(&s)))
        };
        // Found only when exporting (see [`subject_rules`]).
        let secrets: Vec<(usize, usize)> =
            raw.iter().filter(|r| is_secret(&engine.rules().rules[r.rule].kind)).map(|r| (r.start, r.end)).collect();
        self.evidence(seg, &layout, &recs, &record_of, hits, &secrets, &conflict)
    }

    /// Spoken forms ("oh seven seven double oh...", "jane dot doe at gmail
    /// dot com", account numbers read out): the same lookups on the
    /// normalised text, each hit mapped back to the words it came from.
    fn spoken(&self, engine: &Engine, scratch: &mut Scratch, bytes: &[u8], hits: &mut Vec<Hit>) {
        // Line by line: a cue's timing line must not run into its words.
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
            let line = &bytes[start..nl];
            if spoken::has_candidates(line) {
                self.spoken_line(engine, scratch, line, start, hits);
            }
            start = nl + 1;
        }
    }

    fn spoken_line(&self, engine: &Engine, scratch: &mut Scratch, line: &[u8], base: usize, hits: &mut Vec<Hit>) {
        let Some(n) = spoken::normalize(line) else { return };
        let back = |p: usize| base + n.map[p.min(n.map.len() - 1)];
        let rewritten = |s: usize, e: usize| n.rewritten.iter().any(|&(rs, re)| rs < e && s < re);
        let mut raw: Vec<RawFinding> = Vec::new();
        engine.scan_with(scratch, &n.text, &crate::detect::FieldContext::None, &mut raw, &mut |_| {});
        let mut found: Vec<Hit> = Vec::new();
        for r in raw.iter().filter(|r| rewritten(r.start, r.end)) {
            let Some((kind, value)) = candidate(engine, r) else { continue };
            let subjects = self.index.get(&self.key, kind, &value).to_vec();
            if !subjects.is_empty() {
                let birth = kind == domain::DOB
                    && engine.context(r.rule, &n.text, &crate::detect::FieldContext::None, r.start, r.end).0;
                found.push(Hit { kind, start: r.start, end: r.end, subjects, normalized: value, birth });
            }
        }
        if self.index.any_ids {
            let mut ids = Vec::new();
            self.ids(&n.text, &mut ids);
            found.extend(ids.into_iter().filter(|h| rewritten(h.start, h.end)));
        }
        for mut h in found {
            (h.start, h.end) = (back(h.start), back(h.end));
            if !hits.iter().any(|x| x.start < h.end && h.start < x.end && x.kind == h.kind) {
                hits.push(h);
            }
        }
    }

    /// Name variants around surname words. Words stream through a ring of
    /// `2 * MAX_WORDS` slots: word `i` is examined once the words up to
    /// `i + MAX_WORDS - 1` have been read, so memory does not grow with the
    /// file.
    fn names(&self, bytes: &[u8], email_spans: &[(usize, usize)], hits: &mut Vec<Hit>) {
        const RING: usize = 2 * names::MAX_WORDS;
        let mut ring: Vec<Word> = vec![Word::default(); RING];
        let mut it = names::WordIter::new(bytes);
        let mut read = 0usize; // words read so far
        let mut done = false;
        // Words repeat (field names, common words): remember which are no
        // subject's surname word, to skip their digest next time.
        let mut not_trigger: FxHashSet<String> = FxHashSet::default();
        let mut covered_to = 0usize;
        let mut i = 0usize;
        loop {
            while !done && read < i + names::MAX_WORDS {
                if it.next_into(&mut ring[read % RING]) {
                    read += 1;
                } else {
                    done = true;
                }
            }
            if i >= read {
                break;
            }
            let w = &ring[i % RING];
            if w.start >= covered_to && !not_trigger.contains(w.norm.as_str()) {
                let triggers = self.index.get(&self.key, domain::NAME_TOKEN, &w.norm);
                if triggers.is_empty() {
                    if not_trigger.len() < 1 << 16 {
                        not_trigger.insert(w.norm.clone());
                    }
                } else {
                    let view = Ring { ring: &ring, lo: (i + 1).saturating_sub(names::MAX_WORDS), hi: read };
                    if let Some(h) = self.name_window(bytes, &view, i, triggers, email_spans) {
                        covered_to = h.end;
                        hits.push(h);
                    }
                }
            }
            i += 1;
        }
    }

    fn name_window(
        &self,
        bytes: &[u8],
        words: &Ring<'_>,
        i: usize,
        triggers: &[u32],
        email_spans: &[(usize, usize)],
    ) -> Option<Hit> {
        // How far the run of joinable words reaches on each side of `i`.
        let mut lo = i;
        while lo > words.lo && i - lo + 1 < names::MAX_WORDS && names::joinable(bytes, words.at(lo - 1), words.at(lo)) {
            lo -= 1;
        }
        let mut hi = i;
        while hi + 1 < words.hi
            && hi - i + 1 < names::MAX_WORDS
            && names::joinable(bytes, words.at(hi), words.at(hi + 1))
        {
            hi += 1;
        }
        for len in (2..=names::MAX_WORDS.min(hi - lo + 1)).rev() {
            for a in lo..=i {
                let b = a + len - 1;
                if b < i || b > hi {
                    continue;
                }
                let (s, e) = (words.at(a).start, words.at(b).end);
                if glued(bytes, s, e) || overlaps_any(email_spans, s, e) {
                    continue;
                }
                let joined: Vec<&str> = (a..=b).map(|k| words.at(k).norm.as_str()).collect();
                let joined = joined.join(" ");
                let subjects: Vec<u32> = self
                    .index
                    .get(&self.key, domain::NAME, &joined)
                    .iter()
                    .copied()
                    .filter(|s| triggers.contains(s))
                    .collect();
                if !subjects.is_empty() {
                    return Some(Hit {
                        kind: domain::NAME,
                        start: s,
                        end: e,
                        subjects,
                        normalized: joined,
                        birth: false,
                    });
                }
            }
        }
        None
    }

    /// Identifier windows: letter/digit groups joined by single separators.
    fn ids(&self, bytes: &[u8], hits: &mut Vec<Hit>) {
        const MAX_GROUPS: usize = 6;
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_alphanumeric() {
                let s = i;
                while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                groups.push((s, i));
            } else {
                i += 1;
            }
        }
        let sep = |a: (usize, usize), b: (usize, usize)| {
            b.0 == a.1 + 1 && matches!(bytes[a.1], b' ' | b'-' | b'_' | b'/' | b'.')
        };
        let mut covered_to = 0usize;
        for g in 0..groups.len() {
            if groups[g].0 < covered_to {
                continue;
            }
            let mut best: Option<Hit> = None;
            let mut value = String::new();
            for k in g..groups.len().min(g + MAX_GROUPS) {
                if k > g && !sep(groups[k - 1], groups[k]) {
                    break;
                }
                value.extend(bytes[groups[k].0..groups[k].1].iter().map(|b| b.to_ascii_uppercase() as char));
                if value.len() < 4 || value.len() > 40 || !value.bytes().any(|b| b.is_ascii_digit()) {
                    continue;
                }
                let (s, e) = (groups[g].0, groups[k].1);
                if glued(bytes, s, e) {
                    continue;
                }
                let subjects = self.index.get(&self.key, domain::ID, &value);
                if !subjects.is_empty() {
                    best = Some(Hit {
                        kind: domain::ID,
                        start: s,
                        end: e,
                        subjects: subjects.to_vec(),
                        normalized: value.clone(),
                        birth: false,
                    });
                }
            }
            if let Some(h) = best {
                covered_to = h.end;
                hits.push(h);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn evidence(
        &self,
        seg: &Segment<'_>,
        layout: &Layout,
        recs: &[Record],
        record_of: &dyn Fn(usize) -> Option<usize>,
        hits: Vec<Hit>,
        secrets: &[(usize, usize)],
        conflict: &dyn Fn(Option<usize>, u32) -> bool,
    ) -> FileMatches {
        let bytes: &[u8] = &seg.text;
        // Per (record, subject): a strong identifier present; weak kinds present.
        let mut strong_in: BTreeSet<(Option<usize>, u32)> = BTreeSet::new();
        let mut weak_in: HashMap<(Option<usize>, u32), BTreeSet<&'static str>> = HashMap::new();
        let mut strong_at: HashMap<u32, Vec<usize>> = HashMap::new();
        for h in &hits {
            let rec = record_of(h.start);
            for &s in &h.subjects {
                if strong(h.kind) {
                    strong_in.insert((rec, s));
                    strong_at.entry(s).or_default().push(h.start);
                } else {
                    weak_in.entry((rec, s)).or_default().insert(h.kind);
                }
            }
        }
        let cues = if *layout == Layout::Transcript { records::cues(bytes) } else { Vec::new() };
        let headers = match layout {
            Layout::Csv { delim } => records::csv_headers(bytes, *delim),
            _ => None,
        };
        let mut out = FileMatches::default();
        let mut line = 1u64;
        let mut line_pos = 0usize;
        for h in &hits {
            line += memchr::memchr_iter(b'\n', &bytes[line_pos..h.start]).count() as u64;
            line_pos = h.start;
            let rec = record_of(h.start);
            let (fs, fe) = (seg.origin.to_file(h.start), seg.origin.to_file(h.end));
            let raw = String::from_utf8_lossy(&bytes[h.start..h.end]);
            for &s in &h.subjects {
                let strength = if strong(h.kind) || strong_in.contains(&(rec, s)) {
                    Strength::Match
                } else if conflict(rec, s) {
                    Strength::Excluded
                } else if weak_in.get(&(rec, s)).is_some_and(|k| k.len() >= 2)
                    || (layout.uses_window()
                        && strong_at.get(&s).is_some_and(|v| v.iter().any(|&p| p.abs_diff(h.start) <= records::WINDOW)))
                {
                    Strength::Match
                } else if h.kind == domain::DOB && !h.birth {
                    // A bare date equal to a birth date, with nothing else of
                    // the person beside it, is not evidence of anything.
                    continue;
                } else {
                    Strength::Possible
                };
                let score = match (strength, strong(h.kind)) {
                    (Strength::Match, true) => 1.0,
                    (Strength::Match, false) => 0.9,
                    (Strength::Possible, _) => 0.5,
                    (Strength::Excluded, _) => 0.1,
                };
                let location = crate::extract::merge(
                    seg.location.as_ref(),
                    Some(location(bytes, layout, recs, rec, h.start, line, &cues, headers.as_deref())),
                )
                .unwrap_or_default();
                out.occurrences.push(Occurrence {
                    subject: s,
                    kind: h.kind,
                    start: fs,
                    end: fe,
                    text_span: (h.start, h.end),
                    line,
                    score,
                    strength,
                    record: rec,
                    location,
                    record_label: within(
                        seg,
                        rec.map_or_else(|| "outside any record".to_string(), |r| records::label(&recs[r].loc)),
                    ),
                    file_offsets: !seg.origin.is_inside(),
                    masked: mask(h.kind, &raw, &h.normalized),
                    value: self.keep_values.then(|| raw.to_string()),
                    fingerprint: self.key.fingerprint(h.kind, &h.normalized),
                });
            }
        }
        if self.export {
            // A portability export carries the records, never a password in
            // them: each secret's bytes become `*` (offsets unchanged).
            let mut masked = std::borrow::Cow::Borrowed(bytes);
            for &(s, e) in secrets {
                masked.to_mut()[s..e].fill(b'*');
            }
            out.records =
                export_records(&seg.origin, &masked, layout, recs, &cues, headers.as_deref(), &out.occurrences);
        }
        out
    }
}

/// A record's label, with the member or part of a container it is in.
fn within(seg: &Segment<'_>, label: String) -> String {
    let Some(loc) = seg.location.as_ref().and_then(Value::as_object) else { return label };
    let at: Vec<String> = ["member", "part", "sheet", "slide", "message"]
        .iter()
        .filter_map(|k| {
            loc.get(*k).map(|v| format!("{k} {}", v.as_str().map_or_else(|| v.to_string(), str::to_string)))
        })
        .collect();
    if at.is_empty() {
        label
    } else {
        format!("{}, {label}", at.join(", "))
    }
}

/// The identifier kind and canonical value of an engine finding, for the
/// kinds subject requests hold.
fn candidate(engine: &Engine, r: &RawFinding) -> Option<(&'static str, String)> {
    let kind: &'static str = match &*engine.rules().rules[r.rule].kind {
        domain::EMAIL => domain::EMAIL,
        domain::PHONE => domain::PHONE,
        domain::DOB => domain::DOB,
        domain::POSTCODE => domain::POSTCODE,
        _ => return None,
    };
    let value = match kind {
        domain::EMAIL => norm_email(&r.normalized)?,
        domain::POSTCODE => norm_postcode(&r.normalized),
        _ => r.normalized.clone(),
    };
    Some((kind, value))
}

/// Whether `s..e` overlaps one of `spans` (sorted by start, not nested).
fn overlaps_any(spans: &[(usize, usize)], s: usize, e: usize) -> bool {
    let i = spans.partition_point(|&(_, ee)| ee <= s);
    spans.get(i).is_some_and(|&(es, _)| es < e)
}

/// Whether `s..e` is glued to more of the same token by a hyphen, slash or
/// underscore (`ACC-123456-01`, `Doe-Smith` when looking for `Doe`).
fn glued(bytes: &[u8], s: usize, e: usize) -> bool {
    let joiner = |b: u8| matches!(b, b'-' | b'_' | b'/');
    let before = s >= 2 && joiner(bytes[s - 1]) && bytes[s - 2].is_ascii_alphanumeric();
    let after = e + 1 < bytes.len() && joiner(bytes[e]) && bytes[e + 1].is_ascii_alphanumeric();
    before || after
}

#[allow(clippy::too_many_arguments)]
fn location(
    bytes: &[u8],
    layout: &Layout,
    recs: &[Record],
    rec: Option<usize>,
    pos: usize,
    line: u64,
    cues: &[Cue],
    headers: Option<&[String]>,
) -> Value {
    let column = match (layout, rec) {
        (Layout::Csv { delim }, Some(r)) => {
            let c = crate::extract::csvx::column_at(bytes, recs[r].start, pos, *delim);
            Some(headers.and_then(|h| h.get(c).cloned()).unwrap_or_else(|| (c + 1).to_string()))
        }
        _ => None,
    };
    let mut v = match rec {
        Some(r) => records::loc_json(&recs[r].loc, column.as_deref()),
        None => json!({}),
    };
    v["line"] = json!(line);
    if let Some(c) = cues.iter().find(|c| c.start <= pos && pos < c.end.max(c.start + 1)) {
        v["time"] = json!({ "start": c.t0, "end": c.t1 });
        if let Some(sp) = &c.speaker {
            v["speaker"] = json!(sp);
        }
    }
    v
}

/// The records holding matches, per subject, with their content.
#[allow(clippy::too_many_arguments)]
fn export_records(
    origin: &Origin,
    bytes: &[u8],
    layout: &Layout,
    recs: &[Record],
    cues: &[Cue],
    headers: Option<&[String]>,
    occ: &[Occurrence],
) -> Vec<ExportRecord> {
    let mut by: std::collections::BTreeMap<(u32, Option<usize>), Vec<&Occurrence>> = Default::default();
    for o in occ.iter().filter(|o| o.strength == Strength::Match) {
        by.entry((o.subject, o.record)).or_default().push(o);
    }
    by.into_iter()
        .map(|((subject, rec), os)| {
            let (s, e) = match rec {
                Some(r) => (recs[r].start, recs[r].end),
                None => (os[0].text_span.0, os[os.len() - 1].text_span.1),
            };
            let body = &bytes[s..e];
            let content = match layout {
                Layout::Csv { delim } => csv_content(body, *delim, headers),
                Layout::Json(_) | Layout::JsonLines => serde_json::from_slice::<Value>(body)
                    .unwrap_or_else(|_| json!({ "text": String::from_utf8_lossy(body) })),
                Layout::Transcript if !cues.is_empty() => {
                    let segs: Vec<Value> = cues
                        .iter()
                        .filter(|c| os.iter().any(|o| o.text_span.0 < c.end && c.start < o.text_span.1))
                        .map(|c| {
                            json!({ "start": c.t0, "end": c.t1, "speaker": c.speaker,
                                    "text": String::from_utf8_lossy(&bytes[c.start..c.end]) })
                        })
                        .collect();
                    json!({ "segments": segs })
                }
                _ => json!({ "text": String::from_utf8_lossy(body) }),
            };
            let mut location = os[0].location.clone();
            if let Some(o) = location.as_object_mut() {
                o.remove("column");
                o.remove("time");
                o.remove("speaker");
            }
            let (fs, fe) = (origin.to_file(s), origin.to_file(e));
            ExportRecord { subject, location, start: fs, end: fe, kinds: os.iter().map(|o| o.kind).collect(), content }
        })
        .collect()
}

fn csv_content(row: &[u8], delim: u8, headers: Option<&[String]>) -> Value {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).delimiter(delim).flexible(true).from_reader(row);
    let mut rec = csv::StringRecord::new();
    if !matches!(rdr.read_record(&mut rec), Ok(true)) {
        return json!({ "text": String::from_utf8_lossy(row) });
    }
    match headers {
        Some(h) => {
            let mut m = serde_json::Map::new();
            for (i, v) in rec.iter().enumerate() {
                let k = h.get(i).cloned().unwrap_or_else(|| format!("column_{}", i + 1));
                m.insert(k, json!(v));
            }
            Value::Object(m)
        }
        None => json!({ "fields": rec.iter().collect::<Vec<_>>() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glue() {
        assert!(glued(b"ACC-123456-01", 0, 10));
        assert!(!glued(b"ACC-123456 x", 0, 10));
        assert!(glued(b"Jane Doe-Smith", 5, 8));
    }
}
