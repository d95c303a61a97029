//! Names in subject requests: the written variants of one person's name,
//! and the words of a text they are looked for in.
//!
//! A name is compared as a sequence of normalised words: diacritics folded
//! (`deunicode`), lower-cased, apostrophes dropped, hyphens and punctuation
//! as word breaks. `DOE, Jane`, `Jane  Doe` and `jane doe` are then the same
//! words in some order, and a request lists every order and abbreviation it
//! accepts ([`variants`]). Nothing here depends on capital letters: speech
//! transcripts and lower-cased exports have none.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// The most words a name variant may have (`title given middle middle
/// surname surname`); a text window longer than this is never compared.
pub const MAX_WORDS: usize = 6;

/// Titles that may stand before a surname (`Ms Doe`). All of them are
/// accepted for every subject: the title says nothing reliable about who
/// the person is, and a title-and-surname match is weak evidence anyway.
///
/// The list is the name patterns' own (`titles` in `patterns/name.toml`),
/// so a title the scan knows is one a subject request knows too.
static TITLES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    let (_, text) = crate::rules::BUILTIN.iter().find(|(n, _)| *n == "name.toml").expect("built-in name.toml");
    let table: toml::Table = toml::from_str(text).expect("built-in name.toml parses");
    table["names"]["titles"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t.as_str()).map(str::to_ascii_lowercase).collect())
        .unwrap_or_default()
});

/// Normalise one word: diacritics folded, lower case, letters only.
pub fn norm_word(w: &str) -> String {
    deunicode::deunicode(w).chars().filter(char::is_ascii_alphabetic).map(|c| c.to_ascii_lowercase()).collect()
}

/// The normalised words of a string (hyphens, dots and commas break words;
/// apostrophes do not: `O'Brien` is one word, `obrien`).
pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphabetic() || c == '\'' || c == '\u{2019}'))
        .map(norm_word)
        .filter(|w| !w.is_empty())
        .collect()
}

/// The nickname groups: each given name maps to every name it shares a
/// group with (both ways), from `patterns/nicknames.tsv`.
fn nicknames() -> &'static HashMap<String, BTreeSet<String>> {
    static N: OnceLock<HashMap<String, BTreeSet<String>>> = OnceLock::new();
    N.get_or_init(|| {
        let mut m: HashMap<String, BTreeSet<String>> = HashMap::new();
        for line in include_str!("../../patterns/nicknames.tsv").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (formal, rest) = line.split_once('\t').unwrap_or((line, ""));
            let group: Vec<String> =
                std::iter::once(formal).chain(rest.split(',')).map(norm_word).filter(|w| !w.is_empty()).collect();
            for a in &group {
                m.entry(a.clone()).or_default().extend(group.iter().cloned());
            }
        }
        m
    })
}

/// A name split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameParts {
    /// Given name words (`mary jane` for `Mary-Jane`).
    pub given: Vec<String>,
    /// Middle names, one entry per name.
    pub middle: Vec<Vec<String>>,
    /// Surname words (`doe smith` for `Doe-Smith`).
    pub surname: Vec<String>,
}

/// Split a requested name: `Given [Middle...] Surname`, or `Surname, Given
/// [Middle...]`. `None` unless there is a given name and a surname: one
/// word alone would match every namesake.
pub fn parse(name: &str) -> Option<NameParts> {
    let (given_part, surname_part): (String, String) = match name.split_once(',') {
        Some((sur, rest)) => (rest.to_string(), sur.to_string()),
        None => {
            let t: Vec<&str> = name.split_whitespace().collect();
            let (last, first) = t.split_last()?;
            (first.join(" "), last.to_string())
        }
    };
    let surname = words(&surname_part);
    let mut chunks = given_part.split_whitespace().map(words).filter(|w| !w.is_empty());
    let given = chunks.next()?;
    let middle: Vec<Vec<String>> = chunks.collect();
    if surname.is_empty() {
        return None;
    }
    Some(NameParts { given, middle, surname })
}

/// Every written form of a name that counts as this person, as normalised
/// word sequences joined by single spaces: `jane doe`, `jane mary doe`,
/// `jane m doe`, `j doe`, `j m doe`, `doe jane` (from `DOE, Jane`),
/// `doe jane mary`, `doe j`, `ms doe`, `ms jane doe`, `ms j doe`, the same
/// with each nickname of the given name (`jenny doe`), and, for a
/// double-barrelled surname, the given name with either part (`jane
/// smith`). Also returns the surname words, the trigger words the text
/// search looks for first.
pub fn variants(p: &NameParts) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut givens: BTreeSet<Vec<String>> = BTreeSet::new();
    givens.insert(p.given.clone());
    if p.given.len() == 1 {
        if let Some(g) = nicknames().get(&p.given[0]) {
            givens.extend(g.iter().map(|n| vec![n.clone()]));
        }
    }
    let initial: Vec<String> = p.given.first().map(|g| vec![g[..1].to_string()]).unwrap_or_default();
    let middles: Vec<String> = p.middle.iter().flatten().cloned().collect();
    let mid_initials: Vec<String> = p.middle.iter().filter_map(|m| m.first()).map(|w| w[..1].to_string()).collect();
    let sur = &p.surname;
    let mut surnames: Vec<Vec<String>> = vec![sur.clone()];
    let mut out: BTreeSet<String> = BTreeSet::new();
    let mut add = |parts: &[&[String]]| {
        let v: Vec<&str> = parts.iter().flat_map(|p| p.iter().map(String::as_str)).collect();
        if v.len() >= 2 && v.len() <= MAX_WORDS {
            out.insert(v.join(" "));
        }
    };
    for g in &givens {
        add(&[g, sur]);
        add(&[g, &middles, sur]);
        add(&[g, &mid_initials, sur]);
        add(&[sur, g]);
        add(&[sur, g, &middles]);
        add(&[sur, g, &mid_initials]);
        for t in TITLES.iter() {
            add(&[std::slice::from_ref(t), g, sur]);
        }
    }
    add(&[&initial, sur]);
    add(&[&initial, &mid_initials, sur]);
    add(&[sur, &initial]);
    for t in TITLES.iter() {
        let t = std::slice::from_ref(t);
        add(&[t, sur]);
        add(&[t, &initial, sur]);
    }
    if sur.len() > 1 {
        for part in sur {
            surnames.push(vec![part.clone()]);
            for g in &givens {
                add(&[g, std::slice::from_ref(part)]);
            }
        }
    }
    let triggers = surnames.into_iter().flatten().collect();
    (out, triggers)
}

/// A word of a text: its byte span and normalised form ([`norm_word`]).
#[derive(Debug, Clone, Default)]
pub struct Word {
    /// Start byte.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
    /// Normalised form.
    pub norm: String,
}

/// The words of a text (bytes; invalid UTF-8 breaks words), in order:
/// letters, and apostrophes inside a word. Streaming, so that memory does
/// not grow with the file: [`WordIter::next_into`] refills a caller's word.
#[derive(Debug)]
pub struct WordIter<'a> {
    text: &'a [u8],
    i: usize,
    buf: String,
}

impl<'a> WordIter<'a> {
    /// Words of `text`.
    pub fn new(text: &'a [u8]) -> WordIter<'a> {
        WordIter { text, i: 0, buf: String::new() }
    }

    /// The next word, written into `w`; `false` at the end.
    pub fn next_into(&mut self, w: &mut Word) -> bool {
        let text = self.text;
        let mut start: Option<usize> = None;
        while self.i < text.len() {
            let i = self.i;
            let b = text[i];
            let (ch, len) = if b < 0x80 { (b as char, 1) } else { decode_at(text, i) };
            let letter = ch.is_alphabetic();
            let apostrophe = (ch == '\'' || ch == '\u{2019}') && start.is_some() && next_is_letter(text, i + len);
            if letter || apostrophe {
                if start.is_none() {
                    start = Some(i);
                    self.buf.clear();
                }
                if letter {
                    self.buf.push(ch);
                }
            } else if let Some(s) = start.take() {
                if fill(w, s, i, &self.buf) {
                    return true;
                }
            }
            self.i += len;
        }
        match start {
            Some(s) => fill(w, s, text.len(), &self.buf),
            None => false,
        }
    }
}

fn fill(w: &mut Word, start: usize, end: usize, raw: &str) -> bool {
    w.start = start;
    w.end = end;
    w.norm.clear();
    if raw.is_ascii() {
        w.norm.extend(raw.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        w.norm.push_str(&norm_word(raw));
    }
    !w.norm.is_empty()
}

fn next_is_letter(text: &[u8], i: usize) -> bool {
    i < text.len()
        && (if text[i] < 0x80 { (text[i] as char).is_alphabetic() } else { decode_at(text, i).0.is_alphabetic() })
}

/// The character at `i` and its length in bytes; an invalid sequence is one
/// replacement character of one byte.
fn decode_at(text: &[u8], i: usize) -> (char, usize) {
    let want = match text[i] {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return (char::REPLACEMENT_CHARACTER, 1),
    };
    match text.get(i..i + want).and_then(|s| std::str::from_utf8(s).ok()).and_then(|s| s.chars().next()) {
        Some(c) => (c, want),
        None => (char::REPLACEMENT_CHARACTER, 1),
    }
}

/// Whether two neighbouring words may belong to one written name: at most
/// four bytes apart, with only spaces, tabs, commas, dots, hyphens and
/// quotes between them (so `Doe, Jane`, `J. Doe` and CSV cells `"Jane","Doe"`
/// join, but a line break or a word does not).
pub fn joinable(text: &[u8], a: &Word, b: &Word) -> bool {
    let gap = &text[a.end..b.start];
    !gap.is_empty()
        && gap.len() <= 4
        && gap.iter().all(|c| matches!(c, b' ' | b'\t' | b',' | b'.' | b'-' | b'"' | b'\''))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_varies() {
        let p = parse("Jane Mary Doe-Smith").unwrap();
        assert_eq!(p.given, ["jane"]);
        assert_eq!(p.surname, ["doe", "smith"]);
        let (v, t) = variants(&p);
        for want in
            ["jane doe smith", "doe smith jane", "j doe smith", "jane m doe smith", "ms doe smith", "jane smith"]
        {
            assert!(v.contains(want), "{want}");
        }
        assert!(!v.contains("doe smith"), "a surname alone is not a variant");
        assert_eq!(t.into_iter().collect::<Vec<_>>(), ["doe", "smith"]);
        assert_eq!(parse("DOE, Jane").unwrap().surname, ["doe"]);
        assert!(parse("Jane").is_none());
        let (v, _) = variants(&parse("Robert Brown").unwrap());
        assert!(v.contains("bob brown") && v.contains("rob brown") && v.contains("brown robert"));
        let (v, _) = variants(&parse("Zoë O'Brien").unwrap());
        assert!(v.contains("zoe obrien"));
        // The scan's titles, not a shorter list of our own (issue 20, point 5):
        // `Professor`, `Rev` and `Revd` were missing.
        for want in ["professor zoe obrien", "rev obrien", "revd z obrien"] {
            assert!(v.contains(want), "{want}");
        }
    }

    #[test]
    fn words_of_text() {
        let t = "Dear MS O'BRIEN, re: Zoë-Ann.".as_bytes();
        let all = |t: &[u8]| {
            let (mut it, mut w, mut out) = (WordIter::new(t), Word::default(), Vec::new());
            while it.next_into(&mut w) {
                out.push(w.norm.clone());
            }
            out
        };
        assert_eq!(all(t), ["dear", "ms", "obrien", "re", "zoe", "ann"]);
        assert_eq!(all(b"a\xffb 'x' it's"), ["a", "b", "x", "its"]);
        assert_eq!(all("\u{e9}t\u{e9}".as_bytes()), ["ete"]);
    }
}
