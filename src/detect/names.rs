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

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;

use super::context::FieldContext;
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
    /// Cues right after a name.
    pub cues_after: Vec<String>,
    /// Words after a run that make it a street or organisation.
    pub not_after: Vec<String>,
    /// Words before a run that make it a place.
    pub not_before: Vec<String>,
    /// Brands and companies that look like names.
    pub not_names: Vec<String>,
    /// Common words in the lexicons: never a name alone without a title.
    pub stopwords: Vec<String>,
}

fn load_set(tsv: &str) -> HashSet<Box<str>> {
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').next())
        .map(|w| Box::from(w.trim()))
        .collect()
}

/// The compiled name detector.
#[derive(Debug)]
pub struct NameDetector {
    cfg: NamesConfig,
    given: HashSet<Box<str>>,
    surnames: HashSet<Box<str>>,
    ambiguous: HashSet<Box<str>>,
    titles: HashSet<String>,
    /// Single-word cues ("dear", "hi", "thanks"): never part of a name
    /// ("Dear" is also a surname).
    cue_words: HashSet<String>,
    cues: AhoCorasick,
    not_after: HashSet<String>,
    not_before: HashSet<String>,
    not_names: HashSet<String>,
    stopwords: HashSet<String>,
}

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
    key: String,
    case: Case,
    given: bool,
    surname: bool,
    ambiguous: bool,
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
        Ok(NameDetector {
            given: load_set(include_str!("../../patterns/names/given.tsv")),
            surnames: load_set(include_str!("../../patterns/names/surnames.tsv")),
            ambiguous: load_set(include_str!("../../patterns/names/ambiguous.tsv")),
            titles: lower(&cfg.titles),
            cue_words: cfg.cues.iter().filter(|c| !c.contains([' ', '_'])).map(|c| c.to_ascii_lowercase()).collect(),
            not_after: lower(&cfg.not_after),
            not_before: lower(&cfg.not_before),
            not_names: lower(&cfg.not_names),
            stopwords: lower(&cfg.stopwords),
            cues,
            cfg,
        })
    }

    fn classify(&self, hay: &[u8], start: usize, end: usize) -> Option<Word> {
        let raw = &hay[start..end];
        let text = String::from_utf8_lossy(raw);
        let folded =
            if raw.is_ascii() { text.into_owned() } else { deunicode::deunicode(&text).replace('\u{2019}', "'") };
        let key = folded.to_ascii_lowercase();
        if key.len() < 2 || key.len() > 40 {
            let initial = key.len() == 1 && raw[0].is_ascii_uppercase();
            return initial.then_some(Word {
                start,
                end,
                key,
                case: Case::Upper,
                given: false,
                surname: false,
                ambiguous: false,
                initial: true,
            });
        }
        let letters: Vec<u8> = folded.bytes().filter(u8::is_ascii_alphabetic).collect();
        let case = if letters.iter().all(u8::is_ascii_lowercase) {
            Case::Lower
        } else if letters.iter().all(u8::is_ascii_uppercase) {
            Case::Upper
        } else if letters[0].is_ascii_uppercase() {
            Case::Title
        } else {
            Case::Mixed
        };
        let lookup = |set: &HashSet<Box<str>>| {
            set.contains(key.as_str())
                || (key.contains('\'') && set.contains(key.replace('\'', "").as_str()))
                || (key.contains('-') && key.split('-').all(|p| self.given.contains(p) || self.surnames.contains(p)))
        };
        Some(Word {
            start,
            end,
            given: lookup(&self.given),
            surname: lookup(&self.surnames),
            ambiguous: self.ambiguous.contains(key.as_str()),
            initial: false,
            case,
            key,
        })
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
        let mut next_report = 1 << 24;
        let is_word = |b: u8| b.is_ascii_alphabetic() || b >= 0x80;
        while i < n {
            if !is_word(hay[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < n
                && (is_word(hay[i])
                    || (matches!(hay[i], b'\'' | b'-') && i + 1 < n && is_word(hay[i + 1]) && i > start))
            {
                i += 1;
            }
            let end = i;
            if end >= next_report {
                progress(end);
                next_report = end + (1 << 24);
            }
            let Some(w) = self.classify(hay, start, end) else {
                self.flush(hay, field, rule, min_score, &mut run, &mut comma_at, out);
                continue;
            };
            // A title or a cue word is never part of the name ("Miss" and
            // "Dear" are also in the Census lists).
            if self.titles.contains(&w.key) || self.cue_words.contains(&w.key) {
                self.flush(hay, field, rule, min_score, &mut run, &mut comma_at, out);
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
                self.flush(hay, field, rule, min_score, &mut run, &mut comma_at, out);
            }
            let after_title = run.is_empty() && self.title_before(hay, start);
            let keep = w.is_name()
                || w.initial
                || (!run.is_empty() && PARTICLES.contains(&w.key.as_str()))
                || (w.case == Case::Title
                    && (after_title || run.last().is_some_and(|l| l.initial))
                    && !self.ambiguous.contains(w.key.as_str()));
            if keep && run.len() < 5 {
                if by_comma {
                    comma_at = Some(run.len());
                }
                run.push(w);
            } else {
                self.flush(hay, field, rule, min_score, &mut run, &mut comma_at, out);
                if w.is_name() || w.initial || (w.case == Case::Title && self.title_before(hay, start)) {
                    run.push(w);
                }
            }
        }
        self.flush(hay, field, rule, min_score, &mut run, &mut comma_at, out);
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
        e > s
            && e - s <= 9
            && hay[s].is_ascii_uppercase()
            && !glued
            && self.titles.contains(&String::from_utf8_lossy(&hay[s..e]).to_ascii_lowercase())
    }

    /// A cue word group ends right before `pos`, with only punctuation and
    /// spaces between (`"name": "`, `Dear `, `Thanks,\n`), or the CSV column
    /// header is a cue.
    fn label_cue(&self, hay: &[u8], field: &FieldContext, pos: usize) -> bool {
        field.label(hay, pos).is_some_and(|label| {
            self.cues
                .find_overlapping_iter(label)
                .any(|m| m.start() == 0 || !label[m.start() - 1].is_ascii_alphabetic())
        })
    }

    fn cue_before(&self, hay: &[u8], pos: usize) -> bool {
        let from = pos.saturating_sub(self.cfg.context_before);
        let mut best = None;
        for m in self.cues.find_overlapping_iter(aho_corasick::Input::new(hay).range(from..pos)) {
            let boundary_before = m.start() == 0 || !hay[m.start() - 1].is_ascii_alphanumeric();
            let gap_ok = hay[m.end()..pos].iter().all(|b| !b.is_ascii_alphanumeric());
            let boundary_after = m.end() == pos || !hay[m.end()].is_ascii_alphanumeric();
            if boundary_before && boundary_after && gap_ok {
                best = Some(m.end());
            }
        }
        best.is_some()
    }

    /// The next word after `pos` (skipping spaces), lower-cased, and whether
    /// `&` comes first.
    fn word_after(hay: &[u8], pos: usize) -> (String, bool) {
        let mut s = pos;
        while s < hay.len() && hay[s] == b' ' {
            s += 1;
        }
        if s < hay.len() && hay[s] == b'&' {
            return (String::new(), true);
        }
        let e = hay[s..]
            .iter()
            .position(|b| !(b.is_ascii_alphabetic() || *b == b'(' || *b == b')'))
            .map_or(hay.len(), |p| s + p);
        (String::from_utf8_lossy(&hay[s..e]).to_ascii_lowercase(), false)
    }

    #[allow(clippy::too_many_arguments)]
    fn flush(
        &self,
        hay: &[u8],
        field: &FieldContext,
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
        let mut words = std::mem::take(run);
        // Particles and trailing initials cannot end a name; particles cannot start one.
        while words.last().is_some_and(|w| PARTICLES.contains(&w.key.as_str()) || w.initial) {
            words.pop();
        }
        while words.first().is_some_and(|w| PARTICLES.contains(&w.key.as_str())) {
            words.remove(0);
        }
        let (Some(first), Some(last)) = (words.first(), words.last()) else { return };
        let (start, end) = (first.start, last.end);
        // Glued to an email address or URL.
        if (start > 0 && matches!(hay[start - 1], b'@' | b'.' | b'/' | b'_' | b'\\'))
            || (end < hay.len()
                && (hay[end] == b'@'
                    || hay[end] == b'_'
                    || (matches!(hay[end], b'.' | b'/') && hay.get(end + 1).is_some_and(u8::is_ascii_alphanumeric))))
        {
            return;
        }
        let (next, amp) = Self::word_after(hay, end);
        if amp || self.not_after.contains(&next) {
            return;
        }
        let joined: String = words.iter().map(|w| w.key.as_str()).collect::<Vec<_>>().join(" ");
        if self.not_names.contains(&joined) {
            return;
        }
        let title = self.title_before(hay, start);
        if !title {
            // A place word right before: "North Kelly".
            let e = hay[..start].iter().rposition(|b| *b != b' ').map_or(0, |p| p + 1);
            let s = hay[..e].iter().rposition(|b| !b.is_ascii_alphabetic()).map_or(0, |p| p + 1);
            if e > s && self.not_before.contains(&String::from_utf8_lossy(&hay[s..e]).to_ascii_lowercase()) {
                return;
            }
        }
        let label = self.label_cue(hay, field, start);
        let text_cue =
            self.cue_before(hay, start)
                || self.cfg.cues_after.iter().any(|c| {
                    next.starts_with(c.as_str()) || (c.starts_with('(') && next == c.trim_matches(['(', ')']))
                });
        let cue = title || label || text_cue;
        let real: Vec<&Word> = words.iter().filter(|w| !w.initial && !PARTICLES.contains(&w.key.as_str())).collect();
        let all_case = |c: Case| real.iter().all(|w| w.case == c);
        let any_ambiguous = real.iter().any(|w| w.ambiguous);
        let surname_first = comma.is_some() && words.len() == 2 && words[0].surname && words[1].given;
        let score = if real.len() >= 2 || (real.len() == 1 && words.len() >= 2) {
            let shape_ok = surname_first || ((first.given || first.initial) && (last.surname || last.given));
            if !(shape_ok || title && real.iter().all(|w| w.case == Case::Title)) {
                return;
            }
            let shape_case =
                all_case(Case::Title) || (surname_first && (all_case(Case::Upper) || real[0].case == Case::Upper));
            let all_ambiguous = real.iter().all(|w| w.ambiguous || self.stopwords.contains(&w.key));
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
                return;
            }
            if title {
                // "Mr Clark", "Dr Okonkwo": any name word, or an unknown capitalised word.
                if !(w.is_name() || w.case == Case::Title) {
                    return;
                }
                self.cfg.score_cued_single
            } else {
                // Without a title, a single word must be a name and not a common word;
                // a column header ("last_name") vouches for surnames, prose cues
                // ("Dear", "Customer:") only for given names.
                let fits = if label { w.is_name() } else { w.given };
                if !fits || self.stopwords.contains(&w.key) {
                    return;
                }
                if w.ambiguous {
                    // "Dear Will," is a name; "(Agent): Grace period ends" is not:
                    // an ambiguous word must end its phrase.
                    let followed_by_word =
                        hay.get(end) == Some(&b' ') && hay.get(end + 1).is_some_and(u8::is_ascii_alphabetic);
                    if followed_by_word {
                        return;
                    }
                    self.cfg.score_weak + self.cfg.context_boost
                } else {
                    self.cfg.score_cued_single
                }
            }
        } else {
            return;
        };
        if score < min_score || (comma.is_some() && !surname_first) {
            return;
        }
        let normalized = if surname_first { format!("{} {}", words[1].key, words[0].key) } else { joined };
        out.push(RawFinding { rule, start, end, line: 0, column: 0, char_column: 0, score, normalized });
    }
}
