//! People's names: lexicons plus context, no model.
//!
//! A regex cannot tell `Grace Hill` (a person) from `grace period` or
//! `Victoria Road`, so names have their own detector, driven by data:
//! `patterns/names/{given,surnames}.tsv` (Census 1990 and Faker lists, see
//! SOURCES.md), `patterns/names/ambiguous.tsv` (words that are also common
//! words, months, places or brands) and the cue lists in `patterns/name.toml`.
//!
//! 1. **Words.** One pass splits the text into words (letters, inner `'` and
//!    `-`; non-ASCII letters folded to ASCII) and looks each up in the
//!    lexicons (hash sets; `O'Brien` also as `obrien`). A word-splitter with
//!    hash lookups handles apostrophes, hyphens and diacritics, which an
//!    automaton over raw bytes would need every variant spelled out for.
//! 2. **Runs.** Consecutive name words separated by one space (or `. ` after
//!    an initial) form a run: `Kelly Clark`, `J. Smith`, `Mary Anne O'Neil`,
//!    `Smith-Jones`; `SMITH, John` (surname first) is one run too.
//! 3. **Evidence.** A Title Case run of a given name and a surname is a name
//!    on its own; a single name word, an ALL CAPS or lower-case run, or one
//!    with an ambiguous word needs a cue: a title (`Mr`, `Dr`…) right before
//!    (then even a word missing from the lexicons counts), a salutation or
//!    sign-off (`Dear`, `Thanks,`), a name field (`"name":`, a `first_name`
//!    column, `Customer:`), an introduction (`my name is`, `it's`), or a
//!    speaker label after (`Sophie (Agent):`).
//! 4. **Not names.** Runs followed by a street or company word (`Evans Road`,
//!    `Smith Ltd`, `Marks &`), preceded by a place word (`North Kelly`),
//!    listed brands (`John Lewis`), and words glued to `@`, `.` or `/`
//!    (parts of email addresses and URLs) are dropped.
//!
//! The span is the whole name (title excluded).

use std::collections::HashSet;

use rustc_hash::{FxHashMap, FxHashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;

use super::context::{in_placeholder, FieldContext};
use super::RawFinding;

/// The `[names]` table of a pattern file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamesConfig {
    /// Score of a Title Case "Given Surname" run.
    pub score_pair: f32,
    /// Score of a run with an ambiguous word, or not in Title Case.
    pub score_weak: f32,
    /// Added when a cue precedes the run.
    pub context_boost: f32,
    /// Score of a single name word (or unknown word after a title) with a cue.
    pub score_cued_single: f32,
    /// Bytes before a run searched for cues.
    pub context_before: usize,
    /// Titles.
    pub titles: Vec<String>,
    /// Cues before a name.
    pub cues: Vec<String>,
    /// Cues that introduce a surname in prose ("my surname is", "spelled"):
    /// like a `surname` column header, they vouch for a single surname.
    #[serde(default)]
    pub surname_cues: Vec<String>,
    /// Cues right after a name.
    pub cues_after: Vec<String>,
    /// Cues that vouch for a run of capitalised words in no lexicon (names
    /// from countries the lexicons miss): a name field, "my name is", a
    /// voice tag. Each is also in `cues`.
    #[serde(default)]
    pub strong_cues: Vec<String>,
    /// Prose cues that vouch even for a single capitalised word in no
    /// lexicon ("my name's Oluwaseun", `<v Thandiwe>`); a field name
    /// (`name: String` in code) does not.
    #[serde(default)]
    pub strong_single_cues: Vec<String>,
    /// Words that make a run of words in no lexicon a placeholder, not a
    /// person ("Test User", "Another User", "Web Archive").
    #[serde(default)]
    pub placeholder_words: Vec<String>,
    /// Words after a run that make it a street or organisation.
    pub not_after: Vec<String>,
    /// Words before a run that make it a place.
    pub not_before: Vec<String>,
    /// Brands and companies that look like names.
    pub not_names: Vec<String>,
    /// Common words in the lexicons: never a name alone without a title.
    pub stopwords: Vec<String>,
}

fn words_of(tsv: &str) -> impl Iterator<Item = &str> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').next())
        .map(str::trim)
}

/// The last word of a cue, lower-cased, as [`NameDetector::cue_end_before`]
/// finds it in text: trailing punctuation dropped, then the letters and
/// apostrophes before it (no leading apostrophe). `None` when that is empty
/// or the cue ends in a digit.
fn cue_key(cue: &str) -> Option<String> {
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
fn lower_into<'b>(word: &[u8], buf: &'b mut [u8; 24]) -> Option<&'b str> {
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
fn pack16(word: &[u8]) -> Option<u128> {
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
    w | super::bytes_between(w, 0x40, 0x5b) >> 2
}

/// A word starting at `start` is glued to what comes before it: an email
/// address or URL, digits (`ha9` of a postcode, `jane2` of a user name), a
/// redaction placeholder or mask (`nor[EMAIL]`, `nor**.***@`: what is left
/// of a damaged address).
fn glued_before(hay: &[u8], start: usize) -> bool {
    start > 0 && matches!(hay[start - 1], b'@' | b'.' | b'/' | b'_' | b'\\' | b']' | b'*' | b'0'..=b'9')
}

/// A word ending at `end` is glued to what follows it (see [`glued_before`]).
fn glued_after(hay: &[u8], end: usize) -> bool {
    end < hay.len()
        && (matches!(hay[end], b'@' | b'_' | b'[' | b'*' | b'0'..=b'9')
            || (matches!(hay[end], b'.' | b'/') && hay.get(end + 1).is_some_and(u8::is_ascii_alphanumeric)))
}

/// Whether the punctuation between a cue and a word holds a masked word
/// (the mask style's output): then the cue was for the value the mask
/// hides, not for the word after it. A masked word is `***`, a run of two or
/// more `*`, or a blank-separated token starting with `*` before the word
/// (`Dear **# Scott`, `It's ***** ling`, `From: "***?Fletcher"`). Markdown
/// bold after a cue (`**Name:** Jo`) is none: its `**` follows the cue.
fn masked_gap(gap: &[u8]) -> bool {
    // The tokens with a blank after them: all but the one touching the word.
    let before_last_blank = gap.iter().rposition(u8::is_ascii_whitespace).map_or(&gap[..0], |p| &gap[..p]);
    gap.windows(3).any(|w| w == b"***")
        || gap.split(u8::is_ascii_whitespace).any(|t| t.len() >= 2 && t.iter().all(|&b| b == b'*'))
        || before_last_blank.split(u8::is_ascii_whitespace).any(|t| t.first() == Some(&b'*'))
}

/// The compiled name detector.
#[derive(Debug)]
pub struct NameDetector {
    cfg: NamesConfig,
    /// Every lexicon word with its flags (one lookup per word of text).
    lexicon: FxHashMap<Box<[u8]>, u8>,
    titles: HashSet<String>,
    /// The last word of every cue ("is" of "my name is") and every title: a
    /// cheap gate before the cue search, and before looking up lower-case
    /// words. Packed into one integer each ([`pack16`]): this test runs on
    /// every lower-case word of prose.
    cue_ends: FxHashSet<u128>,
    /// Whether every cue's last word is letters (and apostrophes), so that
    /// [`NameDetector::cue_end_before`] may rule cues out.
    cue_gate: bool,
    cues: AhoCorasick,
    surname_cues: AhoCorasick,
    /// See [`NamesConfig::strong_cues`].
    strong: AhoCorasick,
    /// See [`NamesConfig::strong_single_cues`].
    strong_single: AhoCorasick,
    not_after: HashSet<String>,
    not_before: HashSet<String>,
    not_names: HashSet<String>,
}

/// Byte classes for the tokenizer: word byte, upper, lower, mark (`'`/`-`), non-ASCII.
const B_WORD: u8 = 1;
const B_UPPER: u8 = 2;
const B_LOWER: u8 = 4;
const B_MARK: u8 = 8;
const B_HIGH: u8 = 16;

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

static CLASS: [u8; 256] = byte_classes();

/// Lexicon flags.
const GIVEN: u8 = 1;
const SURNAME: u8 = 2;
const AMBIGUOUS: u8 = 4;
const STOP: u8 = 8;
const TITLE: u8 = 16;
const CUE_WORD: u8 = 32;
const PARTICLE: u8 = 64;

/// Case of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Title,
    Upper,
    Lower,
    Mixed,
}

#[derive(Debug, Clone)]
struct Word {
    start: usize,
    end: usize,
    case: Case,
    /// A title or single-word cue ("Miss", "Dear"): never part of a name.
    title_or_cue: bool,
    particle: bool,
    given: bool,
    surname: bool,
    ambiguous: bool,
    stop: bool,
    initial: bool,
}

impl Word {
    fn is_name(&self) -> bool {
        self.given || self.surname
    }
}

const PARTICLES: &[&str] =
    &["van", "von", "de", "der", "den", "da", "di", "del", "della", "la", "le", "bin", "ibn", "al", "el", "ap", "du"];

impl NameDetector {
    /// Build from the `[names]` table and the embedded lexicons.
    pub fn new(cfg: NamesConfig) -> Result<NameDetector, String> {
        let lower = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect::<HashSet<String>>();
        let cues = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&cfg.cues)
            .map_err(|e| format!("names.cues: {e}"))?;
        let surname_cues = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&cfg.surname_cues)
            .map_err(|e| format!("names.surname_cues: {e}"))?;
        let build = |v: &[String], what: &str| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(v)
                .map_err(|e| format!("names.{what}: {e}"))
        };
        let strong = build(&cfg.strong_cues, "strong_cues")?;
        let strong_single = build(&cfg.strong_single_cues, "strong_single_cues")?;
        let mut lexicon: FxHashMap<Box<[u8]>, u8> = FxHashMap::default();
        let mut flag = |words: &mut dyn Iterator<Item = &str>, f: u8, only_existing: bool| {
            for w in words {
                match lexicon.get_mut(w.as_bytes()) {
                    Some(v) => *v |= f,
                    None if !only_existing => {
                        lexicon.insert(Box::from(w.as_bytes()), f);
                    }
                    None => {}
                }
            }
        };
        flag(&mut words_of(include_str!("../../patterns/names/given.tsv")), GIVEN, false);
        flag(&mut words_of(include_str!("../../patterns/names/surnames.tsv")), SURNAME, false);
        flag(&mut words_of(include_str!("../../patterns/names/ambiguous.tsv")), AMBIGUOUS, true);
        flag(&mut cfg.stopwords.iter().map(String::as_str), STOP, true);
        let titles: Vec<String> = cfg.titles.iter().map(|t| t.to_ascii_lowercase()).collect();
        let cue_words: Vec<String> =
            cfg.cues.iter().filter(|c| !c.contains([' ', '_'])).map(|c| c.to_ascii_lowercase()).collect();
        flag(&mut titles.iter().map(String::as_str), TITLE, false);
        flag(&mut cue_words.iter().map(String::as_str), CUE_WORD, false);
        flag(&mut PARTICLES.iter().copied(), PARTICLE, false);
        // The last word of each cue and title, as `cue_end_before` reads it;
        // a cue it cannot read that way (ending in a digit) turns the gate off.
        let ends: Vec<Option<String>> =
            cfg.cues.iter().chain(&cfg.surname_cues).chain(&cfg.titles).map(|c| cue_key(c)).collect();
        let cue_gate = ends.iter().all(|k| k.as_ref().is_some_and(|k| k.len() <= 16));
        let cue_ends: FxHashSet<u128> = ends.iter().flatten().filter_map(|w| pack16(w.as_bytes())).collect();
        Ok(NameDetector {
            lexicon,
            titles: lower(&cfg.titles),
            cue_gate,
            cue_ends,
            not_after: lower(&cfg.not_after),
            not_before: lower(&cfg.not_before),
            not_names: lower(&cfg.not_names),
            cues,
            surname_cues,
            strong,
            strong_single,
            cfg,
        })
    }

    /// Classify one word. Fast path: no allocation unless the word is a
    /// name (or a capitalised word, which may follow a title).
    fn classify(&self, hay: &[u8], start: usize, end: usize) -> Option<Word> {
        let raw = &hay[start..end];
        if raw.len() == 1 {
            let initial = raw[0].is_ascii_uppercase();
            return initial.then_some(Word {
                start,
                end,
                case: Case::Upper,
                title_or_cue: false,
                particle: false,
                given: false,
                surname: false,
                ambiguous: false,
                stop: false,
                initial: true,
            });
        }
        if raw.len() > 40 {
            return None;
        }
        // One pass: lower-case into a stack buffer, and note case and marks.
        let mut buf = [0u8; 40];
        let mut rest = 0u8;
        for (d, &c) in buf[1..].iter_mut().zip(&raw[1..]) {
            let k = CLASS[c as usize];
            rest |= k;
            // B_UPPER << 4 == 0x20: the ASCII lower-case bit.
            *d = c | ((k & B_UPPER) << 4);
        }
        buf[0] = raw[0].to_ascii_lowercase();
        let first_upper = raw[0].is_ascii_uppercase();
        let all = rest | CLASS[raw[0] as usize];
        let (upper_rest, lower, marks, non_ascii) =
            (rest & B_UPPER != 0, all & B_LOWER != 0, rest & B_MARK != 0, all & B_HIGH != 0);
        let folded: Vec<u8>;
        let key: &[u8] = if non_ascii {
            folded = deunicode::deunicode(&String::from_utf8_lossy(raw))
                .replace('\u{2019}', "'")
                .to_ascii_lowercase()
                .into_bytes();
            &folded
        } else {
            &buf[..raw.len()]
        };
        let mut flags = self.lexicon.get(key).copied().unwrap_or(0);
        if marks && flags & (GIVEN | SURNAME) == 0 {
            // O'Brien as obrien; Smith-Jones when every part is a name.
            let k: Vec<u8> = key.iter().copied().filter(|&b| b != b'\'').collect();
            flags |= self.lexicon.get(k.as_slice()).copied().unwrap_or(0);
            if flags & (GIVEN | SURNAME) == 0
                && key.contains(&b'-')
                && key.split(|&b| b == b'-').all(|p| self.lexicon.get(p).is_some_and(|f| f & (GIVEN | SURNAME) != 0))
            {
                flags |= SURNAME;
            }
        }
        let case = if first_upper && !upper_rest {
            Case::Title
        } else if first_upper && !lower {
            Case::Upper
        } else if first_upper
            && (raw.windows(2).any(|w| matches!(w[0], b'\'' | b'-') && w[1].is_ascii_uppercase())
                || raw.starts_with(b"Mc")
                || raw.starts_with(b"Mac"))
        {
            // O'Brien, Smith-Jones, McDonald
            Case::Title
        } else if !first_upper && !upper_rest {
            Case::Lower
        } else {
            Case::Mixed
        };
        if flags == 0 && case != Case::Title {
            return None;
        }
        Some(Word {
            start,
            end,
            case,
            title_or_cue: flags & (TITLE | CUE_WORD) != 0,
            particle: flags & PARTICLE != 0,
            given: flags & GIVEN != 0,
            surname: flags & SURNAME != 0,
            ambiguous: flags & AMBIGUOUS != 0,
            stop: flags & STOP != 0,
            initial: false,
        })
    }

    /// Append the lexicon key of a word (lower case, ASCII-folded) to `out`.
    fn push_key(out: &mut String, hay: &[u8], w: &Word) {
        let raw = &hay[w.start..w.end];
        match std::str::from_utf8(raw) {
            Ok(ascii) if raw.is_ascii() => out.extend(ascii.chars().map(|c| c.to_ascii_lowercase())),
            _ => out.push_str(
                &deunicode::deunicode(&String::from_utf8_lossy(raw)).replace('\u{2019}', "'").to_ascii_lowercase(),
            ),
        }
    }

    /// Find names in `hay`, appending raw findings for rule `rule`.
    pub fn scan(
        &self,
        hay: &[u8],
        field: &FieldContext,
        rule: usize,
        min_score: f32,
        out: &mut Vec<RawFinding>,
        progress: &mut dyn FnMut(usize),
    ) {
        let n = hay.len();
        let mut i = 0;
        let mut run: Vec<Word> = Vec::new();
        let mut comma_at: Option<usize> = None;
        let mut next_report = 1 << 20;
        // A column header can vouch for any word; otherwise a lower-case word
        // only matters inside a run or right after a cue or title.
        let labels = !matches!(field, FieldContext::None);
        let cued: Vec<bool> = field.headers().iter().map(|h| self.header_is_cue(h)).collect();
        let mut prev: (usize, usize) = (0, 0);
        let is_word = |b: u8| CLASS[b as usize] & B_WORD != 0;
        while i < n {
            if !is_word(hay[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < n {
                let k = CLASS[hay[i] as usize];
                if k & B_WORD != 0 || (k & B_MARK != 0 && i + 1 < n && is_word(hay[i + 1])) {
                    i += 1;
                } else {
                    break;
                }
            }
            let end = i;
            if end >= next_report {
                progress(end);
                next_report = end + (1 << 20);
            }
            let lower_first = hay[start].is_ascii_lowercase();
            let prev_word = std::mem::replace(&mut prev, (start, end));
            if lower_first && run.is_empty() && !labels && !self.ends_cue(hay, prev_word, start) {
                continue;
            }
            let Some(w) = self.classify(hay, start, end) else {
                if !run.is_empty() {
                    self.flush(hay, field, &cued, rule, min_score, &mut run, &mut comma_at, out);
                }
                continue;
            };
            // A title or a cue word is never part of the name ("Miss" and
            // "Dear" are also in the Census lists), except a title that is
            // also a surname right after a given name ("Caroline Lord").
            let surname_here =
                w.surname && run.last().is_some_and(|l| l.given && l.case == w.case && &hay[l.end..start] == b" ");
            if w.title_or_cue && !surname_here {
                self.flush(hay, field, &cued, rule, min_score, &mut run, &mut comma_at, out);
                continue;
            }
            // Does it continue the current run?
            // One case per run ("Dr Okonkwo will call" is not one name);
            // initials fit any; "SMITH, John" mixes by design.
            let case_fits = |last: &Word| {
                w.initial || last.initial || w.case == last.case || (run.len() == 1 && &hay[last.end..start] == b", ")
            };
            let continues = run.last().is_some_and(|last| {
                let gap = &hay[last.end..start];
                case_fits(last)
                    && (gap == b" "
                        || (last.initial && gap == b". ")
                        || (run.len() == 1 && gap == b", " && comma_at.is_none()))
            });
            let by_comma = continues && &hay[run.last().map_or(0, |l| l.end)..start] == b", ";
            if !continues {
                self.flush(hay, field, &cued, rule, min_score, &mut run, &mut comma_at, out);
            }
            let after_title = run.is_empty() && self.title_before(hay, start);
            // A capitalised word in no lexicon after a strong cue (a name
            // field, "my name is", a voice tag), or continuing a run that
            // began after one: names from countries the lexicons miss.
            let after_strong = |at: usize| self.cue_end_before(hay, at) && self.strong_before(&self.strong, hay, at);
            let keep = w.is_name()
                || w.initial
                || (!run.is_empty() && w.particle)
                || (w.case == Case::Title && (after_title || run.last().is_some_and(|l| l.initial)) && !w.ambiguous)
                || (w.case == Case::Title && !w.stop && after_strong(run.first().map_or(start, |f| f.start)));
            if keep && run.len() < 5 {
                if by_comma {
                    comma_at = Some(run.len());
                }
                run.push(w);
            } else {
                self.flush(hay, field, &cued, rule, min_score, &mut run, &mut comma_at, out);
                if w.is_name() || w.initial || (w.case == Case::Title && self.title_before(hay, start)) {
                    run.push(w);
                }
            }
        }
        self.flush(hay, field, &cued, rule, min_score, &mut run, &mut comma_at, out);
    }

    /// The previous word `[ps, pe)` ends a cue or is a title, with only
    /// punctuation and spaces between it and `start`.
    fn ends_cue(&self, hay: &[u8], (ps, pe): (usize, usize), start: usize) -> bool {
        pe - ps >= 2
            && !hay[pe..start].iter().any(u8::is_ascii_alphanumeric)
            && self.is_cue_end(&hay[ps..pe])
            && !masked_gap(&hay[pe..start])
    }

    /// Whether `word` (any case, at most 16 bytes) ends a cue or is a title.
    fn is_cue_end(&self, word: &[u8]) -> bool {
        !word.is_empty() && pack16(word).is_some_and(|k| self.cue_ends.contains(&k))
    }

    /// The word right before `pos` (skipping one space and a `.`) is a title.
    fn title_before(&self, hay: &[u8], pos: usize) -> bool {
        let mut e = pos;
        while e > 0 && hay[e - 1] == b' ' {
            e -= 1;
        }
        if e > 0 && hay[e - 1] == b'.' {
            e -= 1;
        }
        let s = hay[..e].iter().rposition(|b| !b.is_ascii_alphabetic()).map_or(0, |p| p + 1);
        // "Mr", "MS", "Dr." — capitalised, and not the unit in "616ms".
        let glued = s > 0 && hay[s - 1].is_ascii_alphanumeric();
        e > s && e - s <= 9 && hay[s].is_ascii_uppercase() && !glued && {
            let mut buf = [0u8; 9];
            for (d, b) in buf.iter_mut().zip(&hay[s..e]) {
                *d = b.to_ascii_lowercase();
            }
            std::str::from_utf8(&buf[..e - s]).is_ok_and(|t| self.titles.contains(t))
        }
    }

    /// A cue word group ends right before `pos`, with only punctuation and
    /// spaces between (`"name": "`, `Dear `, `Thanks,\n`), or the CSV column
    /// header is a cue.
    ///
    /// `cued` holds each header's verdict, judged once per text.
    fn label_cue(&self, hay: &[u8], field: &FieldContext, cued: &[bool], pos: usize) -> bool {
        field.column(hay, pos).and_then(|c| cued.get(c)).is_some_and(|&c| c)
    }

    /// Whether a column header is a cue ("customer_name", "Next of kin").
    ///
    /// A cue starts a token of the header; a short one (`to`, `cc`, `fn`)
    /// must also end one, so that the header `town` is not the cue `to`
    /// (towns that are also surnames were the largest class of false
    /// names). A longer cue may run into a glued word (`customername`).
    fn header_is_cue(&self, label: &[u8]) -> bool {
        self.cues.find_overlapping_iter(label).any(|m| {
            let starts = m.start() == 0 || !label[m.start() - 1].is_ascii_alphabetic();
            let ends = m.end() == label.len() || !label[m.end()].is_ascii_alphabetic();
            starts && (ends || m.end() - m.start() >= 4)
        })
    }

    fn cue_before(&self, hay: &[u8], pos: usize) -> bool {
        self.cue_end_before(hay, pos)
            && Self::ends_before(&self.cues, hay, pos.saturating_sub(self.cfg.context_before), pos)
    }

    /// One of `ac`'s (strong) cues ends right before `pos`.
    fn strong_before(&self, ac: &AhoCorasick, hay: &[u8], pos: usize) -> bool {
        Self::ends_before(ac, hay, pos.saturating_sub(self.cfg.context_before), pos)
    }

    /// A prose cue for a surname ends right before `pos`.
    fn surname_cue_before(&self, hay: &[u8], pos: usize) -> bool {
        self.cue_end_before(hay, pos)
            && Self::ends_before(&self.surname_cues, hay, pos.saturating_sub(self.cfg.context_before), pos)
    }

    /// The last letters before `pos` (past punctuation and spaces within
    /// the cue window) are the last word of some cue or title. Every cue
    /// [`NameDetector::ends_before`] accepts passes this test, which costs a
    /// hash lookup instead of an automaton search over the window: most
    /// name candidates have no cue.
    fn cue_end_before(&self, hay: &[u8], pos: usize) -> bool {
        if !self.cue_gate {
            return true;
        }
        let from = pos.saturating_sub(self.cfg.context_before);
        let Some(e) = hay[from..pos].iter().rposition(u8::is_ascii_alphanumeric).map(|p| from + p + 1) else {
            return false;
        };
        let s =
            hay[from..e].iter().rposition(|b| !(b.is_ascii_alphabetic() || *b == b'\'')).map_or(from, |p| from + p + 1);
        // The cue's last word is the run, or what follows an apostrophe in
        // it ("o'name" ends the cue "name" for the automaton too).
        let run = &hay[s..e];
        self.is_cue_end(run.strip_prefix(b"'").unwrap_or(run))
            || run.iter().enumerate().any(|(i, &b)| b == b'\'' && self.is_cue_end(&run[i + 1..]))
    }

    /// One of `ac`'s phrases, as whole words, ends in `from..pos` with only
    /// punctuation or spaces after it.
    fn ends_before(ac: &AhoCorasick, hay: &[u8], from: usize, pos: usize) -> bool {
        let mut best = None;
        for m in ac.find_overlapping_iter(aho_corasick::Input::new(hay).range(from..pos)) {
            // A cue that starts with its own boundary (`\nname`, `"name"`).
            let boundary_before = m.start() == 0
                || !hay[m.start()].is_ascii_alphanumeric()
                || !hay[m.start() - 1].is_ascii_alphanumeric();
            let gap = &hay[m.end()..pos];
            // Only punctuation between, and no masked word (`It's ***** ling`,
            // `From: "***?Fletcher"`: the cue was for the name a redaction
            // masked). `**Name:** Jo` (Markdown bold) keeps its cue.
            let gap_ok = gap.iter().all(|b| !b.is_ascii_alphanumeric()) && !masked_gap(gap);
            let boundary_after = m.end() == pos || !hay[m.end()].is_ascii_alphanumeric();
            // A WebVTT voice tag is `<v ` exactly: `<V: Visitor>` is a Rust
            // generic, not a speaker.
            // The name is inside the tag: `<v **>And the…` (a redacted
            // speaker) cues nothing after the `>`.
            let tag_ok = hay[m.start()] != b'<'
                || (hay[m.start() + 1] == b'v' && hay.get(m.end()) == Some(&b' ') && !gap.contains(&b'>'));
            if boundary_before && boundary_after && tag_ok && gap_ok && !in_placeholder(hay, m.start(), m.end()) {
                best = Some(m.end());
            }
        }
        best.is_some()
    }

    /// The next word after `pos` (skipping spaces), lower-cased into `buf`,
    /// and whether `&` comes first. No allocation: this
    /// runs for every candidate name.
    fn word_after<'b>(hay: &[u8], pos: usize, buf: &'b mut [u8; 24]) -> (&'b str, bool) {
        let mut s = pos;
        while s < hay.len() && hay[s] == b' ' {
            s += 1;
        }
        if s < hay.len() && hay[s] == b'&' {
            return ("", true);
        }
        let e = hay[s..]
            .iter()
            .position(|b| !(b.is_ascii_alphabetic() || *b == b'(' || *b == b')'))
            .map_or(hay.len(), |p| s + p);
        // Longer words keep their first 24 bytes: every listed word and
        // cue is shorter, so prefix and equality tests are unchanged.
        (lower_into(&hay[s..e.min(s + buf.len())], buf).unwrap_or_default(), false)
    }

    #[allow(clippy::too_many_arguments)]
    fn flush(
        &self,
        hay: &[u8],
        field: &FieldContext,
        cued: &[bool],
        rule: usize,
        min_score: f32,
        run: &mut Vec<Word>,
        comma_at: &mut Option<usize>,
        out: &mut Vec<RawFinding>,
    ) {
        let comma = comma_at.take();
        if run.is_empty() {
            return;
        }
        // A word glued to what follows it is part of that (`Chloé
        // Sane.briggs@…`): the words before it may still be a name.
        while run.len() > 1 && run.last().is_some_and(|l| glued_after(hay, l.end)) {
            run.pop();
        }
        let comma = comma.filter(|&c| c < run.len());
        // The run's buffer is reused for the next run.
        if let Some(f) = self.evaluate(hay, field, cued, rule, min_score, run, comma) {
            out.push(f);
        }
        run.clear();
    }

    /// A given name addressed at the end of a sentence, after a comma:
    /// "Anything else I can help with today, Keira?", "That's all
    /// verified, Tom." (how agents speak to customers in chats and calls).
    /// Only an unambiguous given name in Title Case, so that ", Paris." or
    /// ", May." stay what they are.
    fn vocative(&self, hay: &[u8], w: &Word) -> bool {
        w.given
            && !w.ambiguous
            && !w.stop
            && w.case == Case::Title
            && w.start >= 3
            && &hay[w.start - 2..w.start] == b", "
            && hay[w.start - 3].is_ascii_alphabetic()
            && matches!(hay.get(w.end), Some(b'?' | b'.' | b'!'))
    }

    /// Decide whether a run of words is a name.
    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &self,
        hay: &[u8],
        field: &FieldContext,
        cued: &[bool],
        rule: usize,
        min_score: f32,
        run: &[Word],
        comma: Option<usize>,
    ) -> Option<RawFinding> {
        let mut words: &[Word] = run;
        // Particles and trailing initials cannot end a name; particles cannot start one.
        while let [rest @ .., last] = words {
            if !(last.particle || last.initial) {
                break;
            }
            words = rest;
        }
        while let [first, rest @ ..] = words {
            if !first.particle {
                break;
            }
            words = rest;
        }
        let (Some(first), Some(last)) = (words.first(), words.last()) else { return None };
        let (start, end) = (first.start, last.end);
        let vocative = words.len() == 1 && self.vocative(hay, first);
        // Cheap rejections first: most runs in prose are one common word
        // ("will", "may") that no cue could make a name.
        let title = self.title_before(hay, start);
        if words.len() == 1 && !title {
            let unknown_ok = || {
                first.case == Case::Title
                    && self.strong_before(&self.strong_single, hay, start)
                    && !self.cfg.placeholder_words.iter().any(|p| p.as_bytes().eq_ignore_ascii_case(&hay[start..end]))
            };
            if first.stop || first.case == Case::Mixed || (!first.is_name() && !unknown_ok()) {
                return None;
            }
            // A cue must end right before the word, or a speaker label follow
            // it, or a column header name the field; checked cheaply first.
            let prev_is_cue_end = {
                let mut e = start;
                while e > 0 && start - e < 8 && !hay[e - 1].is_ascii_alphanumeric() {
                    e -= 1;
                }
                let s0 = hay[..e].iter().rposition(|b| !(b.is_ascii_alphabetic() || *b == b'\'')).map_or(0, |p| p + 1);
                // A masked word between (`Dear **# Scott`) took the cue.
                self.is_cue_end(&hay[s0..e]) && !masked_gap(&hay[e..start])
            };
            let label_possible = !matches!(field, FieldContext::None);
            let speaker_after = hay.get(end..end + 2).is_some_and(|w| w == b" (");
            if !(prev_is_cue_end || label_possible || speaker_after || vocative) {
                return None;
            }
        }
        if glued_before(hay, start) || glued_after(hay, end) {
            return None;
        }
        let mut after = [0u8; 24];
        let (next, amp) = Self::word_after(hay, end, &mut after);
        if amp || self.not_after.contains(next) {
            return None;
        }
        // The words' keys joined by spaces, in one buffer.
        let mut joined = String::with_capacity(end - start + 8);
        let mut first_len = 0;
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                joined.push(' ');
            }
            Self::push_key(&mut joined, hay, w);
            if i == 0 {
                first_len = joined.len();
            }
        }
        if self.not_names.contains(&joined) {
            return None;
        }
        if !title {
            // A place word right before: "North Kelly".
            let e = hay[..start].iter().rposition(|b| *b != b' ').map_or(0, |p| p + 1);
            let s = hay[..e].iter().rposition(|b| !b.is_ascii_alphabetic()).map_or(0, |p| p + 1);
            let mut before = [0u8; 24];
            if lower_into(&hay[s..e], &mut before).is_some_and(|w| !w.is_empty() && self.not_before.contains(w)) {
                return None;
            }
        }
        let label = self.label_cue(hay, field, cued, start) || self.surname_cue_before(hay, start);
        let text_cue =
            self.cue_before(hay, start)
                || self.cfg.cues_after.iter().any(|c| {
                    next.starts_with(c.as_str()) || (c.starts_with('(') && next == c.trim_matches(['(', ')']))
                });
        let cue = title || label || text_cue || vocative;
        let real: Vec<&Word> = words.iter().filter(|w| !w.initial && !w.particle).collect();
        let all_case = |c: Case| real.iter().all(|w| w.case == c);
        let any_ambiguous = real.iter().any(|w| w.ambiguous);
        let surname_first = comma.is_some() && words.len() == 2 && words[0].surname && words[1].given;
        let score = if real.len() >= 2 || (real.len() == 1 && words.len() >= 2) {
            let shape_ok = surname_first || ((first.given || first.initial) && (last.surname || last.given));
            let all_title = real.iter().all(|w| w.case == Case::Title);
            if !(shape_ok || title && all_title) {
                // Names the lexicons miss ("Thandiwe Mbeki-Okafor") after a
                // name field, "my name is" or a voice tag.
                let placeholder =
                    || joined.split(' ').any(|w| self.cfg.placeholder_words.iter().any(|p| p.eq_ignore_ascii_case(w)));
                if all_title
                    && real.len() <= 4
                    && text_cue
                    && self.strong_before(&self.strong, hay, start)
                    && !placeholder()
                {
                    return (self.cfg.score_cued_single >= min_score && comma.is_none())
                        .then(|| RawFinding::unplaced(rule, start, end, self.cfg.score_cued_single, joined));
                }
                return None;
            }
            let shape_case =
                all_case(Case::Title) || (surname_first && (all_case(Case::Upper) || real[0].case == Case::Upper));
            let all_ambiguous = real.iter().all(|w| w.ambiguous || w.stop);
            // One ambiguous word beside an unambiguous one ("Jay Griffiths")
            // is still a name, with less confidence.
            let base = match (shape_case, any_ambiguous, all_ambiguous) {
                (true, false, _) => self.cfg.score_pair,
                (true, true, false) => (self.cfg.score_pair + self.cfg.score_weak) / 2.0 + 0.05,
                _ => self.cfg.score_weak,
            };
            if cue {
                (base + self.cfg.context_boost).min(1.0)
            } else {
                base
            }
        } else if real.len() == 1 && cue {
            let w = real[0];
            if w.case == Case::Mixed {
                return None;
            }
            if title {
                // "Mr Clark", "Dr Okonkwo": any name word, or an unknown capitalised word.
                if !(w.is_name() || w.case == Case::Title) {
                    return None;
                }
                self.cfg.score_cued_single
            } else {
                // Without a title, a single word must be a name and not a common word;
                // a column header ("last_name") vouches for surnames, prose cues
                // ("Dear", "Customer:") only for given names.
                let fits = if label { w.is_name() } else { w.given };
                let unknown_after_strong =
                    !fits && w.case == Case::Title && !w.stop && self.strong_before(&self.strong_single, hay, start);
                if (!fits && !unknown_after_strong) || w.stop {
                    return None;
                }
                if w.ambiguous {
                    // "Dear Will," is a name; "(Agent): Grace period ends" is not:
                    // an ambiguous word must end its phrase.
                    let followed_by_word =
                        hay.get(end) == Some(&b' ') && hay.get(end + 1).is_some_and(u8::is_ascii_alphabetic);
                    if followed_by_word {
                        return None;
                    }
                    self.cfg.score_weak + self.cfg.context_boost
                } else {
                    self.cfg.score_cued_single
                }
            }
        } else {
            return None;
        };
        if score < min_score || (comma.is_some() && !surname_first) {
            return None;
        }
        let normalized = if surname_first {
            // "SMITH, John" is John Smith (two words: the rest is the given name).
            format!("{} {}", &joined[first_len + 1..], &joined[..first_len])
        } else {
            joined
        };
        Some(RawFinding::unplaced(rule, start, end, score, normalized))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> NamesConfig {
        #[derive(Deserialize)]
        struct File {
            names: NamesConfig,
        }
        let file: File = toml::from_str(include_str!("../../patterns/name.toml")).expect("name.toml");
        file.names
    }

    /// Issue 18: a cue matches whole tokens of a header; `town` is not `to`.
    #[test]
    fn header_cues_are_whole_tokens() {
        let d = NameDetector::new(config()).expect("detector");
        for h in ["to", "cc", "first_name", "customername", "fname", "next of kin", "Contact Name"] {
            assert!(d.header_is_cue(h.to_ascii_lowercase().as_bytes()), "{h}");
        }
        for h in ["town", "county", "history", "total", "ccy", "lnk"] {
            assert!(!d.header_is_cue(h.as_bytes()), "{h}");
        }
    }

    /// The cheap gate never rules out a cue the automaton would find: every
    /// configured cue, in several spellings and with odd punctuation around it.
    #[test]
    fn cue_gate_passes_every_cue_the_automaton_finds() {
        let cfg = config();
        let cues: Vec<String> = cfg.cues.iter().chain(&cfg.surname_cues).cloned().collect();
        let d = NameDetector::new(cfg).expect("detector");
        assert!(d.cue_gate);
        for cue in &cues {
            // A voice tag is matched exactly (`<v `): no other spellings.
            if cue.starts_with('<') {
                let text = format!("{cue} Jane");
                assert!(d.cue_end_before(text.as_bytes(), text.len() - 4), "gate rules out {text:?}");
                continue;
            }
            for text in [
                format!("{cue} Jane"),
                format!("x {}: Jane", cue.to_uppercase()),
                format!("\"{cue}\": \"Jane"),
                format!("o'{cue} -- Jane"),
                format!("({cue})\n\tJane"),
            ] {
                let hay = text.as_bytes();
                let pos = text.rfind("Jane").expect("Jane");
                let from = pos.saturating_sub(d.cfg.context_before);
                let found = NameDetector::ends_before(&d.cues, hay, from, pos)
                    || NameDetector::ends_before(&d.surname_cues, hay, from, pos);
                assert!(found, "automaton misses {text:?}");
                assert!(d.cue_end_before(hay, pos), "gate rules out {text:?}");
            }
        }
        // And it does rule out words that end no cue.
        assert!(!d.cue_end_before(b"the weather Jane", 12));
        assert!(!d.cue_end_before(b"1234 Jane", 5));
    }

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
