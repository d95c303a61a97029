//! Conversation shapes (issue 19): who speaks, and whom they address.
//!
//! Chats and call transcripts name people in two places prose does not: the
//! speaker label that opens each turn (`[Agent Tom] …`, `10:02 - Tom
//! (BrightLine): …`, `Keira: …`) and the given name an agent addresses at
//! the end of a sentence (`…is that right, Keira?`, `thanks Tom.`). Neither
//! has a cue word before the name, so the run-and-cue logic of the detector
//! misses them; this module recognises the two shapes by their layout.
//!
//! A label is judged by how much its layout vouches for it:
//! - **role** (`[Agent Tom]`, `Tom (Agent):`): a role word names the turn's
//!   speaker, so any word that is not a common word or placeholder is a name,
//!   including a capitalised word in no lexicon;
//! - **parenthesis** (`tom (BrightLine):`, a team or company in brackets):
//!   at least one word must be a known name, in any case;
//! - **colon** (`Tom: …`): the common shape of log lines and config keys
//!   (`Note:`, `max: 5`), so only a Title Case given name in the lexicon
//!   that is no common word, with text after the colon.

use super::{lower_into, Case, NameDetector, RawFinding, Word};

/// How the layout around a speaker label vouches for its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Vouch {
    Role,
    Paren,
    Colon,
}

/// The longest name part of a label, in bytes, and its most words.
const MAX_LABEL: usize = 48;
const MAX_WORDS: usize = 4;
/// How far back the start of a line is looked for.
const MAX_PREFIX: usize = 40;

/// Bytes a turn's prefix may hold before its label: a timestamp
/// (`[10:02]`, `2024-01-12 10:02:11 -`), blanks and separators.
fn stamp_byte(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b' ' | b'\t' | b':' | b'.' | b',' | b'/' | b'-' | b'[' | b']' | b'(' | b')')
}

/// A byte of a label's name part: letters (any script), inner marks, blanks.
fn name_byte(b: u8) -> bool {
    b.is_ascii_alphabetic() || b >= 0x80 || matches!(b, b'\'' | b'-' | b'.' | b' ')
}

/// Cheap test, run before every word: could a label start at `start`?
/// Only after a line start, a timestamp or a bracket; in prose a word
/// follows a letter and a space, and is ruled out at once.
///
/// After blanks, a `[` in the 14 bytes before them may open a label
/// (`[10:02]: Tom:`). When a letter comes right before the blanks, only the
/// shape [`speaker_label`] can accept is worth a look: one role word right
/// after the `[` (`[Agent Tom]`), and walking back over that word's letters
/// costs about half of looking for any `[` (this runs for every word of
/// every file; the answer is the same).
#[inline]
pub(super) fn may_open_turn(hay: &[u8], start: usize) -> bool {
    let mut e = start;
    while e > 0 && start - e < 4 && matches!(hay[e - 1], b' ' | b'\t') {
        e -= 1;
    }
    if e == 0 || matches!(hay[e - 1], b'\n' | b'\r' | b']' | b')' | b'-' | b'0'..=b'9' | b'[') {
        return true;
    }
    if e == start {
        return false;
    }
    if !hay[e - 1].is_ascii_alphabetic() {
        return hay[e.saturating_sub(14)..e].contains(&b'[');
    }
    // `[Agent ` : a role word (at most 13 letters) opens the bracket.
    let mut j = e - 1;
    while j > 0 && e - j < 13 && hay[j - 1].is_ascii_alphabetic() {
        j -= 1;
    }
    j > 0 && hay[j - 1] == b'['
}

/// The start of the line holding `pos`, if within [`MAX_PREFIX`] bytes.
fn line_start(hay: &[u8], pos: usize) -> Option<usize> {
    let from = pos.saturating_sub(MAX_PREFIX);
    match hay[from..pos].iter().rposition(|&b| b == b'\n') {
        Some(p) => Some(from + p + 1),
        None => (from == 0).then_some(0),
    }
}

/// The end of the name part of a speaker label starting at `start`, and how
/// the layout vouches for it; `role` says whether a word (in any case) is a role
/// (`agent`, `customer`).
pub(super) fn speaker_label(hay: &[u8], start: usize, role: impl Fn(&[u8]) -> bool) -> Option<(usize, Vouch)> {
    let ls = line_start(hay, start)?;
    let prefix = &hay[ls..start];
    // The prefix first (cheap, and it rules out most calls): a timestamp
    // and blanks, or one role word opening a bracket (`[Agent Tom] …`).
    let bracket = prefix.iter().rposition(|&b| b == b'[').and_then(|open| {
        let role_word = prefix[open + 1..].strip_suffix(b" ").filter(|w| w.iter().all(u8::is_ascii_alphabetic))?;
        Some((open, role_word))
    });
    if bracket.is_none() && !prefix.iter().all(|&b| stamp_byte(b)) {
        return None;
    }
    // The name part: name bytes up to the first byte that is not one.
    let limit = (start + MAX_LABEL).min(hay.len());
    let stop = hay[start..limit].iter().position(|&b| !name_byte(b)).map_or(limit, |p| start + p);
    let mut e = stop;
    while e > start && matches!(hay[e - 1], b' ' | b'.' | b'-' | b'\'') {
        e -= 1;
    }
    let part = &hay[start..e];
    if part.is_empty() || part.windows(2).any(|w| w == b"  ") || part.split(|&b| b == b' ').count() > MAX_WORDS {
        return None;
    }
    // `[Agent Tom] …`: a role word opens the bracket, the name closes it.
    if let Some((open, w)) = bracket {
        let stamped = prefix[..open].iter().all(|&b| stamp_byte(b));
        return (stamped && role(w) && hay.get(stop) == Some(&b']') && stop == e).then_some((e, Vouch::Role));
    }
    let rest = &hay[e..];
    if let Some(inner) = rest.strip_prefix(b" (") {
        // `Tom (BrightLine):` — a short bracket, then the colon.
        let close = inner.iter().take(32).position(|&b| b == b')' || b == b'\n')?;
        let (what, after) = (&inner[..close], &inner[close..]);
        // A team or role has no digits: `Thai (UCS Level 2):` is a heading.
        if !after.starts_with(b"):") || what.is_empty() || what.iter().any(u8::is_ascii_digit) {
            return None;
        }
        let vouch = if role(what) { Vouch::Role } else { Vouch::Paren };
        return Some((e, vouch));
    }
    // `Tom: …` with text after the colon.
    let text_after = rest.strip_prefix(b":").is_some_and(|r| {
        matches!(r.first(), Some(b' ' | b'\t')) && r.iter().take(8).skip(1).any(u8::is_ascii_alphabetic)
    });
    // An indented `Ty: EdgeType` is a key or a bound in code, not a turn.
    let indented = matches!(prefix.first(), Some(b' ' | b'\t'));
    (stop == e && text_after && !indented).then_some((e, Vouch::Colon))
}

/// Whether the word at `start..end` opens its line as a speaker's role
/// (`00:39 agent thank you jacques`, `customer: yes`, `[agent] ok`): the layout of
/// speech-to-text output, where every turn is one line and nothing is
/// capitalised.
pub(super) fn opens_role_turn(hay: &[u8], start: usize, end: usize, role: impl Fn(&[u8]) -> bool) -> bool {
    line_start(hay, start).is_some_and(|ls| hay[ls..start].iter().all(|&b| stamp_byte(b)))
        && matches!(hay.get(end), Some(b' ' | b'\t' | b':' | b']'))
        && role(&hay[start..end])
}

/// Bytes around a label searched for the same label opening another line.
const REPEAT_WINDOW: usize = 4096;

/// Whether `label:` also opens another line within [`REPEAT_WINDOW`] bytes:
/// a speaker who takes turns (`huda: hiya` … `huda: yes`), which a key in a
/// config file or a log line does not do under a name.
fn label_repeats(hay: &[u8], start: usize, end: usize) -> bool {
    let mut needle = Vec::with_capacity(end - start + 2);
    needle.push(b'\n');
    needle.extend_from_slice(&hay[start..end]);
    needle.push(b':');
    let (from, to) = (start.saturating_sub(REPEAT_WINDOW), (end + REPEAT_WINDOW).min(hay.len()));
    memchr::memmem::find_iter(&hay[from..to], &needle).any(|p| from + p + 1 != start)
}

impl NameDetector {
    /// A lower-case given name inside a line that opens with a speaker's
    /// role (see [`opens_role_turn`]), with a surname after it if one
    /// follows: "thank you jacques", "speaking with priya patel". Lower
    /// case vouches for nothing there, so only an unambiguous given name
    /// that is no English word, month or UK place, scored as a given name
    /// mid-sentence.
    pub(super) fn lower_turn_name(&self, hay: &[u8], start: usize, end: usize, rule: usize) -> Option<RawFinding> {
        let strict = |w: &Word| {
            w.case == Case::Lower
                && w.end - w.start >= 3
                && !(w.ambiguous || w.stop || w.wordlike || w.title_or_cue)
                && !lower_into(&hay[w.start..w.end], &mut [0u8; 24]).is_some_and(|k| self.dates.contains(k))
                && !super::super::address::is_place(&hay[w.start..w.end])
        };
        let first = self.classify(hay, start, end).filter(|w| w.given && strict(w))?;
        if matches!(hay.get(end), Some(b'(' | b':' | b'=' | b'@' | b'.' | b'_')) && hay.get(end + 1) != Some(&b' ') {
            return None;
        }
        let mut words = vec![first];
        let s2 = end + 1;
        if hay.get(end) == Some(&b' ') && hay.get(s2).is_some_and(u8::is_ascii_lowercase) {
            let e2 = s2
                + hay[s2..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphabetic() || *b == b'\'' || *b == b'-'))
                    .unwrap_or(hay.len() - s2);
            // A surname may be an English word here ("lawrence fisher"):
            // the given name before it vouches for it.
            let surname = |w: &Word| w.surname && w.case == Case::Lower && !(w.ambiguous || w.stop || w.title_or_cue);
            if let Some(w) = self.classify(hay, s2, e2).filter(surname) {
                words.push(w);
            }
        }
        let e = words.last().map_or(end, |w| w.end);
        let score = if words.len() == 2 { self.cfg.score_pair } else { self.cfg.score_mid_given };
        let (joined, _) = Self::joined_keys(hay, &words);
        Some(RawFinding::unplaced(rule, start, e, score, joined))
    }

    /// The words of a speaker label as a finding, when they read as a
    /// person under the label's vouch (see the module docs).
    pub(super) fn speaker(
        &self,
        hay: &[u8],
        start: usize,
        end: usize,
        vouch: Vouch,
        rule: usize,
    ) -> Option<RawFinding> {
        let mut words: Vec<Word> = Vec::with_capacity(MAX_WORDS);
        let mut s = start;
        for part in hay[start..end].split(|&b| b == b' ') {
            let e = s + part.len();
            let w = self.classify(hay, s, e).filter(|w| !w.stop && !w.title_or_cue && w.case != Case::Mixed)?;
            let placeholder = self.cfg.placeholder_words.iter().any(|p| p.as_bytes().eq_ignore_ascii_case(part));
            if placeholder || (w.ambiguous && vouch != Vouch::Role) {
                return None;
            }
            words.push(w);
            s = e + 1;
        }
        let known = words.iter().filter(|w| w.is_name()).count();
        let ok = match vouch {
            // A capitalised word in no lexicon is a name here; a lower-case
            // one only when the lexicons know it (classify drops the rest).
            Vouch::Role => true,
            Vouch::Paren => known > 0,
            Vouch::Colon => {
                let title = words.iter().all(|w| w.case == Case::Title && (w.is_name() || w.initial));
                // `huda: hiya` — lower case vouches for nothing, a speaker
                // who takes turns does.
                // Not a field of a structure listing (`len: OPTLEN,`).
                let caps_after = {
                    let r = hay[end..].strip_prefix(b": ").unwrap_or(&[]);
                    let w = &r[..r.iter().position(|b| !b.is_ascii_alphanumeric()).unwrap_or(r.len())];
                    w.len() >= 2 && w.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                };
                let lower = words.iter().all(|w| w.case == Case::Lower && w.is_name() && !w.wordlike)
                    && !caps_after
                    && label_repeats(hay, start, end);
                words.len() <= 3 && words[0].given && (title || lower)
            }
        };
        if !ok {
            return None;
        }
        let score = if known >= 2 {
            (self.cfg.score_pair + self.cfg.context_boost).min(1.0)
        } else {
            self.cfg.score_cued_single
        };
        let (joined, _) = Self::joined_keys(hay, &words);
        Some(RawFinding::unplaced(rule, start, end, score, joined))
    }

    /// A given name addressed at the end of a sentence: after a comma
    /// ("Anything else I can help with today, Keira?", "That's all
    /// verified,\nTom." over a caption's line break) or straight after a
    /// lower-case word, as speech-to-text writes it ("thanks Tom.").
    /// Only an unambiguous given name in Title Case that is no UK place,
    /// so that ", Paris." or "in Chester." stay what they are.
    pub(super) fn vocative(&self, hay: &[u8], w: &Word) -> bool {
        if !w.given || w.ambiguous || w.stop || w.case != Case::Title {
            return false;
        }
        if !matches!(hay.get(w.end), Some(b'?' | b'.' | b'!')) {
            return false;
        }
        let before = &hay[..w.start];
        let after_comma = [&b", "[..], b",\n", b",\r\n"].iter().find(|g| before.ends_with(g)).map(|g| g.len());
        let after_word = before
            .ends_with(b" ")
            .then_some(1)
            .filter(|_| before.len() >= 2 && before[before.len() - 2].is_ascii_lowercase());
        let Some(gap) = after_comma.or(after_word) else { return false };
        let word_end = w.start - gap;
        word_end > 0
            && before[word_end - 1].is_ascii_alphabetic()
            && !super::super::address::is_place(&hay[w.start..w.end])
    }
}

impl NameDetector {
    /// A given name alone in the middle of a sentence: Title Case right
    /// after a lower-case word ("…so Keira asked", "ask Tom about it"),
    /// where prose does not capitalise a common word. Only an unambiguous
    /// given name that is no surname (`Travis`, `Darwin`: tools and
    /// places in technical prose), no English word (`Alpha`, `Manual`), no
    /// month and no UK place. Measured on Debian's `/usr/share/doc`, the
    /// unrestricted rule added 19k findings, many of them such words.
    ///
    /// Nor after a determiner or a code keyword ("the Teddy algorithm",
    /// `enum Ty {`, `&mut Ty`), nor followed by code punctuation (`Ty<`,
    /// `Len::new`): there the word names a thing.
    pub(super) fn mid_sentence(&self, hay: &[u8], w: &Word) -> bool {
        let code_after = match hay.get(w.end) {
            Some(b'(' | b'<' | b'{' | b'[' | b';' | b'=' | b'>') => true,
            Some(b':') => hay.get(w.end + 1) == Some(&b':'),
            Some(b' ') => hay.get(w.end + 1) == Some(&b'{'),
            _ => false,
        };
        // The word before: lower case from its first letter, or first on
        // its line ("Toolkit Athena" is a title, "Best Keira," a sign-off),
        // and no determiner.
        let word_before_ok = || {
            let e = hay[..w.start].iter().rposition(u8::is_ascii_alphabetic).map_or(0, |p| p + 1);
            let s = hay[..e].iter().rposition(|b| !b.is_ascii_alphabetic()).map_or(0, |p| p + 1);
            (hay[s].is_ascii_lowercase() || s == 0 || hay[s - 1] == b'\n')
                && !lower_into(&hay[s..e], &mut [0u8; 24]).is_some_and(|k| self.mid_not_after.contains(k))
        };
        // Other places in a sentence only a person fits: its subject at the
        // start of a sentence ("Keira called back."), in brackets after a
        // lower-case word ("the engineer (Priya) came") and between commas
        // after one ("the engineer, Priya, came").
        let before = &hay[..w.start];
        let after = &hay[w.end..];
        let lower_word_next = after.first() == Some(&b' ') && after.get(1).is_some_and(u8::is_ascii_lowercase);
        let sentence_start = {
            let t = before.trim_ascii_end();
            let paragraph = before.ends_with(b"\n\n") || before.ends_with(b"\n\r\n") || t.is_empty();
            // (ASCII only: in other languages' prose the words that open
            // sentences and are also given names are many.)
            (paragraph || (t.len() < before.len() && matches!(t.last(), Some(b'.' | b'!' | b'?'))))
                && lower_word_next
                && hay[w.start..w.end].is_ascii()
        };
        let lower_before = |gap: &[u8]| {
            before.ends_with(gap)
                && before.len() > gap.len()
                && before[before.len() - gap.len() - 1].is_ascii_lowercase()
        };
        let bracketed = lower_before(b" (") && after.first() == Some(&b')');
        let apposed = lower_before(b", ") && after.first() == Some(&b',');
        // ("There's", "S'il" are no names.)
        let placed = (sentence_start || bracketed || apposed) && !hay[w.start..w.end].contains(&b'\'');
        !code_after
            && w.end - w.start >= 3
            && w.given
            && !w.surname
            && !w.ambiguous
            && !w.stop
            && !w.wordlike
            && w.case == Case::Title
            && (placed || (w.start >= 2 && hay[w.start - 1] == b' ' && hay[w.start - 2].is_ascii_lowercase()))
            && !super::super::address::is_place(&hay[w.start..w.end])
            && !lower_into(&hay[w.start..w.end], &mut [0u8; 24]).is_some_and(|k| self.dates.contains(k))
            && (sentence_start || word_before_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str, at: &str) -> Option<(String, Vouch)> {
        let start = text.find(at).expect("word");
        let role = |w: &[u8]| matches!(w.to_ascii_lowercase().as_slice(), b"agent" | b"customer");
        speaker_label(text.as_bytes(), start, role).map(|(e, v)| (text[start..e].to_string(), v))
    }

    #[test]
    fn labels_by_layout() {
        assert_eq!(label("[10:02] [Agent Tom] hi there", "Tom"), Some(("Tom".into(), Vouch::Role)));
        assert_eq!(label("x\n10:02 - Tom Ashby (BrightLine): hi", "Tom"), Some(("Tom Ashby".into(), Vouch::Paren)));
        assert_eq!(label("keira (Customer): hello", "keira"), Some(("keira".into(), Vouch::Role)));
        assert_eq!(label("done\nTom: yes that is right", "Tom"), Some(("Tom".into(), Vouch::Colon)));
        // Not at the start of a turn, or not closed as a label.
        assert_eq!(label("we spoke to Tom: yes", "Tom"), None);
        assert_eq!(label("[Agent Tom is here", "Tom"), None);
        assert_eq!(label("[Note Tom] x", "Tom"), None);
        assert_eq!(label("Tom:5", "Tom"), None);
        assert_eq!(label("where\n    Ty: EdgeType,", "Ty"), None);
        assert_eq!(label("Tom (the one from before) said", "Tom"), None);
    }

    #[test]
    fn turns_open_only_after_a_line_start_stamp_or_bracket() {
        let t = b"hello there Tom\n10:02 Tom [Agent Tom]";
        assert!(!may_open_turn(t, 12));
        assert!(may_open_turn(t, 22));
        assert!(may_open_turn(t, 33));
        assert!(may_open_turn(t, 0));
        // A role word of up to 13 letters right after the bracket.
        assert!(may_open_turn(b"[Administrator Tom", 15));
        assert!(!may_open_turn(b"[Representative Tom", 16));
        assert!(may_open_turn(b"[ab, Tom", 5));
        // Timestamp bytes before the name (review): as before the speed-up.
        assert_eq!(label("[10:02]: Tom: hi there", "Tom"), Some(("Tom".into(), Vouch::Colon)));
        assert!(may_open_turn(b"[10:02]: Tom", 9));
        assert!(may_open_turn(b"[10:02]      Tom", 13));
    }
}
