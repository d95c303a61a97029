//! Answers in conversations: the question is in the turn before (issue 19,
//! "turns, not cues").
//!
//! In a call or a chat the agent asks ("and the MAC address of the
//! router?") and the customer answers in a turn of their own ("yeah it's
//! A42B19C3E5F0"). The answer carries no cue word, and its cue sits in the
//! question, often further back than a rule's context window and, in
//! WebVTT and SRT, across a blank line and a timing line, which end the
//! paragraph a positive cue may come from. So when a value opens a turn (a
//! speaker label or role, then at most a few lead-in words: `yeah it's`,
//! `um`, `sure`), the turn before it is its context too.
//!
//! Only conversations: the answer's line must open with a speaker label or
//! role word, or the question must end with `?`. A value at the start of a
//! log line or a CSV row, after an unrelated line, gains nothing.

/// Longest lead-in before an answer's value (label, role, lead-in words).
const MAX_LEAD: usize = 64;
/// Lines between a question and its answer that are no turn: blank lines,
/// timing lines (`00:01.000 --> 00:04.000`) and SRT cue numbers.
const MAX_SKIPPED: usize = 4;
/// Longest question line considered.
const MAX_QUESTION: usize = 320;
/// Most lead-in words before the value.
const MAX_WORDS: usize = 5;

/// Words that may come between a turn's opening and the value it answers
/// with. Role words open turns in speech-to-text output (`customer yeah
/// it's …`).
const LEAD_WORDS: &[&str] = &[
    "yeah", "yes", "yep", "yup", "ya", "aye", "ok", "okay", "sure", "right", "so", "um", "umm", "uh", "er", "erm",
    "ah", "hmm", "mm", "well", "it's", "its", "it", "is", "that's", "thats", "that", "mine", "my", "the", "it'll",
    "be", "i", "think", "of", "course", "sorry", "and", "oh", "please", "go", "ahead", "no", "problem", "s",
];

/// Role words that open a turn in speech-to-text output without a colon
/// (also read by the spoken-form normaliser, which ends a value at another
/// speaker's turn).
pub(crate) const ROLE_WORDS: &[&str] =
    &["agent", "customer", "caller", "advisor", "adviser", "operator", "rep", "speaker", "client", "user"];

/// The question turn before the value starting at `s`, as a byte range of
/// `hay`, if the value opens an answer turn.
pub(crate) fn question_before(hay: &[u8], s: usize) -> Option<(usize, usize)> {
    let from = s.saturating_sub(MAX_LEAD);
    let ls = match memchr::memrchr(b'\n', &hay[from..s]) {
        Some(i) => from + i + 1,
        None if from == 0 => 0,
        None => return None,
    };
    let labelled = lead_in(&hay[ls..s])?;
    // Back over lines that are no turn, to the question.
    let mut end = ls.checked_sub(1)?;
    for _ in 0..=MAX_SKIPPED {
        let start = memchr::memrchr(b'\n', &hay[end.saturating_sub(MAX_QUESTION)..end])
            .map(|i| end.saturating_sub(MAX_QUESTION) + i + 1)
            .or_else(|| (end <= MAX_QUESTION).then_some(0))?;
        let line = hay[start..end].trim_ascii();
        let no_turn =
            line.is_empty() || line.iter().all(u8::is_ascii_digit) || memchr::memmem::find(line, b"-->").is_some();
        if !no_turn {
            let asks = line.ends_with(b"?") || line.ends_with(b"?</v>");
            return (labelled || asks).then_some((start, end));
        }
        end = start.checked_sub(1)?;
    }
    None
}

/// Whether `prefix` (the bytes before a value on its line) is only a turn's
/// opening: `Some(labelled)` when it is, where `labelled` says a speaker
/// label or role word opened it.
fn lead_in(prefix: &[u8]) -> Option<bool> {
    // A label ends at its `:`, `]` or `>` (`Customer:`, `[SPEAKER_01]:`,
    // `<v Keira Barnes>`) with a letter before it (not a timestamp's `:`);
    // what follows is the turn's text.
    let label_end =
        prefix.iter().rposition(|&b| matches!(b, b':' | b']' | b'>')).filter(|&i| speaker_like(&prefix[..i]));
    let (mut labelled, rest) = match label_end {
        Some(i) => (names_a_speaker(&prefix[..i]), &prefix[i + 1..]),
        None => (false, prefix),
    };
    // Without a label, the line may open with a timestamp and a role word
    // (`00:39 customer yeah it's`).
    let mut opening = label_end.is_none();
    let mut role_seen = false;
    let mut words = 0;
    // Compared without case and without a copy: this runs for every
    // candidate value no cue decided.
    let listed = |list: &[&str], w: &[u8]| list.iter().any(|l| w.eq_ignore_ascii_case(l.as_bytes()));
    for w in rest.split(|b| !(b.is_ascii_alphanumeric() || *b == b'\'')).filter(|w| !w.is_empty()) {
        if opening && w.iter().all(u8::is_ascii_digit) {
            continue;
        }
        if opening && listed(ROLE_WORDS, w) {
            (labelled, opening, role_seen) = (true, false, true);
            continue;
        }
        // A speaker's number after its role (`speaker 2 yeah it's`).
        if std::mem::take(&mut role_seen) && w.len() <= 2 && w.iter().all(u8::is_ascii_digit) {
            continue;
        }
        opening = false;
        words += 1;
        if words > MAX_WORDS || !listed(LEAD_WORDS, w) {
            return None;
        }
    }
    Some(labelled)
}

/// Whether a label surely names a speaker, so that its turn answers the one
/// before without a `?`: a role word in it (`Customer`, `[SPEAKER_01]`,
/// `Tom (Agent)`), or a bracket or voice tag (`[Tom]`, `<v Keira Barnes`).
/// A name alone (`keira:`) is also how a YAML or mail header key looks
/// (`serial:`, `Message-ID:`): such a turn needs its question's `?`.
fn names_a_speaker(label: &[u8]) -> bool {
    let t = label.trim_ascii_start();
    t.starts_with(b"[")
        || t.starts_with(b"<v ")
        || label
            .split(|b| !b.is_ascii_alphabetic())
            .any(|w| ROLE_WORDS.iter().any(|r| w.eq_ignore_ascii_case(r.as_bytes())))
}

/// Whether the bytes before a label's `:`, `]` or `>` can be a speaker
/// (`Customer`, `[SPEAKER_01]`, `<v Keira Barnes`, `10:02 - Tom (Agent)`):
/// a letter, and no quote, `=`, `{` or `,` (a JSON or config key is no
/// speaker, and the line before it no question).
fn speaker_like(label: &[u8]) -> bool {
    label.iter().any(u8::is_ascii_alphabetic)
        && label.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || b >= 0x80
                || matches!(
                    b,
                    b' ' | b'\t' | b'_' | b'-' | b'.' | b'\'' | b'[' | b']' | b'<' | b'>' | b'(' | b')' | b':'
                )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str, value: &str) -> Option<String> {
        let s = text.rfind(value).unwrap();
        question_before(text.as_bytes(), s).map(|(a, b)| text[a..b].trim().to_string())
    }

    #[test]
    fn answers_take_the_question_before() {
        let asr = "agent can i take the mac address of the router please\ncustomer yeah it's A42B19C3E5F0\n";
        assert_eq!(q(asr, "A42B").as_deref(), Some("agent can i take the mac address of the router please"));
        let vtt = "00:01.000 --> 00:03.000\n<v Agent>And your date of birth?</v>\n\n2\n00:04.000 --> 00:06.000\n<v Keira Barnes>um 19071984</v>\n";
        assert_eq!(q(vtt, "1907").as_deref(), Some("<v Agent>And your date of birth?</v>"));
        let chat = "Agent: what's the account number?\nCustomer: 12345678";
        assert_eq!(q(chat, "1234").as_deref(), Some("Agent: what's the account number?"));
        let unlabelled = "What is your date of birth?\n19071984";
        assert_eq!(q(unlabelled, "1907").as_deref(), Some("What is your date of birth?"));
        let stamped = "00:31 agent and the postcode\n00:39 customer um SW1A 1AA";
        assert_eq!(q(stamped, "SW1A").as_deref(), Some("00:31 agent and the postcode"));
    }

    #[test]
    fn not_an_answer_gains_nothing() {
        // A log line or a CSV row after an unrelated line: no label, no question.
        assert_eq!(q("router mac address table\n001A2B3C4D5E 10.0.0.1", "001A"), None);
        assert_eq!(q("dob,name\n19071984,Jo", "1907"), None);
        // A key is no speaker: the line before it says nothing of it.
        assert_eq!(q("  \"gaid\": \"x\",\n  \"session\": \"6f1c\"", "6f1c"), None);
        assert_eq!(q("idfa=1\nsession=6f1c", "6f1c"), None);
        // A YAML key is not a speaker (review): without the question's `?`
        // the line before lends it nothing.
        assert_eq!(q("mac_address: 00:1A:2B:3C:4D:5E\nserial: 001A2B3C4D5E", "001A2B"), None);
        // A numbered speaker is a speaker.
        assert_eq!(
            q("speaker 1 and the postcode\nspeaker 2 yeah it's SW1A 1AA", "SW1A").as_deref(),
            Some("speaker 1 and the postcode")
        );
        // Words before the value that are no lead-in.
        assert_eq!(q("Agent: date of birth?\nCustomer: my order was 19071984", "1907"), None);
        // The first line has no turn before it.
        assert_eq!(q("Customer: 19071984", "1907"), None);
    }
}
