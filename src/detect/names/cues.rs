//! Cues: the words, fields and keys around a run that vouch for it as a
//! name or against it. A cue word group ending right before the run (`Dear`,
//! `"name": "`, `my name is`), a title, a CSV column's header or a key's
//! name (`customer_name` vouches, `stop_id` and `"city":` say it is a
//! thing); each judged with the cheap tests first, because most candidate
//! runs have no cue.

use aho_corasick::AhoCorasick;

use super::super::context::{in_placeholder, FieldContext};
use super::words::{letters_word, lower_into, masked_gap, pack16};
use super::NameDetector;
use super::{RawFinding, GIVEN, SURNAME};

/// What a column header or key says of the values under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Header {
    /// A name field (`customer_name`, `Next of kin`).
    Cue,
    /// A thing's field (`city`, `stop_name`, `company`): no person's name.
    Thing,
    Other,
}

/// The key of a `key: value`, `"key": "value"` or `key=value` pair whose
/// value starts at `pos`: at most 40 bytes of letters, digits, `_`, `-`
/// and `.`, with at most a few quotes and spaces around the `:` or `=`.
pub(super) fn key_before(hay: &[u8], pos: usize) -> Option<&[u8]> {
    let mut e = pos;
    let floor = pos.saturating_sub(4);
    while e > floor && matches!(hay[e - 1], b'"' | b'\'' | b' ' | b'\t') {
        e -= 1;
    }
    if e == 0 || !matches!(hay[e - 1], b':' | b'=') {
        return None;
    }
    e -= 1;
    let floor = e.saturating_sub(3);
    while e > floor && matches!(hay[e - 1], b'"' | b'\'' | b' ') {
        e -= 1;
    }
    let lo = e.saturating_sub(40);
    let s = hay[lo..e]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .map_or(lo, |p| lo + p + 1);
    (s < e).then(|| &hay[s..e])
}

impl NameDetector {
    /// The previous word `[ps, pe)` ends a cue or is a title, with only
    /// punctuation and spaces between it and `start`.
    pub(super) fn ends_cue(&self, hay: &[u8], (ps, pe): (usize, usize), start: usize) -> bool {
        pe - ps >= 2
            && !hay[pe..start].iter().any(u8::is_ascii_alphanumeric)
            && self.is_cue_end(&hay[ps..pe])
            && !masked_gap(&hay[pe..start])
    }

    /// Whether `word` (any case, at most 16 bytes) ends a cue or is a title.
    pub(super) fn is_cue_end(&self, word: &[u8]) -> bool {
        !word.is_empty() && pack16(word).is_some_and(|k| self.cue_ends.contains(&k))
    }

    /// The word right before `pos` (skipping one space and a `.`) is a title.
    pub(super) fn title_before(&self, hay: &[u8], pos: usize) -> bool {
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
    /// `cols` holds each header's verdict, judged once per text.
    pub(super) fn label_cue(&self, hay: &[u8], field: &FieldContext, cols: &[Header], pos: usize) -> bool {
        field.column(hay, pos).and_then(|c| cols.get(c)) == Some(&Header::Cue)
    }

    /// The field holding `pos` names a thing, not a person: its column's
    /// header (`stop_name`, `AccentCity`) or the key right before the value
    /// (`"city": "`, `town=`).
    pub(super) fn thing_field(&self, hay: &[u8], field: &FieldContext, cols: &[Header], pos: usize) -> bool {
        field.column(hay, pos).and_then(|c| cols.get(c)) == Some(&Header::Thing)
            || key_before(hay, pos).is_some_and(|k| self.header_verdict(k) == Header::Thing)
    }

    /// A header's or key's verdict. A thing's word (`city`, `stop`,
    /// `company`) outweighs a bare `name` (`stop_name`, `company_name`),
    /// not a person's word (`company_contact`).
    pub(super) fn header_verdict(&self, label: &[u8]) -> Header {
        if token_of(&self.thing_fields, label) && !token_of(&self.person_fields, label) {
            Header::Thing
        } else if self.header_is_cue(label) {
            Header::Cue
        } else {
            Header::Other
        }
    }

    /// Whether a column header is a cue ("customer_name", "Next of kin").
    ///
    /// A cue starts a token of the header; a short one (`to`, `cc`, `fn`)
    /// must also end one, so that the header `town` is not the cue `to`
    /// (towns that are also surnames were the largest class of false
    /// names). A longer cue may run into a glued word (`customername`).
    pub(super) fn header_is_cue(&self, label: &[u8]) -> bool {
        self.cues.find_overlapping_iter(label).any(|m| {
            let starts = m.start() == 0 || !label[m.start() - 1].is_ascii_alphabetic();
            let ends = m.end() == label.len() || !label[m.end()].is_ascii_alphabetic();
            starts && (ends || m.end() - m.start() >= 4)
        })
    }

    /// A cue for the run starting at `pos` (`single`: of one word).
    pub(super) fn cue_before(&self, hay: &[u8], pos: usize, single: bool) -> bool {
        // In prose a field-name cue still vouches for a capitalised name
        // ("change it to Jane Okafor"), not for a lower-case or ALL CAPS word.
        let title_case = hay.get(pos).is_some_and(|b| b.is_ascii_uppercase() || *b >= 0xC0)
            && hay.get(pos + 1).is_some_and(|b| !b.is_ascii_uppercase());
        // A bare `name` field before one lower-case word on the same line
        // is code or a manifest far more often than a person (`$name:ty`,
        // `name = "anes"`, `--name bob`); a question and its answer in the
        // next turn ("your name?\ndamian") is not.
        let lower_single = single && hay.get(pos).is_some_and(u8::is_ascii_lowercase);
        self.cue_end_before(hay, pos)
            && Self::ends_before_where(&self.cues, hay, pos.saturating_sub(self.cfg.context_before), pos, |id, gap| {
                (!self.label_only[id] || title_case || gap.iter().any(|b| matches!(b, b':' | b'=')))
                    && !(lower_single && self.bare_name[id] && !gap.iter().any(|b| matches!(b, b'?' | b'\n')))
            })
    }

    /// One of `ac`'s (strong) cues ends right before `pos`.
    pub(super) fn strong_before(&self, ac: &AhoCorasick, hay: &[u8], pos: usize) -> bool {
        Self::ends_before(ac, hay, pos.saturating_sub(self.cfg.context_before), pos)
    }

    /// A prose cue for a surname ends right before `pos`.
    pub(super) fn surname_cue_before(&self, hay: &[u8], pos: usize) -> bool {
        self.cue_end_before(hay, pos)
            && Self::ends_before(&self.surname_cues, hay, pos.saturating_sub(self.cfg.context_before), pos)
    }

    /// The last letters before `pos` (past punctuation and spaces within
    /// the cue window) are the last word of some cue or title. Every cue
    /// [`NameDetector::ends_before`] accepts passes this test, which costs a
    /// hash lookup instead of an automaton search over the window: most
    /// name candidates have no cue.
    pub(super) fn cue_end_before(&self, hay: &[u8], pos: usize) -> bool {
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
    pub(super) fn ends_before(ac: &AhoCorasick, hay: &[u8], from: usize, pos: usize) -> bool {
        Self::ends_before_where(ac, hay, from, pos, |_, _| true)
    }

    /// [`NameDetector::ends_before`], keeping only cues for which `keep`
    /// (given the pattern id and the gap up to `pos`) holds.
    pub(super) fn ends_before_where(
        ac: &AhoCorasick,
        hay: &[u8],
        from: usize,
        pos: usize,
        keep: impl Fn(usize, &[u8]) -> bool,
    ) -> bool {
        let mut best = None;
        for m in ac.find_overlapping_iter(aho_corasick::Input::new(hay).range(from..pos)) {
            // A cue that starts with its own boundary (`\nname`, `"name"`).
            // Not a variable (`$from:ty`, `#name`).
            let boundary_before = m.start() == 0
                || !hay[m.start()].is_ascii_alphanumeric()
                || !(hay[m.start() - 1].is_ascii_alphanumeric() || matches!(hay[m.start() - 1], b'$' | b'#'));
            let gap = &hay[m.end()..pos];
            // Only punctuation between, and no masked word (`It's ***** ling`,
            // `From: "***?Fletcher"`: the cue was for the name a redaction
            // masked). `**Name:** Jo` (Markdown bold) keeps its cue.
            // Nor code between (`get(name) } else {`).
            let gap_ok = gap.iter().all(|b| !b.is_ascii_alphanumeric() && !matches!(b, b'{' | b'}' | b';' | b'$'))
                && !masked_gap(gap);
            let boundary_after = m.end() == pos || !hay[m.end()].is_ascii_alphanumeric();
            // A WebVTT voice tag is `<v ` exactly: `<V: Visitor>` is a Rust
            // generic, not a speaker.
            // The name is inside the tag: `<v **>And the…` (a redacted
            // speaker) cues nothing after the `>`.
            let tag_ok = hay[m.start()] != b'<'
                || (hay[m.start() + 1] == b'v' && hay.get(m.end()) == Some(&b' ') && !gap.contains(&b'>'));
            if boundary_before
                && boundary_after
                && tag_ok
                && gap_ok
                && keep(m.pattern().as_usize(), gap)
                && !in_placeholder(hay, m.start(), m.end())
            {
                best = Some(m.end());
            }
        }
        best.is_some()
    }

    /// The next word after `pos` (skipping spaces), lower-cased into `buf`,
    /// and whether `&` comes first. No allocation: this
    /// runs for every candidate name.
    pub(super) fn word_after<'b>(hay: &[u8], pos: usize, buf: &'b mut [u8; 24]) -> (&'b str, bool) {
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
}

/// Whether a word of `ac` is a token of `label` (`town` is no `to`; a
/// word of four letters or more may run into another: `customername`).
fn token_of(ac: &AhoCorasick, label: &[u8]) -> bool {
    ac.find_overlapping_iter(label).any(|m| {
        let starts = m.start() == 0 || !label[m.start() - 1].is_ascii_alphabetic();
        let ends = m.end() == label.len() || !label[m.end()].is_ascii_alphabetic();
        (starts && ends) || (m.end() - m.start() >= 4 && (starts || ends))
    })
}

/// Headers that name a person's name on their own.
const NAME_HEADERS: &[&[u8]] = &[b"name", b"names", b"fname", b"lname", b"sname", b"fn", b"ln", b"nom", b"nombre"];

/// The most words, and bytes, of a cell taken whole as a name.
const CELL_WORDS: usize = 4;
const CELL_BYTES: usize = 64;

impl NameDetector {
    /// Whether a column header names a person's name outright: a person's
    /// word (`customer_name`, `Surname`, `next_of_kin`) or a bare `name`;
    /// not merely a cue (`event_name`, `calledstationid`).
    /// `verdict` is the header's [`NameDetector::header_verdict`].
    pub(super) fn person_header(&self, label: &[u8], verdict: &Header) -> bool {
        *verdict == Header::Cue && (NAME_HEADERS.contains(&label) || token_of(&self.person_fields, label))
    }

    /// A cell under a column whose header names a person (`full_name`,
    /// `Surname`, `next_of_kin`) that holds one to four words of letters
    /// and nothing else is a name whatever the lexicons say: exports list
    /// people from every country, in any case (`NGOZI OKAFOR`, `Samatar`),
    /// one field per part. The cell must open at `start` (after the
    /// delimiter, a line start or an opening quote) and end with its words;
    /// placeholders and common words (`Unknown`, `None`, `Yes`) are not
    /// names. Scored as a pair when one of two or more words is known, else
    /// as a single word after a strong cue.
    pub(super) fn whole_cell(
        &self,
        hay: &[u8],
        field: &FieldContext,
        person_cols: &[bool],
        start: usize,
        rule: usize,
    ) -> Option<RawFinding> {
        let FieldContext::Csv { delim, .. } = field else { return None };
        let delim = *delim;
        let quoted = start > 0 && hay[start - 1] == b'"';
        let open = if quoted { start - 1 } else { start };
        let person = || field.column(hay, start).and_then(|c| person_cols.get(c)) == Some(&true);
        if !(open == 0 || hay[open - 1] == delim || hay[open - 1] == b'\n') || !person() {
            return None;
        }
        let limit = (start + CELL_BYTES).min(hay.len());
        let stop = |b: u8| b == delim || b == b'\n' || b == b'\r' || (quoted && b == b'"');
        let e = start + hay[start..limit].iter().position(|&b| stop(b)).unwrap_or(limit - start);
        let closed = match hay.get(e) {
            None => true,
            Some(b'"') => quoted && hay.get(e + 1).is_none_or(|&b| b == delim || b == b'\n' || b == b'\r'),
            Some(_) => !quoted,
        };
        let cell = hay[start..e].trim_ascii_end();
        if !closed || cell.is_empty() || cell.len() < 2 {
            return None;
        }
        let words: Vec<&[u8]> = cell.split(|&b| b == b' ').collect();
        let word_ok = |w: &[u8]| {
            !w.is_empty()
                && (w[0].is_ascii_alphabetic() || w[0] >= 0x80)
                && letters_word(w)
                // A full stop only ends an initial (`J.`), not `wap.example`.
                && (!w.contains(&b'.') || (w.len() == 2 && w[1] == b'.'))
                && !self.cfg.placeholder_words.iter().any(|p| p.as_bytes().eq_ignore_ascii_case(w))
                && !self.cfg.stopwords.iter().any(|s| s.as_bytes().eq_ignore_ascii_case(w))
        };
        let letters = cell.iter().filter(|b| b.is_ascii_alphabetic() || **b >= 0x80).count();
        if !(words.len() <= CELL_WORDS && letters >= 2 && words.iter().all(|w| word_ok(w))) {
            return None;
        }
        let text = String::from_utf8_lossy(cell).to_lowercase();
        let known =
            text.split(' ').filter(|w| self.lexicon.get(w.as_bytes()).is_some_and(|f| f & (GIVEN | SURNAME) != 0));
        let score = if words.len() >= 2 && known.count() >= 1 {
            (self.cfg.score_pair + self.cfg.context_boost).min(1.0)
        } else {
            self.cfg.score_cued_single
        };
        Some(RawFinding::unplaced(rule, start, start + cell.len(), score, text))
    }
}
