//! People's names: lexicons plus context, no model.
//!
//! A regex cannot tell `Grace Hill` (a person) from `grace period` or
//! `Victoria Road`, so names have their own detector, driven by data:
//! `patterns/names/{given,surnames}.tsv` (Census 1990 and Faker lists of many countries, see
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

use super::context::FieldContext;
use super::RawFinding;

mod cues;
mod turns;
mod words;

use cues::Header;

pub(crate) use words::letters_word;
use words::{
    cue_key, glued_after, glued_before, lower_into, masked_gap, pack16, words_of, B_HIGH, B_LOWER, B_MARK, B_UPPER,
    B_WORD, CLASS,
};

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
    /// Cues that are field names, not words of a sentence (`To:`, `FN:`,
    /// `"from": "`): they vouch for a lower-case or ALL CAPS word only with
    /// a `:` or `=` between them and it. In prose, "to carry", "from
    /// numbers", `fn len(` and "from DAL 35 to MIA" are no names; "to Jane
    /// Okafor" still is.
    #[serde(default)]
    pub label_cues: Vec<String>,
    /// Words before a given name alone in mid-sentence that make it a
    /// thing, not a person: determiners and code keywords ("the Teddy
    /// algorithm", `enum Ty`).
    #[serde(default)]
    pub mid_not_after: Vec<String>,
    /// Words of a column header or key naming a thing, not a person
    /// (`city`, `stop_name`, `company`): no name is reported under it
    /// without a title.
    #[serde(default)]
    pub thing_fields: Vec<String>,
    /// Words of a header or key naming a person, which outweigh a thing's
    /// word (`company_contact`, `store_manager`).
    #[serde(default)]
    pub person_fields: Vec<String>,
    /// Words naming a speaker's role in a turn label (`[Agent Tom]`,
    /// `Tom (Customer):`): they vouch for the name beside them.
    #[serde(default)]
    pub speaker_roles: Vec<String>,
    /// Roles that open a line of a lower-case transcript (`agent thank you
    /// jacques`): the conversational ones only, not `user` or `host`,
    /// which open lines of configuration files.
    #[serde(default)]
    pub turn_roles: Vec<String>,
    /// Month and weekday names and abbreviations: a run holding one and
    /// followed by a day number is a date (`Thu May 9 10:02`), not a name.
    #[serde(default)]
    pub date_words: Vec<String>,
    /// Score of a given name alone in mid-sentence, with no cue
    /// ("…then Keira asked about the bill").
    pub score_mid_given: f32,
    /// Score of an ALL CAPS run of a given name and a surname with no cue
    /// (a card-holder field, the name line of a CV).
    pub score_caps_pair: f32,
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
    /// Per pattern of `cues`: a field-name cue ([`NamesConfig::label_cues`]).
    label_only: Vec<bool>,
    /// Per pattern of `cues`: the bare word `name`.
    bare_name: Vec<bool>,
    surname_cues: AhoCorasick,
    /// See [`NamesConfig::strong_cues`].
    strong: AhoCorasick,
    /// See [`NamesConfig::strong_single_cues`].
    strong_single: AhoCorasick,
    not_after: HashSet<String>,
    not_before: HashSet<String>,
    not_names: HashSet<String>,
    /// See [`NamesConfig::speaker_roles`], lower case.
    roles: FxHashSet<Vec<u8>>,
    /// See [`NamesConfig::turn_roles`], lower case.
    turn_roles: FxHashSet<Vec<u8>>,
    /// See [`NamesConfig::date_words`], lower case.
    dates: HashSet<String>,
    /// See [`NamesConfig::mid_not_after`], lower case.
    mid_not_after: HashSet<String>,
    /// See [`NamesConfig::thing_fields`].
    thing_fields: AhoCorasick,
    /// See [`NamesConfig::person_fields`].
    person_fields: AhoCorasick,
}

/// `words` without the words at its end for which `drop_last` holds, then
/// without those at its start for which `drop_first` holds.
fn trim(mut words: &[Word], drop_last: impl Fn(&Word) -> bool, drop_first: impl Fn(&Word) -> bool) -> &[Word] {
    while let [rest @ .., last] = words {
        if !drop_last(last) {
            break;
        }
        words = rest;
    }
    while let [first, rest @ ..] = words {
        if !drop_first(first) {
            break;
        }
        words = rest;
    }
    words
}

/// A house number ends right before `start`: digits, maybe a letter, maybe
/// a comma, then one space ("59 Temple Place", "12a, Mill Lane").
fn house_number_before(hay: &[u8], start: usize) -> bool {
    let mut e = start;
    if e == 0 || hay[e - 1] != b' ' {
        return false;
    }
    e -= 1;
    if e > 0 && hay[e - 1] == b',' {
        e -= 1;
    }
    if e > 0 && hay[e - 1].is_ascii_alphabetic() {
        e -= 1;
    }
    let digits = hay[..e].iter().rev().take_while(|b| b.is_ascii_digit()).count();
    (1..=4).contains(&digits) && (e == digits || !hay[e - digits - 1].is_ascii_alphanumeric())
}

/// An ALL CAPS word of two letters or more right before `start` or right
/// after `end` on the same line (one space or `, ` between).
fn caps_word_beside(hay: &[u8], start: usize, end: usize) -> bool {
    let caps = |w: &[u8]| w.len() >= 2 && w.iter().all(u8::is_ascii_uppercase);
    let mut e = start;
    while e > 0 && matches!(hay[e - 1], b' ' | b',') && start - e < 3 {
        e -= 1;
    }
    let s = hay[..e].iter().rposition(|b| !b.is_ascii_alphabetic()).map_or(0, |p| p + 1);
    let mut a = end;
    while a < hay.len() && matches!(hay[a], b' ' | b',') && a - end < 3 {
        a += 1;
    }
    let b = hay[a..].iter().position(|b| !b.is_ascii_alphabetic()).map_or(hay.len(), |p| a + p);
    (e < start && caps(&hay[s..e])) || (a > end && caps(&hay[a..b]))
}

/// Lexicon flags.
const GIVEN: u8 = 1;
const SURNAME: u8 = 2;
const AMBIGUOUS: u8 = 4;
const STOP: u8 = 8;
const TITLE: u8 = 16;
const CUE_WORD: u8 = 32;
const PARTICLE: u8 = 64;
/// Also a lower-case English word (`patterns/names/wordlike.tsv`).
const WORDLIKE: u8 = 128;

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
    /// Also a lower-case English word ("Alpha", "Manual").
    wordlike: bool,
    initial: bool,
}

impl Word {
    fn is_name(&self) -> bool {
        self.given || self.surname
    }
}

const PARTICLES: &[&str] =
    &["van", "von", "de", "der", "den", "da", "di", "del", "della", "la", "le", "bin", "ibn", "al", "el", "ap", "du"];

/// Given names and surnames of the lexicons that are neither English words
/// nor ambiguous (lower-case ASCII keys): what a column is sampled against
/// to judge whether it lists people (`extract::csvx`). Built on first use.
pub fn lexicon_name(word: &[u8]) -> bool {
    static NAMES: std::sync::OnceLock<FxHashSet<&'static str>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let not: FxHashSet<&str> = words_of(include_str!("../../../patterns/names/wordlike.tsv"))
            .chain(words_of(include_str!("../../../patterns/names/ambiguous.tsv")))
            .collect();
        words_of(include_str!("../../../patterns/names/given.tsv"))
            .chain(words_of(include_str!("../../../patterns/names/surnames.tsv")))
            .filter(|w| !not.contains(w))
            .collect()
    });
    let mut buf = [0u8; 24];
    lower_into(word, &mut buf).is_some_and(|k| names.contains(k))
}

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
        flag(&mut words_of(include_str!("../../../patterns/names/given.tsv")), GIVEN, false);
        flag(&mut words_of(include_str!("../../../patterns/names/surnames.tsv")), SURNAME, false);
        flag(&mut words_of(include_str!("../../../patterns/names/ambiguous.tsv")), AMBIGUOUS, true);
        flag(&mut words_of(include_str!("../../../patterns/names/wordlike.tsv")), WORDLIKE, true);
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
        let label_cues = lower(&cfg.label_cues);
        let label_only = cfg.cues.iter().map(|c| label_cues.contains(&c.to_ascii_lowercase())).collect();
        let bare_name = cfg.cues.iter().map(|c| c.trim_matches(['\n', '"']).eq_ignore_ascii_case("name")).collect();
        Ok(NameDetector {
            label_only,
            bare_name,
            lexicon,
            titles: lower(&cfg.titles),
            cue_gate,
            cue_ends,
            not_after: lower(&cfg.not_after),
            not_before: lower(&cfg.not_before),
            not_names: lower(&cfg.not_names),
            roles: cfg.speaker_roles.iter().map(|r| r.to_ascii_lowercase().into_bytes()).collect(),
            turn_roles: cfg.turn_roles.iter().map(|r| r.to_ascii_lowercase().into_bytes()).collect(),
            dates: lower(&cfg.date_words),
            mid_not_after: lower(&cfg.mid_not_after),
            thing_fields: build(&cfg.thing_fields, "thing_fields")?,
            person_fields: build(&cfg.person_fields, "person_fields")?,
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
                wordlike: false,
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
            wordlike: flags & WORDLIKE != 0,
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
        let cols: Vec<Header> = field.headers().iter().map(|h| self.header_verdict(h)).collect();
        let person_cols: Vec<bool> =
            field.headers().iter().zip(&cols).map(|(h, verdict)| self.person_header(h, verdict)).collect();
        let any_person_col = person_cols.contains(&true);
        let mut prev: (usize, usize) = (0, 0);
        // Whether the current line opens with a speaker's role (`turns`).
        let (mut turn_line, mut turn_pending) = (false, true);
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
            let mut end = i;
            // "Keira's account": the name is the word before the possessive
            // (not "It's", a cue, nor "Name's").
            let poss = [&b"'s"[..], "\u{2019}s".as_bytes()].into_iter().find(|p| hay[start..end].ends_with(p));
            if let Some(p) = poss.filter(|p| hay[start].is_ascii_uppercase() && end - start > p.len() + 1) {
                if self.classify(hay, start, end - p.len()).is_some_and(|w| w.is_name() && !w.stop && !w.title_or_cue) {
                    end -= p.len();
                }
            }
            // A new line: does it open with a speaker's role?
            // (Decided at its first word that is no timestamp's digits.)
            if prev.1 == 0 || hay[prev.1..start].contains(&b'\n') {
                (turn_line, turn_pending) = (false, true);
            }
            if turn_pending && !hay[start..end].iter().all(u8::is_ascii_digit) {
                let role = |w: &[u8]| self.turn_roles.contains(w.to_ascii_lowercase().as_slice());
                (turn_line, turn_pending) = (turns::opens_role_turn(hay, start, end, role), false);
            }
            // A whole cell under a person's column (`full_name`): see
            // `cues::whole_cell`.
            if any_person_col {
                if let Some(f) = self.whole_cell(hay, field, &person_cols, start, rule) {
                    self.flush(hay, field, &cols, rule, min_score, &mut run, &mut comma_at, out);
                    (i, prev) = (f.end, (start, f.end));
                    if f.score >= min_score {
                        out.push(f);
                    }
                    continue;
                }
            }
            if end >= next_report {
                progress(end);
                next_report = end + (1 << 20);
            }
            // A speaker label opening a turn (`[Agent Tom]`, `tom (BrightLine):`)
            // is judged whole, by its layout (see `turns`).
            // A run before it ends at the turn ("January\n[10:02] Tom (Team):").
            if turns::may_open_turn(hay, start) {
                let role = |w: &[u8]| self.roles.contains(w.to_ascii_lowercase().as_slice());
                if let Some((e, vouch)) = turns::speaker_label(hay, start, role) {
                    if let Some(f) = self.speaker(hay, start, e, vouch, rule).filter(|f| f.score >= min_score) {
                        self.flush(hay, field, &cols, rule, min_score, &mut run, &mut comma_at, out);
                        out.push(f);
                        (i, prev) = (e, (start, e));
                        continue;
                    }
                }
            }
            let lower_first = hay[start].is_ascii_lowercase();
            let prev_word = std::mem::replace(&mut prev, (start, end));
            if lower_first && run.is_empty() && !labels {
                // Lower-case speech-to-text turns: the lexicon alone decides.
                if turn_line {
                    if let Some(f) = self.lower_turn_name(hay, start, end, rule) {
                        (i, prev) = (f.end, (start, f.end));
                        if f.score >= min_score {
                            out.push(f);
                        }
                        continue;
                    }
                }
                if !self.ends_cue(hay, prev_word, start) {
                    continue;
                }
            }
            let Some(w) = self.classify(hay, start, end) else {
                if !run.is_empty() {
                    self.flush(hay, field, &cols, rule, min_score, &mut run, &mut comma_at, out);
                }
                continue;
            };
            // A title or a cue word is never part of the name ("Miss" and
            // "Dear" are also in the Census lists), except a title that is
            // also a surname right after a given name ("Caroline Lord").
            let surname_here =
                w.surname && run.last().is_some_and(|l| l.given && l.case == w.case && &hay[l.end..start] == b" ");
            if w.title_or_cue && !surname_here {
                self.flush(hay, field, &cols, rule, min_score, &mut run, &mut comma_at, out);
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
                self.flush(hay, field, &cols, rule, min_score, &mut run, &mut comma_at, out);
            }
            let after_title = run.is_empty() && self.title_before(hay, start);
            // A capitalised word in no lexicon after a strong cue (a name
            // field, "my name is", a voice tag), or continuing a run that
            // began after one: names from countries the lexicons miss.
            let after_strong = |at: usize| self.cue_end_before(hay, at) && self.strong_before(&self.strong, hay, at);
            let keep = w.is_name()
                || w.initial
                || (!run.is_empty() && w.particle)
                || (w.case == Case::Title
                    && (after_title
                        || run.last().is_some_and(|l| {
                            // "J. Zorbakhan", "Mr K Zorbakhan"; not "the X Toolkit".
                            l.initial
                                && (hay.get(l.end) == Some(&b'.')
                                    || run.first().is_some_and(|f| self.title_before(hay, f.start)))
                        }))
                    && !w.ambiguous)
                || (w.case == Case::Title && !w.stop && after_strong(run.first().map_or(start, |f| f.start)));
            if keep && run.len() < 5 {
                if by_comma {
                    comma_at = Some(run.len());
                }
                run.push(w);
            } else {
                self.flush(hay, field, &cols, rule, min_score, &mut run, &mut comma_at, out);
                if w.is_name() || w.initial || (w.case == Case::Title && self.title_before(hay, start)) {
                    run.push(w);
                }
            }
        }
        self.flush(hay, field, &cols, rule, min_score, &mut run, &mut comma_at, out);
    }

    #[allow(clippy::too_many_arguments)]
    fn flush(
        &self,
        hay: &[u8],
        field: &FieldContext,
        cols: &[Header],
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
        match self.evaluate(hay, field, cols, rule, min_score, run, comma) {
            Some(f) => out.push(f),
            // Not "SMITH, John": what follows the comma may be a name of its
            // own ("Don't go to town, Maria.").
            None => {
                if let Some(f) = comma.and_then(|c| self.evaluate(hay, field, cols, rule, min_score, &run[c..], None)) {
                    out.push(f);
                }
            }
        }
        run.clear();
    }

    /// The words' lexicon keys joined by spaces, in one buffer, and the
    /// length of the first key (a finding's normalized value).
    fn joined_keys(hay: &[u8], words: &[Word]) -> (String, usize) {
        let span = words.last().map_or(0, |l| l.end) - words.first().map_or(0, |f| f.start);
        let mut joined = String::with_capacity(span + 8);
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
        (joined, first_len)
    }

    /// A run of words (`joined` keys) that is a date with what follows:
    /// a month or weekday word, then a day number (`Sun Jun 9 10:41:02`).
    fn date_like(&self, joined: &str, after: &[u8]) -> bool {
        // `ls` and `date` pad the day with a second blank ("Sun Mar  2").
        let blanks = after.iter().take(2).take_while(|&&b| b == b' ').count();
        let digits = after.iter().skip(blanks).take_while(|b| b.is_ascii_digit()).count();
        blanks >= 1
            && (1..=2).contains(&digits)
            && !after.get(blanks + digits).is_some_and(u8::is_ascii_alphanumeric)
            && joined.split(' ').any(|w| self.dates.contains(w))
    }

    /// Decide whether a run of words is a name.
    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &self,
        hay: &[u8],
        field: &FieldContext,
        cols: &[Header],
        rule: usize,
        min_score: f32,
        run: &[Word],
        comma: Option<usize>,
    ) -> Option<RawFinding> {
        // Particles and trailing initials cannot end a name; particles cannot start one.
        let mut words = trim(run, |w| w.particle || w.initial, |w| w.particle);
        // Speech-to-text runs words together: "nathan so", "so you" — a
        // common word ends no lower-case name and starts none.
        if words.iter().all(|w| w.case == Case::Lower) {
            words = trim(words, |w| w.stop, |w| w.stop);
        }
        let (Some(first), Some(last)) = (words.first(), words.last()) else { return None };
        let (start, end) = (first.start, last.end);
        let vocative = words.len() == 1 && self.vocative(hay, first);
        let mid = words.len() == 1 && !vocative && self.mid_sentence(hay, first);
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
            if !(prev_is_cue_end || label_possible || speaker_after || vocative || mid) {
                return None;
            }
        }
        // `max(0, i)`, `Val(u32)`: a call or a constructor, not a person.
        if glued_before(hay, start) || glued_after(hay, end) || hay.get(end) == Some(&b'(') {
            return None;
        }
        let mut after = [0u8; 24];
        let (next, amp) = Self::word_after(hay, end, &mut after);
        if amp || self.not_after.contains(next) {
            return None;
        }
        let (joined, first_len) = Self::joined_keys(hay, words);
        if self.not_names.contains(&joined) {
            return None;
        }
        // "Sun Mar  2", "25 Sep Thu": a run of month and weekday words.
        if self.date_like(&joined, &hay[end..])
            || (words.len() >= 2 && joined.split(' ').all(|w| self.dates.contains(w)))
        {
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
        let label = self.label_cue(hay, field, cols, start) || self.surname_cue_before(hay, start);
        let text_cue =
            self.cue_before(hay, start, words.len() == 1)
                || self.cfg.cues_after.iter().any(|c| {
                    next.starts_with(c.as_str()) || (c.starts_with('(') && next == c.trim_matches(['(', ')']))
                });
        let cue = title || label || text_cue || vocative || mid;
        // Only its place in the sentence vouches for it: a weaker score.
        let mid_only = mid && !(title || label || text_cue);
        let real: Vec<&Word> = words.iter().filter(|w| !w.initial && !w.particle).collect();
        let all_case = |c: Case| real.iter().all(|w| w.case == c);
        let any_ambiguous = real.iter().any(|w| w.ambiguous);
        // "SMITH, John"; not "to check, Paris" (a common word is no surname).
        let surname_first = comma.is_some()
            && words.len() == 2
            && words[0].surname
            && words[1].given
            && !words[0].stop
            && !words[1].stop;
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
            // ALL CAPS "GIVEN SURNAME" with both words known and neither a
            // common word: a card-holder field, a CV's name line.
            // Not inside a longer ALL CAPS phrase ("THAI CHARACTER MAI EK",
            // "GEORGIAN SMALL LETTER").
            let caps_pair = all_case(Case::Upper)
                && (2..=3).contains(&real.len())
                && first.given
                && last.surname
                && !real.iter().any(|w| w.ambiguous || w.stop)
                && !caps_word_beside(hay, start, end);
            let base = match (shape_case, any_ambiguous, all_ambiguous) {
                (true, false, _) => self.cfg.score_pair,
                (true, true, false) => (self.cfg.score_pair + self.cfg.score_weak) / 2.0 + 0.05,
                _ if caps_pair => self.cfg.score_caps_pair,
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
        // "In Rust", "A Rust library": a run opened by a common word (or
        // the article "A") is a sentence start unless a cue vouches for it.
        let article = first.initial && matches!(hay[first.start], b'A' | b'I') && hay.get(first.end) == Some(&b' ');
        if !cue && words.len() >= 2 && (first.stop || article) {
            return None;
        }
        // "V. In", "So You": a run of common words and initials is a phrase.
        if !(title || label) && words.len() >= 2 && real.iter().all(|w| w.stop) {
            return None;
        }
        // "59 Temple Place": a street word ending a run after a house number.
        if words.len() >= 2
            && self.not_after.contains(joined.rsplit(' ').next().unwrap_or(""))
            && house_number_before(hay, start)
        {
            return None;
        }
        // A month alone ("Jan. 1 1970") needs a title or a field naming it.
        if words.len() == 1 && !(title || label) && self.dates.contains(joined.as_str()) {
            return None;
        }
        let score = if mid_only { self.cfg.score_mid_given } else { score };
        if score < min_score || (comma.is_some() && !surname_first) {
            return None;
        }
        if !title && self.thing_field(hay, field, cols, start) {
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

    /// The names found in `text`, read as prose or as CSV with a header.
    fn found(text: &str, csv: bool) -> Vec<String> {
        let d = NameDetector::new(config()).expect("detector");
        let field = if csv { FieldContext::sniff_csv(text.as_bytes(), false) } else { FieldContext::None };
        let mut out = Vec::new();
        d.scan(text.as_bytes(), &field, 0, 0.5, &mut out, &mut |_| {});
        out.iter().map(|f| text[f.start..f.end].to_string()).collect()
    }

    fn config() -> NamesConfig {
        #[derive(Deserialize)]
        struct File {
            names: NamesConfig,
        }
        let file: File = toml::from_str(include_str!("../../../patterns/name.toml")).expect("name.toml");
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

    /// Issue 19: lower-case conversations. A line opened by a speaker's
    /// role (`00:39 agent …`, `[agent]`, `AGENT<tab>`) vouches for a given
    /// name in the lexicons in any case; a line opened by `host` or `user`
    /// does not. A lower-case `name:` label counts once the same speaker
    /// takes another turn.
    #[test]
    fn lower_case_turns_and_labels() {
        let names = |text: &str| found(text, false);
        assert_eq!(names("00:39 agent anything else i can help with today jacques\n"), ["jacques"]);
        assert_eq!(names("[agent] lovely thank you nathan\n[customer] bye\n"), ["nathan"]);
        assert_eq!(names("AGENT\tis there anything else caroline\n"), ["caroline"]);
        assert!(names("host nathan.example.com\nuser caroline\n").is_empty());
        assert!(names("we met jacques today\n").is_empty());
        assert_eq!(names("huda: hiya there\nagent: hello\nhuda: yes please\n"), ["huda", "huda"]);
        assert!(names("huda: hiya there\n").is_empty());
        assert!(names("len: OPTLEN,\noption: x\nlen: OPTLEN,\n").is_empty());
    }

    /// Issue 19: places in a sentence only a person fits, for an
    /// unambiguous given name with no cue: before a possessive, as the
    /// subject opening a sentence, in brackets or between commas after a
    /// lower-case word. Not a contraction, nor another language's article.
    #[test]
    fn given_names_by_their_place_in_a_sentence() {
        let names = |text: &str| found(text, false);
        assert_eq!(names("we spoke about Keira's account"), ["Keira"]);
        assert_eq!(names("The bill was wrong. Keira called back on Monday."), ["Keira"]);
        assert_eq!(names("the engineer (Keira) came"), ["Keira"]);
        assert_eq!(names("the engineer, Keira, came"), ["Keira"]);
        assert!(names("It's done. There's more.").is_empty());
        assert!(names("Voir ci-dessous.\n\nLes fichiers sont lus.").is_empty());
        assert!(names("The Keira Protocol").is_empty());
    }

    /// Issue 18: under a person's column (`full_name`) a cell of one to
    /// four words of letters is a name, known to the lexicons or not, in
    /// any case; placeholders and common words are not, nor a cell holding
    /// more than the words.
    #[test]
    fn a_whole_cell_under_a_persons_column_is_a_name() {
        let names = |text: &str| found(text, true);
        let csv = "id,full_name,city\n3,Habibu,Hull\n4,NGOZI OKAFOR,Bath\n5,\"Samatar Qorxo\",Leeds\n6,Unknown,York\n7,n/a,Ely\n";
        assert_eq!(names(csv), ["Habibu", "NGOZI OKAFOR", "Samatar Qorxo"]);
        assert!(names("id,city,notes\n3,Hull,Habibu\n4,Bath,Samatar\n").is_empty());
    }

    /// Issue 19, third-party corpora: a column or key naming a thing
    /// (`stop_id`, `AccentCity`, `"city":`) holds no person's name; a
    /// person's word in the header (`company_contact`) outweighs it.
    #[test]
    fn thing_fields_hold_no_names() {
        let names = |text: &str| found(text, true);
        assert!(names("trip_id,stop_id,seq\nCR-1,Quincy Center,3\n").is_empty());
        assert!(names("Country,AccentCity,Region\nus,Forest Hills,NY\n").is_empty());
        assert!(names("{\"city\": \"Forest Hills\", \"id\": 3}").is_empty());
        assert_eq!(names("id,company_contact\n1,Quincy Adams\n"), ["Quincy Adams"]);
        assert_eq!(names("{\"owner\": \"Quincy Adams\"}"), ["Quincy Adams"]);
        use super::cues::key_before;
        assert_eq!(key_before(b"x \"town\": \"Leeds", 11), Some(&b"town"[..]));
        assert_eq!(key_before(b"town=Leeds", 5), Some(&b"town"[..]));
        assert_eq!(key_before(b"in Leeds", 3), None);
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
}
